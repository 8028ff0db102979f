"""All log-sized SQL of crmflow's mining, in one place.

Each function returns SQL text for one computation over a materialised log; the store runs it.
Keeping the SQL here (and only here) is what lets another SQL engine run the same computations
later: nothing log-sized happens in Python loops.

A materialised log ``<name>`` consists of two tables:

* ``ev_<name>`` -- one row per event, ordered once within each case by ``(ts, row_no)`` (ties keep
  input order, as pm4py does) into ``pos`` (0-based position in the case), with the
  directly-follows successor precomputed per event (``next_activity``, ``next_act``,
  ``next_resource``, ``next_role``, ``wait_s``) and ``is_last``; ``cid``, ``act`` and ``res``/``next_res``
  are integer codes of the case, the activity and the resource (cheap to hash and count; on DuckDB the
  activity and resource names are computed from them, see :func:`events_table`). ``(case_id, pos)``
  is the key of an event;
* ``cs_<name>`` -- one row per case: events, first and last timestamp, duration, and the variant as
  a list of activity codes;
* ``ac_<name>`` -- the activity dictionary (``activity``, ``act``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crmflow.store.schema import STAGED_COLUMNS

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def ident(name: str) -> str:
    """Quote an identifier for SQL (column names come from user files)."""
    return '"' + name.replace('"', '""') + '"'


def table_name(name: str) -> str:
    """Validate an internal table/log name (never user text)."""
    if not _NAME.match(name):
        raise ValueError(f"invalid internal table name {name!r}")
    return name


def ev(log: str) -> str:
    return "ev_" + table_name(log)


def cs(log: str) -> str:
    return "cs_" + table_name(log)


# --------------------------------------------------------------------------- materialisation


def ac(log: str) -> str:
    return "ac_" + table_name(log)


def materialize_activities(log: str, source: str) -> str:
    """The activity dictionary: each activity name and its integer code (by name order)."""
    return f"""
CREATE OR REPLACE TABLE {ac(log)} AS
SELECT activity, (row_number() OVER (ORDER BY activity) - 1)::INTEGER AS act
FROM (SELECT DISTINCT activity FROM {source})
"""


def rs(log: str) -> str:
    """The temporary resource dictionary of a build (``resource``, ``res``); dropped once the events are written."""
    return "rs_" + table_name(log)


def materialize_resource_codes(log: str, source: str) -> str:
    """Each resource name and its integer code (by name order), for ``res``/``next_res`` of the events."""
    return f"""
CREATE OR REPLACE TEMP TABLE {rs(log)} AS
SELECT resource, (row_number() OVER (ORDER BY resource) - 1)::INTEGER AS res
FROM (SELECT DISTINCT resource FROM {source} WHERE resource IS NOT NULL)
"""


def materialize_case_codes(log: str, source: str) -> str:
    """A temporary case dictionary: each case id and an integer code (hashing ints is cheaper)."""
    return f"""
CREATE OR REPLACE TEMP TABLE cd_{table_name(log)} AS
SELECT case_id, (row_number() OVER () - 1)::INTEGER AS cid FROM (SELECT DISTINCT case_id FROM {source})
"""


def events_select(log: str, source: str) -> str:
    """Order each case once and precompute each event's directly-follows successor (the events table's rows).

    One window pass (hash-partitioned by the integer case code, sorted within cases) -- no global
    sort: a global ORDER BY would double the cost on 10 M events and nothing needs it.
    """
    return f"""
SELECT (row_number() OVER w - 1)::INTEGER AS pos,
       (lead(a.act) OVER w IS NULL) AS is_last,  -- act is never NULL: no extra column to carry
       lead(activity) OVER w AS next_activity,
       lead(a.act) OVER w AS next_act,
       lead(resource) OVER w AS next_resource,
       lead(role) OVER w AS next_role,
       (epoch_us(lead(ts) OVER w) - epoch_us(ts)) / 1e6 AS wait_s,
       c.cid, a.act, r.res, lead(r.res) OVER w AS next_res, s.*
FROM {source} AS s JOIN cd_{table_name(log)} AS c USING (case_id) JOIN {ac(log)} AS a USING (activity)
     LEFT JOIN {rs(log)} AS r USING (resource)
WINDOW w AS (PARTITION BY c.cid ORDER BY ts, row_no)
"""


def materialize_events(log: str, source: str) -> str:
    """The events table ``ev_<log>`` from :func:`events_select` (every column stored)."""
    return f"CREATE OR REPLACE TABLE {ev(log)} AS {events_select(log, source)}"


#: Columns of the events table that can be computed from a code (:func:`events_table`): name -> (code, dictionary).
NAMED_BY_CODE = {
    "activity": ("act", "activity"),
    "next_activity": ("next_act", "activity"),
    "resource": ("res", "resource"),
    "next_resource": ("next_res", "resource"),
}


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: Characters that may join a dictionary's names into one literal (:func:`names_list`), tried in turn.
_SEPARATORS = tuple(chr(c) for c in range(31, 0, -1))


def list_literal(names: Sequence[str]) -> str:
    """A ``VARCHAR[]`` list literal: folded to a constant once in a query (unlike :func:`names_list`'s
    ``string_split``, which a projection evaluates for every chunk of rows).

    >>> list_literal(["a", "b'c"])
    "['a', 'b''c']"
    """
    return "[" + ", ".join(_sql_text(n) for n in names) + "]"


def names_list(names: list[str]) -> str:
    """SQL for the list of ``names`` (a constant ``VARCHAR[]``), cheap to evaluate once per chunk of rows.

    DuckDB evaluates a generated column's expression on every chunk appended to its table, unoptimised, to
    check that it does not fail: a list literal ``['a', 'b', …]`` is then built anew for every row (each
    of the 10 M events of the scaled export built four lists of 20-45 names: 3.3 of the insert's 4.5 CPU s;
    5,000 names at 1 M rows, 6.7 CPU s). ``string_split`` of one literal on a control character that no
    name contains is a constant: it is split once per chunk (0.7 CPU s for the 5,000 names).

    >>> names_list(["a", "b'c"]) == "string_split('a" + chr(31) + "b''c', chr(31))"
    True
    >>> names_list([])
    '[]'
    """
    sep = next((c for c in _SEPARATORS if not any(c in n for n in names)), None)
    if not names or sep is None:  # (no control character free: every name holds all 31 of them)
        return list_literal(names)
    return f"string_split({_sql_text(sep.join(names))}, chr({ord(sep)}))"


def events_table(log: str, columns: list[tuple[str, str]], names: dict[str, list[str]]) -> str:
    """An empty events table whose name columns are computed from the codes.

    ``columns`` are the names and types of the events' rows (as DESCRIBE gives them), ``names`` the
    names by code of each dictionary (``activity``, ``resource``) to compute from. Those columns
    (:data:`NAMED_BY_CODE`) are virtual (``GENERATED ALWAYS AS`` a lookup in the list of names,
    :func:`names_list`): every query reads them as before, but they take no memory -- on the 10 M-event
    scaled export they were about 1.4 GB of the table's 1.6 GB, so the table did not fit within the memory
    limit and every pass over the events read it back from the spill files.
    """
    lookups = {d: names_list(ns) for d, ns in names.items()}
    parts = []
    for name, typ in columns:
        code, dictionary = NAMED_BY_CODE.get(name, (None, None))
        if code is not None and dictionary in lookups:
            parts.append(f"{ident(name)} VARCHAR GENERATED ALWAYS AS ({lookups[dictionary]}[{ident(code)} + 1]) VIRTUAL")
        else:
            parts.append(f"{ident(name)} {typ}")
    return f"CREATE OR REPLACE TABLE {ev(log)} ({', '.join(parts)})"


def insert_events(log: str, columns: list[tuple[str, str]], select: str, names: dict[str, list[str]]) -> str:
    """Fill an :func:`events_table` from an events ``select`` (its stored columns only)."""
    virtual = {n for n, (_, d) in NAMED_BY_CODE.items() if d in names}
    stored = ", ".join(ident(n) for n, _ in columns if n not in virtual)
    return f"INSERT INTO {ev(log)} ({stored}) SELECT {stored} FROM ({select})"


#: Rows of the source read first to judge whether it is already in event order (see :func:`order_probe`).
ORDER_PROBE_ROWS = 100_000
_G, _NEW = "_crmflow_g", "_crmflow_new"  # helper columns of the in-order build (no source column has these names)


def order_probe(source: str, rows: int) -> str:
    """Whether the first ``rows`` rows of ``source`` (in its stored order) are already in event order, and how many it read.

    In event order means: each case's events are contiguous (as many runs of a case id as case ids) and
    within a case ordered by ``(ts, row_no)`` -- an export ordered by case and time. One streaming pass
    (``lag() OVER ()`` keeps the scan order; no sort). For a larger source a cheap first look only: the
    in-order build is then checked in full on what it wrote (:func:`events_order_check`). Fewer rows read
    than ``rows`` means the probe saw the whole source.
    """
    return f"""
SELECT count(*) FILTER (WHERE pc = case_id AND (pt > ts OR (pt = ts AND pr >= row_no))) = 0
       AND count(*) FILTER (WHERE pc IS DISTINCT FROM case_id) = count(DISTINCT case_id) AS in_order,
       count(*) AS probed
FROM (SELECT case_id, ts, row_no, lag(case_id) OVER () AS pc, lag(ts) OVER () AS pt, lag(row_no) OVER () AS pr
      FROM (SELECT case_id, ts, row_no FROM {source} LIMIT {int(rows)}))
"""


def events_in_order_select(source: str, act_type: str, res_type: str | None, *, cid_offset: int = 0) -> str:
    """The rows of :func:`events_select` for a source already in event order, without sorting.

    Used (on DuckDB) when :func:`order_probe` finds the export ordered by case and time, as CRM exports
    usually are: every derived column comes from streaming windows over the scan order (``lead``/``lag``
    ``OVER ()``, running counts), so there is no sort and no join; a case's code is the number of cases
    before it, and ``act`` is the position of the activity in the ENUM type ``act_type`` (the activity
    dictionary's names in code order), ``res`` likewise in ``res_type`` (None: a log without resources);
    ``cid_offset`` is added to the case codes (a part of the source built beside the others, see
    :func:`in_order_cut`). Same columns, same values as the sorting build -- which
    :func:`events_order_check` verifies on the written table before it is used.
    """
    run = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    same = f"NOT lead({_NEW}) OVER ()"  # the next row exists and belongs to the same case
    res = f"enum_code(s.resource::{table_name(res_type)})::INTEGER" if res_type else "NULL::INTEGER"
    return f"""
SELECT ({_G} - max(CASE WHEN {_NEW} THEN {_G} END) OVER ({run}))::INTEGER AS pos,
       (lead({_NEW}) OVER () IS DISTINCT FROM false) AS is_last,
       CASE WHEN {same} THEN lead(activity) OVER () END AS next_activity,
       CASE WHEN {same} THEN lead(act) OVER () END AS next_act,
       CASE WHEN {same} THEN lead(resource) OVER () END AS next_resource,
       CASE WHEN {same} THEN lead(role) OVER () END AS next_role,
       CASE WHEN {same} THEN (epoch_us(lead(ts) OVER ()) - epoch_us(ts)) / 1e6 END AS wait_s,
       (sum({_NEW}::INTEGER) OVER ({run}) - 1 + {int(cid_offset)})::INTEGER AS cid, act, res,
       CASE WHEN {same} THEN lead(res) OVER () END AS next_res, * EXCLUDE ({_G}, {_NEW}, act, res)
FROM (SELECT s.*, enum_code(s.activity::{table_name(act_type)})::INTEGER AS act, {res} AS res, row_number() OVER () AS {_G},
             (lag(s.case_id) OVER () IS DISTINCT FROM s.case_id) AS {_NEW}
      FROM {source} AS s)
"""


def in_order_cut(source: str, near: int) -> str:
    """The first ``row_no`` at or after ``near`` where a new case id begins, in ``row_no`` order (NULL: none).

    The in-order build streams the source in one thread (its windows run over the whole scan order); cut
    where a case begins, parts of the source are built side by side (:mod:`crmflow.store.parts`):
    the case of the first row at ``near`` is skipped, and the next row of another case starts a part.
    """
    return f"""
SELECT min(row_no) FROM {source}
WHERE row_no > {int(near)}
  AND case_id IS DISTINCT FROM (SELECT case_id FROM {source} WHERE row_no >= {int(near)} ORDER BY row_no LIMIT 1)
"""


def cases_before_cuts(source: str, cuts: Sequence[int]) -> str:
    """How many case ids each part before the last of a cut source holds (``part``, ``cases``; see :func:`in_order_cut`).

    A part's case codes start after those of the parts before it; in a source in event order (which the
    build checks) a part's distinct case ids are its runs of a case id, the codes its build counts.
    """
    when = " ".join(f"WHEN row_no < {int(c)} THEN {i}" for i, c in enumerate(cuts))
    return f"""
SELECT part, count(DISTINCT case_id) AS cases
FROM (SELECT case_id, CASE {when} END AS part FROM {source} WHERE row_no < {int(cuts[-1])})
GROUP BY part ORDER BY part
"""


def events_order_check(log: str) -> str:
    """Whether an events table built in order (:func:`events_in_order_select`) holds the sorting build's rows.

    Its derived columns come from the source's order, so they are the sorting build's exactly when that
    order is event order: within each run of a case id, ``(ts, row_no)`` increases -- no negative wait, and
    where the wait is zero (a tie) the successor's ``row_no`` is larger -- and no case id has two runs (two
    case codes). Three parallel scans of a few columns and a join of the ties to their successors (a
    lag() over the whole table, one thread, took 1.0 s of the 10 M-event scaled export; this takes 0.1 s).
    """
    e = ev(log)
    return f"""
SELECT (SELECT count(*) FROM {e} WHERE NOT is_last AND wait_s < 0) = 0
   AND (SELECT count(DISTINCT case_id) = count(*) FROM {e} WHERE pos = 0)
   AND (SELECT count(*) FROM (SELECT cid, pos, row_no FROM {e} WHERE NOT is_last AND wait_s = 0) AS a
        JOIN {e} AS b ON b.cid = a.cid AND b.pos = a.pos + 1 WHERE b.row_no <= a.row_no) = 0 AS ok
"""


#: A case's variant on DuckDB: its events' ``(pos, act)`` packed into one BIGINT each (``pos`` above bit 32, the
#: non-negative code below), the list sorted, the codes taken back -- the ordered aggregate ``list(act ORDER BY
#: pos)`` keeps a buffer and a sort per case: on the 10 M-event scaled export the cases table took 1.10 s with it,
#: 0.67 s this way (same lists).
_VARIANT_PACKED = "[(x & 4294967295)::INTEGER for x in list_sort(list((pos::BIGINT << 32) | act))]"


def materialize_cases(log: str, cids: tuple[int, int] | None = None, *, packed: bool = False) -> str:
    """One row per case, with its variant as a list of activity codes (decode with ``ac_<log>``).

    With ``cids = (first, last)`` only the cases of that code range, appended to the table (an
    ``INSERT``): a log too large for one aggregation within the memory limit is built range by range
    (``EventStore._build_cases``); the events are sorted by case code, so each range reads its own part.
    ``packed``: the variant sorted as packed integers (:data:`_VARIANT_PACKED`; DuckDB's dialect only).
    """
    variant = _VARIANT_PACKED if packed else "list(act ORDER BY pos)"
    select = f"""SELECT cid,
       any_value(case_id) AS case_id,
       count(*)::BIGINT AS n_events,
       min(ts) AS start_ts,
       max(ts) AS end_ts,
       (epoch_us(max(ts)) - epoch_us(min(ts))) / 1e6 AS duration_s,
       {variant} AS variant
FROM {ev(log)}"""
    if cids is not None:
        return f"INSERT INTO {cs(log)}\n{select}\nWHERE cid BETWEEN {int(cids[0])} AND {int(cids[1])}\nGROUP BY cid\n"
    return f"CREATE OR REPLACE TABLE {cs(log)} AS\n{select}\nGROUP BY cid\n"


def activity_names(log: str) -> str:
    return f"SELECT act, activity FROM {ac(log)} ORDER BY act"


def staged_select(stage: str, attributes: list[str]) -> str:
    """Project a staged table on the canonical columns plus the given attribute columns."""
    cols = [ident(c) for c in STAGED_COLUMNS] + [ident(a) for a in attributes]
    return f"SELECT {', '.join(cols)} FROM {table_name(stage)}"


def events_as_staged(log: str, attributes: list[str], where: str = "TRUE") -> str:  # noqa: D103
    """A materialised log's events in staged form (for filters that build a new log)."""
    cols = [ident(c) for c in STAGED_COLUMNS] + [ident(a) for a in attributes]
    return f"SELECT {', '.join(cols)} FROM {ev(log)} WHERE {where}"


# --------------------------------------------------------------------------- summaries


def log_summary(log: str) -> str:
    """Events, cases, activities, first and last timestamp, resources (counted on their codes: one per name)."""
    return f"""
SELECT count(*) AS events, (SELECT count(*) FROM {cs(log)}) AS cases,
       (SELECT count(*) FROM {ac(log)}) AS activities, min(ts) AS first_ts, max(ts) AS last_ts,
       count(DISTINCT res) AS resources
FROM {ev(log)}
"""


def variant_count(log: str) -> str:
    return f"SELECT count(DISTINCT variant) FROM {cs(log)}"


def _wait_stats(expr: str = "wait_s") -> str:
    # one quantile_cont over a list of fractions sorts each group once (median() + another
    # quantile_cont would sort twice)
    return (
        f"avg({expr}) AS mean_s, quantile_cont({expr}, [0.5, 0.9]) AS q_s, min({expr}) AS min_s, "
        f"max({expr}) AS max_s, sum({expr}) AS total_s"
    )


def _split_quantiles() -> str:
    return "mean_s, q_s[1] AS median_s, q_s[2] AS p90_s, min_s, max_s, total_s"


#: Case codes per block of a distinct-case count with bitstrings (:func:`case_counts`): a 512-byte state per group and block.
CASE_BLOCK = 4096


def case_counts(log: str, keys: str, where: str) -> str:
    """Per group of ``keys`` (columns of the events) among the events that satisfy ``where``: the distinct cases (``cases``).

    ``count(DISTINCT cid)`` hashes every (group, case) pair: on the 10 M-event scaled log it was most of the
    directly-follows graph's cost (2.4 of 2.7 CPU s) and of the activity, resource and hand-over statistics.
    Here the case codes (dense integers from 0) are cut into blocks of :data:`CASE_BLOCK` consecutive codes and
    the cases of a group within a block are the set bits of one bitstring (``bitstring_agg``): one bit set per
    event instead of a hash, summed over the blocks (a block's bit count is its distinct cases, since a code
    within the block is ``cid % CASE_BLOCK``). Measured on that log (CPU s, min of 5): the DFG's counts 0.19
    instead of 1.8, the activities' and resources' 0.13 instead of 1.3 and 1.2, the resource hand-over's 0.56
    instead of 1.4. Each (group, block) present holds a 512-byte state that stays in memory, hence
    :func:`crmflow.mining.case_counts.case_count_rows`, which asks for this only when the worst case fits the
    memory budget. On Spark the bit count of a ``bitstring_agg`` is rendered as the ``count(DISTINCT …)`` of
    its values (:mod:`crmflow.store.spark_dialect`): the same numbers.
    """
    b = int(CASE_BLOCK)
    return f"""SELECT {keys}, sum(n)::BIGINT AS cases FROM (
        SELECT {keys}, bit_count(bitstring_agg(cid % {b}, 0, {b - 1})) AS n
        FROM {ev(log)} WHERE {where} GROUP BY {keys}, cid // {b}
    ) GROUP BY {keys}"""


def _grouped(log: str, keys: str, where: str, aggregates: str, *, blocks: bool) -> str:
    """``SELECT keys, aggregates, cases FROM events WHERE where GROUP BY keys``, ``cases`` the distinct cases of a group.

    Without ``blocks`` the cases are a ``count(DISTINCT cid)`` of the same aggregate; with ``blocks`` they are
    counted apart by :func:`case_counts` and joined on the keys.
    """
    if not blocks:
        return f"SELECT {keys}, {aggregates}, count(DISTINCT cid)::BIGINT AS cases FROM {ev(log)} WHERE {where} GROUP BY {keys}"
    return (
        f"SELECT * FROM (SELECT {keys}, {aggregates} FROM {ev(log)} WHERE {where} GROUP BY {keys}) "
        f"JOIN ({case_counts(log, keys, where)}) USING ({keys})"
    )


#: The groups whose distinct cases the statistics count (:func:`case_counts`): key columns, events counted.
DFG_GROUPS = ("act, next_act", "NOT is_last")
ACTIVITY_GROUPS = ("act", "TRUE")
RESOURCE_GROUPS = ("res", "res IS NOT NULL")


def handover_groups(level: str) -> tuple[str, str]:
    """The groups of a hand-over level (``resource``: codes, ``role``: names): key columns, the events handing over."""
    col, nxt = {"resource": ("res", "next_res"), "role": ("role", "next_role")}[level]
    return f"{col}, {nxt}", f"NOT is_last AND {col} IS NOT NULL AND {nxt} IS NOT NULL AND {col} <> {nxt}"


def group_count(log: str, keys: str, where: str) -> str:
    """How many groups of ``keys`` the events that satisfy ``where`` form (to size a :func:`case_counts` first)."""
    return f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {ev(log)} WHERE {where})"


def dfg_edges(log: str, *, blocks: bool = False) -> str:
    """Directly-follows pairs (activity codes) with frequency, distinct cases and waiting-time statistics.

    Grouped on the integer codes (cheaper than on names); names are joined on the few result rows. ``blocks``:
    the distinct cases counted with bitstrings (:func:`case_counts`).
    """
    keys, where = DFG_GROUPS
    e = _grouped(log, keys, where, f"count(*)::BIGINT AS count, {_wait_stats()}", blocks=blocks)
    return f"""
WITH e AS ({e})
SELECT a.activity AS source, b.activity AS target, count, cases, {_split_quantiles()}
FROM e JOIN {ac(log)} a ON a.act = e.act JOIN {ac(log)} b ON b.act = e.next_act
ORDER BY count DESC, source, target
"""


def start_activities(log: str) -> str:
    return f"""
WITH s AS (SELECT act, count(*)::BIGINT AS count FROM {ev(log)} WHERE pos = 0 GROUP BY act)
SELECT a.activity, s.count FROM s JOIN {ac(log)} a USING (act) ORDER BY count DESC, activity
"""


def end_activities(log: str) -> str:
    return f"""
WITH s AS (SELECT act, count(*)::BIGINT AS count FROM {ev(log)} WHERE is_last GROUP BY act)
SELECT a.activity, s.count FROM s JOIN {ac(log)} a USING (act) ORDER BY count DESC, activity
"""


def activity_counts(log: str) -> str:
    return f"""
WITH s AS (SELECT act, count(*)::BIGINT AS n FROM {ev(log)} GROUP BY act)
SELECT a.activity, s.n FROM s JOIN {ac(log)} a USING (act) ORDER BY n DESC, activity
"""


def activity_counts_and_ends(log: str) -> str:
    """Per activity: its events (``n``), the cases it starts (``starts``) and ends (``ends``), in one pass."""
    return f"""
WITH s AS (
    SELECT act, count(*)::BIGINT AS n, count(*) FILTER (WHERE pos = 0)::BIGINT AS starts,
           count(*) FILTER (WHERE is_last)::BIGINT AS ends
    FROM {ev(log)} GROUP BY act
)
SELECT a.activity, s.n, s.starts, s.ends FROM s JOIN {ac(log)} a USING (act) ORDER BY n DESC, activity
"""


def variants(log: str) -> str:
    """Variants with counts and duration statistics, most frequent first."""
    return f"""
SELECT variant AS activities, count(*)::BIGINT AS count,
       avg(duration_s) AS mean_duration_s, median(duration_s) AS median_duration_s,
       min(duration_s) AS min_duration_s, max(duration_s) AS max_duration_s,
       min(case_id) AS example_case_id
FROM {cs(log)}
GROUP BY variant
ORDER BY count DESC, mean_duration_s, example_case_id
"""


def case_durations(log: str) -> str:
    return f"SELECT case_id, n_events, start_ts, end_ts, duration_s FROM {cs(log)} ORDER BY case_id"


def case_duration_stats(log: str) -> str:
    return f"""
SELECT cases, mean_s, q[1] AS median_s, q[2] AS p90_s, min_s, max_s FROM (
    SELECT count(*) AS cases, avg(duration_s) AS mean_s, quantile_cont(duration_s, [0.5, 0.9]) AS q,
           min(duration_s) AS min_s, max(duration_s) AS max_s
    FROM {cs(log)}
)
"""


def activity_statistics(log: str, *, blocks: bool = False) -> str:
    """Per activity: events, cases, repeats, resources (counted on their codes) and the waiting time *before* it.

    ``blocks``: the distinct cases counted with bitstrings (:func:`case_counts`).
    """
    n = _grouped(log, *ACTIVITY_GROUPS, "count(*)::BIGINT AS events, count(DISTINCT res)::BIGINT AS resources", blocks=blocks)
    return f"""
WITH w AS (
    SELECT next_act AS act, {_wait_stats()} FROM {ev(log)} WHERE NOT is_last GROUP BY next_act
), n AS ({n})
SELECT a.activity, n.events, n.cases, n.events - n.cases AS repeats, n.resources,
       w.mean_s AS mean_wait_s, w.q_s[1] AS median_wait_s, w.q_s[2] AS p90_wait_s,
       w.max_s AS max_wait_s, coalesce(w.total_s, 0) AS total_wait_s
FROM n JOIN {ac(log)} a USING (act) LEFT JOIN w USING (act)
ORDER BY n.events DESC, a.activity
"""


def resource_statistics(log: str, *, blocks: bool = False) -> str:
    """Per resource: events, cases, activities, first/last event, and its role (the most frequent; ties by name).

    Grouped on the integer resource code ``res`` (one per name), the names taken once per group. ``blocks``: the
    distinct cases counted with bitstrings (:func:`case_counts`).
    """
    r = _grouped(
        log,
        *RESOURCE_GROUPS,
        "any_value(resource) AS resource, count(*)::BIGINT AS events, "
        "count(DISTINCT act)::BIGINT AS activities, min(ts) AS first_ts, max(ts) AS last_ts",
        blocks=blocks,
    )
    return f"""
WITH rr AS (
    SELECT res, role, count(*) AS n FROM {ev(log)} WHERE res IS NOT NULL AND role IS NOT NULL GROUP BY ALL
), main AS (SELECT res, first(role ORDER BY n DESC, role) AS role FROM rr GROUP BY res),
r AS ({r})
SELECT r.resource, r.events, r.cases, r.activities, r.first_ts, r.last_ts, m.role
FROM r LEFT JOIN main m USING (res)
ORDER BY events DESC, resource
"""


def handover(log: str, level: str, *, blocks: bool = False) -> str:
    """Hand-over of work: consecutive events in a case done by different resources (or roles).

    Resources are grouped on their integer codes (``res``, ``next_res``: one per name), roles on the names.
    ``blocks``: the distinct cases counted with bitstrings (:func:`case_counts`).
    """
    keys, where = handover_groups(level)
    if level == "resource":
        names = "any_value(resource) AS source, any_value(next_resource) AS target"
    else:
        names = "role AS source, next_role AS target"
    h = _grouped(log, keys, where, f"{names}, count(*)::BIGINT AS count, {_wait_stats()}", blocks=blocks)
    return f"""
WITH h AS ({h})
SELECT source, target, count, cases, {_split_quantiles()} FROM h ORDER BY count DESC, source, target
"""


# --------------------------------------------------------------------------- filters (case sets)


def cases_in_time_range(log: str, mode: str) -> str:
    """Case ids kept by a time-window filter (parameters: start, end)."""
    if mode == "contained":
        cond = "start_ts >= $start AND end_ts <= $end"
    elif mode == "intersecting":
        cond = "start_ts <= $end AND end_ts >= $start"
    elif mode == "started":
        cond = "start_ts >= $start AND start_ts <= $end"
    elif mode == "completed":
        cond = "end_ts >= $start AND end_ts <= $end"
    else:  # pragma: no cover - guarded by Literal types in the API
        raise ValueError(mode)
    return f"SELECT case_id FROM {cs(log)} WHERE {cond}"


def cases_with_attribute(log: str, column: str) -> str:
    """Case ids with at least one event whose column is in $values."""
    return f"SELECT DISTINCT case_id FROM {ev(log)} WHERE CAST({ident(column)} AS VARCHAR) IN (SELECT unnest($values))"


def cases_top_k_variants(log: str) -> str:
    return f"""
WITH v AS (
    SELECT variant, count(*) AS n, min(case_id) AS first_case FROM {cs(log)}
    GROUP BY variant ORDER BY n DESC, first_case LIMIT $k
)
SELECT c.case_id FROM {cs(log)} c JOIN v USING (variant)
"""


def cases_by_duration(log: str) -> str:
    return f"SELECT case_id FROM {cs(log)} WHERE duration_s >= $min_s AND duration_s <= $max_s"
