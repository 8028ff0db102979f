"""Exports already ordered by case and time are materialised without a sort, to the same tables.

The in-order build (streaming windows over the scan order) must write exactly what the sorting build
writes; a source that only looks ordered at its start is caught by the full check on the written table
and sorted instead.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmflow.store import parts
from crmflow.store import queries as q
from crmflow.store.engine import DuckDBEngine
from crmflow.store.store import EventLog, EventStore
from tests.conftest import make_log
from tests.store.test_materialise import BASE, event, expected, project, rows


def _cases(log: EventLog) -> list[dict]:  # type: ignore[type-arg]
    names = log.store.activity_names(log.name)
    got = log.store.rows(
        f"SELECT case_id, n_events, start_ts, end_ts, duration_s, variant FROM {log.cases_table} ORDER BY case_id"
    )
    return [{**c, "variant": [names[a] for a in c["variant"]]} for c in got]


@pytest.fixture
def sorting_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each call of the sorting build (the in-order build must not make any)."""
    calls: list[str] = []
    original = q.events_select

    def spy(log: str, source: str) -> str:
        calls.append(log)
        return original(log, source)

    monkeypatch.setattr(q, "events_select", spy)
    return calls


def _in_order(events: list[tuple]) -> list[tuple]:  # type: ignore[type-arg]
    """The events ordered by case, then time (stable: ties keep their input order)."""
    first: dict[str, int] = {}
    for e in events:
        first.setdefault(e[0], len(first))
    return sorted(events, key=lambda e: (first[e[0]], e[2]))


def test_an_export_ordered_by_case_and_time_is_not_sorted(sorting_calls: list[str]) -> None:
    events = [
        ("d2", "A", "2024-01-01 10:00", "ann"),
        ("d2", "B", "2024-01-01 11:00", "bob"),
        ("d2", "C", "2024-01-01 11:00", "ann"),  # a tie: input order kept
        ("d1", "A", "2024-01-02 09:00", "bob"),
        ("d1", "C", "2024-01-02 09:30", None),
        ("d3", "B", "2024-01-03 08:00", "ann"),
    ]
    log = make_log(events)
    assert sorting_calls == []
    assert project(rows(log)) == expected(events)
    assert [(c["case_id"], c["n_events"], c["variant"]) for c in _cases(log)] == [
        ("d1", 2, ["A", "C"]),
        ("d2", 3, ["A", "B", "C"]),
        ("d3", 1, ["B"]),
    ]
    # codes: cases numbered in the order they appear, activities by name as in the sorting build
    assert log.store.rows(f"SELECT DISTINCT case_id, cid FROM {log.events_table} ORDER BY cid") == [
        {"case_id": "d2", "cid": 0},
        {"case_id": "d1", "cid": 1},
        {"case_id": "d3", "cid": 2},
    ]
    assert log.store.activity_names(log.name) == ["A", "B", "C"]
    assert log.store.scalar(f"SELECT count(*) FROM {log.events_table} WHERE act <> next_act - 1 AND NOT is_last") == 1


@pytest.mark.parametrize(
    "tail",
    [
        # d1 comes back after d2: the case is not contiguous
        [("d2", "A", "2024-01-01 12:00", "ann"), ("d1", "C", "2024-01-01 13:00", "bob")],
        # d2's last event goes back in time
        [("d2", "A", "2024-01-01 12:00", "ann"), ("d2", "B", "2024-01-01 11:00", "bob")],
    ],
)
def test_a_source_ordered_only_at_its_start_is_checked_and_sorted(
    tail: list[tuple],
    sorting_calls: list[str],
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[type-arg]
) -> None:
    monkeypatch.setattr(q, "ORDER_PROBE_ROWS", 3)  # the probe sees only the ordered start
    checks: list[str] = []
    check = q.events_order_check

    def counted(log: str) -> str:
        checks.append(log)
        return check(log)

    monkeypatch.setattr(q, "events_order_check", counted)
    events = [
        ("d1", "A", "2024-01-01 09:00", "ann"),
        ("d1", "B", "2024-01-01 10:00", "bob"),
        ("d1", "C", "2024-01-01 10:30", "ann"),
        *tail,
    ]
    log = make_log(events)
    assert len(checks) == 1 and len(sorting_calls) == 1  # the in-order build was refused by its check, then sorted
    assert project(rows(log)) == expected(events)
    assert log.store.scalar("SELECT count(*) FROM duckdb_types() WHERE type_name LIKE 'acty_%'") == 0


@pytest.mark.parametrize(("probe_rows", "checked"), [(7, 0), (6, 1), (4, 1)])
def test_the_check_is_left_out_only_when_the_probe_read_the_whole_source(
    probe_rows: int, checked: int, sorting_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(q, "ORDER_PROBE_ROWS", probe_rows)
    checks: list[str] = []
    check = q.events_order_check
    monkeypatch.setattr(q, "events_order_check", lambda log: checks.append(log) or check(log))
    events = [
        ("d1", "A", "2024-01-01 09:00", "ann"),
        ("d1", "B", "2024-01-01 10:00", "bob"),
        ("d2", "A", "2024-01-01 08:00", "ann"),
        ("d2", "C", "2024-01-01 08:00", None),  # a tie: input order kept
        ("d2", "B", "2024-01-02 10:30", "ann"),
        ("d3", "C", "2024-01-01 07:00", "bob"),
    ]
    log = make_log(events)
    assert len(checks) == checked and sorting_calls == []  # 6 rows: a probe of 6 may have missed more
    assert project(rows(log)) == expected(events)


def test_an_export_ordered_by_time_across_cases_is_sorted(sorting_calls: list[str]) -> None:
    events = [(f"c{i % 3}", "AB"[i % 2], (BASE + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M"), None) for i in range(9)]
    log = make_log(events)
    assert len(sorting_calls) == 1
    assert project(rows(log)) == expected(events)


def _parts_by_the_cut_rule(cases: list[str], *, threads: int) -> int:
    """How many parts the cut rule of :func:`crmflow.store.parts.in_order_parts` makes of rows ``1..n`` with these
    case ids (0: built whole): ``k = min(threads, n // part_events)`` spans, each cut at the first row after row
    ``1 + n * i // k`` that holds another case than that row, increasing cuts only."""
    n = len(cases)
    k = min(threads, n // parts.IN_ORDER_PART_EVENTS)
    cuts: list[int] = []
    for i in range(1, k):
        near = 1 + n * i // k
        cut = next((j for j in range(near + 1, n + 1) if cases[j - 1] != cases[near - 1]), None)
        if cut is not None and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    return len(cuts) + 1 if k >= 2 and cuts else 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event, min_size=1, max_size=30))
def test_in_order_build_matches_the_sorting_build(events: list[tuple]) -> None:  # type: ignore[type-arg]
    ordered = _in_order(events)
    fast = make_log(ordered)
    store = EventStore()
    original = EventStore._build_in_order
    try:
        EventStore._build_in_order = lambda *_a: False  # type: ignore[method-assign]
        slow = make_log(ordered, store=store)
    finally:
        EventStore._build_in_order = original  # type: ignore[method-assign]
    assert rows(fast) == rows(slow) and project(rows(fast)) == expected(ordered)
    assert _cases(fast) == _cases(slow)


@pytest.mark.parametrize("ordered", [True, False])
def test_resources_have_codes_and_the_names_follow_them(ordered: bool) -> None:
    events = [
        ("d1", "A", "2024-01-01 09:00", "Иванова Елена"),
        ("d1", "B", "2024-01-01 10:00", "bob"),
        ("d1", "C", "2024-01-01 10:30", None),
        ("d2", "A", "2024-01-02 09:00", "bob"),
        ("d2", "B", "2024-01-02 09:00", "O'Brien"),
    ]
    log = make_log(events if ordered else events[::-1])
    got = log.store.rows(f"SELECT resource, res, next_resource, next_res FROM {log.events_table} ORDER BY case_id, pos")
    names = sorted({e[3] for e in events if e[3]})  # codes by name order
    for r in got:
        assert r["res"] == (names.index(r["resource"]) if r["resource"] else None)
        assert r["next_res"] == (names.index(r["next_resource"]) if r["next_resource"] else None)
    d2 = ["bob", "O'Brien"] if ordered else ["O'Brien", "bob"]  # a tie in d2: input order kept
    assert [r["resource"] for r in got] == ["Иванова Елена", "bob", None, *d2]
    assert log.attributes == []  # the codes are derived columns, not attributes


def test_a_log_without_resources_is_built_in_order(sorting_calls: list[str]) -> None:
    log = make_log([("d1", "A", "2024-01-01 09:00", None), ("d1", "B", "2024-01-01 10:00", None)])
    assert sorting_calls == []
    assert (
        log.store.rows(f"SELECT resource, res, next_res FROM {log.events_table} ORDER BY pos")
        == [{"resource": None, "res": None, "next_res": None}] * 2
    )


def test_a_tie_out_of_row_order_after_the_probe_is_caught_and_sorted(
    sorting_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # row numbers need not follow the stored order (several sources, a filtered log): a tie whose later
    # row has the smaller number is ordered by row_no in the sorting build, so the in-order build must refuse it
    monkeypatch.setattr(q, "ORDER_PROBE_ROWS", 2)
    store = EventStore()
    store.sql(
        """CREATE TEMP TABLE st AS SELECT row_no, case_id, activity, ts::TIMESTAMPTZ AS ts, resource, role, lifecycle
        FROM (VALUES (1, 'd1', 'A', '2024-01-01 09:00+00', 'ann', NULL, NULL),
                     (2, 'd1', 'B', '2024-01-01 10:00+00', 'bob', NULL, NULL),
                     (5, 'd2', 'A', '2024-01-01 11:00+00', 'ann', NULL, NULL),
                     (4, 'd2', 'C', '2024-01-01 11:00+00', 'bob', NULL, NULL))
             AS t(row_no, case_id, activity, ts, resource, role, lifecycle)"""
    )
    log = store.materialize(["st"])
    assert len(sorting_calls) == 1
    got = store.rows(f"SELECT case_id, pos, activity, next_activity FROM {log.events_table} ORDER BY case_id, pos")
    assert [(r["case_id"], r["activity"], r["next_activity"]) for r in got] == [
        ("d1", "A", "B"),
        ("d1", "B", None),
        ("d2", "C", "A"),  # row 4 before row 5 at the same time
        ("d2", "A", None),
    ]


@pytest.fixture
def side_by_side(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small parts: every log of a few events is built in parts; records how many parts each build had."""
    monkeypatch.setattr(parts, "IN_ORDER_PART_EVENTS", 2)
    monkeypatch.setattr(q, "ORDER_PROBE_ROWS", 1)  # the probe never reads a whole source: it is checked in full
    counts: list[int] = []
    original = parts.insert_side_by_side

    def spy(engine: DuckDBEngine, inserts: list[str]) -> None:
        counts.append(len(inserts))
        original(engine, inserts)

    monkeypatch.setattr(parts, "insert_side_by_side", spy)
    return counts


def _three_threads() -> EventStore:
    store = EventStore()
    store.sql("SET threads = 3")  # as many parts as threads (this machine may have fewer cores)
    return store


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(event, min_size=1, max_size=30))
def test_a_build_in_parts_matches_the_sorting_build(side_by_side: list[int], events: list[tuple]) -> None:  # type: ignore[type-arg]
    ordered = _in_order(events)
    before = len(side_by_side)  # the fixture lives across hypothesis' examples: this example's builds come after
    fast = make_log(ordered, store=_three_threads())
    made = side_by_side[before:]
    original = EventStore._build_in_order
    try:
        EventStore._build_in_order = lambda *_a: False  # type: ignore[method-assign]
        slow = make_log(ordered)
    finally:
        EventStore._build_in_order = original  # type: ignore[method-assign]
    assert rows(fast) == rows(slow) and project(rows(fast)) == expected(ordered)
    assert _cases(fast) == _cases(slow)
    parts_made = _parts_by_the_cut_rule([e[0] for e in ordered], threads=3)
    assert made == ([parts_made] if parts_made else [])
    e = fast.events_table
    # dense case codes, stored in code order (the parts committed in order)
    assert fast.store.scalar(f"SELECT count(DISTINCT cid) = max(cid) + 1 AND min(cid) = 0 FROM {e}")
    assert fast.store.scalar(f"SELECT count(*) FROM (SELECT cid, lag(cid) OVER () AS p FROM {e}) WHERE cid < p") == 0


def test_an_export_is_built_in_as_many_parts_as_threads(side_by_side: list[int], sorting_calls: list[str]) -> None:
    events = [(f"d{i // 3}", "ABC"[i % 3], (BASE + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M"), "ann") for i in range(30)]
    log = make_log(events, store=_three_threads())
    assert side_by_side == [3] and sorting_calls == []
    assert project(rows(log)) == expected(events)


def test_two_sources_are_built_in_parts(side_by_side: list[int], sorting_calls: list[str]) -> None:
    store = _three_threads()
    for name, first in (("st_a", 0), ("st_b", 40)):  # row numbers continue across sources
        store.sql(
            f"""CREATE TABLE {name} AS SELECT {first} + i AS row_no, 'd' || ({first} + i) // 4 AS case_id,
            chr(65 + (i % 4)::INTEGER) AS activity, TIMESTAMPTZ '2024-01-01 00:00+00' + to_minutes(i) AS ts,
            'ann' AS resource, NULL::VARCHAR AS role, NULL::VARCHAR AS lifecycle FROM range(40) AS r(i)"""
        )
    log = store.materialize(["st_a", "st_b"])
    assert side_by_side == [3] and sorting_calls == []
    assert log.n_events == 80
    assert store.scalar(f"SELECT count(*) FROM {log.cases_table} WHERE n_events <> 4") == 0
    assert store.scalar(f"SELECT count(DISTINCT cid) = 20 AND max(cid) = 19 FROM {log.events_table}")


def test_a_temporary_source_is_built_in_one_statement(side_by_side: list[int], sorting_calls: list[str]) -> None:
    # a worker connection cannot see another connection's temporary tables (a project's staging)
    store = _three_threads()
    store.sql(
        """CREATE TEMP TABLE st AS SELECT i AS row_no, 'd' || i // 4 AS case_id, chr(65 + (i % 4)::INTEGER) AS activity,
        TIMESTAMPTZ '2024-01-01 00:00+00' + to_minutes(i) AS ts, NULL::VARCHAR AS resource, NULL::VARCHAR AS role,
        NULL::VARCHAR AS lifecycle FROM range(40) AS r(i)"""
    )
    log = store.materialize(["st"])
    assert side_by_side == [] and sorting_calls == []
    assert log.n_events == 40 and log.n_cases == 10


def test_parts_out_of_order_after_the_probe_are_caught_and_sorted(
    side_by_side: list[int], sorting_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [(f"d{i // 3}", "ABC"[i % 3], (BASE + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M"), "ann") for i in range(30)]
    events.append(("d0", "A", "2024-01-05 00:00", "bob"))  # d0 comes back in the last part
    log = make_log(events, store=_three_threads())
    assert side_by_side == [3] and len(sorting_calls) == 1
    assert project(rows(log)) == expected(events)
