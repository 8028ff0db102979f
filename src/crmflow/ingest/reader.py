"""``read_log``: one call from files or frames to an :class:`~crmflow.store.store.EventLog`.

Each source is read by the reader for its type, staged (mapped, converted, quarantined) and then
all staged sources are materialised together as one log. ``row_no`` stays unique across sources:
each source's staged rows are shifted past the previous sources' numbers, while the quarantine
keeps every source's own row numbers (and its file name).

>>> import pyarrow as pa
>>> t = pa.table({"case:concept:name": ["1", "1"], "concept:name": ["A", "B"],
...               "time:timestamp": ["2024-03-01 10:00", "2024-03-01 11:00"]})
>>> read_log(t).n_events
2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crmflow.errors import UnsupportedFormatError
from crmflow.ingest.columns import ColumnMapping, load_mapping_file
from crmflow.ingest.frames import is_frame, read_frame_raw
from crmflow.ingest.raw import ProgressFn, RawTable, drop_raw
from crmflow.ingest.staging import StageResult, drop_stage, stage_raw
from crmflow.settings import get_settings
from crmflow.store.store import EventLog, EventStore

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
    raise UnsupportedFormatError(
        f"{Path(path).name}: no reader for this file type; supported: {', '.join(SUPPORTED)} "
        "(or pass a pandas/polars DataFrame or a pyarrow Table)"
    )


def read_raw(
    store: EventStore,
    source: Any,
    *,
    log_name: str,
    sheet: str | int | None = None,
    object_type: str | None = None,
    timezone: str | None = None,
    progress: ProgressFn | None = None,
) -> RawTable:
    """Load one source (path or frame) into a raw table with the reader for its type."""
    if is_frame(source):
        return read_frame_raw(store, source, log_name=log_name)
    path = Path(source)
    kind = format_of(path)
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
        store, path, log_name=log_name, object_type=object_type, progress=progress, timezone=timezone,
        max_json_bytes=store.settings.max_ocel_json_bytes,
    )


def _mapping(mapping: ColumnMapping | str | Path | None) -> ColumnMapping | None:
    if mapping is None or isinstance(mapping, ColumnMapping):
        return mapping
    return load_mapping_file(mapping)


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

    Returns
    -------
    EventLog
        With its quarantine and ingestion records in the store.
    """
    if store is None:
        settings = get_settings()
        store = EventStore(settings=settings.model_copy(update={"lang": lang}) if lang else settings)
    tz = timezone or store.settings.timezone
    m = _mapping(mapping)
    results: list[StageResult] = []
    offset = 0
    for src in (source, *more_sources):
        raw = read_raw(
            store, src, log_name=log_name, sheet=sheet, object_type=object_type, timezone=tz, progress=progress
        )
        res = stage_raw(store, raw, log_name=log_name, mapping=m, timezone=tz, progress=progress, row_offset=offset)
        top = store.sql(f"SELECT coalesce(max(row_no), 0) FROM {raw.table}").fetchall()[0][0]
        offset += max(int(top), raw.rows_read)
        drop_raw(store, raw)
        results.append(res)
    if progress:
        progress("building the log")
    log = store.materialize([r.stage for r in results], log_name=log_name)
    for r in results:
        drop_stage(store, r.stage)
    return log
