"""Russian and English text for everything a person reads.

Each part of crmflow keeps its own catalogue ``{key: {"en": ..., "ru": ...}}`` next to the code that
uses it; :func:`text` looks a key up and formats it.

>>> text({"hi": {"en": "Hello, {name}", "ru": "Привет, {name}"}}, "hi", "ru", name="Мир")
'Привет, Мир'

Numbers and plurals follow the language's rules (CLDR, through Babel) when a template asks for them
with a format spec — a catalogue never writes endings by hand:

- ``{n:n}`` — the number with the language's grouping and decimal mark (``9 551``, ``9,551``);
  ``{x:.1n}`` with one decimal (``3,5``);
- ``{n:# событие|события|событий}`` — the number and the word in the plural form the number takes
  (Russian lists the forms *one|few|many*, English *one|other*); without ``#`` only the word;
- ``{share:%}``, ``{share:.1%}`` — a share (0.931) as a percentage (``93,1 %``, ``93.1%``).

>>> m = {"k": {"en": "{n:# event|events}", "ru": "{n:# событие|события|событий}"}}
>>> [text(m, "k", "ru", n=n).replace(NBSP, " ") for n in (1, 3, 9551)]
['1 событие', '3 события', '9 551 событие']
>>> text(m, "k", "en", n=9551), text({"p": {"en": "{s:.1%}"}}, "p", "ru", s=1.0).replace(NBSP, " ")
('9,551 events', '100 %')
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from functools import cache
from typing import Any, Literal, TypeVar

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

from crmflow.errors import CrmflowError

E = TypeVar("E", bound=CrmflowError)
Lang = Literal["ru", "en"]
LANGS: tuple[Lang, ...] = ("ru", "en")
NBSP = "\u00a0"
#: What a number that is missing (None, NaN) is written as.
MISSING = "—"
_TEXT: dict[str, dict[str, str]] = {
    "unknown_lang": {
        "en": "unknown language {asked!r}: use one of {langs}",
        "ru": "неизвестный язык {asked!r}: укажите один из {langs}",
    },
}
#: CLDR plural categories in the order a catalogue lists a word's forms.
_CATEGORY_ORDER = ("zero", "one", "two", "few", "many", "other")


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise error(CrmflowError, _TEXT, "unknown_lang", asked=lang, langs=", ".join(LANGS))
    return lang  # type: ignore[return-value]


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse("ru" if lang == "ru" else "en")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def number(value: float | int | None, lang: str, *, digits: int = 0) -> str:
    """A number as the language writes it (Babel/CLDR): grouping, decimal mark, a true minus sign.

    >>> number(1234567.5, "ru", digits=1), number(-3, "en")
    ('1\\xa0234\\xa0567,5', '−3')
    """
    if _missing(value):
        return MISSING
    assert value is not None
    out = _number_pattern(digits).apply(value, _locale(lang))
    return out.replace("-", "−")


@cache
def _number_pattern(digits: int) -> NumberPattern:
    """The pattern ``#,##0[.0…]`` parsed once (``format_decimal`` parsed it on every call: 37 µs of each number)."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


@cache
def _percent_pattern(lang: str, low: int, high: int) -> NumberPattern:
    pattern = parse_pattern(_locale(lang).percent_formats[None].pattern)
    pattern.frac_prec = (low, high)
    return pattern


def percent(share: float | None, lang: str, *, digits: int = 1) -> str:
    """A share (0.931) as a percentage the language's way (``93,1 %`` / ``93.1%``); a trailing zero of
    one decimal is dropped (``50 %``).

    >>> percent(0.931, "ru"), percent(0.5, "en"), percent(0.5, "en", digits=2)
    ('93,1\\xa0%', '50%', '50.00%')
    """
    if _missing(share):
        return MISSING
    assert share is not None
    low = 0 if digits == 1 else digits
    return _percent_pattern(lang, low, digits).apply(share, _locale(lang)).replace("-", "−")


def plural(n: float | int, lang: str, forms: str | tuple[str, ...]) -> str:
    """The form of a word that goes with ``n`` (CLDR plural rules through Babel).

    ``forms`` lists the language's categories in CLDR order, ``|``-separated: Russian *one|few|many*
    (a fourth, *other*, for fractions defaults to the *few* form), English *one|other*.

    >>> [plural(n, "ru", "случай|случая|случаев") for n in (1, 2, 5, 11, 21, 1.5)]
    ['случай', 'случая', 'случаев', 'случаев', 'случай', 'случая']
    >>> plural(1, "en", "case|cases"), plural(0, "en", "case|cases")
    ('case', 'cases')
    """
    words = forms.split("|") if isinstance(forms, str) else list(forms)
    rule = _locale(lang).plural_form
    categories = [c for c in _CATEGORY_ORDER if c in rule.tags or c == "other"]
    category = rule(abs(n))
    if category in categories[: len(words)]:
        return words[categories.index(category)]
    if category == "other" and lang == "ru" and len(words) >= 2:
        return words[1]
    return words[-1]


def count(n: int, lang: str, forms: str) -> str:
    """A number and the word in the form it takes: ``9 551 событие``, ``1 case``.

    >>> count(2, "ru", "случай|случая|случаев").replace(NBSP, " "), count(1500, "en", "case|cases")
    ('2 случая', '1,500 cases')
    """
    return f"{number(n, lang)} {plural(n, lang, forms)}"


class _Formatter(string.Formatter):
    """``str.format`` with the number and plural specs of the module docstring."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec or isinstance(value, str):
            return super().format_field(value, format_spec)
        if "|" in format_spec:
            if format_spec.startswith("#"):
                return f"{number(value, self.lang)} {plural(value, self.lang, format_spec[1:].strip())}"
            return plural(value, self.lang, format_spec)
        if format_spec.endswith("n") and (format_spec == "n" or format_spec[:1] == "."):
            return number(value, self.lang, digits=int(format_spec[1:-1] or 0))
        if format_spec.endswith("%") and (format_spec == "%" or format_spec[:1] == "."):
            return percent(value, self.lang, digits=int(format_spec[1:-1] or 1))
        return super().format_field(value, format_spec)


def error(cls: type[E], catalog: dict[str, dict[str, str]], key: str, /, lang: str = "en", **params: object) -> E:
    """An exception of ``cls`` that carries ``key`` of ``catalog`` and its typed ``params``, worded in the
    language of whoever shows it (:meth:`CrmflowError.in_language`); ``str`` is the message in ``lang``.

    A parameter that is itself an error or a :class:`Phrase` is worded in the same language.

    >>> e = error(CrmflowError, {"k": {"en": "no {f} at line {n:n}", "ru": "нет {f} в строке {n:n}"}}, "k", f="a.csv", n=1200)
    >>> str(e), e.in_language("ru").replace(NBSP, " "), e.key, e.params["n"]
    ('no a.csv at line 1,200', 'нет a.csv в строке 1 200', 'k', 1200)
    """
    exc = cls(_worded(catalog, key, lang, params))
    return exc.worded(key, params, lambda shown: _worded(catalog, key, shown, params))


def localize(exc: E, catalog: dict[str, dict[str, str]], key: str, /, **params: object) -> E:
    """``exc`` (raised with its own arguments, e.g. an HTTP status) worded from ``key`` and ``params`` when shown."""
    return exc.worded(key, params, lambda shown: _worded(catalog, key, shown, params))


def _worded(catalog: dict[str, dict[str, str]], key: str, lang: str, params: dict[str, object]) -> str:
    shown = {k: (v.in_language(lang) if isinstance(v, CrmflowError | Phrase) else v) for k, v in params.items()}
    return text(catalog, key, lang, **shown)


class Phrase:
    """A part of a message (``line 3: nested too deeply``) worded in the language of the message it goes into.

    >>> p = Phrase({"deep": {"en": "line {n}: nested too deeply", "ru": "строка {n}: слишком глубокая вложенность"}}, "deep", n=3)
    >>> str(p), p.in_language("ru")
    ('line 3: nested too deeply', 'строка 3: слишком глубокая вложенность')
    """

    def __init__(self, catalog: dict[str, dict[str, str]], key: str, /, **params: object) -> None:
        self.catalog, self.key, self.params = catalog, key, params
        self._render: Callable[[str], str] | None = None

    @classmethod
    def using(cls, render: Callable[[str], str]) -> Phrase:
        """A phrase ``render(lang)`` words (a list of field names, each in the language).

        >>> str(Phrase.using(lambda lang: "да" if lang == "ru" else "yes"))
        'yes'
        """
        phrase = cls({}, "")
        phrase._render = render
        return phrase

    def in_language(self, lang: str) -> str:
        if self._render is not None:
            return self._render(lang)
        return _worded(self.catalog, self.key, lang, self.params)

    def __str__(self) -> str:
        return self.in_language("en")

    def __repr__(self) -> str:
        return f"Phrase({self.key!r}, {self.params!r})"


def format_text(template: str, lang: str, /, **kwargs: object) -> str:
    """Format one template in ``lang`` with the number and plural specs (what :func:`text` does)."""
    return _Formatter(lang).format(template, **kwargs)


def text(catalog: dict[str, dict[str, str]], key: str, lang: str, /, **kwargs: object) -> str:
    """The text for ``key`` in ``lang`` (English if missing), formatted with ``kwargs``."""
    entry = catalog[key]
    template = entry.get(lang) or entry["en"]
    return format_text(template, lang, **kwargs) if kwargs else template
