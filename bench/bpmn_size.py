"""Hostile-size BPMN (issue 18): time and peak memory of read, lint, layout, render and pack.

Run by hand (never in the test suite):

    .venv/bin/python bench/bpmn_size.py chain 20000 --steps read lint render
    .venv/bin/python bench/bpmn_size.py nested 120 --steps read lint layout render pack

``chain N`` is one process of N tasks in a row (start → t1 → … → tN → end) with diagram
interchange; ``nested N`` is N sub-processes each inside the previous one (a 23 KB file for
N = 120). Each step runs in a fresh child process so its peak RSS (``ru_maxrss``) is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NS = (
    'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"'
)


def chain(n: int) -> str:
    """N tasks in a row, drawn left to right in rows of 50."""
    ids = ["S", *(f"T{i}" for i in range(n)), "E"]
    nodes = ['<startEvent id="S"/>', *(f'<task id="T{i}" name="Task {i}"/>' for i in range(n)), '<endEvent id="E"/>']
    flows = [
        f'<sequenceFlow id="F{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    shapes, edges = [], []
    for i, node in enumerate(ids):
        x, y = (i % 50) * 150, (i // 50) * 120
        w, h = (36, 36) if node in ("S", "E") else (100, 80)
        shapes.append(f'<bpmndi:BPMNShape id="{node}_di" bpmnElement="{node}"><dc:Bounds x="{x}" y="{y}" width="{w}" '
                      f'height="{h}"/></bpmndi:BPMNShape>')  # fmt: skip
    for i in range(len(ids) - 1):
        x, y = (i % 50) * 150, (i // 50) * 120
        x2, y2 = ((i + 1) % 50) * 150, ((i + 1) // 50) * 120
        edges.append(f'<bpmndi:BPMNEdge id="F{i}_di" bpmnElement="F{i}"><di:waypoint x="{x + 100}" y="{y + 40}"/>'
                     f'<di:waypoint x="{x2}" y="{y2 + 40}"/></bpmndi:BPMNEdge>')  # fmt: skip
    return (f'<definitions {NS} id="D"><process id="P">{"".join(nodes)}{"".join(flows)}</process>'
            f'<bpmndi:BPMNDiagram id="Di"><bpmndi:BPMNPlane id="Pl" bpmnElement="P">{"".join(shapes)}{"".join(edges)}'
            "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>")  # fmt: skip


def nested(n: int) -> str:
    """N sub-processes, each the only activity of the one around it (no diagram: layout draws it)."""
    inner = (
        '<startEvent id="s0"/><task id="t0" name="Work"/><endEvent id="e0"/>'
        '<sequenceFlow id="a0" sourceRef="s0" targetRef="t0"/><sequenceFlow id="b0" sourceRef="t0" targetRef="e0"/>'
    )
    for i in range(1, n + 1):
        inner = (f'<startEvent id="s{i}"/><subProcess id="p{i}" name="Level {i}">{inner}</subProcess><endEvent id="e{i}"/>'
                 f'<sequenceFlow id="a{i}" sourceRef="s{i}" targetRef="p{i}"/>'
                 f'<sequenceFlow id="b{i}" sourceRef="p{i}" targetRef="e{i}"/>')  # fmt: skip
    return f'<definitions {NS} id="D"><process id="P">{inner}</process></definitions>'


STEP = r"""
import json, resource, sys, time
import os
def cpu(): t = os.times(); return t.user + t.system + t.children_user + t.children_system  # with Graphviz
def clock(): return time.perf_counter(), cpu()
from pathlib import Path
path, step, out = sys.argv[1], sys.argv[2], sys.argv[3]
from crmflow.bpmn.reader import read_bpmn
t0, c0 = clock()
model = read_bpmn(path)
if step == "lint":
    from crmflow.bpmn.lint import lint
    t0, c0 = clock(); report = lint(model); note = f"{len(report.problems)} problems"
elif step == "layout":
    from crmflow.bpmn.layout import layout
    t0, c0 = clock(); model = layout(model); note = f"{len(model.diagrams)} diagrams"
elif step == "render":
    from crmflow.bpmn.layout import layout
    from crmflow.bpmn.render import render_svg
    if not model.diagrams:
        model = layout(model)
    t0, c0 = clock(); note = f"{len(render_svg(model)):,} bytes of SVG"
elif step == "pack":
    from crmflow.bpmn.layout import layout
    from crmflow.bpmn.render import render_png, render_svg
    if not model.diagrams:
        model = layout(model)
    t0, c0 = clock(); render_svg(model); png = render_png(model, Path(out) / "pack.png")  # what the pack draws
    note = f"{png.stat().st_size:,} bytes of PNG"
else:
    note = f"{sum(1 for _ in model.flow_nodes())} flow nodes"
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": cpu() - c0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "note": note}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shape", choices=["chain", "nested"])
    parser.add_argument("n", type=int)
    parser.add_argument("--steps", nargs="+", default=["read", "lint", "render"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{args.shape}_{args.n}.bpmn"
        path.write_text(chain(args.n) if args.shape == "chain" else nested(args.n), encoding="utf-8")
        print(f"{path.name}: {path.stat().st_size / 1024:,.0f} KB")
        for step in args.steps:
            start = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", STEP, str(path), step, tmp], capture_output=True, text=True, check=False)
            wall = time.perf_counter() - start
            if res.returncode != 0:
                print(f"{step:7s} FAILED after {wall:.1f} s: {res.stderr.strip().splitlines()[-1] if res.stderr else ''}")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            print(f"{step:7s} {r['seconds']:8.2f} s wall {r['cpu']:8.2f} s CPU  peak {r['peak_mb']:7.0f} MB  {r['note']}")
    _ = resource  # the child measures itself
    return 0


if __name__ == "__main__":
    sys.exit(main())
