"""The audit's KPIs, read the same way from a log and from a simulation (one SQL query).

A simulated log is loaded into the store as a table of activity instances with the columns the discovery's
instance table has (``cid``, ``activity``, ``start_ts``, ``end_ts``), so :func:`crmflow.store.simulation_queries.case_kpis`
defines the KPIs once:

* ``cases_per_day``: cases that arrived in the observation window / its length in days (the log: first to
  last arrival; a simulation: its arrival horizon);
* ``median_cycle_h`` (and ``mean_cycle_h``, ``p90_cycle_h``): arrival to last completion;
* ``sla_compliance``: among cases that reached the SLA's ``from`` activity, the share whose ``to`` ended
  within the limit (working or calendar time of the KPI calendar) — none when no SLA is defined;
* ``conversion``: the share of cases that reached a won activity.

:func:`summarize` turns the KPIs of replications into means with 95 % confidence intervals (Student t).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from crmflow.findings.calendar import WorkCalendar
from crmflow.jsonable import JsonMixin
from crmflow.simulation.model import KpiSpec
from crmflow.simulation.simulator import SimulatedLog
from crmflow.store import simulation_queries as sq
from crmflow.store.store import EventLog, EventStore

KPI_NAMES: tuple[str, ...] = ("cases_per_day", "median_cycle_h", "mean_cycle_h", "p90_cycle_h", "sla_compliance", "conversion")
_QUANTILES = np.linspace(0, 1, 41)


@dataclass(frozen=True)
class Kpis(JsonMixin):
    """KPIs of one log or one replication; ``cycle_quantiles_h`` are 41 quantiles (0, 2.5 %, …, 100 %)."""

    cases: int
    cases_per_day: float
    median_cycle_h: float
    mean_cycle_h: float
    p90_cycle_h: float
    sla_compliance: float | None
    conversion: float | None
    cycle_quantiles_h: tuple[float, ...]

    def value(self, name: str) -> float | None:
        v = getattr(self, name)
        return None if v is None else float(v)


@dataclass(frozen=True)
class Estimate(JsonMixin):
    """A KPI over replications: mean and the 95 % confidence interval of the mean."""

    mean: float
    low: float
    high: float
    n: int


def _kpis_from_table(store: EventStore, table: str, spec: KpiSpec, window: tuple[float, float]) -> Kpis:
    sla = spec.sla
    cal = None
    try:
        if sla is not None:
            _name, src, dst, _within, basis = sla
            calendar = spec.calendar if basis == "working" else WorkCalendar()
            lo, hi = store.sql(f"SELECT min(start_ts), max(end_ts) FROM {table}").fetchall()[0]
            if lo is None:
                raise ValueError("no activity instance")
            cal = calendar.install(store, (lo - timedelta(days=2)).date(), (hi + timedelta(days=2)).date())
            expr = cal.working_seconds_sql("f.f_end", "g.t_end")
            query = sq.case_kpis(table, src, dst, expr, list(spec.won))
        else:
            query = sq.case_kpis(table, None, None, None, list(spec.won))
        t0 = datetime.fromtimestamp(window[0], tz=UTC)
        t1 = datetime.fromtimestamp(window[1], tz=UTC)
        row = store.rows(
            f"""
WITH k AS ({query})
SELECT count(*)::BIGINT AS cases,
       count(*) FILTER (WHERE arrival >= ? AND arrival <= ?)::BIGINT AS in_window,
       median(cycle_s) / 3600 AS med_h, avg(cycle_s) / 3600 AS mean_h, quantile_cont(cycle_s, 0.9) / 3600 AS p90_h,
       avg(CASE WHEN sla_s IS NOT NULL AND sla_s <= ? THEN 1.0 ELSE 0.0 END) FILTER (WHERE sla_applies) AS sla,
       avg(CASE WHEN won THEN 1.0 ELSE 0.0 END) AS conv,
       quantile_cont(cycle_s, {list(_QUANTILES.tolist())}) AS q
FROM k""",
            [t0, t1, float(sla[3]) if sla else 0.0],
        )[0]
    finally:
        if cal is not None:
            cal.drop(store)
    days = max((window[1] - window[0]) / 86400.0, 1e-9)
    return Kpis(
        cases=int(row["cases"]),
        cases_per_day=int(row["in_window"]) / days,
        median_cycle_h=float(row["med_h"] or 0.0),
        mean_cycle_h=float(row["mean_h"] or 0.0),
        p90_cycle_h=float(row["p90_h"] or 0.0),
        sla_compliance=None if sla is None or row["sla"] is None else float(row["sla"]),
        conversion=None if not spec.won else float(row["conv"] or 0.0),
        cycle_quantiles_h=tuple(float(v) / 3600 for v in (row["q"] or [])),
    )


def log_kpis(log: EventLog, spec: KpiSpec) -> Kpis:
    """The KPIs of an event log (the same instances the discovery reads).

    >>> from crmflow.sources.reader import read_log
    >>> from datetime import datetime, timezone
    >>> t = lambda h: datetime(2024, 3, 4, h, tzinfo=timezone.utc)
    >>> log = read_log(pa.table({"case:concept:name": ["1", "1", "2"], "concept:name": ["A", "Won", "A"],
    ...                          "time:timestamp": [t(9), t(11), t(12)]}))
    >>> k = log_kpis(log, KpiSpec(won=("Won",)))
    >>> k.cases, k.conversion, k.median_cycle_h
    (2, 0.5, 1.0)
    """
    store = log.store
    table = store.new_name("kpiinst")
    counts = {r["lc"]: int(r["n"]) for r in store.rows(sq.lifecycle_counts(log.name))}
    paired = counts.get("start", 0) > 0 and counts.get("complete", 0) > 0
    store.sql(sq.activity_instances(log.name, table, paired=paired, every_event=counts.get("complete", 0) == 0))
    try:
        lo, hi = store.sql(f"SELECT min(start_ts), max(start_ts) FROM {table} WHERE seq = 1").fetchall()[0]
        return _kpis_from_table(store, table, spec, (lo.timestamp(), hi.timestamp()))
    finally:
        store.sql(f"DROP TABLE IF EXISTS {table}")


def simulated_table(sim: SimulatedLog) -> pa.Table:
    """A simulated log as activity instances (``cid``, ``activity``, ``resource``, ``start_ts``, ``end_ts``)."""
    acts = np.asarray(sim.activities, dtype=object)
    res = np.asarray(sim.resources, dtype=object)
    ts = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "cid": pa.array(sim.case, pa.int64()),
            "activity": pa.array(acts[sim.activity] if len(sim.case) else [], pa.string()),
            "resource": pa.array(res[sim.resource] if len(sim.case) else [], pa.string()),
            "start_ts": pa.array((sim.start * 1e6).astype(np.int64), ts),
            "end_ts": pa.array((sim.end * 1e6).astype(np.int64), ts),
        }
    )


def simulated_kpis(sim: SimulatedLog, spec: KpiSpec, *, store: EventStore | None = None) -> Kpis:
    """The KPIs of one replication, by the same SQL as :func:`log_kpis`."""
    own = store is None
    st = store or EventStore()
    name = st.new_name("simlog")
    try:
        st.temp_table_from_arrow(name, simulated_table(sim))
        # the arrival is the first start: a case's arrival instant (before any wait) is its first enablement
        return _kpis_from_table(st, name, spec, sim.horizon)
    finally:
        st.sql(f"DROP TABLE IF EXISTS {name}")
        if own:
            st.close()


def summarize(runs: Sequence[Kpis]) -> dict[str, Estimate | None]:
    """Mean and 95 % confidence interval of each KPI over replications (None when a KPI is undefined)."""
    from scipy import stats

    out: dict[str, Estimate | None] = {}
    for name in KPI_NAMES:
        vals = [v for v in (r.value(name) for r in runs) if v is not None]
        if not vals:
            out[name] = None
            continue
        x = np.asarray(vals)
        mean = float(x.mean())
        half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0
        out[name] = Estimate(mean=mean, low=mean - half, high=mean + half, n=len(x))
    return out


__all__ = ["KPI_NAMES", "Estimate", "Kpis", "log_kpis", "simulated_kpis", "simulated_table", "summarize"]
