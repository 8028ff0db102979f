"""Optimal alignments: hand-built nets with known moves, invariants, the state bound, pm4py's numbers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmflow
from crmflow.conformance.alignments import DEVIATION_COST, AlignmentError, align
from crmflow.conformance.petrinet import PetriNet
from tests.conformance import choice, loop, parallel, sequence, skip
from tests.conftest import real


def one(net, trace, **kw):
    return align({trace: 1}, net, **kw).variants[0]


def kinds(v):
    return [(m.kind, m.activity) for m in v.moves]


def test_a_fitting_sequence_is_all_sync() -> None:
    v = one(sequence(), ("A", "B", "C"))
    assert kinds(v) == [("sync", "A"), ("sync", "B"), ("sync", "C")]
    assert v.fitness == 1.0 and v.is_fit and v.deviations == 0


def test_a_skipped_activity_is_a_model_move() -> None:
    v = one(sequence(), ("A", "C"))
    assert kinds(v) == [("sync", "A"), ("model", "B"), ("sync", "C")]
    assert v.skipped == {"B": 1} and v.inserted == {}
    assert v.fitness == pytest.approx(1 - 1 / (2 + 3))


def test_an_inserted_activity_is_a_log_move() -> None:
    v = one(sequence(), ("A", "B", "B", "C"))
    assert v.inserted == {"B": 1} and v.skipped == {} and v.deviations == 1


def test_doing_both_branches_of_a_choice_costs_one_log_move() -> None:
    v = one(choice(), ("A", "B", "C", "D"))
    assert v.deviations == 1 and sum(v.inserted.values()) == 1
    assert one(choice(), ("A", "C", "D")).is_fit


def test_a_loop_repeats_through_silent_moves() -> None:
    v = one(loop(), ("A", "B", "B", "B", "C"))
    assert v.is_fit and v.silent_moves == 2
    assert [m.transition for m in v.moves if m.kind == "model"] == ["back", "back"]


def test_parallel_order_is_free_and_wrong_order_across_blocks_is_not() -> None:
    assert one(parallel(), ("A", "C", "B", "D")).is_fit
    v = one(parallel(), ("A", "B", "D", "C"))
    # one of C or D is done out of order: a log move for it and a model move where the model wanted it
    assert v.deviations == 2
    assert v.inserted == v.skipped and len(v.inserted) == 1 and set(v.inserted) <= {"C", "D"}


def test_a_silent_skip_costs_nothing_in_fitness() -> None:
    v = one(skip(), ("A", "C"))
    assert v.is_fit and v.fitness == 1.0 and v.silent_moves == 1


def test_log_fitness_uses_scaled_costs_like_pm4py() -> None:
    res = align({("A", "C"): 3, ("A", "B", "C"): 1}, skip())
    # the cheapest run is A, tau, C: 2 visible moves and one silent one
    assert res.best_worst_cost == 2
    worst = 3 * (2 * DEVIATION_COST + 2 * DEVIATION_COST + 1) + (3 * DEVIATION_COST + 2 * DEVIATION_COST + 1)
    assert res.log_fitness == pytest.approx(1 - 3 / worst)
    assert res.average_trace_fitness == 1.0 and res.perc_fit_traces == 100.0
    json.dumps(res.to_dict())


def test_per_activity_deviations_are_weighted() -> None:
    res = align({("A", "C"): 3, ("A", "B", "B", "C"): 2}, sequence())
    rows = {d.activity: (d.inserted, d.skipped, d.cases) for d in res.activities}
    assert rows == {"B": (2, 3, 5)}


def test_the_state_bound_flags_the_variant_instead_of_running_on() -> None:
    res = align({("X",) * 6: 1, ("A", "B", "C"): 1}, sequence(), max_states=5)
    limited = [v for v in res.variants if v.status == "state_limit"]
    assert len(limited) == 1 and limited[0].moves is None
    assert res.unaligned_variants == 1 and res.cases == 1


def test_a_net_that_cannot_finish_is_refused() -> None:
    net = PetriNet.build(places=["i", "o"], transitions=[("a", "A")], arcs=[("i", "a")], initial={"i": 1}, final={"o": 1})
    with pytest.raises(AlignmentError, match="cannot reach its final marking"):
        align({("A",): 1}, net)


NETS = {"sequence": sequence(), "choice": choice(), "loop": loop(), "parallel": parallel(), "skip": skip()}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(NETS)), st.lists(st.sampled_from("ABCDX"), max_size=7))
def test_alignment_invariants(name: str, trace: list[str]) -> None:
    net = NETS[name]
    v = one(net, tuple(trace))
    # the log projection is the trace, the model projection is a run from initial to final marking
    assert [m.activity for m in v.moves if m.kind != "model"] == trace
    marking = net.initial_marking
    for m in v.moves:
        if m.kind != "log":
            t = net.transition_index[m.transition]
            assert net.is_enabled(marking, t)
            marking = net.fire(marking, t)
    assert marking == net.final_marking
    assert v.deviations == sum(v.inserted.values()) + sum(v.skipped.values())
    worst = align({(): 1}, net).best_worst_cost
    assert v.deviations <= len(trace) + worst and 0.0 <= v.fitness <= 1.0


# ---------------------------------------------------------------- pm4py on the reference pairs

PAIRS = [
    ("running-example.bpmn", "running-example.xes", None),
    ("receipt.bpmn", "receipt.xes", None),
    # the BPMN models fit their logs perfectly; an inductive-miner net with noise filtering does not
    ("receipt.bpmn", "receipt.xes", 0.5),
]


@pytest.mark.pm4py
@pytest.mark.parametrize(("model", "log", "noise"), PAIRS)
def test_alignment_fitness_equals_pm4py(model: str, log: str, noise: float | None) -> None:
    pm4py = pytest.importorskip("pm4py")
    from tests.conformance.pm4py_adapter import from_pm4py, reference_pair

    plog, net, im, fm = reference_pair(str(real(model)), str(real(log)), noise=noise)
    theirs = pm4py.fitness_alignments(plog, net, im, fm)
    ours = align(crmflow.read_log(real(log)), from_pm4py(net, im, fm))
    assert ours.unaligned_variants == 0
    assert ours.log_fitness == pytest.approx(theirs["log_fitness"], abs=1e-9)
    assert ours.average_trace_fitness == pytest.approx(theirs["average_trace_fitness"], abs=1e-9)
    assert ours.perc_fit_traces == pytest.approx(theirs["percFitTraces"], abs=1e-9)
