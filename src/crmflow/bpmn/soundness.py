"""Behavioural soundness of a BPMN process, by exploring the reachability graph of its workflow net.

The process is translated with :func:`~crmflow.bpmn.to_petri.bpmn_to_workflow_net` and every
marking reachable from one token on ``source`` is visited breadth first (up to ``max_states``).
A *final* marking has tokens on ``sink`` only -- a BPMN process completes when no token is left,
and several end events may be reached in parallel, so the sink may hold several. Checked:

* **deadlock** -- a reachable marking with no enabled transition whose sink is empty;
* **proper completion** -- no dead marking has tokens on the sink *and* elsewhere (the end was
  reached with work left over); not checked when the process has a terminate end event, which
  removes the other tokens;
* **option to complete** -- from every reachable marking a final marking is reachable; markings
  that are not dead but cannot complete are a *livelock* (a loop without exit);
* **safeness** -- no place except the sink holds two tokens (lack of synchronisation: an exclusive
  gateway or a task merging parallel branches);
* **boundedness** -- the coverability idea: a marking that strictly covers one of its ancestors
  can be pumped without limit, so the net is unbounded and that branch is not explored further;
* **no dead transitions** -- every transition fires in some run; dead ones are reported by the
  BPMN element they come from.

Each problem names the BPMN elements (via the transition and place maps of the translation) and
the shortest firing sequence that shows it. When the state limit is reached the report says so
(``complete`` is False) and the properties that need the whole graph are ``None``.

>>> from crmflow.bpmn.reader import read_bpmn
>>> xml = b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><process id="P">
...   <startEvent id="S"/><exclusiveGateway id="x"/><task id="A"/><task id="B"/>
...   <parallelGateway id="j"/><endEvent id="E"/>
...   <sequenceFlow id="f1" sourceRef="S" targetRef="x"/><sequenceFlow id="f2" sourceRef="x" targetRef="A"/>
...   <sequenceFlow id="f3" sourceRef="x" targetRef="B"/><sequenceFlow id="f4" sourceRef="A" targetRef="j"/>
...   <sequenceFlow id="f5" sourceRef="B" targetRef="j"/><sequenceFlow id="f6" sourceRef="j" targetRef="E"/>
... </process></definitions>'''
>>> rep = check_soundness(read_bpmn(xml))
>>> rep.sound, [p.code for p in rep.problems]
(False, ['deadlock', 'deadlock', 'dead'])
>>> rep.problems[0].elements
('f4', 'j')
>>> print(rep.problems[0].message_en[:73])
Deadlock: after `S` → `x` → `A`, tokens wait at `f4`, `j` and nothing can
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from crmflow.bpmn.messages import MESSAGES, both, ids
from crmflow.bpmn.model import Definitions, Event
from crmflow.bpmn.to_petri import SINK, WorkflowNet, bpmn_to_workflow_net
from crmflow.conformance.petrinet import Marking
from crmflow.i18n import text
from crmflow.jsonable import JsonMixin

ProblemCode = Literal["deadlock", "improper_completion", "livelock", "unsafe", "unbounded", "dead", "state_limit"]

_MAX_EXAMPLES = 5  # problems of one kind reported, shortest first


@dataclass(frozen=True)
class SoundnessProblem(JsonMixin):
    """One behavioural problem: the BPMN elements involved, a run that shows it, and what to fix.

    ``path`` is the BPMN elements of the transitions fired from the start (consecutive repeats
    removed); ``marking`` the tokens per place of the net at the problem.
    """

    code: ProblemCode
    elements: tuple[str, ...]
    path: tuple[str, ...]
    marking: dict[str, int]
    message_en: str
    message_ru: str

    def message(self, lang: str = "en") -> str:
        return self.message_ru if lang == "ru" else self.message_en


@dataclass(frozen=True)
class SoundnessReport(JsonMixin):
    """The soundness verdict of one process.

    A property is ``None`` when it could not be decided: the state limit was reached, or the net
    is unbounded (its reachability graph is infinite).
    """

    process_id: str
    states: int
    complete: bool
    option_to_complete: bool | None
    proper_completion: bool | None
    no_dead_transitions: bool | None
    safe: bool
    bounded: bool | None
    problems: tuple[SoundnessProblem, ...]

    @property
    def sound(self) -> bool:
        """True when every property holds and the whole state space was explored."""
        return bool(
            self.complete
            and self.option_to_complete
            and self.proper_completion
            and self.no_dead_transitions
            and self.safe
            and self.bounded
        )


#: A marking as its marked places only: ``((place index, tokens), …)`` sorted by place. States of
#: a big model mark a few of its many places, so a dense tuple per state would make the search
#: quadratic in time and memory (20,000 tasks: 3 GB); the sparse form keeps it linear.
Sparse = tuple[tuple[int, int], ...]


def _sparse(m: Marking) -> Sparse:
    return tuple((i, k) for i, k in enumerate(m) if k)


class _Explorer:
    def __init__(self, wf: WorkflowNet, max_states: int) -> None:
        self.wf = wf
        self.net = wf.net
        self.sink = self.net.place_index[SINK]
        self.max_states = max_states
        self.parent: dict[Sparse, tuple[Sparse, int] | None] = {}
        self.succ: dict[Sparse, list[tuple[int, Sparse]]] = {}
        self.fired: set[int] = set()
        self.unbounded: list[tuple[Sparse, tuple[int, ...]]] = []
        self.complete = True
        # the sink counts nothing once reached (keeps loops that keep ending finite), unless a
        # transition consumes from it
        self.cap = not any(self.sink in pre for pre in self.net.pre)
        self.consumers: list[list[int]] = [[] for _ in self.net.places]
        for t, pre in enumerate(self.net.pre):
            for p in pre:
                self.consumers[p].append(t)
        self.unguarded = {t for t, pre in enumerate(self.net.pre) if not pre}
        self.low: dict[Sparse, int] = {}  # the fewest tokens of any marking on the path to it

    def tokens(self, m: Sparse, place: int) -> int:
        return next((k for p, k in m if p == place), 0)

    def enabled(self, m: Sparse) -> list[int]:
        have = dict(m)
        candidates = {t for p in have for t in self.consumers[p]} | self.unguarded
        return [t for t in sorted(candidates) if all(have.get(p, 0) >= self.net.pre[t].count(p) for p in self.net.pre[t])]

    def fire(self, m: Sparse, t: int) -> Sparse:
        have = dict(m)
        for p in self.net.pre[t]:
            have[p] -= 1
            if not have[p]:
                del have[p]
        for p in self.net.post[t]:
            have[p] = have.get(p, 0) + 1
        return tuple(sorted(have.items()))

    def _pumps(self, m: Sparse, parent: Sparse) -> tuple[int, ...]:
        """Places that grew when ``m`` strictly covers an ancestor (walking up from ``parent``)."""
        if sum(k for _, k in m) <= self.low[parent]:  # a strictly covered ancestor has fewer tokens than m
            return ()
        have = dict(m)
        a: Sparse | None = parent
        while a is not None:
            if all(have.get(p, 0) >= k for p, k in a) and m != a:
                older = dict(a)
                return tuple(sorted(p for p, k in have.items() if k > older.get(p, 0)))
            link = self.parent[a]
            a = link[0] if link else None
        return ()

    def run(self) -> None:
        start = _sparse(self.net.initial_marking)
        self.parent[start] = None
        self.low[start] = sum(k for _, k in start)
        queue = deque([start])
        while queue:
            m = queue.popleft()
            out: list[tuple[int, Sparse]] = []
            for t in self.enabled(m):
                n = self.fire(m, t)
                if self.cap and self.tokens(n, self.sink) > 1:  # ends reached in parallel: one token says "ended"
                    n = tuple((p, 1 if p == self.sink else k) for p, k in n)
                self.fired.add(t)
                out.append((t, n))
                if n in self.parent:
                    continue
                if len(self.parent) >= self.max_states:
                    self.complete = False
                    continue
                grown = self._pumps(n, m)
                self.parent[n] = (m, t)
                self.low[n] = min(self.low[m], sum(k for _, k in n))
                if grown:
                    self.unbounded.append((n, grown))
                    continue  # an ω-marking: its subtree is infinite
                queue.append(n)
            self.succ[m] = out

    def path(self, m: Sparse) -> tuple[str, ...]:
        steps: list[str] = []
        link = self.parent[m]
        while link is not None:
            prev, t = link
            for element in reversed(self.wf.transition_steps[self.net.transitions[t].name]):
                if not steps or steps[-1] != element:
                    steps.append(element)
            link = self.parent[prev]
        return tuple(reversed(steps))

    def where(self, m: Sparse, places: tuple[int, ...] | None = None) -> tuple[str, ...]:
        chosen = places if places is not None else tuple(i for i, _k in m if i != self.sink)
        found: list[str] = []
        for i in chosen:
            for e in self.wf.place_elements.get(self.net.places[i], ()):
                if e and e not in found:
                    found.append(e)
        return tuple(sorted(found))


def _fmt_path(path: tuple[str, ...], lang: str) -> str:
    return " → ".join(f"`{e}`" for e in path) if path else text(MESSAGES, "sound.start", lang)


def _problem(code: ProblemCode, key: str, x: _Explorer, m: Sparse, elements: tuple[str, ...], **kw: object) -> SoundnessProblem:
    path = x.path(m)
    en = text(MESSAGES, key, "en", path=_fmt_path(path, "en"), where=ids(elements), **kw)
    ru = text(MESSAGES, key, "ru", path=_fmt_path(path, "ru"), where=ids(elements), **kw)
    marking = {x.net.places[i]: k for i, k in m}
    return SoundnessProblem(code=code, elements=elements, path=path, marking=marking, message_en=en, message_ru=ru)


def check_workflow_net(wf: WorkflowNet, *, max_states: int = 200_000, terminate: bool = False) -> SoundnessReport:
    """Check a translated workflow net (see the module docstring for what is checked).

    Parameters
    ----------
    wf
        The net with its BPMN element maps.
    max_states
        How many markings to visit at most.
    terminate
        Whether the process has a terminate end event (then leftover tokens at the end are fine).
    """
    x = _Explorer(wf, max_states)
    x.run()
    sink = x.sink
    problems: list[SoundnessProblem] = []
    order = list(x.parent)  # breadth-first: shortest examples first

    def final(m: Sparse) -> bool:
        return len(m) == 1 and m[0][0] == sink

    dead = [m for m in order if m in x.succ and not x.succ[m] and not final(m)]
    deadlocks = [m for m in dead if x.tokens(m, sink) == 0]
    leftovers = [] if terminate else [m for m in dead if x.tokens(m, sink) > 0]
    for m in deadlocks[:_MAX_EXAMPLES]:
        problems.append(_problem("deadlock", "sound.deadlock", x, m, x.where(m)))
    for m in leftovers[:_MAX_EXAMPLES]:
        problems.append(_problem("improper_completion", "sound.improper", x, m, x.where(m)))

    unsafe: dict[int, Sparse] = {}
    for m in order:
        for i, k in m:
            if k > 1 and i != sink and i not in unsafe:
                unsafe[i] = m
    for i, m in list(unsafe.items())[:_MAX_EXAMPLES]:
        problems.append(_problem("unsafe", "sound.unsafe", x, m, x.where(m, (i,)), tokens=x.tokens(m, i)))
    for m, grown in x.unbounded[:1]:
        problems.append(_problem("unbounded", "sound.unbounded", x, m, x.where(m, grown)))

    decided = x.complete and not x.unbounded
    option: bool | None = None
    no_dead: bool | None = None
    if decided:
        pred: dict[Sparse, list[Sparse]] = {}
        for m, out in x.succ.items():
            for _, n in out:
                pred.setdefault(n, []).append(m)
        # markings that can reach a final or a dead marking; the rest loop for ever
        exits = {m for m in order if final(m) or m in dead}
        queue = deque(exits)
        while queue:
            n = queue.popleft()
            for m in pred.get(n, ()):
                if m not in exits:
                    exits.add(m)
                    queue.append(m)
        loops = [m for m in order if m not in exits]
        if loops:
            problems.append(_problem("livelock", "sound.livelock", x, loops[0], x.where(loops[0])))
        option = not deadlocks and not loops and not [m for m in dead if x.tokens(m, sink) > 0]
        dead_elements: list[str] = []
        for t, tr in enumerate(x.net.transitions):
            element = wf.transition_elements[tr.name]
            if t not in x.fired and element not in dead_elements:
                dead_elements.append(element)
        for element in dead_elements:
            en, ru = both("sound.dead", element=element)
            problems.append(SoundnessProblem(code="dead", elements=(element,), path=(), marking={}, message_en=en, message_ru=ru))
        no_dead = not dead_elements
    if not x.complete:
        en, ru = both("sound.state_limit", process=wf.process_id, states=max_states)
        problems.append(
            SoundnessProblem(code="state_limit", elements=(wf.process_id,), path=(), marking={}, message_en=en, message_ru=ru)
        )
    return SoundnessReport(
        process_id=wf.process_id,
        states=len(x.parent),
        complete=x.complete,
        option_to_complete=option,
        proper_completion=(not leftovers) if x.complete or leftovers else None,
        no_dead_transitions=no_dead,
        safe=not unsafe,
        bounded=False if x.unbounded else (True if x.complete else None),
        problems=tuple(problems),
    )


def check_soundness(definitions: Definitions, process_id: str | None = None, *, max_states: int = 200_000) -> SoundnessReport:
    """Check the behavioural soundness of a BPMN process.

    Parameters
    ----------
    definitions
        The BPMN document.
    process_id
        Which process; the first one when None.
    max_states
        How many markings to visit at most; beyond it the report is flagged incomplete.

    Returns
    -------
    SoundnessReport
        The properties and every problem found, each naming the BPMN element ids.

    Raises
    ------
    BpmnError
        If the process has no start or no end event (there is no workflow net to check).
    """
    process = definitions.process(process_id)
    terminate = any(
        isinstance(n, Event) and n.position == "end" and any(d.kind == "terminate" for d in n.definitions)
        for n in process.all_nodes()
    )
    return check_workflow_net(bpmn_to_workflow_net(definitions, process.id), max_states=max_states, terminate=terminate)


__all__ = ["SoundnessProblem", "SoundnessReport", "check_soundness", "check_workflow_net"]
