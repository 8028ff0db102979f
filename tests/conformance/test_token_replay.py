"""Token-based replay: hand-built nets with known token counts, and pm4py's numbers on real logs."""

from __future__ import annotations

import json

import pytest

import crmflow
from crmflow.conformance.report import check_conformance
from crmflow.conformance.token_replay import token_replay
from tests.conformance import choice, loop, parallel, sequence, skip
from tests.conftest import make_log, real


def one(net, trace):
    return token_replay({trace: 1}, net).variants[0]


def test_a_fitting_sequence_has_fitness_one() -> None:
    v = one(sequence(), ("A", "B", "C"))
    assert (v.missing, v.consumed, v.remaining, v.produced) == (0, 4, 0, 4)
    assert v.fitness == 1.0 and v.is_fit


def test_a_skipped_step_leaves_a_missing_and_a_remaining_token() -> None:
    v = one(sequence(), ("A", "C"))
    assert (v.missing, v.consumed, v.remaining, v.produced) == (1, 3, 1, 3)
    assert v.fitness == pytest.approx(2 / 3)
    assert not v.is_fit
    assert v.missing_by_activity == {"C": 1}
    assert v.remaining_by_place == {"p1": 1}


def test_an_empty_trace_misses_the_final_marking() -> None:
    v = one(sequence(), ())
    assert (v.missing, v.consumed, v.remaining, v.produced) == (1, 1, 1, 1)
    assert v.missing_at_end == 1 and v.fitness == 0.0 and not v.is_fit


def test_choice_both_branches_fit_and_doing_both_does_not() -> None:
    res = token_replay({("A", "B", "D"): 2, ("A", "C", "D"): 1, ("A", "B", "C", "D"): 1}, choice())
    fits = {v.activities: v.is_fit for v in res.variants}
    assert fits == {("A", "B", "D"): True, ("A", "C", "D"): True, ("A", "B", "C", "D"): False}
    both = next(v for v in res.variants if len(v.activities) == 4)
    assert (both.missing, both.consumed, both.remaining, both.produced) == (1, 5, 1, 5)
    assert both.fitness == pytest.approx(0.8)
    assert res.perc_fit_traces == 75.0


def test_loop_fires_the_silent_back_edge() -> None:
    v = one(loop(), ("A", "B", "B", "B", "C"))
    assert v.is_fit and v.fitness == 1.0
    assert v.consumed == 8  # A, B, back, B, back, B, C and the final marking


def test_parallel_branches_in_any_order_and_a_missing_branch() -> None:
    net = parallel()
    assert one(net, ("A", "B", "C", "D")).is_fit
    assert one(net, ("A", "C", "B", "D")).is_fit
    v = one(net, ("A", "B", "D"))
    assert (v.missing, v.consumed, v.remaining, v.produced) == (1, 5, 1, 5)
    assert v.missing_by_activity == {"D": 1} and v.remaining_by_place == {"p2": 1}


def test_silent_skip_is_taken_to_enable_the_next_activity() -> None:
    v = one(skip(), ("A", "C"))
    assert v.is_fit and v.consumed == 4 and v.produced == 4


def test_activities_outside_the_model_are_reported_but_do_not_unfit() -> None:
    res = token_replay({("A", "X", "B", "C"): 2}, sequence())
    assert res.variants[0].is_fit and res.variants[0].not_in_model == {"X": 1}
    assert [(d.activity, d.inserted, d.cases) for d in res.activities] == [("X", 2, 2)]


def test_log_numbers_are_weighted_by_variant_counts() -> None:
    res = token_replay({("A", "B", "C"): 3, ("A", "C"): 1}, sequence())
    assert (res.missing, res.consumed, res.remaining, res.produced) == (1, 15, 1, 15)
    assert res.log_fitness == pytest.approx(1 - 1 / 15)
    assert res.average_trace_fitness == pytest.approx((3 + 2 / 3) / 4)
    assert res.perc_fit_traces == 75.0 and res.fitting_cases == 3 and res.cases == 4
    assert [(d.activity, d.missing_tokens, d.cases) for d in res.activities] == [("C", 1, 1)]
    json.dumps(res.to_dict())


def test_per_case_verdicts_carry_the_case_ids() -> None:
    log = make_log(
        [
            ("c1", "A", "2024-01-01 10:00", "r"),
            ("c1", "B", "2024-01-01 11:00", "r"),
            ("c1", "C", "2024-01-01 12:00", "r"),
            ("c2", "A", "2024-01-01 10:00", "r"),
            ("c2", "C", "2024-01-01 11:00", "r"),
        ]
    )
    rep = check_conformance(log, sequence())
    assert [(c.case_id, c.is_fit) for c in rep.token_replay_cases] == [("c1", True), ("c2", False)]
    assert [(c.case_id, c.is_fit) for c in rep.alignment_cases] == [("c1", True), ("c2", False)]
    doc = json.loads(json.dumps(rep.to_dict()))
    assert doc["token_replay"]["log_fitness"] == pytest.approx(0.5 * (1 - 1 / 7) + 0.5 * (1 - 1 / 7))
    assert doc["alignments"]["cases"][1] == {"case_id": "c2", "variant": 1, "fitness": 0.8, "is_fit": False}


# ---------------------------------------------------------------- pm4py on the reference pairs

PAIRS = [
    ("running-example.bpmn", "running-example.xes", None),
    ("receipt.bpmn", "receipt.xes", None),
    # the BPMN models fit their logs perfectly; an inductive-miner net with noise filtering does not
    ("receipt.bpmn", "receipt.xes", 0.2),
    ("receipt.bpmn", "helpdesk.xes.gz", 0.5),
]


@pytest.mark.pm4py
@pytest.mark.parametrize(("model", "log", "noise"), PAIRS)
def test_token_replay_equals_pm4py(model: str, log: str, noise: float | None) -> None:
    pm4py = pytest.importorskip("pm4py")
    from tests.conformance.pm4py_adapter import from_pm4py, reference_pair

    plog, net, im, fm = reference_pair(str(real(model)), str(real(log)), noise=noise)
    theirs = pm4py.fitness_token_based_replay(plog, net, im, fm)
    ours = token_replay(crmflow.read_log(real(log)), from_pm4py(net, im, fm))
    assert ours.log_fitness == pytest.approx(theirs["log_fitness"], abs=1e-9)
    assert ours.average_trace_fitness == pytest.approx(theirs["average_trace_fitness"], abs=1e-9)
    assert ours.perc_fit_traces == pytest.approx(theirs["perc_fit_traces"], abs=1e-9)
