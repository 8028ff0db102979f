"""Fuzzing with a fixed budget: 10,000 dirty CSVs through the row-accounting check, then every reader.

    .venv/bin/python bench/fuzz.py [--csv 10000] [--workers 2] [--budget 60] [--seed 18]

Part 1 generates ``--csv`` dirty exports (crmflow.demo.dirty_csv, seeds 0..N-1: unclosed quotes,
quotes closed records later, malformed multi-line records, …) and checks each: rows read = the
records written, loaded + quarantined = read, no good record quarantined, every unclosed quote
quarantined on its line, no traceback. Part 2 reads mutated seed files with every reader (CSV,
XLSX, XES, OCEL, BPMN, To-Be YAML, rules/mapping YAML, CRM JSON pages) for ``--budget`` seconds
each. Prints Markdown tables for docs/benchmarks.md; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for the fuzz harness shared with the tests

from tests.fuzz_readers import fuzz, readers  # noqa: E402

from crmflow.demo.dirty_csv import accounting_problems, dirty_csv  # noqa: E402


def _check(seed: int) -> tuple[int, int, list[str]]:
    f = dirty_csv(random.Random(seed))
    try:
        return seed, f.records, accounting_problems(f)
    except Exception:  # noqa: BLE001 - a traceback is a finding
        return seed, f.records, ["traceback: " + traceback.format_exc().splitlines()[-1]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--csv", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per reader in part 2")
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()
    failed = 0
    if args.csv:
        t0 = time.perf_counter()
        records = bad = 0
        with Pool(args.workers) as pool:
            for done, (seed, n, problems) in enumerate(pool.imap_unordered(_check, range(args.csv), chunksize=20), start=1):
                records += n
                if done % 500 == 0:
                    print(f"# {done:,} files, {records:,} records, {bad} broken, {time.perf_counter() - t0:.0f} s", flush=True)
                if problems:
                    bad += 1
                    print(f"seed {seed}: {problems}", flush=True)
        dt = time.perf_counter() - t0
        print(f"\n| dirty CSVs | records | files with a broken promise | seconds ({args.workers} workers) |")
        print("|---:|---:|---:|---:|")
        print(f"| {args.csv:,} | {records:,} | {bad} | {dt:.0f} |\n", flush=True)
        failed += bad
    if args.budget > 0:
        print("| reader | inputs | read | refused (crmflow error) | tracebacks | slowest input s | budget s |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in readers():
            out = fuzz(r, seed=args.seed, budget_s=args.budget)
            print(
                f"| {r.name} | {out.runs} | {out.read} | {out.refused} | {len(out.tracebacks)} | "
                f"{out.slowest_s:.2f} | {args.budget:.0f} |",
                flush=True,
            )
            for i, tb in out.tracebacks[:3]:
                print(f"<!-- {r.name} input {i}: {tb.strip()} -->", flush=True)
            failed += len(out.tracebacks)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
