"""Inductive miner (IM) and its infrequent-behaviour variant (IMf), on variants.

The algorithm follows Leemans, Fahland and van der Aalst, *Discovering Block-Structured Process
Models from Event Logs* (2013) and *... Containing Infrequent Behaviour* (2014). It works on the
variants ``{activity tuple: count}`` of a log, never on its events: splitting a log into sub-logs
merges equal sub-traces, so the cost grows with the number of variants and activities.

At each step, on the directly-follows graph (DFG) of the current sub-log:

1. **base cases** -- only empty traces gives ``tau``; one activity gives the activity, or
   ``*( a, tau )`` when it repeats; empty traces beside others give ``X( tau, ... )``;
2. **cuts** -- an exclusive-choice cut (connected components), a sequence cut (strongly connected
   components ordered by reachability), a parallel cut (components of the negated DFG, each with a
   start and an end activity) and a loop cut (the start and end activities and what connects
   them form the body; the rest, entered only from end and left only to start activities, the
   redo parts); the log is split along the cut and each part is mined recursively;
3. with ``noise_threshold > 0`` (IMf), when no cut is found, the DFG edges below
   ``noise_threshold`` times the strongest outgoing edge of their source are dropped and the cuts
   are searched again; events that do not fit the cut are left out of the sub-logs;
4. **fall-throughs** -- an activity once per trace, an activity concurrent to the rest, a strict
   tau loop, a tau loop, and finally the flower model ``*( tau, X( a, b, ... ) )``.

With ``noise_threshold=0`` the discovered model replays every trace of the log.

>>> tree = discover_process_tree({("a", "b", "c"): 3, ("a", "c", "b"): 1})
>>> print(tree)
->( 'a', +( 'b', 'c' ) )
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from crmflow.conformance.petrinet import PetriNet
from crmflow.discovery.process_tree import ProcessTree, to_petri_net
from crmflow.errors import CrmflowError
from crmflow.mining.variants import VariantTable, get_variants

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.store.store import EventLog

Trace = tuple[str, ...]
Log = dict[Trace, int]
Groups = list[frozenset[str]]
LogLike = Union["EventLog", "VariantTable", Mapping[Sequence[str], int]]


class DiscoveryError(CrmflowError):
    """Process discovery cannot run as asked (an empty log, a noise threshold out of range…)."""


@dataclass(frozen=True)
class _Dfg:
    """The directly-follows graph of a sub-log, with start and end activity counts."""

    edges: dict[tuple[str, str], int]
    start: dict[str, int]
    end: dict[str, int]
    activities: frozenset[str]

    @classmethod
    def of(cls, log: Log) -> _Dfg:
        edges: Counter[tuple[str, str]] = Counter()
        start: Counter[str] = Counter()
        end: Counter[str] = Counter()
        acts: set[str] = set()
        for trace, n in log.items():
            if not trace:
                continue
            start[trace[0]] += n
            end[trace[-1]] += n
            acts.update(trace)
            for pair in zip(trace, trace[1:], strict=False):
                edges[pair] += n
        return cls(dict(edges), dict(start), dict(end), frozenset(acts))

    def filtered(self, noise: float) -> _Dfg:
        """IMf: keep only edges above ``noise`` × the strongest outgoing edge of their source.

        Ending a trace counts as an outgoing edge (to the end of the process), so an activity that
        mostly ends cases keeps only its strong successors. Start activities are filtered against
        the most frequent start activity; end activities are kept.
        """
        strongest: dict[str, int] = defaultdict(int, self.end)
        for (a, _), n in self.edges.items():
            strongest[a] = max(strongest[a], n)
        edges = {e: n for e, n in self.edges.items() if n > noise * strongest[e[0]]}
        top = max(self.start.values(), default=0)
        start = {a: n for a, n in self.start.items() if n >= noise * top}
        return _Dfg(edges, start, dict(self.end), self.activities)

    def successors(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {a: set() for a in self.activities}
        for a, b in self.edges:
            out[a].add(b)
        return out


# -- cut detection ------------------------------------------------------------------------------


def _components(nodes: Iterable[str], links: Iterable[tuple[str, str]]) -> Groups:
    """Connected components of an undirected graph (union-find), in a stable order."""
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[str, set[str]] = {}
    for n in sorted(parent):
        groups.setdefault(find(n), set()).add(n)
    return [frozenset(g) for g in groups.values()]


def _xor_cut(dfg: _Dfg) -> Groups | None:
    groups = _components(dfg.activities, dfg.edges)
    return groups if len(groups) > 1 else None


def _sccs(nodes: list[str], succ: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (iterative Tarjan), in reverse topological order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(succ[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(succ[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
    return out


def _sequence_cut(dfg: _Dfg) -> Groups | None:
    """SCCs merged while pairwise unreachable; the merged groups are totally ordered."""
    succ = dfg.successors()
    comps = _sccs(sorted(dfg.activities), succ)
    if len(comps) < 2:
        return None
    comps.reverse()  # topological order
    k = len(comps)
    comp_of = {a: i for i, c in enumerate(comps) for a in c}
    reach = [0] * k  # bitset of components reachable from component i (i itself excluded)
    for i in range(k - 1, -1, -1):
        bits = 0
        for a in comps[i]:
            for b in succ[a]:
                j = comp_of[b]
                if j != i:
                    bits |= (1 << j) | reach[j]
        reach[i] = bits
    links = [(str(i), str(j)) for i in range(k) for j in range(i + 1, k) if not (reach[i] >> j) & 1 and not (reach[j] >> i) & 1]
    merged = _components([str(i) for i in range(k)], links)
    if len(merged) < 2:
        return None
    order = sorted(merged, key=lambda g: min(int(i) for i in g))  # topological order is preserved
    return _strict([frozenset(a for i in g for a in comps[int(i)]) for g in order], dfg)


def _strict(groups: Groups, dfg: _Dfg) -> Groups | None:
    """Leemans' strict sequence cut: a group that can be skipped absorbs its tightly bound neighbours.

    When group ``p`` can be skipped (an edge jumps over it, a later group starts a trace or an
    earlier one ends it), the groups just before ``p`` whose edges all stay at or before ``p`` and
    the groups just after it reached only from ``p`` or later are merged into ``p``: skipping them
    happens together, and cutting them apart would let the model skip each one separately.
    """
    k = len(groups)
    where = {a: i for i, g in enumerate(groups) for a in g}
    first_from = [-1 if g & dfg.start.keys() else k for g in groups]  # lowest group with an edge into i
    last_to = [k if g & dfg.end.keys() else -1 for g in groups]  # highest group i has an edge into
    jumps_over = [False] * k
    for a, b in dfg.edges:
        i, j = where[a], where[b]
        first_from[j] = min(first_from[j], i)
        last_to[i] = max(last_to[i], j)
        for p in range(i + 1, j):
            jumps_over[p] = True
    skippable = [
        jumps_over[p]
        or any(groups[q] & dfg.start.keys() for q in range(p + 1, k))
        or any(groups[q] & dfg.end.keys() for q in range(p))
        for p in range(k)
    ]
    merged = [set(g) for g in groups]
    for p in range(k):
        if not skippable[p]:
            continue
        q = p - 1
        while q >= 0 and last_to[q] <= p:
            merged[p] |= merged[q]
            merged[q] = set()
            q -= 1
        q = p + 1
        while q < k and first_from[q] >= p:
            merged[p] |= merged[q]
            merged[q] = set()
            q += 1
    out = [frozenset(g) for g in merged if g]
    return out if len(out) > 1 else None


def _parallel_cut(dfg: _Dfg) -> Groups | None:
    """Components of the negated DFG; every group must hold a start and an end activity."""
    acts = sorted(dfg.activities)
    e = dfg.edges
    links = [(a, b) for i, a in enumerate(acts) for b in acts[i + 1 :] if (a, b) not in e or (b, a) not in e]
    groups = _components(acts, links)
    good = [g for g in groups if g & dfg.start.keys() and g & dfg.end.keys()]
    bad = [g for g in groups if g not in good]
    if not good:
        return None
    if bad:  # a group without a start or an end activity cannot run on its own: join it to one that can
        good[0] = good[0].union(*bad)
    return good if len(good) > 1 else None


def _loop_cut(dfg: _Dfg) -> Groups | None:
    """Body: start and end activities and what links them; redo parts: the remaining components."""
    start, end = set(dfg.start), set(dfg.end)
    body = start | end
    if not body:
        return None
    rest = dfg.activities - body
    comps = _components(rest, [(a, b) for a, b in dfg.edges if a in rest and b in rest])
    redo = list(comps)
    changed = True
    while changed:
        changed = False
        for c in list(redo):
            if not _fits_redo(c, dfg, start, end, body):
                redo.remove(c)
                body |= c
                changed = True
    if not redo:
        return None
    return [frozenset(body), *redo]


def _fits_redo(c: frozenset[str], dfg: _Dfg, start: set[str], end: set[str], body: set[str]) -> bool:
    """Can component ``c`` be a redo part: entered from every end activity, leaving to every start one?"""
    for a, b in dfg.edges:
        if a in c and b not in c:
            if b not in start:  # a redo part may only hand over to a start activity of the body
                return False
        elif b in c and a not in c and a not in end:  # ...and may only be entered from an end activity
            return False
    for x in c:
        if any((x, s) in dfg.edges for s in start) and not all((x, s) in dfg.edges for s in start):
            return False
        if any((e, x) in dfg.edges for e in end) and not all((e, x) in dfg.edges for e in end):
            return False
    return any((x, s) in dfg.edges for x in c for s in start) and any((e, x) in dfg.edges for e in end for x in c)


# -- splitting a log along a cut ---------------------------------------------------------------


def _add(log: Log, trace: Trace, n: int) -> None:
    log[trace] = log.get(trace, 0) + n


def _split_xor(log: Log, groups: Groups) -> list[Log]:
    subs: list[Log] = [{} for _ in groups]
    for trace, n in log.items():
        # the group holding most of the trace's events (all of them, unless IMf filtered the cut)
        i = max(range(len(groups)), key=lambda j: (sum(a in groups[j] for a in trace), -j))
        _add(subs[i], tuple(a for a in trace if a in groups[i]), n)
    return subs


def _split_sequence(log: Log, groups: Groups) -> list[Log]:
    where = {a: i for i, g in enumerate(groups) for a in g}
    subs: list[Log] = [{} for _ in groups]
    for trace, n in log.items():
        kept = _longest_monotone(tuple(where[a] for a in trace))
        for i in range(len(groups)):
            _add(subs[i], tuple(a for a, k in zip(trace, kept, strict=True) if k and where[a] == i), n)
    return subs


def _longest_monotone(seq: tuple[int, ...]) -> list[bool]:
    """Mark a longest subsequence with non-decreasing group numbers (the events a sequence cut keeps)."""
    if all(x <= y for x, y in zip(seq, seq[1:], strict=False)):
        return [True] * len(seq)
    # tails[L] = smallest last value of a non-decreasing subsequence of length L+1 (patience sorting)
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, x in enumerate(seq):
        pos = bisect.bisect_right(tails, x)
        prev[i] = tail_idx[pos - 1] if pos else -1
        if pos == len(tails):
            tails.append(x)
            tail_idx.append(i)
        else:
            tails[pos], tail_idx[pos] = x, i
    keep = [False] * len(seq)
    i = tail_idx[-1]
    while i >= 0:
        keep[i] = True
        i = prev[i]
    return keep


def _split_parallel(log: Log, groups: Groups) -> list[Log]:
    subs: list[Log] = [{} for _ in groups]
    for trace, n in log.items():
        for i, g in enumerate(groups):
            _add(subs[i], tuple(a for a in trace if a in g), n)
    return subs


def _split_loop(log: Log, groups: Groups) -> list[Log]:
    """Cut each trace into runs; body runs go to the do-log, the others to their redo-log.

    A trace that starts or ends in a redo part, or passes between two redo parts directly
    (possible only when IMf filtered the cut), gets an empty body run there.
    """
    where = {a: i for i, g in enumerate(groups) for a in g}
    subs: list[Log] = [{} for _ in groups]
    for trace, n in log.items():
        runs: list[tuple[int, list[str]]] = []
        for a in trace:
            g = where[a]
            if runs and runs[-1][0] == g:
                runs[-1][1].append(a)
            else:
                if g != 0 and (not runs or runs[-1][0] != 0):
                    runs.append((0, []))
                runs.append((g, [a]))
        if not runs or runs[-1][0] != 0:
            runs.append((0, []))
        for g, run in runs:
            _add(subs[g], tuple(run), n)
    return subs


# -- the miner ----------------------------------------------------------------------------------

_CUTS: tuple[tuple[str, Callable[[_Dfg], Groups | None], Callable[[Log, Groups], list[Log]]], ...] = (
    ("xor", _xor_cut, _split_xor),
    ("sequence", _sequence_cut, _split_sequence),
    ("parallel", _parallel_cut, _split_parallel),
    ("loop", _loop_cut, _split_loop),
)


def _find_cut(dfg: _Dfg) -> tuple[str, Groups, Callable[[Log, Groups], list[Log]]] | None:
    for op, detect, split in _CUTS:
        groups = detect(dfg)
        if groups is not None:
            return op, groups, split
    return None


class _Miner:
    def __init__(self, noise: float) -> None:
        self.noise = noise

    def mine(self, log: Log) -> ProcessTree:
        total = sum(log.values())
        empty = log.get((), 0)
        if empty == total:
            return ProcessTree.tau()
        if empty:
            rest = {t: n for t, n in log.items() if t}
            if empty < self.noise * total:  # IMf: too few empty traces to model
                return self.mine(rest)
            return ProcessTree.xor(ProcessTree.tau(), self.mine(rest))
        dfg = _Dfg.of(log)
        if len(dfg.activities) == 1:
            (a,) = dfg.activities
            if all(len(t) == 1 for t in log):
                return ProcessTree.leaf(a)
            return ProcessTree.loop(ProcessTree.leaf(a), ProcessTree.tau())
        cut = _find_cut(dfg)
        if cut is None and self.noise > 0:
            cut = _find_cut(dfg.filtered(self.noise))
        if cut is not None:
            op, groups, split = cut
            return self._node(op, [self.mine(sub) for sub in split(log, groups)])
        return self._fall_through(log, dfg)

    @staticmethod
    def _node(op: str, children: list[ProcessTree]) -> ProcessTree:
        if op == "loop":
            redo = ProcessTree.xor(*children[1:])
            return ProcessTree.loop(children[0], redo)
        return {"xor": ProcessTree.xor, "sequence": ProcessTree.sequence, "parallel": ProcessTree.parallel}[op](*children)

    def _fall_through(self, log: Log, dfg: _Dfg) -> ProcessTree:
        acts = sorted(dfg.activities)
        # activity once per trace: it runs in parallel with everything else
        for a in acts:
            if all(t.count(a) == 1 for t in log):
                return ProcessTree.parallel(ProcessTree.leaf(a), self.mine(_project(log, dfg.activities - {a})))
        # activity concurrent: leaving one activity out reveals a cut of the rest
        for a, without in _dfgs_without_each(log, dfg):
            if _find_cut(without) is not None:
                rest = _project(log, dfg.activities - {a})
                return ProcessTree.parallel(self.mine(_project(log, frozenset({a}))), self.mine(rest))
        start, end = set(dfg.start), set(dfg.end)
        strict = _split_at(log, lambda t, i: t[i - 1] in end and t[i] in start)
        if strict is not None:
            return ProcessTree.loop(self.mine(strict), ProcessTree.tau())
        loose = _split_at(log, lambda t, i: t[i] in start)
        if loose is not None:
            return ProcessTree.loop(self.mine(loose), ProcessTree.tau())
        return ProcessTree.loop(ProcessTree.tau(), ProcessTree.xor(*(ProcessTree.leaf(a) for a in acts)))


def _dfgs_without_each(log: Log, dfg: _Dfg) -> Iterator[tuple[str, _Dfg]]:
    """For each activity ``a`` (sorted), the DFG of the log with ``a`` left out, from one pass.

    Leaving out a run of ``a`` between ``x`` and ``y`` removes the edges into and out of ``a``
    and adds the edge ``x -> y``; a run at the start of a trace makes ``y`` a start activity,
    a run at its end makes ``x`` an end activity.
    """
    bridges: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    starts: dict[str, Counter[str]] = defaultdict(Counter)
    ends: dict[str, Counter[str]] = defaultdict(Counter)
    for trace, n in log.items():
        i, m = 0, len(trace)
        while i < m:
            a, j = trace[i], i + 1
            while j < m and trace[j] == a:
                j += 1
            if i > 0 and j < m:
                bridges[a][trace[i - 1], trace[j]] += n
            elif i == 0 and j < m:
                starts[a][trace[j]] += n
            elif i > 0 and j == m:
                ends[a][trace[i - 1]] += n
            i = j
    for a in sorted(dfg.activities):
        edges = Counter({e: k for e, k in dfg.edges.items() if a not in e})
        edges.update(bridges[a])
        start = Counter({b: k for b, k in dfg.start.items() if b != a})
        start.update(starts[a])
        end = Counter({b: k for b, k in dfg.end.items() if b != a})
        end.update(ends[a])
        yield a, _Dfg(dict(edges), dict(start), dict(end), dfg.activities - {a})


def _project(log: Log, keep: frozenset[str]) -> Log:
    out: Log = {}
    for trace, n in log.items():
        _add(out, tuple(a for a in trace if a in keep), n)
    return out


def _split_at(log: Log, cut_before: Callable[[Trace, int], bool]) -> Log | None:
    """Split every trace before each position ``i`` where ``cut_before(trace, i)``; None if none does."""
    out: Log = {}
    split = False
    for trace, n in log.items():
        last = 0
        for i in range(1, len(trace)):
            if cut_before(trace, i):
                _add(out, trace[last:i], n)
                last, split = i, True
        _add(out, trace[last:], n)
    return out if split else None


def _as_variants(log_or_variants: LogLike) -> Log:
    if isinstance(log_or_variants, Mapping):
        out: Log = {}
        for trace, n in log_or_variants.items():
            if isinstance(trace, str):
                raise DiscoveryError(
                    f"a variant must be a sequence of activities, got the string {trace!r}; write it as a tuple, e.g. ('a', 'b')"
                )
            if int(n) < 0:
                raise DiscoveryError(f"variant {tuple(trace)!r} has a negative count ({n})")
            if n:
                _add(out, tuple(str(a) for a in trace), int(n))
        return out
    counts = getattr(log_or_variants, "counts", None)
    if callable(counts):  # a VariantTable
        return dict(counts())
    return get_variants(log_or_variants).counts()  # type: ignore[arg-type]


def discover_process_tree(log_or_variants: LogLike, *, noise_threshold: float = 0.0) -> ProcessTree:
    """Discover a process tree with the inductive miner (IMf when ``noise_threshold > 0``).

    Parameters
    ----------
    log_or_variants
        An :class:`~crmflow.store.store.EventLog`, a :class:`~crmflow.mining.variants.VariantTable`,
        or a mapping ``{activity tuple: number of cases}``.
    noise_threshold
        In ``[0, 1)``. ``0`` is the plain inductive miner: the model replays every trace. Above 0,
        directly-follows edges weaker than ``noise_threshold`` times the strongest outgoing edge of
        their source are ignored when no cut is found on the full graph, which simplifies the model
        at the price of infrequent behaviour.

    Returns
    -------
    ProcessTree
        A block-structured, sound model.

    Raises
    ------
    DiscoveryError
        If the log has no case, or ``noise_threshold`` is outside ``[0, 1)``.

    Examples
    --------
    >>> print(discover_process_tree({("a", "b"): 5, ("a", "c"): 2}))
    ->( 'a', X( 'b', 'c' ) )
    >>> print(discover_process_tree({("a", "b", "a", "b"): 1, ("a", "b"): 1}))
    *( ->( 'a', 'b' ), tau )
    """
    if not 0.0 <= noise_threshold < 1.0:
        raise DiscoveryError(f"noise_threshold must be in [0, 1), got {noise_threshold!r}")
    log = _as_variants(log_or_variants)
    if not log:
        raise DiscoveryError("cannot discover a model from a log without cases; check the filters applied to it")
    return _Miner(noise_threshold).mine(log)


def discover_petri_net(log_or_variants: LogLike, *, noise_threshold: float = 0.0) -> PetriNet:
    """Discover a sound workflow net with the inductive miner.

    The same as ``to_petri_net(discover_process_tree(...))``; see :func:`discover_process_tree`.

    Examples
    --------
    >>> net = discover_petri_net({("a", "b"): 5, ("a", "c"): 2})
    >>> sorted(net.labels)
    ['a', 'b', 'c']
    """
    return to_petri_net(discover_process_tree(log_or_variants, noise_threshold=noise_threshold))


__all__ = ["DiscoveryError", "discover_petri_net", "discover_process_tree"]
