"""Filters build a new log through the same materialisation and never change their input; the store's
accounting holds: parsed + quarantined = rows read, and an ingestion whose numbers do not add up is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import StoreError
from crmflow.mining.dfg import discover_dfg
from crmflow.mining.filters import (
    filter_attribute_values,
    filter_case_performance,
    filter_time_range,
    filter_variants_top_k,
)
from crmflow.sources.reader import read_log
from crmflow.store.store import EventLog, EventStore
from tests.store.test_materialise import rows


def snapshot(log: EventLog) -> tuple:  # type: ignore[type-arg]
    cases = log.store.rows(f"SELECT * FROM {log.cases_table} ORDER BY case_id")
    return (log.n_events, log.n_cases, [tuple(r.values()) for r in rows(log)], [tuple(map(str, c.values())) for c in cases])


FILTERS = {
    "time_events": lambda log: filter_time_range(log, "2024-01-01 00:00", "2024-01-02 23:59", mode="events"),
    "time_contained": lambda log: filter_time_range(log, "2024-01-02 00:00", "2024-01-03 23:59"),
    "resource_events": lambda log: filter_attribute_values(log, "org:resource", ["bob"], level="event"),
    "resource_cases_dropped": lambda log: filter_attribute_values(log, "org:resource", ["cat"], retain=False),
    "top_variant": lambda log: filter_variants_top_k(log, 1),
    "performance": lambda log: filter_case_performance(log, min_s=2 * 3600),
}


@pytest.mark.parametrize("name", FILTERS)
def test_a_filter_builds_a_new_log_and_leaves_its_input_alone(tiny_log: EventLog, name: str) -> None:
    before = snapshot(tiny_log)
    filtered = FILTERS[name](tiny_log)
    assert filtered.name != tiny_log.name
    assert snapshot(tiny_log) == before
    # the new log is materialised the same way: positions from 0, one last event per case, successors
    got = rows(filtered)
    for case in {r["case_id"] for r in got}:
        mine = [r for r in got if r["case_id"] == case]
        assert [r["pos"] for r in mine] == list(range(len(mine)))
        assert [r["is_last"] for r in mine] == [False] * (len(mine) - 1) + [True]
        assert [r["next_activity"] for r in mine[:-1]] == [r["activity"] for r in mine[1:]]
    assert sum(e.count for e in discover_dfg(filtered).edges) == filtered.n_events - filtered.n_cases
    # a filtered log keeps the accounting of the rows it came from
    assert filtered.rows_read == tiny_log.rows_read


def test_filters_select_what_they_say(tiny_log: EventLog) -> None:
    events = filter_time_range(tiny_log, "2024-01-01 00:00", "2024-01-02 23:59", mode="events")
    assert {r["case_id"] for r in rows(events)} == {"c1", "c2"}
    bob = filter_attribute_values(tiny_log, "org:resource", ["bob"], level="event")
    assert {r["resource"] for r in rows(bob)} == {"bob"} and bob.n_events == 5
    # c3's events after dropping A are C, B, B: the successors are recomputed on the new log
    c3 = [r for r in rows(bob) if r["case_id"] == "c3"]
    assert [(r["activity"], r["next_activity"]) for r in c3] == [("B", "B"), ("B", None)]
    no_cat = filter_attribute_values(tiny_log, "org:resource", ["cat"], retain=False)
    assert {r["case_id"] for r in rows(no_cat)} == {"c1", "c2"}
    top = filter_variants_top_k(tiny_log, 1)
    assert {r["case_id"] for r in rows(top)} == {"c1", "c2"}  # A, B, C is the most frequent variant
    slow = filter_case_performance(tiny_log, min_s=2 * 3600)
    assert {r["case_id"] for r in rows(slow)} == {"c1", "c3"}


def test_filters_chain_without_touching_any_parent(tiny_log: EventLog) -> None:
    before = snapshot(tiny_log)
    first = filter_variants_top_k(tiny_log, 1)
    mid = snapshot(first)
    second = filter_attribute_values(first, "org:resource", ["ann"], level="event")
    # ann's events of the A, B, C cases: c1's A and C, c2's A
    assert second.n_events == 3 and snapshot(first) == mid and snapshot(tiny_log) == before


def test_store_refuses_an_ingestion_that_does_not_add_up() -> None:
    store = EventStore()
    with pytest.raises(StoreError, match=r"does not add up: 9 parsed \+ 0 quarantined != 10 rows read"):
        store.record_ingestion(log_name="x", source="deals.csv", format="csv", rows_read=10, parsed=9, quarantined=0)
    assert store.rows("SELECT * FROM ingestions") == []  # nothing recorded
    store.record_ingestion(log_name="x", source="deals.csv", format="csv", rows_read=10, parsed=9, quarantined=1)
    assert store.rows("SELECT rows_read, parsed, quarantined FROM ingestions") == [
        {"rows_read": 10, "parsed": 9, "quarantined": 1}
    ]


CSV = """ID сделки;Стадия;Дата изменения;Ответственный
D-1;Новая;01.03.2024 10:00;Анна
D-1;Счёт;02.03.2024 11:00;Анна
D-2;Новая;31.02.2024 10:00;Борис
;Новая;03.03.2024 10:00;Борис
D-3;;03.03.2024 12:00;Анна
D-3;Новая;04.03.2024 12:00;Анна
"""


def test_every_row_read_is_an_event_or_in_the_quarantine(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(CSV.encode("cp1251"))
    log = read_log(path, lang="ru")
    (ing,) = log.ingestions()
    assert ing["rows_read"] == 6
    assert ing["parsed"] + ing["quarantined"] == ing["rows_read"]
    assert ing["parsed"] == log.n_events == 3 and log.quarantined == ing["quarantined"] == 3
    quarantined = log.quarantine()
    # 1-based data rows; the line of the file counts the header
    assert sorted((q["row_no"], q["line"]) for q in quarantined) == [(3, 4), (4, 5), (5, 6)]
    assert {q["kind"] for q in quarantined} == {"bad_timestamp", "missing_case_id", "missing_activity"}
    events = {r["row_no"] for r in rows(log)}
    assert events.isdisjoint({q["row_no"] for q in quarantined})  # nothing both parsed and quarantined
    assert log.rows_read == log.n_events + log.quarantined
