"""Durability: kill -9 of a worker loses nothing and repeats no side effect; two workers share one PostgreSQL.

The full harness (100 kills during 10,000 inbound events, both back ends, two workers) is
``bench/engine.py kill``; here a few kills at fixed moments, so the suite stays quick.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from crmflow.engine.worker import Engine

from .conftest import MemoryConnector, pg_url
from .test_engine import LEAD, lead

WORKER = """
import sqlite3, sys
from crmflow.engine.contracts import ActionResult
from crmflow.engine.worker import Engine

class Ledger:
    name = "crm"
    def __init__(self, path):
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.execute("CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, deliveries INTEGER)")
    def perform(self, request):
        self.conn.execute("INSERT INTO calls VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET deliveries = deliveries + 1",
                          (request.idempotency_key,))
        return ActionResult(ok=True)

Engine(sys.argv[1], connectors=[Ledger(sys.argv[2])], batch=20).serve(idle_sleep=0.005)
"""


def _call(n: int):  # type: ignore[no-untyped-def]
    from crmflow.engine.contracts import CorrelateMessage

    return CorrelateMessage(
        message_name="first_contact",
        correlation_key="lead_id",
        correlation_value=f"L{n}",
        dedupe_key=f"tel:{n}",
        variables={"lead": {"reached": True}},
    )


def _kill_run(url: str, tmp_path: Path, leads: int = 150, kills: int = 4) -> None:
    engine = Engine(url)
    engine.deploy(LEAD)
    engine.store.accept_many([lead(i) for i in range(leads)] + [_call(i) for i in range(leads)])
    ledger = str(tmp_path / "ledger.sqlite")
    spawn = lambda: subprocess.Popen([sys.executable, "-c", WORKER, url, ledger])  # noqa: E731
    proc = spawn()
    for k in range(kills):
        time.sleep(0.8 + 0.3 * k)  # some kills land during start-up, most during work
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc = spawn()
    deadline = time.monotonic() + 300
    q = "SELECT COUNT(*) FROM tasks WHERE node = 'qualify'"
    while time.monotonic() < deadline:
        with engine.store.tx():
            if (
                engine.store.q(q)[0][0] == leads
                and not engine.store.q("SELECT COUNT(*) FROM outbox WHERE status <> 'done'")[0][0]
            ):
                break
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with engine.store.tx():
        assert engine.store.q("SELECT status, COUNT(*) FROM inbox WHERE kind = 'message' GROUP BY status") == [
            ("done", 2 * leads)
        ]
        assert engine.store.q("SELECT COUNT(*), COUNT(DISTINCT business_key) FROM instances")[0] == (leads, leads)
        tasks = engine.store.q("SELECT node, status, COUNT(*) FROM tasks GROUP BY node, status ORDER BY node")
        assert tasks == [("first_contact", "done", leads), ("qualify", "open", leads)]
        actions = engine.store.q("SELECT COUNT(*) FROM outbox WHERE kind = 'action'")[0][0]
    assert actions == 2 * leads
    keys = sqlite3.connect(ledger).execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    assert keys == actions  # each side effect reached the CRM under its own key; none was lost or invented


def test_kill_minus_nine_sqlite(tmp_path: Path) -> None:
    _kill_run(str(tmp_path / "engine.sqlite"), tmp_path)


def test_kill_minus_nine_postgresql(tmp_path: Path) -> None:
    _kill_run(pg_url(), tmp_path)


def test_two_workers_on_one_postgresql_never_take_the_same_row() -> None:
    url = pg_url()
    crm = MemoryConnector()
    first = Engine(url, connectors=[crm], batch=10)
    first.deploy(LEAD)
    second = Engine(url, connectors=[crm], batch=10)
    n = 200
    first.store.accept_many([lead(i) for i in range(n)])
    errors: list[BaseException] = []

    def work(engine: Engine) -> None:
        try:
            for _ in range(3):
                engine.run_until_idle()
                time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(e,)) for e in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first.run_until_idle()
    assert not errors
    with first.store.tx():
        assert first.store.q("SELECT COUNT(*), COUNT(DISTINCT instance_id) FROM tasks WHERE node = 'first_contact'")[0] == (n, n)
    assert len(crm.calls) == 2 * n and set(crm.calls.values()) == {1}  # the relay never sent a row twice
