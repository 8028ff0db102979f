"""Working-time arithmetic for the demo data generator.

A :class:`WorkingCalendar` knows one daily working period (e.g. 09:00-19:00), the working weekdays
and a set of public holidays. All datetimes are *naive local* times of the calendar's zone (the
Bitrix24 UI export writes local Moscow time without an offset; Moscow has had no DST since 2014),
so no zone conversion happens here.

Holidays follow the ``holidays`` package as the audit engine reads it: its days off are off, and
the Saturdays that a transfer decree makes working days (``weekend_workdays``, e.g. Saturday
1 November 2025 in Russia) are working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays as holidays_lib

__all__ = ["WorkingCalendar"]

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkingCalendar:
    """A daily working period on working weekdays, minus holidays.

    Parameters
    ----------
    opens, closes
        Start and end of the working period of a working day (``opens < closes``).
    weekdays
        Working weekdays as ``date.weekday()`` numbers (Monday = 0).
    holidays
        Dates that are days off even when they fall on a working weekday.
    extra_workdays
        Dates that are working days even when they fall on a weekend (transferred workdays).
    timezone
        IANA name of the zone the naive datetimes are in (informational).

    Examples
    --------
    >>> cal = WorkingCalendar.russian(years=[2025])
    >>> cal.add_working_minutes(datetime(2025, 11, 3, 23, 0), 5)  # Mon 3 Nov and Tue 4 Nov are off
    datetime.datetime(2025, 11, 5, 9, 5)
    >>> cal.working_minutes_between(datetime(2025, 9, 5, 18, 50), datetime(2025, 9, 8, 9, 10))
    20.0
    >>> cal.is_working_day(date(2025, 11, 1))  # a Saturday made a working day by decree
    True
    """

    opens: time = time(9, 0)
    closes: time = time(19, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    timezone: str = "Europe/Moscow"

    @classmethod
    def russian(cls, *, years: Iterable[int], opens: time = time(9, 0), closes: time = time(19, 0)) -> WorkingCalendar:
        """Build a Moscow Mon-Fri calendar with the Russian public holidays of ``years``.

        Parameters
        ----------
        years
            Calendar years whose holidays are loaded (``holidays.RU``).
        opens, closes
            The daily working period.

        Returns
        -------
        WorkingCalendar
        """
        table = holidays_lib.country_holidays("RU", years=list(years))
        extra = frozenset(getattr(table, "weekend_workdays", ()) or ())
        return cls(opens=opens, closes=closes, holidays=frozenset(table), extra_workdays=extra)

    @property
    def minutes_per_day(self) -> float:
        """Length of the working period of one working day, in minutes."""
        return (_at(date(2000, 1, 1), self.closes) - _at(date(2000, 1, 1), self.opens)).total_seconds() / 60

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a transferred workday, or a working weekday that is not a holiday."""
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside a working period (opening inclusive, closing exclusive)."""
        return self.is_working_day(moment.date()) and self.opens <= moment.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime:
        """Return ``moment`` if it is working time, else the start of the next working period."""
        day = moment.date()
        if self.is_working_day(day):
            if moment.time() < self.opens:
                return _at(day, self.opens)
            if moment.time() < self.closes:
                return moment
        day += _DAY
        for _ in range(3660):  # ten years of days off would be a broken calendar
            if self.is_working_day(day):
                return _at(day, self.opens)
            day += _DAY
        raise ValueError("the working calendar has no working day in the next ten years")

    def add_working_seconds(self, moment: datetime, seconds: int) -> datetime:
        """Return the moment ``seconds`` of working time after ``moment``.

        Time outside working periods does not count; a start outside working time first moves to
        the next opening. ``seconds == 0`` returns that opening.
        """
        if seconds < 0:
            raise ValueError(f"cannot add a negative working time ({seconds} s)")
        current = self.next_opening(moment)
        remaining = timedelta(seconds=seconds)
        while True:
            close = _at(current.date(), self.closes)
            available = close - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = self.next_opening(close)

    def add_working_minutes(self, moment: datetime, minutes: float) -> datetime:
        """Return the moment ``minutes`` of working time after ``moment`` (rounded to the second)."""
        return self.add_working_seconds(moment, round(minutes * 60))

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Working time between ``start`` and ``end`` in seconds (0 if ``end <= start``)."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                lo = max(start, _at(day, self.opens))
                hi = min(end, _at(day, self.closes))
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += _DAY
        return total

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Working time between ``start`` and ``end`` in minutes (0 if ``end <= start``)."""
        return self.working_seconds_between(start, end) / 60


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock)
