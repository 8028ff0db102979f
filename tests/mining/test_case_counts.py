"""Distinct cases per group counted with bitstrings give the numbers of count(DISTINCT …), over several blocks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pytest

import crmflow
from crmflow.mining import case_counts
from crmflow.store import queries as q
from crmflow.store.spark_dialect import to_spark
from crmflow.store.store import EventLog, EventStore

CASES = 3 * q.CASE_BLOCK + 123  # four blocks of case codes, the last one partly filled


@pytest.fixture(scope="module")
def many_cases() -> EventLog:
    """Cases of 1-9 events over six activities (repeats and self-loops), twelve resources (some missing), three roles."""
    rnd = random.Random(11)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    cols: dict[str, list[Any]] = {k: [] for k in ("row_no", "case_id", "activity", "ts", "resource", "role", "lifecycle")}
    for c in range(CASES):
        t = start + timedelta(minutes=c)
        for _ in range(rnd.randint(1, 9)):
            t += timedelta(seconds=rnd.choice([0, 30, 600, 7200]))
            resource = rnd.choice([f"r{i:02d}" for i in range(12)] + [None])
            cols["row_no"].append(len(cols["row_no"]) + 1)
            cols["case_id"].append(f"c{c:05d}")
            cols["activity"].append(rnd.choice("ABCDEF"))
            cols["ts"].append(t)
            cols["resource"].append(resource)
            cols["role"].append(None if resource is None or rnd.random() < 0.2 else f"role{int(resource[1:]) % 3}")
            cols["lifecycle"].append(None)
    types = {"row_no": pa.int64(), "ts": pa.timestamp("us", tz="UTC")}
    store = EventStore()
    store.register_arrow("stage_arrow", pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in cols.items()}))
    store.sql("CREATE TABLE stage_t AS SELECT * FROM stage_arrow")
    store.unregister_arrow("stage_arrow")
    n = len(cols["row_no"])
    store.record_ingestion(log_name="log", source="test", format="test", rows_read=n, parsed=n, quarantined=0)
    return store.materialize(["stage_t"], log_name="log")


STATEMENTS = {
    "dfg": lambda blocks: q.dfg_edges("log", blocks=blocks),
    "activities": lambda blocks: q.activity_statistics("log", blocks=blocks),
    "resources": lambda blocks: q.resource_statistics("log", blocks=blocks),
    "handover by resource": lambda blocks: q.handover("log", "resource", blocks=blocks),
    "handover by role": lambda blocks: q.handover("log", "role", blocks=blocks),
}


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_bitstrings_count_the_distinct_cases(many_cases: EventLog, name: str) -> None:
    assert many_cases.n_cases == CASES
    with_blocks, without = (many_cases.store.rows(STATEMENTS[name](b)) for b in (True, False))
    assert with_blocks == without and len(without) > 3
    # the cases are distinct cases: fewer than the events where cases repeat a group (self-loops, back-and-forth)
    assert any(r["cases"] < r.get("count", r.get("events", 0)) for r in without)
    # and every case holds the group at least once: never more cases than the log has
    assert all(0 < r["cases"] <= CASES for r in without)


def _public(log: EventLog) -> list[Any]:
    return [
        crmflow.discover_dfg(log).to_dict(),
        [a.to_dict() for a in crmflow.activity_statistics(log)],
        [r.to_dict() for r in crmflow.resource_statistics(log)],
        crmflow.discover_handover(log, level="resource").to_dict(),
        crmflow.discover_handover(log, level="role").to_dict(),
    ]


def _statements(log: EventLog) -> list[str]:
    seen: list[str] = []
    run = log.store.sql

    def record(query: str, params: Any = None) -> Any:
        seen.append(query)
        return run(query, params)

    log.store.sql = record  # type: ignore[method-assign]
    try:
        _public(log)
    finally:
        del log.store.sql
    return seen


def test_bitstrings_within_the_budget_count_distinct_beyond_it(many_cases: EventLog, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _public(many_cases)
    assert sum("bitstring_agg" in s for s in _statements(many_cases)) == 5  # small groups: bitstrings everywhere
    monkeypatch.setattr(case_counts, "BUDGET_SHARE", 0.0)
    assert _public(many_cases) == expected
    issued = _statements(many_cases)
    assert not any("bitstring_agg" in s for s in issued)
    assert sum("count(DISTINCT cid)" in s for s in issued) == 5


def test_out_of_memory_with_bitstrings_counts_again_with_count_distinct(
    many_cases: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _public(many_cases)
    store = many_cases.store
    rows = store.rows
    refused: list[str] = []

    def rows_without_bitstrings(query: str, params: Any = None) -> list[dict[str, Any]]:
        if "bitstring_agg" in query:
            refused.append(query)
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB")
        return rows(query, params)

    monkeypatch.setattr(store, "rows", rows_without_bitstrings)
    assert _public(many_cases) == expected
    assert len(refused) == 5


def test_block_bytes_bounds_states_by_groups_blocks_and_events() -> None:
    state = q.CASE_BLOCK // 8 + case_counts.STATE_OVERHEAD
    assert case_counts.block_bytes(q.CASE_BLOCK, 10, 10**6) == 10 * state  # one block
    assert case_counts.block_bytes(q.CASE_BLOCK + 1, 10, 10**6) == 20 * state  # a second, nearly empty block
    assert case_counts.block_bytes(10**6, 1000, 500) == 500 * state  # never more states than events
    assert case_counts.block_bytes(0, 10, 0) == 0


def test_spark_counts_the_set_bits_as_distinct_values() -> None:
    spark = to_spark(q.case_counts("log", *q.DFG_GROUPS))
    assert "BITSTRING_AGG" not in spark.upper() and "COUNT(DISTINCT cid % 4096)" in spark
    assert "GROUP BY act, next_act, cid DIV 4096" in spark
