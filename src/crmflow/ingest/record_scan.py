"""Row accounting from the bytes: where each record of a CSV file begins and ends, counted independently.

DuckDB's CSV reader decides record boundaries itself; on a quote that is opened and never closed it
swallows the following lines into one rejected record (or, when a later stray quote "closes" it,
into one silently wrong record). :func:`scan_records` reads the file once more, as bytes, and
decides every boundary with the rules below; the CSV reader then takes out the records the recovery
rule set aside, lets DuckDB read the rest and checks that DuckDB found exactly the records the scan
found (:mod:`crmflow.ingest.csv`).

The rules
---------
1. Records are read as RFC 4180 says and DuckDB does: a quote opens a quoted value only at the start
   of a field (after optional spaces); inside it ``""`` is a quote and line ends are data (but a
   value opened after spaces ends at the line end, as in DuckDB); a quote inside unquoted text is an
   ordinary character. A record ends at a line end (LF or CRLF) outside a
   quoted value. Empty lines are not records (DuckDB skips them), but they keep their number.
   Spaces between a separator and an opening quote are removed from the copy DuckDB reads
   (:func:`despace`; DuckDB trims them from the value anyway, but its parser misreads some such
   lines); a record spanning lines with such spaces is cut back as in rule 3.
2. **Recovery.** At a line end inside a quoted value, the value goes on to the next line *unless that
   next line is a record of its own*: well-formed by the strict rule (every quote opening or closing
   a value, nothing after a closing quote) with exactly the header's number of fields. Then the
   quote is taken to end at the line end.
3. A record whose quote is never closed (rule 2 stopped it, or the file ended), or that spans
   several lines and is not well-formed (text after a closing quote, a stray quote), is cut back to
   its first line: that line is one record, set aside (:class:`BrokenRecord`, quarantined with its
   line number), and the lines after it are read again as records of their own.

So an unclosed quote costs exactly its own line, a well-formed value over several lines is one
record, and a well-formed multi-line record with a field too many is one (bad) record. The one
ambiguity left: a line *inside* a multi-line value that on its own is a complete, well-formed
record with the header's number of fields ends the value early (rule 2); with a dozen columns that
takes a line of text holding exactly eleven separators and no quotes.

Cost. The file is read in chunks of :data:`CHUNK_BYTES`; in each chunk numpy finds the line ends and
quotes and marks the *plain* lines -- no quote, or only quotes that open a value at a field start
and close it before a separator or the line end, an even number of them. A plain line is a record
of its own and is counted in bulk. Only the other lines (and the lines after an open quote) are
read one by one, with ``bytes.find`` from field to field; there is no Python step per character.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_bytes(b'a,b,c\\n1,"open,x\\n2,y,z\\n3,"two\\nlines",z\\n')
>>> s = scan_records(p, delimiter=",", skip=0, fields=3)
>>> s.records, [(b.line, b.next_line) for b in s.broken], s.multi_line
(3, [(2, 3)], ((4, 1),))
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Bytes scanned at a time (numpy arrays of a few times this size are built per chunk).
CHUNK_BYTES = 16 << 20
#: Characters of a set-aside line kept for the quarantine.
MAX_TEXT = 4096

_LF, _CR, _QUOTE, _SPACE = 10, 13, 34, 32
_END, _QUOTED = 0, 1  # parser states at a line end: outside a value (record ends) / inside a quoted value
#: Qualities of a line or record, from best to worst (:func:`parse_line`).
CLEAN, STRAY, SPACED, MALFORMED = 0, 1, 2, 3


@dataclass(frozen=True)
class BrokenRecord:
    """A line the recovery rule set aside: its quote is never closed (or its multi-line record is malformed)."""

    row: int  # its row, numbered as DuckDB numbers them (records and empty lines count one each)
    line: int  # its physical line
    start: int  # byte offset of the line
    end: int  # byte offset after its line end
    next_line: int | None  # the line that was a record of its own (None: the file ended, or malformed)
    malformed: bool  # one line with text after a closing quote (False: a quote that is never closed)
    text: str  # the line as read (at most MAX_TEXT characters)


@dataclass(frozen=True)
class RecordScan:
    """What the byte scan found: the truth the CSV reader's counts are checked against."""

    records: int  # data records after the header (including broken ones)
    header_row: int  # the header's row (1 + lines skipped before it)
    lines: int  # physical lines in the file
    blank_rows: tuple[int, ...]  # rows that are empty lines (not records)
    multi_line: tuple[tuple[int, int], ...]  # (row, extra physical lines) of each record spanning lines
    broken: tuple[BrokenRecord, ...] = field(default=())
    #: (start, end, new bytes) of one-line records whose spaces before an opening quote are removed
    respaced: tuple[tuple[int, int, bytes], ...] = field(default=())

    def lines_of_rows(self, rows: np.ndarray) -> np.ndarray:
        """The physical line where each row (an int array) begins.

        >>> RecordScan(3, 1, 5, (), ((2, 2),)).lines_of_rows(np.array([1, 2, 3]))
        array([1, 2, 5])
        """
        if not self.multi_line:
            return rows.astype(np.int64)
        starts = np.array([m[0] for m in self.multi_line], dtype=np.int64)
        extra = np.cumsum(np.array([m[1] for m in self.multi_line], dtype=np.int64))
        before = np.searchsorted(starts, rows, side="left")  # multi-line records strictly before the row
        return rows.astype(np.int64) + np.where(before > 0, extra[np.maximum(before - 1, 0)], 0)


def parse_line(line: bytes, state: int, delim: int) -> tuple[int, int, int]:
    """Read one physical line (without its LF) from ``state``: the state at its end, fields ended, quality.

    ``fields`` counts the fields that end on this line (a value still open at the end is not
    counted). ``quality`` is :data:`CLEAN` (strict RFC 4180), :data:`STRAY` (a quote inside unquoted
    text, which DuckDB keeps as a character), :data:`SPACED` (spaces before an opening quote, which
    DuckDB 1.x reads erratically -- the reader removes them, see :func:`despace`) or
    :data:`MALFORMED` (text after a closing quote).

    >>> parse_line(b'1,"say ""hi"" now",c', _END, ord(","))
    (0, 3, 0)
    >>> parse_line(b'1,"open', _END, ord(","))
    (1, 1, 0)
    >>> parse_line(b'x",3', _QUOTED, ord(","))
    (0, 2, 0)
    >>> parse_line(b'1,x"y,3', _END, ord(",")), parse_line(b'1,"x"y,3', _END, ord(","))
    ((0, 3, 1), (0, 3, 3))
    """
    n = len(line)
    end = n - 1 if n and line[-1] == _CR else n  # a CR before the LF ends the line, unless inside quotes
    pos, fields, quality = 0, 0, CLEAN
    quoted = state == _QUOTED
    spaced = False  # the open quote came after spaces: DuckDB ends such a value at the line end
    while True:
        if not quoted:
            j = pos
            while j < end and line[j] == _SPACE:
                j += 1
            if j < end and line[j] == _QUOTE:
                quoted, spaced, pos = True, j > pos, j + 1
                if spaced:
                    quality = max(quality, SPACED)
            else:
                k = line.find(delim, pos, end)
                stop = end if k < 0 else k
                if quality == CLEAN and line.find(_QUOTE, pos, stop) >= 0:  # (SPACED/MALFORMED stay)
                    quality = STRAY
                fields += 1
                if k < 0:
                    return _END, fields, quality
                pos = k + 1
                continue
        while True:  # inside a quoted value
            k = line.find(_QUOTE, pos)
            if k < 0:
                return (_END, fields + 1, MALFORMED) if spaced else (_QUOTED, fields, quality)
            if k + 1 < n and line[k + 1] == _QUOTE:
                pos = k + 2
                continue
            pos = k + 1
            break
        quoted = False
        while pos < end and line[pos] == _SPACE:
            pos += 1
        if pos >= end:
            return _END, fields + 1, quality
        if line[pos] == delim:
            fields, pos = fields + 1, pos + 1
            continue
        quality = MALFORMED  # text after the closing quote: DuckDB goes on reading it as unquoted text
        k = line.find(delim, pos, end)
        fields += 1
        if k < 0:
            return _END, fields, quality
        pos = k + 1


def despace(line: bytes, delim: int) -> bytes:
    """A one-line record of quality :data:`SPACED` with the spaces around its quoted values removed.

    DuckDB trims those spaces from the values anyway, so the values read are the same; without them
    its parser does not take ``1,  ",,",x`` for an unclosed quote swallowing the rest of the file.

    >>> despace(b'1,  "a,b" ,x\\r', ord(","))
    b'1,"a,b",x\\r'
    """
    n = len(line)
    end = n - 1 if n and line[-1] == _CR else n
    out, pos = bytearray(), 0
    while True:
        j = pos
        while j < end and line[j] == _SPACE:
            j += 1
        if j < end and line[j] == _QUOTE:
            k = j + 1
            while True:
                k = line.find(_QUOTE, k)
                if k < 0:  # not closed on this line (cannot happen for SPACED): keep the rest
                    return bytes(out + line[pos:])
                if k + 1 < n and line[k + 1] == _QUOTE:
                    k += 2
                    continue
                break
            out += line[j : k + 1]
            pos = k + 1
            while pos < end and line[pos] == _SPACE:
                pos += 1
            if pos >= end or line[pos] != delim:
                return bytes(out + line[pos:])
            out.append(delim)
            pos += 1
            continue
        k = line.find(delim, pos, end)
        if k < 0:
            return bytes(out + line[pos:])
        out += line[pos : k + 1]
        pos = k + 1


@dataclass
class _Line:
    no: int  # physical line number
    start: int  # byte offset
    end: int  # byte offset after the LF
    data: bytes  # without the LF


@dataclass
class _Open:
    """A record whose quoted value is still open at a line end."""

    row: int
    lines: list[_Line]
    fields: int
    quality: int


class _Scanner:
    def __init__(self, delim: int, skip: int, fields: int) -> None:
        self.delim, self.skip, self.fields = delim, skip, fields
        self.row = 0  # rows so far (DuckDB numbering)
        self.records = 0
        self.header_done = False
        self.blank: list[int] = []
        self.multi: list[tuple[int, int]] = []
        self.broken: list[BrokenRecord] = []
        self.respaced: list[tuple[int, int, bytes]] = []
        self.open: _Open | None = None
        self.lines_seen = 0

    # -- one line at a time (the slow path)

    def alone(self, ln: _Line) -> bool:
        """Rule 2: the line is a well-formed record of its own with the header's number of fields."""
        if not ln.data or ln.data == b"\r":
            return False
        state, n, quality = parse_line(ln.data, _END, self.delim)
        return state == _END and quality == CLEAN and n == self.fields

    def line(self, first: _Line) -> None:
        queue: deque[_Line] = deque([first])
        while queue:
            ln = queue.popleft()
            if self.open is not None:
                if self.alone(ln):
                    queue.extendleft(reversed([*self.cut(ln.no), ln]))
                    continue
                state, n, quality = parse_line(ln.data, _QUOTED, self.delim)
                op = self.open
                op.lines.append(ln)
                op.fields += n
                op.quality = max(op.quality, quality)
                if state == _END:
                    if op.quality < SPACED:
                        self.open = None
                        self.multi.append((op.row, len(op.lines) - 1))
                    else:  # rule 3: a malformed multi-line record is cut back to its first line
                        queue.extendleft(reversed(self.cut(None)))
                continue
            if self.lines_seen_before_header(ln):
                continue
            if not ln.data or ln.data == b"\r":
                self.row += 1
                self.blank.append(self.row)
                continue
            self.start_record(ln)

    def lines_seen_before_header(self, ln: _Line) -> bool:
        if ln.no <= self.skip:
            self.row += 1
            return True
        return False

    def start_record(self, ln: _Line) -> None:
        self.row += 1
        if self.header_done:
            self.records += 1
        state, n, quality = parse_line(ln.data, _END, self.delim)
        if state == _QUOTED:
            self.open = _Open(self.row, [ln], n, quality)
        elif quality == MALFORMED and self.header_done:  # set aside: DuckDB's recovery can make up rows
            self._set_aside(self.row, ln, None, malformed=True)
        elif quality == SPACED and self.header_done:
            lf = b"\n" if ln.end > ln.start + len(ln.data) else b""
            self.respaced.append((ln.start, ln.end, despace(ln.data, self.delim) + lf))
        self.header_done = True

    def cut(self, next_line: int | None, *, malformed: bool = False) -> list[_Line]:
        """Rule 3: the open record becomes its first line, set aside; return its other lines to read again."""
        op = self.open
        assert op is not None
        self.open = None
        if op.row > self.header_row:
            self._set_aside(op.row, op.lines[0], next_line, malformed=malformed)
        return op.lines[1:]

    def _set_aside(self, row: int, ln: _Line, next_line: int | None, *, malformed: bool) -> None:
        text = ln.data.decode("utf-8", errors="replace").rstrip("\r")[:MAX_TEXT]
        self.broken.append(BrokenRecord(row, ln.no, ln.start, ln.end, next_line, malformed, text))

    @property
    def header_row(self) -> int:
        return self.skip + 1

    # -- plain lines in bulk (the fast path)

    def plain(self, count: int) -> None:
        self.row += count
        self.records += count


def _chunks(path: Path) -> Iterator[tuple[int, bytearray]]:
    """(byte offset, bytes) of consecutive chunks, each ending after a LF (or at EOF).

    Each chunk is read into a buffer of its own behind the part line carried from the one before; only that
    part line is copied (copying whole chunks took half of the scan of a clean file).
    """
    offset, carry = 0, b""
    with path.open("rb") as fh:
        while True:
            buf = bytearray(len(carry) + CHUNK_BYTES)
            buf[: len(carry)] = carry
            got = fh.readinto(memoryview(buf)[len(carry) :])
            if not got:
                if carry:
                    yield offset, bytearray(carry)
                return
            size = len(carry) + got
            cut = buf.rfind(b"\n", 0, size) + 1
            if cut == 0:
                carry = bytes(buf[:size])
                continue
            carry = bytes(buf[cut:size])
            del buf[cut:]
            yield offset, buf
            offset += cut


def _plain_lines(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, delim: int) -> np.ndarray:
    """Which lines of a chunk are plain records: no quote, or only well-placed quotes, an even number."""
    n_lines = len(starts)
    q = np.flatnonzero(arr == _QUOTE)
    plain = np.ones(n_lines, dtype=bool)
    if q.size == 0:
        return plain
    li = np.searchsorted(ends, q, side="right")  # the line holding each quote (ends: LF positions)
    first = np.searchsorted(li, li, side="left")
    k = np.arange(q.size) - first  # rank of the quote within its line
    prev = np.where(q > 0, arr[np.maximum(q - 1, 0)], _LF)
    nxt = np.where(q + 1 < arr.size, arr[np.minimum(q + 1, arr.size - 1)], _LF)
    at_start = q == starts[li]
    opening = (k % 2 == 0) & (at_start | (prev == delim) | ((prev == _QUOTE) & (k > 0)))
    after_cr = np.where(q + 2 < arr.size, arr[np.minimum(q + 2, arr.size - 1)], _LF)
    closing = (k % 2 == 1) & ((nxt == delim) | (nxt == _LF) | (nxt == _QUOTE) | ((nxt == _CR) & (after_cr == _LF)))
    bad = ~(opening | closing)
    counts = np.bincount(li, minlength=n_lines)
    plain &= counts % 2 == 0
    if bad.any():
        plain[np.unique(li[bad])] = False
    return plain


#: Chunks prepared ahead of the one being scanned (:func:`_prepared`).
LOOKAHEAD = 2
#: A prepared chunk (:func:`_prepare`): offset, bytes, the bytes as an array, lines' starts and ends, lines not plain.
_Prepared = tuple[int, bytearray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _prepare(offset: int, data: bytearray, delim: int) -> _Prepared:
    """A chunk's bytes as an array, its lines' starts and ends, and which lines are not plain records (or blank)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(arr == _LF)
    if ends.size == 0 or ends[-1] != arr.size - 1:  # the last line has no LF
        ends = np.append(ends, arr.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    length = np.minimum(ends, arr.size) - starts
    blank = (length == 0) | ((length == 1) & (arr[np.minimum(starts, arr.size - 1)] == _CR))
    # a chunk without a quote has only plain lines (bytes.find is a memchr: a tenth of a numpy pass)
    special = blank if data.find(b'"') < 0 else ~_plain_lines(arr, starts, ends, delim) | blank
    return offset, data, arr, starts, ends, special


def _prepared(path: Path, delim: int) -> Iterator[_Prepared]:
    """:func:`_prepare` of every chunk, in order, the next :data:`LOOKAHEAD` prepared by two threads meanwhile.

    The chunks' numpy passes do not depend on each other (numpy lets go of the GIL in them); only the scan
    of the lines that are not plain follows the file's order. 10 M-event scaled CSV (864 MB): 1.0 s -> 0.7 s.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque[Future[_Prepared]] = deque()
        for offset, data in _chunks(path):
            pending.append(pool.submit(_prepare, offset, data, delim))
            if len(pending) > LOOKAHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def scan_records(path: str | Path, *, delimiter: str, skip: int, fields: int) -> RecordScan:
    """Count the records of a CSV file (UTF-8 or any ASCII-compatible encoding) by the rules above.

    Parameters
    ----------
    path
        The file (the reader's UTF-8 copy, or the original when it already is UTF-8 or cp1251).
    delimiter
        The one-character field separator.
    skip
        Physical lines before the header (a ``sep=;`` line, empty lines).
    fields
        The header's number of fields (rule 2).

    Returns
    -------
    RecordScan
        Records after the header, the rows that are empty lines, the records spanning several
        lines and the lines set aside by the recovery rule.
    """
    delim = ord(delimiter)
    sc = _Scanner(delim, skip, fields)
    last_line = 0
    line_no = 1
    for offset, data, arr, starts, ends, special in _prepared(Path(path), delim):
        # the skipped lines and the header are read one by one, too
        head = max(0, skip + 2 - line_no) if not sc.header_done else 0
        special[: min(head, special.size)] = True
        todo = np.flatnonzero(special)
        i, n = 0, len(starts)
        t = 0
        while i < n:
            if sc.open is None:
                while t < todo.size and todo[t] < i:
                    t += 1
                nxt = int(todo[t]) if t < todo.size else n
                if nxt > i:
                    sc.plain(nxt - i)
                    i = nxt
                    if i >= n:
                        break
            s, e = int(starts[i]), int(ends[i])
            sc.line(_Line(no=line_no + i, start=offset + s, end=offset + min(e + 1, arr.size), data=bytes(data[s:e])))
            i += 1
        last_line = line_no + n - 1
        line_no += n
    while sc.open is not None:  # the file ended inside a quoted value
        rest = sc.cut(None)
        for ln in rest:
            sc.line(ln)
    return RecordScan(
        records=sc.records,
        header_row=skip + 1,
        lines=last_line,
        blank_rows=tuple(sc.blank),
        multi_line=tuple(sc.multi),
        broken=tuple(sc.broken),
        respaced=tuple(sc.respaced),
    )


__all__ = [
    "CHUNK_BYTES",
    "CLEAN",
    "MALFORMED",
    "SPACED",
    "STRAY",
    "BrokenRecord",
    "RecordScan",
    "despace",
    "parse_line",
    "scan_records",
]
