"""Benchmarks: crmflow against pm4py in the same run, on the real logs and on scaled-up logs.

Run by hand (never in the test suite):

    .venv/bin/python bench/run.py                      # real logs + 1M generated events
    .venv/bin/python bench/run.py --scaled 1000000 10000000
    .venv/bin/python bench/run.py --only real
    .venv/bin/python bench/run.py --scaled 1000000 10000000 --record   # also bench/results/bench_<date>.json
    .venv/bin/python bench/run.py --check              # the last recorded run again; exit 1 on a regression

``--check`` re-runs the logs and operations of the newest ``bench/results/bench_*.json`` (or
``--baseline FILE``) and fails when a stage's ratio to the peer fell by more than ``--tolerance``
(1.3×) -- see ``bench/regression.py``. Run it by hand before a release, on a machine as quiet as when
the figures were recorded; it is not part of CI.

Each operation runs in a fresh subprocess so that peak memory (max RSS) is per operation. The
table is printed as Markdown for docs/benchmarks.md. Generated logs go to bench/data/ (ignored by git).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import regression  # noqa: E402  (bench/ is not a package)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = ROOT.parent / "shared" / "data" / "real"
DATA = HERE / "data"
RESULTS = HERE / "results"

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
    # pm4py's basic pipeline (load + DFG + performance DFG + variants + durations), the peer of the audit
    # in issue 11: it does far less than the audit, which is why the audit is measured against it.
    "full audit": (
        "",
        "\npm4py.discover_dfg(df)\npm4py.discover_performance_dfg(df)\npm4py.get_variants(df)\npm4py.get_all_case_durations(df)",
    ),
}


_POLARS_FROM_CSV = (
    "import polars as pl\n"
    "df = pl.scan_csv(path).with_columns(pl.col('timestamp').str.to_datetime(time_zone='UTC'))"
    ".rename({'case_id': 'case:concept:name', 'activity': 'concept:name', 'timestamp': 'time:timestamp'})"
    ".sort(['case:concept:name', 'time:timestamp'], maintain_order=True)"
)
_POLARS_FROM_XES = "import polars as pl\ndf = pl.from_pandas(pm4py.read_xes(path)).lazy()"


def _child(lib: str, setup: str, stmt: str, path: Path) -> dict[str, float]:
    # Both libraries are imported before the clock starts (crmflow imports its readers lazily). `import pm4py`
    # imports Polars, which the XES fast path (r4pm) needs; crmflow imports both only when it reads an XES
    # file, so they are imported here too -- otherwise crmflow's XES load would be timed with an import
    # that pm4py's is not.
    preload = (
        "import crmflow.sources.reader, crmflow.ingest.csv, crmflow.ingest.xes, crmflow.asis, r4pm, polars"
        if lib == "crmflow"
        else ""
    )
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
            if op == "load":
                setup_pm, stmt_pm = "", load_pm
            elif op == "full audit":  # the load is part of the pipeline's time
                setup_pm, stmt_pm = "", load_pm + PM4PY[op][1]  # type: ignore[operator]
            else:
                setup_pm, stmt_pm = load_pm, PM4PY[op][1]  # type: ignore[assignment]
            theirs = _child("pm4py", setup_pm, stmt_pm, path)
        theirs_pl: dict[str, float] | None = None
        if pm4py and op in PM4PY and op not in ("load", "full audit"):
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
        from crmflow.demo.scaled import write_scaled_event_csv

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


def _path_of(log: str) -> Path:
    """The file a recorded row was measured on (a real log, or a generated ``scaled_<n>.csv``)."""
    if log.startswith("scaled_") and log.endswith(".csv"):
        return scaled_csv(int(log[len("scaled_") : -len(".csv")]))
    return REAL / log


def _commit() -> str:
    """The commit measured (``+dirty`` when the work tree has changes), taken when the run starts."""
    res = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "bench"], capture_output=True, text=True, cwd=ROOT)
    return (res.stdout.strip() or "unknown") + ("+dirty" if dirty.stdout.strip() else "")


def record(rows: list[dict[str, object]], command: str, load_before: tuple[float, ...], commit: str) -> Path:
    """Write the run as ``bench/results/bench_<UTC date and time>.json`` (what ``--check`` reads)."""
    RESULTS.mkdir(exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    path = RESULTS / f"bench_{now:%Y-%m-%dT%H%M}.json"
    doc = {
        "command": command,
        "date": now.isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{platform.platform()} · {os.cpu_count()} cores · Python {platform.python_version()}",
        "load_before": list(load_before),
        "load_after": list(os.getloadavg()),
        "rows": rows,
    }
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return path


def check(baseline: Path, tolerance: float) -> int:
    """Re-run what ``baseline`` recorded; print the verdicts; 1 when a stage lost ground against its peer."""
    rec = regression.load_record(baseline)
    print(
        f"# checking against {baseline.name} ({rec.get('date')}, commit {rec.get('commit')}, "
        f"load {rec.get('load_before')}): {rec.get('command')}",
        flush=True,
    )
    plan: dict[str, list[str]] = {}
    for r in rec["rows"]:
        plan.setdefault(str(r["log"]), []).append(str(r["operation"]))
    rows: list[dict[str, object]] = []
    for log, ops in plan.items():
        rows += bench_file(_path_of(log), [o for o in ops if o in CRMFLOW], pm4py=True)
    verdicts = regression.compare(rec["rows"], rows, tolerance=tolerance)
    print()
    print(f"load average now: {os.getloadavg()}")
    print(regression.to_markdown(verdicts, tolerance=tolerance))
    bad = regression.failures(verdicts)
    if bad:
        print(
            f"\nFAILED: {len(bad)} stage(s) lost more than {tolerance}× against the peer: "
            + ", ".join(f"{v.log} {v.operation} ({v.verdict})" for v in bad)
        )
        return 1
    print(f"\nOK: no stage lost more than {tolerance}× against the peer")
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scaled", type=int, nargs="*", default=[1_000_000], help="sizes of generated logs (events)")
    ap.add_argument("--only", choices=["real", "scaled"], default=None)
    ap.add_argument("--ops", nargs="*", choices=list(CRMFLOW), default=None, help="operations (default: all)")
    ap.add_argument("--no-pm4py-above", type=int, default=20_000_000, help="skip pm4py above this many events")
    ap.add_argument("--record", action="store_true", help="also write bench/results/bench_<date>.json")
    ap.add_argument("--check", action="store_true", help="re-run the last recorded run; exit 1 on a regression")
    ap.add_argument("--baseline", type=Path, default=None, help="the recorded run --check compares with")
    ap.add_argument("--tolerance", type=float, default=regression.TOLERANCE, help="largest accepted slowdown")
    args = ap.parse_args()
    print(f"# {platform.platform()} · {os.cpu_count()} cores · Python {platform.python_version()}", flush=True)
    load_before = os.getloadavg()
    commit = _commit()
    print(f"# load average {load_before} · commit {commit}", flush=True)
    if args.check:
        sys.exit(check(args.baseline or regression.latest_record(RESULTS), args.tolerance))
    rows: list[dict[str, object]] = []
    ops = args.ops or list(CRMFLOW)
    if args.only in (None, "real"):
        for name in REAL_LOGS:
            rows += bench_file(REAL / name, ops, pm4py=True)
    if args.only in (None, "scaled"):
        for n in args.scaled:
            rows += bench_file(scaled_csv(n), ops, pm4py=n <= args.no_pm4py_above)
    print()
    print(f"# load average after: {os.getloadavg()}")
    print(to_markdown(rows))
    if args.record:
        print(f"\nrecorded: {record(rows, ' '.join(['bench/run.py', *sys.argv[1:]]), load_before, commit)}")
    _ = resource  # peak memory is measured in the children


if __name__ == "__main__":
    main()
