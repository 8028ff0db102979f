"""SVG and PNG drawing of laid-out BPMN: every name shown and escaped, the notation's markers drawn."""

from __future__ import annotations

import html
import re

import pytest
from lxml import etree

import crmflow
from crmflow.bpmn.from_tree import dominant_lanes, tree_to_bpmn
from crmflow.bpmn.layout import layout
from crmflow.bpmn.model import (
    BpmnError,
    Definitions,
    Event,
    EventDefinition,
    Gateway,
    Process,
    SequenceFlow,
    Task,
)
from crmflow.bpmn.render import render_png, render_svg
from crmflow.bpmn.svg_text import wrap_text
from crmflow.discovery.inductive import discover_process_tree
from crmflow.discovery.process_tree import ProcessTree as T
from tests.bpmn.test_layout import generated_tree
from tests.conftest import real

EVIL = '<script>alert("x")</script> & "quotes"'


def _parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))


def _text(root: etree._Element) -> str:
    return " ".join(" ".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_running_example_shows_every_task_and_lane() -> None:
    log = crmflow.read_log(real("running-example.xes"))
    lanes = dominant_lanes(log)
    d = layout(tree_to_bpmn(discover_process_tree(log), process_name="Requests", lanes=lanes))
    root = _parse(render_svg(d))
    shown = _text(root)
    for n in d.process().nodes:
        if isinstance(n, Task):
            assert " ".join(wrap_text(n.name, 13)) in shown
    for lane in set(lanes.values()):
        assert lane in shown
    assert len(root.findall(".//{*}g[@class='lane']")) == len(set(lanes.values()))
    assert len(root.findall(".//{*}g[@class='flow']")) == len(d.process().flows)


def test_crm_text_is_escaped_everywhere() -> None:
    tree = T.sequence(T.leaf(EVIL), T.leaf("ok"))
    d = layout(tree_to_bpmn(tree, process_name=EVIL, lanes={EVIL: EVIL, "ok": "x"}, annotations={"ok": EVIL}))
    svg = render_svg(d)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    root = _parse(svg)  # well-formed XML
    assert not root.findall(".//{*}script")
    assert html.unescape(root.get("aria-label")) == EVIL
    assert "alert(" in _text(root)


def test_45_task_diagram_names_every_task_escaped() -> None:
    tree, lanes = generated_tree(45, 7)
    svg = render_svg(layout(tree_to_bpmn(tree, process_name="Big", lanes=lanes)))
    assert "<script>" not in svg
    titles = set(re.findall(r'<g class="task"[^>]*><title>([^<]*)</title>', svg))
    assert {html.unescape(t) for t in titles} == set(tree.activities)


def test_markers_for_gateways_events_default_and_condition() -> None:
    nodes = (
        Event(id="S", definitions=(EventDefinition(kind="timer", timer="timeCycle", expression="R/P1D"),)),
        Task(id="A", name="Check", kind="userTask"),
        Gateway(id="X", kind="exclusive", direction="diverging", default="f3"),
        Gateway(id="P", kind="parallel", direction="diverging"),
        Gateway(id="O", kind="inclusive", direction="converging"),
        Task(id="B", name="B"),
        Task(id="C", name="C"),
        Event(id="E", position="end", definitions=(EventDefinition(kind="terminate"),)),
    )
    flows = (
        SequenceFlow(id="f1", source="S", target="A"),
        SequenceFlow(id="f2", source="A", target="X"),
        SequenceFlow(id="f3", source="X", target="P"),
        SequenceFlow(id="f4", source="X", target="O", condition="vip"),
        SequenceFlow(id="f5", source="P", target="B"),
        SequenceFlow(id="f6", source="P", target="C"),
        SequenceFlow(id="f7", source="B", target="O"),
        SequenceFlow(id="f8", source="C", target="O"),
        SequenceFlow(id="f9", source="O", target="E"),
    )
    svg = render_svg(layout(Definitions(id="D", processes=(Process(id="Pr", name="M", nodes=nodes, flows=flows),))))
    root = _parse(svg)
    assert len(root.findall(".//{*}g[@class='gateway']/{*}polygon")) == 3
    assert svg.count('stroke-width="4" stroke-linecap="round"') == 1  # the × of the exclusive gateway
    gateways = {g.get("data-element"): g for g in root.findall(".//{*}g[@class='gateway']")}
    assert gateways["O"].find("{*}circle") is not None and gateways["P"].find("{*}path") is not None
    start = root.find(".//{*}g[@data-element='S']")
    assert len(start.findall("{*}circle")) == 2  # ring and clock face
    end = root.find(".//{*}g[@data-element='E']")
    assert end.find("{*}circle").get("stroke-width") == "4.0"
    default = root.find(".//{*}g[@data-element='f3']")
    assert default.find("{*}path") is not None  # the slash
    assert "[vip]" in _text(root)
    assert all(p.get("marker-end") for p in root.findall(".//{*}g[@class='flow']/{*}polyline"))


def test_needs_a_diagram() -> None:
    with pytest.raises(BpmnError, match="lay them out"):
        render_svg(tree_to_bpmn(T.leaf("a"), process_name="P"))


def test_png_is_written(tmp_path) -> None:
    pytest.importorskip("typst")
    d = layout(tree_to_bpmn(T.sequence(T.leaf("Звонок"), T.leaf(EVIL)), process_name="P", lanes={"Звонок": "Продажи"}))
    out = render_png(d, tmp_path / "m.png", ppi=96)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    root = _parse(render_svg(d))
    assert (width, height) == pytest.approx((float(root.get("width")), float(root.get("height"))), abs=2)


KINDS = ["userTask", "serviceTask", "sendTask", "receiveTask", "manualTask", "scriptTask", "businessRuleTask"]


def test_every_task_type_has_its_marker_and_loops_are_marked() -> None:
    from crmflow.bpmn.model import SubProcess

    loop = '<bpmn:standardLoopCharacteristics xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'
    multi = '<bpmn:multiInstanceLoopCharacteristics xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" isSequential="{}"/>'
    nodes = [
        Event(id="S"),
        *(Task(id=k, name=k, kind=k) for k in KINDS),
        Task(id="plain", name="plain"),
        Task(id="L", name="again", unmodelled=(loop,)),
        Task(id="MP", name="each", unmodelled=(multi.format("false"),)),
        SubProcess(id="MS", name="one by one", unmodelled=(multi.format("true"),)),
        Event(id="E", position="end"),
    ]
    flows = [SequenceFlow(id=f"f{i}", source=a.id, target=b.id) for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False))]
    root = _parse(render_svg(layout(Definitions(id="D", processes=(Process(id="P", nodes=tuple(nodes), flows=tuple(flows)),)))))

    def markers(element: str) -> list[str]:
        (g,) = root.findall(f".//{{*}}g[@data-element='{element}']")
        return [m.get("class") for m in g.iter() if (m.get("class") or "").startswith("marker ")]

    for kind in KINDS:
        assert markers(kind) == [f"marker {kind}"], kind
    assert markers("plain") == []
    assert markers("L") == ["marker loop"]
    assert markers("MP") == ["marker parallel"]
    assert markers("MS") == ["marker sequential", "marker collapsed"]
    send = root.find(".//{*}g[@class='marker sendTask']/{*}rect")
    receive = root.find(".//{*}g[@class='marker receiveTask']/{*}rect")
    assert send.get("fill") != "#fff" and receive.get("fill") == "#fff", "send: filled envelope, receive: open"
