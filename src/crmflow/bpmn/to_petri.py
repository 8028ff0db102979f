"""BPMN process → workflow net: the Petri-net semantics behind conformance and soundness.

The translation works node by node, in two steps.

1. **Expand.** Every flow node ``n`` becomes a transition ``n`` between an entry place
   ``ent_n`` and an exit place ``exi_n``; every sequence flow ``f`` becomes a place ``f``.
   Tasks and call activities are *visible* transitions labelled with the name (the id when the
   name is empty); gateways and events are *silent*. How a node's places
   meet its flows depends on the node:

   * **exclusive and event-based gateways, events and activities with one flow** -- a silent
     transition per flow carries the token from ``exi_n`` to the flow's place (a choice when
     there are several) and from the flow's place to ``ent_n`` (a merge);
   * **parallel gateways, and activities or events with several unconditional outgoing flows**
     (BPMN's implicit AND split) -- one silent transition puts a token on every outgoing flow;
     a parallel gateway with several incoming flows waits for a token on each of them;
   * **inclusive and complex gateways** -- approximated as an AND split whose every branch may be
     skipped: a silent *bypass* moves the token from the branch's first flow straight to the
     nearest flow entering an inclusive (or complex) join. So any non-empty (and, through the
     bypasses, also the empty) subset of branches can run, and the join still synchronises.
     Which branches *may* run under which conditions is not modelled;
   * **start events** take the token from the net's single ``source`` place (several start events
     are alternatives); **end events** put it on the single ``sink`` place. A terminate end event
     is an ordinary end event (a Petri net cannot remove the other tokens);
   * **sub-processes** are flattened: entering the sub-process (silently) starts its inner start
     events and its inner end events lead to the sub-process's exit; a collapsed sub-process with
     no inner nodes is a visible step like a task. Event sub-processes are left out;
   * **boundary events** are alternative paths from the host: an *interrupting* boundary event
     takes the token from the host's entry instead of the host (the host is cancelled as a whole);
     a *non-interrupting* one may fork, once, a parallel branch before the host starts (when
     both branches have ended, a silent step removes the extra end token, so the net still ends
     with one token on ``sink``). Other parallel branches that end at separate end events leave
     one token each on ``sink``: join them before the end to replay a log on the model;

2. **Reduce.** Silent transitions in series are fused with their neighbours (a silent transition
   whose only input place has one producer and feeds only it is merged into that producer, and
   symmetrically on the output side) until nothing changes. The reduced net has the same visible
   behaviour with far fewer silent steps; it is the net pm4py obtains from the same model, so token
   replay and alignment fitness agree with pm4py's on the reference models.

:func:`bpmn_to_workflow_net` returns the net with the BPMN element behind every place and
transition (soundness explains its findings with these ids); :func:`bpmn_to_petri` returns the
net alone.

>>> from crmflow.bpmn.model import Definitions, Event, Process, SequenceFlow, Task
>>> p = Process(id="P", nodes=(Event(id="S"), Task(id="A", name="Call"), Event(id="E", position="end")),
...             flows=(SequenceFlow(id="f1", source="S", target="A"), SequenceFlow(id="f2", source="A", target="E")))
>>> net = bpmn_to_petri(Definitions(id="D", processes=(p,)))
>>> [t.label for t in net.transitions], net.places
(['Call'], ('sink', 'source'))
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from crmflow.bpmn.error_messages import ERRORS
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
    is_for_compensation,
    starts_off_flow,
)
from crmflow.conformance.petrinet import PetriNet, Transition
from crmflow.errors import BpmnError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin

SOURCE = "source"
SINK = "sink"


@dataclass(frozen=True)
class WorkflowNet(JsonMixin):
    """A workflow net translated from a BPMN process, with the BPMN element behind each part.

    ``transition_steps[name]`` lists the flow nodes a transition passes, in order (a reduced
    transition passes several). ``transition_elements[name]`` is the BPMN element (flow node or sequence flow) a transition
    comes from; ``place_elements[name]`` the elements a token on the place is at: the node for its
    entry and exit places, ``(flow, target node)`` for a sequence flow's place.
    """

    process_id: str
    net: PetriNet
    transition_elements: dict[str, str]
    place_elements: dict[str, tuple[str, ...]]
    transition_steps: dict[str, tuple[str, ...]]

    def to_dict(self) -> dict[str, object]:
        n = self.net
        return {
            "process_id": self.process_id,
            "places": list(n.places),
            "transitions": [
                {"name": t.name, "label": t.label, "element": self.transition_elements.get(t.name)} for t in n.transitions
            ],
            "arcs": [[n.places[p], t.name] for i, t in enumerate(n.transitions) for p in n.pre[i]]
            + [[t.name, n.places[p]] for i, t in enumerate(n.transitions) for p in n.post[i]],
        }


class _Builder:
    """A mutable net under construction: transition name → (label, element, inputs, outputs)."""

    def __init__(self) -> None:
        self.places: dict[str, tuple[str, ...]] = {SOURCE: (), SINK: ()}
        self.labels: dict[str, str | None] = {}
        self.origin: dict[str, str] = {}
        self.steps: dict[str, tuple[str, ...]] = {}
        self.pre: dict[str, list[str]] = {}
        self.post: dict[str, list[str]] = {}

    def place(self, name: str, element: str) -> str:
        if name not in self.places:
            self.places[name] = (element,)
        elif element not in self.places[name]:
            self.places[name] = (*self.places[name], element)
        return name

    def transition(
        self, name: str, label: str | None, element: str, pre: list[str], post: list[str], *, node: bool = True
    ) -> str:
        if name in self.labels:
            raise error(BpmnError, ERRORS, "to_petri.element_id_clashes_generated", element=element, name=name)
        self.labels[name] = label
        self.origin[name] = element
        self.steps[name] = (element,) if node else ()
        self.pre[name] = list(pre)
        self.post[name] = list(post)
        return name

    # ------------------------------------------------------------------ reduction

    def _index(self) -> None:
        self.prod: dict[str, set[str]] = {p: set() for p in self.places}
        self.cons: dict[str, set[str]] = {p: set() for p in self.places}
        for t in self.labels:
            for p in self.pre[t]:
                self.cons.setdefault(p, set()).add(t)
            for p in self.post[t]:
                self.prod.setdefault(p, set()).add(t)

    def _remove(self, t: str, place: str) -> None:
        for p in self.pre[t]:
            self.cons[p].discard(t)
        for p in self.post[t]:
            self.prod[p].discard(t)
        for table in (self.labels, self.origin, self.steps, self.pre, self.post):
            del table[t]
        del self.places[place], self.prod[place], self.cons[place]

    def _fuse_forward(self, t: str) -> bool:
        """Merge silent ``t`` into the only producer of its only input place."""
        if t not in self.labels or self.labels[t] is not None or len(self.pre[t]) != 1:
            return False
        p = self.pre[t][0]
        if p in (SOURCE, SINK) or len(self.prod[p]) != 1 or self.cons[p] != {t}:
            return False
        (u,) = self.prod[p]
        if u == t or self.post[u].count(p) != 1 or set(self.post[t]) & (set(self.post[u]) - {p}):
            return False
        outputs, moved = list(self.post[t]), self.steps[t]
        self._remove(t, p)
        self.post[u] = [q for q in self.post[u] if q != p] + outputs
        for q in outputs:
            self.prod[q].add(u)
        self.steps[u] = _join_steps(self.steps[u], moved)
        return True

    def _fuse_backward(self, t: str) -> bool:
        """Merge silent ``t`` into the only consumer of its only output place."""
        if t not in self.labels or self.labels[t] is not None or len(self.post[t]) != 1:
            return False
        p = self.post[t][0]
        if p in (SOURCE, SINK) or len(self.cons[p]) != 1 or self.prod[p] != {t}:
            return False
        (v,) = self.cons[p]
        if v == t or self.pre[v].count(p) != 1 or set(self.pre[t]) & (set(self.pre[v]) - {p}):
            return False
        inputs, moved = list(self.pre[t]), self.steps[t]
        self._remove(t, p)
        self.pre[v] = [q for q in self.pre[v] if q != p] + inputs
        for q in inputs:
            self.cons[q].add(v)
        self.steps[v] = _join_steps(moved, self.steps[v])
        return True

    def reduce(self) -> None:
        """Fuse silent transitions in series: forward fusions to a fixpoint, then backward, until stable."""
        self._index()
        changed = True
        while changed:
            changed = False
            for rule in (self._fuse_forward, self._fuse_backward):
                again = True
                while again:
                    again = False
                    for t in sorted(self.labels):
                        if rule(t):
                            again = changed = True

    def build(self, process_id: str) -> WorkflowNet:
        used = {p for ps in (*self.pre.values(), *self.post.values()) for p in ps} | {SOURCE, SINK}
        places = sorted(p for p in self.places if p in used)
        names = sorted(self.labels)
        net = PetriNet.build(
            places=places,
            transitions=[Transition(t, self.labels[t]) for t in names],
            arcs=[(p, t) for t in names for p in self.pre[t]] + [(t, p) for t in names for p in self.post[t]],
            initial={SOURCE: 1},
            final={SINK: 1},
        )
        return WorkflowNet(
            process_id=process_id,
            net=net,
            transition_elements=dict(self.origin),
            place_elements={p: self.places[p] for p in places},
            transition_steps=dict(self.steps),
        )


def _join_steps(first: tuple[str, ...], then: tuple[str, ...]) -> tuple[str, ...]:
    return first + then[1:] if first and then and first[-1] == then[0] else first + then


def _label(node: FlowNode) -> str | None:
    """Tasks, call activities and collapsed (empty) sub-processes are visible; an expanded
    sub-process is flattened, so only its inner tasks appear in a log."""
    if isinstance(node, Task | CallActivity) or (isinstance(node, SubProcess) and not node.nodes):
        return node.name or node.id
    return None


def _is_join_like(node: FlowNode) -> bool:
    return isinstance(node, Gateway) and node.kind in ("parallel", "inclusive", "complex")


class _Translator:
    """Expands one process (sub-processes flattened) into a :class:`_Builder`."""

    def __init__(self, process: Process) -> None:
        self.b = _Builder()
        self.process = process
        self.nodes: dict[str, FlowNode] = {n.id: n for n in process.all_nodes()}
        self.flows: list[SequenceFlow] = [f for f in process.all_flows() if f.source in self.nodes and f.target in self.nodes]
        self.out: dict[str, list[SequenceFlow]] = {n: [] for n in self.nodes}
        self.inc: dict[str, list[SequenceFlow]] = {n: [] for n in self.nodes}
        for f in self.flows:
            self.out[f.source].append(f)
            self.inc[f.target].append(f)
        self.entry: dict[str, str] = {}  # node → place a token must reach for the node to start
        self.ready: dict[str, str] = {}  # host → place its transition consumes, after boundary forks

    def run(self) -> WorkflowNet:
        self._container(self.process, start=SOURCE, end=SINK)
        for f in self.flows:
            self.b.place(f.id, f.id)
            self.b.place(f.id, f.target)  # a token on a flow waits for the node it leads to
        for f in self.flows:
            self._connect(f)
        self._links()
        self._inclusive_bypasses()
        self.b.reduce()
        return self.b.build(self.process.id)

    # ------------------------------------------------------------------ nodes

    def _container(self, container: Process | SubProcess, *, start: str, end: str) -> None:
        for node in container.nodes:
            if (isinstance(node, SubProcess) and node.triggered_by_event) or is_for_compensation(node):
                continue
            if isinstance(node, Event) and node.position == "boundary":
                continue
            self._node(node, start=start, end=end)
        if isinstance(container, SubProcess):
            self._implicit_ends(container, start=start, end=end)
        boundary = [n for n in container.nodes if isinstance(n, Event) and n.position == "boundary"]
        # non-interrupting events first: an interrupting one then cancels the host after any fork
        for node in sorted(boundary, key=lambda e: e.interrupting):
            if node.attached_to in self.entry:
                self._node(node, start=start, end=end)

    def _implicit_ends(self, container: SubProcess, *, start: str, end: str) -> None:
        """A sub-process without start (end) events starts (ends) at its nodes without incoming (outgoing) flows.

        BPMN 2.0 §10.5.1: all of them are started together; each one without outgoing flow ends
        its path, as an end event would.
        """
        inner = [n for n in container.nodes if not starts_off_flow(n)]
        if not any(isinstance(n, Event) and n.position == "start" for n in inner):
            entries = [f"ent_{n.id}" for n in inner if not self.inc[n.id] and f"ent_{n.id}" in self.b.places]
            if entries:
                self.b.transition(f"{container.id}:implicit_start", None, container.id, [start], entries)
        if not any(isinstance(n, Event) and n.position == "end" for n in inner):
            for n in inner:
                if not self.out[n.id] and f"exi_{n.id}" in self.b.places:
                    self.b.transition(f"{n.id}:implicit_end", None, n.id, [f"exi_{n.id}"], [end])

    def _links(self) -> None:
        """A link throw event continues at the catch event of the same link name (else the same event name)."""
        catches: dict[str, list[str]] = {}
        throws: list[tuple[Event, str]] = []
        for n in self.nodes.values():
            if not isinstance(n, Event) or f"ent_{n.id}" not in self.b.places:
                continue
            for d in n.definitions:
                if d.kind == "link" and n.position == "intermediateCatch":
                    catches.setdefault(d.name, []).append(n.id)
                    catches.setdefault("event:" + n.name, []).append(n.id)
                elif d.kind == "link" and n.position == "intermediateThrow":
                    throws.append((n, d.name))
        for throw, name in throws:
            if self.out[throw.id]:
                continue
            for catch in catches.get(name) or catches.get("event:" + throw.name, []):
                self.b.transition(f"{throw.id}:link:{catch}", None, throw.id, [f"exi_{throw.id}"], [f"ent_{catch}"])

    def _node(self, node: FlowNode, *, start: str, end: str) -> None:
        b, nid = self.b, node.id
        ent = b.place(f"ent_{nid}", nid)
        exi = b.place(f"exi_{nid}", nid)
        self.entry[nid] = ent
        if isinstance(node, SubProcess) and node.nodes:
            inner_start = b.place(f"{nid}:begin", nid)
            inner_end = b.place(f"{nid}:finish", nid)
            b.transition(nid, _label(node), nid, [ent], [inner_start])
            b.transition(f"{nid}:complete", None, nid, [inner_end], [exi])
            self._container(node, start=inner_start, end=inner_end)
        else:
            b.transition(nid, _label(node), nid, [ent], [exi])
        if isinstance(node, Event) and node.position in ("start", "end"):
            b.place(start if node.position == "start" else end, nid)
        if isinstance(node, Event) and node.position == "start":
            b.transition(f"{nid}:from_source", None, nid, [start], [ent])
        elif isinstance(node, Event) and node.position == "end":
            b.transition(f"{nid}:to_sink", None, nid, [exi], [end])
        elif isinstance(node, Event) and node.position == "boundary" and node.attached_to is not None:
            self._boundary(node, ent, end)

    def _boundary(self, event: Event, ent: str, end: str) -> None:
        """Route a token from the host's entry to the boundary event (see the module docstring)."""
        b, host = self.b, event.attached_to
        assert host is not None
        ready = self.ready.get(host, f"ent_{host}")
        if event.interrupting:
            b.transition(f"{event.id}:interrupt", None, event.id, [ready], [ent])
            return
        # the host now starts from a fresh place; before it, the branch is forked at most once
        later = b.place(f"{host}:after:{event.id}", host)
        for t, ins in b.pre.items():
            if ready in ins and b.origin[t] == host:
                b.pre[t] = [later if p == ready else p for p in ins]
        # the forked branch reaches an end of its own; a marker lets one of the two end tokens go,
        # so the container still ends with exactly one token
        marker = b.place(f"{event.id}:forked", event.id)
        b.transition(f"{event.id}:fork", None, event.id, [ready], [later, ent, marker])
        b.transition(f"{event.id}:joined", None, event.id, [end, marker], [])
        b.transition(f"{event.id}:no_fork", None, event.id, [ready], [later])
        self.ready[host] = later

    # ------------------------------------------------------------------ flows

    def _splits_all(self, node: FlowNode) -> bool:
        """Whether the node puts a token on every outgoing flow (AND split, explicit or implicit)."""
        outs = self.out[node.id]
        if len(outs) < 2:
            return False
        if isinstance(node, Gateway):
            return node.kind in ("parallel", "inclusive", "complex")
        return all(f.condition is None for f in outs) and getattr(node, "default", None) is None

    def _joins_all(self, node: FlowNode) -> bool:
        return len(self.inc[node.id]) > 1 and _is_join_like(node)

    def _connect(self, f: SequenceFlow) -> None:
        b = self.b
        src, tgt = self.nodes[f.source], self.nodes[f.target]
        if tgt.id not in self.entry or src.id not in self.entry:
            return
        if self._splits_all(src):
            name = f"{src.id}:split"
            if name not in b.labels:
                b.transition(name, None, src.id, [f"exi_{src.id}"], [])
            b.post[name].append(f.id)
        else:
            b.transition(f"sfl_{f.id}", None, f.id, [f"exi_{src.id}"], [f.id], node=False)
        if self._joins_all(tgt):
            name = f"{tgt.id}:join"
            if name not in b.labels:
                b.transition(name, None, tgt.id, [], [self.entry[tgt.id]])
            b.pre[name].append(f.id)
        else:
            b.transition(f"tfl_{f.id}", None, f.id, [f.id], [self.entry[tgt.id]], node=False)

    def _inclusive_bypasses(self) -> None:
        """Let each branch of an inclusive/complex split be skipped up to the nearest such join."""
        joins = {
            n
            for n, node in self.nodes.items()
            if _is_join_like(node)
            and node.kind != "parallel"  # type: ignore[union-attr]
            and len(self.inc[n]) > 1
        }
        for node in self.nodes.values():
            if not (isinstance(node, Gateway) and node.kind in ("inclusive", "complex") and len(self.out[node.id]) > 1):
                continue
            for f in self.out[node.id]:
                if f.target in joins:
                    continue
                target = self._nearest_join_flow(f, joins)
                if target is not None:
                    self.b.transition(f"{f.id}:skip", None, node.id, [f.id], [target])

    def _nearest_join_flow(self, first: SequenceFlow, joins: set[str]) -> str | None:
        seen = {first.id}
        queue = deque([first])
        while queue:
            f = queue.popleft()
            if f.target in joins and f is not first:
                return f.id
            for g in self.out.get(f.target, []):
                if g.id not in seen:
                    seen.add(g.id)
                    queue.append(g)
        return None


def bpmn_to_workflow_net(definitions: Definitions, process_id: str | None = None) -> WorkflowNet:
    """Translate a BPMN process into a workflow net and keep the BPMN element behind each part.

    Parameters
    ----------
    definitions
        The BPMN document (see :func:`~crmflow.bpmn.reader.read_bpmn`).
    process_id
        Which process; the first one when None.

    Returns
    -------
    WorkflowNet
        The net (initial marking: one token on ``source``; final: one on ``sink``), and maps from
        transition and place names to BPMN element ids.

    Raises
    ------
    BpmnError
        If the process does not exist or has no start or no end event.
    """
    process = definitions.process(process_id)
    top = [n for n in process.nodes if isinstance(n, Event)]
    missing = [kind for kind in ("start", "end") if not any(e.position == kind for e in top)]
    if missing:
        raise error(BpmnError, ERRORS, "to_petri.process_has_no_event", id=process.id, value=" and no ".join(missing))
    return _Translator(process).run()


def bpmn_to_petri(definitions: Definitions, process_id: str | None = None) -> PetriNet:
    """The workflow net of a BPMN process (see :func:`bpmn_to_workflow_net` and the module docstring).

    >>> from crmflow.bpmn.reader import read_bpmn
    >>> xml = b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><process id="P">
    ...   <startEvent id="S"/><parallelGateway id="g1"/><task id="A" name="Call"/><task id="B" name="Mail"/>
    ...   <parallelGateway id="g2"/><endEvent id="E"/>
    ...   <sequenceFlow id="f1" sourceRef="S" targetRef="g1"/><sequenceFlow id="f2" sourceRef="g1" targetRef="A"/>
    ...   <sequenceFlow id="f3" sourceRef="g1" targetRef="B"/><sequenceFlow id="f4" sourceRef="A" targetRef="g2"/>
    ...   <sequenceFlow id="f5" sourceRef="B" targetRef="g2"/><sequenceFlow id="f6" sourceRef="g2" targetRef="E"/>
    ... </process></definitions>'''
    >>> net = bpmn_to_petri(read_bpmn(xml))
    >>> [t.label for t in net.enabled(net.initial_marking)]
    [None]
    >>> split = net.transition_index[net.enabled(net.initial_marking)[0].name]
    >>> sorted(t.label for t in net.enabled(net.fire(net.initial_marking, split)))
    ['Call', 'Mail']
    """
    return bpmn_to_workflow_net(definitions, process_id).net


__all__ = ["SINK", "SOURCE", "WorkflowNet", "bpmn_to_petri", "bpmn_to_workflow_net"]
