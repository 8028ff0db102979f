"""Drawing a BPMN diagram as SVG (and PNG) from its diagram interchange, without a browser.

:func:`render_svg` draws what the DI of the first diagram places: pools and lanes with their
names turned upright in a header column, tasks as rounded rectangles with wrapped names and the
marker of their type in the top-left corner (person: user, cogs: service, filled envelope: send,
open envelope: receive, hand: manual, table: business rule, scroll: script), ``[+]`` for
collapsed sub-processes and call activities and the loop / multi-instance (``|||`` parallel,
``≡`` sequential) marker at the bottom, gateways as diamonds with their
marker (× exclusive, + parallel, ○ inclusive, a pentagon for event-based, * complex), events as
circles (a thick ring for end events, a double ring for intermediate and boundary events, dashed
when non-interrupting, with a clock, envelope, triangle… for the trigger), sequence flows with
arrowheads (a slash marks the default flow, a small diamond a conditional flow out of an
activity), message flows dashed, annotations with their bracket. Every text from the model is
escaped, so a name like ``<script>`` is shown, never run.

:func:`render_png` rasterises that SVG with Typst (PyPI ``typst``), no system library needed.

>>> from crmflow.bpmn.from_tree import tree_to_bpmn
>>> from crmflow.bpmn.layout import layout
>>> from crmflow.discovery.process_tree import ProcessTree as T
>>> svg = render_svg(layout(tree_to_bpmn(T.leaf("<Call>"), process_name="P", lanes={"<Call>": "Sales"})))
>>> "&lt;Call&gt;" in svg and "<Call>" not in svg
True
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from crmflow.base.markup import esc
from crmflow.base.text import fit_lines, text_width, wrap_words
from crmflow.bpmn.annotate import flow_frequency, task_annotation
from crmflow.bpmn.error_messages import ERRORS
from crmflow.bpmn.model import (
    Association,
    Bounds,
    CallActivity,
    DataObject,
    DataObjectReference,
    Definitions,
    Edge,
    Event,
    Gateway,
    Lane,
    MessageFlow,
    Participant,
    SequenceFlow,
    Shape,
    SubProcess,
    Task,
    TextAnnotation,
)
from crmflow.bpmn.unmodelled import RawElement, raw_elements
from crmflow.errors import BpmnError
from crmflow.i18n import error

_FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
_INK = "#22303c"
_LINE = "#3c4a57"
_TASK_FILL = "#ffffff"
_POOL_FILL = "#f7f9fb"
_HEADER_FILL = "#e8eef4"
_FLAG = "#c0392b"  # tasks flagged by a bottleneck or rework finding
_FLAG_MEDIUM = "#d35400"
_MUTED = "#5d6d7e"
_P = "crmflow-bpmn"  # prefix of the marker ids, so several diagrams can share one HTML page


def wrap_text(text: str, width: int) -> list[str]:
    """Split a name into lines of at most ``width`` characters, at spaces (line breaks kept).

    A word longer than a line breaks at a hyphenation point (:func:`crmflow.base.text.wrap_words`),
    never mid-syllable ("Зарегистри-" / "ровать", not "Зарегистрирова" / "ть").

    >>> wrap_text("Create SW anomaly report", 12)
    ['Create SW', 'anomaly', 'report']
    >>> wrap_text("Slow\\nRepeated", 20)
    ['Slow', 'Repeated']
    """
    return wrap_words(text, max(1, width))


def flow_text(flow: SequenceFlow) -> str:
    """What is written beside a sequence flow: its name, else its condition in brackets.

    >>> flow_text(SequenceFlow(id="f", source="a", target="b", condition="amount > 1000"))
    '[amount > 1000]'
    """
    return flow.name or (f"[{flow.condition}]" if flow.condition else "")


def _text_block(lines: list[str], cx: float, cy: float, size: float = 12, weight: str = "normal") -> str:
    """Lines of text centred on (cx, cy)."""
    step = size * 1.2
    first = cy - step * (len(lines) - 1) / 2 + size * 0.35
    spans = "".join(f'<tspan x="{cx:.1f}" y="{first + i * step:.1f}">{esc(line)}</tspan>' for i, line in enumerate(lines))
    return f'<text text-anchor="middle" font-size="{size}" font-weight="{weight}">{spans}</text>'


def _fit(name: str, width: int, max_lines: int) -> list[str]:
    return fit_lines(name, max(1, width), max_lines)


def _fit_px(name: str, width: float, max_lines: int, size: float) -> list[str]:
    """Lines of ``name`` no wider than ``width`` pixels in DejaVu Sans at ``size``."""
    return fit_lines(name, width, max_lines, measure=lambda line: text_width(line, size))


_HEADER_CHAR = 7.5  # width of one character of a pool or lane name (12 px, semi-bold)
_HEADER_PAD = 16.0


def header_span(name: str) -> float:
    """The height a pool or lane needs for its name upright in the header column, in two lines at most.

    >>> header_span("Website and request forms")
    113.5
    """
    words = name.split()
    for chars in range(max(4, max((len(w) for w in words), default=0)), len(name) + 1):
        if len(wrap_text(name, chars)) <= 2:
            return chars * _HEADER_CHAR + _HEADER_PAD
    return max(4, len(name)) * _HEADER_CHAR + _HEADER_PAD


def _vertical_label(text: str, b: Bounds, width: float) -> str:
    """A name turned upright (reading bottom to top) in a header column of ``b``."""
    cx, cy = b.x + width / 2, b.y + b.height / 2
    lines = _fit(text, max(4, int((b.height - _HEADER_PAD) / _HEADER_CHAR)), 2)
    return f'<g transform="rotate(-90 {cx:.1f} {cy:.1f})">{_text_block(lines, cx, cy, 12, "600")}</g>'


# --------------------------------------------------------------------------------- shapes


def _pool(p: Participant, s: Shape) -> str:
    b = s.bounds
    return (
        f'<g class="pool" data-element="{esc(p.id)}"><rect x="{b.x}" y="{b.y}" width="{b.width}" height="{b.height}" '
        f'fill="{_POOL_FILL}" stroke="{_LINE}" stroke-width="1.5"/>'
        f'<rect x="{b.x}" y="{b.y}" width="30" height="{b.height}" fill="{_HEADER_FILL}" stroke="{_LINE}" stroke-width="1.5"/>'
        f"{_vertical_label(p.name, b, 30)}</g>"
    )


def _lane(lane: Lane, s: Shape) -> str:
    b = s.bounds
    return (
        f'<g class="lane" data-element="{esc(lane.id)}"><rect x="{b.x}" y="{b.y}" width="{b.width}" height="{b.height}" '
        f'fill="none" stroke="{_LINE}"/>'
        f'<rect x="{b.x}" y="{b.y}" width="30" height="{b.height}" fill="{_HEADER_FILL}" stroke="{_LINE}"/>'
        f"{_vertical_label(lane.name, b, 30)}</g>"
    )


def _envelope(x: float, y: float, filled: bool) -> str:
    fill, fold = (_INK, "#fff") if filled else ("#fff", _LINE)
    return (f'<rect x="{x + 1:.1f}" y="{y + 3:.1f}" width="17" height="12" fill="{fill}" stroke="{_LINE}" stroke-width="1.2"/>'
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
        f'<polygon points="{" ".join(pts)}" fill="#fff" stroke="{_LINE}" stroke-width="1.1"/>'
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 0.32:.1f}" fill="none" stroke="{_LINE}" stroke-width="1.1"/>'
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
                f'<rect x="{x + 1:.1f}" y="{y + 3:.1f}" width="18" height="4" fill="{_LINE}"/>'
                f'<path d="M{x + 1:.1f},{y + 11.5:.1f}h18M{x + 6:.1f},{y + 7:.1f}v9" fill="none"/>')  # fmt: skip
    elif kind == "scriptTask":  # a scroll with lines of text
        body = (f'<path d="M{x + 4:.1f},{y + 1:.1f}h12q-4,4.5 0,9q4,4.5 0,9h-12q4,-4.5 0,-9q-4,-4.5 0,-9z" fill="#fff"/>'
                f'<path d="M{x + 5:.1f},{y + 5:.1f}h7M{x + 6.5:.1f},{y + 8:.1f}h7M{x + 6.5:.1f},{y + 12:.1f}h7'
                f'M{x + 5:.1f},{y + 15:.1f}h7" fill="none"/>')  # fmt: skip
    if not body:
        return ""
    return f'<g class="marker {kind}" stroke="{_LINE}" stroke-width="1.2">{body}</g>'


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
                       f'fill="none" stroke="{_LINE}"/><path d="M{mx - 4:.1f},{my:.1f}h8M{mx:.1f},{my - 4:.1f}v8" '
                       f'stroke="{_LINE}"/></g>')  # fmt: skip
        elif mark == "loop":
            out.append(f'<g class="marker loop" fill="none" stroke="{_LINE}" stroke-width="1.3">'
                       f'<path d="M{mx - 3.5:.1f},{my + 5.5:.1f}A6,6 0 1 1 {mx + 3.5:.1f},{my + 5.5:.1f}"/>'
                       f'<path d="M{mx - 3.5:.1f},{my + 1.5:.1f}v4h-4"/></g>')  # fmt: skip
        else:
            bars = (
                (f"M{mx - 5 + 5 * k:.1f},{my - 6:.1f}v12" for k in range(3))
                if mark == "parallel"
                else (f"M{mx - 6:.1f},{my - 5 + 5 * k:.1f}h12" for k in range(3))
            )
            out.append(f'<path class="marker {mark}" d="{"".join(bars)}" stroke="{_LINE}" stroke-width="2"/>')
    return "".join(out)


def count_text(n: int) -> str:
    """A count with thin-space thousands (readable in Russian and English)."""
    return f"{n:,}".replace(",", "\u2009")  # thin space: readable in Russian and English


def _activity(node: Task | SubProcess | CallActivity, s: Shape) -> str:
    b = s.bounds
    thick = isinstance(node, CallActivity)
    ann = task_annotation(node)
    tip = node.name
    if ann.events is not None:
        tip += f" · n={ann.events} · cases={ann.cases}"
    if ann.median_wait_s is not None:
        tip += f" · median wait {ann.median_wait_s / 3600:.1f} h"
    colour = _FLAG if any(sev == "high" for _kind, sev in ann.findings) else _FLAG_MEDIUM
    stroke, width = (colour, 3.0) if ann.flagged else (_LINE, 4.0 if thick else 1.5)
    event_sub = isinstance(node, SubProcess) and node.triggered_by_event
    dash = ' stroke-dasharray="2 3"' if event_sub else ""
    parts = [
        f'<g class="task{" flagged" if ann.flagged else ""}{" event-subprocess" if event_sub else ""}" '
        f'data-element="{esc(node.id)}"><title>{esc(tip)}</title>'
        f'<rect x="{b.x}" y="{b.y}" width="{b.width}" height="{b.height}" rx="10" fill="{_TASK_FILL}" '
        f'fill-opacity="{0.6 if s.is_expanded else 1}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
    ]
    if isinstance(node, SubProcess) and node.kind == "transaction" and b.width > 8 and b.height > 8:
        parts.append(f'<rect x="{b.x + 3}" y="{b.y + 3}" width="{b.width - 6}" height="{b.height - 6}" rx="8" '
                     f'fill="none" stroke="{_LINE}" stroke-width="1"/>')  # fmt: skip
    if ann.flagged:  # a badge on the top-right corner
        parts.append(f'<circle class="badge" cx="{b.x + b.width - 4:.1f}" cy="{b.y + 4:.1f}" r="9" fill="{colour}"/>'
                     f'<text x="{b.x + b.width - 4:.1f}" y="{b.y + 8.5:.1f}" font-size="13" font-weight="bold" '
                     f'text-anchor="middle" fill="#fff">!</text>')  # fmt: skip
    if ann.events is not None:  # the frequency under the name
        parts.append(f'<text class="frequency" x="{b.x + b.width / 2:.1f}" y="{b.y + b.height - 7:.1f}" font-size="10" '
                     f'text-anchor="middle" fill="{_MUTED}">n\u2009=\u2009{count_text(ann.events)}</text>')  # fmt: skip
    icon = _task_icon(node.kind, b.x + 5, b.y + 4) if isinstance(node, Task) else ""
    markers = _bottom_markers(node, s, b.y + b.height - 2 - (12 if ann.events is not None else 0))
    parts += [icon, markers]
    # the name goes between the icon (top-left) and the frequency and markers (bottom): centred, moved down
    # under the icon only when it is tall enough to reach it
    top, bottom = b.y + (23 if icon else 6), b.y + b.height - 6 - (12 if ann.events is not None else 0) - (14 if markers else 0)
    size = 12.0
    lines = _fit_px(node.name, b.width - 10, max(1, int((bottom - top) / 14.4)), size)
    if lines[-1].endswith("…"):  # a long name: one point smaller before it is cut
        size, lines = 11.0, _fit_px(node.name, b.width - 10, max(1, int((bottom - top) / 13.2)), 11.0)
    cy = max((b.y + 6 + bottom) / 2, top + len(lines) * size * 0.6)
    parts.append(_text_block(lines, b.x + b.width / 2, cy, size))
    parts.append("</g>")
    return "".join(parts)


def _gateway(node: Gateway, s: Shape) -> str:
    b = s.bounds
    cx, cy, rx, ry = b.x + b.width / 2, b.y + b.height / 2, b.width / 2, b.height / 2
    k = min(rx, ry)
    parts = [
        f'<g class="gateway" data-element="{esc(node.id)}"><title>{esc(node.name or node.kind)}</title>'
        f'<polygon points="{cx},{b.y} {b.x + b.width},{cy} {cx},{b.y + b.height} {b.x},{cy}" fill="{_TASK_FILL}" '
        f'stroke="{_LINE}" stroke-width="1.5"/>'
    ]
    m = k * 0.36
    if node.kind == "exclusive" and s.is_marker_visible is not False:
        parts.append(f'<path d="M{cx - m},{cy - m}L{cx + m},{cy + m}M{cx + m},{cy - m}L{cx - m},{cy + m}" '
                     f'stroke="{_INK}" stroke-width="4" stroke-linecap="round"/>')  # fmt: skip
    elif node.kind == "parallel":
        m = k * 0.48
        parts.append(f'<path d="M{cx - m},{cy}H{cx + m}M{cx},{cy - m}V{cy + m}" stroke="{_INK}" stroke-width="4"/>')
    elif node.kind == "inclusive":
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{k * 0.45:.1f}" fill="none" stroke="{_INK}" stroke-width="3"/>')
    elif node.kind == "eventBased":
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{k * 0.5:.1f}" fill="none" stroke="{_INK}"/>'
                     f'<circle cx="{cx}" cy="{cy}" r="{k * 0.42:.1f}" fill="none" stroke="{_INK}"/>'
                     f'<polygon points="{_polygon(cx, cy, k * 0.28, 5)}" fill="none" stroke="{_INK}"/>')  # fmt: skip
    elif node.kind == "complex":
        m = k * 0.48
        d = k * 0.34
        parts.append(f'<path d="M{cx - m},{cy}H{cx + m}M{cx},{cy - m}V{cy + m}M{cx - d},{cy - d}L{cx + d},{cy + d}'
                     f'M{cx + d},{cy - d}L{cx - d},{cy + d}" stroke="{_INK}" stroke-width="3"/>')  # fmt: skip
    parts.append(_label(node.name, s.label, b))
    parts.append("</g>")
    return "".join(parts)


def _polygon(cx: float, cy: float, r: float, n: int, turn: float = -90) -> str:
    return " ".join(
        f"{cx + r * math.cos(math.radians(turn + i * 360 / n)):.1f},{cy + r * math.sin(math.radians(turn + i * 360 / n)):.1f}"
        for i in range(n)
    )


def _event_marker(kind: str, cx: float, cy: float, r: float, filled: bool) -> str:
    ink = f'stroke="{_INK}" fill="{_INK if filled else "none"}"'
    if kind == "timer":
        ticks = "".join(
            f'<path d="M{cx + r * 0.5 * math.cos(a):.1f},{cy + r * 0.5 * math.sin(a):.1f}L'
            f'{cx + r * 0.62 * math.cos(a):.1f},{cy + r * 0.62 * math.sin(a):.1f}" stroke="{_INK}"/>'
            for a in (math.radians(i * 30) for i in range(12))
        )
        return (f'<circle cx="{cx}" cy="{cy}" r="{r * 0.68:.1f}" fill="#fff" stroke="{_INK}" stroke-width="1.5"/>{ticks}'
                f'<path d="M{cx},{cy}L{cx},{cy - r * 0.45:.1f}M{cx},{cy}L{cx + r * 0.35:.1f},{cy:.1f}" '
                f'stroke="{_INK}" stroke-width="1.5"/>')  # fmt: skip
    if kind == "message":
        w, h = r * 0.9, r * 0.6
        x, y = cx - w / 2, cy - h / 2
        return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" {ink} stroke-width="1.2"/>'
                f'<path d="M{x:.1f},{y:.1f}L{cx:.1f},{cy + h * 0.1:.1f}L{x + w:.1f},{y:.1f}" fill="none" '
                f'stroke="{"#fff" if filled else _INK}" stroke-width="1.2"/>')  # fmt: skip
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
        return f'<circle cx="{cx}" cy="{cy}" r="{r * 0.6:.1f}" fill="{_INK}"/>'
    if kind == "conditional":
        w = r * 0.7
        lines = "".join(f"M{cx - w * 0.35:.1f},{cy - w * 0.55 + i * w * 0.37:.1f}h{w * 0.7:.1f}" for i in range(4))
        return (f'<rect x="{cx - w / 2:.1f}" y="{cy - w * 0.7:.1f}" width="{w:.1f}" height="{w * 1.4:.1f}" fill="none" '
                f'stroke="{_INK}"/><path d="{lines}" stroke="{_INK}"/>')  # fmt: skip
    if kind == "link":
        return (f'<path d="M{cx - r * 0.4:.1f},{cy - r * 0.15:.1f}h{r * 0.4:.1f}v-{r * 0.2:.1f}l{r * 0.4:.1f},{r * 0.35:.1f}'
                f'l-{r * 0.4:.1f},{r * 0.35:.1f}v-{r * 0.2:.1f}h-{r * 0.4:.1f}Z" {ink}/>')  # fmt: skip
    return ""


def _event(node: Event, s: Shape) -> str:
    b = s.bounds
    cx, cy, r = b.x + b.width / 2, b.y + b.height / 2, min(b.width, b.height) / 2
    dash = ' stroke-dasharray="4 3"' if not node.interrupting and node.position in ("boundary", "start") else ""
    width = {"end": 4.0, "start": 1.8}.get(node.position, 1.5)
    parts = [
        f'<g class="event" data-element="{esc(node.id)}"><title>{esc(node.name or node.position)}</title>'
        f'<circle cx="{cx}" cy="{cy}" r="{r - width / 2:.1f}" fill="#fff" stroke="{_LINE}" stroke-width="{width}"{dash}/>'
    ]
    if node.position in ("intermediateCatch", "intermediateThrow", "boundary"):
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r - 4:.1f}" fill="none" stroke="{_LINE}" stroke-width="1.2"{dash}/>')
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
    return _text_block(lines, box.x + box.width / 2, box.y + box.height / 2, 11)


def _annotation(note: TextAnnotation, s: Shape) -> str:
    b = s.bounds
    lines = wrap_text(note.text, 22)
    spans = "".join(f'<tspan x="{b.x + 8:.1f}" y="{b.y + 16 + i * 14:.1f}">{esc(line)}</tspan>' for i, line in enumerate(lines))
    return (
        f'<g class="annotation" data-element="{esc(note.id)}"><rect x="{b.x}" y="{b.y}" width="{b.width}" '
        f'height="{b.height}" fill="#fffef5" fill-opacity="0.9" stroke="none"/>'
        f'<path d="M{b.x + 12},{b.y}H{b.x}V{b.y + b.height}H{b.x + 12}" fill="none" stroke="{_LINE}" stroke-width="1.5"/>'
        f'<text font-size="11">{spans}</text></g>'
    )


def _data_object(ref: DataObjectReference | DataObject | RawElement, s: Shape, arrow: str = "") -> str:
    """A page with a folded corner; ``arrow`` is ``input`` (hollow) or ``output`` (filled) for data I/O."""
    b = s.bounds
    f = min(10.0, b.width / 3)
    mark = ""
    if arrow:
        x, y = b.x + 4, b.y + 4
        fill = _INK if arrow == "output" else "#fff"
        mark = (f'<path class="marker {arrow}" d="M{x:.1f},{y + 3:.1f}h6v-3l6,5l-6,5v-3h-6Z" fill="{fill}" '
                f'stroke="{_INK}" stroke-width="1"/>')  # fmt: skip
    return (
        f'<g class="data" data-element="{esc(ref.id)}"><path d="M{b.x},{b.y}H{b.x + b.width - f}L{b.x + b.width},{b.y + f}'
        f'V{b.y + b.height}H{b.x}Z M{b.x + b.width - f},{b.y}V{b.y + f}H{b.x + b.width}" fill="#fff" stroke="{_LINE}"/>'
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
        f'{x0:.1f},{y1:.1f}Z" fill="#fff" stroke="{_LINE}" stroke-width="1.5"/>'
        f'<path d="M{x0:.1f},{y0:.1f}A{rx:.1f},{ry:.1f} 0 0 0 {x1:.1f},{y0:.1f}" fill="none" stroke="{_LINE}"/>'
        f"{_label(ref.name, s.label, b)}</g>"
    )


def _box(kind: str, element_id: str, name: str, s: Shape, *, dash: str = "", rx: float = 6) -> str:
    """A labelled box: groups, choreography activities, participant bands and anything else drawn."""
    b = s.bounds
    lines = _fit(name, max(4, int((b.width - 10) / 7)), max(1, int((b.height - 6) / 14.4))) if name else []
    text = _text_block(lines, b.x + b.width / 2, b.y + b.height / 2, 11) if lines else ""
    stroke_dash = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<g class="shape {esc(kind)}" data-element="{esc(element_id)}"><title>{esc(name or kind)}</title>'
        f'<rect x="{b.x}" y="{b.y}" width="{b.width}" height="{b.height}" rx="{rx}" fill="none" stroke="{_LINE}" '
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
        f'<polygon points="{pts}" fill="#fff" stroke="{_LINE}" stroke-width="{width}"/>'
        f"{_label(ref.name, s.label, b)}</g>"
    )


def _raw_shape(ref: RawElement, s: Shape, raw: dict[str, RawElement]) -> str:
    """An element crmflow keeps as XML, drawn as BPMN draws it (or as a labelled box)."""
    if ref.kind in ("dataStoreReference", "dataStore"):
        return _data_store(ref, s)
    if ref.kind in ("dataInput", "dataOutput"):
        return _data_object(ref, s, "input" if ref.kind == "dataInput" else "output")
    if ref.kind == "group":
        value = raw.get(ref.category_value)
        return _box("group", ref.id, ref.name or (value.value if value else ""), s, dash="8 4 2 4", rx=10)
    if ref.kind in ("conversation", "subConversation", "callConversation"):
        return _hexagon(ref, s)
    if ref.kind in ("choreographyTask", "subChoreography", "callChoreography"):
        return _box(ref.kind, ref.id, ref.name, s, rx=10)
    return _box(ref.kind, ref.id, ref.name, s)


# ---------------------------------------------------------------------------------- edges


def _points(e: Edge) -> str:
    return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in e.waypoints)


def _sequence_flow(flow: SequenceFlow, e: Edge, defs: Definitions) -> str:
    if len(e.waypoints) < 2:
        return ""
    try:
        source = defs.find(flow.source)
    except BpmnError:
        source = None
    slash, marker_start = "", ""
    if getattr(source, "default", None) == flow.id:
        (ax, ay), (bx, by) = (e.waypoints[0].x, e.waypoints[0].y), (e.waypoints[1].x, e.waypoints[1].y)
        length = math.hypot(bx - ax, by - ay) or 1
        ux, uy = (bx - ax) / length, (by - ay) / length
        mx, my = ax + ux * 10, ay + uy * 10
        slash = (f'<path d="M{mx - uy * 6 - ux * 4:.1f},{my + ux * 6 - uy * 4:.1f}L{mx + uy * 6 + ux * 4:.1f},'
                 f'{my - ux * 6 + uy * 4:.1f}" stroke="{_LINE}" stroke-width="1.5"/>')  # fmt: skip
    elif flow.condition is not None and not isinstance(source, Gateway):
        marker_start = f' marker-start="url(#{_P}-cond)"'
    line = (f'<polyline points="{_points(e)}" fill="none" stroke="{_LINE}" stroke-width="1.5" '
            f'stroke-linejoin="round" marker-end="url(#{_P}-arrow)"{marker_start}/>')  # fmt: skip
    text = flow_text(flow)
    label = ""
    count = flow_frequency(flow)
    if text and e.label is not None:
        label = _text_block(wrap_text(text, 14), e.label.x + e.label.width / 2, e.label.y + e.label.height / 2, 11)
    elif count is not None and e.label is not None:  # the DFG frequency where the layout put the label
        lx, ly = e.label.x + e.label.width / 2, e.label.y + e.label.height / 2 + 3.5
        label = (
            f'<text class="frequency" x="{lx:.1f}" y="{ly:.1f}" font-size="10" fill="{_MUTED}" '
            f'text-anchor="middle">{count_text(count)}</text>'
        )
        text = str(count)
    elif count is not None:  # the DFG frequency beside the longest segment
        a, b = max(
            zip(e.waypoints, e.waypoints[1:], strict=False), key=lambda ab: abs(ab[1].x - ab[0].x) + abs(ab[1].y - ab[0].y)
        )
        horizontal = abs(b.y - a.y) < abs(b.x - a.x)
        x, y = (a.x + b.x) / 2 + (0 if horizontal else 4), (a.y + b.y) / 2 - (4 if horizontal else 0)
        label = (
            f'<text class="frequency" x="{x:.1f}" y="{y:.1f}" font-size="10" fill="{_MUTED}" '
            f'text-anchor="{"middle" if horizontal else "start"}">{count_text(count)}</text>'
        )
        text = text or str(count)
    return f'<g class="flow" data-element="{esc(flow.id)}"><title>{esc(text)}</title>{line}{slash}{label}</g>'


def _defs() -> str:
    return (
        "<defs>"
        f'<marker id="{_P}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse" markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10Z" fill="{_LINE}"/></marker>'
        f'<marker id="{_P}-open" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" orient="auto" '
        f'markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10Z" fill="#fff" stroke="{_LINE}"/></marker>'
        f'<marker id="{_P}-circle" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="8" markerHeight="8" '
        f'markerUnits="userSpaceOnUse"><circle cx="5" cy="5" r="4" fill="#fff" stroke="{_LINE}"/></marker>'
        f'<marker id="{_P}-line" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto" '
        f'markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10" fill="none" stroke="{_LINE}"/></marker>'
        f'<marker id="{_P}-cond" viewBox="0 0 16 10" refX="0" refY="5" markerWidth="14" markerHeight="9" orient="auto" '
        f'markerUnits="userSpaceOnUse"><path d="M0,5L8,0L16,5L8,10Z" fill="#fff" stroke="{_LINE}"/></marker>'
        "</defs>"
    )


def _extent(shapes: list[Shape], edges: list[Edge]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for s in shapes:
        for b in (s.bounds, s.label):
            if b is not None:
                xs += [b.x, b.x + b.width]
                ys += [b.y, b.y + b.height]
    for e in edges:
        xs += [p.x for p in e.waypoints]
        ys += [p.y for p in e.waypoints]
        if e.label is not None:
            xs += [e.label.x, e.label.x + e.label.width]
            ys += [e.label.y, e.label.y + e.label.height]
    if not xs:
        return 0.0, 0.0, 100.0, 100.0
    return min(xs), min(ys), max(xs), max(ys)


def render_svg(definitions: Definitions, *, title: str | None = None, diagram: int = 0) -> str:
    """Draw one diagram of a model (the first by default) as a standalone SVG document.

    Every shape and edge of the diagram is drawn from its DI: the elements crmflow models with
    their BPMN notation, the ones it keeps as XML (data stores, data inputs/outputs, data
    associations, groups, conversations, choreography activities) by their kind, anything else
    as a labelled box or a plain line, so no drawn element is left out.

    Parameters
    ----------
    definitions
        A model with diagram interchange (use :func:`crmflow.bpmn.layout.layout` to add it).
    title
        The accessible title (``<title>``); the process or pool name by default.
    diagram
        Which diagram to draw (``definitions.diagrams[diagram]``).

    Returns
    -------
    str
        ``<svg>`` markup, starting with the element itself (embeddable in HTML as is).

    Raises
    ------
    BpmnError
        If the model has no diagram, or a shape draws an element the model does not have.
    """
    if not definitions.diagrams:
        raise error(BpmnError, ERRORS, "render.definitions_have_no_diagram", id=definitions.id)
    if not 0 <= diagram < len(definitions.diagrams):
        raise error(
            BpmnError,
            ERRORS,
            "render.definitions_have_diagram_s",
            id=definitions.id,
            n_diagrams=len(definitions.diagrams),
            diagram=diagram,
        )
    plane = definitions.diagrams[diagram].plane
    raw = raw_elements(definitions) if _keeps_raw(definitions) else {}
    shapes, edges = list(plane.shapes), list(plane.edges)
    x0, y0, x1, y1 = _extent(shapes, edges)
    pad = 20.0
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    name = title or next((p.name for p in definitions.processes if p.name), "") or definitions.name or "BPMN diagram"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bpmn" role="img" viewBox="{x0 - pad:.1f} {y0 - pad:.1f} '
        f'{w:.1f} {h:.1f}" width="{w:.0f}" height="{h:.0f}" font-family="{_FONT}" fill="{_INK}" aria-label="{esc(name)}">',
        f"<title>{esc(name)}</title>",
        _defs(),
        f'<rect x="{x0 - pad:.1f}" y="{y0 - pad:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#fff"/>',
    ]
    containers: list[str] = []
    nodes: list[str] = []
    notes: list[str] = []
    pools: list[str] = []
    for s in shapes:
        element = _lookup(definitions, raw, s.element)
        band = any(k == "choreographyActivityShape" for k, _v in s.other_attributes)
        if isinstance(element, Participant) and band:
            nodes.append(_box("participant-band", element.id, element.name, s, rx=0))
        elif isinstance(element, Participant):
            pools.append(_pool(element, s))
        elif isinstance(element, Lane):
            containers.append(_lane(element, s))
        elif isinstance(element, Task | SubProcess | CallActivity):
            nodes.append(_activity(element, s))
        elif isinstance(element, Gateway):
            nodes.append(_gateway(element, s))
        elif isinstance(element, Event):
            nodes.append(_event(element, s))
        elif isinstance(element, TextAnnotation):
            notes.append(_annotation(element, s))
        elif isinstance(element, DataObjectReference | DataObject):
            nodes.append(_data_object(element, s))
        elif isinstance(element, RawElement):
            (notes if element.kind == "group" else nodes).append(_raw_shape(element, s, raw))
        else:  # a process, collaboration, message… drawn as a shape, or a shape that names no element
            kind = type(element).__name__ if element is not None else "shape"
            nodes.append(_box(kind, s.element, getattr(element, "name", ""), s, dash="3 3"))
    containers = pools + containers
    lines = []
    for e in edges:
        element = _lookup(definitions, raw, e.element)
        if isinstance(element, SequenceFlow):
            lines.append(_sequence_flow(element, e, definitions))
        elif isinstance(element, MessageFlow) and len(e.waypoints) >= 2:
            lines.append(f'<polyline class="message" points="{_points(e)}" fill="none" stroke="{_LINE}" stroke-width="1.5" '
                         f'stroke-dasharray="8 5" marker-start="url(#{_P}-circle)" marker-end="url(#{_P}-open)"/>')  # fmt: skip
        elif isinstance(element, Association) and len(e.waypoints) >= 2:
            lines.append(f'<polyline class="association" points="{_points(e)}" fill="none" stroke="{_LINE}" '
                         f'stroke-dasharray="2 4" stroke-linecap="round"/>')  # fmt: skip
        elif len(e.waypoints) >= 2:
            lines.append(_other_edge(element, e))
    out += containers + notes + lines + nodes
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _keeps_raw(definitions: Definitions) -> bool:
    """Whether any drawn element may be one kept as XML (skips parsing for models crmflow built)."""
    known = definitions._index
    drawn = [s.element for d in definitions.diagrams for s in d.plane.shapes]
    drawn += [e.element for d in definitions.diagrams for e in d.plane.edges]
    return any(element and element not in known for element in drawn)


def _lookup(definitions: Definitions, raw: dict[str, RawElement], element_id: str) -> object | None:
    if not element_id:
        return None
    try:
        return definitions.find(element_id)
    except BpmnError:
        return raw.get(element_id)


def _other_edge(element: object | None, e: Edge) -> str:
    """Data associations (dotted, open arrow), conversation links (double) and any other line."""
    kind = element.kind if isinstance(element, RawElement) else type(element).__name__ if element is not None else "edge"
    if kind in ("dataInputAssociation", "dataOutputAssociation"):
        style = f'stroke-dasharray="2 4" stroke-linecap="round" marker-end="url(#{_P}-line)"'
    elif kind == "conversationLink":
        style = 'stroke-width="4"'
        inner = f'<polyline points="{_points(e)}" fill="none" stroke="#fff" stroke-width="1.5"/>'
        return (f'<g class="edge {esc(kind)}"><polyline points="{_points(e)}" fill="none" stroke="{_LINE}" {style}/>'
                f"{inner}</g>")  # fmt: skip
    else:
        style = 'stroke-width="1"'
    return f'<polyline class="edge {esc(kind)}" points="{_points(e)}" fill="none" stroke="{_LINE}" {style}/>'


def render_png(definitions: Definitions, path: str | Path, *, ppi: float = 192.0) -> Path:
    """Draw the first diagram of a model as a PNG file (via :func:`render_svg` and Typst).

    Parameters
    ----------
    definitions
        A model with diagram interchange.
    path
        Where to write the PNG.
    ppi
        Resolution; 96 draws one SVG pixel (CSS px, 1/96 in) as one PNG pixel, the default 192 doubles it.

    Returns
    -------
    Path
        The path written.
    """
    import typst  # imported here: only PNG output needs it

    target = Path(path)
    source = b'#set page(width: auto, height: auto, margin: 0pt)\n#image(bytes(sys.inputs.svg), format: "svg")\n'
    typst.compile(source, output=str(target), format="png", ppi=ppi,  # type: ignore[call-overload]
                  sys_inputs={"svg": render_svg(definitions)})  # fmt: skip
    return target


__all__ = ["count_text", "flow_text", "header_span", "loop_kind", "render_png", "render_svg", "wrap_text"]
