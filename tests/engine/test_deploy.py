"""Deploy: every shipped To-Be runs; unsupported elements and bad conditions are refused with their ids."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from crmflow.bpmn.model import CallActivity, Event, EventDefinition, SubProcess
from crmflow.bpmn.writer import write_bpmn
from crmflow.engine.deploy import deploy, deploy_file
from crmflow.errors import DeployError

from .models import end, flows, gateway, model, start, task

EXAMPLES = sorted(Path(str(files("crmflow.design") / "examples")).glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_shipped_example_deploys(path: Path) -> None:
    deployment = deploy_file(path)
    for p in deployment.processes:
        assert p.message_starts or p.start, p.id
        for n in p.nodes.values():
            if n.kind == "gateway" and n.subtype in ("exclusive", "inclusive") and len(n.outgoing) > 1:
                # every non-default branch of a split carries a parsed safe expression
                assert all(f.condition is not None for f in n.outgoing if f.id != n.default), n.id


def test_compiled_bpmn_file_deploys_like_the_yaml(tmp_path: Path) -> None:
    from crmflow.design.compile import compile_tobe
    from crmflow.design.loader import load_tobe

    d = load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml")
    out = tmp_path / "lead.bpmn"
    out.write_bytes(write_bpmn(compile_tobe(d, layout=False).definitions))
    a = deploy_file(out).process()
    b = deploy_file(files("crmflow.design") / "examples" / "incoming_lead.yaml").process()
    assert a.nodes.keys() == b.nodes.keys()
    assert a.nodes["first_contact_10m_timer"].timer == b.nodes["first_contact_10m_timer"].timer
    assert a.nodes["first_contact_10m_timer"].timer.basis == "working"  # type: ignore[union-attr]


def _refused(defs, lang: str = "en") -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DeployError) as info:
        deploy(defs, lang=lang)
    return str(info.value)


def test_unsupported_elements_are_refused_with_ids_and_reasons() -> None:
    signal = Event(id="sig", position="intermediateCatch", definitions=(EventDefinition(kind="signal"),))
    defs = model(
        [
            start(),
            task("script", "scriptTask"),
            CallActivity(id="call", called_element="x"),
            gateway("cx", "complex"),
            signal,
            end(),
        ],
        flows(("start", "script"), ("script", "call"), ("call", "cx"), ("cx", "sig"), ("sig", "end")),
    )
    message = _refused(defs)
    assert "4 element(s)" in message
    assert "`script`: a scriptTask is not executed" in message
    assert "`call`: call activities are not executed" in message
    assert "`cx`: complex gateways" in message
    assert "`sig`: a intermediateCatch event with a signal trigger" in message
    assert "движок не может исполнить" in _refused(defs, "ru")


def test_event_subprocess_loops_and_dynamic_timers_are_refused() -> None:
    esp = SubProcess(id="esp", triggered_by_event=True, nodes=(start("s2"),))
    loop = task("loop", unmodelled=("<bpmn:multiInstanceLoopCharacteristics xmlns:bpmn='x'/>",))
    dyn = Event(
        id="wait",
        position="intermediateCatch",
        definitions=(EventDefinition(kind="timer", timer="timeDuration", expression="${sla}"),),
    )
    message = _refused(model([start(), loop, dyn, esp, end()], flows(("start", "loop"), ("loop", "wait"), ("wait", "end"))))
    assert "`esp`: event sub-processes" in message and "`loop`: loop and multi-instance" in message
    assert "`wait`: timer `${sla}`" in message


def test_untranslatable_condition_is_a_documented_decision_and_a_warning() -> None:
    defs = model(
        [start(), gateway("gw", default="f_gw_b"), task("a"), task("b"), end("e1"), end("e2")],
        flows(("start", "gw"), ("gw", "a", "Customer is VIP?"), ("gw", "b"), ("a", "e1"), ("b", "e2")),
    )
    deployment = deploy(defs)
    assert any("`f_gw_a`" in w and "decision" in w for w in deployment.warnings)
    cond = deployment.process().nodes["gw"].outgoing[0].condition
    assert cond is not None and cond.holds({"decision": "Customer is VIP?"})


def test_juel_and_feel_conditions_become_safe_expressions() -> None:
    defs = model(
        [start(), gateway("gw", default="f_gw_b"), task("a"), task("b"), end("e1"), end("e2")],
        flows(("start", "gw"), ("gw", "a", "${deal.amount > 1000 && !lead.vip}"), ("gw", "b"), ("a", "e1"), ("b", "e2")),
    )
    cond = deploy(defs).process().nodes["gw"].outgoing[0].condition
    assert cond is not None and cond.to_text() == "deal.amount > 1000 and not lead.vip"


def test_a_bad_expression_in_a_compiled_model_is_refused() -> None:
    from crmflow.design.compile import build_bpmn
    from crmflow.design.loader import load_tobe

    d = load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml")
    bpmn = build_bpmn(d)
    text = write_bpmn(bpmn).decode()
    broken = text.replace("lead.qualification == &quot;qualified&quot;", "lead.qualification === (")
    assert broken != text
    from crmflow.bpmn.reader import read_bpmn

    # the To-Be carried in the extensions is checked first: the key, the text and the column are named
    with pytest.raises(DeployError, match=r"branches\[0\]\.when`: 'lead.qualification === \(': column 22"):
        deploy(read_bpmn(broken.encode()))


def test_unreadable_file_is_a_deploy_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<definitions>")
    with pytest.raises(DeployError, match="cannot read the model"):
        deploy_file(bad)
