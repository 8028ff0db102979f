"""Validation and speed of the simulation: the As-Is of four logs, the BPIC 2012 W_ protocol, heap vs simpy.

Run by hand (never in the test suite):

    .venv/bin/python bench/simulation.py                     # everything (several minutes)
    .venv/bin/python bench/simulation.py --only asis         # the KPI table on the four logs
    .venv/bin/python bench/simulation.py --only bpic12w      # log-distance-measures, published protocol
    .venv/bin/python bench/simulation.py --only engine       # 100,000 cases; heapq vs simpy (if installed)
    .venv/bin/python bench/simulation.py --only enginecheck  # issue 14: the demo To-Be's SLA, simulator vs engine

**As-Is KPIs** (``--only asis``): each log is discovered once and simulated 10 times over the log's own
arrival span (seeds 0..9); the KPIs of the log and the mean (95 % CI) of the replications are computed by
the same SQL (``crmflow.simulation.kpis``). The time of discovery + 10 replications is measured for BPIC 2012.

**BPIC 2012 W_** (``--only bpic12w``): the log restricted to its ``W_`` work items with ``start`` and
``complete`` events; cases ordered by their first event, the first 80 % discover the model, the last 20 %
are held out; 10 logs are simulated from the held-out part's first arrival with as many cases, and
compared with the held-out log by ``log_distance_measures`` (Apache-2.0): 2-gram distance (normalised) and
cycle-time distribution distance (1-hour bins, Wasserstein), as in the ProSiT/Simod evaluations.

Results are written to ``bench/results/simulation.json``; ``docs/simulation.md`` quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# the shared data folder beside the repository (a worktree elsewhere: CRMFLOW_REAL_DATA=/work/shared/data/real)
REAL = Path(os.environ.get("CRMFLOW_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
DEMO_REAL = ROOT / "src" / "crmflow" / "demo" / "real"
DEMO = ROOT / "src" / "crmflow" / "demo"
sys.path.insert(0, str(ROOT / "src"))

from crmflow.findings.rules import load_rules  # noqa: E402
from crmflow.simulation.discover import discover_simulation_model  # noqa: E402
from crmflow.simulation.kpis import KPI_NAMES, log_kpis, simulated_kpis, simulated_table, summarize  # noqa: E402
from crmflow.simulation.simulator import simulate  # noqa: E402
from crmflow.sources.reader import read_log  # noqa: E402

REPLICATIONS = 10
ORDER = 0  # the prefix tree of the variants (0), or a second-order graph (2): --order


def _logs(tmp: Path) -> list[dict[str, Any]]:
    from crmflow.demo.bitrix import generate_bitrix_demo

    demo = generate_bitrix_demo(tmp / "demo")
    return [
        {"name": "helpdesk", "source": REAL / "helpdesk.xes.gz", "rules": DEMO / "rules_helpdesk.yaml", "tz": "Europe/Rome"},
        {
            "name": "BPIC 2012",
            "source": REAL / "bpic2012.xes.gz",
            # the log comes without rules: an SLA for the table (an accepted application's offer is sent within a day)
            "rules": {
                "sla": [{"name": "offer-within-1d", "from": "A_ACCEPTED", "to": "O_SENT", "within": "1d", "time": "calendar"}],
                "end_activities": ["A_APPROVED"],
            },
            "tz": "Europe/Amsterdam",
            "won": ["A_APPROVED"],
        },
        {
            "name": "BPIC 2013 (closed problems)",
            "source": REAL / "bpic2013-volvo-itsm" / "BPI_Challenge_2013_closed_problems.csv",
            "mapping": DEMO_REAL / "bpic2013-mapping.yaml",
            "rules": DEMO_REAL / "rules_bpic2013.yaml",
            "tz": "Europe/Brussels",
        },
        {
            "name": "demo Bitrix24",
            "source": demo.csv_path,
            "rules": demo.rules_path,
            "tz": "Europe/Moscow",
        },
    ]


def asis(tmp: Path, only: str | None = None) -> list[dict[str, Any]]:
    rows = []
    for spec in _logs(tmp):
        if only and spec["name"] != only:
            continue
        log = read_log(spec["source"], mapping=spec.get("mapping"), timezone=spec["tz"])
        rules = load_rules(spec["rules"]) if spec.get("rules") else None
        t, c = time.perf_counter(), time.process_time()
        model = discover_simulation_model(log, rules=rules, timezone=spec["tz"], won=spec.get("won"))
        t_disc, c_disc = time.perf_counter() - t, time.process_time() - c
        real = log_kpis(log, model.kpis)
        days = real.cases / real.cases_per_day
        t, c = time.perf_counter(), time.process_time()
        sims = [simulate(model, days=days, seed=s) for s in range(REPLICATIONS)]
        t_sim, c_sim = time.perf_counter() - t, time.process_time() - c
        runs = [simulated_kpis(s, model.kpis) for s in sims]
        est = summarize(runs)
        row: dict[str, Any] = {
            "log": spec["name"],
            "events": log.n_events,
            "cases": log.n_cases,
            "discover_s": round(t_disc, 2),
            "simulate_10_s": round(t_sim, 2),
            "discover_cpu_s": round(c_disc, 2),
            "simulate_10_cpu_s": round(c_sim, 2),
            "load_average": os.getloadavg()[0],
            "graph_nodes": len(model.graph.nodes),
            "sla": model.kpis.sla[0] if model.kpis.sla else None,
            "won": list(model.kpis.won),
            "estimated_starts": not model.has_start_times,
            "kpis": {},
        }
        for name in KPI_NAMES:
            lv, e = real.value(name), est[name]
            row["kpis"][name] = {
                "log": lv,
                "sim": None if e is None else e.mean,
                "low": None if e is None else e.low,
                "high": None if e is None else e.high,
                "error_pct": None if e is None or not lv else 100 * (e.mean - lv) / lv,
            }
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        log.store.close()
    return rows


def _frame(table: Any, case: str = "cid") -> Any:
    df = table.to_pandas()
    return df.rename(columns={case: "case", "start_ts": "start_timestamp", "end_ts": "end_timestamp"})


def bpic12w() -> dict[str, Any]:
    import pandas as pd
    from log_distance_measures.config import EventLogIDs
    from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance
    from log_distance_measures.n_gram_distribution import n_gram_distribution_distance

    t_all = time.perf_counter()
    full = read_log(REAL / "bpic2012.xes.gz")
    store = full.store
    w = store.derive(full, "activity LIKE 'W\\_%' ESCAPE '\\' AND lower(lifecycle) IN ('start', 'complete')", suffix="w")
    cases = store.rows(f"SELECT case_id, start_ts FROM {w.cases_table} ORDER BY start_ts, case_id")
    cut = cases[int(0.8 * len(cases))]["start_ts"]
    train = store.derive(w, f"case_id IN (SELECT case_id FROM {w.cases_table} WHERE start_ts < ?)", [cut], suffix="tr")
    test = store.derive(w, f"case_id IN (SELECT case_id FROM {w.cases_table} WHERE start_ts >= ?)", [cut], suffix="te")
    t = time.perf_counter()
    model = discover_simulation_model(train, timezone="Europe/Amsterdam", order=ORDER)
    t_disc = time.perf_counter() - t
    # the held-out log as activity instances (start + complete paired the way the discovery pairs them)
    from crmflow.store import simulation_queries as sq

    inst = store.new_name("heldout")
    store.sql(sq.activity_instances(test.name, inst, paired=True))
    held = store.arrow(f"SELECT cid, activity, resource, start_ts, end_ts FROM {inst}")
    held_df = _frame(held)
    first = store.scalar(f"SELECT min(start_ts) FROM {inst} WHERE seq = 1")
    n_test = test.n_cases
    ids = EventLogIDs(
        case="case", activity="activity", start_time="start_timestamp", end_time="end_timestamp", resource="resource"
    )
    last = held_df["end_timestamp"].max()
    ngram, ctd, ngram_w, ctd_w, sims_s = [], [], [], [], []
    for seed in range(REPLICATIONS):
        t = time.perf_counter()
        sim = simulate(model, cases=n_test, seed=seed, start_ts=first.astimezone(UTC).timestamp())
        sims_s.append(time.perf_counter() - t)
        sim_df = _frame(simulated_table(sim))
        for col in ("start_timestamp", "end_timestamp"):
            sim_df[col] = pd.to_datetime(sim_df[col], utc=True)
            held_df[col] = pd.to_datetime(held_df[col], utc=True)
        ngram.append(n_gram_distribution_distance(held_df, ids, sim_df, ids, n=2))
        ctd.append(cycle_time_distribution_distance(held_df, ids, sim_df, ids, bin_size=timedelta(hours=1)))
        # the same observation window as the held-out log: what it would have recorded by its last event
        seen = sim_df[sim_df["end_timestamp"] <= last]
        ngram_w.append(n_gram_distribution_distance(held_df, ids, seen, ids, n=2))
        ctd_w.append(cycle_time_distribution_distance(held_df, ids, seen, ids, bin_size=timedelta(hours=1)))
    out = {
        "train_cases": train.n_cases,
        "test_cases": n_test,
        "discover_s": round(t_disc, 2),
        "simulate_mean_s": round(statistics.mean(sims_s), 2),
        "total_s": round(time.perf_counter() - t_all, 1),
        "ngram2": {"mean": statistics.mean(ngram), "sd": statistics.stdev(ngram), "runs": ngram},
        "ctd_h": {"mean": statistics.mean(ctd), "sd": statistics.stdev(ctd), "runs": ctd},
        "window_ngram2": {"mean": statistics.mean(ngram_w), "sd": statistics.stdev(ngram_w), "runs": ngram_w},
        "window_ctd_h": {"mean": statistics.mean(ctd_w), "sd": statistics.stdev(ctd_w), "runs": ctd_w},
        "published": {"ProSiT": {"ngram2": 0.398, "ctd_h": 44.6}, "SIMOD": {"ngram2": 0.525, "ctd_h": 77.2}},
    }
    print(json.dumps({k: v for k, v in out.items() if "ngram" not in k and "ctd" not in k}), flush=True)
    print("2-gram", round(out["ngram2"]["mean"], 3), "CTD (h)", round(out["ctd_h"]["mean"], 1), flush=True)
    print("window: 2-gram", round(out["window_ngram2"]["mean"], 3), "CTD (h)", round(out["window_ctd_h"]["mean"], 1), flush=True)
    store.close()
    return out


def engine() -> dict[str, Any]:
    """100,000 cases on the heap simulator; the same single-queue model on simpy when it is installed."""
    import numpy as np

    from crmflow.simulation.distributions import Distribution
    from crmflow.simulation.model import ArrivalProfile, Node, ProcessGraph, ResourcePool, ResourceSpec, SimulationModel

    def exp(mean: float) -> Distribution:
        return Distribution(kind="expon", params=(mean,), mean=mean)

    nodes = (
        Node(
            id="a",
            kind="task",
            activity="Call",
            role="sdr",
            next=("x",),
            duration=exp(600.0),
        ),
        Node(id="x", kind="xor", next=("b", "end"), probabilities=(0.6, 0.4)),
        Node(
            id="b",
            kind="task",
            activity="Qualify",
            role="sdr",
            next=("c",),
            duration=exp(900.0),
        ),
        Node(
            id="c",
            kind="task",
            activity="Propose",
            role="ae",
            next=("y",),
            duration=exp(1800.0),
        ),
        Node(id="y", kind="xor", next=("b", "end"), probabilities=(0.2, 0.8)),
        Node(id="end", kind="end"),
    )
    pools = (
        ResourcePool(role="sdr", resources=tuple(ResourceSpec(name=f"s{i}") for i in range(8)), routing="least_loaded"),
        ResourcePool(role="ae", resources=tuple(ResourceSpec(name=f"a{i}") for i in range(5)), routing="least_loaded"),
    )
    model = SimulationModel(
        name="bench", graph=ProcessGraph(start="a", nodes=nodes), arrivals=ArrivalProfile(rates=(20.0,) * 168), pools=pools
    )
    t = time.perf_counter()
    sim = simulate(model, cases=100_000, seed=1)
    heap_s = time.perf_counter() - t
    out: dict[str, Any] = {"cases": sim.n_cases, "events": sim.n_events, "heap_s": round(heap_s, 2)}
    try:
        import simpy
    except ImportError:
        out["simpy_s"] = None
        print(json.dumps(out), flush=True)
        return out
    # the same model on simpy: one process per case, a Resource per pool (capacity = pool size)
    rng = np.random.default_rng(1)
    env = simpy.Environment()
    res = {"sdr": simpy.Resource(env, 8), "ae": simpy.Resource(env, 5)}
    done = [0]

    def task(role: str, mean: float):  # type: ignore[no-untyped-def]
        with res[role].request() as req:
            yield req
            yield env.timeout(rng.exponential(mean))

    def case():  # type: ignore[no-untyped-def]
        yield from task("sdr", 600.0)
        if rng.random() < 0.6:
            while True:
                yield from task("sdr", 900.0)
                yield from task("ae", 1800.0)
                if rng.random() >= 0.2:
                    break
        done[0] += 1

    def source():  # type: ignore[no-untyped-def]
        for _ in range(100_000):
            yield env.timeout(rng.exponential(180.0))
            env.process(case())

    t = time.perf_counter()
    env.process(source())
    env.run()
    out["simpy_s"] = round(time.perf_counter() - t, 2)
    out["simpy_cases"] = done[0]
    print(json.dumps(out), flush=True)
    return out


def enginecheck(tmp: Path, *, days: float = 120.0, seeds: tuple[int, ...] = (0, 1, 2)) -> list[dict[str, Any]]:
    """Issue 14: the demo's incoming-lead To-Be simulated, then run on the engine with the same arrivals and people.

    The To-Be model is what ``crmflow simulate --tobe`` builds (the Bitrix24 demo's As-Is with the scenario
    file's assumptions); each seed is one replication of ``days`` days (the scenario file's span). Predicted:
    the replication's first-contact SLA compliance (``simulated_kpis``); achieved: the audit's ``measure_sla`` on
    the engine's own event log (``crmflow.simulation.engine_check``).
    """
    from crmflow.demo.bitrix import generate_bitrix_demo
    from crmflow.design.loader import load_tobe
    from crmflow.findings.rules import SlaRule
    from crmflow.simulation.engine_check import INCOMING_LEAD, measure_engine_sla, replay_in_engine
    from crmflow.simulation.scenarios import apply_changes, load_scenarios
    from crmflow.simulation.tobe import calendar_of, tobe_simulation_model

    tobe = ROOT / "src" / "crmflow" / "design" / "examples" / "incoming_lead.yaml"
    demo = generate_bitrix_demo(tmp / "demo")
    log = read_log(demo.csv_path, timezone="Europe/Moscow")
    asis_model = discover_simulation_model(log, rules=load_rules(demo.rules_path), timezone="Europe/Moscow")
    log.store.close()
    spec = load_scenarios(ROOT / "src" / "crmflow" / "simulation" / "examples" / "demo_scenarios.yaml")
    assert spec.assumptions is not None
    definition = load_tobe(tobe)
    model = tobe_simulation_model(definition, asis=apply_changes(asis_model, spec.assumptions, where=spec.source))
    rule = SlaRule("first_contact_10m", "Assign a manager", "Contact the lead", 600.0, "working")
    rows = []
    for seed, people in ((s, p) for s in seeds for p in ("replay", "engine_routing")):
        sim = simulate(model, days=days, seed=seed)
        predicted = simulated_kpis(sim, model.kpis).sla_compliance
        t, c = time.perf_counter(), time.process_time()
        run = replay_in_engine(
            sim,
            model,
            tobe,
            store=tmp / f"engine_{seed}_{people}.sqlite",
            **INCOMING_LEAD,
            people=people,  # type: ignore[arg-type]
        )
        achieved = measure_engine_sla(run, rule, calendar_of(definition))
        row = {
            "seed": seed,
            "people": people,
            "days": days,
            "cases": sim.n_cases,
            "predicted": predicted,
            "simulator_timers_met": float(sim.sla_met.mean()),
            "achieved": achieved.compliance,
            "engine_cases_checked": achieved.cases_checked,
            "engine_violations": achieved.violations,
            "engine_timer_rounds": run.timers_fired,
            "completions": run.completions,
            "instances": dict(run.instances),
            "replay_wall_s": round(time.perf_counter() - t, 2),
            "replay_cpu_s": round(time.process_time() - c, 2),
            "load_average": os.getloadavg()[0],
        }
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


def main() -> None:
    import tempfile

    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["asis", "bpic12w", "engine", "enginecheck"])
    ap.add_argument("--log", help="--only asis: just this log (e.g. 'BPIC 2012'); its row replaces the stored one")
    ap.add_argument("--order", type=int, choices=[0, 1, 2], default=0, help="control flow of the BPIC 2012 W_ model")
    args = ap.parse_args()
    global ORDER
    ORDER = args.order
    results: dict[str, Any] = {"machine": f"{platform.machine()} {platform.python_version()}, 2 cores shared with parallel work"}
    out = HERE / "results" / "simulation.json"
    if out.exists():
        results.update(json.loads(out.read_text()))
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "engine"):
            results["engine"] = engine()
        if args.only in (None, "bpic12w"):
            results[f"bpic12w_order{ORDER}"] = bpic12w()
        if args.only in (None, "enginecheck"):
            results["enginecheck"] = enginecheck(Path(tmp))
        if args.only in (None, "asis"):
            rows = asis(Path(tmp), args.log)
            if args.log:
                rows = [r if r["log"] != args.log else rows[0] for r in results.get("asis", [])] or rows
            results["asis"] = rows
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
