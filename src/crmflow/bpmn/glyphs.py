"""The SVG of each kind of BPMN element: pools and lanes, tasks with their type and loop markers,
gateways, events with their trigger, annotations, data objects and stores, and the shapes crmflow
keeps only as XML (drawn as labelled boxes). :mod:`crmflow.bpmn.render` places them from the DI.
"""

from __future__ import annotations

import math
import re

from crmflow.base.markup import esc
from crmflow.bpmn.annotate import task_annotation
from crmflow.bpmn.model import (
    Bounds,
    CallActivity,
    DataObject,
    DataObjectReference,
    Event,
    Gateway,
    Lane,
    Participant,
    Shape,
    SubProcess,
    Task,
    TextAnnotation,
)
from crmflow.bpmn.svg_text import (
    FLAG,
    FLAG_MEDIUM,
    HEADER_FILL,
    INK,
    LINE,
    MUTED,
    POOL_FILL,
    TASK_FILL,
    count_text,
    fit,
    fit_px,
    text_block,
    vertical_label,
    wrap_text,
)
from crmflow.bpmn.unmodelled import RawElement


def pool(p: Participant, s: Shape) -> str:
    b = s.bounds
    return (
        f'<g class="pool" data-element="{esc(p.id)}"><rect x="{b.x}" y="{b.y}" width="{b.width}" height="{b.height}" '
        f'fill="{POOL_FILL}" stroke="{LINE}" stroke-width="1.5"/>'
        f'<rect x="{b.x}" y="{b.y}" width="30" height="{b.height}" fill="{HEADER_FILL}" stroke="{LINE}" stroke-width="1.5"/>'
        f"{vertical_label(p.name, b, 30)}</g>"
    )


def lane(lane: Lane, s: Shape) -> str:
    b = s.bounds
    return (
        f'<g class="lane" data-element="{esc(lane.id)}"><rect x="{b.x}" y="{b.y}" width="{b.width}" height="{b.height}" '
        f'fill="none" stroke="{LINE}"/>'
        f'<rect x="{b.x}" y="{b.y}" width="30" height="{b.height}" fill="{HEADER_FILL}" stroke="{LINE}"/>'
        f"{vertical_label(lane.name, b, 30)}</g>"
    )


def _envelope(x: float, y: float, filled: bool) -> str:
    fill, fold = (INK, "#fff") if filled else ("#fff", LINE)
    return (f'<rect x="{x + 1:.1f}" y="{y + 3:.1f}" width="17" height="12" fill="{fill}" stroke="{LINE}" stroke-width="1.2"/>'
            f'<path d="M{x + 1:.1f},{y + 3:.1f}L{x + 9.5:.1f},{y + 10:.1f}L{x + 18:.1f},{y + 3:.1f}" fill="none" '
            f'stroke="{fold}" stroke-width="1.2"/>')  # fmt: skip


def _gear(cx: float, cy: float, r: float) -> str:
    """A cog wheel: eight teeth around a ring."""
    pts = []
    for i in range(32):
        a = math.radians(i * 360 / 32 - 90 + 360 / 64)
        rr = r if i % 4 in (1, 2) else r * 0.74
        pts.append(f"{cx + rr * math.cos(a):.1f},{cy + rr * math.sin(a):.1f}")
    return (
        f'<polygon points="{" ".join(pts)}" fill="#fff" stroke="{LINE}" stroke-width="1.1"/>'
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 0.32:.1f}" fill="none" stroke="{LINE}" stroke-width="1.1"/>'
    )


def _task_icon(kind: str, x: float, y: float) -> str:
    """The BPMN marker of a task type in the top-left corner (empty for a plain task)."""
    body = ""
    if kind == "userTask":
        body = (f'<circle cx="{x + 8:.1f}" cy="{y + 6:.1f}" r="4" fill="none"/>'
                f'<path d="M{x + 1:.1f},{y + 18:.1f} q0,-7 7,-7 q7,0 7,7 z" fill="none"/>')  # fmt: skip
    elif kind == "serviceTask":  # two cogs, as bpmn.io draws it
        body = _gear(x + 7, y + 7, 6.5) + _gear(x + 12, y + 12, 6.5)
    elif kind in ("sendTask", "receiveTask"):
        body = _envelope(x, y, kind == "sendTask")
    elif kind == "manualTask":  # a hand, palm down, fingers to the right
        body = (f'<path d="M{x + 1:.1f},{y + 8:.1f}q3,-4 8,-4h9q1.5,1.5 0,3h-7h8q1.5,1.5 0,3h-8h7q1.5,1.5 0,3h-7h5'
                f'q1.5,1.5 0,3h-9q-5,0 -6,-4z" fill="#fff" stroke-linejoin="round"/>')  # fmt: skip
    elif kind == "businessRuleTask":  # a table with a header row and a key column
        body = (f'<rect x="{x + 1:.1f}" y="{y + 3:.1f}" width="18" height="13" fill="#fff"/>'
                f'<rect x="{x + 1:.1f}" y="{y + 3:.1f}" width="18" height="4" fill="{LINE}"/>'
                f'<path d="M{x + 1:.1f},{y + 11.5:.1f}h18M{x + 6:.1f},{y + 7:.1f}v9" fill="none"/>')  # fmt: skip
    elif kind == "scriptTask":  # a scroll with lines of text
        body = (f'<path d="M{x + 4:.1f},{y + 1:.1f}h12q-4,4.5 0,9q4,4.5 0,9h-12q4,-4.5 0,-9q-4,-4.5 0,-9z" fill="#fff"/>'
                f'<path d="M{x + 5:.1f},{y + 5:.1f}h7M{x + 6.5:.1f},{y + 8:.1f}h7M{x + 6.5:.1f},{y + 12:.1f}h7'
                f'M{x + 5:.1f},{y + 15:.1f}h7" fill="none"/>')  # fmt: skip
    if not body:
        return ""
    return f'<g class="marker {kind}" stroke="{LINE}" stroke-width="1.2">{body}</g>'


def loop_kind(node: Task | SubProcess | CallActivity) -> str | None:
    """``loop``, ``parallel`` or ``sequential`` (multi-instance) from the activity's loop characteristics.

    >>> loop_kind(Task(id="t", unmodelled=('<bpmn:standardLoopCharacteristics xmlns:bpmn="x"/>',)))
    'loop'
    """
    for xml in node.unmodelled:
        head = xml.split(">", 1)[0]
        if "standardLoopCharacteristics" in head:
            return "loop"
        if "multiInstanceLoopCharacteristics" in head:
            return "sequential" if re.search(r"""isSequential=["']true["']""", head) else "parallel"
    return None


def _bottom_markers(node: Task | SubProcess | CallActivity, s: Shape, y: float) -> str:
    """Loop / multi-instance and collapsed sub-process markers, centred side by side above ``y``."""
    marks: list[str] = []
    loop = loop_kind(node)
    if loop is not None:
        marks.append(loop)
    if isinstance(node, SubProcess | CallActivity) and not s.is_expanded:
        marks.append("collapsed")
    b = s.bounds
    out = []
    for i, mark in enumerate(marks):
        mx, my = b.x + b.width / 2 + (i - (len(marks) - 1) / 2) * 18, y - 8
        if mark == "collapsed":
            out.append(f'<g class="marker collapsed"><rect x="{mx - 7:.1f}" y="{my - 7:.1f}" width="14" height="14" '
                       f'fill="none" stroke="{LINE}"/><path d="M{mx - 4:.1f},{my:.1f}h8M{mx:.1f},{my - 4:.1f}v8" '
                       f'stroke="{LINE}"/></g>')  # fmt: skip
        elif mark == "loop":
            out.append(f'<g class="marker loop" fill="none" stroke="{LINE}" stroke-width="1.3">'
                       f'<path d="M{mx - 3.5:.1f},{my + 5.5:.1f}A6,6 0 1 1 {mx + 3.5:.1f},{my + 5.5:.1f}"/>'
                       f'<path d="M{mx - 3.5:.1f},{my + 1.5:.1f}v4h-4"/></g>')  # fmt: skip
        else:
            bars = (
                (f"M{mx - 5 + 5 * k:.1f},{my - 6:.1f}v12" for k in range(3))
                if mark == "parallel"
                else (f"M{mx - 6:.1f},{my - 5 + 5 * k:.1f}h12" for k in range(3))
            )
            out.append(f'<path class="marker {mark}" d="{"".join(bars)}" stroke="{LINE}" stroke-width="2"/>')
    return "".join(out)


def activity(node: Task | SubProcess | CallActivity, s: Shape) -> str:
    b = s.bounds
    thick = isinstance(node, CallActivity)
    ann = task_annotation(node)
    tip = node.name
    if ann.events is not None:
        tip += f" · n={ann.events} · cases={ann.cases}"
    if ann.median_wait_s is not None:
        tip += f" · median wait {ann.median_wait_s / 3600:.1f} h"
    colour = FLAG if any(sev == "high" for _kind, sev in ann.findings) else FLAG_MEDIUM
    stroke, width = (colour, 3.0) if ann.flagged else (LINE, 4.0 if thick else 1.5)
    event_sub = isinstance(node, SubProcess) and node.triggered_by_event
    dash = ' stroke-dasharray="2 3"' if event_sub else ""
    parts = [
        f'<g class="task{" flagged" if ann.flagged else ""}{" event-subprocess" if event_sub else ""}" '
        f'data-element="{esc(node.id)}"><title>{esc(tip)}</title>'
        f'<rect x="{b.x}" y="{b.y}" width="{b.width}" height="{b.height}" rx="10" fill="{TASK_FILL}" '
        f'fill-opacity="{0.6 if s.is_expanded else 1}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
    ]
    if isinstance(node, SubProcess) and node.kind == "transaction" and b.width > 8 and b.height > 8:
        parts.append(f'<rect x="{b.x + 3}" y="{b.y + 3}" width="{b.width - 6}" height="{b.height - 6}" rx="8" '
                     f'fill="none" stroke="{LINE}" stroke-width="1"/>')  # fmt: skip
    if ann.flagged:  # a badge on the top-right corner
        parts.append(f'<circle class="badge" cx="{b.x + b.width - 4:.1f}" cy="{b.y + 4:.1f}" r="9" fill="{colour}"/>'
                     f'<text x="{b.x + b.width - 4:.1f}" y="{b.y + 8.5:.1f}" font-size="13" font-weight="bold" '
                     f'text-anchor="middle" fill="#fff">!</text>')  # fmt: skip
    if ann.events is not None:  # the frequency under the name
        parts.append(f'<text class="frequency" x="{b.x + b.width / 2:.1f}" y="{b.y + b.height - 7:.1f}" font-size="10" '
                     f'text-anchor="middle" fill="{MUTED}">n\u2009=\u2009{count_text(ann.events)}</text>')  # fmt: skip
    icon = _task_icon(node.kind, b.x + 5, b.y + 4) if isinstance(node, Task) else ""
    markers = _bottom_markers(node, s, b.y + b.height - 2 - (12 if ann.events is not None else 0))
    parts += [icon, markers]
    # the name goes between the icon (top-left) and the frequency and markers (bottom): centred, moved down
    # under the icon only when it is tall enough to reach it
    top, bottom = b.y + (23 if icon else 6), b.y + b.height - 6 - (12 if ann.events is not None else 0) - (14 if markers else 0)
    size = 12.0
    lines = fit_px(node.name, b.width - 10, max(1, int((bottom - top) / 14.4)), size)
    if lines[-1].endswith("…"):  # a long name: one point smaller before it is cut
        size, lines = 11.0, fit_px(node.name, b.width - 10, max(1, int((bottom - top) / 13.2)), 11.0)
    cy = max((b.y + 6 + bottom) / 2, top + len(lines) * size * 0.6)
    parts.append(text_block(lines, b.x + b.width / 2, cy, size))
    parts.append("</g>")
    return "".join(parts)


def gateway(node: Gateway, s: Shape) -> str:
    b = s.bounds
    cx, cy, rx, ry = b.x + b.width / 2, b.y + b.height / 2, b.width / 2, b.height / 2
    k = min(rx, ry)
    parts = [
        f'<g class="gateway" data-element="{esc(node.id)}"><title>{esc(node.name or node.kind)}</title>'
        f'<polygon points="{cx},{b.y} {b.x + b.width},{cy} {cx},{b.y + b.height} {b.x},{cy}" fill="{TASK_FILL}" '
        f'stroke="{LINE}" stroke-width="1.5"/>'
    ]
    m = k * 0.36
    if node.kind == "exclusive" and s.is_marker_visible is not False:
        parts.append(f'<path d="M{cx - m},{cy - m}L{cx + m},{cy + m}M{cx + m},{cy - m}L{cx - m},{cy + m}" '
                     f'stroke="{INK}" stroke-width="4" stroke-linecap="round"/>')  # fmt: skip
    elif node.kind == "parallel":
        m = k * 0.48
        parts.append(f'<path d="M{cx - m},{cy}H{cx + m}M{cx},{cy - m}V{cy + m}" stroke="{INK}" stroke-width="4"/>')
    elif node.kind == "inclusive":
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{k * 0.45:.1f}" fill="none" stroke="{INK}" stroke-width="3"/>')
    elif node.kind == "eventBased":
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{k * 0.5:.1f}" fill="none" stroke="{INK}"/>'
                     f'<circle cx="{cx}" cy="{cy}" r="{k * 0.42:.1f}" fill="none" stroke="{INK}"/>'
                     f'<polygon points="{_polygon(cx, cy, k * 0.28, 5)}" fill="none" stroke="{INK}"/>')  # fmt: skip
    elif node.kind == "complex":
        m = k * 0.48
        d = k * 0.34
        parts.append(f'<path d="M{cx - m},{cy}H{cx + m}M{cx},{cy - m}V{cy + m}M{cx - d},{cy - d}L{cx + d},{cy + d}'
                     f'M{cx + d},{cy - d}L{cx - d},{cy + d}" stroke="{INK}" stroke-width="3"/>')  # fmt: skip
    parts.append(_label(node.name, s.label, b))
    parts.append("</g>")
    return "".join(parts)


def _polygon(cx: float, cy: float, r: float, n: int, turn: float = -90) -> str:
    return " ".join(
        f"{cx + r * math.cos(math.radians(turn + i * 360 / n)):.1f},{cy + r * math.sin(math.radians(turn + i * 360 / n)):.1f}"
        for i in range(n)
    )


def _event_marker(kind: str, cx: float, cy: float, r: float, filled: bool) -> str:
    ink = f'stroke="{INK}" fill="{INK if filled else "none"}"'
    if kind == "timer":
        ticks = "".join(
            f'<path d="M{cx + r * 0.5 * math.cos(a):.1f},{cy + r * 0.5 * math.sin(a):.1f}L'
            f'{cx + r * 0.62 * math.cos(a):.1f},{cy + r * 0.62 * math.sin(a):.1f}" stroke="{INK}"/>'
            for a in (math.radians(i * 30) for i in range(12))
        )
        return (f'<circle cx="{cx}" cy="{cy}" r="{r * 0.68:.1f}" fill="#fff" stroke="{INK}" stroke-width="1.5"/>{ticks}'
                f'<path d="M{cx},{cy}L{cx},{cy - r * 0.45:.1f}M{cx},{cy}L{cx + r * 0.35:.1f},{cy:.1f}" '
                f'stroke="{INK}" stroke-width="1.5"/>')  # fmt: skip
    if kind == "message":
        w, h = r * 0.9, r * 0.6
        x, y = cx - w / 2, cy - h / 2
        return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" {ink} stroke-width="1.2"/>'
                f'<path d="M{x:.1f},{y:.1f}L{cx:.1f},{cy + h * 0.1:.1f}L{x + w:.1f},{y:.1f}" fill="none" '
                f'stroke="{"#fff" if filled else INK}" stroke-width="1.2"/>')  # fmt: skip
    if kind == "signal":
        return f'<polygon points="{_polygon(cx, cy - r * 0.05, r * 0.5, 3)}" {ink} stroke-width="1.2"/>'
    if kind == "escalation":
        return (f'<path d="M{cx},{cy - r * 0.5:.1f}L{cx + r * 0.35:.1f},{cy + r * 0.45:.1f}L{cx},{cy + r * 0.1:.1f}'
                f'L{cx - r * 0.35:.1f},{cy + r * 0.45:.1f}Z" {ink} stroke-width="1.2"/>')  # fmt: skip
    if kind == "error":
        q = r * 0.45
        return (f'<path d="M{cx - q:.1f},{cy + q:.1f}L{cx - q * 0.5:.1f},{cy - q:.1f}L{cx + q * 0.2:.1f},{cy + q * 0.2:.1f}'
                f'L{cx + q * 0.5:.1f},{cy - q * 0.6:.1f}L{cx + q:.1f},{cy - q:.1f}L{cx + q * 0.5:.1f},{cy + q:.1f}'
                f'L{cx - q * 0.2:.1f},{cy - q * 0.2:.1f}Z" {ink} stroke-width="1.2"/>')  # fmt: skip
    if kind == "terminate":
        return f'<circle cx="{cx}" cy="{cy}" r="{r * 0.6:.1f}" fill="{INK}"/>'
    if kind == "conditional":
        w = r * 0.7
        lines = "".join(f"M{cx - w * 0.35:.1f},{cy - w * 0.55 + i * w * 0.37:.1f}h{w * 0.7:.1f}" for i in range(4))
        return (f'<rect x="{cx - w / 2:.1f}" y="{cy - w * 0.7:.1f}" width="{w:.1f}" height="{w * 1.4:.1f}" fill="none" '
                f'stroke="{INK}"/><path d="{lines}" stroke="{INK}"/>')  # fmt: skip
    if kind == "link":
        return (f'<path d="M{cx - r * 0.4:.1f},{cy - r * 0.15:.1f}h{r * 0.4:.1f}v-{r * 0.2:.1f}l{r * 0.4:.1f},{r * 0.35:.1f}'
                f'l-{r * 0.4:.1f},{r * 0.35:.1f}v-{r * 0.2:.1f}h-{r * 0.4:.1f}Z" {ink}/>')  # fmt: skip
    return ""


def event(node: Event, s: Shape) -> str:
    b = s.bounds
    cx, cy, r = b.x + b.width / 2, b.y + b.height / 2, min(b.width, b.height) / 2
    dash = ' stroke-dasharray="4 3"' if not node.interrupting and node.position in ("boundary", "start") else ""
    width = {"end": 4.0, "start": 1.8}.get(node.position, 1.5)
    parts = [
        f'<g class="event" data-element="{esc(node.id)}"><title>{esc(node.name or node.position)}</title>'
        f'<circle cx="{cx}" cy="{cy}" r="{r - width / 2:.1f}" fill="#fff" stroke="{LINE}" stroke-width="{width}"{dash}/>'
    ]
    if node.position in ("intermediateCatch", "intermediateThrow", "boundary"):
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r - 4:.1f}" fill="none" stroke="{LINE}" stroke-width="1.2"{dash}/>')
    filled = node.position in ("end", "intermediateThrow")
    for d in node.definitions[:1]:
        parts.append(_event_marker(d.kind, cx, cy, r, filled))
    parts.append(_label(node.name, s.label, b))
    parts.append("</g>")
    return "".join(parts)


def _label(name: str, label: Bounds | None, b: Bounds) -> str:
    if not name:
        return ""
    box = label or Bounds(b.x + b.width / 2 - 45, b.y + b.height + 4, 90, 14)
    lines = wrap_text(name, 14)
    return text_block(lines, box.x + box.width / 2, box.y + box.height / 2, 11)


def annotation(note: TextAnnotation, s: Shape) -> str:
    b = s.bounds
    lines = wrap_text(note.text, 22)
    spans = "".join(f'<tspan x="{b.x + 8:.1f}" y="{b.y + 16 + i * 14:.1f}">{esc(line)}</tspan>' for i, line in enumerate(lines))
    return (
        f'<g class="annotation" data-element="{esc(note.id)}"><rect x="{b.x}" y="{b.y}" width="{b.width}" '
        f'height="{b.height}" fill="#fffef5" fill-opacity="0.9" stroke="none"/>'
        f'<path d="M{b.x + 12},{b.y}H{b.x}V{b.y + b.height}H{b.x + 12}" fill="none" stroke="{LINE}" stroke-width="1.5"/>'
        f'<text font-size="11">{spans}</text></g>'
    )


def data_object(ref: DataObjectReference | DataObject | RawElement, s: Shape, arrow: str = "") -> str:
    """A page with a folded corner; ``arrow`` is ``input`` (hollow) or ``output`` (filled) for data I/O."""
    b = s.bounds
    f = min(10.0, b.width / 3)
    mark = ""
    if arrow:
        x, y = b.x + 4, b.y + 4
        fill = INK if arrow == "output" else "#fff"
        mark = (f'<path class="marker {arrow}" d="M{x:.1f},{y + 3:.1f}h6v-3l6,5l-6,5v-3h-6Z" fill="{fill}" '
                f'stroke="{INK}" stroke-width="1"/>')  # fmt: skip
    return (
        f'<g class="data" data-element="{esc(ref.id)}"><path d="M{b.x},{b.y}H{b.x + b.width - f}L{b.x + b.width},{b.y + f}'
        f'V{b.y + b.height}H{b.x}Z M{b.x + b.width - f},{b.y}V{b.y + f}H{b.x + b.width}" fill="#fff" stroke="{LINE}"/>'
        f"{mark}{_label(ref.name, s.label, b)}</g>"
    )


def _data_store(ref: RawElement, s: Shape) -> str:
    b = s.bounds
    ry = min(8.0, b.height / 6)
    x0, x1, y0, y1 = b.x, b.x + b.width, b.y + ry, b.y + b.height - ry
    rx = b.width / 2
    return (
        f'<g class="data-store" data-element="{esc(ref.id)}">'
        f'<path d="M{x0:.1f},{y0:.1f}A{rx:.1f},{ry:.1f} 0 0 1 {x1:.1f},{y0:.1f}V{y1:.1f}A{rx:.1f},{ry:.1f} 0 0 1 '
        f'{x0:.1f},{y1:.1f}Z" fill="#fff" stroke="{LINE}" stroke-width="1.5"/>'
        f'<path d="M{x0:.1f},{y0:.1f}A{rx:.1f},{ry:.1f} 0 0 0 {x1:.1f},{y0:.1f}" fill="none" stroke="{LINE}"/>'
        f"{_label(ref.name, s.label, b)}</g>"
    )


def box(kind: str, element_id: str, name: str, s: Shape, *, dash: str = "", rx: float = 6) -> str:
    """A labelled box: groups, choreography activities, participant bands and anything else drawn."""
    b = s.bounds
    lines = fit(name, max(4, int((b.width - 10) / 7)), max(1, int((b.height - 6) / 14.4))) if name else []
    text = text_block(lines, b.x + b.width / 2, b.y + b.height / 2, 11) if lines else ""
    stroke_dash = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<g class="shape {esc(kind)}" data-element="{esc(element_id)}"><title>{esc(name or kind)}</title>'
        f'<rect x="{b.x}" y="{b.y}" width="{b.width}" height="{b.height}" rx="{rx}" fill="none" stroke="{LINE}" '
        f'stroke-width="1.2"{stroke_dash}/>{text}</g>'
    )


def _hexagon(ref: RawElement, s: Shape) -> str:
    b = s.bounds
    q = b.width / 4
    pts = (f"{b.x + q},{b.y} {b.x + b.width - q},{b.y} {b.x + b.width},{b.y + b.height / 2} "
           f"{b.x + b.width - q},{b.y + b.height} {b.x + q},{b.y + b.height} {b.x},{b.y + b.height / 2}")  # fmt: skip
    width = 3.0 if ref.kind == "callConversation" else 1.5
    return (
        f'<g class="conversation" data-element="{esc(ref.id)}"><title>{esc(ref.name or ref.kind)}</title>'
        f'<polygon points="{pts}" fill="#fff" stroke="{LINE}" stroke-width="{width}"/>'
        f"{_label(ref.name, s.label, b)}</g>"
    )


def raw_shape(ref: RawElement, s: Shape, raw: dict[str, RawElement]) -> str:
    """An element crmflow keeps as XML, drawn as BPMN draws it (or as a labelled box)."""
    if ref.kind in ("dataStoreReference", "dataStore"):
        return _data_store(ref, s)
    if ref.kind in ("dataInput", "dataOutput"):
        return data_object(ref, s, "input" if ref.kind == "dataInput" else "output")
    if ref.kind == "group":
        value = raw.get(ref.category_value)
        return box("group", ref.id, ref.name or (value.value if value else ""), s, dash="8 4 2 4", rx=10)
    if ref.kind in ("conversation", "subConversation", "callConversation"):
        return _hexagon(ref, s)
    if ref.kind in ("choreographyTask", "subChoreography", "callChoreography"):
        return box(ref.kind, ref.id, ref.name, s, rx=10)
    return box(ref.kind, ref.id, ref.name, s)


__all__ = [
    "activity", "annotation", "box", "data_object", "event", "gateway", "lane", "loop_kind", "pool", "raw_shape",
]  # fmt: skip
