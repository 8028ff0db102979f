"""How each language writes numbers, shares and durations — in one place for every stage.

Russian: a no-break space between thousands, a decimal comma, ``2 д 4 ч``; English: ``1,234.5``,
``2d 4h``. The report, the quality page, the deliverables and the CLI use :func:`format_number`,
:func:`format_percent` and :func:`format_duration`; finding titles use the compact one-unit forms
(:func:`format_duration_compact`, :func:`format_share_compact`: ``1.5 h``, ``25.6%``).

>>> [format_duration(187_200, lang).replace(NBSP, " ") for lang in ("ru", "en")]
['2 д 4 ч', '2d 4h']
>>> format_number(1234567.5, "ru", digits=1)
'1\\xa0234\\xa0567,5'
"""

from __future__ import annotations

import math

from babel.numbers import get_currency_symbol

from crmflow.i18n import MISSING as MISSING  # re-exported: what the report shows for a missing value
from crmflow.i18n import NBSP as NBSP
from crmflow.i18n import number, percent

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


def format_percent(share: float | None, lang: str, *, digits: int = 1) -> str:
    """Write a share (0.931) as a percentage (``93,1 %`` / ``93.1%``).

    Trailing ``,0``/``.0`` is dropped so whole percentages read cleanly.

    >>> format_percent(0.931, "ru"), format_percent(0.5, "en")
    ('93,1\\xa0%', '50%')
    """
    return percent(share, lang, digits=digits)


def format_duration(seconds: float | int | None, lang: str) -> str:
    """Write a duration humanely in the two largest units (``3 д 4 ч``, ``15 мин``, ``3d 4h``).

    The value is rounded to the smaller of the two units shown; ``None`` gives :data:`MISSING`.

    Examples
    --------
    >>> format_duration(900, "en"), format_duration(900, "ru"), format_duration(15_600, "en")
    ('15\\xa0min', '15\\xa0мин', '4h\\xa020m')
    >>> format_duration(0.4, "en")
    '0\\xa0s'
    """
    if seconds is None or (isinstance(seconds, float) and not math.isfinite(seconds)):
        return MISSING
    sign = "−" if seconds < 0 else ""
    total = abs(float(seconds))
    if total < 60:
        return sign + _unit("s", round(total), lang)
    if total < 3_600:
        return sign + _unit("min", round(total / 60), lang)
    if total < 86_400:
        minutes = round(total / 60)
        hours, minutes = divmod(minutes, 60)
        if hours >= 24:
            return sign + _unit("d", 1, lang)
        return sign + _join([("h", hours), ("m", minutes)], lang)
    hours = round(total / 3_600)
    days, hours = divmod(hours, 24)
    return sign + _join([("d", days), ("h", hours)], lang)


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


def format_duration_compact(seconds: float | None, lang: str) -> str:
    """A duration in the largest unit that keeps it at least 1, as finding titles write it.

    >>> format_duration_compact(5400, "en"), format_duration_compact(3 * 86400, "ru")
    ('1.5 h', '3 дн')
    """
    if seconds is None:
        return "—"
    units = _COMPACT_UNITS.get(lang, _COMPACT_UNITS["en"])
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
