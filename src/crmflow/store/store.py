"""The DuckDB-backed store: one file per audit project, or in memory.

Readers write *staged* tables (canonical columns, see :mod:`crmflow.store.schema`) and the
quarantine; :meth:`EventStore.materialize` turns staged tables into an :class:`EventLog`, sorting
the events once. Every query runs through :meth:`EventStore.sql`.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from crmflow.errors import EmptyLogError, StoreError
from crmflow.i18n import error
from crmflow.settings import Settings, get_settings
from crmflow.store import parts as parts_module
from crmflow.store import queries as q
from crmflow.store.engine import DuckDBEngine, SqlEngine
from crmflow.store.error_messages import ERRORS
from crmflow.store.schema import (
    DERIVED_COLUMNS,
    INGESTIONS_DDL,
    QUARANTINE_DDL,
    STAGED_COLUMNS,
    XES_NAMES,
)
from crmflow.store.scratch import clean_stale

_counter = itertools.count(1)


#: Most activities for which the events table computes ``activity``/``next_activity`` from the codes (a list of
#: this many names is part of the table's definition); above it the names are stored.
NAMED_BY_CODE_MAX = 10_000

#: Above this many events, the cases table is built in ranges of case codes (see ``EventStore._build_cases``).
CASES_CHUNK_EVENTS = 16_000_000

#: Input bytes per GB of the memory limit above which a store built for them keeps its tables in a scratch
#: database file rather than in memory. Measured on the 10 M-event scaled CSV (864 MB, 1 GB limit, quiet
#: machine): before the events table stored codes instead of names it outgrew memory, and the file halved
#: the findings; with codes, memory is 3 s faster in all (read 20.1 + audit 19.9 s against 23.9 + 18.9 s)
#: at 1,432 MB against 1,220 MB peak. So the file is kept for inputs larger than the limit itself.
SCRATCH_BYTES_PER_GB = 2**30


class EventStore:
    """A DuckDB database holding event logs, their cases and the quarantine.

    >>> store = EventStore()            # in memory
    >>> store.scalar("SELECT 1 + 1")
    2

    ``EventStore(on_disk=True)`` is not a project either, but keeps its tables in a scratch database
    file that is removed on :meth:`close` (:func:`crmflow.sources.reader.read_log` chooses it for
    inputs larger than :data:`SCRATCH_BYTES_PER_GB` per GB of the memory limit).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        settings: Settings | None = None,
        engine: SqlEngine | None = None,
        verify: bool = True,
        on_disk: bool = False,
    ) -> None:
        self.settings = settings or get_settings()
        self.path = Path(path) if path else None
        if self.path is not None or on_disk:  # a project opens: spill folders of killed crmflow processes go
            clean_stale()
        self._tmp = tempfile.TemporaryDirectory(prefix=f"crmflow-duckdb-{os.getpid()}-")
        if engine is None:
            # ``on_disk``: no project, but a scratch database file in the store's own temporary folder
            # (removed on close). For a log larger than the memory limit this is the faster home: DuckDB
            # keeps a database file compressed and evicts its blocks without writing them, where an
            # in-memory database spills uncompressed blocks and reads them back -- the findings of the
            # 10 M-event audit took 31.6 CPU-s in memory and 13.9 CPU-s on a scratch file.
            where = self.path if self.path is not None or not on_disk else Path(self._tmp.name) / "scratch.duckdb"
            engine = DuckDBEngine.open(
                where,
                memory_limit=self.settings.memory_limit,
                threads=self.settings.threads,
                temp_directory=self._tmp.name,
            )
        #: The SQL engine every query runs on (DuckDB by default; see :mod:`crmflow.store.engine`).
        self.engine: SqlEngine = engine
        self.sql(QUARANTINE_DDL)
        self.sql(INGESTIONS_DDL)
        if self.path is not None and verify:  # a project file checks its own numbers on open
            from crmflow.store.consistency import ensure_consistent

            try:
                ensure_consistent(self)
            except BaseException:
                self.close()
                raise

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection (readers stage files through it); only a DuckDB store has one."""
        if isinstance(self.engine, DuckDBEngine):
            return self.engine.con
        raise error(StoreError, ERRORS, "store.this_store_runs_files", name=self.engine.name)

    # ------------------------------------------------------------------ plumbing

    def sql(self, query: str, params: Any = None) -> Any:
        """Run one statement and return the cursor (the single execution path)."""
        return self.engine.execute(query, params)

    def rows(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        """Run a query and return its rows as dictionaries (for small, summary-sized results)."""
        cur = self.sql(query, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def scalar(self, query: str, params: Any = None) -> Any:
        """The single value of a one-row, one-column query.

        Uses ``fetchall`` so the result is consumed: in DuckDB 2.0 an unfinished result blocks the
        next ``register`` on the same connection.
        """
        return self.sql(query, params).fetchall()[0][0]

    def arrow(self, query: str, params: Any = None) -> pa.Table:
        return self.engine.arrow(query, params)

    @property
    def work_scope(self) -> str:
        """How readers create their working tables: ``"TEMP "`` in a project (they never enter its file), else ``""``.

        A store that is not a project keeps them in the database itself, where a worker connection sees
        them (:func:`crmflow.store.parts.in_order_parts` builds an export's events side by side).
        """
        return "TEMP " if self.path is not None else ""

    def new_name(self, prefix: str) -> str:
        return f"{prefix}_{next(_counter)}_{id(self) % 100000}"

    def register_arrow(self, name: str, data: pa.Table) -> None:
        """Make an Arrow table visible to SQL as the view ``name`` (:meth:`unregister_arrow` it when done)."""
        self.engine.register(name, data)

    def unregister_arrow(self, name: str) -> None:
        self.engine.unregister(name)

    def temp_table_from_arrow(self, name: str, data: pa.Table, *, order_by: str | None = None) -> None:
        """Copy an Arrow table into a new temporary table ``name`` (an internal name: :meth:`new_name`).

        >>> store = EventStore()
        >>> store.temp_table_from_arrow("t_1", pa.table({"x": [2, 1]}), order_by="x")
        >>> store.rows("SELECT x FROM t_1")
        [{'x': 1}, {'x': 2}]
        """
        view = f"{q.table_name(name)}_arrow"
        self.register_arrow(view, data)
        try:
            order = f" ORDER BY {order_by}" if order_by else ""
            self.sql(f"CREATE TEMP TABLE {name} AS SELECT * FROM {q.ident(view)}{order}")
        finally:
            self.engine.unregister(view)

    def columns(self, table: str) -> list[str]:
        return self.engine.columns_of(q.table_name(table))

    def has_table(self, table: str) -> bool:
        return self.engine.has_table(table)

    def close(self) -> None:
        self.engine.close()
        self._tmp.cleanup()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ ingestion bookkeeping

    def quarantine_rows(self, rows: Iterable[dict[str, Any]]) -> int:
        """Append quarantine rows (dicts with the quarantine columns); return how many."""
        batch = [
            (
                r.get("log_name"),
                r.get("source"),
                r.get("row_no"),
                r.get("line"),
                r.get("column_name"),
                None if r.get("value") is None else str(r.get("value")),
                r.get("reason"),
                None if r.get("raw") is None else str(r.get("raw")),
                r.get("kind"),
            )
            for r in rows
        ]
        if batch:
            self.engine.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        return len(batch)

    def forget_bookkeeping(self, log_name: str, *, keep_quarantine: bool = False) -> None:
        """Drop the ingestion and quarantine records of ``log_name``: a new import of that log replaces them.

        ``keep_quarantine`` keeps the quarantined rows: a log rebuilt from parts that were already read (an
        object-centric log flattened again) records a new ingestion over the same quarantine.
        """
        if not keep_quarantine:
            self.sql("DELETE FROM quarantine WHERE log_name = ?", [log_name])
        self.sql("DELETE FROM ingestions WHERE log_name = ?", [log_name])

    def record_ingestion(
        self,
        *,
        log_name: str,
        source: str,
        format: str,
        rows_read: int,
        parsed: int,
        quarantined: int,
        mapping: dict[str, Any] | None = None,
    ) -> None:
        if parsed + quarantined != rows_read:
            raise error(
                StoreError,
                ERRORS,
                "store.ingestion_does_not_add",
                source=source,
                parsed=parsed,
                quarantined=quarantined,
                rows_read=rows_read,
            )
        self.sql(
            "INSERT INTO ingestions VALUES (?, ?, ?, ?, ?, ?, ?)",
            [log_name, source, format, rows_read, parsed, quarantined, json.dumps(mapping or {})],
        )

    # ------------------------------------------------------------------ logs

    def materialize(self, stages: Sequence[str], *, log_name: str = "log", release: Callable[[], None] | None = None) -> EventLog:
        """Build log ``log_name`` from staged tables: sort once, derive successors and cases.

        ``release`` is called once the events are written, before the cases are built: it drops the staged
        tables (the caller's), so that the cases table is built in the memory they held.
        """
        if not stages:
            raise error(EmptyLogError, ERRORS, "store.no_input_was_given")
        columns = {st: self.columns(st) for st in stages}
        attrs: list[str] = []
        for st in stages:
            for c in columns[st]:
                if c not in STAGED_COLUMNS and c not in attrs:
                    attrs.append(c)
        parts = []
        for st in stages:
            have = set(columns[st])
            cols = [q.ident(c) for c in STAGED_COLUMNS] + [q.ident(a) if a in have else f"NULL AS {q.ident(a)}" for a in attrs]
            parts.append(f"SELECT {', '.join(cols)} FROM {q.table_name(st)}")
        self._build(log_name, "(" + " UNION ALL BY NAME ".join(parts) + ")", release)
        log = EventLog(self, log_name)
        if log.n_events == 0:
            raise error(EmptyLogError, ERRORS, "store.no_event_could_read", quarantined=log.quarantined)
        return log

    def derive(self, parent: EventLog, where: str, params: Any = None, *, suffix: str = "f") -> EventLog:
        """A new log with the parent's events that satisfy ``where`` (used by filters)."""
        name = self.new_name(f"{parent.name}_{suffix}")[:60]
        stage = self.new_name("stage")
        self.sql(
            f"CREATE TEMP TABLE {stage} AS {q.events_as_staged(parent.name, parent.attributes, where)}",
            params,
        )
        self._build(name, stage)
        self.sql(f"DROP TABLE {stage}")
        self.sql(
            "INSERT INTO ingestions SELECT ?, source, format, rows_read, parsed, quarantined, mapping "
            "FROM ingestions WHERE log_name = ?",
            [name, parent.origin],
        )
        return EventLog(self, name, origin=parent.origin)

    def _build(self, log_name: str, source: str, release: Callable[[], None] | None = None) -> None:
        """Materialise log ``log_name`` from ``source`` (a table name or a parenthesised query); ``release``, when
        given, is called when the events table is written and ``source`` no longer needed.

        On DuckDB, a source already in event order (ordered by case and time, as CRM exports usually are)
        is materialised without a sort (:meth:`_build_in_order`); otherwise each case is sorted once.
        """
        self.sql(q.materialize_activities(log_name, source))
        self.sql(q.materialize_resource_codes(log_name, source))
        try:
            names = self._names_by_code(log_name)
            if not self._build_in_order(log_name, source, names):
                self.sql(q.materialize_case_codes(log_name, source))
                self._write_events(log_name, q.events_select(log_name, source), names)
                self.sql(f"DROP TABLE cd_{q.table_name(log_name)}")
        finally:
            self.sql(f"DROP TABLE IF EXISTS {q.rs(log_name)}")
        if release is not None:
            release()
        self._build_cases(log_name)

    def _names_by_code(self, log_name: str) -> dict[str, list[str]]:
        """The names by code of each dictionary whose name columns the events table computes from the codes.

        On DuckDB, for the activities and the resources, each up to :data:`NAMED_BY_CODE_MAX` names (the list is
        part of the table's definition); a dictionary left out has its names stored.
        """
        if not isinstance(self.engine, DuckDBEngine):
            return {}
        out = {}
        for dictionary, query in (
            ("activity", q.activity_names(log_name)),
            ("resource", f"SELECT res, resource FROM {q.rs(log_name)} ORDER BY res"),
        ):
            names = [str(r[1]) for r in self.sql(query).fetchall()]
            if len(names) <= NAMED_BY_CODE_MAX and not any("\x00" in n for n in names):
                out[dictionary] = names
        return out

    def _write_events(self, log_name: str, select: str, names: dict[str, list[str]], parts: Sequence[str] = ()) -> None:
        """Create the events table from its rows' ``select``: name columns virtual for the dictionaries in ``names``.

        With ``parts`` (selects whose rows, one after the other, are ``select``'s), each part is inserted by a
        worker connection of its own, side by side, and committed in order (:func:`~crmflow.store.parts.insert_side_by_side`).
        """
        if not names and not parts:
            self.sql(f"CREATE OR REPLACE TABLE {q.ev(log_name)} AS {select}")
            return
        columns = [(str(r[0]), str(r[1])) for r in self.sql(f"DESCRIBE {select}").fetchall()]
        if names:
            self.sql(q.events_table(log_name, columns, names))
        else:
            self.sql(f"CREATE OR REPLACE TABLE {q.ev(log_name)} AS SELECT * FROM ({select}) LIMIT 0")
        if not parts:
            self.sql(q.insert_events(log_name, columns, select, names))
            return
        try:
            assert isinstance(self.engine, DuckDBEngine)  # parts are made on DuckDB only
            parts_module.insert_side_by_side(self.engine, [q.insert_events(log_name, columns, p, names) for p in parts])
        except BaseException:
            self.sql(f"DROP TABLE IF EXISTS {q.ev(log_name)}")
            raise

    def _build_in_order(self, log_name: str, source: str, names: dict[str, list[str]]) -> bool:
        """Build the events table with streaming windows when ``source`` is already in event order.

        The first rows are probed (:func:`~crmflow.store.queries.order_probe`); when they are in order the
        table is built in one pass over the scan order, then checked in full on what was written
        (:func:`~crmflow.store.queries.events_order_check`) -- unless the probe read the whole source (fewer
        rows than it reads at most): the in-order build of a source in event order is what the sorting build
        writes, so the check could only repeat the probe (4 ms of a 20,000-event log's load).
        False (nothing left behind) when the engine is not DuckDB, the probe finds the rows out of order, or
        the check fails: the caller sorts instead. Measured on the 10 M-event scaled export: 7.5 CPU s instead of 17.5.
        """
        if not isinstance(self.engine, DuckDBEngine):
            return False
        probe = self.sql(q.order_probe(source, q.ORDER_PROBE_ROWS)).fetchall()[0]
        if not probe[0]:
            return False
        whole = int(probe[1]) < q.ORDER_PROBE_ROWS
        act_type, res_type = (f"{k}_{q.table_name(log_name)}"[:63] for k in ("acty", "resty"))
        has_res = bool(names["resource"]) if "resource" in names else bool(self.scalar(f"SELECT count(*) FROM {q.rs(log_name)}"))
        for t in (act_type, res_type):
            self.sql(f"DROP TYPE IF EXISTS {t}")
        self.sql(f"CREATE TYPE {act_type} AS ENUM (SELECT activity FROM {q.ac(log_name)} ORDER BY act)")
        if has_res:
            self.sql(f"CREATE TYPE {res_type} AS ENUM (SELECT resource FROM {q.rs(log_name)} ORDER BY res)")
        res = res_type if has_res else None
        try:
            parts = [] if whole else parts_module.in_order_parts(self, source, act_type, res)
            self._write_events(log_name, q.events_in_order_select(source, act_type, res), names, parts)
        finally:
            for t in (act_type, res_type):
                self.sql(f"DROP TYPE IF EXISTS {t}")
        if whole or self.scalar(q.events_order_check(log_name)):
            return True
        self.sql(f"DROP TABLE {q.ev(log_name)}")
        return False

    def _build_cases(self, log_name: str) -> None:
        """The cases table; on DuckDB, a log of more than :data:`CASES_CHUNK_EVENTS` events by ranges of case codes.

        The per-case list aggregate (the variant) keeps every list of a hash table in memory and does not
        spill: 100 M events under the 1 GB default limit ran out of memory (measured). Case codes are dense
        integers, so equal ranges of codes hold about equal numbers of events.
        """
        if not isinstance(self.engine, DuckDBEngine):
            self.sql(q.materialize_cases(log_name))
            return
        row = self.sql(f"SELECT count(*), min(cid), max(cid) FROM {q.ev(log_name)}").fetchone()
        events, low, high = (int(row[0]), row[1], row[2]) if row else (0, None, None)
        chunks = max(1, -(-events // CASES_CHUNK_EVENTS))
        if chunks == 1 or low is None or high is None:
            self.sql(q.materialize_cases(log_name, packed=True))
            return
        self.sql(f"{q.materialize_cases(log_name, packed=True)} LIMIT 0")
        step = max(1, -(-(int(high) - int(low) + 1) // chunks))
        for first in range(int(low), int(high) + 1, step):
            self.sql(q.materialize_cases(log_name, (first, min(int(high), first + step - 1)), packed=True))

    def activity_names(self, log_name: str) -> list[str]:
        """Activity names by code (``names[act]``)."""
        return [r[1] for r in self.sql(q.activity_names(log_name)).fetchall()]

    def log(self, name: str = "log") -> EventLog:
        if not self.has_table(q.ev(name)):
            raise error(StoreError, ERRORS, "store.store_has_no_log", name=name)
        return EventLog(self, name)


@dataclass(frozen=True)
class LogSummary:
    """Headline numbers of a log."""

    events: int
    cases: int
    activities: int
    variants: int
    resources: int
    first_ts: datetime | None
    last_ts: datetime | None
    rows_read: int
    quarantined: int

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["first_ts"] = self.first_ts.isoformat() if self.first_ts else None
        d["last_ts"] = self.last_ts.isoformat() if self.last_ts else None
        return d


@dataclass(frozen=True, eq=False)
class EventLog:
    """A materialised event log inside an :class:`EventStore`.

    Mining functions take an ``EventLog``; filters return a new one. The events stay in DuckDB.
    """

    store: EventStore
    name: str
    origin: str = ""

    def __post_init__(self) -> None:
        if not self.origin:
            object.__setattr__(self, "origin", self.name)

    @property
    def events_table(self) -> str:
        return q.ev(self.name)

    @property
    def cases_table(self) -> str:
        return q.cs(self.name)

    @property
    def attributes(self) -> list[str]:
        """Extra (non-canonical) event attribute columns."""
        skip = set(STAGED_COLUMNS) | set(DERIVED_COLUMNS)
        return [c for c in self.store.columns(self.events_table) if c not in skip]

    @property
    def n_events(self) -> int:
        return int(self.store.scalar(f"SELECT count(*) FROM {self.events_table}"))

    @property
    def n_cases(self) -> int:
        return int(self.store.scalar(f"SELECT count(*) FROM {self.cases_table}"))

    @property
    def rows_read(self) -> int:
        return int(self.store.scalar("SELECT coalesce(sum(rows_read), 0) FROM ingestions WHERE log_name = ?", [self.origin]))

    @property
    def quarantined(self) -> int:
        return int(self.store.scalar("SELECT count(*) FROM quarantine WHERE log_name = ?", [self.origin]))

    def summary(self) -> LogSummary:
        s = self.store.rows(q.log_summary(self.name))[0]
        return LogSummary(
            events=int(s["events"]),
            cases=int(s["cases"]),
            activities=int(s["activities"]),
            variants=int(self.store.scalar(q.variant_count(self.name))),
            resources=int(s["resources"]),
            first_ts=s["first_ts"],
            last_ts=s["last_ts"],
            rows_read=self.rows_read,
            quarantined=self.quarantined,
        )

    def ingestions(self) -> list[dict[str, Any]]:
        rows = self.store.rows("SELECT * FROM ingestions WHERE log_name = ? ORDER BY source", [self.origin])
        for r in rows:
            r["mapping"] = json.loads(r["mapping"]) if r["mapping"] else {}
        return rows

    def quarantine(self, limit: int | None = None) -> list[dict[str, Any]]:
        lim = f" LIMIT {int(limit)}" if limit else ""
        return self.store.rows(
            "SELECT source, row_no, line, column_name, value, reason, kind, raw FROM quarantine "
            f"WHERE log_name = ? ORDER BY source, row_no{lim}",
            [self.origin],
        )

    def quarantine_reasons(self) -> list[dict[str, Any]]:
        """Quarantined rows counted by kind of problem and column, with the first row's reason as example."""
        return self.store.rows(
            "SELECT coalesce(kind, 'other') AS kind, column_name, count(*)::BIGINT AS rows, "
            "arg_min(reason, row_no) AS reason FROM quarantine WHERE log_name = ? "
            "GROUP BY ALL ORDER BY rows DESC, kind, column_name",
            [self.origin],
        )

    def to_arrow(self, *, xes_names: bool = True) -> pa.Table:
        """The events, sorted, as an Arrow table (XES column names by default)."""
        cols = []
        for c in list(STAGED_COLUMNS) + self.attributes:
            if c == "row_no":
                continue
            alias = XES_NAMES.get(c, c) if xes_names else c
            cols.append(f"{q.ident(c)} AS {q.ident(alias)}")
        return self.store.arrow(f"SELECT {', '.join(cols)} FROM {self.events_table} ORDER BY case_id, pos")

    def to_pandas(self, *, xes_names: bool = True) -> Any:
        """The events as a pandas DataFrame (pandas must be installed)."""
        return self.to_arrow(xes_names=xes_names).to_pandas()

    def __repr__(self) -> str:
        return f"EventLog(name={self.name!r}, events={self.n_events}, cases={self.n_cases})"
