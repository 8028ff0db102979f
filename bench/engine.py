"""Benchmarks of the engine on the incoming-lead workload: throughput, latency, timers, kill -9 durability.

Run by hand (never in the test suite); PostgreSQL on 127.0.0.1 (database ``i12_engine``, a fresh
schema per run), SQLite in a temporary directory:

    .venv/bin/python bench/engine.py throughput --backend postgresql --leads 2000 --workers 2
    .venv/bin/python bench/engine.py latency    --backend postgresql --rate 500 --seconds 10
    .venv/bin/python bench/engine.py webhook    --backend postgresql --rate 100 --seconds 20 --workers 2
    .venv/bin/python bench/engine.py timers     --backend postgresql --timers 1000
    .venv/bin/python bench/engine.py kill       --backend sqlite --leads 5000 --kills 100 --workers 1

The workload is the shipped ``incoming_lead.yaml``: ``lead.created`` starts an instance, two service
tasks (register, assign) go through the outbox to a connector and come back through the inbox, the
rep's task opens with its 10-working-minute SLA timer armed, and ``call.logged`` (a message from
telephony) completes it -- the timer is cancelled and the qualification task opens. Inbound events
are the two messages per lead; each lead also costs two connector answers through the inbox.

Worker processes are separate OS processes (``bench/engine.py worker``), as ``crmflow engine run``
would be. The fake CRM of the kill harness is a SQLite ledger that honours idempotency keys: it
counts deliveries per key (a redelivery after a kill is counted) and performs each key once.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent
LEAD = ROOT / "src" / "crmflow" / "design" / "examples" / "incoming_lead.yaml"
PG = "postgresql://postgres@127.0.0.1:5432/i12_engine"
TASK_MESSAGES = {"call.logged": ["first_contact"]}

from crmflow.engine.contracts import ActionRequest, ActionResult, CorrelateMessage, StartProcess  # noqa: E402
from crmflow.engine.worker import Engine  # noqa: E402


class Counter:
    """An in-memory connector that answers at once."""

    name = "crm"

    def __init__(self) -> None:
        self.calls = 0

    def perform(self, request: ActionRequest) -> ActionResult:
        self.calls += 1
        return ActionResult(ok=True)


class Ledger:
    """The fake CRM of the kill harness: durable, honours idempotency keys, counts every delivery."""

    name = "crm"

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, deliveries INTEGER NOT NULL)")

    def perform(self, request: ActionRequest) -> ActionResult:
        self.conn.execute(
            "INSERT INTO calls (key, deliveries) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET deliveries = deliveries + 1",
            (request.idempotency_key,),
        )
        return ActionResult(ok=True)


def fresh_store(backend: str) -> str:
    if backend == "sqlite":
        return str(Path(tempfile.mkdtemp(prefix="crmflow-bench-")) / "engine.sqlite")
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'i12_engine'").fetchone():
            conn.execute("CREATE DATABASE i12_engine")
    schema = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(PG, autocommit=True) as conn:
        for (old,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_%'").fetchall():
            conn.execute(f"DROP SCHEMA {old} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{PG}?options=-csearch_path%3D{schema}"


def leads(start: int, n: int) -> list[CorrelateMessage]:
    return [
        CorrelateMessage(
            message_name="lead.created",
            correlation_key="lead_id",
            correlation_value=f"L{i}",
            dedupe_key=f"b24:{i}",
            variables={"lead": {"source": "web", "product_line": random.choice(["b2b", "b2c"])}},
        )
        for i in range(start, start + n)
    ]


def calls(start: int, n: int) -> list[CorrelateMessage]:
    return [
        CorrelateMessage(
            message_name="call.logged",
            correlation_key="lead_id",
            correlation_value=f"L{i}",
            dedupe_key=f"tel:{i}",
            variables={"lead": {"reached": True}},
        )
        for i in range(start, start + n)
    ]


def accept(engine: Engine, commands: list[Any]) -> None:
    for k in range(0, len(commands), 1000):
        engine.store.accept_many(commands[k : k + 1000])


def spawn(url: str, *, batch: int, ledger: str | None = None) -> subprocess.Popen[bytes]:
    args = [sys.executable, str(Path(__file__).resolve()), "worker", "--store", url, "--batch", str(batch)]
    if ledger:
        args += ["--ledger", ledger]
    return subprocess.Popen(args, cwd=ROOT)


def count(engine: Engine, sql: str, params: tuple[Any, ...] = ()) -> int:
    with engine.store.tx():
        return int(engine.store.q(sql, params)[0][0])


def wait_for(engine: Engine, sql: str, target: int, *, timeout: float = 600.0) -> float:
    t0 = time.perf_counter()
    while count(engine, sql) < target:
        if time.perf_counter() - t0 > timeout:
            raise SystemExit(f"timeout waiting for {sql} to reach {target}")
        time.sleep(0.02)
    return time.perf_counter()


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        p.wait(timeout=30)


def setup(backend: str) -> tuple[str, Engine]:
    url = fresh_store(backend)
    engine = Engine(url, task_messages=TASK_MESSAGES)
    engine.deploy(LEAD)
    return url, engine


# ---------------------------------------------------------------------------------------- runs


def peer_throughput(backend: str, n: int, workers: int, batch: int) -> dict[str, Any]:
    """The same workload through the minimal own loop of ``bench/engine_peer.py`` (the peer)."""
    import engine_peer as peer

    url = fresh_store(backend)
    peer.create(url)
    db = peer.Db(url)

    def tasks(node: str) -> int:
        n_ = int(db.q("SELECT COUNT(*) FROM p_tasks WHERE node = ?", (node,))[0][0])
        db.commit()
        return n_

    def until(node: str) -> float:
        t = time.perf_counter()
        while tasks(node) < n:
            if time.perf_counter() - t > 600:
                raise SystemExit(f"peer: timeout waiting for {node}")
            time.sleep(0.02)
        return time.perf_counter()

    args = [sys.executable, str(HERE / "engine_peer.py"), "worker", "--store", url, "--batch", str(batch)]
    procs = [subprocess.Popen(args, cwd=ROOT) for _ in range(workers)]
    try:
        time.sleep(2.0)
        t0 = time.perf_counter()
        peer.accept(url, peer.lead_rows(n))
        t1 = until("first_contact")
        peer.accept(url, peer.call_rows(n))
        t2 = time.perf_counter()
        t3 = until("qualify")
    finally:
        stop(procs)
    seconds = (t1 - t0) + (t3 - t2)
    return {"inbound_events_per_s": round(2 * n / seconds), "seconds": round(seconds, 2)}


def throughput(backend: str, n: int, workers: int, batch: int, with_peer: bool = True) -> dict[str, Any]:
    load_before = os.getloadavg()
    url, engine = setup(backend)
    procs = [spawn(url, batch=batch) for _ in range(workers)]
    time.sleep(4.0)  # the workers are up and idle
    t0 = time.perf_counter()
    accept(engine, leads(0, n))  # the webhooks' inserts count
    t1 = wait_for(engine, "SELECT COUNT(*) FROM tasks WHERE node = 'first_contact'", n)
    accept(engine, calls(0, n))
    t2 = time.perf_counter()
    t3 = wait_for(engine, "SELECT COUNT(*) FROM tasks WHERE node = 'qualify'", n)
    stop(procs)
    seconds = (t1 - t0) + (t3 - t2)
    peer = peer_throughput(backend, n, workers, batch) if with_peer else None
    ours = round(2 * n / seconds)
    return {
        "run": "throughput",
        "load_average_before_after": [round(load_before[0], 1), round(os.getloadavg()[0], 1)],
        "peer_minimal_loop_inbound_events_per_s": peer["inbound_events_per_s"] if peer else None,
        "ratio_engine_to_peer": round(ours / peer["inbound_events_per_s"], 2) if peer else None,
        "backend": backend,
        "workers": workers,
        "batch": batch,
        "leads": n,
        "inbound_events": 2 * n,
        "seconds": round(seconds, 2),
        "inbound_events_per_s": ours,
        "all_inbox_events_per_s": round(4 * n / seconds),
        "leads_to_task_s": round(t1 - t0, 2),
        "calls_to_done_s": round(t3 - t2, 2),
    }


def latency(backend: str, rate: int, seconds: float, workers: int, batch: int) -> dict[str, Any]:
    url, engine = setup(backend)
    procs = [spawn(url, batch=batch) for _ in range(workers)]
    time.sleep(2.0)  # workers up
    sent, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        due = int((time.perf_counter() - t0) * rate)
        if due > sent:
            accept(engine, leads(sent, due - sent))
            sent = due
        time.sleep(0.005)
    wait_for(engine, "SELECT COUNT(*) FROM tasks WHERE node = 'first_contact'", sent)
    stop(procs)
    with engine.store.tx():
        rows = engine.store.q(
            "SELECT t.created_at - i.received_at FROM tasks t JOIN inbox i ON i.dedupe_key = 'b24:' || substr(t.business_key, 2) "
            "WHERE t.node = 'first_contact'"
        )
    ms = sorted(1000 * float(r[0]) for r in rows)
    return {
        "run": "latency (inbox to task: lead.created accepted -> rep's task open, through 2 connector round trips)",
        "backend": backend,
        "workers": workers,
        "rate_per_s": rate,
        "leads": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 1),
        "max_ms": round(ms[-1], 1),
    }


WEBHOOK_TRIGGERS = """\
triggers: 1
rules:
  - id: lead_created
    source: json
    event: lead.created
    message: {name: lead.created, correlation_key: lead_id}
"""
SECRET = "bench-secret"


def http_server(args: argparse.Namespace) -> None:
    """The HTTP side of ``crmflow engine run`` (task API + webhooks) as its own process."""
    import uvicorn

    from crmflow.engine.service import create_run_app
    from crmflow.engine.triggers import read_triggers_text
    from crmflow.engine.webhooks import WebhookSettings

    table = read_triggers_text(WEBHOOK_TRIGGERS, where="bench")
    settings = WebhookSettings(webhook_hmac_secret=SECRET)
    app = create_run_app(Engine(args.store, task_messages=TASK_MESSAGES), table, settings=settings)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


def webhook_latency(backend: str, rate: int, seconds: float, workers: int, batch: int, senders: int) -> dict[str, Any]:
    """Signed JSON webhooks POSTed at ``rate``/s → the rep's task visible (committed, read back by a poller)."""
    import hashlib
    import hmac
    import socket
    import threading

    import httpx

    url, engine = setup(backend)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = [spawn(url, batch=batch) for _ in range(workers)]
    procs.append(subprocess.Popen([sys.executable, __file__, "http", "--store", url, "--port", str(port)], cwd=ROOT))
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if procs[-1].poll() is not None:
            stop(procs[:-1])
            raise SystemExit("the HTTP server did not start")
        try:
            httpx.get(f"{base}/status", timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    sent: dict[str, float] = {}
    answers: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    t0 = time.perf_counter()
    stop_at = t0 + seconds

    def sender(k: int) -> None:
        with httpx.Client(timeout=30) as client:
            i = k
            while True:
                due = t0 + i / rate
                if due > stop_at:
                    return
                time.sleep(max(0.0, due - time.perf_counter()))
                body = json.dumps(
                    {"id": f"w{i}", "event": "lead.created", "keys": {"lead_id": f"L{i}"}, "data": {"source": "web"}}
                ).encode()
                ts = str(int(time.time()))
                sig = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
                t = time.perf_counter()
                r = client.post(
                    f"{base}/webhooks/json", content=body, headers={"X-Crmflow-Timestamp": ts, "X-Crmflow-Signature": sig}
                )
                with lock:
                    sent[f"L{i}"] = t
                    answers.append(time.perf_counter() - t)
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                i += senders

    seen: dict[str, float] = {}
    done = threading.Event()

    def observer() -> None:  # the task becomes visible to every reader of the task API when committed
        from crmflow.engine.store import open_store

        db = open_store(url, create=False)
        while not done.is_set():
            with db.tx():
                rows = db.q("SELECT business_key FROM tasks WHERE node = 'first_contact'")
            now = time.perf_counter()
            for (key,) in rows:
                seen.setdefault(str(key), now)
            time.sleep(0.005)
        db.close()

    watch = threading.Thread(target=observer, daemon=True)
    watch.start()
    threads = [threading.Thread(target=sender, args=(k,)) for k in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.perf_counter() + 60
    while len(seen) < len(sent) and time.perf_counter() < deadline:
        time.sleep(0.05)
    done.set()
    watch.join()
    in_api = httpx.get(f"{base}/status", timeout=30).json()["tasks"]
    stop(procs)
    ms = sorted(1000 * (seen[k] - t) for k, t in sent.items() if k in seen)
    post_ms = sorted(1000 * a for a in answers)
    return {
        "run": "webhook to task: signed JSON POST /webhooks/json -> 202 -> inbox -> 2 connector round trips -> task committed",
        "backend": backend,
        "workers": workers,
        "rate_per_s": rate,
        "seconds": seconds,
        "sent": len(sent),
        "answers": statuses,
        "tasks_seen": len(ms),
        "tasks_in_api_status": in_api,
        "p50_ms": round(statistics.median(ms), 1),
        "p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 1),
        "max_ms": round(ms[-1], 1),
        "post_p50_ms": round(statistics.median(post_ms), 1),
        "post_p99_ms": round(post_ms[int(0.99 * (len(post_ms) - 1))], 1),
        "load_average": round(os.getloadavg()[0], 1),
    }


def timers(backend: str, n: int, batch: int) -> dict[str, Any]:
    from crmflow.bpmn.model import Definitions, Event, EventDefinition, Process, SequenceFlow, Task

    url = fresh_store(backend)
    engine = Engine(url, batch=batch)
    due = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
    nodes = (
        Event(id="s"),
        Event(
            id="at",
            position="intermediateCatch",
            definitions=(EventDefinition(kind="timer", timer="timeDate", expression=due.isoformat()),),
        ),
        Task(id="t", name="After the timer", kind="userTask"),
        Event(id="e", position="end"),
    )
    links = tuple(SequenceFlow(id=f"f{i}", source=a, target=b) for i, (a, b) in enumerate((("s", "at"), ("at", "t"), ("t", "e"))))
    engine.deploy(Definitions(id="D", name="timers", processes=(Process(id="timers", nodes=nodes, flows=links),)))
    accept(engine, [StartProcess(process_id="timers", business_key=f"K{i}", dedupe_key=f"k{i}") for i in range(n)])
    engine.run_until_idle()
    armed = count(engine, "SELECT COUNT(*) FROM timers")
    if time.time() > due.timestamp():
        raise SystemExit("setting up took longer than 20 s; lower --timers")
    while count(engine, "SELECT COUNT(*) FROM tasks") < n:
        if not engine.run_once():
            time.sleep(0.005)
    with engine.store.tx():
        late = sorted(float(r[0]) - due.timestamp() for r in engine.store.q("SELECT created_at FROM tasks"))
    return {
        "run": "timers due in the same second (real clock)",
        "backend": backend,
        "batch": batch,
        "timers": armed,
        "fired": len(late),
        "p50_late_s": round(statistics.median(late), 3),
        "p99_late_s": round(late[int(0.99 * (len(late) - 1))], 3),
        "max_late_s": round(late[-1], 3),
    }


def kill(backend: str, n: int, kills: int, workers: int, batch: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    url, engine = setup(backend)
    ledger = str(Path(tempfile.mkdtemp(prefix="crmflow-ledger-")) / "ledger.sqlite")
    Ledger(ledger)
    accept(engine, leads(0, n))
    accept(engine, calls(0, n))  # many arrive before their task exists: parked, then delivered
    procs = [spawn(url, batch=batch, ledger=ledger) for _ in range(workers)]
    t0 = time.perf_counter()
    for _ in range(kills):
        time.sleep(rng.uniform(0.05, 0.6))
        k = rng.randrange(len(procs))
        procs[k].send_signal(signal.SIGKILL)
        procs[k].wait()
        procs[k] = spawn(url, batch=batch, ledger=ledger)
    wait_for(engine, "SELECT COUNT(*) FROM tasks WHERE node = 'qualify'", n, timeout=1200)
    while count(engine, "SELECT COUNT(*) FROM outbox WHERE status <> 'done'") or count(
        engine, "SELECT COUNT(*) FROM inbox WHERE status = 'new'"
    ):
        time.sleep(0.05)
    stop(procs)
    seconds = time.perf_counter() - t0
    q = engine.store.q
    with engine.store.tx():
        inbound = dict(q("SELECT status, COUNT(*) FROM inbox WHERE kind = 'message' GROUP BY status"))
        per_instance = q("SELECT node, status, COUNT(*) FROM tasks GROUP BY node, status ORDER BY node, status")
        doubled_tasks = q(
            "SELECT COUNT(*) FROM (SELECT instance_id, node FROM tasks GROUP BY instance_id, node HAVING COUNT(*) > 1) d"
        )[0][0]
        instances = q("SELECT COUNT(*), COUNT(DISTINCT business_key) FROM instances")[0]
        actions = q("SELECT COUNT(*) FROM outbox WHERE kind = 'action'")[0][0]
        waiting = q("SELECT COUNT(*) FROM instances WHERE state NOT LIKE ?", ('%"node":"qualify"%',))[0][0]
        parked = q("SELECT COUNT(*) FROM parked")[0][0]
    fake = sqlite3.connect(ledger)
    keys, deliveries, redelivered = fake.execute("SELECT COUNT(*), SUM(deliveries), SUM(deliveries > 1) FROM calls").fetchone()
    return {
        "run": "kill -9 durability",
        "backend": backend,
        "workers": workers,
        "kills": kills,
        "inbound_events": 2 * n,
        "seconds": round(seconds, 1),
        "inbound_by_status": inbound,
        "lost_events": 2 * n - int(inbound.get("done", 0)),
        "instances": int(instances[0]),
        "duplicate_instances": int(instances[0]) - int(instances[1]),
        "tasks": [list(r) for r in per_instance],
        "duplicate_tasks": int(doubled_tasks),
        "instances_not_at_qualify": int(waiting),
        "parked_left": int(parked),
        "actions_in_outbox": int(actions),
        "effects_at_fake_crm": int(keys),
        "duplicated_effects": int(keys) - int(actions),
        "deliveries": int(deliveries),
        "redelivered_keys": int(redelivered or 0),
    }


def worker(args: argparse.Namespace) -> None:
    connector = Ledger(args.ledger) if args.ledger else Counter()
    engine = Engine(args.store, connectors=[connector], task_messages=TASK_MESSAGES, batch=args.batch)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    engine.serve(idle_sleep=0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("throughput", "latency", "webhook", "timers", "kill", "worker", "http"):
        p = sub.add_parser(name)
        p.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
        p.add_argument("--leads", type=int, default=2000)
        p.add_argument("--workers", type=int, default=1)
        p.add_argument("--batch", type=int, default=50)
        p.add_argument("--rate", type=int, default=500)
        p.add_argument("--seconds", type=float, default=10.0)
        p.add_argument("--timers", type=int, default=1000)
        p.add_argument("--kills", type=int, default=100)
        p.add_argument("--seed", type=int, default=12)
        p.add_argument("--store")
        p.add_argument("--ledger")
        p.add_argument("--port", type=int, default=0)
        p.add_argument("--senders", type=int, default=8, help="webhook: concurrent HTTP clients")
        p.add_argument("--no-peer", action="store_true", help="throughput: skip the minimal own loop")
    args = parser.parse_args()
    if args.cmd == "worker":
        worker(args)
        return
    if args.cmd == "http":
        http_server(args)
        return
    if args.cmd == "throughput":
        result = throughput(args.backend, args.leads, args.workers, args.batch, with_peer=not args.no_peer)
    elif args.cmd == "latency":
        result = latency(args.backend, args.rate, args.seconds, args.workers, args.batch)
    elif args.cmd == "webhook":
        result = webhook_latency(args.backend, args.rate, args.seconds, args.workers, args.batch, args.senders)
    elif args.cmd == "timers":
        result = timers(args.backend, args.timers, args.batch)
    else:
        result = kill(args.backend, args.leads, args.kills, args.workers, args.batch, args.seed)
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, loaded by parallel work"
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
