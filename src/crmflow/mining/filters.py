"""Filters: each returns a new :class:`EventLog` in the same store; the input is unchanged."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from crmflow.errors import CrmflowError
from crmflow.i18n import error
from crmflow.mining.error_messages import ERRORS
from crmflow.store import queries as q
from crmflow.store.schema import DERIVED_COLUMNS, XES_NAMES
from crmflow.store.store import EventLog

_ALIASES = {v: k for k, v in XES_NAMES.items()}


def _utc(ts: datetime | str) -> datetime:
    t = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def _column(log: EventLog, attribute: str) -> str:
    col = _ALIASES.get(attribute, attribute)
    cols = log.store.columns(log.events_table)
    if col not in cols:
        shown = ", ".join(sorted(XES_NAMES.get(c, c) for c in cols if c not in DERIVED_COLUMNS))
        raise error(CrmflowError, ERRORS, "filters.log_has_no_attribute", attribute=attribute, shown=shown)
    return col


def filter_time_range(
    log: EventLog,
    start: datetime | str,
    end: datetime | str,
    *,
    mode: Literal["contained", "intersecting", "started", "completed", "events"] = "contained",
) -> EventLog:
    """Keep cases (or, with ``mode="events"``, events) within ``[start, end]``.

    ``contained``: cases entirely inside; ``intersecting``: cases overlapping the window;
    ``started``/``completed``: cases starting/ending inside; ``events``: events inside
    (cases are trimmed). Naive datetimes are UTC.
    """
    params = {"start": _utc(start), "end": _utc(end)}
    if mode == "events":
        return log.store.derive(log, "ts >= $start AND ts <= $end", params)
    return log.store.derive(log, f"case_id IN ({q.cases_in_time_range(log.name, mode)})", params)


def filter_attribute_values(
    log: EventLog,
    attribute: str,
    values: Iterable[object],
    *,
    level: Literal["case", "event"] = "case",
    retain: bool = True,
) -> EventLog:
    """Keep (or drop, with ``retain=False``) events or whole cases by attribute values.

    ``attribute`` may be an XES name (``org:resource``) or a column of the log.
    """
    col = _column(log, attribute)
    params = {"values": [str(v) for v in values]}
    if level == "event":
        cond = f"CAST({q.ident(col)} AS VARCHAR) IN (SELECT unnest($values))"
        if not retain:
            cond = f"NOT coalesce({cond}, FALSE)"
        return log.store.derive(log, cond, params)
    cond = f"case_id IN ({q.cases_with_attribute(log.name, col)})"
    return log.store.derive(log, cond if retain else f"NOT ({cond})", params)


def filter_variants_top_k(log: EventLog, k: int) -> EventLog:
    """Keep the cases of the ``k`` most frequent variants."""
    if k < 1:
        raise error(CrmflowError, ERRORS, "filters.k_must_least_got", k=k)
    return log.store.derive(log, f"case_id IN ({q.cases_top_k_variants(log.name)})", {"k": k})


def filter_case_performance(log: EventLog, min_s: float = 0.0, max_s: float = float("inf")) -> EventLog:
    """Keep cases whose duration (first to last event) is within ``[min_s, max_s]`` seconds."""
    return log.store.derive(log, f"case_id IN ({q.cases_by_duration(log.name)})", {"min_s": min_s, "max_s": min(max_s, 1e18)})
