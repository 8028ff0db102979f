"""Safe XML screening shared by every stage that reads XML (XES, BPMN, To-Be extensions).

* **Entity expansion and external entities** (billion laughs, ``<!ENTITY x SYSTEM "file:///…">``).
  XES and BPMN never need a DTD, so :func:`check_xml_prolog` refuses a document type declaration
  with an internal subset or an external identifier, and any ``<!ENTITY``, *before* a parser sees
  the file. :func:`safe_xml_parser` (and :data:`SAFE_ITERPARSE_OPTIONS` for ``iterparse``) is the
  second line of defence for lxml readers.
* **Oversized prologs**: a prolog that does not reach the root element within
  :data:`MAX_PROLOG_BYTES` is refused rather than scanned without end.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from crmflow.errors import InputError, UnsafeInputError
from crmflow.i18n import error

#: How far into a file the prolog (everything before the root element) may extend.
MAX_PROLOG_BYTES = 1024 * 1024

_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_EXTERNAL_ID = re.compile(r"\b(SYSTEM|PUBLIC)\b")


def _decode_head(head: bytes) -> str:
    """Decode the first bytes of an XML document well enough to read its markup."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"\x00<") or head.startswith(b"<\x00"):
        return head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", errors="replace")
    # UTF-8 and every ASCII-compatible single-byte encoding agree on the markup characters.
    return head.decode("utf-8", errors="replace")


def _prolog_finding(text: str) -> tuple[str, bool]:
    """Scan prolog text; return ``(problem or "", reached the root element)``."""
    i, n = 0, len(text)
    if text.startswith("\ufeff"):
        i = 1
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return "", False
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return "", False
            i = end + 3
        elif text.startswith("<!", i):
            end = text.find(">", i)
            decl = text[i : end if end >= 0 else min(n, i + 200)]
            if decl[2:8].upper() == "ENTITY":
                return "an entity declaration (<!ENTITY …>)", True
            if _DOCTYPE.match(decl):
                if "[" in decl:
                    return "a document type declaration with an internal subset (<!DOCTYPE … [ … ]>)", True
                if _EXTERNAL_ID.search(decl):
                    word = _EXTERNAL_ID.search(decl).group(1)  # type: ignore[union-attr]
                    return f"a document type declaration with an external identifier ({word})", True
            else:
                return f"an unexpected markup declaration {decl[:40]!r}", True
            if end < 0:
                return "", False
            i = end + 1
        elif text.startswith("<", i):
            return "", True
        else:
            return "", False
    return "", False


def check_xml_prolog(source: str | Path | BinaryIO, *, name: str | None = None) -> None:
    """Refuse an XML document whose prolog declares entities, an internal DTD or external ids.

    Reads at most :data:`MAX_PROLOG_BYTES` from the start. A stream is read from its current
    position and rewound to it afterwards.

    Parameters
    ----------
    source
        Path of the file, or a seekable binary stream positioned at the document start.
    name
        File name to use in messages (defaults to the path).

    Raises
    ------
    UnsafeInputError
        If the prolog holds ``<!ENTITY``, ``<!DOCTYPE … [`` or ``SYSTEM``/``PUBLIC``, or does not
        reach the root element within the bound.

    Examples
    --------
    >>> import io
    >>> check_xml_prolog(io.BytesIO(b'<?xml version="1.0"?><log/>'))
    >>> try:
    ...     check_xml_prolog(io.BytesIO(b'<!DOCTYPE l [<!ENTITY a "x">]><log/>'), name="evil.xes")
    ... except UnsafeInputError as exc:
    ...     print(str(exc)[:60])
    evil.xes: refused to read this XML file: its prolog contains
    """
    if isinstance(source, str | Path):
        label = name or str(source)
        with open(source, "rb") as fh:
            head = fh.read(MAX_PROLOG_BYTES)
    else:
        label = name or str(getattr(source, "name", "<stream>"))
        pos = source.tell()
        head = source.read(MAX_PROLOG_BYTES)
        source.seek(pos)
    problem, reached_root = _prolog_finding(_decode_head(head))
    if problem:
        raise error(UnsafeInputError, _TEXT, "dtd", label=label, problem=problem)
    if not reached_root:
        if len(head) < MAX_PROLOG_BYTES or not head.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
            raise error(InputError, _TEXT, "not_xml", label=label, head=repr(head[:20]))
        raise error(UnsafeInputError, _TEXT, "no_root", label=label, kib=MAX_PROLOG_BYTES // 1024)


_TEXT: dict[str, dict[str, str]] = {
    "not_xml": {
        "en": "{label}: this is not an XML document (expected '<?xml …?>' or a root element at the start, found {head})",
        "ru": "{label}: это не XML-документ (в начале ожидается '<?xml …?>' или корневой элемент, а найдено {head})",
    },
    "dtd": {
        "en": "{label}: refused to read this XML file: its prolog contains {problem}. Event logs (XES) and process "
        "models (BPMN) never need a DTD or entities, and they are the vehicle of entity-expansion and "
        "file-disclosure attacks; remove the declaration and retry",
        "ru": "{label}: файл XML не прочитан: в его прологе есть {problem}. Журналам событий (XES) и моделям "
        "процессов (BPMN) не нужны DTD и сущности, а через них проводят атаки раскрытия сущностей и чтения файлов; "
        "удалите объявление и повторите",
    },
    "no_root": {
        "en": "{label}: refused to read this XML file: no root element within the first {kib} KiB (expected a short "
        "prolog followed by the root element)",
        "ru": "{label}: файл XML не прочитан: в первых {kib} КиБ нет корневого элемента (ожидается короткий пролог "
        "и за ним корневой элемент)",
    },
}


def safe_xml_parser(**overrides: object) -> etree.XMLParser:
    """An lxml parser that never expands entities, loads a DTD or touches the network.

    Examples
    --------
    >>> from lxml import etree
    >>> etree.fromstring(b"<a>1</a>", safe_xml_parser()).text
    '1'
    """
    options: dict[str, object] = {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
    }
    options.update(overrides)
    return etree.XMLParser(**options)


#: Keyword arguments that make :func:`lxml.etree.iterparse` as safe as :func:`safe_xml_parser`.
SAFE_ITERPARSE_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}
