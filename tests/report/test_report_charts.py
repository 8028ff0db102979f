"""Hand-written SVG charts: well-formed, escaped, and drawn to scale."""

from __future__ import annotations

import pytest
from lxml import etree

from crmflow.base.text import text_width
from crmflow.findings.funnel import FunnelStage
from crmflow.report import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ["<script>alert(1)</script>", '"onload="x', "&amp;", "]]>", "Согласование\x00 скидки"]


def parse(svg: str) -> etree._Element:
    root = etree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert not [e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("script")]
    assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
    return root


def texts(root: etree._Element) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text", f"{SVG}title"))


def test_bar_chart_scales_bars_and_escapes_labels():
    items = [(name, float(10 * (i + 1))) for i, name in enumerate(HOSTILE)]
    root = parse(charts.bar_chart(items, title="События <по> действиям", value_text=lambda v: f"{v:.0f}"))
    rects = root.findall(f".//{SVG}rect")
    widths = [float(r.get("width")) for r in rects]
    assert len(rects) == len(items)
    assert widths[-1] == max(widths) and widths[0] == pytest.approx(widths[-1] / 5, rel=0.01)
    shown = texts(root)
    assert "<script>alert(1)</script>" in shown and '"onload="x' in shown and "&amp;" in shown and "]]>" in shown
    assert "Согласование скидки" in shown  # control characters dropped
    assert root.findtext(f"{SVG}title") == "События <по> действиям"


def test_bar_chart_highlights():
    svg = charts.bar_chart([("A", 1.0), ("B", 2.0)], title="T", value_text=str, highlight=["B"])
    fills = [r.get("fill") for r in parse(svg).iter(f"{SVG}rect")]
    assert fills[0] != fills[1]


def test_histogram_labels_buckets_as_durations_and_marks_the_limit():
    edges = [0, 3_600, 86_400, 3 * 86_400, 7 * 86_400]
    root = parse(
        charts.histogram(
            edges,
            [5, 20, 7, 1],
            title="Время",
            lang="ru",
            x_label="длительность",
            y_label="случаев",
            limit_s=86_400,
            limit_text="норматив 1 календарный день",
        )
    )
    shown = texts(root).replace("\xa0", " ")
    for label in ("длительность", "случаев", "норматив 1 календарный день"):
        assert label in shown
    titles = [t.text.replace("\xa0", " ") for t in root.iter(f"{SVG}title")][1:]
    assert titles == [  # every bucket named; a day says it is a calendar day
        "0 с – 1 ч: 5",
        "1 ч – 1 календарный день: 20",
        "1 календарный день – 3 календарных дня: 7",
        "3 календарных дня – 7 календарных дней: 1",
    ]
    ticks = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle" and t.get("font-size") == "11"]
    assert [t.text.replace("\xa0", " ") for t in ticks][0] == "0 с" and len(ticks) >= 2
    xs = [float(t.get("x")) for t in ticks]
    widths = [text_width(t.text, 11) for t in ticks]
    for i in range(1, len(ticks)):  # the longer day labels never run into each other
        assert xs[i] - widths[i] / 2 > xs[i - 1] + widths[i - 1] / 2
    bars = [r for r in root.iter(f"{SVG}rect")]
    assert len(bars) == 4
    heights = [float(r.get("height")) for r in bars]
    assert heights[1] == max(heights)
    assert {bars[2].get("fill"), bars[3].get("fill")} == {"#c53030"} and bars[0].get("fill") != "#c53030"
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 1
    x_limit = float(dashed[0].get("x1"))
    x_bar2 = float(bars[2].get("x"))
    assert abs(x_limit - x_bar2) < 3  # the limit (1 d) is drawn at the start of the 1 d – 3 d bucket


def test_histogram_without_data_is_still_an_svg():
    parse(charts.histogram([], [], title="T", lang="en", x_label="x", y_label="y"))


def test_funnel_chart_widths_follow_share_of_start():
    stages = [
        FunnelStage(stage=HOSTILE[0], cases=200, share_of_start=1.0, conversion_from_previous=None, lost_here=100),
        FunnelStage(stage=HOSTILE[1], cases=100, share_of_start=0.5, conversion_from_previous=0.5, lost_here=50),
        FunnelStage(stage="Оплата", cases=50, share_of_start=0.25, conversion_from_previous=0.5, lost_here=0),
    ]
    root = parse(charts.funnel_chart(stages, title="Воронка", lang="ru"))
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[1] == pytest.approx(widths[0] / 2, rel=0.01)
    assert widths[2] == pytest.approx(widths[0] / 4, rel=0.01)
    shown = texts(root).replace("\xa0", " ")
    assert "<script>alert(1)</script>" in shown and "50 %" in shown and "25 %" in shown


def test_heatmap_has_one_cell_per_pair_and_escapes_names():
    names = HOSTILE[:3]
    values = [[None, 5, 0], [1, None, 2], [0, 0, 9]]
    root = parse(charts.heatmap(names, names, values, title="Передачи", lang="en", row_label="from", col_label="to"))
    cells = list(root.iter(f"{SVG}rect"))
    assert len(cells) == 9
    blank = [c for c in cells if c.get("fill") == "#ffffff"]
    assert len(blank) == 5  # None and 0 are blank
    darkest = max(cells, key=lambda c: -int(c.get("fill")[1:3], 16))
    assert darkest is cells[8]
    shown = texts(root)
    assert '<script>alert(1)</script> → "onload="x: 5' in shown


def test_escape_and_shorten():
    assert charts.esc("<a href='x'>") == "&lt;a href=&#x27;x&#x27;&gt;"
    assert charts.shorten("абвгдеёжз", 5) == "абвг…"
    assert charts.shorten("абв", 5) == "абв"
