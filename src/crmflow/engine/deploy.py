"""Deploy: a BPMN model (compiled from a To-Be, or drawn) as an executable graph, or a refusal naming each element.

:func:`deploy` checks every flow node of every process against what the interpreter runs
(:mod:`crmflow.engine.interpreter`) and builds one :class:`ExecutableProcess` per process:

* start events: none, message, timer; end events: none, terminate, error, escalation, message;
* tasks: user, manual and plain (``task``) wait for a person; service tasks ask a connector and wait
  for its answer; send tasks publish and continue; receive tasks wait for a message;
* gateways: exclusive, parallel, inclusive (splits and joins) and event-based;
* intermediate catch events: timer and message; intermediate throw events: none, message, escalation;
* boundary events: timer (interrupting or not), message, error, escalation;
* embedded sub-processes.

Script and business-rule tasks, call activities, transactions, ad-hoc and event sub-processes,
complex gateways, loops, and signal/conditional/link/compensation/cancel events are refused with
the element id and why (:class:`~crmflow.errors.DeployError`). Conditions are expressions of
:mod:`crmflow.design.expressions`: for a compiled model the To-Be's own text (kept in the
``crmflow`` extensions), for a drawn model the translation of its JUEL/FEEL text
(:func:`~crmflow.design.from_bpmn_conditions.translate_condition`); nothing else is evaluated.

Timers keep the basis of the To-Be (working time on the model's calendar, or calendar time);
a drawn BPMN's timers count calendar time unless ``time_basis="working"`` is asked.

>>> from importlib.resources import files
>>> d = load_model(files("crmflow.design") / "examples" / "incoming_lead.yaml")
>>> p = deploy(d).process("lead_processing")
>>> p.message_starts, p.nodes["first_contact_10m_timer"].timer.basis
({'lead.created': 'lead_received'}, 'working')
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from crmflow.bpmn import timers as bpmn_timers
from crmflow.bpmn.model import (
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
from crmflow.design import extensions as ext
from crmflow.design.expressions import Expression, parse_expression
from crmflow.design.from_bpmn_conditions import translate_condition
from crmflow.design.model import (
    FlowEvent,
    PriorityRule,
    RoutingPolicy,
    Sla,
    Step,
    TimeSpan,
    ToBeDefinition,
)
from crmflow.design.model import Gateway as ToBeGateway
from crmflow.durations import parse_duration
from crmflow.engine.messages import MESSAGES
from crmflow.errors import BpmnError, CrmflowError, DeployError, ExpressionError
from crmflow.findings.calendar import WorkCalendar
from crmflow.i18n import Phrase, error, text

NodeKind = Literal["start", "end", "task", "gateway", "catch", "throw", "boundary", "subprocess"]
TimeBasis = Literal["working", "calendar"]

_TASKS = {"userTask": "user", "manualTask": "manual", "task": "manual", "serviceTask": "service", "sendTask": "send"}
_TASKS["receiveTask"] = "receive"
_LOOPS = ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")
_SUPPORTED = {
    "start": ("none", "message", "timer"),
    "end": ("none", "terminate", "error", "escalation", "message"),
    "intermediateCatch": ("timer", "message"),
    "intermediateThrow": ("none", "message", "escalation"),
    "boundary": ("timer", "message", "error", "escalation"),
}


@dataclass(frozen=True)
class Flow:
    """A sequence flow; ``condition`` is the parsed expression (None: unconditional)."""

    id: str
    source: str
    target: str
    condition: Expression | None = None
    text: str = ""


@dataclass(frozen=True)
class TimerSpec:
    """A timer: ``kind`` duration/date/cycle, the ISO text, and the basis durations are counted in.

    ``length`` is a duration's length in seconds of its basis (a working day is the calendar's
    working window when the basis is ``working``); ``repetitions`` is a cycle's count (None: unbounded).
    """

    kind: Literal["duration", "date", "cycle"]
    expression: str
    basis: TimeBasis = "calendar"
    length: float = 0.0
    repetitions: int | None = 1


@dataclass(frozen=True)
class ExecNode:
    """One executable flow node (see the module docstring for what each ``kind``/``subtype`` does)."""

    id: str
    name: str
    kind: NodeKind
    subtype: str
    scope: str
    outgoing: tuple[Flow, ...] = ()
    incoming: tuple[str, ...] = ()
    default: str | None = None
    timer: TimerSpec | None = None
    message: str | None = None
    code: str | None = None
    attached_to: str | None = None
    interrupting: bool = True
    boundaries: tuple[str, ...] = ()
    role: str | None = None
    start: str | None = None
    step: Step | None = None
    sla: Sla | None = None
    applies_when: Expression | None = None
    publishes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExecutableProcess:
    """A deployed process: nodes by id, its start events, the To-Be it came from and its calendar."""

    id: str
    name: str
    version: str
    nodes: Mapping[str, ExecNode]
    start: str | None
    message_starts: Mapping[str, str]
    timer_starts: tuple[str, ...]
    definition: ToBeDefinition
    calendar: WorkCalendar
    routing: Mapping[str, RoutingPolicy] = field(default_factory=dict)
    priorities: tuple[tuple[Expression, str], ...] = ()

    def node(self, node_id: str) -> ExecNode:
        return self.nodes[node_id]

    def policy(self, node: ExecNode) -> RoutingPolicy | None:
        """The routing policy of a user task: its step's own, else the one the process names for its role."""
        if node.step is not None and node.step.rules.routing is not None:
            return node.step.rules.routing
        return self.routing.get(node.role or "")

    def priority_rules(self, node: ExecNode) -> tuple[tuple[Expression, str], ...]:
        own = tuple((parse_expression(r.when), r.priority) for r in (node.step.rules.priorities if node.step else ()))
        return own + self.priorities


@dataclass(frozen=True)
class Deployment:
    """What :func:`deploy` accepted: the processes, the BPMN text (kept in the store) and warnings."""

    processes: tuple[ExecutableProcess, ...]
    bpmn: bytes
    name: str
    warnings: tuple[str, ...] = ()

    def process(self, process_id: str | None = None) -> ExecutableProcess:
        if process_id is None:
            return self.processes[0]
        for p in self.processes:
            if p.id == process_id:
                return p
        raise error(
            DeployError,
            MESSAGES,
            "run.unknown_process",
            "en",
            process=process_id,
            known=", ".join(p.id for p in self.processes),
        )


def load_model(path: str | Path | Any, *, lang: str = "en") -> Definitions:
    """Read a model file: a To-Be YAML (compiled, checked for soundness) or a BPMN file.

    Raises
    ------
    DeployError
        If the file cannot be read or is not a valid To-Be/BPMN (the reader's message is kept).
    """
    from crmflow.bpmn.reader import read_bpmn
    from crmflow.design.compile import compile_tobe
    from crmflow.design.loader import load_tobe

    name = str(path)
    try:
        if name.endswith((".yaml", ".yml")):
            return compile_tobe(load_tobe(path, lang=lang), lang=lang, layout=False).definitions
        return read_bpmn(Path(path) if not hasattr(path, "read_bytes") else path.read_bytes(), name=name)
    except OSError as exc:
        raise error(DeployError, MESSAGES, "deploy.read", lang, path=name, reason=exc.strerror or exc) from None
    except CrmflowError as exc:
        raise error(DeployError, MESSAGES, "deploy.read", lang, path=name, reason=exc) from None


class _Deployer:
    def __init__(self, defs: Definitions, definition: ToBeDefinition, lang: str, basis: TimeBasis | None) -> None:
        self.defs, self.d, self.lang, self.basis = defs, definition, lang, basis
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.compiled = ext.find(defs.extensions, "tobe") is not None
        self.calendar = _calendar(definition)
        self.triggers = {t.id: t for t in defs.triggers}

    def refuse(self, element: str, key: str, **kw: object) -> None:
        self.problems.append(f"`{element}`: {text(MESSAGES, key, self.lang, **kw)}")

    # ------------------------------------------------------------------ the To-Be behind an element

    def tobe_node(self, process_id: str, node_id: str) -> Step | ToBeGateway | FlowEvent | None:
        for p in self.d.processes:
            if p.id == process_id or not self.compiled:
                found = p.node(node_id)
                if found is not None:
                    return found
        return None

    def generated(self, node: FlowNode) -> dict[str, Any]:
        data = ext.find(node.extensions, "generated") if node.extensions else None
        return data if isinstance(data, dict) else {}

    def sla_of(self, process_id: str, gen: Mapping[str, Any]) -> tuple[Step | None, Sla | None]:
        step = self.tobe_node(process_id, str(gen.get("step", "")))
        if not isinstance(step, Step):
            return None, None
        return step, next((s for s in step.slas if s.id == gen.get("sla")), None)

    # ------------------------------------------------------------------ checks and building

    def timer(self, process_id: str, node: Event) -> TimerSpec | None:
        d = node.definitions[0]
        expression = d.expression.strip()
        if bpmn_timers.is_dynamic(expression):
            self.refuse(node.id, "deploy.dynamic_timer", expression=expression)
            return None
        problem = bpmn_timers.timer_problem(d.timer or "timeDuration", expression)
        if problem is not None or d.timer is None:
            self.refuse(node.id, "deploy.timer", problem=problem or "no timeDuration, timeDate or timeCycle")
            return None
        span = self.span(process_id, node)
        basis: TimeBasis = span.basis if span is not None else (self.basis or "calendar")
        if self.basis is not None and span is None:
            basis = self.basis
        if d.timer == "timeDate":
            return TimerSpec("date", expression, basis)
        if d.timer == "timeCycle":
            cycle = bpmn_timers.parse_cycle(expression)
            if cycle.interval is None:
                self.refuse(node.id, "deploy.timer", problem=f"{expression}: a cycle needs an interval (R3/PT2H)")
                return None
            return TimerSpec("cycle", expression, basis, self.length(cycle.interval, basis), cycle.repetitions)
        duration = parse_duration(span.text) if span is not None else bpmn_timers.parse_duration(expression)
        return TimerSpec("duration", expression, basis, self.length(duration, basis))

    def length(self, duration: Any, basis: TimeBasis) -> float:
        if basis == "working":
            return self.calendar.working_length(duration)
        return float(duration.total_seconds())

    def span(self, process_id: str, node: Event) -> TimeSpan | None:
        """The To-Be duration (with its basis) a compiled timer came from."""
        gen = self.generated(node)
        if gen:
            _, sla = self.sla_of(process_id, gen)
            if sla is None:
                return None
            if gen.get("role") == "timer":
                return sla.within
            if gen.get("role") == "wait":
                level = node.id[len(sla.id) + 2 :].split("_", 1)[0]
                return sla.escalations[int(level) - 1].after if level.isdigit() else None
            return None
        tobe = self.tobe_node(process_id, node.id)
        return tobe.timer if isinstance(tobe, FlowEvent) else None

    def message_name(self, node: FlowNode, ref: str | None) -> str | None:
        if ref is None and isinstance(node, Task):
            ref = dict(node.other_attributes).get("messageRef")
        if ref is None:
            return None
        trigger = self.triggers.get(ref)
        return (trigger.name or trigger.id) if trigger is not None else ref

    def condition(self, process_id: str, flow: SequenceFlow, source: FlowNode) -> Expression | None:
        if flow.condition is None or not flow.condition.strip():
            return None
        own = self.own_condition(process_id, flow, source)
        if own is not None:
            return own
        translated = translate_condition(flow.condition, label=flow.name)
        if not translated.translated:
            self.warnings.append(
                f"`{flow.id}`: "
                + text(MESSAGES, "deploy.decision", self.lang, condition=flow.condition, label=flow.name or flow.condition)
            )
        try:
            return parse_expression(translated.expression)
        except ExpressionError as exc:  # pragma: no cover - translate_condition returns parsed text
            self.refuse(flow.id, "deploy.condition", condition=flow.condition, reason=exc)
            return None

    def own_condition(self, process_id: str, flow: SequenceFlow, source: FlowNode) -> Expression | None:
        """The To-Be's own expression text of a compiled flow (branch condition or SLA ``resolved_when``)."""
        gen = self.generated(source)
        text_: str | None = None
        if gen.get("role") == "resolved":
            _, sla = self.sla_of(process_id, gen)
            text_ = sla.resolved_when if sla is not None else None
        else:
            tobe = self.tobe_node(process_id, source.id)
            if isinstance(tobe, ToBeGateway):
                for b in tobe.branches:
                    if flow.id == f"Flow_{source.id}_{b.target}" and b.condition is not None:
                        text_ = b.condition
        if text_ is None:
            return None
        try:
            return parse_expression(text_)
        except ExpressionError as exc:
            self.refuse(flow.id, "deploy.condition", condition=text_, reason=exc)
            return None

    def node(self, process: Process, container: Process | SubProcess, n: FlowNode) -> ExecNode | None:
        pid = process.id
        if any(any(tag in u for tag in _LOOPS) for u in n.unmodelled):
            self.refuse(n.id, "deploy.loop")
            return None
        outgoing = tuple(
            Flow(f.id, f.source, f.target, self.condition(pid, f, n), f.condition or "") for f in container.outgoing(n.id)
        )
        incoming = tuple(f.id for f in container.incoming(n.id))
        base: dict[str, Any] = {
            "id": n.id,
            "name": n.name or n.id,
            "scope": container.id,
            "outgoing": outgoing,
            "incoming": incoming,
            "default": getattr(n, "default", None),
            "boundaries": tuple(b.id for b in container.nodes if isinstance(b, Event) and b.attached_to == n.id),
            "role": self.role(process, n),
        }
        tobe = self.tobe_node(pid, n.id)
        if isinstance(tobe, Step | FlowEvent):
            base["publishes"] = tobe.publishes
        if isinstance(n, Task):
            kind = _TASKS.get(n.kind)
            if kind is None:
                self.refuse(n.id, "deploy.task_kind", kind=n.kind)
                return None
            step = tobe if isinstance(tobe, Step) else None
            gen = self.generated(n)
            if step is None and gen:
                step, _ = self.sla_of(pid, gen)
            message = self.message_name(n, None) if kind in ("receive", "send") else None
            if kind == "receive" and message is None:
                message = n.id  # a To-Be receive step names no message: it is correlated by its id
                self.warnings.append(f"`{n.id}`: " + text(MESSAGES, "deploy.receive_by_id", self.lang, node=n.id))
            return ExecNode(kind="task", subtype=kind, step=step, message=message, **base)
        if isinstance(n, CallActivity):
            self.refuse(n.id, "deploy.call_activity")
            return None
        if isinstance(n, SubProcess):
            if n.triggered_by_event:
                self.refuse(n.id, "deploy.event_subprocess")
                return None
            if n.kind != "subProcess":
                self.refuse(n.id, "deploy.subprocess_kind", kind=n.kind)
                return None
            starts = [c for c in n.nodes if isinstance(c, Event) and c.position == "start" and c.trigger == "none"]
            if not starts:
                self.refuse(n.id, "deploy.no_start", scope=f"sub-process `{n.id}`")
            return ExecNode(kind="subprocess", subtype="embedded", start=starts[0].id if starts else None, **base)
        if isinstance(n, Gateway):
            if n.kind == "complex":
                self.refuse(n.id, "deploy.complex_gateway")
                return None
            if n.kind == "eventBased":
                for f in outgoing:
                    target = container.node(f.target)
                    ok = (isinstance(target, Event) and target.position == "intermediateCatch") or (
                        isinstance(target, Task) and target.kind == "receiveTask"
                    )
                    if not ok:
                        self.refuse(n.id, "deploy.event_gateway_target", target=f.target)
            return ExecNode(kind="gateway", subtype=n.kind, **base)
        return self.event(process, n, base)

    def event(self, process: Process, n: Event, base: dict[str, Any]) -> ExecNode | None:
        trigger = n.trigger
        supported = _SUPPORTED[n.position]
        if trigger not in supported:
            self.refuse(n.id, "deploy.event", position=n.position, trigger=trigger, supported=", ".join(supported))
            return None
        d = n.definitions[0] if n.definitions else None
        message = code = None
        timer = None
        if trigger == "message":
            message = self.message_name(n, d.ref if d else None)
            if message is None and n.position != "end" and n.position != "intermediateThrow":
                self.refuse(n.id, "deploy.no_message")
        elif trigger == "timer":
            timer = self.timer(process.id, n)
        elif trigger in ("error", "escalation") and d is not None and d.ref:
            t = self.triggers.get(d.ref)
            code = (t.code or t.name or t.id) if t is not None else d.ref
        kind: NodeKind = {
            "start": "start",
            "end": "end",
            "intermediateCatch": "catch",
            "intermediateThrow": "throw",
            "boundary": "boundary",
        }[n.position]  # type: ignore[assignment]
        sla = applies = None
        gen = self.generated(n)
        if kind == "boundary" and gen.get("role") == "timer":
            _, sla = self.sla_of(process.id, gen)
            if sla is not None and sla.applies_when:
                applies = self._expr(n.id, sla.applies_when)
        if kind != "end" and not base["outgoing"]:
            self.refuse(n.id, "deploy.dead_end", what=f"{n.position} event")
        return ExecNode(
            kind=kind,
            subtype=trigger,
            message=message,
            code=code,
            timer=timer,
            attached_to=n.attached_to,
            interrupting=n.interrupting,
            sla=sla,
            applies_when=applies,
            **base,
        )

    def _expr(self, element: str, source: str) -> Expression | None:
        try:
            return parse_expression(source)
        except ExpressionError as exc:
            self.refuse(element, "deploy.condition", condition=source, reason=exc)
            return None

    def role(self, process: Process, n: FlowNode) -> str | None:
        tobe = self.tobe_node(process.id, n.id)
        if isinstance(tobe, Step):
            return tobe.lane
        lane = process.lane_of(n.id)
        if lane is None:
            return None
        prefix = f"{process.id}_lane_"
        return lane.id[len(prefix) :] if lane.id.startswith(prefix) else (lane.name or lane.id)

    def process(self, p: Process, version: str) -> ExecutableProcess:
        nodes: dict[str, ExecNode] = {}

        def walk(container: Process | SubProcess) -> None:
            for n in container.nodes:
                built = self.node(p, container, n)
                if built is not None:
                    nodes[n.id] = built
                if isinstance(n, SubProcess) and not n.triggered_by_event and n.kind == "subProcess":
                    walk(n)

        walk(p)
        top = [n for n in nodes.values() if n.kind == "start" and n.scope == p.id]
        none_start = next((n.id for n in top if n.subtype == "none"), None)
        message_starts = {n.message: n.id for n in top if n.subtype == "message" and n.message}
        timer_starts = tuple(n.id for n in top if n.subtype == "timer")
        if not top:
            self.refuse(p.id, "deploy.no_start", scope=f"process `{p.id}`")
        tobe = next((tp for tp in self.d.processes if tp.id == p.id), self.d.processes[0] if self.d.processes else None)
        routing: dict[str, RoutingPolicy] = {}
        priorities: list[PriorityRule] = []
        if tobe is not None:
            priorities.extend(tobe.rules.priorities)
            for policy in [tobe.rules.routing, *(s.rules.routing for s in tobe.steps)]:
                if policy is not None:
                    for role in policy.roles or ():
                        routing.setdefault(role, policy)
        prio = tuple((e, r.priority) for r in priorities if (e := self._expr(p.id, r.when)) is not None)
        return ExecutableProcess(
            id=p.id,
            name=p.name or p.id,
            version=version,
            nodes=nodes,
            start=none_start,
            message_starts=message_starts,
            timer_starts=timer_starts,
            definition=self.d,
            calendar=self.calendar,
            routing=routing,
            priorities=prio,
        )


def _calendar(d: ToBeDefinition) -> WorkCalendar:
    c = d.calendar
    return WorkCalendar(
        timezone=c.timezone, start_s=c.working_hours[0], end_s=c.working_hours[1], weekdays=c.weekdays, holidays=c.holidays
    )


def deploy(definitions: Definitions, *, name: str = "", lang: str = "en", time_basis: TimeBasis | None = None) -> Deployment:
    """Check and build the executable processes of a BPMN model.

    Parameters
    ----------
    definitions
        The model (:func:`load_model` reads a file).
    name
        How messages name the model (a path).
    time_basis
        For timers the To-Be does not describe (a drawn BPMN): ``working`` or ``calendar`` (default).

    Raises
    ------
    DeployError
        Listing every element the engine cannot run, with its id and why (nothing is deployed then).
    """
    from crmflow.bpmn.writer import write_bpmn
    from crmflow.design.from_bpmn import derive_tobe

    model = name or definitions.name or definitions.id
    processes = [p for p in definitions.processes if p.nodes]
    if not processes:
        raise error(
            DeployError,
            MESSAGES,
            "deploy.refused",
            lang,
            model=model,
            count=1,
            problems=Phrase(MESSAGES, "deploy.no_process"),
        )
    try:
        drawn = derive_tobe(definitions, name=model)
    except CrmflowError as exc:
        raise error(DeployError, MESSAGES, "deploy.read", lang, path=model, reason=exc) from None
    bpmn = write_bpmn(definitions)
    version = hashlib.sha256(bpmn).hexdigest()[:12]
    deployer = _Deployer(definitions, drawn.definition, lang, time_basis)
    try:
        built = tuple(deployer.process(p, version) for p in processes)
    except BpmnError as exc:
        raise error(DeployError, MESSAGES, "deploy.read", lang, path=model, reason=exc) from None
    if deployer.problems:
        raise error(
            DeployError,
            MESSAGES,
            "deploy.refused",
            lang,
            model=model,
            count=len(deployer.problems),
            problems="; ".join(deployer.problems),
        )
    return Deployment(processes=built, bpmn=bpmn, name=model, warnings=tuple(deployer.warnings))


def deploy_file(path: str | Path | Any, *, lang: str = "en", time_basis: TimeBasis | None = None) -> Deployment:
    """:func:`load_model` then :func:`deploy` (``crmflow engine deploy MODEL``)."""
    return deploy(load_model(path, lang=lang), name=str(path), lang=lang, time_basis=time_basis)


__all__ = [
    "Deployment",
    "ExecNode",
    "ExecutableProcess",
    "Flow",
    "TimerSpec",
    "deploy",
    "deploy_file",
    "load_model",
]
