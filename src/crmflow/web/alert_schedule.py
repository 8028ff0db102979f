"""Periodic alert evaluation: every project's rules every ``interval`` seconds, one evaluation at a time.

:class:`AlertScheduler` is started by the app's ASGI lifespan (:func:`crmflow.web.app.create_app`)
when ``$CRMFLOW_ALERT_INTERVAL_S`` (``Settings.alert_interval_s``, default 300; 0 turns it off) is
positive. Several workers of the app (``uvicorn --workers N``, or several ``crmflow serve`` on one
``--data`` folder) share one :class:`EvaluationLease`: a row in ``alerts.sqlite`` taken inside
``BEGIN IMMEDIATE`` (SQLite's write lock) with the holder, an expiry and the start of the last
evaluation. A worker evaluates only when no other holds an unexpired lease *and* the last evaluation
started at least one interval ago — so the projects are evaluated once per interval, not once per
worker. An evaluation that crashes leaves its lease to expire (``ttl_s``).

Raising is :meth:`crmflow.web.alerts.Alerts.evaluate`'s: an alert is raised when a rule goes into
breach and delivered once; the next ticks do not raise it again while the rule stays breached.

>>> from pathlib import Path
>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> a, b = EvaluationLease(d / "alerts.sqlite", holder="a"), EvaluationLease(d / "alerts.sqlite", holder="b")
>>> now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
>>> a.acquire(now, interval_s=60), b.acquire(now, interval_s=60)
(True, False)
>>> a.release(now); b.acquire(now + timedelta(seconds=30), interval_s=60), b.acquire(now + timedelta(seconds=60), interval_s=60)
(False, True)
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crmflow.web.alerts import Alerts, Evaluation

log = logging.getLogger("crmflow.web.alerts")

_LEASE = """CREATE TABLE IF NOT EXISTS evaluation_lease (
    name TEXT PRIMARY KEY, holder TEXT, until TEXT, last_start TEXT)"""


class EvaluationLease:
    """The one-at-a-time lease of the periodic evaluation (see the module docstring)."""

    def __init__(self, path: Path, *, holder: str | None = None, ttl_s: float = 600.0, name: str = "alerts") -> None:
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.ttl = timedelta(seconds=ttl_s)
        self.name = name
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute(_LEASE)
        self._lock = threading.Lock()

    def acquire(self, now: datetime, *, interval_s: float) -> bool:
        """Take the lease when it is free and the last evaluation started ``interval_s`` ago or more."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT holder, until, last_start FROM evaluation_lease WHERE name=?", (self.name,)).fetchone()
                if row is not None:
                    holder, until, last = row
                    if holder and until and datetime.fromisoformat(until) > now:
                        db.execute("ROLLBACK")
                        return False
                    # a small slack: ticks of one interval must not miss by a scheduling jitter
                    if last and datetime.fromisoformat(last) + timedelta(seconds=interval_s * 0.95) > now:
                        db.execute("ROLLBACK")
                        return False
                db.execute(
                    "INSERT OR REPLACE INTO evaluation_lease (name, holder, until, last_start) VALUES (?,?,?,?)",
                    (self.name, self.holder, (now + self.ttl).isoformat(), now.isoformat()),
                )
                db.execute("COMMIT")
                return True
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def release(self, now: datetime) -> None:
        """Give the lease back (only if this holder has it)."""
        with self._lock:
            self._db.execute(
                "UPDATE evaluation_lease SET holder=NULL, until=NULL WHERE name=? AND holder=?", (self.name, self.holder)
            )

    def close(self) -> None:
        self._db.close()


@dataclass(frozen=True)
class Tick:
    """One periodic evaluation: when, each project's evaluations, and the projects that failed."""

    at: datetime
    evaluations: dict[str, list[Evaluation]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def raised(self) -> list[int]:
        return [e.raised for evs in self.evaluations.values() for e in evs if e.raised is not None]


class AlertScheduler:
    """Evaluates every project's alert rules every ``interval_s`` seconds (see the module docstring)."""

    def __init__(self, alerts: Alerts, *, interval_s: float, lease: EvaluationLease | None = None) -> None:
        if interval_s <= 0:
            raise ValueError("the alert interval must be positive (0 turns the scheduler off: do not create one)")
        self.alerts = alerts
        self.interval_s = interval_s
        self.lease = lease or EvaluationLease(alerts.path, ttl_s=max(600.0, 2 * interval_s))
        self.ticks: list[Tick] = []  # the last few, for status and tests
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def run_once(self, now: datetime | None = None) -> Tick | None:
        """One evaluation of every project, or None when another worker has it (or had it this interval)."""
        at = now or datetime.now(UTC)
        if not self.lease.acquire(at, interval_s=self.interval_s):
            return None
        tick = Tick(at)
        try:
            for project in self.alerts.workspace.projects():
                try:
                    if self.alerts.rules(project.name):
                        tick.evaluations[project.name] = self.alerts.evaluate(project.name, now=now)
                except Exception as exc:  # noqa: BLE001 (one broken project must not stop the others)
                    tick.errors[project.name] = f"{type(exc).__name__}: {exc}"
                    log.warning("alert evaluation of project %s failed: %s", project.name, exc)
        finally:
            self.lease.release(datetime.now(UTC) if now is None else at)
        self.ticks = [*self.ticks[-9:], tick]
        return tick

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval_s)
                return
            except TimeoutError:
                pass
            try:
                await asyncio.to_thread(self.run_once)
            except Exception as exc:  # noqa: BLE001 (the loop keeps going; the next tick tries again)
                log.warning("periodic alert evaluation failed: %s", exc)

    def start(self) -> asyncio.Task[None]:
        """Start the loop on the running event loop (the app's lifespan); the first tick after one interval."""
        self._stop = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._loop(self._stop), name="crmflow-alerts")
        return self._task

    async def stop(self) -> None:
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await self._task
        self._task = None


__all__ = ["AlertScheduler", "EvaluationLease", "Tick"]
