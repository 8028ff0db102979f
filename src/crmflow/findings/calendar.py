"""A working-time calendar: which seconds count as working time.

A :class:`WorkCalendar` has a timezone, a daily working window (``09:00-19:00``), the working
weekdays and, optionally, a country's official holidays from the ``holidays`` library.

Working time between two instants is the number of seconds that fall inside the working window of
working days, read in the calendar's local time. To compute it for millions of pairs inside DuckDB,
the calendar is *installed* as a small day table (one row per local day of the log's span)::

    day         DATE      local calendar day
    is_working  BOOLEAN
    work_start  DOUBLE    epoch seconds of the window's start on that day
    work_len    DOUBLE    real length of the window in seconds (0 on non-working days)
    cum_before  DOUBLE    working seconds of all earlier days of the table

and the working-time position of an instant ``t`` is
``W(t) = cum_before(day(t)) + clamp(t - work_start(day(t)), 0, work_len(day(t)))``; the working
time between ``t1`` and ``t2`` is ``W(t2) - W(t1)``. Window starts and ends are real instants, so a
daylight-saving switch inside the window is counted in real elapsed seconds.

Holidays: with ``holidays="RU"`` the days the Russian government declares non-working (New Year
holidays, official holidays and the days off moved by transfer decrees) are non-working, and the
transferred *working* Saturdays (``holidays.RU(...).weekend_workdays``, e.g. 2024-04-27) are working
days even though Saturday is not a working weekday. Any other country code the ``holidays`` library
knows works the same way (its ``weekend_workdays`` is empty where the library has no transfers).

>>> from datetime import datetime, timezone
>>> cal = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=19 * 3600,
...                    weekdays=(0, 1, 2, 3, 4))
>>> fri = datetime(2024, 3, 1, 15, 50, tzinfo=timezone.utc)   # Fri 18:50 in Moscow
>>> mon = datetime(2024, 3, 4, 6, 5, tzinfo=timezone.utc)     # Mon 09:05 in Moscow
>>> cal.working_seconds(fri, mon)
900.0
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from crmflow.durations import DAY_SECONDS, Duration
from crmflow.jsonable import JsonMixin
from crmflow.store import finding_queries as fq

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.store.store import EventStore

ALL_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


@functools.lru_cache(maxsize=64)
def _country_days(code: str, first_year: int, last_year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(non-working holidays, transferred working weekend days) of a country for the years."""
    import holidays

    h = holidays.country_holidays(code, years=range(first_year, last_year + 1))
    off = frozenset(d for d in h)
    workdays = frozenset(getattr(h, "weekend_workdays", ()) or ())
    return off, workdays


@dataclass(frozen=True)
class _Windows:
    """The working windows of one year of a calendar, for bisection (epoch seconds, working days only)."""

    starts: tuple[float, ...]
    ends: tuple[float, ...]
    cum: tuple[float, ...]  # working seconds of the year before each window
    cum_end: tuple[float, ...]  # ... up to each window's end
    total: float


@functools.lru_cache(maxsize=256)
def _year_windows(calendar: WorkCalendar, year: int) -> _Windows:
    """A year's windows of ``calendar``, computed once per calendar and year (a frozen calendar is hashable)."""
    starts, ends, cum, cum_end = [], [], [], []
    total = 0.0
    for row in calendar.days(date(year, 1, 1), date(year, 12, 31)):
        if row.work_len > 0:
            starts.append(row.work_start)
            ends.append(row.work_start + row.work_len)
            cum.append(total)
            total += row.work_len
            cum_end.append(total)
    return _Windows(tuple(starts), tuple(ends), tuple(cum), tuple(cum_end), total)


@dataclass(frozen=True)
class DayRow:
    """One local day of an installed calendar (see the module docstring)."""

    day: date
    is_working: bool
    work_start: float
    work_len: float
    cum_before: float


@dataclass(frozen=True)
class WorkCalendar(JsonMixin):
    """Working hours, working weekdays and holidays in one timezone.

    Parameters
    ----------
    timezone
        IANA timezone name of the local clock (``Europe/Moscow``).
    start_s, end_s
        The daily working window in seconds after local midnight (``end_s`` may be 86400).
    weekdays
        Working weekdays, Monday = 0 ... Sunday = 6.
    holidays
        ``None`` or a country code of the ``holidays`` library (``"RU"``).
    """

    timezone: str = "UTC"
    start_s: int = 0
    end_s: int = DAY_SECONDS
    weekdays: tuple[int, ...] = ALL_DAYS
    holidays: str | None = None

    @property
    def always(self) -> bool:
        """True when every second is working time (working time equals elapsed time)."""
        return self.start_s == 0 and self.end_s == DAY_SECONDS and set(self.weekdays) == set(ALL_DAYS) and self.holidays is None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def working_length(self, duration: Duration) -> float:
        """Seconds of a written duration counted in this calendar's working time.

        A day (``1d``) is one working day (``end_s - start_s``) and a week (``1w``) the working
        days of a week; hours, minutes and seconds are literal.

        >>> from crmflow.durations import parse_duration
        >>> WorkCalendar(start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4)).working_length(parse_duration("1w1d"))
        194400.0

        Raises
        ------
        DurationError
            If the duration has years or months.
        """
        day = float(self.end_s - self.start_s)
        return duration.length(day_s=day, week_s=day * len(self.weekdays))

    def local_day(self, t: datetime) -> date:
        """The local calendar day of an instant (naive datetimes are read as UTC)."""
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        return t.astimezone(self.zone).date()

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (weekday rule, holidays and transferred workdays).

        >>> cal = WorkCalendar(weekdays=(0, 1, 2, 3, 4), holidays="RU")
        >>> cal.is_working_day(date(2024, 4, 27)), cal.is_working_day(date(2024, 4, 29))
        (True, False)
        """
        if self.holidays is not None:
            off, extra = _country_days(self.holidays, day.year, day.year)
            if day in extra:
                return True
            if day in off:
                return False
        return day.weekday() in self.weekdays

    def days(self, first: date, last: date) -> list[DayRow]:
        """The day table for local days ``first`` .. ``last`` (inclusive)."""
        zone = self.zone
        rows: list[DayRow] = []
        cum = 0.0
        d = first
        while d <= last:
            midnight = datetime.combine(d, time())
            start = (midnight + timedelta(seconds=self.start_s)).replace(tzinfo=zone).timestamp()
            end = (midnight + timedelta(seconds=self.end_s)).replace(tzinfo=zone).timestamp()
            working = self.is_working_day(d)
            length = max(end - start, 0.0) if working else 0.0
            rows.append(DayRow(d, working, start, length, cum))
            cum += length
            d += timedelta(days=1)
        return rows

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds from ``start`` to ``end`` (negative when ``end`` is earlier).

        For small checks; log-sized work uses :meth:`install` and SQL.
        """
        d1, d2 = self.local_day(start), self.local_day(end)
        table = {r.day: r for r in self.days(min(d1, d2), max(d1, d2))}
        return _position(table[d2], end) - _position(table[d1], start)

    def add_working_seconds(self, start: datetime, seconds: float, *, max_days: int = 3660) -> datetime:
        """The instant when ``seconds`` of working time have passed since ``start``.

        An SLA of "10 working minutes" from a lead created on Friday at 17:55 (window 09:00-18:00)
        is due on Monday at 09:05 — or later when Monday is a holiday. The windows of each year are
        computed once per calendar and searched by bisection, so a call costs microseconds (the
        engine arms every working-time timer with it).

        >>> from datetime import timezone
        >>> cal = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=18 * 3600,
        ...                    weekdays=(0, 1, 2, 3, 4), holidays="RU")
        >>> fri = datetime(2024, 3, 1, 14, 55, tzinfo=timezone.utc)      # Fri 17:55 in Moscow
        >>> cal.add_working_seconds(fri, 600).isoformat()
        '2024-03-04T06:05:00+00:00'

        Raises
        ------
        ValueError
            If ``seconds`` is negative, or no working time is found within ``max_days`` days.
        """
        if seconds < 0:
            raise ValueError(f"cannot add a negative working time ({seconds} s)")
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        if self.always:
            return start + timedelta(seconds=seconds)
        t, left = start.timestamp(), float(seconds)
        first = self.local_day(start)
        limit = (start + timedelta(days=max_days + 1)).timestamp()
        for year in range(first.year, (first + timedelta(days=max_days)).year + 1):
            windows = _year_windows(self, year)
            i = bisect.bisect_right(windows.ends, t)  # the first window that ends after t
            if i < len(windows.ends):
                target = windows.cum[i] + max(t - windows.starts[i], 0.0) + left
                if target <= windows.total:
                    j = bisect.bisect_left(windows.cum_end, target, lo=i)
                    due = windows.starts[j] + (target - windows.cum[j])
                    if due > limit:
                        break
                    return datetime.fromtimestamp(due, tz=UTC)
                left = target - windows.total
            t = float("-inf")  # the next year from its first window
        raise ValueError(
            f"no {seconds} s of working time within {max_days} days after {start.isoformat()} "
            "(check the working hours and weekdays)"
        )

    def install(self, store: EventStore, first: date, last: date) -> CalendarTable:
        """Write the day table for ``first`` .. ``last`` into the store and return its handle."""
        rows = self.days(first, last)
        name = store.new_name("wcal")
        arrow = pa.table(
            {
                "day": pa.array([r.day for r in rows], pa.date32()),
                "is_working": pa.array([r.is_working for r in rows], pa.bool_()),
                "work_start": pa.array([r.work_start for r in rows], pa.float64()),
                "work_len": pa.array([r.work_len for r in rows], pa.float64()),
                "cum_before": pa.array([r.cum_before for r in rows], pa.float64()),
            }
        )
        store.temp_table_from_arrow(name, arrow)
        return CalendarTable(calendar=self, table=name, first_day=first, last_day=last)

    def install_for(self, store: EventStore, log_name: str, *, extra: Iterable[datetime] = ()) -> CalendarTable:
        """Install the day table covering every timestamp of log ``log_name`` (plus ``extra``)."""
        lo, hi = store.sql(fq.local_day_span(log_name, self.timezone)).fetchall()[0]
        days = [d for d in (lo, hi) if d is not None] + [self.local_day(t) for t in extra]
        if not days:
            days = [date.today()]
        return self.install(store, min(days) - timedelta(days=1), max(days) + timedelta(days=1))

    def describe(self) -> dict[str, Any]:
        """The calendar as rules-file values (for echoing the rules in a report)."""
        names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return {
            "timezone": self.timezone,
            "working_hours": f"{_hhmm(self.start_s)}-{_hhmm(self.end_s)}",
            "weekdays": [names[i] for i in sorted(self.weekdays)],
            "holidays": self.holidays or "none",
        }


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _position(row: DayRow, t: datetime) -> float:
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return row.cum_before + min(max(t.timestamp() - row.work_start, 0.0), row.work_len)


@dataclass(frozen=True)
class CalendarTable:
    """A calendar installed in a store as a day table; produces working-time SQL."""

    calendar: WorkCalendar
    table: str
    first_day: date
    last_day: date

    def working_seconds_sql(self, start_expr: str, end_expr: str) -> str:
        """SQL expression: working seconds from ``start_expr`` to ``end_expr`` (TIMESTAMPTZ).

        NULL when an instant lies outside the installed days.
        """
        if self.calendar.always:
            return fq.elapsed_seconds(start_expr, end_expr)
        return fq.working_seconds(self.table, self.calendar.timezone, start_expr, end_expr)

    def drop(self, store: EventStore) -> None:
        store.sql(f"DROP TABLE IF EXISTS {self.table}")
