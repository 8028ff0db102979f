"""Where Graphviz's ``dot`` puts the nodes of a diagram: its layers left to right, its rows within them.

:func:`crmflow.bpmn.layout.layout` gives each node its width and height and one cluster per lane, and
takes back the centres; above :data:`crmflow.bpmn.layering.DOT_LIMIT` nodes it uses
:func:`crmflow.bpmn.layering.rank_positions` instead (``dot`` would take minutes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import graphviz

from crmflow.bpmn.error_messages import ERRORS
from crmflow.errors import BpmnError, GraphvizNotFoundError
from crmflow.i18n import error


def _q(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_positions(
    items: dict[str, tuple[float, float]],
    groups: Sequence[list[str]],
    edges: Sequence[tuple[str, str]],
    same_rank: Iterable[tuple[str, str]],
    *,
    clusters: bool,
) -> dict[str, tuple[float, float]]:
    """Centres (x right, y down, in points = px) of the items, laid out by ``dot``."""
    lines = [
        "digraph G {",
        "graph [rankdir=LR, nodesep=0.5, ranksep=0.6, splines=false, newrank=true];",
        'node [shape=box, fixedsize=true, label=""];',
    ]
    pairs = list(same_rank)
    for i, group in enumerate(groups):
        if clusters:
            lines.append(f"subgraph {_q(f'cluster_{i}')} {{")
        for item in group:
            w, h = items[item]
            lines.append(f"{_q(item)} [width={w / 72:.4f}, height={h / 72:.4f}];")
        if clusters:
            lines.append("}")
    for a, b in pairs:
        lines.append(f"{{rank=same; {_q(a)}; {_q(b)}}}")
    for a, b in edges:
        lines.append(f"{_q(a)} -> {_q(b)};")
    lines.append("}")
    try:
        raw = graphviz.Source("\n".join(lines), engine="dot").pipe(format="json", encoding="utf-8", quiet=True)
    except graphviz.ExecutableNotFound as exc:
        raise error(GraphvizNotFoundError, ERRORS, "layout.graphviz_s_dot_needed") from exc
    except graphviz.CalledProcessError as exc:
        if clusters:  # dot sometimes gives up on clusters; the bands are made by us anyway
            return dot_positions(items, groups, edges, pairs, clusters=False)
        detail = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else str(exc.stderr)
        raise error(BpmnError, ERRORS, "layout.graphviz_dot_could_not", value=detail.strip()) from exc
    out: dict[str, tuple[float, float]] = {}
    for obj in json.loads(raw).get("objects", []):
        if "pos" in obj and obj.get("name") in items:
            x, y = (float(v) for v in obj["pos"].split(","))
            out[obj["name"]] = (x, -y)
    return out


__all__ = ["dot_positions"]
