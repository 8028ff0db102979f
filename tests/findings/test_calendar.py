"""Working time: weekends, nights, Russian holidays and transfers, DST, SQL == Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmflow.findings.calendar import WorkCalendar
from crmflow.store.store import EventStore

MSK = ZoneInfo("Europe/Moscow")
BER = ZoneInfo("Europe/Berlin")
OFFICE = dict(start_s=9 * 3600, end_s=19 * 3600, weekdays=(0, 1, 2, 3, 4))


def msk(*a: int) -> datetime:
    return datetime(*a, tzinfo=MSK)


@pytest.fixture
def moscow() -> WorkCalendar:
    return WorkCalendar(timezone="Europe/Moscow", holidays="RU", **OFFICE)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (msk(2024, 3, 1, 18, 50), msk(2024, 3, 4, 9, 5), 15 * 60),  # Fri evening -> Mon morning
        (msk(2024, 3, 2, 12, 0), msk(2024, 3, 4, 9, 9), 9 * 60),  # lead on Saturday
        (msk(2024, 3, 5, 20, 0), msk(2024, 3, 6, 8, 0), 0),  # a night
        (msk(2024, 3, 5, 18, 0), msk(2024, 3, 6, 10, 0), 2 * 3600),  # across a night
        (msk(2024, 3, 5, 10, 0), msk(2024, 3, 5, 10, 0), 0),
        (msk(2024, 3, 4, 9, 0), msk(2024, 3, 11, 9, 0), 4 * 10 * 3600),  # a week with 8 March off
        (msk(2024, 3, 4, 10, 0), msk(2024, 3, 4, 9, 0), -3600),  # reversed: negative
        # New Year holidays 2024-01-01..08: Fri 29 Dec 18:00 -> Tue 9 Jan 10:00 = 1 h + 1 h
        (msk(2023, 12, 29, 18, 0), msk(2024, 1, 9, 10, 0), 2 * 3600),
        # 27 Apr 2024 was a working Saturday; 29-30 Apr days off, 1 May a holiday:
        # Fri 26 Apr 18:00 -> Thu 2 May 10:00 = 1 h + 10 h (Sat) + 1 h
        (msk(2024, 4, 26, 18, 0), msk(2024, 5, 2, 10, 0), 12 * 3600),
        # 8 March (Friday) is a holiday
        (msk(2024, 3, 7, 18, 0), msk(2024, 3, 11, 10, 0), 2 * 3600),
    ],
)
def test_moscow_office_hours(moscow: WorkCalendar, start: datetime, end: datetime, expected: float) -> None:
    assert moscow.working_seconds(start, end) == expected


def test_without_holidays_the_may_days_are_working() -> None:
    cal = WorkCalendar(timezone="Europe/Moscow", **OFFICE)
    # Fri 1 h + Mon 29, Tue 30, Wed 1 May 10 h each + Thu 1 h; Saturday 27 Apr is a weekend day
    assert cal.working_seconds(msk(2024, 4, 26, 18, 0), msk(2024, 5, 2, 10, 0)) == 32 * 3600


def test_working_days_of_russia(moscow: WorkCalendar) -> None:
    d = datetime(2024, 1, 1).date()
    assert [moscow.is_working_day(d + timedelta(days=i)) for i in range(10)] == [False] * 8 + [True, True]
    assert moscow.is_working_day(datetime(2024, 4, 27).date())  # transferred working Saturday
    assert not moscow.is_working_day(datetime(2024, 4, 29).date())
    assert not moscow.is_working_day(datetime(2024, 4, 28).date())  # an ordinary Sunday


def test_berlin_offset_change_inside_a_span() -> None:
    cal = WorkCalendar(timezone="Europe/Berlin", **OFFICE)
    # Fri 29 Mar 18:00 CET -> Mon 1 Apr 10:00 CEST (clocks moved on Sunday 31 Mar)
    start, end = datetime(2024, 3, 29, 18, 0, tzinfo=BER), datetime(2024, 4, 1, 10, 0, tzinfo=BER)
    assert end.timestamp() - start.timestamp() == 63 * 3600
    assert cal.working_seconds(start, end) == 2 * 3600
    assert start.astimezone(UTC).hour == 17 and end.astimezone(UTC).hour == 8


@pytest.mark.parametrize(
    ("start", "end", "expected_h"),
    [
        ((2024, 3, 30), (2024, 4, 1), 23 + 22),  # spring: Sunday's 01:00-24:00 lasts 22 real hours
        ((2024, 10, 26), (2024, 10, 28), 23 + 24),  # autumn: Sunday's 01:00-24:00 lasts 24 real hours
    ],
)
def test_dst_day_counts_real_seconds(start: tuple, end: tuple, expected_h: int) -> None:
    cal = WorkCalendar(timezone="Europe/Berlin", start_s=3600, end_s=86400)
    assert cal.working_seconds(datetime(*start, tzinfo=BER), datetime(*end, tzinfo=BER)) == expected_h * 3600


def test_always_calendar_is_elapsed_time() -> None:
    cal = WorkCalendar()
    assert cal.always
    a, b = datetime(2024, 3, 30, tzinfo=BER), datetime(2024, 4, 1, tzinfo=BER)
    # (aware datetimes in one zone subtract as wall clocks; compare real instants)
    assert cal.working_seconds(a, b) == b.timestamp() - a.timestamp() == 47 * 3600


def _sql_working(store: EventStore, cal: WorkCalendar, pairs: list[tuple[datetime, datetime]]) -> list[float]:
    days = [cal.local_day(t) for p in pairs for t in p]
    table = cal.install(store, min(days), max(days))
    expr = table.working_seconds_sql("a", "b")
    store.sql("CREATE OR REPLACE TEMP TABLE pairs (i INTEGER, a TIMESTAMPTZ, b TIMESTAMPTZ)")
    store.con.executemany("INSERT INTO pairs VALUES (?, ?, ?)", [(i, a, b) for i, (a, b) in enumerate(pairs)])
    out = [r[0] for r in store.sql(f"SELECT {expr} FROM pairs ORDER BY i").fetchall()]
    table.drop(store)
    return out


def test_sql_matches_the_hand_computed_values(moscow: WorkCalendar) -> None:
    pairs = [
        (msk(2024, 3, 1, 18, 50), msk(2024, 3, 4, 9, 5)),
        (msk(2024, 3, 2, 12, 0), msk(2024, 3, 4, 9, 9)),
        (msk(2023, 12, 29, 18, 0), msk(2024, 1, 9, 10, 0)),
        (msk(2024, 4, 26, 18, 0), msk(2024, 5, 2, 10, 0)),
    ]
    with EventStore() as store:
        assert _sql_working(store, moscow, pairs) == [900, 540, 7200, 43200]


instants = st.datetimes(
    min_value=datetime(2023, 12, 20),
    max_value=datetime(2024, 5, 15),
    timezones=st.just(UTC),
)


@settings(max_examples=40, deadline=None)
@given(a=instants, b=instants, c=instants, tz=st.sampled_from(["Europe/Moscow", "Europe/Berlin", "UTC"]))
def test_sql_equals_python_and_is_additive(a: datetime, b: datetime, c: datetime, tz: str) -> None:
    a, b, c = sorted((a, b, c))
    cal = WorkCalendar(timezone=tz, holidays="RU", start_s=8 * 3600 + 1800, end_s=17 * 3600, weekdays=(0, 1, 2, 3, 4))
    ab, bc, ac = cal.working_seconds(a, b), cal.working_seconds(b, c), cal.working_seconds(a, c)
    assert ab + bc == pytest.approx(ac)
    assert 0 <= ab <= b.timestamp() - a.timestamp() + 1e-6
    with EventStore() as store:
        assert _sql_working(store, cal, [(a, b), (a, c)]) == pytest.approx([ab, ac])


def test_add_working_seconds_skips_nights_weekends_and_ru_holidays() -> None:
    cal = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4), holidays="RU")
    thu = datetime(2024, 3, 7, 14, 55, tzinfo=UTC)  # Thu 17:55 Moscow; Fri 8 March is a holiday
    assert cal.add_working_seconds(thu, 600) == datetime(2024, 3, 11, 6, 5, tzinfo=UTC)  # Mon 09:05
    assert cal.working_seconds(thu, cal.add_working_seconds(thu, 600)) == 600
    night = datetime(2024, 3, 11, 20, 0, tzinfo=UTC)  # Mon 23:00 Moscow
    assert cal.add_working_seconds(night, 2 * 3600) == datetime(2024, 3, 12, 8, 0, tzinfo=UTC)  # Tue 11:00
    assert cal.add_working_seconds(night, 0) == datetime(2024, 3, 12, 6, 0, tzinfo=UTC)  # the next window opens
    sat_workday = datetime(2024, 4, 27, 5, 0, tzinfo=UTC)  # a transferred working Saturday, 08:00 Moscow
    assert cal.add_working_seconds(sat_workday, 3600) == datetime(2024, 4, 27, 7, 0, tzinfo=UTC)
    assert WorkCalendar().add_working_seconds(night, 60) == datetime(2024, 3, 11, 20, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_seconds(thu, -1)


def _walk_days(cal: WorkCalendar, start: datetime, seconds: float) -> datetime:
    """A reference for add_working_seconds: walk the day table one day at a time."""
    left, t = float(seconds), start.timestamp()
    for row in cal.days(cal.local_day(start), cal.local_day(start) + timedelta(days=800)):
        begin, end = max(row.work_start, t), row.work_start + row.work_len
        if row.work_len > 0 and begin < end:
            if begin + left <= end:
                return datetime.fromtimestamp(begin + left, tz=UTC)
            left -= end - begin
    raise AssertionError("no working time")


def test_add_working_seconds_agrees_with_a_day_walk_across_years() -> None:
    import random

    rng = random.Random(12)
    cals = [
        WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4), holidays="RU"),
        WorkCalendar(timezone="Europe/Berlin", start_s=8 * 3600, end_s=17 * 3600, weekdays=(0, 1, 2, 3, 4, 5)),
    ]
    for _ in range(300):
        cal = rng.choice(cals)
        start = datetime(2023, 11, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 500 * 86400))
        seconds = rng.choice([0, 1, 600, 32400, 32401, 5 * 32400, 300 * 32400 + 7])
        assert cal.add_working_seconds(start, seconds) == _walk_days(cal, start, seconds), (cal.timezone, start, seconds)
    new_year = datetime(2024, 12, 28, 14, 55, tzinfo=UTC)  # Sat 28 Dec 2024 17:55 Moscow, a transferred working day
    assert cals[0].add_working_seconds(new_year, 600) == datetime(2025, 1, 9, 6, 5, tzinfo=UTC)  # after the New Year holidays
    with pytest.raises(ValueError, match="within 3 days"):
        cals[0].add_working_seconds(new_year, 600, max_days=3)
