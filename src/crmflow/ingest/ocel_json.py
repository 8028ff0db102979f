"""The OCEL 2.0 JSON layout, streamed: memory holds Arrow columns, never the document.

``objectTypes``, ``eventTypes``, ``objects`` and ``events`` are read with ijson's C parser; each
object or event is built alone, its values appended to column buffers that are turned into
Arrow batches every :data:`BATCH` rows. A 255 MB file thus needs about as much memory
as its columns (Python's :mod:`json` held the whole document: 6.6 GB). Nesting deeper than
:data:`MAX_DEPTH` is refused before any item is built (no OCEL log nests like that).

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

from collections.abc import Callable
from typing import IO, Any

import ijson
import pyarrow as pa

from crmflow.errors import InputError, UnsafeInputError
from crmflow.ingest.ocel_parts import OcelParts, _text

#: Rows buffered in Python lists before they become an Arrow batch.
BATCH = 100_000
#: Deepest nesting accepted (an OCEL 2.0 document nests 5 levels).
MAX_DEPTH = 64
_SECTIONS = ("objectTypes", "eventTypes", "objects", "events")


class InvalidJsonError(InputError):
    """The bytes are not JSON (the caller may locate the error more precisely)."""


def _need(obj: Any, key: str, where: str, label: str, kind: type | tuple[type, ...] = str) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get(key), kind):
        raise InputError(f"{label}: {where} has no valid {key!r} (expected the OCEL 2.0 JSON layout)")
    return obj[key]


class _Columns:
    """Named text/integer columns, flushed to Arrow every :data:`BATCH` rows."""

    def __init__(self, names: tuple[str, ...], ints: tuple[str, ...] = ()) -> None:
        self.types = {n: pa.int64() if n in ints else pa.string() for n in names}
        self.rows: dict[str, list[Any]] = {n: [] for n in names}
        self.batches: list[pa.Table] = []

    def cols(self) -> tuple[list[Any], ...]:
        """The column buffers, to append to directly (then :meth:`check`)."""
        return tuple(self.rows.values())

    def check(self) -> None:
        """Flush when the buffers hold :data:`BATCH` rows."""
        if len(next(iter(self.rows.values()))) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if next(iter(self.rows.values())):
            self.batches.append(pa.table({n: pa.array(v, self.types[n]) for n, v in self.rows.items()}))
            self.rows = {n: [] for n in self.rows}

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
            if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not isinstance(obj.get("type"), str):
                _need(obj, "id", f"events[{i}]", label)
                _need(obj, "type", f"events[{i}]", label)
            e_ord, e_id, e_type, e_time = self.ev.cols()
            e_ord.append(i)
            e_id.append(obj["id"])
            e_type.append(obj["type"])
            e_time.append(_text(obj.get("time")))
            a_ord, a_name, a_value = self.at.cols()
            for a in obj.get("attributes") or ():
                name = a.get("name") if isinstance(a, dict) else None
                if not isinstance(name, str):
                    _need(a, "name", f"events[{i}].attributes", label)
                a_ord.append(i)
                a_name.append(name)
                a_value.append(_text(a.get("value")))
            r_ord, r_k, r_oid, r_q = self.rel.cols()
            for k, r in enumerate(obj.get("relationships") or ()):
                oid = r.get("objectId") if isinstance(r, dict) else None
                if not isinstance(oid, str):
                    _need(r, "objectId", f"events[{i}].relationships[{k}]", label)
                r_ord.append(i)
                r_k.append(k)
                r_oid.append(oid)
                r_q.append(_text(r.get("qualifier")))
            self.ev.check()
            self.at.check()
            self.rel.check()
        else:
            oid = _need(obj, "id", f"objects[{i}]", label)
            o_id, o_type = self.objs.cols()
            o_id.append(oid)
            o_type.append(_need(obj, "type", f"objects[{i}]", label))
            v_oid, v_name, v_value, v_time = self.values.cols()
            for j, a in enumerate(obj.get("attributes") or ()):
                v_oid.append(oid)
                v_name.append(_need(a, "name", f"objects[{i}].attributes[{j}]", label))
                v_value.append(_text(a.get("value")))
                v_time.append(_text(a.get("time")))
            s_src, s_tgt, s_q = self.o2o.cols()
            for k, r in enumerate(obj.get("relationships") or ()):
                s_src.append(oid)
                s_tgt.append(_need(r, "objectId", f"objects[{i}].relationships[{k}]", label))
                s_q.append(_text(r.get("qualifier")))
            self.objs.check()
            self.values.check()
            self.o2o.check()

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


_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def _screen_nesting(opener: Callable[[], IO[bytes]], label: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` before any item is built (bytes operations only).

    Escapes are dropped, the text between quotes is cut out, the brackets kept; matched pairs are
    then removed level by level: a document that still has pairs after :data:`MAX_DEPTH` rounds,
    or leaves more than that many brackets open, nests too deeply.
    """
    inside = False  # whether the chunk starts inside a string
    carry = pending = b""
    too_deep = UnsafeInputError(f"{label}: the JSON is nested too deeply to be an OCEL 2.0 log")
    with opener() as fh:
        while chunk := fh.read(8 * 1024 * 1024):
            data = pending + chunk
            cut = len(data.rstrip(b"\\"))  # an escape is never cut in two
            data, pending = data[:cut], data[cut:]
            parts = data.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')
            outside = parts[1::2] if inside else parts[0::2]
            if len(parts) % 2 == 0:
                inside = not inside
            brackets = carry + b"".join(outside).translate(None, _NOT_BRACKETS)
            for _ in range(MAX_DEPTH):
                reduced = brackets.replace(b"[]", b"").replace(b"{}", b"")
                if len(reduced) == len(brackets):
                    break
                brackets = reduced
            else:
                if b"[]" in brackets or b"{}" in brackets:
                    raise too_deep
            if len(brackets) > MAX_DEPTH:
                raise too_deep
            carry = brackets


def _header(opener: Callable[[], IO[bytes]], log: _Log) -> set[str]:
    """Read the type declarations and say which top-level lists the document has.

    A Python-level pass that stops as soon as the declarations are read and the big lists have
    started (declarations come first in every writer crmflow knows; if not, the pass goes on).
    """
    label = log.label
    lists: set[str] = set()
    section: str | None = None
    builder: ijson.ObjectBuilder | None = None
    with opener() as fh:
        for prefix, event, value in ijson.parse(fh, use_float=True):
            if prefix == "" and event == "start_array":
                raise InputError(f"{label}: no 'events' list at the top level (expected the OCEL 2.0 JSON layout)")
            if prefix == "" and event == "map_key":
                if value in ("ocel:events", "ocel:global-log"):
                    raise InputError(f"{label}: this is OCEL 1.0 JSON; crmflow reads OCEL 2.0 (convert it first)")
                if {"eventTypes", "objectTypes"} <= lists and lists & {"objects", "events"}:
                    break  # declarations read, a big list begun: the rest is for the item passes
                continue
            if prefix in _SECTIONS and section is None and builder is None:
                if event == "start_array":
                    lists.add(prefix)
                    section = prefix if prefix in log.declared else None
                elif event in ("start_map", "string", "number", "boolean", "null") and prefix == "events":
                    raise InputError(f"{label}: no 'events' list at the top level (expected the OCEL 2.0 JSON layout)")
                continue
            if section is None:
                continue
            if builder is None:
                if prefix == section and event == "end_array":
                    section = None
                    continue
                builder = ijson.ObjectBuilder()
            builder.event(event, value)
            if prefix == f"{section}.item" and event not in ("map_key", "start_map", "start_array"):
                log.item(section, builder.value)
                builder = None
    return lists


def parts_from_json_stream(opener: Callable[[], IO[bytes]], label: str) -> OcelParts:
    """Read an OCEL 2.0 JSON document into :class:`OcelParts`; ``opener`` opens a fresh binary stream.

    Three passes: the nesting screen, the declarations (stopping early), then objects and events
    built item by item by ijson's C backend.

    Raises
    ------
    InputError
        Not JSON, OCEL 1.0, no ``events`` list, or an item without its id/type (named by index).
    UnsafeInputError
        Nesting deeper than :data:`MAX_DEPTH`.
    """
    log = _Log(label)
    try:
        _screen_nesting(opener, label)
        lists = _header(opener, log)
        if "events" not in lists and not _has_list(opener, "events"):
            raise InputError(f"{label}: no 'events' list at the top level (expected the OCEL 2.0 JSON layout)")
        for section in ("objects", "events"):
            with opener() as fh:
                for obj in ijson.items(fh, f"{section}.item", use_float=True):
                    log.item(section, obj)
    except ijson.JSONError as exc:
        raise InvalidJsonError(f"{label}: invalid JSON: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: the JSON is not valid UTF-8 text ({exc.reason})") from exc
    return log.parts()


def _has_list(opener: Callable[[], IO[bytes]], key: str) -> bool:
    """Whether the top-level ``key`` holds a list (a full pass; only when the header pass stopped early)."""
    with opener() as fh:
        for prefix, event, _value in ijson.parse(fh):
            if prefix == key and event == "start_array":
                return True
    return False


__all__ = ["BATCH", "MAX_DEPTH", "InvalidJsonError", "parts_from_json_stream"]
