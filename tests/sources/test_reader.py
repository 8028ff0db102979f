"""read_log: dispatch, mapping files, frames, several sources, real CSV files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from crmflow.errors import ColumnMappingError, UnsupportedFormatError
from crmflow.ingest.columns import ColumnMapping
from crmflow.ingest.frames import read_frame_raw
from crmflow.sources.reader import format_of, read_log
from crmflow.store.store import EventStore
from tests.conftest import real

MAVEN = "maven-crm-sales-opportunities/sales_pipeline.csv"


def test_unknown_extension() -> None:
    with pytest.raises(UnsupportedFormatError) as err:
        read_log("deals.docx")
    assert "deals.docx" in str(err.value) and ".csv" in str(err.value) and ".xlsx" in str(err.value)
    assert format_of("A.XES.GZ") == "xes" and format_of("x.jsonocel") == "ocel"


def test_volvo_closed_problems() -> None:
    log = read_log(real("bpic2013-volvo-itsm/BPI_Challenge_2013_closed_problems.csv"))
    s = log.summary()
    assert (s.events, s.cases, s.resources, s.quarantined, s.rows_read) == (6660, 1487, 585, 0, 6660)
    m = log.ingestions()[0]["mapping"]
    assert (m["case_id"], m["activity"], m["timestamp"], m["role"], m["lifecycle"]) == (
        "Case ID",
        "concept:name",
        "Complete Timestamp",
        "org:role",
        "lifecycle:transition",
    )
    assert "Activity_src" in log.attributes  # `Activity` would clash with the canonical column
    assert s.first_ts == datetime(2006, 1, 12, 1, 19, 42, tzinfo=UTC)


def test_volvo_incidents() -> None:
    log = read_log(real("bpic2013-volvo-itsm/bpi_13_incidents_activity_coded.csv"))
    s = log.summary()
    assert (s.events, s.cases, s.activities, s.quarantined) == (65533, 7554, 13, 0)


def test_maven_needs_a_timestamp(tmp_path: Path) -> None:
    with pytest.raises(ColumnMappingError) as err:
        read_log(real(MAVEN))
    msg = str(err.value)
    assert "timestamp" in msg and "`opportunity_id`" in msg and "`close_value`" in msg
    bad = tmp_path / "bad.yaml"
    bad.write_text("case_id: opportunity_id\nactivity: deal_stage\ntimestamp: created_date\n", encoding="utf-8")
    with pytest.raises(ColumnMappingError, match="`created_date`.*`engage_date`, `close_date`"):
        read_log(real(MAVEN), mapping=bad)


def test_maven_with_mapping_file(tmp_path: Path) -> None:
    p = tmp_path / "maven.yaml"
    p.write_text(
        "case_id: opportunity_id\nactivity: deal_stage\ntimestamp: close_date\nresource: sales_agent\n", encoding="utf-8"
    )
    log = read_log(real(MAVEN), mapping=p)
    ing = log.ingestions()[0]
    # close_date is present only for Won (4,238) and Lost (2,473) opportunities
    assert (ing["rows_read"], ing["parsed"], ing["quarantined"]) == (8800, 6711, 2089)
    assert log.n_cases == 6711
    assert {r["reason"].split(": ", 1)[1] for r in log.quarantine()} == {"empty, but the timestamp is required"}
    assert log.store.rows(f"SELECT typeof(close_value) AS t FROM {log.events_table} LIMIT 1") == [{"t": "BIGINT"}]


def _frame_rows() -> dict[str, list]:
    return {
        "case:concept:name": ["1", "1", "2"],
        "concept:name": ["register", "decide", "register"],
        "time:timestamp": [datetime(2024, 3, 1, 10), datetime(2024, 3, 1, 11), datetime(2024, 3, 2, 9)],
        "org:resource": ["Pete", "Sara", "Mike"],
        "cost": [50.0, 10.5, 50.0],
    }


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
def test_frames(kind: str) -> None:
    data = _frame_rows()
    frame = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "arrow": pa.table}[kind](data)
    log = read_log(frame, timezone="Europe/Moscow")
    ev = log.store.rows(f"SELECT row_no, case_id, activity, ts, resource, cost FROM {log.events_table} ORDER BY row_no")
    assert [e["row_no"] for e in ev] == [1, 2, 3]
    assert ev[0] == {
        "row_no": 1,
        "case_id": "1",
        "activity": "register",
        "ts": datetime(2024, 3, 1, 7, tzinfo=UTC),
        "resource": "Pete",
        "cost": 50.0,
    }


def test_frame_with_aware_times_and_odd_names() -> None:
    df = pd.DataFrame(
        {
            "case_id": [1, 1],
            "Activity": ["A", "B"],
            "ts": pd.to_datetime(["2024-03-01 10:00+03:00", "2024-03-01 11:00+03:00"]),
            "row_no": [9, 8],
        }
    )
    store = EventStore()
    raw = read_frame_raw(store, df, log_name="log")
    assert raw.info["columns"] == ["case_id", "Activity", "ts", "row_no_src"]
    log = read_log(df, store=store, log_name="l2")
    assert log.store.sql(f"SELECT min(ts) FROM {log.events_table}").fetchall()[0][0] == datetime(2024, 3, 1, 7, tzinfo=UTC)


def test_several_sources(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text(
        "ID сделки;Стадия;Дата\n1;Новая;01.03.2024 10:00\n;Счёт;01.03.2024 11:00\n1;Счёт;01.03.2024 12:00\n", encoding="utf-8"
    )
    b = tmp_path / "b.csv"
    b.write_text("ID сделки;Стадия;Дата\n2;Новая;31.02.2024 10:00\n2;Счёт;02.03.2024 12:00\n", encoding="cp1251")
    store = EventStore()
    log = read_log(a, b, store=store)
    rows = store.sql(f"SELECT row_no, case_id FROM {log.events_table} ORDER BY row_no").fetchall()
    assert rows == [(1, "1"), (3, "1"), (5, "2")]  # b's rows are shifted past a's three
    assert [(r["source"], r["row_no"], r["line"]) for r in log.quarantine()] == [("a.csv", 2, 3), ("b.csv", 1, 2)]
    assert [(i["source"], i["rows_read"], i["parsed"], i["quarantined"]) for i in log.ingestions()] == [
        ("a.csv", 3, 2, 1),
        ("b.csv", 2, 1, 1),
    ]


def test_two_xes_logs_number_their_events_one_after_the_other() -> None:
    # the XES reader's own bound on row_no (no max(row_no) asked): the second log's events follow the first's;
    # edge_cases.xes quarantines its event 3 (an impossible date), so its numbers run 1, 2, 4, 5
    xes = Path(__file__).resolve().parents[1] / "data" / "xes"
    log = read_log(xes / "edge_cases.xes", xes / "tiny.xes")
    rows = [r[0] for r in log.store.sql(f"SELECT row_no FROM {log.events_table} ORDER BY row_no").fetchall()]
    assert rows[-3:] == [6, 7, 8] and len(rows) == len(set(rows)) == log.n_events


def test_mapping_object_and_progress(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text("deal\tstep\twhen\n7\tA\t2024-03-01T10:00:00Z\n", encoding="utf-8")
    seen: list[str] = []
    log = read_log(p, mapping=ColumnMapping(case_id="deal", activity="step", timestamp="when"), progress=seen.append)
    assert log.n_events == 1 and any("x.txt" in s for s in seen)
