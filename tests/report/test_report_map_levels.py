"""The process map's sliders on the demo and on real logs: the default hides no end, loop, return or
move into an end activity; the sliders reach every transition; totals add up; labels clear their edges.

Regression for issue 17: the report's map hid 7 of 15 transitions of the demo with no control to
show them, among them the 80 rework returns and 529 of the 738 moves into «Сделка проиграна», and
the first digit of "1 500" sat under its arrow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from lxml import etree

from crmflow.base.text import text_width
from crmflow.demo.bitrix import generate_bitrix_demo
from crmflow.mining.dfg import discover_dfg
from crmflow.mining.statistics import activity_statistics
from crmflow.report.map_select import END, START
from crmflow.report.processmap import levels_of, render_process_maps
from crmflow.results.audit import AuditDocument
from crmflow.sources.reader import read_log
from tests.conftest import real

SVG = "{http://www.w3.org/2000/svg}"
LOST = "Сделка проиграна"


def _document(log, rules: dict | None = None) -> AuditDocument:
    dfg = discover_dfg(log)
    return AuditDocument.from_json(
        {
            "dfg": [e.to_dict() for e in dfg.edges],
            "start_activities": dfg.start_activities,
            "end_activities": dfg.end_activities,
            "activities": [a.to_dict() for a in activity_statistics(log)],
            "rules": rules,
        }
    )


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> dict[str, AuditDocument]:
    root: Path = tmp_path_factory.mktemp("demo")
    demo = generate_bitrix_demo(root, n_deals=1500, seed=7)
    rules = yaml.safe_load(demo.rules_path.read_text(encoding="utf-8"))
    out = {"demo": _document(read_log(demo.csv_path, timezone=rules["calendar"]["timezone"]), rules)}
    for name in ("helpdesk", "bpic2012"):
        out[name] = _document(read_log(real(f"{name}.xes.gz")))
    return out


def _ends(doc: AuditDocument) -> set[str]:
    """Declared end activities; else those ending ≥ 5 % of the cases with ≥ 20 % of their events last."""
    declared = set((doc.rules or {}).get("end_activities") or ())
    if declared:
        return declared
    cases = sum(doc.end_activities.values())
    events = {a.activity: a.events for a in doc.activities}
    return {a for a, c in doc.end_activities.items() if c >= 0.05 * cases and c >= 0.2 * events[a]}


@pytest.mark.parametrize("name", ["demo", "helpdesk", "bpic2012"])
def test_default_hides_no_end_loop_or_move_into_an_end_activity(docs, name):
    doc = docs[name]
    level = levels_of(doc).current
    shown = set(level.activities)
    drawn = {(e.source, e.target) for e in level.edges[: level.default]}
    ends = _ends(doc)
    assert ends  # every log here has a stage where cases end (lost deals, A_DECLINED, Closed)
    for a in shown:
        if doc.end_activities.get(a):
            assert (a, END) in drawn, f"where cases end: {a} → end is hidden"
    for e in doc.dfg:
        if e.source in shown and e.target in shown and (e.source == e.target or e.target in ends):
            assert (e.source, e.target) in drawn, f"{e.source} → {e.target} ({e.count}) is hidden by default"


def test_demo_default_shows_the_rework_returns_and_every_lost_deal(docs):
    doc = docs["demo"]
    level = levels_of(doc).current
    drawn = level.edges[: level.default]
    stages = doc.rules["stages"]
    returns = [
        e for e in doc.dfg if e.source in stages and e.target in stages and stages.index(e.target) < stages.index(e.source)
    ]
    assert sum(e.count for e in returns) >= 80
    for e in returns:
        assert (e.source, e.target, e.count) in {(d.source, d.target, d.count) for d in drawn}
    lost_events = next(a.events for a in doc.activities if a.activity == LOST)
    assert sum(e.count for e in drawn if e.target == LOST) == lost_events == 738


@pytest.mark.parametrize("name", ["demo", "helpdesk", "bpic2012"])
def test_sliders_reach_every_transition_and_totals_add_up(docs, name):
    doc = docs[name]
    levels = levels_of(doc)
    last = levels.levels[-1]
    names = {e.source for e in doc.dfg} | {e.target for e in doc.dfg} | set(doc.start_activities)
    assert set(last.activities) == names
    assert last.hidden(len(last.edges)) == (0, 0)
    assert {(e.source, e.target) for e in last.edges if e.real} == {(e.source, e.target) for e in doc.dfg}
    events = {a.activity: a.events for a in doc.activities}
    for a in last.activities:  # every event comes in by one edge and leaves by one
        assert sum(e.count for e in last.edges if e.target == a) == events[a]
        assert sum(e.count for e in last.edges if e.source == a) == events[a]
    for level in levels.levels:  # at every position, drawn + hidden = the log's transitions and moves
        assert level.floor <= level.default <= len(level.edges)
        for shown in (level.floor, level.default, len(level.edges)):
            hidden, moves = level.hidden(shown)
            real = [e for e in level.edges[:shown] if e.real]
            assert hidden + len(real) == len(doc.dfg)
            assert moves + sum(e.count for e in real) == sum(e.count for e in doc.dfg)


def test_demo_caption_says_what_is_hidden(docs):
    maps = render_process_maps(docs["demo"], view="frequency", lang="ru")
    low = maps.maps[0]
    hidden, moves = low.hidden_edges, low.hidden_moves
    assert hidden > 0
    assert f"Скрыто переходов: {hidden} из 15" in low.caption.replace("\xa0", " ")
    assert f"перемещений: {format(moves, ',').replace(',', ' ')}" in low.caption.replace("\xa0", " ").replace("\u202f", " ")
    assert "Скрыто" not in maps.current.caption  # the demo's default hides nothing


# --------------------------------------------------------------------------- label geometry

_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def _bezier_points(d: str) -> list[tuple[float, float]]:
    """Points along dot's path ``M x,y C x1,y1 x2,y2 x3,y3 ...``."""
    values = [float(v) for v in _NUM.findall(d)]
    pts = list(zip(values[::2], values[1::2], strict=False))
    out = [pts[0]]
    for i in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for k in range(1, 21):
            t = k / 20
            a, b, c, e = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            out.append((a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1]))
    return out


def _text_box(text) -> tuple[float, float, float, float]:
    x, y, size = float(text.get("x")), float(text.get("y")), float(text.get("font-size"))
    width = text_width("".join(text.itertext()), size)
    anchor = text.get("text-anchor", "start")
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return left, y - 0.75 * size, left + width, y + 0.2 * size


def _polygon_overlaps(points: list[tuple[float, float]], box: tuple[float, float, float, float]) -> bool:
    """Whether a polyline's points (dense for curves) or an arrow head's corners fall in the box."""
    left, top, right, bottom = box
    if any(left < x < right and top < y < bottom for x, y in points):
        return True
    if len(points) <= 4:  # an arrow head: also the box's corners inside the triangle's bounding box
        xs, ys = [x for x, _ in points], [y for _, y in points]
        return min(xs) < right and max(xs) > left and min(ys) < bottom and max(ys) > top and _triangle_hits(points, box)
    return False


def _triangle_hits(points: list[tuple[float, float]], box: tuple[float, float, float, float]) -> bool:
    left, top, right, bottom = box
    samples = [(left + (right - left) * i / 8, top + (bottom - top) * j / 4) for i in range(9) for j in range(5)]
    a, b, c = points[:3]

    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    for pt in samples:
        d1, d2, d3 = side(a, b, pt), side(b, c, pt), side(c, a, pt)
        if not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0)):
            return True
    return False


@pytest.mark.parametrize("name", ["demo", "helpdesk", "bpic2012"])
@pytest.mark.parametrize("view", ["frequency", "performance"])
def test_edge_labels_clear_every_line_and_arrow_head(docs, name, view):
    drawn = render_process_maps(docs[name], view=view, lang="ru").current
    root = etree.fromstring(drawn.svg)
    edges = [g for g in root.iter(f"{SVG}g") if "edge" in (g.get("class") or "").split() and "pm-off" not in g.get("class")]
    assert edges
    heads = []  # every drawn arrow head, with half its stroke width
    for g in edges:
        for poly in g.iter(f"{SVG}polygon"):
            values = [float(v) for v in _NUM.findall(poly.get("points"))]
            heads.append((list(zip(values[::2], values[1::2], strict=False)), float(poly.get("stroke-width") or 1) / 2))
    checked = 0
    for g in edges:
        # a label must clear its own line and every arrow head (other lines may cross it, as in any map)
        own = [(_bezier_points(p.get("d")), float(p.get("stroke-width") or 1) / 2) for p in g.iter(f"{SVG}path")]
        for text in g.iter(f"{SVG}text"):
            if not "".join(text.itertext()).strip():
                continue
            left, top, right, bottom = _text_box(text)
            for points, half in own + heads:
                if _polygon_overlaps(points, (left - half, top - half, right + half, bottom + half)):
                    raise AssertionError(f"{''.join(text.itertext())!r} at ({left:.0f}, {top:.0f}) is under a line or arrow head")
            checked += 1
    assert checked or view == "performance"


def test_edges_beyond_the_default_are_hidden_and_ranked(docs):
    drawn = render_process_maps(docs["bpic2012"], view="frequency", lang="en").current
    root = etree.fromstring(drawn.svg)
    ranks = {}
    for g in root.iter(f"{SVG}g"):
        if "edge" in (g.get("class") or "").split():
            rank = int(g.get("data-rank"))
            ranks[rank] = "pm-off" in g.get("class")
    level = drawn.level
    assert level is not None and sorted(ranks) == list(range(len(level.edges)))
    assert all(off == (rank >= level.default) for rank, off in ranks.items())
    assert START not in drawn.svg and END not in drawn.svg  # the pseudo-nodes are named, not shown by id
