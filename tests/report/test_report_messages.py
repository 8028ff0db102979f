"""Numbers, shares and durations as a Russian or English reader expects them."""

from __future__ import annotations

import string

import pytest

from crmflow.report.messages import MESSAGES, NBSP, format_duration, format_number, format_percent, t


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


@pytest.mark.parametrize(
    ("value", "lang", "digits", "expected"),
    [
        (1234567, "ru", 0, "1 234 567"),
        (1234567, "en", 0, "1,234,567"),
        (1234.5, "ru", 1, "1 234,5"),
        (1234.5, "en", 2, "1,234.50"),
        (-42, "ru", 0, "−42"),
        (None, "en", 0, "—"),
        (float("nan"), "ru", 0, "—"),
    ],
)
def test_format_number(value, lang, digits, expected):
    assert plain(format_number(value, lang, digits=digits)) == expected


@pytest.mark.parametrize(
    ("seconds", "ru", "en"),
    [
        (0, "0 с", "0 s"),
        (45, "45 с", "45 s"),
        (900, "15 мин", "15 min"),
        (3_600, "1 ч", "1h"),
        (15_600, "4 ч 20 мин", "4h 20m"),
        (86_400, "1 календарный день", "1 calendar day"),
        (187_200, "2 календарных дня 4 ч", "2 calendar days 4h"),
        (3 * 86_400 - 600, "3 календарных дня", "3 calendar days"),  # 2 d 23 h 50 min rounds to whole hours
        (86_399, "1 календарный день", "1 calendar day"),
        (-900, "−15 мин", "−15 min"),
        (400 * 86_400, "400 календарных дней", "400 calendar days"),
        (5 * 86_400, "5 календарных дней", "5 calendar days"),
        (21 * 86_400, "21 календарный день", "21 calendar days"),
        (None, "—", "—"),
    ],
)
def test_format_duration(seconds, ru, en):
    assert plain(format_duration(seconds, "ru")) == ru
    assert plain(format_duration(seconds, "en")) == en


def test_duration_never_breaks_across_lines():
    assert " " not in format_duration(187_200, "ru")


@pytest.mark.parametrize(
    ("seconds", "ru", "en"),
    [
        (600, "10 мин", "10 min"),
        (36_000, "1 рабочий день", "1 working day"),  # a 10-hour working day (09:00–19:00)
        (101_355, "2 рабочих дня 8 ч", "2 working days 8h"),
        (180_000, "5 рабочих дней", "5 working days"),
        (-72_000, "−2 рабочих дня", "−2 working days"),
    ],
)
def test_working_time_is_written_in_working_days_of_its_calendar(seconds, ru, en):
    assert plain(format_duration(seconds, "ru", basis="working", day_s=36_000)) == ru
    assert plain(format_duration(seconds, "en", basis="working", day_s=36_000)) == en
    # without the length of its working day, working time stays in hours: never a 24-hour "day"
    assert plain(format_duration(101_355, "ru", basis="working")) == "28 ч"


@pytest.mark.parametrize(
    ("share", "ru", "en"),
    [(0.931, "93,1 %", "93.1%"), (0.5, "50 %", "50%"), (1.0, "100 %", "100%"), (None, "—", "—")],
)
def test_format_percent(share, ru, en):
    assert plain(format_percent(share, "ru")) == ru
    assert format_percent(share, "en") == en


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_catalogue_entry_is_complete(key):
    entry = MESSAGES[key]
    assert entry.get("ru", "").strip() and entry.get("en", "").strip()
    assert _fields(entry["ru"]) == _fields(entry["en"]), key


def test_t_formats_in_language():
    assert t("report.shown_of", "ru", shown=3, total=10) == "показано 3 из 10"
    assert t("report.shown_of", "en", shown=3, total=10) == "showing 3 of 10"
