"""One process of a drawn BPMN (no ``crmflow`` extensions) as the YAML shape of a To-Be process.

:class:`FlowDeriver` reads what modelling tools draw and says, as a warning naming the element, what
it approximates or drops (:mod:`crmflow.design.from_bpmn` documents the mapping):

* expanded sub-processes are **flattened**: their inner nodes join the parent flow with the
  sub-process name as prefix (``Resolve: Call customer``); the inner start and end events become
  pass-through intermediate events, so RACI, SLAs and rules can be given per inner task;
* boundary duration timers are SLAs, cycles an SLA with one reminder per repetition; any other
  boundary event (message, error, escalation, signal, conditional, a date) is an **exception path**: an
  exclusive gateway ``<step>_exceptions`` after the step whose branch ``exception == "<name>"`` leads
  where the boundary event's flow leads;
* a condition that cannot be translated (and a parallel flow's dropped one) is kept as the branch's
  ``description``, with the flow's ``documentation`` and associated text annotations;
* implicit BPMN behaviour is made explicit: several outgoing flows of a task → a split gateway,
  a node without outgoing flow → an end event, a node without incoming flow → started with the
  process (a parallel fork after the start event), link events → a jump.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from defusedxml import DefusedXmlException, ElementTree

from crmflow.bpmn.model import (
    Association,
    CallActivity,
    Definitions,
    Event,
    FlowNode,
    Gateway,
    Process,
    SequenceFlow,
    SubProcess,
    Task,
)
from crmflow.bpmn.timers import parse_cycle, parse_duration
from crmflow.design.from_bpmn_conditions import translate_condition
from crmflow.errors import BpmnError

_STEP_KIND = {
    "task": "user",
    "userTask": "user",
    "serviceTask": "service",
    "scriptTask": "service",
    "businessRuleTask": "service",
    "sendTask": "send",
    "receiveTask": "receive",
    "manualTask": "manual",
}
_ID = re.compile(r"[^A-Za-z0-9_.-]")
_TRIGGERS = ("message", "timer", "signal", "error", "escalation", "terminate")
#: Reminders written for an unbounded timer cycle (``R/P1D``).
UNBOUNDED_REMINDERS = 3

Warn = Callable[..., None]


def safe_id(value: str) -> str:
    """An id the To-Be schema accepts, made from a BPMN id."""
    out = _ID.sub("_", value) or "x"
    return out if re.match(r"[A-Za-z_]", out) else f"_{out}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_children(fragments: tuple[str, ...]) -> list[Any]:
    out = []
    for fragment in fragments:
        try:
            out.append(ElementTree.fromstring(fragment))
        except (ElementTree.ParseError, DefusedXmlException):  # a fragment we cannot parse is simply not data
            continue
    return out


def _label(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace('"', "'")).strip()[:80]


class FlowDeriver:
    """Derives the YAML shape of one drawn process; ``warn(code, element, **params)`` collects warnings."""

    def __init__(
        self, defs: Definitions, process: Process, roles: dict[str, dict[str, Any]], warn: Warn, *, name: str = ""
    ) -> None:
        self.defs, self.p, self.roles, self.warn = defs, process, roles, warn
        self.name = process.name or name or process.id
        self.nodes: list[tuple[FlowNode, str]] = []  # (node, name prefix)
        self.flows: list[SequenceFlow] = []
        self.host: dict[str, str] = {}  # inner node → the sub-process it was drawn in (for its lane)
        self.passthrough: set[str] = set()  # inner start/end events of flattened sub-processes
        self.extra: list[dict[str, Any]] = []  # synthetic gateways and end events
        self.data_names = self._data_names()
        self.notes = self._annotations()
        self.subs: dict[str, str] = {}  # flattened sub-process → the node its boundary events attach to
        self.sub_names: dict[str, str] = {}  # that node → the sub-process's (prefixed) name
        self._flatten(process, "")
        self.attached: dict[str, list[Event]] = {}
        for node, _ in self.nodes:
            if isinstance(node, Event) and node.position == "boundary" and node.attached_to:
                self.attached.setdefault(self.entry_exit(node.attached_to), []).append(node)

    # ------------------------------------------------------------------ reading the drawing

    def _data_names(self) -> dict[str, str]:
        names = {d.id: d.name for d in self.p.data_objects}
        for ref in self.p.data_object_refs:
            names[ref.id] = ref.name or names.get(ref.data_object or "", "") or ref.id
        for el in _xml_children(self.p.unmodelled):  # data stores are not modelled by the reader
            if _local(el.tag) == "dataStoreReference" and el.get("id"):
                names[el.get("id")] = el.get("name") or el.get("id")
        return names

    def _annotations(self) -> dict[str, list[str]]:
        texts = {a.id: a.text.strip() for a in self.p.text_annotations if a.text.strip()}
        out: dict[str, list[str]] = {}
        for a in self.p.associations:
            for note, node in ((a.source, a.target), (a.target, a.source)):
                if note in texts:
                    out.setdefault(node, []).append(texts[note])
        return out

    def _flatten(self, container: Process | SubProcess, prefix: str) -> None:
        self.flows.extend(container.flows)  # first: opening a sub-process rewires the flows around it
        for node in container.nodes:
            if isinstance(node, SubProcess) and node.triggered_by_event:
                self.warn("bpmn.event_subprocess", node.id, name=node.name or node.id)
                continue
            starts = (
                [n for n in node.nodes if isinstance(n, Event) and n.position == "start"] if isinstance(node, SubProcess) else []
            )
            if isinstance(node, SubProcess) and len(starts) == 1 and not starts[0].definitions:
                self._open(node, starts[0], prefix)
                continue
            if isinstance(node, SubProcess) and node.nodes:
                self.warn("bpmn.subprocess_kept", node.id, name=node.name or node.id)
            self.nodes.append((node, prefix))

    def _open(self, sub: SubProcess, start: Event, prefix: str) -> None:
        """Flatten an expanded sub-process into the parent flow."""
        inner_prefix = f"{prefix}{sub.name or sub.id}: "
        ends = [
            n
            for n in sub.nodes
            if isinstance(n, Event) and n.position == "end" and (not n.definitions or n.definitions[0].kind == "terminate")
        ]
        before = len(self.nodes)
        self._flatten(sub, inner_prefix)
        for node, _ in self.nodes[before:]:
            self.host[node.id] = sub.id
        self.passthrough.add(start.id)
        leaving = [f for f in self.flows if f.source == sub.id]
        if leaving:
            self.passthrough.update(e.id for e in ends)
        self.flows = [
            f
            if f.target != sub.id
            else SequenceFlow(
                id=f.id, name=f.name, source=f.source, target=start.id, condition=f.condition, documentation=f.documentation
            )
            for f in self.flows
        ]
        self.flows = [f for f in self.flows if f.source != sub.id]
        for e in ends if leaving else ():
            self.flows += [
                SequenceFlow(
                    id=f.id, name=f.name, source=e.id, target=f.target, condition=f.condition, documentation=f.documentation
                )
                for f in leaving
            ]
        self.subs[sub.id] = ends[0].id if leaving and ends else sub.id
        self.sub_names[self.subs[sub.id]] = prefix + (sub.name or sub.id)
        if any(_local(u.tag).endswith("LoopCharacteristics") for u in _xml_children(sub.unmodelled)):
            self.warn("bpmn.loop", sub.id, name=sub.name or sub.id)

    def entry_exit(self, node_id: str) -> str:
        """Where a boundary event of ``node_id`` attaches once sub-processes are flattened."""
        return self.subs.get(node_id, node_id)

    def outgoing(self, node_id: str) -> list[SequenceFlow]:
        return [f for f in self.flows if f.source == node_id]

    def incoming(self, node_id: str) -> list[SequenceFlow]:
        return [f for f in self.flows if f.target == node_id]

    def lane(self, node_id: str) -> str | None:
        lane = self.p.lane_of(node_id)
        while lane is None and node_id in self.host:
            node_id = self.host[node_id]
            lane = self.p.lane_of(node_id)
        if lane is None:
            return None
        role = safe_id(lane.id)
        self.roles.setdefault(role, {"id": role, "name": lane.name or lane.id})
        return role

    def lane_fallback(self) -> str:
        role = f"{safe_id(self.p.id)}_performer"
        self.roles.setdefault(role, {"id": role, "name": self.name if self.name != self.p.id else "Performer"})
        return role

    def trigger_name(self, ref: str | None) -> str:
        trigger = next((t for t in self.defs.triggers if t.id == ref), None)
        return (trigger.name if trigger is not None and trigger.name else ref) or ""

    def node_name(self, node_id: str) -> str:
        try:
            node = self.p.node(node_id)
        except BpmnError:
            return node_id
        return getattr(node, "name", "") or node_id

    # ------------------------------------------------------------------ successors

    def next_of(self, node_id: str, *, kind: str = "parallel") -> str | None:
        """The one successor of a non-gateway node; several outgoing flows become a split gateway."""
        out = self.outgoing(node_id)
        if not out:
            return None
        if len(out) == 1:
            if out[0].condition:
                self.warn("bpmn.condition_dropped", out[0].id, node=node_id, condition=out[0].condition)
            return out[0].target
        split = f"{safe_id(node_id)}_split"
        conditional = any(f.condition for f in out)
        branches = []
        for f in out:
            branch: dict[str, Any] = {"to": f.target}
            if f.name:
                branch["name"] = f.name
            if conditional and f.condition:
                self.condition(f, split, branch)
            else:
                if conditional:
                    branch["when"] = "true"
                self.describe(branch, f)
            branches.append(branch)
        self.extra.append({"id": split, "gateway": "inclusive" if conditional else kind, "branches": branches})
        self.warn("bpmn.implicit_split", node_id, count=len(out))
        return split

    def end_for(self, node_id: str) -> str:
        """An end event for a node the drawing leaves without outgoing flow."""
        end = f"{safe_id(node_id)}_end"
        if not any(e["id"] == end for e in self.extra):
            self.extra.append({"id": end, "event": "end"})
            self.warn("bpmn.implicit_end", node_id)
        return end

    def condition(self, f: SequenceFlow, gateway: str, branch: dict[str, Any]) -> None:
        """The branch's ``when`` from the flow's condition; an untranslated one stays as its ``description``."""
        label = f.name or self.node_name(f.target)
        c = translate_condition(f.condition or "", label=label)
        if not c.translated:
            self.warn("bpmn.condition_kept", f.id, gateway=gateway, condition=f.condition, expression=c.expression)
        branch["when"] = c.expression
        self.describe(branch, f, kept=None if c.translated else c.original)

    def describe(self, branch: dict[str, Any], f: SequenceFlow, *, kept: str | None = None) -> None:
        """The branch's ``description``: the flow's documentation, its annotations and a ``kept`` condition text."""
        parts = [f.documentation.strip(), *self.notes.get(f.id, []), (kept or "").strip()]
        texts = list(dict.fromkeys(x for x in parts if x))
        if texts:
            branch["description"] = "\n\n".join(texts)

    # ------------------------------------------------------------------ nodes

    def activity(self, n: Task | CallActivity | SubProcess, prefix: str) -> list[dict[str, Any]]:
        lane = self.lane(n.id) or self.lane_fallback()
        kind = _STEP_KIND.get(n.kind, "user") if isinstance(n, Task) else "subprocess"
        data: dict[str, Any] = {
            "id": n.id,
            "task": kind,
            "name": prefix + (n.name or n.id),
            "lane": lane,
            "raci": {"R": [lane], "A": [lane]},
        }
        description = [n.documentation] if n.documentation else []
        description += self.notes.get(n.id, [])
        for be in self.attached.get(n.id, []):  # a note on a boundary timer speaks about the step
            description += self.notes.get(be.id, [])
        if isinstance(n, CallActivity):
            description.append(f"Calls `{n.called_element}`." if n.called_element else "Calls another process.")
            self.warn("bpmn.call_activity", n.id, called=n.called_element or "?")
        if description:
            data["description"] = "\n\n".join(description)
        inputs, outputs = self.data_of(n)
        if inputs:
            data["inputs"] = inputs
        if outputs:
            data["outputs"] = outputs
        for u in _xml_children(n.unmodelled):
            if _local(u.tag).endswith("LoopCharacteristics"):
                self.warn("bpmn.loop", n.id, name=n.name or n.id)
        slas = [sla for be in self.attached.get(n.id, []) if (sla := self.sla(be, lane)) is not None]
        if slas:
            data["sla"] = slas
        return self.continued(data, n.id, lane, skip=frozenset(s["id"] for s in slas))

    def continued(
        self, data: dict[str, Any], node_id: str, lane: str | None, *, skip: frozenset[str] = frozenset()
    ) -> list[dict[str, Any]]:
        """``data`` with its ``next``, and the exception gateway of its other boundary events."""
        normal = self.next_of(node_id) or self.end_for(node_id)
        exceptions = [
            exc for be in self.attached.get(node_id, []) if safe_id(be.id) not in skip and (exc := self.exception(be)) is not None
        ]
        if not exceptions:
            data["next"] = normal
            return [data]
        gid = f"{safe_id(node_id)}_exceptions"
        title = self.sub_names.get(node_id) or data.get("name", node_id)
        gateway: dict[str, Any] = {
            "id": gid,
            "gateway": "exclusive",
            "name": f"Exceptions: {title}",
            "branches": [{"to": normal, "default": True}, *exceptions],
        }
        if lane:
            gateway["lane"] = lane
        data["next"] = gid
        return [data, gateway]

    def data_of(self, n: FlowNode) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        inputs: list[str] = []
        outputs: list[str] = []
        for u in _xml_children(n.unmodelled):
            tag = _local(u.tag)
            refs = {_local(c.tag): (c.text or "").strip() for c in u}
            if tag == "dataInputAssociation" and refs.get("sourceRef") in self.data_names:
                inputs.append(self.data_names[refs["sourceRef"]])
            elif tag == "dataOutputAssociation" and refs.get("targetRef") in self.data_names:
                outputs.append(self.data_names[refs["targetRef"]])
        for a in self.p.associations:
            assoc: Association = a
            if assoc.target == n.id and assoc.source in self.data_names:
                inputs.append(self.data_names[assoc.source])
            elif assoc.source == n.id and assoc.target in self.data_names:
                outputs.append(self.data_names[assoc.target])

        def io(names: list[str]) -> list[dict[str, str]]:
            seen = dict.fromkeys(names)
            return [{"name": name, "data": "_".join(re.findall(r"\w+", name.lower())) or "data"} for name in seen]

        return io(inputs), io(outputs)

    def sla(self, be: Event, lane: str) -> dict[str, Any] | None:
        """A boundary duration/cycle timer as an SLA of its step, else None."""
        d = next((d for d in be.definitions if d.kind == "timer"), None)
        if d is None or len(be.definitions) > 1 or d.timer not in ("timeDuration", "timeCycle"):
            return None
        try:
            if d.timer == "timeDuration":
                within, repeat = parse_duration(d.expression), 0
                within_text = d.expression.strip()
            else:
                cycle = parse_cycle(d.expression)
                if cycle.interval is None:
                    return None
                within = cycle.interval
                within_text = next(part for part in d.expression.strip().split("/")[1:] if part.startswith("P"))
                if cycle.repetitions is None:
                    self.warn("bpmn.unbounded_cycle", be.id, count=UNBOUNDED_REMINDERS)
                repeat = cycle.repetitions if cycle.repetitions is not None else UNBOUNDED_REMINDERS
        except BpmnError:  # an engine expression (${sla}) or a broken timer: an exception path, warned there
            return None
        if within.total_seconds() <= 0:
            return None
        sla: dict[str, Any] = {
            "id": safe_id(be.id),
            "name": be.name or be.id,
            "within": within_text,
            "time": "calendar",
            "interrupting": be.interrupting,
        }
        levels: list[dict[str, Any]] = [
            {"after": "PT0S" if k == 0 else within_text, "actions": [{"action": "notify", "role": lane}]} for k in range(repeat)
        ]
        path = self.next_of(be.id, kind="parallel")
        if path is not None:
            if levels:
                levels[-1]["actions"].append({"action": "move_to", "step": path})
            else:
                levels = [{"after": "PT0S", "actions": [{"action": "move_to", "step": path}]}]
        if levels:
            sla["escalations"] = levels
        return sla

    def exception(self, be: Event) -> dict[str, Any] | None:
        """A non-SLA boundary event as a branch of the step's exception gateway, else None (warned)."""
        d = be.definitions[0] if be.definitions else None
        kind = d.kind if d is not None else "none"
        label = be.name or (self.trigger_name(d.ref) if d is not None and d.ref else "") or kind
        if d is not None and d.kind == "timer":
            label = be.name or f"{d.timer or 'timer'} {d.expression.strip()}"
        target = self.next_of(be.id)
        if target is None:
            self.warn("bpmn.boundary_no_path", be.id, kind=kind)
            return None
        branch: dict[str, Any] = {"to": target, "name": be.name or label, "when": f'exception == "{_label(label)}"'}
        if d is not None and d.kind == "conditional" and d.expression:
            c = translate_condition(d.expression, label=label)
            if c.translated:
                branch["when"] = c.expression
            else:
                branch["description"] = d.expression.strip()
                gateway = f"{safe_id(self.entry_exit(be.attached_to or be.id))}_exceptions"
                self.warn(
                    "bpmn.condition_kept", be.id, gateway=gateway, condition=d.expression.strip(), expression=branch["when"]
                )
        if not be.interrupting:
            self.warn("bpmn.boundary_non_interrupting", be.id, kind=kind)
        if d is not None and d.kind == "timer":
            self.warn("bpmn.boundary_timer_path", be.id, timer=d.expression.strip())
        return branch

    def gateway(self, n: Gateway) -> dict[str, Any]:
        kind = {"eventBased": "event_based", "complex": "inclusive"}.get(n.kind, n.kind)
        if n.kind == "complex":
            self.warn("bpmn.complex_gateway", n.id)
        g: dict[str, Any] = {"id": n.id, "gateway": kind}
        if n.name:
            g["name"] = n.name
        if lane := self.lane(n.id):
            g["lane"] = lane
        out = self.outgoing(n.id)
        if len(out) <= 1:
            nxt = out[0].target if out else self.end_for(n.id)
            g["next"] = nxt
            return g
        bare = [f for f in out if not f.condition and f.id != n.default]
        implicit_default = (
            kind in ("exclusive", "inclusive")
            and n.default is None
            and len(bare) == 1
            and len(out) > 1
            and any(f.condition for f in out)
        )
        branches = []
        for f in out:
            branch: dict[str, Any] = {"to": f.target}
            if f.name:
                branch["name"] = f.name
            if kind in ("parallel", "event_based"):
                if f.condition:
                    self.warn("bpmn.condition_dropped", f.id, node=n.id, condition=f.condition)
                self.describe(branch, f, kept=f.condition)
            elif f.id == n.default or (implicit_default and f is bare[0]):
                branch["default"] = True
                self.describe(branch, f)
            elif f.condition:
                self.condition(f, n.id, branch)
            else:
                branch["when"] = translate_condition("", label=f.name or self.node_name(f.target)).expression
                self.describe(branch, f)
            branches.append(branch)
        if kind in ("exclusive", "inclusive") and bare and not implicit_default:
            self.warn("bpmn.decision", n.id, branches=", ".join(f"`{f.id}`" for f in bare))
        g["branches"] = branches
        return g

    def event(self, n: Event, prefix: str) -> list[dict[str, Any]]:
        if n.position == "boundary":
            return []
        lane = self.lane(n.id)
        name = prefix + n.name if n.name else ""
        if n.id in self.passthrough:
            e: dict[str, Any] = {
                "id": n.id,
                "event": "intermediate",
                "name": name or prefix + ("start" if n.position == "start" else "end"),
            }
            if lane:
                e["lane"] = lane
            return self.continued(e, n.id, lane)
        position = {"intermediateCatch": "intermediate", "intermediateThrow": "intermediate"}.get(n.position, n.position)
        e = {"id": n.id, "event": position}
        if name:
            e["name"] = name
        if lane:
            e["lane"] = lane
        if n.position == "intermediateThrow":
            e["throw"] = True
        if len(n.definitions) > 1:
            self.warn("bpmn.multiple_triggers", n.id, count=len(n.definitions))
        d = n.definitions[0] if n.definitions else None
        if d is not None and d.kind in _TRIGGERS:
            e["trigger"] = d.kind
            if d.kind == "message":
                e["message"] = self.trigger_name(d.ref) or n.name or "message"
            elif d.kind == "timer":
                timer = self.timer(n, d.timer, d.expression)
                if timer is None:
                    e.pop("trigger")
                else:
                    e["timer"], e["time"] = timer, "calendar"
            elif d.kind in ("signal", "error", "escalation"):
                e["ref"] = self.trigger_name(d.ref) or n.name or d.kind
        elif d is not None and d.kind != "link":
            self.warn("bpmn.trigger_dropped", n.id, kind=d.kind)
        if n.position == "end":
            return [e]
        if d is not None and d.kind == "link" and n.position == "intermediateThrow":
            catch = next(
                (
                    c
                    for c, _ in self.nodes
                    if isinstance(c, Event)
                    and c.position == "intermediateCatch"
                    and c.definitions
                    and c.definitions[0].kind == "link"
                    and c.definitions[0].name == d.name
                ),
                None,
            )
            if catch is not None:
                e["next"] = catch.id
                return [e]
        return self.continued(e, n.id, lane)

    def timer(self, n: Event, kind: str | None, expression: str) -> str | None:
        """The ISO 8601 duration of an event timer (a cycle gives its interval), or None (warned)."""
        try:
            if kind == "timeDuration":
                parse_duration(expression)
                return expression.strip()
            if kind == "timeCycle":
                cycle = parse_cycle(expression)
                if cycle.interval is not None:
                    self.warn("bpmn.timer_cycle_event", n.id, timer=expression.strip())
                    return next(p for p in expression.strip().split("/") if p.startswith("P"))
        except BpmnError:
            pass
        self.warn("bpmn.timer_dropped", n.id, timer=expression.strip(), kind=kind or "timer")
        return None

    # ------------------------------------------------------------------ the process

    def process(self) -> dict[str, Any]:
        flow: list[dict[str, Any]] = []
        for n, prefix in self.nodes:
            if isinstance(n, Task | CallActivity | SubProcess):
                flow.extend(self.activity(n, prefix))
            elif isinstance(n, Gateway):
                flow.append(self.gateway(n))
                if n.documentation or n.id in self.notes:
                    self.warn("bpmn.annotation_dropped", n.id)
            elif isinstance(n, Event):
                flow.extend(self.event(n, prefix))
                if (n.id in self.notes or n.documentation) and n.position != "boundary":
                    self.warn("bpmn.annotation_dropped", n.id)
        flow.extend(self.extra)
        self._implicit_starts(flow)
        # the flow list gives no implicit successors: end events stay last
        flow.sort(key=lambda d: d.get("event") == "end")
        out: dict[str, Any] = {"id": safe_id(self.p.id), "name": self.name, "flow": flow}
        if self.p.documentation:
            out["description"] = self.p.documentation
        return out

    def _implicit_starts(self, flow: list[dict[str, Any]]) -> None:
        """Nodes nothing leads to start with the process (BPMN): fork to them after the start event."""
        targets: set[str] = set()
        for d in flow:
            targets.update(b["to"] for b in d.get("branches", ()))
            if d.get("next"):
                targets.add(d["next"])
            for sla in d.get("sla", ()):
                targets.update(a["step"] for lv in sla.get("escalations", ()) for a in lv["actions"] if a.get("step"))
        orphans = [d for d in flow if d["id"] not in targets and d.get("event") != "start"]
        if not orphans:
            return
        starts = [d for d in flow if d.get("event") == "start"]
        if not starts:
            start = {"id": f"{safe_id(self.p.id)}_start", "event": "start"}
            flow.insert(0, start)
            starts = [start]
            self.warn("bpmn.implicit_start", self.p.id)
        start = starts[0]
        fork = f"{safe_id(start['id'])}_fork"
        first = start.get("next")
        branches = ([{"to": first}] if first else []) + [{"to": d["id"]} for d in orphans]
        if len(branches) == 1:
            start["next"] = branches[0]["to"]
        else:
            flow.append({"id": fork, "gateway": "parallel", "branches": branches})
            start["next"] = fork
        for d in orphans:
            self.warn("bpmn.no_incoming", d["id"])


__all__ = ["UNBOUNDED_REMINDERS", "FlowDeriver", "safe_id"]
