"""Soundness by reachability: deadlocks, lack of synchronisation, livelocks, dead elements, limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmflow.bpmn.model import Definitions, Event, Gateway, Process, SequenceFlow, Task
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.soundness import check_soundness
from tests.conftest import real

LINT = Path(__file__).resolve().parents[1] / "data" / "bpmn" / "lint"


def check(name: str, **kw):
    return check_soundness(read_bpmn(LINT / name), **kw)


@pytest.mark.parametrize("name", ["receipt.bpmn", "running-example.bpmn"])
def test_the_reference_models_are_sound(name: str) -> None:
    rep = check_soundness(read_bpmn(real(name)))
    assert rep.sound and rep.problems == ()
    assert rep.complete and rep.safe and rep.bounded and rep.option_to_complete and rep.no_dead_transitions


def test_a_crafted_model_with_subprocess_boundaries_and_inclusive_gateways_is_sound() -> None:
    rep = check("clean.bpmn")
    assert rep.sound, [p.message_en for p in rep.problems]


def test_exclusive_split_into_parallel_join_deadlocks_and_names_the_join() -> None:
    rep = check("deadlock.bpmn")
    assert not rep.sound and rep.option_to_complete is False
    deadlocks = [p for p in rep.problems if p.code == "deadlock"]
    assert {p.elements for p in deadlocks} == {("Flow_head_done", "Join"), ("Flow_self_done", "Join")}
    assert deadlocks[0].path == ("Start", "Choose", "Approve_head")
    assert "`Join`" in deadlocks[0].message_en and "`Join`" in deadlocks[0].message_ru
    assert "Тупик" in deadlocks[0].message_ru
    # what follows the join can never happen
    assert [p.elements for p in rep.problems if p.code == "dead"] == [("Send",)]
    json.dumps(rep.to_dict())


def test_parallel_split_merged_exclusively_is_unsafe() -> None:
    rep = check("lack_of_sync.bpmn")
    unsafe = [p for p in rep.problems if p.code == "unsafe"]
    assert not rep.safe and [p.elements for p in unsafe] == [("Merge",)]
    assert "parallel gateway" in unsafe[0].message_en and "параллельным шлюзом" in unsafe[0].message_ru


def test_a_loop_without_exit_is_a_livelock() -> None:
    rep = check("livelock.bpmn")
    assert rep.option_to_complete is False
    assert [p.code for p in rep.problems] == ["livelock"]
    assert rep.problems[0].elements == ("Loop",)


def test_an_unreachable_task_is_dead() -> None:
    rep = check("dead_task.bpmn")
    assert rep.no_dead_transitions is False
    assert [(p.code, p.elements) for p in rep.problems] == [("dead", ("Archive",))]


def test_parallel_branches_ending_separately_complete_properly() -> None:
    nodes = (
        Event(id="S"),
        Gateway(id="g", kind="parallel"),
        Task(id="A"),
        Task(id="B"),
        Event(id="E1", position="end"),
        Event(id="E2", position="end"),
    )
    flows = tuple(
        SequenceFlow(id=f"f{i}", source=a, target=b)
        for i, (a, b) in enumerate([("S", "g"), ("g", "A"), ("g", "B"), ("A", "E1"), ("B", "E2")])
    )
    rep = check_soundness(Definitions(id="D", processes=(Process(id="P", nodes=nodes, flows=flows),)))
    assert rep.sound


def test_leftover_work_at_the_end_is_improper_completion() -> None:
    # branch A reaches the end while branch B waits at a parallel join whose other input (C) never comes
    nodes = (
        Event(id="S"),
        Gateway(id="g", kind="parallel"),
        Task(id="A"),
        Task(id="B"),
        Task(id="C"),
        Gateway(id="j", kind="parallel"),
        Event(id="E", position="end"),
    )
    pairs = [("S", "g"), ("g", "A"), ("g", "B"), ("A", "E"), ("B", "j"), ("C", "j"), ("j", "E")]
    flows = tuple(SequenceFlow(id=f"f{i}", source=a, target=b) for i, (a, b) in enumerate(pairs))
    rep = check_soundness(Definitions(id="D", processes=(Process(id="P", nodes=nodes, flows=flows),)))
    assert rep.proper_completion is False
    assert any(p.code == "improper_completion" and "j" in p.elements for p in rep.problems)


def test_a_parallel_split_in_a_loop_is_unbounded() -> None:
    nodes = (
        Event(id="S"),
        Gateway(id="m"),
        Gateway(id="g", kind="parallel"),
        Task(id="A"),
        Task(id="B"),
        Gateway(id="w", kind="parallel"),
        Event(id="E", position="end"),
    )
    # g forks A and B; A loops back to m (and g again) while B waits at w, which needs a token from each
    pairs = [("S", "m"), ("m", "g"), ("g", "A"), ("g", "B"), ("A", "m"), ("B", "w"), ("A", "w"), ("w", "E")]
    flows = tuple(SequenceFlow(id=f"f{i}", source=a, target=b) for i, (a, b) in enumerate(pairs))
    rep = check_soundness(Definitions(id="D", processes=(Process(id="P", nodes=nodes, flows=flows),)))
    assert rep.bounded is False and not rep.sound
    assert rep.option_to_complete is None  # undecidable on the explored part
    assert any(p.code == "unbounded" for p in rep.problems)


def test_the_state_limit_is_flagged() -> None:
    rep = check("clean.bpmn", max_states=5)
    assert not rep.complete and not rep.sound and rep.states == 5
    assert rep.option_to_complete is None and rep.no_dead_transitions is None
    assert rep.problems[-1].code == "state_limit" and "max_states" in rep.problems[-1].message_en


def test_a_long_model_with_rework_loops_is_checked_in_full() -> None:
    """Regression: the reduction and the exploration once grew cubically (35 s for 300 tasks)."""
    n = 300
    nodes = (
        Event(id="S"),
        *(Task(id=f"T{i}", name=f"Step {i}") for i in range(n)),
        *(Gateway(id=f"G{i}") for i in range(n)),
        Event(id="E", position="end"),
    )
    pairs = [("S", "T0")]
    for i in range(n):  # after each step: go on, or redo the previous step
        pairs += [(f"T{i}", f"G{i}"), (f"G{i}", f"T{i + 1}" if i + 1 < n else "E"), (f"G{i}", f"T{max(i - 1, 0)}")]
    flows = tuple(SequenceFlow(id=f"f{i}", source=a, target=b) for i, (a, b) in enumerate(pairs))
    rep = check_soundness(Definitions(id="D", processes=(Process(id="P", nodes=nodes, flows=flows),)))
    assert rep.sound and rep.states == 2 * n + 1
