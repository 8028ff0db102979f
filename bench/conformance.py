"""Benchmarks for discovery and conformance: crmflow against pm4py in the same run.

Run by hand (never in the test suite):

    .venv/bin/python bench/conformance.py                    # real logs + a 1 M-event scaled log
    .venv/bin/python bench/conformance.py --only scaled --scaled 1000000 2000000

On the real logs each measurement is the best of three runs in this process (both libraries
already imported and the log already loaded by each library's own reader). The reference BPMN
models are converted to Petri nets by pm4py for *both* libraries here (crmflow's own BPMN
conversion is tested separately), so the comparison is of the algorithms alone.

On the scaled logs (built as ``bench/run.py --scaled`` builds them: ``write_scaled_event_csv``, a
CRM-like Markov chain over 20 activities with loops, ~10 events per case, in ``bench/data/``) each
library loads the CSV with its own reader, then discovers with the inductive miner (noise 0 and
0.2) and replays the log on pm4py's IM net (noise 0.2); crmflow's runs are the best of three, pm4py's
are single runs (they take minutes). The log fitness of both replays is printed, so the
comparison is of equal results.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = ROOT.parent / "shared" / "data" / "real"
sys.path.insert(0, str(ROOT))  # for the test-only pm4py adapter
sys.path.insert(0, str(HERE))  # for bench/run.py's scaled logs

import pm4py  # noqa: E402  (AGPL: bench-only)
from run import scaled_csv  # noqa: E402
from tests.conformance.pm4py_adapter import from_pm4py  # noqa: E402

import crmflow  # noqa: E402
from crmflow.conformance.alignments import align  # noqa: E402
from crmflow.conformance.token_replay import token_replay  # noqa: E402
from crmflow.discovery.inductive import discover_petri_net  # noqa: E402


def best(fn, n: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def row(what: str, ours: float, theirs: float) -> str:
    return f"| {what} | {ours:.3f} | {theirs:.3f} | {theirs / ours:.1f}× |"


def once(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def scaled(n_events: int) -> None:
    """Load, discovery and token replay on a generated log of ``n_events`` events."""
    import pandas as pd  # test-only, as pm4py

    path = scaled_csv(n_events)
    label = f"scaled {n_events / 1e6:g} M events"
    log, ours = once(lambda: crmflow.read_log(path))
    df, theirs = once(
        lambda: pm4py.format_dataframe(pd.read_csv(path), case_id="case_id", activity_key="activity", timestamp_key="timestamp")
    )
    print(row(f"load CSV, {label} ({log.summary().cases} cases, {log.summary().variants} variants)", ours, theirs), flush=True)
    for noise in (0.0, 0.2):
        ours = best(lambda n=noise: discover_petri_net(log, noise_threshold=n))
        _, theirs = once(lambda n=noise: pm4py.discover_petri_net_inductive(df, noise_threshold=n))
        print(row(f"inductive discovery, {label}, noise {noise}", ours, theirs), flush=True)
    net, im, fm = pm4py.discover_petri_net_inductive(df, noise_threshold=0.2)
    our_net = from_pm4py(net, im, fm)
    result = token_replay(log, our_net)
    ours = best(lambda: token_replay(log, our_net))
    their_result, theirs = once(lambda: pm4py.fitness_token_based_replay(df, net, im, fm))
    print(row(f"token replay, {label}, IM net (noise 0.2)", ours, theirs), flush=True)
    print(f"#   log fitness: crmflow {result.log_fitness:.6f}, pm4py {their_result['log_fitness']:.6f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scaled", type=int, nargs="*", default=[1_000_000], help="sizes of generated logs (events)")
    ap.add_argument("--only", choices=["real", "scaled"], default=None)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"# {platform.platform()} · Python {platform.python_version()} · pm4py {pm4py.__version__}")
    print("| operation | crmflow s | pm4py s | ratio |")
    print("|---|---:|---:|---:|")
    if args.only in (None, "real"):
        real_logs()
    if args.only in (None, "scaled"):
        for n in args.scaled:
            scaled(n)


def real_logs() -> None:
    bpic = REAL / "bpic2012.xes.gz"
    log, plog = crmflow.read_log(bpic), pm4py.read_xes(str(bpic))
    for noise in (0.0, 0.2):
        ours = best(lambda n=noise: discover_petri_net(log, noise_threshold=n))
        theirs = best(lambda n=noise: pm4py.discover_petri_net_inductive(plog, noise_threshold=n), 1)
        print(row(f"inductive discovery, BPIC 2012, noise {noise}", ours, theirs))
    net, im, fm = pm4py.discover_petri_net_inductive(plog, noise_threshold=0.0)
    our_net = from_pm4py(net, im, fm)
    ours = best(lambda: token_replay(log, our_net))
    theirs = best(lambda: pm4py.fitness_token_based_replay(plog, net, im, fm), 1)
    print(row("token replay, BPIC 2012, IM net (noise 0)", ours, theirs))

    receipt = REAL / "receipt.xes"
    rlog, prlog = crmflow.read_log(receipt), pm4py.read_xes(str(receipt))
    net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(REAL / "receipt.bpmn")))
    our_net = from_pm4py(net, im, fm)
    ours = best(lambda: align(rlog, our_net))
    theirs = best(lambda: pm4py.fitness_alignments(prlog, net, im, fm), 1)
    print(row("alignments, receipt + receipt.bpmn", ours, theirs))
    ours = best(lambda: token_replay(rlog, our_net))
    theirs = best(lambda: pm4py.fitness_token_based_replay(prlog, net, im, fm), 1)
    print(row("token replay, receipt + receipt.bpmn", ours, theirs))


if __name__ == "__main__":
    main()
