"""One worker transaction of :meth:`crmflow.engine.worker.Engine.run_once`: the instances it holds and what it writes.

:class:`Batch` locks the instances its commands and timers touch (another worker's are left for the
next round), applies each command with :class:`~crmflow.engine.interpreter.Run`, correlates messages
(subscriptions, tasks a message completes, message start events, else parking), and
:meth:`Batch.flush` writes every state, task (routed), timer, subscription, outbox row, log event
and incident with a few ``executemany`` calls, then returns parked messages that an instance now
waits for to the inbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from crmflow.design.model import RoutingPolicy
from crmflow.engine.contracts import CorrelateMessage, StartProcess
from crmflow.engine.deploy import ExecutableProcess
from crmflow.engine.effects import new_state
from crmflow.engine.interpreter import Run
from crmflow.engine.messages import MESSAGES
from crmflow.engine.routing import choose_assignee
from crmflow.engine.store import command_from
from crmflow.engine.timing import epoch, from_epoch, next_due
from crmflow.errors import EngineError
from crmflow.i18n import text

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.engine.worker import Engine


def _scalars(data: Mapping[str, Any], prefix: str = "", depth: int = 0) -> Iterable[tuple[str, str]]:
    for key, value in data.items():
        if isinstance(value, Mapping) and depth < 1:
            yield from _scalars(value, f"{prefix}{key}.", depth + 1)
        elif isinstance(value, str | int) and not isinstance(value, bool) and len(str(value)) <= 200:
            yield f"{prefix}{key}", str(value)
            if prefix:
                yield key, str(value)


def _shallow(record: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict without the deep copy of ``asdict`` (the interpreter copied the variables)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


@dataclass
class _Instance:
    run: Run
    process: ExecutableProcess
    new: bool
    correlations: set[tuple[str, str]] = field(default_factory=set)
    status: str = "active"


class Batch:
    """The instances and writes of one transaction of :meth:`Engine.run_once` (see the module docstring)."""

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
        # what :meth:`prefetch` read for the whole round (None: not prefetched, ask row by row)
        self.rows: dict[str, tuple[Any, ...]] = {}
        self.absent: set[str] = set()
        self.subs: dict[tuple[str, str, str], list[tuple[str, str, str]]] | None = None
        self.task_hits: dict[tuple[str, str], list[tuple[str, str, str]]] | None = None
        self.task_owner: dict[str, str] | None = None
        self.actions: dict[str, tuple[str, str]] | None = None
        self._route_state: tuple[dict[str, int], dict[str, int], dict[str, int]] | None = None

    # ------------------------------------------------------------------ one read per kind for the round

    def _in(self, statement: str, values: list[Any], width: int = 1) -> list[tuple[Any, ...]]:
        """``statement`` with ``{}`` replaced by a list of ``values`` (tuples when ``width`` > 1), in chunks."""
        out: list[tuple[Any, ...]] = []
        step = 5000 // width
        for k in range(0, len(values), step):
            chunk = values[k : k + step]
            if width == 1:
                marks, params = self.db.marks(len(chunk)), list(chunk)
            else:
                row = "(" + self.db.marks(width) + ")"
                marks = "VALUES " + ", ".join([row] * len(chunk))
                params = [v for item in chunk for v in item]
            out.extend(self.db.q(statement.format(marks), params))
        return out

    def prefetch(self, rows: list[tuple[Any, ...]], timers: list[tuple[Any, ...]]) -> None:
        """Read what the round's commands and timers need with one query per kind, and lock their instances.

        Subscriptions and tasks that a message may reach, the tasks completed through the API, the
        outbox rows whose answers came back, then every instance those name (``FOR UPDATE SKIP
        LOCKED``: one another worker holds is left for the next round). Semantics are those of the
        row-by-row reads: the store as it was when the round began, plus what the round itself did.
        """
        messages: set[tuple[str, str, str]] = set()
        task_ids: set[str] = set()
        action_keys: set[str] = set()
        wanted: set[str] = {str(t[1]) for t in timers if t[1] != ""}
        for _, kind, body in rows:
            if kind == "message":
                data = json.loads(str(body))
                messages.add((data["message_name"], data["correlation_key"], str(data["correlation_value"])))
            elif kind == "complete":
                task_ids.add(json.loads(str(body))["task"])
            elif kind == "action":
                action_keys.add(json.loads(str(body))["key"])
            elif kind == "retry":
                wanted.add(json.loads(str(body))["instance"])
        if messages:
            self.subs = {m: [] for m in messages}
            pairs = sorted({(k, v) for _, k, v in messages})
            found = self._in(
                "SELECT s.message, c.name, c.value, s.instance_id, s.token, s.node FROM subscriptions s "
                "JOIN correlations c ON c.instance_id = s.instance_id WHERE (c.name, c.value) IN ({}) "
                "ORDER BY s.created_at, s.instance_id",
                pairs,
                2,
            )
            for message, name, value, iid, token, node in found:
                hits = self.subs.get((str(message), str(name), str(value)))
                if hits is not None and len(hits) < 20:
                    hits.append((str(iid), str(token), str(node)))
                    wanted.add(str(iid))
            self.task_hits = {p: [] for p in pairs}
            found = self._in(
                "SELECT c.name, c.value, t.id, t.instance_id, t.node FROM tasks t JOIN correlations c "
                "ON c.instance_id = t.instance_id WHERE (c.name, c.value) IN ({}) AND t.status IN ('open', 'claimed') "
                "ORDER BY t.created_at",
                pairs,
                2,
            )
            for name, value, task_id, iid, node in found:
                self.task_hits[(str(name), str(value))].append((str(task_id), str(iid), str(node)))
                wanted.add(str(iid))
        if task_ids:
            found = self._in("SELECT id, instance_id FROM tasks WHERE id IN ({})", sorted(task_ids))
            self.task_owner = {str(t): str(i) for t, i in found}
            wanted.update(self.task_owner.values())
        if action_keys:
            found = self._in(
                "SELECT idempotency_key, instance_id, body FROM outbox WHERE idempotency_key IN ({})", sorted(action_keys)
            )
            self.actions = {str(k): (str(i), str(b)) for k, i, b in found}
            wanted.update(i for i, _ in self.actions.values())
        ids = sorted(wanted)
        if not ids:
            return
        found = self._in(
            "SELECT id, process_id, version, business_key, status, state FROM instances WHERE id IN ({})" + self.db.skip_locked,
            ids,
        )
        self.rows = {str(r[0]): tuple(r[1:]) for r in found}
        missing = [i for i in ids if i not in self.rows]
        if missing and self.db.pg:
            self.locked.update(str(r[0]) for r in self._in("SELECT id FROM instances WHERE id IN ({})", missing))
        self.absent.update(i for i in missing if i not in self.locked)

    # ------------------------------------------------------------------ instances

    def instance(self, instance_id: str) -> _Instance | None:
        if instance_id in self.instances:
            return self.instances[instance_id]
        if instance_id in self.locked or instance_id in self.absent:
            return None
        if instance_id in self.rows:
            rows = [self.rows.pop(instance_id)]
        else:
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
        run.router = self.router(process, run)
        inst = _Instance(run, process, new=False, status=str(status))
        self.instances[instance_id] = inst
        return inst

    def start(self, instance_id: str, process: ExecutableProcess, key: str, node: str, variables: Mapping[str, Any]) -> _Instance:
        run = Run(process, instance_id, key, new_state(), self.now, bindings=self.e.bindings)
        run.router = self.router(process, run)
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
        known = self.subs.get((cmd.message_name, cmd.correlation_key, str(cmd.correlation_value))) if self.subs else None
        if known is not None:
            pairs = list(known)
        else:
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
        known = self.task_hits.get((cmd.correlation_key, str(cmd.correlation_value))) if self.task_hits else None
        if known is not None:
            rows: list[tuple[Any, ...]] = [hit for hit in known if hit[2] in steps][:5]
        else:
            rows = self.db.q(
                "SELECT t.id, t.instance_id, t.node FROM tasks t JOIN correlations c ON c.instance_id = t.instance_id "
                "WHERE c.name = ? AND c.value = ? AND t.status IN ('open', 'claimed') "
                f"AND t.node IN ({self.db.marks(len(steps))}) ORDER BY t.created_at LIMIT 5",
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
            if self.task_owner is not None:
                owner = self.task_owner.get(data["task"])
                rows: list[tuple[Any, ...]] = [(owner,)] if owner is not None else []
            else:
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
            if self.actions is not None:
                hit = self.actions.get(data["key"])
                rows = [hit] if hit is not None else []
            else:
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
                    node = inst.process.node(data["node"])
                    if node.kind == "task":  # a step whose call could not be made: start it again
                        inst.run.enter_task(token, node)
                    else:  # a gateway none of whose conditions could be decided: decide again
                        inst.run.leave(token, node)
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

    # ------------------------------------------------------------------ routing

    def _routing(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        """The round-robin cursors (now and as read) and the open tasks per person, read once per round."""
        if self._route_state is None:
            people = bool(self.e.staff.people)
            cursor = {str(k): int(v) for k, v in self.db.q("SELECT key, value FROM routing_state")} if people else {}
            self._route_state = (cursor, dict(cursor), dict(self.e.loads()) if people else {})
        return self._route_state

    def router(self, process: ExecutableProcess, run: Run) -> Callable[[RoutingPolicy], str | None]:
        """What a routing step of ``run`` calls to choose its person now (see :meth:`Run.assign`)."""

        def choose(policy: RoutingPolicy) -> str | None:
            if not self.e.staff.people:
                return None
            cursor, _, loads = self._routing()
            chosen = run.vars.get("assignees")
            role = policy.roles[0] if policy.roles else None
            sticky = chosen.get(role) if isinstance(chosen, dict) and role else None
            return choose_assignee(
                self.e.staff,
                policy,
                role,
                run.vars,
                now=self.now,
                load=loads,
                cursor=cursor,
                sticky=sticky,
                calendar=process.calendar,
            )

        return choose

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
        cursor, cursor_before, loads = self._routing()
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
            chosen = state["vars"].get("assignees")
            if isinstance(chosen, dict):  # a routing step of this case chose the person of the role
                sticky.update({str(k): str(v) for k, v in chosen.items() if v})
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
                outbox.append((a.idempotency_key, "action", iid, json.dumps(_shallow(a), default=str), "new", ts, ts))
            for m in fx.messages:
                outbox.append((m.message_id, "message", iid, json.dumps(_shallow(m), default=str), "new", ts, ts))
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
        rows = self._in(
            "SELECT DISTINCT p.id, p.inbox_id FROM parked p JOIN correlations c ON c.name = p.name AND c.value = p.value "
            "WHERE (p.message, c.instance_id) IN ({}) ORDER BY p.id",
            [(message, iid) for iid, message in waits],
            2,
        )
        self.db.many("UPDATE inbox SET status = 'new', detail = '' WHERE id = ?", [(int(r[1]),) for r in rows])
        self.db.many("DELETE FROM parked WHERE id = ?", [(int(r[0]),) for r in rows])


__all__ = ["Batch"]
