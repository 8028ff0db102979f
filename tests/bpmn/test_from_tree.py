"""Process tree → BPMN: block translation, lanes by dominant role, annotations, write→read."""

from __future__ import annotations

from collections import Counter

import pytest

import crmflow
from crmflow.bpmn.from_tree import UNASSIGNED_LANE, dominant_lanes, tree_to_bpmn
from crmflow.bpmn.layout import layout
from crmflow.bpmn.model import BpmnError, Event, Gateway, Task
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.to_petri import bpmn_to_petri
from crmflow.bpmn.writer import write_bpmn
from crmflow.conformance.token_replay import token_replay
from crmflow.discovery.inductive import discover_process_tree
from crmflow.discovery.process_tree import ProcessTree as T
from tests.conftest import make_log, real


def _kinds(d):
    return Counter(f"{n.kind}-{n.direction}" if isinstance(n, Gateway) else type(n).__name__ for n in d.process().nodes)


def _edges(d):
    p = d.process()
    name = {n.id: (n.name if isinstance(n, Task) else n.id) for n in p.nodes}
    return {(name[f.source], name[f.target]) for f in p.flows}


def test_sequence_is_a_chain_from_start_to_end():
    d = tree_to_bpmn(T.sequence(T.leaf("a"), T.leaf("b")), process_name="P")
    assert _edges(d) == {("Start_1", "a"), ("a", "b"), ("b", "End_1")}
    assert all(n.kind == "userTask" for n in d.process().nodes if isinstance(n, Task))
    assert d.collaboration is None and d.process().lane_sets == ()


def test_xor_with_tau_gets_a_default_skip_flow():
    d = tree_to_bpmn(T.xor(T.leaf("a"), T.leaf("b"), T.tau()), process_name="P")
    p = d.process()
    assert _kinds(d) == Counter({"Event": 2, "Task": 2, "exclusive-diverging": 1, "exclusive-converging": 1})
    split = next(n for n in p.nodes if isinstance(n, Gateway) and n.direction == "diverging")
    join = next(n for n in p.nodes if isinstance(n, Gateway) and n.direction == "converging")
    skip = [f for f in p.outgoing(split.id) if f.target == join.id]
    assert len(skip) == 1 and split.default == skip[0].id
    assert {p.node(f.target).name for f in p.outgoing(split.id) if f.target != join.id} == {"a", "b"}


def test_parallel_block_has_parallel_split_and_join():
    d = tree_to_bpmn(T.parallel(T.leaf("a"), T.leaf("b")), process_name="P")
    assert _kinds(d)["parallel-diverging"] == 1 and _kinds(d)["parallel-converging"] == 1
    assert all(n.default is None for n in d.process().nodes if isinstance(n, Gateway))


def test_loop_goes_back_through_redo_and_leaves_by_default():
    d = tree_to_bpmn(T.loop(T.leaf("do"), T.leaf("redo")), process_name="P")
    p = d.process()
    join = next(n for n in p.nodes if isinstance(n, Gateway) and n.direction == "converging")
    split = next(n for n in p.nodes if isinstance(n, Gateway) and n.direction == "diverging")
    assert [p.node(f.target).name for f in p.outgoing(join.id)] == ["do"]
    assert [f.target for f in p.outgoing(p.nodes[[n.id for n in p.nodes].index(join.id) + 1].id)] == [split.id]
    targets = {p.node(f.target).id for f in p.outgoing(split.id)}
    redo = next(n for n in p.nodes if isinstance(n, Task) and n.name == "redo")
    assert targets == {redo.id, "End_1"}
    assert [f.target for f in p.outgoing(redo.id)] == [join.id]
    assert p.node(split.id).default == next(f.id for f in p.outgoing(split.id) if f.target == "End_1")


def test_silent_tree_is_start_to_end():
    d = tree_to_bpmn(T.tau(), process_name="P")
    assert [(f.source, f.target) for f in d.process().flows] == [("Start_1", "End_1")]


def test_empty_process_name_is_refused():
    with pytest.raises(BpmnError, match="process_name"):
        tree_to_bpmn(T.leaf("a"), process_name="  ")


def test_lanes_hold_every_node_once_and_tasks_in_their_own_lane():
    tree = T.sequence(T.leaf("qualify"), T.xor(T.leaf("call"), T.leaf("mail")), T.leaf("sign"), T.leaf("odd"))
    lanes = {"qualify": "Sales", "call": "Sales", "mail": "Marketing", "sign": "Legal"}
    d = tree_to_bpmn(tree, process_name="Deals", lanes=lanes)
    p = d.process()
    refs = [r for lane in p.all_lanes() for r in lane.flow_node_refs]
    assert sorted(refs) == sorted(n.id for n in p.nodes)
    for n in p.nodes:
        if isinstance(n, Task):
            assert p.lane_of(n.id).name == lanes.get(n.name, UNASSIGNED_LANE)
    assert [lane.name for lane in p.all_lanes()] == ["Sales", "Marketing", "Legal", UNASSIGNED_LANE]
    assert p.lane_of("Start_1").name == "Sales" and p.lane_of("End_1").name == UNASSIGNED_LANE
    (pool,) = d.collaboration.participants
    assert pool.name == "Deals" and pool.process_ref == p.id


def test_split_goes_to_the_lane_of_the_task_before_it():
    tree = T.sequence(T.leaf("decide"), T.xor(T.leaf("pay"), T.leaf("reject")))
    d = tree_to_bpmn(tree, process_name="P", lanes={"decide": "Boss", "pay": "Clerk", "reject": "Clerk"})
    p = d.process()
    split = next(n for n in p.nodes if isinstance(n, Gateway) and n.direction == "diverging")
    join = next(n for n in p.nodes if isinstance(n, Gateway) and n.direction == "converging")
    assert p.lane_of(split.id).name == "Boss"  # tie (one hop each way): a split looks back
    assert p.lane_of(join.id).name == "Clerk"


def test_annotations_are_associated_with_their_tasks():
    d = tree_to_bpmn(T.sequence(T.leaf("a"), T.leaf("b")), process_name="P", annotations={"b": "42 cases · 3 h wait"})
    p = d.process()
    (note,) = p.text_annotations
    (link,) = p.associations
    assert note.text == "42 cases · 3 h wait" and p.node(link.source).name == "b" and link.target == note.id


def test_dominant_lanes_prefers_roles_then_resources():
    log = make_log(
        [
            ("c1", "A", "2024-01-01 10:00", "ann", "sales"),
            ("c1", "B", "2024-01-01 11:00", "bob"),
            ("c2", "A", "2024-01-02 10:00", "cat", "support"),
            ("c2", "B", "2024-01-02 11:00", "cat"),
            ("c3", "A", "2024-01-03 10:00", "dan", "sales"),
            ("c3", "B", "2024-01-03 11:00", "bob"),
            ("c3", "C", "2024-01-03 12:00", None),
            ("c4", "A", "2024-01-04 10:00", "eve"),  # no role: does not count for A, which has roles
            ("c4", "A", "2024-01-04 11:00", "eve"),
            ("c4", "A", "2024-01-04 12:00", "eve"),
        ]
    )
    assert dominant_lanes(log) == {"A": "sales", "B": "bob"}


def test_dominant_lanes_ties_go_to_the_first_name():
    log = make_log([("c1", "A", "2024-01-01 10:00", "zed"), ("c2", "A", "2024-01-01 10:00", "amy")])
    assert dominant_lanes(log) == {"A": "amy"}


def test_running_example_model_replays_the_log_and_round_trips():
    log = crmflow.read_log(real("running-example.xes"))
    tree = discover_process_tree(log)
    lanes = dominant_lanes(log)
    counts = Counter()
    for row in log.to_arrow().to_pylist():
        counts[(row["concept:name"], row["org:resource"])] += 1
    for activity, lane in lanes.items():
        best = max(n for (a, _), n in counts.items() if a == activity)
        assert counts[(activity, lane)] == best
    d = layout(tree_to_bpmn(tree, process_name="Requests", lanes=lanes))
    assert read_bpmn(write_bpmn(d)) == d
    # the BPMN model accepts the same behaviour as the tree: the whole log fits
    assert token_replay(log, bpmn_to_petri(d)).log_fitness == pytest.approx(1.0)
    tasks = sorted(n.name for n in d.process().nodes if isinstance(n, Task))
    assert tasks == sorted(tree.activities)
    assert sum(isinstance(n, Event) for n in d.process().nodes) == 2
