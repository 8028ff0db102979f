"""The streamed OCEL 2.0 JSON reader: chunk boundaries, the nesting screen, item and value limits."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from crmflow.errors import InputError, UnsafeInputError
from crmflow.ingest import ocel_json
from crmflow.ingest.ocel_json import InvalidJsonError, parts_from_json_stream
from crmflow.ingest.ocel_parts import OcelParts
from tests.conftest import ROOT

JSON_LOG = ROOT / "tests" / "data" / "ocel" / "orders.jsonocel"


def _opener(data: bytes) -> Callable[[], IO[bytes]]:
    return lambda: io.BytesIO(data)


def _tables(parts: OcelParts) -> dict[str, object]:
    out: dict[str, object] = {
        k: getattr(parts, k).to_pylist() for k in ("events", "attributes", "relations", "objects", "object_values", "o2o")
    }
    out["types"] = (parts.attribute_types, parts.event_types, parts.object_types)
    return out


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000])
def test_items_cut_by_any_chunk_size_read_the_same(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    data = JSON_LOG.read_bytes()
    whole = _tables(parts_from_json_stream(_opener(data), "orders.jsonocel"))
    monkeypatch.setattr(ocel_json, "CHUNK", chunk)
    assert _tables(parts_from_json_stream(_opener(data), "orders.jsonocel")) == whole
    assert len(whole["events"]) == 8  # type: ignore[arg-type]


def test_pretty_printed_with_a_bom_and_unknown_keys_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = json.loads(JSON_LOG.read_bytes())
    doc = {"producer": {"name": "x", "nested": [[1, 2], {"a": [3]}]}, **doc, "z": None}
    data = b"\xef\xbb\xbf" + json.dumps(doc, indent=4, ensure_ascii=False).encode("utf-8")
    monkeypatch.setattr(ocel_json, "CHUNK", 5)
    assert _tables(parts_from_json_stream(_opener(data), "x")) == _tables(
        parts_from_json_stream(_opener(JSON_LOG.read_bytes()), "x")
    )


def test_brackets_and_escaped_quotes_inside_strings_are_not_nesting(monkeypatch: pytest.MonkeyPatch) -> None:
    name = '\\"' + "[" * 200 + '\\\\\\" {{{ ' + "\\\\" * 3  # \", brackets, \\ \", braces, 3 × \\
    data = (
        '{"objectTypes": [], "eventTypes": [], "objects": [], "events": '
        f'[{{"id": "e1", "type": "{name}", "time": "2024-01-01T00:00:00Z"}}]}}'
    ).encode()
    for chunk in (3, 4096):
        monkeypatch.setattr(ocel_json, "CHUNK", chunk)
        parts = parts_from_json_stream(_opener(data), "x")
        assert parts.events.column("etype").to_pylist() == [json.loads(f'"{name}"')]


def test_nesting_just_over_the_limit_is_refused_and_just_under_is_read() -> None:
    def doc(depth: int) -> bytes:  # an attribute value starts at depth 5
        inner = "[" * (depth - 5) + "]" * (depth - 5)
        return ('{"events": [{"id": "e", "type": "t", "attributes": [{"name": "n", "value": ' + inner + "}]}]}").encode()

    assert parts_from_json_stream(_opener(doc(ocel_json.MAX_DEPTH)), "x").attributes.num_rows == 1
    with pytest.raises(UnsafeInputError, match="nested too deeply"):
        parts_from_json_stream(_opener(doc(ocel_json.MAX_DEPTH + 1)), "x")


def test_one_item_larger_than_the_limit_is_refused_with_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocel_json, "MAX_ITEM", 1000)
    monkeypatch.setattr(ocel_json, "CHUNK", 100)
    big = '{"id": "e2", "type": "t", "attributes": [{"name": "n", "value": "' + "x" * 5000 + '"}]}'
    data = ('{"events": [{"id": "e1", "type": "t"}, ' + big + "]}").encode()
    with pytest.raises(UnsafeInputError, match=r"x: events\[1\] is larger than"):
        parts_from_json_stream(_opener(data), "x")


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        ('{"events": [{"id": "e", "type": "t", "attributes": [{"name": "n", "value": NaN}]}]}', InvalidJsonError, "NaN"),
        ('{"events": []} []', InvalidJsonError, "extra data after the document"),
        ('{"events": [{"id": "e", "type": "t"} {"id": "f"}]}', InvalidJsonError, r"expected ',' or '\]' after events\[0\]"),
        ('{"events": [{"id": "e", "type": "t", "attributes": 5}]}', InputError, r"events\[0\].attributes is not a list"),
        ('{"events": [{"id": "e", "type": "t", "relationships": {"a": 1}}]}', InputError, "relationships is not a list"),
        (
            '{"events": [{"id": "e", "type": "t", "attributes": [{"name": "n", "value": 1' + "0" * 5000 + "}]}]}",
            InputError,
            r"events\[0\]: .*digits",
        ),  # fmt: skip
        ("[1, 2]", InputError, "no 'events' list"),
        ('"events"', InputError, "no 'events' list"),
        ('{"events": {}}', InputError, "no 'events' list"),
        ("", InvalidJsonError, "invalid JSON"),
        ('{"events": [], "objects": [{"id": "o", "type": "t", "attributes": "x"}]}', InputError, "objects\\[0\\].attributes"),
    ],
)
def test_broken_documents_are_named(content: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parts_from_json_stream(_opener(content.encode()), "x")


def test_a_real_file_through_the_reader_matches_json_load(tmp_path: Path) -> None:
    """What the stream builds agrees with the plain json module's view of the same document."""
    doc = json.loads(JSON_LOG.read_bytes())
    parts = parts_from_json_stream(_opener(JSON_LOG.read_bytes()), "orders.jsonocel")
    assert parts.events.column("eid").to_pylist() == [e["id"] for e in doc["events"]]
    assert parts.relations.num_rows == sum(len(e.get("relationships") or ()) for e in doc["events"])
    assert parts.objects.column("oid").to_pylist() == [o["id"] for o in doc["objects"]]


def test_a_large_json_log_gets_an_early_note_with_the_time_and_the_faster_layout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from crmflow.ingest.ocel import read_ocel_raw
    from crmflow.store.store import EventStore

    monkeypatch.setattr(ocel_json, "SLOW_BYTES", 1000)
    notes: list[str] = []
    read_ocel_raw(EventStore(), JSON_LOG, log_name="log", object_type="order", progress=notes.append)
    assert notes[1].startswith("orders.jsonocel: 0 MB of OCEL 2.0 JSON is read column by column, about 0 s")
    assert "SQLite or XML layout" in notes[1]
    small: list[str] = []
    monkeypatch.setattr(ocel_json, "SLOW_BYTES", 10**9)
    read_ocel_raw(EventStore(), JSON_LOG, log_name="log", object_type="order", progress=small.append)
    assert not any("column by column" in n for n in small)
