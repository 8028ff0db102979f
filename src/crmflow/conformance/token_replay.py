"""Token-based replay of a log on a Petri net, once per variant.

Each trace is replayed on the net: a visible transition with the event's label fires; when it is
not enabled, silent transitions are fired along shortest silent paths from the marked places to
its empty input places; tokens still missing are created and counted as *missing*. After the last
event the final marking is sought through silent paths; tokens left over are *remaining*, tokens
the final marking lacks are missing. With ``p`` produced, ``c`` consumed, ``m`` missing and ``r``
remaining tokens (the initial marking counts as produced, the final one as consumed), a trace's
fitness is ``0.5 * (1 - m/c) + 0.5 * (1 - r/p)``.

The log numbers follow the usual definitions (those of pm4py's ``fitness_token_based_replay``):

* ``log_fitness`` -- the same formula on the token counts summed over all cases;
* ``average_trace_fitness`` -- the mean of the trace fitnesses over cases;
* ``perc_fit_traces`` -- the percentage of cases with no missing and no remaining token
  (missing tokens of the final marking excluded, as pm4py does).

Events whose activity has no transition are skipped (they are reported in ``not_in_model`` and
as ``inserted`` deviations) and do not make a trace unfit. The silent-transition walk reproduces
the standard heuristic step by step -- candidate paths ordered by length, then by source and
target place names; at most two levels of recursion; five rounds towards the final marking -- so
the numbers agree with pm4py; only where two silent paths of equal length join the same places
may the choice differ.

Replay is deterministic given the marking and the activity, so each ``(marking, activity)`` step
is computed once per call and reused by every variant that reaches it.

>>> from crmflow.conformance.petrinet import PetriNet
>>> net = PetriNet.build(
...     places=["i", "p", "o"], transitions=[("a", "A"), ("b", "B")],
...     arcs=[("i", "a"), ("a", "p"), ("p", "b"), ("b", "o")], initial={"i": 1}, final={"o": 1},
... )
>>> res = token_replay({("A", "B"): 3, ("B",): 1}, net)
>>> res.perc_fit_traces, round(res.log_fitness, 4)
(75.0, 0.9091)
>>> res.variants[1].missing_by_activity
{'B': 1}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crmflow.conformance.petrinet import PetriNet
from crmflow.conformance.report import ActivityDeviation, Variants, aggregate_deviations, variant_counts
from crmflow.jsonable import JsonMixin

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.store.store import EventLog

_MAX_SILENT_PATH = 51  # longest silent path considered (as the standard replay's recursion bound)
_MAX_HIDDEN_DEPTH = 2  # recursion depth of the silent walk that enables a transition
_FINAL_ROUNDS = 5  # rounds of silent firing towards the final marking

_Items = tuple[tuple[int, int], ...]  # a marking as ordered (place, tokens) pairs, tokens > 0


@dataclass(frozen=True)
class VariantReplay(JsonMixin):
    """Token replay of one variant (counts are for *one* trace; ``count`` cases follow it)."""

    activities: tuple[str, ...]
    count: int
    fitness: float
    is_fit: bool
    missing: int
    consumed: int
    remaining: int
    produced: int
    missing_by_activity: dict[str, int]
    missing_at_end: int
    remaining_by_place: dict[str, int]
    not_in_model: dict[str, int]


@dataclass(frozen=True)
class TokenReplayResult(JsonMixin):
    """Token replay of a log: log-level fitness, per-activity deviations and per-variant detail.

    Token totals and per-place remaining tokens are summed over cases.
    """

    log_fitness: float
    average_trace_fitness: float
    perc_fit_traces: float
    cases: int
    fitting_cases: int
    missing: int
    consumed: int
    remaining: int
    produced: int
    activities: tuple[ActivityDeviation, ...]
    remaining_by_place: dict[str, int]
    variants: tuple[VariantReplay, ...]


class _Replayer:
    """The net compiled for replay, with the step caches of one call."""

    def __init__(self, net: PetriNet) -> None:
        self.pre = net.pre
        self.post = net.post
        self.places = net.places
        rank = {p: r for r, p in enumerate(sorted(range(len(net.places)), key=lambda i: net.places[i]))}
        self.rank = rank
        self.by_label: dict[str, list[int]] = {}
        for i, t in enumerate(net.transitions):
            if t.label is not None:
                self.by_label.setdefault(t.label, []).append(i)
        # when no transition with the label is enabled, the one with the greatest name is forced
        self.default = {lab: max(ts, key=lambda i: net.transitions[i].name) for lab, ts in self.by_label.items()}
        self.paths = self._silent_paths(net)
        self.initial: _Items = tuple((p, k) for p, k in enumerate(net.initial_marking) if k)
        self.final = {p: k for p, k in enumerate(net.final_marking) if k}
        self.final_sorted = sorted(self.final, key=rank.__getitem__)
        self.steps: dict[tuple[_Items, str], tuple[_Items, int, int, int]] = {}
        self.ends: dict[_Items, tuple[int, int, int, int, tuple[tuple[int, int], ...]]] = {}

    @staticmethod
    def _silent_paths(net: PetriNet) -> list[dict[int, tuple[int, ...]]]:
        """``paths[p][q]``: a shortest sequence of silent transitions carrying a token from p to q."""
        consumers: list[list[int]] = [[] for _ in net.places]
        for t, tr in enumerate(net.transitions):
            if tr.silent:
                for p in net.pre[t]:
                    consumers[p].append(t)
        out: list[dict[int, tuple[int, ...]]] = []
        for src in range(len(net.places)):
            best: dict[int, tuple[int, ...]] = {}
            frontier: list[tuple[int, tuple[int, ...]]] = [(src, ())]
            depth = 0
            while frontier and depth < _MAX_SILENT_PATH:
                nxt = []
                for place, path in frontier:
                    for t in consumers[place]:
                        longer = (*path, t)
                        for q in net.post[t]:
                            if q not in best:
                                best[q] = longer
                                nxt.append((q, longer))
                frontier = nxt
                depth += 1
            out.append(best)
        return out

    # ------------------------------------------------------------------ marking primitives

    def _enabled(self, m: dict[int, int], t: int) -> bool:
        return all(p in m for p in self.pre[t])

    def _fire(self, m: dict[int, int], t: int) -> None:
        for p in self.pre[t]:
            k = m[p] - 1
            if k:
                m[p] = k
            else:
                del m[p]
        for p in self.post[t]:
            m[p] = m.get(p, 0) + 1

    def _candidate_paths(self, m: dict[int, int], targets: list[int]) -> list[tuple[int, ...]]:
        rank = self.rank.__getitem__
        tg = sorted(targets, key=rank)
        found = [self.paths[a][b] for a in sorted(m, key=rank) for b in tg if b in self.paths[a]]
        found.sort(key=len)
        return found

    # ------------------------------------------------------------------ the silent walk

    def _walk(self, m: dict[int, int], groups: list[tuple[int, ...]], t: int, seen: set[int], fired: list[int]) -> None:
        """Fire the candidate paths in order until ``t`` is enabled or a path fires nothing."""
        for group in groups:
            changed = False
            for u in group:
                if u != t and u not in seen and self._enabled(m, u):
                    self._fire(m, u)
                    fired.append(u)
                    seen.add(u)
                    changed = True
                if self._enabled(m, t):
                    return
            if not changed:
                return

    def _enable(self, m: dict[int, int], t: int, seen: set[int], depth: int, fired: list[int]) -> None:
        """Try to enable ``t`` by firing silent transitions (each at most once per event)."""
        if depth >= _MAX_HIDDEN_DEPTH or t in seen:
            return
        seen.add(t)
        empty = [p for p in self.pre[t] if p not in m]
        groups = self._candidate_paths(m, empty)
        if not groups:
            return
        self._walk(m, groups, t, seen, fired)
        if self._enabled(m, t):
            return
        for group in self._candidate_paths(m, empty):
            for u in group:
                if u == t or u in seen:
                    continue
                if not self._enabled(m, u):
                    self._enable(m, u, seen, depth + 1, fired)
                if self._enabled(m, u):
                    self._fire(m, u)
                    fired.append(u)
                    seen.add(u)

    # ------------------------------------------------------------------ one event, the end

    def step(self, items: _Items, activity: str) -> tuple[_Items, int, int, int]:
        """Replay one event: the new marking and the tokens missing, consumed and produced."""
        key = (items, activity)
        hit = self.steps.get(key)
        if hit is not None:
            return hit
        m = dict(items)
        missing = consumed = produced = 0
        t = next((u for u in self.by_label[activity] if self._enabled(m, u)), self.default[activity])
        if not self._enabled(m, t):
            fired: list[int] = []
            self._enable(m, t, set(), 0, fired)
            for u in fired:
                consumed += len(self.pre[u])
                produced += len(self.post[u])
            for p in self.pre[t]:
                if p not in m:
                    m[p] = 1
                    missing += 1
        consumed += len(self.pre[t])
        produced += len(self.post[t])
        self._fire(m, t)
        out = (tuple(m.items()), missing, consumed, produced)
        self.steps[key] = out
        return out

    def _reached(self, m: dict[int, int]) -> bool:
        return all(p in m for p in self.final)

    def end(self, items: _Items) -> tuple[int, int, int, int, tuple[tuple[int, int], ...]]:
        """Move towards the final marking: consumed, produced, missing and remaining tokens, remaining per place."""
        hit = self.ends.get(items)
        if hit is not None:
            return hit
        m = dict(items)
        consumed = produced = 0

        def fire(u: int) -> None:
            nonlocal consumed, produced
            self._fire(m, u)
            consumed += len(self.pre[u])
            produced += len(self.post[u])

        for _ in range(_FINAL_ROUNDS):
            if self._reached(m):
                break
            for group in self._candidate_paths(m, self.final_sorted):
                for u in group:
                    if self._enabled(m, u):
                        fire(u)
                if self._reached(m):
                    break
        if not self._reached(m) and len(self.final) == 1:
            sink = next(iter(self.final))
            routes = sorted((self.paths[p][sink] for p in m if sink in self.paths[p]), key=len)
            for _ in range(_FINAL_ROUNDS):
                for route in routes:
                    for u in route:
                        if not self._enabled(m, u):
                            break
                        fire(u)
        missing = sum(max(0, k - m.get(p, 0)) for p, k in self.final.items())
        left = tuple((p, k - self.final.get(p, 0)) for p, k in m.items() if k > self.final.get(p, 0))
        remaining = sum(k for _, k in left)
        consumed += sum(self.final.values())
        out = (consumed, produced, missing, remaining, left)
        self.ends[items] = out
        return out

    def replay(self, trace: tuple[str, ...], count: int) -> VariantReplay:
        items = self.initial
        missing = consumed = 0
        produced = sum(k for _, k in items)
        by_activity: dict[str, int] = {}
        unknown: dict[str, int] = {}
        for a in trace:
            if a not in self.by_label:
                unknown[a] = unknown.get(a, 0) + 1
                continue
            items, dm, dc, dp = self.step(items, a)
            if dm:
                by_activity[a] = by_activity.get(a, 0) + dm
            missing += dm
            consumed += dc
            produced += dp
        dc, dp, missing_end, remaining, left = self.end(items)
        is_fit = missing == 0 and remaining == 0
        missing += missing_end
        consumed += dc
        produced += dp
        fitness = 0.5 * (1 - missing / consumed) + 0.5 * (1 - remaining / produced) if consumed and produced else 1.0
        return VariantReplay(
            activities=trace,
            count=count,
            fitness=fitness,
            is_fit=is_fit,
            missing=missing,
            consumed=consumed,
            remaining=remaining,
            produced=produced,
            missing_by_activity=by_activity,
            missing_at_end=missing_end,
            remaining_by_place={self.places[p]: k for p, k in left},
            not_in_model=unknown,
        )


def token_replay(log: EventLog | Variants, net: PetriNet) -> TokenReplayResult:
    """Replay every variant of ``log`` on ``net`` and summarise fitness and deviations.

    Parameters
    ----------
    log
        An :class:`~crmflow.store.store.EventLog`, or ``{activity tuple: count}``.
    net
        The model; its initial and final markings bound each trace.

    Returns
    -------
    TokenReplayResult
        Log fitness, average trace fitness and the percentage of fitting cases, token totals,
        per-activity missing tokens and activities missing from the model, and per-variant detail
        (most frequent variant first).
    """
    counts = variant_counts(log)
    rp = _Replayer(net)
    variants = tuple(rp.replay(trace, n) for trace, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return summarise(variants)


def summarise(variants: tuple[VariantReplay, ...]) -> TokenReplayResult:
    """Aggregate per-variant replays into log-level numbers (weighted by variant counts)."""
    cases = sum(v.count for v in variants)
    m = sum(v.missing * v.count for v in variants)
    c = sum(v.consumed * v.count for v in variants)
    r = sum(v.remaining * v.count for v in variants)
    p = sum(v.produced * v.count for v in variants)
    fit = sum(v.count for v in variants if v.is_fit)
    places: dict[str, int] = {}
    for v in variants:
        for place, k in v.remaining_by_place.items():
            places[place] = places.get(place, 0) + k * v.count
    ok = cases > 0 and c > 0 and p > 0
    return TokenReplayResult(
        log_fitness=0.5 * (1 - m / c) + 0.5 * (1 - r / p) if ok else 0.0,
        average_trace_fitness=sum(v.fitness * v.count for v in variants) / cases if ok else 0.0,
        perc_fit_traces=100.0 * fit / cases if ok else 0.0,
        cases=cases,
        fitting_cases=fit,
        missing=m,
        consumed=c,
        remaining=r,
        produced=p,
        activities=aggregate_deviations((v.count, v.not_in_model, {}, v.missing_by_activity) for v in variants),
        remaining_by_place=dict(sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))),
        variants=variants,
    )
