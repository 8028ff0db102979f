"""The process map: the directly-follows graph of an audit drawn by Graphviz as inline SVG.

Two views share one layout rule. The *frequency* view labels each edge with its number of
transitions (thicker = more frequent) and shades each activity by its number of events; the
*performance* view labels each edge with its median waiting time and colours the slowest edges
red. What is drawn follows the activity and path sliders of :mod:`crmflow.report.map_select`:
each activity level is laid out once with every transition between its activities, the edges
beyond the default carry ``class="pm-off"`` (hidden until the path slider shows them) and
``data-rank`` (their place in the path slider's order), and do not constrain the layout, so the
default map is laid out as if they were not there. The caption says what is hidden.

Every name from the data is written into the DOT source only inside HTML-like labels, escaped,
and nodes are identified by generated ids (``n0``, ``n1``...), so no activity name can change the
graph's structure or inject markup into the SVG. Edge labels keep a gap from their edge as wide
as the edge, so no digit sits under the line or the arrow head.
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import graphviz
from lxml import etree

from crmflow.base.numbers import format_duration, format_number, format_percent
from crmflow.errors import GraphvizNotFoundError, ProcessMapError
from crmflow.i18n import error
from crmflow.mining.statistics import ActivityStats
from crmflow.report.error_messages import ERRORS
from crmflow.report.map_select import END, START, MapLevel, MapLevels, MapSelection, map_levels, select_graph
from crmflow.report.messages import MESSAGES, t
from crmflow.results.audit import AuditDocument

__all__ = [
    "END",
    "START",
    "MapSelection",
    "ProcessMap",
    "ProcessMaps",
    "render_process_map",
    "render_process_maps",
    "select_graph",
]

View = Literal["frequency", "performance"]

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RANK_ID = re.compile(r"^r(\d+)$")
_FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
#: Node fill by frequency quintile (light → dark) and the text colour that reads on it.
_FILLS = ("#eef4fb", "#d3e3f4", "#a9c8e8", "#6f9fd0", "#3b6fa8")
_FONT_COLOURS = ("#1a202c", "#1a202c", "#1a202c", "#ffffff", "#ffffff")


@dataclass(frozen=True)
class ProcessMap:
    """A drawn process map at one activity level: inline SVG plus what it shows of the log.

    The counts describe the default position of the path slider; ``level`` holds every edge of
    the level in slider order (the SVG draws them all, those beyond the default hidden).
    """

    svg: str
    view: View
    shown_activities: int
    total_activities: int
    shown_edges: int
    total_edges: int
    coverage: float
    transition_coverage: float
    caption: str
    legend: str = ""
    hidden_activities: tuple[str, ...] = field(default=())
    hidden_edges: int = 0
    hidden_moves: int = 0
    level: MapLevel | None = None


@dataclass(frozen=True)
class ProcessMaps:
    """Every activity level of one view, and the level the map opens at."""

    view: View
    maps: tuple[ProcessMap, ...]
    default: int

    @property
    def current(self) -> ProcessMap:
        return self.maps[self.default]


def levels_of(audit: AuditDocument, *, max_activities: int = 25, edge_coverage: float = 0.9) -> MapLevels:
    """The slider levels of an audit's map: its rules' end activities and stages mark ends and returns."""
    rules = audit.rules or {}
    events = {a.activity: a.events or 0 for a in audit.activities} or None
    return map_levels(
        [e.to_dict() for e in audit.dfg],
        audit.start_activities,
        audit.end_activities,
        events,
        declared_ends=[str(a) for a in rules.get("end_activities") or ()],
        stages=[str(a) for a in rules.get("stages") or ()],
        max_activities=max_activities,
        edge_coverage=edge_coverage,
    )


def render_process_maps(
    audit: AuditDocument | Mapping[str, Any],
    *,
    view: View,
    lang: str,
    max_activities: int = 25,
    edge_coverage: float = 0.9,
    id_prefix: str | None = None,
    levels: MapLevels | None = None,
) -> ProcessMaps:
    """Draw every activity level of the map (see :func:`render_process_map` for the parameters).

    ``levels`` may be passed when both views are drawn, so that the selection is computed once.
    """
    doc = audit if isinstance(audit, AuditDocument) else AuditDocument.from_json(audit)
    chosen = levels or levels_of(doc, max_activities=max_activities, edge_coverage=edge_coverage)
    prefix = id_prefix if id_prefix is not None else f"pm-{view}-"
    jobs = [(level, f"{prefix}l{i}-" if len(chosen.levels) > 1 else prefix) for i, level in enumerate(chosen.levels)]
    # each level is one `dot` process: run them side by side (threads wait on the subprocesses)
    with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
        maps = tuple(pool.map(lambda job: _draw(doc, job[0], view=view, lang=lang, prefix=job[1]), jobs))
    return ProcessMaps(view=view, maps=maps, default=chosen.default)


def render_process_map(
    audit: AuditDocument | Mapping[str, Any],
    *,
    view: View,
    lang: str,
    max_activities: int = 25,
    edge_coverage: float = 0.9,
    id_prefix: str | None = None,
) -> ProcessMap:
    """Draw the process map of an audit, at its default level, as inline SVG.

    Parameters
    ----------
    audit
        The typed audit, or its ``audit.json`` document (``dfg``, ``start_activities``,
        ``end_activities``, ``activities`` and the rules' ``end_activities`` and ``stages`` are read).
    view
        ``"frequency"`` (transition counts) or ``"performance"`` (median waiting times).
    lang
        Language of the labels and caption (``"ru"`` or ``"en"``).
    max_activities, edge_coverage
        How much of the graph the default shows; see :func:`~crmflow.report.map_select.map_levels`.
    id_prefix
        Prefix of every ``id`` in the SVG, so that several maps can share one HTML page
        (default ``"pm-<view>-"``).

    Raises
    ------
    GraphvizNotFoundError
        If Graphviz's ``dot`` program is not installed.
    ProcessMapError
        If ``dot`` fails on the graph.
    """
    doc = audit if isinstance(audit, AuditDocument) else AuditDocument.from_json(audit)
    chosen = levels_of(doc, max_activities=max_activities, edge_coverage=edge_coverage)
    prefix = id_prefix if id_prefix is not None else f"pm-{view}-"
    return _draw(doc, chosen.current, view=view, lang=lang, prefix=prefix)


def map_caption(level: MapLevel, shown: int, lang: str) -> str:
    """What the map shows with ``shown`` edges of ``level`` drawn, and what it hides."""
    drawn = sum(1 for e in level.edges[:shown] if e.real)
    hidden, moves = level.hidden(shown)
    text = t(
        "map.caption",
        lang,
        shown_activities=format_number(len(level.activities), lang),
        total_activities=format_number(level.total_activities, lang),
        shown_edges=format_number(drawn, lang),
        total_edges=format_number(level.total_edges, lang),
        coverage=format_percent(level.coverage, lang),
    )
    if hidden:
        text += " " + t(
            "map.hidden",
            lang,
            hidden=format_number(hidden, lang),
            total=format_number(level.total_edges, lang),
            moves=format_number(moves, lang),
        )
    return text


def _draw(doc: AuditDocument, level: MapLevel, *, view: View, lang: str, prefix: str) -> ProcessMap:
    dfg = [e.to_dict() for e in doc.dfg]
    stats = {a.activity: a for a in doc.activities}
    source, titles = _dot_source(level, dfg, stats, view=view, lang=lang)
    svg = _run_dot(source, lang)
    caption = map_caption(level, level.default, lang)
    if view == "frequency":
        legend = t("map.caption_frequency", lang)
    else:
        legend = t("map.caption_performance", lang, stat=t("map.stat_median", lang))
    all_names = {str(e["source"]) for e in dfg} | {str(e["target"]) for e in dfg} | set(stats)
    all_names |= {str(a) for a in doc.start_activities} | {str(a) for a in doc.end_activities}
    drawn = [e for e in level.edges[: level.default] if e.real]
    hidden, moves = level.hidden(level.default)
    return ProcessMap(
        svg=_clean_svg(svg, prefix=prefix, titles=titles, label=caption, default=level.default),
        view=view,
        shown_activities=len(level.activities),
        total_activities=level.total_activities,
        shown_edges=len(drawn),
        total_edges=level.total_edges,
        coverage=level.coverage,
        transition_coverage=(sum(e.count for e in drawn) / level.total_transitions) if level.total_transitions else 1.0,
        caption=caption,
        legend=legend,
        hidden_activities=tuple(sorted(all_names - set(level.activities))),
        hidden_edges=hidden,
        hidden_moves=moves,
        level=level,
    )


# --------------------------------------------------------------------------- DOT


def _label_text(value: object, width: int = 24) -> str:
    """Escape a name for an HTML-like DOT label, wrapped into lines of about ``width`` characters."""
    words = _CONTROL.sub(" ", str(value)).split()
    lines: list[str] = []
    for word in words or [""]:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br/>".join(_html(line) for line in lines)


def _html(text: str) -> str:
    """Escape text for an HTML-like DOT label; backslashes are doubled, or dot reads ``\\N`` as the node id."""
    return html.escape(_CONTROL.sub(" ", text), quote=True).replace("\\", "\\\\")


def _edge_label(text: str, width: float) -> str:
    """An edge label that keeps clear of its edge: a blank cell as wide as the line comes first.

    Graphviz puts a label beside the middle of its edge, the text starting where the edge runs;
    a thick edge (or its arrow head) then covers the first digit ("1 500" reads " 500").
    """
    gap = max(6, math.ceil(width + 6))
    return (
        '<table border="0" cellborder="0" cellspacing="0" cellpadding="2"><tr>'
        f'<td width="{gap}"></td><td>{_html(text)}</td></tr></table>'
    )


def _dot_source(
    level: MapLevel,
    dfg: Sequence[Mapping[str, Any]],
    stats: Mapping[str, ActivityStats],
    *,
    view: View,
    lang: str,
) -> tuple[str, dict[str, str]]:
    ids = {name: f"n{i}" for i, name in enumerate(level.activities)}
    ids[START], ids[END] = "start", "end"
    titles = {"start": t("map.start", lang), "end": t("map.end", lang)}
    edge_stats = {(str(e["source"]), str(e["target"])): e for e in dfg}
    counts = {a: (stats[a].events or 0) if a in stats else 0 for a in level.activities}
    if not any(counts.values()):
        for e in level.edges:
            if e.target in counts:
                counts[e.target] += e.count
    top = max(counts.values(), default=1) or 1
    lines = [
        "digraph process {",
        f'  graph [rankdir=TB, nodesep=0.35, ranksep=0.45, bgcolor="transparent", fontname="{_FONT}"];',
        f'  node [shape=box, style="rounded,filled", fontname="{_FONT}", fontsize=11, penwidth=1,'
        ' color="#4a6785", margin="0.14,0.06"];',
        f'  edge [fontname="{_FONT}", fontsize=9, arrowsize=0.7];',
        f'  start [shape=box, style="rounded,filled", fillcolor="#2f855a", color="#2f855a",'
        f' fontcolor="#ffffff", label=<{_label_text(titles["start"])}>];',
        f'  end [shape=box, style="rounded,filled", fillcolor="#9b2c2c", color="#9b2c2c",'
        f' fontcolor="#ffffff", label=<{_label_text(titles["end"])}>];',
    ]
    for name in level.activities:
        shade = min(4, int(5 * math.sqrt(counts[name] / top))) if counts[name] else 0
        if view == "performance":
            detail = format_duration(stats[name].median_wait_s if name in stats else None, lang)
        else:
            detail = format_number(counts[name], lang)
        label = f'{_label_text(name)}<br/><font point-size="9">{_html(detail)}</font>'
        lines.append(f'  {ids[name]} [fillcolor="{_FILLS[shade]}", fontcolor="{_FONT_COLOURS[shade]}", label=<{label}>];')
        titles[ids[name]] = str(name)
    max_count = max((e.count for e in level.edges), default=1) or 1
    waits = {(e.source, e.target): _wait(edge_stats.get((e.source, e.target), {})) for e in level.edges if e.real}
    ranked_waits = sorted(w for w in waits.values() if w is not None)
    for rank, edge in enumerate(level.edges):
        s, d, count = edge.source, edge.target, edge.count
        width = 1.0 + 5.0 * math.sqrt(count / max_count)
        attrs = [f"penwidth={width:.2f}", f'id="r{rank}"']
        if rank >= level.default:
            attrs.append("constraint=false")  # hidden by default: the default map is laid out without it
        if not edge.real:
            attrs += ['style="dashed"', 'color="#a0aec0"', 'fontcolor="#718096"']
            text = format_number(count, lang) if view == "frequency" else ""
        elif view == "frequency":
            colour = "#b7791f" if edge.kind in ("loop", "return") else "#4a5568"
            attrs += [f'color="{colour}"', 'fontcolor="#2d3748"']
            text = format_number(count, lang)
        else:
            wait = waits.get((s, d))
            colour = _wait_colour(wait, ranked_waits)
            attrs += [f'color="{colour}"', f'fontcolor="{colour}"']
            text = format_duration(wait, lang)
        if text:
            attrs.append(f"label=<{_edge_label(text, width)}>")
        lines.append(f"  {ids[s]} -> {ids[d]} [{', '.join(attrs)}];")
        shown_text = format_number(count, lang)
        if edge.real and view == "performance":
            shown_text = f"{format_duration(waits.get((s, d)), lang)}, {shown_text}"
        titles[f"{ids[s]}->{ids[d]}"] = f"{titles.get(ids[s], s)} → {titles.get(ids[d], d)}: {shown_text}"
    lines.append("}")
    return "\n".join(lines), titles


def _wait(edge: Mapping[str, Any]) -> float | None:
    for key in ("median_s", "mean_s"):
        value = edge.get(key)
        if isinstance(value, int | float) and math.isfinite(value):
            return float(value)
    return None


def _wait_colour(wait: float | None, ranked: Sequence[float]) -> str:
    """Grey for fast edges, through amber, to red for the slowest tenth."""
    if wait is None or not ranked:
        return "#a0aec0"
    below = sum(1 for w in ranked if w < wait)
    rank = below / max(1, len(ranked) - 1) if len(ranked) > 1 else 0.0
    if rank >= 0.9:
        return "#c53030"
    if rank >= 0.7:
        return "#dd6b20"
    if rank >= 0.4:
        return "#b7791f"
    return "#718096"


# --------------------------------------------------------------------------- SVG


def _run_dot(source: str, lang: str) -> str:
    try:
        out = graphviz.Source(source, engine="dot").pipe(format="svg", encoding="utf-8", quiet=True)
    except graphviz.ExecutableNotFound as exc:
        raise error(GraphvizNotFoundError, MESSAGES, "map.graphviz_missing", lang) from exc
    except graphviz.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else exc.stderr
        raise error(ProcessMapError, ERRORS, "processmap.graphviz_dot_failed_process", value=str(detail).strip()) from exc
    return str(out)


def _clean_svg(svg: str, *, prefix: str, titles: Mapping[str, str], label: str, default: int) -> str:
    """Make dot's SVG embeddable: no prolog or comments, unique ids, readable tooltips.

    Each edge group gets ``data-rank`` (its place in the path slider's order); the ones beyond the
    default position get ``class="edge pm-off"``, which the report's style sheet hides.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(svg.encode("utf-8"), parser)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if "id" in element.attrib:
            rank = _RANK_ID.match(element.attrib["id"])
            if rank and element.get("class") == "edge":
                element.set("data-rank", rank.group(1))
                if int(rank.group(1)) >= default:
                    element.set("class", "edge pm-off")
            element.set("id", prefix + element.attrib["id"])
        for attr in ("href", f"{{{_XLINK_NS}}}href"):
            value = element.get(attr)
            if value and value.startswith("#"):
                element.set(attr, "#" + prefix + value[1:])
        for attr, value in element.attrib.items():
            if "url(#" in value:
                element.set(attr, value.replace("url(#", "url(#" + prefix))
        if element.tag == f"{{{_SVG_NS}}}title" and element.text in titles:
            element.text = titles[element.text]
    root.set("class", "process-map")
    root.set("role", "img")
    root.set("aria-label", label)
    return str(etree.tostring(root, encoding="unicode"))
