"""Build an object-centric log from plain CRM tables, described by a small YAML *object model*.

A CRM export is usually a handful of tables (leads, deals, invoices, tickets…) with foreign keys
and timestamp columns. The object model says which table is which object type, its id column,
which timestamp columns are events and which columns reference other objects::

    objects:
      lead:
        table: leads.csv            # a file name or stem among the inputs (or a path next to the YAML)
        id: lead_id
        attributes: [channel, city]
        events:
          - {column: created_at, activity: Create lead}
          - {column: qualified_at, activity: Qualify lead, resource: owner}
      deal:
        table: deals.csv
        id: deal_id
        id_prefix: "deal:"          # optional: keeps ids unique across object types
        events:
          - {column: won_at, activity: Win deal, attributes: [amount]}
          - {column: closed_at, activity: "{stage}"}   # {column}: the activity is the row's value
        references:
          - {column: lead_id, type: lead, qualifier: converted from}
          - {column: manager, type: manager}   # a type without a table: its objects are the values
    timezone: Europe/Moscow          # optional: zone of naive times

Each event column gives one event per row with a value (``<type>/<activity>/<row>``), related
(E2O) to the row's object (qualifier = its type) and to every object the row references
(qualifier as given). References also give O2O relations. A reference to an object that does
not exist is an *orphan*: it is dropped and counted (with examples) in the result rather than
hidden. Rows without an id and timestamp cells that cannot be read go to the quarantine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmflow.errors import ObjectModelError
from crmflow.i18n import error
from crmflow.ingest.raw import ProgressFn, RawTable, drop_raw
from crmflow.ingest.timestamps import detect_format, parse_text_expr, typed_expr
from crmflow.sources.error_messages import ERRORS
from crmflow.sources.object_model_yaml import (
    EventSpec,
    ObjectModel,
    ObjectSpec,
    ReferenceSpec,
    load_object_model,
    parse_object_model,
)
from crmflow.sources.reader import read_raw
from crmflow.store import object_queries as oq
from crmflow.store.objects import ObjectCentricLog, _declarations
from crmflow.store.queries import ident
from crmflow.store.store import EventStore


@dataclass(frozen=True)
class ReferenceCheck:
    """How well one reference column resolves: relations made and orphans (ids not found)."""

    object_type: str
    column: str
    target_type: str
    relations: int
    orphans: int
    orphan_sample: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["orphan_sample"] = list(self.orphan_sample)
        return d


@dataclass(frozen=True)
class ObjectLogBuild:
    """The result of :func:`build_object_log`: the log and what was found on the way."""

    log: ObjectCentricLog
    references: tuple[ReferenceCheck, ...]
    rows_read: int
    rows_without_id: int
    bad_timestamps: int
    sources: dict[str, str] = field(default_factory=dict)  # object type -> file name

    def to_dict(self) -> dict[str, Any]:
        return {
            "log": self.log.name,
            "counts": self.log.counts().to_dict(),
            "references": [r.to_dict() for r in self.references],
            "rows_read": self.rows_read,
            "rows_without_id": self.rows_without_id,
            "bad_timestamps": self.bad_timestamps,
            "sources": dict(self.sources),
        }


# ---------------------------------------------------------------------------- building


def _resolve(model: ObjectModel, spec: ObjectSpec, inputs: Sequence[Path]) -> Path:
    for p in inputs:
        if spec.table in (p.name, p.stem) or Path(spec.table).name == p.name:
            return p
    if model.base_dir is not None and (model.base_dir / spec.table).is_file():
        return model.base_dir / spec.table
    names = ", ".join(p.name for p in inputs) or "none"
    raise error(
        ObjectModelError,
        ERRORS,
        "object_model.objects_table_no_input",
        object_type=spec.object_type,
        table=spec.table,
        names=names,
    )


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _id(col: str) -> str:
    return f"NULLIF(trim({ident(col)}), '')"


def build_object_log(
    model: ObjectModel | str | Path,
    inputs: Sequence[str | Path],
    *,
    store: EventStore | None = None,
    name: str = "crm",
    timezone: str | None = None,
    progress: ProgressFn | None = None,
) -> ObjectLogBuild:
    """Build an :class:`ObjectCentricLog` from CRM tables (CSV/XLSX/Parquet) and an object model.

    Parameters
    ----------
    model
        An :class:`ObjectModel` or the path of its YAML file.
    inputs
        The table files; each ``objects.<type>.table`` names one of them (file name or stem).
    store
        Where to build it; a new in-memory store when None.
    name
        Name of the object-centric log.
    timezone
        Zone of naive timestamps (default: the model's, then ``settings.timezone``).
    progress
        Called with a short note at each step.

    Returns
    -------
    ObjectLogBuild
        The log, the reference checks (relations and orphans per reference column) and counts.
    """
    m = load_object_model(model) if isinstance(model, (str, Path)) else model
    store = store or EventStore()
    tz = timezone or m.timezone or store.settings.timezone
    ocl = ObjectCentricLog.create(store, name=name)
    paths = [Path(p) for p in inputs]
    raws: dict[str, RawTable] = {}
    by_file: dict[Path, RawTable] = {}
    try:
        for spec in m.objects:
            path = _resolve(m, spec, paths)
            if path not in by_file:
                if progress:
                    progress(f"reading {path.name}")
                by_file[path] = read_raw(store, path, log_name=name, timezone=tz)
            raws[spec.object_type] = by_file[path]
            _check_columns(store, spec, by_file[path])
        result = _build(store, ocl, m, raws, tz, progress)
    finally:
        for raw in by_file.values():
            drop_raw(store, raw)
    return result


def _check_columns(store: EventStore, spec: ObjectSpec, raw: RawTable) -> None:
    have = store.columns(raw.table)
    wanted = [spec.id_column, *spec.attributes, *[r.column for r in spec.references]]
    for e in spec.events:
        wanted += [e.column, *activity_columns(e.activity), *e.attributes, *([e.resource] if e.resource else [])]
    missing = [c for c in dict.fromkeys(wanted) if c not in have]
    if missing:
        cols = ", ".join(c for c in have if c not in ("row_no", "line"))
        raise error(
            ObjectModelError,
            ERRORS,
            "object_model.objects_has_no_column",
            object_type=spec.object_type,
            source=raw.source,
            value=", ".join(map(repr, missing)),
            cols=cols,
        )


def _build(
    store: EventStore,
    ocl: ObjectCentricLog,
    m: ObjectModel,
    raws: dict[str, RawTable],
    tz: str,
    progress: ProgressFn | None,
) -> ObjectLogBuild:
    name = ocl.name
    t = ocl.table
    prefix = {s.object_type: s.id_prefix for s in m.objects}
    no_id = bad_ts = 0
    store.forget_bookkeeping(name, keep_quarantine=True)
    # 1. objects of the declared types (first row of each id), rows without an id to the quarantine
    for spec in m.objects:
        raw = raws[spec.object_type]
        oid = f"{_lit(spec.id_prefix)} || {_id(spec.id_column)}"
        clash = store.sql(
            f"SELECT DISTINCT {oid}, o.otype FROM {raw.table} r JOIN {t('objects')} o ON o.oid = {oid} "
            "WHERE o.otype <> ? LIMIT 1",
            [spec.object_type],
        ).fetchall()
        if clash:
            raise error(
                ObjectModelError,
                ERRORS,
                "object_model.objects_id_already_object",
                object_type=spec.object_type,
                clash=clash[0][0],
                clash2=clash[0][1],
            )
        store.sql(
            f"INSERT INTO {t('objects')} SELECT NULL, {oid}, ? FROM {raw.table} WHERE {_id(spec.id_column)} IS NOT NULL "
            f"AND {oid} NOT IN (SELECT oid FROM {t('objects')}) "
            f"QUALIFY row_number() OVER (PARTITION BY {oid} ORDER BY row_no) = 1",
            [spec.object_type],
        )
        line = "line" if "line" in store.columns(raw.table) else "NULL::BIGINT AS line"
        missing = store.rows(f"SELECT row_no, {line} FROM {raw.table} WHERE {_id(spec.id_column)} IS NULL ORDER BY row_no")
        no_id += store.quarantine_rows(
            {
                "log_name": name,
                "source": raw.source,
                "row_no": r["row_no"],
                "line": r["line"],
                "column_name": spec.id_column,
                "value": None,
                "kind": "missing_id",
                "reason": f"row {r['row_no']}: no {spec.object_type} id in column {spec.id_column!r}; the row is not used",
            }
            for r in missing
        )
        store.record_ingestion(
            log_name=name,
            source=f"{raw.source} ({spec.object_type})",
            format=raw.format,
            rows_read=raw.rows_read,
            parsed=raw.rows_read - raw.quarantined - len(missing),
            quarantined=raw.quarantined + len(missing),
            mapping={"object_type": spec.object_type, "id": spec.id_column},
        )
    # 2. objects of types known only from references: their ids are the referenced values
    declared = {s.object_type for s in m.objects}
    for spec in m.objects:
        for ref in spec.references:
            if ref.object_type in declared:
                continue
            prefix.setdefault(ref.object_type, ref.id_prefix)
            value = f"{_lit(prefix[ref.object_type])} || {_id(ref.column)}"
            src = raws[spec.object_type].table
            clash = store.sql(
                f"SELECT o.oid, o.otype FROM {src} r JOIN {t('objects')} o ON o.oid = {value} WHERE o.otype <> ? LIMIT 1",
                [ref.object_type],
            ).fetchall()
            if clash:
                raise error(
                    ObjectModelError,
                    ERRORS,
                    "object_model.objects_references_value_already",
                    object_type=spec.object_type,
                    column=ref.column,
                    clash=clash[0][0],
                    clash2=clash[0][1],
                    object_type2=ref.object_type,
                )
            store.sql(
                f"INSERT INTO {t('objects')} SELECT DISTINCT NULL, {value}, ? FROM {src} "
                f"WHERE {_id(ref.column)} IS NOT NULL AND {value} NOT IN (SELECT oid FROM {t('objects')})",
                [ref.object_type],
            )
    # 3. attributes (initial values of the first row of each object)
    for spec in m.objects:
        raw, oid = raws[spec.object_type], f"{_lit(spec.id_prefix)} || {_id(spec.id_column)}"
        for col in spec.attributes:
            store.sql(
                f"INSERT INTO {t('object_values')} SELECT NULL, oid, ?, v, TIMESTAMPTZ '1970-01-01 00:00:00+00' FROM ("
                f"SELECT {oid} AS oid, NULLIF(trim({ident(col)}), '') AS v FROM {raw.table} "
                f"WHERE {_id(spec.id_column)} IS NOT NULL "
                f"QUALIFY row_number() OVER (PARTITION BY {oid} ORDER BY row_no) = 1) WHERE v IS NOT NULL",
                [col],
            )
    # 4. events, their attributes and E2O; 5. O2O; reference checks
    checks = []
    for spec in m.objects:
        raw, oid = raws[spec.object_type], f"{_lit(spec.id_prefix)} || {_id(spec.id_column)}"
        if progress and spec.events:
            progress(f"events of {spec.object_type}")
        for ev in spec.events:
            bad_ts += _events(store, ocl, spec, raw, oid, ev, tz, prefix)
        for ref in spec.references:
            checks.append(_reference(store, ocl, spec, raw, oid, ref, prefix.get(ref.object_type, "")))
    _renumber(store, ocl)
    empty = store.new_name("ocel_types")
    store.con.register(empty, _declarations(_NoDeclarations()))
    try:
        store.sql(oq.load_types(name, empty))
    finally:
        store.con.unregister(empty)
    store.sql(oq.tidy_types(name))
    return ObjectLogBuild(
        log=ocl,
        references=tuple(checks),
        rows_read=sum(r.rows_read for r in {id(r): r for r in raws.values()}.values()),
        rows_without_id=no_id,
        bad_timestamps=bad_ts,
        sources={k: r.source for k, r in raws.items()},
    )


class _NoDeclarations:
    event_types: dict[str, list[tuple[str, str]]] = {}
    object_types: dict[str, list[tuple[str, str]]] = {}


def _events(
    store: EventStore,
    ocl: ObjectCentricLog,
    spec: ObjectSpec,
    raw: RawTable,
    oid: str,
    ev: EventSpec,
    tz: str,
    prefix: dict[str, str],
) -> int:
    t = ocl.table
    col = ident(ev.column)
    kind = store.sql(
        "SELECT data_type FROM information_schema.columns WHERE table_name = ? AND column_name = ?", [raw.table, ev.column]
    ).fetchall()[0][0]
    if kind.upper() in ("VARCHAR", "TEXT"):
        fmt = detect_format(store, raw.table, ev.column)
        ts, label = parse_text_expr(col, fmt, tz), fmt.label
    else:
        ts, label = (typed_expr(col, kind, tz) or "NULL::TIMESTAMPTZ"), kind
    eid = f"{_lit(spec.object_type + '/' + ev.activity + '/')} || row_no"
    present = f"{_id(spec.id_column)} IS NOT NULL AND NULLIF(trim(CAST({col} AS VARCHAR)), '') IS NOT NULL"
    tmp = store.new_name("ocm_events")
    line = "line" if "line" in store.columns(raw.table) else "NULL::BIGINT"
    store.sql(
        f"CREATE TEMP TABLE {tmp} AS SELECT {eid} AS __eid, {oid} AS __oid, CAST({col} AS VARCHAR) AS __raw, "
        f"{ts} AS __ts, {line} AS __line, * FROM {raw.table} WHERE {present}"
    )
    try:
        bad = store.rows(f"SELECT row_no, __line AS line, __raw AS raw_value FROM {tmp} WHERE __ts IS NULL ORDER BY row_no")
        n_bad = store.quarantine_rows(
            {
                "log_name": ocl.name,
                "source": raw.source,
                "row_no": r["row_no"],
                "line": r["line"],
                "column_name": ev.column,
                "value": r["raw_value"],
                "kind": "bad_timestamp",
                "reason": f"column {ev.column!r} row {r['row_no']}: cannot read {r['raw_value']!r} as a date "
                f"(expected {label}); the event {ev.activity!r} is not created",
            }
            for r in bad
        )
        store.sql(
            f"INSERT INTO {t('events')} SELECT NULL, __eid, {_activity_expr(ev.activity)}, __ts FROM {tmp} WHERE __ts IS NOT NULL"
        )
        attrs = [*ev.attributes] + ([ev.resource] if ev.resource else [])
        for a in attrs:
            store.sql(
                f"INSERT INTO {t('event_attributes')} SELECT __eid, ?, NULLIF(trim(CAST({ident(a)} AS VARCHAR)), '') "
                f"FROM {tmp} WHERE __ts IS NOT NULL AND NULLIF(trim(CAST({ident(a)} AS VARCHAR)), '') IS NOT NULL",
                ["org:resource" if a == ev.resource and a not in ev.attributes else a],
            )
        store.sql(f"INSERT INTO {t('e2o')} SELECT NULL, __eid, __oid, ? FROM {tmp} WHERE __ts IS NOT NULL", [spec.object_type])
        for ref in spec.references:
            target = ident(ref.column)
            store.sql(
                f"INSERT INTO {t('e2o')} SELECT DISTINCT NULL, e.__eid, o.oid, ? FROM {tmp} e "
                f"JOIN {t('objects')} o ON o.oid = ? || NULLIF(trim(e.{target}), '') AND o.otype = ? WHERE e.__ts IS NOT NULL",
                [ref.qualifier, prefix.get(ref.object_type, ""), ref.object_type],
            )
    finally:
        store.sql(f"DROP TABLE IF EXISTS {tmp}")
    return n_bad


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def activity_columns(activity: str) -> tuple[str, ...]:
    """The columns an activity template names (``"{deal_stage}"`` → ``("deal_stage",)``)."""
    return tuple(_PLACEHOLDER.findall(activity))


def _activity_expr(activity: str) -> str:
    """SQL for an activity text; ``{column}`` placeholders take the row's value (``(empty)`` when blank)."""
    parts, pos = [], 0
    for m in _PLACEHOLDER.finditer(activity):
        if m.start() > pos:
            parts.append(_lit(activity[pos : m.start()]))
        parts.append(f"coalesce(NULLIF(trim(CAST({ident(m.group(1))} AS VARCHAR)), ''), '(empty)')")
        pos = m.end()
    if pos < len(activity) or not parts:
        parts.append(_lit(activity[pos:]))
    return " || ".join(parts)


def _reference(
    store: EventStore,
    ocl: ObjectCentricLog,
    spec: ObjectSpec,
    raw: RawTable,
    oid: str,
    ref: ReferenceSpec,
    prefix: str,
) -> ReferenceCheck:
    t = ocl.table
    target = f"{_lit(prefix)} || {_id(ref.column)}"
    pairs = store.new_name("ocm_refs")
    store.sql(
        f"CREATE TEMP TABLE {pairs} AS SELECT DISTINCT {oid} AS source, {target} AS target, {_id(ref.column)} AS value, "
        f"o.oid IS NOT NULL AS found FROM {raw.table} r LEFT JOIN {t('objects')} o ON o.oid = {target} AND o.otype = ? "
        f"WHERE {_id(spec.id_column)} IS NOT NULL AND {_id(ref.column)} IS NOT NULL",
        [ref.object_type],
    )
    try:
        store.sql(f"INSERT INTO {t('o2o')} SELECT NULL, source, target, ? FROM {pairs} WHERE found", [ref.qualifier])
        made = int(store.scalar(f"SELECT count(*) FROM {pairs} WHERE found"))
        orphans = store.sql(f"SELECT DISTINCT value FROM {pairs} WHERE NOT found ORDER BY value").fetchall()
    finally:
        store.sql(f"DROP TABLE IF EXISTS {pairs}")
    return ReferenceCheck(
        object_type=spec.object_type,
        column=ref.column,
        target_type=ref.object_type,
        relations=made,
        orphans=len(orphans),
        orphan_sample=tuple(str(r[0]) for r in orphans[:10]),
    )


def _renumber(store: EventStore, ocl: ObjectCentricLog) -> None:
    """Give every table its ``ord``: events by time, relations and objects in insertion order."""
    t = ocl.table
    store.sql(
        f"CREATE OR REPLACE TABLE {t('events')} AS SELECT (row_number() OVER (ORDER BY ts, eid) - 1)::BIGINT AS ord, "
        f"eid, activity, ts FROM {t('events')}"
    )
    for key in ("objects", "object_values", "e2o", "o2o"):
        cols = [c for c in store.columns(t(key)) if c != "ord"]
        store.sql(
            f"CREATE OR REPLACE TABLE {t(key)} AS SELECT (row_number() OVER (ORDER BY rowid) - 1)::BIGINT AS ord, "
            f"{', '.join(cols)} FROM {t(key)} ORDER BY rowid"
        )


__all__ = [
    "EventSpec",
    "ObjectLogBuild",
    "ObjectModel",
    "ObjectSpec",
    "ReferenceCheck",
    "ReferenceSpec",
    "build_object_log",
    "load_object_model",
    "parse_object_model",
]
