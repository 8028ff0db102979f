"""docs/audit.schema.json documents the audit and accepts the sample."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "audit.schema.json").read_text(encoding="utf-8"))
SAMPLE = json.loads((Path(__file__).with_name("sample_audit.json")).read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_schema_is_valid_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_sample_validates():
    VALIDATOR.validate(SAMPLE)


def test_required_keys_exist_and_are_described():
    for key in SCHEMA["required"]:
        assert key in SAMPLE
        assert key in SCHEMA["properties"]
    for key, spec in SCHEMA["properties"].items():
        assert spec.get("description"), key
    assert SCHEMA["additionalProperties"] is True


def test_later_sections_may_be_added():
    VALIDATOR.validate({**SAMPLE, "conformance": {"fitness": 0.9}})


@pytest.mark.parametrize(
    "breakage",
    [
        lambda a: a.pop("log"),
        lambda a: a["findings"][0].update(severity="critical"),
        lambda a: a["findings"][0].update(kind="unknown"),
        lambda a: a["dfg"][0].update(count=-1),
        lambda a: a.update(lang="de"),
        lambda a: a["sla"][0].update(compliance=1.5),
        lambda a: a["case_durations"].update(mean_s="long"),
    ],
)
def test_broken_audits_are_rejected(breakage):
    broken = copy.deepcopy(SAMPLE)
    breakage(broken)
    assert list(VALIDATOR.iter_errors(broken))


def test_sample_is_internally_consistent():
    log = SAMPLE["log"]
    source = SAMPLE["input"]["sources"][0]
    assert source["parsed"] + source["quarantined"] == source["rows_read"] == log["rows_read"]
    assert sum(e["count"] for e in SAMPLE["dfg"]) == log["events"] - log["cases"]
    assert sum(SAMPLE["start_activities"].values()) == log["cases"] == sum(SAMPLE["end_activities"].values())
    assert sum(a["events"] for a in SAMPLE["activities"]) == log["events"]
    assert sum(SAMPLE["case_durations"]["histogram"]["counts"]) == log["cases"]
    assert SAMPLE["quarantine"]["count"] == log["quarantined"]
