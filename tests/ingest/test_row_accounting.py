"""Row accounting from the bytes: rows read = the records in the file, whatever the quoting does.

Files come from :func:`crmflow.demo.dirty_csv.dirty_csv` (known records, broken in known ways);
``bench/fuzz.py`` runs the same check over 10,000 of them.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmflow.demo.dirty_csv import accounting_problems, dirty_csv
from crmflow.ingest.csv import read_csv_raw
from crmflow.ingest.record_scan import _END, CLEAN, _plain_lines, parse_line, scan_records
from crmflow.store.store import EventStore


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_rows_read_are_the_records_written_and_no_good_record_is_quarantined(seed: int) -> None:
    assert accounting_problems(dirty_csv(random.Random(seed))) == []


def _read(tmp_path: Path, text: str) -> tuple[EventStore, object]:
    p = tmp_path / "f.csv"
    p.write_bytes(text.encode())
    store = EventStore()
    return store, read_csv_raw(store, p, log_name="log")


def test_quote_opened_in_record_1_and_closed_in_record_4_costs_record_1_only(tmp_path: Path) -> None:
    # DuckDB alone merged records 1-4 into one silently wrong record (0 quarantined)
    store, raw = _read(tmp_path, 'id,stage,note\n1,"Новая,x\n2,Won,y\n3,Lost,z\n4,Won",w\n5,ok,v\n')
    assert (raw.rows_read, raw.quarantined) == (5, 1)
    rows = store.sql(f"SELECT row_no, line, id, stage FROM {raw.table} ORDER BY row_no").fetchall()
    assert rows == [(2, 3, "2", "Won"), (3, 4, "3", "Lost"), (4, 5, "4", 'Won"'), (5, 6, "5", "ok")]
    (q,) = store.rows("SELECT row_no, line, kind, reason, raw FROM quarantine")
    assert (q["row_no"], q["line"], q["kind"], q["raw"]) == (1, 2, "csv_unterminated_quote", '1,"Новая,x')
    assert "line 3 is a record of its own" in q["reason"]


def test_malformed_multiline_record_is_one_record(tmp_path: Path) -> None:
    store, raw = _read(tmp_path, 'id,a,b\n1,"two\nlines",x,extra\n2,ok,y\n3,"fine\nvalue",z\n')
    assert (raw.rows_read, raw.quarantined) == (3, 1)
    assert store.sql(f"SELECT row_no, line, id FROM {raw.table} ORDER BY 1").fetchall() == [(2, 4, "2"), (3, 5, "3")]
    assert store.sql("SELECT row_no, line, kind FROM quarantine").fetchall() == [(1, 2, "csv_too_many_columns")]


def test_quote_never_closed_until_the_end_of_the_file(tmp_path: Path) -> None:
    store, raw = _read(tmp_path, 'id,a,b\n1,x,y\n2,"open\nnot a record\n')
    assert (raw.rows_read, raw.quarantined) == (3, 2)
    q = store.sql("SELECT row_no, line, kind FROM quarantine ORDER BY 1").fetchall()
    assert q == [(2, 3, "csv_unterminated_quote"), (3, 4, "csv_missing_columns")]


def test_spaces_before_a_quoted_separator_do_not_swallow_the_file(tmp_path: Path) -> None:
    # DuckDB read `1,  ",,",x` as an unclosed quote and rejected the rest of the file as one record
    store, raw = _read(tmp_path, 'id,a,b\n1,  ",,",x\n2,y,z\n')
    assert (raw.rows_read, raw.quarantined) == (2, 0)
    assert store.sql(f"SELECT id, a, b FROM {raw.table} ORDER BY row_no").fetchall() == [("1", ",,", "x"), ("2", "y", "z")]


def test_text_after_a_closing_quote_is_set_aside_by_the_scan(tmp_path: Path) -> None:
    store, raw = _read(tmp_path, 'id,a,b\n1,"x"y,z\n2,y,z\n')
    assert (raw.rows_read, raw.quarantined) == (2, 1)
    assert store.sql("SELECT row_no, line, kind FROM quarantine").fetchall() == [(1, 2, "csv_unquoted_value")]


def test_classic_mac_line_ends(tmp_path: Path) -> None:
    store, raw = _read(tmp_path, "id,a\r1,x\r2,y\r")
    assert (raw.rows_read, raw.quarantined) == (2, 0)


def test_scan_is_chunked_across_multiline_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crmflow.ingest.record_scan as rs

    monkeypatch.setattr(rs, "CHUNK_BYTES", 7)  # every record crosses a chunk boundary
    p = tmp_path / "f.csv"
    p.write_bytes(b'id,a,b\n1,"x\ny\nz",1\n2,"open,b\n3,c,d\n\n4,e,f')
    s = scan_records(p, delimiter=",", skip=0, fields=3)
    # rows: header 1, record 1 (lines 2-4) 2, the unclosed quote 3, record 3 4, the empty line 5, record 4 6
    assert (s.records, s.blank_rows, s.multi_line, [b.line for b in s.broken]) == (4, (5,), ((2, 2),), [5])
    assert s.lines_of_rows(np.array([2, 3, 4, 5, 6])).tolist() == [2, 5, 6, 7, 8]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", ",", '"', " ", '""', "я"]), max_size=14))
def test_the_fast_path_only_passes_lines_the_slow_path_calls_clean(parts: list[str]) -> None:
    line = "".join(parts).encode()
    arr = np.frombuffer(line + b"\n", np.uint8)
    plain = _plain_lines(arr, np.array([0]), np.array([len(line)]), ord(","))[0]
    state, _, quality = parse_line(line, _END, ord(","))
    if plain:
        assert state == _END and quality == CLEAN
    elif '"' not in line.decode():
        raise AssertionError("a line without quotes is always plain")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", ",", '"', " ", "\n", "\r\n", "\n\n", "я", 'x,"y\nz",w']), max_size=40),
    st.integers(min_value=1, max_value=12),
)
def test_the_scan_in_small_chunks_equals_the_scan_in_one(parts: list[str], chunk: int) -> None:
    # chunks without a quote skip the quote pass: an open quote carried into them must still be followed
    import tempfile

    import crmflow.ingest.record_scan as rs

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "f.csv"
        p.write_bytes(("id,a,b\n" + "".join(parts)).encode())
        whole = scan_records(p, delimiter=",", skip=0, fields=3)
        saved = rs.CHUNK_BYTES
        try:
            rs.CHUNK_BYTES = chunk
            small = scan_records(p, delimiter=",", skip=0, fields=3)
        finally:
            rs.CHUNK_BYTES = saved
    assert small == whole
