"""Mandatory fields per entity and per stage."""

from __future__ import annotations

from pathlib import Path

from crmflow.quality.run import assess_quality
from tests.quality.conftest import MISSING_IDS, RULES


def test_missing_ids_per_rule(contacts_csv: Path) -> None:
    c = assess_quality([contacts_csv], rules=RULES, duplicates=False).data["completeness"]
    assert c["missing_ids"] == MISSING_IDS
    by_rule = {(r["kind"], r["stage"], r["column"]): (r["checked"], r["missing"], r["missing_ids"]) for r in c["rules"]}
    assert by_rule[("required", None, "Фамилия")] == (9, 1, ["c9"])
    assert by_rule[("stage_required", "Предложение", "Сумма")] == (3, 1, ["c3"])
    assert by_rule[("stage_required", "Сделка", "Сумма")] == (3, 1, ["c6"])
    assert by_rule[("stage_required", "Сделка", "ИНН")] == (3, 1, ["c9"])
    fill = {f["column"]: f["filled"] for f in c["columns"]}
    assert fill["Сумма"] == 4 and fill["Телефон"] == 8


def test_must_be_empty_in_stage_counts_as_consistency(contacts_csv: Path) -> None:
    rules = {"entities": {"contacts": {"stages": {"Новый": {"empty": ["Сумма", "ИНН"]}}}}}
    d = assess_quality([contacts_csv], rules=rules, duplicates=False).data
    # Новый: c1 (ИНН), c4 (nothing), c8 (ИНН) -> c1 and c8 have an INN they should not have yet.
    assert d["completeness"]["stage_empty_ids"] == ["c1", "c8"]
    assert d["completeness"]["missing_ids"] == []
    assert d["score"]["failing_by_dimension"]["consistency"] == 2


def test_score_formula(contacts_csv: Path) -> None:
    d = assess_quality([contacts_csv], rules=RULES, duplicates=False).data
    s = d["score"]
    # validity: c3 c4 c5 c6 c7 c8 (6 of 9); completeness: c3 c6 c9 (3 of 9); any: c3..c9 (7 of 9)
    assert s["failing_by_dimension"] == {"validity": 6, "completeness": 3}
    assert s["dimensions"]["validity"] == round(1 - 6 / 9, 6)
    assert s["dimensions"]["completeness"] == round(1 - 3 / 9, 6)
    assert s["dimensions"]["consistency"] is None
    assert (s["failing_records"], s["overall"]) == (7, round(2 / 9, 6))
