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

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
from lxml import etree

from crmflow.errors import InputError
from crmflow.i18n import Phrase, error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.raw import TRIM_SPACES, ProgressFn, RawTable
from crmflow.ingest.safety import (
    SAFE_ITERPARSE_OPTIONS,
    ScratchFile,
    check_xml_prolog,
    is_gzip,
)
from crmflow.ingest.xes_scan import FastCopy, TagCounts, XesScan, one_pass, prescan, scan_xes
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
_BATCH = 50_000


def _ordered(columns: list[str]) -> list[str]:
    """XES standard columns first, then trace attributes, then event attributes, each sorted."""
    lead = [c for c in _LEADING if c in columns]
    rest = [c for c in columns if c not in _LEADING]
    return lead + sorted(c for c in rest if c.startswith("case:")) + sorted(c for c in rest if not c.startswith("case:"))


def _scalar(store: EventStore, query: str) -> Any:
    """One value; the result is fetched completely so the connection is free again."""
    return store.sql(query).fetchall()[0][0]


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


def _trimmed_columns(frame: Any) -> frozenset[str]:
    """The frame's text columns none of whose values begins or ends with a :data:`TRIM_SPACES` character.

    Staging trims every text value, which is half of its conversion's cost and a no-op on what XES exports
    hold; Polars tells the columns where it is a no-op, judging each distinct value once (21 ms of BPIC
    2012 against the 67 ms the trims took).
    """
    import polars as pl

    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not texts:
        return frozenset()
    edge = f"^[{TRIM_SPACES}]|[{TRIM_SPACES}]$"
    found = frame.select([pl.col(name).unique().str.contains(edge).any() for name in texts]).row(0)
    return frozenset(name for name, has_edge in zip(texts, found, strict=True) if not has_edge)


def _register_r4pm(store: EventStore, table: str, frame: Any) -> tuple[pa.Table, int | None]:
    """Hand the frame to DuckDB as the raw table, without a copy: a registered Arrow table.

    ``row_no`` is the file order (the frame's); XES dates, which r4pm gives as naive UTC instants, become
    ``TIMESTAMPTZ`` by a change of Arrow metadata. Polars' text columns go over as Arrow string views, its
    own layout (the default, Arrow's plain strings, copied every value: 12 ms of BPIC 2012); DuckDB reads
    both alike. Staging reads the Arrow table once, into its work table, and
    :func:`crmflow.ingest.raw.drop_raw` unregisters it.

    Returns the registered table and the number of distinct case ids (``count(DISTINCT "case:concept:name")``:
    NULL not counted) when the case id is text, counted by Polars on the frame, else None (the caller asks DuckDB).
    """
    import polars as pl

    columns = [pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row_no")]
    for name in _ordered(list(frame.columns)):
        col, dtype = pl.col(name), frame.schema[name]
        if isinstance(dtype, pl.Datetime):
            col = col.dt.convert_time_zone("UTC") if dtype.time_zone else col.dt.replace_time_zone("UTC")
            col = col.dt.cast_time_unit("us")
        columns.append(col)
    arrow = frame.select(columns).to_arrow(compat_level=pl.CompatLevel.newest())
    store.register_arrow(table, arrow)
    if frame.schema.get("case:concept:name") != pl.String:
        return arrow, None
    return arrow, int(frame.get_column("case:concept:name").drop_nulls().n_unique())


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


def _trust(frame: Any, r4pm_reason: str, scan: dict[str, Any], copy: FastCopy) -> str:
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
        copy = FastCopy(lambda: stack.enter_context(ScratchFile(suffix=".xes")), always=gz)
        tail = b""
        if gz or engine != "lxml":
            if progress:
                progress(f"{label}: " + ("decompressing" if gz else "reading the header"))
            limits = {"max_bytes": settings.max_decompressed_bytes, "max_ratio": settings.max_compression_ratio}
            tail = one_pass(p, label, copy, gz=gz, **limits)
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
            counts = stack.enter_context(contextlib.closing(TagCounts(fast))).start()
            frame, reason = _run_r4pm(fast, label)
            scan = prescan(fast, counts.result(), tail, copy, plain)
            reason = _trust(frame, reason, scan, copy)
            if reason:
                frame = None
                if engine == "r4pm":
                    raise error(InputError, ERRORS, "xes.r_pm_engine_cannot", label=label, reason=reason)
        as_text: list[str]
        cases: int | None = None
        trimmed: frozenset[str] = frozenset()
        arrow = None
        if frame is not None:
            arrow, cases = _register_r4pm(store, table, frame)
            trimmed = _trimmed_columns(frame)
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
    if cases is not None:
        info["cases"] = cases
    elif "case:concept:name" in store.columns(table):
        info["cases"] = int(_scalar(store, f'SELECT count(DISTINCT "case:concept:name") FROM {q.table_name(table)}'))
    return RawTable(
        table=table,
        source=label,
        format="xes",
        rows_read=n,
        quarantined=quarantined,
        info=info,
        registered=registered,
        row_no_max=n,  # both paths number the events read 1..n (lxml's quarantined ones are left out)
        trimmed=trimmed,
        arrow=arrow,
    )


__all__ = ["XES_TYPES", "XesScan", "read_xes_raw", "scan_xes"]
