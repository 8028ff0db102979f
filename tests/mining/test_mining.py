"""Mining results on a tiny hand-checked log."""

from __future__ import annotations

import json

import pytest

import crmflow
from crmflow.store.store import EventLog
from tests.conftest import make_log


def test_dfg_counts_and_waits(tiny_log: EventLog) -> None:
    dfg = crmflow.discover_dfg(tiny_log)
    assert dfg.counts() == {("A", "B"): 2, ("B", "C"): 2, ("A", "C"): 1, ("C", "B"): 1, ("B", "B"): 1}
    ab = dfg.edge("A", "B")
    assert ab is not None and ab.mean_s == 3600 and ab.max_s == 3600 and ab.cases == 2
    bc = dfg.edge("B", "C")
    assert bc is not None and bc.min_s == 0 and bc.max_s == 7200 and bc.median_s == 3600
    assert dfg.start_activities == {"A": 3}
    assert dfg.end_activities == {"C": 2, "B": 1}
    assert dfg.activities == {"B": 4, "A": 3, "C": 3}
    # directly-follows pairs add up to events minus cases
    assert sum(dfg.counts().values()) == tiny_log.n_events - tiny_log.n_cases


def test_variants_and_durations(tiny_log: EventLog) -> None:
    v = crmflow.get_variants(tiny_log)
    assert v.counts() == {("A", "B", "C"): 2, ("A", "C", "B", "B"): 1}
    top = v.variants[0]
    assert top.count == 2 and top.mean_duration_s == (3 * 3600 + 3600) / 2
    assert crmflow.get_all_case_durations(tiny_log) == [3600.0, 10800.0, 12600.0]
    stats = crmflow.case_duration_stats(tiny_log)
    assert stats.median_s == 10800 and sum(stats.histogram_counts) == 3


def test_statistics_and_handover(tiny_log: EventLog) -> None:
    acts = {a.activity: a for a in crmflow.activity_statistics(tiny_log)}
    assert acts["B"].events == 4 and acts["B"].cases == 3 and acts["B"].repeats == 1
    assert acts["A"].mean_wait_s is None and acts["A"].total_wait_s == 0
    res = {r.resource: r for r in crmflow.resource_statistics(tiny_log)}
    assert res["bob"].events == 5 and res["ann"].cases == 3
    ho = crmflow.discover_handover(tiny_log).counts()
    assert ho == {("ann", "bob"): 3, ("bob", "ann"): 1, ("cat", "ann"): 1}


def test_results_are_json_serialisable(tiny_log: EventLog) -> None:
    for result in (
        crmflow.discover_dfg(tiny_log),
        crmflow.get_variants(tiny_log),
        crmflow.discover_handover(tiny_log, level="role"),
        crmflow.case_duration_stats(tiny_log),
    ):
        json.dumps(result.to_dict())


def test_filters(tiny_log: EventLog) -> None:
    top1 = crmflow.filter_variants_top_k(tiny_log, 1)
    assert top1.n_cases == 2 and crmflow.get_variants(top1).counts() == {("A", "B", "C"): 2}
    long = crmflow.filter_case_performance(tiny_log, min_s=3 * 3600)
    assert sorted(r[0] for r in long.store.sql(f"SELECT case_id FROM {long.cases_table}").fetchall()) == ["c1", "c3"]
    by_res = crmflow.filter_attribute_values(tiny_log, "org:resource", ["cat"])
    assert by_res.n_cases == 1 and by_res.n_events == 4
    no_bob = crmflow.filter_attribute_values(tiny_log, "org:resource", ["bob"], level="event", retain=False)
    assert no_bob.n_events == 5 and crmflow.discover_dfg(no_bob).counts() == {("A", "C"): 2}
    window = crmflow.filter_time_range(tiny_log, "2024-01-02 00:00", "2024-01-02 23:59")
    assert window.n_cases == 1
    trimmed = crmflow.filter_time_range(tiny_log, "2024-01-01 10:30", "2024-01-03 09:10", mode="events")
    assert trimmed.n_events == 6
    assert tiny_log.n_events == 10  # the input is unchanged
    with pytest.raises(crmflow.CrmflowError, match="no attribute"):
        crmflow.filter_attribute_values(tiny_log, "Отдел", ["x"])


def test_dfg_start_and_end_activities_are_ordered_like_their_own_queries() -> None:
    log = make_log(
        [
            ("c1", "B", "2024-01-01 10:00", "ann"),
            ("c1", "Z", "2024-01-01 11:00", "ann"),
            ("c2", "A", "2024-01-01 10:00", "ann"),
            ("c2", "Y", "2024-01-01 11:00", "bob"),
            ("c3", "C", "2024-01-01 10:00", "bob"),
            ("c3", "Y", "2024-01-01 12:00", "bob"),
            ("c4", "C", "2024-01-01 10:00", "bob"),
            ("c4", "Z", "2024-01-01 12:00", "ann"),
        ]
    )
    dfg = crmflow.discover_dfg(log)
    # most first, ties by name
    assert list(dfg.start_activities.items()) == [("C", 2), ("A", 1), ("B", 1)]
    assert list(dfg.end_activities.items()) == [("Y", 2), ("Z", 2)]
    assert list(dfg.start_activities.items()) == list(crmflow.get_start_activities(log).items())
    assert list(dfg.end_activities.items()) == list(crmflow.get_end_activities(log).items())
    assert list(dfg.activities.items()) == [("C", 2), ("Y", 2), ("Z", 2), ("A", 1), ("B", 1)]
