"""The interpreter: one step of one process instance, as a pure function of its state and a command.

An instance's state is a JSON-ready dict (kept in one row of the store)::

    {"vars": {...}, "status": "active",
     "tokens": {"t1": {"node": "first_contact", "scope": null, "wait": "task", "task": "i-1:4"}},
     "joins": {"<scope>/<gateway>": ["flow ids that arrived"]},
     "timers": {"i-1:5": {"token": "t1", "node": "first_contact_10m_timer", "due": 1709532300.0, "fired": 0}},
     "next": 6}

:class:`Run` applies one command -- start, complete a task or service action, deliver a message,
fire a timer -- moves tokens until each waits (a task, a service action, a message, a timer, a join)
or ends, and collects :class:`Effects`: tasks to open or close, timers to arm or drop, message
subscriptions, :class:`~crmflow.engine.contracts.ActionRequest` and
:class:`~crmflow.engine.contracts.OutboundMessage` rows for the outbox, log entries and incidents.
The store writes the state and the effects in one transaction; ids (tasks, timers, idempotency
keys) come from the state's counter, so a step replayed after a crash produces the same rows.

A timer that fires for an id no longer in ``timers`` is stale and ignored (the sequence token).

>>> from importlib.resources import files
>>> from datetime import datetime, timezone
>>> from crmflow.engine.deploy import deploy, load_model
>>> from crmflow.engine.effects import new_state
>>> p = deploy(load_model(files("crmflow.design") / "examples" / "incoming_lead.yaml")).process()
>>> run = Run(p, "i-1", "L-1", new_state(), datetime(2024, 3, 4, 7, 0, tzinfo=timezone.utc))
>>> run.start("lead_received", {"lead": {"source": "web"}})
>>> [(a.operation, a.idempotency_key) for a in run.effects.actions]
[('register_lead', 'i-1:a2')]
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from crmflow.design.expressions import EvalContext, Expression
from crmflow.design.model import RoutingPolicy
from crmflow.engine.contracts import ActionRequest, OutboundMessage
from crmflow.engine.deploy import ExecNode, ExecutableProcess, Flow
from crmflow.engine.effects import (
    PRIORITY_RANK,
    Effects,
    LogEntry,
    TaskOpen,
    merge,
    payload_value,
    var_at,
    variable_names,
)
from crmflow.engine.messages import MESSAGES
from crmflow.engine.params import resolve_params
from crmflow.engine.timing import epoch, first_due, from_epoch, next_due
from crmflow.errors import ExpressionError
from crmflow.i18n import text


class Run:
    """Applies commands to one instance; see the module docstring."""

    def __init__(
        self,
        process: ExecutableProcess,
        instance_id: str,
        business_key: str,
        state: dict[str, Any],
        now: datetime,
        *,
        bindings: Mapping[str, Mapping[str, Any]] | None = None,
        resource: str | None = None,
    ) -> None:
        self.p, self.id, self.key, self.state, self.now = process, instance_id, business_key, state, now
        self.ts = epoch(now)
        self.effects = Effects()
        self.bindings = bindings or {}
        self.resource = resource
        #: chooses the person for a routing rule now (the worker's staff and loads); None: nobody to choose from
        self.router: Callable[[RoutingPolicy], str | None] | None = None

    # ------------------------------------------------------------------ helpers

    @property
    def tokens(self) -> dict[str, dict[str, Any]]:
        return self.state["tokens"]  # type: ignore[no-any-return]

    @property
    def vars(self) -> dict[str, Any]:
        return self.state["vars"]  # type: ignore[no-any-return]

    def counter(self) -> int:
        n = int(self.state["next"])
        self.state["next"] = n + 1
        return n

    def new_token(self, node: str, scope: str | None) -> str:
        tid = f"t{self.counter()}"
        self.tokens[tid] = {"node": node, "scope": scope, "wait": ""}
        return tid

    def holds(self, expr: Expression, where: str) -> bool:
        ctx = EvalContext(now=self.now, working_seconds=self.p.calendar.working_seconds)
        try:
            return expr.holds(self.vars, context=ctx)
        except ExpressionError as exc:
            self.effects.incidents.append((where, "condition", text(MESSAGES, "run.condition", "en", flow=where, reason=exc)))
            raise

    def log(self, node: ExecNode, lifecycle: str, task: str | None = None) -> None:
        self.effects.log.append(LogEntry(node.id, node.name, lifecycle, self.ts, node.role, task, self.resource))

    def publish(self, event: str) -> None:
        catalogue = self.p.definition.event(event)
        payload: dict[str, Any] = {}
        if catalogue is not None:
            for f in catalogue.payload:
                value = var_at(self.vars, f.source) if f.source else payload_value(self.vars, f.name)
                if value is None and f.type == "datetime" and f.name.endswith("_at"):
                    value = from_epoch(self.ts).isoformat()  # when the step published it (`assigned_at`)
                if value is not None:
                    payload[f.name] = value
        self.effects.messages.append(
            OutboundMessage(event=event, message_id=f"{self.id}:m{self.counter()}", payload=payload, instance_id=self.id)
        )

    # ------------------------------------------------------------------ commands

    def start(self, node_id: str, variables: Mapping[str, Any]) -> None:
        """Start at ``node_id`` (a start event) with ``variables``."""
        merge(self.vars, variables)
        tid = self.new_token(node_id, None)
        self.leave(tid, self.p.node(node_id))
        self.settle()

    def complete(self, token: str, variables: Mapping[str, Any]) -> bool:
        """Complete the task or service action the token waits at; False if it waits for nothing such."""
        tok = self.tokens.get(token)
        if tok is None or tok["wait"] not in ("task", "action", "message"):
            return False
        merge(self.vars, variables)
        node = self.p.node(tok["node"])
        if tok.get("task"):
            self.effects.tasks_close.append((tok["task"], "done", dict(variables)))
        self.finish_activity(token, node)
        self.settle()
        return True

    def task_token(self, task_id: str) -> str | None:
        return next((t for t, tok in self.tokens.items() if tok.get("task") == task_id), None)

    def action_token(self, key: str) -> str | None:
        return next((t for t, tok in self.tokens.items() if tok.get("action") == key), None)

    def deliver(self, token: str, node_id: str, variables: Mapping[str, Any]) -> bool:
        """Deliver a message to the subscription ``(token, node_id)``; False if it no longer exists."""
        tok = self.tokens.get(token)
        if tok is None or node_id not in tok.get("subs", ()):
            return False
        merge(self.vars, variables)
        node = self.p.node(node_id)
        if node.kind == "boundary":
            self.boundary(token, node)
        elif tok["node"] == node_id:  # receive task or catch event the token waits at
            self.effects.subs_clear.append(token)
            tok["subs"] = []
            self.finish_activity(token, node)
        else:  # an event-based gateway: the event after it happened
            self.event_won(token, node)
        self.settle()
        return True

    def fire(self, timer_id: str) -> bool:
        """Fire a timer; False when it is stale (no longer armed in this state)."""
        timer = self.state["timers"].get(timer_id)
        if timer is None:
            return False
        token, node = timer["token"], self.p.node(timer["node"])
        spec = node.timer
        again = next_due(spec, from_epoch(timer["due"]), timer["fired"] + 1, self.p.calendar) if spec else None
        if again is not None and node.kind == "boundary" and not node.interrupting:
            timer["fired"] += 1
            timer["due"] = epoch(again)
            self.effects.timers_set.append((timer_id, timer["due"]))
        else:
            del self.state["timers"][timer_id]
        if token not in self.tokens:
            return False
        if node.kind == "boundary":
            self.boundary(token, node)
        elif self.tokens[token]["node"] == node.id:
            self.finish_activity(token, node)
        else:
            self.event_won(token, node)
        self.settle()
        return True

    # ------------------------------------------------------------------ moving tokens

    def leave(self, token: str, node: ExecNode) -> None:
        flows = self.choose(node)
        if flows is None:
            self.tokens[token]["wait"] = "incident"
            return
        if not flows:
            self.end_token(token)
            return
        tokens = [token] + [self.new_token(node.id, self.tokens[token]["scope"]) for _ in flows[1:]]
        for tid, flow in zip(tokens, flows, strict=True):
            self.arrive(tid, flow)

    def choose(self, node: ExecNode) -> list[Flow] | None:
        """The flows a token takes out of ``node``; None when none may be taken (an incident)."""
        if node.kind == "gateway" and node.subtype == "parallel":
            return list(node.outgoing)
        if node.kind == "gateway" and node.subtype == "eventBased":
            return list(node.outgoing)
        taken: list[Flow] = []
        try:
            for f in node.outgoing:
                if f.id == node.default:
                    continue
                if f.condition is None or self.holds(f.condition, f.id):
                    taken.append(f)
                if taken and node.kind == "gateway" and node.subtype == "exclusive":
                    return taken[:1]
        except ExpressionError:
            return None
        if not taken and node.default is not None:
            taken = [f for f in node.outgoing if f.id == node.default]
        if not taken and node.outgoing:
            names = ", ".join(sorted(variable_names(self.vars))) or "none"
            self.effects.incidents.append(
                (node.id, "no_branch", text(MESSAGES, "run.no_branch", "en", node=node.id, names=names))
            )
            return None
        return taken

    def arrive(self, token: str, flow: Flow) -> None:
        node = self.p.node(flow.target)
        tok = self.tokens[token]
        tok["node"], tok["wait"] = node.id, ""
        if node.kind == "gateway":
            if node.subtype in ("parallel", "inclusive") and len(node.incoming) > 1:
                key = f"{tok['scope'] or ''}/{node.id}"
                self.state["joins"].setdefault(key, []).append(flow.id)
                tok["wait"] = "join"
                self.try_join(node, tok["scope"])
                return
            if node.subtype == "eventBased":
                self.wait_events(token, node)
                return
            self.leave(token, node)
            return
        if node.kind == "task":
            self.enter_task(token, node)
        elif node.kind == "subprocess":
            tok["wait"] = "subprocess"
            self.arm_boundaries(token, node)
            child = self.new_token(node.start or "", token)
            self.leave(child, self.p.node(node.start or ""))
        elif node.kind == "catch":
            tok["wait"] = "message" if node.subtype == "message" else "timer"
            self.subscribe_or_arm(token, node)
        elif node.kind == "throw":
            if node.subtype == "message" and node.message:
                self.publish(node.message)
            for event in node.publishes:
                self.publish(event)
            if node.subtype == "escalation":
                self.escalate(token, node)
            self.leave(token, node)
        elif node.kind == "end":
            self.end_event(token, node)
        else:  # a start event inside a sub-process
            self.leave(token, node)

    def enter_task(self, token: str, node: ExecNode) -> None:
        tok = self.tokens[token]
        if node.subtype == "send":
            self.log(node, "start")
            for event in node.publishes or ((node.message,) if node.message else ()):
                self.publish(event)
            self.log(node, "complete")
            self.leave(token, node)
            return
        if node.subtype == "service":
            binding = self.bindings.get(node.id, {})
            ctx = EvalContext(now=self.now, working_seconds=self.p.calendar.working_seconds)
            try:
                computed = resolve_params(binding.get("params", {}), self.vars, context=ctx)
            except ExpressionError as exc:  # the call is not sent; retrying the incident starts the step again
                tok["wait"] = "incident"
                self.effects.incidents.append((node.id, "params", text(MESSAGES, "run.params", "en", node=node.id, reason=exc)))
                return
            self.arm_boundaries(token, node)
            key = f"{self.id}:a{self.counter()}"
            tok["wait"], tok["action"] = "action", key
            self.log(node, "start")
            params = {"business_key": self.key, "step": node.id, "variables": copy.deepcopy(self.vars)}
            params.update(computed)
            self.effects.actions.append(
                ActionRequest(
                    connector=str(binding.get("connector", "crm")),
                    operation=str(binding.get("operation", node.id)),
                    idempotency_key=key,
                    instance_id=self.id,
                    element_id=node.id,
                    params=params,
                )
            )
            return
        self.arm_boundaries(token, node)
        if node.subtype == "receive":
            tok["wait"] = "message"
            self.log(node, "start")
            self.subscribe_or_arm(token, node)
            return
        task_id = f"{self.id}:{self.counter()}"
        tok["wait"], tok["task"] = "task", task_id
        priority = "normal"
        for expr, value in self.p.priority_rules(node):
            try:
                if self.holds(expr, node.id):
                    priority = value
                    break
            except ExpressionError:
                break
        dues = [t["due"] for t in self.state["timers"].values() if t["token"] == token]
        self.effects.tasks_open.append(
            TaskOpen(
                task_id, token, node.id, node.name, node.role, priority, PRIORITY_RANK.get(priority, 2), min(dues, default=None)
            )
        )
        self.log(node, "start", task_id)

    def finish_activity(self, token: str, node: ExecNode) -> None:
        """The activity (or catch event) the token is at completed: drop its boundaries, log, move on."""
        tok = self.tokens[token]
        self.clear_waits(token)
        task = tok.pop("task", None)
        tok.pop("action", None)
        if node.kind in ("task", "subprocess"):
            if node.kind == "task":  # an expanded sub-process is not an activity of the log
                self.log(node, "complete", task)
                self.assign(node)
            for event in node.publishes:
                self.publish(event)
        tok["wait"] = ""
        self.leave(token, node)

    def assign(self, node: ExecNode) -> None:
        """A step with a routing rule that is not a user task (a bot's "assign a manager") assigns when it completes.

        The person the rule chooses for its role is the variable ``assignee`` (and ``assignees.<role>``),
        so the step's events can carry them (``from: assignee``) and the role's next task of the case goes
        to them.
        """
        policy = node.step.rules.routing if node.step is not None else None
        if policy is None or node.subtype == "user" or self.router is None:
            return
        who = self.router(policy)
        if who is None:
            return
        self.vars["assignee"] = who
        chosen = self.vars.setdefault("assignees", {})
        if isinstance(chosen, dict):
            for role in policy.roles:
                chosen[role] = who

    def clear_waits(self, token: str) -> None:
        tok = self.tokens[token]
        for tid in [t for t, timer in self.state["timers"].items() if timer["token"] == token]:
            del self.state["timers"][tid]
            self.effects.timers_clear.append(tid)
        if tok.get("subs"):
            self.effects.subs_clear.append(token)
            tok["subs"] = []

    def arm_boundaries(self, token: str, node: ExecNode) -> None:
        for bid in node.boundaries:
            boundary = self.p.node(bid)
            if boundary.applies_when is not None:
                try:
                    if not self.holds(boundary.applies_when, bid):
                        continue
                except ExpressionError:
                    continue
            if boundary.subtype in ("timer", "message"):
                self.subscribe_or_arm(token, boundary)

    def subscribe_or_arm(self, token: str, node: ExecNode) -> None:
        if node.subtype == "timer" or node.timer is not None:
            assert node.timer is not None
            due = first_due(node.timer, self.now, self.p.calendar)
            if due is None:
                return
            tid = f"{self.id}:{self.counter()}"
            self.state["timers"][tid] = {"token": token, "node": node.id, "due": epoch(due), "fired": 0}
            self.effects.timers_set.append((tid, epoch(due)))
        elif node.message:
            self.tokens[token].setdefault("subs", []).append(node.id)
            self.effects.subs_set.append((token, node.id, node.message))

    def wait_events(self, token: str, gateway: ExecNode) -> None:
        self.tokens[token]["wait"] = "event"
        for flow in gateway.outgoing:
            self.subscribe_or_arm(token, self.p.node(flow.target))

    def event_won(self, token: str, node: ExecNode) -> None:
        """The first event after an event-based gateway happened: the others are dropped."""
        self.clear_waits(token)
        tok = self.tokens[token]
        tok["node"], tok["wait"] = node.id, ""
        if node.kind == "task":  # a receive task after the gateway: received at once
            self.log(node, "start")
            self.log(node, "complete")
        self.leave(token, node)

    def boundary(self, token: str, node: ExecNode) -> None:
        """A boundary event of the activity the token is at fired."""
        scope = self.tokens[token]["scope"]
        if node.interrupting:
            self.cancel(token)
            del self.tokens[token]
        new = self.new_token(node.id, scope)
        self.leave(new, node)

    def cancel(self, token: str) -> None:
        """Cancel what the token waits at and every token inside it (a sub-process)."""
        tok = self.tokens[token]
        self.clear_waits(token)
        if tok.get("task"):
            self.effects.tasks_close.append((tok["task"], "cancelled", {}))
        for child in [t for t, c in self.tokens.items() if c["scope"] == token]:
            self.cancel(child)
            del self.tokens[child]
        for key in [k for k in self.state["joins"] if k.split("/", 1)[0] == token]:
            del self.state["joins"][key]

    def end_event(self, token: str, node: ExecNode) -> None:
        scope = self.tokens[token]["scope"]
        if node.subtype == "message" and node.message:
            self.publish(node.message)
        for event in node.publishes:
            self.publish(event)
        if node.subtype == "terminate":
            for t in [t for t, c in self.tokens.items() if c["scope"] == scope and t != token]:
                self.cancel(t)
                del self.tokens[t]
            for key in [k for k in self.state["joins"] if k.split("/", 1)[0] == (scope or "")]:
                del self.state["joins"][key]
        elif node.subtype == "error":
            self.throw_error(token, node)
            return
        elif node.subtype == "escalation":
            self.escalate(token, node)
        self.end_token(token)

    def catching(self, scope: str | None, subtype: str, code: str | None) -> tuple[str, ExecNode] | None:
        """The nearest enclosing sub-process token with a boundary catching this error/escalation."""
        while scope is not None:
            holder = self.tokens.get(scope)
            if holder is None:
                return None
            for bid in self.p.node(holder["node"]).boundaries:
                b = self.p.node(bid)
                if b.subtype == subtype and (b.code is None or code is None or b.code == code):
                    return scope, b
            scope = holder["scope"]
        return None

    def throw_error(self, token: str, node: ExecNode) -> None:
        found = self.catching(self.tokens[token]["scope"], "error", node.code)
        if found is None:
            self.effects.incidents.append(
                (node.id, "uncaught_error", text(MESSAGES, "run.uncaught_error", "en", code=node.code or "", node=node.id))
            )
            for t in list(self.tokens):
                if t in self.tokens:
                    self.cancel(t)
            self.tokens.clear()
            self.state["status"] = "failed"
            return
        holder, boundary = found
        self.boundary(holder, boundary)

    def escalate(self, token: str, node: ExecNode) -> None:
        found = self.catching(self.tokens[token]["scope"], "escalation", node.code)
        if found is not None:
            holder, boundary = found
            if boundary.interrupting:
                self.boundary(holder, boundary)
            else:
                self.leave(self.new_token(boundary.id, self.tokens[holder]["scope"]), boundary)

    def end_token(self, token: str) -> None:
        if token not in self.tokens:
            return
        scope = self.tokens.pop(token)["scope"]
        self.scope_done(scope)

    def scope_done(self, scope: str | None) -> None:
        if any(c["scope"] == scope and c["wait"] != "join" for c in self.tokens.values()):
            return
        if any(c["scope"] == scope for c in self.tokens.values()):
            return  # tokens wait at joins: settle() decides
        if scope is None:
            if self.state["status"] == "active":
                self.state["status"] = "completed"
            return
        holder = self.tokens.get(scope)
        if holder is not None and holder["wait"] == "subprocess":
            self.finish_activity(scope, self.p.node(holder["node"]))

    # ------------------------------------------------------------------ joins

    def try_join(self, node: ExecNode, scope: str | None) -> bool:
        key = f"{scope or ''}/{node.id}"
        arrived = self.state["joins"].get(key, [])
        waiting = [t for t, c in self.tokens.items() if c["node"] == node.id and c["wait"] == "join" and c["scope"] == scope]
        if not waiting:
            return False
        if node.subtype == "parallel":
            ready = all(f in arrived for f in node.incoming)
        else:
            missing = [f for f in node.incoming if f not in arrived]
            ready = not any(self.can_reach(scope, self.flow_source(f), node.id) for f in missing)
        if not ready:
            return False
        for f in set(arrived) & set(node.incoming):
            arrived.remove(f)
        if not arrived:
            del self.state["joins"][key]
        keep, *rest = waiting
        for t in rest[: max(len(node.incoming) - 1, 0)]:
            del self.tokens[t]
        self.tokens[keep]["wait"] = ""
        self.leave(keep, node)
        return True

    def flow_source(self, flow_id: str) -> str:
        for n in self.p.nodes.values():
            for f in n.outgoing:
                if f.id == flow_id:
                    return n.id
        return ""

    def can_reach(self, scope: str | None, target: str, join: str) -> bool:
        """Whether a live token of ``scope`` (not waiting at ``join``) can still reach node ``target``."""
        starts = [
            c["node"] for c in self.tokens.values() if c["scope"] == scope and not (c["node"] == join and c["wait"] == "join")
        ]
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            n = stack.pop()
            if n == target:
                return True
            if n in seen or n == join:
                continue
            seen.add(n)
            node = self.p.node(n)
            stack.extend(f.target for f in node.outgoing)
            stack.extend(node.boundaries)
        return False

    def settle(self) -> None:
        """Fire inclusive joins that nothing can reach any more; complete scopes left only with them."""
        progress = True
        while progress:
            progress = False
            for key in list(self.state["joins"]):
                scope_, _, gw = key.partition("/")
                node = self.p.node(gw)
                if node.subtype == "inclusive" and self.try_join(node, scope_ or None):
                    progress = True
                    break


__all__ = ["Run"]
