"""Simulation: a log generated from a known model gives that model back; seeds; scenario directions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

from crmflow.findings.calendar import WorkCalendar
from crmflow.simulation.discover import discover_simulation_model
from crmflow.simulation.distributions import Distribution, fit_distribution
from crmflow.simulation.economics import EconomicsSpec, profit_and_loss
from crmflow.simulation.kpis import log_kpis, simulated_kpis, simulated_table
from crmflow.simulation.model import (
    ArrivalProfile,
    KpiSpec,
    Node,
    ProcessGraph,
    ResourcePool,
    ResourceSpec,
    SimulationModel,
    WaitSpec,
)
from crmflow.simulation.pace import fit_pace
from crmflow.simulation.scenarios import apply_changes, parse_scenarios, run_scenarios
from crmflow.simulation.simulator import simulate
from crmflow.sources.reader import read_log

START = 1_704_067_200.0  # 2024-01-01 00:00 UTC, a Monday


def exp(mean: float) -> Distribution:
    return Distribution(kind="expon", params=(mean,), mean=mean)


def known_model(*, people: int = 3, rate: float = 2.0, calendar: WorkCalendar | None = None) -> SimulationModel:
    """Call (10 min) → 70 % Qualify (20 min) → Won, 30 % Lost; the caller pool has ``people`` people."""
    nodes = (
        Node(id="call", kind="task", activity="Call", role="sdr", next=("x",), duration=exp(600.0)),
        Node(id="x", kind="xor", next=("qualify", "lost"), probabilities=(0.7, 0.3)),
        Node(id="qualify", kind="task", activity="Qualify", role="ae", next=("won",), duration=exp(1200.0)),
        Node(id="won", kind="task", activity="Won", role="ae", next=("end",), duration=Distribution.fixed(0.0)),
        Node(id="lost", kind="task", activity="Lost", role="sdr", next=("end",), duration=Distribution.fixed(0.0)),
        Node(id="end", kind="end"),
    )
    cal = calendar or WorkCalendar()
    return SimulationModel(
        name="known",
        graph=ProcessGraph(start="call", nodes=nodes),
        arrivals=ArrivalProfile(rates=(rate,) * 168),
        pools=(
            ResourcePool(role="sdr", resources=tuple(ResourceSpec(name=f"s{i}") for i in range(people)), calendar=cal),
            ResourcePool(role="ae", resources=tuple(ResourceSpec(name=f"a{i}") for i in range(4)), calendar=cal),
        ),
        start_ts=START,
        kpis=KpiSpec(sla=("call-10m", "Call", "Qualify", 3600.0, "calendar"), won=("Won",)),
    )


def as_event_table(model: SimulationModel, *, days: float, seed: int, with_starts: bool) -> pa.Table:
    sim = simulate(model, days=days, seed=seed)
    t = simulated_table(sim).to_pylist()
    rows = []
    for r in t:
        case, act, res = str(r["cid"]), r["activity"], r["resource"]
        if with_starts:
            rows.append((case, act, r["start_ts"], res, "start"))
        rows.append((case, act, r["end_ts"], res, "complete"))
    cols = list(zip(*rows, strict=True))
    return pa.table(
        {
            "case:concept:name": list(cols[0]),
            "concept:name": list(cols[1]),
            "time:timestamp": pa.array(list(cols[2]), pa.timestamp("us", tz="UTC")),
            "org:resource": list(cols[3]),
            "lifecycle:transition": list(cols[4]),
        }
    )


@pytest.fixture(scope="module")
def recovered() -> SimulationModel:
    log = read_log(as_event_table(known_model(), days=60, seed=3, with_starts=True))
    return discover_simulation_model(log, order=1)


def test_arrival_rate_is_recovered(recovered: SimulationModel) -> None:
    # 2 cases per hour in every hour of the week
    assert recovered.arrivals.per_week == pytest.approx(2.0 * 168, rel=0.05)
    rates = np.asarray(recovered.arrivals.rates)
    assert rates.mean() == pytest.approx(2.0, rel=0.05)


def test_branching_is_recovered(recovered: SimulationModel) -> None:
    x = recovered.graph.node("x:Call")
    probs = dict(zip((recovered.graph.node(t).activity for t in x.next), x.probabilities, strict=True))
    assert probs["Qualify"] == pytest.approx(0.7, abs=0.03)
    assert probs["Lost"] == pytest.approx(0.3, abs=0.03)
    assert recovered.graph.node("start").next == ("t:Call",)


def test_durations_are_recovered(recovered: SimulationModel) -> None:
    call = recovered.graph.node("t:Call").duration
    qualify = recovered.graph.node("t:Qualify").duration
    assert call.mean == pytest.approx(600.0, rel=0.1)
    assert qualify.mean == pytest.approx(1200.0, rel=0.1)
    assert call.kind in ("expon", "gamma", "weibull_min")  # an exponential sample fits these families
    assert recovered.has_start_times


def test_pools_are_clusters_of_the_activities_people_do(recovered: SimulationModel) -> None:
    sizes = {p.role: p.size for p in recovered.pools}
    # without a role column: each person joins the pool of their most frequent activity
    assert sizes.get("Call") == 3
    assert sum(sizes.values()) == 7


def test_completion_only_log_is_noted_and_still_reproduces_kpis() -> None:
    model = known_model()
    log = read_log(as_event_table(model, days=60, seed=5, with_starts=False))
    found = discover_simulation_model(log, won=("Won",))
    assert not found.has_start_times
    assert found.notes[0][0] == "note.estimated_starts"
    real = log_kpis(log, found.kpis)
    sim = simulated_kpis(simulate(found, days=60, seed=1), found.kpis)
    assert sim.cases_per_day == pytest.approx(real.cases_per_day, rel=0.1)
    assert sim.conversion == pytest.approx(real.conversion, abs=0.05)
    assert sim.median_cycle_h == pytest.approx(real.median_cycle_h, rel=0.15)


def test_same_seed_same_result_other_seed_other_result() -> None:
    m = known_model()
    a, b, c = (simulate(m, days=10, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.end, b.end) and np.array_equal(a.resource, b.resource)
    assert a.n_cases == b.n_cases
    assert not (a.n_cases == c.n_cases and np.array_equal(a.end[:100], c.end[:100]))


def test_fit_distribution_picks_by_goodness_of_fit() -> None:
    rng = np.random.default_rng(2)
    assert fit_distribution(rng.gamma(4.0, 300.0, 3000)).kind in ("gamma", "lognorm", "weibull_min")
    bimodal = np.concatenate([rng.normal(600, 30, 1500), rng.normal(60000, 600, 1500)])
    assert fit_distribution(bimodal).kind == "empirical"


def test_calendar_pauses_work_outside_hours() -> None:
    cal = WorkCalendar(start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4))
    sim = simulate(known_model(calendar=cal), days=14, seed=1)
    hours = ((sim.start % 86400) // 3600).astype(int)
    weekday = ((sim.start // 86400 + 3) % 7).astype(int)
    assert ((hours >= 9) & (hours < 18)).all()
    assert (weekday < 5).all()


SCENARIOS = {
    "scenarios": [
        {"id": "more", "changes": [{"add_people": {"role": "sdr", "count": 2}}]},
        {"id": "ll", "changes": [{"routing": {"role": "sdr", "strategy": "least_loaded"}}]},
        {"id": "sla", "changes": [{"sla": {"activity": "Call", "within": "30m", "priority": "urgent"}}]},
        {"id": "skip", "changes": [{"remove_step": {"activity": "Qualify"}}]},
        {"id": "conv", "changes": [{"branch": {"after": "Call", "to": "Qualify", "probability": 0.9}}]},
    ]
}


@pytest.fixture(scope="module")
def scenario_results():  # type: ignore[no-untyped-def]
    # a congested caller pool (2 people, 5.5 calls per hour of 10 minutes each: ~46 % busy... at peak more)
    base = known_model(people=2, rate=5.5)
    base = replace(base, pools=(replace(base.pools[0], routing="observed"), base.pools[1]))
    f = parse_scenarios(SCENARIOS)
    return {r.id: r for r in run_scenarios(base, f.scenarios, replications=4, days=20)}, f


def test_scenarios_move_kpis_the_expected_way(scenario_results) -> None:  # type: ignore[no-untyped-def]
    res, _f = scenario_results
    base = res["baseline"].estimates
    assert res["more"].estimates["median_cycle_h"].mean < base["median_cycle_h"].mean
    assert res["ll"].estimates["median_cycle_h"].mean < base["median_cycle_h"].mean
    assert res["skip"].estimates["median_cycle_h"].mean < base["median_cycle_h"].mean
    assert res["conv"].estimates["conversion"].mean > base["conversion"].mean + 0.1
    assert res["conv"].estimates["conversion"].mean == pytest.approx(0.9, abs=0.03)
    assert res["more"].people["sdr"] == 4


def test_economics_counts_people_and_won_deals(scenario_results) -> None:  # type: ignore[no-untyped-def]
    res, f = scenario_results
    spec = EconomicsSpec.from_mapping({"margin_per_won": 5000, "cost_per_hour": {"default": 10}, "implementation_cost": 1000})
    pnl = {p.id: p for p in profit_and_loss(list(res.values()), spec, f.scenarios)}
    # two more people, 168 paid hours a week each, 52 weeks, 10 an hour
    assert pnl["more"].labour - pnl["baseline"].labour == pytest.approx(2 * 168 * 52 * 10)
    assert pnl["conv"].effect is not None and pnl["conv"].effect.low > 0
    assert pnl["conv"].payback_months is not None and pnl["conv"].payback_months < 1


def test_bad_scenarios_name_the_scenario_and_key() -> None:
    from crmflow.errors import SimulationError

    f = parse_scenarios({"scenarios": [{"id": "x", "changes": [{"add_people": {"role": "nobody", "count": 1}}]}]})
    with pytest.raises(SimulationError, match=r"scenario 'x', change 1 \(add_people\): no resource pool 'nobody'"):
        apply_changes(known_model(), f.scenarios[0])
    f = parse_scenarios({"scenarios": [{"id": "y", "changes": [{"sla": {"activity": "Call"}}]}]})
    with pytest.raises(SimulationError, match="missing setting 'within'"):
        apply_changes(known_model(), f.scenarios[0])


def test_sla_priority_and_escalation_raise_compliance() -> None:
    # a congested pool; calls are urgent under the SLA and escalate to a second pool after 15 minutes
    base = known_model(people=2, rate=6.0)
    f = parse_scenarios(
        {
            "scenarios": [
                {
                    "id": "sla",
                    "changes": [{"sla": {"activity": "Call", "within": "20m", "escalate_after": "15m", "reassign_to": "ae"}}],
                },
            ]
        }
    )
    timed = apply_changes(base, f.scenarios[0])
    sim_plain = simulate(
        replace(
            timed,
            graph=replace(
                timed.graph,
                nodes=tuple(replace(n, sla=replace(n.sla, escalations=())) if n.sla else n for n in timed.graph.nodes),
            ),
        ),
        days=10,
        seed=2,
    )
    sim_esc = simulate(timed, days=10, seed=2)
    assert sim_esc.escalations.get("reassign", 0) > 0
    assert sim_esc.sla_met.mean() > sim_plain.sla_met.mean()
    # the SLA timer counts what was due: every call has one outcome
    assert len(sim_esc.sla_met) == int((sim_esc.activity == sim_esc.activities.index("Call")).sum())


def test_tobe_runs_with_routing_priorities_and_sla() -> None:
    from pathlib import Path

    import crmflow.design
    from crmflow.design.loader import load_tobe
    from crmflow.simulation.tobe import tobe_simulation_model

    d = load_tobe(Path(crmflow.design.__file__).parent / "examples" / "incoming_lead.yaml")
    m = tobe_simulation_model(
        d, staff={"sales_manager": 3}, durations={"first_contact": 300, "qualify": 900}, arrivals_per_hour=2
    )
    assert m.pool("sales_manager").routing == "skill_based"
    assert m.priorities and m.priorities[0][1] == 1  # partner/large leads: high
    sim = simulate(replace(m, start_ts=START), days=5, seed=1)
    assert sim.n_cases > 100 and len(sim.sla_met) > 0
    assert set(sim.activities) >= {"Новая заявка", "Первый контакт"} or "Contact the lead" in sim.activities


def test_cli_writes_json_and_escaped_html(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from crmflow.cli.main import app

    table = as_event_table(known_model(), days=20, seed=4, with_starts=True)
    import pyarrow.parquet as pq

    src = tmp_path / "log.parquet"
    # CRM text with markup must come out escaped
    names = [("<script>x</script>" if a == "Lost" else a) for a in table.column("concept:name").to_pylist()]
    pq.write_table(table.set_column(1, "concept:name", pa.array(names)), src)
    scen = tmp_path / "s.yaml"
    scen.write_text(
        "replications: 2\ndays: 10\neconomics: {margin_per_won: 100, cost_per_hour: {default: 5}}\n"
        "assumptions: [{processing: {activity: Qualify, mean: 30m}}]\n"
        "scenarios:\n  - id: more\n    changes: [{add_people: {role: Call, count: 1}}]\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["simulate", str(src), "--scenarios", str(scen), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "out" / "simulation.json").read_text(encoding="utf-8"))
    # the discovered As-Is (validated against the log), then the baseline with the assumptions, then the scenario
    assert [r["id"] for r in data["results"]] == ["as-discovered", "baseline", "more"]
    assert [p["id"] for p in data["pnl"]] == ["baseline", "more"] and data["pnl"][1]["effect"] is not None
    assert data["validation"]["cases_per_day"]["error_pct"] is not None
    # the writer and the reader share one shape: read back typed, written again, the same document
    from crmflow.deliverables.economics import load_simulation

    doc = load_simulation(tmp_path / "out")
    assert doc.to_dict() == data
    assert [r.id for r in doc.results] == ["as-discovered", "baseline", "more"] and doc.pnl[1].effect is not None
    assert doc.results[0].names == {"ru": "Как есть (по журналу)", "en": "As-Is (as discovered)"}
    assert doc.results[1].name_in("ru") == "Как есть с допущениями" and doc.log_kpis is not None
    assert doc.validation["cases_per_day"].error_pct is not None and doc.economics is not None
    page = (tmp_path / "out" / "simulation.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<script>" not in page
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios:\n  - id: z\n    changes: [{fire: {}}]\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["simulate", str(src), "--scenarios", str(bad), "--out", str(tmp_path / "o2")])
    assert res.exit_code == 2 and "unknown change 'fire'" in res.output


def paced_model(share: float) -> SimulationModel:
    """A → B → C → D, no queues, log-normal waits (median 1 h, log-sd 1.2) with a between-case share ``share``."""
    acts = ("A", "B", "C", "D")
    nodes = tuple(
        Node(id=a, kind="task", activity=a, role="desk", next=(acts[i + 1] if i + 1 < len(acts) else "end",))
        for i, a in enumerate(acts)
    ) + (Node(id="end", kind="end"),)
    wait = Distribution(kind="lognorm", params=(1.2, 3600.0), mean=3600.0 * float(np.exp(0.72)))
    return SimulationModel(
        name="paced",
        graph=ProcessGraph(start="A", nodes=nodes),
        arrivals=ArrivalProfile(rates=(1.0,) * 168),
        pools=(ResourcePool(role="desk", resources=(ResourceSpec(name="bot", capacity=10_000),)),),
        waits=tuple(WaitSpec(activity=b, after=a, distribution=wait) for a, b in zip(acts, acts[1:], strict=False)),
        start_ts=START,
        pace=share,
    )


def test_fit_pace_recovers_a_known_log_normal_pace() -> None:
    rng = np.random.default_rng(11)
    cases = np.repeat(np.arange(3000), 3)
    pace = np.repeat(rng.normal(0.0, 0.9, 3000), 3)  # log-pace variance 0.81
    groups = np.tile(["a>b", "b>c", "c>d"], 3000)
    waits = np.exp(np.tile([7.0, 9.0, 11.0], 3000) + pace + rng.normal(0.0, 0.6, 9000))  # within-case variance 0.36
    p = fit_pace(cases, groups, waits)
    assert p.share == pytest.approx(0.81 / 1.17, abs=0.04)
    assert p.log_variance == pytest.approx(0.81, rel=0.1)
    independent = fit_pace(cases, groups, np.exp(rng.normal(0.0, 1.0, 9000)))
    assert independent.share < 0.05


def test_discovery_recovers_the_pace_a_log_was_generated_with() -> None:
    """Simulate with a known pace, read the completions back as a log: discovery finds that pace, the
    marginals of the waits stay the model's, and the simulated cases' cycle times spread as the pace says."""
    for share in (0.6, 0.0):
        log = read_log(as_event_table(paced_model(share), days=60, seed=5, with_starts=False))
        m = discover_simulation_model(log, order=1)
        assert m.pace == pytest.approx(share, abs=0.08)
        w = {(s.after, s.activity): s.distribution for s in m.waits if s.after}
        for pair in (("A", "B"), ("B", "C"), ("C", "D")):
            median = float(np.median(w[pair].sample(np.random.default_rng(0), 20_000)))
            assert median == pytest.approx(3600.0, rel=0.15)
    a = simulate(paced_model(0.6), days=60, seed=2)
    b = simulate(paced_model(0.6), days=60, seed=2)
    assert np.array_equal(a.end, b.end)
    cycle_paced = np.log(a.case_end - a.arrival)
    plain = simulate(paced_model(0.0), days=60, seed=2)
    assert np.std(cycle_paced) > 1.2 * np.std(np.log(plain.case_end - plain.arrival))


def test_waits_follow_the_path_so_far() -> None:
    """X → A → B waits 10 h before B, Y → A → B waits 6 min: the same (A, B) pair, two prefixes; discovery
    keeps a wait per prefix and the simulation reproduces both instead of mixing them."""
    rng = np.random.default_rng(4)
    rows = []
    for c in range(400):
        first = "X" if c % 2 == 0 else "Y"
        t = START + c * 3600.0 + rng.random() * 600
        wait_b = rng.exponential(36_000.0 if first == "X" else 360.0)
        for act, ts in ((first, t), ("A", t + rng.exponential(600.0)), ("B", 0.0)):
            rows.append((str(c), act, ts))
        rows[-1] = (str(c), "B", rows[-2][2] + wait_b)
    table = pa.table(
        {
            "case:concept:name": [r[0] for r in rows],
            "concept:name": [r[1] for r in rows],
            "time:timestamp": pa.array([r[2] * 1e6 for r in rows], pa.timestamp("us", tz="UTC")),
        }
    )
    m = discover_simulation_model(read_log(table))
    assert sum(1 for w in m.waits if w.node is not None and w.activity == "B") == 2
    sim = simulate(m, days=30, seed=1)
    acts = list(sim.activities)
    first_of = {int(c): acts[int(a)] for c, a, s in zip(sim.case, sim.activity, sim.start, strict=True) if acts[int(a)] in "XY"}
    ends: dict[tuple[int, str], float] = {
        (int(c), acts[int(a)]): float(e) for c, a, e in zip(sim.case, sim.activity, sim.end, strict=True)
    }
    for path, mean in (("X", 36_000.0), ("Y", 360.0)):
        gaps = [ends[(c, "B")] - ends[(c, "A")] for c, f in first_of.items() if f == path and (c, "B") in ends]
        assert float(np.median(gaps)) == pytest.approx(mean * np.log(2), rel=0.3)
