"""Cyrillic → Latin transliteration and a phonetic *name key* on which spellings of one name meet.

Record linkage compares names typed by different people in different alphabets: «Щербаков»,
"Shcherbakov" (ICAO 9303), "Scherbakov" (German-style), "Ŝerbakov" (GOST 7.79 A) and "Shherbakov"
(GOST 7.79 B) are one surname; «Юлия», "Yulia", "Iuliia" and "Julija" are one first name.

:func:`transliterate` spells Cyrillic text in Latin letters (GOST 7.79-2000 system B, without
apostrophes for the soft and hard signs) and leaves Latin text as it is. :func:`name_key` then folds
both into one phonetic key:

* the sibilant and hushing digraphs (``shch``/``sch``/``shh``/``sh``, ``ch``/``tch``, ``zh``,
  ``kh``, ``ts``/``tz``/``cz``) become single letters, so every system's spelling of Щ, Ш, Ч, Ж, Х, Ц
  ends up the same;
* iotated vowels and ``й``/``ы`` fold onto ``i`` (``ya``/``ia``/``ja`` → ``ia``, ``yu``/``iu``/``ju`` →
  ``iu``, ``yo``/``jo``/``ё`` → ``e`` but ``io`` after a vowel — *Mayorov* is Майоров —, ``ye``/``je``
  → ``e``, ``y``/``j`` → ``i``), ``x`` → ``ks``,
  ``w`` → ``v``, ``ph`` → ``f``, ``ck`` → ``k``;
* doubled letters collapse (``Iuliia`` → ``iulia``, ``Yurii`` → ``iuri``) and anything that is not a
  letter is dropped.

The key is deliberately lossy (Ш and Щ meet) — it is a comparison key, never shown to people.

>>> transliterate("Щербаков Юлия")
'Shherbakov Yuliya'
>>> name_key("Щербаков") == name_key("Shcherbakov") == name_key("Scherbakov")
True
>>> name_key("Юлия") == name_key("Yulia") == name_key("Iuliia")
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["company_key", "name_key", "transliterate"]

# GOST 7.79-2000 system B, soft/hard signs dropped (how names are typed in practice).
_GOST_B = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "cz", "ч": "ch", "ш": "sh", "щ": "shh",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Ukrainian/Belarusian letters that appear in Russian CRMs
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
}  # fmt: skip

# Cyrillic for the key: chosen so that the folding below meets every Latin system half-way.
_KEY_CYR = {**_GOST_B, "й": "i", "х": "h", "ц": "c", "ы": "i", "ё": "e", "щ": "S", "ш": "S",
            "ч": "C", "ж": "Z"}  # fmt: skip

# Latin foldings, longest first; upper-case letters are placeholders for one Cyrillic sound.
_LATIN_FOLDS: tuple[tuple[str, str], ...] = (
    ("shch", "S"),
    ("sch", "S"),
    ("shh", "S"),
    ("sh", "S"),
    ("ŝ", "S"),
    ("š", "S"),
    ("tch", "C"),
    ("ch", "C"),
    ("č", "C"),
    ("zh", "Z"),
    ("ž", "Z"),
    ("kh", "h"),
    ("tz", "c"),
    ("ts", "c"),
    ("cz", "c"),
    ("ph", "f"),
    ("ck", "k"),
    ("x", "ks"),
    ("w", "v"),
    ("q", "k"),
    ("yo", "e"),
    ("jo", "e"),
    ("ye", "e"),
    ("je", "e"),
    ("ja", "ia"),
    ("ju", "iu"),
    ("y", "i"),
    ("j", "i"),
    ("'", ""),
    ("ʹ", ""),
    ("ʺ", ""),
)
_FOLD_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN_FOLDS))
_FOLD_MAP = dict(_LATIN_FOLDS)
_NOT_LETTER = re.compile(r"[^a-zA-Z]+")
_DOUBLE = re.compile(r"(.)\1+")
# After folding, x/w/q/j/y no longer occur: they name the hushing sounds in the key.
_PLACEHOLDERS = str.maketrans({"S": "w", "C": "q", "Z": "x"})
_AFTER_VOWEL_YO = re.compile(r"(?<=[aeiouy])[yj]o")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _translate(text: str, table: dict[str, str]) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        rep = table.get(low)
        if rep is None:
            out.append(ch)
        elif ch != low and rep:
            out.append(rep[0].upper() + rep[1:])
        else:
            out.append(rep)
    return "".join(out)


def transliterate(text: str) -> str:
    """Spell Cyrillic text in Latin letters (GOST 7.79-2000 B, no sign apostrophes).

    Latin letters, digits and punctuation are kept.

    >>> transliterate("Хабибуллин Фёдор")
    'Xabibullin Fyodor'
    """
    return _translate(text, _GOST_B)


def _strip_accents(text: str) -> str:
    keep = {"ŝ", "š", "č", "ž"}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in keep:
            out.append(ch)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


@lru_cache(maxsize=200_000)
def name_key(text: str | None) -> str | None:
    """The phonetic comparison key of a name (one word or several), or ``None`` if it has no letters.

    Words are kept in their order, joined by a space.

    >>> name_key("Хабибуллин"), name_key("Khabibullin"), name_key("Habibullin")
    ('habibulin', 'habibulin', 'habibulin')
    >>> name_key("Сергей Алексеевич") == name_key("Sergei Alekseyevich")
    True
    """
    if text is None:
        return None
    words = []
    for raw in re.split(r"[\s\-_.,;/]+", text.strip().lower().replace("ё", "е")):
        if not raw:
            continue
        if _CYRILLIC.search(raw):
            word = "".join(_KEY_CYR.get(c, c) for c in raw)
        else:  # after a vowel, "yo"/"jo" is й + о (Mayorov), elsewhere ё (Fyodor)
            word = _AFTER_VOWEL_YO.sub("io", _strip_accents(raw))
        word = _FOLD_RE.sub(lambda m: _FOLD_MAP[m.group(0)], word)
        word = _NOT_LETTER.sub("", word)
        word = _DOUBLE.sub(r"\1", word.translate(_PLACEHOLDERS))
        if word:
            words.append(word)
    return " ".join(words) or None


_LEGAL_FORMS = re.compile(
    r"\b(ооо|оао|зао|пао|нао|ао|ип|нко|ано|чоп|гуп|муп|фгуп|тоо|"
    r"общество с ограниченной ответственностью|акционерное общество|индивидуальный предприниматель|"
    r"llc|ltd|inc|corp|gmbh|ooo|oao|zao|pao|ao|ip|co)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=200_000)
def company_key(text: str | None) -> str | None:
    """The comparison key of a company name: legal forms and quotes removed, then :func:`name_key`.

    >>> company_key('ООО «Ромашка»') == company_key('"Romashka" LLC') == company_key("ромашка, ооо")
    True
    """
    if text is None:
        return None
    cleaned = re.sub(r"[«»\"'“”„`]", " ", text)
    cleaned = _LEGAL_FORMS.sub(" ", cleaned)
    return name_key(cleaned)
