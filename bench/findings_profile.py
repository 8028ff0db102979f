"""The findings and ``findings.csv`` alone, in CPU seconds per stage and per SQL statement.

Run by hand (never in the test suite), on a project store made once from a large export:

    .venv/bin/crmflow import bench/data/scaled_10000000.csv --into /tmp/s10m.duckdb
    .venv/bin/python bench/findings_profile.py /tmp/s10m.duckdb
    .venv/bin/python bench/findings_profile.py /tmp/s10m.duckdb --baseline-src /path/to/old/checkout/src

The log is copied from the project into a scratch store file, as ``read_log`` builds a large input (the
name columns computed from the codes, as a fresh build has them); then ``detect_findings(evidence=True)``
and ``write_findings_csv`` run with every statement of the store timed in CPU seconds of the whole
process (``getrusage``: all DuckDB threads). ``--baseline-src`` runs the same with another crmflow source
tree first (``git archive <commit> src | tar -x -C DIR``), each in a fresh subprocess. On a shared machine
the CPU seconds are the figures to compare; the wall seconds and the load average are printed beside them.
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

_RUN = r"""
import json, resource, sys, tempfile, time
from collections import defaultdict
from pathlib import Path

from crmflow.base.profile import StageProfile
from crmflow.findings.detect import detect_findings
from crmflow.findings.evidence import write_findings_csv
from crmflow.store import queries as q
from crmflow.store.store import EventLog, EventStore

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

project, top = sys.argv[1], int(sys.argv[2])
store = EventStore(on_disk=True)
store.sql(f"ATTACH '{Path(project).resolve()}' AS proj (READ_ONLY)")
for t in ("ac_log", "cs_log"):
    store.sql(f"CREATE TABLE {t} AS SELECT * FROM proj.{t}")
names = {
    "activity": [r[0] for r in store.sql("SELECT activity FROM ac_log ORDER BY act").fetchall()],
    "resource": [r[1] for r in store.sql(
        "SELECT DISTINCT res, resource FROM proj.ev_log WHERE res IS NOT NULL ORDER BY res").fetchall()],
}
columns = [(str(r[0]), str(r[1])) for r in store.sql("DESCRIBE proj.ev_log").fetchall()]
store.sql(q.events_table("log", columns, names))
store.sql(q.insert_events("log", columns, "SELECT * FROM proj.ev_log", names))
store.sql("INSERT INTO ingestions SELECT * FROM proj.ingestions WHERE log_name = 'log'")
store.sql("DETACH proj")
store.sql("CHECKPOINT")
log = EventLog(store, "log")

per = defaultdict(lambda: [0.0, 0])
plain = EventStore.sql

def timed(self, query, params=None):
    c = cpu()
    try:
        return plain(self, query, params)
    finally:
        s = per[" ".join(query.split())[:100]]
        s[0] += cpu() - c
        s[1] += 1

EventStore.sql = timed
profile = StageProfile()
c0, w0 = cpu(), time.perf_counter()
report = detect_findings(log, evidence=True, profile=profile)
c1, w1 = cpu(), time.perf_counter()
write_findings_csv(store, report.evidence.table, Path(tempfile.mkdtemp()) / "findings.csv")
c2, w2 = cpu(), time.perf_counter()
statements = sorted(([k, v[0], v[1]] for k, v in per.items()), key=lambda x: -x[1])[:top]
print(json.dumps({
    "events": log.n_events, "evidence_rows": report.evidence.rows,
    "findings_cpu": c1 - c0, "findings_wall": w1 - w0, "csv_cpu": c2 - c1, "csv_wall": w2 - w1,
    "stages": [[s.name, s.seconds] for s in profile.stages], "statements": statements,
}))
"""


def _run(project: Path, src: Path | None, top: int) -> dict:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(project), str(top)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _show(label: str, r: dict) -> None:
    load = os.getloadavg()[0]
    print(f"## {label}: {r['events']:,} events, {r['evidence_rows']:,} evidence rows (load average {load:.1f})")
    print(f"findings {r['findings_cpu']:.2f} CPU-s ({r['findings_wall']:.2f} s wall), ", end="")
    print(f"findings.csv {r['csv_cpu']:.2f} CPU-s ({r['csv_wall']:.2f} s wall)")
    print("stages (wall s): " + ", ".join(f"{name} {s:.2f}" for name, s in r["stages"]))
    for text, c, n in r["statements"]:
        print(f"  {c:6.2f} CPU-s  x{n:<3} {text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", type=Path, help="a project store with a log named 'log' (crmflow import --into)")
    ap.add_argument("--baseline-src", type=Path, help="another crmflow src/ tree, run first")
    ap.add_argument("--top", type=int, default=15, help="how many of the costliest statements to list")
    args = ap.parse_args()
    if args.baseline_src is not None:
        _show(f"baseline ({args.baseline_src})", _run(args.project, args.baseline_src, args.top))
    _show("this tree", _run(args.project, ROOT / "src", args.top))


if __name__ == "__main__":
    main()
