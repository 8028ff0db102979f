"""The deliverables one by one, on the small test model and a hand-made audit document."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

import pytest

from crmflow.deliverables.audit_input import AuditInput, load_audit
from crmflow.deliverables.backlog import backlog_csv, requirements, stories
from crmflow.deliverables.comparison import build_comparison, open_findings, step_changes
from crmflow.deliverables.document import Table, walk
from crmflow.deliverables.journey import measure_stage
from crmflow.deliverables.kpi import baseline
from crmflow.deliverables.messages import MSG
from crmflow.deliverables.raci import raci_problems, raci_rows
from crmflow.deliverables.roadmap import QUICK_WIN_DAYS, impact, plan_items, training
from crmflow.deliverables.sipoc import sipoc_rows
from crmflow.deliverables.sla import same_id, span_text
from crmflow.deliverables.sop import build_sops, documented_decision
from crmflow.design.loader import load_tobe, read_tobe_text
from crmflow.design.model import Gateway, Kpi, Sop, Step, Text
from crmflow.results.audit import AuditDocument
from tests.deliverables.conftest import MINI
from tests.design.conftest import DOCUMENTED_BRANCHES


def _finding(kind: str, key: str, severity: str, **metrics: object) -> dict:
    return {
        "kind": kind,
        "key": key,
        "title": f"{kind} {key}",
        "severity": severity,
        "metrics": metrics,
        "evidence": {"activities": [m for m in (metrics.get("activity"),) if m]},
    }


AUDIT = AuditInput(
    folder=None,
    audit=AuditDocument.from_json(
        {
            "input": {"sources": [{"source": "crm.csv"}]},
            "log": {"cases": 200, "events": 900, "activities": 4},
            "activities": [
                {"activity": "Первый контакт", "median_wait_s": 600.0},
                {"activity": "Квалификация", "median_wait_s": 7200.0},
                {"activity": "Счёт", "median_wait_s": None},
            ],
            "funnel": {
                "stages": [
                    {"stage": "Первый контакт", "cases": 180, "lost_here": 18},
                    {"stage": "Квалификация", "cases": 150, "lost_here": 30},
                ]
            },
            "case_durations": {"median_s": 172800.0, "p90_s": 400000.0},
            "sla": [{"name": "first-contact", "compliance": 0.8, "cases_checked": 200, "median_s": 300.0}],
            "findings": [
                _finding("sla_violation", "first-contact", "high", rule="first-contact", violation_rate=0.2),
                _finding(
                    "bottleneck",
                    "Первый контакт -> Квалификация",
                    "medium",
                    source="Первый контакт",
                    target="Квалификация",
                    share_of_waiting=0.35,
                ),
                _finding("rework", "Квалификация", "low", activity="Квалификация", cases=12, share_of_cases=0.06),
                _finding("stuck_case", "stuck", "low", stuck_cases=10, share_of_open=0.5),
                _finding("funnel_drop", "Квалификация -> Счёт", "medium", stage="Квалификация", drop_rate=0.2),
            ],
        }
    ),
)


@pytest.fixture(scope="module")
def tobe():  # type: ignore[no-untyped-def]
    return load_tobe(MINI)


def test_findings_are_matched_by_reference_and_alias(tobe) -> None:  # type: ignore[no-untyped-def]
    intake = next(s for _p, s in tobe.steps() if s.id == "intake")
    found = AUDIT.findings_for(intake.findings_addressed, intake.as_is)
    assert [f.kind for f in found] == ["sla_violation", "bottleneck"]  # "sla:" is the alias of sla_violation
    assert AUDIT.findings_for(("rework",), ("Квалификация",))[0].key == "Квалификация"
    assert AUDIT.findings_for(("rework",), ("Другое",)) == []


def test_comparison_counts_changes_and_open_findings(tobe) -> None:  # type: ignore[no-untyped-def]
    changes = {c.step: c for c in step_changes(tobe, AUDIT, "en")}
    assert changes["Take the ticket"].kind == "changed" and changes["Check A"].kind == "new"
    assert len(changes["Take the ticket"].findings) == 2
    left = open_findings(tobe, AUDIT)
    assert [f.kind for f in left] == ["funnel_drop"]  # high/medium ones no step addresses
    section = build_comparison(tobe, AUDIT, lang="ru")
    tables = [b for _l, b in walk(section) if isinstance(b, Table)]
    assert len(tables[0].rows) == len(list(tobe.steps()))


def test_raci_rows_are_tasks_and_the_checks_pass(tobe) -> None:  # type: ignore[no-untyped-def]
    header, rows = raci_rows(tobe, "ru")
    assert header[:2] == ["Процесс", "Задача"] and len(rows) == 5
    assert raci_problems(tobe) == []


def test_kpi_baselines_from_the_audit() -> None:
    def kpi(formula: str, unit: str = "%", kid: str = "k") -> Kpi:
        return Kpi(id=kid, name=Text.of(kid), definition=Text.of(kid), formula=formula, unit=unit, target=1)

    assert baseline(kpi("conversion(Первый контакт -> Квалификация)"), AUDIT, "en").value == pytest.approx(100 * 150 / 180)
    assert baseline(kpi("median_wait(Квалификация)", "h"), AUDIT, "en").value == pytest.approx(2.0)
    assert baseline(kpi("median_case_duration", "d"), AUDIT, "en").value == pytest.approx(2.0)
    assert baseline(kpi("rework_share(Квалификация)"), AUDIT, "en").value == pytest.approx(6.0)
    assert baseline(kpi("stuck_share"), AUDIT, "en").value == pytest.approx(5.0)
    assert baseline(kpi("sla_compliance(first_contact)"), AUDIT, "en").value == pytest.approx(80.0)
    assert baseline(kpi("count(x) / count(y)", kid="first_contact_in_sla"), AUDIT, "en").value == pytest.approx(80.0)
    missing = baseline(kpi("median_wait(Счёт)", "h"), AUDIT, "ru")
    assert missing.value is None and "Счёт" in missing.reason
    assert baseline(kpi("median_wait(Квалификация)", "%"), AUDIT, "en").value is None  # not a duration unit
    assert baseline(kpi("anything"), None, "en").reason == "no audit given"


def test_journey_measures_waiting_and_dropoff(tobe) -> None:  # type: ignore[no-untyped-def]
    process = tobe.processes[0]
    ask, answer = process.journey_stages
    m = measure_stage(process, ask, AUDIT, "en")
    assert m.wait_median_s == 600.0 and (m.reached, m.lost) == (180, 18)
    assert "sla_violation first-contact" in m.pain_points
    m2 = measure_stage(process, answer, AUDIT, "en")
    assert m2.wait_median_s == 7200.0 and m2.lost == 30
    assert measure_stage(process, ask, None, "en").wait_median_s is None


def test_roadmap_scoring_is_documented_and_deterministic(tobe) -> None:  # type: ignore[no-untyped-def]
    assert impact(AUDIT.findings[0]) == 3 + 1  # high, 20 % reach
    assert impact(AUDIT.findings[1]) == 2 + 2  # medium, 35 % of waiting
    items = plan_items(tobe, AUDIT, "en")
    assert [i.kind for i in items] == ["sla_violation", "stuck_case", "bottleneck", "funnel_drop", "rework"]
    sla = items[0]
    assert sla.effort == 1 and sla.addressed_by == ("Take the ticket",)  # the step has an SLA: automated
    assert (sla.start_day, sla.end_day) == (0, 5)
    assert all(i.quick_win == (i.end_day <= QUICK_WIN_DAYS) for i in items)
    assert items == plan_items(tobe, AUDIT, "en")
    assert training(tobe, "en") == [
        ("Agent", "Take the ticket", "R"),
        ("Shift lead", "Take the ticket", "A"),
        ("Expert", "Take the ticket", "C"),
    ]


def test_backlog_has_a_requirement_per_step_sla_rule_and_event(tobe) -> None:  # type: ignore[no-untyped-def]
    reqs = requirements(tobe, "en")
    steps = list(tobe.steps())
    events = sum(len(s.publishes) for _p, s in steps)
    # intake: 1 SLA, mandatory fields, 1 check, routing, 1 priority
    assert len(reqs) == len(steps) + 1 + 4 + events
    assert len({r.id for r in reqs}) == len(reqs)
    story = next(s for s in stories(tobe, "ru") if s.step == "intake")
    assert story.priority == "High" and any("Проверить дубль" in c for c in story.criteria)
    csv_text = backlog_csv(tobe, lang="en", tracker="jira")
    assert csv_text.splitlines()[0] == "Issue ID,Parent,Issue Type,Summary,Description,Priority,Labels"


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_frd_has_a_rule_per_branch_with_a_documented_condition(lang: str) -> None:
    tobe = read_tobe_text(DOCUMENTED_BRANCHES, where="vip.yaml")
    reqs = requirements(tobe, lang)
    documented = [r for r in reqs if r.source == "rule"]
    assert [r.id for r in reqs] == [f"FR-p-{i:03d}" for i in range(1, 6)]  # 3 tasks, then the 2 documented branches
    # the branch's condition in words with the expression beside it in brackets (issue 17)
    if lang == "en":
        assert [r.text for r in documented] == [
            'At “VIP customer?” the branch to “Approve” (decision is “VIP” [decision == "VIP"]) follows the '
            "documented condition: "
            "“The customer is on the sales VIP list”.",
            "At “VIP customer?” the branch to “Send” (the default branch) follows the documented condition: "
            "“${customerService.isVip(deal) == false}”.",
        ]
    else:
        assert documented[0].text == (
            'На шлюзе «VIP-клиент?» ветка к «Согласовать» (решение — «VIP» [decision == "VIP"]) следует '
            "документированному условию: «Клиент в VIP-списке отдела продаж»."
        )
        assert "ветка по умолчанию" in documented[1].text


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_sop_shows_the_documented_decision_after_its_step(lang: str) -> None:
    tobe = read_tobe_text(DOCUMENTED_BRANCHES, where="vip.yaml")
    process = tobe.processes[0]
    call = process.node("call")
    assert isinstance(call, Step)
    sop = Sop(purpose=Text.of("Reach the customer"), trigger=Text.of("A new deal"), steps=(Text.of("Call"),))
    critical = replace(call, sop=sop)
    tobe = replace(tobe, processes=(replace(process, flow=tuple(critical if n.id == "call" else n for n in process.flow)),))
    tables = [b for _lvl, b in walk(build_sops(tobe, lang=lang)) if isinstance(b, Table)]
    decision = tables[-1]
    assert decision.header == (
        ("Branch", "Condition", "Documented condition") if lang == "en" else ("Ветка", "Условие", "Документированное условие")
    )
    vip_text = "The customer is on the sales VIP list" if lang == "en" else "Клиент в VIP-списке отдела продаж"
    default = "the default branch" if lang == "en" else "ветка по умолчанию"
    assert decision.rows == (
        ("VIP", 'decision == "VIP"', vip_text),
        ("Отправить" if lang == "ru" else "Send", default, "${customerService.isVip(deal) == false}"),
    )
    approve = process.node("approve")
    assert isinstance(approve, Step)
    assert documented_decision(process, approve, lang) is None  # a task, not a gateway, follows it
    # the same gateway without documented conditions gets no such table
    gateway = process.node("vip")
    assert isinstance(gateway, Gateway)
    bare = replace(gateway, branches=tuple(replace(br, description=Text()) for br in gateway.branches))
    plain = replace(process, flow=tuple(bare if n.id == "vip" else n for n in process.flow))
    assert documented_decision(plain, call, lang) is None


def test_sipoc_rows_follow_inputs_and_outputs(tobe) -> None:  # type: ignore[no-untyped-def]
    rows = sipoc_rows(tobe, tobe.processes[0], "en")
    assert rows[0] == ("Client", "Request [ticket]", "Take the ticket", "Ticket record [ticket]", "Expert")


def test_spans_and_ids() -> None:
    from crmflow.design.model import TimeSpan

    assert span_text(TimeSpan(text="10m", seconds=600, iso="PT10M"), "ru") == "10\u00a0мин"
    assert span_text(TimeSpan(text="PT2H", seconds=7200, iso="PT2H"), "en") == "PT2H"
    assert same_id("first-contact", "first_contact_10m") and not same_id("first", "firstly")


def test_load_audit_reads_the_demo_audit(demo_audit: Path) -> None:
    audit = load_audit(demo_audit / "audit.json")
    assert audit.asis_bpmn is not None and audit.findings and audit.name == "bitrix_stage_history.csv"


def test_every_message_key_used_exists_in_both_languages() -> None:
    src = Path(__file__).resolve().parents[2] / "src" / "crmflow" / "deliverables"
    used: set[str] = set()
    for path in src.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    used.add(arg.value)
    assert used and not (used - set(MSG)), sorted(used - set(MSG))
    for key, entry in MSG.items():
        assert entry["ru"] and entry["en"], key
        assert set(re.findall(r"{(\w+)", entry["ru"])) == set(re.findall(r"{(\w+)", entry["en"])), key
