"""All log-sized SQL of the simulation's discovery (``crmflow.simulation.discover``).

The discovery first builds one temporary table of *activity instances* from a materialised log
(:func:`activity_instances`): a ``complete`` event paired with the ``start`` of the same activity in the same
case (the k-th start with the k-th complete), or, when the log records completions only, the completion as an
instant step: the time since the case's previous completion (its enablement) is all waiting, since waiting
and processing cannot be told apart, and nobody is held busy by it. Every other question (arrivals by
hour, branching, waits, durations, calendars, multitasking) is one ``GROUP BY`` or window over that
table; Python only sees summary-sized results and samples.
"""

from __future__ import annotations

from crmflow.store.queries import ev, ident, table_name


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def lifecycle_counts(log: str) -> str:
    """Events per lower-cased lifecycle value (NULL counted as ``complete``)."""
    return f"SELECT lower(coalesce(lifecycle, 'complete')) AS lc, count(*)::BIGINT AS n FROM {ev(log)} GROUP BY 1 ORDER BY 2 DESC"


def activity_instances(log: str, table: str, *, paired: bool, every_event: bool = False) -> str:
    """Create ``table``: one row per activity instance (see the module docstring).

    Columns: ``cid``, ``activity``, ``resource``, ``role``, ``start_ts`` (measured or estimated),
    ``end_ts``, ``enabled_ts`` (the case's previous completion, or the instance's own start for the first),
    ``prev_act``, ``next_act`` (NULL at the case's end), ``seq`` (1-based order in the case), ``measured``.
    ``every_event`` reads every event as a completion (a lifecycle column without ``complete`` values).
    """
    lc = "'complete'" if every_event else "lower(coalesce(lifecycle, 'complete'))"
    if paired:
        base = f"""
s AS (SELECT cid, activity, ts AS start_ts, resource AS s_res,
             row_number() OVER (PARTITION BY cid, activity ORDER BY ts, pos) AS k
      FROM {ev(log)} WHERE {lc} = 'start'),
c AS (SELECT cid, activity, ts AS end_ts, resource, role, pos,
             row_number() OVER (PARTITION BY cid, activity ORDER BY ts, pos) AS k
      FROM {ev(log)} WHERE {lc} = 'complete'),
i AS (SELECT c.cid, c.activity, coalesce(c.resource, s.s_res) AS resource, c.role, c.end_ts, c.pos,
             CASE WHEN s.start_ts <= c.end_ts THEN s.start_ts END AS start_ts
      FROM c LEFT JOIN s USING (cid, activity, k)),"""
    else:
        base = f"""
i AS (SELECT cid, activity, resource, role, ts AS end_ts, pos, NULL::TIMESTAMPTZ AS start_ts
      FROM {ev(log)} WHERE {lc} = 'complete'),"""
    return f"""
CREATE OR REPLACE TEMP TABLE {table_name(table)} AS
WITH {base}
o AS (SELECT *, lag(activity) OVER w AS prev_act, lead(activity) OVER w AS next_act,
             lag(end_ts) OVER w AS prev_end, row_number() OVER w AS seq
      FROM i WINDOW w AS (PARTITION BY cid ORDER BY coalesce(start_ts, end_ts), end_ts, pos)),
SELECT cid, activity, resource, role, end_ts, prev_act, next_act, seq,
       start_ts IS NOT NULL AS measured,
       coalesce(start_ts, end_ts) AS start_ts,
       least(coalesce(prev_end, coalesce(start_ts, end_ts)), coalesce(start_ts, end_ts)) AS enabled_ts
FROM o
"""


def instance_summary(table: str) -> str:
    """Instances, measured starts, cases, and the span of arrivals."""
    t = table_name(table)
    return f"""
SELECT count(*)::BIGINT AS instances, count(*) FILTER (WHERE measured)::BIGINT AS measured,
       count(DISTINCT cid)::BIGINT AS cases,
       (SELECT min(start_ts) FROM {t} WHERE seq = 1) AS first_arrival,
       (SELECT max(start_ts) FROM {t} WHERE seq = 1) AS last_arrival,
       max(end_ts) AS last_end
FROM {t}
"""


def arrivals_by_slot(table: str, tz: str) -> str:
    """Case arrivals counted by local ISO weekday (1 = Monday) and hour."""
    local = f"timezone({_lit(tz)}, start_ts)"
    return f"""
SELECT isodow({local}) - 1 AS weekday, hour({local}) AS hour, count(*)::BIGINT AS n
FROM {table_name(table)} WHERE seq = 1 GROUP BY ALL ORDER BY ALL
"""


def transitions(table: str) -> str:
    """Instances counted by (previous activity, activity, next activity); NULL is the case's start or end."""
    return f"SELECT prev_act, activity, next_act, count(*)::BIGINT AS n FROM {table_name(table)} GROUP BY ALL ORDER BY ALL"


def variants(table: str) -> str:
    """Cases counted by their sequence of activity instances (summary-sized: one row per variant)."""
    return f"""
SELECT trace, count(*)::BIGINT AS n FROM (
  SELECT cid, list(activity ORDER BY seq) AS trace FROM {table_name(table)} GROUP BY cid
) GROUP BY trace ORDER BY n DESC, trace
"""


def activity_roles(table: str, role_expr: str) -> str:
    """The dominant role (by ``role_expr``) of each activity."""
    return f"""
SELECT activity, role_key AS role FROM (
  SELECT activity, {role_expr} AS role_key, count(*) AS n FROM {table_name(table)} GROUP BY ALL
) QUALIFY row_number() OVER (PARTITION BY activity ORDER BY n DESC, role_key) = 1 ORDER BY activity
"""


def resource_dominant_activity(table: str) -> str:
    """Each resource's most frequent activity (a role when the log has none; ties go to the first by name)."""
    return f"""
SELECT resource, activity FROM (
  SELECT resource, activity, count(*) AS n FROM {table_name(table)} WHERE resource IS NOT NULL GROUP BY ALL
) QUALIFY row_number() OVER (PARTITION BY resource ORDER BY n DESC, activity) = 1 ORDER BY resource
"""


def resource_shares(table: str, role_expr: str) -> str:
    """Instances per (role, resource): the observed share of each person in the pool's work."""
    return f"""
SELECT {role_expr} AS role, coalesce(resource, '(unassigned)') AS resource, count(*)::BIGINT AS n
FROM {table_name(table)} GROUP BY ALL ORDER BY 1, 3 DESC, 2
"""


def work_hours(table: str, role_expr: str, tz: str) -> str:
    """Per role: events (starts and ends) by local weekday and hour — when people actually work."""
    t = table_name(table)
    return f"""
SELECT role, isodow(timezone({_lit(tz)}, x)) - 1 AS weekday, hour(timezone({_lit(tz)}, x)) AS hour, count(*)::BIGINT AS n
FROM (SELECT {role_expr} AS role, start_ts AS x FROM {t} WHERE measured
      UNION ALL SELECT {role_expr} AS role, end_ts AS x FROM {t})
GROUP BY ALL ORDER BY ALL
"""


def role_spans(table: str, role_expr: str, role: str, wait_expr: str, dur_expr: str) -> str:
    """Working-time waits and durations of one role's instances (as samples, one row per instance)."""
    return f"""
SELECT activity, prev_act, {wait_expr} AS wait_s, {dur_expr} AS dur_s, measured
FROM {table_name(table)} WHERE {role_expr} = {_lit(role)}
"""


def concurrency(table: str) -> str:
    """Per resource: the 99th percentile of how many of its instances were open at once (multitasking).

    Counted at the instants an instance starts (ends first at equal instants: back-to-back is not parallel).
    """
    t = table_name(table)
    return f"""
WITH d AS (SELECT resource, start_ts AS x, 1 AS dv FROM {t} WHERE resource IS NOT NULL AND end_ts > start_ts
           UNION ALL SELECT resource, end_ts AS x, -1 AS dv FROM {t} WHERE resource IS NOT NULL AND end_ts > start_ts),
r AS (SELECT resource, dv, sum(dv) OVER (PARTITION BY resource ORDER BY x, dv ROWS UNBOUNDED PRECEDING) AS open_n FROM d)
SELECT resource, quantile_disc(open_n, 0.99)::BIGINT AS p95 FROM r WHERE dv = 1 GROUP BY resource ORDER BY resource
"""


def case_kpis(table: str, sla_from: str | None, sla_to: str | None, sla_expr: str | None, won: list[str]) -> str:
    """Per case: arrival, end, cycle seconds, whether it reached a won activity, and the SLA span.

    ``sla_expr`` is an SQL expression over ``f_end`` (end of the first ``sla_from``) and ``t_end`` (end of the
    first later ``sla_to``) giving the SLA span in seconds (working or calendar time).
    """
    t = table_name(table)
    won_list = ", ".join(_lit(w) for w in won) or "NULL"
    if sla_from is None or sla_to is None or sla_expr is None:
        sla = "NULL::DOUBLE AS sla_s, FALSE AS sla_applies"
        join = ""
    else:
        join = f"""
LEFT JOIN (SELECT cid, min(end_ts) AS f_end FROM {t} WHERE activity = {_lit(sla_from)} GROUP BY cid) f ON f.cid = c.cid
LEFT JOIN (SELECT x.cid, min(x.end_ts) AS t_end FROM {t} x
           JOIN (SELECT cid, min(end_ts) AS f_end FROM {t} WHERE activity = {_lit(sla_from)} GROUP BY cid) y
             ON x.cid = y.cid AND x.activity = {_lit(sla_to)} AND x.end_ts >= y.f_end
           GROUP BY x.cid) g ON g.cid = c.cid"""
        sla = (
            f"CASE WHEN f.f_end IS NOT NULL AND g.t_end IS NOT NULL THEN {sla_expr} END AS sla_s, "
            "f.f_end IS NOT NULL AS sla_applies"
        )
    return f"""
WITH c AS (SELECT cid, min(start_ts) AS arrival, max(end_ts) AS finish,
                  bool_or(activity IN ({won_list})) AS won
           FROM {t} GROUP BY cid)
SELECT c.cid, c.arrival, c.finish, (epoch_us(c.finish) - epoch_us(c.arrival)) / 1e6 AS cycle_s,
       coalesce(c.won, FALSE) AS won, {sla}
FROM c {join}
"""


def column_or(expr: str, fallback: str) -> str:
    """``coalesce(expr, fallback)`` with an identifier for ``expr`` (helper for role expressions)."""
    return f"coalesce({ident(expr)}, {fallback})"


__all__ = [
    "activity_instances",
    "activity_roles",
    "arrivals_by_slot",
    "case_kpis",
    "column_or",
    "concurrency",
    "instance_summary",
    "lifecycle_counts",
    "resource_dominant_activity",
    "resource_shares",
    "role_spans",
    "transitions",
    "variants",
    "work_hours",
]
