"""The finding-kind registry is the one list: the schema, the literal, the report and the pack agree with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest

from crmflow.deliverables.audit_input import KIND_ALIASES
from crmflow.deliverables.roadmap import BASE_EFFORT, REACH_METRICS
from crmflow.errors import InputError
from crmflow.findings.kinds import FINDING_KINDS, KINDS, canonical_kind, kind_info
from crmflow.findings.model import Finding, FindingKind
from crmflow.report.html import render_report

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "audit.schema.json").read_text(encoding="utf-8"))


def test_the_schema_enum_is_the_registry():
    assert SCHEMA["$defs"]["finding"]["properties"]["kind"]["enum"] == list(FINDING_KINDS)


def test_the_literal_is_the_registry():
    assert set(get_args(FindingKind)) == set(FINDING_KINDS)
    assert len(FINDING_KINDS) == len(set(FINDING_KINDS))


@pytest.mark.parametrize("info", KINDS, ids=lambda k: k.kind)
def test_each_kind_is_complete(info):
    assert info.label("ru") != info.label("en")
    assert info.label("en") and info.label("ru")
    assert 1 <= info.effort <= 5
    assert "report" in info.deliverables
    assert info.severity_rule
    assert info.reach_metric in REACH_METRICS


def test_the_pack_takes_its_lists_from_the_registry():
    assert {k.kind: k.effort for k in KINDS} == BASE_EFFORT
    assert KIND_ALIASES == {
        "sla": "sla_violation",
        "workload": "workload_concentration",
        "funnel": "funnel_drop",
        "stuck": "stuck_case",
        "pingpong": "ping_pong",
        "hero": "workload_hero",
    }


def test_short_names_and_unknown_kinds():
    assert kind_info("workload").kind == "workload_concentration"
    assert canonical_kind(" sla ") == "sla_violation"
    with pytest.raises(InputError, match="not a finding kind; use one of bottleneck"):
        kind_info("bottle")


def test_the_report_groups_findings_in_registry_order_with_registry_labels():
    findings = [
        Finding(kind=kind, key=f"k{i}", title=f"title {kind}", severity="low").to_dict()
        for i, kind in enumerate(reversed(FINDING_KINDS))
    ]
    html = render_report({"lang": "ru", "findings": findings}, lang="ru")
    positions = [html.index(k.label("ru")) for k in KINDS]
    assert positions == sorted(positions)
