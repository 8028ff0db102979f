"""The worker: claims a batch of inbox commands and due timers, steps the instances, commits once (group commit).

:meth:`Engine.run_once` is one transaction: claim up to ``batch`` inbox rows and due timers
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), lock their instances (an instance another worker holds is
left for the next round), apply each command with :class:`~crmflow.engine.interpreter.Run`, then
write the new states, tasks (routed, :mod:`crmflow.engine.routing`), timers, subscriptions, outbox
rows (:class:`~crmflow.engine.contracts.ActionRequest`, :class:`~crmflow.engine.contracts.OutboundMessage`),
the engine's event log and incidents -- and mark the inbox rows done. A kill -9 before the commit
loses nothing (the rows are claimed again); after it, nothing is repeated.

A message that correlates with no waiting instance starts a process whose message start event it
names, or is *parked* (reported by ``crmflow engine status``) and delivered as soon as an instance
with the same correlation value subscribes to it. :meth:`Engine.relay_once` hands outbox rows to
connectors and the publisher with a lease, retries with backoff, marks them done and feeds a service
task's answer back through the inbox; exhausted retries become incidents (:meth:`Engine.retry`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from crmflow.engine.batch import Batch
from crmflow.engine.contracts import (
    ActionRequest,
    ActionResult,
    Connector,
    CorrelateMessage,
    OutboundMessage,
    Publisher,
    StartProcess,
)
from crmflow.engine.deploy import Deployment, ExecutableProcess, deploy, load_model
from crmflow.engine.messages import MESSAGES
from crmflow.engine.params import compile_params
from crmflow.engine.routing import Staff
from crmflow.engine.store import EngineStore, open_store
from crmflow.engine.timing import Clock, SystemClock, epoch, first_due
from crmflow.errors import BusMessageError, CrmflowError, EngineError
from crmflow.i18n import error, text

LEASE_S = 60.0


class Engine:
    """The engine over one store: deploy, accept commands, run batches, relay the outbox, tasks.

    Parameters
    ----------
    store
        An :class:`~crmflow.engine.store.EngineStore` or what :func:`~crmflow.engine.store.open_store` takes.
    clock
        Where time comes from (tests inject :class:`~crmflow.engine.timing.ManualClock`).
    staff
        The people tasks are routed to (none: tasks wait in their role's queue).
    connectors, publisher
        Who performs service-task actions (by ``Connector.name``) and publishes outbound messages.
    task_messages
        Which user tasks a message completes (``{"call.logged": ["first_contact", "first_contact_10m_l1_a1"]}``);
        by default a message completes an open user task whose id is the message's name.
    bindings
        Per service-task id: ``{"connector": ..., "operation": ..., "params": {...}}``; default connector
        ``crm`` with the task id as the operation.
    """

    def __init__(
        self,
        store: EngineStore | str,
        *,
        clock: Clock | None = None,
        staff: Staff | None = None,
        connectors: Iterable[Connector] = (),
        publisher: Publisher | None = None,
        bindings: Mapping[str, Mapping[str, Any]] | None = None,
        task_messages: Mapping[str, Iterable[str]] | None = None,
        batch: int = 50,
        max_attempts: int = 5,
        lang: str = "en",
    ) -> None:
        self.store = store if isinstance(store, EngineStore) else open_store(store)
        self.clock = clock or SystemClock()
        self.store.now = lambda: epoch(self.clock.now())
        self.staff = staff or Staff()
        self.connectors = {c.name: c for c in connectors}
        self.publisher = publisher
        self.bindings = {
            str(task): {**b, "params": compile_params(b.get("params") or {}, key=f"bindings.{task}.params")}
            for task, b in (bindings or {}).items()
        }
        self.task_messages = {k: tuple(v) for k, v in (task_messages or {}).items()}
        self.batch, self.max_attempts, self.lang = batch, max_attempts, lang
        self._processes: dict[tuple[str, str], ExecutableProcess] = {}
        self._latest: dict[str, str] = {}
        self._load: dict[str, int] = {}
        self._load_at = 0.0
        self._answers: list[tuple[tuple[Any, ...], ActionResult]] = []
        self._deployed: list[str] | None = None

    # ------------------------------------------------------------------ deployments

    def deploy(self, model: Any, *, time_basis: Any = None) -> Deployment:
        """Deploy a model (a path to YAML/BPMN, or :class:`~crmflow.bpmn.model.Definitions`); new instances use it."""
        from crmflow.bpmn.model import Definitions

        definitions = model if isinstance(model, Definitions) else load_model(model, lang=self.lang)
        name = definitions.name if isinstance(model, Definitions) else str(model)
        deployment = deploy(definitions, name=name, lang=self.lang, time_basis=time_basis)
        now = epoch(self.clock.now())
        with self.store.tx() as db:
            for p in deployment.processes:
                db.q(
                    "INSERT INTO deployments (process_id, version, name, bpmn, deployed_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (process_id, version) DO UPDATE SET deployed_at = excluded.deployed_at",
                    (p.id, p.version, name, deployment.bpmn.decode("utf-8"), now),
                )
                self._processes[(p.id, p.version)] = p
                self._latest[p.id] = p.version
                for node_id in p.timer_starts:  # a timer start event: a timer row without an instance
                    spec = p.node(node_id).timer
                    due = first_due(spec, self.clock.now(), p.calendar) if spec is not None else None
                    if due is not None:
                        db.q(
                            "INSERT INTO timers (id, instance_id, due_at) VALUES (?, '', ?) "
                            "ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at",
                            (f"start:{p.id}:{node_id}", epoch(due)),
                        )
        return deployment

    def process(self, process_id: str, version: str | None = None) -> ExecutableProcess:
        """A deployed process (the latest version by default), read from the store once."""
        if version is None:
            version = self._latest.get(process_id)
            if version is None:
                rows = self.store.q(
                    "SELECT version FROM deployments WHERE process_id = ? ORDER BY deployed_at DESC LIMIT 1", (process_id,)
                )
                if not rows:
                    known = ", ".join(r[0] for r in self.store.q("SELECT DISTINCT process_id FROM deployments")) or "none"
                    raise error(EngineError, MESSAGES, "run.unknown_process", self.lang, process=process_id, known=known)
                version = str(rows[0][0])
                self._latest[process_id] = version
        key = (process_id, version)
        if key not in self._processes:
            from crmflow.bpmn.reader import read_bpmn

            rows = self.store.q("SELECT bpmn, name FROM deployments WHERE process_id = ? AND version = ?", key)
            if not rows:
                raise error(EngineError, MESSAGES, "run.unknown_process", self.lang, process=f"{process_id}@{version}", known="?")
            deployment = deploy(read_bpmn(str(rows[0][0]).encode("utf-8")), name=str(rows[0][1]), lang=self.lang)
            for p in deployment.processes:
                self._processes[(p.id, version)] = p
        return self._processes[key]

    def message_start(self, message: str) -> ExecutableProcess | None:
        for (pid, _), _p in list(self._processes.items()):
            latest = self.process(pid)
            if message in latest.message_starts:
                return latest
        if self._deployed is None:  # read once per round: a model deployed by another process is seen next round
            self._deployed = [str(pid) for (pid,) in self.store.q("SELECT DISTINCT process_id FROM deployments")]
        for pid in self._deployed:
            latest = self.process(pid)
            if message in latest.message_starts:
                return latest
        return None

    # ------------------------------------------------------------------ the inbox (contracts.Inbox)

    def accept(self, command: StartProcess | CorrelateMessage) -> bool:
        """Persist a command before the delivery is acknowledged; False for a duplicate ``dedupe_key``."""
        return self.store.accept(command, now=epoch(self.clock.now()))

    # ------------------------------------------------------------------ the worker

    def run_once(self) -> int:
        """Process one batch of inbox rows and due timers in one transaction; returns how many were handled."""
        now = self.clock.now()
        ts = epoch(now)
        with self.store.tx():
            return self._batch(now, ts)

    def _batch(self, now: Any, ts: float) -> int:
        db = self.store
        rows = db.q(
            "SELECT id, kind, body FROM inbox WHERE status = 'new' AND available_at <= ? ORDER BY id LIMIT ?" + db.skip_locked,
            (ts, self.batch),
        )
        timers = db.q(
            "SELECT id, instance_id, due_at FROM timers WHERE due_at <= ? ORDER BY due_at, id LIMIT ?" + db.skip_locked,
            (ts, self.batch),
        )
        if not rows and not timers:
            return 0
        self._deployed = None
        batch = Batch(self, now)
        batch.prefetch(rows, timers)
        for inbox_id, kind, body in rows:
            batch.command(int(inbox_id), str(kind), str(body))
        for timer_id, instance_id, due_at in timers:
            if instance_id == "":
                batch.timer_start(str(timer_id), float(due_at))
            else:
                batch.timer(str(timer_id), str(instance_id))
        batch.flush()
        return batch.handled

    def _claim_outbox(self, ts: float) -> list[tuple[Any, ...]]:
        db = self.store
        rows = db.q(
            "SELECT id, kind, idempotency_key, instance_id, body, attempts FROM outbox "
            "WHERE status IN ('new', 'sending') AND available_at <= ? ORDER BY id LIMIT ?" + db.skip_locked,
            (ts, self.batch),
        )
        db.many("UPDATE outbox SET status = 'sending', available_at = ? WHERE id = ?", [(ts + LEASE_S, r[0]) for r in rows])
        return rows

    def _perform_all(self, rows: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], ActionResult]]:
        return [(row, self.perform(str(row[1]), json.loads(str(row[4])), int(row[5]) + 1)) for row in rows]

    def step(self) -> int:
        """One round in one transaction: the previous relay's answers, a batch, the next outbox rows claimed.

        The claimed rows are then sent outside the transaction; their answers are written by the next
        round (a kill in between: the lease runs out and they are sent again, under the same keys).
        Returns how much was done (0: nothing to do now).
        """
        now = self.clock.now()
        ts = epoch(now)
        with self.store.tx():
            answered = len(self._answers)
            if self._answers:
                self._write_answers(self._answers, ts)
                self._answers = []
            handled = self._batch(now, ts)
            claimed = self._claim_outbox(ts)
        if claimed:
            self._answers = self._perform_all(claimed)
        return answered + handled + len(claimed)

    def relay_once(self) -> int:
        """Hand up to ``batch`` outbox rows to connectors/the publisher; returns how many were sent."""
        with self.store.tx():
            rows = self._claim_outbox(epoch(self.clock.now()))
        if not rows:
            return 0
        results = self._perform_all(rows)
        with self.store.tx():
            self._write_answers(results, epoch(self.clock.now()))
        return len(rows)

    def _write_answers(self, results: list[tuple[tuple[Any, ...], ActionResult]], ts: float) -> None:
        """Mark sent rows done (a service task's answer goes to the inbox), back off retries, open incidents."""
        db = self.store
        done: list[tuple[Any, ...]] = []
        answers: list[tuple[Any, ...]] = []
        for (oid, kind, key, instance_id, body, attempts), result in results:
            attempts = int(attempts) + 1
            if result.ok:
                done.append((ts, attempts, oid))
                if kind == "action":
                    payload = json.dumps({"key": key, "ok": True, "response": dict(result.response)}, default=str)
                    answers.append((f"action:{key}", "action", payload, "new", ts, ts))
            elif result.retryable and attempts < self.max_attempts:
                backoff = min(2.0**attempts, 300.0)
                db.q(
                    "UPDATE outbox SET status = 'new', attempts = ?, available_at = ?, detail = ? WHERE id = ?",
                    (attempts, ts + backoff, result.detail, oid),
                )
            else:
                data = json.loads(str(body))
                db.q("UPDATE outbox SET status = 'failed', attempts = ?, detail = ? WHERE id = ?", (attempts, result.detail, oid))
                if kind == "action":
                    detail = text(
                        MESSAGES,
                        "run.action_failed",
                        self.lang,
                        connector=data["connector"],
                        operation=data["operation"],
                        attempts=attempts,
                        detail=result.detail,
                    )
                else:
                    detail = text(
                        MESSAGES, "run.publish_failed", self.lang, event=data["event"], attempts=attempts, detail=result.detail
                    )
                db.q(
                    "INSERT INTO incidents (instance_id, node, kind, detail, ref, status, created_at) "
                    "VALUES (?, ?, ?, ?, ?, 'open', ?)",
                    (instance_id, data.get("element_id", data.get("event", "")), kind, detail, f"outbox:{oid}", ts),
                )
        db.many("UPDATE outbox SET status = 'done', done_at = ?, attempts = ? WHERE id = ?", done)
        db.many(
            "INSERT INTO inbox (dedupe_key, kind, body, status, received_at, available_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            answers,
        )

    def perform(self, kind: str, data: dict[str, Any], attempt: int) -> ActionResult:
        """Carry out one outbox row (never raises: a failure is an :class:`ActionResult`)."""
        if kind == "message":
            if self.publisher is None:
                return ActionResult(ok=True, detail="no publisher: kept in the outbox only")
            try:
                self.publisher.publish(OutboundMessage(**data))
            except BusMessageError as exc:  # the payload breaks the AsyncAPI document: retrying cannot help
                return ActionResult(ok=False, retryable=False, detail=str(exc))
            except CrmflowError as exc:
                return ActionResult(ok=False, retryable=True, detail=str(exc))
            except Exception as exc:  # a broker client's own error: retried, never lost
                return ActionResult(ok=False, retryable=True, detail=f"{type(exc).__name__}: {exc}")
            return ActionResult(ok=True)
        request = ActionRequest(**{**data, "attempt": attempt})
        connector = self.connectors.get(request.connector)
        if connector is None:
            known = ", ".join(sorted(self.connectors)) or "none"
            return ActionResult(
                ok=False, detail=text(MESSAGES, "run.no_connector", self.lang, connector=request.connector, known=known)
            )
        try:
            return connector.perform(request)
        except Exception as exc:  # a connector that raised instead of answering: retried
            return ActionResult(ok=False, retryable=True, detail=f"{type(exc).__name__}: {exc}")

    def run_until_idle(self, *, max_rounds: int = 10_000) -> int:
        """Run batches and relays until nothing is left to do now (tests, demos); returns rounds run."""
        for rounds in range(1, max_rounds + 1):
            if not self.step() and not self._answers:
                return rounds
        return max_rounds

    def serve(self, *, stop: Any = None, idle_sleep: float = 0.02) -> None:
        """Work until ``stop`` (a ``threading.Event``) is set: the ``crmflow engine run`` loop.

        The deployed processes are read and built first, so the first event after a (re)start does not
        wait for it (≈ 0.1–0.2 s per model: the p99 of the webhook-to-task bench at low rates).
        """
        for (pid,) in self.store.q("SELECT DISTINCT process_id FROM deployments"):
            self.process(str(pid))
        while stop is None or not stop.is_set():
            if not self.step():
                time.sleep(idle_sleep)

    # ------------------------------------------------------------------ incidents

    def retry(self, incident_id: int) -> bool:
        """Retry an incident: its outbox row is sent again, or the stuck token leaves its node again."""
        db = self.store
        ts = epoch(self.clock.now())
        with db.tx():
            rows = db.q("SELECT instance_id, node, ref, status FROM incidents WHERE id = ?", (incident_id,))
            if not rows or rows[0][3] != "open":
                return False
            instance_id, node, ref, _ = rows[0]
            if str(ref).startswith("outbox:"):
                db.q("UPDATE outbox SET status = 'new', attempts = 0, available_at = ? WHERE id = ?", (ts, int(str(ref)[7:])))
            else:
                body = json.dumps({"instance": instance_id, "node": node})
                db.enqueue("retry", f"retry:{incident_id}:{ts}", body, now=ts)
            db.q("UPDATE incidents SET status = 'resolved' WHERE id = ?", (incident_id,))
        return True

    def loads(self) -> dict[str, int]:
        """Open tasks per assignee (cached for a few seconds; kept current by this worker's own assignments).

        The seconds are the engine's clock's: on an injected clock (a simulation jumping hours ahead) a
        cache timed by the wall clock kept counting tasks completed long ago, until ``max_open`` capped
        everyone and new tasks stayed unassigned (found by the simulation's engine check, issue 14).
        """
        now = epoch(self.clock.now())
        if now - self._load_at > 5.0:
            rows = self.store.q(
                "SELECT assignee, COUNT(*) FROM tasks WHERE status IN ('open', 'claimed') AND assignee IS NOT NULL "
                "GROUP BY assignee"
            )
            self._load = {str(a): int(n) for a, n in rows}
            self._load_at = now
        return self._load


__all__ = ["Engine"]
