"""The OCEL 2.0 JSON layout, streamed: memory holds Arrow columns, never the document.

A document is first read column by column (:mod:`crmflow.ingest.ocel_columns`: DuckDB's JSON
functions over the items that the byte outline of :mod:`crmflow.ingest.ocel_scan` cut, about
5 s of one core for 255 MB). What that reader cannot vouch for is read here, and every refusal
is worded here.

Item by item, ``objectTypes``, ``eventTypes``, ``objects`` and ``events`` are read one at a time: the text is
decoded in chunks and each item parsed by the C decoder of :mod:`json` (:class:`_Text`), its
values appended to column buffers that are turned into Arrow batches every :data:`BATCH` rows.
A 255 MB file thus needs about as much memory as its columns (Python's :mod:`json` held the
whole document: 6.6 GB). Nesting deeper than :data:`MAX_DEPTH` is refused before any item is
built (no OCEL log nests like that), and so is one item larger than :data:`MAX_ITEM`.

>>> import tempfile, pathlib
>>> doc = b'{"objectTypes": [{"name": "order", "attributes": []}], "eventTypes": [], ' \\
...       b'"objects": [{"id": "o1", "type": "order"}], "events": [{"id": "e1", "type": "pay", ' \\
...       b'"time": "2024-01-01T10:00:00Z", "relationships": [{"objectId": "o1", "qualifier": "q"}]}]}'
>>> path = pathlib.Path(tempfile.mkdtemp()) / "log.jsonocel"
>>> _ = path.write_bytes(doc)
>>> parts = parts_from_json_stream(lambda: path.open("rb"), "log.jsonocel")
>>> parts.events.num_rows, parts.relations.column("oid").to_pylist()
(1, ['o1'])
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

import pyarrow as pa

from crmflow.errors import InputError, UnsafeInputError
from crmflow.i18n import Phrase, error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.ocel_parts import OcelParts, _text
from crmflow.ingest.ocel_scan import MAX_DEPTH, outline

#: Rows buffered in Python lists before they become an Arrow batch.
BATCH = 100_000
_SECTIONS = ("objectTypes", "eventTypes", "objects", "events")


class InvalidJsonError(InputError):
    """The bytes are not JSON (the caller may locate the error more precisely)."""


def _need(obj: Any, key: str, where: str, label: str, kind: type | tuple[type, ...] = str) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get(key), kind):
        raise error(InputError, ERRORS, "ocel_json.has_no_valid_expected", label=label, where=where, key=key)
    return obj[key]


def _list(value: Any, where: str, label: str) -> list[Any]:
    if type(value) is not list:
        raise error(InputError, ERRORS, "ocel_json.not_list_expected_ocel", label=label, where=where)
    return value  # type: ignore[no-any-return]


class _Columns:
    """Named text/integer columns, flushed to Arrow every :data:`BATCH` rows."""

    def __init__(self, names: tuple[str, ...], ints: tuple[str, ...] = ()) -> None:
        self.types = {n: pa.int64() if n in ints else pa.string() for n in names}
        self.rows: dict[str, list[Any]] = {n: [] for n in names}
        self.batches: list[pa.Table] = []

    def cols(self) -> tuple[list[Any], ...]:
        """The column buffers, to append to directly; they stay the same lists (flushing empties them)."""
        return tuple(self.rows.values())

    def flush(self) -> None:
        if next(iter(self.rows.values())):
            self.batches.append(pa.table({n: pa.array(v, self.types[n]) for n, v in self.rows.items()}))
            for v in self.rows.values():
                v.clear()  # in place: the buffers handed out by cols() stay valid

    def table(self) -> pa.Table:
        self.flush()
        if not self.batches:
            return pa.table({n: pa.array([], t) for n, t in self.types.items()})
        return pa.concat_tables(self.batches)


class _Log:
    def __init__(self, label: str) -> None:
        self.label = label
        self.types: dict[str, set[str]] = {}
        self.declared: dict[str, dict[str, list[tuple[str, str]]]] = {"eventTypes": {}, "objectTypes": {}}
        self.ev = _Columns(("ord", "eid", "etype", "time"), ints=("ord",))
        self.at = _Columns(("ord", "name", "value"), ints=("ord",))
        self.rel = _Columns(("ord", "rel_ord", "oid", "qualifier"), ints=("ord", "rel_ord"))
        self.objs = _Columns(("oid", "otype"))
        self.values = _Columns(("oid", "name", "value", "time"))
        self.o2o = _Columns(("source", "target", "qualifier"))
        self.counts = dict.fromkeys(_SECTIONS, 0)
        # the column buffers, bound once (flushing empties them in place)
        self.ev_cols, self.at_cols, self.rel_cols = self.ev.cols(), self.at.cols(), self.rel.cols()
        self.obj_cols, self.values_cols, self.o2o_cols = self.objs.cols(), self.values.cols(), self.o2o.cols()

    def item(self, section: str, obj: Any) -> None:
        i = self.counts[section]
        self.counts[section] += 1
        label = self.label
        if section in self.declared:
            attrs = self.declared[section].setdefault(_need(obj, "name", f"{section}[{i}]", label), [])
            for j, a in enumerate(obj.get("attributes") or []):
                t = _need(a, "type", f"{section}[{i}].attributes[{j}]", label)
                attrs.append((_need(a, "name", f"{section}[{i}].attributes[{j}]", label), t))
                if section == "eventTypes":
                    self.types.setdefault(attrs[-1][0], set()).add(t)
        elif section == "events":
            if type(obj) is not dict or type(obj.get("id")) is not str or type(obj.get("type")) is not str:
                _need(obj, "id", f"events[{i}]", label)
                _need(obj, "type", f"events[{i}]", label)
            e_ord, e_id, e_type, e_time = self.ev_cols
            e_ord.append(i)
            e_id.append(obj["id"])
            e_type.append(obj["type"])
            t = obj.get("time")
            e_time.append(t if type(t) is str else _text(t))
            attributes = obj.get("attributes")
            if attributes:
                _list(attributes, f"events[{i}].attributes", label)
                a_ord, a_name, a_value = self.at_cols
                for a in attributes:
                    name = a.get("name") if type(a) is dict else None
                    if type(name) is not str:
                        _need(a, "name", f"events[{i}].attributes", label)
                    a_ord.append(i)
                    a_name.append(name)
                    v = a.get("value")
                    a_value.append(v if type(v) is str else _text(v))
            relationships = obj.get("relationships")
            if relationships:
                _list(relationships, f"events[{i}].relationships", label)
                r_ord, r_k, r_oid, r_q = self.rel_cols
                for k, r in enumerate(relationships):
                    oid = r.get("objectId") if type(r) is dict else None
                    if type(oid) is not str:
                        _need(r, "objectId", f"events[{i}].relationships[{k}]", label)
                    r_ord.append(i)
                    r_k.append(k)
                    r_oid.append(oid)
                    q = r.get("qualifier")
                    r_q.append(q if type(q) is str else _text(q))
            if len(e_ord) >= BATCH:
                self.ev.flush()
                self.at.flush()
                self.rel.flush()
        else:
            oid = _need(obj, "id", f"objects[{i}]", label)
            o_id, o_type = self.obj_cols
            o_id.append(oid)
            o_type.append(_need(obj, "type", f"objects[{i}]", label))
            v_oid, v_name, v_value, v_time = self.values_cols
            for j, a in enumerate(_list(obj.get("attributes") or [], f"objects[{i}].attributes", label)):
                v_oid.append(oid)
                v_name.append(_need(a, "name", f"objects[{i}].attributes[{j}]", label))
                v_value.append(_text(a.get("value")))
                v_time.append(_text(a.get("time")))
            s_src, s_tgt, s_q = self.o2o_cols
            for k, r in enumerate(_list(obj.get("relationships") or [], f"objects[{i}].relationships", label)):
                s_src.append(oid)
                s_tgt.append(_need(r, "objectId", f"objects[{i}].relationships[{k}]", label))
                s_q.append(_text(r.get("qualifier")))
            if len(o_id) >= BATCH:
                self.objs.flush()
                self.values.flush()
                self.o2o.flush()

    def parts(self) -> OcelParts:
        return OcelParts(
            events=self.ev.table(),
            attributes=self.at.table(),
            relations=self.rel.table(),
            objects=self.objs.table(),
            attribute_types=self.types,
            object_values=self.values.table(),
            o2o=self.o2o.table(),
            event_types=self.declared["eventTypes"],
            object_types=self.declared["objectTypes"],
        )


#: What the reader gets through on one core, MB/s (docs/benchmarks.md, issue 18): for the early note.
MB_PER_SECOND = 30.0
#: From this size on, a progress note says how long the read will take and what is faster.
SLOW_BYTES = 128 * 2**20


def size_note(size: int, label: str) -> str | None:
    """The early note for a large JSON log (None below :data:`SLOW_BYTES`).

    >>> size_note(255 * 2**20, "big.jsonocel").split("; ")[0]
    'big.jsonocel: 255 MB of OCEL 2.0 JSON is read column by column, about 8 s of one core'
    """
    if size < SLOW_BYTES:
        return None
    mb = size / 2**20
    return (
        f"{label}: {mb:,.0f} MB of OCEL 2.0 JSON is read column by column, about {mb / MB_PER_SECOND:,.0f} s of one core; "
        "longer if it has to be read item by item; the OCEL 2.0 SQLite or XML layout of the same log reads faster"
    )


#: Characters decoded at a time; an item may span chunks (it is then decoded again, whole).
CHUNK = 4 * 1024 * 1024
#: Largest single item (object, event, declaration or other value) accepted, in characters.
MAX_ITEM = 64 * 1024 * 1024
_WS = re.compile(r"[ \t\n\r]*")
#: A JSON error at most this many characters before the end of the text read may be the cut of a chunk.
_CUT = 8


class _NotJsonNumber(ValueError):
    """NaN or Infinity (Python's decoder accepts them, JSON does not)."""


def _reject_constant(name: str) -> Any:
    raise _NotJsonNumber(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


class _Text:
    """The document decoded in chunks of :data:`CHUNK` characters, read from left to right.

    Each value is parsed by the C decoder of :mod:`json` (``raw_decode``) from the current
    position; one cut by the end of a chunk is parsed again once the next chunk is read. Memory
    holds a chunk and the item being read (at most :data:`MAX_ITEM` characters).
    """

    def __init__(self, fh: IO[bytes], label: str) -> None:
        self.fh, self.label = fh, label
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf, self.pos, self.done, self.offset = "", 0, False, 0
        if self.next_char() == "\ufeff":  # a byte order mark (Windows tools write one)
            self.pos += 1

    def more(self) -> bool:
        """Read the next chunk; False at the end of the document."""
        if self.done:
            return False
        data = self.fh.read(CHUNK)
        text = self.decoder.decode(data, final=not data)
        self.done = not data
        self.offset += self.pos
        self.buf, self.pos = self.buf[self.pos :] + text, 0
        return bool(text) or not self.done

    def next_char(self) -> str:
        """The next character that is not white space ("" at the end), not consumed."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def expect(self, chars: str, where: str) -> str:
        """Consume the next character, one of ``chars``."""
        c = self.next_char()
        if not c or c not in chars:
            found = f"{c!r}" if c else Phrase(ERRORS, "ocel_json.end_of_file")
            raise error(
                InvalidJsonError,
                ERRORS,
                "ocel_json.invalid_json_expected_found",
                label=self.label,
                value=" or ".join(map(repr, chars)),
                where=where,
                found=found,
                value2=self.offset + self.pos,
            )
        self.pos += 1
        return c

    def value(self, what: str) -> Any:
        """Parse the JSON value that starts here."""
        self.next_char()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.buf) - _CUT or exc.msg.startswith("Unterminated string")
                if self.done or not cut:
                    raise error(
                        InvalidJsonError,
                        ERRORS,
                        "ocel_json.invalid_json_character",
                        label=self.label,
                        msg=exc.msg,
                        value=self.offset + exc.pos,
                    ) from None
            except _NotJsonNumber as exc:
                raise error(InvalidJsonError, ERRORS, "ocel_json.invalid_json", label=self.label, exc=exc, what=what) from None
            except ValueError as exc:  # an integer of more than 4,300 digits
                raise error(InputError, ERRORS, "ocel_json.message", label=self.label, what=what, exc=exc) from None
            else:
                if end < len(self.buf) or self.done:  # a value is whole when something follows it
                    self.pos = end
                    return obj
            if len(self.buf) - self.pos > MAX_ITEM:
                raise error(
                    UnsafeInputError,
                    ERRORS,
                    "ocel_json.larger_than_mb_text",
                    label=self.label,
                    what=what,
                    value=MAX_ITEM // 2**20,
                )
            self.more()

    def items(self, what: str) -> Iterator[Any]:
        """The items of the list that starts here, one at a time."""
        self.expect("[", what)
        if self.next_char() == "]":
            self.pos += 1
            return
        i = 0
        while True:
            yield self.value(f"{what}[{i}]")
            i += 1
            if self.expect(",]", f"after {what}[{i - 1}]") == "]":
                return

    def skip(self, what: str) -> None:
        """Read past the value that starts here, a list or object item by item (any size, bounded memory)."""
        c = self.next_char()
        if c == "[":
            for _ in self.items(what):
                pass
        elif c == "{":
            for key in self.keys(what):
                self.skip(f"{what}.{key}")
        else:
            self.value(what)

    def keys(self, what: str) -> Iterator[str]:
        """The keys of the object that starts here; the caller reads each key's value."""
        self.expect("{", what)
        if self.next_char() == "}":
            self.pos += 1
            return
        while True:
            key = self.value(f"a key of {what}")
            if not isinstance(key, str):
                raise error(InvalidJsonError, ERRORS, "ocel_json.invalid_json_key_not", label=self.label, what=what)
            self.expect(":", f"after the key {key!r}")
            yield key
            if self.expect(",}", f"after the value of {key!r}") == "}":
                return


def _read_document(fh: IO[bytes], log: _Log) -> None:
    """Walk the top-level object: the four OCEL lists item by item, anything else skipped."""
    label = log.label
    text = _Text(fh, label)
    no_events = InputError(f"{label}: no 'events' list at the top level (expected the OCEL 2.0 JSON layout)")
    if text.next_char() not in ("{", ""):  # a JSON value, but not an object (or not JSON: the decoder says)
        text.value("the document")
        raise no_events
    lists: set[str] = set()
    for key in text.keys("the document"):
        if key in ("ocel:events", "ocel:global-log"):
            raise error(InputError, ERRORS, "ocel_json.this_ocel_json_crmflow", label=label)
        if key in _SECTIONS and text.next_char() == "[":
            lists.add(key)
            for obj in text.items(key):
                log.item(key, obj)
        elif key == "events":
            raise no_events
        else:
            text.skip(key)
    if text.next_char():
        raise error(InvalidJsonError, ERRORS, "ocel_json.invalid_json_extra_data", label=label, value=text.offset + text.pos)
    if "events" not in lists:
        raise no_events


def parts_from_json_stream(opener: Callable[[], IO[bytes]], label: str) -> OcelParts:
    """Read an OCEL 2.0 JSON document into :class:`OcelParts`; ``opener`` opens a fresh binary stream.

    The byte outline first (:func:`~crmflow.ingest.ocel_scan.outline`: the nesting screen and
    where the items are), then the columnar reader (:mod:`crmflow.ingest.ocel_columns`, DuckDB over
    the items); a document that reader cannot vouch for is read item by item with the C decoder of
    :mod:`json` (:class:`_Text`), which also words every refusal.

    Raises
    ------
    InputError
        Not JSON, OCEL 1.0, no ``events`` list, or an item without its id/type (named by index).
    UnsafeInputError
        Nesting deeper than :data:`MAX_DEPTH`, or one item larger than :data:`MAX_ITEM`.
    """
    from crmflow.ingest import ocel_columns  # it imports this module (its decoder and column buffers)

    shape = outline(opener, label)
    if (parts := ocel_columns.parts_columnar(opener, label, shape)) is not None:
        return parts
    log = _Log(label)
    try:
        with opener() as fh:
            _read_document(fh, log)
    except UnicodeDecodeError as exc:
        raise error(InputError, ERRORS, "ocel_json.json_not_valid_utf_2", label=label, reason=exc.reason) from exc
    return log.parts()


__all__ = ["BATCH", "CHUNK", "MAX_DEPTH", "MAX_ITEM", "InvalidJsonError", "parts_from_json_stream", "size_note"]
