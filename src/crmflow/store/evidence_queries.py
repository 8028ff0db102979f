"""All log-sized SQL of the complete evidence lists (:mod:`crmflow.findings.evidence`).

Each ``*_rows`` function returns a ``SELECT`` of every case behind the findings of one family, with
the values that made it evidence, in the columns ``finding, case_id, value, count, detail``: the
findings of a family are given as lists (``$finding[i]`` with its keys) and read in one statement --
from the per-case table its check made (bottlenecks, repeats, ping-pong, stuck cases, SLAs, the
funnel: :mod:`crmflow.findings.tables`) or in one pass over the events (workload), on the integer
codes. :func:`create_table` writes them into the evidence table in report order. Unlike the
findings' own queries there is no LIMIT: the list is written to the store and exported to
``findings.csv``, never held in memory.
"""

from __future__ import annotations

from crmflow.store.people_queries import counted_pairs
from crmflow.store.queries import ac, cs, ev, list_literal, table_name

#: The columns of every family's rows, with their types.
ROW_COLUMNS = (
    "finding::INTEGER AS finding, case_id::VARCHAR AS case_id, value::DOUBLE AS value, count::BIGINT AS count, "
    "detail::VARCHAR AS detail"
)
#: No rows (no finding has a full list).
_NO_ROWS = "SELECT NULL AS finding, NULL AS case_id, NULL AS value, NULL AS count, NULL AS detail LIMIT 0"


def create_table(table: str, selects: list[str]) -> str:
    """The evidence table: the rows of the families' ``selects`` (``finding, case_id, value, count,
    detail``), one per (finding, case), in report order (finding, then largest value first, then case id)
    -- the one sort of the evidence, fed by the families' selects directly.

    Temporary, and without the kind, key and measure of each row (the finding's: in the table of
    :func:`create_meta`): DuckDB writes a temporary table without compressing it, and the 4.5 M rows of the
    10 M-event export then fit within the memory limit (with three more strings per row the sort spilled).
    On DuckDB the table keeps the order it is written in (the store preserves insertion order), so
    ``findings.csv`` is exported from it without sorting again (:func:`export_in_order`).
    """
    rows = "\nUNION ALL\n".join(f"SELECT {ROW_COLUMNS} FROM ({s})" for s in selects or [_NO_ROWS])
    return f"""
CREATE OR REPLACE TEMP TABLE {table_name(table)} AS
SELECT * FROM (
{rows}
) ORDER BY finding, value DESC NULLS LAST, case_id
"""


def create_meta(meta: str) -> str:
    """The table of each finding's kind, key and measure (filled by :func:`insert_meta`)."""
    return f"CREATE OR REPLACE TEMP TABLE {table_name(meta)} (finding INTEGER, kind VARCHAR, key VARCHAR, measure VARCHAR)"


def insert_meta(meta: str) -> str:
    """Each finding's kind, key and measure (the lists ``$m_finding``, ``$m_kind``, ``$m_key``, ``$m_measure``)."""
    return f"""
INSERT INTO {table_name(meta)}
SELECT unnest($m_finding::INTEGER[]) AS finding, unnest($m_kind::VARCHAR[]) AS kind,
       unnest($m_key::VARCHAR[]) AS key, unnest($m_measure::VARCHAR[]) AS measure
"""


def _codes(log: str, keys: str, keep: tuple[str, ...], names: tuple[str, ...]) -> str:
    """``keys`` (columns ``keep`` and ``names``) with each activity name of ``names`` replaced by its code
    in ``ac_<log>`` (a NULL name, or one the log does not have, becomes NULL)."""
    joins = " ".join(f"LEFT JOIN {ac(log)} a_{c} ON a_{c}.activity = k.{c}" for c in names)
    picks = ", ".join([f"k.{c}" for c in keep] + [f"a_{c}.act AS {c}" for c in names])
    return f"SELECT {picks} FROM ({keys}) k {joins}"


def wait_rows(log: str, waits: str) -> str:
    """From a :func:`crmflow.store.finding_queries.waits_table`: per bottleneck ``$finding[i]``, the cases
    waiting on its key ``($src[i], $dst[i])`` (activity codes) -- their longest wait there and how often."""
    return f"""
WITH k AS (
    SELECT unnest($finding::INTEGER[]) AS finding, unnest($src::INTEGER[]) AS src, unnest($dst::INTEGER[]) AS dst
)
SELECT k.finding, c.case_id, w.w AS value, w.n AS count, NULL::VARCHAR AS detail
FROM {table_name(waits)} w JOIN k ON w.src = k.src AND w.dst = k.dst JOIN {cs(log)} c USING (cid)
"""


def repeat_rows(log: str, repeats: str) -> str:
    """From a :func:`crmflow.store.finding_queries.repeats_table`: per rework ``$finding[i]``, the cases doing
    ``$act[i]`` (an activity code) more than once -- executions (value) and extra executions (count)."""
    return f"""
WITH k AS (SELECT unnest($finding::INTEGER[]) AS finding, unnest($act::INTEGER[]) AS act)
SELECT k.finding, c.case_id, r.n::DOUBLE AS value, (r.n - 1)::BIGINT AS count, NULL::VARCHAR AS detail
FROM {table_name(repeats)} r JOIN k USING (act) JOIN {cs(log)} c USING (cid)
"""


def stage_return_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.stage_returns_table`: returns ``$src[i] -> $dst[i]`` per case."""
    return f"""
WITH k AS (SELECT unnest($finding::INTEGER[]) AS finding, unnest($src::VARCHAR[]) AS src, unnest($dst::VARCHAR[]) AS dst)
SELECT k.finding, t.case_id, count(*)::DOUBLE AS value, count(*)::BIGINT AS count,
       string_agg(DISTINCT t.resource, ', ' ORDER BY t.resource) AS detail
FROM {table_name(tmp)} t JOIN k ON t.from_stage = k.src AND t.to_stage = k.dst GROUP BY k.finding, t.case_id
"""


def ping_pong_rows(log: str, tmp: str, *, every: bool = False) -> str:
    """From a :func:`crmflow.store.people_queries.ping_pong_table`: per case, its bounces between the pairs
    with at least ``$min`` cases (``every``: every pair; those finding ``$finding`` counts) and, as the
    detail, which pairs (``A ↔ B``, in name order).

    The pairs of a case are listed, made distinct and sorted as a list: half the work of an ordered
    ``string_agg(DISTINCT …)`` at 10 M events, for the same text."""
    return f"""
WITH b AS (
    SELECT cid, count(*) AS n, array_to_string(list_sort(list_distinct(list(x || ' ↔ ' || y))), ', ') AS detail
    FROM ({counted_pairs(tmp, every=every)}) GROUP BY cid
)
SELECT $finding::INTEGER AS finding, c.case_id, b.n::DOUBLE AS value, b.n::BIGINT AS count, b.detail
FROM b JOIN {cs(log)} c USING (cid)
"""


def person_activity_rows(log: str) -> str:
    """Per workload finding ``$finding[i]``: the cases where ``$res[i]`` did ``$act[i]`` (in role
    ``$role[i]``; NULL: any or none) -- their events of it, and that person's share of the activity's
    events in the case -- in one pass over the events."""
    keys = (
        "SELECT unnest($finding::INTEGER[]) AS finding, unnest($res::VARCHAR[]) AS res, "
        "unnest($act::VARCHAR[]) AS act, unnest($role::VARCHAR[]) AS role"
    )
    return f"""
WITH k AS ({_codes(log, keys, ("finding", "res", "role"), ("act",))})
SELECT k.finding, any_value(e.case_id) AS case_id,
       count(*) FILTER (WHERE e.resource = k.res)::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE e.resource = k.res)::BIGINT AS count, any_value(k.res) AS detail
FROM {ev(log)} e JOIN k ON e.act = k.act WHERE k.role IS NULL OR e.role = k.role
GROUP BY k.finding, e.cid HAVING count(*) FILTER (WHERE e.resource = k.res) > 0
"""


def person_rows(log: str) -> str:
    """Cases where ``$res`` did any event: their share of the case's events, their events, and what they
    did most there (ties by activity name: ``mode()`` would pick one at random)."""
    return f"""
WITH c AS (
    SELECT cid, any_value(case_id) AS case_id, count(*) AS n_all, count(*) FILTER (WHERE resource = $res) AS n_res
    FROM {ev(log)} GROUP BY cid HAVING count(*) FILTER (WHERE resource = $res) > 0
), a AS (
    SELECT cid, act, count(*) AS n FROM {ev(log)} WHERE resource = $res GROUP BY cid, act
), d AS (
    SELECT a.cid, first(x.activity ORDER BY a.n DESC, x.activity) AS detail FROM a JOIN {ac(log)} x USING (act) GROUP BY a.cid
)
SELECT $finding::INTEGER AS finding, c.case_id, c.n_res::DOUBLE / c.n_all AS value, c.n_res::BIGINT AS count, d.detail
FROM c JOIN d USING (cid)
"""


def stuck_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.open_cases_table`: idle time and last activity."""
    return f"""
SELECT $finding::INTEGER AS finding, case_id, idle_s AS value, NULL::BIGINT AS count, last_activity AS detail
FROM {table_name(tmp)} WHERE idle_s > $after
"""


def sla_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.sla_table`: every violation, its time and how it ended."""
    return f"""
SELECT $finding::INTEGER AS finding, case_id, coalesce(actual_s, open_s) AS value, NULL::BIGINT AS count,
       CASE WHEN to_ts IS NOT NULL THEN 'late' WHEN closed THEN 'closed' ELSE 'open' END AS detail
FROM {table_name(tmp)} WHERE actual_s > $within OR (to_ts IS NULL AND open_s > $within)
"""


def funnel_rows(log: str, tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.funnel_table`: cases lost at stage ``$idx``, with the
    time since their last event and how they ended (the closing activity, or ``silent``)."""
    return f"""
SELECT $finding::INTEGER AS finding, f.case_id, (epoch_us(m.log_end) - epoch_us(c.end_ts)) / 1e6 AS value,
       c.n_events AS count, coalesce(f.close_activity, 'silent') AS detail
FROM {table_name(tmp)} f JOIN {cs(log)} c USING (case_id), (SELECT max(end_ts) AS log_end FROM {cs(log)}) m
WHERE f.reached = $idx AND NOT f.is_open
"""


def meta_rows(meta: str) -> str:
    return f"SELECT finding, kind, key, measure FROM {table_name(meta)} ORDER BY finding"


def export_sorted(table: str, meta: str, *, ranged: bool = False) -> str:
    """The evidence rows with their findings' kind, key and measure, in report order (the ``findings.csv`` rows).

    ``ranged``: only findings ``$lo`` to ``$hi`` (parameters).
    """
    where = "WHERE r.finding BETWEEN $lo AND $hi" if ranged else ""
    return f"""
SELECT r.finding, m.kind, m.key, r.case_id, m.measure, r.value, r.count, r.detail
FROM {table_name(table)} r JOIN {table_name(meta)} m USING (finding) {where}
ORDER BY r.finding, r.value DESC NULLS LAST, r.case_id
"""


def export_in_order(table: str, words: dict[str, list[str]]) -> str:
    """:func:`export_sorted` as the rows are stored (on DuckDB, in report order already: :func:`create_table`),
    the kind, key and measure of finding ``f`` being ``words["kind"][f - 1]`` and so on: a projection keeps the
    order, where a join would not, and sorting the 4.5 M rows of the 10 M-event export again cost as much as
    writing them. The three lists are literals in the statement (:func:`~crmflow.store.queries.list_literal`),
    folded once: a list bound as a parameter is cast again for every chunk, and so is a ``string_split``
    (1.40 and 1.33 s against 0.76-1.01 s for the 4.5 M rows)."""
    picks = {c: f"list_extract({list_literal(words[c])}, finding) AS {c}" for c in ("kind", "key", "measure")}
    return (
        f"SELECT finding, {picks['kind']}, {picks['key']}, case_id, {picks['measure']}, value, count, detail "
        f"FROM {table_name(table)}"
    )


def counts(table: str) -> str:
    """Rows per finding."""
    return f"SELECT finding, count(*)::BIGINT AS n FROM {table_name(table)} GROUP BY finding ORDER BY finding"
