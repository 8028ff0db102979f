"""Data frames from a notebook (pandas, polars, pyarrow) into a raw table.

The frame keeps its types (a pm4py-formatted pandas frame has ``time:timestamp`` as a datetime
column), so staging only maps it; XES column names map themselves.

>>> import pyarrow as pa
>>> from crmflow.store.store import EventStore
>>> t = pa.table({"case:concept:name": ["1"], "concept:name": ["A"], "time:timestamp": ["2024-03-01 10:00"]})
>>> read_frame_raw(EventStore(), t, log_name="log").rows_read
1
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.raw import RawTable
from crmflow.store.queries import ident, table_name
from crmflow.store.store import EventStore

_RESERVED = ("row_no", "line")


def frame_to_arrow(frame: Any) -> pa.Table:
    """A pandas/polars DataFrame or an Arrow table/batch as an Arrow table (no copy where possible)."""
    if isinstance(frame, pa.Table):
        return frame
    if isinstance(frame, pa.RecordBatch):
        return pa.Table.from_batches([frame])
    module = type(frame).__module__.split(".")[0]
    if module == "polars":
        return frame.to_arrow()
    if module == "pandas":
        return pa.Table.from_pandas(frame, preserve_index=False)
    raise error(InputError, ERRORS, "frames.cannot_read_event_log", kind=type(frame).__module__, kind2=type(frame).__name__)


def is_frame(obj: Any) -> bool:
    """True for objects :func:`read_frame_raw` accepts."""
    if isinstance(obj, pa.Table | pa.RecordBatch):
        return True
    return type(obj).__module__.split(".")[0] in ("pandas", "polars") and hasattr(obj, "columns")


def read_frame_raw(store: EventStore, frame: Any, *, log_name: str, source: str = "frame") -> RawTable:
    """Load a frame into a raw table, numbering rows 1..n in frame order.

    Parameters
    ----------
    store
        Where to load.
    frame
        pandas or polars DataFrame, or pyarrow Table.
    log_name
        The log this source belongs to (kept for symmetry with the file readers).
    source
        Name shown for this source in the quarantine and the ingestion record.
    """
    del log_name  # a frame has no structural failures to quarantine
    table = frame_to_arrow(frame)
    names: list[str] = []
    for n in (str(c) for c in table.column_names):
        while n.lower() in _RESERVED or n.lower() in {x.lower() for x in names}:
            n = f"{n}_src"
        names.append(n)
    table = table.rename_columns(names)
    tmp, raw = store.new_name("frame_tmp"), store.new_name("raw_frame")
    store.temp_table_from_arrow(tmp, table)
    cols = ", ".join(ident(n) for n in names)
    store.sql(f"CREATE TABLE {table_name(raw)} AS SELECT (rowid + 1)::BIGINT AS row_no, {cols} FROM {tmp}")
    store.sql(f"DROP TABLE {tmp}")
    return RawTable(table=raw, source=source, format="frame", rows_read=table.num_rows, info={"columns": names})
