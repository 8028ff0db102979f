"""All log-sized SQL of the complete evidence lists (:mod:`crmflow.findings.evidence`).

Each ``*_rows`` function returns a ``SELECT`` of every case behind one finding, with the values that
made it evidence, in the columns ``case_id, value, count, detail``; :func:`insert` wraps it into an
``INSERT`` into the evidence table. Unlike the findings' own queries there is no LIMIT: the list is
written to the store and exported to ``findings.csv``, never held in memory.
"""

from __future__ import annotations

from crmflow.store.queries import cs, ev, table_name


def create_table(table: str) -> str:
    """The evidence table: one row per (finding, case)."""
    return f"""
CREATE OR REPLACE TABLE {table_name(table)} (
    finding INTEGER, kind VARCHAR, key VARCHAR, case_id VARCHAR, measure VARCHAR, value DOUBLE,
    count BIGINT, detail VARCHAR
)
"""


def insert(table: str, select: str) -> str:
    """Insert the rows of ``select`` (``case_id, value, count, detail``) for finding ``$finding``."""
    return f"""
INSERT INTO {table_name(table)}
SELECT $finding, $kind, $key, case_id, $measure, value, count, detail FROM ({select})
"""


def transition_wait_rows(log: str) -> str:
    """Cases with the transition ``$src -> $dst``: their longest wait on it and how often it occurs."""
    return f"""
SELECT case_id, max(wait_s) AS value, count(*)::BIGINT AS count, NULL::VARCHAR AS detail FROM {ev(log)}
WHERE NOT is_last AND activity = $src AND next_activity = $dst GROUP BY case_id
"""


def activity_wait_rows(log: str) -> str:
    """Cases waiting before ``$dst``: their longest wait before it and how often."""
    return f"""
SELECT case_id, max(wait_s) AS value, count(*)::BIGINT AS count, NULL::VARCHAR AS detail FROM {ev(log)}
WHERE NOT is_last AND next_activity = $dst GROUP BY case_id
"""


def repeat_rows(log: str) -> str:
    """Cases doing ``$act`` more than once: executions (value) and extra executions (count)."""
    return f"""
SELECT case_id, count(*)::DOUBLE AS value, (count(*) - 1)::BIGINT AS count, NULL::VARCHAR AS detail
FROM {ev(log)} WHERE activity = $act GROUP BY case_id HAVING count(*) > 1
"""


def stage_return_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.stage_returns_table`: returns ``$src -> $dst`` per case."""
    return f"""
SELECT case_id, count(*)::DOUBLE AS value, count(*)::BIGINT AS count,
       string_agg(DISTINCT resource, ', ' ORDER BY resource) AS detail
FROM {table_name(tmp)} WHERE from_stage = $src AND to_stage = $dst GROUP BY case_id
"""


def ping_pong_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.ping_pong_table`: per case, its bounces between the pairs
    with at least ``$min`` cases (those the finding counts) and, as the detail, which pairs (``A ↔ B``)."""
    return f"""
WITH k AS (SELECT x, y FROM {table_name(tmp)} GROUP BY ALL HAVING count(DISTINCT case_id) >= $min)
SELECT case_id, count(*)::DOUBLE AS value, count(*)::BIGINT AS count,
       string_agg(DISTINCT x || ' ↔ ' || y, ', ' ORDER BY x || ' ↔ ' || y) AS detail
FROM {table_name(tmp)} JOIN k USING (x, y) GROUP BY case_id
"""


def person_activity_rows(log: str) -> str:
    """Cases where ``$res`` did ``$act`` (in role ``$role``; NULL: any or none): their events of it,
    and that person's share of the activity's events in the case."""
    return f"""
SELECT case_id, count(*) FILTER (WHERE resource = $res)::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE resource = $res)::BIGINT AS count, $res AS detail
FROM {ev(log)} WHERE activity = $act AND ($role IS NULL OR role = $role)
GROUP BY case_id HAVING count(*) FILTER (WHERE resource = $res) > 0
"""


def person_rows(log: str) -> str:
    """Cases where ``$res`` did any event: their share of the case's events, their events, what most."""
    return f"""
SELECT case_id, count(*) FILTER (WHERE resource = $res)::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE resource = $res)::BIGINT AS count,
       mode(activity) FILTER (WHERE resource = $res) AS detail
FROM {ev(log)} GROUP BY case_id HAVING count(*) FILTER (WHERE resource = $res) > 0
"""


def stuck_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.open_cases_table`: idle time and last activity."""
    return f"""
SELECT case_id, idle_s AS value, NULL::BIGINT AS count, last_activity AS detail
FROM {table_name(tmp)} WHERE idle_s > $after
"""


def sla_rows(tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.sla_table`: every violation, its time and how it ended."""
    return f"""
SELECT case_id, coalesce(actual_s, open_s) AS value, NULL::BIGINT AS count,
       CASE WHEN to_ts IS NOT NULL THEN 'late' WHEN closed THEN 'closed' ELSE 'open' END AS detail
FROM {table_name(tmp)} WHERE actual_s > $within OR (to_ts IS NULL AND open_s > $within)
"""


def funnel_rows(log: str, tmp: str) -> str:
    """From a :func:`crmflow.store.finding_queries.funnel_table`: cases lost at stage ``$idx``, with the
    time since their last event and how they ended (the closing activity, or ``silent``)."""
    return f"""
SELECT f.case_id, (epoch_us(m.log_end) - epoch_us(c.end_ts)) / 1e6 AS value, c.n_events AS count,
       coalesce(f.close_activity, 'silent') AS detail
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
