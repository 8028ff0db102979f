""" "Excel" exports that are really an HTML table (Bitrix24 and others save ``.xls`` files like that).

The file is parsed with lxml's HTML parser with the network off and without huge-tree support,
after a size check, so it cannot fetch anything or expand without bound. The first row with
``<th>`` cells (or else the first row) is the header; every later ``<tr>`` is a record numbered from
1, with its source line. A row whose cell count differs from the header's (after ``colspan``) goes
to the quarantine, as a CSV line with the wrong number of fields does.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "deals.xls"
>>> _ = p.write_text("<html><body><table><tr><th>ID</th><th>Стадия</th></tr>"
...                  "<tr><td>1</td><td>Новая</td></tr></table></body></html>", encoding="utf-8")
>>> t = parse_html_table(p)
>>> t.header, t.rows
(['ID', 'Стадия'], [(1, 1, ['1', 'Новая'])])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree

from crmflow.errors import SourceError, UnsafeInputError
from crmflow.i18n import error
from crmflow.ingest.raw import RawTable
from crmflow.sources.messages import MESSAGES, msg
from crmflow.store.store import EventStore

#: Largest HTML export read (bytes).
MAX_HTML_BYTES = 256 * 1024**2
#: Widest header accepted (Excel's own column limit); a wider ``colspan`` header is not an export.
MAX_COLUMNS = 16_384
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def looks_like_html(head: bytes) -> bool:
    """True when the first bytes are an HTML document or table (not a zip/OLE workbook)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return start.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<?xml")) and b"<t" in head.lower()


def decode_html(data: bytes) -> str:
    """Text of an HTML export: BOM, then a declared charset, then UTF-8, then cp1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    m = _CHARSET.search(data[:4096])
    if m:
        try:
            return data.decode(m.group(1).decode("ascii"), errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


@dataclass(frozen=True)
class HtmlTable:
    """The header and records of the first table; ``bad`` rows have the wrong width."""

    header: list[str]
    rows: list[tuple[int, int | None, list[str | None]]]  # (row_no, line, cells)
    bad: list[tuple[int, int | None, list[str | None], int]] = field(default_factory=list)  # …, width
    encoding_note: str = ""


def _cells(tr: Any, limit: int) -> tuple[list[str | None], int]:
    """The row's cell values and its width after ``colspan``; the empty cells a ``colspan`` stands for are
    kept only up to ``limit`` entries, so a tiny ``<td colspan=1000>`` cannot blow up memory."""
    out: list[str | None] = []
    width = 0
    for cell in tr:
        if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
            continue
        value = " ".join("".join(cell.itertext()).split()) or None
        try:
            span = max(1, min(int(cell.get("colspan", "1")), 1000))
        except ValueError:
            span = 1
        width += span
        out.append(value)
        out.extend([None] * max(0, min(span - 1, limit - len(out))))
    return out, width


def _unique(names: list[str | None]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, n in enumerate(names, start=1):
        base = n or f"column_{i}"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    return out


def parse_html_table(path: str | Path, *, max_bytes: int = MAX_HTML_BYTES, lang: str = "en") -> HtmlTable:
    """Read the first table of an HTML export.

    Raises
    ------
    UnsafeInputError
        The file is larger than ``max_bytes``.
    SourceError
        No table with at least a header row.
    """
    p = Path(path)
    size = p.stat().st_size
    if size > max_bytes:
        raise error(UnsafeInputError, MESSAGES, "html_too_big", lang, source=p.name, size=size, limit=max_bytes)
    body = decode_html(p.read_bytes())
    parser = etree.HTMLParser(encoding="utf-8", no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)
    root = etree.fromstring(body.encode("utf-8"), parser)
    table = None if root is None else next(iter(root.iter("table")), None)
    trs = [] if table is None else [tr for tr in table.iter("tr")]
    if not trs:
        raise error(SourceError, MESSAGES, "not_html_table", lang, source=p.name)
    head_at = next((i for i, tr in enumerate(trs) if any(c.tag == "th" for c in tr if isinstance(c.tag, str))), 0)
    names, width = _cells(trs[head_at], MAX_COLUMNS)
    if width > MAX_COLUMNS:
        raise error(
            SourceError,
            MESSAGES,
            "html_too_wide",
            lang,
            source=p.name,
            line=trs[head_at].sourceline,
            found=width,
            limit=MAX_COLUMNS,
        )
    header = _unique(names)
    rows: list[tuple[int, int | None, list[str | None]]] = []
    bad: list[tuple[int, int | None, list[str | None], int]] = []
    for n, tr in enumerate(trs[head_at + 1 :], start=1):
        cells, width = _cells(tr, len(header))
        if width == len(header):
            rows.append((n, tr.sourceline, cells))
        else:
            bad.append((n, tr.sourceline, cells, width))
    return HtmlTable(header=header, rows=rows, bad=bad)


def read_html_table_raw(store: EventStore, path: str | Path, *, source: str, log_name: str, lang: str = "en") -> RawTable:
    """Load an HTML-table export as a raw text table (``row_no``, ``line``, the header's columns)."""
    t = parse_html_table(path, lang=lang)
    cols: dict[str, list[Any]] = {"row_no": [r[0] for r in t.rows], "line": [r[1] for r in t.rows]}
    for i, h in enumerate(t.header):
        cols[h] = [r[2][i] for r in t.rows]
    schema = pa.schema([("row_no", pa.int64()), ("line", pa.int64())] + [(h, pa.string()) for h in t.header])
    tbl = pa.table(cols, schema=schema)
    name = store.new_name("raw_html")
    store.temp_table_from_arrow(name, tbl)
    quarantined = store.quarantine_rows(
        {
            "log_name": log_name,
            "source": source,
            "row_no": n,
            "line": line,
            "reason": msg("html_row_width", lang, source=source, row=n, line=line, found=width, expected=len(t.header)),
            "raw": " | ".join(c or "" for c in cells),
            "kind": "csv_missing_columns" if width < len(t.header) else "csv_too_many_columns",
        }
        for n, line, cells, width in t.bad
    )
    return RawTable(
        table=name,
        source=source,
        format="html-table",
        rows_read=len(t.rows) + len(t.bad),
        quarantined=quarantined,
        info={"columns": len(t.header)},
    )
