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
from dataclasses import asdict, dataclass, field
from typing import Any

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
from crmflow.engine.interpreter import Run, new_state
from crmflow.engine.messages import MESSAGES
from crmflow.engine.routing import Staff, choose_assignee
from crmflow.engine.store import EngineStore, command_from, open_store
from crmflow.engine.timing import Clock, SystemClock, epoch, first_due, from_epoch, next_due
from crmflow.errors import CrmflowError, EngineError
from crmflow.i18n import text

LEASE_S = 60.0


def _scalars(data: Mapping[str, Any], prefix: str = "", depth: int = 0) -> Iterable[tuple[str, str]]:
    for key, value in data.items():
        if isinstance(value, Mapping) and depth < 1:
            yield from _scalars(value, f"{prefix}{key}.", depth + 1)
        elif isinstance(value, str | int) and not isinstance(value, bool) and len(str(value)) <= 200:
            yield f"{prefix}{key}", str(value)
            if prefix:
                yield key, str(value)


@dataclass
class _Instance:
    run: Run
    process: ExecutableProcess
    new: bool
    correlations: set[tuple[str, str]] = field(default_factory=set)
    status: str = "active"


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
        self.bindings = dict(bindings or {})
        self.task_messages = {k: tuple(v) for k, v in (task_messages or {}).items()}
        self.batch, self.max_attempts, self.lang = batch, max_attempts, lang
        self._processes: dict[tuple[str, str], ExecutableProcess] = {}
        self._latest: dict[str, str] = {}
        self._load: dict[str, int] = {}
        self._load_at = 0.0
        self._answers: list[tuple[tuple[Any, ...], ActionResult]] = []

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
                    raise EngineError(text(MESSAGES, "run.unknown_process", self.lang, process=process_id, known=known))
                version = str(rows[0][0])
                self._latest[process_id] = version
        key = (process_id, version)
        if key not in self._processes:
            from crmflow.bpmn.reader import read_bpmn

            rows = self.store.q("SELECT bpmn, name FROM deployments WHERE process_id = ? AND version = ?", key)
            if not rows:
                raise EngineError(text(MESSAGES, "run.unknown_process", self.lang, process=f"{process_id}@{version}", known="?"))
            deployment = deploy(read_bpmn(str(rows[0][0]).encode("utf-8")), name=str(rows[0][1]), lang=self.lang)
            for p in deployment.processes:
                self._processes[(p.id, version)] = p
        return self._processes[key]

    def message_start(self, message: str) -> ExecutableProcess | None:
        for (pid, _), _p in list(self._processes.items()):
            latest = self.process(pid)
            if message in latest.message_starts:
                return latest
        for (pid,) in self.store.q("SELECT DISTINCT process_id FROM deployments"):
            latest = self.process(str(pid))
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
        batch = _Batch(self, now)
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
        """Work until ``stop`` (a ``threading.Event``) is set: the ``crmflow engine run`` loop."""
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
        """Open tasks per assignee (cached for a few seconds; kept current by this worker's own assignments)."""
        now = time.monotonic()
        if now - self._load_at > 5.0:
            rows = self.store.q(
                "SELECT assignee, COUNT(*) FROM tasks WHERE status IN ('open', 'claimed') AND assignee IS NOT NULL "
                "GROUP BY assignee"
            )
            self._load = {str(a): int(n) for a, n in rows}
            self._load_at = now
        return self._load


class _Batch:
    """The instances and writes of one transaction of :meth:`Engine.run_once`."""

    def __init__(self, engine: Engine, now: Any) -> None:
        self.e, self.now, self.ts = engine, now, epoch(now)
        self.db = engine.store
        self.instances: dict[str, _Instance] = {}
        self.locked: set[str] = set()
        self.done: list[tuple[str, str, int]] = []  # (status, detail, inbox id)
        self.parked: list[tuple[int, str, str, str]] = []
        self.fired: list[str] = []
        self.start_timers: list[tuple[str, str, float]] = []
        self.handled = 0

    # ------------------------------------------------------------------ instances

    def instance(self, instance_id: str) -> _Instance | None:
        if instance_id in self.instances:
            return self.instances[instance_id]
        if instance_id in self.locked:
            return None
        rows = self.db.q(
            "SELECT process_id, version, business_key, status, state FROM instances WHERE id = ?" + self.db.skip_locked,
            (instance_id,),
        )
        if not rows:
            if self.db.pg and self.db.q("SELECT 1 FROM instances WHERE id = ?", (instance_id,)):
                self.locked.add(instance_id)
            return None
        pid, version, key, status, state = rows[0]
        process = self.e.process(str(pid), str(version))
        run = Run(process, instance_id, str(key), json.loads(str(state)), self.now, bindings=self.e.bindings)
        inst = _Instance(run, process, new=False, status=str(status))
        self.instances[instance_id] = inst
        return inst

    def start(self, instance_id: str, process: ExecutableProcess, key: str, node: str, variables: Mapping[str, Any]) -> _Instance:
        run = Run(process, instance_id, key, new_state(), self.now, bindings=self.e.bindings)
        inst = _Instance(run, process, new=True)
        inst.correlations = {("business_key", key), *_scalars(variables)}
        self.instances[instance_id] = inst
        run.start(node, variables)
        return inst

    # ------------------------------------------------------------------ commands

    def command(self, inbox_id: int, kind: str, body: str) -> None:
        cmd = command_from(kind, body)
        if isinstance(cmd, StartProcess):
            try:
                process = self.e.process(cmd.process_id)
            except EngineError as exc:
                self.done.append(("failed", str(exc), inbox_id))
                return
            node = process.start or next(iter(process.message_starts.values()), None) or next(iter(process.timer_starts), "")
            self.start(f"i{inbox_id}", process, cmd.business_key, node, cmd.variables)
            self.done.append(("done", "", inbox_id))
        elif isinstance(cmd, CorrelateMessage):
            self.message(inbox_id, cmd)
        elif kind in ("complete", "action", "retry"):
            self.internal(inbox_id, kind, cmd)
        else:
            self.done.append(("failed", f"unknown command kind {kind!r}", inbox_id))
            return
        self.handled += 1

    def message(self, inbox_id: int, cmd: CorrelateMessage) -> None:
        candidates = self.db.q(
            "SELECT s.instance_id, s.token, s.node FROM subscriptions s JOIN correlations c ON c.instance_id = s.instance_id "
            "WHERE s.message = ? AND c.name = ? AND c.value = ? ORDER BY s.created_at, s.instance_id LIMIT 20",
            (cmd.message_name, cmd.correlation_key, cmd.correlation_value),
        )
        pairs = [(str(i), str(t), str(n)) for i, t, n in candidates]
        wanted = (cmd.correlation_key, cmd.correlation_value)
        for iid, held in self.instances.items():  # subscriptions made earlier in this batch
            if wanted in held.correlations:
                for token, node, message in held.run.effects.subs_set:
                    if message == cmd.message_name:
                        pairs.append((iid, token, node))
        for iid, token, node in pairs:
            inst = self.instance(iid)
            if inst is None:
                if iid in self.locked:  # another worker holds it: try again next round
                    return
                continue
            if inst.run.deliver(token, node, cmd.variables):
                self.done.append(("done", "", inbox_id))
                return
        if self.complete_by_message(inbox_id, cmd):
            return
        process = self.e.message_start(cmd.message_name)
        if process is not None:
            variables = {cmd.correlation_key: cmd.correlation_value, **cmd.variables}
            self.start(f"i{inbox_id}", process, cmd.correlation_value, process.message_starts[cmd.message_name], variables)
            self.done.append(("done", "", inbox_id))
            return
        detail = text(
            MESSAGES, "run.parked", self.e.lang, message=cmd.message_name, key=cmd.correlation_key, value=cmd.correlation_value
        )
        self.done.append(("parked", detail, inbox_id))
        self.parked.append((inbox_id, cmd.message_name, cmd.correlation_key, cmd.correlation_value))

    def complete_by_message(self, inbox_id: int, cmd: CorrelateMessage) -> bool:
        """A message that names a user task (``first_contact``, or through ``task_messages``) completes it."""
        steps = self.e.task_messages.get(cmd.message_name, (cmd.message_name,))
        marks = ",".join("?" for _ in steps)
        rows = self.db.q(
            "SELECT t.id, t.instance_id, t.node FROM tasks t JOIN correlations c ON c.instance_id = t.instance_id "
            "WHERE c.name = ? AND c.value = ? AND t.status IN ('open', 'claimed') "
            f"AND t.node IN ({marks}) ORDER BY t.created_at LIMIT 5",
            (cmd.correlation_key, cmd.correlation_value, *steps),
        )
        for task_id, iid, _ in rows:
            inst = self.instance(str(iid))
            if inst is None:
                if str(iid) in self.locked:
                    return True  # retried next round (the row stays new)
                continue
            token = inst.run.task_token(str(task_id))
            if token is not None:
                inst.run.complete(token, cmd.variables)
                self.done.append(("done", "", inbox_id))
                return True
        return False

    def internal(self, inbox_id: int, kind: str, data: Any) -> None:
        if kind == "complete":
            rows = self.db.q("SELECT instance_id FROM tasks WHERE id = ?", (data["task"],))
            inst = self.instance(str(rows[0][0])) if rows else None
            if inst is None and rows and str(rows[0][0]) in self.locked:
                return
            token = inst.run.task_token(data["task"]) if inst is not None else None
            if inst is None or token is None:
                self.done.append(("done", "stale: the task is no longer open", inbox_id))
                return
            inst.run.resource = data.get("user")
            inst.run.complete(token, data.get("variables", {}))
            inst.run.resource = None
        elif kind == "action":
            rows = self.db.q("SELECT instance_id, body FROM outbox WHERE idempotency_key = ?", (data["key"],))
            inst = self.instance(str(rows[0][0])) if rows else None
            if inst is None and rows and str(rows[0][0]) in self.locked:
                return
            token = inst.run.action_token(data["key"]) if inst is not None else None
            if inst is None or token is None:
                self.done.append(("done", "stale: the action is no longer awaited", inbox_id))
                return
            element = json.loads(str(rows[0][1]))["element_id"]
            response = data.get("response") or {}
            inst.run.complete(token, {element: response} if response else {})
        else:  # retry an incident of a token
            inst = self.instance(data["instance"])
            if inst is None:
                if data["instance"] in self.locked:
                    return
                self.done.append(("done", "stale: no such instance", inbox_id))
                return
            for token, tok in list(inst.run.tokens.items()):
                if tok["node"] == data["node"] and tok["wait"] == "incident":
                    inst.run.leave(token, inst.process.node(data["node"]))
        self.done.append(("done", "", inbox_id))

    def timer_start(self, timer_id: str, due: float) -> None:
        """A timer start event is due: a new instance, and the next occurrence of a cycle."""
        _, pid, node_id = timer_id.split(":", 2)
        self.fired.append(timer_id)
        self.handled += 1
        try:
            process = self.e.process(pid)
            node = process.node(node_id)
        except (EngineError, KeyError):
            return  # the process was redeployed without this start event
        key = f"{node_id}@{from_epoch(due).isoformat()}"
        self.start(f"s{round(due * 1000)}:{pid}:{node_id}", process, key, node_id, {})
        fired = int(
            self.db.q("SELECT COUNT(*) FROM instances WHERE process_id = ? AND id LIKE ?", (pid, f"s%:{pid}:{node_id}"))[0][0]
        )
        nxt = next_due(node.timer, from_epoch(due), fired + 1, process.calendar) if node.timer else None
        if nxt is not None:
            self.start_timers.append((timer_id, "", epoch(nxt)))

    def timer(self, timer_id: str, instance_id: str) -> None:
        inst = self.instance(instance_id)
        if inst is None and instance_id in self.locked:
            return
        self.fired.append(timer_id)
        if inst is not None:
            inst.run.fire(timer_id)
        self.handled += 1

    # ------------------------------------------------------------------ writing

    def flush(self) -> None:
        db, ts = self.db, self.ts
        new_rows: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        correlations: list[tuple[str, str, str]] = []
        tasks: list[tuple[Any, ...]] = []
        closes: list[tuple[Any, ...]] = []
        timer_del: list[str] = list(self.fired)
        timer_set: list[tuple[str, str, float]] = list(self.start_timers)
        sub_del: list[tuple[str, str]] = []
        sub_set: list[tuple[str, str, str, str, float]] = []
        outbox: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        incidents: list[tuple[Any, ...]] = []
        cursor = {str(k): int(v) for k, v in db.q("SELECT key, value FROM routing_state")} if self.e.staff.people else {}
        cursor_before = dict(cursor)
        loads = self.e.loads() if self.e.staff.people else {}
        for iid, inst in sorted(self.instances.items()):
            run, state = inst.run, inst.run.state
            fx = run.effects
            status = state["status"]
            body = json.dumps(state, separators=(",", ":"), default=str)
            if inst.new:
                new_rows.append((iid, inst.process.id, inst.process.version, run.key, status, body, ts, ts))
                correlations.extend((n, v, iid) for n, v in sorted(inst.correlations))
            else:
                updates.append((status, body, ts, iid))
            assigned: dict[str, str | None] = {}
            sticky: dict[str, str] = {}
            for t in fx.tasks_open:
                role = t.role or ""
                if role not in sticky and self.e.staff.people and not inst.new:
                    rows = db.q(
                        "SELECT assignee FROM tasks WHERE instance_id = ? AND role = ? AND assignee IS NOT NULL "
                        "ORDER BY created_at DESC LIMIT 1",
                        (iid, role),
                    )
                    if rows:
                        sticky[role] = str(rows[0][0])
                who = (
                    choose_assignee(
                        self.e.staff,
                        inst.process.policy(inst.process.node(t.node)),
                        t.role,
                        state["vars"],
                        now=self.now,
                        load=loads,
                        cursor=cursor,
                        sticky=sticky.get(role),
                        calendar=inst.process.calendar,
                    )
                    if self.e.staff.people
                    else None
                )
                if who is not None:
                    loads[who] = loads.get(who, 0) + 1
                    sticky[role] = who
                assigned[t.id] = who
                tasks.append(
                    (t.id, iid, inst.process.id, run.key, t.node, t.name, t.role, who, t.priority, t.rank, t.due, "open", ts, ts)
                )
            for task_id, status_, variables in fx.tasks_close:
                closes.append((status_, json.dumps(variables, default=str), ts, task_id))
            touched_timers = {tid for tid, _ in fx.timers_set} | set(fx.timers_clear)
            timer_del.extend(sorted(touched_timers))
            timer_set.extend((tid, iid, state["timers"][tid]["due"]) for tid in sorted(touched_timers) if tid in state["timers"])
            touched_tokens = {t for t, _, _ in fx.subs_set} | set(fx.subs_clear)
            for token in sorted(touched_tokens):
                sub_del.append((iid, token))
                tok = state["tokens"].get(token)
                for node in (tok or {}).get("subs", []):
                    message = inst.process.node(node).message or node
                    sub_set.append((iid, token, node, message, ts))
            for a in fx.actions:
                outbox.append((a.idempotency_key, "action", iid, json.dumps(asdict(a), default=str), "new", ts, ts))
            for m in fx.messages:
                outbox.append((m.message_id, "message", iid, json.dumps(asdict(m), default=str), "new", ts, ts))
            for entry in fx.log:
                resource = entry.resource or (assigned.get(entry.task) if entry.task else None)
                events.append(
                    (iid, inst.process.id, run.key, entry.node, entry.activity, entry.lifecycle, resource, entry.role, entry.ts)
                )
            for node, kind, detail in fx.incidents:
                incidents.append((iid, node, kind, detail, "", "open", ts))
        db.many(
            "INSERT INTO instances (id, process_id, version, business_key, status, state, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            new_rows,
        )
        db.many("UPDATE instances SET status = ?, state = ?, updated_at = ? WHERE id = ?", updates)
        db.many("INSERT INTO correlations (name, value, instance_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", correlations)
        db.many(
            "INSERT INTO tasks (id, instance_id, process_id, business_key, node, name, role, assignee, priority, rank, due_at, "
            "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            tasks,
        )
        db.many("UPDATE tasks SET status = ?, variables = ?, updated_at = ? WHERE id = ?", closes)
        db.many("DELETE FROM timers WHERE id = ?", [(t,) for t in timer_del])
        db.many(
            "INSERT INTO timers (id, instance_id, due_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at",
            timer_set,
        )
        db.many("DELETE FROM subscriptions WHERE instance_id = ? AND token = ?", sub_del)
        db.many(
            "INSERT INTO subscriptions (instance_id, token, node, message, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            sub_set,
        )
        db.many(
            "INSERT INTO outbox (idempotency_key, kind, instance_id, body, status, available_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
            outbox,
        )
        db.many(
            "INSERT INTO events (instance_id, process_id, business_key, node, activity, lifecycle, resource, role, ts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        db.many(
            "INSERT INTO incidents (instance_id, node, kind, detail, ref, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            incidents,
        )
        db.many("UPDATE inbox SET status = ?, detail = ? WHERE id = ?", self.done)
        db.many(
            "INSERT INTO parked (inbox_id, message, name, value, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(*p, ts) for p in self.parked],
        )
        changed = sorted((k, str(v)) for k, v in cursor.items() if cursor_before.get(k) != v)
        db.many(
            "INSERT INTO routing_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", changed
        )
        waits = {(iid, message) for iid, _, _, message, _ in sub_set}
        for row in tasks:  # a new user task waits for messages named after it (or mapped to it)
            waits.add((row[1], row[4]))
            waits.update((row[1], m) for m, nodes in self.e.task_messages.items() if row[4] in nodes)
        self.unpark(sorted(waits))

    def unpark(self, waits: list[tuple[str, str]]) -> None:
        """Parked messages that an instance now waits for (a subscription, a task) go back to the inbox."""
        if not waits or not self.db.q("SELECT 1 FROM parked LIMIT 1"):
            return
        for iid, message in waits:
            rows = self.db.q(
                "SELECT p.id, p.inbox_id FROM parked p JOIN correlations c ON c.name = p.name AND c.value = p.value "
                "WHERE p.message = ? AND c.instance_id = ? ORDER BY p.id",
                (message, iid),
            )
            for pid, inbox_id in rows:
                self.db.q("UPDATE inbox SET status = 'new', detail = '' WHERE id = ?", (inbox_id,))
                self.db.q("DELETE FROM parked WHERE id = ?", (pid,))


__all__ = ["Engine"]
