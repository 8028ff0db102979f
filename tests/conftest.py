"""Shared test fixtures: paths to the real logs and a tiny in-memory log builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.store.store import EventLog, EventStore

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"


def real(name: str) -> Path:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return path


def make_log(events: list[tuple], *, store: EventStore | None = None, name: str = "log") -> EventLog:
    """Build a log from ``(case, activity, 'YYYY-MM-DD HH:MM[:SS]' UTC, resource[, role])`` tuples.

    Input order is the row order (ties in time keep it).
    """
    store = store or EventStore()
    rows = []
    for i, e in enumerate(events, start=1):
        case, act, ts, res = e[:4]
        role = e[4] if len(e) > 4 else None
        rows.append((i, case, act, ts, res, role))
    store.con.execute(
        "CREATE OR REPLACE TABLE stage_t (row_no BIGINT, case_id VARCHAR, activity VARCHAR, ts TIMESTAMPTZ, "
        "resource VARCHAR, role VARCHAR, lifecycle VARCHAR)"
    )
    store.con.executemany("INSERT INTO stage_t VALUES (?, ?, ?, CAST(? AS TIMESTAMP) AT TIME ZONE 'UTC', ?, ?, NULL)", rows)
    store.record_ingestion(log_name=name, source="test", format="test", rows_read=len(rows), parsed=len(rows), quarantined=0)
    return store.materialize(["stage_t"], log_name=name)


@pytest.fixture
def tiny_log() -> EventLog:
    """Three cases; c2 has a tie (B and C at the same time, B first in input)."""
    return make_log(
        [
            ("c1", "A", "2024-01-01 10:00", "ann"),
            ("c1", "B", "2024-01-01 11:00", "bob"),
            ("c1", "C", "2024-01-01 13:00", "ann"),
            ("c2", "A", "2024-01-02 09:00", "ann"),
            ("c2", "B", "2024-01-02 10:00", "bob"),
            ("c2", "C", "2024-01-02 10:00", "bob"),
            ("c3", "A", "2024-01-03 09:00", "cat"),
            ("c3", "C", "2024-01-03 09:30", "ann"),
            ("c3", "B", "2024-01-03 12:00", "bob"),
            ("c3", "B", "2024-01-03 12:30", "bob"),
        ]
    )
