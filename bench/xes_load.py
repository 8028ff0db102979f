"""XES loading: r4pm alone, pm4py's ``read_xes`` and crmflow's ``read_log``, side by side (issue 11).

Each (log, reader) runs ``--runs`` times, every run in a fresh interpreter with its libraries imported
before the clock starts; the table gives the median wall and CPU seconds (``time.process_time``: both
threads of the process) and the load average before and after. pm4py 2.7.23.11 reads an XES file with
r4pm when r4pm is installed (``r4pm.df.import_xes``, then ``to_pandas``, a date fix-up and
``format_dataframe``), so "r4pm alone" is that same call without pm4py's work around it::

    PYTHONPATH=src .venv/bin/python bench/xes_load.py --runs 5
    PYTHONPATH=src .venv/bin/python bench/xes_load.py --runs 5 --only receipt.xes --readers crmflow
    PYTHONPATH=src .venv/bin/python bench/xes_load.py --runs 7 --before /work/main/src   # + crmflow (before)

``--before SRC`` adds the reader "crmflow (before)": ``crmflow.read_log`` from another checkout's sources,
interleaved run by run with the others, so that a change is measured against its base in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# the shared data folder beside the repository (a worktree elsewhere: CRMFLOW_REAL_DATA=/work/shared/data/real)
REAL = Path(os.environ.get("CRMFLOW_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
LOGS = ["bpic2012.xes.gz", "helpdesk.xes.gz", "receipt.xes"]

READERS: dict[str, tuple[str, str]] = {
    # (imports before the clock, the timed statement)
    "r4pm": ("import r4pm, r4pm.df, polars", "r4pm.df.import_xes(path)"),
    "pm4py": ("import pm4py", "pm4py.read_xes(path)"),
    "crmflow": (
        "import crmflow, crmflow.sources.reader, crmflow.ingest.xes, r4pm, polars",
        "crmflow.read_log(path)",
    ),
}

_CHILD = """
import json, time, warnings
warnings.simplefilter('ignore')
path = {path!r}
{setup}
w0, c0 = time.perf_counter(), time.process_time()
{stmt}
print(json.dumps({{"wall": time.perf_counter() - w0, "cpu": time.process_time() - c0}}))
"""


BEFORE = "crmflow (before)"


def run_once(reader: str, path: Path, before: str | None = None) -> dict[str, float]:
    setup, stmt = READERS["crmflow" if reader == BEFORE else reader]
    code = _CHILD.format(path=str(path), setup=setup, stmt=stmt)
    # CRMFLOW_SRC: another checkout's sources (a before/after run of two branches in the same minutes)
    src = before if reader == BEFORE and before else os.environ.get("CRMFLOW_SRC", str(ROOT / "src"))
    env = {**os.environ, "PYTHONPATH": src}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    if res.returncode != 0:
        raise SystemExit(f"{reader} on {path.name} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", nargs="*", default=LOGS)
    ap.add_argument("--readers", nargs="*", default=list(READERS))
    ap.add_argument("--before", help="sources of the base checkout: adds the reader 'crmflow (before)'")
    args = ap.parse_args()
    if args.before:
        args.readers.append(BEFORE)
    print(f"load average before: {os.getloadavg()}", flush=True)
    print("| log | reader | wall s (median) | CPU s (median) | wall s (min–max) | runs |")
    print("|---|---|---:|---:|---:|---:|")
    for name in args.only:
        path = REAL / name
        # readers interleaved run by run, so a change of machine load hits all of them alike
        samples: dict[str, list[dict[str, float]]] = {r: [] for r in args.readers}
        for _ in range(args.runs):
            for reader in args.readers:
                samples[reader].append(run_once(reader, path, args.before))
        for reader in args.readers:
            walls = [s["wall"] for s in samples[reader]]
            cpus = [s["cpu"] for s in samples[reader]]
            print(
                f"| {name} | {reader} | {statistics.median(walls):.3f} | {statistics.median(cpus):.3f} "
                f"| {min(walls):.3f}–{max(walls):.3f} | {len(walls)} |",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
