"""Lint: each crafted model trips exactly the rule it was made for; the real models lint clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmflow.bpmn.lint import lint
from crmflow.bpmn.messages import MESSAGES
from crmflow.bpmn.model import Definitions, Event, Process, SequenceFlow, Task
from crmflow.bpmn.reader import read_bpmn
from tests.conftest import real

DATA = Path(__file__).resolve().parents[1] / "data" / "bpmn"
LINT = DATA / "lint"


def run(name: str):
    return lint(read_bpmn(LINT / name))


def found(report) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(p.severity, p.code, p.elements) for p in report.problems]


@pytest.mark.parametrize("name", ["receipt.bpmn", "running-example.bpmn"])
def test_the_real_models_lint_without_errors(name: str) -> None:
    report = lint(read_bpmn(real(name)))
    assert report.ok and report.errors == ()
    assert [s.sound for s in report.soundness] == [True]


@pytest.mark.parametrize("name", ["camunda_lead.bpmn", "signavio_ticket.bpmn"])
def test_the_crafted_vendor_models_lint_without_errors(name: str) -> None:
    assert lint(read_bpmn(DATA / name)).ok


def test_a_model_using_boundaries_subprocess_and_inclusive_gateways_is_clean() -> None:
    report = run("clean.bpmn")
    assert report.problems == () and report.ok


def test_deadlock_exclusive_split_into_parallel_join() -> None:
    report = run("deadlock.bpmn")
    assert not report.ok
    assert found(report) == [
        ("error", "deadlock", ("Flow_head_done", "Join")),
        ("error", "deadlock", ("Flow_self_done", "Join")),
        ("error", "dead", ("Send",)),
    ]


def test_parallel_split_joined_by_an_exclusive_gateway() -> None:
    report = run("lack_of_sync.bpmn")
    assert found(report) == [
        ("error", "parallel-into-exclusive", ("Fork", "Merge", "F4", "F5")),
        ("error", "unsafe", ("Merge",)),
    ]
    msg = report.problems[0]
    assert "Replace `Merge` with a parallel gateway" in msg.message_en
    assert "Замените `Merge` параллельным шлюзом" in msg.message_ru


def test_missing_default_flow_is_a_warning_asking_what_happens_otherwise() -> None:
    report = run("missing_default.bpmn")
    assert report.ok  # a warning, not an error
    assert found(report) == [("warning", "missing-default", ("Hot", "F_hot", "F_cold"))]
    assert "what happens if no condition is met?" in report.problems[0].message_en
    assert "что будет, если ни одно условие не выполнится?" in report.problems[0].message_ru


def test_an_unreachable_task_is_reported_once() -> None:
    report = run("dead_task.bpmn")
    assert found(report) == [("error", "unreachable", ("Archive",))]
    assert report.soundness[0].no_dead_transitions is False  # soundness agrees; lint does not repeat it


def test_an_invalid_timer_expression() -> None:
    report = run("bad_timer.bpmn")
    assert found(report) == [("error", "invalid-timer", ("Sla",))]
    assert "PT10X" in report.problems[0].message_en and "ISO 8601" in report.problems[0].message_ru


def test_a_node_outside_every_lane() -> None:
    report = run("outside_lane.bpmn")
    assert found(report) == [("warning", "no-lane", ("Send",))]
    assert "`Sales`" in report.problems[0].message_en


def test_a_loop_without_exit() -> None:
    report = run("livelock.bpmn")
    assert [p.code for p in report.problems] == ["no-path-to-end"] * 3 + ["livelock"]
    assert {p.elements for p in report.problems[:3]} == {("Loop",), ("Remind",), ("Wait",)}


def test_implicit_merge_boundary_misuse_and_missing_end() -> None:
    nodes = (
        Event(id="S"),
        Task(id="A"),
        Task(id="B"),
        Task(id="C"),
        Event(id="Orphan", position="boundary", attached_to="S"),
    )
    flows = tuple(
        SequenceFlow(id=f"f{i}", source=a, target=b)
        for i, (a, b) in enumerate([("S", "A"), ("S", "B"), ("A", "C"), ("B", "C"), ("A", "Orphan")])
    )
    report = lint(Definitions(id="D", processes=(Process(id="P", nodes=nodes, flows=flows),)))
    codes = report.codes()
    assert "implicit-merge" in codes and "boundary-host" in codes and "boundary-incoming" in codes
    assert "no-end" in codes and report.soundness == ()  # no workflow net without an end event
    merge = next(p for p in report.problems if p.code == "implicit-merge")
    assert merge.elements == ("C", "f2", "f3") and merge.severity == "warning"
    assert [p.severity for p in report.problems] == sorted(p.severity for p in report.problems)  # errors first
    json.dumps(report.to_dict())


def test_every_message_has_both_languages_and_names_its_elements() -> None:
    for key, entry in MESSAGES.items():
        assert set(entry) == {"en", "ru"}, key
        assert entry["en"] != entry["ru"], key
    for name in [
        "deadlock.bpmn",
        "lack_of_sync.bpmn",
        "missing_default.bpmn",
        "dead_task.bpmn",
        "bad_timer.bpmn",
        "outside_lane.bpmn",
        "livelock.bpmn",
    ]:
        for p in run(name).problems:
            assert p.elements and all(f"`{e}`" in p.message_en for e in p.elements[:2]), p
            assert p.message("ru") == p.message_ru and p.message("en") == p.message_en
