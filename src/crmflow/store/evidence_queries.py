"""All log-sized SQL of the complete evidence lists (:mod:`crmflow.findings.evidence`).

Each ``*_rows`` function returns a ``SELECT`` of every case behind the findings of one family, with
the values that made it evidence, in the columns ``finding, case_id, value, count, detail``: the
findings of a family that scans the log (bottlenecks, repeats, workload) are given as lists
(``$finding[i]`` with its keys) and read in one pass over the events, on the integer activity codes.
:func:`insert` wraps a select into an ``INSERT`` into the evidence table. Unlike the findings' own
queries there is no LIMIT: the list is written to the store and exported to ``findings.csv``, never
held in memory.
"""

from __future__ import annotations

from crmflow.store.queries import ac, cs, ev, table_name


def create_table(table: str) -> str:
    """The evidence table: one row per (finding, case)."""
    return f"""
CREATE OR REPLACE TABLE {table_name(table)} (
    finding INTEGER, kind VARCHAR, key VARCHAR, case_id VARCHAR, measure VARCHAR, value DOUBLE,
    count BIGINT, detail VARCHAR
)
"""


def insert(table: str, select: str) -> str:
    """Insert the rows of ``select`` (``finding, case_id, value, count, detail``) with each finding's kind,
    key and measure (the lists ``$m_finding``, ``$m_kind``, ``$m_key``, ``$m_measure``)."""
    return f"""
INSERT INTO {table_name(table)}
WITH m AS (
    SELECT unnest($m_finding::INTEGER[]) AS finding, unnest($m_kind::VARCHAR[]) AS kind,
           unnest($m_key::VARCHAR[]) AS key, unnest($m_measure::VARCHAR[]) AS measure
)
SELECT r.finding, m.kind, m.key, r.case_id, m.measure, r.value, r.count, r.detail FROM ({select}) r JOIN m USING (finding)
"""


def _codes(log: str, keys: str, keep: tuple[str, ...], names: tuple[str, ...]) -> str:
    """``keys`` (columns ``keep`` and ``names``) with each activity name of ``names`` replaced by its code
    in ``ac_<log>`` (a NULL name, or one the log does not have, becomes NULL)."""
    joins = " ".join(f"LEFT JOIN {ac(log)} a_{c} ON a_{c}.activity = k.{c}" for c in names)
    picks = ", ".join([f"k.{c}" for c in keep] + [f"a_{c}.act AS {c}" for c in names])
    return f"SELECT {picks} FROM ({keys}) k {joins}"


def wait_rows(log: str) -> str:
    """Per bottleneck ``$finding[i]``: the cases waiting on ``$src[i] -> $dst[i]`` (any predecessor when
    ``$src[i]`` is NULL) -- their longest wait there and how often -- in one pass over the events."""
    keys = "SELECT unnest($finding::INTEGER[]) AS finding, unnest($src::VARCHAR[]) AS src, unnest($dst::VARCHAR[]) AS dst"
    return f"""
WITH k AS ({_codes(log, keys, ("finding",), ("src", "dst"))})
SELECT k.finding, any_value(e.case_id) AS case_id, max(e.wait_s) AS value, count(*)::BIGINT AS count,
       NULL::VARCHAR AS detail
FROM {ev(log)} e JOIN k ON e.next_act = k.dst
WHERE NOT e.is_last AND (k.src IS NULL OR e.act = k.src) GROUP BY k.finding, e.cid
"""


def repeat_rows(log: str) -> str:
    """Per rework ``$finding[i]``: the cases doing ``$act[i]`` more than once -- executions (value) and
    extra executions (count) -- in one pass over the events."""
    keys = "SELECT unnest($finding::INTEGER[]) AS finding, unnest($act::VARCHAR[]) AS act"
    return f"""
WITH k AS ({_codes(log, keys, ("finding",), ("act",))})
SELECT k.finding, any_value(e.case_id) AS case_id, count(*)::DOUBLE AS value, (count(*) - 1)::BIGINT AS count,
       NULL::VARCHAR AS detail
FROM {ev(log)} e JOIN k ON e.act = k.act GROUP BY k.finding, e.cid HAVING count(*) > 1
"""


def stage_return_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.stage_returns_table`: returns ``$src[i] -> $dst[i]`` per case."""
    return f"""
WITH k AS (SELECT unnest($finding::INTEGER[]) AS finding, unnest($src::VARCHAR[]) AS src, unnest($dst::VARCHAR[]) AS dst)
SELECT k.finding, t.case_id, count(*)::DOUBLE AS value, count(*)::BIGINT AS count,
       string_agg(DISTINCT t.resource, ', ' ORDER BY t.resource) AS detail
FROM {table_name(tmp)} t JOIN k ON t.from_stage = k.src AND t.to_stage = k.dst GROUP BY k.finding, t.case_id
"""


def ping_pong_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.ping_pong_table`: per case, its bounces between the pairs
    with at least ``$min`` cases (those finding ``$finding`` counts) and, as the detail, which pairs (``A ↔ B``)."""
    return f"""
WITH k AS (SELECT x, y FROM {table_name(tmp)} GROUP BY ALL HAVING count(DISTINCT case_id) >= $min)
SELECT $finding::INTEGER AS finding, case_id, count(*)::DOUBLE AS value, count(*)::BIGINT AS count,
       string_agg(DISTINCT x || ' ↔ ' || y, ', ' ORDER BY x || ' ↔ ' || y) AS detail
FROM {table_name(tmp)} JOIN k USING (x, y) GROUP BY case_id
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


def export_csv(table: str) -> str:
    """The evidence table in report order (finding, then largest value first), for ``COPY``."""
    return (
        f"SELECT finding, kind, key, case_id, measure, value, count, detail FROM {table_name(table)} "
        "ORDER BY finding, value DESC NULLS LAST, case_id"
    )


def counts(table: str) -> str:
    """Rows per finding."""
    return f"SELECT finding, count(*)::BIGINT AS n FROM {table_name(table)} GROUP BY finding ORDER BY finding"
