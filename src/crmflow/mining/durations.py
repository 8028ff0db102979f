"""Case durations: time from a case's first to its last event."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from crmflow.jsonable import JsonMixin
from crmflow.store import queries as q
from crmflow.store.store import EventLog


@dataclass(frozen=True)
class DurationStats(JsonMixin):
    """Distribution of case durations in seconds, with a histogram for charts."""

    cases: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    min_s: float | None
    max_s: float | None
    histogram_edges_s: tuple[float, ...] = ()
    histogram_counts: tuple[int, ...] = ()


def get_case_durations(log: EventLog) -> pa.Table:
    """One row per case: ``case_id, n_events, start_ts, end_ts, duration_s`` (Arrow table)."""
    return log.store.arrow(q.case_durations(log.name))


def get_all_case_durations(log: EventLog) -> list[float]:
    """Sorted case durations in seconds -- the shape of pm4py's ``get_all_case_durations``."""
    rows = log.store.sql(f"SELECT duration_s FROM {log.cases_table} ORDER BY duration_s").fetchall()
    return [float(r[0]) for r in rows]


def case_duration_stats(log: EventLog, *, bins: int = 20) -> DurationStats:
    """Mean, median, p90, extremes and a log-spaced histogram of case durations."""
    s = log.store.rows(q.case_duration_stats(log.name))[0]
    edges: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    if s["cases"] and s["max_s"] is not None and s["max_s"] > 0:
        edges, counts = histogram(log, f"SELECT duration_s AS v FROM {log.cases_table}", bins=bins, lo=0.0, hi=float(s["max_s"]))
    return DurationStats(
        cases=int(s["cases"]),
        mean_s=s["mean_s"],
        median_s=s["median_s"],
        p90_s=s["p90_s"],
        min_s=s["min_s"],
        max_s=s["max_s"],
        histogram_edges_s=edges,
        histogram_counts=counts,
    )


def histogram(log: EventLog, values_sql: str, *, bins: int, lo: float, hi: float) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Equal-width histogram of column ``v`` of ``values_sql`` between ``lo`` and ``hi``, in SQL."""
    width = (hi - lo) / bins if hi > lo else 1.0
    rows = log.store.sql(
        f"SELECT least(greatest(floor((v - $lo) / $w), 0), $b - 1)::INTEGER AS k, count(*) "
        f"FROM ({values_sql}) WHERE v IS NOT NULL GROUP BY k",
        {"lo": lo, "w": width, "b": bins},
    ).fetchall()
    counts = [0] * bins
    for k, n in rows:
        counts[int(k)] = int(n)
    edges = tuple(lo + i * width for i in range(bins + 1))
    return edges, tuple(counts)
