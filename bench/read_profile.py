"""CPU seconds of every SQL statement of ``crmflow.read_log`` on one file, grouped by the code that ran it.

Run by hand (never in the test suite), one fresh process per file:

    PYTHONPATH=src .venv/bin/python bench/read_profile.py bench/data/scaled_10000000.csv
    PYTHONPATH=src .venv/bin/python bench/read_profile.py bench/data/scaled_1000000.csv --repeat 3

Every statement DuckDB runs (``DuckDBEngine.execute``/``arrow``/``executemany``) is timed with the process's
CPU time (``resource.getrusage``: all DuckDB threads, user + system) and charged to the crmflow function that
issued it (the innermost frame outside ``store/engine.py`` and ``store/store.py``'s plumbing); Python work
between statements (the byte scan, sniffing) is charged to "python between statements". On a shared machine
the CPU seconds are the figures to compare; the wall time and the load average are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


_PLUMBING = ("engine.py", "read_profile.py")
_STORE_PLUMBING = {"sql", "scalar", "rows", "arrow", "register_arrow", "temp_table_from_arrow", "quarantine_rows"}


def _label(query: str) -> str:
    """The first words of a statement, internal names' counters taken out (``stage_12_345`` -> ``stage_N``)."""
    return re.sub(r"_\d+_\d+", "_N", " ".join(query.split()))[:64]


def _caller() -> str:
    f: Any = sys._getframe(2)
    while f is not None:
        name = Path(f.f_code.co_filename).name
        if name not in _PLUMBING and not (name == "store.py" and f.f_code.co_name in _STORE_PLUMBING):
            return f"{name}::{f.f_code.co_name}"
        f = f.f_back
    return "?"


def run(path: str) -> dict[str, Any]:
    import crmflow
    from crmflow.store import engine as eng

    per: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    state = {"last": _cpu()}

    def timed(fn: Any) -> Any:
        def inner(self: Any, query: str, *args: Any, **kw: Any) -> Any:
            c0 = _cpu()
            per["python between statements"][0] += c0 - state["last"]
            w0 = time.perf_counter()
            try:
                return fn(self, query, *args, **kw)
            finally:
                c1 = _cpu()
                row = per[f"{_caller()} | {_label(query)}"]
                row[0] += c1 - c0
                row[1] += time.perf_counter() - w0
                row[2] += 1
                state["last"] = c1

        return inner

    for name in ("execute", "arrow", "executemany"):
        setattr(eng.DuckDBEngine, name, timed(getattr(eng.DuckDBEngine, name)))
    load0 = os.getloadavg()[0]
    c0, w0 = _cpu(), time.perf_counter()
    state["last"] = c0
    log = crmflow.read_log(path)
    cpu, wall = _cpu() - c0, time.perf_counter() - w0
    per["python between statements"][0] += _cpu() - state["last"]
    with open("/proc/self/status") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    return {
        "file": path,
        "events": log.n_events,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "peak_mb": round(hwm / 1024),
        "load": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "statements": {k: [round(v[0], 2), round(v[1], 2), int(v[2])] for k, v in sorted(per.items(), key=lambda kv: -kv[1][0])},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--repeat", type=int, default=1, help="fresh processes, one after another")
    ap.add_argument("--json", action="store_true", help="print one JSON object per run")
    args = ap.parse_args()
    if os.environ.get("_READ_PROFILE_CHILD"):
        print(json.dumps(run(args.path)))
        return
    import subprocess

    for _ in range(args.repeat):
        env = {**os.environ, "_READ_PROFILE_CHILD": "1"}
        out = subprocess.run([sys.executable, __file__, args.path], env=env, capture_output=True, text=True, check=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        if args.json:
            print(json.dumps(res))
            continue
        print(
            f"{res['file']}: {res['events']:,} events, {res['cpu_s']} CPU s, {res['wall_s']} s wall, "
            f"peak {res['peak_mb']} MB, load {res['load'][0]} -> {res['load'][1]}"
        )
        for k, (c, w, n) in res["statements"].items():
            if c >= 0.01 or w >= 0.01:
                print(f"  {c:7.2f} CPU s {w:7.2f} s wall {n:4d}x  {k}")


if __name__ == "__main__":
    main()
