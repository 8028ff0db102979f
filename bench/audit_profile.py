"""The full audit, stage by stage, beside pm4py's basic pipeline on the same file, in one run.

Run by hand (never in the test suite):

    .venv/bin/python bench/audit_profile.py --scaled 1000000
    .venv/bin/python bench/audit_profile.py --scaled 1000000 --baseline-src /path/to/old/checkout/src

Each run is a fresh subprocess. crmflow runs ``crmflow.audit(crmflow.read_log(path)).write(out)`` with
a :class:`crmflow.base.profile.StageProfile` (one row per stage: wall seconds, peak RSS); pm4py runs its
basic pipeline -- ``read_csv`` + ``format_dataframe``, DFG, performance DFG, variants, case durations --
which does far less than the audit. ``--baseline-src`` runs the same audit with another crmflow
source tree (an older commit: ``git archive <commit> src | tar -x -C DIR``) first, for a before/after.
Wall and CPU seconds (all threads) are reported with the load average: on a shared machine the wall
time means little, the ratio in the same run more.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import scaled_csv  # noqa: E402  (bench/run.py: the scaled generator)

_CRMFLOW = """
import json, resource, sys, tempfile, time
path, out = sys.argv[1], tempfile.mkdtemp()
import crmflow, crmflow.asis, crmflow.sources.reader, crmflow.ingest.csv, pandas  # imports before the clock
try:
    from crmflow.base.profile import StageProfile
    profile = StageProfile()
except ImportError:  # a baseline before the profile existed
    profile = None
t0, c0 = time.perf_counter(), time.process_time()
if profile is None:
    crmflow.audit(crmflow.read_log(path)).write(out)
    stages = []
else:
    with profile.stage("read"):
        log = crmflow.read_log(path)
    crmflow.audit(log, profile=profile).write(out)
    stages = [[s.name, s.depth, s.seconds, s.peak_rss_mb] for s in profile.stages]
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "peak_mb": max([hwm / 1024] + [s[3] for s in stages]), "stages": stages}))
"""

_PM4PY = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
path = sys.argv[1]
import pm4py, pandas as pd
t0, c0 = time.perf_counter(), time.process_time()
df = pd.read_csv(path)
df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
pm4py.discover_dfg(df)
pm4py.discover_performance_dfg(df)
pm4py.get_variants(df)
pm4py.get_all_case_durations(df)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "peak_mb": hwm / 1024, "stages": []}))
"""


def _run(code: str, path: Path, src: Path | None) -> dict[str, object]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=7200)
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-1]}
    return json.loads([ln for ln in res.stdout.splitlines() if ln.startswith("{")][-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scaled", type=int, default=1_000_000, help="events of the generated log")
    ap.add_argument("--baseline-src", type=Path, default=None, help="an older crmflow src/ folder to run first")
    ap.add_argument("--no-pm4py", action="store_true")
    args = ap.parse_args()
    path = scaled_csv(args.scaled)
    print(f"# {path.name} · load average {os.getloadavg()[0]:.1f}", flush=True)
    runs: list[tuple[str, dict[str, object]]] = []
    if args.baseline_src is not None:
        runs.append(("crmflow (baseline)", _run(_CRMFLOW, path, args.baseline_src.resolve())))
        print(json.dumps(runs[-1]), flush=True)
    runs.append(("crmflow", _run(_CRMFLOW, path, ROOT / "src")))
    print(json.dumps(runs[-1]), flush=True)
    if not args.no_pm4py:
        runs.append(("pm4py basic pipeline", _run(_PM4PY, path, None)))
        print(json.dumps(runs[-1]), flush=True)
    print(f"# load average after: {os.getloadavg()[0]:.1f}")
    print("\n| run | wall s | CPU s | peak RSS MB |\n|---|---:|---:|---:|")
    nan = float("nan")
    for who, r in runs:
        print(f"| {who} | {r.get('seconds', nan):.2f} | {r.get('cpu', nan):.2f} | {r.get('peak_mb', nan):.0f} |")
    for who, r in runs:
        stages = r.get("stages") or []
        if stages:
            print(f"\n{who}, stages:\n\n| stage | wall s | peak RSS MB |\n|---|---:|---:|")
            for name, depth, seconds, peak in stages:  # type: ignore[misc]
                print(f"| {'  ' * depth}{name} | {seconds:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
