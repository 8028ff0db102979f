"""Engine time: an injectable clock and the due instants of timers in working or calendar time.

A timer's due instant is computed once, when it is armed, and stored as an indexed row; nothing
sleeps. Durations in ``working`` time are added on the model's :class:`~crmflow.findings.calendar.WorkCalendar`
(working window, weekdays, RU holidays and transferred working days), so the 10 working minutes of a
lead that arrives on Friday at 17:55 (window 09:00-18:00) end on Monday at 09:05:

>>> from datetime import datetime, timezone
>>> from crmflow.engine.deploy import TimerSpec
>>> cal = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4), holidays="RU")
>>> fri = datetime(2024, 3, 1, 14, 55, tzinfo=timezone.utc)       # Fri 17:55 in Moscow
>>> first_due(TimerSpec("duration", "PT10M", "working", 600.0), fri, cal).isoformat()
'2024-03-04T06:05:00+00:00'
>>> clock = ManualClock(fri)
>>> clock.advance(60).isoformat()
'2024-03-01T14:56:00+00:00'
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from crmflow.bpmn.timers import parse_cycle, parse_datetime
from crmflow.findings.calendar import WorkCalendar

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.engine.deploy import TimerSpec


class Clock(Protocol):
    """Where the engine reads the time (tests inject :class:`ManualClock`)."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told: ``advance(seconds)`` or ``set(instant)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime(2024, 1, 1, tzinfo=UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, instant: datetime) -> datetime:
        self._now = instant.astimezone(UTC)
        return self._now


def epoch(t: datetime) -> float:
    """Seconds since the epoch of an aware instant (naive instants are UTC)."""
    return (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _add(start: datetime, seconds: float, basis: str, calendar: WorkCalendar) -> datetime:
    if basis == "working":
        return calendar.add_working_seconds(start, seconds)
    return start + timedelta(seconds=seconds)


def _aware(t: datetime, calendar: WorkCalendar) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=ZoneInfo(calendar.timezone))


def first_due(spec: TimerSpec, armed: datetime, calendar: WorkCalendar) -> datetime | None:
    """When a timer armed at ``armed`` first fires (None: a cycle with no repetition left)."""
    if spec.kind == "duration":
        return _add(armed, spec.length, spec.basis, calendar)
    if spec.kind == "date":
        return _aware(parse_datetime(spec.expression), calendar)
    cycle = parse_cycle(spec.expression)
    if cycle.repetitions == 0:
        return None
    if cycle.start is not None:
        start = _aware(cycle.start, calendar)
        due = start
        while due < armed:  # a cycle anchored in the past: the next occurrence from now
            due = _add(due, spec.length, spec.basis, calendar)
        return due
    return _add(armed, spec.length, spec.basis, calendar)


def next_due(spec: TimerSpec, previous: datetime, fired: int, calendar: WorkCalendar) -> datetime | None:
    """The next occurrence of a cycle after it fired ``fired`` times, the last at ``previous``; None when done."""
    if spec.kind != "cycle":
        return None
    cycle = parse_cycle(spec.expression)
    if cycle.repetitions is not None and fired >= cycle.repetitions:
        return None
    due = _add(previous, spec.length, spec.basis, calendar)
    if cycle.end is not None and due > _aware(cycle.end, calendar):
        return None
    return due


def monotonic() -> float:
    """A monotonic reading for measuring latencies (benchmarks)."""
    return time.monotonic()


__all__ = ["Clock", "ManualClock", "SystemClock", "epoch", "first_due", "from_epoch", "next_due"]
