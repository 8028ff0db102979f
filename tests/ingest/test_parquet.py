"""Parquet reading: file order, types, and the naive timestamps pm4py writes."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crmflow.errors import InputError
from crmflow.ingest.parquet import read_parquet_raw
from crmflow.ingest.xes import read_xes_raw
from crmflow.settings import Settings
from crmflow.store.store import EventStore
from tests.conftest import real

KEY = ["case:concept:name", "concept:name", "time:timestamp", "org:resource", "org:group", "lifecycle:transition", "case:enddate"]


def _cols(names: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in names)


def test_receipt_parquet_counts_types_and_order() -> None:
    store = EventStore()
    raw = read_parquet_raw(store, real("receipt.parquet"), log_name="log")
    assert (raw.rows_read, raw.quarantined, raw.format) == (8_577, 0, "parquet")
    types = {r[0]: r[1] for r in store.sql(f"DESCRIBE {raw.table}").fetchall()}
    assert types["row_no"] == "BIGINT"
    assert types["time:timestamp"] == "TIMESTAMP WITH TIME ZONE"
    # pm4py wrote the timestamps without a zone (TIMESTAMP_NS): they are read in settings.timezone
    assert "time:timestamp" in raw.info["naive_timestamps"] and raw.info["timezone"] == "UTC"
    n, lo, hi, cases = store.sql(
        f'SELECT count(DISTINCT row_no), min(row_no), max(row_no), count(DISTINCT "case:concept:name") FROM {raw.table}'
    ).fetchall()[0]
    assert (n, lo, hi, cases) == (8_577, 1, 8_577, 1_434)
    first = store.sql(f'SELECT "concept:name" FROM {raw.table} WHERE row_no = 1').fetchall()[0][0]
    assert first == "Confirmation of receipt"


def test_receipt_parquet_equals_receipt_xes_in_local_time() -> None:
    # The Parquet copy holds Dutch wall-clock times without an offset; read in Europe/Amsterdam,
    # every event (with its case attributes) is the same instant as in the XES original.
    store = EventStore(settings=Settings(timezone="Europe/Amsterdam"))
    pq_raw = read_parquet_raw(store, real("receipt.parquet"), log_name="log")
    xes_raw = read_xes_raw(store, real("receipt.xes"), log_name="log")
    diff = store.sql(
        f"SELECT count(*) FROM (SELECT {_cols(KEY)} FROM {pq_raw.table} EXCEPT ALL SELECT {_cols(KEY)} FROM {xes_raw.table})"
    ).fetchall()[0][0]
    assert diff == 0
    seq = 'SELECT "case:concept:name", list("concept:name" ORDER BY row_no) FROM {} GROUP BY 1 ORDER BY 1'
    assert store.sql(seq.format(pq_raw.table)).fetchall() == store.sql(seq.format(xes_raw.table)).fetchall()


def test_row_no_follows_file_order_across_row_groups(tmp_path: Path) -> None:
    n = 10_000
    table = pa.table(
        {
            "case:concept:name": [f"c{i % 7}" for i in range(n)],
            "concept:name": [f"шаг {n - i}" for i in range(n)],
            "row_no": list(range(n, 0, -1)),  # a source column with a reserved name is kept, renamed
        }
    )
    p = tmp_path / "log.parquet"
    pq.write_table(table, p, row_group_size=1_000)
    store = EventStore()
    raw = read_parquet_raw(store, p, log_name="log")
    assert raw.info["row_groups"] == 10 and raw.info["renamed"] == {"row_no": "row_no (source)"}
    got = store.sql(f'SELECT row_no, "concept:name", "row_no (source)" FROM {raw.table} ORDER BY row_no').fetchall()
    assert got == [(i + 1, f"шаг {n - i}", n - i) for i in range(n)]


def test_timezone_aware_columns_are_kept(tmp_path: Path) -> None:
    ts = pa.array([0, 3_600_000_000], pa.timestamp("us", tz="Europe/Moscow"))
    p = tmp_path / "tz.parquet"
    pq.write_table(pa.table({"time:timestamp": ts}), p)
    store = EventStore(settings=Settings(timezone="Asia/Tokyo"))
    raw = read_parquet_raw(store, p, log_name="log")
    assert raw.info["naive_timestamps"] == []
    got = store.sql(f'SELECT epoch_us("time:timestamp") FROM {raw.table} ORDER BY row_no').fetchall()
    assert got == [(0,), (3_600_000_000,)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PAR1 not really parquet PAR1", "cannot read this Parquet file"),
        (b"case,activity\n1,a\n", "this is not a Parquet file"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.parquet"
    p.write_bytes(content)
    with pytest.raises(InputError, match=f"bad.parquet: {message}"):
        read_parquet_raw(EventStore(), p, log_name="log")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_parquet_raw(EventStore(), tmp_path / "nope.parquet", log_name="log")


def test_explicit_timezone_overrides_the_setting() -> None:
    store = EventStore()  # settings.timezone = UTC
    raw = read_parquet_raw(store, real("receipt.parquet"), log_name="log", timezone="Europe/Amsterdam")
    assert raw.info["timezone"] == "Europe/Amsterdam"
    first = store.sql(f'SELECT "time:timestamp" FROM {raw.table} WHERE row_no = 1').fetchall()[0][0]
    assert first.isoformat() == "2011-10-11T11:45:40.276000+00:00"  # 13:45:40 CEST
