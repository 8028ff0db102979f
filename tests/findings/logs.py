"""Build small logs for the findings tests straight from SQL (no reader involved)."""

from __future__ import annotations

from collections.abc import Sequence

from crmflow.store.store import EventLog, EventStore


def _lit(v: object) -> str:
    if v is None:
        return "NULL"
    return "'" + str(v).replace("'", "''") + "'"


def make_log(
    events: Sequence[tuple],
    *,
    store: EventStore | None = None,
    log_name: str = "log",
) -> EventLog:
    """A log from ``(case, activity, ts[, resource[, role]])`` tuples, in row order.

    ``ts`` is a timestamp literal; without an offset it is UTC (``'2024-03-01 09:00'``), with one it
    is that instant (``'2024-03-01 09:00+03'``).
    """
    store = store or EventStore()
    values = []
    for i, e in enumerate(events, start=1):
        case, act, ts = e[:3]
        res = e[3] if len(e) > 3 else None
        role = e[4] if len(e) > 4 else None
        values.append(
            f"({i}::BIGINT, {_lit(case)}, {_lit(act)}, CAST({_lit(ts)} AS TIMESTAMPTZ), "
            f"{_lit(res)}::VARCHAR, {_lit(role)}::VARCHAR, NULL::VARCHAR)"
        )
    stage = store.new_name("st")
    store.sql(
        f"CREATE TABLE {stage} AS SELECT * FROM (VALUES {', '.join(values)}) "
        "t(row_no, case_id, activity, ts, resource, role, lifecycle)"
    )
    return store.materialize([stage], log_name=log_name)
