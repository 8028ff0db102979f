"""kill -9 at random moments of `crmflow import --into`: 100 trials, old-or-new state, audit agrees.

    .venv/bin/python bench/crash_import.py [--trials 100] [--cases 6000]

Each trial copies a project holding an old import, starts `crmflow import NEW --into` in a
subprocess, kills it with SIGKILL after a random delay over the length of an uninterrupted import,
then runs `crmflow audit` on the project and compares it with audits of fresh imports of the old
and the new source. Prints a Markdown summary for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for the harness shared with the test

from tests.sources.crash_harness import Harness  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--cases", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--spread", type=float, default=2.0, help="kill delays up to this many import durations")
    ap.add_argument("--cleanup-every", type=int, default=10, help="check the next import's clean-up every N trials")
    args = ap.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-crash-") as tmp:
        h = Harness.build(Path(tmp), new_cases=args.cases)
        trials = []
        for i, t in enumerate(
            h.trials(args.trials, seed=args.seed, cleanup_every=args.cleanup_every, spread=args.spread), start=1
        ):
            trials.append(t)
            print(f"trial {i}: delay {t.delay:.2f}s killed={t.killed} state={t.state} leftovers={t.leftovers}", flush=True)
    states = collections.Counter(t.state if t.state in ("old", "new") else "neither" for t in trials)
    killed = sum(t.killed for t in trials)
    print()
    print("| trials | killed before the end | old state | new state | neither | staging folders left | import (s) | total (s) |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(trials)} | {killed} | {states['old']} | {states['new']} | {states['neither']} | "
        f"{sum(max(t.leftovers, 0) for t in trials)} | {h.duration:.1f} | {time.perf_counter() - start:.0f} |"
    )
    return 0 if states["neither"] == 0 and all(t.leftovers == 0 for t in trials) else 1


if __name__ == "__main__":
    sys.exit(main())
