"""Compilation to BPMN: pools, lanes, SLA timers and escalations, conditions, extensions, round trips."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crmflow.bpmn.lint import lint
from crmflow.bpmn.model import Event, Gateway, Task
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.render import render_svg
from crmflow.bpmn.soundness import check_soundness
from crmflow.bpmn.writer import write_bpmn
from crmflow.design.compile import build_bpmn, compile_tobe
from crmflow.design.from_bpmn import bpmn_to_tobe
from crmflow.design.loader import load_tobe, read_tobe_text
from crmflow.design.model import EscalationAction, Sla
from crmflow.errors import ToBeError
from tests.conftest import ROOT
from tests.design.conftest import DOCUMENTED_BRANCHES, EXAMPLE_NAMES, GOLDEN, example


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_examples_compile_sound_and_round_trip(name: str, lang: str) -> None:
    d = load_tobe(example(name))
    compiled = compile_tobe(d, lang=lang)
    bpmn = compiled.definitions
    assert compiled.lint.ok and compiled.lint.warnings == ()
    assert all(s.sound for s in compiled.soundness) and len(compiled.soundness) == len(d.processes)
    assert bpmn.diagrams, "laid out"
    xml = write_bpmn(bpmn)
    back = read_bpmn(xml)
    assert back == bpmn
    assert bpmn_to_tobe(back) == d  # YAML → BPMN → write → read → the same definition
    assert "<svg" in render_svg(bpmn)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_golden_bpmn(name: str, update_golden: bool) -> None:
    """The compiled semantic model (without layout, which belongs to bpmn/layout.py) is stable."""
    xml = write_bpmn(compile_tobe(load_tobe(example(name)), lang="en", layout=False).definitions)
    golden = GOLDEN / f"{name}.bpmn"
    if update_golden:
        golden.write_bytes(xml)
    assert golden.exists(), f"{golden} is missing: run `pytest tests/design --update-golden`"
    assert xml == golden.read_bytes(), f"{golden} differs: run `pytest tests/design --update-golden` if intended"


def test_pools_lanes_and_message_flow_of_the_lead_process() -> None:
    d = load_tobe(example("incoming_lead"))
    bpmn = build_bpmn(d, lang="ru")
    assert bpmn.collaboration is not None
    pools = {p.id: p for p in bpmn.collaboration.participants}
    assert pools["Participant_lead_processing"].process_ref == "lead_processing"
    assert pools["Participant_website"].process_ref is None  # the producer of lead.created, a black box
    (mf,) = bpmn.collaboration.message_flows
    assert (mf.source, mf.target, mf.message_ref) == ("Participant_website", "lead_received", "Message_lead_created")
    p = bpmn.process()
    assert [lane.name for lane in p.all_lanes()] == ["CRM (автоматизация)", "Менеджер по продажам", "Маркетолог"]
    assert p.lane_of("first_contact").name == "Менеджер по продажам"  # type: ignore[union-attr]
    assert p.lane_of("create_deal").id == "lead_processing_lane_crm_bot"  # type: ignore[union-attr]
    assert p.node("first_contact").kind == "userTask" and p.node("register_lead").kind == "serviceTask"  # type: ignore[union-attr]
    start = p.node("lead_received")
    assert isinstance(start, Event) and start.trigger == "message"


def test_sla_chain_of_the_lead_process() -> None:
    """Contact within 10 working minutes; retry after 2 h; then the next working day; then unreachable + notify."""
    p = build_bpmn(load_tobe(example("incoming_lead")), lang="en").process()
    (timer,) = p.boundary_events("first_contact")
    assert timer.interrupting and timer.definitions[0].timer == "timeDuration"
    assert timer.definitions[0].expression == "PT10M"
    chain, node = [], timer.id
    while p.outgoing(node):
        flows = p.outgoing(node)
        nxt = next(f for f in flows if f.condition is None).target
        chain.append((type(p.node(nxt)).__name__, p.node(nxt).name))
        node = nxt
    assert chain == [
        ("Event", "Retry after 2 hours"),
        ("Task", "Retry: Contact the lead"),
        ("Gateway", "Resolved?"),
        ("Event", "Retry on the next working day"),
        ("Task", "Retry: Contact the lead"),
        ("Gateway", "Resolved?"),
        ("Task", "Set status: unreachable"),
        ("Task", "Notify: Head of sales"),
        ("Event", "Escalated: First contact within 10 working minutes"),
    ]
    waits = [n for n in p.nodes if isinstance(n, Event) and n.id.endswith("_wait")]
    assert [w.definitions[0].expression for w in waits] == ["PT2H", "P1D"]
    resolved = [n for n in p.nodes if isinstance(n, Gateway) and n.id.endswith("_resolved")]
    for gw in resolved:
        yes = next(f for f in p.outgoing(gw.id) if f.condition)
        assert yes.condition == "lead.reached = true" and yes.target == "qualify_join" and gw.default is not None
    notify = next(n for n in p.nodes if n.name == "Notify: Head of sales")
    assert isinstance(notify, Task) and notify.kind == "sendTask"
    assert notify.documentation == "The lead did not answer three attempts"


def test_gateway_conditions_are_feel_with_a_default_flow() -> None:
    p = build_bpmn(load_tobe(example("incoming_lead")), lang="en").process()
    gw = p.node("qualified")
    assert isinstance(gw, Gateway) and gw.direction == "diverging"
    flows = {f.target: f for f in p.outgoing("qualified")}
    assert flows["create_deal"].condition == 'lead.qualification = "qualified"'
    assert flows["create_deal"].condition_language.endswith("/FEEL/")
    assert gw.default == flows["disqualify"].id and flows["disqualify"].condition is None


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_branch_description_is_the_flow_documentation_and_round_trips(lang: str) -> None:
    d = read_tobe_text(DOCUMENTED_BRANCHES, where="vip.yaml")
    compiled = compile_tobe(d, lang=lang)
    assert compiled.lint.ok and all(s.sound for s in compiled.soundness)
    flows = {f.id: f for f in compiled.definitions.process().outgoing("vip")}
    ru, en = "Клиент в VIP-списке отдела продаж", "The customer is on the sales VIP list"
    expected = ru if lang == "ru" else en
    assert flows["Flow_vip_approve"].documentation == expected
    assert flows["Flow_vip_approve"].condition == 'decision = "VIP"'
    default = flows["Flow_vip_send"]  # it leads into the join the compiler puts in front of `send`
    assert default.documentation == "${customerService.isVip(deal) == false}" and default.condition is None
    xml = write_bpmn(compiled.definitions)
    assert f"<bpmn:documentation>{expected}</bpmn:documentation>".encode() in xml
    assert ru.encode() in xml and en.encode() in xml  # the other language is in <crmflow:node>
    back = bpmn_to_tobe(read_bpmn(xml))
    assert back == d  # both languages come back from <crmflow:node>, not only the compiled one
    gw = back.processes[0].node("vip")
    assert gw is not None and gw.branches[0].description.ru == "Клиент в VIP-списке отдела продаж"


def test_raci_sla_and_rules_are_in_extension_elements() -> None:
    xml = write_bpmn(build_bpmn(load_tobe(example("incoming_lead")))).decode("utf-8")
    assert 'xmlns:crmflow="https://crmflow.dev/schema/bpmn/1"' in xml
    assert "<crmflow:raci>" in xml and '<crmflow:sla crmflow:t="list">' in xml
    assert 'strategy="skill_based"' in xml and "resolved_when" in xml


def test_bpmn_drawn_elsewhere_becomes_a_tobe() -> None:
    """camunda_lead.bpmn (Camunda Modeler): lanes → roles, tasks → steps, JUEL conditions, a boundary timer → SLA."""
    d = bpmn_to_tobe(read_bpmn(ROOT / "tests" / "data" / "bpmn" / "camunda_lead.bpmn"))
    steps = {s.id: s for _, s in d.steps()}
    assert steps["Task_Qualify"].kind == "user" and steps["Task_CreateDeal"].kind == "service"
    assert steps["Task_Qualify"].raci.accountable == (steps["Task_Qualify"].lane,)
    (sla,) = steps["Task_Qualify"].slas
    assert sla.within.iso == "PT4H" and sla.escalations[0].actions[0].kind == "move_to"
    gw = d.processes[0].gateways[0]
    assert [b.condition for b in gw.branches if not b.default] == ["budget >= 1000 and qualified"]
    compiled = compile_tobe(d, layout=False)
    assert compiled.lint.ok
    again = bpmn_to_tobe(read_bpmn(write_bpmn(compiled.definitions)))
    assert again == d


def test_drawings_with_other_boundary_events_are_read() -> None:
    """Formerly refused; now the error boundary is an exception path (tests/design/test_from_bpmn.py has the rest)."""
    d = bpmn_to_tobe(read_bpmn(ROOT / "tests" / "data" / "bpmn" / "signavio_ticket.bpmn"))
    assert d.processes[0].node("sid-sub-end_exceptions") is not None


def test_unsound_definition_fails_before_anything_is_generated() -> None:
    """A non-interrupting escalation on a step inside a loop can pile up tokens: the ids are named."""
    d = load_tobe(example("b2b_deal"))
    p = d.processes[0]
    review = p.node("legal_review")
    sla = Sla(
        id="legal_slow",
        name=review.name,
        within=review.slas[0].within,  # type: ignore[union-attr]
        escalations=(
            replace(
                review.slas[0].escalations[0],  # type: ignore[union-attr]
                actions=(EscalationAction(kind="notify", role="head_of_sales"),),
            ),
        ),
    )
    flow = tuple(replace(n, slas=(sla,)) if n.id == "legal_review" else n for n in p.flow)
    bad = replace(d, processes=(replace(p, flow=flow),))
    with pytest.raises(ToBeError) as info:
        compile_tobe(bad, layout=False)
    assert "is not sound" in str(info.value) and "legal_slow_timer" in str(info.value)
    bpmn = build_bpmn(bad)
    assert not check_soundness(bpmn, "deal_pipeline").sound and not lint(bpmn).ok


def test_gateway_and_event_lanes_follow_their_neighbours() -> None:
    text = (
        example("incoming_lead")
        .read_text(encoding="utf-8")
        .replace(
            '        name: {ru: "Лид квалифицирован?", en: "Lead qualified?"}\n        lane: sales_manager\n',
            '        name: {ru: "Лид квалифицирован?", en: "Lead qualified?"}\n',
        )
    )
    p = build_bpmn(read_tobe_text(text, where="x.yaml")).process()
    assert p.lane_of("qualified").id == "lead_processing_lane_sales_manager"  # type: ignore[union-attr]
