"""Saved API responses: one page, a list of pages, or one page per line (JSON lines).

CRM list methods answer in pages (Bitrix24: 50 records with ``total``/``next``; amoCRM: HAL pages
with ``_page``/``_links.next``/``_embedded``). People save them in three ways, all read here:

* one response per file: ``{"result": {...}, "total": 120, "next": 50}``;
* the responses collected in a JSON array: ``[{page 1}, {page 2}, ...]``;
* one response per line (``.jsonl``/``.ndjson``, or ``.json`` written by a loop).

A bare array of records (``[{"ID": ...}, ...]``, what ``result`` held) counts as one page; the
adapter decides with :func:`is_page`.

>>> import json, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.jsonl"
>>> _ = p.write_text(json.dumps({"result": []}) + "\\n" + json.dumps({"result": []}) + "\\n")
>>> [(pg.index, pg.line) for pg in load_pages(p)]
[(1, 1), (2, 2)]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmflow.errors import SourceError, UnsafeInputError
from crmflow.i18n import error
from crmflow.settings import get_settings
from crmflow.sources.messages import MESSAGES

if TYPE_CHECKING:
    from crmflow.ingest.raw import ProgressFn
    from crmflow.store.store import EventStore


@dataclass(frozen=True)
class Page:
    """One saved API response (or one bare list of records)."""

    index: int  # 1-based position in the file
    line: int | None  # 1-based line for JSON lines, else None
    body: Any


def read_text(path: Path, *, max_bytes: int | None = None, lang: str = "en") -> str:
    """The file as text (UTF-8, BOM tolerated), refusing files above ``max_bytes``."""
    check_size(path, max_bytes=max_bytes, lang=lang)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")  # Windows tools sometimes re-save JSON in the ANSI code page
    except UnicodeDecodeError as exc:  # 0x98 is the one byte cp1251 leaves undefined
        raise error(
            SourceError, MESSAGES, "bad_encoding", lang, source=path.name, byte=data[exc.start], offset=exc.start
        ) from None


def check_size(path: Path, *, max_bytes: int | None = None, lang: str = "en") -> int:
    """The file's size in bytes; :class:`UnsafeInputError` above ``max_bytes`` (default: the setting)."""
    limit = max_bytes if max_bytes is not None else get_settings().max_ocel_json_bytes
    size = path.stat().st_size
    if size > limit:
        raise error(UnsafeInputError, MESSAGES, "too_big", lang, source=path.name, size=size, limit=limit)
    return size


def load_pages(path: str | Path, *, max_bytes: int | None = None, lang: str = "en") -> list[Page]:
    """Parse a saved response file into its pages.

    Raises
    ------
    SourceError
        The file is neither JSON nor JSON lines (the message names the file and the position).
    UnsafeInputError
        The file is larger than ``max_bytes`` (default: the ``max_ocel_json_bytes`` setting).
    """
    p = Path(path)
    body = read_text(p, max_bytes=max_bytes, lang=lang)
    try:
        doc = json.loads(body)
    except RecursionError:  # nested thousands deep: not an API answer
        raise error(SourceError, MESSAGES, "bad_json", lang, source=p.name, error="nested too deeply") from None
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            where = f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
            raise error(SourceError, MESSAGES, "bad_json", lang, source=p.name, error=where) from None
        return _json_lines(p, body, lang)
    if isinstance(doc, list) and doc and all(isinstance(x, dict) for x in doc) and any(_looks_like_page(x) for x in doc):
        return [Page(index=i, line=None, body=x) for i, x in enumerate(doc, start=1)]
    return [Page(index=1, line=None, body=doc)]


def store_pages(
    store: EventStore, path: str | Path, *, progress: ProgressFn | None = None, what: str | None = None
) -> list[Page]:
    """:func:`load_pages` within the store's size limit and in its language; ``what`` is reported first.

    ``what`` (``"amoCRM leads"``) goes to ``progress`` as ``file: what`` before the file is read.
    """
    if progress and what:
        progress(f"{Path(path).name}: {what}")
    return load_pages(path, max_bytes=store.settings.max_ocel_json_bytes, lang=store.settings.lang)


def _json_lines(p: Path, body: str, lang: str) -> list[Page]:
    pages: list[Page] = []
    for n, raw in enumerate(body.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            pages.append(Page(index=len(pages) + 1, line=n, body=json.loads(raw)))
        except RecursionError:
            raise error(SourceError, MESSAGES, "bad_json", lang, source=p.name, error=f"line {n}: nested too deeply") from None
        except json.JSONDecodeError as exc:
            raise error(
                SourceError, MESSAGES, "bad_json", lang, source=p.name, error=f"line {n}, column {exc.colno}: {exc.msg}"
            ) from None
    return pages


_PAGE_KEYS = ("result", "_embedded", "_page", "total", "next")


def _looks_like_page(x: dict[str, Any]) -> bool:
    # records have an id (and amoCRM records their own `_embedded`); responses do not
    return "id" not in x and "ID" not in x and any(k in x for k in _PAGE_KEYS)


def is_page(body: Any) -> bool:
    """True when ``body`` is a response object (has ``result`` or ``_embedded``), not a bare record list."""
    return isinstance(body, dict) and _looks_like_page(body)


def head_text(head: bytes) -> str:
    """The first bytes of a file as text for detection (undecodable bytes replaced)."""
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def has_keys(text: str, *keys: str) -> bool:
    """True when every ``"KEY":`` appears in the JSON text."""
    return all(re.search(rf'"{re.escape(k)}"\s*:', text) for k in keys)


def json_like(path: Path, head: bytes) -> bool:
    """A JSON or JSON-lines file by name and first character."""
    if path.suffix.lower() not in (".json", ".jsonl", ".ndjson", ".txt"):
        return False
    start = head_text(head).lstrip()[:1]
    return start in ("{", "[")


def describe(value: Any) -> str:
    """A short name for a JSON value's kind (for messages)."""
    kinds: dict[type, str] = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true/false"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)
