"""Layout invariants: no overlaps, every node inside its lane's band, orthogonal flows, readable at 45 tasks."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest

import crmflow
from crmflow.bpmn.from_tree import dominant_lanes, tree_to_bpmn
from crmflow.bpmn.layout import EVENT_SIZE, GATEWAY_SIZE, TASK_SIZE, layout
from crmflow.bpmn.model import (
    Association,
    Bounds,
    Collaboration,
    Definitions,
    Event,
    EventDefinition,
    Gateway,
    Lane,
    LaneSet,
    MessageFlow,
    Participant,
    Process,
    SequenceFlow,
    Task,
    TextAnnotation,
)
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.render import render_svg
from crmflow.bpmn.svg_text import header_span
from crmflow.bpmn.writer import write_bpmn
from crmflow.discovery.inductive import discover_process_tree
from crmflow.discovery.process_tree import ProcessTree as T
from crmflow.errors import GraphvizNotFoundError
from tests.conftest import real


def generated_tree(n: int, seed: int) -> tuple[T, dict[str, str]]:
    """A random block-structured tree over ``n`` activities, and a lane (one of 6 roles) for each."""
    rnd = random.Random(seed)
    acts = [f"Task {i:02d} <script>alert({i})</script>" for i in range(n)]

    def build(items: list[str]) -> T:
        if len(items) == 1:
            return T.xor(T.leaf(items[0]), T.tau()) if rnd.random() < 0.15 else T.leaf(items[0])
        k = rnd.randint(2, min(4, len(items)))
        cuts = sorted(rnd.sample(range(1, len(items)), k - 1))
        kids = [build(items[a:b]) for a, b in zip([0, *cuts], [*cuts, len(items)], strict=True)]
        op = rnd.choice(["sequence", "sequence", "xor", "parallel", "loop"])
        if op == "loop":
            return T.loop(T.sequence(*kids[:-1]), kids[-1])
        return getattr(T, op)(*kids)

    return build(acts), {a: f"Role {rnd.randrange(6)}" for a in acts}


def overlap(a: Bounds, b: Bounds) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


def on_boundary(p, b: Bounds) -> bool:
    inside_x = b.x - 0.6 <= p.x <= b.x + b.width + 0.6
    inside_y = b.y - 0.6 <= p.y <= b.y + b.height + 0.6
    at_x = min(abs(p.x - b.x), abs(p.x - b.x - b.width)) < 0.6
    at_y = min(abs(p.y - b.y), abs(p.y - b.y - b.height)) < 0.6
    return inside_x and inside_y and (at_x or at_y)


def check_invariants(d: Definitions) -> None:
    (diagram,) = d.diagrams
    p = d.process()
    drawn = {n.id for n in p.nodes} | {t.id for t in p.text_annotations}
    shapes = {s.element: s for s in diagram.plane.shapes}
    assert drawn <= set(shapes), "every node and annotation has a shape"
    ids = sorted(drawn)
    hosts = {n.id: n.attached_to for n in p.nodes if isinstance(n, Event) and n.attached_to}
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if hosts.get(a) == b or hosts.get(b) == a:
                continue
            assert not overlap(shapes[a].bounds, shapes[b].bounds), f"{a} overlaps {b}"
    lanes = list(p.all_lanes())
    for lane in lanes:
        band = shapes[lane.id].bounds
        for ref in lane.flow_node_refs:
            s = shapes[ref].bounds
            assert band.y <= s.y and s.y + s.height <= band.y + band.height, f"{ref} outside lane {lane.name}"
            assert band.x <= s.x and s.x + s.width <= band.x + band.width
    leaf = [shapes[lane.id].bounds for lane in lanes if lane.children is None]
    for i, a in enumerate(leaf):
        for b in leaf[i + 1 :]:
            assert not overlap(a, b), "lanes are disjoint bands"
    if d.collaboration is not None and lanes:
        pool = shapes[d.collaboration.participants[0].id].bounds
        assert all(pool.y <= b.y and b.y + b.height <= pool.y + pool.height for b in leaf)
    for s in diagram.plane.shapes:
        if s.label is not None and s.element in drawn:
            for other in drawn:
                assert not overlap(s.label, shapes[other].bounds), f"label of {s.element} covers {other}"
    for f in p.flows:
        e = diagram.edge_for(f.id)
        assert e is not None and len(e.waypoints) >= 2
        for a, b in zip(e.waypoints, e.waypoints[1:], strict=False):
            assert a.x == b.x or a.y == b.y, f"segment of {f.id} is diagonal: {a} {b}"
        assert on_boundary(e.waypoints[0], shapes[f.source].bounds), f"{f.id} does not leave {f.source}'s boundary"
        assert on_boundary(e.waypoints[-1], shapes[f.target].bounds), f"{f.id} does not reach {f.target}'s boundary"


@pytest.mark.parametrize("seed", range(4))
def test_45_generated_tasks_lay_out_cleanly(seed: int) -> None:
    tree, lanes = generated_tree(45, seed)
    d = layout(tree_to_bpmn(tree, process_name="Big", lanes=lanes))
    check_invariants(d)
    assert sum(isinstance(n, Task) for n in d.process().nodes) == 45
    assert read_bpmn(write_bpmn(d)) == d


def test_running_example_with_lanes_round_trips() -> None:
    log = crmflow.read_log(real("running-example.xes"))
    d = layout(tree_to_bpmn(discover_process_tree(log), process_name="Requests", lanes=dominant_lanes(log)))
    check_invariants(d)
    assert read_bpmn(write_bpmn(d)) == d
    assert d.diagrams[0].plane.element == d.collaboration.id


def test_standard_sizes_and_lane_order_follows_the_start() -> None:
    tree = T.sequence(T.leaf("a"), T.xor(T.leaf("b"), T.leaf("c")), T.leaf("d"))
    d = layout(tree_to_bpmn(tree, process_name="P", lanes={"a": "First", "b": "Second", "c": "Second", "d": "Third"}))
    dia = d.diagrams[0]
    p = d.process()
    for n in p.nodes:
        b = dia.shape_for(n.id).bounds
        want = TASK_SIZE if isinstance(n, Task) else GATEWAY_SIZE if isinstance(n, Gateway) else EVENT_SIZE
        assert (b.width, b.height) == want
    start = dia.shape_for("Start_1").bounds
    lane_tops = sorted((dia.shape_for(lane.id).bounds.y, lane.name) for lane in p.all_lanes())
    assert lane_tops[0][1] == p.lane_of("Start_1").name and start.y < dia.shape_for("End_1").bounds.y + 1e6
    xs = [dia.shape_for(n.id).bounds.x for n in p.nodes if isinstance(n, Task)]
    assert xs[0] < min(xs[1:3]) and max(xs[1:3]) < xs[3], "left to right in flow order"


def test_boundary_timer_sits_on_its_host_and_labels_do_not_cover_shapes() -> None:
    nodes = (
        Event(id="S", name="Lead <b>in</b>"),
        Task(id="A", name="Call back", kind="userTask"),
        Event(
            id="T",
            name="SLA 2 days",
            position="boundary",
            attached_to="A",
            interrupting=False,
            definitions=(EventDefinition(kind="timer", timer="timeDuration", expression="P2D"),),
        ),
        Task(id="R", name="Remind manager"),
        Gateway(id="G", name="Reached?", kind="exclusive", direction="diverging"),
        Event(id="E1", name="Won", position="end"),
        Event(id="E2", name="Lost", position="end"),
        Event(id="E3", position="end"),
    )
    flows = (
        SequenceFlow(id="f1", source="S", target="A"),
        SequenceFlow(id="f2", source="A", target="G"),
        SequenceFlow(id="f3", source="G", target="E1", name="yes"),
        SequenceFlow(id="f4", source="G", target="E2", condition="reached == false"),
        SequenceFlow(id="f5", source="T", target="R"),
        SequenceFlow(id="f6", source="R", target="E3"),
    )
    d = layout(Definitions(id="D", processes=(Process(id="P", nodes=nodes, flows=flows),)))
    check_invariants(d)
    dia = d.diagrams[0]
    host, timer = dia.shape_for("A").bounds, dia.shape_for("T").bounds
    assert timer.y + timer.height / 2 == pytest.approx(host.y + host.height)
    assert host.x <= timer.x and timer.x + timer.width <= host.x + host.width
    assert dia.edge_for("f3").label is not None and dia.edge_for("f4").label is not None
    shapes = [s.bounds for s in dia.plane.shapes]
    for edge in ("f3", "f4"):
        assert not any(overlap(dia.edge_for(edge).label, b) for b in shapes)
    assert dia.shape_for("G").label is not None and dia.shape_for("A").label is None


def test_pools_black_box_and_message_flow() -> None:
    p = Process(
        id="P",
        nodes=(Event(id="S"), Task(id="A", name="Send offer", kind="sendTask"), Event(id="E", position="end")),
        flows=(SequenceFlow(id="f1", source="S", target="A"), SequenceFlow(id="f2", source="A", target="E")),
    )
    collab = Collaboration(
        id="C",
        participants=(Participant(id="Us", name="Sales", process_ref="P"), Participant(id="Client", name="Client")),
        message_flows=(MessageFlow(id="m", source="A", target="Client"),),
    )
    d = layout(Definitions(id="D", collaboration=collab, processes=(p,)))
    dia = d.diagrams[0]
    us, client = dia.shape_for("Us").bounds, dia.shape_for("Client").bounds
    assert us.y + us.height <= client.y, "pools are stacked"
    pts = dia.edge_for("m").waypoints
    assert on_boundary(pts[0], dia.shape_for("A").bounds) and on_boundary(pts[-1], client)
    assert all(a.x == b.x or a.y == b.y for a, b in zip(pts, pts[1:], strict=False))
    assert read_bpmn(write_bpmn(d)) == d


def test_layout_replaces_old_diagrams_and_needs_a_process() -> None:
    d = layout(tree_to_bpmn(T.leaf("a"), process_name="P"))
    again = layout(d)
    assert again == d and len(again.diagrams) == 1
    with pytest.raises(crmflow.CrmflowError, match="no process"):
        layout(Definitions(id="D"))


def test_missing_dot_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        layout(tree_to_bpmn(T.leaf("a"), process_name="P"))


def test_crafted_model_draws_every_element_with_nested_lanes_indented() -> None:
    from tests.bpmn.crafted import crafted_model

    d = layout(crafted_model())
    main, sub = d.diagrams
    assert sub.plane.element == "Sub"
    assert {s.element for s in sub.plane.shapes} == {"SubStart", "SubTask", "SubEnd"}
    assert {e.element for e in sub.plane.edges} == {"SubFlow_1", "SubFlow_2"}
    front, sales, back = (main.shape_for(x).bounds for x in ("Lane_Front", "Lane_Sales", "Lane_Back"))
    assert sales.x == front.x + 30 and back.x == front.x  # a child lane starts after its parent's header
    assert front.y <= sales.y and sales.y + sales.height <= front.y + front.height
    data = main.shape_for("DataRef_Deal")
    assert data is not None and data.label is not None and (data.bounds.width, data.bounds.height) == (36, 50)
    assert main.edge_for("Assoc_Deal") is not None
    assert read_bpmn(write_bpmn(d)) == d


def _two_lane_model(*, lanes: tuple[Lane, ...]) -> Definitions:
    """S → A (lane "Top") → B (lane "Bottom") → E, with the lanes in the order given."""
    nodes = (Event(id="S"), Task(id="A", name="First"), Task(id="B", name="Second"), Event(id="E", position="end"))
    flows = (
        SequenceFlow(id="f1", source="S", target="A"),
        SequenceFlow(id="f2", source="A", target="B"),
        SequenceFlow(id="f3", source="B", target="E"),
    )
    p = Process(id="P", nodes=nodes, flows=flows, lane_sets=(LaneSet(id="LS", lanes=lanes),))
    pool = Participant(id="Pool", name="Company", process_ref="P")
    return Definitions(id="D", processes=(p,), collaboration=Collaboration(id="C", participants=(pool,)))


def _lane_tops(d: Definitions) -> list[str]:
    dia = d.diagrams[0]
    return [lane.id for lane in sorted(d.process().all_lanes(), key=lambda lane: dia.shape_for(lane.id).bounds.y)]


def test_lanes_keep_the_model_order() -> None:
    # the flow starts in the lane the model lists last
    lanes = (
        Lane(id="L_early", name="Listed first", flow_node_refs=("B", "E")),
        Lane(id="L_late", name="Listed last", flow_node_refs=("S", "A")),
    )
    assert _lane_tops(layout(_two_lane_model(lanes=lanes))) == ["L_early", "L_late"]
    assert _lane_tops(layout(_two_lane_model(lanes=lanes[::-1]))) == ["L_late", "L_early"]
    check_invariants(layout(_two_lane_model(lanes=lanes)))
    assert _lane_tops(layout(_two_lane_model(lanes=lanes), lane_order="flow")) in (["L_early", "L_late"], ["L_late", "L_early"])


def test_an_empty_lane_is_kept_and_drawn_narrow_with_its_whole_name() -> None:
    lanes = (
        Lane(id="L1", name="Sales", flow_node_refs=("S", "A", "B", "E")),
        Lane(id="L2", name="Nobody"),
        Lane(id="L3", name="Nobody at all, but with a very long name"),
    )
    d = layout(_two_lane_model(lanes=lanes))
    dia = d.diagrams[0]
    full, empty, long_empty = (dia.shape_for(x).bounds for x in ("L1", "L2", "L3"))
    assert empty.height < full.height and empty.height == max(60.0, header_span("Nobody")), "a narrow band"
    assert long_empty.height >= header_span("Nobody at all, but with a very long name") > 60.0
    svg = render_svg(d)
    assert ">Nobody at all, but<" in svg and ">with a very long name<" in svg and "…" not in svg


def test_black_box_pool_is_tall_enough_for_its_name() -> None:
    name = "Website and request forms"
    p = Process(
        id="P", nodes=(Event(id="S"), Event(id="E", position="end")), flows=(SequenceFlow(id="f", source="S", target="E"),)
    )
    collab = Collaboration(
        id="C", participants=(Participant(id="Us", name="Sales", process_ref="P"), Participant(id="Web", name=name))
    )
    d = layout(Definitions(id="D", collaboration=collab, processes=(p,)))
    web = d.diagrams[0].shape_for("Web").bounds
    assert web.height >= header_span(name) > 60.0
    svg = render_svg(d)
    assert "Website and request forms" in " ".join(re.findall(r">([^<>]+)</tspan>", svg)) and "…" not in svg


def test_collaboration_annotations_sit_next_to_their_target() -> None:
    p = Process(
        id="P",
        nodes=(Event(id="S"), Task(id="A", name="Call", kind="sendTask"), Event(id="E", position="end")),
        flows=(SequenceFlow(id="f1", source="S", target="A"), SequenceFlow(id="f2", source="A", target="E")),
    )
    collab = Collaboration(
        id="C",
        participants=(Participant(id="Us", name="Sales", process_ref="P"), Participant(id="Web", name="Website")),
        message_flows=(MessageFlow(id="m", source="A", target="Web"),),
        text_annotations=(
            TextAnnotation(id="T1", text="Within 10 minutes"),
            TextAnnotation(id="T2", text="External party"),
            TextAnnotation(id="T3", text="Not associated"),
        ),
        associations=(Association(id="a1", source="T1", target="A"), Association(id="a2", source="Web", target="T2")),
    )
    d = layout(Definitions(id="D", collaboration=collab, processes=(p,)))
    dia = d.diagrams[0]
    shapes = {s.element: s.bounds for s in dia.plane.shapes}
    assert {"T1", "T2", "T3"} <= set(shapes)
    for note, target in (("T1", "A"), ("T2", "Web")):
        n, t = shapes[note], shapes[target]
        gap_x = max(t.x - (n.x + n.width), n.x - (t.x + t.width), 0)
        gap_y = max(t.y - (n.y + n.height), n.y - (t.y + t.height), 0)
        assert gap_x <= 40 and gap_y <= 40, f"{note} is far from {target}"
    for a in ("a1", "a2"):
        edge = dia.edge_for(a)
        assert edge is not None and len(edge.waypoints) >= 2
    for note in ("T1", "T2", "T3"):
        assert not any(overlap(shapes[note], shapes[k]) for k in ("S", "A", "E", "T1", "T2", "T3") if k != note)
    assert read_bpmn(write_bpmn(d)) == d


def _label_collisions(d: Definitions) -> list[str]:
    """Every label box (of a shape or a flow) that covers a flow node's, annotation's or data object's box."""
    plane = d.diagrams[0].plane
    containers = {p.id for p in d.collaboration.participants} if d.collaboration else set()
    containers |= {lane.id for p in d.processes for lane in p.all_lanes()}
    boxes = {s.element: s.bounds for s in plane.shapes if s.element not in containers}
    labels = [(s.element, s.label) for s in plane.shapes if s.label is not None]
    labels += [(e.element, e.label) for e in plane.edges if e.label is not None]
    return [f"label of {owner} covers {other}" for owner, lab in labels for other, box in boxes.items()
            if overlap(lab, box)]  # fmt: skip


TOBE_EXAMPLES = ["incoming_lead", "b2b_deal", "contractor_registration", "service_ticket", "order_payment"]


@pytest.mark.parametrize("example", TOBE_EXAMPLES)
def test_tobe_examples_labels_cover_no_node_and_lanes_keep_their_order(example: str) -> None:
    from importlib.resources import files

    from crmflow.design.compile import compile_tobe
    from crmflow.design.loader import load_tobe

    definition = load_tobe(files("crmflow.design") / "examples" / f"{example}.yaml")
    d = compile_tobe(definition, lang="en").definitions
    assert _label_collisions(d) == []
    dia = d.diagrams[0]
    for p in d.processes:
        given = [lane.id for ls in p.lane_sets for lane in ls.lanes]
        assert _lane_tops(replace(d, processes=(p,))) == given or sorted(
            given, key=lambda x: dia.shape_for(x).bounds.y) == given  # fmt: skip
    names = [lab for e in dia.plane.edges if (lab := e.label) is not None]
    assert names, "the examples have named or conditional flows"
    message_flows = {m.id for m in d.collaboration.message_flows}
    assert message_flows
    for e in dia.plane.edges:
        if e.element in message_flows:  # e.g. the start event's name is not written across its message flow
            for a, b in zip(e.waypoints, e.waypoints[1:], strict=False):
                segment = Bounds(min(a.x, b.x), min(a.y, b.y), abs(a.x - b.x) + 0.1, abs(a.y - b.y) + 0.1)
                assert not [s.element for s in dia.plane.shapes if s.label is not None and overlap(s.label, segment)]


@pytest.mark.parametrize("name", ["helpdesk.xes.gz", "bpic2012.xes.gz"])
def test_asis_labels_cover_no_node(name: str) -> None:
    from crmflow.asis import asis_model

    d = asis_model(crmflow.read_log(real(name)))
    assert _label_collisions(d) == []
    freq = [e for e in d.diagrams[0].plane.edges if e.label is not None]
    assert freq, "flow frequencies get a label box"


@pytest.mark.parametrize("seed", range(4))
def test_above_the_dot_limit_layers_are_found_without_graphviz(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """A model larger than DOT_LIMIT nodes is laid out by bpmn/layering.py, with the same invariants."""
    from crmflow.bpmn import layout as layout_module

    def no_dot(*args: object, **kwargs: object) -> None:
        raise AssertionError("dot must not be called above the limit")

    monkeypatch.setattr(layout_module, "DOT_LIMIT", 10)
    monkeypatch.setattr(layout_module, "dot_positions", no_dot)
    tree, lanes = generated_tree(45, seed)
    d = layout(tree_to_bpmn(tree, process_name="Big", lanes=lanes))
    check_invariants(d)
    assert read_bpmn(write_bpmn(d)) == d


def test_a_tobe_above_the_dot_limit_keeps_its_lanes_and_labels_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.resources import files

    from crmflow.bpmn import layout as layout_module
    from crmflow.design.compile import compile_tobe
    from crmflow.design.loader import load_tobe

    monkeypatch.setattr(layout_module, "DOT_LIMIT", 10)
    definition = load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml")
    d = compile_tobe(definition, lang="en").definitions
    assert _label_collisions(d) == []
    for p in d.processes:
        shapes = {s.element: s.bounds for s in d.diagrams[0].plane.shapes}
        for lane in p.all_lanes():
            band = shapes[lane.id]
            for ref in lane.flow_node_refs:
                s = shapes[ref]
                assert band.y <= s.y and s.y + s.height <= band.y + band.height, f"{ref} outside lane {lane.id}"
