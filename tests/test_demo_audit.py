"""End to end: a cp1251 Bitrix24 stage-history export with broken rows, audited against the
generator's planted ground truth (nothing lost, every planted problem found)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import crmflow
from crmflow.demo.bitrix import generate_bitrix_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("demo")
    data = generate_bitrix_demo(out / "data")
    rules = yaml.safe_load(data.rules_path.read_text(encoding="utf-8"))
    rules["thresholds"] = {"ping_pong_top": 100}  # report every bouncing pair, not only the top ones
    result = crmflow.audit(data.csv_path, rules=rules, lang="ru")
    outputs = result.write(out / "audit", lang="ru")
    return data, result, outputs


def _findings(result, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [f for f in result.data["findings"] if f["kind"] == kind]


def test_nothing_is_lost(demo) -> None:  # type: ignore[no-untyped-def]
    data, result, _ = demo
    log = result.data["log"]
    assert log["rows_read"] == data.n_data_rows
    assert log["quarantined"] == len(data.planted["broken_rows"])
    assert log["events"] == data.n_valid_rows == log["rows_read"] - log["quarantined"]
    quarantined = result.log.quarantine()
    # every broken row is in the quarantine, at its row (typed errors) or physical line (structural errors)
    got = {(q["row_no"], q["line"]) for q in quarantined}
    for broken in data.planted["broken_rows"]:
        assert any(line == broken["line"] for _row, line in got), broken
    assert all(q["reason"] for q in quarantined)


def test_sla_breaches_match_ground_truth(demo) -> None:  # type: ignore[no-untyped-def]
    data, result, _ = demo
    sla = {s["name"]: s for s in result.data["sla"]}
    first = sla["first-contact"]
    truth = data.planted["sla_first_contact"]
    assert first["completed"] == truth["n_measured"]
    ids = set(first["violating_case_ids"])
    assert first["violations"] == len(ids)  # all ids listed (below the evidence limit)
    late = {str(i) for i in truth["breaches_working"]}
    assert first["late"] == len(late)
    never_contacted = first["cases_checked"] - first["completed"]
    assert first["open_breaches"] == never_contacted
    assert late <= ids and len(ids - late) == never_contacted
    # night and weekend leads contacted early next working morning are not breaches in working time
    calm = {str(i) for i in truth["ok_working_only"]}
    assert calm and not (calm & ids)
    invoice = sla["invoice-after-contract"]
    assert invoice["late"] == len(data.planted["sla_invoice"]["breaches_working"])


def test_planted_problems_are_found(demo) -> None:  # type: ignore[no-untyped-def]
    data, result, _ = demo
    p = data.planted
    top = _findings(result, "bottleneck")[0]
    assert (top["metrics"]["source"], top["metrics"]["target"]) == (p["bottleneck"]["from"], p["bottleneck"]["to"])
    back = [
        f
        for f in _findings(result, "rework")
        if f["metrics"].get("type") != "repeat"
        and f["metrics"].get("from") == p["rework"]["from"]
        or f["key"] == f"{p['rework']['from']} -> {p['rework']['to']}"
    ]
    assert back, "the return Переговоры -> Коммерческое предложение is reported"
    assert set(back[0]["evidence"]["case_ids"]) == {str(i) for i in p["rework"]["deal_ids"]}
    bounced = set().union(*(set(f["evidence"]["case_ids"]) for f in _findings(result, "ping_pong")))
    assert {str(i) for i in p["ping_pong"]["deal_ids"]} <= bounced
    load = next(f for f in _findings(result, "workload_concentration") if f["key"] == p["workload"]["stage"])
    assert load["metrics"]["top_resource"] == p["workload"]["manager"]
    assert load["metrics"]["top_share"] == pytest.approx(p["workload"]["share"], abs=1e-4)
    stuck = _findings(result, "stuck_case")[0]
    assert set(stuck["evidence"]["case_ids"]) == {str(i) for i in p["stuck"]["deal_ids"]}
    funnel = {s["stage"]: s["cases"] for s in result.data["funnel"]["stages"]}
    assert funnel["Новая заявка"] == p["n_deals"]
    assert funnel["Оплата получена"] == p["outcomes"]["won"]


def test_reports_are_written(demo) -> None:  # type: ignore[no-untyped-def]
    _data, result, outputs = demo
    doc = json.loads(Path(outputs.json_path).read_text(encoding="utf-8"))
    assert doc["log"] == result.data["log"]
    html = Path(outputs.html_path).read_text(encoding="utf-8")
    assert "Договор подписан" in html and "<svg" in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_audit_json_follows_its_schema(demo) -> None:  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    _data, _result, outputs = demo
    schema = json.loads((Path(__file__).resolve().parents[1] / "docs" / "audit.schema.json").read_text(encoding="utf-8"))
    doc = json.loads(Path(outputs.json_path).read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
