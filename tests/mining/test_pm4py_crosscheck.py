"""Same numbers as pm4py on the real logs: DFG, variants, start/end activities, case durations.

pm4py (AGPL-3.0) is a test-only dependency; crmflow never imports it.
"""

from __future__ import annotations

import warnings

import pytest

import crmflow
from tests.conftest import real

pm4py = pytest.importorskip("pm4py")

LOGS = ["running-example.xes", "receipt.xes", "helpdesk.xes.gz", "bpic2012.xes.gz", "roadtraffic100traces.xes"]


@pytest.fixture(scope="module", params=LOGS)
def pair(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    path = real(request.param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pm4py.read_xes(str(path))
    ours = crmflow.read_log(path)
    return request.param, ours, theirs


@pytest.mark.pm4py
def test_log_size(pair) -> None:  # type: ignore[no-untyped-def]
    _name, ours, theirs = pair
    assert ours.n_events == len(theirs)
    assert ours.n_cases == theirs["case:concept:name"].nunique()
    assert ours.quarantined == 0 and ours.rows_read == len(theirs)


@pytest.mark.pm4py
def test_dfg_and_start_end(pair) -> None:  # type: ignore[no-untyped-def]
    _name, ours, theirs = pair
    dfg, start, end = pm4py.discover_dfg(theirs)
    ours_dfg = crmflow.discover_dfg(ours)
    assert ours_dfg.counts() == dict(dfg)
    assert ours_dfg.start_activities == dict(start)
    assert ours_dfg.end_activities == dict(end)


@pytest.mark.pm4py
def test_dfg_waiting_times(pair) -> None:  # type: ignore[no-untyped-def]
    _name, ours, theirs = pair
    perf = pm4py.discover_performance_dfg(theirs)[0]
    ours_dfg = crmflow.discover_dfg(ours)
    for (a, b), stats in perf.items():
        edge = ours_dfg.edge(a, b)
        assert edge is not None
        assert edge.mean_s == pytest.approx(stats["mean"], rel=1e-9, abs=1e-6)
        assert edge.median_s == pytest.approx(stats["median"], rel=1e-9, abs=1e-6)
        assert edge.max_s == pytest.approx(stats["max"], rel=1e-9, abs=1e-6)


@pytest.mark.pm4py
def test_variants(pair) -> None:  # type: ignore[no-untyped-def]
    _name, ours, theirs = pair
    theirs_v = {tuple(k): (v if isinstance(v, int) else len(v)) for k, v in pm4py.get_variants(theirs).items()}
    assert crmflow.get_variants(ours).counts() == theirs_v


@pytest.mark.pm4py
def test_case_durations(pair) -> None:  # type: ignore[no-untyped-def]
    _name, ours, theirs = pair
    theirs_d = sorted(pm4py.get_all_case_durations(theirs))
    ours_d = crmflow.get_all_case_durations(ours)
    assert len(ours_d) == len(theirs_d)
    assert ours_d == pytest.approx(theirs_d, abs=1e-6)
