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
from pathlib import Path

from crmflow.base.markup import esc
from crmflow.bpmn.annotate import flow_frequency
from crmflow.bpmn.error_messages import ERRORS
from crmflow.bpmn.glyphs import activity, annotation, box, data_object, event, gateway, lane, pool, raw_shape
from crmflow.bpmn.model import (
    Association,
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
from crmflow.bpmn.svg_text import FONT, INK, LINE, MARK, MUTED, count_text, flow_text, text_block, wrap_text
from crmflow.bpmn.unmodelled import RawElement, raw_elements
from crmflow.errors import BpmnError
from crmflow.i18n import error

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
                 f'{my - ux * 6 + uy * 4:.1f}" stroke="{LINE}" stroke-width="1.5"/>')  # fmt: skip
    elif flow.condition is not None and not isinstance(source, Gateway):
        marker_start = f' marker-start="url(#{MARK}-cond)"'
    line = (f'<polyline points="{_points(e)}" fill="none" stroke="{LINE}" stroke-width="1.5" '
            f'stroke-linejoin="round" marker-end="url(#{MARK}-arrow)"{marker_start}/>')  # fmt: skip
    text = flow_text(flow)
    label = ""
    count = flow_frequency(flow)
    if text and e.label is not None:
        label = text_block(wrap_text(text, 14), e.label.x + e.label.width / 2, e.label.y + e.label.height / 2, 11)
    elif count is not None and e.label is not None:  # the DFG frequency where the layout put the label
        lx, ly = e.label.x + e.label.width / 2, e.label.y + e.label.height / 2 + 3.5
        label = (
            f'<text class="frequency" x="{lx:.1f}" y="{ly:.1f}" font-size="10" fill="{MUTED}" '
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
            f'<text class="frequency" x="{x:.1f}" y="{y:.1f}" font-size="10" fill="{MUTED}" '
            f'text-anchor="{"middle" if horizontal else "start"}">{count_text(count)}</text>'
        )
        text = text or str(count)
    return f'<g class="flow" data-element="{esc(flow.id)}"><title>{esc(text)}</title>{line}{slash}{label}</g>'


def _defs() -> str:
    return (
        "<defs>"
        f'<marker id="{MARK}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse" markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10Z" fill="{LINE}"/></marker>'
        f'<marker id="{MARK}-open" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" orient="auto" '
        f'markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10Z" fill="#fff" stroke="{LINE}"/></marker>'
        f'<marker id="{MARK}-circle" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="8" markerHeight="8" '
        f'markerUnits="userSpaceOnUse"><circle cx="5" cy="5" r="4" fill="#fff" stroke="{LINE}"/></marker>'
        f'<marker id="{MARK}-line" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto" '
        f'markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10" fill="none" stroke="{LINE}"/></marker>'
        f'<marker id="{MARK}-cond" viewBox="0 0 16 10" refX="0" refY="5" markerWidth="14" markerHeight="9" orient="auto" '
        f'markerUnits="userSpaceOnUse"><path d="M0,5L8,0L16,5L8,10Z" fill="#fff" stroke="{LINE}"/></marker>'
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
        f'{w:.1f} {h:.1f}" width="{w:.0f}" height="{h:.0f}" font-family="{FONT}" fill="{INK}" aria-label="{esc(name)}">',
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
            nodes.append(box("participant-band", element.id, element.name, s, rx=0))
        elif isinstance(element, Participant):
            pools.append(pool(element, s))
        elif isinstance(element, Lane):
            containers.append(lane(element, s))
        elif isinstance(element, Task | SubProcess | CallActivity):
            nodes.append(activity(element, s))
        elif isinstance(element, Gateway):
            nodes.append(gateway(element, s))
        elif isinstance(element, Event):
            nodes.append(event(element, s))
        elif isinstance(element, TextAnnotation):
            notes.append(annotation(element, s))
        elif isinstance(element, DataObjectReference | DataObject):
            nodes.append(data_object(element, s))
        elif isinstance(element, RawElement):
            (notes if element.kind == "group" else nodes).append(raw_shape(element, s, raw))
        else:  # a process, collaboration, message… drawn as a shape, or a shape that names no element
            kind = type(element).__name__ if element is not None else "shape"
            nodes.append(box(kind, s.element, getattr(element, "name", ""), s, dash="3 3"))
    containers = pools + containers
    lines = []
    for e in edges:
        element = _lookup(definitions, raw, e.element)
        if isinstance(element, SequenceFlow):
            lines.append(_sequence_flow(element, e, definitions))
        elif isinstance(element, MessageFlow) and len(e.waypoints) >= 2:
            lines.append(f'<polyline class="message" points="{_points(e)}" fill="none" stroke="{LINE}" '
                         f'stroke-width="1.5" stroke-dasharray="8 5" marker-start="url(#{MARK}-circle)" '
                         f'marker-end="url(#{MARK}-open)"/>')  # fmt: skip
        elif isinstance(element, Association) and len(e.waypoints) >= 2:
            lines.append(f'<polyline class="association" points="{_points(e)}" fill="none" stroke="{LINE}" '
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
        style = f'stroke-dasharray="2 4" stroke-linecap="round" marker-end="url(#{MARK}-line)"'
    elif kind == "conversationLink":
        style = 'stroke-width="4"'
        inner = f'<polyline points="{_points(e)}" fill="none" stroke="#fff" stroke-width="1.5"/>'
        return (f'<g class="edge {esc(kind)}"><polyline points="{_points(e)}" fill="none" stroke="{LINE}" {style}/>'
                f"{inner}</g>")  # fmt: skip
    else:
        style = 'stroke-width="1"'
    return f'<polyline class="edge {esc(kind)}" points="{_points(e)}" fill="none" stroke="{LINE}" {style}/>'


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


__all__ = ["render_png", "render_svg"]
