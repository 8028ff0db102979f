"""Durations, read once for the whole of crmflow: ISO 8601 (``PT10M``) and short forms (``1h30m``).

BPMN timers (:mod:`crmflow.bpmn.timers`) accept strict ISO 8601 only; audit rules
(:mod:`crmflow.findings.rules`) and To-Be definitions (:mod:`crmflow.design`) also accept the short
forms ``45s``, ``10m``, ``2h``, ``1d``, ``2w`` and combinations (``1h 30m``). Both end in one
:class:`Duration` whose years and months are calendar units; :meth:`Duration.length` counts a day as
``day_s`` seconds so a working-time SLA can count ``1d`` as one working day.

>>> parse_duration("1h30m").length()
5400.0
>>> parse_duration("P1DT2H", short=False)
Duration(years=0.0, months=0.0, weeks=0.0, days=1.0, hours=2.0, minutes=0.0, seconds=0.0)
>>> iso_duration(5400), iso_duration(93600), iso_duration(0)
('PT1H30M', 'P1DT2H', 'PT0S')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from crmflow.errors import DurationError

DAY_SECONDS = 86400
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_ISO = re.compile(
    rf"P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
)
_SHORT = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])", re.IGNORECASE)
_SHORT_FIELD = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
ISO_EXPECTED = "expected e.g. PT10M, P1DT2H or P2W"
SHORT_EXPECTED = "expected a duration such as 45s, 10m, 2h, 1d, 1h30m or ISO 8601 PT10M / P30D"

#: The errors of this module in English and Russian (plain ``str.format``: this module sits beside i18n).
_TEXT: dict[str, dict[str, str]] = {
    "no_fixed_length": {
        "en": "a duration with years or months has no fixed length (expected weeks, days or less)",
        "ru": "у длительности с годами или месяцами нет точной длины (ожидались недели, дни или меньше)",
    },
    "fraction": {
        "en": "{text!r}: only the last component of a duration may have a fraction (e.g. PT1H30M, not PT1.5H30M)",
        "ru": "{text!r}: дробной может быть только последняя часть длительности (например, `PT1H30M`, а не `PT1.5H30M`)",
    },
    "not_iso": {
        "en": "{text!r} is not an ISO 8601 duration (" + ISO_EXPECTED + ")",
        "ru": "{text!r} — не длительность ISO 8601 (ожидалось, например, `PT10M`, `P1DT2H` или `P2W`)",
    },
    "not_duration": {
        "en": "cannot read {text!r} as a duration (" + SHORT_EXPECTED + ")",
        "ru": "не удалось прочитать {text!r} как длительность (ожидалось, например, `45s`, `10m`, `2h`, `1d`, `1h30m` "
        "или ISO 8601 `PT10M` / `P30D`)",
    },
    "negative": {
        "en": "a duration cannot be negative (got {seconds} s)",
        "ru": "длительность не может быть отрицательной (получено {seconds} с)",
    },
}


@dataclass(frozen=True)
class Duration:
    """A duration by components; years and months are calendar units, the rest are fixed."""

    years: float = 0.0
    months: float = 0.0
    weeks: float = 0.0
    days: float = 0.0
    hours: float = 0.0
    minutes: float = 0.0
    seconds: float = 0.0

    @property
    def is_calendar(self) -> bool:
        """Whether the length depends on the calendar (it has years or months)."""
        return bool(self.years or self.months)

    def total_seconds(self, *, days_per_month: float = 30.0, days_per_year: float = 365.0) -> float:
        """The length in seconds, counting a month and a year as the given number of days."""
        days = self.years * days_per_year + self.months * days_per_month + self.weeks * 7 + self.days
        return days * DAY_SECONDS + self.hours * 3600 + self.minutes * 60 + self.seconds

    def to_timedelta(self) -> timedelta:
        """The exact length.

        Raises
        ------
        DurationError
            If the duration has years or months (no fixed length).
        """
        if self.is_calendar:
            raise DurationError.localized(_TEXT, "no_fixed_length")
        return timedelta(seconds=self.total_seconds())

    def length(self, *, day_s: float = DAY_SECONDS, week_s: float | None = None) -> float:
        """Seconds, with a day of ``day_s`` and a week of ``week_s`` (default seven days).

        Working-time rules pass the working day (``09:00-18:00``: 32,400 s) and the working week.

        Raises
        ------
        DurationError
            If the duration has years or months.
        """
        if self.is_calendar:
            raise DurationError.localized(_TEXT, "no_fixed_length")
        week = 7 * day_s if week_s is None else week_s
        return self.weeks * week + self.days * day_s + self.hours * 3600 + self.minutes * 60 + self.seconds


def parse_duration(text: str, *, short: bool = True) -> Duration:
    """Read an ISO 8601 duration (``PT10M``, ``P1DT2H``, ``PT1.5H``) or, with ``short``, ``1h30m``.

    With ``short=False`` only strict ISO 8601 is accepted (upper-case designators), as BPMN asks;
    otherwise lower-case ISO (``pt45s``) and short forms are read too.

    Raises
    ------
    DurationError
        If the text is not a duration; the message says what was expected.
    """
    value = text.strip()
    iso = value if not short else value.upper()
    if iso.startswith("P"):
        match = _ISO.fullmatch(iso)
        if match is not None:
            parts = match.groups()
            present = [i for i, p in enumerate(parts) if p is not None]
            if any(("." in parts[i] or "," in parts[i]) for i in present[:-1]):
                raise DurationError.localized(_TEXT, "fraction", text=text)
            return Duration(*(float(p.replace(",", ".")) if p is not None else 0.0 for p in parts))
    if not short:
        raise DurationError.localized(_TEXT, "not_iso", text=text)
    compact = value.replace(" ", "")
    matches = list(_SHORT.finditer(compact))
    if not compact or "".join(m.group(0) for m in matches) != compact:
        raise DurationError.localized(_TEXT, "not_duration", text=text)
    values: dict[str, float] = {}
    for m in matches:
        name = _SHORT_FIELD[m.group(2).lower()]
        values[name] = values.get(name, 0.0) + float(m.group(1))
    return Duration(**values)


def iso_duration(seconds: float) -> str:
    """The ISO 8601 form of a number of seconds, with days of 24 hours (``PT1H30M``, ``P1DT2H``).

    Raises
    ------
    DurationError
        If ``seconds`` is negative.
    """
    if seconds < 0:
        raise DurationError.localized(_TEXT, "negative", seconds=seconds)
    whole = int(seconds)
    days, rest = divmod(whole, DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    frac = seconds - whole
    out = "P" + (f"{days}D" if days else "")
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if secs or frac:
        time += f"{secs + frac:g}S"
    if time:
        out += "T" + time
    return out if out != "P" else "PT0S"


__all__ = ["DAY_SECONDS", "Duration", "iso_duration", "parse_duration"]
