"""All log-sized SQL of the web app's process explorer: filters applied as a case set, never materialised.

Each interaction of the explorer (a slider moved, a filter changed) is one aggregate over the
sorted event table ``ev_<log>`` restricted to the cases of :func:`case_filter`; nothing is copied,
so the cost is one scan of the events and does not grow with the number of earlier interactions.
Parameters are bound (``$start``, ``$values`` …); only internal table names and a column name
checked against the table are formatted into the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmflow.store.queries import ac, cs, ev, ident


@dataclass(frozen=True)
class CaseFilter:
    """The explorer's filters (all optional): time window, attribute values, top variants, duration."""

    start: str | None = None  # ISO date/time: cases starting at or after
    end: str | None = None  # ISO date/time: cases ending at or before
    attribute: str | None = None  # a column of the events table (checked by the caller)
    values: tuple[str, ...] = ()
    top_variants: int | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    text_attribute: bool = False  # the attribute's column is VARCHAR (compared without a cast)
    # the summaries' resource bits of ``values`` and whether some value has none (set by the explorer;
    # the event-level queries never read it)
    resource_mask: tuple[int, bool] | None = None

    def params(self) -> dict[str, object]:
        p: dict[str, object] = {}
        if self.start:
            p["start"] = self.start
        if self.end:
            p["end"] = self.end
        if self.attribute and self.values:
            p["values"] = list(self.values)
        if self.top_variants:
            p["k"] = self.top_variants
        if self.min_duration_s is not None:
            p["min_s"] = self.min_duration_s
        if self.max_duration_s is not None:
            p["max_s"] = self.max_duration_s
        return p


def is_empty(f: CaseFilter) -> bool:
    """Whether the filter keeps every case (then the queries skip the case set entirely)."""
    return (
        not (f.start or f.end or f.top_variants or (f.attribute and f.values))
        and f.min_duration_s is None
        and f.max_duration_s is None
    )


def _in_cases(log: str, f: CaseFilter, prefix: str = "AND") -> str:
    return "" if is_empty(f) else f" {prefix} cid IN ({case_filter(log, f)})"


def case_bounds(f: CaseFilter) -> list[str]:
    """The filter's time window and duration as predicates on a case's ``start_ts``, ``end_ts``, ``duration_s``."""
    cond = []
    if f.start:
        cond.append("start_ts >= CAST($start AS TIMESTAMPTZ)")
    if f.end:
        cond.append("end_ts <= CAST($end AS TIMESTAMPTZ)")
    if f.min_duration_s is not None:
        cond.append("duration_s >= $min_s")
    if f.max_duration_s is not None:
        cond.append("duration_s <= $max_s")
    return cond


def case_filter(log: str, f: CaseFilter) -> str:
    """``SELECT cid FROM cs_<log> WHERE …`` for the filter (all cases when it is empty)."""
    where = ["TRUE", *case_bounds(f)]
    if f.top_variants:
        where.append(f"variant IN (SELECT variant FROM {cs(log)} GROUP BY variant ORDER BY count(*) DESC, min(case_id) LIMIT $k)")
    if f.attribute and f.values:
        where.append(
            f"cid IN (SELECT DISTINCT cid FROM {ev(log)} WHERE CAST({ident(f.attribute)} AS VARCHAR) IN (SELECT unnest($values)))"
        )
    return f"SELECT cid FROM {cs(log)} WHERE {' AND '.join(where)}"


def activity_counts(log: str, f: CaseFilter) -> str:
    """Per activity: events, and how often it starts or ends a case."""
    return f"""
SELECT act, any_value(activity) AS activity, count(*) AS events,
       count(*) FILTER (WHERE pos = 0) AS starts, count(*) FILTER (WHERE is_last) AS ends
FROM {ev(log)}{_in_cases(log, f, "WHERE")}
GROUP BY act ORDER BY events DESC, activity
"""


def edges(log: str, f: CaseFilter, *, median: bool = False) -> str:
    """Directly-follows edges with counts and mean waiting times (all activities kept); medians on request."""
    med = "median(wait_s)" if median else "NULL::DOUBLE"
    return f"""
SELECT act AS src, next_act AS dst, count(*) AS n, {med} AS median_s, avg(wait_s) AS mean_s
FROM {ev(log)} WHERE next_act IS NOT NULL{_in_cases(log, f)}
GROUP BY act, next_act
"""


def edges_among(log: str, f: CaseFilter, *, median: bool = False) -> str:
    """Directly-follows edges after the events of activities outside ``$acts`` are left out.

    The remaining events of each case are reconnected (as Disco's activity slider does).
    """
    return f"""
WITH kept AS (
    SELECT cid, pos, act, ts FROM {ev(log)}
    WHERE act IN (SELECT unnest($acts)){_in_cases(log, f)}
), nx AS (
    SELECT cid, act, lead(act) OVER w AS next_act,
           epoch(lead(ts) OVER w) - epoch(ts) AS wait_s,
           row_number() OVER w = 1 AS first, lead(act) OVER w IS NULL AS last
    FROM kept WINDOW w AS (PARTITION BY cid ORDER BY pos)
)
SELECT act AS src, next_act AS dst, count(*) AS n, {"median(wait_s)" if median else "NULL::DOUBLE"} AS median_s,
       avg(wait_s) AS mean_s, FALSE AS is_boundary
FROM nx WHERE next_act IS NOT NULL GROUP BY act, next_act
UNION ALL
SELECT act, NULL, count(*) FILTER (WHERE first), NULL, NULL, TRUE FROM nx GROUP BY act
UNION ALL
SELECT NULL, act, count(*) FILTER (WHERE last), NULL, NULL, TRUE FROM nx GROUP BY act
"""


def case_totals(log: str, f: CaseFilter) -> str:
    """Cases, events, median and 90th percentile duration of the filtered cases."""
    return f"""
SELECT count(*) AS cases, coalesce(sum(n_events), 0) AS events,
       median(duration_s) AS median_s, quantile_cont(duration_s, 0.9) AS p90_s
FROM {cs(log)}{_in_cases(log, f, "WHERE")}
"""


def variants(log: str, f: CaseFilter) -> str:
    """Variants of the filtered cases: activity codes, cases, median duration ($limit of them)."""
    return f"""
SELECT variant, count(*) AS cases, median(duration_s) AS median_s, min(case_id) AS example
FROM {cs(log)}{_in_cases(log, f, "WHERE")}
GROUP BY variant ORDER BY cases DESC, example LIMIT $limit
"""


def activity_dictionary(log: str) -> str:
    """Activity code → name (the log's dictionary; no scan of the events)."""
    return f"SELECT act, activity FROM {ac(log)}"


def timeline(log: str) -> str:
    """The events of one case ($case) in order, with every column."""
    return f"SELECT * EXCLUDE (cid, act, next_act) FROM {ev(log)} WHERE case_id = $case ORDER BY pos"


def cases_by_ids(log: str) -> str:
    """Summary rows of the cases whose ids are in $ids."""
    return f"""
SELECT case_id, n_events, start_ts, end_ts, duration_s FROM {cs(log)}
WHERE case_id IN (SELECT unnest($ids)) ORDER BY duration_s DESC, case_id LIMIT $limit
"""


def cases_on_edge(log: str, f: CaseFilter) -> str:
    """The cases that pass directly from $src to $dst, longest wait first."""
    return f"""
SELECT e.case_id, max(e.wait_s) AS wait_s FROM {ev(log)} e
WHERE e.activity = $src AND e.next_activity = $dst{"" if is_empty(f) else f" AND e.cid IN ({case_filter(log, f)})"}
GROUP BY e.case_id ORDER BY wait_s DESC, e.case_id LIMIT $limit
"""


def attribute_values(log: str, column: str) -> str:
    """The most frequent values of one column."""
    return f"""
SELECT CAST({ident(column)} AS VARCHAR) AS value, count(*) AS n FROM {ev(log)}
WHERE {ident(column)} IS NOT NULL GROUP BY 1 ORDER BY n DESC, value LIMIT 50
"""


def weekly_cycle_time(log: str) -> str:
    """Cases by the ISO week of their last event: count and mean cycle time (first to last event)."""
    return f"""
SELECT date_trunc('week', end_ts) AS week, count(*) AS cases, avg(duration_s) AS mean_s
FROM {cs(log)} GROUP BY 1 ORDER BY 1
"""


def weekly_sla_breaches(log: str) -> str:
    """Per ISO week of a case's first ``$from`` event: cases checked by the SLA, and those in ``$ids`` (its breaches)."""
    return f"""
WITH f AS (SELECT case_id, min(ts) AS from_ts FROM {ev(log)} WHERE activity = $from GROUP BY case_id)
SELECT date_trunc('week', from_ts) AS week, count(*) AS n,
       count(*) FILTER (WHERE case_id IN (SELECT unnest($ids))) AS breaches
FROM f GROUP BY 1 ORDER BY 1
"""
