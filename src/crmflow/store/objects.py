"""The object-centric store: objects, events and their relations (the OCEL 2.0 meta-model) in DuckDB.

An :class:`ObjectCentricLog` keeps what a flat event log loses: an event may concern several
objects (a payment relates to a deal, an invoice and a contact), objects relate to each other
(a deal *converted from* a lead), and object attributes change over time. Any object type can
be chosen as the case notion: :meth:`ObjectCentricLog.flatten` builds an ordinary
:class:`~crmflow.store.store.EventLog` through the store's one materialisation, so all of
crmflow's mining runs on it. The tables and their SQL are in :mod:`crmflow.store.object_queries`.

>>> from crmflow.store.store import EventStore
>>> ocl = ObjectCentricLog.create(EventStore(), name="demo")
>>> ocl.counts().events
0
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.store import object_queries as oq
from crmflow.store.error_messages import ERRORS
from crmflow.store.queries import table_name
from crmflow.store.schema import DERIVED_COLUMNS, STAGED_COLUMNS
from crmflow.store.store import EventLog, EventStore

#: OCEL 2.0 attribute type → the SQL type a flattened attribute column takes.
SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "time": "TIMESTAMPTZ",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
}
#: Names a flattened attribute column may not take (``to_arrow`` writes the canonical columns under their XES names).
_RESERVED = (
    set(STAGED_COLUMNS)
    | set(DERIVED_COLUMNS)
    | {"ocel:eid", "ocel:qualifier"}
    | {"case:concept:name", "concept:name", "time:timestamp", "org:resource", "org:role", "lifecycle:transition"}
)


@dataclass(frozen=True)
class OcelCounts:
    """Headline numbers of an object-centric log."""

    events: int
    objects: int
    event_types: int
    object_types: int
    e2o: int
    o2o: int
    object_changes: int
    dangling_e2o: int
    dangling_o2o: int

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class OcelObject:
    """One object: id, type and its latest attribute values."""

    oid: str
    otype: str
    attributes: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"oid": self.oid, "otype": self.otype, "attributes": dict(self.attributes)}


@dataclass(frozen=True, eq=False)
class ObjectCentricLog:
    """An object-centric event log ``name`` inside an :class:`EventStore`.

    Build one with :meth:`create` (empty, for builders such as
    :func:`crmflow.sources.object_model.build_object_log`), :meth:`from_parts` (parsed OCEL 2.0;
    see :func:`crmflow.ingest.ocel.read_ocel`) or :meth:`open` (already in a project store).
    """

    store: EventStore
    name: str

    # ------------------------------------------------------------------ construction

    @classmethod
    def create(cls, store: EventStore, *, name: str = "ocel") -> ObjectCentricLog:
        """Empty tables for log ``name`` (replacing any log of that name)."""
        table_name(name)
        for stmt in oq.create_tables(name):
            store.sql(stmt)
        return cls(store, name)

    @classmethod
    def open(cls, store: EventStore, name: str = "ocel") -> ObjectCentricLog:
        """An object-centric log already in ``store``."""
        if not store.has_table(oq.t(name, "events")):
            raise error(InputError, ERRORS, "objects.store_has_no_object", name=name)
        return cls(store, name)

    @classmethod
    def from_parts(cls, store: EventStore, parts: Any, *, name: str, source: str, format: str, timezone: str) -> ObjectCentricLog:
        """Load parsed OCEL 2.0 (:class:`crmflow.ingest.ocel.OcelParts`) into the store.

        Events without a readable time and repeated event ids go to the quarantine (with the
        value and the reason), as do object values with an unreadable time; the ingestions table
        records ``rows_read`` (events + object values) = parsed + quarantined.
        """
        log = cls.create(store, name=name)
        views = {}
        for key in ("events", "attributes", "relations", "objects", "object_values", "o2o"):
            views[key] = store.new_name(f"ocel_{key}")
            store.con.register(views[key], getattr(parts, key))
        declared = store.new_name("ocel_types")
        store.con.register(declared, _declarations(parts))
        try:
            store.sql(oq.parts_events(name, views["events"], timezone))
            store.sql(oq.parts_event_attributes(name, views["attributes"], views["events"]))
            store.sql(oq.parts_objects(name, views["objects"]))
            store.sql(oq.parts_object_values(name, views["object_values"], timezone))
            store.sql(oq.parts_e2o(name, views["relations"], views["events"]))
            store.sql(oq.parts_o2o(name, views["o2o"]))
            store.sql(oq.load_types(name, declared))
            store.sql(oq.tidy_types(name))
            for stmt in oq.canonicalise(name, timezone):
                store.sql(stmt)
            bad_events = store.rows(oq.parts_rejected_events(views["events"], timezone))
            bad_values = store.rows(oq.parts_rejected_values(views["object_values"], timezone))
        finally:
            for v in (*views.values(), declared):
                store.con.unregister(v)
        why = {
            "duplicate_id": "the event id {eid!r} was already used by an earlier event (kept the first)",
            "missing_timestamp": "event {eid!r} has no time (OCEL 2.0 requires one)",
            "bad_timestamp": "event {eid!r}: cannot read {time!r} as a time (expected ISO 8601 such as 2024-03-01T10:15:00Z)",
        }
        quarantined = store.quarantine_rows(
            [
                {
                    "log_name": name,
                    "source": source,
                    "row_no": int(r["ord"]) + 1,
                    "column_name": "time",
                    "value": r["time"],
                    "kind": r["kind"],
                    "reason": why[r["kind"]].format(**r),
                }
                for r in bad_events
            ]
            + [
                {
                    "log_name": name,
                    "source": source,
                    "column_name": f"objects[{r['oid']}].{r['name']}.time",
                    "value": r["time"],
                    "kind": "bad_timestamp",
                    "reason": f"object {r['oid']!r} attribute {r['name']!r}: cannot read {r['time']!r} as a time "
                    "(expected ISO 8601 such as 2024-03-01T10:15:00Z)",
                }
                for r in bad_values
            ]
        )
        counts = log.counts()
        store.forget_bookkeeping(name, keep_quarantine=True)
        store.record_ingestion(
            log_name=name,
            source=source,
            format=format,
            rows_read=parts.events.num_rows + _non_null(parts.object_values),
            parsed=counts.events + counts.object_changes,
            quarantined=quarantined,
        )
        return log

    # ------------------------------------------------------------------ questions

    def table(self, key: str) -> str:
        """The DuckDB table behind ``key`` (see :data:`crmflow.store.object_queries.TABLES`)."""
        return oq.t(self.name, key)

    def object_types(self) -> dict[str, int]:
        """Objects per object type, largest first."""
        return {str(k): int(v) for k, v in self.store.sql(oq.object_type_counts(self.name)).fetchall()}

    def activities(self) -> dict[str, int]:
        """Events per activity (event type), largest first."""
        return {str(k): int(v) for k, v in self.store.sql(oq.activity_counts(self.name)).fetchall()}

    def counts(self) -> OcelCounts:
        n = {k: int(self.store.scalar(f"SELECT count(*) FROM {self.table(k)}")) for k in oq.TABLES}
        dangling = dict(self.store.sql(oq.dangling(self.name)).fetchall())
        return OcelCounts(
            events=n["events"],
            objects=n["objects"],
            event_types=int(self.store.scalar(f"SELECT count(DISTINCT activity) FROM {self.table('events')}")),
            object_types=int(self.store.scalar(f"SELECT count(DISTINCT otype) FROM {self.table('objects')}")),
            e2o=n["e2o"],
            o2o=n["o2o"],
            object_changes=n["object_values"],
            dangling_e2o=int(dangling["e2o"]),
            dangling_o2o=int(dangling["o2o"]),
        )

    def objects_of(
        self, object_type: str | None = None, *, related_to: str | None = None, limit: int | None = None
    ) -> list[OcelObject]:
        """Objects of a type (all types when None), optionally only those related to object
        ``related_to`` (by O2O either way, or by sharing an event), with their latest attributes."""
        where: list[str] = ["TRUE"]
        params: list[Any] = []
        if object_type is not None:
            where.append("o.otype = ?")
            params.append(object_type)
        if related_to is not None:
            rel = [r[0] for r in self.store.sql(oq.related_objects(self.name), [related_to] * 3).fetchall()]
            where.append("list_contains(?, o.oid)")
            params.append(rel)
        sql = oq.objects_of(self.name, where=" AND ".join(where))
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            OcelObject(oid=r[0], otype=r[1], attributes=json.loads(r[2]) if isinstance(r[2], str) else dict(r[2]))
            for r in self.store.sql(sql, params).fetchall()
        ]

    def attribute_types(self, scope: str) -> dict[str, list[tuple[str, str]]]:
        """Declared attributes per event type (``scope="event"``) or object type (``"object"``)."""
        out: dict[str, list[tuple[str, str]]] = {}
        for type_name, name, attr_type in self.store.sql(
            f"SELECT type_name, name, attr_type FROM {self.table('types')} WHERE scope = ? ORDER BY ord", [scope]
        ).fetchall():
            attrs = out.setdefault(type_name, [])
            if name is not None:
                attrs.append((name, attr_type))
        return out

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every table's content in a stable order (times as ISO text): equal logs, equal snapshots."""
        return {k: [tuple(r) for r in self.store.sql(oq.snapshot(self.name, k)).fetchall()] for k in oq.TABLES}

    # ------------------------------------------------------------------ flattening

    def flatten(
        self, object_type: str, *, log_name: str | None = None, resource: str | None = None, role: str | None = None
    ) -> EventLog:
        """The classic event log with the objects of ``object_type`` as cases.

        Parameters
        ----------
        object_type
            The case notion: each object of this type is a case.
        log_name
            Name of the new log (default ``<name>_<object_type>`` made safe).
        resource
            Event attribute holding the resource; by default ``org:resource`` or ``resource``
            when the log has one.
        role
            Event attribute holding the role, or ``<object type>.<attribute>``: that attribute of the
            object of the type related to the event, as it was at the event's time (e.g.
            ``agent.regional_office``: the office of the deal's sales agent). None: no role.

        Returns
        -------
        EventLog
            One event per (event, object of the type): an event related to several such objects
            appears in each case. Columns ``ocel:eid`` and ``ocel:qualifier`` keep the link back;
            event attributes become columns typed as declared.
        """
        types = self.object_types()
        if object_type not in types:
            listing = ", ".join(f"{k!r} ({v:,})" for k, v in types.items()) or "none"
            raise error(
                InputError,
                ERRORS,
                "objects.there_no_object_type",
                name=self.name,
                object_type=object_type,
                listing=listing,
            )
        name = log_name or _safe_name(f"{self.name}_{object_type}")
        attrs = self._flat_attributes()
        names = {a[0]: a[2] for a in attrs}
        if resource is None:
            resource = next((r for r in ("org:resource", "resource") if r in names), None)
        elif resource not in names:
            raise error(
                InputError,
                ERRORS,
                "objects.there_no_event_attribute",
                name=self.name,
                resource=resource,
                value=", ".join(names) or "none",
            )
        role_ref = self._role(role, names, types) if role else None
        stage = self.store.new_name("stage_ocel")
        self.store.sql(
            oq.flatten_stage(
                self.name, stage, attributes=attrs, resource=names.get(resource) if resource else None, role=role_ref
            ),
            [object_type],
        )
        n = int(self.store.scalar(f"SELECT count(*) FROM {stage}"))
        self.store.forget_bookkeeping(name, keep_quarantine=True)
        self.store.record_ingestion(
            log_name=name,
            source=f"{self.name} ({object_type})",
            format="ocel",
            rows_read=n,
            parsed=n,
            quarantined=0,
            mapping={"object_type": object_type, "resource": resource, "role": role},
        )
        try:
            return self.store.materialize([stage], log_name=name)
        finally:
            self.store.sql(f"DROP TABLE IF EXISTS {stage}")

    def _role(self, role: str, names: dict[str, str], types: dict[str, int]) -> str | tuple[str, str]:
        if role in names:
            return names[role]
        otype, dot, attr = role.partition(".")
        if not dot or otype not in types:
            raise error(
                InputError,
                ERRORS,
                "objects.role_neither_event_attribute",
                name=self.name,
                role=role,
                value=", ".join(names) or "none",
                value2=", ".join(types),
            )
        has = self.store.scalar(
            f"SELECT count(*) FROM {self.table('object_values')} v JOIN {self.table('objects')} o USING (oid) "
            "WHERE o.otype = ? AND v.name = ?",
            [otype, attr],
        )
        if not has:
            have = [
                r[0]
                for r in self.store.sql(
                    f"SELECT DISTINCT v.name FROM {self.table('object_values')} v JOIN {self.table('objects')} o USING (oid) "
                    "WHERE o.otype = ? ORDER BY 1",
                    [otype],
                ).fetchall()
            ]
            raise error(
                InputError,
                ERRORS,
                "objects.objects_type_have_no",
                name=self.name,
                otype=otype,
                attr=attr,
                value=", ".join(have) or "none",
            )
        return (otype, attr)

    def _flat_attributes(self) -> list[tuple[str, str, str]]:
        rows = self.store.sql(
            f"SELECT name, list(DISTINCT attr_type) FROM {self.table('types')} WHERE scope = 'event' "
            "AND name IS NOT NULL GROUP BY name ORDER BY min(ord)"
        ).fetchall()
        out = []
        for name, kinds in rows:
            sql_type = SQL_TYPES.get(kinds[0], "VARCHAR") if len(kinds) == 1 else "VARCHAR"
            alias = f"{name} (attribute)" if name in _RESERVED else name
            out.append((name, sql_type, alias))
        return out

    def drop(self) -> None:
        """Remove the log's tables from the store."""
        for stmt in oq.drop_tables(self.name):
            self.store.sql(stmt)

    def __repr__(self) -> str:
        c = self.counts()
        return f"ObjectCentricLog(name={self.name!r}, events={c.events}, objects={c.objects})"


def _safe_name(text: str) -> str:
    out = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in text)
    if not out or not out[0].isalpha():
        out = "l_" + out
    return out[:60]


def _non_null(values: pa.Table) -> int:
    return values.num_rows - values.column("value").null_count if values.num_rows else 0


def _declarations(parts: Any) -> pa.Table:
    rows: list[tuple[int, str, str, str | None, str | None]] = []
    for scope, decl in (("event", parts.event_types), ("object", parts.object_types)):
        for type_name, attrs in decl.items():
            if not attrs:
                rows.append((len(rows), scope, type_name, None, None))
            for attr, attr_type in attrs:
                rows.append((len(rows), scope, type_name, attr, attr_type))
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [[], [], [], [], []]
    return pa.table(
        {
            "ord": pa.array(cols[0], pa.int64()),
            "scope": pa.array(cols[1], pa.string()),
            "type_name": pa.array(cols[2], pa.string()),
            "name": pa.array(cols[3], pa.string()),
            "attr_type": pa.array(cols[4], pa.string()),
        }
    )


__all__ = ["SQL_TYPES", "ObjectCentricLog", "OcelCounts", "OcelObject"]
