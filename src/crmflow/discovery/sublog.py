"""The inductive miner's (sub-)logs, held columnar: one array of activity codes, trace boundaries, weights.

:mod:`crmflow.discovery.inductive` splits a log along each cut it finds and mines every part again.
Held as ``{activity tuple: count}`` that costs a Python loop over every event of every variant at
every step (seconds on the 15,000 variants of a 1 M-event CRM export, minutes on 10 M). A
:class:`SubLog` keeps the same multiset of traces as numpy arrays -- the activity codes of all
events one after the other, where each trace starts, how many cases follow it -- so that the
directly-follows graph, the splits along a cut and the projections are a few vectorised passes.
Equal traces need not be merged: every decision of the miner depends only on the multiset of
traces, so ``{("a", "b"): 3}`` and three traces ``("a", "b")`` of weight 1 mine the same model.

Activity codes index :attr:`SubLog.names`, which is sorted, so that codes in increasing order are
activities in name order (the order the cuts iterate in).

>>> log = SubLog.from_counts({("a", "b"): 3, ("a", "c", "b"): 1})
>>> dfg = log.dfg()
>>> sorted(dfg.edges.items())
[(('a', 'b'), 3), (('a', 'c'), 1), (('c', 'b'), 1)]
>>> [sub.counts() for sub in log.split_sequence([frozenset("a"), frozenset("bc")])]
[{('a',): 4}, {('b',): 3, ('c', 'b'): 1}]
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Groups = list[frozenset[str]]


@dataclass(frozen=True)
class Dfg:
    """The directly-follows graph of a sub-log, with start and end activity counts."""

    edges: dict[tuple[str, str], int]
    start: dict[str, int]
    end: dict[str, int]
    activities: frozenset[str]

    def filtered(self, noise: float) -> Dfg:
        """IMf: keep only edges above ``noise`` × the strongest outgoing edge of their source.

        Ending a trace counts as an outgoing edge (to the end of the process), so an activity that
        mostly ends cases keeps only its strong successors. Start activities are filtered against
        the most frequent start activity; end activities are kept.
        """
        strongest: dict[str, int] = dict(self.end)
        for (a, _), n in self.edges.items():
            strongest[a] = max(strongest.get(a, 0), n)
        edges = {e: n for e, n in self.edges.items() if n > noise * strongest[e[0]]}
        top = max(self.start.values(), default=0)
        start = {a: n for a, n in self.start.items() if n >= noise * top}
        return Dfg(edges, start, dict(self.end), self.activities)

    def successors(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {a: set() for a in self.activities}
        for a, b in self.edges:
            out[a].add(b)
        return out


def _int_array(a: pa.Array) -> np.ndarray:
    """A fixed-width integer Arrow array as numpy, nulls as 0, read from its buffers.

    Not ``to_numpy``/``np.asarray``/``fill_null``: pyarrow imports pandas for those (~0.25 s, a tenth of a
    1 M-event audit, which needs pandas nowhere else).
    """
    if not pa.types.is_signed_integer(a.type):
        a = a.cast(pa.int64())
    dtype = np.dtype(f"int{a.type.bit_width}")
    validity, data = a.buffers()[:2]
    if data is None or len(a) == 0:
        return np.zeros(len(a), dtype=dtype)
    values = np.frombuffer(data, dtype=dtype, count=len(a) + a.offset)[a.offset :]
    if a.null_count == 0 or validity is None:
        return values
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[a.offset : a.offset + len(a)]
    return np.where(bits.astype(bool), values, 0)


def _offsets(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def _index_dtype(n: int) -> type[np.signedinteger]:
    """The narrowest of int32 and int64 that holds every index below ``n``."""
    return np.int32 if n < 2**31 else np.int64


def _counts_by(keys: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Sum of ``weights`` per key in ``range(size)`` (exact: the sums stay far below 2**53)."""
    if not len(keys):
        return np.zeros(size, dtype=np.int64)
    return np.rint(np.bincount(keys, weights=weights, minlength=size)).astype(np.int64)


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


@dataclass(frozen=True, eq=False)
class SubLog:
    """A multiset of traces: ``codes[starts[i]:starts[i + 1]]`` is trace ``i``, followed by ``weights[i]`` cases.

    Parameters
    ----------
    codes
        Activity codes of every event, trace after trace (indexes into ``names``).
    starts
        ``len(weights) + 1`` offsets into ``codes``.
    weights
        Cases per trace (positive).
    names
        Activity names by code, sorted.
    distinct
        Known to hold no two equal traces (the variants of a log; :meth:`merged`).
    """

    codes: np.ndarray
    starts: np.ndarray
    weights: np.ndarray
    names: tuple[str, ...]
    distinct: bool = False

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def from_counts(cls, log: Mapping[tuple[str, ...], int]) -> SubLog:
        """From ``{activity tuple: count}`` (validated by the caller)."""
        names = tuple(sorted({a for trace in log for a in trace}))
        code = {a: i for i, a in enumerate(names)}
        traces = list(log)
        flat = [code[a] for trace in traces for a in trace]
        return cls(
            codes=np.asarray(flat, dtype=np.int32),
            starts=_offsets(np.asarray([len(t) for t in traces], dtype=np.int64)),
            weights=np.asarray([log[t] for t in traces], dtype=np.int64),
            names=names,
            distinct=True,
        )

    @classmethod
    def from_arrow(
        cls,
        activities: pa.ChunkedArray | pa.Array,
        counts: pa.ChunkedArray | pa.Array,
        names: Sequence[str],
        *,
        distinct: bool = False,
    ) -> SubLog:
        """From a list column of activity codes (indexes into ``names``) and a count column: a variant table.

        ``distinct``: the lists are known to be different from each other (a log's variants).
        """
        if isinstance(activities, pa.ChunkedArray):
            activities = activities.combine_chunks() if activities.num_chunks else pa.array([], pa.list_(pa.int32()))
        if isinstance(counts, pa.ChunkedArray):
            counts = counts.combine_chunks() if counts.num_chunks else pa.array([], pa.int64())
        order = sorted(range(len(names)), key=lambda i: names[i])
        recode = np.empty(max(len(names), 1), dtype=np.int32)
        recode[order] = np.arange(len(order), dtype=np.int32)  # store code -> code in name order
        # a null list has no length; a null count weighs nothing
        flat = _int_array(pc.list_flatten(activities)).astype(np.int64, copy=False)
        lengths = _int_array(pc.list_value_length(activities))
        weights = _int_array(counts).astype(np.int64)
        keep = weights > 0
        log = cls(
            codes=recode[flat] if len(flat) else np.zeros(0, dtype=np.int32),
            starts=_offsets(lengths.astype(np.int64)),
            weights=weights,
            names=tuple(names[i] for i in order),
            distinct=distinct,
        )
        return log if keep.all() else log._select_traces(keep)

    def counts(self) -> dict[tuple[str, ...], int]:
        """``{activity tuple: count}`` (equal traces merged) -- for tests and small logs."""
        out: dict[tuple[str, ...], int] = {}
        names, codes, starts = self.names, self.codes.tolist(), self.starts.tolist()
        for i, w in enumerate(self.weights.tolist()):
            trace = tuple(names[c] for c in codes[starts[i] : starts[i + 1]])
            out[trace] = out.get(trace, 0) + w
        return out

    # -- shape ------------------------------------------------------------------------------------

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.diff(self.starts)

    @cached_property
    def trace_of(self) -> np.ndarray:
        """The trace of each event (32-bit while the traces fit: the miner holds one per sub-log it descends into)."""
        return np.repeat(np.arange(len(self.weights), dtype=_index_dtype(len(self.weights))), self.lengths)

    def drop_caches(self) -> None:
        """Forget the per-event arrays computed from the codes (they are computed again when asked for): the
        miner calls it on a log it has split, whose parts are mined while it waits."""
        for name in ("trace_of", "follows", "positions"):
            self.__dict__.pop(name, None)

    @cached_property
    def follows(self) -> np.ndarray:
        """``follows[j]``: event ``j + 1`` is in the same trace as event ``j`` (length ``len(codes) - 1``)."""
        t = self.trace_of
        return t[1:] == t[:-1]

    @property
    def total(self) -> int:
        return int(self.weights.sum())

    @property
    def empty(self) -> int:
        """Cases whose trace is empty."""
        return int(self.weights[self.lengths == 0].sum())

    def code_mask(self, activities: frozenset[str] | set[str]) -> np.ndarray:
        """A boolean per code: is its activity in ``activities``."""
        mask = np.zeros(len(self.names), dtype=bool)
        mask[[i for i, a in enumerate(self.names) if a in activities]] = True
        return mask

    def _group_of(self, groups: Groups) -> np.ndarray:
        """The group of each event (every activity of the log is in one of ``groups``)."""
        gmap = np.full(len(self.names), -1, dtype=np.int64)
        for i, g in enumerate(groups):
            gmap[[c for c, a in enumerate(self.names) if a in g]] = i
        return gmap[self.codes]

    # -- the directly-follows graph ---------------------------------------------------------------

    def dfg(self) -> Dfg:
        """Edges, start and end activities of the non-empty traces, weighted by their cases."""
        n = len(self.names)
        present = np.flatnonzero(np.bincount(self.codes, minlength=n)) if len(self.codes) else np.zeros(0, np.int64)
        # every pair of neighbouring events, weighted by its trace's cases, or by 0 across two traces (no copies
        # of the pairs that follow each other: fewer passes over the events)
        pairs = self.codes[:-1].astype(np.int64) * n + self.codes[1:]
        edges = _counts_by(pairs, self.weights[self.trace_of[1:]] * self.follows, n * n)
        nonempty = self.lengths > 0
        first = self.codes[self.starts[:-1][nonempty]]
        last = self.codes[self.starts[1:][nonempty] - 1]
        w = self.weights[nonempty]
        start, end = _counts_by(first, w, n), _counts_by(last, w, n)
        names = self.names
        return Dfg(
            edges={(names[k // n], names[k % n]): int(edges[k]) for k in np.flatnonzero(edges).tolist()},
            start={names[a]: int(start[a]) for a in np.flatnonzero(start).tolist()},
            end={names[a]: int(end[a]) for a in np.flatnonzero(end).tolist()},
            activities=frozenset(names[a] for a in present.tolist()),
        )

    # -- building sub-logs ------------------------------------------------------------------------

    @cached_property
    def positions(self) -> np.ndarray:
        """Each event's place in its trace (0 for the first)."""
        at = np.arange(len(self.codes), dtype=np.int64) - self.starts[:-1][self.trace_of]
        return at.astype(_index_dtype(len(self.codes)), copy=False)

    def _trace_keys(self) -> np.ndarray:
        """A 64-bit hash of each trace: its codes as a polynomial, and its length (equal traces, equal keys)."""
        lengths = self.lengths
        with np.errstate(over="ignore"):  # the arithmetic wraps modulo 2**64 on purpose
            powers = np.cumprod(np.full(int(lengths.max(initial=0)) + 1, 0x9E3779B97F4A7C15, dtype=np.uint64))
            terms = (self.codes.astype(np.uint64) + np.uint64(1)) * powers[self.positions]
            prefix = np.zeros(len(terms) + 1, dtype=np.uint64)
            np.cumsum(terms, out=prefix[1:])
            return (prefix[self.starts[1:]] - prefix[self.starts[:-1]]) ^ (
                lengths.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
            )

    def merged(self) -> SubLog:
        """The same multiset of traces with equal traces merged into one (their weights added).

        A split or a projection of the variants repeats the same short traces over and over (on the
        10 M-event scaled log, a sub-log of 314,559 traces held 1,629 different ones; one of 181,979 held 9):
        merged, the sub-log costs what its different traces cost. Traces are told apart by a 64-bit hash of
        their codes, then every trace is compared code by code with the first trace of its hash; were two
        different traces to share a hash, nothing is merged. Traces keep the order of their first occurrence.

        >>> log = SubLog.from_counts({("a", "b"): 1, ("b",): 2}).split_parallel([frozenset("a"), frozenset("b")])[1]
        >>> len(log.weights), log.counts(), len(log.merged().weights), log.merged().counts()
        (2, {('b',): 3}, 1, {('b',): 3})
        """
        t = len(self.weights)
        if self.distinct:
            return self
        if t < 2:
            return SubLog(self.codes, self.starts, self.weights, self.names, distinct=True)
        lengths, trace, pos = self.lengths, self.trace_of, self.positions
        keys = self._trace_keys()
        _, first, group = np.unique(keys, return_index=True, return_inverse=True)
        if len(first) == t:
            return SubLog(self.codes, self.starts, self.weights, self.names, distinct=True)
        rep = first[group]  # the first trace with the same hash
        same = bool((lengths[rep] == lengths).all()) and np.array_equal(
            self.codes, self.codes[self.starts[:-1][rep][trace] + pos]
        )
        if not same:
            return self  # two different traces share a hash: left unmerged
        kept = np.sort(first)
        weights = _counts_by(group, self.weights, len(first))[group[kept]]
        keep_event = np.zeros(t, dtype=bool)
        keep_event[kept] = True
        merged = SubLog(self.codes[keep_event[trace]], _offsets(lengths[kept]), weights, self.names, distinct=True)
        self.drop_caches()  # the miner goes on with the merged log; this one waits in its parent's list of parts
        return merged

    def _select_traces(self, keep: np.ndarray) -> SubLog:
        ev = keep[self.trace_of]
        return SubLog(self.codes[ev], _offsets(self.lengths[keep]), self.weights[keep], self.names, self.distinct)

    def nonempty(self) -> SubLog:
        """The log without its empty traces."""
        return self._select_traces(self.lengths > 0)

    def _subset(self, events: np.ndarray, traces: np.ndarray | None = None) -> SubLog:
        """Each trace (of ``traces``, a boolean per trace; all when None) reduced to its ``events``."""
        t = self.trace_of
        if traces is not None:
            events = events & traces[t]
        lengths = np.bincount(t[events], minlength=len(self.weights))
        if traces is None:
            return SubLog(self.codes[events], _offsets(lengths), self.weights, self.names)
        return SubLog(self.codes[events], _offsets(lengths[traces]), self.weights[traces], self.names)

    def project(self, keep: frozenset[str] | set[str]) -> SubLog:
        """Every trace reduced to the activities in ``keep`` (traces may become empty)."""
        return self._subset(self.code_mask(keep)[self.codes])

    def split_xor(self, groups: Groups) -> list[SubLog]:
        """Each trace to the group holding most of its events (the first on a tie), reduced to that group."""
        k, t = len(groups), len(self.weights)
        g = self._group_of(groups)
        per = np.bincount(self.trace_of.astype(np.int64) * k + g, minlength=t * k).reshape(t, k)
        chosen = per.argmax(axis=1) if t else np.zeros(0, np.int64)
        mine = g == chosen[self.trace_of]
        return [self._subset(mine, chosen == i) for i in range(k)]

    def split_sequence(self, groups: Groups) -> list[SubLog]:
        """Every trace to every group, keeping a longest part of it that runs through the groups in order."""
        g = self._group_of(groups)
        keep = np.ones(len(g), dtype=bool)
        back = np.flatnonzero(self.follows & (g[1:] < g[:-1]))  # a step back to an earlier group
        if len(back):
            starts = self.starts
            done: dict[tuple[int, ...], list[bool]] = {}
            gl = g.tolist()
            for trace in np.unique(self.trace_of[back]).tolist():
                s, e = int(starts[trace]), int(starts[trace + 1])
                seq = tuple(gl[s:e])
                if seq not in done:
                    done[seq] = _longest_monotone(seq)
                keep[s:e] = done[seq]
        return [self._subset(keep & (g == i)) for i in range(len(groups))]

    def split_parallel(self, groups: Groups) -> list[SubLog]:
        """Every trace to every group, reduced to the group's activities."""
        g = self._group_of(groups)
        return [self._subset(g == i) for i in range(len(groups))]

    def split_loop(self, groups: Groups) -> list[SubLog]:
        """Cut each trace into runs of one group; body runs (group 0) go to the do-log, the others to their redo-log.

        A trace that starts or ends in a redo part, or passes between two redo parts directly
        (possible only when IMf filtered the cut), gets an empty body run there.
        """
        g = self._group_of(groups)
        n = len(g)
        new_run = np.ones(n, dtype=bool)
        new_run[1:] = ~self.follows | (g[1:] != g[:-1])
        run_at = np.flatnonzero(new_run)
        run_g = g[run_at]
        run_trace = self.trace_of[run_at]
        run_len = np.diff(np.append(run_at, n))
        first_run = np.ones(len(run_at), dtype=bool)
        first_run[1:] = run_trace[1:] != run_trace[:-1]
        prev_redo = np.zeros(len(run_at), dtype=bool)
        prev_redo[1:] = run_g[:-1] != 0
        # an empty body run before a redo run that opens the trace or follows another redo run ...
        empty_before = (run_g != 0) & (first_run | prev_redo)
        last_run = np.ones(len(run_at), dtype=bool)
        last_run[:-1] = first_run[1:]
        # ... and after a trace that ends in a redo part
        empty_after = (run_g != 0) & last_run
        w = self.weights[run_trace]
        empty = int(w[empty_before].sum() + w[empty_after].sum())
        subs = []
        for i in range(len(groups)):
            runs = run_g == i
            lengths, weights = run_len[runs], w[runs]
            if i == 0 and empty:
                lengths, weights = np.append(lengths, 0), np.append(weights, empty)
            subs.append(SubLog(self.codes[g == i], _offsets(lengths), weights, self.names))
        return subs

    def split_at(self, cut_before: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> SubLog | None:
        """Split every trace before each event ``j`` where ``cut_before(codes[j - 1], codes[j])``; None if none does."""
        f = self.follows
        cut = np.zeros(len(self.codes), dtype=bool)
        cut[1:] = f & cut_before(self.codes[:-1], self.codes[1:])
        if not cut.any():
            return None
        begins = np.zeros(len(self.codes), dtype=bool)
        begins[self.starts[:-1][self.lengths > 0]] = True
        begins |= cut
        at = np.flatnonzero(begins)
        lengths = np.diff(np.append(at, len(self.codes)))
        return SubLog(self.codes, _offsets(lengths), self.weights[self.trace_of[at]], self.names)

    def once_in_every_trace(self) -> list[str]:
        """The activities that occur exactly once in every trace, in name order."""
        n, t = len(self.names), len(self.weights)
        keys, per = np.unique(self.trace_of.astype(np.int64) * n + self.codes, return_counts=True)
        once = np.bincount(keys[per == 1] % n, minlength=n)
        return [self.names[a] for a in np.flatnonzero(once == t).tolist()]
