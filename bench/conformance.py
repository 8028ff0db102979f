"""Benchmarks for discovery and conformance: crmflow against pm4py in the same run.

Run by hand:

    .venv/bin/python bench/conformance.py

Each measurement is the best of three runs in this process (both libraries already imported and
the log already loaded by each library's own reader). The reference BPMN models are converted to
Petri nets by pm4py for *both* libraries here (crmflow's own BPMN conversion is tested separately),
so the comparison is of the algorithms alone.
"""

from __future__ import annotations

import platform
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = ROOT.parent / "shared" / "data" / "real"
sys.path.insert(0, str(ROOT))  # for the test-only pm4py adapter

import pm4py  # noqa: E402  (AGPL: bench-only)
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


def main() -> None:
    warnings.simplefilter("ignore")
    print(f"# {platform.platform()} · Python {platform.python_version()} · pm4py {pm4py.__version__}")
    print("| operation | crmflow s | pm4py s | ratio |")
    print("|---|---:|---:|---:|")

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
