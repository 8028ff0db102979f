"""ISO 8601 timer expressions of BPMN timer events: durations, dates and repeating cycles.

A timer event holds one of ``timeDuration`` (``PT10M``, ``P1DT2H``), ``timeDate``
(``2024-05-01T09:00:00+03:00``) or ``timeCycle`` (``R3/PT2H``, ``R/2024-05-01T09:00Z/P1D``).
SLAs in CRM processes are boundary timers, so lint checks every expression here.

>>> parse_duration("P1DT2H").to_timedelta()
datetime.timedelta(days=1, seconds=7200)
>>> c = parse_cycle("R3/PT2H")
>>> c.repetitions, c.interval.total_seconds()
(3, 7200.0)
>>> timer_problem("timeDuration", "10 minutes")
"timeDuration '10 minutes' is not an ISO 8601 duration (expected e.g. PT10M, P1DT2H or P2W)"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from crmflow import durations
from crmflow.bpmn.error_messages import ERRORS
from crmflow.bpmn.model import BpmnError, TimerKind
from crmflow.durations import Duration  # re-exported: timers return it
from crmflow.errors import DurationError
from crmflow.i18n import error

_DYNAMIC = re.compile(r"[$#]\{")


@dataclass(frozen=True)
class Cycle:
    """A repeating interval ``R[n]/…``; ``repetitions`` is None when unbounded."""

    repetitions: int | None
    interval: Duration | None = None
    start: datetime | None = None
    end: datetime | None = None


def is_dynamic(text: str) -> bool:
    """Whether the expression is evaluated by the engine at run time (``${sla}``, ``#{due}``)."""
    return bool(_DYNAMIC.search(text))


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration such as ``PT10M``, ``P1DT2H``, ``P2W`` or ``PT1.5H``.

    Strict ISO 8601 (upper-case designators, no short forms), read by :mod:`crmflow.durations`.

    Raises
    ------
    BpmnError
        If the text is not a duration; only the last component may have a fraction.
    """
    try:
        return durations.parse_duration(text, short=False)
    except DurationError as exc:
        raise error(BpmnError, ERRORS, "timers.not_duration", cause=exc) from None


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time such as ``2024-05-01`` or ``2024-05-01T09:00:00+03:00``.

    Raises
    ------
    BpmnError
        If the text is not an ISO 8601 date-time (a space instead of ``T`` is refused).
    """
    value = text.strip()
    try:
        if " " in value:
            raise ValueError(value)
        return datetime.fromisoformat(value)
    except ValueError:
        raise error(BpmnError, ERRORS, "timers.not_iso_date_time", text=text) from None


def parse_cycle(text: str) -> Cycle:
    """Parse a repeating interval: ``R3/PT2H``, ``R/P1D``, ``R5/2024-05-01T09:00Z/PT1H``, ``R2/PT1H/2024-06-01``.

    Raises
    ------
    BpmnError
        If the text is not an ISO 8601 repeating interval (cron expressions are refused).
    """
    value = text.strip()
    head, _, rest = value.partition("/")
    if not re.fullmatch(r"R\d*", head) or not rest:
        hint = " (cron expressions are not ISO 8601)" if " " in value else ""
        raise error(BpmnError, ERRORS, "timers.not_iso_repeating_interval", text=text, hint=hint)
    repetitions = int(head[1:]) if len(head) > 1 else None
    parts = rest.split("/")
    if len(parts) == 1:
        return Cycle(repetitions, interval=parse_duration(parts[0]))
    if len(parts) != 2:
        raise error(BpmnError, ERRORS, "timers.has_too_many_parts", text=text)
    first, second = parts
    if first.startswith("P") and second.startswith("P"):
        raise error(BpmnError, ERRORS, "timers.has_two_durations_expected", text=text)
    if first.startswith("P"):
        return Cycle(repetitions, interval=parse_duration(first), end=parse_datetime(second))
    if second.startswith("P"):
        return Cycle(repetitions, interval=parse_duration(second), start=parse_datetime(first))
    return Cycle(repetitions, start=parse_datetime(first), end=parse_datetime(second))


def parse_timer(kind: TimerKind, text: str) -> Duration | datetime | Cycle:
    """Parse a timer expression as its kind asks."""
    if kind == "timeDuration":
        return parse_duration(text)
    if kind == "timeDate":
        return parse_datetime(text)
    if kind == "timeCycle":
        return parse_cycle(text)
    raise error(BpmnError, ERRORS, "timers.unknown_timer_kind_expected", kind=kind)


def timer_problem(kind: TimerKind, text: str) -> str | None:
    """What is wrong with a timer expression, or None; engine expressions (``${…}``) pass."""
    if is_dynamic(text):
        return None
    if not text.strip():
        return f"{kind} is empty (expected an ISO 8601 expression)"
    try:
        parse_timer(kind, text)
    except BpmnError as exc:
        return f"{kind} {exc}"
    return None


__all__ = [
    "Cycle",
    "Duration",
    "is_dynamic",
    "parse_cycle",
    "parse_datetime",
    "parse_duration",
    "parse_timer",
    "timer_problem",
]
