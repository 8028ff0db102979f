"""How each language writes numbers, shares and durations — in one place for every stage.

Russian: a no-break space between thousands, a decimal comma; English: ``1,234.5``. The report, the
quality page, the deliverables and the CLI use :func:`format_number`, :func:`format_percent` and
:func:`format_duration`; finding titles use the compact one-unit forms (:func:`format_duration_compact`,
:func:`format_share_compact`: ``1.5 h``, ``25.6%``).

A day is never a bare ``d``: a duration of a day or more says which day it counts — a calendar day
(24 hours of elapsed time, the default) or a working day of the calendar (``basis="working"`` with
the working day's length, e.g. 10 hours for 09:00–19:00); plurals by the language's rules (Babel).

>>> [format_duration(187_200, lang).replace(NBSP, " ") for lang in ("ru", "en")]
['2 календарных дня 4 ч', '2 calendar days 4h']
>>> format_duration(101_355, "ru", basis="working", day_s=36_000).replace(NBSP, " ")
'2 рабочих дня 8 ч'
>>> format_number(1234567.5, "ru", digits=1)
'1\\xa0234\\xa0567,5'
"""

from __future__ import annotations

import math
from typing import Literal

from babel.numbers import get_currency_symbol

from crmflow.i18n import MISSING as MISSING  # re-exported: what the report shows for a missing value
from crmflow.i18n import NBSP as NBSP
from crmflow.i18n import number, percent, plural

#: What a day of a duration counts: elapsed (calendar) time or the working time of a calendar.
Basis = Literal["calendar", "working"]
#: The words of a day, per basis: Russian *one|few|many|other* (other: fractions), English *one|other*.
DAY_WORDS: dict[str, dict[str, str]] = {
    "calendar": {
        "ru": "календарный день|календарных дня|календарных дней|календарного дня",
        "en": "calendar day|calendar days",
    },
    "working": {"ru": "рабочий день|рабочих дня|рабочих дней|рабочего дня", "en": "working day|working days"},
}

_UNITS = {
    # name: (seconds, ru, en)
    "d": (86_400, "{n}" + NBSP + "д", "{n}d"),
    "h": (3_600, "{n}" + NBSP + "ч", "{n}h"),
    "min": (60, "{n}" + NBSP + "мин", "{n}" + NBSP + "min"),
    "m": (60, "{n}" + NBSP + "мин", "{n}m"),
    "s": (1, "{n}" + NBSP + "с", "{n}" + NBSP + "s"),
}


def format_number(value: float | int | None, lang: str, *, digits: int = 0) -> str:
    """Write a number with the language's thousands separator and decimal mark (Babel, CLDR rules).

    Parameters
    ----------
    value
        The number; ``None`` or NaN gives :data:`MISSING`.
    lang
        ``"ru"`` (no-break space between thousands, decimal comma) or ``"en"``.
    digits
        Digits after the decimal mark.

    Examples
    --------
    >>> format_number(12345, "en"), format_number(0.25, "ru", digits=2)
    ('12,345', '0,25')
    """
    return number(value, lang, digits=digits)


def format_significant(value: float | int | None, lang: str, *, significant: int = 3) -> str:
    """A number to ``significant`` digits (as ``{:.3g}``, never in exponent form), the language's way;
    trailing zeros after the decimal mark are dropped.

    >>> format_significant(2.3456, "ru"), format_significant(0.01234, "en"), format_significant(12345.6, "en")
    ('2,35', '0.0123', '12,346')
    >>> format_significant(2.5, "en"), format_significant(0, "ru"), format_significant(None, "en")
    ('2.5', '0', '—')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return number(value, lang)
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    out = number(value, lang, digits=max(0, significant - 1 - magnitude))
    mark = "," if lang == "ru" else "."
    return out.rstrip("0").rstrip(mark) if mark in out else out


def format_percent(share: float | None, lang: str, *, digits: int = 1) -> str:
    """Write a share (0.931) as a percentage (``93,1 %`` / ``93.1%``).

    Trailing ``,0``/``.0`` is dropped so whole percentages read cleanly.

    >>> format_percent(0.931, "ru"), format_percent(0.5, "en")
    ('93,1\\xa0%', '50%')
    """
    return percent(share, lang, digits=digits)


def format_duration(seconds: float | int | None, lang: str, *, basis: Basis = "calendar", day_s: float | None = None) -> str:
    """Write a duration humanely in the two largest units (``3 календарных дня 4 ч``, ``15 мин``).

    The value is rounded to the smaller of the two units shown; ``None`` gives :data:`MISSING`.
    ``basis`` says what the seconds are: elapsed time (``calendar``, days of 24 hours) or working
    time (``working``: days of ``day_s`` seconds, the calendar's working day; without it, hours only).

    Examples
    --------
    >>> format_duration(900, "en"), format_duration(900, "ru"), format_duration(15_600, "en")
    ('15\xa0min', '15\xa0мин', '4h\xa020m')
    >>> format_duration(0.4, "en")
    '0\xa0s'
    >>> format_duration(86_400 * 5, "ru").replace(NBSP, " "), format_duration(36_000, "en", basis="working", day_s=36_000)
    ('5 календарных дней', '1\xa0working\xa0day')
    >>> format_duration(100_800, "ru", basis="working").replace(NBSP, " ")  # the working day unknown: hours
    '28 ч'
    """
    if seconds is None or (isinstance(seconds, float) and not math.isfinite(seconds)):
        return MISSING
    sign = "−" if seconds < 0 else ""
    total = abs(float(seconds))
    day = float(day_s) if day_s else (86_400.0 if basis == "calendar" else math.inf)
    if total < 60:
        return sign + _unit("s", round(total), lang)
    if total < 3_600:
        return sign + _unit("min", round(total / 60), lang)
    if total < day:
        minutes = round(total / 60)
        hours, minutes = divmod(minutes, 60)
        if hours * 3_600 >= day:
            return sign + _days(1, lang, basis)
        if hours >= 24 and basis == "working":  # hours of working time, the length of its day unknown
            return sign + _unit("h", hours + round(minutes / 60), lang)
        return sign + _join([("h", hours), ("m", minutes)], lang)
    hours = round(total / 3_600)
    day_hours = day / 3_600
    days = int(hours // day_hours)
    rest = round(hours - days * day_hours)
    if rest >= day_hours:
        days, rest = days + 1, 0
    parts = [_days(days, lang, basis)]
    if rest:
        parts.append(_unit("h", rest, lang))
    return sign + NBSP.join(parts)


def _days(n: float, lang: str, basis: Basis) -> str:
    """``2 рабочих дня``, ``1,5 calendar days``: the number and the day's words by the plural rules."""
    words = DAY_WORDS[basis]["ru" if lang == "ru" else "en"]
    shown = number(n, lang, digits=0) if float(n).is_integer() else _one_decimal(n, lang)
    return f"{shown}{NBSP}{plural(n, lang, words).replace(' ', NBSP)}"  # a duration never breaks across lines


def _unit(name: str, n: int, lang: str) -> str:
    _, ru, en = _UNITS[name]
    return (ru if lang == "ru" else en).format(n=format_number(n, lang))


def _join(parts: list[tuple[str, int]], lang: str) -> str:
    return NBSP.join(_unit(name, n, lang) for name, n in parts if n)


_COMPACT_UNITS = {
    "en": (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)),
    "ru": (("дн", 86400), ("ч", 3600), ("мин", 60), ("с", 1)),
}


def _compact_number(x: float, lang: str) -> str:
    return number(x, lang, digits=0) if abs(x) >= 100 or float(x).is_integer() else _one_decimal(x, lang)


def _one_decimal(x: float, lang: str) -> str:
    out = number(x, lang, digits=1)
    return out[:-2] if out.endswith((",0", ".0")) else out


def format_duration_compact(seconds: float | None, lang: str, *, basis: Basis = "calendar", day_s: float | None = None) -> str:
    """A duration in the largest unit that keeps it at least 1, as finding titles write it.

    Days say which day they count (``basis`` and ``day_s`` as in :func:`format_duration`).

    >>> format_duration_compact(5400, "en"), format_duration_compact(3 * 86400, "ru").replace(NBSP, " ")
    ('1.5 h', '3 календарных дня')
    >>> format_duration_compact(1.6 * 86400, "ru").replace(NBSP, " ")
    '1,6 календарного дня'
    >>> format_duration_compact(72_000, "en", basis="working", day_s=36_000).replace(NBSP, " ")
    '2 working days'
    """
    if seconds is None:
        return "—"
    day = float(day_s) if day_s else (86_400.0 if basis == "calendar" else math.inf)
    if abs(seconds) >= day:
        x = seconds / day
        n = round(x) if abs(x) >= 100 else round(x, 1)
        return ("−" if n < 0 else "") + _days(abs(n), lang, basis)
    units = _COMPACT_UNITS.get(lang, _COMPACT_UNITS["en"])[1:]
    for name, size in units:
        if abs(seconds) >= size:
            return f"{_compact_number(seconds / size, lang)} {name}"
    return f"0 {units[-1][0]}"


def format_share_compact(share: float | None, lang: str) -> str:
    """A share as a percentage, as finding titles write it (``25.6%``; Russian ``25,6 %``).

    >>> format_share_compact(0.256, "en"), format_share_compact(0.256, "ru")
    ('25.6%', '25,6 %')
    """
    if share is None:
        return MISSING
    return percent(share, lang).replace(NBSP, " ")  # titles are plain text: an ordinary space, as the units


def currency_symbol(code: str, lang: str) -> str:
    """How the language writes a currency after an amount (CLDR, Babel): ``₽`` in Russian, ``RUB`` in English.

    An unknown or empty code is kept as written (:data:`MISSING` when empty).

    >>> currency_symbol("RUB", "ru"), currency_symbol("RUB", "en"), currency_symbol("USD", "ru")
    ('₽', 'RUB', '$')
    """
    if not code:
        return MISSING
    return str(get_currency_symbol(code.upper(), locale="ru" if lang == "ru" else "en"))
