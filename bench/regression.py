"""The benchmark-regression guard behind ``bench/run.py --check``: recorded figures against a new run.

A recorded run is a JSON file in ``bench/results/`` (``bench/run.py --record``): the command, the date,
the commit, the load average and one row per (log, operation) as ``bench/run.py`` prints it. A stage is
judged by its ratio to the peer measured in the same run (pm4py's time ÷ crmflow's), never by its
absolute time: on a shared machine both sides slow down together, so a stage regresses only when it
lost ground against the peer. A stage whose ratio fell by more than the tolerance (1.3×: the recorded
ratio is more than 1.3 times the new one) fails the check.

>>> old = [{"log": "a.csv", "operation": "load", "crmflow_s": 1.0, "pm4py_s": 3.0, "ratio": 3.0}]
>>> new = [{"log": "a.csv", "operation": "load", "crmflow_s": 2.0, "pm4py_s": 3.0, "ratio": 1.5}]
>>> [v.verdict for v in compare(old, new)]
['slower']
>>> [v.verdict for v in compare(old, old)]
['ok']
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: A stage fails when its ratio to the peer fell by more than this factor.
TOLERANCE = 1.3
#: The recorded figures ``--check`` compares with when no file is named.
BASELINE_GLOB = "bench_*.json"


@dataclass(frozen=True)
class Verdict:
    """One stage of one log: the recorded and the new ratio to the peer, and what that means."""

    log: str
    operation: str
    recorded_ratio: float | None
    ratio: float | None
    #: ``ok``; ``slower``, ``missing`` (not in the new run) or ``error`` (no ratio now): each fails the check;
    #: ``no peer``: recorded without a peer, shown but never judged.
    verdict: str

    @property
    def slowdown(self) -> float | None:
        """How many times less ahead of the peer the stage is now (> 1: lost ground)."""
        if not self.recorded_ratio or not self.ratio:
            return None
        return self.recorded_ratio / self.ratio


def _ratio(row: dict[str, Any]) -> float | None:
    r = row.get("ratio")
    if not isinstance(r, int | float) or math.isnan(r) or r <= 0:
        return None
    return float(r)


def compare(
    recorded: Sequence[dict[str, Any]], current: Sequence[dict[str, Any]], *, tolerance: float = TOLERANCE
) -> list[Verdict]:
    """Judge every recorded stage that has a peer against the same stage of the new run.

    A stage recorded with a peer but missing from the new run, or measured there without a ratio
    (a crash, a timeout), fails: a guard that silently skips what it cannot measure guards nothing.
    A stage recorded without a peer is listed as ``no peer`` and never fails.
    """
    now = {(r["log"], r["operation"]): r for r in current}
    out = []
    for old in recorded:
        key = (old["log"], old["operation"])
        was = _ratio(old)
        if was is None:
            out.append(Verdict(key[0], key[1], None, _ratio(now[key]) if key in now else None, "no peer"))
            continue
        if key not in now:
            out.append(Verdict(key[0], key[1], was, None, "missing"))
            continue
        r = _ratio(now[key])
        if r is None:
            out.append(Verdict(key[0], key[1], was, None, "error"))
            continue
        out.append(Verdict(key[0], key[1], was, r, "slower" if was / r > tolerance else "ok"))
    return out


def failures(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """The verdicts that fail the check (every one but ``ok`` and ``no peer``)."""
    return [v for v in verdicts if v.verdict not in ("ok", "no peer")]


def load_record(path: str | Path) -> dict[str, Any]:
    """A recorded run: ``{"command", "date", "commit", "load_before", "load_after", "rows": [...]}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValueError(f"{path}: not a recorded benchmark run (expected an object with a `rows` list)")
    return data


def latest_record(directory: str | Path) -> Path:
    """The newest recorded run in ``directory`` (file names carry the date, so the last name is the newest)."""
    files = sorted(Path(directory).glob(BASELINE_GLOB))
    if not files:
        raise FileNotFoundError(f"{directory}: no recorded run ({BASELINE_GLOB}); record one first with `bench/run.py --record`")
    return files[-1]


def to_markdown(verdicts: Sequence[Verdict], *, tolerance: float = TOLERANCE) -> str:
    """The check as a Markdown table (recorded ratio, new ratio, slowdown, verdict)."""

    def f(x: float | None, suffix: str = "×") -> str:
        return "—" if x is None else f"{x:.2f}{suffix}"

    lines = [
        f"| log | operation | recorded ratio | new ratio | slowdown (fails > {tolerance}×) | verdict |",
        "|---|---|---:|---:|---:|---|",
    ]
    for v in verdicts:
        lines.append(f"| {v.log} | {v.operation} | {f(v.recorded_ratio)} | {f(v.ratio)} | {f(v.slowdown)} | {v.verdict} |")
    return "\n".join(lines)
