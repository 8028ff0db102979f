"""Working time on the simulated clock: a :class:`~crmflow.findings.calendar.WorkCalendar` as arrays.

The simulator's clock is epoch seconds (a float). A :class:`WorkingClock` holds the calendar's day table
(:meth:`WorkCalendar.days`, the same table the audit installs in DuckDB) for the simulated horizon, so the
working-time position ``W(t)`` and its inverse are two binary searches: SLA deadlines ("10 working minutes")
and processing that pauses outside working hours use exactly the audit's definition of working time.

>>> from datetime import datetime, timezone
>>> cal = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4))
>>> fri = datetime(2024, 3, 1, 14, 55, tzinfo=timezone.utc).timestamp()        # Fri 17:55 in Moscow
>>> clock = WorkingClock.for_span(cal, fri, fri + 30 * 86400)
>>> datetime.fromtimestamp(clock.add(fri, 600), tz=timezone.utc).isoformat()   # due Mon 09:05
'2024-03-04T06:05:00+00:00'
>>> clock.between(fri, clock.add(fri, 600))
600.0
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crmflow.findings.calendar import WorkCalendar

#: Days of calendar kept beyond the simulated span (long cases, SLA escalations).
MARGIN_DAYS = 400


@dataclass(frozen=True, eq=False)
class WorkingClock:
    """Working-time arithmetic of one calendar over a span of epoch seconds."""

    calendar: WorkCalendar
    starts: list[float] = field(repr=False)
    lens: list[float] = field(repr=False)
    cum: list[float] = field(repr=False)
    cum_end: list[float] = field(repr=False)

    @classmethod
    def for_span(cls, calendar: WorkCalendar, t0: float, t1: float) -> WorkingClock:
        """A clock valid from ``t0`` to ``t1`` (plus :data:`MARGIN_DAYS`)."""
        if calendar.always:
            return cls(calendar, [], [], [], [])
        d0 = calendar.local_day(datetime.fromtimestamp(t0, tz=UTC)) - timedelta(days=1)
        d1 = calendar.local_day(datetime.fromtimestamp(t1, tz=UTC)) + timedelta(days=MARGIN_DAYS)
        rows = calendar.days(d0, d1)
        starts = [r.work_start for r in rows]
        lens = [r.work_len for r in rows]
        cum = [r.cum_before for r in rows]
        if not any(lens):
            raise ValueError(f"the calendar {calendar.describe()} has no working time between {d0} and {d1}")
        return cls(calendar, starts, lens, cum, [c + n for c, n in zip(cum, lens, strict=True)])

    def position(self, t: float) -> float:
        """``W(t)``: working seconds from the start of the table to ``t``."""
        if not self.starts:
            return t
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        return self.cum[i] + min(max(t - self.starts[i], 0.0), self.lens[i])

    def instant(self, w: float) -> float:
        """The first instant whose working position is ``w`` (inverse of :meth:`position`)."""
        if not self.starts:
            return w
        while w >= self.cum_end[-1]:
            self._extend()
        i = bisect.bisect_right(self.cum_end, w)
        while self.lens[i] <= 0:
            i += 1
        return self.starts[i] + max(w - self.cum[i], 0.0)

    def _extend(self) -> None:
        """Append another :data:`MARGIN_DAYS` days to the table (a very long wait ran past its end)."""
        last = self.calendar.local_day(datetime.fromtimestamp(self.starts[-1], tz=UTC))
        if len(self.starts) > 200 * 366:
            raise ValueError("the simulated clock ran 200 years past its start; check the model's waits and calendars")
        rows = self.calendar.days(last + timedelta(days=1), last + timedelta(days=MARGIN_DAYS))
        base = self.cum_end[-1]
        for r in rows:
            self.starts.append(r.work_start)
            self.lens.append(r.work_len)
            self.cum.append(base + r.cum_before)
            self.cum_end.append(base + r.cum_before + r.work_len)

    def add(self, t: float, seconds: float) -> float:
        """The instant when ``seconds`` of working time have passed since ``t``."""
        if not self.starts:
            return t + seconds
        return self.instant(self.position(t) + seconds)

    def next_working(self, t: float) -> float:
        """``t`` if it is inside working time, else the start of the next working window."""
        if not self.starts:
            return t
        i = bisect.bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.starts[i] + self.lens[i]:
            return t
        return self.instant(self.position(t))

    def between(self, t1: float, t2: float) -> float:
        """Working seconds from ``t1`` to ``t2``."""
        return self.position(t2) - self.position(t1)


__all__ = ["MARGIN_DAYS", "WorkingClock"]
