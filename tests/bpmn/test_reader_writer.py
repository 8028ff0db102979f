"""BPMN reader and writer: real files, crafted exports, broken input, and write→read identity."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crmflow.bpmn.model import (
    BPMN_NS,
    BPMNDI_NS,
    EVENT_DEFINITION_KINDS,
    GATEWAY_DIRECTIONS,
    GATEWAY_KINDS,
    SUBPROCESS_KINDS,
    TASK_KINDS,
    TIMER_KINDS,
    TRIGGER_KINDS,
    Association,
    Bounds,
    BpmnError,
    CallActivity,
    Collaboration,
    DataObject,
    DataObjectReference,
    Definitions,
    Diagram,
    Edge,
    Event,
    EventDefinition,
    EventTrigger,
    Gateway,
    Lane,
    LaneSet,
    MessageFlow,
    Participant,
    Plane,
    Point,
    Process,
    SequenceFlow,
    Shape,
    SubProcess,
    Task,
    TextAnnotation,
)
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.writer import write_bpmn
from crmflow.errors import UnsafeInputError
from tests.conftest import real

DATA = Path(__file__).resolve().parents[1] / "data" / "bpmn"
FIXTURES = sorted(DATA.glob("*.bpmn"))
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"


def _census(d: Definitions) -> Counter[str]:
    out: Counter[str] = Counter()
    for n in d.flow_nodes():
        if isinstance(n, Task):
            out["task"] += 1
        elif isinstance(n, Gateway):
            out[n.kind] += 1
        elif isinstance(n, Event):
            out[n.position] += 1
    out["flows"] = sum(len(list(p.all_flows())) for p in d.processes)
    return out


# ------------------------------------------------------------------------------ real files


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("receipt.bpmn", {"task": 27, "exclusive": 30, "start": 1, "end": 1, "flows": 90}),
        ("running-example.bpmn", {"task": 8, "exclusive": 6, "parallel": 2, "start": 1, "end": 1, "flows": 21}),
    ],
)
def test_real_pm4py_files_read_with_exact_counts(name: str, expected: dict[str, int]) -> None:
    d = read_bpmn(real(name))
    assert _census(d) == Counter(expected)
    assert _census(d)["parallel"] == expected.get("parallel", 0)
    plane = d.diagrams[0].plane
    assert plane.element == d.processes[0].id
    assert len(plane.shapes) == sum(expected[k] for k in expected if k != "flows")
    assert len(plane.edges) == expected["flows"]


@pytest.mark.parametrize("name", ["receipt.bpmn", "running-example.bpmn"])
def test_real_files_survive_read_write_read(name: str) -> None:
    d = read_bpmn(real(name))
    again = read_bpmn(write_bpmn(d))
    assert again == d
    assert write_bpmn(again) == write_bpmn(d)  # writing is deterministic


def test_gateway_direction_is_read_whatever_its_case() -> None:
    d = read_bpmn(real("running-example.bpmn"))  # pm4py writes "diverging", the spec "Diverging"
    directions = Counter(n.direction for n in d.flow_nodes() if isinstance(n, Gateway))
    assert set(directions) <= {"diverging", "converging"} and sum(directions.values()) == 8
    assert b'gatewayDirection="Diverging"' in write_bpmn(d)


# ------------------------------------------------------------------------- crafted exports


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixtures_survive_read_write_read(path: Path) -> None:
    d = read_bpmn(path)
    assert read_bpmn(write_bpmn(d)) == d
    assert read_bpmn(path.read_bytes(), name=path.name) == d


def test_camunda_modeler_file() -> None:
    d = read_bpmn(DATA / "camunda_lead.bpmn")
    p = d.process("Process_Lead")
    assert p.is_executable and p.name == "Lead qualification"
    assert p.documentation == "From web form to qualified lead."
    assert (f"{{{CAMUNDA}}}historyTimeToLive", "180") in p.other_attributes
    qualify = p.node("Task_Qualify")
    assert isinstance(qualify, Task) and qualify.kind == "userTask"
    assert qualify.other_attributes == ((f"{{{CAMUNDA}}}assignee", "${manager}"),)
    assert len(qualify.extensions) == 1 and 'value="PT4H"' in qualify.extensions[0]
    assert qualify.extensions[0].startswith(f'<camunda:properties xmlns:camunda="{CAMUNDA}">')
    gw = p.node("Gateway_Qualified")
    assert isinstance(gw, Gateway) and gw.default == "Flow_No" and gw.name == "Qualified?"
    yes = next(f for f in p.flows if f.id == "Flow_Yes")
    assert yes.condition == "${budget >= 1000 && qualified}" and yes.name == "yes"
    sla = p.node("Timer_SLA")
    assert isinstance(sla, Event) and sla.position == "boundary" and sla.attached_to == "Task_Qualify"
    assert not sla.interrupting
    assert sla.definitions == (
        EventDefinition(kind="timer", id="TimerEventDefinition_1", timer="timeDuration", expression="PT4H"),
    )
    start = p.node("Start_Lead")
    assert isinstance(start, Event) and start.definitions[0].ref == "Message_Lead"
    assert d.triggers == (EventTrigger(id="Message_Lead", kind="message", name="New lead"),)
    assert [lane.name for lane in p.all_lanes()] == ["Sales manager", "CRM"]
    assert p.lane_of("End_Lost").id == "Lane_CRM"  # type: ignore[union-attr]
    assert p.data_object_refs == (DataObjectReference(id="DataRef_Deal", name="Deal", data_object="DataObject_Deal"),)
    assert p.text_annotations[0].text == "Reminder, not escalation"
    assert p.associations[0].source == "Timer_SLA"
    collab = d.collaboration
    assert collab is not None and [x.process_ref for x in collab.participants] == ["Process_Lead", None]
    assert collab.message_flows[0].message_ref == "Message_Lead"
    diagram = d.diagrams[0]
    pool = diagram.shape_for("Participant_Sales")
    assert pool is not None and pool.is_horizontal is True
    task_shape = diagram.shape_for("Task_Qualify")
    assert task_shape is not None and task_shape.bounds == Bounds(290, 100, 100, 80)
    assert ("{http://bpmn.io/schema/bpmn/biocolor/1.0}stroke", "#e53935") in task_shape.other_attributes
    assert diagram.shape_for("Start_Lead").label == Bounds(186, 165, 69, 14)  # type: ignore[union-attr]
    assert diagram.shape_for("Gateway_Qualified").is_marker_visible is True  # type: ignore[union-attr]
    assert diagram.edge_for("Flow_Yes").waypoints[1] == Point(470, 330)  # type: ignore[union-attr]
    assert ("exporter", "Camunda Modeler") in d.other_attributes


def test_signavio_export_with_default_namespace() -> None:
    d = read_bpmn(DATA / "signavio_ticket.bpmn")
    p = d.process()
    sub = p.node("sid-sub")
    assert isinstance(sub, SubProcess) and [n.id for n in sub.nodes][:2] == ["sid-sub-start", "sid-or"]
    assert sub.unmodelled[0].startswith("<bpmn:multiInstanceLoopCharacteristics")  # kept, not lost
    assert p.outgoing("sid-or")[0].condition == "channel = 'phone'"
    assert p.outgoing("sid-or")[0].condition_language == "http://www.w3.org/1999/XPath"
    script = p.node("sid-script")
    assert isinstance(script, Task) and script.kind == "scriptTask" and "println" in script.unmodelled[0]
    boundary = p.node("sid-err-boundary")
    assert isinstance(boundary, Event) and boundary.interrupting and boundary.trigger == "error"
    assert d.triggers[0].code == "E-CRM-42"
    assert p.node("sid-escalate").documentation == 'Decision table "routing".\n\nOwner: support lead.'
    assert p.node("sid-term").trigger == "terminate"  # type: ignore[union-attr]
    assert p.associations[0].direction == "One" and p.associations[0].source == "sid-store"  # a kept dataStoreReference
    assert d.diagrams[0].shape_for("sid-store").bounds.width == 62.9  # type: ignore[union-attr]
    assert d.diagrams[0].shape_for("sid-sub").is_expanded is True  # type: ignore[union-attr]
    assert d.namespaces == (("signavio", "http://www.signavio.com"),)


def test_bizagi_export_with_bpmn2_and_semantic_prefixes() -> None:
    d = read_bpmn(DATA / "bizagi_order.bpmn")
    order = d.process("Process_Order")
    assert _census(d) == Counter(
        {"task": 4, "parallel": 2, "eventBased": 1, "start": 1, "end": 1, "intermediateThrow": 1,
         "intermediateCatch": 2, "boundary": 1, "flows": 12}
    )  # fmt: skip
    assert [lane.id for lane in order.all_lanes()] == ["Lane_Sales", "Lane_Key", "Lane_Back", "Lane_Finance"]
    assert order.lane_of("Task_Confirm").id == "Lane_Key"  # type: ignore[union-attr]
    deadline = order.node("Catch_Deadline")
    assert isinstance(deadline, Event) and deadline.definitions[0].timer == "timeDate"
    weekly = order.node("Timer_Weekly")
    assert isinstance(weekly, Event) and weekly.definitions[0].expression == "R4/2024-01-01T09:00:00Z/P1W"
    assert order.node("Throw_VIP").definitions[0].ref == "Escalation_VIP"  # type: ignore[union-attr]
    assert order.node("Catch_Paid").definitions[0].ref == "Signal_Paid"  # type: ignore[union-attr]
    assert d.collaboration is not None and d.collaboration.text_annotations[0].text == "Invoices go by e-mail"
    assert d.name == "Order to cash"


# -------------------------------------------------------------------------------- the writer


def test_writer_uses_bpmn_io_prefixes_and_lists_incoming_outgoing() -> None:
    xml = write_bpmn(read_bpmn(DATA / "signavio_ticket.bpmn"))
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions ')
    root = etree.fromstring(xml)
    assert root.nsmap["bpmn"] == BPMN_NS and root.nsmap["bpmndi"] == BPMNDI_NS
    assert {"dc", "di", "xsi", "signavio"} <= set(root.nsmap)
    assert None not in root.nsmap
    ns = {"bpmn": BPMN_NS}
    call = root.find(".//bpmn:manualTask[@id='sid-call']", ns)
    assert [c.text for c in call.findall("bpmn:incoming", ns)] == ["sid-sf2"]
    assert [c.text for c in call.findall("bpmn:outgoing", ns)] == ["sid-sf4"]
    cond = root.find(".//bpmn:sequenceFlow[@id='sid-sf2']/bpmn:conditionExpression", ns)
    assert cond.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "bpmn:tFormalExpression"
    assert b"ns0:" not in xml


def test_writer_draws_every_shape_and_edge_of_the_model() -> None:
    d = read_bpmn(DATA / "camunda_lead.bpmn")
    root = etree.fromstring(write_bpmn(d))
    di = {"bpmndi": BPMNDI_NS}
    drawn = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNShape", di)}
    drawn |= {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", di)}
    expected = {s.element for s in d.diagrams[0].plane.shapes} | {e.element for e in d.diagrams[0].plane.edges}
    assert drawn == expected
    assert {n.id for n in d.flow_nodes()} <= drawn
    assert root.find(".//bpmndi:BPMNShape[@bpmnElement='Start_Lead']/bpmndi:BPMNLabel", di) is not None


def test_writer_refuses_a_dangling_reference() -> None:
    bad = Definitions(
        id="D", processes=(Process(id="P", nodes=(Task(id="A"),), flows=(SequenceFlow(id="f", source="A", target="B"),)),)
    )
    with pytest.raises(BpmnError, match="sequence flow `f`: targetRef `B` does not exist"):
        write_bpmn(bad)


# --------------------------------------------------------------------------- broken input

_HEAD = b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><process id="P">'
_TAIL = b"</process></definitions>"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'<task id="A"/><sequenceFlow id="f1" sourceRef="A" targetRef="Ghost"/>',
         "sequence flow `f1`: targetRef `Ghost` does not exist"),
        (b'<task id="A"/><task id="A"/>', "id `A` is used twice"),
        (b'<task id="A"/><task id="B"/><exclusiveGateway id="G" default="f1"/>'
         b'<sequenceFlow id="f1" sourceRef="A" targetRef="B"/>',
         "gateway `G`: default `f1` does not exist (expected one of its outgoing sequence flows []"),
        (b'<exclusiveGateway id="G"/><boundaryEvent id="b" attachedToRef="G"/>', "event `b`: attachedToRef `G`"),
        (b'<boundaryEvent id="b"/>', "<boundaryEvent id=`b`>: has no attachedToRef"),
        (b'<task name="nameless"/>', "<task> on line 1: has no id"),
        (b'<sequenceFlow id="f"/>', "<sequenceFlow id=`f`>: has no sourceRef"),
        (b'<laneSet><lane id="L"><flowNodeRef>Ghost</flowNodeRef></lane></laneSet>', "lane `L`: flowNodeRef `Ghost`"),
        (b'<endEvent id="e"><messageEventDefinition messageRef="M"/></endEvent>', "event `e`: messageRef `M`"),
        (b'<exclusiveGateway id="G" gatewayDirection="Sideways"/>', "gatewayDirection='Sideways' is unknown"),
        (b'<subProcess id="S" triggeredByEvent="maybe"/>', "triggeredByEvent='maybe' is not a boolean"),
        (b'<subProcess id="S"><task id="A"/></subProcess><task id="B"/><sequenceFlow id="f" sourceRef="A" targetRef="B"/>',
         "sourceRef `A` is inside `S`: a sequence flow must not cross the boundary of a sub-process"),
        (b'</process><process id="Q"><task id="A"/><task id="B"/></process><process id="R">'
         b'<sequenceFlow id="f" sourceRef="A" targetRef="B"/>',
         "sourceRef `A` is a flow node of another process (`Q`): a sequence flow stays inside one process"),
    ],
)  # fmt: skip
def test_broken_models_name_the_element(body: bytes, message: str) -> None:
    with pytest.raises(BpmnError) as info:
        read_bpmn(_HEAD + body + _TAIL, name="crafted.bpmn")
    assert str(info.value).startswith("crafted.bpmn: ")
    assert message in str(info.value)


_DI_OPEN = (
    b'<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    b'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"><bpmndi:BPMNPlane id="pl">'
)
_DI_CLOSE = b"</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>"


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (b'<bpmndi:BPMNShape id="s" bpmnElement="Ghost"><dc:Bounds x="0" y="0" width="1" height="1"/></bpmndi:BPMNShape>',
         "shape `s`: bpmnElement `Ghost` does not exist"),
        (b'<bpmndi:BPMNShape id="s" bpmnElement="A"/>', "<BPMNShape id=`s`>: has no dc:Bounds"),
        (b'<bpmndi:BPMNShape id="s" bpmnElement="A"><dc:Bounds x="left" y="0" width="1" height="1"/></bpmndi:BPMNShape>',
         "x='left' is not a number"),
        (b'<bpmndi:BPMNShape id="s" bpmnElement="A"><dc:Bounds x="nan" y="0" width="1" height="1"/></bpmndi:BPMNShape>',
         "x='nan' is not a finite number"),
    ],
)  # fmt: skip
def test_broken_diagram_interchange(shape: bytes, message: str) -> None:
    with pytest.raises(BpmnError) as info:
        read_bpmn(_HEAD + b'<task id="A"/></process>' + _DI_OPEN + shape + _DI_CLOSE)
    assert message in str(info.value)


def test_entities_and_dtds_are_refused(tmp_path: Path) -> None:
    doctype = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    evil = doctype + _HEAD + b'<task id="A" name="&x;"/>' + _TAIL
    with pytest.raises(UnsafeInputError, match="refused"):
        read_bpmn(evil)
    path = tmp_path / "evil.bpmn"
    path.write_bytes(evil)
    with pytest.raises(UnsafeInputError, match="evil.bpmn"):
        read_bpmn(path)


def test_not_bpmn_and_not_xml() -> None:
    with pytest.raises(BpmnError, match=r"root element is <log>.*expected <definitions>"):
        read_bpmn(b"<log/>")
    with pytest.raises(BpmnError, match="not well-formed XML"):
        read_bpmn(_HEAD + b"<task id='A'>")


def test_a_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_bpmn(tmp_path / "missing.bpmn")


# ----------------------------------------------------------------- write→read is identity

_ALPHABET = st.sampled_from(list("abcXYZ019 _-.:<>&\"'/йжЁ€$"))
_TEXT = st.text(alphabet=_ALPHABET, max_size=12)
_COORD = st.integers(-3000, 3000).map(float) | st.floats(-3000, 3000, allow_nan=False, allow_infinity=False)
_BOUNDS = st.builds(Bounds, _COORD, _COORD, _COORD, _COORD)
_EXTENSION = (
    f'<camunda:property xmlns:camunda="{CAMUNDA}" name="raci.accountable" value="Head of sales"></camunda:property>',
    f'<camunda:properties xmlns:camunda="{CAMUNDA}">'
    '<camunda:property name="sla" value="PT4H"></camunda:property></camunda:properties>',
)


@st.composite
def models(draw: st.DrawFn) -> Definitions:  # noqa: C901 - one generator for a whole document
    counter = itertools.count()

    def new(prefix: str) -> str:
        return f"{prefix}_{next(counter)}"

    def common() -> dict[str, Any]:
        return {
            "documentation": draw(st.sampled_from(["", "Who does this and why"]) | _TEXT),
            "extensions": draw(st.lists(st.sampled_from(_EXTENSION), max_size=2).map(tuple)),
            "other_attributes": draw(st.sampled_from([(), ((f"{{{CAMUNDA}}}assignee", "${manager}"),)])),
        }

    triggers = tuple(
        EventTrigger(id=new(kind), kind=kind, name=draw(_TEXT), code=draw(_TEXT) if kind in ("error", "escalation") else "")
        for kind in draw(st.lists(st.sampled_from(TRIGGER_KINDS), max_size=4))
    )

    def definition() -> EventDefinition:
        kind = draw(st.sampled_from(EVENT_DEFINITION_KINDS))
        refs = [t.id for t in triggers if t.kind == kind]
        timer = draw(st.sampled_from((None, *TIMER_KINDS))) if kind == "timer" else None
        expression = (
            draw(st.sampled_from(["PT10M", "P1DT2H", "R3/PT2H", "2024-05-01T09:00:00Z"]) | _TEXT)
            if timer or kind == "conditional"
            else ""
        )
        return EventDefinition(
            kind=kind,
            id=draw(st.sampled_from(["", new("Def")])),
            ref=draw(st.sampled_from([None, *refs])) if refs else None,
            timer=timer,
            expression=expression,
            name=draw(_TEXT) if kind == "link" else "",
        )

    def container(depth: int) -> dict[str, Any]:
        nodes: list[Any] = []
        for _ in range(draw(st.integers(1, 6))):
            choice = draw(st.sampled_from(["task", "gateway", "event", "call"] + (["sub"] if depth < 2 else [])))
            if choice == "task":
                nodes.append(Task(id=new("Task"), name=draw(_TEXT), kind=draw(st.sampled_from(TASK_KINDS)), **common()))
            elif choice == "call":
                nodes.append(
                    CallActivity(id=new("Call"), name=draw(_TEXT), called_element=draw(st.sampled_from(["", "Billing"])))
                )
            elif choice == "gateway":
                nodes.append(Gateway(id=new("Gateway"), name=draw(_TEXT), kind=draw(st.sampled_from(GATEWAY_KINDS)),
                                     direction=draw(st.sampled_from(GATEWAY_DIRECTIONS)), **common()))  # fmt: skip
            elif choice == "event":
                position = draw(st.sampled_from(["start", "intermediateCatch", "intermediateThrow", "end"]))
                nodes.append(Event(id=new("Event"), name=draw(_TEXT), position=position,
                                   definitions=tuple(draw(st.lists(st.builds(definition), max_size=2))),
                                   interrupting=draw(st.booleans()) if position == "start" else True))  # fmt: skip
            else:
                nodes.append(SubProcess(id=new("Sub"), name=draw(_TEXT), kind=draw(st.sampled_from(SUBPROCESS_KINDS)),
                                        triggered_by_event=draw(st.booleans()), **container(depth + 1)))  # fmt: skip
        for host in [n for n in nodes if isinstance(n, Task | SubProcess | CallActivity)]:
            if draw(st.booleans()):
                timer = EventDefinition(kind="timer", timer="timeDuration", expression=draw(st.sampled_from(["PT4H", "P1D"])))
                nodes.append(Event(id=new("Boundary"), position="boundary", attached_to=host.id,
                                   interrupting=draw(st.booleans()), definitions=(timer,)))  # fmt: skip
        ids = [n.id for n in nodes]
        flows = []
        for _ in range(draw(st.integers(0, 8))):
            condition = draw(st.none() | st.sampled_from(["${amount > 1000}", ""]) | _TEXT)
            language = draw(st.sampled_from(["", "http://www.w3.org/1999/XPath"])) if condition is not None else ""
            flows.append(
                SequenceFlow(
                    id=new("Flow"),
                    name=draw(_TEXT),
                    source=draw(st.sampled_from(ids)),
                    target=draw(st.sampled_from(ids)),
                    condition=condition,
                    condition_language=language,
                    **common(),
                )
            )
        for i, node in enumerate(nodes):  # a default must be one of the node's own outgoing flows
            outgoing = [f.id for f in flows if f.source == node.id]
            if outgoing and isinstance(node, Gateway | Task | SubProcess | CallActivity) and draw(st.booleans()):
                nodes[i] = dataclasses.replace(node, default=draw(st.sampled_from(outgoing)))
        data = DataObject(id=new("Data"), name=draw(_TEXT), is_collection=draw(st.booleans()))
        notes = tuple(TextAnnotation(id=new("Note"), text=draw(_TEXT)) for _ in range(draw(st.integers(0, 2))))
        links = tuple(
            Association(id=new("Assoc"), source=note.id, target=draw(st.sampled_from(ids)),
                        direction=draw(st.sampled_from(["None", "One", "Both"])))
            for note in notes
        )  # fmt: skip
        with_data = draw(st.booleans())
        ref = DataObjectReference(id=new("DataRef"), name=draw(_TEXT), data_object=data.id)
        return {
            "nodes": tuple(nodes),
            "flows": tuple(flows),
            "data_objects": (data,) if with_data else (),
            "data_object_refs": (ref,) if with_data else (),
            "text_annotations": notes,
            "associations": links,
        }

    processes = []
    for _ in range(draw(st.integers(1, 2))):
        contents = container(0)
        pid = new("Process")
        draft = Process(id=pid, **contents)
        node_ids = [n.id for n in draft.all_nodes()]

        def lane(depth: int, node_ids: list[str] = node_ids) -> Lane:
            children = None
            if depth < 2 and draw(st.booleans()):
                children = LaneSet(id=new("LaneSet"), lanes=tuple(lane(depth + 1) for _ in range(draw(st.integers(1, 2)))))
            refs = tuple(draw(st.lists(st.sampled_from(node_ids), unique=True, max_size=4)))
            return Lane(id=new("Lane"), name=draw(_TEXT), flow_node_refs=refs, children=children, **common())

        lane_sets = (LaneSet(id=new("LaneSet"), lanes=tuple(lane(0) for _ in range(draw(st.integers(1, 3))))),)
        processes.append(dataclasses.replace(draft, name=draw(_TEXT), is_executable=draw(st.booleans()),
                                             lane_sets=lane_sets if draw(st.booleans()) else (), **common()))  # fmt: skip

    collaboration = None
    if draw(st.booleans()):
        pools = tuple(Participant(id=new("Pool"), name=draw(_TEXT), process_ref=p.id) for p in processes)
        pools += (Participant(id=new("Pool"), name="Customer"),)
        messages = [t.id for t in triggers if t.kind == "message"]
        mflows = tuple(
            MessageFlow(id=new("MsgFlow"), name=draw(_TEXT), source=pools[-1].id,
                        target=draw(st.sampled_from([p.id for p in pools[:-1]])),
                        message_ref=draw(st.sampled_from([None, *messages])))
            for _ in range(draw(st.integers(0, 2)))
        )  # fmt: skip
        collaboration = Collaboration(id=new("Collab"), participants=pools, message_flows=mflows)

    shapes, edges = [], []
    for p in processes:
        for node in p.all_nodes():
            if draw(st.booleans()):
                shapes.append(Shape(
                    id=new("Shape"), element=node.id, bounds=draw(_BOUNDS), label=draw(st.none() | _BOUNDS),
                    is_expanded=draw(st.sampled_from([None, True, False])) if isinstance(node, SubProcess) else None,
                    is_marker_visible=True if isinstance(node, Gateway) and node.kind == "exclusive" else None,
                    other_attributes=draw(st.sampled_from([(), (("{http://bpmn.io/schema/bpmn/biocolor/1.0}fill", "#ffcdd2"),)])),
                ))  # fmt: skip
        for lane in p.all_lanes():
            shapes.append(Shape(id=new("Shape"), element=lane.id, bounds=draw(_BOUNDS), is_horizontal=draw(st.booleans())))
        for flow in p.all_flows():
            if draw(st.booleans()):
                points = tuple(draw(st.lists(st.builds(Point, _COORD, _COORD), min_size=2, max_size=4)))
                edges.append(Edge(id=new("Edge"), element=flow.id, waypoints=points, label=draw(st.none() | _BOUNDS)))
    plane_of = collaboration.id if collaboration is not None else processes[0].id
    diagram = Diagram(id=new("Diagram"), name=draw(_TEXT), plane=Plane(id=new("Plane"), element=plane_of,
                                                                         shapes=tuple(shapes), edges=tuple(edges)))  # fmt: skip
    return Definitions(
        id=new("Definitions"),
        target_namespace=draw(st.sampled_from(["http://bpmn.io/schema/bpmn", "http://crmflow.dev/tobe"])),
        name=draw(_TEXT),
        namespaces=(("camunda", CAMUNDA), ("bioc", "http://bpmn.io/schema/bpmn/biocolor/1.0")),
        other_attributes=(("exporter", "crmflow"),),
        triggers=triggers,
        collaboration=collaboration,
        processes=tuple(processes),
        diagrams=(diagram,),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(models())
def test_write_then_read_is_identity(model: Definitions) -> None:
    xml = write_bpmn(model)
    assert read_bpmn(xml) == model
    assert b"ns0:" not in xml  # every namespace keeps its declared prefix
