"""The hand-over between a format reader and the staging step.

A reader loads its source into a *raw table* in the store -- the source's own columns, as text
(CSV, Excel) or typed (XES, Parquet, OCEL), plus ``row_no`` (1-based record number, unique) and,
where known, ``line`` -- and counts what it read. Structural failures it cannot even split into
columns (a CSV line with the wrong number of fields) it writes to the quarantine itself.
:func:`crmflow.ingest.staging.stage_raw` then maps and converts the columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Called by long steps with a short description of what is happening now.
ProgressFn = Callable[[str], None]

#: What DuckDB's ``trim()`` removes from either end of a text: the Unicode space separators (category Zs), not
#: tabs or line breaks (a test compares every code point with DuckDB's own trim).
TRIM_SPACES = "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"


@dataclass(frozen=True)
class RawTable:
    """A source loaded into the store but not yet mapped to the canonical columns."""

    table: str  # DuckDB table: row_no BIGINT, [line BIGINT], then the source's columns
    source: str  # the file name as shown to people
    format: str  # "csv", "xlsx", "xes", "parquet", "ocel-json", "ocel-sqlite", "frame"
    rows_read: int  # records read, including those the reader already quarantined
    quarantined: int = 0  # records the reader already wrote to the quarantine
    info: dict[str, Any] = field(default_factory=dict)  # encoding, delimiter, sheet, object type…
    #: When ``table`` is a view: the tables under it (dropped with it by :func:`drop_raw`).
    backing: tuple[str, ...] = ()
    #: ``table`` is an Arrow table registered on the connection, not copied into it (the XES fast path).
    registered: bool = False
    #: The largest ``row_no`` the table can hold, where the reader knows it without a query (an XES reader numbers
    #: the events it read 1, 2, ...); None: the next source's numbers start past a ``max(row_no)`` of the table.
    row_no_max: int | None = None
    #: Text columns none of whose values begins or ends with a :data:`TRIM_SPACES` character, as the reader found:
    #: their ``trim()`` is the value itself, so staging leaves it out (half of BPIC 2012's conversion).
    trimmed: frozenset[str] = frozenset()
    #: The Arrow table behind a ``registered`` raw table: staging takes its sample of the first rows from it
    #: directly rather than reading them back through SQL.
    arrow: Any = field(default=None, repr=False, compare=False)


def drop_raw(store: Any, raw: RawTable) -> None:
    """Drop a raw table (or view) and whatever it is built on; unregister a registered one."""
    if raw.registered:
        store.unregister_arrow(raw.table)
        return
    kind = "VIEW" if raw.backing else "TABLE"
    store.sql(f"DROP {kind} IF EXISTS {raw.table}")
    for table in raw.backing:
        store.sql(f"DROP TABLE IF EXISTS {table}")
