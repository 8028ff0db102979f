"""The arrival process of the simulator: a Poisson process whose rate is constant within each hour of the week.

:func:`arrival_times` draws the arrival instants from ``t0`` to ``t1`` with the rate the model's
:class:`~crmflow.simulation.model.ArrivalProfile` gives for each weekday and hour, in the profile's
local time zone (daylight-saving changes included), optionally cut to the first cases.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from crmflow.simulation.model import SimulationModel


def arrival_times(model: SimulationModel, t0: float, t1: float, max_cases: int | None, rng: np.random.Generator) -> np.ndarray:
    """Arrival instants of a piecewise-constant (hourly) Poisson process from ``t0`` to ``t1``."""
    zone = ZoneInfo(model.arrivals.timezone)
    rates = np.asarray(model.arrivals.rates)
    hour0 = math.floor(t0 / 3600) * 3600.0
    n_hours = max(1, math.ceil((t1 - hour0) / 3600))
    starts = hour0 + 3600.0 * np.arange(n_hours)
    slot = np.empty(n_hours, dtype=np.int64)
    cache: dict[int, int] = {}
    for i, s in enumerate(starts.tolist()):
        # the local offset changes at most twice a year: cache per (day, offset-free hour)
        key = int(s // 86400)
        if key not in cache:
            cache[key] = int(datetime.fromtimestamp(s, tz=UTC).astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]
        local = s + cache[key]
        day = int(local // 86400)
        slot[i] = ((day + 3) % 7) * 24 + int(local % 86400 // 3600)  # 1970-01-01 was a Thursday (weekday 3)
    counts = rng.poisson(rates[slot])
    times = np.repeat(starts, counts) + rng.random(int(counts.sum())) * 3600.0
    times.sort()
    times = times[(times >= t0) & (times < t1)]
    if max_cases is not None:
        times = times[:max_cases]
    return times


__all__ = ["arrival_times"]
