"""Inductive miner (IM) and its infrequent-behaviour variant (IMf), on variants.

The algorithm follows Leemans, Fahland and van der Aalst, *Discovering Block-Structured Process
Models from Event Logs* (2013) and *... Containing Infrequent Behaviour* (2014). It works on the
variants of a log, never on its events, held columnar (:class:`crmflow.discovery.sublog.SubLog`:
the activity codes of every variant in one array, their counts in another) so that each
directly-follows graph and each split along a cut is a few vectorised passes; the cost grows with
the events of the variants, not of the log.

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

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Union

from crmflow.conformance.petrinet import PetriNet
from crmflow.discovery.error_messages import ERRORS
from crmflow.discovery.process_tree import ProcessTree, to_petri_net
from crmflow.discovery.sublog import Dfg, Groups, SubLog
from crmflow.errors import CrmflowError
from crmflow.i18n import error
from crmflow.mining.variants import VariantTable, get_variants

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.store.store import EventLog

LogLike = Union["EventLog", "VariantTable", Mapping[Sequence[str], int]]


class DiscoveryError(CrmflowError):
    """Process discovery cannot run as asked (an empty log, a noise threshold out of range…)."""


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


def _xor_cut(dfg: Dfg) -> Groups | None:
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


def _sequence_cut(dfg: Dfg) -> Groups | None:
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


def _strict(groups: Groups, dfg: Dfg) -> Groups | None:
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


def _parallel_cut(dfg: Dfg) -> Groups | None:
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


def _loop_cut(dfg: Dfg) -> Groups | None:
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


def _fits_redo(c: frozenset[str], dfg: Dfg, start: set[str], end: set[str], body: set[str]) -> bool:
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


# -- the miner ----------------------------------------------------------------------------------

_CUTS: tuple[tuple[str, Callable[[Dfg], Groups | None], Callable[[SubLog, Groups], list[SubLog]]], ...] = (
    ("xor", _xor_cut, SubLog.split_xor),
    ("sequence", _sequence_cut, SubLog.split_sequence),
    ("parallel", _parallel_cut, SubLog.split_parallel),
    ("loop", _loop_cut, SubLog.split_loop),
)


def _find_cut(dfg: Dfg) -> tuple[str, Groups, Callable[[SubLog, Groups], list[SubLog]]] | None:
    for op, detect, split in _CUTS:
        groups = detect(dfg)
        if groups is not None:
            return op, groups, split
    return None


class _Miner:
    def __init__(self, noise: float) -> None:
        self.noise = noise

    def mine(self, log: SubLog) -> ProcessTree:
        log = log.merged()  # the parts of a split repeat the same traces: mine each different one once
        total = log.total
        empty = log.empty
        if empty == total:
            return ProcessTree.tau()
        if empty:
            rest = log.nonempty()
            if empty < self.noise * total:  # IMf: too few empty traces to model
                return self.mine(rest)
            return ProcessTree.xor(ProcessTree.tau(), self.mine(rest))
        dfg = log.dfg()
        if len(dfg.activities) == 1:
            (a,) = dfg.activities
            if bool((log.lengths == 1).all()):
                return ProcessTree.leaf(a)
            return ProcessTree.loop(ProcessTree.leaf(a), ProcessTree.tau())
        cut = _find_cut(dfg)
        if cut is None and self.noise > 0:
            cut = _find_cut(dfg.filtered(self.noise))
        if cut is not None:
            op, groups, split = cut
            parts = split(log, groups)
            log.drop_caches()
            del log, dfg
            # each part is let go once mined, so that only the parts still to come are held
            return self._node(op, [self.mine(parts.pop(0)) for _ in range(len(parts))])
        return self._fall_through(log, dfg)

    @staticmethod
    def _node(op: str, children: list[ProcessTree]) -> ProcessTree:
        if op == "loop":
            redo = ProcessTree.xor(*children[1:])
            return ProcessTree.loop(children[0], redo)
        return {"xor": ProcessTree.xor, "sequence": ProcessTree.sequence, "parallel": ProcessTree.parallel}[op](*children)

    def _fall_through(self, log: SubLog, dfg: Dfg) -> ProcessTree:
        acts = sorted(dfg.activities)
        # activity once per trace: it runs in parallel with everything else
        once = log.once_in_every_trace()
        if once:
            a = once[0]
            return ProcessTree.parallel(ProcessTree.leaf(a), self.mine(log.project(dfg.activities - {a})))
        # activity concurrent: leaving one activity out reveals a cut of the rest
        for a in acts:
            rest = log.project(dfg.activities - {a})
            if _find_cut(rest.dfg()) is not None:
                return ProcessTree.parallel(self.mine(log.project(frozenset({a}))), self.mine(rest))
        start, end = log.code_mask(set(dfg.start)), log.code_mask(set(dfg.end))
        strict = log.split_at(lambda before, at: end[before] & start[at])
        if strict is not None:
            return ProcessTree.loop(self.mine(strict), ProcessTree.tau())
        loose = log.split_at(lambda _before, at: start[at])
        if loose is not None:
            return ProcessTree.loop(self.mine(loose), ProcessTree.tau())
        return ProcessTree.loop(ProcessTree.tau(), ProcessTree.xor(*(ProcessTree.leaf(a) for a in acts)))


def _as_sublog(log_or_variants: LogLike) -> SubLog:
    if isinstance(log_or_variants, Mapping):
        out: dict[tuple[str, ...], int] = {}
        for trace, n in log_or_variants.items():
            if isinstance(trace, str):
                raise error(DiscoveryError, ERRORS, "inductive.variant_must_sequence_activities", trace=trace)
            if int(n) < 0:
                raise error(DiscoveryError, ERRORS, "inductive.variant_has_negative_count", value=tuple(trace), n=n)
            if n:
                key = tuple(str(a) for a in trace)
                out[key] = out.get(key, 0) + int(n)
        return SubLog.from_counts(out)
    table = log_or_variants if isinstance(log_or_variants, VariantTable) else get_variants(log_or_variants)
    return SubLog.from_arrow(table.table["activities"], table.table["count"], table.names, distinct=True)  # one row per variant


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
        raise error(DiscoveryError, ERRORS, "inductive.noise_threshold_must_got", noise_threshold=noise_threshold)
    log = _as_sublog(log_or_variants)
    if not len(log.weights):
        raise error(DiscoveryError, ERRORS, "inductive.cannot_discover_model_from")
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
