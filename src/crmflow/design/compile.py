"""Compiling a To-Be definition to BPMN 2.0: a pool per process, lanes per role, SLAs as timers.

:func:`compile_tobe` turns a :class:`~crmflow.design.model.ToBeDefinition` into
:class:`crmflow.bpmn.model.Definitions`:

* one collaboration with a pool per process, and a black-box pool per external party (a system or
  an external role) that produces the message of a message start event, with the message flow;
* lanes per role (the process's ``lanes``), every node in the lane of its step — a gateway or event
  without a lane goes to the lane of the node before it (or after it);
* steps → ``userTask``/``serviceTask``/``sendTask``/``receiveTask``/``manualTask``, a ``subprocess``
  step → a call activity; gateways with ``conditionExpression`` (FEEL, from the expression
  language), the branch's ``description`` as the flow's ``documentation``, and default flows; a
  node with several incoming flows gets an exclusive join in front;
* each SLA → a boundary timer (``timeDuration`` ISO 8601; interrupting or not) followed by its
  escalation chain: a timer per level (``after``), then a task per action (retry → user task,
  reassign → user task in the new role's lane, notify → send task, mark status → service task), a
  "resolved?" gateway after a retry when the SLA has ``resolved_when`` (resolved → ``resume_at``),
  and at the end either ``move_to``'s step or an end event;
* RACI, SLAs, rules and everything else in ``crmflow`` extension elements
  (:mod:`crmflow.design.extensions`) so :func:`crmflow.design.from_bpmn.bpmn_to_tobe` gets the
  definition back.

The result is linted and soundness-checked (:mod:`crmflow.bpmn.lint`, :mod:`crmflow.bpmn.soundness`)
before it is returned; an unsound model raises :class:`~crmflow.errors.ToBeError` with the element ids.

>>> from importlib.resources import files
>>> from crmflow.design.loader import load_tobe
>>> d = load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml")
>>> bpmn = compile_tobe(d, lang="en").definitions
>>> [p.id for p in bpmn.processes], bpmn.process().node("first_contact").name
(['lead_processing'], 'Contact the lead')
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from crmflow.bpmn.lint import LintReport, lint
from crmflow.bpmn.model import CallActivity as BpmnCallActivity
from crmflow.bpmn.model import (
    Collaboration,
    Definitions,
    Event,
    EventDefinition,
    EventPosition,
    EventTrigger,
    FlowNode,
    Lane,
    LaneSet,
    MessageFlow,
    Participant,
    Process,
    SequenceFlow,
    Task,
    TaskKind,
)
from crmflow.bpmn.model import Gateway as BpmnGateway
from crmflow.bpmn.soundness import SoundnessReport, check_soundness
from crmflow.design import extensions as ext
from crmflow.design.dump import dump_head, dump_node, dump_process
from crmflow.design.expressions import parse_expression
from crmflow.design.messages import MESSAGES
from crmflow.design.model import (
    EscalationAction,
    FlowEvent,
    Gateway,
    Sla,
    Step,
    ToBeDefinition,
)
from crmflow.design.model import (
    Process as ToBeProcess,
)
from crmflow.errors import ToBeError
from crmflow.i18n import error, text

FEEL = "https://www.omg.org/spec/DMN/20191111/FEEL/"
_TASK_KIND: dict[str, TaskKind] = {
    "user": "userTask",
    "service": "serviceTask",
    "send": "sendTask",
    "receive": "receiveTask",
    "manual": "manualTask",
}
_LABELS = {
    "retry": {"en": "Retry: {step}", "ru": "Повтор: {step}"},
    "reassign": {"en": "{step} ({role})", "ru": "{step} ({role})"},
    "notify": {"en": "Notify: {role}", "ru": "Уведомить: {role}"},
    "mark_status": {"en": "Set status: {status}", "ru": "Статус: {status}"},
    "wait": {"en": "Wait {after}", "ru": "Ждать {after}"},
    "resolved": {"en": "Resolved?", "ru": "Решено?"},
    "yes": {"en": "Yes", "ru": "Да"},
    "no": {"en": "No", "ru": "Нет"},
    "breached": {"en": "{sla}: breached", "ru": "{sla}: нарушен"},
    "escalated": {"en": "Escalated: {sla}", "ru": "Эскалация: {sla}"},
}


@dataclass(frozen=True)
class CompiledModel:
    """A compiled To-Be: the BPMN model and the verdicts it passed."""

    definitions: Definitions
    lint: LintReport
    soundness: tuple[SoundnessReport, ...]


class _ProcessCompiler:
    def __init__(self, d: ToBeDefinition, p: ToBeProcess, lang: str) -> None:
        self.d, self.p, self.lang = d, p, lang
        self.nodes: list[FlowNode] = []
        self.flows: list[SequenceFlow] = []
        self.lane_of: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        self.flow_ids: set[str] = set()

    def label(self, key: str, **kw: str) -> str:
        return text(_LABELS, key, self.lang, **kw)

    def role_name(self, role: str | None) -> str:
        return self.d.party_name(role, self.lang) if role else ""

    def flow(
        self,
        source: str,
        target: str,
        *,
        name: str = "",
        condition: str | None = None,
        documentation: str = "",
        extensions: tuple[str, ...] = (),
    ) -> str:
        base = f"Flow_{source}_{target}"
        fid, n = base, 1
        while fid in self.flow_ids:
            n += 1
            fid = f"{base}_{n}"
        self.flow_ids.add(fid)
        self.flows.append(
            SequenceFlow(
                id=fid,
                source=source,
                target=target,
                name=name,
                condition=condition,
                condition_language=FEEL if condition else "",
                documentation=documentation,
                extensions=extensions,
            )
        )
        return fid

    # -------------------------------------------------------------------------- nodes

    def node(self, n: Step | Gateway | FlowEvent) -> FlowNode:
        extension = (ext.encode("node", dump_node(n)),)
        name = n.name.get(self.lang)
        if isinstance(n, Step):
            doc = n.description.get(self.lang)
            if n.kind == "subprocess":
                return BpmnCallActivity(id=n.id, name=name, called_element=n.id, documentation=doc, extensions=extension)
            return Task(id=n.id, name=name, kind=_TASK_KIND[n.kind], documentation=doc, extensions=extension)
        if isinstance(n, Gateway):
            kind = "eventBased" if n.kind == "event_based" else n.kind
            return BpmnGateway(
                id=n.id, name=name, kind=kind, direction="diverging" if n.branches else "converging", extensions=extension
            )
        return self.event(n, name, extension)

    def event(self, n: FlowEvent, name: str, extension: tuple[str, ...]) -> Event:
        position: EventPosition = (
            "start"
            if n.position == "start"
            else "end"
            if n.position == "end"
            else ("intermediateThrow" if n.throw else "intermediateCatch")
        )
        definitions: tuple[EventDefinition, ...] = ()
        if n.trigger == "message" and n.message:
            definitions = (EventDefinition(kind="message", id=f"{n.id}_def", ref=_message_id(n.message)),)
        elif n.trigger == "timer" and n.timer is not None:
            definitions = (EventDefinition(kind="timer", id=f"{n.id}_def", timer="timeDuration", expression=n.timer.iso),)
        elif n.trigger in ("signal", "error", "escalation") and n.ref:
            definitions = (EventDefinition(kind=n.trigger, id=f"{n.id}_def", ref=_trigger_id(n.trigger, n.ref)),)
        elif n.trigger == "terminate":
            definitions = (EventDefinition(kind="terminate", id=f"{n.id}_def"),)
        return Event(id=n.id, name=name, position=position, definitions=definitions, extensions=extension)

    def generated(self, node_id: str, step: Step, sla: Sla, role: str) -> tuple[str, ...]:
        return (ext.encode("generated", {"step": step.id, "sla": sla.id, "role": role}),)

    # -------------------------------------------------------------------------- SLAs

    def sla_chain(self, step: Step, sla: Sla, after_step: str | None) -> None:
        base = sla.id  # SLA ids are unique in a definition
        first_flow = len(self.flows)  # the chain's own flows come after this one
        lane = step.lane
        sla_name = sla.name.get(self.lang)
        doc = f"applies when: {sla.applies_when}" if sla.applies_when else ""
        timer = Event(
            id=f"{base}_timer",
            name=sla_name,
            position="boundary",
            attached_to=step.id,
            interrupting=sla.interrupting,
            documentation=doc,
            definitions=(EventDefinition(kind="timer", id=f"{base}_timer_def", timer="timeDuration", expression=sla.within.iso),),
            extensions=self.generated(f"{base}_timer", step, sla, "timer"),
        )
        self.add(timer, lane)
        prev = timer.id
        resume = sla.resume_at or after_step
        ended = False
        for k, level in enumerate(sla.escalations):
            if level.after.seconds > 0:
                wait = Event(
                    id=f"{base}_l{k + 1}_wait",
                    name=level.name.get(self.lang) or self.label("wait", after=level.after.text),
                    position="intermediateCatch",
                    definitions=(
                        EventDefinition(
                            kind="timer", id=f"{base}_l{k + 1}_wait_def", timer="timeDuration", expression=level.after.iso
                        ),
                    ),
                    extensions=self.generated(f"{base}_l{k + 1}_wait", step, sla, "wait"),
                )
                self.add(wait, lane)
                self.flow(prev, wait.id)
                prev = wait.id
            for m, action in enumerate(level.actions):
                if action.kind == "move_to" and action.step is not None:
                    self.flow(prev, action.step)
                    ended = True
                    break
                node = self.action_node(f"{base}_l{k + 1}_a{m + 1}", step, sla, action)
                self.add(node, action.role if action.kind in ("retry", "reassign") and action.role else lane)
                self.flow(prev, node.id)
                prev = node.id
                if action.kind in ("retry", "reassign") and sla.resolved_when and resume is not None:
                    gw = BpmnGateway(
                        id=f"{base}_l{k + 1}_resolved",
                        name=self.label("resolved"),
                        kind="exclusive",
                        direction="diverging",
                        extensions=self.generated("", step, sla, "resolved"),
                    )
                    self.add(gw, lane)
                    self.flow(prev, gw.id)
                    self.flow(gw.id, resume, name=self.label("yes"), condition=parse_expression(sla.resolved_when).to_feel())
                    prev = gw.id
            if ended:
                break
        if not ended:
            end = Event(
                id=f"{base}_end",
                position="end",
                name=self.label("escalated" if sla.escalations else "breached", sla=sla_name),
                extensions=self.generated(f"{base}_end", step, sla, "end"),
            )
            self.add(end, lane)
            fid = self.flow(prev, end.id, name=self.label("no") if prev.endswith("_resolved") else "")
            if prev.endswith("_resolved"):
                self.defaults[prev] = fid
        # the default of a "resolved?" gateway is the flow that continues the chain
        for f in self.flows[first_flow:]:
            if f.source.endswith("_resolved") and f.source.startswith(base) and f.condition is None:
                self.defaults.setdefault(f.source, f.id)

    def action_node(self, node_id: str, step: Step, sla: Sla, a: EscalationAction) -> Task:
        step_name = step.name.get(self.lang)
        gen = self.generated(node_id, step, sla, a.kind)
        doc = a.note.get(self.lang)
        if a.kind == "retry":
            return Task(id=node_id, name=self.label("retry", step=step_name), kind="userTask", documentation=doc, extensions=gen)
        if a.kind == "reassign":
            return Task(
                id=node_id,
                name=self.label("reassign", step=step_name, role=self.role_name(a.role)),
                kind="userTask",
                documentation=doc,
                extensions=gen,
            )
        if a.kind == "notify":
            return Task(
                id=node_id,
                name=self.label("notify", role=self.role_name(a.role)),
                kind="sendTask",
                documentation=doc,
                extensions=gen,
            )
        return Task(
            id=node_id,
            name=self.label("mark_status", status=a.status or ""),
            kind="serviceTask",
            documentation=doc,
            extensions=gen,
        )

    def add(self, node: FlowNode, lane: str | None) -> None:
        self.nodes.append(node)
        if lane is not None:
            self.lane_of[node.id] = lane

    # -------------------------------------------------------------------------- process

    def compile(self) -> Process:
        p = self.p
        succ = p.successor_map()
        for n in p.flow:
            self.add(self.node(n), n.lane)
        for n in p.flow:
            if isinstance(n, Gateway) and n.branches:
                for b in n.branches:
                    cond = None if b.default or b.condition is None else parse_expression(b.condition).to_feel()
                    fid = self.flow(
                        n.id, b.target, name=b.name.get(self.lang), condition=cond, documentation=b.description.get(self.lang)
                    )
                    if b.default:
                        self.defaults[n.id] = fid
            else:
                for target in succ[n.id]:
                    self.flow(n.id, target)
        for step in p.steps:
            after = next(iter(succ[step.id]), None)
            for sla in step.slas:
                self.sla_chain(step, sla, after)
        self.insert_joins()
        self.place_unlaned()
        nodes = [self.with_default(n) for n in self.nodes]
        lanes = tuple(
            Lane(
                id=f"{p.id}_lane_{role}",
                name=self.role_name(role),
                flow_node_refs=tuple(n.id for n in nodes if self.lane_of.get(n.id) == role),
            )
            for role in p.lanes
        )
        return Process(
            id=p.id,
            name=p.name.get(self.lang),
            documentation=p.description.get(self.lang),
            lane_sets=(LaneSet(id=f"{p.id}_lanes", lanes=lanes),) if lanes else (),
            nodes=tuple(nodes),
            flows=tuple(self.flows),
            extensions=(ext.encode("process", {k: v for k, v in dump_process(p).items() if k != "flow"}),),
        )

    def with_default(self, n: FlowNode) -> FlowNode:
        if n.id in self.defaults and isinstance(n, BpmnGateway):
            return replace(n, default=self.defaults[n.id])
        return n

    def insert_joins(self) -> None:
        """A node other than a joining gateway with several incoming flows gets an exclusive join.

        One pass over the nodes and one over the flows (it was a pass over all flows per node).
        """
        incoming = Counter(f.target for f in self.flows)
        joins: dict[str, str] = {}
        nodes: list[FlowNode] = []
        for node in self.nodes:
            is_join = isinstance(node, BpmnGateway) and node.direction == "converging"
            if incoming[node.id] >= 2 and not is_join:
                join = BpmnGateway(
                    id=f"{node.id}_join",
                    kind="exclusive",
                    direction="converging",
                    extensions=(ext.encode("generated", {"join": node.id}),),
                )
                nodes.append(join)
                joins[node.id] = join.id
                if node.id in self.lane_of:
                    self.lane_of[join.id] = self.lane_of[node.id]
            nodes.append(node)
        if not joins:
            return
        self.nodes = nodes
        self.flows = [replace(f, target=joins[f.target]) if f.target in joins else f for f in self.flows]
        for node_id, join_id in joins.items():
            self.flow(join_id, node_id)

    def place_unlaned(self) -> None:
        """Gateways and events without a lane go to the lane of a neighbour."""
        into: dict[str, list[str]] = defaultdict(list)
        out: dict[str, list[str]] = defaultdict(list)
        for f in self.flows:
            into[f.target].append(f.source)
            out[f.source].append(f.target)
        for _ in range(len(self.nodes)):
            missing = [n for n in self.nodes if n.id not in self.lane_of]
            if not missing:
                return
            for n in missing:
                before = [s for s in into[n.id] if s in self.lane_of]
                after = [t for t in out[n.id] if t in self.lane_of]
                host = n.attached_to if isinstance(n, Event) and n.attached_to else None
                for candidate in ([host] if host else []) + before + after:
                    if candidate in self.lane_of:
                        self.lane_of[n.id] = self.lane_of[candidate]
                        break
        for n in self.nodes:
            self.lane_of.setdefault(n.id, self.p.lanes[0] if self.p.lanes else "")


def _message_id(name: str) -> str:
    return "Message_" + name.replace(".", "_")


def _trigger_id(kind: str, ref: str) -> str:
    return f"{kind.capitalize()}_" + ref.replace(".", "_").replace(" ", "_")


def _triggers(d: ToBeDefinition) -> tuple[EventTrigger, ...]:
    out: dict[str, EventTrigger] = {}
    for p in d.processes:
        for e in p.events:
            if e.trigger == "message" and e.message:
                out[_message_id(e.message)] = EventTrigger(id=_message_id(e.message), kind="message", name=e.message)
            elif e.trigger in ("signal", "error", "escalation") and e.ref:
                tid = _trigger_id(e.trigger, e.ref)
                out[tid] = EventTrigger(
                    id=tid,
                    kind=e.trigger,
                    name=e.ref,  # type: ignore[arg-type]
                    code=e.ref if e.trigger in ("error", "escalation") else "",
                )
    return tuple(out.values())


def build_bpmn(definition: ToBeDefinition, *, lang: str = "en") -> Definitions:
    """The BPMN model of a definition, without layout and without checks (see :func:`compile_tobe`)."""
    processes = tuple(_ProcessCompiler(definition, p, lang).compile() for p in definition.processes)
    participants = [Participant(id=f"Participant_{p.id}", name=p.name.get(lang), process_ref=p.id) for p in definition.processes]
    message_flows: list[MessageFlow] = []
    black_boxes: dict[str, Participant] = {}
    for p in definition.processes:
        for e in p.events:
            if not (e.position == "start" and e.trigger == "message" and e.message):
                continue
            catalogue = definition.event(e.message)
            producer = catalogue.producer if catalogue is not None else None
            role = definition.role(producer) if producer else None
            if producer is None or (role is not None and role.kind != "external"):
                continue
            if producer not in black_boxes:
                black_boxes[producer] = Participant(id=f"Participant_{producer}", name=definition.party_name(producer, lang))
            message_flows.append(
                MessageFlow(
                    id=f"MessageFlow_{e.id}",
                    name=e.message,
                    source=black_boxes[producer].id,
                    target=e.id,
                    message_ref=_message_id(e.message),
                )
            )
    collaboration = Collaboration(
        id=f"Collaboration_{definition.id}",
        name=definition.name.get(lang),
        participants=(*participants, *black_boxes.values()),
        message_flows=tuple(message_flows),
    )
    return Definitions(
        id=f"Definitions_{definition.id}",
        name=definition.name.get(lang),
        namespaces=((ext.PREFIX, ext.CRMFLOW_NS),),
        triggers=_triggers(definition),
        collaboration=collaboration,
        processes=processes,
        extensions=(ext.encode("tobe", dump_head(definition)),),
    )


def compile_tobe(definition: ToBeDefinition, *, lang: str = "en", layout: bool = True) -> CompiledModel:
    """Compile, lint, check soundness and (by default) lay out a To-Be definition.

    Parameters
    ----------
    definition
        A checked definition (:func:`crmflow.design.loader.load_tobe`).
    lang
        The language of names and labels in the BPMN (``ru`` or ``en``); both stay in the extensions.
    layout
        Add diagram interchange (:func:`crmflow.bpmn.layout.layout`, needs Graphviz).

    Raises
    ------
    ToBeError
        If the compiled model has lint errors or is not sound; the message lists the element ids.
    """
    lang_ = "ru" if lang == "ru" else "en"
    bpmn = build_bpmn(definition, lang=lang_)
    report = lint(bpmn)
    # lint already checked the soundness of each process (same state limit): not a second time
    linted = {r.process_id: r for r in report.soundness}
    sound = tuple(linted.get(p.id) or check_soundness(bpmn, p.id) for p in bpmn.processes if p.nodes)
    problems: list[str] = []
    for line in [f"{p.code} ({', '.join(p.elements)}): {p.message(lang_)}" for p in report.errors] + [
        f"{q.code} ({', '.join(q.elements)}): {q.message(lang_)}" for s in sound if not s.sound for q in s.problems
    ]:
        if line not in problems:  # lint runs the soundness check too
            problems.append(line)
    if problems:
        raise error(
            ToBeError,
            MESSAGES,
            "compile.unsound",
            lang_,
            source=definition.source or definition.id,
            problems="; ".join(problems),
        )
    if layout:
        from crmflow.bpmn.layout import layout as lay_out

        bpmn = lay_out(bpmn)
    return CompiledModel(definitions=bpmn, lint=report, soundness=sound)


@dataclass(frozen=True)
class CompiledFiles:
    """What :func:`compile_file` wrote."""

    model: CompiledModel
    bpmn: Path
    pictures: tuple[Path, ...]


def compile_file(
    source: str | Path, *, out: str | Path, svg: str | Path | None = None, png: str | Path | None = None, lang: str = "en"
) -> CompiledFiles:
    """Load a To-Be YAML file, compile it (checked and laid out) and write the BPMN and diagrams.

    Raises
    ------
    ToBeError
        If the definition is invalid or the compiled model is not sound; nothing is written then.
    """
    from crmflow.bpmn.render import render_png, render_svg
    from crmflow.bpmn.writer import write_bpmn
    from crmflow.design.loader import load_tobe

    model = compile_tobe(load_tobe(source, lang=lang), lang=lang)
    out_path = Path(out)
    out_path.write_bytes(write_bpmn(model.definitions))
    pictures: list[Path] = []
    if svg is not None:
        Path(svg).write_text(render_svg(model.definitions, title=model.definitions.name), encoding="utf-8")
        pictures.append(Path(svg))
    if png is not None:
        pictures.append(render_png(model.definitions, png))
    return CompiledFiles(model=model, bpmn=out_path, pictures=tuple(pictures))


__all__ = ["FEEL", "CompiledFiles", "CompiledModel", "build_bpmn", "compile_file", "compile_tobe"]
