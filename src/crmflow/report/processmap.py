"""The process map: the directly-follows graph of an audit drawn by Graphviz as inline SVG.

Two views share one layout rule. The *frequency* view labels each edge with its number of
transitions (thicker = more frequent) and shades each activity by its number of events; the
*performance* view labels each edge with its median waiting time and colours the slowest edges
red. A real CRM log has dozens of activities and hundreds of transitions, so the map keeps the
most frequent activities (25 by default) and the most frequent edges between them (90 % of the
transitions), then adds back the edges needed so that every activity shown lies on a path from
the start to the end; the caption says what was hidden.

Every name from the data is written into the DOT source only inside HTML-like labels, escaped,
and nodes are identified by generated ids (``n0``, ``n1``...), so no activity name can change the
graph's structure or inject markup into the SVG.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import graphviz
from lxml import etree

from crmflow.base.numbers import format_duration, format_number, format_percent
from crmflow.errors import GraphvizNotFoundError, ProcessMapError
from crmflow.mining.statistics import ActivityStats
from crmflow.report.messages import t
from crmflow.results.audit import AuditDocument

View = Literal["frequency", "performance"]

START = "__start__"
END = "__end__"

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
#: Node fill by frequency quintile (light → dark) and the text colour that reads on it.
_FILLS = ("#eef4fb", "#d3e3f4", "#a9c8e8", "#6f9fd0", "#3b6fa8")
_FONT_COLOURS = ("#1a202c", "#1a202c", "#1a202c", "#ffffff", "#ffffff")


@dataclass(frozen=True)
class MapSelection:
    """Which activities and edges the map shows, and how much of the log that is.

    ``edges`` are ``(source, target, count)`` between shown activities; ``START``/``END`` stand for
    the pseudo-nodes. ``coverage`` is the share of events whose activity is shown;
    ``transition_coverage`` the share of directly-follows transitions drawn. ``connected`` is
    false only when no choice of activities lies on start-to-end paths (the map then shows the most
    frequent activities as they are).
    """

    activities: tuple[str, ...]
    edges: tuple[tuple[str, str, int], ...]
    total_activities: int
    total_edges: int
    coverage: float
    transition_coverage: float
    connected: bool = True

    @property
    def shown_edges(self) -> int:
        """Number of real transitions drawn (start and end edges are not counted)."""
        return sum(1 for s, d, _ in self.edges if s != START and d != END)


@dataclass(frozen=True)
class ProcessMap:
    """A drawn process map: inline SVG plus what it shows of the log."""

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


def select_graph(
    dfg: Sequence[Mapping[str, Any]],
    start_activities: Mapping[str, int],
    end_activities: Mapping[str, int],
    activity_events: Mapping[str, int] | None = None,
    *,
    max_activities: int = 25,
    edge_coverage: float = 0.9,
) -> MapSelection:
    """Choose the activities and edges a readable map shows.

    Parameters
    ----------
    dfg
        Directly-follows edges, each with ``source``, ``target`` and ``count``.
    start_activities, end_activities
        Number of cases starting / ending with each activity.
    activity_events
        Events per activity; derived from ``dfg`` and ``start_activities`` if not given.
    max_activities
        At most this many activities are shown (the most frequent ones).
    edge_coverage
        Edges are added by frequency until they carry this share of the transitions between the
        shown activities; then edges are added back so every shown activity lies on a path from
        start to end.

    Examples
    --------
    >>> dfg = [{"source": "A", "target": "B", "count": 9}, {"source": "B", "target": "C", "count": 1}]
    >>> sel = select_graph(dfg, {"A": 9}, {"B": 8, "C": 1}, max_activities=2)
    >>> sel.activities, sel.shown_edges, sel.total_activities
    (('A', 'B'), 1, 3)
    """
    events = dict(activity_events) if activity_events else _events_from_dfg(dfg, start_activities)
    names = set(events) | set(start_activities) | set(end_activities)
    for edge in dfg:
        names.update((str(edge["source"]), str(edge["target"])))
    for name in names:
        events.setdefault(name, 0)
    ranked = sorted(names, key=lambda a: (-events[a], a))
    kept: list[str] = []
    for anchor in (_top(start_activities), _top(end_activities)):
        if anchor is not None and anchor not in kept and len(kept) < max_activities:
            kept.append(anchor)
    for name in ranked:
        if len(kept) >= max_activities:
            break
        if name not in kept:
            kept.append(name)

    tried = set(kept)
    waiting = [a for a in ranked if a not in tried]
    connected = True
    while True:
        edges, stranded = _connect(kept, dfg, start_activities, end_activities, edge_coverage)
        if not stranded:
            break
        # An activity the chosen ones cannot connect makes room for the next most frequent one.
        survivors = [a for a in kept if a not in stranded]
        refill = waiting[: max_activities - len(survivors)]
        waiting = waiting[len(refill) :]
        if not refill and not survivors:
            connected = False  # no connected choice exists (start and end meet only through hidden steps)
            break
        kept = survivors + refill
    shown = set(kept)
    activities = tuple(a for a in ranked if a in shown)
    total_events = sum(events.values())
    total_transitions = sum(int(e["count"]) for e in dfg)
    drawn = sum(c for s, d, c in edges if s != START and d != END)
    return MapSelection(
        activities=activities,
        edges=tuple(sorted(edges, key=lambda e: (-e[2], e[0], e[1]))),
        total_activities=len(names),
        total_edges=len(dfg),
        coverage=(sum(events[a] for a in activities) / total_events) if total_events else 1.0,
        transition_coverage=(drawn / total_transitions) if total_transitions else 1.0,
        connected=connected,
    )


def _connect(
    kept: Sequence[str],
    dfg: Sequence[Mapping[str, Any]],
    starts: Mapping[str, int],
    ends: Mapping[str, int],
    edge_coverage: float,
) -> tuple[list[tuple[str, str, int]], set[str]]:
    """The edges drawn between ``kept``, and the activities not on any start-to-end path."""
    edges = _select_edges(kept, dfg, starts, ends, edge_coverage)
    shown = set(kept)
    stranded: set[str] = set()
    while True:  # dropping an unreachable activity can strand another one
        edges = [e for e in edges if _endpoint_ok(e, shown)]
        forward = _reachable(START, edges, forward=True)
        backward = _reachable(END, edges, forward=False)
        lost = {a for a in shown if a not in forward or a not in backward}
        if not lost:
            break
        stranded |= lost
        shown -= lost
    if not shown:  # keep what there is rather than an empty map
        return _select_edges(kept, dfg, starts, ends, edge_coverage), set(kept)
    return edges, stranded


def render_process_map(
    audit: AuditDocument | Mapping[str, Any],
    *,
    view: View,
    lang: str,
    max_activities: int = 25,
    edge_coverage: float = 0.9,
    id_prefix: str | None = None,
) -> ProcessMap:
    """Draw the process map of an audit as inline SVG.

    Parameters
    ----------
    audit
        The typed audit, or its ``audit.json`` document (only ``dfg``, ``start_activities``,
        ``end_activities`` and ``activities`` are read).
    view
        ``"frequency"`` (transition counts) or ``"performance"`` (median waiting times).
    lang
        Language of the labels and caption (``"ru"`` or ``"en"``).
    max_activities, edge_coverage
        How much of the graph to show; see :func:`select_graph`.
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
    dfg = [e.to_dict() for e in doc.dfg]
    stats = {a.activity: a for a in doc.activities}
    events = {name: a.events or 0 for name, a in stats.items()} or None
    selection = select_graph(
        dfg,
        doc.start_activities,
        doc.end_activities,
        events,
        max_activities=max_activities,
        edge_coverage=edge_coverage,
    )
    source, titles = _dot_source(selection, dfg, stats, view=view, lang=lang)
    svg = _run_dot(source, lang)
    prefix = id_prefix if id_prefix is not None else f"pm-{view}-"
    caption = t(
        "map.caption",
        lang,
        shown_activities=format_number(len(selection.activities), lang),
        total_activities=format_number(selection.total_activities, lang),
        shown_edges=format_number(selection.shown_edges, lang),
        total_edges=format_number(selection.total_edges, lang),
        coverage=format_percent(selection.coverage, lang),
    )
    if view == "frequency":
        legend = t("map.caption_frequency", lang)
    else:
        legend = t("map.caption_performance", lang, stat=t("map.stat_median", lang))
    all_names = {str(e["source"]) for e in dfg} | {str(e["target"]) for e in dfg} | set(stats)
    return ProcessMap(
        svg=_clean_svg(svg, prefix=prefix, titles=titles, label=caption),
        view=view,
        shown_activities=len(selection.activities),
        total_activities=selection.total_activities,
        shown_edges=selection.shown_edges,
        total_edges=selection.total_edges,
        coverage=selection.coverage,
        transition_coverage=selection.transition_coverage,
        caption=caption,
        legend=legend,
        hidden_activities=tuple(sorted(all_names - set(selection.activities))),
    )


# --------------------------------------------------------------------------- selection


def _events_from_dfg(dfg: Sequence[Mapping[str, Any]], starts: Mapping[str, int]) -> dict[str, int]:
    """Every event is either the first of its case or the target of one transition."""
    events: dict[str, int] = {str(a): int(n) for a, n in starts.items()}
    for edge in dfg:
        target = str(edge["target"])
        events[target] = events.get(target, 0) + int(edge["count"])
    return events


def _top(counts: Mapping[str, int]) -> str | None:
    return min(counts, key=lambda a: (-counts[a], a)) if counts else None


def _select_edges(
    kept: Sequence[str],
    dfg: Sequence[Mapping[str, Any]],
    starts: Mapping[str, int],
    ends: Mapping[str, int],
    edge_coverage: float,
) -> list[tuple[str, str, int]]:
    shown = set(kept)
    candidates = [
        (str(e["source"]), str(e["target"]), int(e["count"]))
        for e in dfg
        if str(e["source"]) in shown and str(e["target"]) in shown
    ]
    candidates += [(START, a, int(n)) for a, n in starts.items() if a in shown and n]
    candidates += [(a, END, int(n)) for a, n in ends.items() if a in shown and n]
    candidates.sort(key=lambda e: (-e[2], e[0], e[1]))
    total = sum(c for _, _, c in candidates)
    chosen: list[tuple[str, str, int]] = []
    running = 0
    for edge in candidates:
        if total and running >= edge_coverage * total:
            break
        chosen.append(edge)
        running += edge[2]
    chosen_set = set(chosen)
    # Each shown activity keeps its most frequent way in and way out.
    for name in kept:
        for side in (1, 0):
            if not any(e[side] == name for e in chosen_set):
                best = next((e for e in candidates if e[side] == name), None)
                if best is not None:
                    chosen_set.add(best)
    # Then connect what the start cannot reach (or what cannot reach the end) by the best edge.
    for forward in (True, False):
        root = START if forward else END
        while True:
            reached = _reachable(root, chosen_set, forward=forward)
            near, far = (0, 1) if forward else (1, 0)
            bridge = next(
                (e for e in candidates if e[near] in reached and e[far] not in reached),
                None,
            )
            if bridge is None:
                break
            chosen_set.add(bridge)
    return sorted(chosen_set, key=lambda e: (-e[2], e[0], e[1]))


def _endpoint_ok(edge: tuple[str, str, int], shown: set[str]) -> bool:
    return (edge[0] == START or edge[0] in shown) and (edge[1] == END or edge[1] in shown)


def _reachable(root: str, edges: Any, *, forward: bool) -> set[str]:
    succ: dict[str, list[str]] = {}
    for s, d, _ in edges:
        a, b = (s, d) if forward else (d, s)
        succ.setdefault(a, []).append(b)
    seen = {root}
    stack = [root]
    while stack:
        for nxt in succ.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


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


def _dot_source(
    selection: MapSelection,
    dfg: Sequence[Mapping[str, Any]],
    stats: Mapping[str, ActivityStats],
    *,
    view: View,
    lang: str,
) -> tuple[str, dict[str, str]]:
    ids = {name: f"n{i}" for i, name in enumerate(selection.activities)}
    ids[START], ids[END] = "start", "end"
    titles = {"start": t("map.start", lang), "end": t("map.end", lang)}
    edge_stats = {(str(e["source"]), str(e["target"])): e for e in dfg}
    counts = {a: (stats[a].events or 0) if a in stats else 0 for a in selection.activities}
    if not any(counts.values()):
        for _, d, c in selection.edges:
            if d in counts:
                counts[d] += c
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
    for name in selection.activities:
        level = min(4, int(5 * math.sqrt(counts[name] / top))) if counts[name] else 0
        if view == "performance":
            detail = format_duration(stats[name].median_wait_s if name in stats else None, lang)
        else:
            detail = format_number(counts[name], lang)
        label = f'{_label_text(name)}<br/><font point-size="9">{_html(detail)}</font>'
        lines.append(f'  {ids[name]} [fillcolor="{_FILLS[level]}", fontcolor="{_FONT_COLOURS[level]}", label=<{label}>];')
        titles[ids[name]] = str(name)
    max_count = max((c for _, _, c in selection.edges), default=1) or 1
    waits = {(s, d): _wait(edge_stats.get((s, d), {})) for s, d, _ in selection.edges if s != START and d != END}
    ranked_waits = sorted(w for w in waits.values() if w is not None)
    for s, d, count in selection.edges:
        width = 1.0 + 5.0 * math.sqrt(count / max_count)
        pseudo = s == START or d == END
        attrs = [f"penwidth={width:.2f}"]
        if pseudo:
            attrs += ['style="dashed"', 'color="#a0aec0"', 'fontcolor="#718096"']
            text = format_number(count, lang) if view == "frequency" else ""
        elif view == "frequency":
            attrs += ['color="#4a5568"', 'fontcolor="#2d3748"']
            text = format_number(count, lang)
        else:
            wait = waits.get((s, d))
            colour = _wait_colour(wait, ranked_waits)
            attrs += [f'color="{colour}"', f'fontcolor="{colour}"']
            text = format_duration(wait, lang)
        if text:
            attrs.append(f"label=<{_html(text)}>")
        lines.append(f"  {ids[s]} -> {ids[d]} [{', '.join(attrs)}];")
        shown_text = format_number(count, lang)
        if not pseudo and view == "performance":
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
        out = graphviz.Source(source, engine="dot").pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(t("map.graphviz_missing", lang)) from exc
    except graphviz.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else exc.stderr
        raise ProcessMapError(f"Graphviz `dot` failed on the process map: {str(detail).strip()}") from exc
    return str(out)


def _clean_svg(svg: str, *, prefix: str, titles: Mapping[str, str], label: str) -> str:
    """Make dot's SVG embeddable: no prolog or comments, unique ids, readable tooltips."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(svg.encode("utf-8"), parser)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if "id" in element.attrib:
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
