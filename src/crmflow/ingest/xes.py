"""Read XES event logs (``.xes``, ``.xes.gz``) into a raw table.

Two engines share one result:

* **r4pm** (Rust) is the fast path: it parses the file into a Polars frame in a fraction of a
  second.
* **lxml** streaming (:func:`iterparse` with the safe options) is the robust path. It keeps every
  event exactly as written, gives source line numbers, and is used whenever the fast path cannot
  be trusted: r4pm rejects the file or panics (any exception, a Rust panic included), reports a
  value it could not convert (it would turn it into
  ``NULL`` or a placeholder), returns a different number of events than the file holds, the file
  does not end with ``</log>`` (r4pm accepts a truncated file silently), or the file holds
  ``<list>``/``<container>`` attributes (which r4pm renders as debug text).

Safety comes first: a ``.gz`` file is inflated to a temporary file through the decompression-bomb
guard, and the prolog is checked for DTDs and entities before either parser opens it.

The raw table has ``row_no`` (file order: traces in order, events in order within each trace),
``line`` (lxml path only), then the XES attributes under their XES names -- trace attributes
prefixed ``case:`` -- typed from the XES type (``date`` → ``TIMESTAMPTZ`` in UTC, ``int`` →
``BIGINT``, ``float`` → ``DOUBLE``, ``boolean`` → ``BOOLEAN``, anything else text).
"""

from __future__ import annotations

import array
import contextlib
import io
import json
import mmap
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from crmflow.errors import InputError
from crmflow.i18n import Phrase, error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.ingest.safety import (
    MAX_PROLOG_BYTES,
    SAFE_ITERPARSE_OPTIONS,
    ScratchFile,
    check_xml_prolog,
    decompress_into,
    is_gzip,
)
from crmflow.store import queries as q
from crmflow.store.store import EventStore

Engine = Literal["auto", "r4pm", "lxml"]

#: XES attribute elements and the SQL type their values take.
XES_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "date": "TIMESTAMPTZ",
    "int": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "id": "VARCHAR",
    "list": "VARCHAR",
    "container": "VARCHAR",
}
_LEADING = ("case:concept:name", "concept:name", "time:timestamp", "org:resource", "org:role", "lifecycle:transition")
#: The tags the fast path counts, in one regular-expression pass (five ``bytes.count`` passes took 2.7x
#: as long on BPIC 2012). Counting the bare prefix may over-count a tag that merely starts alike (none
#: in XES); an over-count only sends the file to the careful lxml path. No tag contains ``<``, so two
#: matches never overlap and the matches of a stretch of bytes are those of any text around it that
#: lie wholly inside it (what the chunked scan relies on).
_TAG = re.compile(rb"<(event|list|container|global)")
_GLOBAL = re.compile(rb"<global\b[^>]*?/>|<global\b.*?</global\s*>", re.S)
#: How far the header (everything before the first ``<trace``) may reach for its globals to be blanked.
_HEADER_LIMIT = 64 * 1024 * 1024
_CHUNK = 4 * 1024 * 1024
_BATCH = 50_000


def _ordered(columns: list[str]) -> list[str]:
    """XES standard columns first, then trace attributes, then event attributes, each sorted."""
    lead = [c for c in _LEADING if c in columns]
    rest = [c for c in columns if c not in _LEADING]
    return lead + sorted(c for c in rest if c.startswith("case:")) + sorted(c for c in rest if not c.startswith("case:"))


def _scalar(store: EventStore, query: str) -> Any:
    """One value; the result is fetched completely so the connection is free again."""
    return store.sql(query).fetchall()[0][0]


# ---------------------------------------------------------------------------- cheap pre-scan


class XesScan:
    """The pre-scan fed chunk by chunk: tag counts and the file's end, in one read of the bytes.

    :func:`scan_xes` feeds it from a file; :func:`read_xes_raw` feeds it from the decompression stream
    or the file's chunks on their way to r4pm's copy, so the bytes are read once.
    """

    def __init__(self) -> None:
        self._counts: Counter[bytes] = Counter()
        self._first_trace = -1
        self._overlap = b""
        self._offset = 0  # stream offset of the current buffer's first byte
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        buf = self._overlap + chunk
        # A tag cut at the chunk edge is found in the next round thanks to the overlap; tags wholly
        # inside the overlap were counted last round, so they are subtracted.
        self._counts.update(_TAG.findall(buf))
        if self._overlap:
            self._counts.subtract(_TAG.findall(self._overlap))
        if self._first_trace < 0:
            hit = buf.find(b"<trace")
            if hit >= 0:
                self._first_trace = self._offset + hit
        self._tail = chunk[-4096:] if len(chunk) >= 4096 else (self._tail + chunk)[-4096:]
        self._overlap = buf[-16:]
        self._offset += len(buf) - len(self._overlap)

    def result(self) -> dict[str, Any]:
        """See :func:`scan_xes`."""
        tail = re.sub(rb"<!--.*?-->", b"", self._tail, flags=re.S).rstrip()
        return {
            "events": self._counts[b"event"],
            "lists": self._counts[b"list"] + self._counts[b"container"],
            "globals": self._counts[b"global"],
            "first_trace": self._first_trace,
            "complete": tail.endswith(b"</log>"),
        }


def scan_xes(path: str | Path) -> dict[str, Any]:
    """Count the tags the fast path cares about and check the file ends with ``</log>``.

    A byte scan in 4 MiB chunks: bounded memory, no parsing. Tags inside comments are counted
    too, which can only make the fast path look untrustworthy, never the reverse.

    Returns
    -------
    dict
        ``events``, ``lists`` (list/container attributes), ``globals``, ``first_trace`` (byte
        offset of the first ``<trace``, or -1) and ``complete`` (ends with ``</log>``).
    """
    scan = XesScan()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            scan.feed(chunk)
    return scan.result()


def _blank(match: re.Match[bytes]) -> bytes:
    return re.sub(rb"[^\n]", b" ", match.group(0))


class _FastCopy:
    """The bytes r4pm reads, written in the same pass as the pre-scan: the header's ``<global>``s blanked.

    XES globals declare default values, and r4pm fills every missing attribute with them -- an event
    without ``time:timestamp`` would get the default date (often 1970-01-01) instead of staying empty for
    the quarantine. pm4py ignores the defaults too. The header (everything before the first ``<trace``)
    is held until it ends, its globals blanked with spaces (newlines kept: no offset or line moves), and
    the rest passes through. A decompressed log always needs the copy (``always``); a plain file only
    when its header has globals to blank -- otherwise r4pm reads the file itself and nothing is written.
    ``blanked`` is False when a ``<global`` would survive the blanking: r4pm is then not trusted.
    """

    def __init__(self, open_scratch: Callable[[], ScratchFile], *, always: bool) -> None:
        self._open = open_scratch
        self._always = always
        self._held = bytearray()
        self._in_header = True
        self.scratch: ScratchFile | None = None
        self.header_globals = 0  # ``<global`` tags before the first ``<trace``
        self.blanked = False  # what r4pm reads has its header's globals blanked
        self._original_header = b""
        self._blanked_header = b""
        self._restored = False

    @property
    def settled(self) -> bool:
        """The header has ended: from here on the bytes only pass through (when there is a copy at all)."""
        return not self._in_header

    def feed(self, chunk: bytes) -> None:
        if not self._in_header:
            if self.scratch is not None:
                self.scratch.write(chunk)
            return
        if not self._held and (end := chunk.find(b"<trace")) >= 0:
            self._end_header(chunk, end)  # the usual case: the header ends in the first chunk (no copy of it)
            return
        start = max(0, len(self._held) - len(b"<trace") + 1)
        self._held += chunk
        end = self._held.find(b"<trace", start)
        if end >= 0:
            self._end_header(bytes(self._held), end)
        elif len(self._held) > _HEADER_LIMIT:
            self._end_header(bytes(self._held), -1)  # too long a header: no blanking (r4pm is not trusted with globals)

    def finish(self) -> None:
        """The stream ended: a log without any trace is all header."""
        if self._in_header:
            self._end_header(bytes(self._held), len(self._held))

    def _end_header(self, held: bytes, end: int) -> None:
        self._in_header = False
        self._held = bytearray()
        header = held[:end] if end >= 0 else b""
        self.header_globals = header.count(b"<global")
        blanked = _GLOBAL.sub(_blank, header) if self.header_globals else header
        self.blanked = bool(self.header_globals) and b"<global" not in blanked
        if not (self.blanked or self._always):
            return
        self.scratch = self._open()
        if self.blanked:
            self._original_header, self._blanked_header = header, blanked
            self.scratch.write(blanked)
            self.scratch.write(memoryview(held)[len(header) :])
        else:
            self.scratch.write(held)

    def header_tags(self) -> tuple[Counter[bytes], Counter[bytes]]:
        """The counted tags of the header as r4pm reads it and as the log has it (the blanking removes some)."""
        return Counter(_TAG.findall(self._blanked_header)), Counter(_TAG.findall(self._original_header))

    def restore(self) -> None:
        """Put the header back as it was, for the lxml path (which must read the file's own bytes)."""
        if self.scratch is not None and self.blanked and not self._restored:
            self.scratch.write_at(0, self._original_header)
            self._restored = True


class _TagCounts:
    """The pre-scan's counts over a whole file, made by Arrow's RE2 kernels on the other core while r4pm parses.

    r4pm holds the GIL for its whole parse (a Python loop in another thread barely moves), so a Python
    scan cannot overlap it; an Arrow kernel releases the GIL. The file is mapped (no copy) as one binary
    value, and two threads -- ``<event`` and the rare tags, one kernel call each, since a thread needs
    the GIL back between calls -- are started just before r4pm and joined after it: on BPIC 2012 the
    0.1 s of counting is then hidden behind r4pm's 0.9 s. The patterns count what :class:`XesScan`
    counts (the bare prefixes); ``rare`` is lists, containers and globals together.
    """

    _PATTERNS = {"events": "<event", "rare": "<(?:list|container|global)"}

    def __init__(self, path: Path) -> None:
        self._counts: dict[str, int] = {}
        self._errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._fd = os.open(path, os.O_RDONLY)
        size = os.fstat(self._fd).st_size
        self._map = mmap.mmap(self._fd, size, access=mmap.ACCESS_READ) if size else None
        data = pa.py_buffer(self._map) if self._map is not None else pa.py_buffer(b"")
        offsets = pa.py_buffer(array.array("q", [0, size]).tobytes())
        self._value: pa.Array | None = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, data])

    def start(self) -> _TagCounts:
        for key, pattern in self._PATTERNS.items():
            entered = threading.Event()
            thread = threading.Thread(target=self._count, args=(key, pattern, entered), daemon=True)
            self._threads.append(thread)
            thread.start()
            entered.wait()  # the thread holds the GIL until the kernel releases it: then r4pm may take it
        return self

    def _count(self, key: str, pattern: str, entered: threading.Event) -> None:
        try:
            entered.set()
            self._counts[key] = int(pc.count_substring_regex(self._value, pattern=pattern)[0].as_py())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._errors.append(exc)

    def result(self) -> dict[str, int]:
        self.close()
        if self._errors:
            raise self._errors[0]
        return dict(self._counts)

    def close(self) -> None:
        for thread in self._threads:
            thread.join()
        self._value = None  # the last reference to the mapped buffer: the map may close
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


# ---------------------------------------------------------------------------- r4pm fast path


@contextlib.contextmanager
def _captured_fd2() -> Iterator[list[str]]:
    """Capture what native code writes to file descriptor 2 (r4pm reports conversions there)."""
    out: list[str] = []
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield out
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            out.extend(line for line in tmp.read().decode("utf-8", "replace").splitlines() if line)


def _r4pm_frame(path: Path) -> tuple[Any, list[str]]:
    """Load with r4pm; return the Polars frame and r4pm's diagnostics. Raises on parse errors.

    ``r4pm.df.import_xes`` is the call pm4py's importer makes; unlike the registry's ``import_item`` it
    takes a path without an ``.xes`` ending (the in-memory copy's ``/proc/self/fd/N``).
    """
    import r4pm.df

    with _captured_fd2() as diagnostics:
        frame, _meta = r4pm.df.import_xes(str(path))
    return frame, diagnostics


def _register_r4pm(store: EventStore, table: str, frame: Any) -> None:
    """Hand the frame to DuckDB as the raw table, without a copy: a registered Arrow table.

    ``row_no`` is the file order (the frame's); XES dates, which r4pm gives as naive UTC instants, become
    ``TIMESTAMPTZ`` by a change of Arrow metadata. Staging reads the Arrow table once, into its work
    table, and :func:`crmflow.ingest.raw.drop_raw` unregisters it.
    """
    import polars as pl

    columns = [pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row_no")]
    for name in _ordered(list(frame.columns)):
        col, dtype = pl.col(name), frame.schema[name]
        if isinstance(dtype, pl.Datetime):
            col = col.dt.convert_time_zone("UTC") if dtype.time_zone else col.dt.replace_time_zone("UTC")
            col = col.dt.cast_time_unit("us")
        columns.append(col)
    store.register_arrow(table, frame.select(columns).to_arrow())


def _run_r4pm(fast: Path, label: str) -> tuple[Any, str]:
    """The r4pm frame of ``fast`` and ``""``, or ``None`` and why r4pm's own result cannot be trusted."""
    try:
        frame, diagnostics = _r4pm_frame(fast)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001
        # r4pm signals parse failures as plain exceptions, and a Rust panic (an empty <event/>:
        # "not yet implemented") as pyo3's PanicException, which derives from BaseException;
        # either way the careful lxml path reads the file instead
        kind = "panicked" if type(exc).__name__ == "PanicException" else "rejected the file"
        return None, f"r4pm {kind} (" + str(exc).replace(str(fast), label) + ")"
    if diagnostics:
        return None, "r4pm could not convert some values: " + "; ".join(diagnostics[:3])
    if any("\0" in c for c in frame.columns):
        # a NUL in an attribute key: Polars panics when it hands the column name to Arrow (found by
        # bench/fuzz.py); XML has no NUL at all, so the lxml path refuses the file with its line
        return None, "an attribute key holds a NUL character"
    if len({c.lower() for c in frame.columns}) < len(frame.columns):
        # keys that differ only in case (time:timestamp, tiMe:timestamp; found by bench/fuzz.py) are one
        # column name to DuckDB, which then binds the wrong one; the lxml path keeps them apart
        return None, "attribute keys that differ only in case"
    return frame, ""


def _trust(frame: Any, r4pm_reason: str, scan: dict[str, Any], copy: _FastCopy) -> str:
    """Why the fast path cannot be trusted (``""`` when it can), checked in a fixed order."""
    if scan["globals"] and not (copy.blanked and copy.header_globals == scan["globals"]):
        return "<global> declarations outside the log header"
    if r4pm_reason:
        return r4pm_reason
    if frame.height != scan["events"]:
        return f"r4pm read {frame.height:,} events but the file has {scan['events']:,}"
    if not scan["complete"]:
        return "the file does not end with </log> (truncated?)"
    if scan["lists"]:
        return "the file has list/container attributes"
    return ""


# ---------------------------------------------------------------------------- lxml robust path


def _attribute(elem: etree._Element) -> tuple[str, str, str | None] | None:
    """``(key, xes type, text value)`` of an attribute element, or ``None`` if it is not one."""
    tag = etree.QName(elem).localname if isinstance(elem.tag, str) else ""
    if tag not in XES_TYPES:
        return None
    key = elem.get("key")
    if key is None:
        return None
    if tag in ("list", "container"):
        values = [(c.get("key"), c.get("value")) for c in elem.iter() if c is not elem and c.get("key")]
        return key, tag, json.dumps(values, ensure_ascii=False)
    return key, tag, elem.get("value")


class _Columns:
    """Column-wise text buffers with the XES types seen per column, flushed to Arrow batches."""

    def __init__(self) -> None:
        self.types: dict[str, set[str]] = {}
        self.batches: list[pa.Table] = []
        self._rows: list[dict[str, str | None]] = []

    def add(self, row: dict[str, str | None], kinds: dict[str, str]) -> None:
        for k, t in kinds.items():
            self.types.setdefault(k, set()).add(t)
        self._rows.append(row)
        if len(self._rows) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        names = list(self.types)
        arrays = {
            "row_no": pa.array([r["row_no"] for r in self._rows], pa.int64()),
            "line": pa.array([r["line"] for r in self._rows], pa.int64()),
        }
        for n in names:
            arrays[n] = pa.array([r.get(n) for r in self._rows], pa.string())
        self.batches.append(pa.table(arrays))
        self._rows = []


def _iter_lxml(path: Path, label: str, cols: _Columns, progress: ProgressFn | None) -> int:
    """Stream the XES file into ``cols``; return the number of events."""
    n = 0
    trace_events: list[tuple[dict[str, Any], dict[str, str]]] = []
    trace_attrs: dict[str, str | None] = {}
    trace_kinds: dict[str, str] = {}
    event: dict[str, Any] | None = None
    kinds: dict[str, str] = {}
    depth_trace = depth_event = -1
    depth = 0
    context = etree.iterparse(str(path), events=("start", "end"), **SAFE_ITERPARSE_OPTIONS)
    try:
        for action, elem in context:
            if not isinstance(elem.tag, str):
                continue
            tag = etree.QName(elem).localname
            if action == "start":
                depth += 1
                if depth == 1 and tag != "log":
                    raise error(InputError, ERRORS, "xes.line_root_element_xes", label=label, sourceline=elem.sourceline, tag=tag)
                if tag == "trace" and depth_trace < 0:
                    depth_trace, trace_events, trace_attrs, trace_kinds = depth, [], {}, {}
                elif tag == "event" and depth_event < 0:
                    n += 1
                    depth_event = depth
                    event, kinds = {"row_no": n, "line": elem.sourceline}, {}
                continue
            # end of an element
            if depth_event >= 0 and depth == depth_event + 1 and event is not None:
                attr = _attribute(elem)
                if attr:
                    event[attr[0]], kinds[attr[0]] = attr[2], attr[1]
            elif depth_trace >= 0 and depth == depth_trace + 1 and depth_event < 0:
                attr = _attribute(elem)
                if attr:
                    trace_attrs["case:" + attr[0]], trace_kinds["case:" + attr[0]] = attr[2], attr[1]
            if tag == "event" and depth == depth_event:
                depth_event = -1
                if depth_trace >= 0:
                    trace_events.append((event, kinds))  # type: ignore[arg-type]
                else:  # an event outside any trace: kept, without a case id
                    cols.add(event, kinds)  # type: ignore[arg-type]
                if n % 100_000 == 0 and progress:
                    progress(f"{label}: {n:,} events read")
            elif tag == "trace" and depth == depth_trace:
                depth_trace = -1
                # Trace attributes may follow the events; attach them once the trace is complete.
                for ev, ek in trace_events:
                    cols.add({**trace_attrs, **ev}, {**trace_kinds, **ek})
                trace_events = []
            depth -= 1
            if depth_event < 0 and tag in ("event", "trace"):
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
    except etree.XMLSyntaxError as exc:
        line = Phrase(ERRORS, "xml.at_line", line=exc.lineno) if getattr(exc, "lineno", None) else ""
        raise error(InputError, ERRORS, "xes.this_not_well_formed_2", label=label, line=line, msg=exc.msg) from exc
    cols.flush()
    return n


def _load_lxml(
    store: EventStore, table: str, path: Path, label: str, log_name: str, progress: ProgressFn | None
) -> tuple[int, int, list[str]]:
    """Run the lxml path; return (events read, events quarantined, columns kept as text)."""
    cols = _Columns()
    n = _iter_lxml(path, label, cols, progress)
    if n == 0:
        store.sql(f"CREATE TABLE {q.table_name(table)} (row_no BIGINT, line BIGINT)")
        return 0, 0, []
    text = store.new_name("xes_text")
    parts = []
    for i, batch in enumerate(cols.batches):
        name = f"{text}_{i}"
        store.con.register(name, batch)
        parts.append(f"SELECT * FROM {name}")
    try:
        store.sql(f"CREATE TEMP TABLE {text} AS {' UNION ALL BY NAME '.join(parts)}")
    finally:
        for i in range(len(cols.batches)):
            store.con.unregister(f"{text}_{i}")
    cols.batches.clear()

    # Type each column from the XES type its values were written with; a column whose values
    # disagree on the type, or do not all convert, keeps its text so nothing is lost.
    select, as_text = ["row_no", "line"], []
    for name in _ordered(list(cols.types)):
        ident = q.ident(name)
        kinds = cols.types[name]
        sql_type = XES_TYPES[next(iter(kinds))] if len(kinds) == 1 else "VARCHAR"
        if name == "time:timestamp":
            sql_type = "TIMESTAMPTZ"
        elif sql_type != "VARCHAR":
            bad = _scalar(store, f"SELECT count({ident}) - count(TRY_CAST({ident} AS {sql_type})) FROM {text}")
            if bad:
                sql_type = "VARCHAR"
        if sql_type == "VARCHAR":
            select.append(ident)
            if len(kinds) > 1 or kinds - {"string", "id", "list", "container"}:
                as_text.append(name)
        else:
            select.append(f"TRY_CAST({ident} AS {sql_type}) AS {ident}")

    quarantined = 0
    if "time:timestamp" in cols.types:
        ts = q.ident("time:timestamp")
        bad_rows = store.rows(
            f"SELECT row_no, line, {ts} AS value FROM {text} "
            f"WHERE {ts} IS NOT NULL AND TRY_CAST({ts} AS TIMESTAMPTZ) IS NULL ORDER BY row_no"
        )
        quarantined = store.quarantine_rows(
            {
                "log_name": log_name,
                "source": label,
                "row_no": r["row_no"],
                "line": r["line"],
                "column_name": "time:timestamp",
                "value": r["value"],
                "kind": "bad_timestamp",
                "reason": f"event at line {r['line']}: cannot read {r['value']!r} as an XES date "
                "(expected xs:dateTime such as 2024-03-01T10:15:00.000+03:00)",
            }
            for r in bad_rows
        )
        where = f"WHERE {ts} IS NULL OR TRY_CAST({ts} AS TIMESTAMPTZ) IS NOT NULL"
    else:
        where = ""
    store.sql(f"CREATE TABLE {q.table_name(table)} AS SELECT {', '.join(select)} FROM {text} {where} ORDER BY row_no")
    store.sql(f"DROP TABLE {text}")
    return n, quarantined, as_text


# ---------------------------------------------------------------------------- entry point


def _one_pass(path: Path, label: str, copy: _FastCopy, *, gz: bool, max_bytes: int, max_ratio: int) -> bytes:
    """Read the bytes once for r4pm's copy: inflate them (under the bomb guards), blank the header's globals.

    A plain file is read only up to the end of its header unless a copy is needed. A ``.gz`` log's prolog
    is checked on its first decompressed bytes -- the log's own, not the copy's -- once the stream has
    passed the bomb guards, before any parser opens the copy (a plain file's was checked before). Returns
    the last 4 KiB of the log's own bytes (to see that it ends with ``</log>``).
    """
    head = bytearray()
    tail = b""

    def feed(chunk: bytes) -> None:
        nonlocal tail
        if len(head) < MAX_PROLOG_BYTES:
            head.extend(chunk[: MAX_PROLOG_BYTES - len(head)])
        tail = chunk[-4096:] if len(chunk) >= 4096 else (tail + chunk)[-4096:]
        copy.feed(chunk)

    if gz:
        decompress_into(path, feed, max_bytes=max_bytes, max_ratio=max_ratio, chunk=_CHUNK)
        check_xml_prolog(io.BytesIO(bytes(head)), name=label)
    else:
        with open(path, "rb") as fh:
            while (not copy.settled or copy.scratch is not None) and (chunk := fh.read(_CHUNK)):
                feed(chunk)
            size = os.fstat(fh.fileno()).st_size
            tail = os.pread(fh.fileno(), 4096, max(0, size - 4096))
    copy.finish()
    return tail


def _scan(fast: Path, counts: dict[str, int], tail: bytes, copy: _FastCopy, original: Path) -> dict[str, Any]:
    """The pre-scan of the log's own bytes from the counts over ``fast`` (which may have a blanked header).

    The blanked header's tags are swapped for the original header's. When the rare tags are not just the
    header's globals (the file will leave the fast path), the exact split -- lists or globals -- comes from
    a full :class:`XesScan` of the original bytes, for the reason's words.
    """
    events, rare = counts["events"], counts["rare"]
    if copy.blanked:
        for_r4pm, own = copy.header_tags()
        events += own[b"event"] - for_r4pm[b"event"]
        rare += sum(own[t] - for_r4pm[t] for t in (b"list", b"container", b"global"))
    complete = re.sub(rb"<!--.*?-->", b"", tail, flags=re.S).rstrip().endswith(b"</log>")
    if rare == copy.header_globals:  # no list or container, no global outside the header
        return {"events": events, "lists": 0, "globals": copy.header_globals, "complete": complete}
    copy.restore()
    exact = scan_xes(original)
    return {**exact, "complete": complete}


def read_xes_raw(
    store: EventStore,
    path: str | Path,
    *,
    log_name: str,
    progress: ProgressFn | None = None,
    engine: Engine = "auto",
) -> RawTable:
    """Load an XES file (plain or gzip-compressed) into a raw table in ``store``.

    Parameters
    ----------
    store
        The project store; its settings give the decompression limits.
    path
        ``.xes`` or ``.xes.gz`` file (gzip is recognised by its magic bytes).
    log_name
        The log this source feeds (used for quarantine rows).
    progress
        Called with a short note at each step.
    engine
        ``"auto"`` (r4pm, falling back to lxml when r4pm cannot be trusted), ``"r4pm"`` or
        ``"lxml"``.

    Returns
    -------
    RawTable
        ``format="xes"``; ``rows_read`` is the number of events; ``info`` has ``engine``,
        ``fallback_reason`` (when lxml took over), ``cases`` and ``text_columns``.

    Raises
    ------
    UnsafeInputError
        DTD/entities in the prolog, or a decompression bomb.
    InputError
        The file is missing, not XES, or not well-formed (with the line where known).

    Examples
    --------
    >>> from crmflow.store.store import EventStore
    >>> raw = read_xes_raw(EventStore(), "tests/data/tiny.xes", log_name="log")  # doctest: +SKIP
    """
    p = Path(path)
    label = p.name
    if not p.is_file():
        raise error(InputError, ERRORS, "xes.no_such_file_expected_4", p=p)
    settings = store.settings
    gz = is_gzip(p)
    with contextlib.ExitStack() as stack:
        if not gz:
            check_xml_prolog(p, name=label)
        copy = _FastCopy(lambda: stack.enter_context(ScratchFile(suffix=".xes")), always=gz)
        tail = b""
        if gz or engine != "lxml":
            if progress:
                progress(f"{label}: " + ("decompressing" if gz else "reading the header"))
            limits = {"max_bytes": settings.max_decompressed_bytes, "max_ratio": settings.max_compression_ratio}
            tail = _one_pass(p, label, copy, gz=gz, **limits)
        # what lxml reads: the file's own bytes (the decompressed copy, its header put back if blanked)
        plain = copy.scratch.path if gz and copy.scratch is not None else p
        table = store.new_name("raw_xes")
        info: dict[str, Any] = {}
        reason = ""
        frame = None
        if engine in ("auto", "r4pm"):
            if progress:
                progress(f"{label}: parsing with r4pm")
            fast = copy.scratch.path if copy.scratch is not None else p
            if copy.blanked:  # defence in depth: what r4pm reads passes the prolog check too
                check_xml_prolog(fast, name=label)
            counts = stack.enter_context(contextlib.closing(_TagCounts(fast))).start()
            frame, reason = _run_r4pm(fast, label)
            scan = _scan(fast, counts.result(), tail, copy, plain)
            reason = _trust(frame, reason, scan, copy)
            if reason:
                frame = None
                if engine == "r4pm":
                    raise error(InputError, ERRORS, "xes.r_pm_engine_cannot", label=label, reason=reason)
        as_text: list[str]
        if frame is not None:
            _register_r4pm(store, table, frame)
            n, quarantined, as_text = int(frame.height), 0, []
            info["engine"] = "r4pm"
            registered = True
        else:
            frame = None  # free r4pm's copy before the lxml pass
            copy.restore()
            if progress:
                progress(f"{label}: parsing with lxml" + (f" ({reason})" if reason else ""))
            n, quarantined, as_text = _load_lxml(store, table, plain, label, log_name, progress)
            info["engine"] = "lxml"
            registered = False
            if reason:
                info["fallback_reason"] = reason
    info["text_columns"] = as_text
    if "case:concept:name" in store.columns(table):
        info["cases"] = int(_scalar(store, f'SELECT count(DISTINCT "case:concept:name") FROM {q.table_name(table)}'))
    return RawTable(
        table=table, source=label, format="xes", rows_read=n, quarantined=quarantined, info=info, registered=registered
    )


__all__ = ["XES_TYPES", "XesScan", "read_xes_raw", "scan_xes"]
