"""Bilingual texts of the To-Be definition (names, descriptions in Russian and English)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """A text in Russian and English; :meth:`get` falls back to the other language when one is empty."""

    ru: str = ""
    en: str = ""

    @classmethod
    def of(cls, value: str) -> Text:
        """The same text in both languages (names of systems, codes)."""
        return cls(ru=value, en=value)

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``"ru"`` or ``"en"``), else the other language, else ``""``."""
        first, second = (self.ru, self.en) if lang == "ru" else (self.en, self.ru)
        return first or second

    def __bool__(self) -> bool:
        return bool(self.ru or self.en)


EMPTY = Text()
