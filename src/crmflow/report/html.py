"""The audit report: one self-contained HTML file rendered from the audit dict alone.

The page carries its CSS and SVG inline and needs no network and no JavaScript (the map's two
views switch with CSS only), so it can be mailed to a client or opened from a USB stick. Every
string from the data is escaped by Jinja2's autoescaping; the charts and the process map are
built with their own escaping (:mod:`crmflow.report.charts`, :mod:`crmflow.report.processmap`).

>>> import json, pathlib
>>> audit = {"log": {"cases": 1, "events": 2}, "dfg": [{"source": "A", "target": "B", "count": 1}],
...          "start_activities": {"A": 1}, "end_activities": {"B": 1}}
>>> page = render_report(audit, lang="en")
>>> page.startswith("<!DOCTYPE html>") and "Process audit" in page
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, Undefined
from markupsafe import Markup

from crmflow.errors import ProcessMapError
from crmflow.i18n import check_lang
from crmflow.report import charts
from crmflow.report.messages import (
    MESSAGES,
    MISSING,
    format_duration,
    format_number,
    format_percent,
    t,
)
from crmflow.report.processmap import render_process_map

#: Order in which findings are grouped in the report.
FINDING_KINDS = (
    "bottleneck",
    "stuck_case",
    "sla_violation",
    "funnel_drop",
    "rework",
    "ping_pong",
    "workload_concentration",
    "workload_hero",
)
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_SHARE_KEYS = {"share", "case_share", "compliance", "conversion", "rate", "coverage"}
#: Variant chips get one of this many colours, by the activity's frequency rank.
CHIP_COLOURS = 12
VARIANTS_SHOWN = 20


def render_report(audit: Mapping[str, Any], *, lang: str) -> str:
    """Render the audit report as one HTML page.

    Parameters
    ----------
    audit
        The audit dict, as written to ``audit.json`` (see ``docs/audit.schema.json``). Missing
        sections are shown as "no data", never as an error.
    lang
        ``"ru"`` or ``"en"``: the language of the page, its numbers and its durations.

    Returns
    -------
    str
        The complete HTML document.
    """
    lang = check_lang(lang)
    env = _environment(lang)
    return env.get_template("report.html.j2").render(**_context(audit, lang))


def write_report(audit: Mapping[str, Any], path: str | Path, *, lang: str) -> Path:
    """Render the report and write it as UTF-8 to ``path``; returns the path written."""
    target = Path(path)
    target.write_text(render_report(audit, lang=lang), encoding="utf-8")
    return target


# --------------------------------------------------------------------------- template helpers


def _environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("crmflow.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        t=lambda key, **kw: t(key, lang, **kw),
        num=lambda v, digits=0: format_number(_number(v), lang, digits=digits),
        dur=lambda v: format_duration(_number(v), lang),
        pct=lambda v: format_percent(_number(v), lang),
        metric_name=lambda key: _metric_name(key, lang),
        metric_value=lambda key, v: _metric_value(key, None if isinstance(v, Undefined) else v, lang),
        lang=lang,
        MISSING=MISSING,
    )
    return env


def _number(value: Any) -> float | int | None:
    """A value a formatter can write: missing keys (Jinja's Undefined) and text become ``None``."""
    return value if _finite(value) else None


def _metric_name(key: str, lang: str) -> str:
    return t(f"metric.{key}", lang) if f"metric.{key}" in MESSAGES else key


def _metric_value(key: str, value: Any, lang: str) -> str:
    """Write a metric by what its name says it is: ``*_s`` a duration, ``share`` a percentage."""
    if value is None:
        return MISSING
    if isinstance(value, str):  # enumerations (level, type, time basis) have names for people
        return t(f"value.{key}.{value}", lang) if f"value.{key}.{value}" in MESSAGES else value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if key.endswith("_s"):
        return format_duration(value, lang)
    if key in _SHARE_KEYS or key.endswith(("_share", "_rate")) or key.startswith("share_"):
        return format_percent(value, lang)
    if isinstance(value, float) and not value.is_integer():
        return format_number(value, lang, digits=2)
    return format_number(value, lang)


def _when(value: str | None, lang: str, *, time: bool = True) -> str:
    if not value:
        return MISSING
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if lang == "ru":
        return moment.strftime("%d.%m.%Y %H:%M" if time else "%d.%m.%Y")
    return moment.strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")


# --------------------------------------------------------------------------- context


def _context(audit: Mapping[str, Any], lang: str) -> dict[str, Any]:
    log = dict(audit.get("log") or {})
    activities = list(audit.get("activities") or [])
    rank = {str(a["activity"]): i for i, a in enumerate(sorted(activities, key=lambda a: -(a.get("events") or 0)))}
    sla = list(audit.get("sla") or [])
    return {
        "title": t("report.title", lang),
        "version": audit.get("crmflow_version") or MISSING,
        "generated": _when(audit.get("generated_at"), lang),
        "period": (_when(log.get("start"), lang, time=False), _when(log.get("end"), lang, time=False)),
        "sources": list((audit.get("input") or {}).get("sources") or []),
        "log": log,
        "kpis": _kpis(audit, log, sla),
        "maps": _maps(audit, lang),
        "bpmn": _bpmn(audit, lang),
        "dfg_top": sorted(audit.get("dfg") or [], key=lambda e: -(e.get("count") or 0))[:30],
        "variants": _variants(audit, log),
        "chip": lambda name: rank.get(str(name), CHIP_COLOURS - 1) % CHIP_COLOURS,
        "finding_groups": _finding_groups(audit.get("findings") or []),
        "findings_total": len(audit.get("findings") or []),
        "sla": [_sla_rule(rule, lang) for rule in sla],
        "funnel": _funnel(audit.get("funnel"), lang),
        "handover": _handover(audit.get("handover") or {}, lang),
        "activities": activities,
        "activity_charts": _activity_charts(activities, lang),
        "resources": list(audit.get("resources") or []),
        "resource_chart": _resource_chart(audit.get("resources") or [], lang),
        "durations": _durations(audit.get("case_durations"), lang),
        "quarantine": dict(audit.get("quarantine") or {"count": 0, "by_reason": [], "sample": []}),
        "warnings": [str(w) for w in audit.get("warnings") or []],
        "quality": _quality(audit, lang),
        "objects": _objects(audit.get("objects"), lang),
    }


def _objects(objects: Mapping[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The CRM-objects section: objects without events, stage reach overall and per segment, orphans."""
    if not objects:
        return None
    total = int(objects.get("objects") or 0)
    without = int(objects.get("without_events") or 0)
    stages = [str(s) for s in objects.get("stages") or []]
    reached = [int(n) for n in objects.get("reached") or []]
    segments = [
        dict(seg, label=t("objects.other", lang) if seg.get("other") else (seg.get("value") or t("objects.blank", lang)))
        for seg in objects.get("segments") or []
    ]
    return {
        "intro": t(
            "objects.intro",
            lang,
            type=str(objects.get("object_type") or MISSING),
            objects=format_number(total, lang),
            cases=format_number(objects.get("cases") or 0, lang),
            without=format_number(without, lang),
            share=format_percent(without / total if total else 0, lang),
        ),  # fmt: skip
        "role": t("objects.role", lang, role=str(objects["role"])) if objects.get("role") else "",
        "stages": [
            {"stage": s, "reached": n, "share": n / total if total else None} for s, n in zip(stages, reached, strict=False)
        ],
        "segment": objects.get("segment"),
        "stage_names": stages,
        "segments": segments,
        "references": [dict(r) for r in objects.get("references") or []],
    }


def _quality(audit: Mapping[str, Any], lang: str) -> dict[str, Any] | None:
    from crmflow.quality.summary import quality_view

    return quality_view(audit.get("quality"), lang)


def sla_compliance(sla: Sequence[Mapping[str, Any]]) -> float | None:
    """Share of checked cases that met their SLA, over all rules (``None`` without rules).

    >>> sla_compliance([{"cases_checked": 10, "violations": 1}, {"cases_checked": 30, "violations": 3}])
    0.9
    """
    checked = sum(int(r.get("cases_checked") or 0) for r in sla)
    if not checked:
        return None
    return 1 - sum(int(r.get("violations") or 0) for r in sla) / checked


def _kpis(audit: Mapping[str, Any], log: Mapping[str, Any], sla: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    durations = audit.get("case_durations") or {}
    quarantined = log.get("quarantined")
    if quarantined is None:
        quarantined = (audit.get("quarantine") or {}).get("count")
    compliance = sla_compliance(sla)
    items: list[dict[str, Any]] = [
        {"key": "cases", "kind": "num", "value": log.get("cases")},
        {"key": "events", "kind": "num", "value": log.get("events")},
        {"key": "activities", "kind": "num", "value": log.get("activities")},
        {"key": "variants", "kind": "num", "value": log.get("variants")},
        {"key": "median_duration", "kind": "dur", "value": durations.get("median_s")},
        {"key": "mean_duration", "kind": "dur", "value": durations.get("mean_s")},
        {"key": "p90_duration", "kind": "dur", "value": durations.get("p90_s")},
        {"key": "rows_read", "kind": "num", "value": log.get("rows_read")},
        {"key": "quarantined", "kind": "num", "value": quarantined, "alert": bool(quarantined)},
    ]
    if compliance is not None:
        items.append({"key": "sla_compliance", "kind": "pct", "value": compliance, "alert": compliance < 0.9})
    items.append({"key": "findings", "kind": "num", "value": len(audit.get("findings") or [])})
    return items


def _maps(audit: Mapping[str, Any], lang: str) -> dict[str, Any]:
    if not audit.get("dfg") and not audit.get("start_activities"):
        return {"views": [], "error": None, "empty": True}
    views = []
    try:
        for view in ("frequency", "performance"):
            drawn = render_process_map(audit, view=view, lang=lang)
            views.append({"view": view, "map": drawn, "svg": Markup(drawn.svg)})
    except ProcessMapError as exc:
        return {"views": [], "error": str(exc), "empty": False}
    return {"views": views, "error": None, "empty": False}


def _bpmn(audit: Mapping[str, Any], lang: str) -> dict[str, Any] | None:
    """The As-Is BPMN section: the SVG is crmflow's own drawing, with every data string escaped."""
    model = audit.get("bpmn")
    if not model or not model.get("svg"):
        return None
    return {
        "svg": Markup(model["svg"]),  # noqa: S704 - generated by crmflow.bpmn.render, which escapes all text
        "noise_pct": format_percent(model.get("noise_threshold") or 0, lang),
        "lanes": ", ".join(str(x) for x in model.get("lanes") or []) or MISSING,
    }


def _variants(audit: Mapping[str, Any], log: Mapping[str, Any]) -> dict[str, Any]:
    variants = list(audit.get("variants") or [])[:VARIANTS_SHOWN]
    cases = log.get("cases") or sum(int(v.get("count") or 0) for v in audit.get("variants") or []) or 0
    rows, running = [], 0
    for v in variants:
        count = int(v.get("count") or 0)
        running += count
        rows.append({**v, "share": count / cases if cases else None, "cum_share": running / cases if cases else None})
    total = log.get("variants") or log.get("variants_total") or len(audit.get("variants") or [])
    return {"rows": rows, "total": total, "coverage": running / cases if cases else None}


def _finding_groups(findings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    kinds = list(FINDING_KINDS) + sorted({str(f.get("kind")) for f in findings} - set(FINDING_KINDS))
    groups = []
    for kind in kinds:
        items = sorted(
            (f for f in findings if f.get("kind") == kind),
            key=lambda f: _SEVERITY_ORDER.get(str(f.get("severity")), 3),
        )
        if items:
            prepared = []
            for f in items:
                evidence = dict(f.get("evidence") or {})
                rows = list(evidence.get("rows") or [])
                columns: list[str] = []
                for row in rows:
                    columns += [str(k) for k in row if str(k) not in columns]
                prepared.append({**f, "evidence": evidence, "row_columns": columns, "rows": rows})
            groups.append({"kind": kind, "known": f"kind.{kind}" in MESSAGES, "items": prepared})
    return groups


def _sla_rule(rule: Mapping[str, Any], lang: str) -> dict[str, Any]:
    hist = rule.get("histogram") or {}
    chart = None
    if hist.get("counts"):
        chart = Markup(
            charts.histogram(
                hist.get("edges_s") or [],
                hist.get("counts") or [],
                title=t("sla.histogram", lang, name=rule.get("name", "")),
                lang=lang,
                x_label=t("chart.duration", lang),
                y_label=t("chart.cases", lang),
                limit_s=rule.get("within_s"),
                limit_text=t("sla.limit", lang, limit=format_duration(rule.get("within_s"), lang)),
            )
        )
    return {**rule, "chart": chart}


def _funnel(funnel: Mapping[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if not funnel or not funnel.get("stages"):
        return None
    stages = list(funnel["stages"])
    chart = charts.funnel_chart(stages, title=t("funnel.chart", lang), lang=lang)
    return {"stages": stages, "chart": Markup(chart)}


def _handover(handover: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    out = []
    for level, limit in (("resource", 12), ("role", 10)):
        pairs = list(handover.get(level) or [])
        if not pairs:
            continue
        load: dict[str, int] = {}
        for p in pairs:
            for name in (str(p["source"]), str(p["target"])):
                load[name] = load.get(name, 0) + int(p.get("count") or 0)
        names = sorted(load, key=lambda n: (-load[n], n))[:limit]
        index = {n: i for i, n in enumerate(names)}
        matrix: list[list[float | None]] = [[None] * len(names) for _ in names]
        for p in pairs:
            s, d = str(p["source"]), str(p["target"])
            if s in index and d in index:
                matrix[index[s]][index[d]] = float(p.get("count") or 0)
        chart = charts.heatmap(
            names,
            names,
            matrix,
            title=t("handover.heatmap", lang),
            lang=lang,
            row_label=t("handover.from", lang),
            col_label=t("handover.to", lang),
        )
        out.append(
            {
                "level": level,
                "chart": Markup(chart),
                "pairs": sorted(pairs, key=lambda p: -(p.get("count") or 0))[:20],
                "total": len(pairs),
            }
        )
    return out


def _activity_charts(activities: Sequence[Mapping[str, Any]], lang: str) -> list[Markup]:
    if not activities:
        return []
    by_events = sorted(activities, key=lambda a: -(a.get("events") or 0))[:20]
    out = [
        Markup(
            charts.bar_chart(
                [(str(a["activity"]), float(a.get("events") or 0)) for a in by_events],
                title=t("chart.activity_freq", lang),
                value_text=lambda v: format_number(v, lang),
            )
        )
    ]
    waits = [a for a in activities if _finite(a.get("median_wait_s"))]
    if waits:
        waits.sort(key=lambda a: -float(a["median_wait_s"]))
        top = waits[:15]
        out.append(
            Markup(
                charts.bar_chart(
                    [(str(a["activity"]), float(a["median_wait_s"])) for a in top],
                    title=t("chart.activity_wait", lang),
                    value_text=lambda v: format_duration(v, lang),
                    colour="#6b7fa8",
                    highlight=[str(a["activity"]) for a in top[:3]],
                )
            )
        )
    return out


def _resource_chart(resources: Sequence[Mapping[str, Any]], lang: str) -> Markup | None:
    if not resources:
        return None
    top = sorted(resources, key=lambda r: -(r.get("events") or 0))[:20]
    return Markup(
        charts.bar_chart(
            [(str(r["resource"]), float(r.get("events") or 0)) for r in top],
            title=t("chart.resource_load", lang),
            value_text=lambda v: format_number(v, lang),
        )
    )


def _durations(durations: Mapping[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if not durations:
        return None
    hist = durations.get("histogram") or {}
    chart = None
    if hist.get("counts"):
        chart = Markup(
            charts.histogram(
                hist.get("edges_s") or [],
                hist.get("counts") or [],
                title=t("chart.duration_hist", lang),
                lang=lang,
                x_label=t("chart.duration", lang),
                y_label=t("chart.cases", lang),
            )
        )
    return {**durations, "chart": chart}


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
