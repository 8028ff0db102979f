"""The CJM on the measured customer journey: explicit `measured_stage` mapping, name matching, errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from crmflow.deliverables.audit_input import AuditInput, read_journey
from crmflow.deliverables.journey import check_measured_stages, journey_rows, journey_stage, measure_stage
from crmflow.deliverables.messages import t
from crmflow.design.model import JourneyStage, Text
from crmflow.errors import PackError
from crmflow.mining.journey import CustomerJourney
from crmflow.mining.journey import JourneyStage as MeasuredStage
from tests.deliverables.conftest import EXAMPLES

INCOMING = next(p for p in EXAMPLES if p.stem == "incoming_lead")


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[CustomerJourney, Any]:
    """journey.json of the demo's journey tables (as `crmflow demo` measures it) and its ground truth."""
    from crmflow.demo.journeys import generate_journeys
    from crmflow.mining.journey import journey_from_tables

    root = tmp_path_factory.mktemp("journey")
    demo = generate_journeys(root / "crm", customers=200, seed=3)
    run = journey_from_tables(list(demo.tables.values()), model=demo.model, out_dir=root / "out")
    return read_journey(run.outputs["journey"]), demo


def name(stage: MeasuredStage | None) -> str | None:
    return stage.name if stage is not None else None


def _stage(sid: str, en: str, ru: str = "", measured: str | None = None) -> JourneyStage:
    return JourneyStage(id=sid, name=Text(ru=ru or en, en=en), measured_stage=measured)


def test_mapping_beats_names_and_names_ignore_case(measured: tuple[CustomerJourney, Any]) -> None:
    journey, _ = measured
    # explicit mapping, exact or case-insensitive
    assert name(journey_stage(journey, _stage("request", "Request", measured="Lead"), [])) == "Lead"
    assert name(journey_stage(journey, _stage("x", "Paid", measured=" won "), [])) == "Won"
    # without a mapping: the id or the ru/en name, case-insensitively
    assert name(journey_stage(journey, _stage("deal", "Negotiation"), [])) == "Deal"
    assert name(journey_stage(journey, _stage("s1", "INVOICE", "Счёт"), [])) == "Invoice"
    ru = replace(journey, stages=tuple(replace(s, name="Оплата") if s.name == "Paid" else s for s in journey.stages))
    assert name(journey_stage(ru, _stage("pay", "Payment", "оплата"), [])) == "Оплата"
    assert journey_stage(journey, _stage("contact", "First contact"), []) is None
    assert journey_stage(None, _stage("request", "Request", measured="Lead"), []) is None
    with pytest.raises(PackError, match=r"measured_stage `Leads` is not a stage .*Lead, Deal, Won, Invoice, Paid, Ticket"):
        journey_stage(journey, _stage("request", "Request", measured="Leads"), [], process="p")


def test_incoming_lead_cjm_shows_the_measured_journey(measured: tuple[CustomerJourney, Any]) -> None:
    from crmflow.design.loader import load_tobe

    journey, demo = measured
    tobe = load_tobe(INCOMING)
    process = tobe.processes[0]
    assert {s.id: s.measured_stage for s in process.journey_stages} == {
        "request": "Lead",
        "contact": None,
        "qualification": "Deal",
        "outcome": "Won",
    }
    audit = AuditInput(folder=None, journey=journey)
    by_id = {s.id: measure_stage(process, s, audit, "en") for s in process.journey_stages}
    truth = demo.truth
    for sid, name, prev in (("request", "Lead", None), ("qualification", "Deal", "Lead"), ("outcome", "Won", "Deal")):
        m = by_id[sid]
        assert (m.source, m.measured_stage, m.customers, m.lost) == ("journey", name, truth[name].reached, truth[name].dropped)
        assert m.reached == (truth[prev].reached if prev else demo.customers)
        assert m.from_start_median_s == pytest.approx(truth[name].days_from_start[1] * 86400)
        assert m.from_start_p90_s == pytest.approx(truth[name].days_from_start[2] * 86400)
        assert m.conversion == pytest.approx(truth[name].reached / (truth[prev].reached if prev else demo.customers))
    assert by_id["qualification"].wait_median_s == pytest.approx(truth["Deal"].days_from_previous[1] * 86400)
    assert by_id["contact"].source == "audit" and by_id["contact"].reached is None  # no measured stage, no log
    rows = journey_rows(tobe, process, audit, "ru")
    request, contact, qualification, outcome = rows
    won = truth["Won"]
    assert outcome[7].startswith(f"Won: {won.reached} (") and "конверсия" in outcome[7]
    assert outcome[5].startswith(f"{won.dropped} из {truth['Deal'].reached} (")
    assert request[5].startswith(f"0 из {demo.customers} (") and request[7].startswith(f"Lead: {demo.customers} (100")
    # the stage has no measured journey stage and no funnel stage: said in words, not a bare dash (issue 17)
    assert contact[7] == t("cjm.reach_none", "ru") and contact[4] == t("cjm.not_measured", "ru")
    assert qualification[4] != t("cjm.not_measured", "ru") and "p90" in qualification[7]
    with pytest.raises(PackError, match="lead_processing.*`outcome`.*`Closed`"):
        bad = replace(
            process,
            journey_stages=tuple(replace(s, measured_stage="Closed") if s.id == "outcome" else s for s in process.journey_stages),
        )
        check_measured_stages(replace(tobe, processes=(bad,)), journey, lang="en")
    check_measured_stages(tobe, None, lang="en")  # no measured journey: nothing to check


def test_pack_refuses_an_unknown_measured_stage(tmp_path: Path, measured: tuple[CustomerJourney, Any]) -> None:
    from crmflow.deliverables.pack import build_pack

    journey, _ = measured
    cut = replace(journey, stages=journey.stages[:2])
    (tmp_path / "journey.json").write_text(json.dumps(cut.to_dict()), encoding="utf-8")
    with pytest.raises(PackError, match="measured_stage `Won`.*journey.json has: Lead, Deal"):
        build_pack(INCOMING, out_dir=tmp_path / "pack", journey=tmp_path / "journey.json", lang="en")
    assert not (tmp_path / "pack").exists()  # refused before anything is written


def test_pain_points_cell_shows_the_most_severe_three_and_counts_the_rest() -> None:
    # regression: every ping-pong pair of the demo audit used to fill one CJM cell, and the PDF
    # table overflowed its page (figures now break across pages too)
    from crmflow.deliverables.audit_input import MAX_FINDINGS_SHOWN, findings_cell

    pains = tuple(f"finding {i}" for i in range(MAX_FINDINGS_SHOWN + 5))
    assert findings_cell(pains, "en") == "finding 0; finding 1; finding 2; + 5 more in the findings"
    assert findings_cell(pains, "ru").endswith("и ещё 5 в находках аудита")
    assert findings_cell((), "ru") == "—"


def test_the_reach_cell_says_what_was_counted_or_why_nothing_was() -> None:
    """Issue 17: the CJM's reach column was a bare "—" whenever no customer journey was measured."""
    from crmflow.deliverables.journey import StageMeasure, _reach_cell

    funnel = StageMeasure(wait_median_s=None, reached=121, lost=3, pain_points=(), source="audit")
    assert _reach_cell(funnel, "ru").startswith("дошли 121 случай (воронка аудита")
    assert _reach_cell(funnel, "en").startswith("121 cases reached it (the audit's funnel")
    unmapped = StageMeasure(wait_median_s=None, reached=None, lost=None, pain_points=(), source="audit")
    assert _reach_cell(unmapped, "en") == t("cjm.reach_none", "en")
    no_audit = StageMeasure(wait_median_s=None, reached=None, lost=None, pain_points=(), source="none")
    assert _reach_cell(no_audit, "ru") == t("cjm.not_measured", "ru")
