"""Read an OCEL 2.0 object-centric event log and flatten it on one object type.

Both layouts of the OCEL 2.0 standard are read:

* **JSON** (``.json``, ``.jsonocel``): ``objectTypes``, ``eventTypes``, ``objects`` and ``events``,
  each event with ``id``, ``type``, ``time``, ``attributes`` and ``relationships``. Streamed item by
  item (:mod:`crmflow.ingest.ocel_json`, memory bounded by the columns) under a size cap
  (:data:`MAX_JSON_BYTES`); ``.gz`` goes through the bomb guard.
* **SQLite** (``.sqlite``, ``.sqlite3``, ``.db``): tables ``event``, ``object``, ``event_object``,
  ``event_map_type`` and one ``event_<map>`` table per event type with ``ocel_time`` and the
  attributes. Opened read-only (``mode=ro``) with ``trusted_schema`` off; only these tables are read.
* **XML** (``.xmlocel``, ``.xml``): streamed with lxml after the same prolog screening as XES
  (:mod:`crmflow.ingest.ocel_xml`).

Flattening: every (event, related object of the chosen type) pair becomes one row, in file order
(events as stored, then the event's relationships as stored), with ``case:concept:name`` = object
id, ``concept:name`` = event type, ``time:timestamp`` = event time, ``ocel:eid``, ``ocel:type``,
``ocel:qualifier`` (qualifiers joined with ``; `` if the pair is related twice) and the event
attributes, typed as declared. Times without an offset are read in ``settings.timezone``; a time
that cannot be read sends its rows to the quarantine with the value.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from crmflow.errors import InputError, UnsafeInputError
from crmflow.i18n import error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.ocel_json import InvalidJsonError, parts_from_json_stream, size_note
from crmflow.ingest.ocel_parts import OcelParts
from crmflow.ingest.ocel_sqlite import parts_from_sqlite
from crmflow.ingest.ocel_xml import parts_from_xml
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.ingest.safety import is_gzip, open_decompressed
from crmflow.store import queries as q
from crmflow.store.store import EventStore

if TYPE_CHECKING:
    from crmflow.store.objects import ObjectCentricLog

#: Largest OCEL JSON file read (decompressed), in bytes (the document is streamed; this caps the work).
MAX_JSON_BYTES = 256 * 1024 * 1024
JSON_SUFFIXES = (".json", ".jsonocel")
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
XML_SUFFIXES = (".xmlocel", ".xml")
#: OCEL 2.0 attribute types and the SQL type their values take.
OCEL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "time": "TIMESTAMPTZ",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
}
_FIXED = ("case:concept:name", "concept:name", "time:timestamp", "ocel:eid", "ocel:type", "ocel:qualifier")
_OFFSET = r"(Z|[+-]\d\d(:?\d\d)?)$"


# ---------------------------------------------------------------------------- JSON layout


class _Limited(io.RawIOBase):
    """A binary stream that refuses to go past ``limit`` bytes (the JSON size cap)."""

    def __init__(self, raw: IO[bytes], limit: int, label: str) -> None:
        self.raw, self.left, self.limit, self.label = raw, limit, limit, label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise _too_big(self.label, self.limit)
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)


def _too_big(label: str, max_bytes: int) -> UnsafeInputError:
    return UnsafeInputError(
        f"{label}: refused to read an OCEL JSON file larger than {max_bytes:,} bytes (settings.max_ocel_json_bytes); "
        "raise the limit, or convert the log to the OCEL 2.0 SQLite layout"
    )


def parts_from_json(path: Path, label: str, store: EventStore, *, max_bytes: int = MAX_JSON_BYTES) -> OcelParts:
    """Read the OCEL 2.0 JSON layout into :class:`OcelParts`, streamed (structure errors name the element).

    The document is read column by column or item by item (:mod:`crmflow.ingest.ocel_json`), so memory holds the
    columns, not the document; ``max_bytes`` still caps the (decompressed) size.
    """
    if path.stat().st_size > max_bytes:  # checked before reading a byte
        raise _too_big(label, max_bytes)
    s = store.settings

    @contextlib.contextmanager
    def opener() -> Iterator[IO[bytes]]:
        with contextlib.ExitStack() as stack:
            if is_gzip(path):
                raw: IO[bytes] = stack.enter_context(
                    open_decompressed(path, max_bytes=s.max_decompressed_bytes, max_ratio=s.max_compression_ratio)
                )
            else:
                raw = stack.enter_context(open(path, "rb"))
            yield io.BufferedReader(_Limited(raw, max_bytes, label), buffer_size=1024 * 1024)

    try:
        return parts_from_json_stream(opener, label)  # type: ignore[arg-type]
    except InvalidJsonError:
        if path.stat().st_size > _LOCATE_BYTES or is_gzip(path):
            raise
        _locate_json_error(path, label)
        raise


#: Below this size a JSON syntax error is located by line and column (a second, in-memory parse).
_LOCATE_BYTES = 16 * 1024 * 1024


def _locate_json_error(path: Path, label: str) -> None:
    try:
        json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise error(InputError, ERRORS, "ocel.json_not_valid_utf", label=label, reason=exc.reason) from exc
    except json.JSONDecodeError as exc:
        raise error(
            InputError, ERRORS, "ocel.line_column_invalid_json", label=label, lineno=exc.lineno, colno=exc.colno, msg=exc.msg
        ) from exc
    except RecursionError:
        raise error(UnsafeInputError, ERRORS, "ocel.json_nested_too_deeply", label=label) from None


# ---------------------------------------------------------------------------- flattening


def _registered(store: EventStore, parts: OcelParts) -> dict[str, str]:
    names = {}
    for key in ("events", "attributes", "relations", "objects"):
        names[key] = store.new_name(f"ocel_{key}")
        store.con.register(names[key], getattr(parts, key))
    return names


def _unregister(store: EventStore, names: Iterable[str]) -> None:
    for n in names:
        store.con.unregister(n)


def _time_sql(expr: str) -> str:
    """Text → TIMESTAMPTZ: with an offset as written, without one in the zone given as ``?``."""
    return (
        f"CASE WHEN regexp_matches(trim({expr}), '{_OFFSET}') THEN TRY_CAST(trim({expr}) AS TIMESTAMPTZ) "
        f"ELSE timezone(?, TRY_CAST(trim({expr}) AS TIMESTAMP)) END"
    )


def object_type_counts(store: EventStore, parts: OcelParts) -> dict[str, int]:
    """Objects per object type, largest first."""
    view = store.new_name("ocel_objects")
    store.con.register(view, parts.objects)
    try:
        rows = store.sql(f"SELECT otype, count(DISTINCT oid) FROM {view} GROUP BY otype ORDER BY 2 DESC, 1").fetchall()
    finally:
        store.con.unregister(view)
    return {str(t): int(n) for t, n in rows}


def _flatten(
    store: EventStore, parts: OcelParts, object_type: str, label: str, log_name: str, tz: str
) -> tuple[str, int, int, dict[str, Any]]:
    v = _registered(store, parts)
    flat = store.new_name("ocel_flat")
    table = store.new_name("raw_ocel")
    try:
        names = [r[0] for r in store.sql(f"SELECT name FROM {v['attributes']} GROUP BY name ORDER BY min(ord), name").fetchall()]
        pivot = ", ".join(f"first(value ORDER BY rowid_) FILTER (WHERE name = ?) AS {q.ident(n)}" for n in names)
        attr_sql = (
            f"SELECT ord{', ' + pivot if pivot else ''} FROM "
            f"(SELECT *, row_number() OVER () AS rowid_ FROM {v['attributes']}) GROUP BY ord"
        )
        store.sql(
            f"""CREATE TEMP TABLE {flat} AS
            WITH f AS (
                SELECT r.ord, r.rel_ord, r.oid, r.qualifier FROM {v["relations"]} r
                SEMI JOIN (SELECT oid FROM {v["objects"]} WHERE otype = ?) o USING (oid)
            ), g AS (
                SELECT ord, oid, count(*) AS n, min(rel_ord) AS rel_ord, any_value(NULLIF(qualifier, '')) AS qualifier
                FROM f GROUP BY ord, oid
            ), rel AS (  -- an (event, object) pair related twice joins its qualifiers in order (an ordered aggregate
                         -- only for those: the rest is a plain group)
                SELECT ord, oid, rel_ord, qualifier FROM g WHERE n = 1
                UNION ALL
                SELECT ord, oid, min(rel_ord), string_agg(NULLIF(qualifier, ''), '; ' ORDER BY rel_ord)
                FROM f SEMI JOIN (SELECT ord, oid FROM g WHERE n > 1) USING (ord, oid) GROUP BY ord, oid
            ), attrs AS ({attr_sql})
            SELECT row_number() OVER (ORDER BY e.ord, rel.rel_ord)::BIGINT AS row_no,
                   rel.oid AS "case:concept:name", e.etype AS "concept:name", e.time AS time_text,
                   e.eid AS "ocel:eid", ?::VARCHAR AS "ocel:type", rel.qualifier AS "ocel:qualifier",
                   attrs.* EXCLUDE (ord)
            FROM {v["events"]} e JOIN rel USING (ord) LEFT JOIN attrs USING (ord)
            ORDER BY row_no""",
            [object_type, *names, object_type],
        )
        dangling = int(
            store.sql(f"SELECT count(*) FROM {v['relations']} WHERE oid NOT IN (SELECT oid FROM {v['objects']})").fetchall()[0][0]
        )
        n_events = parts.events.num_rows
    finally:
        _unregister(store, v.values())

    ts = _time_sql("time_text")
    select = ["row_no", *[q.ident(c) for c in _FIXED[:2]], f'{ts} AS "time:timestamp"', *[q.ident(c) for c in _FIXED[3:]]]
    params: list[Any] = [tz]
    as_text = []
    for n in names:
        out = f"{n} (attribute)" if n in _FIXED or n in ("row_no", "line") else n
        kinds = parts.attribute_types.get(n, {"string"})
        sql_type = OCEL_TYPES.get(next(iter(kinds)), "VARCHAR") if len(kinds) == 1 else "VARCHAR"
        ident = q.ident(n)
        if sql_type == "TIMESTAMPTZ":
            cast, cast_params = _time_sql(ident), [tz]
        else:
            cast, cast_params = f"TRY_CAST({ident} AS {sql_type})", []
        if sql_type != "VARCHAR":
            bad = store.sql(f"SELECT count({ident}) - count({cast}) FROM {flat}", cast_params).fetchall()[0][0]
            if bad:
                sql_type = "VARCHAR"
                as_text.append(n)
        if sql_type == "VARCHAR":
            select.append(f"{ident} AS {q.ident(out)}")
        else:
            select.append(f"{cast} AS {q.ident(out)}")
            params += cast_params

    rows_read = int(store.sql(f"SELECT count(*) FROM {flat}").fetchall()[0][0])
    bad_rows = store.rows(
        f'SELECT row_no, "ocel:eid" AS eid, "case:concept:name" AS oid, time_text FROM {flat} '
        f"WHERE time_text IS NOT NULL AND ({ts}) IS NULL ORDER BY row_no",
        [tz],
    )
    quarantined = store.quarantine_rows(
        {
            "log_name": log_name,
            "source": label,
            "row_no": r["row_no"],
            "column_name": "time:timestamp",
            "value": r["time_text"],
            "kind": "bad_timestamp",
            "reason": f"event {r['eid']!r} (object {r['oid']!r}): cannot read {r['time_text']!r} as a time "
            "(expected ISO 8601 such as 2024-03-01T10:15:00Z)",
        }
        for r in bad_rows
    )
    store.sql(
        f"CREATE TABLE {q.table_name(table)} AS SELECT {', '.join(select)} FROM {flat} "
        f"WHERE time_text IS NULL OR ({ts}) IS NOT NULL ORDER BY row_no",
        [*params, tz],
    )
    store.sql(f"DROP TABLE {flat}")
    info = {"events": n_events, "dangling_relations": dangling, "text_attributes": as_text, "timezone": tz}
    return table, rows_read, quarantined, info


# ---------------------------------------------------------------------------- entry point


def read_ocel_raw(
    store: EventStore,
    path: str | Path,
    *,
    log_name: str,
    object_type: str | None,
    progress: ProgressFn | None = None,
    max_json_bytes: int = MAX_JSON_BYTES,
    timezone: str | None = None,
) -> RawTable:
    """Load an OCEL 2.0 log (JSON or SQLite) flattened on ``object_type`` into a raw table.

    Parameters
    ----------
    store
        The project store (its settings give the time zone of times without an offset).
    path
        ``.json``/``.jsonocel`` (optionally gzip-compressed) or ``.sqlite``/``.sqlite3``/``.db``.
    log_name
        The log this source feeds.
    object_type
        The object type whose objects become the cases. ``None`` is accepted only when the log
        has a single object type.
    progress
        Called with a short note at each step.
    max_json_bytes
        Largest JSON document accepted (decompressed), default :data:`MAX_JSON_BYTES`.
    timezone
        Zone of times written without an offset (default: ``settings.timezone``).

    Returns
    -------
    RawTable
        ``format`` ``"ocel-json"`` or ``"ocel-sqlite"``; ``rows_read`` counts (event, object)
        rows; ``info`` has ``object_type``, ``object_types`` (objects per type), ``events``,
        ``cases``, ``dangling_relations`` and ``text_attributes``.

    Raises
    ------
    InputError
        Unknown layout, structural errors (naming the element), no or an unknown object type.
    UnsafeInputError
        A JSON file above :data:`MAX_JSON_BYTES`, or a decompression bomb.
    """
    p = Path(path)
    label = p.name
    if not p.is_file():
        raise error(InputError, ERRORS, "ocel.no_such_file_expected", p=p)
    suffixes = [s.lower() for s in p.suffixes]
    stem_suffix = suffixes[-2] if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if progress:
        progress(f"{label}: reading OCEL 2.0")
    if stem_suffix in JSON_SUFFIXES:
        if progress and (note := size_note(p.stat().st_size, label)):
            progress(note)  # before the long read: how long, and the faster layout
        parts, fmt = parts_from_json(p, label, store, max_bytes=max_json_bytes), "ocel-json"
    elif stem_suffix in SQLITE_SUFFIXES:
        parts, fmt = parts_from_sqlite(p, label), "ocel-sqlite"
    elif stem_suffix in XML_SUFFIXES and suffixes[-1] != ".gz":
        parts, fmt = parts_from_xml(p, label), "ocel-xml"
    else:
        raise error(
            InputError,
            ERRORS,
            "ocel.unknown_ocel_file_type",
            label=label,
            value=stem_suffix or "(none)",
            value2=", ".join(JSON_SUFFIXES + SQLITE_SUFFIXES + XML_SUFFIXES),
        )
    counts = object_type_counts(store, parts)
    listing = ", ".join(f"{t!r} ({n:,} object{'' if n == 1 else 's'})" for t, n in counts.items()) or "none"
    if object_type is None:
        if len(counts) != 1:
            raise error(InputError, ERRORS, "ocel.this_object_centric_log", label=label, n_counts=len(counts), listing=listing)
        object_type = next(iter(counts))
    elif object_type not in counts:
        raise error(InputError, ERRORS, "ocel.there_no_object_type", label=label, object_type=object_type, listing=listing)
    if progress:
        progress(f"{label}: flattening on {object_type!r}")
    table, rows_read, quarantined, info = _flatten(
        store, parts, object_type, label, log_name, timezone or store.settings.timezone
    )
    info.update(
        {
            "object_type": object_type,
            "object_types": counts,
            "cases": int(store.sql(f'SELECT count(DISTINCT "case:concept:name") FROM {q.table_name(table)}').fetchall()[0][0]),
        }
    )
    return RawTable(table=table, source=label, format=fmt, rows_read=rows_read, quarantined=quarantined, info=info)


def read_ocel(
    path: str | Path,
    *,
    store: EventStore | None = None,
    name: str = "ocel",
    timezone: str | None = None,
    max_json_bytes: int | None = None,
) -> ObjectCentricLog:
    """Read an OCEL 2.0 log (JSON or SQLite) into the object-centric store, without flattening.

    Parameters
    ----------
    path
        ``.json``/``.jsonocel`` (optionally gzip-compressed) or ``.sqlite``/``.sqlite3``/``.db``.
    store
        Where to load it; a new in-memory store when None.
    name
        Name of the object-centric log in the store.
    timezone
        Zone of times written without an offset (default: ``settings.timezone``).
    max_json_bytes
        Largest JSON document accepted (default: ``settings.max_ocel_json_bytes``).

    Returns
    -------
    ObjectCentricLog
        Events, objects, object attribute changes, E2O and O2O relations and declared types.
        Unreadable event times go to the quarantine (see :meth:`ObjectCentricLog.from_parts`).
    """
    from crmflow.store.objects import ObjectCentricLog

    store = store or EventStore()
    p = Path(path)
    if not p.is_file():
        raise error(InputError, ERRORS, "ocel.no_such_file_expected_2", p=p)
    suffixes = [s.lower() for s in p.suffixes]
    kind = suffixes[-2] if len(suffixes) > 1 and suffixes[-1] == ".gz" else (suffixes[-1] if suffixes else "")
    limit = max_json_bytes or store.settings.max_ocel_json_bytes
    if kind in JSON_SUFFIXES:
        parts, fmt = parts_from_json(p, p.name, store, max_bytes=limit), "ocel-json"
    elif kind in SQLITE_SUFFIXES:
        parts, fmt = parts_from_sqlite(p, p.name), "ocel-sqlite"
    elif kind in XML_SUFFIXES and suffixes[-1] != ".gz":
        parts, fmt = parts_from_xml(p, p.name), "ocel-xml"
    else:
        raise error(
            InputError,
            ERRORS,
            "ocel.unknown_ocel_file_type_2",
            name=p.name,
            value=kind or "(none)",
            value2=", ".join(JSON_SUFFIXES + SQLITE_SUFFIXES + XML_SUFFIXES),
        )
    return ObjectCentricLog.from_parts(
        store, parts, name=name, source=p.name, format=fmt, timezone=timezone or store.settings.timezone
    )


__all__ = [
    "MAX_JSON_BYTES",
    "OCEL_TYPES",
    "XML_SUFFIXES",
    "OcelParts",
    "object_type_counts",
    "parts_from_json",
    "parts_from_sqlite",
    "read_ocel",
    "read_ocel_raw",
]
