"""The process map: which part of the graph is drawn, and that the SVG is safe to inline."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crmflow.errors import CrmflowError, GraphvizNotFoundError
from crmflow.report.processmap import (
    END,
    START,
    render_process_map,
    select_graph,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ["<script>alert(1)</script>", '"onload="x', "&amp;", "]]>", "Звонок \\N клиенту", "<b>жирный</b>"]


def synthetic_log(n_activities: int = 60, n_edges: int = 400, seed: int = 1) -> dict:
    """A DFG with a frequent main path, many rare detours and Zipf-like activity frequencies."""
    rng = random.Random(seed)
    names = [f"Этап {i:02d}" for i in range(n_activities)]
    edges: dict[tuple[str, str], int] = {}
    for i in range(n_activities - 1):
        edges[(names[i], names[i + 1])] = max(1, 1000 // (i + 1))
    while len(edges) < n_edges:
        a, b = rng.sample(names, 2)
        edges.setdefault((a, b), rng.randint(1, 6))
    dfg = [
        {"source": s, "target": d, "count": c, "cases": c, "median_s": rng.uniform(60, 10 * 86_400)}
        for (s, d), c in edges.items()
    ]
    return {"dfg": dfg, "start_activities": {names[0]: 1000}, "end_activities": {names[-1]: 600, names[5]: 400}}


def paths_ok(selection) -> bool:
    """Every shown activity lies on a path from START to END through shown edges."""
    succ: dict[str, set[str]] = {}
    pred: dict[str, set[str]] = {}
    for s, d, _ in selection.edges:
        succ.setdefault(s, set()).add(d)
        pred.setdefault(d, set()).add(s)

    def reach(root, nxt):
        seen, stack = {root}, [root]
        while stack:
            for x in nxt.get(stack.pop(), ()):
                if x not in seen:
                    seen.add(x)
                    stack.append(x)
        return seen

    forward, backward = reach(START, succ), reach(END, pred)
    return all(a in forward and a in backward for a in selection.activities)


def test_small_graph_is_drawn_whole():
    dfg = [{"source": "A", "target": "B", "count": 5}, {"source": "B", "target": "C", "count": 5}]
    sel = select_graph(dfg, {"A": 5}, {"C": 5})
    assert sel.activities == ("A", "B", "C") or set(sel.activities) == {"A", "B", "C"}
    assert sel.shown_edges == 2 and sel.total_edges == 2
    assert sel.coverage == 1.0 and sel.transition_coverage == 1.0
    assert (START, "A", 5) in sel.edges and ("C", END, 5) in sel.edges


def test_sixty_activities_are_reduced_and_stay_connected():
    log = synthetic_log()
    sel = select_graph(log["dfg"], log["start_activities"], log["end_activities"], max_activities=25)
    assert 2 <= len(sel.activities) <= 25
    assert sel.total_activities == 60 and sel.total_edges == 400
    assert sel.shown_edges < 400
    assert paths_ok(sel)
    assert 0.5 < sel.coverage < 1.0  # the frequent main path dominates the events


def test_sixty_activity_map_has_a_caption_saying_what_is_hidden():
    drawn = render_process_map(synthetic_log(), view="frequency", lang="ru")
    assert drawn.shown_activities <= 25
    assert drawn.total_activities == 60
    assert f"Показано {drawn.shown_activities} из 60 действий" in drawn.caption
    assert "из 400 переходов" in drawn.caption and "событий" in drawn.caption
    assert len(drawn.hidden_activities) == 60 - drawn.shown_activities
    english = render_process_map(synthetic_log(), view="frequency", lang="en")
    assert f"Showing {english.shown_activities} of 60 activities" in english.caption


def test_svg_is_embeddable_with_unique_ids():
    log = synthetic_log(12, 30)
    freq = render_process_map(log, view="frequency", lang="en")
    perf = render_process_map(log, view="performance", lang="en")
    for drawn in (freq, perf):
        assert drawn.svg.startswith("<svg") and "<?xml" not in drawn.svg and "<!DOCTYPE" not in drawn.svg
        assert "<!--" not in drawn.svg
    ids = lambda svg: set(etree.fromstring(svg).xpath("//@id"))  # noqa: E731
    assert ids(freq.svg) and not ids(freq.svg) & ids(perf.svg)
    assert all(i.startswith("pm-frequency-") for i in ids(freq.svg))


def test_frequency_labels_are_counts_and_performance_labels_are_durations():
    log = {
        "dfg": [
            {"source": "Лид", "target": "Сделка", "count": 1234, "median_s": 2 * 86_400 + 4 * 3_600},
            {"source": "Сделка", "target": "Оплата", "count": 7, "median_s": 900},
        ],
        "start_activities": {"Лид": 1234},
        "end_activities": {"Оплата": 7, "Сделка": 1227},
    }
    freq = etree.fromstring(render_process_map(log, view="frequency", lang="en").svg)
    texts = {"".join(t.itertext()) for t in freq.iter(f"{SVG}text")}
    assert "1,234" in texts and "7" in texts
    perf_svg = render_process_map(log, view="performance", lang="ru").svg
    perf = etree.fromstring(perf_svg)
    texts = {"".join(t.itertext()).replace("\xa0", " ") for t in perf.iter(f"{SVG}text")}
    assert "2 календарных дня 4 ч" in texts and "15 мин" in texts
    # the slowest edge is red, the fast one is not
    slow = [g for g in perf.iter(f"{SVG}g") if g.get("class") == "edge" and "2" in (g.findtext(f"{SVG}title") or "")]
    colours = {p.get("stroke") for g in perf.iter(f"{SVG}g") if g.get("class") == "edge" for p in g.iter(f"{SVG}path")}
    assert "#c53030" in colours
    assert slow


def test_hostile_names_are_escaped_in_the_svg():
    chain = HOSTILE
    log = {
        "dfg": [{"source": a, "target": b, "count": 3, "median_s": 60.0} for a, b in zip(chain, chain[1:], strict=False)],
        "start_activities": {chain[0]: 3},
        "end_activities": {chain[-1]: 3},
    }
    for view in ("frequency", "performance"):
        svg = render_process_map(log, view=view, lang="ru").svg
        root = etree.fromstring(svg)  # well-formed XML
        assert not [e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("script")]
        assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
        titles = {e.text for e in root.iter(f"{SVG}title")}
        for name in chain:
            assert name in titles  # the name is shown as text, exactly
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        texts = "".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
        assert "Звонок \\N клиенту" in texts  # dot escapes such as \N are not interpreted


def test_missing_dot_raises_a_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GraphvizNotFoundError) as info:
        render_process_map(synthetic_log(8, 10), view="frequency", lang="en")
    assert isinstance(info.value, CrmflowError)
    assert "apt-get install graphviz" in str(info.value) and "brew install graphviz" in str(info.value)


@settings(max_examples=80, deadline=None)
@given(
    traces=st.lists(st.lists(st.integers(0, 39), min_size=1, max_size=12), min_size=1, max_size=60),
    max_activities=st.integers(2, 25),
)
def test_selection_invariants(traces, max_activities):
    """Over DFGs of real traces: at most N activities, all on a start-to-end path."""
    dfg: dict[tuple[str, str], int] = {}
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    for trace in traces:
        names = [f"a{i}" for i in trace]
        starts[names[0]] = starts.get(names[0], 0) + 1
        ends[names[-1]] = ends.get(names[-1], 0) + 1
        for s, d in zip(names, names[1:], strict=False):
            dfg[(s, d)] = dfg.get((s, d), 0) + 1
    rows = [{"source": s, "target": d, "count": c} for (s, d), c in dfg.items()]
    first = min(starts, key=lambda a: (-starts[a], a))
    sel = select_graph(rows, starts, ends, max_activities=max_activities)
    assert len(sel.activities) <= max_activities
    assert paths_ok(sel) or not sel.connected
    if max_activities >= sel.total_activities:
        assert sel.connected
    assert 0.0 <= sel.coverage <= 1.0 and 0.0 <= sel.transition_coverage <= 1.0
    shown = set(sel.activities) | {START, END}
    assert all(s in shown and d in shown for s, d, _ in sel.edges)
    assert sel.activities  # something is always drawn
    if max_activities >= sel.total_activities:
        assert first in sel.activities and sel.coverage == 1.0


def test_graphviz_warnings_stay_out_of_the_console(tmp_path, capfd) -> None:
    """dot warns on stderr while it lays out receipt's maps ("Unable to reclaim box space in spline routing
    ... Something is probably seriously wrong") and draws them all the same; a consultant running the audit
    must not read that: the maps are drawn and nothing reaches the terminal."""
    import crmflow
    from tests.conftest import real

    result = crmflow.audit(crmflow.read_log(real("receipt.xes")))
    result.write(tmp_path)
    err = capfd.readouterr().err
    assert "Warning" not in err and "seriously wrong" not in err, err[:500]
    assert (tmp_path / "report.html").read_text(encoding="utf-8").count('class="process-map"') >= 2
