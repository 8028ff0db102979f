"""Diagram interchange for a BPMN model: a left-to-right layered layout with lanes as bands.

:func:`layout` asks Graphviz (``dot -Tjson``, ``rankdir=LR``, one cluster per lane) for the
layers and the order of the nodes within them (above :data:`~crmflow.bpmn.layering.DOT_LIMIT` nodes
in one process, 2,000, :mod:`crmflow.bpmn.layering` finds them in linear time instead, as ``dot``
would take minutes), then places everything itself:

* **lanes** become horizontal bands in the model's order (``lane_order="flow"``, for discovered
  As-Is models, orders sibling lanes by the mean height Graphviz gave their nodes instead; nested
  lanes stay together under their parent); a lane without flow nodes is kept as a narrow band, and
  every band and pool is tall enough for its name in the header; inside a band the distinct node heights
  are packed into rows just far enough apart for the shapes and their labels, so every node
  lies inside its lane's band and no two shapes overlap;
* **edges** are routed orthogonally between shape boundaries: straight when source and target
  line up, down/up out of a split gateway and into a join, through the free vertical channels
  between layers otherwise, and around the shapes for flows going back (loops);
* **boundary events** sit on the bottom edge of their host (several events' names one under the
  other); event, gateway and data-object names are placed below their shape (above or beside it when
  a flow runs there), flow names and As-Is frequencies beside the flow near its start where they
  cover no shape and no other label;
* **nested lanes** are indented by one lane header inside their parent, as bpmn.io draws them;
  text annotations and data-object references are placed beside the node they are associated with;
* a **collapsed sub-process** with content gets a diagram of its own whose plane is the
  sub-process (bpmn.io's drill-down), so every element of the model has a shape.

Standard sizes: task 100×80, gateway 50×50, event 36×36.

>>> from crmflow.bpmn.model import Definitions, Event, Process, SequenceFlow, Task
>>> p = Process(id="P", nodes=(Event(id="S"), Task(id="A", name="Call"), Event(id="E", position="end")),
...     flows=(SequenceFlow(id="f1", source="S", target="A"), SequenceFlow(id="f2", source="A", target="E")))
>>> d = layout(Definitions(id="D", processes=(p,)))
>>> d.diagrams[0].shape_for("A").bounds.width, len(d.diagrams[0].edge_for("f1").waypoints)
(100.0, 2)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from crmflow.bpmn.annotate import flow_frequency
from crmflow.bpmn.dot import dot_positions
from crmflow.bpmn.error_messages import ERRORS
from crmflow.bpmn.layering import DOT_LIMIT, rank_positions
from crmflow.bpmn.model import (
    Bounds,
    DataObjectReference,
    Definitions,
    Diagram,
    Edge,
    Event,
    FlowNode,
    Gateway,
    Lane,
    Plane,
    Process,
    SequenceFlow,
    Shape,
    SubProcess,
    TextAnnotation,
)
from crmflow.bpmn.routing import CHAR_WIDTH, LABEL_WIDTH, LINE_HEIGHT, Box, Grid, Router, place_collaboration_notes
from crmflow.bpmn.svg_text import count_text, flow_text, header_span, wrap_text
from crmflow.errors import BpmnError
from crmflow.i18n import error

TASK_SIZE = (100.0, 80.0)
GATEWAY_SIZE = (50.0, 50.0)
EVENT_SIZE = (36.0, 36.0)
POOL_HEADER = 30.0  # the pool's name column
LANE_HEADER = 30.0  # each lane's name column
BAND_PAD = 40.0  # room above and below the nodes of a band, for flows going round them
MIN_BAND = 140.0
EMPTY_BAND = 60.0  # a lane without flow nodes (taller if its name needs it)
BLACK_BOX = 60.0  # a black-box pool (taller if its name needs it)
ROW_GAP = 30.0
MARGIN = 40.0  # between the lane header and the first shape, and after the last
POOL_GAP = 40.0


DATA_SIZE = (36.0, 50.0)

_Item = FlowNode | TextAnnotation | DataObjectReference


def node_size(node: _Item) -> tuple[float, float]:
    """The standard width and height of a shape (sub-processes are drawn collapsed)."""
    if isinstance(node, DataObjectReference):
        return DATA_SIZE
    if isinstance(node, TextAnnotation):
        lines = wrap_text(node.text, 22)
        return 150.0, max(30.0, LINE_HEIGHT * len(lines) + 12)
    if isinstance(node, Gateway):
        return GATEWAY_SIZE
    if isinstance(node, Event):
        return EVENT_SIZE
    return TASK_SIZE


def _label_lines(node: _Item) -> int:
    """Lines of the label drawn below an event, a gateway or a data object (0 for anything else)."""
    if isinstance(node, Event | Gateway | DataObjectReference) and node.name:
        return len(wrap_text(node.name, 14))
    return 0


# ------------------------------------------------------------------------- placement


def _leaf_lanes(lanes: Sequence[Lane], mean_y: dict[str, float] | None) -> list[Lane]:
    """Leaf lanes top to bottom, children under their parent.

    Siblings keep the model's order, or with ``mean_y`` are sorted by the mean height of their nodes.
    """

    def key(lane: Lane) -> float:
        ys = [mean_y[r] for sub in lane.all_lanes() for r in sub.flow_node_refs if r in mean_y] if mean_y else []
        return sum(ys) / len(ys) if ys else float("inf")

    out: list[Lane] = []
    for lane in sorted(lanes, key=key) if mean_y is not None else lanes:
        if lane.children is not None and lane.children.lanes:
            out.extend(_leaf_lanes(lane.children.lanes, mean_y))
        else:
            out.append(lane)
    return out


def _back_edges(order: list[str], edges: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges closing a cycle in a depth-first search from the nodes without incoming edges."""
    succ: dict[str, list[str]] = defaultdict(list)
    has_in = set()
    for a, b in edges:
        succ[a].append(b)
        has_in.add(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back: set[tuple[str, str]] = set()
    for root in [n for n in order if n not in has_in] + order:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    return back


def _pack_rows(
    members: list[str], ys: dict[str, float], xs: dict[str, tuple[float, float]], ext: dict[str, tuple[float, float]]
) -> tuple[dict[str, float], float]:
    """Offsets of the members' centres from the band's content top, and the content height.

    Members at the same Graphviz height (within 8 px) form a row and stay aligned. Rows keep
    their top-to-bottom order, and each row moves up as far as the rows above allow: a row
    must clear (shape and label, plus a gap) every earlier row member whose horizontal extent
    meets one of its own. So two shapes that could overlap never do, while a lane whose rows
    do not share columns stays low.
    """
    rows: list[list[str]] = []
    for m in sorted(members, key=lambda m: ys[m]):
        if rows and ys[m] - ys[rows[-1][0]] <= 8:
            rows[-1].append(m)
        else:
            rows.append([m])
    offsets: dict[str, float] = {}
    placed: list[tuple[float, list[str]]] = []
    bottom = 0.0
    for row in rows:
        y = max(ext[m][0] for m in row)
        if placed:
            y = max(y, placed[-1][0])
        for prev_y, prev in placed:
            for p in prev:
                for m in row:
                    if xs[p][0] - 12 < xs[m][1] and xs[m][0] - 12 < xs[p][1]:
                        y = max(y, prev_y + ext[p][1] + ROW_GAP + ext[m][0])
        placed.append((y, row))
        for m in row:
            offsets[m] = y
            bottom = max(bottom, y + ext[m][1])
    return offsets, bottom


def _straighten(
    boxes: dict[str, Box],
    ext: dict[str, tuple[float, float]],
    band_of: dict[str, tuple[float, float]],
    edges: list[tuple[str, str]],
) -> None:
    """Line up a gateway or event with a neighbour a little above or below it, where nothing is in the way.

    Graphviz centres a small shape between its neighbours; a 15 px step then costs a flow two bends.
    """
    small = {k for k, b in boxes.items() if b.bottom - b.top < TASK_SIZE[1]}
    pairs = edges + [(t, s) for s, t in edges]
    pairs.sort(key=lambda pair: pair[0] in small)  # line up with tasks first, then with each other
    grid: Grid[str] = Grid()  # each shape with its label, so a move is tested against its neighbours only
    for k, o in boxes.items():
        grid.add(k, o.left, o.right, o.cy - ext[k][0], o.cy + ext[k][1])
    for _ in range(3):
        for a, b in pairs:
            if b not in small or band_of.get(a) != band_of.get(b):
                continue
            dy = boxes[a].cy - boxes[b].cy
            if not 0.5 < abs(dy) < 30:
                continue
            box = boxes[b]
            moved = Box(box.left, box.top + dy, box.right, box.bottom + dy)
            top, bottom = band_of[b]
            if moved.cy - ext[b][0] < top + 10 or moved.cy + ext[b][1] > bottom - 10:
                continue
            near = grid.near(moved.left - 10, moved.right + 10, moved.cy - ext[b][0] - 10, moved.cy + ext[b][1] + 10)
            if all(
                k == b or o.right + 10 <= moved.left or o.left - 10 >= moved.right
                or o.cy + ext[k][1] + 10 <= moved.cy - ext[b][0] or o.cy - ext[k][0] - 10 >= moved.cy + ext[b][1]
                for k in near for o in (boxes[k],)
            ):  # fmt: skip
                boxes[b] = moved
                grid.discard(b)
                grid.add(b, moved.left, moved.right, moved.cy - ext[b][0], moved.cy + ext[b][1])


def _covers(label: Bounds, box: Box) -> bool:
    return label.x < box.right and box.left < label.x + label.width and label.y < box.bottom and box.top < label.y + label.height


@dataclass(frozen=True)
class _Placed:
    boxes: dict[str, Box]
    lanes: list[tuple[Lane, Box]]
    pool: Box
    labels: dict[str, Bounds]


def _place_process(  # noqa: C901
    process: Process | SubProcess, top: float, with_pool: bool, *, by_flow: bool = False, pool_name: str = ""
) -> _Placed:
    nodes = {n.id: n for n in process.nodes}
    boundary = [n for n in process.nodes if isinstance(n, Event) and n.position == "boundary" and n.attached_to in nodes]
    in_boundary = {id(n) for n in boundary}
    main = [n for n in process.nodes if id(n) not in in_boundary]
    notes: dict[str, TextAnnotation | DataObjectReference] = {t.id: t for t in process.text_annotations}
    notes |= {r.id: r for r in process.data_object_refs}
    note_host: dict[str, str] = {}
    for a in process.associations:
        for note, other in ((a.target, a.source), (a.source, a.target)):
            if note in notes and other in nodes and note not in note_host:
                note_host[note] = next((b.attached_to for b in boundary if b.id == other), other) or other
    items: dict[str, _Item] = {n.id: n for n in main} | notes

    lane_list = [lane for ls in process.lane_sets for lane in ls.lanes]
    leaf_of: dict[str, str | None] = {}
    lane_map = {ref: lane for lane in process.all_lanes() for ref in lane.flow_node_refs}  # the innermost: last
    for item in items:
        lane = lane_map.get(note_host.get(item, item)) if (item in nodes or item in note_host) else None
        while lane is not None and lane.children is not None and lane.children.lanes:
            lane = lane.children.lanes[0]  # listed only in a parent lane: draw it in the first child
        leaf_of[item] = lane.id if lane is not None else None
    hosted: dict[str, list[Event]] = defaultdict(list)
    for ev in boundary:
        hosted[ev.attached_to or ""].append(ev)

    ext: dict[str, tuple[float, float]] = {}
    dot_size: dict[str, tuple[float, float]] = {}
    for item, obj in items.items():
        w, h = node_size(obj)
        below = h / 2 + _label_lines(obj) * LINE_HEIGHT + (6 if _label_lines(obj) else 0)
        if hosted.get(item):  # the boundary events' labels, stacked when there are several
            stack = (
                sum(_label_lines(b) * LINE_HEIGHT + 3 for b in hosted[item])
                if len(hosted[item]) > 1
                else max(_label_lines(b) * LINE_HEIGHT for b in hosted[item])
            )
            below = max(below, h / 2 + EVENT_SIZE[1] / 2 + stack + 4)
        ext[item] = (h / 2, below)
        dot_size[item] = (max(w, LABEL_WIDTH) if _label_lines(obj) else w, h / 2 + below)

    groups: dict[str | None, list[str]] = defaultdict(list)
    for item in items:
        groups[leaf_of[item]].append(item)
    edges: list[tuple[str, str]] = []
    host_of = {b.id: b.attached_to for b in boundary}
    for f in process.flows:
        s, t = host_of.get(f.source, f.source), host_of.get(f.target, f.target)
        if s in items and t in items and s != t:
            edges.append((s, t))
    back = _back_edges(list(items), edges)
    edges = [(t, s) if (s, t) in back else (s, t) for s, t in edges]  # dot ranks loops left to right this way
    if len(items) > DOT_LIMIT:  # dot's cost grows much faster than the model: layers found in linear time
        pos = rank_positions(dot_size, list(groups.values()), edges, note_host.items())
    else:
        pos = dot_positions(dot_size, list(groups.values()), edges, note_host.items(), clusters=len(groups) > 1)
    # dot centres the box of node + label; move back to the shape's own centre
    ys = {i: pos[i][1] - (ext[i][1] - ext[i][0]) / 2 for i in items}
    starts = [ys[n.id] for n in main if isinstance(n, Event) and n.position == "start"]
    if starts and sum(starts) / len(starts) > sum(ys.values()) / len(ys):
        ys = {i: -y for i, y in ys.items()}  # mirrored, so the process starts in the upper lanes

    xs = {i: (pos[i][0] - dot_size[i][0] / 2, pos[i][0] + dot_size[i][0] / 2) for i in items}
    lane_order = _leaf_lanes(lane_list, ys if by_flow else None)
    bands: list[tuple[Lane | None, list[str]]] = [(lane, groups.get(lane.id, [])) for lane in lane_order]
    if groups.get(None):
        bands.append((None, groups[None]))
    depth = {lane.id: d for d, lane in _lane_depths(lane_list)}  # nested lanes are indented by one header each
    left_edge = (POOL_HEADER if with_pool else 0.0) + LANE_HEADER * (max(depth.values(), default=-1) + 1) + MARGIN
    min_x = min((pos[i][0] - dot_size[i][0] / 2 for i in items), default=0.0)
    boxes: dict[str, Box] = {}
    band_boxes: list[tuple[Lane | None, float, float]] = []
    band_of: dict[str, tuple[float, float]] = {}
    y = top
    for lane, members in bands:
        offsets, content = _pack_rows(members, ys, xs, ext)
        # a lane without nodes stays in the model and is drawn as a narrow band, just tall enough for its name
        height = max(MIN_BAND, content + 2 * BAND_PAD) if members else EMPTY_BAND
        if lane is not None:
            height = max(height, header_span(lane.name))
        start = y + (height - content) / 2
        for m in members:
            w, h = node_size(items[m])
            cx = pos[m][0] - min_x + left_edge
            cy = start + offsets[m]
            boxes[m] = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        band_boxes.append((lane, y, height))
        for m in members:
            band_of[m] = (y, y + height)
        y += height
    if with_pool and band_boxes and y - top < header_span(pool_name):  # room for the pool's name
        lane0, y0, h0 = band_boxes[-1]
        band_boxes[-1] = (lane0, y0, h0 + header_span(pool_name) - (y - top))
        y = top + header_span(pool_name)
    _straighten(boxes, ext, band_of, edges)
    right = max((b.right for b in boxes.values()), default=left_edge) + MARGIN
    for host, events in hosted.items():
        hb = boxes[host]
        for i, e in enumerate(events):
            cx = hb.right - 25 - i * 42
            boxes[e.id] = Box(cx - 18, hb.bottom - 18, cx + 18, hb.bottom + 18)
    lane_x = POOL_HEADER if with_pool else 0.0
    placed_lanes: list[tuple[Lane, Box]] = []
    leaf_box = {
        lane.id: Box(lane_x + LANE_HEADER * depth[lane.id], y0, right, y0 + h) for lane, y0, h in band_boxes if lane is not None
    }

    def add(lane: Lane) -> Box | None:
        if lane.id in leaf_box:
            box: Box | None = leaf_box[lane.id]
        else:
            kids = [b for c in (lane.children.lanes if lane.children else ()) if (b := add(c)) is not None]
            x = lane_x + LANE_HEADER * depth[lane.id]
            box = Box(x, min(k.top for k in kids), right, max(k.bottom for k in kids)) if kids else None
        if box is not None:
            placed_lanes.append((lane, box))
        return box

    for lane in lane_list:
        add(lane)
    labelled: dict[str, _Item] = {**nodes, **notes}
    labels = {
        n_id: Bounds(b.cx - LABEL_WIDTH / 2, b.bottom + 4, LABEL_WIDTH, _label_lines(labelled[n_id]) * LINE_HEIGHT)
        for n_id, b in boxes.items()
        if n_id in labelled and _label_lines(labelled[n_id])
    }
    shape_grid: Grid[str] = Grid()
    for k, o in boxes.items() if hosted else ():
        shape_grid.add(k, o.left, o.right, o.top, o.bottom)

    def covers_a_shape(spot: Bounds) -> bool:
        near = shape_grid.near(spot.x, spot.x + spot.width, spot.y, spot.y + spot.height)
        return any(_covers(spot, boxes[k]) for k in near)

    for events in hosted.values():
        named = [e for e in events if e.id in labels]
        if len(named) == 1:  # below the event, shifted left under the host if it would reach a neighbour
            eb, lab = boxes[named[0].id], labels[named[0].id]
            spots = [replace(lab, x=x) for x in (eb.cx - LABEL_WIDTH / 2, eb.right - LABEL_WIDTH, eb.left - LABEL_WIDTH / 2)]
            labels[named[0].id] = next((sp for sp in spots if not covers_a_shape(sp)), spots[1])
        label_top = max((boxes[e.id].bottom for e in named), default=0.0) + 4
        for e in named if len(named) > 1 else ():  # several: one under the other, each centred on its event
            lines = wrap_text(e.name, 14)
            w = min(LABEL_WIDTH, max(len(line) for line in lines) * CHAR_WIDTH + 2)
            labels[e.id] = Bounds(boxes[e.id].cx - w / 2, label_top, w, len(lines) * LINE_HEIGHT)
            label_top += len(lines) * LINE_HEIGHT + 3
    return _Placed(boxes, placed_lanes, Box(0.0, top, right, max(y, top + MIN_BAND)), labels)


def _lane_depths(lanes: Sequence[Lane], depth: int = 0) -> Iterable[tuple[int, Lane]]:
    for lane in lanes:
        yield depth, lane
        if lane.children is not None:
            yield from _lane_depths(lane.children.lanes, depth + 1)


def _edge_text(flow: SequenceFlow) -> str:
    """What is written beside a flow: its name or condition, else its directly-follows frequency (As-Is)."""
    count = flow_frequency(flow)
    return flow_text(flow) or (count_text(count) if count is not None else "")


def _plane_shapes(process: Process | SubProcess, placed: _Placed, participant: str | None) -> tuple[list[Shape], list[Edge]]:
    nodes = {n.id: n for n in process.nodes}
    router = Router(placed.boxes, nodes)
    drawn = [f for f in process.flows if f.source in placed.boxes and f.target in placed.boxes]
    # forward flows first: they take the natural ports, flows going back route around them
    routes = {
        f.id: router.route(f.source, f.target)
        for f in sorted(drawn, key=lambda f: placed.boxes[f.target].cx <= placed.boxes[f.source].cx)
    }
    labels = dict(placed.labels)
    router.labels = labels  # by node: each label below keeps clear of the others as they are then
    for key, lab in placed.labels.items():  # off the flows just routed (boundary events keep their stack)
        if not (isinstance(n := nodes.get(key), Event) and n.position == "boundary"):
            labels[key] = router.node_label(key, lab)
    shapes: list[Shape] = []
    if participant is not None:
        shapes.append(Shape(id=f"{participant}_di", element=participant, bounds=placed.pool.bounds(), is_horizontal=True))
    for lane, box in placed.lanes:
        shapes.append(Shape(id=f"{lane.id}_di", element=lane.id, bounds=box.bounds(), is_horizontal=True))
    for node in process.nodes:
        box = placed.boxes[node.id]
        shapes.append(Shape(
            id=f"{node.id}_di", element=node.id, bounds=box.bounds(), label=labels.get(node.id),
            is_expanded=False if isinstance(node, SubProcess) else None,
            is_marker_visible=True if isinstance(node, Gateway) and node.kind == "exclusive" else None,
        ))  # fmt: skip
    for note in process.text_annotations:
        shapes.append(Shape(id=f"{note.id}_di", element=note.id, bounds=placed.boxes[note.id].bounds()))
    for ref in process.data_object_refs:
        shapes.append(Shape(id=f"{ref.id}_di", element=ref.id, bounds=placed.boxes[ref.id].bounds(), label=labels.get(ref.id)))
    edges = [
        Edge(id=f"{f.id}_di", element=f.id, waypoints=tuple(routes[f.id]), label=router.flow_label(routes[f.id], _edge_text(f)))
        for f in drawn
    ]
    for a in process.associations:
        if a.source in placed.boxes and a.target in placed.boxes:
            edges.append(Edge(id=f"{a.id}_di", element=a.id, waypoints=tuple(router.straight(a.source, a.target))))
    return shapes, edges


def layout(definitions: Definitions, *, lane_order: Literal["model", "flow"] = "model") -> Definitions:
    """Add diagram interchange to a model (its diagrams are replaced by one new diagram).

    Parameters
    ----------
    definitions
        The model. With a collaboration, each participant's process is drawn as a pool (pools stacked
        top to bottom, black-box pools as empty bands tall enough for their name) and message flows are
        routed between them; without one, each process is drawn on its own (with its lanes, if any).
        Text annotations of the collaboration are placed beside the element they are associated with.
    lane_order
        ``"model"`` (default) draws the lanes top to bottom in the order of the model's lane sets, as
        the author gave them; ``"flow"`` sorts sibling lanes by where Graphviz put their nodes (fewer
        crossings; for discovered As-Is models, whose lanes have no meaningful order).

    Returns
    -------
    Definitions
        The same model with ``diagrams`` set to one diagram ``BPMNDiagram_1``.

    Raises
    ------
    GraphvizNotFoundError
        If Graphviz's ``dot`` is not installed.
    BpmnError
        If the model has no process, or ``dot`` fails.
    """
    if not definitions.processes:
        raise error(BpmnError, ERRORS, "layout.definitions_contain_no_process", id=definitions.id)
    shapes: list[Shape] = []
    edges: list[Edge] = []
    all_boxes: dict[str, Box] = {}
    top = 0.0
    collab = definitions.collaboration
    by_id = {p.id: p for p in definitions.processes}
    drawn: list[tuple[Process | None, str | None]] = []
    if collab is not None and collab.participants:
        drawn = [(by_id.get(p.process_ref or ""), p.id) for p in collab.participants]
        drawn += [(p, None) for p in definitions.processes if p.id not in {pp.process_ref for pp in collab.participants}]
    else:
        drawn = [(p, None) for p in definitions.processes]
    width = 0.0
    black_boxes: list[tuple[str, float, float]] = []
    names = {p.id: p.name for p in collab.participants} if collab is not None else {}
    for process, participant in drawn:
        if process is None:
            height = max(BLACK_BOX, header_span(names.get(participant or "", "")))
            black_boxes.append((participant or "", top, height))
            top += height + POOL_GAP
            continue
        placed = _place_process(process, top, participant is not None, by_flow=lane_order == "flow",
                                pool_name=names.get(participant or "", ""))  # fmt: skip
        s, e = _plane_shapes(process, placed, participant)
        shapes += s
        edges += e
        all_boxes.update(placed.boxes)
        if participant is not None:
            all_boxes[participant] = placed.pool
        width = max(width, placed.pool.right)
        top = placed.pool.bottom + POOL_GAP
    for participant, y, height in black_boxes:
        box = Box(0.0, y, max(width, 400.0), y + height)
        all_boxes[participant] = box
        shapes.append(Shape(id=f"{participant}_di", element=participant, bounds=box.bounds(), is_horizontal=True))
    if collab is not None:
        router = Router(all_boxes, {})
        for m in collab.message_flows:
            if m.source in all_boxes and m.target in all_boxes:
                edges.append(Edge(id=f"{m.id}_di", element=m.id, waypoints=tuple(router.vertical(m.source, m.target))))
        shapes = _labels_off_message_flows(shapes, edges, {m.id for m in collab.message_flows}, all_boxes)
        sizes = {t.id: node_size(t) for t in collab.text_annotations}
        s, e = place_collaboration_notes(collab, sizes, all_boxes, shapes, edges)
        shapes += s
        edges += e
    plane_element = collab.id if collab is not None else definitions.processes[0].id
    plane = Plane(id="BPMNPlane_1", element=plane_element, shapes=tuple(shapes), edges=tuple(edges))
    diagrams = [Diagram(id="BPMNDiagram_1", plane=plane)]
    for process in definitions.processes:
        diagrams += _subprocess_diagrams(process)
    return replace(definitions, diagrams=tuple(diagrams))


def _labels_off_message_flows(
    shapes: list[Shape], edges: list[Edge], message_flows: set[str], boxes: dict[str, Box]
) -> list[Shape]:
    """Move the labels a message flow runs through (message flows are routed after the pools' labels)."""
    pools = {s.element for s in shapes if s.is_horizontal}
    router = Router({k: b for k, b in boxes.items() if k not in pools}, {})
    for e in edges:
        for a, b in zip(e.waypoints, e.waypoints[1:], strict=False):
            router.add_segment((a.x, a.y), (b.x, b.y), e.element, "")
    crossing = [
        Bounds(min(a.x, b.x) - 1, min(a.y, b.y) - 1, abs(a.x - b.x) + 2, abs(a.y - b.y) + 2)
        for e in edges
        if e.element in message_flows
        for a, b in zip(e.waypoints, e.waypoints[1:], strict=False)
    ]
    labels = [s.label for s in shapes if s.label is not None] + [e.label for e in edges if e.label is not None]
    out = []
    for s in shapes:
        lab = s.label
        if lab is not None and s.element in router.boxes and any(_covers(lab, Box(c.x, c.y, c.x + c.width, c.y + c.height))
                                                                  for c in crossing):  # fmt: skip
            s = replace(s, label=router.node_label(s.element, lab, [o for o in labels if o is not lab]))
        out.append(s)
    return out


def _subprocess_diagrams(container: Process | SubProcess) -> list[Diagram]:
    """One diagram per collapsed sub-process with content, as bpmn.io draws them (the plane is the sub-process)."""
    out: list[Diagram] = []
    for node in container.nodes:
        if isinstance(node, SubProcess) and node.nodes:
            shapes, edges = _plane_shapes(node, _place_process(node, 0.0, False), None)
            plane = Plane(id=f"BPMNPlane_{node.id}", element=node.id, shapes=tuple(shapes), edges=tuple(edges))
            out.append(Diagram(id=f"BPMNDiagram_{node.id}", plane=plane))
            out += _subprocess_diagrams(node)
    return out


__all__ = ["EVENT_SIZE", "GATEWAY_SIZE", "TASK_SIZE", "layout", "node_size"]
