"""Text in drawings: how wide a line is, and word wrapping that breaks words only where they may break.

Widths are DejaVu Sans advance widths (the first font every crmflow drawing names; Typst embeds it
in PNG/PDF), in thousandths of an em, measured from the font files with fontTools for ASCII,
Cyrillic and the punctuation crmflow writes; any other character counts as an average letter.

:func:`wrap_words` breaks lines at spaces and, where a single word is wider than the line, at a
hyphenation point of the word's language (Pyphen's dictionaries: Russian for Cyrillic words,
English otherwise), adding a hyphen; only a word with no hyphenation point that fits is cut,
which a test on real names checks never happens for ordinary words.

>>> wrap_words("Зарегистрировать обращение", 12)
['Зарегистри-', 'ровать', 'обращение']
>>> round(text_width("Новая заявка", 12), 1)
84.5
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import pyphen

_REGULAR: dict[int, str] = {
    275: "'",
    278: "ijlіїј",
    295: "IJІЇЈ",
    318: " ,.",
    337: "/:;\\|",
    352: "f",
    361: "-",
    390: "()[]",
    392: "t",
    400: "›‹",
    401: "!",
    411: "r",
    460: '"',
    500: "*_`–°",
    521: "sѕ",
    525: "zгѓ",
    531: "?",
    532: "з",
    549: "эє",
    550: "cс",
    557: "L",
    575: "F",
    579: "k",
    583: "т",
    589: "вь",
    591: "ч",
    592: "vxyухў",
    602: "я",
    603: "PР",
    604: "кќ",
    609: "ЎУ",
    610: "ЃГ",
    611: "TYТ",
    612: "oо«»",
    613: "aа",
    615: "eеѐё",
    617: "б",
    625: "ђ",
    632: "EЀЁЕ",
    634: "hnu",
    635: "SbdgpqЅр",
    636: "$0123456789{}",
    639: "л",
    641: "З",
    650: "ийѝ",
    652: "ћ",
    654: "нпџ",
    656: "K",
    681: "ц",
    684: "AVА",
    685: "XZХ",
    686: "BБВЧЬ",
    691: "д",
    695: "RЯ",
    698: "CЄСЭ",
    707: "ъ",
    710: "ЌК",
    732: "U",
    748: "NЍИЙ",
    752: "HЏЛНП",
    754: "м",
    770: "D",
    775: "G",
    776: "Ц",
    780: "&",
    781: "Д",
    786: "ЂЋ",
    787: "OQО",
    790: "ы",
    818: "w",
    833: "Ъ",
    838: "#+<=>^~×→",
    842: "ю",
    855: "ф",
    861: "Ф",
    863: "MМ",
    882: "Ы",
    898: "њ",
    901: "ж",
    902: "љ",
    915: "ш",
    942: "щ",
    950: "%",
    974: "m",
    989: "W",
    1000: "@—…",
    1040: "№",
    1045: "Њ",
    1069: "Ш",
    1077: "Ж",
    1080: "Ю",
    1094: "ЉЩ",
}
_BOLD: dict[int, str] = {
    306: "'",
    343: "ijlіїј",
    348: " ",
    365: "/\\|",
    372: "IJІЇЈ",
    380: ",.",
    400: ":;",
    412: "›‹",
    415: "-",
    435: "f",
    456: "!",
    457: "()[]",
    478: "t",
    493: "r",
    500: "_`–°",
    521: '"',
    522: "гѓ",
    523: "*",
    580: "?т",
    581: "з",
    582: "z",
    593: "cсэє",
    595: "sѕ",
    632: "ь",
    633: "в",
    637: "LЃГ",
    642: "я",
    645: "xх",
    646: "«»",
    652: "vyуў",
    665: "k",
    675: "aа",
    678: "eеѐё",
    679: "кќ",
    682: "TТ",
    683: "EFЀЁЕ",
    687: "oоч",
    691: "нпџ",
    696: "$0123456789",
    698: "б",
    701: "ийѝ",
    710: "З",
    712: "hnu{}",
    714: "ђ",
    716: "bdgpqр",
    720: "SЅ",
    724: "Y",
    725: "Z",
    732: "л",
    733: "PР",
    734: "CЄСЭћ",
    741: "ц",
    751: "ъ",
    762: "BБВЬ",
    770: "RЯ",
    771: "XЎУХ",
    774: "AVА",
    775: "K",
    808: "Чд",
    812: "U",
    817: "ЌКм",
    821: "G",
    830: "D",
    831: "Л",
    837: "HNЍЏИЙНП",
    838: "#+<=>^~×→",
    850: "OQО",
    872: "&",
    878: "ЂЋ",
    891: "Д",
    904: "ы",
    924: "w",
    928: "Ц",
    939: "Ъ",
    956: "њ",
    972: "ю",
    991: "љ",
    992: "Фф",
    995: "MМж",
    1000: "@—…",
    1002: "%",
    1036: "Ы",
    1042: "m",
    1062: "ш",
    1103: "W",
    1105: "щ",
    1130: "Њ",
    1154: "Љ",
    1174: "Ю",
    1203: "№",
    1224: "Ж",
    1235: "Ш",
    1326: "Щ",
}
_AVERAGE = 620  # a letter not in the tables (thousandths of an em)
_WIDTHS = {
    False: {ch: n for n, chars in _REGULAR.items() for ch in chars},
    True: {ch: n for n, chars in _BOLD.items() for ch in chars},
}


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width of ``text`` in DejaVu Sans at ``size`` (the unit of ``size``)."""
    table = _WIDTHS[bold]
    return size * sum(table.get(ch, _AVERAGE) for ch in text) / 1000


@lru_cache(maxsize=4)
def _dictionary(lang: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=lang)


def _lang_of(word: str) -> str:
    return "ru_RU" if any("\u0400" <= ch <= "\u04ff" for ch in word) else "en_US"


def hyphen_points(word: str) -> list[int]:
    """Where ``word`` may be broken with a hyphen (character offsets), by its language's rules.

    >>> hyphen_points("Зарегистрировать")[:3]
    [2, 4, 6]
    """
    return list(_dictionary(_lang_of(word)).positions(word))


def wrap_words(text: str, width: float, *, measure: Callable[[str], float] = len) -> list[str]:
    """Lines no wider than ``width``: breaks at spaces, a too-long word at a hyphenation point.

    ``measure`` gives a line's width in the unit of ``width`` (default: characters; pass
    ``lambda s: text_width(s, 12)`` for pixels). Line breaks in ``text`` are kept. A word that has
    no hyphenation point within the line (a code, an e-mail) is cut at the line's width, the one
    case where a word breaks elsewhere.

    >>> wrap_words("Create SW anomaly report", 12)
    ['Create SW', 'anomaly', 'report']
    """
    lines: list[str] = []
    for part in text.splitlines() or [""]:
        current = ""
        for word in part.split():
            candidate = f"{current} {word}" if current else word
            if measure(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
                current = ""
            while len(word) > 1 and measure(word) > width:
                head, word = _split_word(word, width, measure)
                lines.append(head)
            current = word
        lines.append(current)
    return [line for line in lines if line] or [""]


def fit_lines(text: str, width: float, max_lines: int, *, measure: Callable[[str], float] = len) -> list[str]:
    """:func:`wrap_words`, at most ``max_lines`` lines; the last one ends with an ellipsis if text is left.

    >>> fit_lines("Согласование скидки с руководителем", 13, 2)
    ['Согласование', 'скидки с…']
    """
    lines = wrap_words(text, width, measure=measure)
    if len(lines) <= max(1, max_lines):
        return lines
    lines = lines[: max(1, max_lines)]
    last = lines[-1]
    while len(last) > 1 and measure(last + "…") > width:
        last = last[:-1]
    lines[-1] = last.rstrip(" -") + "…"
    return lines


def _split_word(word: str, width: float, measure: Callable[[str], float]) -> tuple[str, str]:
    """The first line of a word wider than ``width`` (with its hyphen) and the rest of the word."""
    own = [i + 1 for i, ch in enumerate(word[:-1]) if ch == "-" and i > 0 and measure(word[: i + 1]) <= width]
    if own:  # a word with its own hyphen breaks after it
        return word[: own[-1]], word[own[-1] :]
    fitting = [p for p in hyphen_points(word) if measure(word[:p] + "-") <= width]
    if fitting:
        return word[: fitting[-1]] + "-", word[fitting[-1] :]
    cut = 1
    while cut < len(word) - 1 and measure(word[: cut + 1]) <= width:
        cut += 1
    return word[:cut], word[cut:]
