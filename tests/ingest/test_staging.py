"""Staging: canonical columns, numbers, typed inputs, and one quarantine row per bad input row."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmflow.errors import ColumnMappingError, InputError
from crmflow.ingest.columns import ColumnMapping
from crmflow.ingest.raw import RawTable
from crmflow.ingest.staging import stage_raw
from crmflow.store.schema import STAGED_COLUMNS
from crmflow.store.store import EventStore


def _raw(store: EventStore, ddl: str, rows: list[tuple], *, quarantined: int = 0) -> RawTable:
    store.sql(f"CREATE TABLE raw_t ({ddl})")
    marks = ", ".join("?" * len(rows[0]))
    store.con.executemany(f"INSERT INTO raw_t VALUES ({marks})", rows)
    return RawTable("raw_t", "t.csv", "csv", rows_read=len(rows) + quarantined, quarantined=quarantined)


def test_text_staging_numbers_and_trimming() -> None:
    store = EventStore()
    raw = _raw(
        store,
        'row_no BIGINT, line BIGINT, "Case ID" VARCHAR, "Activity" VARCHAR, "Timestamp" VARCHAR, '
        '"Сумма" VARCHAR, "Кол-во" VARCHAR, "Телефон" VARCHAR, "Комментарий" VARCHAR, "ts" VARCHAR',
        [
            (1, 2, " c1 ", " Новая ", "2024-03-01 10:00", "1 234,56", "3", "0123", "  ", "x"),
            (2, 3, "c1", "Счёт", "2024-03-01 11:00", "1\u00a0000\u00a0000,5", "1 000", "0456", "ok", "y"),
            (3, 4, "c2", "Новая", "2024-03-02 09:00", "-7.25", "", "0789", None, "z"),
            (4, 5, "c2", "Счёт", "2024-03-02 10:00", "1,234,567.5", "12", "0000", "b", "w"),
        ],
    )
    res = stage_raw(store, raw, log_name="log")
    assert (res.rows_read, res.parsed, res.quarantined) == (4, 4, 0)
    cols = store.sql(f"DESCRIBE {res.stage}").fetchall()
    types = {c[0]: c[1] for c in cols}
    assert [c[0] for c in cols][: len(STAGED_COLUMNS)] == list(STAGED_COLUMNS)
    assert types["Сумма"] == "DOUBLE" and types["Кол-во"] == "BIGINT"
    assert types["Телефон"] == "VARCHAR"  # leading zeros: an identifier, not a number
    assert res.attributes == ["Сумма", "Кол-во", "Телефон", "Комментарий", "ts_src"]  # `ts` is canonical
    rows = store.sql(f'SELECT case_id, activity, "Сумма", "Кол-во", "Комментарий" FROM {res.stage} ORDER BY row_no').fetchall()
    assert rows == [
        ("c1", "Новая", 1234.56, 3, None),
        ("c1", "Счёт", 1000000.5, 1000, "ok"),
        ("c2", "Новая", -7.25, None, None),
        ("c2", "Счёт", 1234567.5, 12, "b"),
    ]
    assert res.mapping["numeric_attributes"] == {"Сумма": "DOUBLE", "Кол-во": "BIGINT"}
    assert res.mapping["renamed_attributes"] == {"ts": "ts_src"}


def test_one_quarantine_row_per_bad_row_naming_every_problem() -> None:
    store = EventStore()
    raw = _raw(
        store,
        "row_no BIGINT, line BIGINT, case_id VARCHAR, activity VARCHAR, timestamp VARCHAR",
        [
            (1, 2, "c1", "A", "01.03.2024 10:00"),
            (2, 3, "", " ", "31.02.2024 10:00"),
            (3, 4, "c1", "B", None),
            (4, 5, None, "C", "02.03.2024 10:00"),
        ],
        quarantined=2,  # as if the reader had already quarantined two lines
    )
    res = stage_raw(store, raw, log_name="log", timezone="Europe/Moscow")
    assert (res.rows_read, res.parsed, res.quarantined) == (6, 1, 5)
    q = store.rows("SELECT row_no, line, column_name, value, reason, raw FROM quarantine ORDER BY row_no")
    assert [r["row_no"] for r in q] == [2, 3, 4]
    assert q[0]["column_name"] == "case_id, activity, timestamp"
    assert q[0]["reason"] == (
        "column `case_id` row 2: empty, but the case id is required; "
        "column `activity` row 2: empty, but the activity is required; "
        "column `timestamp` row 2: cannot read '31.02.2024 10:00' as a date (expected dd.mm.yyyy hh:mm)"
    )
    assert q[0]["value"] == "31.02.2024 10:00" and '"timestamp":"31.02.2024 10:00"' in q[0]["raw"]
    assert q[1]["reason"] == "column `timestamp` row 3: empty, but the timestamp is required"
    assert q[2]["column_name"] == "case_id" and q[2]["line"] == 5
    (ing,) = store.rows("SELECT rows_read, parsed, quarantined FROM ingestions")
    assert ing == {"rows_read": 6, "parsed": 1, "quarantined": 5}


def test_typed_xes_like_raw_table() -> None:
    store = EventStore()
    raw = _raw(
        store,
        'row_no BIGINT, "case:concept:name" VARCHAR, "concept:name" VARCHAR, "time:timestamp" TIMESTAMP, '
        '"org:resource" VARCHAR, "cost" DOUBLE',
        [(1, "1", "register", datetime(2024, 3, 1, 10), "Pete", 50.0), (2, "1", "decide", None, "Sara", 10.0)],
    )
    res = stage_raw(store, raw, log_name="log", timezone="Europe/Moscow")
    assert (res.parsed, res.quarantined) == (1, 1)
    (row,) = store.rows(f"SELECT case_id, activity, ts, resource, cost FROM {res.stage}")
    assert row == {
        "case_id": "1",
        "activity": "register",
        "ts": datetime(2024, 3, 1, 7, tzinfo=UTC),
        "resource": "Pete",
        "cost": 50.0,
    }
    (q,) = store.rows("SELECT line, reason FROM quarantine")
    assert q["line"] is None and "time:timestamp" in q["reason"]


def test_typed_tz_and_unix_seconds() -> None:
    store = EventStore()
    raw = _raw(
        store,
        "row_no BIGINT, case_id INTEGER, activity VARCHAR, ts BIGINT",
        [(1, 7, "A", 1709287200), (2, 7, "B", 1709287260123)],
    )
    res = stage_raw(store, raw, log_name="log", mapping=ColumnMapping(case_id="case_id", activity="activity", timestamp="ts"))
    assert store.sql(f"SELECT case_id, ts FROM {res.stage} ORDER BY row_no").fetchall() == [
        ("7", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("7", datetime(2024, 3, 1, 10, 1, 0, 123000, tzinfo=UTC)),
    ]


def test_mapping_timezone_and_format_win() -> None:
    store = EventStore()
    raw = _raw(
        store,
        "row_no BIGINT, c VARCHAR, a VARCHAR, t VARCHAR",
        [(1, "1", "A", "03/01/2024 10:00"), (2, "1", "B", "03/13/2024 10:00")],
    )
    m = ColumnMapping(
        case_id="c", activity="a", timestamp="t", timestamp_format="mm/dd/yyyy hh:mm", timezone="Asia/Yekaterinburg"
    )
    res = stage_raw(store, raw, log_name="log", mapping=m, timezone="UTC")
    assert res.mapping["timezone"] == "Asia/Yekaterinburg"
    assert [r[0] for r in store.sql(f"SELECT ts FROM {res.stage} ORDER BY row_no").fetchall()] == [
        datetime(2024, 3, 1, 5, tzinfo=UTC),
        datetime(2024, 3, 13, 5, tzinfo=UTC),
    ]


def test_dayfirst_false_detects_month_first() -> None:
    store = EventStore()
    raw = _raw(store, "row_no BIGINT, c VARCHAR, a VARCHAR, t VARCHAR", [(1, "1", "A", "03/01/2024 10:00")])
    res = stage_raw(store, raw, log_name="log", mapping=ColumnMapping(case_id="c", activity="a", timestamp="t", dayfirst=False))
    assert store.sql(f"SELECT ts FROM {res.stage}").fetchall()[0][0] == datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_row_offset() -> None:
    store = EventStore()
    raw = _raw(store, "row_no BIGINT, c VARCHAR, a VARCHAR, t VARCHAR", [(5, "1", "A", "2024-03-01")])
    res = stage_raw(store, raw, log_name="log", row_offset=100, mapping=ColumnMapping(case_id="c", activity="a", timestamp="t"))
    assert store.sql(f"SELECT row_no FROM {res.stage}").fetchall() == [(105,)]


def test_errors() -> None:
    store = EventStore()
    raw = _raw(store, "row_no BIGINT, c VARCHAR, a VARCHAR, t VARCHAR", [(1, "1", "A", "2024-03-01")])
    with pytest.raises(ColumnMappingError, match="columns are: `c`, `a`, `t`"):
        stage_raw(store, raw, log_name="log", mapping=ColumnMapping(case_id="c", activity="a", timestamp="x"))
    with pytest.raises(ColumnMappingError, match="no column found for case id, activity, timestamp"):
        stage_raw(store, raw, log_name="log")
    with pytest.raises(InputError, match="Europe/Mosсow"):  # Cyrillic "с"
        stage_raw(
            store, raw, log_name="log", timezone="Europe/Mosсow", mapping=ColumnMapping(case_id="c", activity="a", timestamp="t")
        )


def test_a_zone_is_asked_about_once_per_process_and_a_wrong_one_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from crmflow.ingest import staging

    monkeypatch.setattr(staging, "_KNOWN_ZONES", {"UTC"})
    store = EventStore()
    asked: list[str] = []
    sql = store.sql
    monkeypatch.setattr(store, "sql", lambda q, p=None: (asked.append(q) if "pg_timezone_names" in q else None) or sql(q, p))
    assert staging.check_timezone(store, "UTC") == "UTC" and asked == []
    for _ in range(2):
        assert staging.check_timezone(store, "Pacific/Chatham") == "Pacific/Chatham"
        assert staging.check_timezone(EventStore(), "Pacific/Chatham") == "Pacific/Chatham"  # any store of the process
    assert len(asked) == 1
    for _ in range(2):
        with pytest.raises(InputError, match="Pacific/Chatam"):
            staging.check_timezone(store, "Pacific/Chatam")
    assert len(asked) == 3


def test_a_wide_export_is_staged_in_column_batches_with_the_same_types(tmp_path: Path) -> None:
    # 200 attribute columns: converted 64 per query and put side by side (one query took minutes at 1,000)
    from crmflow.ingest.csv import read_csv_raw
    from crmflow.ingest.staging import ATTRIBUTE_BATCH, stage_raw

    n = 200
    assert n > 2 * ATTRIBUTE_BATCH
    head = ["case", "activity", "ts"] + [f"c{i}" for i in range(n)]
    rows = [[f"D{r}", "A", f"2024-03-0{1 + r} 10:00"] + [str(i * r) if i % 2 else f"t{i}" for i in range(n)] for r in range(3)]
    p = tmp_path / "wide.csv"
    p.write_text("\n".join(",".join(x) for x in [head, *rows]) + "\n", encoding="utf-8")
    store = EventStore()
    res = stage_raw(store, read_csv_raw(store, p, log_name="log"), log_name="log")
    assert len(res.mapping["numeric_attributes"]) == n // 2
    got = store.sql(f'SELECT row_no, case_id, "c1", "c199", "c198" FROM {res.stage} ORDER BY row_no').fetchall()
    assert got == [(1, "D0", 0, 0, "t198"), (2, "D1", 1, 199, "t198"), (3, "D2", 2, 398, "t198")]


def test_too_many_columns_is_an_early_clear_error(tmp_path: Path) -> None:
    from crmflow.ingest.csv import MAX_COLUMNS, read_csv_raw

    p = tmp_path / "w.csv"
    p.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n" + ",".join("1" * (MAX_COLUMNS + 1)) + "\n")
    with pytest.raises(InputError, match=rf"w\.csv: the header has {MAX_COLUMNS + 1:,} columns; crmflow reads at most"):
        read_csv_raw(EventStore(), p, log_name="log")


def test_a_nul_in_a_column_name_is_read_not_a_traceback(tmp_path: Path) -> None:
    """Found by ``bench/fuzz.py --budget 60``: Arrow spelled the name differently, the sample lookup failed."""
    from crmflow.sources.reader import read_log

    p = tmp_path / "nul.csv"
    p.write_bytes("ID сделки;Стадия;Дата;Ко\x00мментарий;Сумма\n".encode("cp1251") +
                  "D-1;Новая;01.03.2024 10:00;a;5\nD-1;Оплата;02.03.2024 10:00;b;7\n".encode("cp1251"))  # fmt: skip
    with EventStore() as store:
        log = read_log(p, store=store)
        assert log.n_events == 2


_NUMBERISH = "0123456789 ,.+-\u00a0\u202fa\n\t"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_NUMBERISH, max_size=22)), min_size=1, max_size=6))
def test_the_first_value_shortcut_agrees_with_the_re2_verdict(values: list[str | None]) -> None:
    """The Python check of a column's first value (issue 11: no Arrow kernel for the columns it rules out)
    uses ``re`` where the verdict uses RE2: on every value both must say the same, and the verdict with the
    shortcut must be the value-by-value RE2 verdict."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crmflow.ingest import staging

    def re2(pattern: str, value: str) -> bool:
        return bool(pc.match_substring_regex(pa.array([value], pa.string()), pattern)[0].as_py())

    numeric, integer = [], []
    for v in values:
        t = v.strip(" ") if v is not None else ""
        if not t:
            continue
        shaped = re2(staging.NUMBER_RE, t) or re2(staging.COMMA_GROUPS_RE, t)
        assert shaped == bool(re.fullmatch(staging.NUMBER_RE, t) or re.fullmatch(staging.COMMA_GROUPS_RE, t))
        short = re2(staging._AT_MOST_15_DIGITS, t)
        assert short == (len(re.sub("[^0-9]", "", t)) <= 15)
        numeric.append(shaped and short)
        integer.append(re2(staging.INTEGER_RE, t))
    expected = {"c": all(integer)} if numeric and all(numeric) else {}
    col = pa.array(values, pa.string())
    assert staging._numeric_sample(pa.table({"c": col}), ["c"]) == expected
    if staging._first_value_rules_out(col):
        assert expected == {}


def test_numbers_are_checked_on_the_whole_table_by_their_distinct_values() -> None:
    """Past the sample, each numeric candidate is judged on its distinct values (issue 11); a bad value
    far beyond the sample still keeps the column as text, and a repeated case attribute stays numeric."""
    from crmflow.ingest.staging import NUMERIC_SAMPLE

    store = EventStore()
    n = NUMERIC_SAMPLE + 5_000
    store.sql(
        f"""CREATE TABLE raw_big AS SELECT range + 1 AS row_no, 'c' || (range // 20) AS "case",
                   'A' AS act, TIMESTAMP '2024-01-01' + to_seconds(range) AS ts,
                   ((range // 20) * 100)::VARCHAR AS amount,
                   CASE WHEN range = {n - 1} THEN 'n/a' ELSE (range % 7)::VARCHAR END AS code,
                   CASE WHEN range % 3 = 0 THEN ' 1 234,5 ' ELSE '' END AS share
            FROM range({n})"""
    )
    raw = RawTable("raw_big", "big.csv", "csv", rows_read=n)
    res = stage_raw(store, raw, log_name="log", mapping=ColumnMapping(case_id="case", activity="act", timestamp="ts"))
    assert res.mapping["numeric_attributes"] == {"amount": "BIGINT", "share": "DOUBLE"}
    got = store.sql(f"SELECT amount, code, share FROM {res.stage} WHERE row_no IN (1, {n}) ORDER BY row_no").fetchall()
    assert got == [(0, "0", 1234.5), ((n - 1) // 20 * 100, "n/a", None)]
