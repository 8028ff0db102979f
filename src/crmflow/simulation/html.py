"""``simulation.html``: one offline page from ``simulation.json`` — KPI bars with intervals, cycle-time curves.

Everything is inline (CSS, SVG); every text that comes from the data (activity, pool and scenario names are
CRM text) is escaped with :func:`html.escape`.

>>> page = simulation_html({"lang": "en", "source": "<b>x</b>", "replications": 2, "days": 7, "results": [],
...                         "validation": {}, "log_kpis": {"cycle_quantiles_h": []}, "pnl": [], "notes": []})
>>> "<b>x</b>" in page, "&lt;b&gt;x&lt;/b&gt;" in page
(False, True)
"""

from __future__ import annotations

from html import escape
from typing import Any

from crmflow.simulation.messages import t

_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d")
_CHART_KPIS = ("cases_per_day", "median_cycle_h", "sla_compliance", "conversion")
_PERCENT = ("sla_compliance", "conversion")


def _fmt(v: Any, kpi: str = "") -> str:
    if v is None:
        return "—"
    x = float(v) * (100 if kpi in _PERCENT else 1)
    return f"{x:,.1f}".replace(",", " ")


def _svg(w: int, h: int, label: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{escape(label)}">'


def _bars(kpi: str, results: list[dict[str, Any]], log_value: float | None, lang: str) -> str:
    """A horizontal bar per result with its 95 % interval, and the log's value as a dashed line."""
    found = [(r["name"], (r["estimates"] or {}).get(kpi)) for r in results]
    rows: list[tuple[str, dict[str, float]]] = [(n, e) for n, e in found if e is not None]
    if not rows:
        return ""
    scale = 100.0 if kpi in _PERCENT else 1.0
    top = max([e["high"] * scale for _n, e in rows] + [(log_value or 0.0) * scale]) or 1.0
    w, label_w, bar_h, pad = 640, 270, 20, 6
    h = len(rows) * (bar_h + pad) + 30
    plot = w - label_w - 70
    parts = [_svg(w, h, t("kpi." + kpi, lang))]
    for i, (name, e) in enumerate(rows):
        y = 10 + i * (bar_h + pad)
        bw = plot * e["mean"] * scale / top
        lo, hi = label_w + plot * e["low"] * scale / top, label_w + plot * e["high"] * scale / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{escape(str(name)[:46])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{bw:.1f}" height="{bar_h}" fill="{_COLORS[i % len(_COLORS)]}"/>')
        parts.append(
            f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + bar_h / 2}" y2="{y + bar_h / 2}" stroke="#222" stroke-width="1.5"/>'
        )
        for x in (lo, hi):
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 4}" y2="{y + bar_h - 4}" stroke="#222"/>')
        parts.append(f'<text x="{max(label_w + bw, hi) + 6:.1f}" y="{y + 14}" font-size="11">{_fmt(e["mean"], kpi)}</text>')
    if log_value is not None:
        x = label_w + plot * log_value * scale / top
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{h - 20}" stroke="#000" stroke-dasharray="4 3"/>')
        label = f"{escape(t('html.log', lang))}: {_fmt(log_value, kpi)}"
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
        parts.append(f'<text x="{x:.0f}" y="{base + 16}" font-size="11" text-anchor="middle">{v:,.0f}</text>')
        y = base - (base - 10) * k / 4
        parts.append(f'<text x="{left - 4}" y="{y + 4:.0f}" font-size="11" text-anchor="end">{25 * k}%</text>')
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


def simulation_html(data: dict[str, Any]) -> str:
    """The page for a ``simulation.json`` document (see the module docstring)."""
    lang = data.get("lang", "en")
    results: list[dict[str, Any]] = data.get("results", [])
    log = data.get("log_kpis", {})
    title = t("html.title", lang, name=data.get("source", ""))
    out = [
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(title)}</title>',
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "h2{margin-top:1.6em}.charts{display:flex;flex-wrap:wrap;gap:1em}.charts figure{margin:0}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        "<p>"
        + escape(
            t(
                "html.summary",
                lang,
                reps=data.get("replications"),
                days=round(float(data.get("days") or 0)),
                source=data.get("source", ""),
            )
        )
        + "</p>",
    ]
    validation = data.get("validation", {})
    if validation:
        rows = []
        for k, v in validation.items():
            err = v.get("error_pct")
            rows.append(
                [t("kpi." + k, lang), _fmt(v.get("log"), k), _fmt(v.get("sim"), k), "—" if err is None else f"{err:+.1f} %"]
            )
        out.append(f"<h2>{escape(t('html.validation', lang))}</h2>")
        out.append(_table([t("html.kpi", lang), t("html.log", lang), t("html.sim", lang), t("html.error", lang)], rows))
    if results:
        out.append(f"<h2>{escape(t('html.scenarios', lang))}</h2>")
        header = [t("pnl.scenario", lang)] + [t("kpi." + k, lang) for k in _CHART_KPIS]
        rows = []
        for r in results:
            cells = [str(r["name"])]
            for k in _CHART_KPIS:
                e = (r.get("estimates") or {}).get(k)
                cells.append("—" if e is None else f"{_fmt(e['mean'], k)} [{_fmt(e['low'], k)}; {_fmt(e['high'], k)}]")
            rows.append(cells)
        out.append(_table(header, rows))
        out.append('<div class="charts">')
        for k in _CHART_KPIS:
            svg = _bars(k, results, (validation.get(k) or {}).get("log"), lang)
            if svg:
                out.append(f"<figure>{svg}<figcaption>{escape(t('kpi.' + k, lang))}</figcaption></figure>")
        out.append("</div>")
        series = [(t("html.log", lang), list(log.get("cycle_quantiles_h") or []))]
        series += [(str(r["name"]), list(r.get("cycle_quantiles_h") or [])) for r in results]
        out.append(f"<h2>{escape(t('html.cycle', lang))}</h2>{_curves(series, lang)}")
    pnl = data.get("pnl") or []
    if pnl:
        currency = (data.get("economics") or {}).get("currency", "")
        out.append(f"<h2>{escape(t('html.pnl', lang))} ({escape(str(currency))})</h2>")
        rows = []
        for p in pnl:
            eff = p.get("effect")
            effect = "—" if eff is None else f"{_fmt(eff['mean'])} [{_fmt(eff['low'])}; {_fmt(eff['high'])}]"
            pay = p.get("payback_months")
            payback = "—" if eff is None else (t("pnl.never", lang) if pay is None else f"{pay:.1f}")
            rows.append(
                [str(p["name"]), _fmt(p["margin"]), _fmt(p["labour"]), _fmt(p["delay"]), _fmt(p["result"]), effect, payback]
            )
        header = [
            t(k, lang)
            for k in ("pnl.scenario", "pnl.margin", "pnl.labour", "pnl.delay", "pnl.result", "pnl.effect", "pnl.payback")
        ]
        out.append(_table(header, rows))
    notes = data.get("notes") or []
    if notes:
        out.append(f"<h2>{escape(t('html.notes', lang))}</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)


__all__ = ["simulation_html"]
