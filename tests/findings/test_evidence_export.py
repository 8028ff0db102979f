"""``findings.csv`` from another engine's store: fetched by ranges of findings, written as DuckDB writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

import crmflow
from crmflow.findings import evidence
from crmflow.findings.evidence import export_slices, write_findings_csv
from tests.conftest import real


@pytest.fixture(scope="module")
def receipt_audit() -> crmflow.AuditResult:
    return crmflow.audit(crmflow.read_log(real("receipt.xes")))


@pytest.mark.parametrize("limit", [1, 500, 10**9])
def test_the_file_is_byte_for_byte_the_in_order_copy_whatever_the_slices(
    receipt_audit: crmflow.AuditResult, tmp_path: Path, limit: int
) -> None:
    store, table = receipt_audit.log.store, receipt_audit.evidence.table
    whole = write_findings_csv(store, table, tmp_path / "whole.csv")
    sliced = tmp_path / "sliced.csv"
    export_slices(store, table, str(sliced), limit=limit)
    assert sliced.read_bytes() == whole.read_bytes()
    assert len(whole.read_text(encoding="utf-8").splitlines()) == receipt_audit.evidence.rows + 1


def test_ranges_hold_at_most_the_limit_and_a_larger_finding_alone(receipt_audit: crmflow.AuditResult) -> None:
    store, full = receipt_audit.log.store, receipt_audit.evidence
    per = full.per_finding
    for limit in (1, 100, 1000, 10**9):
        ranges = evidence._slices(store, full.table, limit)
        covered = [no for lo, hi in ranges for no in range(lo, hi + 1) if no in per]
        assert covered == sorted(per)
        for lo, hi in ranges:
            rows = sum(per.get(no, 0) for no in range(lo, hi + 1))
            assert rows <= limit or lo == hi


def test_no_evidence_gives_the_header_alone(receipt_audit: crmflow.AuditResult, tmp_path: Path) -> None:
    store, table = receipt_audit.log.store, receipt_audit.evidence.table
    store.sql(f"CREATE TEMP TABLE fe_empty AS SELECT * FROM {table} LIMIT 0")
    store.sql(f"CREATE TEMP TABLE fm_empty AS SELECT * FROM {evidence.evidence_meta_name(table)}")
    out = tmp_path / "empty.csv"
    export_slices(store, "fe_empty", str(out))
    assert out.read_text(encoding="utf-8").splitlines() == ["finding,kind,key,case_id,measure,value,count,detail"]
