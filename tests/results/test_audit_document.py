"""The typed audit document: written from typed sections, read back typed, identical, valid against the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import crmflow
from crmflow.asis import AuditResult
from crmflow.demo.bitrix import generate_bitrix_demo
from crmflow.errors import InputError
from crmflow.findings.evidence import EvidenceTable
from crmflow.findings.funnel import FunnelResult
from crmflow.findings.model import Finding, FindingMetrics
from crmflow.findings.sla import SlaResult
from crmflow.mining.dfg import DfgEdge
from crmflow.mining.statistics import ResourceStats
from crmflow.results.audit import AuditDocument
from crmflow.results.sections import CaseObjectSummary, LogSummary, QuarantineSection, SegmentRow

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "audit.schema.json").read_text(encoding="utf-8"))
SAMPLE = json.loads((ROOT / "tests" / "report" / "sample_audit.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, Path]:
    out = tmp_path_factory.mktemp("typed")
    data = generate_bitrix_demo(out / "data")
    rules = yaml.safe_load(data.rules_path.read_text(encoding="utf-8"))
    result = crmflow.audit(data.csv_path, rules=rules, lang="ru")
    result.write(out / "audit", lang="ru")
    return result, out / "audit"


def test_the_audit_is_typed(written: tuple[AuditResult, Path]) -> None:
    result, _ = written
    assert isinstance(result.log_summary, LogSummary) and result.log_summary.cases > 0
    assert all(isinstance(e, DfgEdge) for e in result.dfg) and result.dfg
    assert all(isinstance(f, Finding) and isinstance(f.metrics, FindingMetrics) for f in result.findings)
    assert all(isinstance(s, SlaResult) for s in result.sla) and result.sla
    assert isinstance(result.funnel, FunnelResult) and result.funnel.stages
    assert isinstance(result.quarantine, QuarantineSection) and result.quarantine.count == result.log_summary.quarantined
    stuck = result.findings_of("stuck_case")
    assert stuck and stuck[0].metrics.stuck_cases == stuck[0].metrics["stuck_cases"] > 0
    assert result.log is not None and result.log.n_events == result.log_summary.events


def test_written_json_is_the_typed_document_and_validates(written: tuple[AuditResult, Path]) -> None:
    result, folder = written
    on_disk = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    assert on_disk == result.to_json() == result.data
    jsonschema.Draft202012Validator(SCHEMA).validate(on_disk)
    assert list(on_disk)[:5] == ["crmflow_version", "generated_at", "lang", "input", "log"]
    assert "objects" not in on_disk and "quality" not in on_disk


@pytest.mark.parametrize("how", ["folder", "file", "dict"])
def test_read_back_typed_is_identical(written: tuple[AuditResult, Path], how: str) -> None:
    result, folder = written
    doc = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    source = {"folder": folder, "file": folder / "audit.json", "dict": doc}[how]
    back = AuditResult.from_json(source)
    assert back.log is None
    assert back.to_json() == doc
    assert back.log_summary == result.log_summary
    assert [f.metrics for f in back.findings] == [f.metrics for f in result.findings]
    assert [(s.from_activity, s.to_activity, s.violations) for s in back.sla] == [
        (s.from_activity, s.to_activity, s.violations) for s in result.sla
    ]
    assert all(isinstance(r, ResourceStats) for r in back.resources)
    assert back.bpmn is None or back.bpmn.xml == result.bpmn.xml  # type: ignore[union-attr]
    # the complete evidence: a typed section, rows per finding keyed by the finding's position again
    assert isinstance(back.evidence, EvidenceTable) and back.evidence == result.evidence
    assert back.evidence.rows == sum(back.evidence.per_finding.values()) > 0
    assert all(isinstance(k, int) for k in back.evidence.per_finding)
    assert [f.evidence.full_list_rows for f in back.findings] == [
        back.evidence.per_finding.get(no, 0) for no in range(1, len(back.findings) + 1)
    ]
    assert (folder / back.evidence.file).is_file()


def test_a_partial_or_older_document_reads_with_empty_sections() -> None:
    doc = AuditDocument.from_json(SAMPLE)
    assert doc.log_summary.cases == SAMPLE["log"]["cases"]
    assert doc.bpmn is None and "bpmn" not in doc.present
    again = doc.to_json()
    jsonschema.Draft202012Validator(SCHEMA).validate(again)
    # sections read in full come back as written, metrics of older detectors too (`extra`), in their order
    for section in ("log", "input", "dfg", "findings", "activities", "variants", "warnings"):
        assert again[section] == SAMPLE[section], section
    # sections written before a field existed come back with the field empty
    assert again["funnel"]["stages"] == [{**s, "open_here": 0} for s in SAMPLE["funnel"]["stages"]]
    assert again["funnel"]["cases_in_funnel"] == 0
    assert all("full_list" not in f["evidence"] for f in again["findings"]) and "evidence" not in again
    empty = AuditDocument.from_json({"lang": "en"})
    assert empty.findings == () and empty.funnel is None and empty.log_summary.cases == 0
    assert empty.to_json() == {"lang": "en"}


def test_later_sections_are_kept() -> None:
    doc = AuditDocument.from_json({**SAMPLE, "conformance": {"fitness": 0.9}})
    assert doc.extra == {"conformance": {"fitness": 0.9}}
    assert doc.to_json()["conformance"] == {"fitness": 0.9}


def test_metrics_are_typed_and_a_mapping() -> None:
    m = FindingMetrics.of({"from": "A", "to": "B", "violations": 3, "brand_new": 1.5})
    assert (m.from_, m.to, m.violations) == ("A", "B", 3)
    assert dict(m) == {"from": "A", "to": "B", "violations": 3, "brand_new": 1.5}
    assert m.extra == {"brand_new": 1.5} and m.get("missing") is None
    with pytest.raises(KeyError):
        m["cases"]  # not measured: not in the mapping, None as a field
    assert m.cases is None


def test_unreadable_audit_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no audit document there"):
        AuditDocument.from_json(tmp_path)
    (tmp_path / "audit.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="a JSON object"):
        AuditDocument.from_json(tmp_path)
    (tmp_path / "audit.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the audit document"):
        AuditDocument.from_json(tmp_path / "audit.json")


def test_the_objects_and_quality_sections_read_back() -> None:
    objects = CaseObjectSummary(
        object_type="deal",
        role="team",
        segment="region",
        objects=5,
        cases=4,
        without_events=1,
        stages=("Engaging", "Won"),
        reached=(4, 2),
        segments=(SegmentRow(value="East", objects=3, cases=3, without_events=0, reached=(3, 2), conversion=2 / 3),),
        segments_total=1,
        object_types={"deal": 5},
        counts={"objects": 5},
        references=({"column": "account", "orphans": 0},),
        rows_read=5,
        rows_without_id=0,
        bad_timestamps=0,
        quarantine=(),
    )
    doc = AuditDocument(objects=objects, quality={"entities": []}, present=frozenset({"objects", "quality"}))
    written = doc.to_json()
    assert set(written) == {"objects", "quality"}
    back = AuditDocument.from_json(written)
    assert back.objects == objects and back.quality == {"entities": []}
    assert back.to_json() == written
