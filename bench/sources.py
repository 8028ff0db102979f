"""Benchmark: CRM source adapters against the generic CSV of the same events, and pm4py on that CSV.

Run by hand (never in the test suite):

    .venv/bin/python bench/sources.py                  # 50,000 deals
    .venv/bin/python bench/sources.py --deals 50000 500000

For each size, :func:`crmflow.demo.crm_exports.generate_deals` makes one deal set, written as the
generic event-log CSV, Bitrix24 ``crm.stagehistory.list`` pages (+ ``crm.status.list``), amoCRM
``/api/v4/events`` JSON lines (+ pipelines, users), Salesforce ``OpportunityHistory.csv`` and HubSpot
deal page files (+ pipelines, owners). Each load runs in a fresh subprocess (peak memory = its max
RSS): ``crmflow.read_log(...)`` per vendor and for the CSV, and pm4py's ``pandas.read_csv`` +
``format_dataframe`` for the CSV. The table is printed as Markdown for ``docs/benchmarks.md``.
Generated files go to ``bench/data/`` (ignored by git).
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
DATA = HERE / "data"


def generate(n_deals: int) -> dict[str, list[str]]:
    """Write every vendor's export of one deal set; returns the files each load reads."""
    from crmflow.demo.crm_exports import (
        generate_deals,
        write_amocrm_exports,
        write_bitrix24_exports,
        write_event_log_csv,
    )
    from crmflow.demo.crm_exports_sf_hs import write_hubspot_exports, write_salesforce_exports

    folder = DATA / f"sources_{n_deals}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        return dict(json.loads(manifest.read_text()))
    deals = generate_deals(n_deals=n_deals, seed=11)
    csv = write_event_log_csv(deals, folder / "log.csv")
    bx = write_bitrix24_exports(deals, folder / "bitrix24")
    amo = write_amocrm_exports(deals, folder / "amocrm")
    sf = write_salesforce_exports(deals, folder / "salesforce")
    hs = write_hubspot_exports(deals, folder / "hubspot", page_size=250)
    files = {
        "generic CSV": [str(csv)],
        "Bitrix24 stage history JSON": [*_split(bx.stagehistory, lines=False), str(bx.statuses)],
        "amoCRM events JSON lines": [*_split(amo.events, lines=True), str(amo.pipelines), str(amo.users)],
        "Salesforce OpportunityHistory CSV": [str(sf.opportunity_history)],
        "HubSpot deal pages JSON": [*map(str, hs.deals), str(hs.pipelines), str(hs.owners)],
    }
    manifest.write_text(json.dumps(files, indent=1))
    return files


#: A JSON file above this is split into several (the readers refuse files above CRMFLOW_MAX_OCEL_JSON_BYTES).
SPLIT_BYTES = 200 * 2**20


def _split(path: Path, *, lines: bool) -> list[str]:
    """The export as it is, or -- above :data:`SPLIT_BYTES` -- as several files of whole pages."""
    if path.stat().st_size <= SPLIT_BYTES:
        return [str(path)]
    parts = 1 + path.stat().st_size // SPLIT_BYTES
    text = path.read_text(encoding="utf-8")
    pages = text.splitlines(keepends=True) if lines else json.loads(text)
    size = -(-len(pages) // parts)
    out = []
    for k in range(parts):
        chunk = pages[k * size : (k + 1) * size]
        part = path.with_name(f"{path.stem}.part{k + 1:02d}{path.suffix}")
        part.write_text("".join(chunk) if lines else json.dumps(chunk, ensure_ascii=False, indent=1), encoding="utf-8")
        out.append(str(part))
    path.unlink()
    return out


_CRMFLOW = """
import crmflow.sources.reader as r, crmflow.sources.registry as g
g.adapters()
t0 = time.perf_counter()
log = r.read_log(*files, timezone="UTC")
elapsed = time.perf_counter() - t0
extra = {"events": log.n_events, "quarantined": log.quarantined, "rows_read": log.rows_read}
"""

_PM4PY = """
import pandas as pd, pm4py
t0 = time.perf_counter()
df = pd.read_csv(files[0])
df = pm4py.format_dataframe(df, case_id="Case ID", activity_key="Activity", timestamp_key="Timestamp")
elapsed = time.perf_counter() - t0
extra = {"events": len(df)}
"""


def _run(snippet: str, files: list[str], src: str | None = None) -> dict[str, object]:
    code = (
        "import json, resource, time, sys\n"
        + (f"sys.path.insert(0, {src!r})\n" if src else "")
        + "import crmflow\n"
        + (f"assert crmflow.__file__.startswith({src!r})\n" if src else "")
        + f"files = {files!r}\n{snippet}\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'s': elapsed, 'rss_mb': rss, **extra}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _csv_header(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return fh.readline().strip().split(",")


def bench(n_deals: int, baseline: str | None = None) -> list[str]:
    t0 = time.perf_counter()
    files = generate(n_deals)
    print(f"# {n_deals:,} deals: exports ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    header = [h.strip().lower() for h in _csv_header(files["generic CSV"][0])]
    rows = []
    size = {k: sum(os.path.getsize(f) for f in v) for k, v in files.items()}
    for label, paths in files.items():
        res = _run(_CRMFLOW, paths)
        print(f"#   {label}: {res}", file=sys.stderr)
        rows.append((label, "crmflow `read_log`", len(paths), size[label], res))
        if baseline and label != "generic CSV" and not label.startswith("Salesforce"):  # unchanged readers
            res = _run(_CRMFLOW, paths, baseline)
            print(f"#   {label} (baseline): {res}", file=sys.stderr)
            rows.append((label, "crmflow `read_log` at the baseline commit", len(paths), size[label], res))
    if header[:3] == ["case id", "activity", "timestamp"]:
        res = _run(_PM4PY, files["generic CSV"])
        print(f"#   pm4py: {res}", file=sys.stderr)
        rows.append(("generic CSV", "pm4py `read_csv`+`format_dataframe`", 1, size["generic CSV"], res))
    out = []
    for label, tool, n_files, nbytes, res in rows:
        if "error" in res:
            out.append(f"| {n_deals:,} | {label} | {tool} | {n_files} | {nbytes / 1e6:.0f} | error: {res['error']} | | | |")
            continue
        events, rss = res.get("events"), res["rss_mb"]
        q = res.get("quarantined", "—")
        out.append(
            f"| {n_deals:,} | {label} | {tool} | {n_files} | {nbytes / 1e6:.0f} | {res['s']:.2f} | {events:,} | {q} | {rss:.0f} |"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, nargs="+", default=[50_000])
    ap.add_argument("--baseline", help="a src/ folder of an earlier crmflow (git archive) to time its adapters in the same run")
    args = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    cores = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"Machine: {cores} cores, {mem:.0f} GiB, {platform.system()} {platform.machine()}, Python {platform.python_version()}")
    print()
    print("| deals | source | reader | files | MB | load s | events | quarantined | peak RSS MB |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for n in args.deals:
        for line in bench(n, args.baseline):
            print(line, flush=True)
    _ = resource  # imported for parity with bench/run.py (max RSS is read in the subprocesses)


if __name__ == "__main__":
    main()
