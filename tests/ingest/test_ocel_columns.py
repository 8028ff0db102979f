"""The columnar OCEL 2.0 JSON reader gives the item-by-item reader's tables, or leaves the document to it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import IO

import pyarrow as pa
import pytest

from crmflow.errors import InputError
from crmflow.ingest import ocel_columns, ocel_scan
from crmflow.ingest.ocel_json import InvalidJsonError, parts_from_json_stream
from crmflow.ingest.ocel_parts import OcelParts
from crmflow.ingest.ocel_scan import outline
from tests.conftest import ROOT

JSON_LOG = ROOT / "tests" / "data" / "ocel" / "orders.jsonocel"
TABLES = ("events", "attributes", "relations", "objects", "object_values", "o2o")


def _opener(data: bytes) -> Callable[[], IO[bytes]]:
    return lambda: io.BytesIO(data)


def _columnar(data: bytes) -> OcelParts | None:
    return ocel_columns.parts_columnar(_opener(data), "x", outline(_opener(data), "x"))


def _item_by_item(data: bytes) -> OcelParts:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(ocel_columns, "parts_columnar", lambda *_: None)
        return parts_from_json_stream(_opener(data), "x")


def _assert_same(a: OcelParts, b: OcelParts) -> None:
    for k in TABLES:
        ta, tb = getattr(a, k), getattr(b, k)
        assert ta.schema == tb.schema, k
        assert ta.equals(tb), (k, ta.slice(0, 5).to_pylist(), tb.slice(0, 5).to_pylist())
    assert (a.attribute_types, a.event_types, a.object_types) == (b.attribute_types, b.event_types, b.object_types)


def _doc(events: list[str], objects: list[str] | None = None, extra: str = "") -> bytes:
    head = (
        '{"objectTypes": [{"name": "order", "attributes": [{"name": "s", "type": "string"}]}], '
        '"eventTypes": [{"name": "pay", "attributes": [{"name": "v", "type": "float"}]}], '
    )
    objs = objects if objects is not None else ['{"id": "o1", "type": "order", "attributes": [], "relationships": []}']
    return (head + f'"objects": [{", ".join(objs)}], "events": [{", ".join(events)}]{extra}}}').encode()


def _event(n: int, value: str = '"x"', time: str = '"2024-01-01T10:00:00Z"', qualifier: str = '"q"') -> str:
    return (
        f'{{"id": "e{n}", "type": "pay", "time": {time}, "attributes": [{{"name": "v", "value": {value}}}], '
        f'"relationships": [{{"objectId": "o1", "qualifier": {qualifier}}}, {{"objectId": "o{n}", "qualifier": "r"}}]}}'
    )


VALUES = [
    '"s"', r'"es\"ca\\ped\n\u00e9 \ud83d\ude00"', '"ещё"', "7", "-0", "1.5", "1E5", "1e-7", "-0.0", "1e400",
    "12345678901234567890123", "-9223372036854775809", "18446744073709551615", "true", "false", "null",
    '[1, "x", {"a": 2.50}]', '{"k": [true, null], "j": {}}', "[]", '""', '"[1, 2]"', '"{\\"a\\": 1}"',
]  # fmt: skip


def test_the_fixture_is_read_by_columns_as_item_by_item() -> None:
    data = JSON_LOG.read_bytes()
    parts = _columnar(data)
    assert parts is not None  # its objects leave out "relationships": allowed, still columnar
    _assert_same(parts, _item_by_item(data))
    assert parts.events.num_rows == len(json.loads(data)["events"])


def test_values_of_every_json_type_come_out_as_the_item_by_item_reader_writes_them() -> None:
    events = [_event(i, value=v, time=v if i % 3 == 0 else '"2024-01-01T10:00:00Z"', qualifier=v) for i, v in enumerate(VALUES)]
    objects = [
        f'{{"id": "o{i}", "type": "order", "attributes": [{{"name": "s", "value": {v}, "time": {v}}}], '
        f'"relationships": [{{"objectId": "o1", "qualifier": {v}}}]}}'
        for i, v in enumerate(VALUES)
    ]
    data = _doc(events, objects)
    parts = _columnar(data)
    assert parts is not None
    _assert_same(parts, _item_by_item(data))
    assert parts.attributes.column("value").to_pylist()[:10] == [
        "s", 'es"ca\\ped\né 😀', "ещё", "7", "0", "1.5", "100000.0", "1e-07", "0.0", "inf",
    ]  # fmt: skip
    assert parts.attributes.column("value").to_pylist()[15:17] == [None, "[1, 'x', {'a': 2.5}]"]


@pytest.mark.parametrize(
    "event",
    [
        '{"id": "e", "type": "pay", "time": "2024-01-01T10:00:00Z"}',
        '{"id": "e", "type": "pay", "time": "2024-01-01T10:00:00Z", "attributes": [{"name": "v", "value": 1}]}',
        '{"id": "e", "type": "pay", "time": "t", "relationships": [{"objectId": "o1", "qualifier": "q"}]}',
        '{"id": "e", "type": "pay", "time": "t", "attributes": null, "relationships": []}',
    ],
)
def test_events_without_one_of_their_lists_are_read_by_columns(event: str) -> None:
    data = _doc(
        [_event(1), event, _event(2)], ['{"id": "o1", "type": "order"}', '{"id": "o2", "type": "order", "attributes": []}']
    )
    parts = _columnar(data)
    assert parts is not None
    _assert_same(parts, _item_by_item(data))


def test_a_bom_and_pretty_printing_are_read_by_columns() -> None:
    data = b"\xef\xbb\xbf  \n" + json.dumps(json.loads(JSON_LOG.read_bytes()), indent=4, ensure_ascii=False).encode()
    parts = _columnar(data)
    assert parts is not None
    _assert_same(parts, _item_by_item(data))


@pytest.mark.parametrize(
    "data",
    [
        _doc(['{"id": "e", "type": "pay", "time": "t", "attributes": [], "relationships": [], "extra": NaN}']),
        _doc(['{"id": "e", "type": "pay", "time": "t", "attributes": [], "relationships": [], "extra": [1, 2]}']),
        _doc(['{"id": "a", "id": "b", "type": "pay", "time": "t", "attributes": [], "relationships": []}']),
        _doc(['{"id": "e", "type": "pay", "time": "t", "attributes": [{"name": "v", "value": 1, "value": 2}]}']),
        _doc(['{"id": "e", "type": "pay", "time": "t", "attributes": {}, "relationships": []}']),
        _doc(['{"id": "e", "type": "pay", "time": "t", "attributes": [], "relationships": [{"objectId": "o1"}]}']),
        _doc([_event(1)], extra=', "events": [' + _event(2) + "]"),
        _doc([_event(1)], ["5"]),
        _doc(['{"id": 5, "type": "pay", "time": "t", "attributes": [], "relationships": []}']),
        _doc([_event(1, value="NaN")]),
        _doc([_event(1, value="[1, Infinity]")]),
        _doc([_event(1, value="nan")]),
        _doc([_event(1, value="[1, 2,]")]),
        _doc([_event(1) + ","]),
        _doc([_event(1).replace('"r"}]', '"r"},]')]),
        _doc([_event(1, value='"bad \\xff byte"')]),
        _doc([_event(1, value="1" + "0" * 5000)]),
        _doc([_event(1, value=r'"\ud800"')]),
        b'{"ocel:events": [], "events": []}',
        b'{"events": [{"id": "e", "type": "t"}]} x',
        b'[{"events": []}]',
    ],
)
def test_what_the_columnar_reader_cannot_vouch_for_goes_to_the_item_by_item_reader(data: bytes) -> None:
    """Unknown or doubled keys, lenient JSON that DuckDB takes (NaN, trailing commas), bad bytes: None,
    and the whole read is the item-by-item reader's — the same tables, or the same refusal."""
    data = data.replace(b"\\xff", b"\xff")
    assert _columnar(data) is None
    try:
        expected: OcelParts | str = _item_by_item(data)
    except (InputError, UnicodeEncodeError, pa.ArrowException) as exc:
        expected = f"{type(exc).__name__}: {exc}"
    try:
        got: OcelParts | str = parts_from_json_stream(_opener(data), "x")
    except (InputError, UnicodeEncodeError, pa.ArrowException) as exc:
        got = f"{type(exc).__name__}: {exc}"
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
    else:
        _assert_same(got, expected)


def test_lenient_json_is_refused_as_before() -> None:
    for value, message in (("NaN", "NaN"), ("-Infinity", "Infinity"), ("[1, 2,]", "Illegal trailing comma|Expecting value")):
        with pytest.raises(InvalidJsonError, match=message):
            parts_from_json_stream(_opener(_doc([_event(1, value=value)])), "x")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000])
def test_the_outline_cut_by_any_chunk_size_gives_the_same_tables(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    tricky = r'"a \"quoted\" [bracket] {brace}, comma: colon \\\\"'
    data = _doc([_event(1, value=tricky), _event(2, value='"\\\\"'), _event(3)])
    expected = _item_by_item(data)
    monkeypatch.setattr(ocel_scan, "CHUNK", chunk)
    parts = _columnar(data)
    assert parts is not None
    _assert_same(parts, expected)


def test_batches_of_any_size_give_the_same_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    data = JSON_LOG.read_bytes()
    expected = _item_by_item(data)
    for batch in (1, 2, 5):
        monkeypatch.setattr(ocel_columns, "BATCH", batch)
        parts = _columnar(data)
        assert parts is not None
        _assert_same(parts, expected)


def test_the_outline_finds_the_top_level_and_the_item_cuts() -> None:
    data = b'{"a": 1, "events": [{"id": "x,y"}, {"k": [1, 2]}], "b": {"c": 2}}'
    o = outline(_opener(data), "x")
    assert bytes(o.kinds) == b"{:,:[],:{}}"
    assert [data[c : c + 2] for c in o.cuts.tolist()] == [b", "]  # the one comma between the two items
    assert not o.trailing_comma and o.complete
    assert outline(_opener(b'{"events": [1, 2 ,\n ]}'), "x").trailing_comma
