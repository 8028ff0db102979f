"""The OCEL 2.0 SQLite layout: ``event``, ``object``, ``event_object``, ``event_map_type``, one table per type.

Opened read-only (``mode=ro``) with ``trusted_schema`` off; only these tables are read. Columns
other writers leave out are optional: ``ocel_time`` and ``ocel_changed_field`` of the object
tables (one value per object, holding from the start), ``ocel_qualifier`` of the relation tables.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa

from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.ocel_parts import OcelParts, _table, _text
from crmflow.store import queries as q

_SQLITE_DECLARED = (
    ("INT", "integer"),
    ("REAL", "float"),
    ("FLOA", "float"),
    ("DOUB", "float"),
    ("NUMERIC", "float"),
    ("BOOL", "boolean"),
    ("TIME", "time"),
    ("DATE", "time"),
)


def _sqlite_type(declared: str) -> str:
    up = (declared or "").upper()
    return next((t for key, t in _SQLITE_DECLARED if key in up), "string")


def parts_from_sqlite(path: Path, label: str) -> OcelParts:
    """Read the OCEL 2.0 SQLite layout (read-only) into :class:`OcelParts`."""
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise error(InputError, ERRORS, "ocel_sqlite.this_not_sqlite_database", label=label)
    uri = "file:" + str(path.resolve()).replace("?", "%3f").replace("#", "%23") + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise error(InputError, ERRORS, "ocel_sqlite.cannot_open_this_sqlite", label=label, exc=exc) from exc
    try:
        # Views and triggers in a hostile file must not run functions with side effects.
        con.execute("PRAGMA trusted_schema = OFF")
        con.execute("PRAGMA query_only = ON")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        needed = {"event", "object", "event_object", "event_map_type"}
        if {"EVENTS", "OBJECTS", "RELATIONS"} <= tables and needed - tables:
            raise error(InputError, ERRORS, "ocel_sqlite.this_pm_py_s", label=label)
        if needed - tables:
            raise error(
                InputError,
                ERRORS,
                "ocel_sqlite.not_ocel_sqlite_log",
                label=label,
                value=", ".join(sorted(needed - tables)),
                value2=", ".join(sorted(tables)) or "none",
            )
        events = con.execute("SELECT ocel_id, ocel_type FROM event ORDER BY rowid").fetchall()
        order = {eid: i for i, (eid, _) in enumerate(events)}
        times: dict[str, str | None] = {}
        types: dict[str, set[str]] = {}
        event_types: dict[str, list[tuple[str, str]]] = {}
        at: dict[str, list[Any]] = {"ord": [], "name": [], "value": []}
        for etype, tmap in con.execute("SELECT ocel_type, ocel_type_map FROM event_map_type ORDER BY rowid").fetchall():
            tname = f"event_{tmap}"
            if tname not in tables:
                raise error(InputError, ERRORS, "ocel_sqlite.event_type_maps_table", label=label, etype=etype, tname=tname)
            info = con.execute(f"PRAGMA table_info({q.ident(tname)})").fetchall()
            attrs = [(r[1], _sqlite_type(r[2])) for r in info if r[1] not in ("ocel_id", "ocel_time")]
            missing = {"ocel_id", "ocel_time"} - {r[1] for r in info}
            if missing:
                raise error(
                    InputError,
                    ERRORS,
                    "ocel_sqlite.table_event_type_has",
                    label=label,
                    tname=tname,
                    etype=etype,
                    value=" or ".join(sorted(missing)),
                )
            event_types[etype] = attrs
            for name, t in attrs:
                types.setdefault(name, set()).add(t)
            cols = ", ".join(q.ident(c) for c in ["ocel_id", "ocel_time", *[a for a, _ in attrs]])
            for row in con.execute(f"SELECT {cols} FROM {q.ident(tname)} ORDER BY rowid"):
                eid = row[0]
                times[eid] = _text(row[1])
                if eid not in order:
                    continue
                for (name, t), value in zip(attrs, row[2:], strict=True):
                    if value is not None:
                        at["ord"].append(order[eid])
                        at["name"].append(name)
                        value = bool(value) if t == "boolean" and isinstance(value, int) else value
                        at["value"].append(_text(value))
        qualifier = "ocel_qualifier" if "ocel_qualifier" in _columns(con, "event_object") else "NULL"
        rel = con.execute(f"SELECT ocel_event_id, ocel_object_id, {qualifier} FROM event_object ORDER BY rowid").fetchall()
        objects = con.execute("SELECT ocel_id, ocel_type FROM object ORDER BY rowid").fetchall()
        object_types, values = _sqlite_object_values(con, tables, label)
        o2o = []
        if "object_object" in tables:
            o2o_qualifier = "ocel_qualifier" if "ocel_qualifier" in _columns(con, "object_object") else "NULL"
            o2o = con.execute(
                f"SELECT ocel_source_id, ocel_target_id, {o2o_qualifier} FROM object_object ORDER BY rowid"
            ).fetchall()
    except sqlite3.Error as exc:
        raise error(InputError, ERRORS, "ocel_sqlite.cannot_read_this_ocel", label=label, exc=exc) from exc
    finally:
        con.close()
    s, i64 = pa.string(), pa.int64()
    rel_ord: dict[str, int] = {}
    rel_cols: dict[str, list[Any]] = {"ord": [], "rel_ord": [], "oid": [], "qualifier": []}
    for eid, oid, qual in rel:
        if eid not in order:
            continue
        rel_ord[eid] = rel_ord.get(eid, -1) + 1
        rel_cols["ord"].append(order[eid])
        rel_cols["rel_ord"].append(rel_ord[eid])
        rel_cols["oid"].append(_text(oid))
        rel_cols["qualifier"].append(_text(qual))
    return OcelParts(
        events=_table(
            {
                "ord": (list(range(len(events))), i64),
                "eid": ([e[0] for e in events], s),
                "etype": ([e[1] for e in events], s),
                "time": ([times.get(e[0]) for e in events], s),
            }
        ),
        attributes=_table({"ord": (at["ord"], i64), "name": (at["name"], s), "value": (at["value"], s)}),
        relations=_table({k: (v, i64 if k in ("ord", "rel_ord") else s) for k, v in rel_cols.items()}),
        objects=_table({"oid": ([o[0] for o in objects], s), "otype": ([o[1] for o in objects], s)}),
        attribute_types=types,
        object_values=_table({k: ([_text(r[i]) for r in values], s) for i, k in enumerate(("oid", "name", "value", "time"))}),
        o2o=_table({k: ([_text(r[i]) for r in o2o], s) for i, k in enumerate(("source", "target", "qualifier"))}),
        event_types=event_types,
        object_types=object_types,
    )


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f"PRAGMA table_info({q.ident(table)})").fetchall()}


def _sqlite_object_values(
    con: sqlite3.Connection, tables: set[str], label: str
) -> tuple[dict[str, list[tuple[str, str]]], list[tuple[Any, ...]]]:
    """Object attribute declarations and values (oid, name, value, time) from ``object_<map>`` tables.

    A row whose ``ocel_changed_field`` is empty gives every attribute's value at its time; a row naming
    a field gives only that field's new value.
    """
    if "object_map_type" not in tables:
        return {}, []
    declared: dict[str, list[tuple[str, str]]] = {}
    values: list[tuple[Any, ...]] = []
    for otype, tmap in con.execute("SELECT ocel_type, ocel_type_map FROM object_map_type ORDER BY rowid").fetchall():
        tname = f"object_{tmap}"
        if tname not in tables:
            raise error(InputError, ERRORS, "ocel_sqlite.object_type_maps_table", label=label, otype=otype, tname=tname)
        info = con.execute(f"PRAGMA table_info({q.ident(tname)})").fetchall()
        attrs = [(r[1], _sqlite_type(r[2])) for r in info if r[1] not in ("ocel_id", "ocel_time", "ocel_changed_field")]
        declared[otype] = attrs
        present = {r[1] for r in info}
        if "ocel_id" not in present:
            raise error(InputError, ERRORS, "ocel_sqlite.table_object_type_has", label=label, tname=tname, otype=otype)
        # ocel_time and ocel_changed_field are optional: writers that keep one value per object
        # (pm4py's older exporter, several tools) leave them out; then each value holds from the start
        time = "ocel_time" if "ocel_time" in present else "NULL"
        changed = "ocel_changed_field" if "ocel_changed_field" in present else "NULL"
        cols = ", ".join(["ocel_id", time, changed, *[q.ident(a) for a, _ in attrs]])
        for row in con.execute(f"SELECT {cols} FROM {q.ident(tname)} ORDER BY rowid").fetchall():
            for (name, t), value in zip(attrs, row[3:], strict=True):
                if value is None or (row[2] not in (None, "") and row[2] != name):
                    continue
                value = bool(value) if t == "boolean" and isinstance(value, int) else value
                values.append((row[0], name, value, row[1]))
    return declared, values
