"""The BPMN object model: queries over processes, definitions lookup, ISO 8601 timers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from crmflow.bpmn.model import (
    Bounds,
    BpmnError,
    Definitions,
    Diagram,
    Event,
    EventDefinition,
    Gateway,
    Lane,
    LaneSet,
    Plane,
    Process,
    SequenceFlow,
    Shape,
    SubProcess,
    Task,
)
from crmflow.bpmn.timers import (
    Duration,
    is_dynamic,
    parse_cycle,
    parse_datetime,
    parse_duration,
    parse_timer,
    timer_problem,
)
from crmflow.errors import DurationError


def _lead_process() -> Process:
    inner = SubProcess(
        id="Sub",
        nodes=(Event(id="s1"), Task(id="Call", kind="userTask"), Event(id="e1", position="end")),
        flows=(SequenceFlow(id="sf1", source="s1", target="Call"), SequenceFlow(id="sf2", source="Call", target="e1")),
    )
    sla = Event(
        id="SLA",
        position="boundary",
        attached_to="Qualify",
        interrupting=False,
        definitions=(EventDefinition(kind="timer", timer="timeDuration", expression="PT4H"),),
    )
    return Process(
        id="P",
        lane_sets=(
            LaneSet(
                id="ls",
                lanes=(
                    Lane(
                        id="Sales",
                        flow_node_refs=("Start", "Qualify", "SLA"),
                        children=LaneSet(id="ls2", lanes=(Lane(id="Juniors", flow_node_refs=("Qualify",)),)),
                    ),
                    Lane(id="Ops", flow_node_refs=("Gw", "Sub", "End")),
                ),
            ),
        ),
        nodes=(
            Event(id="Start"),
            Task(id="Qualify"),
            Gateway(id="Gw", default="f3"),
            inner,
            Event(id="End", position="end"),
            sla,
        ),
        flows=(
            SequenceFlow(id="f1", source="Start", target="Qualify"),
            SequenceFlow(id="f2", source="Qualify", target="Gw"),
            SequenceFlow(id="f3", source="Gw", target="Sub"),
            SequenceFlow(id="f4", source="Gw", target="End", condition="${lost}"),
            SequenceFlow(id="f5", source="Sub", target="End"),
        ),
    )


def test_all_nodes_and_flows_descend_into_sub_processes() -> None:
    p = _lead_process()
    assert [n.id for n in p.all_nodes()] == ["Start", "Qualify", "Gw", "Sub", "s1", "Call", "e1", "End", "SLA"]
    assert [f.id for f in p.all_flows()] == ["f1", "f2", "f3", "f4", "f5", "sf1", "sf2"]
    assert p.node("Call").kind == "userTask"  # type: ignore[union-attr]


def test_incoming_and_outgoing_are_found_in_the_container_holding_the_node() -> None:
    p = _lead_process()
    assert [f.id for f in p.outgoing("Gw")] == ["f3", "f4"]
    assert [f.id for f in p.incoming("End")] == ["f4", "f5"]
    assert [f.id for f in p.incoming("Call")] == ["sf1"]
    assert p.outgoing("End") == ()
    with pytest.raises(BpmnError, match="`Nope`"):
        p.incoming("Nope")
    with pytest.raises(BpmnError, match="`Nope`"):
        p.node("Nope")


def test_boundary_events_and_lanes() -> None:
    p = _lead_process()
    assert [e.id for e in p.boundary_events("Qualify")] == ["SLA"]
    assert p.boundary_events("Gw") == ()
    assert [lane.id for lane in p.all_lanes()] == ["Sales", "Juniors", "Ops"]
    assert p.lane_of("Qualify").id == "Juniors"  # type: ignore[union-attr]  # the innermost lane wins
    assert p.lane_of("Start").id == "Sales"  # type: ignore[union-attr]
    assert p.lane_of("Call") is None


def test_event_trigger_names_the_definition() -> None:
    assert Event(id="e").trigger == "none"
    assert Event(id="e", definitions=(EventDefinition(kind="message"),)).trigger == "message"
    both = (EventDefinition(kind="message"), EventDefinition(kind="signal"))
    assert Event(id="e", definitions=both).trigger == "multiple"


def test_definitions_find_and_flow_nodes() -> None:
    shape = Shape(id="Qualify_di", element="Qualify", bounds=Bounds(1, 2, 100, 80))
    d = Definitions(id="D", processes=(_lead_process(),), diagrams=(Diagram(id="d", plane=Plane(id="pl", shapes=(shape,))),))
    assert d.find("SLA").attached_to == "Qualify"  # type: ignore[attr-defined]
    assert d.find("Juniors").name == ""  # type: ignore[attr-defined]
    assert d.find("Qualify_di") is shape
    assert d.diagrams[0].shape_for("Qualify") is shape
    assert d.diagrams[0].edge_for("f1") is None
    assert len(list(d.flow_nodes())) == 9
    assert d.process().id == "P" and d.process("P").id == "P"
    with pytest.raises(BpmnError, match="no element with id `ghost` in definitions `D`"):
        d.find("ghost")
    with pytest.raises(BpmnError, match="no process with id `X`"):
        d.process("X")
    with pytest.raises(BpmnError, match="contain no process"):
        Definitions(id="E").process()


def test_elements_are_frozen_and_compare_by_value() -> None:
    a = Task(id="A", name="Call", kind="userTask")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "x"  # type: ignore[misc]
    assert a == Task(id="A", name="Call", kind="userTask")
    assert a != Task(id="A", name="Call", kind="serviceTask")
    assert hash(_lead_process()) == hash(_lead_process())


# ------------------------------------------------------------------------------------ timers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT10M", Duration(minutes=10)),
        ("P1DT2H", Duration(days=1, hours=2)),
        ("P2W", Duration(weeks=2)),
        ("PT1.5H", Duration(hours=1.5)),
        ("PT0,5S", Duration(seconds=0.5)),
        ("P1Y2M3DT4H5M6S", Duration(1, 2, 0, 3, 4, 5, 6)),
        (" PT4H ", Duration(hours=4)),
    ],
)
def test_durations_parse(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "10M", "PT10", "P1H", "PT1.5H30M", "", "1 day", "pt10m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(BpmnError, match="duration"):
        parse_duration(text)


def test_duration_lengths() -> None:
    assert parse_duration("P1DT2H").to_timedelta() == timedelta(days=1, hours=2)
    assert parse_duration("P1M").total_seconds() == 30 * 86400
    assert parse_duration("P1Y").total_seconds(days_per_year=366) == 366 * 86400
    with pytest.raises(DurationError, match="no fixed length"):  # raised by the shared crmflow.durations
        parse_duration("P1M").to_timedelta()


def test_dates_and_cycles() -> None:
    assert parse_datetime("2024-05-01T09:00:00+03:00") == datetime(2024, 5, 1, 6, tzinfo=UTC)
    assert parse_datetime("2024-05-01") == datetime(2024, 5, 1)
    with pytest.raises(BpmnError, match="date-time"):
        parse_datetime("2024-05-01 09:00")
    with pytest.raises(BpmnError, match="date-time"):
        parse_datetime("01.05.2024")
    c = parse_cycle("R3/PT2H")
    assert (c.repetitions, c.interval, c.start, c.end) == (3, Duration(hours=2), None, None)
    assert parse_cycle("R/P1D").repetitions is None
    c = parse_cycle("R5/2024-05-01T09:00:00Z/PT1H")
    assert c.start == datetime(2024, 5, 1, 9, tzinfo=UTC) and c.interval == Duration(hours=1)
    c = parse_cycle("R2/PT1H/2024-06-01")
    assert c.end == datetime(2024, 6, 1) and c.start is None
    c = parse_cycle("R1/2024-01-01/2024-02-01")
    assert c.interval is None and c.end == datetime(2024, 2, 1)


@pytest.mark.parametrize("text", ["PT2H", "R3", "R3/", "X3/PT1H", "R/PT1H/P1D", "R/a/b/c", "0 0/5 * * * ?", "R-1/PT1H"])
def test_bad_cycles_are_refused(text: str) -> None:
    with pytest.raises(BpmnError):
        parse_cycle(text)


def test_cron_is_named_in_the_message() -> None:
    with pytest.raises(BpmnError, match="cron"):
        parse_cycle("0 0/5 * * * ?")


def test_timer_problem_for_lint() -> None:
    assert timer_problem("timeDuration", "PT4H") is None
    assert timer_problem("timeCycle", "R/P1D") is None
    assert timer_problem("timeDate", "2024-05-01T09:00Z") is None
    assert timer_problem("timeDuration", "${sla}") is None and is_dynamic("#{due}")
    assert timer_problem("timeDuration", " ") == "timeDuration is empty (expected an ISO 8601 expression)"
    assert "ISO 8601 duration" in (timer_problem("timeDuration", "4 hours") or "")
    assert "repeating interval" in (timer_problem("timeCycle", "PT4H") or "")
    assert isinstance(parse_timer("timeDate", "2024-05-01"), datetime)
    with pytest.raises(BpmnError, match="unknown timer kind"):
        parse_timer("timeSoon", "PT1H")  # type: ignore[arg-type]
