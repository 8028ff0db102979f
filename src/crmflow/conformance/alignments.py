"""Optimal alignments of a log with a Petri net, once per variant (A* on the synchronous product).

An alignment pairs a trace with a complete run of the net (initial to final marking) through
*moves*: a **sync** move (the event and a transition with its label), a **log** move (an event
the model could not follow -- the activity was *inserted*) and a **model** move (a transition
fired without an event; on a visible transition the activity was *skipped*, on a silent one it is
just routing). The standard costs are 1 for a log move or a visible model move and 0 otherwise;
to prefer, among optimal alignments, those with fewer silent steps, the search uses the scaled
costs 10000 (deviation) and 1 (silent move) -- the costs pm4py uses, so the numbers agree:

* a trace's ``fitness`` is ``1 - deviations / (len(trace) + best_worst)``, where ``best_worst`` is
  the number of visible transitions on the cheapest run of the net (the cost of aligning an empty
  trace);
* ``log_fitness`` is ``1 - sum(scaled cost) / sum(scaled worst cost)`` over cases, where the scaled
  worst cost is ``10000 * len(trace)`` plus the scaled cost of the cheapest run. The silent steps
  therefore nudge it just below 1.0 even when every case fits (``0.99997`` on the running example),
  exactly as in pm4py;
* ``average_trace_fitness`` is the mean of the trace fitnesses over cases, and ``perc_fit_traces``
  the percentage of cases whose fitness is 1.

The search state is ``(marking, position in the trace)``. The heuristic counts the events still to
come whose activity no transition carries: each must become a log move, so it never overestimates
and A* returns an optimal alignment. ``max_states`` bounds the states expanded per variant; a
variant that hits it is flagged (``status="state_limit"``) and left out of the fitness numbers.

>>> from crmflow.conformance.petrinet import PetriNet
>>> net = PetriNet.build(
...     places=["i", "p", "o"], transitions=[("a", "A"), ("b", "B")],
...     arcs=[("i", "a"), ("a", "p"), ("p", "b"), ("b", "o")], initial={"i": 1}, final={"o": 1},
... )
>>> res = align({("A", "C", "B"): 1, ("B",): 1}, net)
>>> [(m.kind, m.activity) for m in res.variants[0].moves]
[('sync', 'A'), ('log', 'C'), ('sync', 'B')]
>>> res.variants[1].skipped, res.variants[1].fitness
({'A': 1}, 0.6666666666666667)
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from itertools import count as counter
from typing import TYPE_CHECKING, Literal

from crmflow.conformance.error_messages import ERRORS
from crmflow.conformance.petrinet import Marking, PetriNet
from crmflow.conformance.report import ActivityDeviation, Variants, aggregate_deviations, variant_counts
from crmflow.errors import CrmflowError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.store.store import EventLog

DEVIATION_COST = 10000  # a log move or a visible model move
SILENT_COST = 1  # a model move on a silent transition: keeps routing short without counting as deviation

MoveKind = Literal["sync", "log", "model"]
AlignmentStatus = Literal["optimal", "state_limit", "unreachable"]


class AlignmentError(CrmflowError):
    """The model has no run from its initial to its final marking, so nothing can be aligned."""


@dataclass(frozen=True)
class Move(JsonMixin):
    """One step of an alignment.

    ``activity`` is the event's activity (sync and log moves) or the transition's label (model
    moves; None for a silent transition); ``transition`` is the transition's name (None for a log move).
    """

    kind: MoveKind
    activity: str | None
    transition: str | None


@dataclass(frozen=True)
class VariantAlignment(JsonMixin):
    """The optimal alignment of one variant (``moves`` is None unless ``status == "optimal"``)."""

    activities: tuple[str, ...]
    count: int
    status: AlignmentStatus
    moves: tuple[Move, ...] | None
    deviations: int
    silent_moves: int
    fitness: float
    is_fit: bool
    inserted: dict[str, int]
    skipped: dict[str, int]
    expanded_states: int


@dataclass(frozen=True)
class AlignmentResult(JsonMixin):
    """Alignments of a log: fitness, per-activity deviations and one alignment per variant.

    Variants that could not be aligned within the state budget (``unaligned_variants``) are left
    out of every number, as pm4py leaves out traces whose alignment timed out.
    """

    log_fitness: float
    average_trace_fitness: float
    perc_fit_traces: float
    cases: int
    fitting_cases: int
    best_worst_cost: int
    unaligned_variants: int
    activities: tuple[ActivityDeviation, ...]
    variants: tuple[VariantAlignment, ...]


class _Aligner:
    """The net compiled for the search: presets, token deltas, a cache of enabled transitions."""

    def __init__(self, net: PetriNet, max_states: int) -> None:
        self.net = net
        self.max_states = max_states
        self.labels = [t.label for t in net.transitions]
        self.model_labels = net.labels
        self.pre = net.pre
        delta: list[dict[int, int]] = []
        for t in range(len(net.transitions)):
            d: dict[int, int] = {}
            for p in net.pre[t]:
                d[p] = d.get(p, 0) - 1
            for p in net.post[t]:
                d[p] = d.get(p, 0) + 1
            delta.append({p: k for p, k in d.items() if k})
        self.delta = [tuple(d.items()) for d in delta]
        self.consumers: list[list[int]] = [[] for _ in net.places]
        for t, ps in enumerate(net.pre):
            for p in set(ps):
                self.consumers[p].append(t)
        self.free = [t for t, ps in enumerate(net.pre) if not ps]
        self._moves: dict[Marking, tuple[tuple[int, str | None, Marking], ...]] = {}

    def moves(self, m: Marking) -> tuple[tuple[int, str | None, Marking], ...]:
        """``(transition, label, marking after)`` for every transition enabled in ``m``."""
        hit = self._moves.get(m)
        if hit is not None:
            return hit
        cands = set(self.free)
        for p, k in enumerate(m):
            if k:
                cands.update(self.consumers[p])
        out = []
        for t in sorted(cands):
            need: dict[int, int] = {}
            for p in self.pre[t]:
                need[p] = need.get(p, 0) + 1
            if all(m[p] >= k for p, k in need.items()):
                nxt = list(m)
                for p, d in self.delta[t]:
                    nxt[p] += d
                out.append((t, self.labels[t], tuple(nxt)))
        hit = tuple(out)
        self._moves[m] = hit
        return hit

    def search(self, trace: tuple[str, ...]) -> tuple[AlignmentStatus, int, list[tuple[int, int]], int]:
        """A* from ``(initial, 0)`` to ``(final, len(trace))``.

        Returns the status, the scaled cost, the moves as ``(kind, index)`` pairs (kind 0 sync,
        1 log, 2 model; index is the transition, or the event for a log move) and the number of
        expanded states.
        """
        n = len(trace)
        unknown = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            unknown[i] = unknown[i + 1] + (trace[i] not in self.model_labels)
        final = self.net.final_marking
        start = (self.net.initial_marking, 0)
        best: dict[tuple[Marking, int], int] = {start: 0}
        parent: dict[tuple[Marking, int], tuple[tuple[Marking, int], int, int] | None] = {start: None}
        closed: set[tuple[Marking, int]] = set()
        tie = counter()
        heap: list[tuple[int, int, int, int, Marking, int]] = [(DEVIATION_COST * unknown[0], 0, next(tie), 0, start[0], 0)]
        push = heapq.heappush
        while heap:
            _, _, _, g, m, i = heapq.heappop(heap)
            state = (m, i)
            if state in closed:
                continue
            closed.add(state)
            if i == n and m == final:
                path: list[tuple[int, int]] = []
                link = parent[state]
                while link is not None:
                    state, kind, idx = link
                    path.append((kind, idx))
                    link = parent[state]
                path.reverse()
                return "optimal", g, path, len(closed)
            if len(closed) >= self.max_states:
                return "state_limit", 0, [], len(closed)
            succ: list[tuple[Marking, int, int, int, int]] = []
            if i < n:
                succ.append((m, i + 1, g + DEVIATION_COST, 1, i))
            for t, label, m2 in self.moves(m):
                if label is None:
                    succ.append((m2, i, g + SILENT_COST, 2, t))
                else:
                    if i < n and label == trace[i]:
                        succ.append((m2, i + 1, g, 0, t))
                    succ.append((m2, i, g + DEVIATION_COST, 2, t))
            for m2, j, g2, kind, idx in succ:
                key = (m2, j)
                if key in closed or best.get(key, g2 + 1) <= g2:
                    continue
                best[key] = g2
                parent[key] = (state, kind, idx)
                push(heap, (g2 + DEVIATION_COST * unknown[j], -j, next(tie), g2, m2, j))
        return "unreachable", 0, [], len(closed)

    def align(self, trace: tuple[str, ...], count: int, worst: int) -> VariantAlignment:
        status, cost, path, expanded = self.search(trace)
        if status != "optimal":
            return VariantAlignment(
                activities=trace,
                count=count,
                status=status,
                moves=None,
                deviations=0,
                silent_moves=0,
                fitness=float("nan"),
                is_fit=False,
                inserted={},
                skipped={},
                expanded_states=expanded,
            )
        names = [t.name for t in self.net.transitions]
        moves: list[Move] = []
        inserted: dict[str, int] = {}
        skipped: dict[str, int] = {}
        for kind, idx in path:
            if kind == 1:
                moves.append(Move("log", trace[idx], None))
                inserted[trace[idx]] = inserted.get(trace[idx], 0) + 1
            else:
                label = self.labels[idx]
                moves.append(Move("sync" if kind == 0 else "model", label, names[idx]))
                if kind == 2 and label is not None:
                    skipped[label] = skipped.get(label, 0) + 1
        deviations = cost // DEVIATION_COST
        denominator = len(trace) + worst // DEVIATION_COST
        fitness = 1 - deviations / denominator if denominator > 0 else 0.0
        return VariantAlignment(
            activities=trace,
            count=count,
            status=status,
            moves=tuple(moves),
            deviations=deviations,
            silent_moves=cost % DEVIATION_COST,
            fitness=fitness,
            is_fit=fitness == 1.0,
            inserted=inserted,
            skipped=skipped,
            expanded_states=expanded,
        )


def align(log: EventLog | Variants, net: PetriNet, *, max_states: int = 1_000_000) -> AlignmentResult:
    """Optimal alignments of every variant of ``log`` with ``net``.

    Parameters
    ----------
    log
        An :class:`~crmflow.store.store.EventLog`, or ``{activity tuple: count}``.
    net
        The model; alignments end in its final marking.
    max_states
        Most search states expanded for one variant before it is flagged ``state_limit``.

    Returns
    -------
    AlignmentResult
        Log fitness, average trace fitness, the percentage of fitting cases, per-activity
        inserted/skipped counts and each variant's alignment (most frequent variant first).

    Raises
    ------
    AlignmentError
        If the final marking cannot be reached from the initial one.
    """
    counts = variant_counts(log)
    al = _Aligner(net, max_states)
    status, worst, _, _ = al.search(())
    if status != "optimal":
        key = "alignments.final_marking_unreachable_within" if status == "state_limit" else "alignments.final_marking_unreachable"
        raise error(AlignmentError, ERRORS, key, max_states=max_states)
    variants = tuple(al.align(t, n, worst) for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return summarise(variants, worst)


def summarise(variants: tuple[VariantAlignment, ...], worst: int) -> AlignmentResult:
    """Aggregate per-variant alignments (``worst``: scaled cost of the cheapest model run)."""
    done = [v for v in variants if v.status == "optimal"]
    cases = sum(v.count for v in done)
    cost = sum((v.deviations * DEVIATION_COST + v.silent_moves) * v.count for v in done)
    bwc = sum((len(v.activities) * DEVIATION_COST + worst) * v.count for v in done)
    fit = sum(v.count for v in done if v.is_fit)
    return AlignmentResult(
        log_fitness=(1.0 - cost / bwc if bwc > 0 else 0.0) if cases else 0.0,
        average_trace_fitness=sum(v.fitness * v.count for v in done) / cases if cases else 0.0,
        perc_fit_traces=100.0 * fit / cases if cases else 0.0,
        cases=cases,
        fitting_cases=fit,
        best_worst_cost=worst // DEVIATION_COST,
        unaligned_variants=len(variants) - len(done),
        activities=aggregate_deviations((v.count, v.inserted, v.skipped, {}) for v in done),
        variants=variants,
    )
