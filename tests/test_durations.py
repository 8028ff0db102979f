"""One duration reader for rules, BPMN timers and To-Be definitions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmflow.durations import Duration, iso_duration, parse_duration
from crmflow.errors import DurationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m", Duration(minutes=10)),
        ("1h30m", Duration(hours=1, minutes=30)),
        ("1h 30m", Duration(hours=1, minutes=30)),
        ("2w", Duration(weeks=2)),
        ("1.5h", Duration(hours=1.5)),
        ("PT10M", Duration(minutes=10)),
        ("pt45s", Duration(seconds=45)),
        ("P1DT2H", Duration(days=1, hours=2)),
        ("P1M", Duration(months=1)),
    ],
)
def test_short_and_iso_forms(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


def test_strict_iso_refuses_short_forms_and_lower_case() -> None:
    for text in ("10m", "pt10m", "1 day"):
        with pytest.raises(DurationError, match="is not an ISO 8601 duration"):
            parse_duration(text, short=False)
    with pytest.raises(DurationError, match="only the last component"):
        parse_duration("PT1.5H30M", short=False)


@pytest.mark.parametrize("text", ["", "10", "10x", "m10", "P", "PT", "1h30", "-5m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(DurationError, match="duration"):
        parse_duration(text)


def test_lengths_with_working_days() -> None:
    assert parse_duration("1d").length(day_s=9 * 3600) == 9 * 3600
    assert parse_duration("1w").length(day_s=9 * 3600, week_s=45 * 3600) == 45 * 3600
    assert parse_duration("2h").length(day_s=9 * 3600) == 7200  # hours are always literal
    with pytest.raises(DurationError, match="no fixed length"):
        parse_duration("P1M").length()


@given(st.integers(min_value=0, max_value=10**8))
def test_iso_form_reads_back_to_the_same_length(seconds: int) -> None:
    assert parse_duration(iso_duration(seconds), short=False).length() == seconds
