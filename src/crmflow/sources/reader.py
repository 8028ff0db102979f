"""``read_log``: one call from files or frames to an :class:`~crmflow.store.store.EventLog`.

It sits in ``sources/``, above the format readers of ``ingest/`` and beside the CRM adapters, so that
``ingest/`` never imports a source; ``crmflow.read_log`` is the public name.

A file a CRM source adapter recognises (:mod:`crmflow.sources.registry`: Bitrix24, amoCRM,
Salesforce, HubSpot exports and saved API responses) is read by that adapter; any other by the
reader for its type. Dictionaries (stage names, users) are read before the event files of the same
call. A project store (``.duckdb``, written by ``crmflow import``) is opened as it is.

Each source is read by the reader for its type, staged (mapped, converted, quarantined) and then
all staged sources are materialised together as one log. ``row_no`` stays unique across sources:
each source's staged rows are shifted past the previous sources' numbers, while the quarantine
keeps every source's own row numbers (and its file name). Consecutive page files of one CRM adapter
that can read several at once (HubSpot's one-file-per-page pulls) are read into one raw table and
staged once.

>>> import pyarrow as pa
>>> t = pa.table({"case:concept:name": ["1", "1"], "concept:name": ["A", "B"],
...               "time:timestamp": ["2024-03-01 10:00", "2024-03-01 11:00"]})
>>> read_log(t).n_events
2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crmflow.errors import EmptyLogError, UnsupportedFormatError
from crmflow.i18n import error
from crmflow.ingest.columns import ColumnMapping, load_mapping_file
from crmflow.ingest.frames import is_frame, read_frame_raw
from crmflow.ingest.raw import ProgressFn, RawTable, drop_raw
from crmflow.ingest.sniff import check_file_type
from crmflow.ingest.staging import StageResult, drop_stage, stage_raw
from crmflow.settings import Settings, get_settings, memory_bytes
from crmflow.sources.dictionaries import is_dictionary, is_dictionary_adapter
from crmflow.sources.error_messages import ERRORS
from crmflow.sources.messages import MESSAGES
from crmflow.sources.registry import SourceAdapter, detect_adapter, get_adapter
from crmflow.store.store import SCRATCH_BYTES_PER_GB, EventLog, EventStore

#: File name endings each reader handles (longest first where they overlap).
SUPPORTED: dict[str, str] = {
    ".xes.gz": "xes",
    ".xes": "xes",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".jsonocel": "ocel",
    ".json": "ocel",
    ".sqlite": "ocel",
    ".sqlite3": "ocel",
    ".xmlocel": "ocel",
}


def format_of(path: str | Path) -> str:
    """The reader for a file name.

    >>> format_of("deals.CSV"), format_of("log.xes.gz")
    ('csv', 'xes')
    """
    name = Path(path).name.lower()
    for ending, kind in SUPPORTED.items():
        if name.endswith(ending):
            return kind
    raise error(UnsupportedFormatError, ERRORS, "reader.no_reader_this_file", name=Path(path).name, value=", ".join(SUPPORTED))


def source_adapter(source: Any, source_kind: str | None = None) -> SourceAdapter | None:
    """The CRM adapter for a path: the one named ``source_kind``, else the one that recognises it."""
    if is_frame(source):
        return None
    if source_kind:
        return get_adapter(source_kind)
    path = Path(source)
    return detect_adapter(path) if path.is_file() else None


def read_raw(
    store: EventStore,
    source: Any,
    *,
    log_name: str,
    sheet: str | int | None = None,
    object_type: str | None = None,
    timezone: str | None = None,
    progress: ProgressFn | None = None,
    source_kind: str | None = None,
) -> RawTable:
    """Load one source (path or frame) into a raw table with its CRM adapter or the reader for its type."""
    if is_frame(source):
        return read_frame_raw(store, source, log_name=log_name)
    path = Path(source)
    adapter = source_adapter(path, source_kind)
    if adapter is not None:
        return adapter.read(store, path, log_name, progress)
    kind = format_of(path)
    if kind in ("xes", "ocel"):  # the other readers check their own input (they are also called directly)
        check_file_type(path, kind, store.settings.lang)
    if kind == "csv":
        from crmflow.ingest.csv import read_csv_raw

        return read_csv_raw(store, path, log_name=log_name, progress=progress)
    if kind == "excel":
        from crmflow.ingest.excel import read_excel_raw

        return read_excel_raw(store, path, log_name=log_name, sheet=sheet, progress=progress)
    if kind == "xes":
        from crmflow.ingest.xes import read_xes_raw

        return read_xes_raw(store, path, log_name=log_name, progress=progress)
    if kind == "parquet":
        from crmflow.ingest.parquet import read_parquet_raw

        return read_parquet_raw(store, path, log_name=log_name, progress=progress, timezone=timezone)
    from crmflow.ingest.ocel import read_ocel_raw

    return read_ocel_raw(
        store,
        path,
        log_name=log_name,
        object_type=object_type,
        progress=progress,
        timezone=timezone,
        max_json_bytes=store.settings.max_ocel_json_bytes,
    )


def canonical_mapping(store: EventStore, raw: RawTable) -> ColumnMapping | None:
    """The mapping of a raw table an adapter wrote with the canonical XES column names, else None."""
    cols = set(store.columns(raw.table))
    if not {"case:concept:name", "concept:name", "time:timestamp"} <= cols:
        return None
    return ColumnMapping(
        case_id="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        resource="org:resource" if "org:resource" in cols else None,
        role="org:role" if "org:role" in cols else None,
        lifecycle="lifecycle:transition" if "lifecycle:transition" in cols else None,
    )


def _is_project(source: Any) -> bool:
    return isinstance(source, str | Path) and Path(source).suffix.lower() in (".duckdb", ".ddb")


def _mapping(mapping: ColumnMapping | str | Path | None) -> ColumnMapping | None:
    if mapping is None or isinstance(mapping, ColumnMapping):
        return mapping
    return load_mapping_file(mapping)


#: Input formats stored compressed: their bytes count this many times towards :func:`on_disk`.
_COMPRESSED = {".parquet": 4, ".gz": 8, ".zip": 8, ".xlsx": 4, ".xlsm": 4}


def on_disk(sources: tuple[Any, ...], settings: Settings) -> bool:
    """Whether a store built for ``sources`` keeps its tables in a scratch database file (see
    :class:`~crmflow.store.store.EventStore`): when the input files are larger than
    :data:`~crmflow.store.store.SCRATCH_BYTES_PER_GB` per GB of the memory limit.

    >>> on_disk(("no-such-file.csv",), Settings())
    False
    """
    limit = memory_bytes(settings.memory_limit) or 10**9
    size = 0.0
    for src in sources:
        if isinstance(src, str | Path) and Path(src).is_file():
            path = Path(src)
            size += path.stat().st_size * _COMPRESSED.get(path.suffix.lower(), 1)
    return size > SCRATCH_BYTES_PER_GB * limit / 10**9


def read_log(
    source: Any,
    *more_sources: Any,
    store: EventStore | None = None,
    mapping: ColumnMapping | str | Path | None = None,
    timezone: str | None = None,
    log_name: str = "log",
    sheet: str | int | None = None,
    object_type: str | None = None,
    progress: ProgressFn | None = None,
    lang: str | None = None,
    source_kind: str | None = None,
) -> EventLog:
    """Read one or more sources into one event log.

    Parameters
    ----------
    source, more_sources
        File paths (``.csv .tsv .txt .xlsx .xlsm .xes .xes.gz .parquet .jsonocel .json .sqlite``)
        or pandas/polars DataFrames / pyarrow Tables.
    store
        Where to build the log; a new in-memory store when None.
    mapping
        A :class:`ColumnMapping`, the path of a YAML mapping file, or None to detect the columns
        from the header of each source.
    timezone
        Zone of naive timestamps; the ``CRMFLOW_TIMEZONE`` setting when None.
    log_name
        Name of the log in the store.
    sheet
        Excel sheet (name or 0-based index).
    object_type
        OCEL object type whose objects are the cases.
    progress
        Called with a short description of each step.
    lang
        Language of the quarantine reasons and messages (``ru``/``en``); the ``CRMFLOW_LANG``
        setting when None. Used only when a new store is created here.
    source_kind
        Name of the CRM source adapter for every file (``crmflow import --list``); detected per
        file when None.

    Returns
    -------
    EventLog
        With its quarantine and ingestion records in the store.
    """
    sources = (source, *more_sources)
    if store is None:
        settings = get_settings()
        settings = settings.model_copy(update={"lang": lang}) if lang else settings
        if len(sources) == 1 and _is_project(source):
            from crmflow.sources.project import open_project_log

            return open_project_log(source, log_name=log_name, settings=settings)
        store = EventStore(settings=settings, on_disk=on_disk(sources, settings))
    results = stage_sources(
        store,
        sources,
        log_name=log_name,
        mapping=mapping,
        timezone=timezone,
        sheet=sheet,
        object_type=object_type,
        progress=progress,
        source_kind=source_kind,
    )
    return build_log(store, results, log_name=log_name, progress=progress)


def stage_sources(
    store: EventStore,
    sources: tuple[Any, ...] | list[Any],
    *,
    log_name: str = "log",
    mapping: ColumnMapping | str | Path | None = None,
    timezone: str | None = None,
    sheet: str | int | None = None,
    object_type: str | None = None,
    progress: ProgressFn | None = None,
    source_kind: str | None = None,
) -> list[StageResult]:
    """Read and stage every source (dictionaries first, recorded but not staged); see :func:`read_log`.

    Returns
    -------
    list[StageResult]
        One per event source, in input order; dictionaries have ``format`` of their adapter and
        ``stage`` ``""``. Consecutive files of an adapter with ``read_many`` (HubSpot page files) are
        one source, named ``first … last (N files)``.
    """
    tz = timezone or store.settings.timezone
    m = _mapping(mapping)
    plan = [(src, source_adapter(src, source_kind)) for src in sources]
    plan.sort(key=lambda pa: 0 if is_dictionary_adapter(pa[1]) else 1)  # stable: dictionaries first
    results: list[StageResult] = []
    offset = 0
    for group, adapter in _group_files(plan):
        if adapter is not None and len(group) > 1 and adapter.read_many is not None:
            raw = adapter.read_many(store, [Path(g) for g in group], log_name, progress)
        elif adapter is not None:
            raw = adapter.read(store, Path(group[0]), log_name, progress)
        else:
            src = group[0]
            raw = read_raw(store, src, log_name=log_name, sheet=sheet, object_type=object_type, timezone=tz, progress=progress)
        if is_dictionary(raw):
            store.record_ingestion(
                log_name=log_name,
                source=raw.source,
                format=raw.format,
                rows_read=0,
                parsed=0,
                quarantined=0,
                mapping={"info": raw.info},
            )
            drop_raw(store, raw)
            results.append(
                StageResult(
                    stage="",
                    source=raw.source,
                    format=raw.format,
                    rows_read=0,
                    parsed=0,
                    quarantined=0,
                    mapping={"info": raw.info},
                )
            )
            continue
        src_mapping = (canonical_mapping(store, raw) if adapter is not None else None) or m
        res = stage_raw(store, raw, log_name=log_name, mapping=src_mapping, timezone=tz, progress=progress, row_offset=offset)
        top = raw.row_no_max
        if top is None:
            top = store.sql(f"SELECT coalesce(max(row_no), 0) FROM {raw.table}").fetchall()[0][0]
        offset += max(int(top), raw.rows_read)
        drop_raw(store, raw)
        results.append(res)
    return results


def _group_files(plan: list[tuple[Any, SourceAdapter | None]]) -> list[tuple[list[Any], SourceAdapter | None]]:
    """Consecutive files of one adapter that reads several at once (``read_many``) as one group; others alone.

    Staging has a fixed cost per source; HubSpot pulls give one file per page (hundreds), so they are
    read into one raw table and staged once.
    """
    groups: list[tuple[list[Any], SourceAdapter | None]] = []
    for src, adapter in plan:
        if groups and adapter is not None and adapter.read_many is not None and groups[-1][1] is adapter:
            groups[-1][0].append(src)
        else:
            groups.append(([src], adapter))
    return groups


def build_log(
    store: EventStore, results: list[StageResult], *, log_name: str = "log", progress: ProgressFn | None = None
) -> EventLog:
    """Materialise the staged sources as one log (dictionaries skipped) and drop the stages."""
    stages = [r.stage for r in results if r.stage]
    if not stages:
        names = ", ".join(r.source for r in results)
        raise error(EmptyLogError, MESSAGES, "only_dictionaries", store.settings.lang, sources=names or "—")
    if progress:
        progress("building the log")

    def release() -> None:  # the events are written: the stages' memory goes to the cases table
        for st in stages:
            drop_stage(store, st)

    try:
        return store.materialize(stages, log_name=log_name, release=release)
    finally:
        release()  # drop_stage is idempotent (DROP … IF EXISTS): a failed build leaves no stage behind
