"""Control charts of the dashboard: I-MR of weekly cycle time, p-charts of SLA breaches, sigma levels.

I-MR (individuals and moving range): the individuals are the weekly mean cycle times (cases by the
week of their last event); the centre line is their mean, the limits are mean ± 2.66 · MR̄ (MR̄ the
mean moving range of consecutive weeks), and the moving-range chart's upper limit is 3.267 · MR̄
(the usual constants for moving ranges of two). A week outside the limits is flagged. The sigma
level of an SLA is the short-term sigma of its compliance: Φ⁻¹(compliance) + 1.5.

p-chart of an SLA: per week of the cases' first "from" event, the share of them that breached the
SLA; centre p̄ (all breaches / all cases checked), limits p̄ ± 3·√(p̄(1−p̄)/nᵢ) per week. The breaches
are the audit's list of violating cases; when the audit kept only part of that list (more
violations than its evidence limit) there is no chart rather than a wrong one.

>>> chart = imr([("w1", 10.0), ("w2", 12.0), ("w3", 11.0), ("w4", 30.0)])
>>> round(chart.centre, 2), round(chart.mr_bar, 2), [p.out for p in chart.points]
(15.75, 7.33, [False, False, False, False])
>>> [p.out for p in imr([(str(i), v) for i, v in enumerate([10.0, 11, 10, 11, 10, 11, 10, 40])]).points][-1]
True
>>> round(sigma_level(0.99379), 2)
4.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from crmflow.jsonable import JsonMixin
from crmflow.store import explorer_queries as xq
from crmflow.store.store import EventLog

E2 = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two
D4 = 3.267


@dataclass(frozen=True)
class ImrPoint(JsonMixin):
    label: str
    value: float
    moving_range: float | None
    out: bool  # outside the individuals' limits


@dataclass(frozen=True)
class ImrChart(JsonMixin):
    centre: float
    ucl: float
    lcl: float
    mr_bar: float
    mr_ucl: float
    points: tuple[ImrPoint, ...]


def imr(series: list[tuple[str, float]]) -> ImrChart:
    """The I-MR chart of a series of ``(label, value)`` in time order (at least one point)."""
    values = [v for _, v in series]
    centre = sum(values) / len(values) if values else 0.0
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mr_bar = sum(ranges) / len(ranges) if ranges else 0.0
    ucl, lcl = centre + E2 * mr_bar, max(0.0, centre - E2 * mr_bar)
    points = tuple(
        ImrPoint(label, v, ranges[i - 1] if i else None, bool(ranges) and not lcl <= v <= ucl)
        for i, (label, v) in enumerate(series)
    )
    return ImrChart(centre, ucl, lcl, mr_bar, D4 * mr_bar, points)


def cycle_time_imr(log: EventLog) -> ImrChart:
    """I-MR of the weekly mean cycle time of the log's cases."""
    rows = log.store.rows(xq.weekly_cycle_time(log.name))
    return imr([(r["week"].date().isoformat(), float(r["mean_s"])) for r in rows if r["mean_s"] is not None])


@dataclass(frozen=True)
class PPoint(JsonMixin):
    label: str
    n: int
    breaches: int
    p: float
    ucl: float
    lcl: float
    out: bool


@dataclass(frozen=True)
class PChart(JsonMixin):
    sla: str
    p_bar: float
    points: tuple[PPoint, ...]


def p_chart(name: str, weeks: list[tuple[str, int, int]]) -> PChart:
    """The p-chart of ``(label, cases, breaches)`` per week.

    >>> c = p_chart("s", [("w1", 100, 10), ("w2", 100, 12), ("w3", 100, 40)])
    >>> round(c.p_bar, 3), [p.out for p in c.points]
    (0.207, [False, False, True])
    """
    total = sum(n for _, n, _ in weeks)
    p_bar = sum(b for _, _, b in weeks) / total if total else 0.0
    points = []
    for label, n, b in weeks:
        half = 3 * math.sqrt(p_bar * (1 - p_bar) / n) if n else 0.0
        p = b / n if n else 0.0
        ucl, lcl = min(1.0, p_bar + half), max(0.0, p_bar - half)
        points.append(PPoint(label, n, b, p, ucl, lcl, not lcl <= p <= ucl))
    return PChart(name, p_bar, tuple(points))


def sla_p_charts(log: EventLog, slas: list[dict[str, Any]]) -> list[PChart]:
    """A p-chart per SLA of the audit whose list of violating cases is complete."""
    charts = []
    for s in slas:
        ids = [str(c) for c in s.get("violating_case_ids") or []]
        if len(ids) != int(s.get("violations") or 0) or not s.get("from"):
            continue
        rows = log.store.rows(xq.weekly_sla_breaches(log.name), {"from": s["from"], "ids": ids})
        charts.append(p_chart(s["name"], [(r["week"].date().isoformat(), int(r["n"]), int(r["breaches"])) for r in rows]))
    return charts


def sigma_level(compliance: float | None) -> float | None:
    """Short-term sigma level of a compliance share (1.5 σ shift); None when it is 0 or 1 or unknown."""
    if compliance is None or not 0.0 < compliance < 1.0:
        return None
    return NormalDist().inv_cdf(compliance) + 1.5
