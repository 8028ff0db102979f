"""The columnar sub-log of the inductive miner against plain-Python definitions of each operation.

Each reference below is the operation written over ``{activity tuple: count}`` the obvious way (the
miner's representation before the sub-log was columnar); the sub-log must give the same multiset
of traces, whatever the log and the groups.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmflow
from crmflow.discovery.inductive import discover_process_tree
from crmflow.discovery.sublog import Dfg, SubLog, _longest_monotone
from tests.conftest import make_log

Log = dict[tuple[str, ...], int]


def _add(log: Log, trace: tuple[str, ...], n: int) -> None:
    log[trace] = log.get(trace, 0) + n


def ref_dfg(log: Log) -> Dfg:
    edges: Counter[tuple[str, str]] = Counter()
    start: Counter[str] = Counter()
    end: Counter[str] = Counter()
    acts: set[str] = set()
    for trace, n in log.items():
        if trace:
            start[trace[0]] += n
            end[trace[-1]] += n
            acts.update(trace)
            for pair in zip(trace, trace[1:], strict=False):
                edges[pair] += n
    return Dfg(dict(edges), dict(start), dict(end), frozenset(acts))


def ref_project(log: Log, keep: set[str]) -> Log:
    out: Log = {}
    for trace, n in log.items():
        _add(out, tuple(a for a in trace if a in keep), n)
    return out


def ref_xor(log: Log, groups: list[frozenset[str]]) -> list[Log]:
    subs: list[Log] = [{} for _ in groups]
    for trace, n in log.items():
        i = max(range(len(groups)), key=lambda j: (sum(a in groups[j] for a in trace), -j))
        _add(subs[i], tuple(a for a in trace if a in groups[i]), n)
    return subs


def ref_sequence(log: Log, groups: list[frozenset[str]]) -> list[Log]:
    where = {a: i for i, g in enumerate(groups) for a in g}
    subs: list[Log] = [{} for _ in groups]
    for trace, n in log.items():
        kept = _longest_monotone(tuple(where[a] for a in trace))
        for i in range(len(groups)):
            _add(subs[i], tuple(a for a, k in zip(trace, kept, strict=True) if k and where[a] == i), n)
    return subs


def ref_parallel(log: Log, groups: list[frozenset[str]]) -> list[Log]:
    return [ref_project(log, set(g)) for g in groups]


def ref_loop(log: Log, groups: list[frozenset[str]]) -> list[Log]:
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


def ref_split_at(log: Log, cut_before: Callable[[tuple[str, ...], int], bool]) -> Log | None:
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


def _drop_zero(logs: list[Log]) -> list[Log]:
    return [{t: n for t, n in log.items() if n} for log in logs]


traces = st.lists(st.sampled_from("abcde"), max_size=8).map(tuple)
logs = st.dictionaries(traces, st.integers(1, 20), min_size=1, max_size=10)
nonempty_logs = st.dictionaries(traces.filter(bool), st.integers(1, 20), min_size=1, max_size=10)


@st.composite
def log_and_groups(draw: st.DrawFn, base: st.SearchStrategy[Log] = nonempty_logs) -> tuple[Log, list[frozenset[str]]]:
    log = draw(base)
    acts = sorted({a for t in log for a in t})
    k = draw(st.integers(1, max(1, len(acts))))
    where = [draw(st.integers(0, k - 1)) for _ in acts]
    groups = [frozenset(a for a, g in zip(acts, where, strict=True) if g == i) for i in range(k)]
    return log, [g for g in groups if g] or [frozenset(acts)]


@settings(max_examples=200, deadline=None)
@given(logs)
def test_counts_round_trip_and_the_dfg_is_the_plain_one(log: Log) -> None:
    sub = SubLog.from_counts(log)
    assert sub.counts() == log
    assert sub.dfg() == ref_dfg(log)
    assert sub.total == sum(log.values()) and sub.empty == log.get((), 0)
    assert sub.nonempty().counts() == {t: n for t, n in log.items() if t}


@settings(max_examples=200, deadline=None)
@given(logs, st.sets(st.sampled_from("abcde")))
def test_projection(log: Log, keep: set[str]) -> None:
    sub = SubLog.from_counts(log).project(frozenset(keep))
    assert sub.counts() == ref_project(log, keep)
    assert sub.dfg() == ref_dfg(ref_project(log, keep))


@settings(max_examples=300, deadline=None)
@given(log_and_groups())
def test_splits_along_a_cut(case: tuple[Log, list[frozenset[str]]]) -> None:
    log, groups = case
    sub = SubLog.from_counts(log)
    for split, ref in (
        (sub.split_xor, ref_xor),
        (sub.split_sequence, ref_sequence),
        (sub.split_parallel, ref_parallel),
        (sub.split_loop, ref_loop),
    ):
        assert [s.counts() for s in split(groups)] == _drop_zero(ref(log, groups)), ref.__name__


@settings(max_examples=200, deadline=None)
@given(nonempty_logs, st.sets(st.sampled_from("abcde")), st.sets(st.sampled_from("abcde")))
def test_split_at_and_activities_once_per_trace(log: Log, start: set[str], end: set[str]) -> None:
    sub = SubLog.from_counts(log)
    s, e = sub.code_mask(start), sub.code_mask(end)
    strict = sub.split_at(lambda before, at: e[before] & s[at])
    expected = ref_split_at(log, lambda t, i: t[i - 1] in end and t[i] in start)
    assert (strict.counts() if strict is not None else None) == expected
    acts = sorted({a for t in log for a in t})
    assert sub.once_in_every_trace() == [a for a in acts if all(t.count(a) == 1 for t in log)]


def test_a_variant_table_becomes_the_same_sub_log_as_its_counts() -> None:
    log = make_log(
        [
            ("c1", "B", "2024-01-01 10:00", "ann"),
            ("c1", "A", "2024-01-01 11:00", "bob"),
            ("c2", "B", "2024-01-02 10:00", "ann"),
            ("c3", "C", "2024-01-02 11:00", "bob"),
        ]
    )
    table = crmflow.get_variants(log)
    sub = SubLog.from_arrow(table.table["activities"], table.table["count"], table.names)
    assert sub.names == ("A", "B", "C")  # codes in name order, whatever the store's codes
    assert sub.counts() == table.counts() == {("B", "A"): 1, ("B",): 1, ("C",): 1}


def test_an_arrow_table_with_codes_out_of_name_order_and_zero_counts() -> None:
    acts = pa.chunked_array([pa.array([[0, 1], [1], [2, 0]], pa.list_(pa.int32()))])
    counts = pa.chunked_array([pa.array([2, 0, 3], pa.int64())])
    sub = SubLog.from_arrow(acts, counts, ["z", "y", "x"])
    assert sub.names == ("x", "y", "z")
    assert sub.counts() == {("z", "y"): 2, ("x", "z"): 3}


@settings(max_examples=200, deadline=None)
@given(logs, st.sets(st.sampled_from("abcde")))
def test_merging_equal_traces_keeps_the_multiset_of_traces(log: Log, keep: set[str]) -> None:
    sub = SubLog.from_counts(log).project(frozenset(keep))  # a projection repeats traces
    merged = sub.merged()
    assert merged.counts() == sub.counts() == ref_project(log, keep)
    assert merged.distinct and len(merged.weights) == len(sub.counts()) and merged.total == sub.total
    assert merged.dfg() == sub.dfg()
    # one row per trace, in the order the traces first occur
    names, codes = merged.names, merged.codes.tolist()
    rows = [
        tuple(names[c] for c in codes[a:b]) for a, b in zip(merged.starts[:-1].tolist(), merged.starts[1:].tolist(), strict=True)
    ]
    assert rows == _first_occurrences(sub)
    assert merged.merged() is merged


def _first_occurrences(sub: SubLog) -> list[tuple[str, ...]]:
    names, codes, starts = sub.names, sub.codes.tolist(), sub.starts.tolist()
    return list(dict.fromkeys(tuple(names[c] for c in codes[starts[i] : starts[i + 1]]) for i in range(len(sub.weights))))


def test_traces_sharing_a_hash_are_merged_only_when_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SubLog, "_trace_keys", lambda self: np.zeros(len(self.weights), dtype=np.uint64))
    differ = SubLog.from_counts({("a", "b"): 2, ("b", "a"): 3, ("a",): 1}).project(frozenset("ab"))
    assert differ.merged() is differ  # every trace has the same hash, but they differ: left as they are
    equal = SubLog.from_counts({("a", "b"): 2, ("a", "c", "b"): 3}).project(frozenset("ab"))
    assert equal.merged().counts() == {("a", "b"): 5} and len(equal.merged().weights) == 1


@settings(max_examples=150, deadline=None)
@given(logs, st.sampled_from([0.0, 0.2, 0.5]))
def test_mining_merged_sub_logs_gives_the_same_tree(log: Log, noise: float) -> None:
    merged = str(discover_process_tree(log, noise_threshold=noise))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SubLog, "merged", lambda self: self)
        assert str(discover_process_tree(log, noise_threshold=noise)) == merged
