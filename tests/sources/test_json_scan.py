"""Pages read by DuckDB give exactly what the Python reader gives: same events, same quarantine rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crmflow.errors import SourceError, UnsafeInputError
from crmflow.ingest.raw import RawTable
from crmflow.settings import get_settings
from crmflow.sources import amocrm_scan, bitrix24
from crmflow.sources.amocrm import read_events
from crmflow.sources.bitrix24 import read_stagehistory
from crmflow.sources.json_scan import scan_records
from crmflow.store.store import EventStore

_HISTORY = [
    {"ID": 1, "TYPE_ID": 1, "OWNER_ID": 7, "CREATED_TIME": "2024-04-25T14:59:11+03:00", "CATEGORY_ID": 0, "STAGE_ID": "NEW"},
    {"ID": "2", "TYPE_ID": "2", "OWNER_ID": "7", "CREATED_TIME": "2024-04-26T10:00:00+03:00", "STAGE_ID": "WON",
     "STAGE_SEMANTIC_ID": "S"},
    {"ID": 3, "OWNER_ID": 8, "CREATED_TIME": "2024-04-26", "STAGE_ID": "NEW"},  # no offset: Python reads it
    {"ID": 4, "OWNER_ID": " 9 ", "CREATED_TIME": "2024-04-26T10:00:00Z", "STAGE_ID": "NEW"},  # padded id, Z
    {"ID": 5, "CREATED_TIME": "2024-04-26T10:00:00+03:00", "STAGE_ID": "NEW"},  # no OWNER_ID
    {"ID": 6, "OWNER_ID": 10, "CREATED_TIME": "31.02.2024", "STAGE_ID": ""},  # bad time and empty stage
    "not a record",
    {"ID": 7, "OWNER_ID": 11, "CREATED_TIME": "2024-13-01T10:00:00+03:00", "STATUS_ID": "IN_PROCESS"},  # month 13
    {"ID": 8, "OWNER_ID": 12, "CREATED_TIME": "2024-05-01T10:00:00+03:00", "STATUS_ID": "CONVERTED", "TYPE_ID": None,
     "CATEGORY_ID": 1.0, "STATUS_SEMANTIC_ID": "S"},
    {"ID": 9, "OWNER_ID": 14, "CREATED_TIME": "2024-05-02T10:00:00-00:00", "STAGE_ID": "NEW"},  # Python: +00:00
    {"ID": True, "OWNER_ID": 13, "CREATED_TIME": "2024-05-01T10:00:00-05:00", "STAGE_ID": "C1:NEW", "CATEGORY_ID": "1"},
]  # fmt: skip


def _amo_event(i: int, etype: str, lead: Any, at: Any, after: Any = None, before: Any = None, **more: Any) -> dict[str, Any]:
    ev = {"id": f"e{i}", "type": etype, "entity_id": lead, "entity_type": "lead", "created_by": 501, "created_at": at,
          "value_after": after if after is not None else [], "value_before": before if before is not None else []}  # fmt: skip
    return {**ev, **more}


def _st(sid: int, pid: Any = 900) -> list[dict[str, Any]]:
    return [{"lead_status": {"id": sid, "pipeline_id": pid}}]


_EVENTS = [
    _amo_event(1, "lead_added", 1, 1714000000),  # status from its first change's value_before
    _amo_event(2, "lead_status_changed", 1, 1714000500, _st(20), _st(10)),
    _amo_event(3, "lead_status_changed", 1, 1714000100, _st(30), _st(11)),  # earliest change wins
    _amo_event(4, "lead_status_changed", 2, 1714000100),  # no value_after status: quarantined
    _amo_event(5, "lead_added", 3, "1714000000", _st(10, "900")),  # digit strings: Python reads them
    _amo_event(6, "incoming_call", 3, 1714000200, [{"note": {"id": 1}}]),
    _amo_event(7, "common_note_added", "4", 1714000300, created_by="Ivan"),
    _amo_event(8, "custom_thing", 4, 1714000400, entity_type="contacts"),
    _amo_event(9, "lead_status_changed", 4, "x", _st(142)),  # unreadable time
    {"type": "lead_added"},  # missing keys
    [1, 2],
    _amo_event(12, "lead_status_changed", 5, 1714000600, [{"other": 1}, {"lead_status": {"id": 143, "pipeline_id": 900}}]),
    _amo_event(13, "lead_added", 6, 1714000700, None, None, created_by=None, id=None),
]


def _write(path: Path, pages: list[Any], *, lines: bool) -> Path:
    if lines:
        path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n\n" for p in pages), encoding="utf-8")
    else:
        path.write_text(json.dumps(pages, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _read(read: Any, path: Path, monkeypatch: pytest.MonkeyPatch | None) -> tuple[list[Any], list[Any], RawTable]:
    store = EventStore(settings=get_settings().model_copy(update={"lang": "en"}))
    if monkeypatch is not None:  # the Python reader only
        monkeypatch.setattr(bitrix24, "scan_records", lambda *a, **k: None)
        monkeypatch.setattr(amocrm_scan, "scan_records", lambda *a, **k: None)
    raw = read(store, path, "log")
    if monkeypatch is not None:
        monkeypatch.undo()
    events = store.sql(f"SELECT * FROM {raw.table} ORDER BY row_no").fetchall()
    quarantine = store.sql("SELECT * FROM quarantine ORDER BY row_no").fetchall()
    return events, quarantine, raw


@pytest.mark.parametrize("lines", [False, True], ids=["array", "jsonl"])
@pytest.mark.parametrize(
    "read, pages",
    [
        (read_stagehistory, [{"result": {"items": _HISTORY[:5]}, "total": 10}, {"result": {"items": _HISTORY[5:]}}]),
        (read_events, [{"_page": 1, "_embedded": {"events": _EVENTS[:6]}}, {"_page": 2, "_embedded": {"events": _EVENTS[6:]}}]),
    ],
    ids=["bitrix24", "amocrm"],
)
def test_engine_and_python_readers_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: Any, pages: list[Any], lines: bool
) -> None:
    path = _write(tmp_path / ("pages.jsonl" if lines else "pages.json"), pages, lines=lines)
    events, quarantine, raw = _read(read, path, None)
    want_events, want_quarantine, want_raw = _read(read, path, monkeypatch)
    assert raw.info["engine"] == "duckdb" and want_raw.info["engine"] == "python"
    assert 0 < raw.info["checked_in_python"] < raw.rows_read  # some records went each way
    assert events == want_events
    assert quarantine == want_quarantine and len(quarantine) >= 3
    assert (raw.rows_read, raw.quarantined) == (want_raw.rows_read, want_raw.quarantined)
    assert len(events) + len(quarantine) == raw.rows_read
    if lines:
        assert {q[3] for q in quarantine} <= {1, 3}  # the page's line in the file, blank lines counted


def test_bare_list_of_records_is_one_page(tmp_path: Path) -> None:
    path = _write(tmp_path / "items.json", _HISTORY, lines=False)
    events, quarantine, raw = _read(read_stagehistory, path, None)
    assert raw.info == {**raw.info, "engine": "duckdb", "pages": 1}
    assert any("items.json page 1, record 5: missing key `OWNER_ID`" in q[6] for q in quarantine)
    assert len(events) + len(quarantine) == len(_HISTORY)


@pytest.mark.parametrize(
    "text, error",
    [
        ('[{"result": {"items": []}}, {"total": 3}]', r"page 2: missing key `result`"),
        ('{"result": {"items": [1]}}\n{"result": {"items": [1]}', r"not valid JSON \(line 2"),
        ('[{"result": {"items": [}]', r"not valid JSON"),
    ],
)
def test_broken_pages_fall_back_to_the_python_error(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "h.json"
    path.write_text(text, encoding="utf-8")
    store = EventStore()
    assert scan_records(store, path, record_paths=("$.result", "$.result.items"), page_keys=("result", "total")) is None
    with pytest.raises(SourceError, match=error):
        read_stagehistory(store, path, "log")


def test_deeply_nested_record_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"result": {"items": []}}\n{"result": {"items": [' + "[" * 50_000 + "]" * 50_000 + "]}}\n")
    with pytest.raises(SourceError, match=r"deep\.jsonl: not valid JSON \(line 2: nested too deeply\)"):
        read_stagehistory(EventStore(), path, "log")


def test_size_limit_holds_before_duckdb_reads(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.json", [{"result": {"items": _HISTORY}}], lines=False)
    store = EventStore(settings=get_settings().model_copy(update={"max_ocel_json_bytes": 100}))
    with pytest.raises(UnsafeInputError, match="big.json: .* bytes is more than the limit of 100 bytes"):
        read_stagehistory(store, path, "log")
