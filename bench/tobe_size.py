"""To-Be compile at growing sizes (issue 18): time should grow about linearly with the steps.

Run by hand (never in the test suite):

    .venv/bin/python bench/tobe_size.py 100 1000 5000 [--steps load build lint layout]

A generated To-Be of N steps in one process over three lanes: tasks in a row, an exclusive
gateway every 10 steps whose second branch takes a side task and rejoins two steps later, and an
SLA with a two-level escalation chain every 25 steps. Each size and step runs in a fresh child
process, so its peak RSS (``VmHWM``) is its own. The last columns give the time per step (ms)
and the growth of CPU time against the growth of N from the previous size (1.0 = linear).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def tobe(n: int) -> dict[str, Any]:
    """The definition of N steps as plain data (written as JSON, which YAML reads)."""
    roles = [{"id": f"r{i}", "name": {"ru": f"Роль {i}", "en": f"Role {i}"}} for i in range(3)]
    flow: list[dict[str, Any]] = [{"id": "start", "event": "start", "name": {"ru": "Старт", "en": "Start"}, "lane": "r0"}]
    for i in range(n):
        step: dict[str, Any] = {"id": f"s{i}", "task": "user", "name": {"ru": f"Шаг {i}", "en": f"Step {i}"}, "lane": f"r{i % 3}",
                                "raci": {"R": f"r{i % 3}", "A": "r0"}}  # fmt: skip
        if i % 25 == 24:
            step["sla"] = [
                {
                    "id": f"sla{i}",
                    "name": {"ru": f"Срок {i}", "en": f"SLA {i}"},
                    "within": "1d",
                    "interrupting": True,
                    "escalations": [
                        {"after": "2h", "actions": [{"action": "notify", "role": "r1"}]},
                        {"after": "1d", "actions": [{"action": "reassign", "role": "r2"}]},
                    ],
                }
            ]
        flow.append(step)
        if i % 10 == 5 and i + 3 < n:
            flow[-1]["next"] = f"g{i}"
            flow.append(
                {
                    "id": f"g{i}",
                    "gateway": "exclusive",
                    "name": {"ru": "Да?", "en": "Yes?"},
                    "branches": [
                        {"to": f"s{i + 1}", "when": f"deal.amount > {i}", "name": {"ru": "Да", "en": "Yes"}},
                        {"to": f"x{i}", "default": True, "name": {"ru": "Нет", "en": "No"}},
                    ],
                }
            )
            flow.append({"id": f"x{i}", "task": "service", "name": {"ru": f"Обход {i}", "en": f"Detour {i}"}, "lane": "r0",
                         "raci": {"R": "r0", "A": "r0"}, "next": f"s{i + 3}"})  # fmt: skip
    flow.append({"id": "end", "event": "end", "name": {"ru": "Конец", "en": "End"}, "lane": "r0"})
    return {
        "tobe": 1,
        "id": f"size_{n}",
        "version": "1.0",
        "name": {"ru": f"Процесс из {n} шагов", "en": f"A process of {n} steps"},
        "roles": roles,
        "processes": [{"id": "p", "name": {"ru": "Процесс", "en": "Process"}, "lanes": ["r0", "r1", "r2"], "flow": flow}],
    }


STEP = r"""
import json, sys, time
import os
def cpu(): t = os.times(); return t.user + t.system + t.children_user + t.children_system  # with Graphviz
def clock(): return time.perf_counter(), cpu()
from crmflow.design.loader import load_tobe
path, step = sys.argv[1], sys.argv[2]
t0, c0 = clock()
d = load_tobe(path)
note = f"{sum(len(p.flow) for p in d.processes)} To-Be nodes"
if step != "load":
    from crmflow.design.compile import build_bpmn, compile_tobe
    t0, c0 = clock()
    if step == "build":
        m = build_bpmn(d); note = f"{sum(1 for _ in m.flow_nodes())} BPMN nodes"
    elif step == "lint":
        m = compile_tobe(d, layout=False).definitions; note = f"{sum(1 for _ in m.flow_nodes())} BPMN nodes"
    else:
        m = compile_tobe(d, layout=False).definitions
        from crmflow.bpmn.layout import layout
        t0, c0 = clock(); m = layout(m); note = f"{sum(len(x.plane.shapes) for x in m.diagrams)} shapes"
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": cpu() - c0,
                  "peak_mb": hwm / 1024, "note": note}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument(
        "--steps",
        nargs="+",
        default=["load", "build", "lint", "layout"],
        help="load: YAML + schema; build: build_bpmn; lint: compile_tobe(layout=False); layout: layout()",
    )
    args = parser.parse_args(argv)
    print("| steps (N) | stage | seconds | CPU s | ms per step | growth vs N | peak RSS MB | note |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    last: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"tobe_{n}.yaml"
            path.write_text(json.dumps(tobe(n), ensure_ascii=False), encoding="utf-8")
            for step in args.steps:
                start = time.perf_counter()
                res = subprocess.run([sys.executable, "-c", STEP, str(path), step], capture_output=True, text=True, check=False)
                if res.returncode != 0:
                    tail = res.stderr.strip().splitlines()[-1] if res.stderr else ""
                    print(f"| {n:,} | {step} | FAILED after {time.perf_counter() - start:.1f} s | | | | {tail} |", flush=True)
                    continue
                r = json.loads(res.stdout.strip().splitlines()[-1])
                growth = ""
                if step in last and r["cpu"] > 0 and last[step][1] > 0:  # CPU time: the wall clock is shared
                    n0, s0 = last[step]
                    growth = f"{(r['cpu'] / s0) / (n / n0):.2f}"
                last[step] = (n, r["cpu"])
                print(f"| {n:,} | {step} | {r['seconds']:.2f} | {r['cpu']:.2f} | {1000 * r['seconds'] / n:.2f} | {growth} | "
                      f"{r['peak_mb']:.0f} | {r['note']} |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
