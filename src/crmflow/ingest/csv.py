"""CSV and TSV files into a raw table, with every malformed line in the quarantine.

The file is transcoded to UTF-8 when needed (:mod:`crmflow.ingest.encoding`); the delimiter and the
header come from a sample; DuckDB's parallel CSV reader then loads all columns as text, in strict
mode, sending lines it cannot split (wrong number of fields, broken quotes, invalid characters,
over-long lines) to a rejects table, which becomes quarantine rows.

Counting. Before DuckDB reads anything, the records are counted from the bytes by
:func:`crmflow.ingest.record_scan.scan_records` (RFC 4180 as DuckDB reads it, plus a documented
recovery rule for a quote that is never closed). The lines that rule sets aside are quarantined
with their line numbers and left out of the copy DuckDB reads, so one unclosed quote costs one
line, never the rest of the file; DuckDB's loaded + rejected records must then equal the scan's
count, or nothing is loaded (:class:`~crmflow.errors.RowAccountingError`).

Numbering. ``row_no`` is the row a spreadsheet shows, less the header's: every record and every
empty line counts one, a record whose quoted value spans lines counts once. When every record is
one physical line (the usual case) ``row_no = line - header_line``. ``line`` is the physical line
where the record begins (what a text editor shows), known for every row.
"""

from __future__ import annotations

import csv as pycsv
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from crmflow.errors import InputError, RowAccountingError
from crmflow.i18n import error, text
from crmflow.ingest.encoding import Utf8File, ensure_utf8
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.ingest.record_scan import RecordScan, scan_records
from crmflow.ingest.sniff import check_file_type
from crmflow.store.queries import ident, table_name
from crmflow.store.scratch import scratch_file
from crmflow.store.store import EventStore

#: Delimiters tried, in tie-break order.
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
#: Column names the raw table uses itself.
RESERVED: tuple[str, ...] = ("row_no", "line")
#: Most columns a CSV may have: an event log needs a case, an activity, a time and some attributes; each
#: column costs DuckDB planning time in every query over the log (1,000 columns: ~10 s to stage).
MAX_COLUMNS = 2_000
_SAMPLE_CHARS = 1 << 16
_CHUNK = 8 << 20

_TEXT = {
    "TOO MANY COLUMNS": {
        "en": "line {line}: {found} fields instead of {expected} (separator {delim}); a value may contain an unquoted separator",
        "ru": "строка {line}: {found} полей вместо {expected} (разделитель {delim}); "
        "возможно, в значении есть разделитель без кавычек",
    },
    "MISSING COLUMNS": {
        "en": "line {line}: {found} fields instead of {expected} (separator {delim})",
        "ru": "строка {line}: {found} полей вместо {expected} (разделитель {delim})",
    },
    "UNQUOTED VALUE": {
        "en": "line {line}: broken quotes: a quoted value is not closed, or text follows its closing quote",
        "ru": "строка {line}: ошибка кавычек: значение в кавычках не закрыто или после кавычки идёт текст",
    },
    "LINE SIZE OVER MAXIMUM": {
        "en": "line {line}: longer than the limit of {max} bytes (setting CRMFLOW_MAX_LINE_BYTES)",
        "ru": "строка {line}: длиннее предела {max} байт (настройка CRMFLOW_MAX_LINE_BYTES)",
    },
    "INVALID ENCODING": {
        "en": "line {line}: bytes that are not valid {encoding} text",
        "ru": "строка {line}: байты, не являющиеся текстом в кодировке {encoding}",
    },
    "OTHER": {
        "en": "line {line}: cannot be read as CSV: {error}",
        "ru": "строка {line}: не читается как CSV: {error}",
    },
    "unterminated": {
        "en": "line {line}: a quoted value opened on this line is never closed on it, and line {next} is a record of its own; "
        "the quote was taken to end at the line end and the line set aside (close the quote in the source)",
        "ru": "строка {line}: значение в кавычках, открытое в этой строке, не закрыто, а строка {next} — отдельная "
        "запись; кавычка считается закрытой в конце строки, строка отложена (закройте кавычку в источнике)",
    },
    "unterminated_end": {
        "en": "line {line}: a quoted value opened on this line is never closed (or closes on a later line with text "
        "after the closing quote); the line was set aside and the lines after it read on their own "
        "(close the quote in the source)",
        "ru": "строка {line}: значение в кавычках, открытое в этой строке, не закрыто (или закрыто в следующих "
        "строках, но после кавычки идёт текст); строка отложена, следующие строки прочитаны отдельно "
        "(закройте кавычку в источнике)",
    },
    "too_wide": {
        "en": "{file}: the header has {n} columns; crmflow reads at most {max:,} (an event log needs a case, an "
        "activity, a time and a few attributes): export only the columns you need, or cut them with "
        "`cut -d';' -f1-50 {file}`",
        "ru": "{file}: в заголовке {n} столбцов; crmflow читает не больше {max:,} (журналу событий нужны сделка, "
        "этап, время и несколько атрибутов): выгрузите только нужные столбцы или отрежьте лишние "
        "(`cut -d';' -f1-50 {file}`)",
    },
    "mismatch": {
        "en": "{file}: the record count does not reconcile: the byte scan found {records} records ({broken} set "
        "aside), DuckDB read {good} and rejected {rejected}; nothing was loaded. This is a bug in crmflow: "
        "please report it with the file (or its shape)",
        "ru": "{file}: счёт записей не сходится: побайтовый проход нашёл {records} записей ({broken} отложено), "
        "DuckDB прочитал {good} и отклонил {rejected}; ничего не загружено. Это ошибка crmflow: сообщите о ней, "
        "приложив файл (или его структуру)",
    },
}


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is laid out."""

    delimiter: str
    header: list[str]  # column names as they will appear in the raw table
    skip: int  # physical lines before the header (a ``sep=;`` line)


def _delim_name(d: str) -> str:
    return {"\t": "tab", ";": "`;`", ",": "`,`", "|": "`|`"}.get(d, f"`{d}`")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _unique_names(raw_names: list[str]) -> list[str]:
    """Strip names, name empty ones ``column_<n>``, suffix duplicates and reserved names."""
    out: list[str] = []
    seen = set(RESERVED)
    for i, n in enumerate(raw_names, start=1):
        name = n.replace("\ufeff", "").strip() or f"column_{i}"
        if name.lower() in RESERVED:
            name = f"{name}_src"
        base, k = name, 2
        while name.lower() in seen:  # DuckDB names are case-insensitive
            name, k = f"{base}_{k}", k + 1
        seen.add(name.lower())
        out.append(name)
    return out


def sniff_dialect(sample: str, *, delimiter: str | None = None, source: str = "file") -> Dialect:
    """Find the delimiter and the header from the first characters of a file.

    The delimiter is the candidate that splits the header into the most fields among those that split
    the most following lines into the same number of fields.

    >>> sniff_dialect("ID;Стадия;Дата\\n1;Новая;01.03.2024 10:00\\n").delimiter
    ';'
    >>> sniff_dialect("sep=,\\na,b\\n1,2\\n").skip
    1
    """
    lines = sample.lstrip("\ufeff").splitlines()
    skip = 0
    m = re.fullmatch(r"sep=(.)", lines[0].strip()) if lines else None
    if m:
        delimiter, skip, lines = delimiter or m.group(1), 1, lines[1:]
    while lines and not lines[0].strip():
        skip, lines = skip + 1, lines[1:]
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise error(InputError, ERRORS, "csv.file_empty_no_header", source=source)
    try:
        return _sniff(sample, lines, delimiter=delimiter, skip=skip)
    except (pycsv.Error, StopIteration) as exc:  # stray CR/NUL bytes: not a text export
        raise error(InputError, ERRORS, "csv.cannot_read_csv_no", source=source, value=exc or "no fields") from exc


def _sniff(sample: str, lines: list[str], *, delimiter: str | None, skip: int) -> Dialect:
    if delimiter is None:
        body = lines[1:50] if len(lines) > 2 else lines[1:]
        best: tuple[float, int, int] | None = None
        for rank, d in enumerate(DELIMITERS):
            n_head = len(next(pycsv.reader([lines[0]], delimiter=d)))
            if n_head < 2:
                continue
            widths = [len(r) for r in pycsv.reader(body, delimiter=d)] if body else []
            same = sum(1 for w in widths if w == n_head) / len(widths) if widths else 1.0
            key = (same, n_head, -rank)
            if best is None or key > best:
                best, delimiter = key, d
        delimiter = delimiter or ","
    elif delimiter.lower() in ("tab", "\\t"):
        delimiter = "\t"
    rows = pycsv.reader(io.StringIO(sample.lstrip("\ufeff")), delimiter=delimiter)
    header = next(r for i, r in enumerate(rows) if i >= skip and any(c.strip() for c in r))
    return Dialect(delimiter=delimiter, header=_unique_names(header), skip=skip)


# --------------------------------------------------------------------------- file copies


def _edited_copy(path: Path, edits: list[tuple[int, int, bytes]]) -> Path:
    """Copy ``path`` with each byte range ``[start, end)`` replaced by its bytes (streaming; ranges disjoint)."""
    out = scratch_file("fix", suffix=".csv")
    with path.open("rb") as src, out.open("wb") as tmp:
        pos = 0
        for start, end, new in sorted(edits):
            _copy_range(src, tmp, pos, start)
            tmp.write(new)
            pos = end
        src.seek(pos)
        shutil.copyfileobj(src, tmp, _CHUNK)
    return out


def _lf_copy(path: Path, *, lone_cr: bool = False) -> Path:
    """Copy ``path`` with every ``\r\n`` (or, with ``lone_cr``, every ``\r``) turned into ``\n`` (streaming).

    Line numbers are unchanged by ``\r\n`` → ``\n``; ``lone_cr`` is for files whose only line end is CR.
    """
    out = scratch_file("lf", suffix=".csv")
    with path.open("rb") as src, out.open("wb") as tmp:
        carry = b""
        while chunk := src.read(_CHUNK):
            if lone_cr:
                tmp.write(chunk.replace(b"\r", b"\n"))
                continue
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""
            tmp.write(chunk[: len(chunk) - len(carry)].replace(b"\r\n", b"\n"))
        tmp.write(carry)
    return out


def _copy_range(src: io.BufferedReader, dst: object, start: int, end: int) -> None:
    src.seek(start)
    left = end - start
    while left > 0:
        block = src.read(min(_CHUNK, left))
        if not block:
            break
        dst.write(block)  # type: ignore[attr-defined]
        left -= len(block)


def _kept_to_original(nums: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """Numbers in a sequence with the sorted numbers ``removed`` taken out, back in the full sequence.

    >>> _kept_to_original(np.array([1, 2, 3]), np.array([2, 3])).tolist()
    [1, 4, 5]
    """
    if removed.size == 0:
        return nums.astype(np.int64)
    gaps = removed - np.arange(removed.size)
    return nums + np.searchsorted(gaps, nums, side="right")


# --------------------------------------------------------------------------- reading


def _read_into(store: EventStore, path: Path, dialect: Dialect, table: str, rejects: str) -> None:
    cols = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in dialect.header) + "}"
    store.sql(f"DROP TABLE IF EXISTS {rejects}")
    store.sql(f"DROP TABLE IF EXISTS {rejects}_scan")
    store.sql(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv({_lit(str(path))}, "
        f"delim={_lit(dialect.delimiter)}, quote='\"', escape='\"', header=true, skip={dialect.skip}, "
        f"auto_detect=false, columns={cols}, strict_mode=true, ignore_errors=true, "
        f"store_rejects=true, rejects_table={_lit(rejects)}, rejects_scan={_lit(rejects + '_scan')}, "
        f"max_line_size={int(store.settings.max_line_bytes)})"
    )


def _unreadable(path: Path, exc: duckdb.Error) -> InputError:
    """The parser's verdict in one line (its full text names a temporary copy and parser settings)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(
        f"{path.name}: cannot be read as CSV ({first}); expected a text export with a header line "
        "and one record per line — is it a binary file or a workbook saved with the wrong extension?"
    )


def read_csv_raw(
    store: EventStore,
    path: str | Path,
    *,
    log_name: str,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: ProgressFn | None = None,
) -> RawTable:
    """Load a CSV/TSV file into a raw text table; malformed records go to the quarantine.

    The records are first counted from the bytes (:func:`crmflow.ingest.record_scan.scan_records`);
    the lines its recovery rule sets aside (a quote never closed, text after a closing quote) are
    quarantined and left out of what DuckDB reads, and DuckDB's count must then equal the scan's.

    Parameters
    ----------
    store
        Where to load.
    path
        The file (``.csv``, ``.tsv``, ``.txt``).
    log_name
        The log the quarantine rows belong to.
    delimiter
        ``;``, ``,``, tab (``\\t`` or ``tab``) or ``|``; detected when None.
    encoding
        A Python codec name; detected when None.
    progress
        Called with a short description of each step.

    Returns
    -------
    RawTable
        ``rows_read`` = the records the byte scan found = loaded rows + quarantined records;
        ``info`` has the encoding, delimiter and the header line.

    Raises
    ------
    RowAccountingError
        DuckDB read a different number of records than the byte scan found (a crmflow bug: nothing
        is loaded rather than a wrong count).
    """
    p = Path(path)
    check_file_type(p, "csv", store.settings.lang)  # a PNG/PDF/ZIP under this name: said before parsing
    say = progress or (lambda _msg: None)
    say(f"reading {p.name}")
    utf8: Utf8File = ensure_utf8(p, encoding=encoding)
    work = utf8.path
    try:
        with work.open("r", encoding="utf-8", errors="replace", newline="") as fh:
            sample = fh.read(_SAMPLE_CHARS)
        if "\r" in sample and "\n" not in sample:  # classic Mac line ends: one CR per line
            work, sample = _lf_copy(work, lone_cr=True), sample.replace("\r", "\n")
        dialect = sniff_dialect(sample, delimiter=delimiter, source=p.name)
        if len(dialect.header) > MAX_COLUMNS:
            n = f"{len(dialect.header):,}" + ("" if "\n" in sample else "+")  # a header longer than the sample
            raise error(InputError, _TEXT, "too_wide", store.settings.lang, file=p.name, n=n, max=MAX_COLUMNS)
        say(f"counting the records of {p.name}")
        scan = scan_records(work, delimiter=dialect.delimiter, skip=dialect.skip, fields=len(dialect.header))
        if scan.broken or scan.respaced:
            fixed = _edited_copy(work, [(b.start, b.end, b"") for b in scan.broken] + list(scan.respaced))
            if work != utf8.path:
                work.unlink(missing_ok=True)
            work = fixed
        tmp, rej = store.new_name("csv_tmp"), store.new_name("csv_rej")
        say(f"parsing {p.name}")
        try:
            _read_into(store, work, dialect, tmp, rej)
        except duckdb.InvalidInputException as exc:
            # DuckDB's strict parser gives up on files mixing \r\n and \n line ends.
            fixed = _lf_copy(work)
            if work != utf8.path:
                work.unlink(missing_ok=True)
            work = fixed
            try:
                _read_into(store, work, dialect, tmp, rej)
            except duckdb.InvalidInputException as again:  # not a line-end problem: not a CSV at all
                raise _unreadable(p, again) from exc
        return _finish(store, p, utf8, dialect, scan, tmp, rej, log_name)
    finally:
        if work != utf8.path:
            work.unlink(missing_ok=True)
        utf8.cleanup()


def _finish(
    store: EventStore,
    p: Path,
    utf8: Utf8File,
    dialect: Dialect,
    scan: RecordScan,
    tmp: str,
    rej: str,
    log_name: str,
) -> RawTable:
    lang = store.settings.lang
    rejected = store.sql(f"SELECT line FROM {rej} GROUP BY line ORDER BY line").fetchall()
    good = int(store.sql(f"SELECT count(*) FROM {tmp}").fetchall()[0][0])
    kept = scan.records - len(scan.broken)
    header_row = scan.header_row
    broken_rows = np.array(sorted(b.row for b in scan.broken), dtype=np.int64)
    rej_rows = _kept_to_original(np.array([int(r[0]) for r in rejected], dtype=np.int64), broken_rows)
    blank = np.array([b for b in scan.blank_rows if b > header_row], dtype=np.int64)
    if good + len(rejected) != kept or np.isin(rej_rows, blank).any():
        raise error(
            RowAccountingError,
            _TEXT,
            "mismatch",
            lang,
            file=p.name,
            records=scan.records,
            broken=len(scan.broken),
            good=good,
            rejected=len(rejected),
        )
    rej_nums = (rej_rows - header_row).tolist()
    phys = scan.lines_of_rows(rej_rows).tolist()
    broken_nums = (broken_rows - header_row).tolist()
    excluded = sorted(set(rej_nums) | set(broken_nums) | set((blank - header_row).tolist()))
    raw = store.new_name("raw_csv")
    cols = ", ".join(ident(c) for c in dialect.header)
    helpers: list[str] = []
    if excluded:
        ex = store.new_name("csv_ex")
        store.register_arrow(ex, pa.table({"r": pa.array(excluded, pa.int64())}))
        gm = store.new_name("csv_gm")
        helpers.append(gm)
        # The i-th excluded number r_i has g_i = r_i - i good rows before it: good row k is
        # numbered k + (how many excluded numbers have g_i < k).
        store.sql(
            f"CREATE TEMP TABLE {gm} AS SELECT g, max(i) AS n FROM "
            f"(SELECT r - row_number() OVER (ORDER BY r) AS g, row_number() OVER (ORDER BY r) AS i "
            f"FROM {ex}) GROUP BY g"
        )
        store.con.unregister(ex)
        numbered = f"(SELECT rowid + 1 AS k, * FROM {tmp}) t ASOF LEFT JOIN {gm} m ON t.k > m.g"
        src = f"(SELECT t.*, t.k + coalesce(m.n, 0) AS num FROM {numbered})"
    else:
        src = f"(SELECT rowid + 1 AS num, * FROM {tmp})"
    if scan.multi_line:  # physical lines: the row plus the extra lines of the multi-line records before it
        mm = store.new_name("csv_mm")
        helpers.append(mm)
        rows = np.array([m[0] - header_row for m in scan.multi_line], dtype=np.int64)
        extra = np.cumsum(np.array([m[1] for m in scan.multi_line], dtype=np.int64))
        store.temp_table_from_arrow(mm, pa.table({"mr": rows, "cum": extra}), order_by="mr")
        src = f"(SELECT s.*, coalesce(x.cum, 0) AS extra FROM {src} s ASOF LEFT JOIN {mm} x ON s.num > x.mr)"
        line_sql = f"num + {header_row} + extra"
    else:
        line_sql = f"num + {header_row}"
    select = f"SELECT num::BIGINT AS row_no, ({line_sql})::BIGINT AS line, {cols} FROM {src}"
    backing: tuple[str, ...] = ()
    if helpers:  # renumbering around excluded rows: worth a table of its own
        store.sql(f"CREATE TABLE {table_name(raw)} AS {select} ORDER BY row_no")
        store.sql(f"DROP TABLE {tmp}")
        for h in helpers:
            store.sql(f"DROP TABLE {h}")
    else:  # numbers follow the scan order: a view, not a second copy of the file
        store.sql(f"CREATE VIEW {table_name(raw)} AS {select}")
        backing = (tmp,)
    quarantined = _quarantine_rejects(store, rej, rejected, rej_nums, phys, dialect, utf8.encoding, log_name, p.name, lang)
    _quarantine_broken(store, scan, header_row, dialect, log_name, p.name, lang)
    store.sql(f"DROP TABLE IF EXISTS {rej}")
    store.sql(f"DROP TABLE IF EXISTS {rej}_scan")
    return RawTable(
        table=raw,
        source=p.name,
        format="tsv" if dialect.delimiter == "\t" else "csv",
        rows_read=scan.records,
        quarantined=quarantined + len(scan.broken),
        info={
            "encoding": utf8.encoding,
            "delimiter": dialect.delimiter,
            "header_line": header_row,
            "columns": list(dialect.header),
            "lines_exact": True,
            "multi_line_records": len(scan.multi_line),
            "set_aside_by_scan": len(scan.broken),
        },
        backing=backing,
    )


def _quarantine_broken(
    store: EventStore, scan: RecordScan, header_row: int, dialect: Dialect, log_name: str, source: str, lang: str
) -> None:
    """One quarantine row per line the byte scan's recovery rule set aside."""
    rows = []
    for b in scan.broken:
        if b.malformed:
            reason = text(_TEXT, "UNQUOTED VALUE", lang, line=b.line)
            kind = "csv_unquoted_value"
        else:
            key = "unterminated" if b.next_line is not None else "unterminated_end"
            reason = text(_TEXT, key, lang, line=b.line, next=b.next_line)
            kind = "csv_unterminated_quote"
        rows.append(
            {
                "log_name": log_name,
                "source": source,
                "row_no": b.row - header_row,
                "line": b.line,
                "reason": reason,
                "kind": kind,
                "raw": b.text,
            }
        )
    store.quarantine_rows(rows)


def _quarantine_rejects(
    store: EventStore,
    rej: str,
    rejected: list[tuple],
    rej_nums: list[int],
    phys: list[int],
    dialect: Dialect,
    encoding: str,
    log_name: str,
    source: str,
    lang: str,
) -> int:
    """One quarantine row per rejected record, the reason built in SQL from DuckDB's error."""
    if not rejected:
        return 0
    keys = pa.table(
        {
            "dline": pa.array([int(r[0]) for r in rejected], pa.int64()),
            "row_no": pa.array(rej_nums, pa.int64()),
            "phys": pa.array(phys, pa.int64()),
        }
    )
    kn = store.new_name("csv_keys")
    store.register_arrow(kn, keys)

    def template(key: str) -> str:
        t = text(_TEXT, key, lang)
        t = t.replace("{delim}", _delim_name(dialect.delimiter)).replace("{encoding}", encoding)
        t = t.replace("{max}", str(store.settings.max_line_bytes)).replace("{expected}", str(len(dialect.header)))
        return (
            f"replace(replace(replace({_lit(t)}, '{{line}}', phys::VARCHAR), '{{found}}', "
            f"coalesce(regexp_extract(error_message, 'Found: (\\d+)', 1), '?')), '{{error}}', error_message)"
        )

    cases = " ".join(
        f"WHEN error_type = {_lit(k)} THEN {template(k)}"
        for k in ("TOO MANY COLUMNS", "MISSING COLUMNS", "UNQUOTED VALUE", "LINE SIZE OVER MAXIMUM", "INVALID ENCODING")
    )
    store.sql(
        f"""INSERT INTO quarantine
        SELECT {_lit(log_name)}, {_lit(source)}, k.row_no, k.phys, any_value(r.column_name),
               NULL, string_agg(DISTINCT CASE {cases} ELSE {template("OTHER")} END, '; '),
               any_value(ltrim(r.csv_line, chr(13) || chr(10))),
               'csv_' || replace(lower(any_value(r.error_type)), ' ', '_')
        FROM {rej} r JOIN {kn} k ON r.line = k.dline
        GROUP BY k.row_no, k.phys"""
    )
    store.con.unregister(kn)
    return len(rejected)
