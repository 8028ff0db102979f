"""``simulation.html``: one offline page from ``simulation.json`` — KPI bars with intervals, cycle-time curves.

Everything is inline (CSS, SVG); every text that comes from the data (activity, pool and scenario names are
CRM text) is escaped with :func:`html.escape`.

>>> page = simulation_html(SimulationDocument(source="<b>x</b>", replications=2, results=(), days=7))
>>> "<b>x</b>" in page, "&lt;b&gt;x&lt;/b&gt;" in page
(False, True)
"""

from __future__ import annotations

from html import escape

from crmflow.base.numbers import MISSING, currency_symbol, format_number, format_percent
from crmflow.simulation.document import ScenarioSummary, SimulationDocument
from crmflow.simulation.kpis import Estimate
from crmflow.simulation.messages import t

_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d")
_CHART_KPIS = ("cases_per_day", "median_cycle_h", "sla_compliance", "conversion")
_PERCENT = ("sla_compliance", "conversion")


def _fmt(v: float | None, lang: str, kpi: str = "") -> str:
    """A value the language's way (Babel), shares in %, one decimal."""
    return MISSING if v is None else format_number(float(v) * (100 if kpi in _PERCENT else 1), lang, digits=1)


def _interval(e: Estimate | None, lang: str, kpi: str = "") -> str:
    if e is None:
        return MISSING
    return t("doc.interval", lang, mean=_fmt(e.mean, lang, kpi), low=_fmt(e.low, lang, kpi), high=_fmt(e.high, lang, kpi))


def _svg(w: int, h: int, label: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{escape(label)}">'


def _bars(kpi: str, results: tuple[ScenarioSummary, ...], log_value: float | None, lang: str) -> str:
    """A horizontal bar per result with its 95 % interval, and the log's value as a dashed line."""
    found = [(r.name_in(lang), r.estimate(kpi)) for r in results]
    rows: list[tuple[str, Estimate]] = [(n, e) for n, e in found if e is not None]
    if not rows:
        return ""
    scale = 100.0 if kpi in _PERCENT else 1.0
    top = max([e.high * scale for _n, e in rows] + [(log_value or 0.0) * scale]) or 1.0
    w, label_w, bar_h, pad = 640, 270, 20, 6
    h = len(rows) * (bar_h + pad) + 30
    plot = w - label_w - 70
    parts = [_svg(w, h, t("kpi." + kpi, lang))]
    for i, (name, e) in enumerate(rows):
        y = 10 + i * (bar_h + pad)
        bw = plot * e.mean * scale / top
        lo, hi = label_w + plot * e.low * scale / top, label_w + plot * e.high * scale / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{escape(str(name)[:46])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{bw:.1f}" height="{bar_h}" fill="{_COLORS[i % len(_COLORS)]}"/>')
        parts.append(
            f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + bar_h / 2}" y2="{y + bar_h / 2}" stroke="#222" stroke-width="1.5"/>'
        )
        for x in (lo, hi):
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 4}" y2="{y + bar_h - 4}" stroke="#222"/>')
        parts.append(f'<text x="{max(label_w + bw, hi) + 6:.1f}" y="{y + 14}" font-size="11">{_fmt(e.mean, lang, kpi)}</text>')
    if log_value is not None:
        x = label_w + plot * log_value * scale / top
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{h - 20}" stroke="#000" stroke-dasharray="4 3"/>')
        label = f"{escape(t('html.log', lang))}: {_fmt(log_value, lang, kpi)}"
        parts.append(f'<text x="{x:.1f}" y="{h - 6}" font-size="11" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _curves(series: list[tuple[str, list[float]]], lang: str) -> str:
    """Cycle-time distribution as cumulative curves (x: hours, y: share of cases)."""
    series = [(n, q) for n, q in series if q]
    if not series:
        return ""
    w, left, bottom = 620, 50, 40
    h = 300 + 16 * len(series)
    top_h = max(q[-2] if len(q) > 1 else q[-1] for _n, q in series) or 1.0  # the 97.5 % quantile: the tail off the chart
    parts = [_svg(w, h, t("html.cycle", lang))]
    base = 300 - bottom - 10  # the x axis; the legend goes below it
    parts.append(f'<line x1="{left}" y1="{base}" x2="{w - 10}" y2="{base}" stroke="#444"/>')
    parts.append(f'<line x1="{left}" y1="10" x2="{left}" y2="{base}" stroke="#444"/>')
    for k in range(5):
        v = top_h * k / 4
        x = left + (w - left - 10) * k / 4
        parts.append(f'<text x="{x:.0f}" y="{base + 16}" font-size="11" text-anchor="middle">{format_number(v, lang)}</text>')
        y = base - (base - 10) * k / 4
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.0f}" font-size="11" text-anchor="end">{format_percent(k / 4, lang)}</text>'
        )
    for i, (name, q) in enumerate(series):
        pts = []
        for j, v in enumerate(q):
            if v > top_h:
                break
            x = left + (w - left - 10) * v / top_h
            y = base - (base - 10) * j / (len(q) - 1)
            pts.append(f"{x:.1f},{y:.1f}")
        color = "#000" if i == 0 else _COLORS[(i - 1) % len(_COLORS)]
        dash = ' stroke-dasharray="5 3"' if i == 0 else ""
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="{" ".join(pts)}"/>')
        label = escape(str(name)[:50])
        parts.append(f'<text x="{left}" y="{300 + 16 * i}" font-size="11" fill="{color}">— {label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def simulation_html(doc: SimulationDocument) -> str:
    """The page for a ``simulation.json`` document (see the module docstring), in the document's language."""
    lang = doc.lang
    title = t("html.title", lang, name=doc.source)
    out = [
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(title)}</title>',
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "h2{margin-top:1.6em}.charts{display:flex;flex-wrap:wrap;gap:1em}.charts figure{margin:0}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        "<p>" + escape(t("html.summary", lang, reps=doc.replications, days=round(doc.days), source=doc.source)) + "</p>",
    ]
    if doc.validation:
        rows = []
        for k, v in doc.validation.items():
            err = MISSING if v.error_pct is None else t("html.error_pct", lang, err=_signed(v.error_pct, lang))
            rows.append([t("kpi." + k, lang), _fmt(v.log, lang, k), _fmt(v.sim, lang, k), err])
        out.append(f"<h2>{escape(t('html.validation', lang))}</h2>")
        out.append(_table([t("html.kpi", lang), t("html.log", lang), t("html.sim", lang), t("html.error", lang)], rows))
    if doc.results:
        out.append(f"<h2>{escape(t('html.scenarios', lang))}</h2>")
        header = [t("pnl.scenario", lang)] + [t("kpi." + k, lang) for k in _CHART_KPIS]
        rows = [[r.name_in(lang), *(_interval(r.estimate(k), lang, k) for k in _CHART_KPIS)] for r in doc.results]
        out.append(_table(header, rows))
        out.append('<div class="charts">')
        for k in _CHART_KPIS:
            check = doc.validation.get(k)
            svg = _bars(k, doc.results, None if check is None else check.log, lang)
            if svg:
                out.append(f"<figure>{svg}<figcaption>{escape(t('kpi.' + k, lang))}</figcaption></figure>")
        out.append("</div>")
        log_q = list(doc.log_kpis.cycle_quantiles_h) if doc.log_kpis is not None else []
        series = [(t("html.log", lang), log_q)] + [(r.name_in(lang), list(r.cycle_quantiles_h)) for r in doc.results]
        out.append(f"<h2>{escape(t('html.cycle', lang))}</h2>{_curves(series, lang)}")
    if doc.pnl:
        out.append(f"<h2>{escape(t('html.pnl', lang))} ({escape(currency_symbol(doc.currency, lang))})</h2>")
        rows = []
        for p in doc.pnl:
            eff = p.effect
            effect = (
                MISSING
                if eff is None
                else t("doc.interval", lang, **{k: _money(getattr(eff, k), lang) for k in ("mean", "low", "high")})
            )
            pay = p.payback_months
            payback = MISSING if eff is None else (t("pnl.never", lang) if pay is None else format_number(pay, lang, digits=1))
            result = doc.result(p.id)
            name = result.name_in(lang) if result is not None else p.name
            rows.append([name, *(_money(v, lang) for v in (p.margin, p.labour, p.delay, p.result)), effect, payback])
        header = [
            t(k, lang)
            for k in ("pnl.scenario", "pnl.margin", "pnl.labour", "pnl.delay", "pnl.result", "pnl.effect", "pnl.payback")
        ]
        out.append(_table(header, rows))
    notes = [t(n.key, lang, **n.values) for n in doc.note_keys] if doc.note_keys else list(doc.notes)
    if notes:
        out.append(f"<h2>{escape(t('html.notes', lang))}</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def _money(v: float, lang: str) -> str:
    return format_number(v, lang)


def _signed(v: float, lang: str) -> str:
    return ("+" if v > 0 else "") + format_number(v, lang, digits=1)


__all__ = ["simulation_html"]
