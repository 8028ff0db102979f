"""CSV and TSV files into a raw table, with every malformed line in the quarantine.

The file is transcoded to UTF-8 when needed (:mod:`crmflow.ingest.encoding`); the delimiter and the
header come from a sample; DuckDB's parallel CSV reader then loads all columns as text, in strict
mode, sending lines it cannot split (wrong number of fields, broken quotes, invalid characters,
over-long lines) to a rejects table, which becomes quarantine rows.

Numbering. ``row_no`` counts the lines after the header: when every record is one physical line
(the usual case) ``row_no = line - header_line``, and the quarantine's ``line`` is the physical
line a text editor shows. Blank lines are skipped but keep their number, so row numbers may have
gaps. When quoted values span several lines, good rows are numbered in file order around the
rejected ones and their ``line`` is NULL; rejected rows still get their physical line.

A value whose opening quote is never closed would swallow the rest of the file into one rejected
record; such a line is taken out (quarantined on its own) and the file is read again, so the rows
after it are kept.
"""

from __future__ import annotations

import csv as pycsv
import io
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from crmflow.errors import InputError
from crmflow.i18n import text
from crmflow.ingest.encoding import Utf8File, ensure_utf8
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.store.queries import ident, table_name
from crmflow.store.store import EventStore

#: Delimiters tried, in tie-break order.
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
#: Column names the raw table uses itself.
RESERVED: tuple[str, ...] = ("row_no", "line")
#: At most this many unterminated-quote repairs (each re-reads the file).
MAX_REPAIRS = 20
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
        "en": "line {line}: a quoted value is never closed (the quote would swallow the rest of the file); "
        "the line was set aside and reading went on with the next line",
        "ru": "строка {line}: значение в кавычках не закрыто (кавычка поглотила бы остаток файла); "
        "строка отложена, чтение продолжено со следующей",
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
        raise InputError(f"{source}: the file is empty (no header line)")
    try:
        return _sniff(sample, lines, delimiter=delimiter, skip=skip)
    except (pycsv.Error, StopIteration) as exc:  # stray CR/NUL bytes: not a text export
        raise InputError(
            f"{source}: cannot be read as CSV (no header line could be split: {exc or 'no fields'}); "
            "expected a text export with a header line and one record per line — is it a binary "
            "file or a workbook saved with the wrong extension?"
        ) from exc


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


# --------------------------------------------------------------------------- line accounting


@dataclass(frozen=True)
class _LineScan:
    lines: int  # physical lines
    blank: list[int]  # physical numbers of empty lines (None when too many to list)
    too_many_blank: bool
    at: list[int]  # physical line of each requested byte offset


def _scan_lines(path: Path, offsets: list[int], max_blank: int = 100_000, *, find_blank: bool = True) -> _LineScan:
    """Count lines, list empty lines and find the line of each byte offset (sorted), chunk by chunk.

    Looking for empty lines is most of the cost; ``find_blank=False`` skips it (for the common
    file whose line count already equals its record count, which leaves no room for them).
    """
    order = sorted(range(len(offsets)), key=lambda i: offsets[i])
    at = [0] * len(offsets)
    oi, base_line, base_pos = 0, 0, 0
    blank: list[int] = []
    prev_end = b"\n"  # the byte before the file counts as a line end
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            while oi < len(order) and offsets[order[oi]] < base_pos + len(chunk):
                at[order[oi]] = base_line + chunk.count(b"\n", 0, offsets[order[oi]] - base_pos) + 1
                oi += 1
            if find_blank and len(blank) <= max_blank:
                joined = prev_end + chunk
                for pat in (b"\n\n", b"\n\r\n"):
                    i = joined.find(pat)
                    while i >= 0 and len(blank) <= max_blank:
                        blank.append(base_line + joined.count(b"\n", 1, i + 1) + 1)
                        i = joined.find(pat, i + 1)
            base_line += chunk.count(b"\n")
            base_pos += len(chunk)
            prev_end = chunk[-1:]
    while oi < len(order):
        at[order[oi]] = base_line + 1
        oi += 1
    lines = base_line + (0 if prev_end == b"\n" or base_pos == 0 else 1)
    return _LineScan(lines, sorted(set(blank)), len(blank) > max_blank, at)


def _record_starts(path: Path, anchors: list[int]) -> list[int]:
    """Byte offset where the physical line holding each anchor begins, past any empty lines.

    DuckDB's ``line_byte_position`` lands at, just after or just before the start of a rejected
    record depending on the line ending, so we go back to the previous newline and then skip
    line-end bytes forward.
    """
    out = []
    with path.open("rb") as fh:
        for a in anchors:
            start, window = 0, 4096
            while True:
                lo = max(0, a - window)
                fh.seek(lo)
                nl = fh.read(a - lo).rfind(b"\n")
                if nl >= 0 or lo == 0:
                    start = lo + nl + 1 if nl >= 0 else 0
                    break
                window *= 4
            fh.seek(start)
            head = fh.read(256)
            out.append(start + len(head) - len(head.lstrip(b"\r\n")))
    return out


def _without_lines(path: Path, starts: list[int]) -> Path:
    """Copy ``path`` leaving out the physical lines beginning at ``starts`` (streaming)."""
    tmp = tempfile.NamedTemporaryFile(prefix="crmflow-fix-", suffix=".csv", delete=False)  # noqa: SIM115
    with path.open("rb") as src, tmp:
        pos = 0
        for s in sorted(starts):
            _copy_range(src, tmp, pos, s)
            src.seek(s)
            while True:  # skip to the end of the line
                block = src.read(1 << 16)
                nl = block.find(b"\n")
                if nl >= 0 or not block:
                    pos = src.tell() - len(block) + nl + 1 if nl >= 0 else src.tell()
                    break
        src.seek(pos)
        shutil.copyfileobj(src, tmp, _CHUNK)
    return Path(tmp.name)


def _lf_copy(path: Path) -> Path:
    """Copy ``path`` with every ``\r\n`` turned into ``\n`` (streaming; line numbers unchanged)."""
    tmp = tempfile.NamedTemporaryFile(prefix="crmflow-lf-", suffix=".csv", delete=False)  # noqa: SIM115
    with path.open("rb") as src, tmp:
        carry = b""
        while chunk := src.read(_CHUNK):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""
            tmp.write(chunk[: len(chunk) - len(carry)].replace(b"\r\n", b"\n"))
        tmp.write(carry)
    return Path(tmp.name)


def _copy_range(src: io.BufferedReader, dst: object, start: int, end: int) -> None:
    src.seek(start)
    left = end - start
    while left > 0:
        block = src.read(min(_CHUNK, left))
        if not block:
            break
        dst.write(block)  # type: ignore[attr-defined]
        left -= len(block)


def _gap_fill(nums: list[int], removed: list[int]) -> list[int]:
    """Map numbers of a file with ``removed`` lines taken out back to the original numbering."""
    out = []
    for n in nums:
        for r in removed:  # sorted
            if r <= n:
                n += 1
            else:
                break
        out.append(n)
    return out


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
    """Load a CSV/TSV file into a raw text table; malformed lines go to the quarantine.

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
        ``rows_read`` = loaded rows + quarantined lines; ``info`` has the encoding, delimiter and
        the header line.
    """
    p = Path(path)
    say = progress or (lambda _msg: None)
    say(f"reading {p.name}")
    utf8: Utf8File = ensure_utf8(p, encoding=encoding)
    work = utf8.path
    try:
        with work.open("r", encoding="utf-8", errors="replace", newline="") as fh:
            sample = fh.read(_SAMPLE_CHARS)
        dialect = sniff_dialect(sample, delimiter=delimiter, source=p.name)
        header_line = dialect.skip + 1
        tmp, rej = store.new_name("csv_tmp"), store.new_name("csv_rej")
        normalized = False
        removed: list[tuple[int, int, str]] = []  # (DuckDB line, physical line, text), original numbering
        for _ in range(MAX_REPAIRS + 1):
            say(f"parsing {p.name}")
            try:
                _read_into(store, work, dialect, tmp, rej)
            except duckdb.InvalidInputException as exc:
                # DuckDB's strict parser gives up on files mixing \r\n and \n line ends.
                if normalized:
                    raise _unreadable(p, exc) from exc
                fixed = _lf_copy(work)
                if work != utf8.path:
                    work.unlink(missing_ok=True)
                work, normalized = fixed, True
                try:
                    _read_into(store, work, dialect, tmp, rej)
                except duckdb.InvalidInputException as again:  # not a line-end problem: not a CSV at all
                    raise _unreadable(p, again) from again
            swallow = store.sql(
                f"SELECT line, min(least(line_byte_position, coalesce(byte_position, line_byte_position))) "
                f"FROM {rej} WHERE error_type = 'UNQUOTED VALUE' "
                "AND contains(ltrim(csv_line, chr(13) || chr(10)), chr(10)) GROUP BY line ORDER BY line"
            ).fetchall()
            if not swallow or len(removed) >= MAX_REPAIRS:
                break
            starts = _record_starts(work, [int(r[1]) for r in swallow])
            scan = _scan_lines(work, starts, max_blank=0)
            phys = _gap_fill(scan.at, sorted(r[1] for r in removed))
            dlines = _gap_fill([int(r[0]) for r in swallow], sorted(r[0] for r in removed))
            with work.open("rb") as fh:
                for s, dl, ln in zip(starts, dlines, phys, strict=True):
                    fh.seek(s)
                    first = fh.readline(1 << 16).decode("utf-8", errors="replace").rstrip("\r\n")
                    removed.append((dl, ln, first))
            fixed = _without_lines(work, starts)
            if work != utf8.path:
                work.unlink(missing_ok=True)
            work = fixed
        return _finish(store, p, utf8, work, dialect, header_line, tmp, rej, removed, log_name)
    finally:
        if work != utf8.path:
            work.unlink(missing_ok=True)
        utf8.cleanup()


def _finish(
    store: EventStore,
    p: Path,
    utf8: Utf8File,
    work: Path,
    dialect: Dialect,
    header_line: int,
    tmp: str,
    rej: str,
    removed: list[tuple[int, int, str]],
    log_name: str,
) -> RawTable:
    lang = store.settings.lang
    rejected = store.sql(
        f"SELECT line, min(least(line_byte_position, coalesce(byte_position, line_byte_position))) "
        f"FROM {rej} GROUP BY line ORDER BY line"
    ).fetchall()
    starts = _record_starts(work, [int(r[1]) for r in rejected])
    good = int(store.sql(f"SELECT count(*) FROM {tmp}").fetchall()[0][0])
    scan = _scan_lines(work, starts, find_blank=False)
    if scan.lines + len(removed) - header_line != good + len(rejected) + len(removed):
        scan = _scan_lines(work, starts)  # blank lines or multi-line records: find the blank lines
    removed_lines = sorted(r[1] for r in removed)
    phys = _gap_fill(scan.at, removed_lines)
    blank = _gap_fill([b for b in scan.blank if b > header_line], removed_lines)
    # Exact when every record is one physical line: lines = header + blanks + records.
    body_lines = scan.lines + len(removed) - header_line - len(blank)
    exact = not scan.too_many_blank and body_lines == good + len(rejected) + len(removed)
    if exact:  # one line per record: number by physical line
        rej_nums = [ln - header_line for ln in phys]
        removed_nums = [ln - header_line for _, ln, _ in removed]
    else:  # DuckDB's record index (blank lines count, multi-line records count once)
        dlines = _gap_fill([int(r[0]) for r in rejected], sorted(r[0] for r in removed))
        rej_nums = [n - header_line for n in dlines]
        removed_nums = [dl - header_line for dl, _, _ in removed]
    blank_nums = {b - header_line for b in blank} if exact else set()
    excluded = sorted(set(rej_nums) | set(removed_nums) | blank_nums)
    raw = store.new_name("raw_csv")
    cols = ", ".join(ident(c) for c in dialect.header)
    gm = None
    if excluded:
        ex = store.new_name("csv_ex")
        store.register_arrow(ex, pa.table({"r": pa.array(excluded, pa.int64())}))
        gm = store.new_name("csv_gm")
        # The i-th excluded number r_i has g_i = r_i - i good rows before it: good row k is
        # numbered k + (how many excluded numbers have g_i < k).
        store.sql(
            f"CREATE TEMP TABLE {gm} AS SELECT g, max(i) AS n FROM "
            f"(SELECT r - row_number() OVER (ORDER BY r) AS g, row_number() OVER (ORDER BY r) AS i "
            f"FROM {ex}) GROUP BY g"
        )
        store.con.unregister(ex)
        num = "(t.k + coalesce(m.n, 0))"
        src = f"(SELECT rowid + 1 AS k, * FROM {tmp}) t ASOF LEFT JOIN {gm} m ON t.k > m.g"
    else:
        num, src = "(rowid + 1)", tmp
    line_sql = f"({num} + {header_line})" if exact else "NULL"
    backing: tuple[str, ...] = ()
    if gm:  # renumbering around excluded rows: worth a table of its own
        select = f"SELECT {num}::BIGINT AS row_no, {line_sql}::BIGINT AS line, {cols} FROM {src}"
        store.sql(f"CREATE TABLE {table_name(raw)} AS {select}")
        store.sql(f"DROP TABLE {tmp}")
        store.sql(f"DROP TABLE {gm}")
    else:  # numbers follow the scan order: a view, not a second copy of the file
        select = f"SELECT {num}::BIGINT AS row_no, {line_sql}::BIGINT AS line, {cols} FROM {src}"
        store.sql(f"CREATE VIEW {table_name(raw)} AS {select}")
        backing = (tmp,)
    quarantined = _quarantine_rejects(store, rej, rejected, rej_nums, phys, dialect, utf8.encoding, log_name, p.name, lang)
    if removed:
        store.quarantine_rows(
            {
                "log_name": log_name,
                "source": p.name,
                "row_no": num,
                "line": ln,
                "reason": text(_TEXT, "unterminated", lang, line=ln),
                "kind": "csv_unterminated_quote",
                "raw": t,
            }
            for num, (_, ln, t) in zip(removed_nums, removed, strict=True)
        )
    store.sql(f"DROP TABLE IF EXISTS {rej}")
    store.sql(f"DROP TABLE IF EXISTS {rej}_scan")
    return RawTable(
        table=raw,
        source=p.name,
        format="tsv" if dialect.delimiter == "\t" else "csv",
        rows_read=good + quarantined + len(removed),
        quarantined=quarantined + len(removed),
        info={
            "encoding": utf8.encoding,
            "delimiter": dialect.delimiter,
            "header_line": header_line,
            "columns": list(dialect.header),
            "lines_exact": exact,
        },
        backing=backing,
    )


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
