"""Russian and English text for everything a person reads.

Each part of crmflow keeps its own catalogue ``{key: {"en": ..., "ru": ...}}`` next to the code that
uses it; :func:`text` looks a key up and formats it.

>>> text({"hi": {"en": "Hello, {name}", "ru": "Привет, {name}"}}, "hi", "ru", name="Мир")
'Привет, Мир'
"""

from __future__ import annotations

from typing import Literal

from crmflow.errors import CrmflowError

Lang = Literal["ru", "en"]
LANGS: tuple[Lang, ...] = ("ru", "en")


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise CrmflowError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return lang  # type: ignore[return-value]


def text(catalog: dict[str, dict[str, str]], key: str, lang: str, /, **kwargs: object) -> str:
    """The text for ``key`` in ``lang`` (English if missing), formatted with ``kwargs``."""
    entry = catalog[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**kwargs) if kwargs else template
