"""BPMN → workflow net: the translation of each construct, and pm4py's fitness on the reference pairs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import crmflow
from crmflow.bpmn.model import Definitions, Event, Gateway, Process, SequenceFlow, Task
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.to_petri import bpmn_to_petri, bpmn_to_workflow_net
from crmflow.conformance.alignments import align
from crmflow.conformance.report import variant_counts
from crmflow.conformance.token_replay import token_replay
from crmflow.errors import BpmnError
from tests.conftest import real

LINT = Path(__file__).resolve().parents[1] / "data" / "bpmn" / "lint"


def fits(net, *traces: tuple[str, ...]) -> list[bool]:
    """Whether each trace is a run of the net (optimal alignments are exact; token replay is a heuristic)."""
    res = align({t: 1 for t in traces}, net)
    by = {v.activities: v.is_fit for v in res.variants}
    return [by[t] for t in traces]


def chain(*nodes, flows) -> Definitions:
    fl = tuple(SequenceFlow(id=f"f{i}", source=a, target=b) for i, (a, b) in enumerate(flows))
    return Definitions(id="D", processes=(Process(id="P", nodes=nodes, flows=fl),))


def test_exclusive_split_is_a_choice_and_parallel_split_runs_both() -> None:
    nodes = (
        Event(id="S"),
        Gateway(id="x"),
        Task(id="A", name="Call"),
        Task(id="B", name="Mail"),
        Gateway(id="m"),
        Event(id="E", position="end"),
    )
    flows = [("S", "x"), ("x", "A"), ("x", "B"), ("A", "m"), ("B", "m"), ("m", "E")]
    xor = bpmn_to_petri(chain(*nodes, flows=flows))
    assert fits(xor, ("Call",), ("Mail",), ("Call", "Mail")) == [True, True, False]
    par_nodes = (nodes[0], Gateway(id="x", kind="parallel"), *nodes[2:4], Gateway(id="m", kind="parallel"), nodes[5])
    par = bpmn_to_petri(chain(*par_nodes, flows=flows))
    assert fits(par, ("Call", "Mail"), ("Mail", "Call"), ("Call",)) == [True, True, False]


def test_a_task_without_a_name_is_labelled_with_its_id_and_events_are_silent() -> None:
    d = chain(
        Event(id="S"),
        Task(id="T1"),
        Event(id="I", position="intermediateThrow"),
        Task(id="T2", name="Close"),
        Event(id="E", position="end"),
        flows=[("S", "T1"), ("T1", "I"), ("I", "T2"), ("T2", "E")],
    )
    net = bpmn_to_petri(d)
    assert sorted(t.label for t in net.transitions if t.label) == ["Close", "T1"]
    assert fits(net, ("T1", "Close")) == [True]


def test_every_place_and_transition_maps_back_to_a_bpmn_element() -> None:
    d = read_bpmn(LINT / "clean.bpmn")
    wf = bpmn_to_workflow_net(d)
    ids = {e.id for e in d.flow_nodes()} | {f.id for p in d.processes for f in p.all_flows()}
    assert set(wf.transition_elements) == {t.name for t in wf.net.transitions}
    assert set(wf.transition_elements.values()) <= ids
    assert all(set(v) <= ids for v in wf.place_elements.values())
    json.dumps(wf.to_dict())


def test_subprocess_boundary_events_and_inclusive_gateways() -> None:
    net = bpmn_to_petri(read_bpmn(LINT / "clean.bpmn"))
    happy = ("Qualify lead", "Call the client", "Send e-mail", "Draft offer", "Approve offer")
    assert fits(
        net,
        happy,  # inclusive: both branches
        ("Qualify lead", "Send e-mail", "Draft offer", "Approve offer"),  # inclusive: one branch
        ("Remind manager", "Qualify lead"),  # non-interrupting SLA, then the rejection default
        ("Qualify lead", "Remind manager"),  # the reminder runs in parallel with the host
        ("Qualify lead", "Call the client", "Record lost reason"),  # interrupting error boundary on the sub-process
        ("Qualify lead", "Draft offer"),  # skipping the contact step is not allowed
        ("Remind manager", "Remind manager", "Qualify lead"),  # the SLA branch forks at most once
    ) == [True, True, True, True, True, False, False]


def test_a_process_without_an_end_event_is_refused() -> None:
    d = chain(Event(id="S"), Task(id="A"), flows=[("S", "A")])
    with pytest.raises(BpmnError, match="no end event"):
        bpmn_to_petri(d)


# ---------------------------------------------------------------- pm4py on the reference pairs

PAIRS = [("running-example.bpmn", "running-example.xes"), ("receipt.bpmn", "receipt.xes")]


def _pm4py_net(pm4py, model: Path):
    return pm4py.convert_to_petri_net(pm4py.read_bpmn(str(model)))


@pytest.mark.pm4py
@pytest.mark.parametrize(("model", "log"), PAIRS)
def test_fitness_on_our_net_equals_pm4py_on_its_own_conversion(model: str, log: str) -> None:
    pm4py = pytest.importorskip("pm4py")
    net = bpmn_to_petri(read_bpmn(real(model)))
    plog = pm4py.read_xes(str(real(log)))
    pnet, im, fm = _pm4py_net(pm4py, real(model))
    ours_tr = token_replay(crmflow.read_log(real(log)), net)
    theirs_tr = pm4py.fitness_token_based_replay(plog, pnet, im, fm)
    ours_al = align(crmflow.read_log(real(log)), net)
    theirs_al = pm4py.fitness_alignments(plog, pnet, im, fm)
    for ours, theirs in ((ours_tr, theirs_tr), (ours_al, theirs_al)):
        assert ours.log_fitness == pytest.approx(theirs["log_fitness"], abs=1e-9)
        assert ours.average_trace_fitness == pytest.approx(theirs["average_trace_fitness"], abs=1e-9)
        perc = theirs.get("perc_fit_traces", theirs.get("percentage_of_fitting_traces"))
        assert ours.perc_fit_traces == pytest.approx(perc, abs=1e-9)
    assert ours_al.log_fitness < 1.0  # silent steps count, as in pm4py: the nets have the same silent moves


@pytest.mark.pm4py
@pytest.mark.parametrize(("model", "log"), PAIRS)
def test_on_a_perturbed_log_our_net_replays_like_pm4pys_net(model: str, log: str) -> None:
    """Deviating traces exercise the silent routing, which is where two nets could differ."""
    pm4py = pytest.importorskip("pm4py")
    from tests.conformance.pm4py_adapter import from_pm4py

    ours = bpmn_to_petri(read_bpmn(real(model)))
    theirs = from_pm4py(*_pm4py_net(pm4py, real(model)))
    rnd = random.Random(7)
    noisy: dict[tuple[str, ...], int] = {}
    for trace, n in variant_counts(crmflow.read_log(real(log))).items():
        t = list(trace)
        i, j = rnd.randrange(len(t)), rnd.randrange(len(t))
        if rnd.random() < 0.5:
            del t[i]
        else:
            t[i], t[j] = t[j], t[i]
        noisy[tuple(t)] = noisy.get(tuple(t), 0) + n
    for fn in (token_replay, align):
        a, b = fn(noisy, ours), fn(noisy, theirs)
        assert a.log_fitness < 1.0
        assert (a.log_fitness, a.average_trace_fitness, a.perc_fit_traces) == pytest.approx(
            (b.log_fitness, b.average_trace_fitness, b.perc_fit_traces), abs=1e-9
        )
