"""Timers in working time on the model's calendar (nights, weekends, RU holidays, transferred days) and ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmflow.durations import parse_duration
from crmflow.engine.deploy import TimerSpec
from crmflow.engine.timing import ManualClock, first_due, next_due
from crmflow.findings.calendar import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
MODEL = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4), holidays="RU")
LONG = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=19 * 3600, weekdays=(0, 1, 2, 3, 4), holidays="RU")
TEN = TimerSpec("duration", "PT10M", "working", 600.0)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.mark.parametrize(
    ("calendar", "arrived", "due"),
    [
        (LONG, msk(2024, 3, 1, 18, 55), msk(2024, 3, 4, 9, 5)),  # Friday 18:55, window 09-19: Monday 09:05
        (MODEL, msk(2024, 3, 1, 17, 55), msk(2024, 3, 4, 9, 5)),  # the model's 09-18 window
        (MODEL, msk(2024, 3, 1, 18, 55), msk(2024, 3, 4, 9, 10)),  # after hours: the whole SLA on Monday
        (MODEL, msk(2024, 3, 5, 23, 30), msk(2024, 3, 6, 9, 10)),  # night
        (MODEL, msk(2024, 3, 7, 17, 55), msk(2024, 3, 11, 9, 5)),  # 8 March (Friday) is a holiday
        (MODEL, msk(2023, 12, 29, 17, 55), msk(2024, 1, 9, 9, 5)),  # New Year holidays
        (MODEL, msk(2024, 4, 26, 17, 55), msk(2024, 4, 27, 9, 5)),  # Saturday 27 April 2024 is a working day
        (MODEL, msk(2024, 4, 27, 17, 55), msk(2024, 5, 2, 9, 5)),  # then 28 April - 1 May are off (Sunday, transfers, 1 May)
    ],
)
def test_ten_working_minutes(calendar: WorkCalendar, arrived: datetime, due: datetime) -> None:
    assert first_due(TEN, arrived, calendar) == due


def test_working_day_duration_is_one_working_window() -> None:
    spec = TimerSpec("duration", "P1D", "working", MODEL.working_length(parse_duration("1d")))
    assert spec.length == 9 * 3600
    assert first_due(spec, msk(2024, 3, 4, 11, 5), MODEL) == msk(2024, 3, 5, 11, 5)


def test_calendar_time_ignores_the_window() -> None:
    spec = TimerSpec("duration", "PT2H", "calendar", 7200.0)
    assert first_due(spec, msk(2024, 3, 2, 23, 0), MODEL) == msk(2024, 3, 3, 1, 0)


def test_dates_and_cycles() -> None:
    date = TimerSpec("date", "2024-05-01T09:00:00+03:00")
    assert first_due(date, msk(2024, 4, 1), MODEL) == msk(2024, 5, 1, 9)
    naive = TimerSpec("date", "2024-05-01T09:00:00")
    assert first_due(naive, msk(2024, 4, 1), MODEL) == msk(2024, 5, 1, 9)  # the calendar's zone
    cycle = TimerSpec("cycle", "R2/PT1H", "calendar", 3600.0, 2)
    t0 = datetime(2024, 3, 4, 6, tzinfo=UTC)
    t1 = first_due(cycle, t0, MODEL)
    assert t1 == datetime(2024, 3, 4, 7, tzinfo=UTC)
    t2 = next_due(cycle, t1, 1, MODEL)  # type: ignore[arg-type]
    assert t2 == datetime(2024, 3, 4, 8, tzinfo=UTC)
    assert next_due(cycle, t2, 2, MODEL) is None  # type: ignore[arg-type]
    anchored = TimerSpec("cycle", "R/2024-03-01T09:00:00+03:00/P1D", "calendar", 86400.0, None)
    assert first_due(anchored, msk(2024, 3, 3, 10), MODEL) == msk(2024, 3, 4, 9)


def test_manual_clock_never_sleeps() -> None:
    clock = ManualClock(msk(2024, 3, 1, 18, 55))
    assert clock.advance(600) == msk(2024, 3, 1, 19, 5)
    assert clock.set(msk(2024, 3, 4, 9)) == msk(2024, 3, 4, 9)


def test_timers_use_the_calendars_add_working_seconds() -> None:
    """One implementation: a working-time timer is due where the findings' calendar says."""
    import random

    rng = random.Random(5)
    for _ in range(200):
        start = datetime(2023, 12, 20, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 200 * 86400))
        seconds = rng.choice([60, 600, 7200, 32400, 3 * 32400 + 17])
        spec = TimerSpec("duration", f"PT{seconds}S", "working", float(seconds), None)
        assert first_due(spec, start, MODEL) == MODEL.add_working_seconds(start, seconds)
