"""Write an :class:`~crmflow.store.objects.ObjectCentricLog` as OCEL 2.0 (JSON or SQLite).

* **JSON**: ``objectTypes``, ``eventTypes`` (with their attributes and types), ``objects`` (with
  timed attribute values and ``relationships`` = O2O) and ``events`` (with ``attributes`` and
  ``relationships`` = E2O). Values take the JSON type of their declared OCEL type (a value that
  cannot be read as its type is written as text).
* **SQLite**: ``event``, ``event_map_type``, one ``event_<map>`` table per event type
  (``ocel_id``, ``ocel_time``, attributes), ``object``, ``object_map_type``, one ``object_<map>``
  table per object type (``ocel_id``, ``ocel_time``, ``ocel_changed_field``, attributes; the first
  row of an object holds its initial values, later rows one changed field each), ``event_object``
  and ``object_object``.

Reading what is written gives back the same log (:meth:`ObjectCentricLog.snapshot` is equal).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from pathlib import Path
from typing import Any

from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.store import object_queries as oq
from crmflow.store.error_messages import ERRORS
from crmflow.store.objects import ObjectCentricLog

_SQLITE_COLUMN = {"string": "TEXT", "integer": "INTEGER", "float": "REAL", "boolean": "BOOLEAN", "time": "TIMESTAMP"}
_RESERVED_COLUMNS = {"ocel_id", "ocel_time", "ocel_changed_field"}


def _typed(value: str, attr_type: str | None) -> Any:
    """The JSON/SQLite value of canonical text ``value`` for an OCEL type (text when it does not fit)."""
    try:
        if attr_type == "float":
            f = float(value)
            return f if math.isfinite(f) else value
        if attr_type == "integer":
            return int(value)
    except ValueError:
        return value
    if attr_type == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _declared(ocl: ObjectCentricLog, scope: str) -> dict[str, list[tuple[str, str]]]:
    return ocl.attribute_types(scope)


def _iso(ocl: ObjectCentricLog, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ocl.store.sql(sql).fetchall()]


def to_ocel_json(ocl: ObjectCentricLog) -> dict[str, Any]:
    """The log as an OCEL 2.0 JSON document (a dict ready for :func:`json.dump`)."""
    ev_types, ob_types = _declared(ocl, "event"), _declared(ocl, "object")
    ev_attr = {(k, n): ty for k, attrs in ev_types.items() for n, ty in attrs}
    ob_attr = {(k, n): ty for k, attrs in ob_types.items() for n, ty in attrs}
    t = ocl.table
    objects: dict[str, dict[str, Any]] = {}
    for oid, otype in _iso(ocl, f"SELECT oid, otype FROM {t('objects')} ORDER BY ord"):
        objects[oid] = {"id": oid, "type": otype, "attributes": [], "relationships": []}
    for oid, name, value, ts in _iso(
        ocl, f"SELECT v.oid, v.name, v.value, {oq.iso_utc('v.ts')} FROM {t('object_values')} v ORDER BY v.ord"
    ):
        if oid in objects:
            ty = ob_attr.get((objects[oid]["type"], name))
            objects[oid]["attributes"].append({"name": name, "time": ts, "value": _typed(value, ty)})
    dangling = []
    for source, target, qualifier in _iso(ocl, f"SELECT source, target, qualifier FROM {t('o2o')} ORDER BY ord"):
        rel = {"objectId": target, "qualifier": qualifier}
        if source in objects:
            objects[source]["relationships"].append(rel)
        else:
            dangling.append(source)
    if dangling:
        raise error(
            InputError,
            ERRORS,
            "ocel_export.object_object_relation_s",
            name=ocl.name,
            n_dangling=len(dangling),
            dangling=dangling[0],
        )
    events: dict[str, dict[str, Any]] = {}
    for eid, activity, ts in _iso(ocl, f"SELECT eid, activity, {oq.iso_utc('ts')} FROM {t('events')} ORDER BY ord"):
        events[eid] = {"id": eid, "type": activity, "time": ts, "attributes": [], "relationships": []}
    for eid, name, value in _iso(ocl, f"SELECT eid, name, value FROM {t('event_attributes')} ORDER BY rowid"):
        e = events[eid]
        e["attributes"].append({"name": name, "value": _typed(value, ev_attr.get((e["type"], name)))})
    for eid, oid, qualifier in _iso(ocl, f"SELECT eid, oid, qualifier FROM {t('e2o')} ORDER BY ord"):
        events[eid]["relationships"].append({"objectId": oid, "qualifier": qualifier})

    def types(decl: dict[str, list[tuple[str, str]]]) -> list[dict[str, Any]]:
        return [{"name": k, "attributes": [{"name": n, "type": ty} for n, ty in v]} for k, v in decl.items()]

    return {
        "objectTypes": types(ob_types),
        "eventTypes": types(ev_types),
        "objects": list(objects.values()),
        "events": list(events.values()),
    }


def write_ocel_json(ocl: ObjectCentricLog, path: str | Path) -> Path:
    """Write the log as OCEL 2.0 JSON (UTF-8); return the path."""
    p = Path(path)
    with open(p, "w", encoding="utf-8") as fh:
        json.dump(to_ocel_json(ocl), fh, ensure_ascii=False, indent=1)
    return p


def _map_names(names: list[str]) -> dict[str, str]:
    """A distinct ``[A-Za-z0-9]`` table suffix per type name (OCEL 2.0 ``ocel_type_map``)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for n in names:
        base = re.sub(r"[^A-Za-z0-9]", "", n) or "type"
        cand, k = base, 1
        while cand.lower() in used:
            k += 1
            cand = f"{base}{k}"
        used.add(cand.lower())
        out[n] = cand
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_ocel_sqlite(ocl: ObjectCentricLog, path: str | Path) -> Path:
    """Write the log in the OCEL 2.0 SQLite layout (a new file; an existing one is refused)."""
    p = Path(path)
    if p.exists():
        raise error(InputError, ERRORS, "ocel_export.file_exists_choose_new", p=p)
    ev_types, ob_types = _declared(ocl, "event"), _declared(ocl, "object")
    for scope, decl in (("event", ev_types), ("object", ob_types)):
        for k, attrs in decl.items():
            clash = [n for n, _ in attrs if n.lower() in _RESERVED_COLUMNS]
            if clash:
                raise error(
                    InputError,
                    ERRORS,
                    "ocel_export.type_has_attribute_named",
                    name=ocl.name,
                    scope=scope,
                    k=k,
                    clash=clash[0],
                )
    t = ocl.table
    con = sqlite3.connect(p)
    try:
        con.execute("CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT)")
        con.execute("CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)")
        con.execute("CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT)")
        con.execute("CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)")
        con.execute(
            "CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT, "
            "PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier))"
        )
        con.execute(
            "CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT, "
            "PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier))"
        )
        ev_map, ob_map = _map_names(list(ev_types)), _map_names(list(ob_types))
        for scope, decl, maps, extra in (
            ("event", ev_types, ev_map, "ocel_id TEXT PRIMARY KEY, ocel_time TIMESTAMP"),
            ("object", ob_types, ob_map, "ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT"),
        ):
            for k, attrs in decl.items():
                con.execute(f"INSERT INTO {scope}_map_type VALUES (?, ?)", [k, maps[k]])
                cols = "".join(f", {_q(n)} {_SQLITE_COLUMN.get(ty, 'TEXT')}" for n, ty in attrs)
                con.execute(f"CREATE TABLE {_q(scope + '_' + maps[k])} ({extra}{cols})")
        # events
        ev_rows = _iso(ocl, f"SELECT eid, activity, {oq.iso_utc('ts')} FROM {t('events')} ORDER BY ord")
        con.executemany("INSERT INTO event VALUES (?, ?)", [(e, a) for e, a, _ in ev_rows])
        values: dict[str, dict[str, str]] = {}
        for eid, name, value in _iso(ocl, f"SELECT eid, name, value FROM {t('event_attributes')}"):
            values.setdefault(eid, {})[name] = value
        by_type: dict[str, list[tuple[str, str]]] = {}
        for eid, activity, ts in ev_rows:
            by_type.setdefault(activity, []).append((eid, ts))
        for activity, rows in by_type.items():
            attrs = ev_types.get(activity, [])
            cols = "".join(f", {_q(n)}" for n, _ in attrs)
            marks = ", ".join("?" * (2 + len(attrs)))
            con.executemany(
                f"INSERT INTO {_q('event_' + ev_map[activity])} (ocel_id, ocel_time{cols}) VALUES ({marks})",
                [(eid, ts, *[_sqlite_value(values.get(eid, {}).get(n), ty) for n, ty in attrs]) for eid, ts in rows],
            )
        # objects
        obj_rows = _iso(ocl, f"SELECT oid, otype FROM {t('objects')} ORDER BY ord")
        con.executemany("INSERT INTO object VALUES (?, ?)", obj_rows)
        ob_values: dict[str, list[tuple[str, str, str]]] = {}
        for oid, name, value, ts in _iso(
            ocl, f"SELECT oid, name, value, {oq.iso_utc('ts')} FROM {t('object_values')} ORDER BY oid, ts, ord"
        ):
            ob_values.setdefault(oid, []).append((name, value, ts))
        # every object gets its initial row (readers build objects from these tables), then its changes
        for oid, otype in obj_rows:
            vals = ob_values.get(oid, [])
            attrs = ob_types.get(otype, [])
            kinds = dict(attrs)
            table = _q("object_" + ob_map[otype])
            first_ts = vals[0][2] if vals else oq.EPOCH
            initial: dict[str, str] = {}
            changes = []
            for name, value, ts in vals:
                if ts == first_ts and name not in initial:
                    initial[name] = value
                else:
                    changes.append((name, value, ts))
            cols = "".join(f", {_q(n)}" for n, _ in attrs)
            con.execute(
                f"INSERT INTO {table} (ocel_id, ocel_time, ocel_changed_field{cols}) "
                f"VALUES ({', '.join('?' * (3 + len(attrs)))})",
                [oid, first_ts, None, *[_sqlite_value(initial.get(n), ty) for n, ty in attrs]],
            )
            for name, value, ts in changes:
                con.execute(
                    f"INSERT INTO {table} (ocel_id, ocel_time, ocel_changed_field, {_q(name)}) VALUES (?, ?, ?, ?)",
                    [oid, ts, name, _sqlite_value(value, kinds.get(name))],
                )
        con.executemany(
            "INSERT INTO event_object VALUES (?, ?, ?)", _iso(ocl, f"SELECT eid, oid, qualifier FROM {t('e2o')} ORDER BY ord")
        )
        con.executemany(
            "INSERT INTO object_object VALUES (?, ?, ?)",
            _iso(ocl, f"SELECT source, target, qualifier FROM {t('o2o')} ORDER BY ord"),
        )
        con.commit()
    except BaseException:
        con.close()
        p.unlink(missing_ok=True)
        raise
    con.close()
    return p


def _sqlite_value(value: str | None, attr_type: str | None) -> Any:
    if value is None:
        return None
    v = _typed(value, attr_type)
    return int(v) if isinstance(v, bool) else v


def write_ocel(ocl: ObjectCentricLog, path: str | Path) -> Path:
    """Write OCEL 2.0 by the file name: ``.json``/``.jsonocel`` or ``.sqlite``/``.sqlite3``/``.db``."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".json", ".jsonocel"):
        return write_ocel_json(ocl, p)
    if suffix in (".sqlite", ".sqlite3", ".db"):
        return write_ocel_sqlite(ocl, p)
    raise error(InputError, ERRORS, "ocel_export.choose_file_ending_jsonocel", name=p.name)


__all__ = ["to_ocel_json", "write_ocel", "write_ocel_json", "write_ocel_sqlite"]
