"""Small static SVG charts for the audit report: bars, histograms, a funnel and a heatmap.

The charts are written by hand so they need no JavaScript and no plotting library. Each
function returns one ``<svg>`` element, ready to be placed inline in HTML. Every text that may come
from the data (activity, resource, stage names) goes through :func:`esc`, in element text and in
attributes alike, so a name such as ``<script>`` or ``"onload="x`` is shown, never run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from crmflow.base.markup import esc
from crmflow.base.numbers import format_duration, format_number, format_percent
from crmflow.base.text import fit_lines, text_width
from crmflow.findings.funnel import FunnelStage

_FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
_BAR = "#3b6fa8"
_ALERT = "#c53030"
_AXIS = "#718096"
_TEXT = "#2d3748"


def shorten(value: object, limit: int) -> str:
    """Cut a label to ``limit`` characters with an ellipsis (the full text goes in a tooltip).

    >>> shorten("Согласование скидки", 10)
    'Согласова…'
    """
    label = str(value)
    return label if len(label) <= limit else label[: max(1, limit - 1)] + "…"


def _open(width: float, height: float, title: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-label="{esc(title)}" font-family="{_FONT}" font-size="12" fill="{_TEXT}">',
        f"<title>{esc(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="600">{esc(title)}</text>',
    ]


def _text_width(text: str, size: float = 12) -> float:
    return text_width(text, size)


def _fit_label(label: object, width: float, size: float = 12) -> str:
    """A label cut (with an ellipsis, at a word where it can) to ``width`` pixels; never cut at the front."""
    return fit_lines(str(label), width, 1, measure=lambda line: text_width(line, size))[0]


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    value_text: Callable[[float], str],
    width: int = 640,
    colour: str = _BAR,
    highlight: Sequence[str] = (),
) -> str:
    """A horizontal bar chart, one labelled bar per item, longest bar = largest value.

    Parameters
    ----------
    items
        ``(label, value)`` pairs in the order to draw them.
    title
        Shown above the chart and read by screen readers.
    value_text
        Writes a value next to its bar (e.g. a humanised duration).
    highlight
        Labels whose bars are drawn in the alert colour.

    Examples
    --------
    >>> svg = bar_chart([("A", 3), ("<B>", 1)], title="T", value_text=str)
    >>> "&lt;B&gt;" in svg and "<B>" not in svg
    True
    """
    row, top = 24, 30
    # the label column is as wide as the widest label, up to 45 % of the chart; longer labels are cut
    # with an ellipsis at their end (the full name is in the tooltip), never clipped at the start
    label_w = min(width * 0.45, max((_text_width(str(label)) for label, _ in items), default=40) + 12)
    value_w = 90
    plot_w = max(100, width - label_w - value_w)
    height = top + row * max(1, len(items)) + 6
    top_value = max((v for _, v in items if v is not None), default=0) or 1
    out = _open(width, height, title, "bar-chart")
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = 0.0 if value is None else max(0.0, value) / top_value * plot_w
        fill = _ALERT if label in highlight else colour
        out.append(
            f"<g><title>{esc(label)}: {esc(value_text(value))}</title>"
            f'<text x="{label_w - 8:.0f}" y="{y + 15}" text-anchor="end">{esc(_fit_label(label, label_w - 10))}</text>'
            f'<rect x="{label_w:.0f}" y="{y + 3}" width="{max(length, 1):.1f}" height="{row - 7}" '
            f'rx="2" fill="{fill}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + 15}" fill="{_AXIS}">{esc(value_text(value))}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def histogram(
    edges_s: Sequence[float],
    counts: Sequence[int],
    *,
    title: str,
    lang: str,
    x_label: str,
    y_label: str,
    limit_s: float | None = None,
    limit_text: str | None = None,
    width: int = 640,
    height: int = 240,
    duration: Callable[[float], str] | None = None,
) -> str:
    """A histogram of durations: one bar per bucket, buckets labelled as humanised durations.

    Parameters
    ----------
    edges_s
        Bucket edges in seconds (``len(counts) + 1`` values, increasing; widths may differ).
    counts
        Number of cases in each bucket.
    limit_s, limit_text
        An optional limit (an SLA) drawn as a dashed red line; buckets above it are red.

    Examples
    --------
    >>> svg = histogram([0, 3600, 7200], [5, 2], title="T", lang="en", x_label="x", y_label="y")
    >>> "1h" in svg and "2h" in svg
    True
    """
    dur = duration or (lambda v: format_duration(v, lang))  # an SLA's working time passes its own
    n = len(counts)
    left, right, top, bottom = 56, 40, 30, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    out = _open(width, height, title, "histogram")
    if n == 0 or len(edges_s) != n + 1:
        out.append("</svg>")
        return "".join(out)
    peak = max(max(counts), 1)
    bar_w = plot_w / n
    ticks = _nice_ticks(peak)
    for tick in ticks:
        y = top + plot_h - tick / ticks[-1] * plot_h
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{_AXIS}" font-size="11">'
            f"{esc(format_number(tick, lang))}</text>"
        )
    for i, count in enumerate(counts):
        h = count / ticks[-1] * plot_h
        x = left + i * bar_w
        over = limit_s is not None and edges_s[i] >= limit_s
        bucket = f"{dur(edges_s[i])} – {dur(edges_s[i + 1])}"
        out.append(
            f"<g><title>{esc(bucket)}: {esc(format_number(count, lang))}</title>"
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar_w - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="{_ALERT if over else _BAR}"/></g>'
        )
    widest = max(text_width(dur(e), 11) for e in edges_s) + 12  # labels never run into each other
    step = max(1, math.ceil((n + 1) / max(1, plot_w // max(70, widest))))
    for i in range(0, n + 1, step):
        x = left + i * bar_w
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="{_AXIS}"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + 17}" text-anchor="middle" fill="{_AXIS}" font-size="11">'
            f"{esc(dur(edges_s[i]))}</text>"
        )
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{_AXIS}"/>'
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle" fill="{_AXIS}">'
        f"{esc(x_label)}</text>"
        f'<text transform="translate(14 {top + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle" '
        f'fill="{_AXIS}">{esc(y_label)}</text>'
    )
    if limit_s is not None:
        x = left + _bucket_position(edges_s, limit_s) * bar_w
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{top + plot_h}" stroke="{_ALERT}" '
            f'stroke-width="2" stroke-dasharray="5,3"/>'
        )
        if limit_text:
            anchor = "end" if x > left + plot_w * 0.7 else "start"
            dx = -5 if anchor == "end" else 5
            out.append(
                f'<text x="{x + dx:.1f}" y="{top + 8}" text-anchor="{anchor}" fill="{_ALERT}" '
                f'font-size="11">{esc(limit_text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def _bucket_position(edges: Sequence[float], value: float) -> float:
    """Where ``value`` falls on the bucket axis (bucket ``i`` spans ``i`` to ``i + 1``)."""
    if value <= edges[0]:
        return 0.0
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        if value <= hi:
            return i + ((value - lo) / (hi - lo) if hi > lo else 0.0)
    return float(len(edges) - 1)


def _nice_ticks(peak: float) -> list[float]:
    """0 and three or four round steps up to at least ``peak``."""
    raw = peak / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(step, 1)
    return [i * step for i in range(0, math.ceil(peak / step) + 1)]


def funnel_chart(
    stages: Sequence[FunnelStage],
    *,
    title: str,
    lang: str,
    width: int = 900,
) -> str:
    """A funnel: one centred bar per stage, as wide as its share of the first stage.

    ``stages`` are dicts with ``stage``, ``cases``, ``share_of_start`` and
    ``conversion_from_previous`` (shares as 0..1).

    >>> svg = funnel_chart([FunnelStage("Лид", 10, 1.0, None, 6), FunnelStage("Сделка", 4, 0.4, 0.4, 4)],
    ...                    title="Воронка", lang="ru")
    >>> "Сделка" in svg and "40" in svg
    True
    """
    row, top = 40, 30
    label_w, info_w = 200, 230
    plot_w = width - label_w - info_w
    height = top + row * max(1, len(stages)) + 4
    out = _open(width, height, title, "funnel")
    first = max((s.cases or 0 for s in stages[:1]), default=0) or 1
    for i, stage in enumerate(stages):
        y = top + i * row
        cases = stage.cases or 0
        share = cases / first if stage.share_of_start is None else float(stage.share_of_start)
        w = max(2.0, plot_w * min(1.0, share))
        x = label_w + (plot_w - w) / 2
        shade = _mix("#a9c8e8", "#2c5282", 1 - i / max(1, len(stages) - 1))
        conv = stage.conversion_from_previous
        conv_text = "" if i == 0 or conv is None else f" · → {format_percent(conv, lang)}"
        name = stage.stage
        out.append(
            f"<g><title>{esc(name)}: {esc(format_number(cases, lang))}</title>"
            f'<text x="{label_w - 10}" y="{y + 22}" text-anchor="end">{esc(_fit_label(name, label_w - 14))}</text>'
            f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 10}" rx="3" fill="{shade}"/>'
            f'<text x="{label_w + plot_w + 10}" y="{y + 22}">{esc(format_number(cases, lang))}'
            f'<tspan fill="{_AXIS}"> ({esc(format_percent(share, lang))}){esc(conv_text)}</tspan></text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def heatmap(
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str,
    lang: str,
    row_label: str,
    col_label: str,
    value_text: Callable[[float], str] | None = None,
    cell: int = 34,
) -> str:
    """A matrix of coloured cells (white → dark blue by value), with the value written inside.

    Parameters
    ----------
    rows, cols
        Row and column labels (e.g. the resource handing work over and the one receiving it).
    values
        ``values[i][j]`` for row ``i`` and column ``j``; ``None`` or 0 leaves the cell blank.
    row_label, col_label
        Axis titles.

    Examples
    --------
    >>> svg = heatmap(["Анна"], ["<b>"], [[3]], title="T", lang="ru", row_label="от", col_label="к")
    >>> "&lt;b&gt;" in svg
    True
    """
    write = value_text or (lambda v: format_number(v, lang))
    label_w = min(220, max((_text_width(str(r), 11) for r in rows), default=40) + 16)
    col_h = min(150, max((_text_width(shorten(c, 22), 11) for c in cols), default=40) * 0.72 + 24)
    top = 30 + col_h
    width = label_w + cell * len(cols) + col_h * 0.75 + 10
    height = top + cell * len(rows) + 30
    peak = max((v for line in values for v in line if v), default=0) or 1
    out = _open(max(width, _text_width(title, 14) + 10), height, title, "heatmap")
    for j, col in enumerate(cols):
        x = label_w + j * cell + cell / 2
        out.append(
            f'<text transform="translate({x + 4:.1f} {top - 6:.1f}) rotate(-45)" font-size="11">'
            f"<title>{esc(col)}</title>{esc(shorten(col, 22))}</text>"
        )
    for i, row in enumerate(rows):
        y = top + i * cell
        out.append(
            f'<text x="{label_w - 8}" y="{y + cell / 2 + 4:.1f}" text-anchor="end" font-size="11">'
            f"<title>{esc(row)}</title>{esc(_fit_label(row, label_w - 12, 11))}</text>"
        )
        for j, col in enumerate(cols):
            value = values[i][j] if j < len(values[i]) else None
            x = label_w + j * cell
            level = (value or 0) / peak
            fill = _mix("#f7fafc", "#2c5282", math.sqrt(level)) if value else "#ffffff"
            ink = "#ffffff" if level > 0.35 else _TEXT
            shown = esc(write(value)) if value else ""
            out.append(
                f"<g><title>{esc(row)} → {esc(col)}: {esc(write(value or 0))}</title>"
                f'<rect x="{x}" y="{y:.1f}" width="{cell - 2}" height="{cell - 2}" fill="{fill}" '
                f'stroke="#e2e8f0"/>'
                f'<text x="{x + (cell - 2) / 2:.1f}" y="{y + cell / 2 + 3:.1f}" text-anchor="middle" '
                f'font-size="10" fill="{ink}">{shown}</text></g>'
            )
    out.append(
        f'<text x="{label_w - 8}" y="{top - 8:.1f}" text-anchor="end" fill="{_AXIS}" font-size="11">'
        f"{esc(row_label)} ↓ / {esc(col_label)} →</text>"
    )
    out.append("</svg>")
    return "".join(out)


def _mix(light: str, dark: str, amount: float) -> str:
    """The colour ``amount`` (0..1) of the way from ``light`` to ``dark``."""
    amount = min(1.0, max(0.0, amount))
    a = [int(light[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(dark[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))
