"""Orthogonal routing of the flows of a laid-out BPMN diagram (used by :mod:`crmflow.bpmn.layout`).

A :class:`Router` knows every shape's box. For each flow it tries routes from the most natural
to the least (straight; down or up out of a split gateway and into a join; through the free
vertical channels between layers; around the shapes for flows going back) and takes the first
that crosses no shape, does not use one side of a shape both for flows in and out, and, when
possible, does not run along another flow. Every segment is horizontal or vertical.

Labels are placed once the flows are routed: a gateway's or event's name below its shape unless a
flow crosses it there (then above or beside it, :meth:`Router.node_label`); a flow's name,
condition or As-Is frequency beside the flow as near its start as possible, covering no shape and
no other label and, where it can, crossing no flow (:meth:`Router.flow_label`). Text annotations
of a collaboration go next to the element they are associated with
(:func:`place_collaboration_notes`).

>>> r = Router({"a": Box(0, 0, 100, 80), "b": Box(150, 0, 250, 80)}, {})
>>> [(p.x, p.y) for p in r.route("a", "b")]
[(100, 40.0), (150, 40.0)]
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from crmflow.bpmn.model import Bounds, Collaboration, Edge, Event, FlowNode, Gateway, Point, Shape
from crmflow.bpmn.svg_text import wrap_text

LINE_HEIGHT = 14.0
LABEL_WIDTH = 90.0
CHAR_WIDTH = 6.2  # of an 11 px label character

K = TypeVar("K")


@dataclass(frozen=True)
class Box:
    """A shape's rectangle (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.left + self.right) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def bounds(self) -> Bounds:
        return Bounds(self.left, self.top, self.right - self.left, self.bottom - self.top)


def _simplify(points: list[tuple[float, float]]) -> list[Point]:
    """Drop repeated points and the middle of three points on one line."""
    out: list[tuple[float, float]] = []
    for p in points:
        if out and abs(out[-1][0] - p[0]) < 0.01 and abs(out[-1][1] - p[1]) < 0.01:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (abs(ax - bx) < 0.01 and abs(bx - p[0]) < 0.01) or (abs(ay - by) < 0.01 and abs(by - p[1]) < 0.01):
                out[-1] = p
                continue
        out.append(p)
    return [Point(round(x, 1), round(y, 1)) for x, y in out]


_CELL = 256.0  # side of a grid cell, in diagram units (a few shapes)


def _cells_of(lo_x: float, hi_x: float, lo_y: float, hi_y: float, limit: int = 1 << 62) -> list[tuple[int, int]] | None:
    """The grid cells a rectangle meets, or None when there are more than ``limit``."""
    xs = range(int(lo_x // _CELL), int(hi_x // _CELL) + 1)
    ys = range(int(lo_y // _CELL), int(hi_y // _CELL) + 1)
    if len(xs) * len(ys) > limit:
        return None
    return [(i, j) for i in xs for j in ys]


class Grid(Generic[K]):
    """Rectangles in a uniform grid, so a query looks at those near it instead of all of them.

    Shapes, routed segments and placed labels each have one: a collision test or a label's spot
    costs what is near it, and layout stays near-linear in the number of elements.

    >>> g = Grid[str]()
    >>> g.add("a", 0, 100, 0, 80); g.add("b", 5000, 5100, 0, 80)
    >>> sorted(g.near(90, 120, 10, 20))
    ['a']
    """

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], dict[K, None]] = defaultdict(dict)
        self._where: dict[K, list[tuple[int, int]]] = {}

    def __len__(self) -> int:
        return len(self._where)

    def add(self, key: K, lo_x: float, hi_x: float, lo_y: float, hi_y: float) -> None:
        """File ``key`` under the cells of the rectangle (once more, if it is there already)."""
        cells = _cells_of(lo_x, hi_x, lo_y, hi_y) or []
        self._where.setdefault(key, []).extend(cells)
        for cell in cells:
            self._cells[cell][key] = None

    def discard(self, key: K) -> None:
        for cell in self._where.pop(key, ()):
            self._cells[cell].pop(key, None)

    def near(self, lo_x: float, hi_x: float, lo_y: float, hi_y: float) -> Iterable[K]:
        """The keys filed in the cells the rectangle meets (a superset of those that overlap it)."""
        cells = _cells_of(lo_x, hi_x, lo_y, hi_y, limit=len(self._cells))
        if cells is None:  # a rectangle as large as the whole grid: every key
            return self._where.keys()
        if len(cells) == 1:
            return self._cells.get(cells[0], {}).keys()
        return dict.fromkeys(k for cell in cells for k in self._cells.get(cell, ()))


class Router:
    """Orthogonal routes between shape boundaries that avoid the other shapes."""

    def __init__(self, boxes: dict[str, Box], nodes: dict[str, FlowNode], labels: Iterable[Bounds] = ()) -> None:
        self.boxes = boxes
        self.nodes = nodes
        # label boxes already placed (flow labels keep clear of them), by key, in a grid
        self._labels: dict[object, Bounds] = {}
        self._label_grid: Grid[object] = Grid()
        self.labels = list(labels)
        merged: list[list[float]] = []
        for left, right in sorted((b.left, b.right) for b in boxes.values()):
            if merged and left <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], right)
            else:
                merged.append([left, right])
        # the vertical channels between layers: no shape anywhere in them
        self.gaps = [(a[1], b[0]) for a, b in zip(merged, merged[1:], strict=False) if b[0] - a[1] >= 12]
        self._gap_starts = [a for a, _b in self.gaps]
        self._gap_ends = [b for _a, b in self.gaps]
        self.used: Counter[int] = Counter()
        self.ports: dict[tuple[str, str], set[str]] = defaultdict(set)  # (node, side) -> {"in", "out"}
        self.segments: list[tuple[tuple[float, float], tuple[float, float], str, str]] = []
        # uniform grids over the shapes and the routed segments, so each collision test looks at
        # the shapes and segments near it: routing stays near-linear in the number of flows
        self._shape_grid: Grid[str] = Grid()
        self._segment_grid: Grid[int] = Grid()
        for key, b in boxes.items():
            self._shape_grid.add(key, b.left - 4, b.right + 4, b.top - 4, b.bottom + 4)
        self._top = min((b.top for b in boxes.values()), default=0.0)
        self._bottom = max((b.bottom for b in boxes.values()), default=0.0)

    @property
    def labels(self) -> list[Bounds]:
        """The label boxes placed so far (node labels, then flow labels as :meth:`flow_label` adds them)."""
        return list(self._labels.values())

    @labels.setter
    def labels(self, labels: Iterable[Bounds] | dict[str, Bounds]) -> None:
        """Replace the placed labels; a dict keys them by node, so :meth:`node_label` can move one."""
        self._labels.clear()
        self._label_grid = Grid()
        for key, b in labels.items() if isinstance(labels, dict) else enumerate(labels):
            self._put_label(key, b)

    def _put_label(self, key: object, b: Bounds) -> None:
        self._label_grid.discard(key)
        self._labels[key] = b
        self._label_grid.add(key, b.x, b.x + b.width, b.y, b.y + b.height)

    def add_segment(self, a: tuple[float, float], b: tuple[float, float], source: str, target: str) -> None:
        """A segment already drawn (of flow ``source`` → ``target``): later routes and labels keep off it."""
        self._segment_grid.add(len(self.segments), min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1]))
        self.segments.append((a, b, source, target))

    def _boxes_near(self, lo_x: float, hi_x: float, lo_y: float, hi_y: float) -> Iterable[tuple[str, Box]]:
        """The shapes whose grid cells meet the rectangle (a superset of those that overlap it)."""
        return ((k, self.boxes[k]) for k in self._shape_grid.near(lo_x, hi_x, lo_y, hi_y))

    def _overlaps(self, pts: Sequence[tuple[float, float]], source: str, target: str) -> bool:
        """Whether a segment would run along a segment of another flow (a fork or a merge may share)."""
        for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
            for i in self._segment_grid.near(min(x1, x2) - 5, max(x1, x2) + 5, min(y1, y2) - 5, max(y1, y2) + 5):
                (a1, b1), (a2, b2), src, tgt = self.segments[i]
                if src == source or tgt == target:
                    continue
                along_x = abs(y1 - y2) < 0.01 and abs(b1 - b2) < 0.01 and abs(y1 - b1) < 5
                along_y = abs(x1 - x2) < 0.01 and abs(a1 - a2) < 0.01 and abs(x1 - a1) < 5
                if along_x and min(max(x1, x2), max(a1, a2)) - max(min(x1, x2), min(a1, a2)) > 2:
                    return True
                if along_y and min(max(y1, y2), max(b1, b2)) - max(min(y1, y2), min(b1, b2)) > 2:
                    return True
        return False

    def _side(self, node: str, x: float, y: float) -> str:
        b = self.boxes[node]
        for side, near in (("top", abs(y - b.top)), ("bottom", abs(y - b.bottom)), ("left", abs(x - b.left))):
            if near < 0.5:
                return side
        return "right"

    def _ports_free(self, source: str, target: str, pts: Sequence[tuple[float, float]]) -> bool:
        """A side of a shape is used for flows going in or for flows going out, never both."""
        return "in" not in self.ports[(source, self._side(source, *pts[0]))] and (
            "out" not in self.ports[(target, self._side(target, *pts[-1]))]
        )

    # -- collision tests ----------------------------------------------------------------------

    def _clear(self, pts: Sequence[tuple[float, float]], skip: set[str]) -> bool:
        for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
            lo_x, hi_x, lo_y, hi_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
            for key, b in self._boxes_near(lo_x, hi_x, lo_y, hi_y):
                if key in skip:
                    continue
                if b.left - 4 < hi_x and b.right + 4 > lo_x and b.top - 4 < hi_y and b.bottom + 4 > lo_y:
                    return False
        return True

    def _slot(self, gap: int) -> float:
        a, b = self.gaps[gap]
        k = self.used[gap]
        self.used[gap] += 1
        offset = ((k + 1) // 2) * 8.0 * (1 if k % 2 else -1)
        return (a + b) / 2 + max(-(b - a) / 2 + 4, min((b - a) / 2 - 4, offset))

    def _channels(self, s: Box, t: Box) -> list[float]:
        """Heights where a horizontal segment may run between the two shapes, cheapest first."""
        lo, hi = min(s.left, t.left), max(s.right, t.right)
        ys = {s.cy, t.cy, s.bottom + 20, s.top - 20, t.bottom + 20, t.top - 20}
        for _key, b in self._boxes_near(lo, hi, self._top, self._bottom):
            if b.left < hi and b.right > lo:
                ys.update(y for k in range(4) for y in (b.top - 12 - 7 * k, b.bottom + 12 + 7 * k))
        return sorted(ys, key=lambda y: (abs(y - s.cy) + abs(y - t.cy), y))[:120]

    # -- routes ------------------------------------------------------------------------------

    def route(self, source: str, target: str) -> list[Point]:
        """The waypoints of a sequence flow (first on the source's boundary, last on the target's)."""
        s, t = self.boxes[source], self.boxes[target]
        src = self.nodes.get(source)
        skip = {source, target}
        boundary = isinstance(src, Event) and src.position == "boundary"
        if isinstance(src, Event) and src.attached_to:
            skip.add(src.attached_to)
        # the first route that fits and runs along no other flow, else the first that fits
        chosen = first_fit = None
        for pts in self._candidates(source, target, s, t, boundary):
            if self._ports_free(source, target, pts) and self._clear(pts, skip):
                if not self._overlaps(pts, source, target):
                    chosen = pts
                    break
                if first_fit is None:
                    first_fit = pts
        chosen = chosen or first_fit
        if chosen is None:
            low = self._bottom + 20
            chosen = [(s.cx, s.bottom), (s.cx, low), (t.cx, low), (t.cx, t.bottom)]
        for a, b in zip(chosen, chosen[1:], strict=False):
            self.add_segment(a, b, source, target)
        self.ports[(source, self._side(source, *chosen[0]))].add("out")
        self.ports[(target, self._side(target, *chosen[-1]))].add("in")
        return _simplify(chosen)

    def _candidates(self, source: str, target: str, s: Box, t: Box, boundary: bool) -> Iterator[list[tuple[float, float]]]:
        """The routes to try, most natural first (the caller may stop at any one)."""
        forward = not boundary and t.left >= s.right + 1
        between: list[int] = []
        x1 = x2 = 0.0
        if forward:  # the channel slots are taken before the first route, used or not
            # the gaps are sorted and disjoint: those between the shapes are one run, found by bisection
            first = bisect_left(self._gap_starts, s.right - 1)
            last = bisect_right(self._gap_ends, t.left + 1)
            between = list(range(first, last))
            if between:
                x1 = self._slot(between[0])
                x2 = x1 if len(between) == 1 else self._slot(between[-1])
        if boundary:
            if t.left > s.cx:
                yield [(s.cx, s.bottom), (s.cx, t.cy), (t.left, t.cy)]
        elif forward:
            if abs(s.cy - t.cy) < 1:
                yield [(s.right, s.cy), (t.left, s.cy)]
            if isinstance(self.nodes.get(source), Gateway) and not s.top < t.cy < s.bottom:
                yield [(s.cx, s.top if t.cy < s.cy else s.bottom), (s.cx, t.cy), (t.left, t.cy)]
            if isinstance(self.nodes.get(target), Gateway) and not t.top < s.cy < t.bottom:
                yield [(s.right, s.cy), (t.cx, s.cy), (t.cx, t.top if s.cy < t.cy else t.bottom)]
            if between:
                if len(between) == 1:
                    yield [(s.right, s.cy), (x1, s.cy), (x1, t.cy), (t.left, t.cy)]
                for y in self._channels(s, t):
                    if isinstance(self.nodes.get(source), Gateway) and not s.top <= y <= s.bottom:
                        yield [(s.cx, s.top if y < s.cy else s.bottom), (s.cx, y), (x2, y), (x2, t.cy), (t.left, t.cy)]
                    if isinstance(self.nodes.get(target), Gateway) and not t.top <= y <= t.bottom:
                        yield [(s.right, s.cy), (x1, s.cy), (x1, y), (t.cx, y), (t.cx, t.top if y < t.cy else t.bottom)]
                    yield [(s.right, s.cy), (x1, s.cy), (x1, y), (x2, y), (x2, t.cy), (t.left, t.cy)]
        start_y = s.bottom if boundary else None
        for y in self._channels(s, t):
            if s.top - 1 < y < s.bottom + 1 or t.top - 1 < y < t.bottom + 1:
                continue
            sy = start_y if start_y is not None else (s.bottom if y > s.cy else s.top)
            if boundary and y < s.cy:
                continue
            yield [(s.cx, sy), (s.cx, y), (t.cx, y), (t.cx, t.bottom if y > t.cy else t.top)]

    def straight(self, a: str, b: str) -> list[Point]:
        """An association: one vertical or horizontal segment when the shapes face each other, else an elbow."""
        s, t = self.boxes[a], self.boxes[b]
        lo, hi = max(s.left, t.left), min(s.right, t.right)
        if hi - lo > 4:
            x = (lo + hi) / 2
            return _simplify([(x, s.bottom), (x, t.top)] if s.cy < t.cy else [(x, s.top), (x, t.bottom)])
        lo, hi = max(s.top, t.top), min(s.bottom, t.bottom)
        if hi - lo > 4:
            y = (lo + hi) / 2
            return _simplify([(s.right, y), (t.left, y)] if s.cx < t.cx else [(s.left, y), (t.right, y)])
        return _simplify([(s.right if t.cx > s.cx else s.left, s.cy), (t.cx, s.cy), (t.cx, t.top if t.cy > s.cy else t.bottom)])

    def vertical(self, a: str, b: str) -> list[Point]:
        """A message flow between pools: down (or up) from one shape to the other."""
        s, t = self.boxes[a], self.boxes[b]
        lo, hi = max(s.left, t.left), min(s.right, t.right)
        down = s.cy < t.cy
        sy, ty = (s.bottom, t.top) if down else (s.top, t.bottom)
        if hi - lo > 4:
            x = (lo + hi) / 2
            return _simplify([(x, sy), (x, ty)])
        mid = (sy + ty) / 2
        return _simplify([(s.cx, sy), (s.cx, mid), (t.cx, mid), (t.cx, ty)])

    def _best_spot(self, spots: Sequence[Bounds], others: Sequence[Bounds] | None, skip: object = None) -> int:
        """The index of the spot covering fewest shapes, then fewest other labels, then crossing no flow.

        ``others`` are the labels to keep clear of; None: the placed labels (:attr:`labels`) but the
        one keyed ``skip``, looked up in their grid. Shapes and flows are looked up in theirs.
        """

        def hit(spot: Bounds, b: Bounds) -> bool:
            return spot.x < b.x + b.width and b.x < spot.x + spot.width and spot.y < b.y + b.height and b.y < spot.y + spot.height

        def shapes(spot: Bounds) -> int:
            near = self._shape_grid.near(spot.x, spot.x + spot.width, spot.y, spot.y + spot.height)
            return sum(hit(spot, self.boxes[k].bounds()) for k in near)

        def labels(spot: Bounds) -> int:
            if others is not None:
                return sum(hit(spot, b) for b in others)
            near = self._label_grid.near(spot.x, spot.x + spot.width, spot.y, spot.y + spot.height)
            return sum(hit(spot, self._labels[k]) for k in near if k != skip)

        def crosses(spot: Bounds) -> bool:  # a segment's box grown by 1 on each side
            for i in self._segment_grid.near(spot.x - 2, spot.x + spot.width + 2, spot.y - 2, spot.y + spot.height + 2):
                a, b, _s, _t = self.segments[i]
                line = Bounds(min(a[0], b[0]) - 1, min(a[1], b[1]) - 1, abs(a[0] - b[0]) + 2, abs(a[1] - b[1]) + 2)
                if hit(spot, line):
                    return True
            return False

        return min(range(len(spots)), key=lambda i: (shapes(spots[i]), labels(spots[i]), crosses(spots[i]), i))

    def node_label(self, node: str, label: Bounds, others: Sequence[Bounds] | None = None) -> Bounds:
        """A gateway's or event's label moved off the flows: below its shape as given, else above or beside it.

        It keeps clear of ``others``, or, when None, of the placed labels (:attr:`labels`, set as a
        dict by node) but its own, and then takes its new place among them.
        """
        b, w, h = self.boxes[node], label.width, label.height
        spots = [
            label,
            Bounds(b.cx - w / 2, b.top - 4 - h, w, h),
            Bounds(b.right + 2, b.bottom + 2, w, h),
            Bounds(b.right + 2, b.top - 2 - h, w, h),
            Bounds(b.left - 2 - w, b.bottom + 2, w, h),
            Bounds(b.left - 2 - w, b.top - 2 - h, w, h),
        ]
        best = spots[self._best_spot(spots, others, skip=node)]
        if others is None:
            self._put_label(node, best)
        return best

    def flow_label(self, pts: Sequence[Point], name: str) -> Bounds | None:
        """Where a flow's name (a condition or a frequency) goes: beside the flow, as near its start as it can.

        Spots are tried along the segments from the source (a condition belongs at the gateway's exit),
        first just after each segment's start, then at its middle, on both sides. The first spot that
        covers no shape and no label placed so far (:attr:`labels`) and crosses no flow wins; failing
        that the first that covers no shape or label, then the first that covers no shape. The chosen
        spot is added to :attr:`labels`.
        """
        if not name:
            return None
        lines = wrap_text(name, 14)
        h = len(lines) * LINE_HEIGHT
        w = min(LABEL_WIDTH, max(len(line) for line in lines) * CHAR_WIDTH + 2)
        spots: list[Bounds] = []
        for p, q in zip(pts, pts[1:], strict=False):
            mx, my = (p.x + q.x) / 2, (p.y + q.y) / 2
            if abs(p.y - q.y) < 0.01:
                x0 = p.x + 8 if q.x > p.x else p.x - 8 - w
                for x in (x0, mx - w / 2):
                    spots += [Bounds(x, p.y - h - 3, w, h), Bounds(x, p.y + 3, w, h)]
            else:
                y0 = p.y + 8 if q.y > p.y else p.y - 8 - h
                for y in (y0, my - h / 2):
                    spots += [Bounds(p.x + 5, y, w, h), Bounds(p.x - 5 - w, y, w, h)]
        if not spots:
            return None
        best = self._best_spot(spots, None)
        self._put_label(("flow", len(self._labels)), spots[best])
        return spots[best]


def _note_spot(size: tuple[float, float], target: Box, taken: list[Box], pools: list[Box]) -> Box:
    """A free place for an annotation near ``target``: above right, above, below right, below, right, left."""
    w, h = size
    spots = [
        Box(target.right + 20, target.top - h - 20, target.right + 20 + w, target.top - 20),
        Box(target.cx - w / 2, target.top - h - 24, target.cx + w / 2, target.top - 24),
        Box(target.right + 20, target.bottom + 20, target.right + 20 + w, target.bottom + 20 + h),
        Box(target.cx - w / 2, target.bottom + 24, target.cx + w / 2, target.bottom + 24 + h),
        Box(target.right + 20, target.cy - h / 2, target.right + 20 + w, target.cy + h / 2),
        Box(target.left - 20 - w, target.cy - h / 2, target.left - 20, target.cy + h / 2),
    ]

    def free(b: Box) -> bool:
        return all(b.right + 6 <= o.left or b.left >= o.right + 6 or b.bottom + 6 <= o.top or b.top >= o.bottom + 6
                   for o in taken)  # fmt: skip

    def crosses_pool_edge(b: Box) -> bool:
        return any(not (b.bottom <= p.top or b.top >= p.bottom) and not (p.top <= b.top and b.bottom <= p.bottom)
                   for p in pools)  # fmt: skip

    return next((b for b in spots if free(b) and not crosses_pool_edge(b)), next((b for b in spots if free(b)), spots[0]))


def place_collaboration_notes(
    collab: Collaboration,
    sizes: dict[str, tuple[float, float]],
    boxes: dict[str, Box],
    shapes: list[Shape],
    edges: list[Edge],
) -> tuple[list[Shape], list[Edge]]:
    """Shapes for the collaboration's text annotations, and its associations (used by :mod:`crmflow.bpmn.layout`).

    An annotation associated with a shape (a pool, a flow node) or a flow goes into the first free spot
    beside it (:func:`_note_spot`) that covers no shape or label and stays inside or outside each pool;
    one without an association goes below the diagram. ``sizes`` are the annotations' sizes, ``boxes``
    every shape placed so far, ``shapes`` and ``edges`` the diagram so far (for label and flow positions).
    """
    if not collab.text_annotations:
        return [], []
    flow_mid: dict[str, Box] = {}
    for e in edges:  # an annotation on a message or sequence flow sits by the middle of the flow
        if len(e.waypoints) >= 2:
            p0, p1 = e.waypoints[len(e.waypoints) // 2 - 1], e.waypoints[len(e.waypoints) // 2]
            mx, my = (p0.x + p1.x) / 2, (p0.y + p1.y) / 2
            flow_mid[e.element] = Box(mx - 1, my - 1, mx + 1, my + 1)
    pools = [boxes[p.id] for p in collab.participants if p.id in boxes]
    pool_ids = {p.id for p in collab.participants}
    taken = [b for k, b in boxes.items() if k not in pool_ids]
    for shape in shapes:
        if shape.label is not None:
            lab = shape.label
            taken.append(Box(lab.x, lab.y, lab.x + lab.width, lab.y + lab.height))
    notes = {t.id: t for t in collab.text_annotations}
    target_of: dict[str, str] = {}
    for a in collab.associations:
        for end, other in ((a.source, a.target), (a.target, a.source)):
            if end in notes and end not in target_of and (other in boxes or other in flow_mid):
                target_of[end] = other
    out_shapes: list[Shape] = []
    placed: dict[str, Box] = {}
    bottom = max((b.bottom for b in boxes.values()), default=0.0)
    for note in collab.text_annotations:
        size = sizes[note.id]
        target = target_of.get(note.id)
        if target is None:  # not associated: below everything, one after another
            left = max((b.right for b in placed.values() if b.top >= bottom), default=0.0) + (20 if placed else 0)
            box = Box(left, bottom + 30, left + size[0], bottom + 30 + size[1])
        else:
            box = _note_spot(size, boxes.get(target) or flow_mid[target], taken, pools)
        placed[note.id] = box
        taken.append(box)
        out_shapes.append(Shape(id=f"{note.id}_di", element=note.id, bounds=box.bounds()))
    router = Router({**boxes, **placed, **flow_mid}, {})
    out_edges = [
        Edge(id=f"{a.id}_di", element=a.id, waypoints=tuple(router.straight(a.source, a.target)))
        for a in collab.associations
        if {a.source, a.target} <= set(router.boxes)
    ]
    return out_shapes, out_edges


__all__ = ["Box", "Grid", "Router", "place_collaboration_notes"]
