"""Read an event log stored as Parquet (e.g. written by pm4py or polars) into a raw table.

DuckDB scans the file directly; nothing passes through Python rows. ``row_no`` is the row's
position in the file (``file_row_number`` + 1), so ties in timestamps keep the file order.
Columns keep their names and Parquet types; timestamps *without* a time zone (pm4py writes
naive UTC) are read in ``settings.timezone`` and stored as ``TIMESTAMPTZ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.ingest.sniff import check_file_type
from crmflow.store import queries as q
from crmflow.store.store import EventStore

_MAGIC = b"PAR1"
_NAIVE_TS = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITHOUT TIME ZONE")
#: Column names the raw-table contract reserves; a source column with one of them is renamed.
RESERVED = ("row_no", "line")


def read_parquet_raw(
    store: EventStore,
    path: str | Path,
    *,
    log_name: str,
    progress: ProgressFn | None = None,
    timezone: str | None = None,
) -> RawTable:
    """Load a Parquet event log into a raw table in ``store``.

    Parameters
    ----------
    store
        The project store (its settings give the time zone of naive timestamps).
    path
        A single ``.parquet`` file.
    log_name
        The log this source feeds.
    progress
        Called with a short note at each step.
    timezone
        Zone of timestamps stored without one (default: ``settings.timezone``).

    Returns
    -------
    RawTable
        ``format="parquet"``; ``rows_read`` is the number of rows; ``info`` has
        ``naive_timestamps`` (columns read in ``timezone``), ``timezone``, ``renamed`` and
        ``row_groups``.

    Raises
    ------
    InputError
        The file is missing, is not Parquet, or DuckDB cannot read it (the message names the
        file and DuckDB's reason).

    Examples
    --------
    >>> import tempfile, os, pyarrow as pa, pyarrow.parquet as pq
    >>> p = os.path.join(tempfile.mkdtemp(), "log.parquet")
    >>> pq.write_table(pa.table({"case:concept:name": ["1"], "concept:name": ["Лид"]}), p)
    >>> raw = read_parquet_raw(EventStore(), p, log_name="log")
    >>> raw.rows_read, raw.format
    (1, 'parquet')
    """
    p = Path(path)
    check_file_type(p, "parquet", store.settings.lang)  # a PNG/PDF/ZIP under this name: said before parsing
    label = p.name
    if not p.is_file():
        raise error(InputError, ERRORS, "parquet.no_such_file_expected_3", p=p)
    with open(p, "rb") as fh:
        head = fh.read(4)
        fh.seek(-4 if p.stat().st_size >= 8 else 0, 2)
        tail = fh.read(4)
    if head != _MAGIC or tail != _MAGIC:
        raise error(InputError, ERRORS, "parquet.this_not_parquet_file", label=label)
    if progress:
        progress(f"{label}: reading Parquet")
    scan = "read_parquet(?, file_row_number = true)"
    try:
        described = store.sql(f"DESCRIBE SELECT * FROM {scan}", [str(p)]).fetchall()
    except duckdb.Error as exc:
        raise error(InputError, ERRORS, "parquet.cannot_read_this_parquet", label=label, exc=exc) from exc
    source_cols = [(r[0], r[1]) for r in described if r[0] != "file_row_number"]
    if any(r[0] == "file_row_number" for r in described[:-1]):
        raise error(InputError, ERRORS, "parquet.column_named_file_row", label=label)

    tz = timezone or store.settings.timezone
    select = ["(file_row_number + 1)::BIGINT AS row_no"]
    naive: list[str] = []
    renamed: dict[str, str] = {}
    for name, sql_type in source_cols:
        out = f"{name} (source)" if name in RESERVED else name
        if out != name:
            renamed[name] = out
        if sql_type.upper() in _NAIVE_TS:
            naive.append(out)
            select.append(f"timezone(?, {q.ident(name)}::TIMESTAMP) AS {q.ident(out)}")
        else:
            select.append(f"{q.ident(name)} AS {q.ident(out)}")
    table = store.new_name("raw_parquet")
    params: list[Any] = [tz] * len(naive) + [str(p)]
    try:
        store.sql(
            f"CREATE TABLE {q.table_name(table)} AS SELECT {', '.join(select)} FROM {scan} ORDER BY row_no",
            params,
        )
        rows = int(store.sql(f"SELECT count(*) FROM {q.table_name(table)}").fetchall()[0][0])
        groups = store.sql("SELECT count(DISTINCT row_group_id) FROM parquet_metadata(?)", [str(p)]).fetchall()
    except duckdb.Error as exc:
        store.sql(f"DROP TABLE IF EXISTS {q.table_name(table)}")
        raise error(InputError, ERRORS, "parquet.cannot_read_this_parquet_2", label=label, exc=exc) from exc
    info: dict[str, Any] = {"naive_timestamps": naive, "timezone": tz, "renamed": renamed, "row_groups": int(groups[0][0])}
    return RawTable(table=table, source=label, format="parquet", rows_read=rows, info=info)


__all__ = ["RESERVED", "read_parquet_raw"]
