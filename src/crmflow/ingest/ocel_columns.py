"""OCEL 2.0 JSON read column by column: DuckDB's JSON functions over the items the byte outline cut.

The outline (:func:`crmflow.ingest.ocel_scan.outline`, numpy) finds the top level of the document
and the commas between the items of its lists. The items of ``events`` and ``objects`` are then
handed to DuckDB in batches of :data:`BATCH` as one Arrow text column (the file's own bytes, the
separating commas blanked), parsed once each with ``json_transform_strict`` into typed structs and
unnested into the long tables of :class:`~crmflow.ingest.ocel_parts.OcelParts`. The declarations
(``objectTypes``, ``eventTypes``) and any other top-level value are small and go through Python's
decoder and the item-by-item reader's own code.

The values come out exactly as the item-by-item reader (:mod:`crmflow.ingest.ocel_json`) gives
them: strings unescaped, integers and booleans as written, every other value (floats, big
integers, lists, objects) decoded by Python and written as it writes them. An event or object
without ``attributes`` or ``relationships`` (the schema allows it) gets a ``null`` list, which
both readers read as none. Whenever this reader cannot vouch for the result, it gives up
(:func:`parts_columnar` returns None) and the item-by-item reader reads the document and decides
what is refused and how it is worded. It gives up on anything that is not JSON to Python —
DuckDB's reader also takes trailing commas, ``NaN`` and ``Infinity``: the outline sees the commas,
and the keys it counts inside the items must all be keys that are read, so no value goes unseen —
on a key unknown to OCEL inside an item or given twice, a relationship without ``qualifier``, an
attribute without ``value`` (an object's also without ``time``), an id, type, name or object id
that is not a string, a section given twice, OCEL 1.0, invalid UTF-8 or a lone surrogate, and an
item above ``MAX_ITEM``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmflow.errors import CrmflowError
from crmflow.ingest import ocel_json, ocel_scan
from crmflow.ingest.ocel_parts import OcelParts, _text
from crmflow.ingest.ocel_scan import Outline

#: Items parsed by DuckDB at a time.
BATCH = 100_000
_LBRACE, _RBRACE, _LBRACK, _RBRACK, _COMMA, _COLON = (ord(c) for c in "{}[],:")
_WS = b" \t\r\n"


class _Unsure(Exception):
    """The columnar reader cannot vouch for this document (the item-by-item reader reads it)."""


class _Bytes:
    """The stream read forwards: byte ranges asked for in increasing order, each one copied once."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.buf, self.start = fh, bytearray(), 0  # buf holds the bytes from offset start on

    def get(self, lo: int, hi: int) -> bytearray:
        if lo < self.start:
            raise _Unsure("read backwards")
        skip = lo - self.start - len(self.buf)
        if skip >= 0:
            self.buf = bytearray()
            while skip > 0:  # bytes nobody asked for
                data = self.fh.read(min(skip, ocel_scan.CHUNK))
                if not data:
                    raise _Unsure("the file ended early")
                skip -= len(data)
        else:
            del self.buf[: lo - self.start]
        self.start, need = lo, hi - lo
        if len(self.buf) >= need or need <= ocel_scan.CHUNK:  # small: through the buffer
            while len(self.buf) < need:
                data = self.fh.read(ocel_scan.CHUNK)
                if not data:
                    raise _Unsure("the file ended early")
                self.buf += data
            return self.buf[:need]
        out = bytearray(need)  # large (a batch of items): read straight into its own buffer
        out[: len(self.buf)] = self.buf
        view, done = memoryview(out), len(self.buf)
        while done < need:
            n = self.fh.readinto(view[done:])  # type: ignore[attr-defined]
            if not n:
                raise _Unsure("the file ended early")
            done += n
        self.buf, self.start = bytearray(), hi
        return out

    def rest_is_space(self, lo: int) -> bool:
        if self.get(lo, lo).strip(_WS) or self.buf.strip(_WS):
            return False
        while data := self.fh.read(ocel_scan.CHUNK):
            if data.strip(_WS):
                return False
        return True


def _string(x: str) -> str:
    """SQL: the JSON text ``x`` as the string it is, NULL when it is not a string."""
    return f"CASE WHEN starts_with({x}, '\"') THEN {x}->>'$' END"


def _mixed(x: str, name: str) -> str:
    """SQL: a value of any JSON type as the item-by-item reader writes it; ``{name}_py``: the others, for Python.

    Strings are unescaped, ``true``/``false`` and integers (up to Python's 4,300 digits) kept as written;
    floats, lists and objects are left to Python (DuckDB writes ``1E5`` as ``100000.0`` like Python, but a
    list or an object as JSON, where the item-by-item reader writes Python's ``str()``).
    """
    plain = f"{x} IN ('true', 'false') OR (length({x}) <= 4300 AND regexp_full_match({x}, '-?[0-9]+'))"
    return (
        f"CASE WHEN starts_with({x}, '\"') THEN {x}->>'$' WHEN {plain} THEN CAST({x} AS VARCHAR) END AS {name}, "
        f"CASE WHEN starts_with({x}, '\"') OR {plain} THEN NULL ELSE CAST({x} AS VARCHAR) END AS {name}_py"
    )


def _python_values(table: pa.Table, name: str) -> pa.Table:
    """Fill column ``name`` where DuckDB left the JSON text to Python (``name_py``); drop ``name_py``."""
    raw = table.column(f"{name}_py").combine_chunks()
    i = table.column_names.index(f"{name}_py")
    if raw.null_count == len(raw):
        return table.remove_column(i)
    uniq = pc.unique(raw.drop_null())
    mapped = pa.array([_text(ocel_json._DECODER.decode(u)) for u in uniq.to_pylist()], pa.string())
    filled = pc.if_else(pc.is_valid(raw), pc.take(mapped, pc.index_in(raw, value_set=uniq)), table.column(name))
    return table.set_column(table.column_names.index(name), name, filled).remove_column(i)


def _nested_keys(table: pa.Table, name: str) -> int:
    """Keys inside the lists and objects of column ``name_py`` (Python's count, duplicates merged)."""

    def count(v: Any) -> int:
        if type(v) is dict:
            return len(v) + sum(count(x) for x in v.values())
        if type(v) is list:
            return sum(count(x) for x in v)
        return 0

    raw = table.column(f"{name}_py").combine_chunks().drop_null()
    if not len(raw):
        return 0
    counts = pc.value_counts(raw)
    return sum(
        count(ocel_json._DECODER.decode(v)) * n
        for v, n in zip(counts.field(0).to_pylist(), counts.field(1).to_pylist(), strict=True)
    )


_ATTR = '{"name": "JSON", "value": "JSON"}'
_OBJ_ATTR = '{"name": "JSON", "value": "JSON", "time": "JSON"}'
_REL = '{"objectId": "JSON", "qualifier": "JSON"}'


class _Section:
    """One batch of items of ``events`` or ``objects`` through DuckDB."""

    def __init__(self, con: duckdb.DuckDBPyConnection, section: str) -> None:
        self.con, self.section = con, section
        head, attr = (
            ('"id": "JSON", "type": "JSON", "time": "JSON"', _ATTR)
            if section == "events"
            else ('"id": "JSON", "type": "JSON"', _OBJ_ATTR)
        )
        self.structure = "{" + f'{head}, "attributes": [{attr}], "relationships": [{_REL}]' + "}"
        #: keys of an item with both lists
        self.keys = head.count(":") + 2

    def parse(self, batch: pa.Table) -> int:
        """Parse the batch into the temporary table ``j``; return the number of keys its items have."""
        self.con.register("ocel_batch", batch)
        try:
            try:
                self._transform("ocel_batch")
                return batch.num_rows * self.keys
            except duckdb.InvalidInputException as exc:
                if 'does not have key "attributes"' not in str(exc) and 'does not have key "relationships"' not in str(exc):
                    raise _Unsure(str(exc)) from None
            # some items leave out a list (the schema allows it): it is added as null, the same to the reader
            # (matched on DuckDB's wording; if that changes, such files go to the item-by-item reader)
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE ocel_patched AS SELECT ord, CASE WHEN a AND r THEN item "
                "ELSE left(t, length(t) - 1) || CASE WHEN a THEN '' ELSE ', \"attributes\": null' END "
                "|| CASE WHEN r THEN '' ELSE ', \"relationships\": null' END || '}' END AS item, "
                "2 - a::INT - r::INT AS added FROM (SELECT ord, item, rtrim(item, ' ' || chr(9) || chr(10) || chr(13)) AS t, "
                "list_contains(k, 'attributes') AS a, list_contains(k, 'relationships') AS r "
                "FROM (SELECT ord, item, json_keys(item) AS k FROM ocel_batch))"
            )
            added = int(self.con.sql("SELECT sum(added) FROM ocel_patched").fetchall()[0][0])
            self._transform("ocel_patched")
            return batch.num_rows * self.keys - added
        finally:
            self.con.unregister("ocel_batch")

    def _transform(self, source: str) -> None:
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE j AS SELECT ord, e.* FROM "
            f"(SELECT ord, json_transform_strict(item, '{self.structure}') AS e FROM {source})"
        )

    def tables(self) -> dict[str, pa.Table]:
        """The long tables of the batch in ``j``, in file order."""
        sql = self.con.sql
        lists = "SELECT ord, {id} AS owner, generate_subscripts({col}, 1) AS k, unnest({col}) AS a FROM j"
        if self.section == "events":
            out = {
                "ev": sql(f"SELECT ord, {_string('id')} AS eid, {_string('type')} AS etype, {_mixed('time', 'time')} FROM j"),
                "at": sql(
                    f"SELECT ord, k, {_string('a.name')} AS name, {_mixed('a.value', 'value')} "
                    f"FROM ({lists.format(id='NULL', col='attributes')})"
                ),  # fmt: skip
                "rel": sql(
                    f"SELECT ord, k - 1 AS rel_ord, {_string('a.objectId')} AS oid, {_mixed('a.qualifier', 'qualifier')} "
                    f"FROM ({lists.format(id='NULL', col='relationships')})"
                ),  # fmt: skip
            }
        else:
            oid = _string("id")
            out = {
                "objs": sql(f"SELECT ord, {oid} AS oid, {_string('type')} AS otype FROM j"),
                "values": sql(
                    f"SELECT ord, k, owner AS oid, {_string('a.name')} AS name, {_mixed('a.value', 'value')}, "
                    f"{_mixed('a.time', 'time')} FROM ({lists.format(id=oid, col='attributes')})"
                ),  # fmt: skip
                "o2o": sql(
                    f"SELECT ord, k, owner AS source, {_string('a.objectId')} AS target, "
                    f"{_mixed('a.qualifier', 'qualifier')} FROM ({lists.format(id=oid, col='relationships')})"
                ),  # fmt: skip
            }
        return {k: v.to_arrow_table() for k, v in out.items()}


def _in_order(t: pa.Table, sub: str) -> pa.Table:
    """The rows by (ord, ``sub``) — DuckDB keeps the order of its input; checked, sorted if it did not."""
    o = t.column("ord").to_numpy()
    k = t.column(sub).to_numpy() if sub else np.zeros(len(o), np.int64)
    if len(o) > 1 and not bool(np.all((o[1:] > o[:-1]) | ((o[1:] == o[:-1]) & (k[1:] > k[:-1])))):
        t = t.take(pc.sort_indices(t, [("ord", "ascending"), *([(sub, "ascending")] if sub else [])]))
    return t


_TEXT = pa.string()


def _final(t: pa.Table, names: tuple[str, ...], required: tuple[str, ...]) -> pa.Table:
    for r in required:
        if t.column(r).null_count:
            raise _Unsure(f"{r} is not a string")
    return pa.table({n: t.column(n).cast(pa.int64() if n in ("ord", "rel_ord") else _TEXT) for n in names})


class _Reader:
    def __init__(self, fh: IO[bytes], o: Outline, label: str) -> None:
        self.bytes, self.o, self.label = _Bytes(fh), o, label
        self.log = ocel_json._Log(label)
        self.con = duckdb.connect()
        self.n_events = 0

    def json(self, lo: int, hi: int) -> Any:
        if hi - lo > ocel_json.MAX_ITEM:
            raise _Unsure("a large top-level value")
        return ocel_json._DECODER.decode(bytes(self.bytes.get(lo, hi)).decode("utf-8").strip(" \t\r\n"))

    def space(self, lo: int, hi: int) -> None:
        if self.bytes.get(lo, hi).strip(_WS):
            raise _Unsure("not white space")

    def read(self) -> OcelParts:
        try:
            self._walk()
        finally:
            self.con.close()
        return self.log.parts()

    def _walk(self) -> None:
        pos, kind, keys = self.o.tokens.tolist(), self.o.kinds.tobytes(), self.o.keys.tolist()
        if not pos or kind[0] != _LBRACE:
            raise _Unsure("not an object")
        head = self.bytes.get(0, pos[0])
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        if head.strip(_WS):
            raise _Unsure("text before the document")
        seen: set[str] = set()
        i, prev = 1, pos[0]
        while True:
            if kind[i] != _COLON:
                raise _Unsure("no key")
            key = self.json(prev + 1, pos[i])
            if type(key) is not str or key in seen & {"events", "objects", "objectTypes", "eventTypes"}:
                raise _Unsure("a key that is not a string, or a section twice")
            if key in ("ocel:events", "ocel:global-log"):
                raise _Unsure("OCEL 1.0")
            seen.add(key)
            if kind[i + 1] in (_LBRACK, _LBRACE):
                lo, hi = pos[i + 1], pos[i + 2]
                if kind[i + 2] != (_RBRACK if kind[i + 1] == _LBRACK else _RBRACE):
                    raise _Unsure("brackets do not match")
                self.space(pos[i] + 1, lo)
                self.value(key, kind[i + 1] == _LBRACK, lo, hi, keys[i + 2] - keys[i + 1])
                sep = i + 3
                self.space(hi + 1, pos[sep])
            else:
                sep = i + 1
                if key == "events":
                    raise _Unsure("events is not a list")
                self.json(pos[i] + 1, pos[sep])
            if kind[sep] == _COMMA:
                prev, i = pos[sep], sep + 1
                continue
            if kind[sep] != _RBRACE or sep + 1 != len(pos) or not self.bytes.rest_is_space(pos[sep] + 1):
                raise _Unsure("the document does not end here")
            break
        if "events" not in seen:
            raise _Unsure("no events")

    def value(self, key: str, is_list: bool, lo: int, hi: int, n_keys: int) -> None:
        if key in ("objectTypes", "eventTypes") and is_list:
            for obj in self.json(lo, hi + 1):
                self.log.item(key, obj)
        elif key in ("events", "objects"):
            if not is_list:
                raise _Unsure(f"{key} is not a list")
            self.items(key, lo, hi, n_keys)
        else:
            self.json(lo, hi + 1)  # read past it, but it must be JSON

    def batches(self, lo: int, hi: int) -> Iterator[pa.Table]:
        """The items between ``lo`` (the list's ``[``) and ``hi`` (its ``]``) as Arrow text, :data:`BATCH` at a time."""
        cuts = self.o.cuts
        inner = cuts[np.searchsorted(cuts, lo) : np.searchsorted(cuts, hi)]
        seps = np.concatenate([[lo], inner, [hi]]).astype(np.int64)
        if len(seps) == 2 and hi - lo <= 64 and not self.bytes.get(lo + 1, hi).strip(_WS):
            return  # [] (a longer run of white space is one empty item to DuckDB, which refuses it)
        if int(np.diff(seps).max()) > ocel_json.MAX_ITEM:
            raise _Unsure("a large item")
        for b in range(0, len(seps) - 1, BATCH):
            s = seps[b : b + BATCH + 1]
            base = int(s[0]) + 1
            buf = self.bytes.get(base, int(s[-1]))
            np.frombuffer(buf, dtype=np.uint8)[s[1:-1] - base] = 32  # the commas between items, blanked
            offsets = np.concatenate([s[:-1] + 1, s[-1:]]) - base
            if offsets[-1] >= 2**31:
                raise _Unsure("a batch above 2 GB")
            items = pa.StringArray.from_buffers(len(s) - 1, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(buf))
            items.validate(full=True)  # UTF-8
            yield pa.table({"ord": pa.array(np.arange(b, b + len(s) - 1, dtype=np.int64)), "item": items})

    def items(self, section: str, lo: int, hi: int, n_keys: int) -> None:
        log, sec = self.log, _Section(self.con, section)
        read_keys = 0
        for batch in self.batches(lo, hi):
            read_keys += sec.parse(batch)
            t = sec.tables()
            if section == "events":
                ev = _python_values(t["ev"], "time")
                at, rel = _python_values(t["at"], "value"), _python_values(t["rel"], "qualifier")
                read_keys += 2 * at.num_rows + 2 * rel.num_rows
                read_keys += _nested_keys(t["ev"], "time") + _nested_keys(t["at"], "value") + _nested_keys(t["rel"], "qualifier")
                log.ev.batches.append(_final(_in_order(ev, ""), ("ord", "eid", "etype", "time"), ("eid", "etype")))
                log.at.batches.append(_final(_in_order(at, "k"), ("ord", "name", "value"), ("name",)))
                log.rel.batches.append(_final(_in_order(rel, "rel_ord"), ("ord", "rel_ord", "oid", "qualifier"), ("oid",)))
                log.counts["events"] += batch.num_rows
            else:
                values = _python_values(_python_values(t["values"], "value"), "time")
                o2o = _python_values(t["o2o"], "qualifier")
                read_keys += 3 * values.num_rows + 2 * o2o.num_rows
                read_keys += _nested_keys(t["values"], "value") + _nested_keys(t["values"], "time")
                read_keys += _nested_keys(t["o2o"], "qualifier")
                log.objs.batches.append(_final(_in_order(t["objs"], ""), ("oid", "otype"), ("oid", "otype")))
                log.values.batches.append(_final(_in_order(values, "k"), ("oid", "name", "value", "time"), ("name",)))
                log.o2o.batches.append(_final(_in_order(o2o, "k"), ("source", "target", "qualifier"), ("target",)))
                log.counts["objects"] += batch.num_rows
        if read_keys != n_keys:  # a key that was not read (its value unseen), or a key given twice inside a value
            raise _Unsure(f"{section}: {n_keys} keys in the file, {read_keys} read")


def parts_columnar(opener: Callable[[], IO[bytes]], label: str, o: Outline) -> OcelParts | None:
    """Read an OCEL 2.0 JSON document column by column; None when the item-by-item reader must decide.

    ``o`` is the document's outline (:func:`~crmflow.ingest.ocel_scan.outline`, which has already
    screened the nesting); ``opener`` opens a fresh binary stream.
    """
    if not o.complete or o.trailing_comma:
        return None
    try:
        with opener() as fh:
            return _Reader(fh, o, label).read()
    except (_Unsure, CrmflowError, duckdb.Error, pa.ArrowException, ValueError, IndexError, TypeError, AttributeError):
        return None


__all__ = ["BATCH", "parts_columnar"]
