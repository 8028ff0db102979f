"""XES reading: the real logs, both engines, pm4py's event order, and every corner case."""

from __future__ import annotations

import gzip
import shutil
import warnings
from collections import Counter
from pathlib import Path

import pytest

from crmflow.errors import InputError
from crmflow.ingest.xes import read_xes_raw, scan_xes
from crmflow.store.store import EventStore
from tests.conftest import ROOT, real

DATA = ROOT / "tests" / "data" / "xes"

REAL_LOGS = [
    ("running-example.xes", 42, 6),
    ("roadtraffic100traces.xes", 390, 100),
    ("receipt.xes", 8_577, 1_434),
    ("helpdesk.xes.gz", 21_348, 4_580),
    pytest.param("bpic2012.xes.gz", 262_200, 13_087, marks=pytest.mark.slow),
]


@pytest.fixture
def store() -> EventStore:
    return EventStore()


def _all_rows(store: EventStore, table: str, *, drop: tuple[str, ...] = ("line",)) -> list[tuple]:
    cols = [c for c in store.columns(table) if c not in drop]
    return store.sql(f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM {table} ORDER BY row_no").fetchall()


@pytest.mark.parametrize(("name", "events", "cases"), REAL_LOGS)
def test_real_logs_count_and_both_engines_agree(store: EventStore, name: str, events: int, cases: int) -> None:
    fast = read_xes_raw(store, real(name), log_name="log")
    assert fast.info["engine"] == "r4pm"
    assert (fast.rows_read, fast.quarantined, fast.info["cases"]) == (events, 0, cases)
    assert fast.format == "xes" and fast.source == name
    n, distinct, lo, hi = store.sql(
        f"SELECT count(*), count(DISTINCT row_no), min(row_no), max(row_no) FROM {fast.table}"
    ).fetchall()[0]
    assert (n, distinct, lo, hi) == (events, events, 1, events) and fast.row_no_max == events

    robust = read_xes_raw(store, real(name), log_name="log", engine="lxml")
    assert robust.info["engine"] == "lxml"
    assert robust.rows_read == events
    assert store.sql(f"DESCRIBE {fast.table}").fetchall() == [
        r for r in store.sql(f"DESCRIBE {robust.table}").fetchall() if r[0] != "line"
    ]
    assert _all_rows(store, fast.table) == _all_rows(store, robust.table)
    assert robust.info["cases"] == cases  # counted by DuckDB on the lxml path, by Polars on r4pm's frame


def test_typed_columns_of_a_real_log(store: EventStore) -> None:
    raw = read_xes_raw(store, real("roadtraffic100traces.xes"), log_name="log")
    types = {r[0]: r[1] for r in store.sql(f"DESCRIBE {raw.table}").fetchall()}
    assert types["row_no"] == "BIGINT"
    assert types["time:timestamp"] == "TIMESTAMP WITH TIME ZONE"
    assert types["amount"] == "DOUBLE" and types["points"] == "BIGINT"
    assert store.columns(raw.table)[:4] == ["row_no", "case:concept:name", "concept:name", "time:timestamp"]


def test_trace_attributes_become_case_columns_without_global_defaults(store: EventStore) -> None:
    # receipt.xes declares trace globals (group = "UNKNOWN", enddate = 1970); traces without
    # those attributes must stay empty, as pm4py reads them, not take the declared default.
    raw = read_xes_raw(store, real("receipt.xes"), log_name="log")
    cols = store.columns(raw.table)
    assert {"case:group", "case:enddate", "case:channel", "org:group"} <= set(cols)
    missing_group, epoch = store.sql(
        f"""SELECT count(*) FILTER (WHERE "case:group" IS NULL),
                   count(*) FILTER (WHERE year("case:enddate") < 1971) FROM {raw.table}"""
    ).fetchall()[0]
    assert missing_group == 4_961
    assert epoch == 0


@pytest.fixture(scope="module")
def pm4py_mod():
    pm4py = pytest.importorskip("pm4py")
    return pm4py


def _pm4py_frame(pm4py_mod, path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The pure-Python importer, so the comparison does not check r4pm against itself.
        return pm4py_mod.read_xes(str(path), variant="iterparse", show_progress_bar=False)


@pytest.mark.pm4py
@pytest.mark.parametrize(("name", "events", "cases"), REAL_LOGS)
def test_event_order_and_instants_match_pm4py(store: EventStore, pm4py_mod, name: str, events: int, cases: int) -> None:
    path = real(name)
    raw = read_xes_raw(store, path, log_name="log")
    ours = store.sql(
        f"""SELECT "case:concept:name", list("concept:name" ORDER BY "time:timestamp", row_no),
                   list(epoch_us("time:timestamp") ORDER BY "time:timestamp", row_no)
            FROM {raw.table} GROUP BY 1"""
    ).fetchall()
    df = _pm4py_frame(pm4py_mod, path)
    assert len(df) == events
    theirs: dict[str, tuple[list[str], list[int]]] = {}
    for case, group in df.groupby("case:concept:name", sort=False):
        us = group["time:timestamp"].dt.tz_convert("UTC").dt.as_unit("us").astype("int64").tolist()
        theirs[str(case)] = (group["concept:name"].tolist(), us)
    assert len(ours) == len(theirs) == cases
    mismatched = [c for c, acts, us in ours if theirs[c] != (acts, us)]
    assert mismatched == []


def test_edge_cases_fall_back_to_lxml_and_keep_every_event(store: EventStore) -> None:
    raw = read_xes_raw(store, DATA / "edge_cases.xes", log_name="deals")
    assert raw.info["engine"] == "lxml"
    assert "31.02.2024 10:00" in raw.info["fallback_reason"]
    assert (raw.rows_read, raw.quarantined) == (5, 1)
    rows = {r["row_no"]: r for r in store.rows(f"SELECT * FROM {raw.table}")}
    assert sorted(rows) == [1, 2, 4, 5] and raw.row_no_max == 5  # the reader's bound, no max(row_no) asked
    # an event without a timestamp stays, with NULL (the staging step quarantines it)
    assert rows[2]["concept:name"] == "Позвонить клиенту" and rows[2]["time:timestamp"] is None
    # the global default (1970) is not applied
    assert all(r["time:timestamp"] is None or r["time:timestamp"].year == 2024 for r in rows.values())
    assert rows[2]["org:resource"] == "Петров" and rows[4]["org:resource"] is None
    # trace attributes (even those written after the events) become case: columns
    assert rows[1]["case:канал"] == "сайт" and rows[1]["case:сумма"] == 125000.5
    assert rows[5]["case:concept:name"] == "Сделка-2"
    # mixed types keep their text; lists become JSON; offsets become UTC
    assert [rows[i]["priority"] for i in (1, 2)] == ["1", "2"] and "priority" in raw.info["text_columns"]
    assert rows[4]["теги"] == '[["тег", "опт"]]'
    assert rows[1]["time:timestamp"].isoformat() == "2024-03-01T07:15:00+00:00"
    assert rows[1]["vip"] is True and rows[1]["line"] == 16
    q = store.rows("SELECT * FROM quarantine WHERE log_name = 'deals'")
    assert len(q) == 1
    assert q[0]["row_no"] == 3 and q[0]["line"] == 28 and q[0]["value"] == "31.02.2024 10:00"
    assert q[0]["column_name"] == "time:timestamp" and "line 28" in q[0]["reason"]


def test_missing_timestamp_alone_stays_on_the_fast_path(store: EventStore, tmp_path: Path) -> None:
    text = (
        (DATA / "tiny.xes")
        .read_text(encoding="utf-8")
        .replace('<date key="time:timestamp" value="2024-03-02T09:00:00.000+03:00"/>', "")
    )
    p = tmp_path / "no_ts.xes"
    p.write_text(text, encoding="utf-8")
    raw = read_xes_raw(store, p, log_name="log")
    assert raw.info["engine"] == "r4pm" and raw.rows_read == 3
    assert store.sql(f'SELECT count(*) FROM {raw.table} WHERE "time:timestamp" IS NULL').fetchall()[0][0] == 1


def test_cases_counted_on_the_frame_as_count_distinct_does(store: EventStore, tmp_path: Path) -> None:
    # a case id used by two traces counts once, a trace without one not at all (count(DISTINCT) skips NULL)
    event = '<event><string key="concept:name" value="a"/><date key="time:timestamp" value="2024-03-01T10:00:00Z"/></event>'
    traces = [f'<string key="concept:name" value="{c}"/>' if c else "" for c in ("A", "", "A", " B")]
    p = tmp_path / "cases.xes"
    p.write_text(f"<log>{''.join(f'<trace>{t}{event}{event}</trace>' for t in traces)}</log>", encoding="utf-8")
    fast = read_xes_raw(store, p, log_name="log")
    robust = read_xes_raw(store, p, log_name="log", engine="lxml")
    assert (fast.info["engine"], robust.info["engine"], fast.rows_read) == ("r4pm", "lxml", 8)
    assert fast.info["cases"] == robust.info["cases"] == 2
    counted = store.sql(f'SELECT count(DISTINCT "case:concept:name") FROM {fast.table}').fetchall()[0][0]
    assert counted == 2


def test_r4pm_engine_refuses_to_guess(store: EventStore) -> None:
    with pytest.raises(InputError, match="cannot be trusted"):
        read_xes_raw(store, DATA / "edge_cases.xes", log_name="log", engine="r4pm")


def test_gzip_is_recognised_by_content(store: EventStore, tmp_path: Path) -> None:
    p = tmp_path / "tiny.xes.gz"
    p.write_bytes(gzip.compress((DATA / "tiny.xes").read_bytes()))
    plain = read_xes_raw(store, DATA / "tiny.xes", log_name="log")
    packed = read_xes_raw(store, p, log_name="log")
    assert _all_rows(store, plain.table) == _all_rows(store, packed.table)
    assert packed.source == "tiny.xes.gz"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '<log><trace><event><string key="concept:name" value="a"/></evnt></trace></log>',
            r"bad.xes line 1: this is not well-formed XES",
        ),
        (
            '<?xml version="1.0"?>\n<log>\n<trace><event><string key="concept:name" value="a"/></event>',
            r"bad.xes line 3: this is not well-formed XES",
        ),  # truncated: r4pm would accept it
        ('<?xml version="1.0"?>\n<html><body/></html>', r"bad.xes line 2: the root element is <html>"),
        ("case,activity,time\n1,a,2024-01-01\n", r"bad.xes: this is not an XML document"),
    ],
)
def test_malformed_files_name_the_file_and_line(store: EventStore, tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "bad.xes"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_xes_raw(store, p, log_name="log")


def test_missing_file(store: EventStore, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_xes_raw(store, tmp_path / "nope.xes", log_name="log")


def test_scan_counts_tags_across_chunk_edges(tmp_path: Path) -> None:
    event = b'<event><string key="concept:name" value="a"/></event>\n'
    body = b"<log><trace>" + event * 50_000 + b"</trace></log>\n"  # > 1 MiB: several chunks
    p = tmp_path / "many.xes"
    p.write_bytes(body)
    scan = scan_xes(p)
    assert scan["events"] == 50_000 and scan["complete"] and scan["first_trace"] == 5


def test_the_scan_fed_in_any_chunks_or_during_decompression_equals_the_file_scan(tmp_path: Path) -> None:
    import gzip

    from crmflow.ingest.safety import decompress_to_temp
    from crmflow.ingest.xes import XesScan

    event = b'<event><string key="concept:name" value="a"/><list key="l"></list></event>\n'
    body = b'<log><global scope="event"/><trace>' + event * 3_000 + b"</trace></log>\n<!-- end -->\n"
    plain = tmp_path / "x.xes"
    plain.write_bytes(body)
    expected = scan_xes(plain)
    assert expected["events"] == 3_000 and expected["lists"] == 3_000 and expected["globals"] == 1
    for size in (1, 7, 16, 17, 4096, 1 << 20):
        scan = XesScan()
        for i in range(0, len(body), size):
            scan.feed(body[i : i + size])
        assert scan.result() == expected, size
    gz = tmp_path / "x.xes.gz"
    gz.write_bytes(gzip.compress(body))
    during = XesScan()
    out = decompress_to_temp(gz, max_bytes=10**7, max_ratio=1000, observe=during.feed)
    assert out.read_bytes() == body and during.result() == expected
    out.unlink()


def test_no_temporary_copy_is_left_behind(store: EventStore, tmp_path: Path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shutil.copy(real("helpdesk.xes.gz"), tmp_path / "helpdesk.xes.gz")
    read_xes_raw(store, tmp_path / "helpdesk.xes.gz", log_name="log")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["helpdesk.xes.gz"]


def test_a_nul_in_an_attribute_key_is_refused_not_a_rust_panic(store: EventStore, tmp_path: Path) -> None:
    """Found by bench/fuzz.py (xes, seed 18): r4pm read a key with a NUL byte, and Polars panicked handing
    the column name to Arrow; the panic (a BaseException) ended the whole process."""
    text = (DATA / "tiny.xes").read_text(encoding="utf-8").replace('key="org:resource"', 'key="org:res\x00ource"', 1)
    p = tmp_path / "nul.xes"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"nul\.xes"):
        read_xes_raw(store, p, log_name="log")
    with pytest.raises(InputError, match="NUL character"):
        read_xes_raw(store, p, log_name="log", engine="r4pm")


def test_keys_that_differ_only_in_case_leave_the_fast_path(store: EventStore, tmp_path: Path) -> None:
    """Found by bench/fuzz.py (xes, seed 18, input 836): ``time:timestamp`` and ``tiMe:timestamp`` are one
    name to DuckDB, which bound the empty one and failed with a Binder Error traceback."""
    text = (DATA / "tiny.xes").read_text(encoding="utf-8")
    text = text.replace(
        '<string key="org:resource" value="Иванова"/>',
        '<string key="org:resource" value="Иванова"/><string key="ORG:resource" value="x"/>',
        1,
    )
    p = tmp_path / "case.xes"
    p.write_text(text, encoding="utf-8")
    raw = read_xes_raw(store, p, log_name="log")
    assert raw.info["engine"] == "lxml" and raw.info["fallback_reason"] == "attribute keys that differ only in case"
    assert raw.rows_read == 3 and {"org:resource", "org:resource_1"} <= set(store.columns(raw.table))
    with pytest.raises(InputError, match="differ only in case"):
        read_xes_raw(store, p, log_name="log", engine="r4pm")


def test_the_fast_copy_and_the_background_counts_equal_the_file_scan_in_any_chunks(tmp_path: Path) -> None:
    """Issue 11: r4pm's copy is written in the one pass (header globals blanked, same length, restorable
    to the log's own bytes) and the tag counts come from Arrow kernels in threads; both must equal the
    whole-file results whatever the chunks."""
    from crmflow.ingest.safety import ScratchFile
    from crmflow.ingest.xes_scan import _TAG
    from crmflow.ingest.xes_scan import FastCopy as _FastCopy
    from crmflow.ingest.xes_scan import TagCounts as _TagCounts

    event = b'<event><string key="concept:name" value="a"/><list key="l"></list></event>\n'
    body = b'<log>\n<global scope="event">\n<string key="x" value="1"/>\n</global>\n<trace>' + event * 3_000 + b"</trace></log>\n"
    p = tmp_path / "x.xes"
    p.write_bytes(body)
    expected = scan_xes(p)
    for size in (1, 7, 64, 4096, 1 << 20):
        scratches: list[ScratchFile] = []

        def scratch(into: list[ScratchFile] = scratches) -> ScratchFile:
            into.append(ScratchFile(suffix=".xes", directory=tmp_path, in_memory=50_000))
            return into[-1]

        copy = _FastCopy(scratch, always=True)
        for i in range(0, len(body), size):
            copy.feed(body[i : i + size])
        copy.finish()
        assert copy.blanked and copy.header_globals == 1
        assert copy.scratch is not None and not copy.scratch.in_memory  # past 50,000 bytes it moved to disk
        got = copy.scratch.path.read_bytes()
        assert len(got) == len(body) and b"<global" not in got and got.count(b"\n") == body.count(b"\n")
        counts = _TagCounts(copy.scratch.path).start().result()
        removed = copy.blanked_tags()
        own, for_r4pm = (Counter(_TAG.findall(b[: b.find(b"<trace")])) for b in (body, got))
        assert removed == own - for_r4pm and removed[b"global"] == 1
        assert counts["events"] + removed[b"event"] == expected["events"]
        assert counts["rare"] + removed[b"global"] == expected["lists"] + expected["globals"]
        copy.restore()
        assert copy.scratch.path.read_bytes() == body
        scratches[0].close()
        assert not list(tmp_path.glob("crmflow-*"))
