"""The sort-once materialisation, tested on the store's own tables against a reference written in Python.

``ev_<log>`` holds each case's events in ``(ts, row_no)`` order — ties keep their input order — with
``pos``, ``is_last``, the successor's activity/resource/role and ``wait_s`` precomputed; ``cs_<log>`` one
row per case with its duration and variant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmflow.store.store import EventLog, EventStore
from tests.conftest import make_log

BASE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def rows(log: EventLog) -> list[dict]:  # type: ignore[type-arg]
    return log.store.rows(
        f"SELECT case_id, pos, activity, resource, role, ts, row_no, is_last, next_activity, next_resource, next_role, "
        f"wait_s FROM {log.events_table} ORDER BY case_id, pos"
    )


def expected(events: list[tuple]) -> list[dict]:  # type: ignore[type-arg]
    """The reference: stable sort by (case, time) over the input order, then successors."""
    numbered = [(i, *e) for i, e in enumerate(events, start=1)]
    out = []
    for case in sorted({e[1] for e in numbered}):
        mine = sorted((e for e in numbered if e[1] == case), key=lambda e: (e[3], e[0]))
        for pos, e in enumerate(mine):
            nxt = mine[pos + 1] if pos + 1 < len(mine) else None
            ts = datetime.fromisoformat(e[3]).replace(tzinfo=UTC)
            out.append(
                {
                    "case_id": case,
                    "pos": pos,
                    "activity": e[2],
                    "resource": e[4],
                    "row_no": e[0],
                    "is_last": nxt is None,
                    "next_activity": nxt[2] if nxt else None,
                    "next_resource": nxt[4] if nxt else None,
                    "wait_s": (datetime.fromisoformat(nxt[3]).replace(tzinfo=UTC) - ts).total_seconds() if nxt else None,
                }
            )
    return out


def project(got: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    keys = ("case_id", "pos", "activity", "resource", "row_no", "is_last", "next_activity", "next_resource", "wait_s")
    return [{k: r[k] for k in keys} for r in got]


def test_events_are_sorted_once_with_their_successors(tiny_log: EventLog) -> None:
    got = rows(tiny_log)
    assert [(r["case_id"], r["pos"], r["activity"]) for r in got] == [
        ("c1", 0, "A"),
        ("c1", 1, "B"),
        ("c1", 2, "C"),
        ("c2", 0, "A"),
        ("c2", 1, "B"),  # B and C at the same time: input order kept
        ("c2", 2, "C"),
        ("c3", 0, "A"),
        ("c3", 1, "C"),
        ("c3", 2, "B"),
        ("c3", 3, "B"),
    ]
    c1 = [r for r in got if r["case_id"] == "c1"]
    assert [r["next_activity"] for r in c1] == ["B", "C", None]
    assert [r["next_resource"] for r in c1] == ["bob", "ann", None]
    assert [r["wait_s"] for r in c1] == [3600.0, 7200.0, None]
    assert [r["is_last"] for r in c1] == [False, False, True]
    tie = [r for r in got if r["case_id"] == "c2"]
    assert tie[1]["wait_s"] == 0.0 and tie[1]["next_activity"] == "C"


def test_input_order_decides_ties_whatever_the_file_order() -> None:
    # the same three simultaneous events, given in two orders: the order within the case follows the input
    forward = make_log(
        [("k", "X", "2024-01-01 10:00", "r"), ("k", "Y", "2024-01-01 10:00", "r"), ("k", "Z", "2024-01-01 10:00", "r")]
    )
    backward = make_log(
        [("k", "Z", "2024-01-01 10:00", "r"), ("k", "Y", "2024-01-01 10:00", "r"), ("k", "X", "2024-01-01 10:00", "r")]
    )
    assert [r["activity"] for r in rows(forward)] == ["X", "Y", "Z"]
    assert [r["activity"] for r in rows(backward)] == ["Z", "Y", "X"]


def test_successor_role_is_precomputed() -> None:
    log = make_log([("c", "A", "2024-01-01 10:00", "ann", "sales"), ("c", "B", "2024-01-01 12:00", "bob", "finance")])
    got = rows(log)
    assert [(r["role"], r["next_role"]) for r in got] == [("sales", "finance"), ("finance", None)]


def test_cases_table_holds_duration_and_variant(tiny_log: EventLog) -> None:
    store = tiny_log.store
    names = store.activity_names(tiny_log.name)
    cases = store.rows(f"SELECT case_id, n_events, duration_s, variant FROM {tiny_log.cases_table} ORDER BY case_id")
    assert [(c["case_id"], c["n_events"], c["duration_s"]) for c in cases] == [
        ("c1", 3, 3 * 3600.0),
        ("c2", 3, 3600.0),
        ("c3", 4, 3.5 * 3600),
    ]
    assert [[names[a] for a in c["variant"]] for c in cases] == [["A", "B", "C"], ["A", "B", "C"], ["A", "C", "B", "B"]]


event = st.tuples(
    st.sampled_from(["c1", "c2", "c3", "c4"]),
    st.sampled_from(["A", "B", "C", "D"]),
    st.integers(min_value=0, max_value=6).map(lambda m: (BASE + timedelta(minutes=30 * m)).strftime("%Y-%m-%d %H:%M")),
    st.sampled_from(["ann", "bob", None]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event, min_size=1, max_size=30))
def test_materialisation_matches_a_stable_sort(events: list[tuple]) -> None:  # type: ignore[type-arg]
    log = make_log(events)
    got = rows(log)
    assert project(got) == expected(events)
    # every case has exactly one last event, and pos runs 0..n-1
    by_case: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for r in got:
        by_case.setdefault(r["case_id"], []).append(r)
    for mine in by_case.values():
        assert [r["pos"] for r in mine] == list(range(len(mine)))
        assert sum(r["is_last"] for r in mine) == 1 and mine[-1]["is_last"]
    # the directly-follows relations add up to events minus cases
    assert sum(1 for r in got if not r["is_last"]) == log.n_events - log.n_cases


def test_materialise_across_stages_keeps_each_row() -> None:
    store = EventStore()
    for name, ts in (("st_a", "2024-01-01 10:00"), ("st_b", "2024-01-01 09:00")):
        store.con.execute(
            f"CREATE TABLE {name} AS SELECT 1::BIGINT AS row_no, 'c' AS case_id, '{name}' AS activity, "
            f"CAST('{ts}' AS TIMESTAMP) AT TIME ZONE 'UTC' AS ts, NULL::VARCHAR AS resource, NULL::VARCHAR AS role, "
            "NULL::VARCHAR AS lifecycle"
        )
    store.record_ingestion(log_name="two", source="a", format="t", rows_read=1, parsed=1, quarantined=0)
    store.record_ingestion(log_name="two", source="b", format="t", rows_read=1, parsed=1, quarantined=0)
    log = store.materialize(["st_a", "st_b"], log_name="two")
    assert [r["activity"] for r in rows(log)] == ["st_b", "st_a"]  # sorted by time across the sources
    assert log.rows_read == 2


def test_a_large_log_builds_its_cases_range_by_range_with_the_same_rows(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Above ``CASES_CHUNK_EVENTS`` the per-case aggregation runs per range of case codes (it does not spill)."""
    from crmflow.store import store as store_module

    events = [
        (f"c{i % 37}", ["A", "B", "C", "B"][i % 4], (BASE + timedelta(minutes=7 * i)).isoformat(), f"r{i % 3}")
        for i in range(400)
    ]
    whole = make_log(events)
    monkeypatch.setattr(store_module, "CASES_CHUNK_EVENTS", 90)  # 400 events: five ranges
    chunked = make_log(events)
    query = "SELECT case_id, n_events, start_ts, end_ts, duration_s, variant FROM {} ORDER BY case_id"
    got = chunked.store.rows(query.format(chunked.cases_table))
    assert got == whole.store.rows(query.format(whole.cases_table))
    assert len(got) == 37 and sum(r["n_events"] for r in got) == 400
