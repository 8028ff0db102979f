"""A drawn BPMN (bpmn.io, Camunda, Signavio, Bizagi) as the To-Be: what maps to what, what is warned about."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmflow.bpmn.model import Definitions, Process
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.writer import write_bpmn
from crmflow.cli.main import app
from crmflow.design.compile import build_bpmn, compile_tobe
from crmflow.design.from_bpmn import bpmn_to_tobe, derive_tobe, read_tobe_bpmn
from crmflow.design.from_bpmn_conditions import translate_condition
from crmflow.design.loader import load_tobe, validate_tobe
from crmflow.design.model import FlowEvent, Gateway, Step, Text, ToBeDefinition
from crmflow.errors import ToBeError
from tests.conftest import ROOT, real
from tests.design.conftest import EXAMPLE_NAMES, example

DATA = ROOT / "tests" / "data" / "bpmn"
DRAWN = ["camunda_lead", "signavio_ticket", "bizagi_order", "consultant_mix", "edge_cases"]
REAL = ["receipt.bpmn", "running-example.bpmn"]

runner = CliRunner()


def _codes(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for w in read_tobe_bpmn(path).warnings:
        out.setdefault(w.code, []).append(w.element)
    return out


def _steps(d: ToBeDefinition) -> dict[str, Step]:
    return {s.id: s for _, s in d.steps()}


def _node(d: ToBeDefinition, node_id: str) -> Step | Gateway | FlowEvent:
    found = next((n for p in d.processes for n in p.flow if n.id == node_id), None)
    assert found is not None, node_id
    return found


def _compiles_and_round_trips(d: ToBeDefinition) -> None:
    compiled = compile_tobe(d, layout=False)
    assert compiled.lint.ok
    assert bpmn_to_tobe(read_bpmn(write_bpmn(compiled.definitions))) == d


# ----------------------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("drawn", "expected"),
    [
        ("${deal.amount > 1000 && lead.vip}", "deal.amount > 1000 and lead.vip"),
        ("#{amount gt 5 or status eq 'new'}", "amount > 5 or status == 'new'"),
        ("${!approved}", "not approved"),
        ('= ticket.priority = "high"', 'ticket.priority == "high"'),
        ("channel = 'phone'", "channel == 'phone'"),
        ("score >= 3 and region != 'RU'", "score >= 3 and region != 'RU'"),
        ('${note eq "a &&  b"}', 'note == "a &&  b"'),  # operators and spaces inside strings stay as written
    ],
)
def test_simple_conditions_are_translated(drawn: str, expected: str) -> None:
    c = translate_condition(drawn)
    assert c.translated and c.expression == expected and c.original == drawn


@pytest.mark.parametrize(
    "drawn", ["${customerService.isVip(deal)}", "Customer is VIP", "=some function(x)", "__import__('os').system('x')", ""]
)
def test_other_conditions_become_documented_decisions(drawn: str) -> None:
    c = translate_condition(drawn, label='Yes, "VIP"')
    assert not c.translated
    assert c.expression == "decision == \"Yes, 'VIP'\""


# ----------------------------------------------------------------------------- the crafted drawings


@pytest.mark.parametrize("name", DRAWN)
def test_every_drawing_is_a_tobe_that_compiles_and_round_trips(name: str) -> None:
    drawn = read_tobe_bpmn(DATA / f"{name}.bpmn")
    assert drawn.definition.source == str(DATA / f"{name}.bpmn")
    _compiles_and_round_trips(drawn.definition)


@pytest.mark.parametrize("name", REAL)
def test_real_pm4py_models_are_tobes(name: str) -> None:
    """receipt.bpmn / running-example.bpmn: exclusive gateways without conditions → documented decisions."""
    drawn = read_tobe_bpmn(real(name))
    d = drawn.definition
    decisions = [w for w in drawn.warnings if w.code == "bpmn.decision"]
    exclusive_splits = [g for p in d.processes for g in p.gateways if g.kind == "exclusive" and g.branches]
    assert exclusive_splits and len(decisions) == len(exclusive_splits)
    assert all(b.condition and b.condition.startswith('decision == "') for g in exclusive_splits for b in g.branches)
    _compiles_and_round_trips(d)


def test_signavio_sub_process_is_flattened_and_the_error_boundary_is_an_exception_path() -> None:
    drawn = read_tobe_bpmn(DATA / "signavio_ticket.bpmn")
    d = drawn.definition
    steps = _steps(d)
    assert steps["sid-call"].name.en == "Resolve: Call customer" and steps["sid-call"].kind == "manual"
    assert steps["sid-script"].kind == "service"
    assert isinstance(_node(d, "sid-sub-start"), FlowEvent) and _node(d, "sid-start").next == "sid-sub-start"
    gate = _node(d, "sid-sub-end_exceptions")
    assert isinstance(gate, Gateway)
    assert [(b.target, b.default, b.condition) for b in gate.branches] == [
        ("sid-end", True, None),
        ("sid-escalate", False, 'exception == "CRM down"'),
    ]
    inclusive = _node(d, "sid-or")
    assert isinstance(inclusive, Gateway) and inclusive.kind == "inclusive"
    assert [(b.condition, b.default) for b in inclusive.branches] == [("channel == 'phone'", False), (None, True)]
    escalate = steps["sid-escalate"]
    assert escalate.description.en == 'Decision table "routing".\n\nOwner: support lead.'
    assert [(i.name.en, i.data) for i in escalate.inputs] == [("CRM database", "crm_database")]  # data store
    assert [(w.code, w.element) for w in drawn.warnings] == [("bpmn.loop", "sid-sub")]  # multi-instance


def test_bizagi_nested_lanes_pools_cycles_and_event_gateway() -> None:
    drawn = read_tobe_bpmn(DATA / "bizagi_order.bpmn")
    d = drawn.definition
    steps = _steps(d)
    assert steps["Task_Confirm"].lane == "Lane_Key" and steps["Task_Invoice"].lane == "Lane_Back"  # innermost lane
    customer = d.role("Pool_Customer")
    assert customer is not None and customer.kind == "external"  # the empty pool
    (event,) = d.events
    assert event.producer == "Lane_Back" and event.consumers == ("Pool_Customer",)
    assert steps["Task_Invoice"].publishes == (event.name,)
    (sla,) = steps["Task_Weekly"].slas  # R4/…/P1W: the breach and three more weekly reminders
    assert sla.within.text == "P1W" and sla.within.iso == "P7D"
    assert not sla.interrupting and len(sla.escalations) == 4
    assert [lv.after.seconds for lv in sla.escalations] == [0, 7 * 86400, 7 * 86400, 7 * 86400]
    assert all(lv.actions[0].kind == "notify" and lv.actions[0].role == "Lane_Finance" for lv in sla.escalations)
    wait = _node(d, "Wait")
    assert isinstance(wait, Gateway) and wait.kind == "event_based"
    paid = _node(d, "Catch_Paid")
    assert isinstance(paid, FlowEvent) and paid.trigger == "signal" and paid.ref == "Payment received"
    vip = _node(d, "Throw_VIP")
    assert isinstance(vip, FlowEvent) and vip.throw and vip.trigger == "escalation" and vip.ref == "VIP order"
    deadline = _node(d, "Catch_Deadline")
    assert isinstance(deadline, FlowEvent) and deadline.trigger == "none"  # a date is not a duration
    codes = _codes(DATA / "bizagi_order.bpmn")
    assert codes == {
        "bpmn.timer_dropped": ["Catch_Deadline"],
        "bpmn.implicit_end": ["Task_Weekly"],
        "bpmn.no_incoming": ["Task_Weekly"],
    }
    fork = _node(d, "Start_Order_fork")  # the unconnected task starts with the process
    assert isinstance(fork, Gateway) and fork.kind == "parallel"
    assert {b.target for b in fork.branches} == {"Split", "Task_Weekly"}


def test_consultant_mix_maps_every_element() -> None:
    path = DATA / "consultant_mix.bpmn"
    drawn = read_tobe_bpmn(path)
    d = drawn.definition
    assert [p.id for p in d.processes] == ["Proc_Desk", "Proc_Customer"]
    assert [p.name.en for p in d.processes] == ["Deal desk", "Buying"]  # a nameless process takes its pool's name
    steps = _steps(d)
    # nested lanes three deep: the innermost one is the role
    assert steps["Task_Prepare"].lane == "Lane_Rep" and steps["Task_Prepare"].raci.accountable == ("Lane_Rep",)
    # data objects and documentation, annotations
    assert [i.name.en for i in steps["Task_Prepare"].inputs] == ["Quote"]
    assert [o.name.en for o in steps["Task_Prepare"].outputs] == ["Quote PDF"]
    assert steps["Task_Prepare"].description.en == "Use the current price list."
    assert steps["Task_Send"].description.en == "Always attach the PDF"
    # a cycle SLA (R3/PT24H) and a duration SLA
    (remind,) = steps["Task_Prepare"].slas
    assert len(remind.escalations) == 3 and remind.within.seconds == 24 * 3600
    (approve,) = steps["Task_Approve"].slas
    assert approve.within.iso == "PT8H" and approve.interrupting
    # boundary events other than SLAs: exception paths
    send_ex = _node(d, "Task_Send_exceptions")
    assert isinstance(send_ex, Gateway)
    assert [(b.target, b.condition) for b in send_ex.branches] == [
        ("Task_Send_split", None),
        ("Link_Out", 'exception == "Customer cancelled"'),
        ("End_Lost", 'exception == "Quarter end"'),
    ]
    credit_ex = _node(d, "Task_Credit_exceptions")
    assert isinstance(credit_ex, Gateway)
    assert credit_ex.branches[1].condition == 'exception == "Credit check failed"'  # the error's name
    # conditions: JUEL translated, a method call kept as a documented decision, FEEL translated
    size = _node(d, "Gw_Size")
    assert isinstance(size, Gateway)
    assert [b.condition for b in size.branches] == ["deal.amount >= 100000 and not deal.framework", 'decision == "VIP"', None]
    docs = _node(d, "Gw_Docs")
    assert isinstance(docs, Gateway) and docs.kind == "inclusive"
    assert docs.branches[0].condition == "deal.needs_nda == true"
    # the nested sub-process is flattened with both prefixes; the call activity is a sub-process step
    assert steps["Task_Review"].name.en == "Contract: Legal: Review contract"
    assert steps["Call_Billing"].kind == "subprocess" and "billing_process" in steps["Call_Billing"].description.en
    # events: message start, event-based gateway, timer catch, link throw → catch
    start = _node(d, "Start_Desk")
    assert isinstance(start, FlowEvent) and start.trigger == "message" and start.message == "quote.requested"
    week = _node(d, "Catch_Week")
    assert isinstance(week, FlowEvent) and week.timer is not None and week.timer.seconds == 7 * 86400
    assert _node(d, "Link_Out").next == "Link_In"
    # pools and message flows → catalogue events with publisher and consumers
    events = {e.name: e for e in d.events}
    assert events["quote.sent"].producer == "Lane_Rep" and steps["Task_Send"].publishes == ("quote.sent",)
    assert events["credit.check"].consumers == ("Pool_Bank",)
    bank = d.role("Pool_Bank")
    assert bank is not None and bank.kind == "external"
    assert steps["Cust_Send"].publishes == ("quote.requested",)
    codes = _codes(path)
    assert codes["bpmn.condition_kept"] == ["F_Vip"]
    assert size.branches[1].description == Text.of("${customerService.isVip(deal)}")  # the drawn text is kept
    assert codes["bpmn.implicit_split"] == ["Task_Send"]
    assert codes["bpmn.boundary_non_interrupting"] == ["B_Price"]
    assert codes["bpmn.boundary_timer_path"] == ["B_Deadline"]
    assert codes["bpmn.call_activity"] == ["Call_Billing"]
    assert codes["bpmn.annotation_dropped"] == ["Gw_Size"]
    assert codes["bpmn.no_incoming"] == ["Cust_Wait"]


DOCUMENTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
             id="Defs_Doc" targetNamespace="http://bpmn.io/schema/bpmn">
  <process id="Proc_Doc" name="Quote" isExecutable="false">
    <startEvent id="S" />
    <userTask id="T_Check" name="Check the customer" />
    <boundaryEvent id="B_Blocked" name="Blocked" attachedToRef="T_Check">
      <conditionalEventDefinition><condition xsi:type="tFormalExpression">Account is blocked in 1C</condition>
      </conditionalEventDefinition>
    </boundaryEvent>
    <exclusiveGateway id="G_Vip" name="VIP?" default="F_Other" />
    <userTask id="T_Approve" name="Approve" />
    <parallelGateway id="G_Fork" />
    <userTask id="T_Send" name="Send" />
    <userTask id="T_Log" name="Log" />
    <userTask id="T_Unblock" name="Unblock" />
    <endEvent id="E" />
    <endEvent id="E2" />
    <endEvent id="E3" />
    <textAnnotation id="Note_Vip"><text>Ask the head of sales when unsure</text></textAnnotation>
    <association id="A1" sourceRef="Note_Vip" targetRef="F_Vip" />
    <sequenceFlow id="F0" sourceRef="S" targetRef="T_Check" />
    <sequenceFlow id="F1" sourceRef="T_Check" targetRef="G_Vip" />
    <sequenceFlow id="F_Vip" name="VIP" sourceRef="G_Vip" targetRef="T_Approve">
      <documentation>Top-20 customers by revenue</documentation>
      <conditionExpression xsi:type="tFormalExpression">${customerService.isVip(deal)}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="F_Big" name="Big" sourceRef="G_Vip" targetRef="T_Approve">
      <documentation>Deals above the approval limit</documentation>
      <conditionExpression xsi:type="tFormalExpression">${deal.amount &gt; 100000}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="F_Other" sourceRef="G_Vip" targetRef="G_Fork"><documentation>Everyone else</documentation>
    </sequenceFlow>
    <sequenceFlow id="F2" sourceRef="T_Approve" targetRef="G_Fork" />
    <sequenceFlow id="F_Send" sourceRef="G_Fork" targetRef="T_Send">
      <conditionExpression xsi:type="tFormalExpression">${email != null}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="F_Log" sourceRef="G_Fork" targetRef="T_Log" />
    <sequenceFlow id="F3" sourceRef="T_Send" targetRef="E" />
    <sequenceFlow id="F4" sourceRef="T_Log" targetRef="E2" />
    <sequenceFlow id="F5" sourceRef="B_Blocked" targetRef="T_Unblock" />
    <sequenceFlow id="F6" sourceRef="T_Unblock" targetRef="E3" />
  </process>
</definitions>
"""


def test_untranslated_conditions_documentation_and_notes_become_branch_descriptions() -> None:
    drawn = derive_tobe(read_bpmn(DOCUMENTED))
    d = drawn.definition
    vip = _node(d, "G_Vip")
    assert isinstance(vip, Gateway)
    by_flow = dict(zip(["F_Vip", "F_Big", "F_Other"], vip.branches, strict=True))
    # untranslated: the documented decision, and the drawn text kept with the flow's documentation and note
    assert by_flow["F_Vip"].condition == 'decision == "VIP"'
    assert by_flow["F_Vip"].description == Text.of(
        "Top-20 customers by revenue\n\nAsk the head of sales when unsure\n\n${customerService.isVip(deal)}"
    )
    # translated: the expression, the documentation alone (the condition is not repeated)
    assert by_flow["F_Big"].condition == "deal.amount > 100000"
    assert by_flow["F_Big"].description == Text.of("Deals above the approval limit")
    assert by_flow["F_Other"].default and by_flow["F_Other"].description == Text.of("Everyone else")
    fork = _node(d, "G_Fork")
    assert isinstance(fork, Gateway) and fork.kind == "parallel"
    assert [b.description for b in fork.branches] == [Text.of("${email != null}"), Text()]  # dropped, not lost
    exceptions = _node(d, "T_Check_exceptions")
    assert isinstance(exceptions, Gateway)
    blocked = exceptions.branches[1]
    assert blocked.condition == 'exception == "Blocked"'
    assert blocked.description == Text.of("Account is blocked in 1C")
    kept = [(w.element, w.params) for w in drawn.warnings if w.code == "bpmn.condition_kept"]
    assert [element for element, _ in kept] == ["B_Blocked", "F_Vip"]
    assert dict(kept[0][1])["gateway"] == "T_Check_exceptions"
    assert [w.element for w in drawn.warnings if w.code == "bpmn.condition_dropped"] == ["F_Send"]
    _compiles_and_round_trips(d)
    # compiled, each documented condition is the documentation of its flow
    flows = {f.id: f for f in compile_tobe(d, layout=False).definitions.process().flows}
    assert flows["Flow_G_Vip_T_Approve"].documentation.endswith("${customerService.isVip(deal)}")


def test_edge_cases_are_warned_about_not_refused() -> None:
    path = DATA / "edge_cases.bpmn"
    d = read_tobe_bpmn(path).definition
    steps = _steps(d)
    assert set(steps) == {"T_Call", "T_Hot", "T_Log", "S_Timed"}  # the event sub-process is left out
    assert steps["S_Timed"].kind == "subprocess"  # a timer start inside: kept as one step
    start = _node(d, "Proc_Edge_start")
    assert isinstance(start, FlowEvent) and start.position == "start" and start.next == "T_Call"
    role = d.role("Proc_Edge_performer")
    assert role is not None and steps["T_Call"].lane == role.id  # no lanes: one performer role
    (nag,) = steps["T_Call"].slas
    assert nag.within.seconds == 7200 and len(nag.escalations) == 3  # R/PT2H: unbounded → 3 reminders
    hot = _node(d, "T_Call_exceptions")
    assert isinstance(hot, Gateway) and hot.branches[1].condition == "lead.score > 80"  # the conditional event's own
    complex_ = _node(d, "G_Complex")
    assert isinstance(complex_, Gateway) and complex_.kind == "inclusive"
    assert [(b.condition, b.default) for b in complex_.branches] == [("answers < 3", False), (None, True)]
    hourly = _node(d, "W_Hourly")
    assert isinstance(hourly, FlowEvent) and hourly.timer is not None and hourly.timer.seconds == 3600
    assert _codes(path) == {
        "bpmn.subprocess_kept": ["S_Timed"],
        "bpmn.event_subprocess": ["S_Event"],
        "bpmn.loop": ["T_Call"],
        "bpmn.unbounded_cycle": ["B_Nag"],
        "bpmn.boundary_non_interrupting": ["B_Hot"],
        "bpmn.boundary_no_path": ["B_Silent"],
        "bpmn.complex_gateway": ["G_Complex", "G_Join"],
        "bpmn.timer_cycle_event": ["W_Hourly"],
        "bpmn.condition_dropped": ["F5"],
        "bpmn.implicit_start": ["Proc_Edge"],
        "bpmn.no_incoming": ["T_Call"],
    }


def test_warnings_are_in_russian_and_english_and_name_the_element() -> None:
    (w,) = [w for w in read_tobe_bpmn(DATA / "consultant_mix.bpmn").warnings if w.code == "bpmn.condition_kept"]
    assert "`F_Vip`" in w.message("en") and "${customerService.isVip(deal)}" in w.message("en")
    assert "`F_Vip`" in w.message("ru") and "не переводится" in w.message("ru")


# ----------------------------------------------------------------------------- round trips, refusals, CLI


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_compiled_examples_still_round_trip_without_warnings(name: str) -> None:
    d = load_tobe(example(name))
    result = derive_tobe(build_bpmn(d))
    assert result.definition == d and result.warnings == ()


def test_an_unusable_model_is_refused() -> None:
    with pytest.raises(ToBeError, match="no process with nodes"):
        derive_tobe(Definitions(id="empty", processes=(Process(id="P"),)))


def test_a_file_that_is_not_bpmn_is_refused_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "broken.bpmn"
    bad.write_text("<definitions", encoding="utf-8")
    with pytest.raises(ToBeError, match="broken.bpmn: cannot read the BPMN"):
        load_tobe(bad)


def test_validate_and_load_accept_a_bpmn_file() -> None:
    result = validate_tobe(DATA / "bizagi_order.bpmn")
    assert {w.code for w in result.warnings} == {"bpmn.timer_dropped", "bpmn.implicit_end", "bpmn.no_incoming"}
    assert load_tobe(DATA / "bizagi_order.bpmn") == result.definition


@pytest.mark.parametrize("name", DRAWN)
def test_cli_validate_a_drawn_bpmn(name: str) -> None:
    result = runner.invoke(app, ["--lang", "en", "tobe", "validate", str(DATA / f"{name}.bpmn")])
    assert result.exit_code == 0, result.output
    assert "valid —" in " ".join(result.output.split())


@pytest.mark.parametrize("name", [*DRAWN, *REAL])
def test_cli_pack_from_a_drawn_bpmn(tmp_path: Path, name: str) -> None:
    source = DATA / f"{name}.bpmn" if name in DRAWN else real(name)
    out = tmp_path / "pack"
    result = runner.invoke(app, ["--lang", "en", "pack", "--tobe", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "bpmn" / "tobe.bpmn").exists() and (out / "index.html").exists() and (out / "report.docx").exists()
    assert bpmn_to_tobe(read_bpmn(out / "bpmn" / "tobe.bpmn")) == read_tobe_bpmn(source).definition
