"""Cost of the row-accounting byte scan against DuckDB's own read of the same CSV.

    .venv/bin/python bench/record_scan.py [--events 10000000]

The file is bench/run.py's scaled log (generated once into bench/data/). Each step runs in a
fresh subprocess (peak RSS per step): the byte scan alone (`scan_records`), DuckDB's
`read_csv` of all columns as text (what the reader does after the scan), and the whole
`read_csv_raw` (scan + DuckDB + numbering). Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import scaled_csv  # noqa: E402

STEPS = {
    "byte scan (scan_records)": (
        "from crmflow.ingest.csv import sniff_dialect\n"
        "from crmflow.ingest.record_scan import scan_records\n"
        "d = sniff_dialect(open(path, encoding='utf-8', errors='replace').read(65536))\n"
        "t = time.perf_counter()\n"
        "s = scan_records(path, delimiter=d.delimiter, skip=d.skip, fields=len(d.header))\n"
        "out = {'records': s.records}"
    ),
    "DuckDB read_csv (text columns)": (
        "import duckdb\n"
        "from crmflow.ingest.csv import sniff_dialect\n"
        "d = sniff_dialect(open(path, encoding='utf-8', errors='replace').read(65536))\n"
        "cols = '{' + ', '.join(repr(c) + \": 'VARCHAR'\" for c in d.header) + '}'\n"
        "con = duckdb.connect()\n"
        "t = time.perf_counter()\n"
        "n = con.execute(f\"CREATE TABLE t AS SELECT * FROM read_csv('{path}', delim='{d.delimiter}', quote='\\\"', "
        "escape='\\\"', header=true, auto_detect=false, columns={cols}, strict_mode=true, ignore_errors=true)\").fetchall()\n"
        "out = {'records': con.execute('SELECT count(*) FROM t').fetchall()[0][0]}"
    ),
    "read_csv_raw (scan + DuckDB + numbering)": (
        "from crmflow.ingest.csv import read_csv_raw\n"
        "from crmflow.store.store import EventStore\n"
        "store = EventStore()\n"
        "t = time.perf_counter()\n"
        "raw = read_csv_raw(store, path, log_name='log')\n"
        "out = {'records': raw.rows_read}"
    ),
}


def run_step(code: str, path: Path) -> dict[str, float]:
    script = (
        "import json, resource, sys, time\n"
        f"path = {str(path)!r}\n" + code + "\n"
        "out['s'] = time.perf_counter() - t\n"
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
        "out['rss_mb'] = int(hwm.split()[1]) / 1024  # VmHWM: ru_maxrss would carry the parent's peak over exec\n"
        "print(json.dumps(out))\n"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=10_000_000)
    args = ap.parse_args()
    path = scaled_csv(args.events)
    size = path.stat().st_size / 1e6
    print("| step | file | records | seconds | MB/s | peak RSS MB |\n|---|---|---:|---:|---:|---:|")
    for name, code in STEPS.items():
        r = run_step(code, path)
        cells = [name, f"{path.name} ({size:,.0f} MB)", f"{int(r['records']):,}", f"{r['s']:.1f}"]
        cells += [f"{size / r['s']:,.0f}", f"{r['rss_mb']:,.0f}"]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
