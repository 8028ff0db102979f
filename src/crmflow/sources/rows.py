"""Collecting canonical event rows from API records, with every broken record in the quarantine.

An adapter walks the records of a saved response and calls :meth:`EventRows.event` for each event
it derives (a record may give several: a deal's creation and its last move) and
:meth:`EventRows.reject` for a record it cannot use (a missing key, an unreadable time). Both take
the next ``row_no``, so ``rows_read`` = events + rejected records and the store's
``parsed + quarantined = rows read`` holds. :meth:`EventRows.to_raw` writes the events as a raw table
of canonical columns and the rejects to the quarantine.

Times are checked here (ISO 8601 text, or Unix seconds) and written as ISO text -- with their offset
when they had one; times without one are read by the staging step in the configured time zone.

The ``label`` an adapter's ``read`` receives is the log name (the quarantine rows belong to it);
the source is named by its file name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from crmflow.ingest.raw import RawTable
from crmflow.store.store import EventStore

CASE, ACTIVITY, TIME, RESOURCE = "case:concept:name", "concept:name", "time:timestamp", "org:resource"
CANONICAL = (CASE, ACTIVITY, TIME, RESOURCE)


def iso_time(value: Any) -> str | None:
    """ISO text for an ISO 8601 string, or None when it is not one.

    >>> iso_time("2024-04-25T14:59:11+03:00"), iso_time("2024-04-25"), iso_time("25.04.2024")
    ('2024-04-25 14:59:11+03:00', '2024-04-25 00:00:00', None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return t.isoformat(sep=" ")


def unix_time(value: Any) -> str | None:
    """ISO text (UTC) for Unix seconds (int or digit string), or None.

    >>> unix_time(1704103200), unix_time("x"), unix_time(True)
    ('2024-01-01 10:00:00+00:00', None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int | float) or not (0 < value < 1e11):
        return None
    return datetime.fromtimestamp(value, UTC).isoformat(sep=" ")


def text_or_none(value: Any) -> str | None:
    """Scalar JSON value as trimmed text; None for null, empty, objects and arrays."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    s = str(value).strip()
    return s or None


class EventRows:
    """Events and rejected records of one source, numbered in reading order."""

    def __init__(self, *, source: str, log_name: str, attributes: Sequence[str]) -> None:
        self.source = source
        self.log_name = log_name
        self.attributes = list(attributes)
        self._cols: dict[str, list[Any]] = {c: [] for c in ("row_no", "line", *CANONICAL, *self.attributes)}
        self._rejects: list[dict[str, Any]] = []
        self._n = 0

    @property
    def n_events(self) -> int:
        return len(self._cols["row_no"])

    @property
    def n_rejected(self) -> int:
        return len(self._rejects)

    def take_no(self) -> int:
        """Reserve the next row number (for an event added later, in a second pass)."""
        self._n += 1
        return self._n

    def event(
        self,
        *,
        case: str,
        activity: str,
        time: str,
        resource: str | None = None,
        line: int | None = None,
        row_no: int | None = None,
        **attributes: Any,
    ) -> None:
        """Add one event (``time`` already checked: ISO text) with the next or a reserved row number."""
        if row_no is None:
            row_no = self.take_no()
        c = self._cols
        c["row_no"].append(row_no)
        c["line"].append(line)
        c[CASE].append(case)
        c[ACTIVITY].append(activity)
        c[TIME].append(time)
        c[RESOURCE].append(resource)
        for a in self.attributes:
            c[a].append(text_or_none(attributes.get(a)))

    def reject(
        self,
        *,
        reason: str,
        kind: str,
        column: str | None = None,
        value: Any = None,
        raw: Any = None,
        line: int | None = None,
        row_no: int | None = None,
    ) -> None:
        """Send one record to the quarantine with ``reason`` (which names the page and record)."""
        if row_no is None:
            row_no = self.take_no()
        self._rejects.append(
            {
                "log_name": self.log_name,
                "source": self.source,
                "row_no": row_no,
                "line": line,
                "column_name": column,
                "value": None if value is None else (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)),
                "reason": reason,
                "raw": None if raw is None else json.dumps(raw, ensure_ascii=False, default=str)[:4000],
                "kind": kind,
            }
        )

    def to_arrow(self) -> pa.Table:
        """The events: ``row_no``, ``line``, the canonical columns and the attributes (text)."""
        schema = pa.schema(
            [("row_no", pa.int64()), ("line", pa.int64())] + [(c, pa.string()) for c in (*CANONICAL, *self.attributes)]
        )
        return pa.table({k: pa.array(v, type=schema.field(k).type) for k, v in self._cols.items()}, schema=schema)

    def quarantine(self, store: EventStore) -> int:
        """Write the rejected records to the store's quarantine; return how many."""
        return store.quarantine_rows(self._rejects)

    def to_raw(self, store: EventStore, *, format: str, info: dict[str, Any]) -> RawTable:
        """Write the events as a raw table and the rejects to the quarantine."""
        name = store.new_name("raw_src")
        store.temp_table_from_arrow(name, self.to_arrow(), order_by="row_no")
        quarantined = self.quarantine(store)
        return RawTable(
            table=name,
            source=self.source,
            format=format,
            rows_read=self._n,
            quarantined=quarantined,
            info={**info, "canonical": True, "events": self.n_events, "rejected_records": quarantined},
        )
