"""Control charts of the dashboard: I-MR of weekly cycle time, and the sigma level of each SLA.

I-MR (individuals and moving range): the individuals are the weekly mean cycle times (cases by the
week of their last event); the centre line is their mean, the limits are mean ± 2.66 · MR̄ (MR̄ the
mean moving range of consecutive weeks), and the moving-range chart's upper limit is 3.267 · MR̄
(the usual constants for moving ranges of two). A week outside the limits is flagged. The sigma
level of an SLA is the short-term sigma of its compliance: Φ⁻¹(compliance) + 1.5.

>>> chart = imr([("w1", 10.0), ("w2", 12.0), ("w3", 11.0), ("w4", 30.0)])
>>> round(chart.centre, 2), round(chart.mr_bar, 2), [p.out for p in chart.points]
(15.75, 7.33, [False, False, False, False])
>>> [p.out for p in imr([(str(i), v) for i, v in enumerate([10.0, 11, 10, 11, 10, 11, 10, 40])]).points][-1]
True
>>> round(sigma_level(0.99379), 2)
4.0
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

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


def sigma_level(compliance: float | None) -> float | None:
    """Short-term sigma level of a compliance share (1.5 σ shift); None when it is 0 or 1 or unknown."""
    if compliance is None or not 0.0 < compliance < 1.0:
        return None
    return NormalDist().inv_cdf(compliance) + 1.5
