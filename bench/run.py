"""Benchmarks: crmflow against pm4py in the same run, on the real logs and on scaled-up logs.

Run by hand (never in the test suite):

    .venv/bin/python bench/run.py                      # real logs + 1M generated events
    .venv/bin/python bench/run.py --scaled 1000000 10000000
    .venv/bin/python bench/run.py --only real

Each operation runs in a fresh subprocess so that peak memory (max RSS) is per operation. The
table is printed as Markdown for docs/benchmarks.md. Generated logs go to bench/data/ (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = ROOT.parent / "shared" / "data" / "real"
DATA = HERE / "data"

REAL_LOGS = ["helpdesk.xes.gz", "receipt.xes", "bpic2012.xes.gz"]

# Each snippet reads `path`, does one thing, and prints nothing; setup is timed separately.
CRMFLOW = {
    "load": ("", "log = crmflow.read_log(path)"),
    "dfg+waits": ("log = crmflow.read_log(path)", "crmflow.discover_dfg(log)"),
    "variants": ("log = crmflow.read_log(path)", "crmflow.get_variants(log)"),
    "case durations": ("log = crmflow.read_log(path)", "crmflow.get_all_case_durations(log)"),
    "full audit": ("", "crmflow.audit(crmflow.read_log(path)).write(out)"),
}

_PM4PY_LOAD_XES = "df = pm4py.read_xes(path)"
_PM4PY_LOAD_CSV = (
    "import pandas as pd\n"
    "df = pd.read_csv(path)\n"
    "df = pm4py.format_dataframe(df, case_id='case_id', activity_key='activity', timestamp_key='timestamp')"
)
PM4PY = {
    "load": ("", None),  # filled per format
    "dfg+waits": (None, "pm4py.discover_performance_dfg(df)"),
    "variants": (None, "pm4py.get_variants(df)"),
    "case durations": (None, "pm4py.get_all_case_durations(df)"),
}


_POLARS_FROM_CSV = (
    "import polars as pl\n"
    "df = pl.scan_csv(path).with_columns(pl.col('timestamp').str.to_datetime(time_zone='UTC'))"
    ".rename({'case_id': 'case:concept:name', 'activity': 'concept:name', 'timestamp': 'time:timestamp'})"
    ".sort(['case:concept:name', 'time:timestamp'], maintain_order=True)"
)
_POLARS_FROM_XES = "import polars as pl\ndf = pl.from_pandas(pm4py.read_xes(path)).lazy()"


def _child(lib: str, setup: str, stmt: str, path: Path) -> dict[str, float]:
    # Both libraries are imported before the clock starts (crmflow imports its readers lazily).
    preload = "import crmflow.sources.reader, crmflow.ingest.csv, crmflow.ingest.xes, crmflow.asis" if lib == "crmflow" else ""
    code = f"""
import time, json, resource, warnings, tempfile
warnings.simplefilter('ignore')
path = {str(path)!r}
out = tempfile.mkdtemp()
import {lib}
{preload}
{setup}
t0 = time.perf_counter()
{stmt}
dt = time.perf_counter() - t0
print(json.dumps({{"seconds": dt, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=3600, cwd=ROOT)
    if res.returncode != 0:
        return {"seconds": float("nan"), "maxrss_mb": float("nan"), "error": res.stderr.strip().splitlines()[-1]}
    return json.loads([ln for ln in res.stdout.splitlines() if ln.startswith("{")][-1])


def bench_file(path: Path, ops: list[str], *, pm4py: bool) -> list[dict[str, object]]:
    rows = []
    load_pm = _PM4PY_LOAD_CSV if path.suffix == ".csv" else _PM4PY_LOAD_XES
    for op in ops:
        setup, stmt = CRMFLOW[op]
        ours = _child("crmflow", setup, stmt, path)
        theirs: dict[str, float] | None = None
        if pm4py and op in PM4PY:
            setup_pm, stmt_pm = ("", load_pm) if op == "load" else (load_pm, PM4PY[op][1])
            theirs = _child("pm4py", setup_pm, stmt_pm, path)  # type: ignore[arg-type]
        theirs_pl: dict[str, float] | None = None
        if pm4py and op in PM4PY and op != "load":
            load_pl = _POLARS_FROM_CSV if path.suffix == ".csv" else _POLARS_FROM_XES
            theirs_pl = _child("pm4py", load_pl, PM4PY[op][1], path)  # type: ignore[arg-type]
        row = {
            "log": path.name,
            "operation": op,
            "crmflow_s": ours["seconds"],
            "crmflow_rss_mb": ours["maxrss_mb"],
            "pm4py_s": theirs["seconds"] if theirs else None,
            "ratio": (theirs["seconds"] / ours["seconds"]) if theirs and ours["seconds"] else None,
            "pm4py_polars_s": theirs_pl["seconds"] if theirs_pl else None,
            "ratio_polars": (theirs_pl["seconds"] / ours["seconds"]) if theirs_pl and ours["seconds"] else None,
        }
        for who, r in (("crmflow", ours), ("pm4py", theirs), ("pm4py_polars", theirs_pl)):
            if r and "error" in r:
                row[f"{who}_error"] = r["error"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def scaled_csv(n_events: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"scaled_{n_events}.csv"
    if not path.exists():
        from crmflow.demo.bitrix import write_scaled_event_csv

        t0 = time.perf_counter()
        write_scaled_event_csv(path, n_events=n_events)
        print(f"# generated {path} in {time.perf_counter() - t0:.1f}s", flush=True)
    return path


def to_markdown(rows: list[dict[str, object]]) -> str:
    def f(x: object, nd: int = 2) -> str:
        return "—" if x is None else f"{x:.{nd}f}" if isinstance(x, float) else str(x)

    lines = [
        "| log | operation | crmflow s | pm4py (pandas) s | ratio | pm4py (polars) s | ratio | crmflow peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['log']} | {r['operation']} | {f(r['crmflow_s'])} | {f(r['pm4py_s'])} | "
            f"{f(r['ratio'], 1)}× | {f(r['pm4py_polars_s'])} | {f(r['ratio_polars'], 1)}× | {f(r['crmflow_rss_mb'], 0)} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scaled", type=int, nargs="*", default=[1_000_000], help="sizes of generated logs (events)")
    ap.add_argument("--only", choices=["real", "scaled"], default=None)
    ap.add_argument("--no-pm4py-above", type=int, default=20_000_000, help="skip pm4py above this many events")
    args = ap.parse_args()
    print(f"# {platform.platform()} · {os.cpu_count()} cores · Python {platform.python_version()}", flush=True)
    rows: list[dict[str, object]] = []
    ops = list(CRMFLOW)
    if args.only in (None, "real"):
        for name in REAL_LOGS:
            rows += bench_file(REAL / name, ops, pm4py=True)
    if args.only in (None, "scaled"):
        for n in args.scaled:
            rows += bench_file(scaled_csv(n), ops, pm4py=n <= args.no_pm4py_above)
    print()
    print(to_markdown(rows))
    _ = resource  # peak memory is measured in the children


if __name__ == "__main__":
    main()
