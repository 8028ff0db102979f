"""Checking one API record: every missing key or unreadable time of it, in one quarantine reason.

>>> from crmflow.sources.rows import EventRows
>>> rows = EventRows(source="h.json", log_name="log", attributes=())
>>> chk = RecordCheck(rows, {"OWNER_ID": "5"}, "h.json page 1, record 3", "an item", "en")
>>> chk.text("OWNER_ID", "missing_case_id"), chk.time("CREATED_TIME"), chk.reject_if_bad(None)
('5', None, True)
>>> rows.n_rejected
1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from crmflow.errors import SourceError
from crmflow.i18n import error
from crmflow.sources.messages import MESSAGES, msg
from crmflow.sources.pages import Page, describe
from crmflow.sources.rows import EventRows, iso_time, text_or_none

ISO_EXPECTED = "ISO 8601 such as 2024-04-25T14:59:11+03:00"
#: Where a record is: text, or a function making it (called only when the record has a problem).
Where = str | Callable[[], str]


class RecordCheck:
    """Collects the problems of one record (all of them, in one quarantine reason)."""

    def __init__(self, rows: EventRows, rec: Any, where: Where, expected: str, lang: str, *, row_no: int | None = None) -> None:
        self.rows, self.rec, self._where, self.expected, self.lang = rows, rec, where, expected, lang
        self.row_no = row_no  # set when the record's number is known (records checked out of order)
        self.reasons: list[str] = []
        self.kinds: list[str] = []
        self.columns: list[str] = []
        self.value: Any = None

    @property
    def where(self) -> str:
        """Where the record is (formatted only when a problem is reported)."""
        return self._where if isinstance(self._where, str) else self._where()

    def text(self, key: str, kind: str) -> str | None:
        if key not in self.rec:
            self.bad(msg("missing_key", self.lang, where=self.where, key=key, expected=self.expected), kind, key)
            return None
        v = text_or_none(self.rec[key])
        if v is None:
            self.bad(msg("empty_key", self.lang, where=self.where, key=key, expected=self.expected), kind, key)
        return v

    def time(self, key: str, parse: Any = iso_time, expected: str = ISO_EXPECTED) -> str | None:
        if key not in self.rec or text_or_none(self.rec[key]) is None:
            template = "missing_key" if key not in self.rec else "empty_key"
            self.bad(msg(template, self.lang, where=self.where, key=key, expected=self.expected), "missing_timestamp", key)
            return None
        t = parse(self.rec[key])
        if t is None:
            self.bad(
                msg("bad_time", self.lang, where=self.where, key=key, value=self.rec[key], expected=expected),
                "bad_timestamp",
                key,
            )
            self.value = self.rec[key]
        return t

    def bad(self, reason: str, kind: str, column: str) -> None:
        self.reasons.append(reason)
        self.kinds.append(kind)
        self.columns.append(column)

    def reject_if_bad(self, line: int | None) -> bool:
        if not self.reasons:
            return False
        self.rows.reject(
            reason="; ".join(self.reasons),
            kind="+".join(self.kinds),
            column=", ".join(self.columns),
            value=self.value,
            raw=self.rec,
            line=line,
            row_no=self.row_no,
        )
        return True


def not_object(rows: EventRows, rec: Any, where: Where, lang: str, line: int | None, row_no: int | None = None) -> bool:
    """Quarantine ``rec`` when it is not a JSON object (and say so)."""
    if isinstance(rec, dict):
        return False
    place = where if isinstance(where, str) else where()
    rows.reject(reason=msg("not_object", lang, where=place, kind=describe(rec)), kind="other", raw=rec, line=line, row_no=row_no)
    return True


def checked_leftovers(
    rows: EventRows, records: Iterable[tuple[int, Page, int, Any]], *, source: str, expected: str, lang: str
) -> Iterator[tuple[int, Page, Any, RecordCheck]]:
    """:func:`checked_records` for records numbered already (``(row_no, page, number on the page, record)``)."""
    for row_no, page, i, rec in records:
        where = partial(where_of, source, page, i, lang)
        if not_object(rows, rec, where, lang, page.line, row_no):
            continue
        yield row_no, page, rec, RecordCheck(rows, rec, where, expected, lang, row_no=row_no)


def checked_records(
    rows: EventRows, records: Iterable[tuple[Page, int, Any]], *, source: str, expected: str, lang: str
) -> Iterator[tuple[Page, Any, RecordCheck]]:
    """Each record that is a JSON object, with a :class:`RecordCheck`; the others go to quarantine.

    ``records`` are ``(page, number on the page, record)``; ``expected`` describes a good record.
    """
    for page, i, rec in records:
        where = partial(where_of, source, page, i, lang)
        if not_object(rows, rec, where, lang, page.line):
            continue
        yield page, rec, RecordCheck(rows, rec, where, expected, lang)


def dictionary_records(
    records: Iterable[tuple[Page, int, Any]], *, source: str, lang: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each record of a dictionary file (stages, users) with where it is.

    A dictionary must be whole, so a record that is not a JSON object stops the read.

    Raises
    ------
    SourceError
        At the first record that is not an object (the message says where it is and what it is).
    """
    for page, i, rec in records:
        where = where_of(source, page, i, lang)
        if not isinstance(rec, dict):
            raise error(SourceError, MESSAGES, "not_object", lang, where=where, kind=describe(rec))
        yield where, rec


def where_of(source: str, page: Page, i: int, lang: str) -> str:
    return msg("where_page", lang, source=source, page=page.index, record=i)
