"""A project store: CRM exports imported once into a DuckDB file, audited later.

:func:`import_sources` (``crmflow import SOURCE... --into PROJECT.duckdb``) reads the sources
with their adapters (or the ordinary readers), stages them and materialises the log ``log_name``
in the file, replacing an earlier import of that log; dictionaries (stage names, users) stay in the
file for later imports. The import is atomic (:func:`crmflow.store.staged.staged_project`): it is
built in a copy of the project that replaces the file in one rename at the end, so a crash at any
moment leaves the previous project, complete; the store checks its numbers on open
(:mod:`crmflow.store.consistency`). :func:`open_project_log` (``crmflow audit PROJECT.duckdb``) copies a log,
its quarantine and its ingestion records from the file, opened read-only, into a new in-memory
store, so that an audit never writes into the project. :func:`attach_project_log` (the web app) copies
nothing log-sized: it reads the file in place, read-only, with the explorer's summaries that the
import built (:mod:`crmflow.store.explorer_summaries`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from crmflow.errors import StoreError
from crmflow.i18n import error
from crmflow.ingest.raw import ProgressFn
from crmflow.jsonable import JsonMixin
from crmflow.settings import Settings, get_settings
from crmflow.sources.error_messages import ERRORS
from crmflow.store import explorer_summaries as xs
from crmflow.store import queries as q
from crmflow.store.consistency import ensure_consistent
from crmflow.store.staged import staged_project
from crmflow.store.store import EventLog, EventStore


@dataclass(frozen=True)
class SourceImport(JsonMixin):
    """What one source gave: its adapter (format), rows read, events, quarantined rows."""

    source: str
    format: str
    rows_read: int
    events: int
    quarantined: int
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportResult(JsonMixin):
    """An import into a project store."""

    project: str
    log_name: str
    sources: list[SourceImport]
    events: int  # in the log (0 when only dictionaries were imported)
    cases: int


def import_sources(
    sources: list[str | Path],
    *,
    into: str | Path,
    source_kind: str | None = None,
    log_name: str = "log",
    mapping: Any = None,
    timezone: str | None = None,
    lang: str | None = None,
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Import CRM exports / saved API responses into the project store ``into`` (created if absent).

    Parameters
    ----------
    sources
        Files; each is read by the adapter that recognises it (or ``source_kind``), else by the
        ordinary reader for its type.
    into
        The project's DuckDB file.
    source_kind
        Adapter name for every file (see :func:`crmflow.sources.registry.adapters`).
    log_name
        The log to (re)build in the project.
    mapping, timezone
        As for :func:`crmflow.sources.reader.read_log` (the mapping applies to non-adapter files).
    lang
        Language of quarantine reasons (``ru``/``en``).
    progress
        Called with a short note per step.

    Returns
    -------
    ImportResult
        Per source: format, rows read, events, quarantined; the log's events and cases.
    """
    from crmflow.sources.dictionaries import is_dictionary_adapter
    from crmflow.sources.reader import build_log, source_adapter, stage_sources

    only_dictionaries = all(is_dictionary_adapter(source_adapter(s, source_kind)) for s in sources)
    settings = get_settings()
    settings = settings.model_copy(update={"lang": lang}) if lang else settings
    target = Path(into)
    replacing = None if only_dictionaries else log_name
    with (
        staged_project(target, settings=settings, replacing=replacing) as staged,
        EventStore(staged, settings=settings, verify=False) as store,
    ):
        if not only_dictionaries:  # a new import of events replaces the log and its bookkeeping
            store.forget_bookkeeping(log_name)
        results = stage_sources(
            store,
            list(sources),
            log_name=log_name,
            mapping=mapping,
            timezone=timezone,
            progress=progress,
            source_kind=source_kind,
        )
        events = cases = 0
        if any(r.stage for r in results):
            log = build_log(store, results, log_name=log_name, progress=progress)
            events, cases = log.n_events, log.n_cases
            if progress:
                progress("explorer summaries")
            xs.rebuild(store, log_name)  # persisted: the web app opens the project without copying the log
        per = [
            SourceImport(
                source=r.source,
                format=r.format,
                rows_read=r.rows_read,
                events=r.parsed,
                quarantined=r.quarantined,
                info=dict(r.mapping.get("info") or {}),
            )
            for r in results
        ]
        ensure_consistent(store)  # the new state adds up before it replaces the old one
        store.sql("CHECKPOINT")
    return ImportResult(project=str(into), log_name=log_name, sources=per, events=events, cases=cases)


def open_project_log(path: str | Path, *, log_name: str = "log", settings: Settings | None = None) -> EventLog:
    """The log ``log_name`` of a project store, copied into a new in-memory store.

    Raises
    ------
    StoreError
        The file cannot be opened or has no such log (the message lists the logs it has).
    """
    return _project_log(Path(path), log_name, settings, in_place=False)


def attach_project_log(path: str | Path, *, log_name: str = "log", settings: Settings | None = None) -> EventLog:
    """The log ``log_name`` of a project store, read in place (attached read-only), with its explorer summaries.

    The log's tables (and the summaries, when the import built them for this very log) are views on
    the attached file, so opening copies nothing log-sized and no query spills a copy; the quarantine,
    the ingestions and the dictionaries (small) are copied. Summaries missing or left over from an
    older import are built in memory on the explorer's first request. Close the store before this
    process imports into the same file again (DuckDB refuses a second handle on an attached file).

    Raises
    ------
    StoreError
        The file cannot be opened or has no such log (the message lists the logs it has).
    """
    return _project_log(Path(path), log_name, settings, in_place=True)


def _project_log(p: Path, log_name: str, settings: Settings | None, *, in_place: bool) -> EventLog:
    """:func:`open_project_log` (``in_place=False``: the log's tables copied into memory) and
    :func:`attach_project_log` (``in_place=True``: views on the attached file, with the explorer summaries)."""
    if not p.is_file():
        raise error(StoreError, ERRORS, "project.no_such_project_store", p=p, name=p.name)
    store = EventStore(settings=settings or get_settings())
    lit = str(p.resolve()).replace("'", "''")
    try:
        store.sql(f"ATTACH '{lit}' AS proj (READ_ONLY)")
    except duckdb.Error as exc:
        store.close()
        raise error(StoreError, ERRORS, "project.cannot_open_project_store", p=p, exc=exc) from exc
    kind = "VIEW" if in_place else "TABLE"
    try:
        tables = {r[0] for r in store.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 'proj'").fetchall()}
        if q.ev(log_name) not in tables:
            logs = sorted(t[3:] for t in tables if t.startswith("ev_")) or ["none"]
            raise error(StoreError, ERRORS, "project.has_no_log_named", name=p.name, log_name=log_name, value=", ".join(logs))
        for t in (q.ac(log_name), q.ev(log_name), q.cs(log_name)):
            store.sql(f"CREATE {kind} {t} AS SELECT * FROM proj.{t}")
        if in_place and all(xs.name(k, log_name) in tables for k in xs.TABLES):
            for t in (xs.name(k, log_name) for k in xs.TABLES):
                store.sql(f"CREATE VIEW {t} AS SELECT * FROM proj.{t}")
        for t in sorted(t for t in tables if t.startswith("src_dict_")):
            store.sql(f"CREATE TABLE {q.table_name(t)} AS SELECT * FROM proj.{q.table_name(t)}")
        store.sql("INSERT INTO quarantine SELECT * FROM proj.quarantine WHERE log_name = ?", [log_name])
        store.sql("INSERT INTO ingestions SELECT * FROM proj.ingestions WHERE log_name = ?", [log_name])
        store.path = p  # for the message
        ensure_consistent(store)  # the log adds up (events, quarantine, ingestions)
    except (StoreError, duckdb.Error) as exc:
        store.close()
        if isinstance(exc, StoreError):
            raise
        raise error(StoreError, ERRORS, "project.cannot_open_project_store", p=p, exc=exc) from exc
    if not in_place:
        with contextlib.suppress(duckdb.Error):
            store.sql("DETACH proj")
    return store.log(log_name)
