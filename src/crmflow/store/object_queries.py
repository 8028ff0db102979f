"""All log-sized SQL of the object-centric store, in one place.

An object-centric log ``<name>`` (see :class:`crmflow.store.objects.ObjectCentricLog`) is seven
DuckDB tables, following the OCEL 2.0 meta-model:

* ``oce_<name>`` -- events: ``ord`` (input order), ``eid``, ``activity``, ``ts`` (TIMESTAMPTZ);
* ``ocea_<name>`` -- event attributes: ``eid``, ``name``, ``value`` (text in canonical form, typed
  by the declaration in ``oct_``);
* ``oco_<name>`` -- objects: ``ord``, ``oid``, ``otype``;
* ``ocov_<name>`` -- object attribute values with the time from which each holds (OCEL 2.0
  ``object_changes``; initial values at 1970-01-01): ``ord``, ``oid``, ``name``, ``value``, ``ts``;
* ``oce2o_<name>`` -- event-to-object relations: ``ord``, ``eid``, ``oid``, ``qualifier``;
* ``oco2o_<name>`` -- object-to-object relations: ``ord``, ``source``, ``target``, ``qualifier``;
* ``oct_<name>`` -- declared types: ``scope`` (``event``/``object``), ``type_name``, ``name``
  (NULL for a type without attributes), ``attr_type`` (an OCEL 2.0 type), ``ord``.

Values are kept as text in one *canonical* form per OCEL type (``float`` as DuckDB prints a
DOUBLE, ``integer`` without sign noise, ``boolean`` as ``true``/``false``, ``time`` as ISO 8601
in UTC with ``Z``), so an import → export → import round trip reproduces the tables exactly.
"""

from __future__ import annotations

from crmflow.store.queries import ident, table_name

#: The tables of an object-centric log: key → (prefix, DDL columns).
TABLES: dict[str, tuple[str, str]] = {
    "events": ("oce_", "ord BIGINT, eid VARCHAR, activity VARCHAR, ts TIMESTAMPTZ"),
    "event_attributes": ("ocea_", "eid VARCHAR, name VARCHAR, value VARCHAR"),
    "objects": ("oco_", "ord BIGINT, oid VARCHAR, otype VARCHAR"),
    "object_values": ("ocov_", "ord BIGINT, oid VARCHAR, name VARCHAR, value VARCHAR, ts TIMESTAMPTZ"),
    "e2o": ("oce2o_", "ord BIGINT, eid VARCHAR, oid VARCHAR, qualifier VARCHAR"),
    "o2o": ("oco2o_", "ord BIGINT, source VARCHAR, target VARCHAR, qualifier VARCHAR"),
    "types": ("oct_", "ord BIGINT, scope VARCHAR, type_name VARCHAR, name VARCHAR, attr_type VARCHAR"),
}

#: Canonical text of the OCEL 2.0 epoch used for initial object attribute values.
EPOCH = "1970-01-01T00:00:00Z"
_OFFSET = r"(Z|[+-]\d\d(:?\d\d)?)$"


def t(log: str, key: str) -> str:
    """The table ``key`` (see :data:`TABLES`) of object-centric log ``log``."""
    return TABLES[key][0] + table_name(log)


def create_tables(log: str) -> list[str]:
    """``CREATE OR REPLACE TABLE`` statements for an empty object-centric log."""
    return [f"CREATE OR REPLACE TABLE {t(log, k)} ({cols})" for k, (_, cols) in TABLES.items()]


def drop_tables(log: str) -> list[str]:
    return [f"DROP TABLE IF EXISTS {t(log, k)}" for k in TABLES]


def time_expr(expr: str, tz: str) -> str:
    """Text → TIMESTAMPTZ: with an offset as written, without one in time zone ``tz``."""
    return (
        f"CASE WHEN regexp_matches(trim({expr}), '{_OFFSET}') THEN TRY_CAST(trim({expr}) AS TIMESTAMPTZ) "
        f"ELSE timezone({_lit(tz)}, TRY_CAST(trim({expr}) AS TIMESTAMP)) END"
    )


def iso_utc(expr: str) -> str:
    """TIMESTAMPTZ → canonical ISO 8601 text in UTC (``…Z``; microseconds only when present)."""
    return (
        f"(strftime(timezone('UTC', {expr}), '%Y-%m-%dT%H:%M:%S') || "
        f"CASE WHEN microsecond({expr}) % 1000000 <> 0 "
        f"THEN '.' || lpad(CAST(microsecond({expr}) % 1000000 AS VARCHAR), 6, '0') ELSE '' END || 'Z')"
    )


def canonical_value(value: str, attr_type: str, tz: str) -> str:
    """SQL giving the canonical text of ``value`` for the OCEL type in column ``attr_type``.

    Times without an offset are read in zone ``tz``. A value that cannot be read as its declared
    type stays as written (nothing is lost; the exporter writes it as text).
    """
    ts = time_expr(value, tz)
    return f"""CASE {attr_type}
        WHEN 'float' THEN coalesce(CAST(TRY_CAST({value} AS DOUBLE) AS VARCHAR), {value})
        WHEN 'integer' THEN CASE WHEN regexp_matches(trim({value}), '^[+-]?[0-9]{{1,18}}$')
                                 THEN CAST(CAST(trim({value}) AS BIGINT) AS VARCHAR) ELSE {value} END
        WHEN 'boolean' THEN CASE WHEN lower(trim({value})) IN ('true', '1') THEN 'true'
                                 WHEN lower(trim({value})) IN ('false', '0') THEN 'false' ELSE {value} END
        WHEN 'time' THEN coalesce({iso_utc(ts)}, {value})
        ELSE {value} END"""


# --------------------------------------------------------------------------- import from OCEL parts


def load_types(log: str, declared: str) -> str:
    """Declared types (a relation: ord, scope, type_name, name, attr_type) plus every type and
    attribute name seen in the data but not declared (as ``string``), first declaration wins."""
    return f"""
INSERT INTO {t(log, "types")}
WITH d AS (
    SELECT * FROM {declared}
    QUALIFY row_number() OVER (PARTITION BY scope, type_name, name ORDER BY ord) = 1
), seen AS (
    SELECT DISTINCT 'event' AS scope, e.activity AS type_name, a.name
    FROM {t(log, "event_attributes")} a JOIN {t(log, "events")} e USING (eid)
    UNION SELECT DISTINCT 'event', activity, NULL FROM {t(log, "events")}
    UNION SELECT DISTINCT 'object', o.otype, v.name
    FROM {t(log, "object_values")} v JOIN {t(log, "objects")} o USING (oid)
    UNION SELECT DISTINCT 'object', otype, NULL FROM {t(log, "objects")}
), extra AS (
    SELECT s.* FROM seen s
    WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.scope = s.scope AND d.type_name = s.type_name
                      AND (d.name = s.name OR (s.name IS NULL)))
)
SELECT (row_number() OVER (ORDER BY ord) - 1)::BIGINT, scope, type_name, name, attr_type FROM (
    SELECT ord, scope, type_name, name, attr_type FROM d
    UNION ALL
    SELECT 1000000000 + row_number() OVER (ORDER BY scope, type_name, name NULLS FIRST), scope, type_name, name,
           CASE WHEN name IS NULL THEN NULL ELSE 'string' END
    FROM extra
)
"""


def tidy_types(log: str) -> str:
    """Drop the "no attributes" row of a type that has attributes (keeps a round trip exact)."""
    y = t(log, "types")
    return (
        f"DELETE FROM {y} WHERE name IS NULL AND EXISTS (SELECT 1 FROM {y} z WHERE z.scope = {y}.scope "
        f"AND z.type_name = {y}.type_name AND z.name IS NOT NULL)"
    )


def canonicalise(log: str, tz: str) -> list[str]:
    """Rewrite event and object attribute values in their canonical form."""
    y = t(log, "types")
    return [
        f"UPDATE {t(log, 'event_attributes')} a SET value = {canonical_value('a.value', 'y.attr_type', tz)} "
        f"FROM {t(log, 'events')} e, {y} y WHERE e.eid = a.eid AND y.scope = 'event' "
        "AND y.type_name = e.activity AND y.name = a.name AND y.attr_type <> 'string'",
        f"UPDATE {t(log, 'object_values')} a SET value = {canonical_value('a.value', 'y.attr_type', tz)} "
        f"FROM {t(log, 'objects')} o, {y} y WHERE o.oid = a.oid AND y.scope = 'object' "
        "AND y.type_name = o.otype AND y.name = a.name AND y.attr_type <> 'string'",
    ]


def parts_events(log: str, events: str, tz: str) -> str:
    """Events from OCEL parts (ord, eid, etype, time text): readable time, first of each id."""
    return f"""
INSERT INTO {t(log, "events")}
SELECT ord, eid, etype, ts FROM (
    SELECT ord, eid, etype, {time_expr("time", tz)} AS ts,
           row_number() OVER (PARTITION BY eid ORDER BY ord) AS k
    FROM {events}
) WHERE ts IS NOT NULL AND k = 1 ORDER BY ord
"""


def parts_rejected_events(events: str, tz: str) -> str:
    """Events from OCEL parts that cannot be kept: no readable time, or a repeated id."""
    return f"""
SELECT ord, eid, etype, time,
       CASE WHEN k > 1 THEN 'duplicate_id' WHEN time IS NULL THEN 'missing_timestamp' ELSE 'bad_timestamp' END AS kind
FROM (SELECT *, {time_expr("time", tz)} AS ts, row_number() OVER (PARTITION BY eid ORDER BY ord) AS k FROM {events})
WHERE ts IS NULL OR k > 1 ORDER BY ord
"""


def parts_event_attributes(log: str, attributes: str, events: str) -> str:
    return f"""
INSERT INTO {t(log, "event_attributes")}
SELECT e.eid, a.name, a.value FROM (SELECT *, row_number() OVER () AS r FROM {attributes}) a
JOIN {events} p ON p.ord = a.ord JOIN {t(log, "events")} e ON e.ord = p.ord
WHERE a.value IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY e.eid, a.name ORDER BY a.r) = 1
ORDER BY a.r
"""


def parts_objects(log: str, objects: str) -> str:
    return f"""
INSERT INTO {t(log, "objects")}
SELECT (row_number() OVER (ORDER BY r) - 1)::BIGINT, oid, otype FROM (
    SELECT oid, otype, row_number() OVER () AS r FROM {objects}
) QUALIFY row_number() OVER (PARTITION BY oid ORDER BY r) = 1
"""


def parts_object_values(log: str, values: str, tz: str) -> str:
    """Object values (oid, name, value, time text); a missing time is the epoch."""
    ts = time_expr(f"coalesce(time, '{EPOCH}')", tz)
    return f"""
INSERT INTO {t(log, "object_values")}
SELECT (row_number() OVER (ORDER BY r) - 1)::BIGINT, oid, name, value, ts FROM (
    SELECT *, row_number() OVER () AS r, {ts} AS ts FROM {values}
) WHERE value IS NOT NULL AND ts IS NOT NULL
"""


def parts_rejected_values(values: str, tz: str) -> str:
    ts = time_expr(f"coalesce(time, '{EPOCH}')", tz)
    return f"SELECT oid, name, value, time FROM {values} WHERE value IS NOT NULL AND {ts} IS NULL"


def parts_e2o(log: str, relations: str, events: str) -> str:
    return f"""
INSERT INTO {t(log, "e2o")}
SELECT (row_number() OVER (ORDER BY r.ord, r.rel_ord) - 1)::BIGINT, e.eid, r.oid, coalesce(r.qualifier, '')
FROM {relations} r JOIN {events} p ON p.ord = r.ord JOIN {t(log, "events")} e ON e.ord = p.ord
QUALIFY row_number() OVER (PARTITION BY e.eid, r.oid, coalesce(r.qualifier, '') ORDER BY r.ord, r.rel_ord) = 1
"""


def parts_o2o(log: str, o2o: str) -> str:
    return f"""
INSERT INTO {t(log, "o2o")}
SELECT (row_number() OVER (ORDER BY r) - 1)::BIGINT, source, target, q FROM (
    SELECT source, target, coalesce(qualifier, '') AS q, row_number() OVER () AS r FROM {o2o}
) QUALIFY row_number() OVER (PARTITION BY source, target, q ORDER BY r) = 1
"""


# --------------------------------------------------------------------------- questions


def dangling(log: str) -> str:
    """Relations whose object is not among the objects: (kind, count)."""
    objs = t(log, "objects")
    return f"""
SELECT 'e2o' AS kind, count(*) FROM {t(log, "e2o")} WHERE oid NOT IN (SELECT oid FROM {objs})
UNION ALL SELECT 'o2o', count(*) FROM {t(log, "o2o")}
WHERE source NOT IN (SELECT oid FROM {objs}) OR target NOT IN (SELECT oid FROM {objs})
"""


def object_type_counts(log: str) -> str:
    return f"SELECT otype, count(*) FROM {t(log, 'objects')} GROUP BY otype ORDER BY 2 DESC, 1"


def activity_counts(log: str) -> str:
    return f"SELECT activity, count(*) FROM {t(log, 'events')} GROUP BY activity ORDER BY 2 DESC, 1"


def objects_of(log: str, *, where: str) -> str:
    """Objects with their latest attribute values as a JSON object (``where`` filters ``o``)."""
    return f"""
SELECT o.oid, o.otype, coalesce(v.attributes, '{{}}'::JSON) AS attributes
FROM {t(log, "objects")} o LEFT JOIN (
    SELECT oid, json_group_object(name, value) AS attributes FROM (
        SELECT oid, name, arg_max(value, ts) AS value FROM {t(log, "object_values")} GROUP BY oid, name
    ) GROUP BY oid
) v USING (oid)
WHERE {where} ORDER BY o.ord
"""


def related_objects(log: str) -> str:
    """Objects related to object ``?`` by O2O in either direction, or sharing an event (``?`` twice more)."""
    return f"""
SELECT DISTINCT oid FROM (
    SELECT target AS oid FROM {t(log, "o2o")} WHERE source = ?
    UNION SELECT source FROM {t(log, "o2o")} WHERE target = ?
    UNION SELECT b.oid FROM {t(log, "e2o")} a JOIN {t(log, "e2o")} b USING (eid) WHERE a.oid = ? AND b.oid <> a.oid
)
"""


def flatten_stage(
    log: str,
    stage: str,
    *,
    attributes: list[tuple[str, str, str]],
    resource: str | None,
    role: str | tuple[str, str] | None = None,
) -> str:
    """A staged table (canonical columns + attributes) with one row per (event, object of type ``?``).

    An event related to several objects of the type appears in each of their cases; a pair related
    twice (different qualifiers) appears once with the qualifiers joined by ``; ``. ``attributes``
    are (name, SQL type, column name) of the event attributes to carry as columns; ``resource`` is
    the column name of the one that holds the resource. ``role`` is likewise an attribute column,
    or ``(object type, attribute)``: the attribute's value, at the event's time, on the object of
    that type related to the event (e.g. the regional office of the deal's sales agent).
    """
    cols = []
    for name, sql_type, alias in attributes:
        pick = f"max(value) FILTER (WHERE name = {_lit(name)})"
        cols.append(f"TRY_CAST({pick} AS {sql_type}) AS {ident(alias)}" if sql_type != "VARCHAR" else f"{pick} AS {ident(alias)}")
    pivot = f", {', '.join(cols)}" if cols else ""
    res = f"a.{ident(resource)}" if resource else "NULL"
    role_cte, role_col, role_join = "", "NULL", ""
    if isinstance(role, tuple):
        role_cte = f""", roles AS (
    SELECT r.eid, max(v.value) AS role FROM {t(log, "e2o")} r
    JOIN {t(log, "objects")} o ON o.oid = r.oid AND o.otype = {_lit(role[0])}
    JOIN {t(log, "events")} ev ON ev.eid = r.eid
    JOIN LATERAL (SELECT value FROM {t(log, "object_values")} x WHERE x.oid = r.oid AND x.name = {_lit(role[1])}
                  AND x.ts <= ev.ts ORDER BY x.ts DESC, x.ord DESC LIMIT 1) v ON TRUE
    GROUP BY r.eid
)"""
        role_col, role_join = "ro.role", " LEFT JOIN roles ro USING (eid)"
    elif role:
        role_col = f"a.{ident(role)}"
    return f"""
CREATE OR REPLACE TEMP TABLE {table_name(stage)} AS
WITH rel AS (
    SELECT r.eid, r.oid, min(r.ord) AS rel_ord,
           string_agg(NULLIF(r.qualifier, ''), '; ' ORDER BY r.ord) AS qualifier
    FROM {t(log, "e2o")} r JOIN {t(log, "objects")} o USING (oid)
    WHERE o.otype = ? GROUP BY r.eid, r.oid
), attrs AS (
    SELECT eid{pivot} FROM {t(log, "event_attributes")} GROUP BY eid
){role_cte}
SELECT row_number() OVER (ORDER BY e.ord, rel.rel_ord)::BIGINT AS row_no,
       rel.oid AS case_id, e.activity, e.ts, CAST({res} AS VARCHAR) AS resource,
       CAST({role_col} AS VARCHAR) AS role, NULL::VARCHAR AS lifecycle,
       e.eid AS "ocel:eid", rel.qualifier AS "ocel:qualifier"
       {", " + ", ".join("a." + ident(alias) for _, _, alias in attributes) if attributes else ""}
FROM {t(log, "events")} e JOIN rel USING (eid) LEFT JOIN attrs a USING (eid){role_join}
ORDER BY row_no
"""


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def snapshot(log: str, key: str) -> str:
    """The content of one table in a stable order, without ``ord`` (used to compare logs)."""
    cols = [c.split()[0] for c in TABLES[key][1].split(", ") if not c.startswith("ord ")]
    sel = ", ".join(iso_utc(c) if c == "ts" else c for c in cols)
    return f"SELECT {sel} FROM {t(log, key)} ORDER BY ALL"


# --------------------------------------------------------------------------- customer journeys


def journey_edges(log: str, edges: str, *, via_events: bool) -> str:
    """Undirected links between objects whose types are in list ``?``, never into the anchor type ``?``.

    Links are O2O relations and, with ``via_events``, objects related to one event.
    """
    shared = (
        f"UNION SELECT a.oid, b.oid FROM {t(log, 'e2o')} a JOIN {t(log, 'e2o')} b USING (eid) WHERE a.oid <> b.oid"
        if via_events
        else ""
    )
    return f"""
CREATE OR REPLACE TEMP TABLE {table_name(edges)} AS
SELECT l.a, l.b FROM (
    SELECT source AS a, target AS b FROM {t(log, "o2o")}
    UNION SELECT target, source FROM {t(log, "o2o")}
    {shared}
) l JOIN {t(log, "objects")} oa ON oa.oid = l.a JOIN {t(log, "objects")} ob ON ob.oid = l.b
WHERE list_contains(?, oa.otype) AND list_contains(?, ob.otype) AND ob.otype <> ?
"""


def journey_start(log: str, reach: str, frontier: str) -> list[str]:
    """Each anchor object (type ``?``) is a customer who reaches itself."""
    return [
        f"CREATE OR REPLACE TEMP TABLE {table_name(reach)} AS "
        f"SELECT oid AS customer, oid FROM {t(log, 'objects')} WHERE otype = ?",
        f"CREATE OR REPLACE TEMP TABLE {table_name(frontier)} AS SELECT * FROM {table_name(reach)}",
    ]


def journey_step(reach: str, frontier: str, edges: str) -> list[str]:
    """One breadth-first step: objects linked to the frontier that the customer has not reached yet."""
    nxt = table_name(frontier) + "_n"
    return [
        f"""CREATE OR REPLACE TEMP TABLE {nxt} AS
        SELECT DISTINCT f.customer, e.b AS oid FROM {table_name(frontier)} f JOIN {table_name(edges)} e ON e.a = f.oid
        ANTI JOIN {table_name(reach)} r ON r.customer = f.customer AND r.oid = e.b""",
        f"INSERT INTO {table_name(reach)} SELECT * FROM {nxt}",
        f"CREATE OR REPLACE TEMP TABLE {table_name(frontier)} AS SELECT * FROM {nxt}",
        f"DROP TABLE {nxt}",
    ]


def journey_events(log: str, reach: str, cev: str) -> str:
    """The customer's events: every event related to an object the customer reaches."""
    return f"""
CREATE OR REPLACE TEMP TABLE {table_name(cev)} AS
SELECT DISTINCT r.customer, e.eid, e.activity, e.ts, o.otype
FROM {table_name(reach)} r JOIN {t(log, "e2o")} x ON x.oid = r.oid JOIN {t(log, "events")} e ON e.eid = x.eid
JOIN {t(log, "objects")} o ON o.oid = r.oid
"""


def journey_stage_times(log: str, reach: str, cev: str, *, stages: list[tuple[list[str], list[str]]]) -> str:
    """(customer, stage, reached, ts): whether and when each customer first reached each stage.

    A stage is (object types, activities): with object types only, reaching an object of one of the
    types (at the first event of those objects); with activities only, the first such event of the
    customer; with both, the first such event of such an object.
    """
    parts = []
    for i, (types, acts) in enumerate(stages):
        tl, al = _list(types), _list(acts)
        if types and not acts:
            parts.append(
                f"SELECT r.customer, {i} AS stage, min(c.ts) AS ts FROM {table_name(reach)} r "
                f"JOIN {t(log, 'objects')} o ON o.oid = r.oid AND list_contains({tl}, o.otype) "
                f"LEFT JOIN {t(log, 'e2o')} x ON x.oid = r.oid LEFT JOIN {t(log, 'events')} c ON c.eid = x.eid "
                "GROUP BY r.customer"
            )
        elif acts and not types:
            parts.append(
                f"SELECT customer, {i} AS stage, min(ts) AS ts FROM {table_name(cev)} "
                f"WHERE list_contains({al}, activity) GROUP BY customer"
            )
        else:
            parts.append(
                f"SELECT customer, {i} AS stage, min(ts) AS ts FROM {table_name(cev)} "
                f"WHERE list_contains({al}, activity) AND list_contains({tl}, otype) GROUP BY customer"
            )
    return " UNION ALL ".join(parts)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]::VARCHAR[]"


def journey_wide(
    log: str, wide: str, reach: str, cev: str, stage_times: str, *, n: int, ordered: bool, channel: str | None
) -> str:
    """One row per customer: start, channel, and per stage ``h<i>`` (has it), ``r<i>`` (counts as
    reached: in an ordered journey only after every earlier stage) and ``t<i>`` (when)."""
    cols = []
    for i in range(n):
        cols.append(f"bool_or(st.stage = {i}) AS h{i}, min(st.ts) FILTER (WHERE st.stage = {i}) AS t{i}")
    reached = []
    for i in range(n):
        cond = " AND ".join(f"coalesce(h{j}, false)" for j in (range(i + 1) if ordered else [i]))
        reached.append(f"{cond} AS r{i}")
    if channel is not None:
        ch = _lit(channel)
        channel_sql = f"""coalesce(
            (SELECT arg_max(v.value, v.ts) FROM {t(log, "object_values")} v WHERE v.oid = a.customer AND v.name = {ch}),
            (SELECT arg_min(ea.value, c.ts) FROM {table_name(cev)} c JOIN {t(log, "event_attributes")} ea
               ON ea.eid = c.eid AND ea.name = {ch} WHERE c.customer = a.customer),
            (SELECT min(v.value) FROM {table_name(reach)} r JOIN {t(log, "object_values")} v ON v.oid = r.oid
               AND v.name = {ch} WHERE r.customer = a.customer))"""
    else:
        channel_sql = "NULL::VARCHAR"
    return f"""
CREATE OR REPLACE TEMP TABLE {table_name(wide)} AS
WITH a AS (
    SELECT o.oid AS customer, {", ".join(cols)}
    FROM {t(log, "objects")} o LEFT JOIN ({stage_times}) st ON st.customer = o.oid
    WHERE o.otype = ? GROUP BY o.oid
)
SELECT a.*, {", ".join(reached)},
       (SELECT min(ts) FROM {table_name(cev)} c WHERE c.customer = a.customer) AS start,
       {channel_sql} AS channel
FROM a
"""


def journey_stage_summary(wide: str, cev: str, *, i: int) -> str:
    """Numbers of stage ``i``: reached, dropped, skipped, days from start / previous, touchpoints."""
    prev = f"r{i - 1}" if i > 0 else "TRUE"
    days_start = f"(epoch(t{i}) - epoch(start)) / 86400.0"
    days_prev = f"(epoch(t{i}) - epoch(t{i - 1})) / 86400.0" if i > 0 else "NULL::DOUBLE"
    return f"""
WITH w AS (SELECT * FROM {table_name(wide)}),
touch AS (
    SELECT w.customer, count(DISTINCT c.eid) AS n FROM w JOIN {table_name(cev)} c ON c.customer = w.customer AND c.ts <= w.t{i}
    WHERE w.r{i} GROUP BY w.customer
)
SELECT
    count(*) FILTER (WHERE r{i}) AS reached,
    count(*) FILTER (WHERE {prev} AND NOT r{i}) AS dropped,
    count(*) FILTER (WHERE h{i} AND NOT r{i}) AS skipped,
    count({days_start}) FILTER (WHERE r{i}) AS n_start,
    quantile_cont({days_start}, 0.5) FILTER (WHERE r{i}) AS med_start,
    quantile_cont({days_start}, 0.9) FILTER (WHERE r{i}) AS p90_start,
    count({days_prev}) FILTER (WHERE r{i}) AS n_prev,
    quantile_cont({days_prev}, 0.5) FILTER (WHERE r{i}) AS med_prev,
    quantile_cont({days_prev}, 0.9) FILTER (WHERE r{i}) AS p90_prev,
    (SELECT count(*) FROM touch) AS n_touch,
    (SELECT quantile_cont(n, 0.5) FROM touch) AS med_touch,
    (SELECT quantile_cont(n, 0.9) FROM touch) AS p90_touch
FROM w
"""


def journey_dropped_sample(wide: str, *, i: int, limit: int) -> str:
    prev = f"r{i - 1}" if i > 0 else "TRUE"
    return f"SELECT customer FROM {table_name(wide)} WHERE {prev} AND NOT r{i} ORDER BY customer LIMIT {int(limit)}"


def journey_channels(wide: str, *, i: int) -> str:
    return (
        f"SELECT coalesce(channel, '') AS channel, count(*) AS customers FROM {table_name(wide)} WHERE r{i} "
        "GROUP BY ALL ORDER BY customers DESC, channel"
    )


__all__ = [
    "EPOCH",
    "TABLES",
    "canonical_value",
    "canonicalise",
    "create_tables",
    "dangling",
    "drop_tables",
    "flatten_stage",
    "iso_utc",
    "journey_channels",
    "journey_dropped_sample",
    "journey_edges",
    "journey_events",
    "journey_stage_summary",
    "journey_stage_times",
    "journey_start",
    "journey_step",
    "journey_wide",
    "load_types",
    "object_type_counts",
    "objects_of",
    "snapshot",
    "t",
    "tidy_types",
    "time_expr",
]
