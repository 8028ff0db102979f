"""Lint a BPMN model: structural rules, then behavioural soundness ("what if no condition holds?").

Structural rules, per process (codes in brackets):

* a process has a start and an end event (``no-start``, ``no-end``: errors);
* every flow node is reachable from a start event (``unreachable``: error) and can reach an end
  event (``no-path-to-end``: error); inside a sub-process, from its start and to its end. BPMN's
  other ways to start a node count: boundary events, event sub-processes (started while their
  parent runs), link events (throw → catch of the same name), compensation activities (through
  the association from a compensation boundary event), and the nodes without incoming flow of a
  sub-process that has no start event;
* a diverging exclusive or inclusive gateway with conditional flows has a default flow
  (``missing-default``: warning -- what happens if no condition is met?); unconditional flows
  beside conditional ones (``unconditioned-branch``) and a default flow with a condition
  (``default-with-condition``) are warnings too;
* no implicit merge: an activity with several incoming flows merges them implicitly
  (``implicit-merge``: warning); branches of a parallel split that meet at an exclusive gateway
  before any parallel join are never synchronised (``parallel-into-exclusive``: error);
* timer expressions are valid ISO 8601 (``invalid-timer``, ``missing-timer``: errors, via
  :func:`~crmflow.bpmn.timers.timer_problem`);
* a boundary event is attached to an activity and has no incoming flow (``boundary-host``,
  ``boundary-incoming``: errors);
* when a process has lanes, every flow node is in one (``no-lane``: warning).

Then :func:`~crmflow.bpmn.soundness.check_soundness` runs on every process with a start and an
end event; each problem it finds is an error (``deadlock``, ``livelock``, ``improper-completion``,
``unsafe``, ``unbounded``, ``dead``; ``state-limit`` is a warning). A dead element already
reported as unreachable is not reported twice.

>>> from crmflow.bpmn.reader import read_bpmn
>>> xml = b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><process id="P">
...   <startEvent id="S"/><exclusiveGateway id="x"/><task id="A"/><task id="B"/><endEvent id="E"/>
...   <sequenceFlow id="f1" sourceRef="S" targetRef="x"/>
...   <sequenceFlow id="f2" sourceRef="x" targetRef="A"><conditionExpression>${ok}</conditionExpression></sequenceFlow>
...   <sequenceFlow id="f3" sourceRef="x" targetRef="B"><conditionExpression>${!ok}</conditionExpression></sequenceFlow>
...   <sequenceFlow id="f4" sourceRef="A" targetRef="E"/><sequenceFlow id="f5" sourceRef="B" targetRef="E"/>
... </process></definitions>'''
>>> report = lint(read_bpmn(xml))
>>> report.ok, [(p.severity, p.code, p.elements) for p in report.problems]
(True, [('warning', 'missing-default', ('x', 'f2', 'f3'))])
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from crmflow.bpmn.messages import both, ids
from crmflow.bpmn.model import (
    ACTIVITY_TYPES,
    Definitions,
    Event,
    FlowNode,
    Gateway,
    Process,
    SequenceFlow,
    SubProcess,
    is_for_compensation,
    starts_off_flow,
)
from crmflow.bpmn.soundness import SoundnessReport, check_soundness
from crmflow.bpmn.timers import timer_problem
from crmflow.jsonable import JsonMixin

Severity = Literal["error", "warning"]

_SOUNDNESS_CODES = {
    "deadlock": "deadlock",
    "improper_completion": "improper-completion",
    "livelock": "livelock",
    "unsafe": "unsafe",
    "unbounded": "unbounded",
    "dead": "dead",
    "state_limit": "state-limit",
}


@dataclass(frozen=True)
class LintProblem(JsonMixin):
    """One problem: how bad, which rule, the BPMN element ids, and the message in both languages."""

    severity: Severity
    code: str
    process_id: str
    elements: tuple[str, ...]
    message_en: str
    message_ru: str

    def message(self, lang: str = "en") -> str:
        return self.message_ru if lang == "ru" else self.message_en


@dataclass(frozen=True)
class LintReport(JsonMixin):
    """All problems of a BPMN document (errors first) and the soundness report of each process."""

    problems: tuple[LintProblem, ...]
    soundness: tuple[SoundnessReport, ...]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> tuple[LintProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[LintProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def codes(self) -> list[str]:
        """The codes of the problems, in order (handy in tests and summaries)."""
        return [p.code for p in self.problems]

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "problems": [p.to_dict() for p in self.problems],
            "soundness": [s.to_dict() for s in self.soundness],
        }


class _ProcessLint:
    def __init__(self, process: Process) -> None:
        self.process = process
        self.nodes: dict[str, FlowNode] = {n.id: n for n in process.all_nodes()}
        self.flows = [f for f in process.all_flows() if f.source in self.nodes and f.target in self.nodes]
        self.out: dict[str, list[SequenceFlow]] = {n: [] for n in self.nodes}
        self.inc: dict[str, list[SequenceFlow]] = {n: [] for n in self.nodes}
        for f in self.flows:
            self.out[f.source].append(f)
            self.inc[f.target].append(f)
        self.problems: list[LintProblem] = []
        self.unreachable: set[str] = set()

    def add(self, severity: Severity, code: str, elements: tuple[str, ...], key: str, **kw: object) -> None:
        en, ru = both(key, **kw)
        self.problems.append(
            LintProblem(severity=severity, code=code, process_id=self.process.id, elements=elements, message_en=en, message_ru=ru)
        )

    # ------------------------------------------------------------------ reachability

    def _graph(self) -> tuple[dict[str, set[str]], set[str], set[str]]:
        """Successors, starts and ends, with the ways BPMN starts a node besides a sequence flow.

        * a boundary event follows its host;
        * a sub-process starts its inner start events -- or, without any, every inner node with
          no incoming flow (BPMN 2.0 §10.5.1) -- and completes after its inner end events (or
          every inner node with no outgoing flow);
        * an event sub-process is started by its parent being active, not by a flow, and ends on
          its own;
        * a link throw event continues at the link catch event of the same name;
        * a compensation activity (``isForCompensation``) is started through the association from
          a compensation boundary event, and ends on its own.
        """
        succ: dict[str, set[str]] = {n: set() for n in self.nodes}
        for f in self.flows:
            succ[f.source].add(f.target)
        starts: set[str] = set()
        ends: set[str] = set()
        links = [a for a in self.process.associations] + [a for n in self.process.all_nodes()
                 if isinstance(n, SubProcess) for a in n.associations]  # fmt: skip

        def walk(container: Process | SubProcess, owner: SubProcess | None) -> None:
            inc = {f.target for f in container.flows}
            out = {f.source for f in container.flows}
            special = {n.id for n in container.nodes if starts_off_flow(n)}
            entries = [n.id for n in container.nodes if isinstance(n, Event) and n.position == "start"]
            exits = [n.id for n in container.nodes if isinstance(n, Event) and n.position == "end"]
            if not entries:  # no start event: every node without an incoming flow starts
                entries = [n.id for n in container.nodes if n.id not in inc and n.id not in special]
            if not exits:
                exits = [n.id for n in container.nodes if n.id not in out and n.id not in special]
            for nid in entries:
                (starts.add(nid) if owner is None else succ[owner.id].add(nid))
            for nid in exits:
                (ends.add(nid) if owner is None or owner.triggered_by_event else succ[nid].add(owner.id))
            if owner is not None and owner.triggered_by_event:
                ends.add(owner.id)  # an event sub-process completes on its own
            catches: dict[str, list[str]] = {}  # link name, and "event:" + event name, → catch events
            for n in container.nodes:
                if isinstance(n, Event) and n.position == "intermediateCatch":
                    for d in n.definitions:
                        if d.kind == "link":
                            catches.setdefault(d.name, []).append(n.id)
                            catches.setdefault("event:" + n.name, []).append(n.id)
            for n in container.nodes:
                if isinstance(n, Event) and n.position == "boundary" and n.attached_to in succ:
                    succ[n.attached_to].add(n.id)
                if isinstance(n, Event) and n.position == "intermediateThrow":
                    for d in n.definitions:
                        if d.kind == "link":
                            # paired by the link's name; tools that name each definition apart
                            # (ADONIS) pair the events by their own names
                            succ[n.id].update(catches.get(d.name) or catches.get("event:" + n.name) or ())
                if isinstance(n, SubProcess) and n.triggered_by_event:
                    (starts.add(n.id) if owner is None else succ[owner.id].add(n.id))
                if is_for_compensation(n):
                    handlers = {a.source for a in links if a.target == n.id} | {a.target for a in links if a.source == n.id}
                    hosts = [h for h in handlers if h in succ and isinstance(self.nodes[h], Event)]
                    for h in hosts:
                        succ[h].add(n.id)
                    if not hosts:
                        starts.add(n.id)  # invoked by a compensation throw event, which names no flow
                    ends.add(n.id)
                if isinstance(n, SubProcess):
                    walk(n, n)

        walk(self.process, None)
        return succ, starts, ends

    def reachability(self) -> None:
        succ, starts, ends = self._graph()
        pred: dict[str, set[str]] = {n: set() for n in self.nodes}
        for a, bs in succ.items():
            for b in bs:
                pred[b].add(a)
        forward = _closure(starts, succ)
        backward = _closure(ends, pred)
        for nid in self.nodes:
            if nid not in forward:
                self.unreachable.add(nid)
                self.add("error", "unreachable", (nid,), "node.unreachable", node=nid)
        for nid in self.nodes:
            if nid in forward and nid not in backward:
                self.add("error", "no-path-to-end", (nid,), "node.no_end", node=nid)

    # ------------------------------------------------------------------ gateways and merges

    def gateways(self) -> None:
        for node in self.nodes.values():
            outs = self.out[node.id]
            if not (isinstance(node, Gateway) and node.kind in ("exclusive", "inclusive") and len(outs) > 1):
                continue
            default = node.default
            conditional = [f.id for f in outs if f.condition is not None and f.id != default]
            plain = [f.id for f in outs if f.condition is None and f.id != default]
            if conditional and default is None:
                self.add(
                    "warning",
                    "missing-default",
                    (node.id, *conditional),
                    "gateway.no_default",
                    gateway=node.id,
                    flows=ids(conditional),
                )
            if conditional and plain:
                self.add(
                    "warning",
                    "unconditioned-branch",
                    (node.id, *plain),
                    "gateway.unconditioned_branch",
                    gateway=node.id,
                    flows=ids(plain),
                )
            flow = next((f for f in outs if f.id == default and f.condition is not None), None)
            if flow is not None:
                self.add(
                    "warning",
                    "default-with-condition",
                    (node.id, flow.id),
                    "gateway.default_condition",
                    gateway=node.id,
                    flow=flow.id,
                )

    def merges(self) -> None:
        for node in self.nodes.values():
            incoming = self.inc[node.id]
            if isinstance(node, ACTIVITY_TYPES) and len(incoming) > 1:
                flows = [f.id for f in incoming]
                self.add(
                    "warning",
                    "implicit-merge",
                    (node.id, *flows),
                    "merge.implicit",
                    node=node.id,
                    count=len(flows),
                    flows=ids(flows),
                )
        for node in self.nodes.values():
            if isinstance(node, Gateway) and node.kind == "parallel" and len(self.out[node.id]) > 1:
                self._parallel_branches(node)

    def _parallel_branches(self, split: Gateway) -> None:
        """Which incoming flows of exclusive merges each branch reaches before a synchronising join."""
        reached: dict[str, dict[str, str]] = {}  # merge → incoming flow → first branch reaching it
        for branch in self.out[split.id]:
            seen = {branch.id}
            queue = deque([branch])
            while queue:
                f = queue.popleft()
                target = self.nodes[f.target]
                if isinstance(target, Gateway) and len(self.inc[target.id]) > 1:
                    if target.kind == "exclusive":
                        reached.setdefault(target.id, {}).setdefault(f.id, branch.id)
                    else:  # a parallel/inclusive/complex join synchronises: stop here
                        continue
                if target.id == split.id:
                    continue
                for g in self.out[target.id]:
                    if g.id not in seen:
                        seen.add(g.id)
                        queue.append(g)
        for merge, by_flow in sorted(reached.items()):
            if len(set(by_flow.values())) > 1 and len(by_flow) > 1:
                flows = sorted(by_flow)
                self.add(
                    "error",
                    "parallel-into-exclusive",
                    (split.id, merge, *flows),
                    "merge.parallel_into_exclusive",
                    split=split.id,
                    join=merge,
                    flows=ids(flows),
                )

    # ------------------------------------------------------------------ events and lanes

    def events(self) -> None:
        for node in self.nodes.values():
            if not isinstance(node, Event):
                continue
            for d in node.definitions:
                if d.kind != "timer":
                    continue
                if d.timer is None:
                    self.add("error", "missing-timer", (node.id,), "timer.missing", event=node.id)
                elif (problem := timer_problem(d.timer, d.expression)) is not None:
                    self.add("error", "invalid-timer", (node.id,), "timer.invalid", event=node.id, problem=problem)
            if node.position != "boundary":
                continue
            host = self.nodes.get(node.attached_to) if node.attached_to else None
            if node.attached_to is None:
                self.add("error", "boundary-host", (node.id,), "boundary.no_host", event=node.id)
            elif not isinstance(host, ACTIVITY_TYPES):
                self.add(
                    "error",
                    "boundary-host",
                    (node.id, node.attached_to),
                    "boundary.bad_host",
                    event=node.id,
                    host=node.attached_to,
                )
            if self.inc[node.id]:
                flows = [f.id for f in self.inc[node.id]]
                self.add(
                    "error",
                    "boundary-incoming",
                    (node.id, *flows),
                    "boundary.incoming",
                    event=node.id,
                    flows=ids(flows),
                    host=node.attached_to or "?",
                )

    def lanes(self) -> None:
        def walk(container: Process | SubProcess) -> None:
            if container.lane_sets:
                placed = {ref for lane in container.all_lanes() for ref in lane.flow_node_refs}
                for n in container.nodes:
                    if n.id not in placed:
                        self.add("warning", "no-lane", (n.id,), "lane.missing", node=n.id, process=container.id)
            for n in container.nodes:
                if isinstance(n, SubProcess):
                    walk(n)

        walk(self.process)

    # ------------------------------------------------------------------ behaviour

    def soundness(self, definitions: Definitions, max_states: int) -> SoundnessReport | None:
        top = [n for n in self.process.nodes if isinstance(n, Event)]
        if not any(e.position == "start" for e in top):
            self.add("error", "no-start", (self.process.id,), "process.no_start", process=self.process.id)
        if not any(e.position == "end" for e in top):
            self.add("error", "no-end", (self.process.id,), "process.no_end", process=self.process.id)
        if any(p.code in ("no-start", "no-end") for p in self.problems):
            return None
        report = check_soundness(definitions, self.process.id, max_states=max_states)
        for sp in report.problems:
            if sp.code == "dead" and set(sp.elements) & self.unreachable:
                continue
            severity: Severity = "warning" if sp.code == "state_limit" else "error"
            self.problems.append(
                LintProblem(
                    severity=severity,
                    code=_SOUNDNESS_CODES[sp.code],
                    process_id=self.process.id,
                    elements=sp.elements,
                    message_en=sp.message_en,
                    message_ru=sp.message_ru,
                )
            )
        return report


def _closure(roots: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(roots)
    queue = deque(roots)
    while queue:
        for b in edges.get(queue.popleft(), ()):
            if b not in seen:
                seen.add(b)
                queue.append(b)
    return seen


def lint(definitions: Definitions, *, max_states: int = 200_000) -> LintReport:
    """Check every process of a BPMN document: structure first, then behavioural soundness.

    Parameters
    ----------
    definitions
        The BPMN document (see :func:`~crmflow.bpmn.reader.read_bpmn`).
    max_states
        The state limit of the soundness check of each process.

    Returns
    -------
    LintReport
        Problems (errors first, then warnings, each in rule order) with the element ids and a
        message in English and Russian; ``ok`` is True when there is no error.
    """
    problems: list[LintProblem] = []
    reports: list[SoundnessReport] = []
    for process in definitions.processes:
        if not process.nodes:
            continue  # a black-box pool's empty process
        pl = _ProcessLint(process)
        pl.reachability()
        pl.gateways()
        pl.merges()
        pl.events()
        pl.lanes()
        report = pl.soundness(definitions, max_states)
        if report is not None:
            reports.append(report)
        problems.extend(pl.problems)
    problems.sort(key=lambda p: p.severity != "error")
    return LintReport(problems=tuple(problems), soundness=tuple(reports))


__all__ = ["LintProblem", "LintReport", "lint"]
