"""What the process map shows: the activities and transitions of each slider position.

The map has two sliders, as in Disco. The *activity* slider chooses how many of the most frequent
activities are drawn (each position is a level with its own layout); the *path* slider how many of
the transitions between them. At every level the transitions are put in one order:

1. the *floor*: the fewest edges that keep every shown activity on a path from the start to the
   end (each activity's most frequent way in and out, then bridges) — always drawn;
2. the *default* extra edges: the most frequent ones up to ``edge_coverage`` of the transitions,
   and every edge that tells where cases end or loop — an edge into the end, a self-loop, a return
   to an earlier step (an earlier declared stage, or a step nearer the start) and a move into an
   end activity (a lost deal) are never hidden by default;
3. every other transition between the shown activities, most frequent first.

The path slider runs from the floor to all edges, so moving both sliders to the right draws every
transition of the log; a level says at each position how many transitions and moves are hidden.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

START = "__start__"
END = "__end__"

#: Why an edge is drawn by default even when it is rare.
EdgeKind = Literal["start", "end", "loop", "return", "into_end", "main"]
#: Without declared end activities, an activity is an end stage (a deal lost, a ticket closed) when it
#: ends at least END_SHARE of the cases (as in the audit rules) and at least END_STAGE_SHARE of its
#: own events end their case: a work item that often comes last (BPIC 2012's W_ items) is not one.
END_SHARE = 0.05
END_STAGE_SHARE = 0.2


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


# --------------------------------------------------------------------------- slider levels


@dataclass(frozen=True)
class MapEdge:
    """One edge of a level: ``START``/``END`` stand for the pseudo-nodes; ``kind`` says what it shows."""

    source: str
    target: str
    count: int
    kind: EdgeKind

    @property
    def real(self) -> bool:
        """A transition of the log (not an edge from the start or into the end)."""
        return self.source != START and self.target != END


@dataclass(frozen=True)
class MapLevel:
    """One position of the activity slider: its activities and its edges in path-slider order.

    The first ``floor`` edges are always drawn, the first ``default`` ones at the default position;
    ``total_edges``/``total_transitions`` count the whole log's directly-follows graph.
    """

    activities: tuple[str, ...]
    edges: tuple[MapEdge, ...]
    floor: int
    default: int
    total_activities: int
    total_edges: int
    total_transitions: int
    coverage: float

    def hidden(self, shown: int) -> tuple[int, int]:
        """Transitions (distinct edges) and moves (their counts) hidden when ``shown`` edges are drawn."""
        drawn = [e for e in self.edges[:shown] if e.real]
        return self.total_edges - len(drawn), self.total_transitions - sum(e.count for e in drawn)


@dataclass(frozen=True)
class MapLevels:
    """Every activity-slider level, and which one the map opens at."""

    levels: tuple[MapLevel, ...]
    default: int

    @property
    def current(self) -> MapLevel:
        return self.levels[self.default]


def end_stages(end_activities: Mapping[str, int], activity_events: Mapping[str, int], declared: Collection[str] = ()) -> set[str]:
    """The activities a move into is never hidden by default: the declared end activities, else see :data:`END_STAGE_SHARE`.

    >>> sorted(end_stages({"Lost": 40, "Call": 30, "Won": 30}, {"Lost": 40, "Call": 900, "Won": 30}))
    ['Lost', 'Won']
    """
    if declared:
        return set(declared)
    cases = sum(int(c) for c in end_activities.values())
    return {
        a
        for a, c in end_activities.items()
        if cases and int(c) >= END_SHARE * cases and int(c) >= END_STAGE_SHARE * (activity_events.get(a) or int(c))
    }


def map_levels(
    dfg: Sequence[Mapping[str, Any]],
    start_activities: Mapping[str, int],
    end_activities: Mapping[str, int],
    activity_events: Mapping[str, int] | None = None,
    *,
    declared_ends: Collection[str] = (),
    stages: Sequence[str] = (),
    max_activities: int = 25,
    edge_coverage: float = 0.9,
    max_levels: int = 10,
) -> MapLevels:
    """The slider levels of a process map (see the module docstring).

    Parameters
    ----------
    dfg, start_activities, end_activities, activity_events
        As for :func:`select_graph`.
    declared_ends
        The audit rules' end activities; without them, see :func:`end_stages`.
    stages
        The declared stages in order: a move to an earlier stage is a return.
    max_activities
        Activities drawn at the default level; the slider goes up to all of them.
    edge_coverage
        Share of the transitions the default's most frequent edges carry.
    max_levels
        At most about this many activity levels (each is laid out by Graphviz).

    Examples
    --------
    >>> dfg = [{"source": "A", "target": "B", "count": 9}, {"source": "B", "target": "A", "count": 1}]
    >>> lv = map_levels(dfg, {"A": 9}, {"B": 9}, stages=["A", "B"])
    >>> [(e.source, e.target, e.kind) for e in lv.current.edges]
    [('A', 'B', 'into_end'), ('B', '__end__', 'end'), ('__start__', 'A', 'start'), ('B', 'A', 'return')]
    >>> lv.current.hidden(lv.current.default)  # the return to an earlier stage B -> A is drawn by default
    (0, 0)
    """
    names = {str(a) for a in start_activities} | {str(a) for a in end_activities} | set(activity_events or ())
    for edge in dfg:
        names.update((str(edge["source"]), str(edge["target"])))
    n = len(names)
    if n == 0:
        empty = MapLevel((), (), 0, 0, 0, len(dfg), sum(int(e["count"]) for e in dfg), 1.0)
        return MapLevels((empty,), 0)
    default_k = min(n, max_activities)
    if n <= max_levels + 2:
        ks = list(range(min(2, n), n + 1))
    else:
        step = (n - 2) / max(1, max_levels - 1)
        ks = sorted({2 + round(i * step) for i in range(max_levels)} | {default_k, n})
    ends = end_stages(end_activities, activity_events or _events_from_dfg(dfg, start_activities), declared_ends)
    levels: list[MapLevel] = []
    default = 0
    for k in ks:
        sel = select_graph(dfg, start_activities, end_activities, activity_events, max_activities=k, edge_coverage=edge_coverage)
        if levels and levels[-1].activities == sel.activities:
            if k <= default_k:
                default = len(levels) - 1
            continue
        levels.append(_level(sel, dfg, start_activities, end_activities, ends=ends, stages=stages))
        if k <= default_k:
            default = len(levels) - 1
    return MapLevels(tuple(levels), default)


def _level(
    sel: MapSelection,
    dfg: Sequence[Mapping[str, Any]],
    starts: Mapping[str, int],
    ends_count: Mapping[str, int],
    *,
    ends: Collection[str],
    stages: Sequence[str],
) -> MapLevel:
    kept = list(sel.activities)
    floor = _select_edges(kept, dfg, starts, ends_count, 0.0)
    frequent = set(sel.edges)
    dist = _distances(floor + list(sel.edges))
    stage_rank = {name: i for i, name in enumerate(stages)}
    # with coverage 1 every edge between the shown activities (and from the start, into the end) is a candidate
    every = {(s, d): c for s, d, c in _select_edges(kept, dfg, starts, ends_count, 1.0)}

    def earlier(s: str, d: str) -> bool:
        if s in stage_rank and d in stage_rank:
            return stage_rank[d] < stage_rank[s]
        return dist.get(d, 0) < dist.get(s, 0)

    def kind(s: str, d: str) -> EdgeKind:
        if s == START:
            return "start"
        if d == END:
            return "end"
        if s == d:
            return "loop"
        if d in ends:  # a move into a lost stage reads as a loss, wherever it comes from
            return "into_end"
        if earlier(s, d):
            return "return"
        return "main"

    def forced(s: str, d: str) -> bool:
        """Drawn by default however rare: where cases start and end, loops, losses, returns between stages.

        A return found only by distance from the start (no declared stages) is coloured as a
        return but not forced: in a log like BPIC 2012, where work items interleave, half the
        edges would be "returns" and the default map would be spaghetti.
        """
        k = kind(s, d)
        return k in ("start", "end", "loop", "into_end") or (k == "return" and s in stage_rank and d in stage_rank)

    def order(items: Any) -> list[tuple[str, str, int]]:
        return sorted(items, key=lambda e: (-e[2], e[0], e[1]))

    first = order(set(floor))
    taken = set(first)
    second = order((s, d, c) for (s, d), c in every.items() if (s, d, c) not in taken and ((s, d, c) in frequent or forced(s, d)))
    taken |= set(second)
    third = order((s, d, c) for (s, d), c in every.items() if (s, d, c) not in taken)
    edges = tuple(MapEdge(s, d, c, kind(s, d)) for s, d, c in first + second + third)
    return MapLevel(
        activities=sel.activities,
        edges=edges,
        floor=len(first),
        default=len(first) + len(second),
        total_activities=sel.total_activities,
        total_edges=sel.total_edges,
        total_transitions=sum(int(e["count"]) for e in dfg),
        coverage=sel.coverage,
    )


def _distances(edges: Sequence[tuple[str, str, int]]) -> dict[str, int]:
    """Each activity's distance from the start over the main edges (floor and most frequent).

    A move to a step nearer the start is a return; running over the main edges only, a rare
    backward edge does not make an early step look late.
    """
    succ: dict[str, list[str]] = {}
    for s, d, _ in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        succ.setdefault(s, []).append(d)
    dist = {START: 0}
    queue = [START]
    for node in queue:
        for nxt in succ.get(node, ()):
            if nxt not in dist:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return dist
