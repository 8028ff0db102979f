"""Excel workbooks (``.xlsx``, ``.xlsm``) into a raw text table.

openpyxl reads the sheet in streaming mode; rows are collected in batches of columns and handed to
DuckDB as Arrow tables. Cells become text: real dates and times as ISO 8601 (``2024-03-01
10:00:00``, naive, so staging applies the configured time zone), whole numbers without ``.0``,
other numbers with Python's shortest repr. The first non-empty row is the header. Empty rows are
skipped; ``row_no`` is the data row number (sheet row minus the header row) and ``line`` the sheet
row, so both match what Excel shows. Cells beyond the header's width are kept in ``column_<n>``
columns only when non-empty.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from crmflow.errors import CrmflowError, InputError, UnsafeInputError
from crmflow.i18n import error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.ingest.safety import check_zip_archive
from crmflow.ingest.sniff import check_file_type
from crmflow.store.queries import ident, table_name
from crmflow.store.store import EventStore

BATCH_ROWS = 50_000
#: openpyxl holds a workbook's shared strings in memory (about 180 bytes each: 6 M took 1.06 GB):
#: at most this many, and at most this many bytes of ``xl/sharedStrings.xml``; larger workbooks are
#: refused before anything is read, with the advice to save the sheet as CSV (read streaming).
MAX_SHARED_STRINGS = 2_000_000
MAX_SHARED_STRINGS_BYTES = 256 << 20
_RESERVED = ("row_no", "line")


def cell_text(value: Any) -> str | None:
    """One cell as text (None for empty).

    >>> cell_text(datetime(2024, 3, 1, 10, 0))
    '2024-03-01 10:00:00'
    >>> cell_text(1234.0), cell_text(0.1), cell_text(True)
    ('1234', '0.1', 'true')
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    s = str(value)
    return s if s.strip() else None


def _header(values: tuple[Any, ...]) -> list[str]:
    out: list[str] = []
    for i, v in enumerate(values, start=1):
        name = (cell_text(v) or "").strip() or f"column_{i}"
        while name.lower() in _RESERVED or name.lower() in {o.lower() for o in out}:
            name = f"{name}_src"
        out.append(name)
    while out and out[-1].startswith("column_"):  # trailing unnamed, possibly formatted-only, cells
        out.pop()
    return out


def read_excel_raw(
    store: EventStore,
    path: str | Path,
    *,
    log_name: str,
    sheet: str | int | None = None,
    progress: ProgressFn | None = None,
) -> RawTable:
    """Load one sheet of a workbook into a raw text table.

    Parameters
    ----------
    store
        Where to load.
    path
        ``.xlsx`` / ``.xlsm`` file.
    log_name
        The log this source belongs to.
    sheet
        Sheet name or 0-based index; the first sheet when None.
    progress
        Called with a short description of each step.
    """
    from openpyxl import load_workbook

    del log_name
    p = Path(path)
    check_file_type(p, "excel", store.settings.lang)  # a PNG/PDF/ZIP under this name: said before parsing
    say = progress or (lambda _msg: None)
    say(f"reading {p.name}")
    settings = store.settings
    check_zip_archive(p, max_bytes=settings.max_decompressed_bytes, max_ratio=settings.max_compression_ratio)
    _check_shared_strings(p)
    try:
        # openpyxl parses the sheet XML with defusedxml when it is installed (it is a dependency):
        # DTDs and entity declarations are refused.
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        cause: BaseException | None = exc
        while cause is not None:  # openpyxl wraps defusedxml's refusal in its own errors
            if type(cause).__module__.startswith("defusedxml"):
                raise error(UnsafeInputError, ERRORS, "excel.workbook_s_xml_declares", name=p.name, cause=cause) from exc
            cause = cause.__cause__ or cause.__context__
        raise error(InputError, ERRORS, "excel.cannot_open_excel_workbook", name=p.name, exc=exc) from exc
    try:
        names = wb.sheetnames
        if not names:  # none listed, or the sheets' parts are missing (found by bench/fuzz.py)
            raise error(InputError, ERRORS, "excel.workbook_has_no_sheet", name=p.name)
        if sheet is None:
            ws = wb[names[0]]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise error(InputError, ERRORS, "excel.no_sheet_number_sheets", name=p.name, sheet=sheet, value=", ".join(names))
            ws = wb[names[sheet]]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise error(InputError, ERRORS, "excel.no_sheet_named_sheets", name=p.name, sheet=sheet, value=", ".join(names))
        try:
            return _load_sheet(store, ws, p.name, say)
        except CrmflowError:
            raise
        except Exception as exc:  # a bad CRC, malformed sheet XML, a broken cell: openpyxl raises anything
            raise error(
                InputError,
                ERRORS,
                "excel.sheet_cannot_read_workbook",
                name=p.name,
                title=ws.title,
                kind=type(exc).__name__,
                exc=str(exc)[:200],
            ) from exc
    finally:
        wb.close()


def _check_shared_strings(p: Path) -> None:
    """Refuse a workbook whose shared-string table would not fit the memory budget (before openpyxl loads it)."""
    import re
    import zipfile

    try:
        with zipfile.ZipFile(p) as zf:
            info = next((i for i in zf.infolist() if i.filename.lower() == "xl/sharedstrings.xml"), None)
            if info is None:
                return
            with zf.open(info) as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError, NotImplementedError) as exc:
        raise error(InputError, ERRORS, "excel.cannot_open_excel_workbook_2", name=p.name, exc=exc) from exc
    m = re.search(r'uniqueCount="(\d+)"', head) or re.search(r'\bcount="(\d+)"', head)
    count = int(m.group(1)) if m else 0
    if count > MAX_SHARED_STRINGS or info.file_size > MAX_SHARED_STRINGS_BYTES:
        raise error(
            InputError,
            ERRORS,
            "excel.workbook_has_distinct_texts",
            name=p.name,
            count=count,
            file_size=info.file_size,
            MAX_SHARED_STRINGS=MAX_SHARED_STRINGS,
            value=MAX_SHARED_STRINGS_BYTES >> 20,
        )


def _load_sheet(store: EventStore, ws: Any, source: str, say: ProgressFn) -> RawTable:
    rows = ws.iter_rows(values_only=True)
    header: list[str] | None = None
    header_row = 0
    extra: list[str] = []
    raw = store.new_name("raw_xlsx")
    batch: list[list[str | None]] = []
    lines: list[int] = []
    created = False
    count = 0

    def flush() -> None:
        nonlocal created, batch, lines
        if not batch and created:
            return
        assert header is not None
        cols = header + extra
        data = {"line": pa.array(lines, pa.int64())}
        for j, c in enumerate(cols):
            data[c] = pa.array([r[j] if j < len(r) else None for r in batch], pa.string())
        view = store.new_name("xlsx_batch")
        store.register_arrow(view, pa.table(data))
        sel = ", ".join(ident(c) for c in cols)
        try:
            if not created:
                store.sql(
                    f"CREATE TABLE {table_name(raw)} AS SELECT (line - {header_row})::BIGINT AS row_no, line, {sel} FROM {view}"
                )
                created = True
            else:
                have = store.columns(raw)
                for c in cols[len(have) - 2 :]:
                    store.sql(f"ALTER TABLE {table_name(raw)} ADD COLUMN {ident(c)} VARCHAR")
                store.sql(
                    f"INSERT INTO {table_name(raw)} BY NAME SELECT (line - {header_row})::BIGINT AS row_no, "
                    f"line, {sel} FROM {view}"
                )
        finally:
            store.con.unregister(view)
        batch, lines = [], []

    for i, values in enumerate(rows, start=1):
        texts = [cell_text(v) for v in values]
        if not any(t is not None for t in texts):
            continue
        if header is None:
            header, header_row = _header(values), i
            continue
        while len(texts) > len(header) + len(extra) and texts[-1] is None:
            texts.pop()
        while len(texts) > len(header) + len(extra):
            n = len(header) + len(extra) + 1
            name = f"column_{n}"
            while name in header or name in extra:
                name = f"{name}_src"
            extra.append(name)
        batch.append(texts)
        lines.append(i)
        count += 1
        if len(batch) >= BATCH_ROWS:
            say(f"reading {source}: {count} rows")
            flush()
    if header is None:
        raise error(InputError, ERRORS, "excel.sheet_empty_no_header", source=source, title=ws.title)
    flush()
    return RawTable(
        table=raw,
        source=source,
        format="xlsx",
        rows_read=count,
        info={"sheet": ws.title, "header_row": header_row, "columns": header + extra},
    )
