"""The audit report: one self-contained HTML file rendered from the typed audit alone.

The page carries its CSS, SVG and its two small scripts inline and needs no network: the map's
sliders (:mod:`crmflow.report.map_select`) and the BPMN's zoom and pan are crmflow's own code,
and the sliders' numbers come as JSON with no text from the data. Without JavaScript the page
still reads: the map shows its default and says what it hides, the views switch with CSS, the BPMN
is scaled to the page's width. Every string from the data is escaped by Jinja2's autoescaping; the
charts and the process map are built with their own escaping (:mod:`crmflow.report.charts`,
:mod:`crmflow.report.processmap`).

>>> import json, pathlib
>>> audit = {"log": {"cases": 1, "events": 2}, "dfg": [{"source": "A", "target": "B", "count": 1}],
...          "start_activities": {"A": 1}, "end_activities": {"B": 1}}
>>> page = render_report(audit, lang="en")
>>> page.startswith("<!DOCTYPE html>") and "Process audit" in page
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, Undefined
from markupsafe import Markup

from crmflow.base.numbers import MISSING, Basis, format_duration, format_number, format_percent
from crmflow.bpmn.annotate import reword_notes
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.render import render_svg
from crmflow.errors import ProcessMapError
from crmflow.findings.funnel import FunnelResult
from crmflow.findings.kinds import FINDING_KINDS, kind_info
from crmflow.findings.model import Finding
from crmflow.findings.sla import SlaResult
from crmflow.findings.wording import finding_description, finding_title
from crmflow.i18n import check_lang
from crmflow.ingest.columns import FIELDS, field_label
from crmflow.ingest.problems import problem_label
from crmflow.mining.statistics import ActivityStats, ResourceStats
from crmflow.quality.summary import quality_view
from crmflow.report import charts
from crmflow.report.messages import MESSAGES, t
from crmflow.report.processmap import levels_of, map_caption, render_process_maps
from crmflow.results.audit import AuditDocument
from crmflow.results.sections import BpmnSection, CaseDurations, CaseObjectSummary, HandoverSection

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_SHARE_KEYS = {"share", "case_share", "compliance", "conversion", "rate", "coverage"}
#: Variant chips get one of this many colours, by the activity's frequency rank.
CHIP_COLOURS = 12
VARIANTS_SHOWN = 20


def render_report(audit: AuditDocument | Mapping[str, Any], *, lang: str) -> str:
    """Render the audit report as one HTML page.

    Parameters
    ----------
    audit
        The typed audit (:class:`~crmflow.results.audit.AuditDocument`, e.g. the result of
        :func:`crmflow.audit`) or its ``audit.json`` document (see ``docs/audit.schema.json``), read
        with :meth:`AuditDocument.from_json`. Missing sections are shown as "no data", never as an error.
    lang
        ``"ru"`` or ``"en"``: the language of the page, its numbers and its durations.

    Returns
    -------
    str
        The complete HTML document.
    """
    lang = check_lang(lang)
    doc = audit if isinstance(audit, AuditDocument) else AuditDocument.from_json(audit)
    env = _environment(lang)
    return env.get_template("report.html.j2").render(**_context(doc, lang))


def write_report(audit: AuditDocument | Mapping[str, Any], path: str | Path, *, lang: str) -> Path:
    """Render the report and write it as UTF-8 to ``path``; returns the path written."""
    target = Path(path)
    target.write_text(render_report(audit, lang=lang), encoding="utf-8")
    return target


# --------------------------------------------------------------------------- template helpers


@cache
def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Jinja's cache of compiled templates in a folder of this user's only (Jinja checks its owner and mode).

    Compiling the report's templates took 0.21 s of every ``write``; the cache keys each template by its
    source's checksum, so an edited template is compiled again. None where no such folder can be made.
    """
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


def _environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("crmflow.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.globals.update(
        t=lambda key, **kw: t(key, lang, **kw),
        num=lambda v, digits=0: format_number(_number(v), lang, digits=digits),
        dur=lambda v: format_duration(_number(v), lang),
        pct=lambda v: format_percent(_number(v), lang),
        metric_name=lambda key: _metric_name(key, lang),
        problem=lambda kind: problem_label(kind, lang),
        field_name=lambda key: field_label(key, lang) if key in FIELDS else key,
        info_name=lambda key: t(f"info.{key}", lang) if f"info.{key}" in MESSAGES else key.replace("_", " "),
        metric_value=lambda key, v, metrics=None: _metric_value(key, None if isinstance(v, Undefined) else v, lang, metrics),
        lang=lang,
        MISSING=MISSING,
    )
    return env


def _number(value: Any) -> float | int | None:
    """A value a formatter can write: missing keys (Jinja's Undefined) and text become ``None``."""
    return value if _finite(value) else None


def _metric_name(key: str, lang: str) -> str:
    return t(f"metric.{key}", lang) if f"metric.{key}" in MESSAGES else key


def _metric_value(key: str, value: Any, lang: str, metrics: Any = None) -> str:
    """Write a metric by what its name says it is: ``*_s`` a duration, ``share`` a percentage.

    The durations of a finding measured in working time (an SLA's, with ``time`` and ``working_day_s``
    among its ``metrics``) are written in working days of its calendar.
    """
    if value is None:
        return MISSING
    if isinstance(value, str):  # enumerations (level, type, time basis) have names for people
        return t(f"value.{key}.{value}", lang) if f"value.{key}.{value}" in MESSAGES else value
    if isinstance(value, bool):
        return t(f"value.bool.{str(value).lower()}", lang)
    if not isinstance(value, int | float):
        return str(value)
    if key == "working_day_s":  # the working day's own length, in hours
        return format_duration(value, lang)
    if key.endswith("_s"):
        working = metrics is not None and getattr(metrics, "time", None) == "working"
        if working:
            return format_duration(value, lang, basis="working", day_s=getattr(metrics, "working_day_s", None))
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


def _context(audit: AuditDocument, lang: str) -> dict[str, Any]:
    log = audit.log_summary
    rank = {a.activity: i for i, a in enumerate(sorted(audit.activities, key=lambda a: -(a.events or 0)))}
    return {
        "title": t("report.title", lang),
        "version": audit.crmflow_version or MISSING,
        "generated": _when(audit.generated_at, lang),
        "period": (_when(log.start, lang, time=False), _when(log.end, lang, time=False)),
        "sources": list(audit.sources),
        "log": log,
        "kpis": _kpis(audit, lang),
        "maps": _maps(audit, lang),
        "bpmn": _bpmn(audit.bpmn, lang, audit),
        "dfg_top": sorted(audit.dfg, key=lambda e: -(e.count or 0))[:30],
        "variants": _variants(audit),
        "chip": lambda name: rank.get(str(name), CHIP_COLOURS - 1) % CHIP_COLOURS,
        "finding_groups": _finding_groups(audit.findings, lang),
        "findings_total": len(audit.findings),
        "sla": [_sla_rule(rule, lang) for rule in audit.sla],
        "funnel": _funnel(audit.funnel, lang),
        "handover": _handover(audit.handover, lang),
        "activities": list(audit.activities),
        "activity_charts": _activity_charts(audit.activities, lang),
        "resources": list(audit.resources),
        "resource_chart": _resource_chart(audit.resources, lang),
        "durations": _durations(audit.case_durations, lang) if "case_durations" in audit.present else None,
        "quarantine": audit.quarantine,
        "warnings": [str(w) for w in audit.warnings],
        "quality": quality_view(dict(audit.quality), lang) if audit.quality else None,
        "objects": _objects(audit.objects, lang),
    }


def _objects(objects: CaseObjectSummary | None, lang: str) -> dict[str, Any] | None:
    """The CRM-objects section: objects without events, stage reach overall and per segment, orphans."""
    if not objects:
        return None
    total, without = objects.objects, objects.without_events
    segments = [
        {
            **seg.to_dict(),
            "label": t("objects.other", lang) if seg.other else (seg.value or t("objects.blank", lang)),
        }
        for seg in objects.segments
    ]
    return {
        "intro": t(
            "objects.intro",
            lang,
            type=objects.object_type or MISSING,
            objects=format_number(total, lang),
            cases=format_number(objects.cases, lang),
            without=format_number(without, lang),
            share=format_percent(without / total if total else 0, lang),
        ),  # fmt: skip
        "role": t("objects.role", lang, role=objects.role) if objects.role else "",
        "stages": [
            {"stage": s, "reached": n, "share": n / total if total else None}
            for s, n in zip(objects.stages, objects.reached, strict=False)
        ],
        "segment": objects.segment,
        "stage_names": list(objects.stages),
        "segments": segments,
        "references": [dict(r) for r in objects.references],
    }


def _kpis(audit: AuditDocument, lang: str) -> list[dict[str, Any]]:
    log, durations = audit.log_summary, audit.case_durations
    has_log = "log" in audit.present
    quarantined = log.quarantined if has_log else audit.quarantine.count

    def known(value: Any) -> Any:
        return value if has_log else None

    items: list[dict[str, Any]] = [
        {"key": "cases", "kind": "num", "value": known(log.cases)},
        {"key": "events", "kind": "num", "value": known(log.events)},
        {"key": "activities", "kind": "num", "value": known(log.activities)},
        {"key": "variants", "kind": "num", "value": known(log.variants)},
        {"key": "median_duration", "kind": "dur", "value": durations.median_s},
        {"key": "mean_duration", "kind": "dur", "value": durations.mean_s},
        {"key": "p90_duration", "kind": "dur", "value": durations.p90_s},
        {"key": "rows_read", "kind": "num", "value": known(log.rows_read)},
        {"key": "quarantined", "kind": "num", "value": quarantined, "alert": bool(quarantined)},
    ]
    # One tile per SLA, never pooled: two SLAs measure different things (and may differ in time basis).
    for rule in audit.sla:
        if rule.compliance is None:
            continue
        label = t("kpi.sla_rule", lang, name=rule.name, basis=t(f"value.time.{rule.time}", lang))
        items.append(
            {
                "key": f"sla_compliance:{rule.name}",
                "kind": "pct",
                "value": rule.compliance,
                "alert": rule.compliance < 0.9,
                "label": label,
            }
        )
    items.append({"key": "findings", "kind": "num", "value": len(audit.findings)})
    return items


def _maps(audit: AuditDocument, lang: str) -> dict[str, Any]:
    """Both views at every activity level, and the numbers the sliders' caption needs (no CRM text)."""
    if not audit.dfg and not audit.start_activities:
        return {"views": [], "error": None, "empty": True}
    views = []
    try:
        levels = levels_of(audit)
        for view in ("frequency", "performance"):
            drawn = render_process_maps(audit, view=view, lang=lang, levels=levels)
            views.append(
                {
                    "view": view,
                    "map": drawn.current,
                    "levels": [Markup(m.svg) for m in drawn.maps],  # noqa: S704 - escaped by crmflow.report.processmap
                    "default": drawn.default,
                }
            )
    except ProcessMapError as exc:
        return {"views": [], "error": str(exc), "empty": False}
    # The caption at each slider position, so that the page's script only picks a sentence.
    sliders = [
        {
            "floor": lv.floor,
            "default": lv.default,
            "edges": len(lv.edges),
            "captions": [map_caption(lv, n, lang) for n in range(len(lv.edges) + 1)],
        }
        for lv in levels.levels
    ]
    data = json.dumps({"levels": sliders, "default": levels.default}, ensure_ascii=False)
    return {
        "views": views,
        "error": None,
        "empty": False,
        "levels": len(levels.levels),
        "default": levels.default,
        "current": levels.current,
        "data": Markup(data.replace("<", "\\u003c").replace("&", "\\u0026")),  # noqa: S704 - JSON in a script tag, < escaped
    }


def _bpmn(model: BpmnSection | None, lang: str, audit: AuditDocument) -> dict[str, Any] | None:
    """The As-Is BPMN section: the SVG is crmflow's own drawing, with every data string escaped; a page in
    another language than the audit's draws the model again with its notes in the page's language."""
    if model is None or not model.svg:
        return None
    svg = model.svg
    if lang != audit.lang and model.xml:
        svg = render_svg(reword_notes(read_bpmn(model.xml.encode("utf-8")), audit.findings, lang=lang))
    return {
        "svg": Markup(svg),  # noqa: S704 - generated by crmflow.bpmn.render, which escapes all text
        "noise_pct": format_percent(model.noise_threshold or 0, lang),
        "lanes": ", ".join(model.lanes) or MISSING,
    }


def _variants(audit: AuditDocument) -> dict[str, Any]:
    variants = audit.variants[:VARIANTS_SHOWN]
    cases = (audit.log_summary.cases if "log" in audit.present else 0) or sum(v.count or 0 for v in audit.variants)
    rows, running = [], 0
    for v in variants:
        count = v.count or 0
        running += count
        rows.append({**v.to_dict(), "share": count / cases if cases else None, "cum_share": running / cases if cases else None})
    total = audit.log_summary.variants or audit.variants_total or len(audit.variants)
    return {"rows": rows, "total": total, "coverage": running / cases if cases else None}


def _finding_groups(findings: Sequence[Finding], lang: str) -> list[dict[str, Any]]:
    kinds = list(FINDING_KINDS) + sorted({f.kind for f in findings} - set(FINDING_KINDS))
    groups = []
    for kind in kinds:
        items = sorted((f for f in findings if f.kind == kind), key=lambda f: _SEVERITY_ORDER.get(f.severity, 3))
        if items:
            prepared = []
            for f in items:
                rows = list(f.evidence.rows)
                columns: list[str] = []
                for row in rows:
                    columns += [str(k) for k in row if str(k) not in columns]
                prepared.append(
                    {
                        "kind": f.kind,
                        "key": f.key,
                        "title": finding_title(f, lang),
                        "severity": f.severity,
                        "description": finding_description(f, lang),
                        "metrics": f.metrics,
                        "evidence": f.evidence,
                        "row_columns": columns,
                        "rows": rows,
                    }
                )
            label = kind_info(kind).label(lang) if kind in FINDING_KINDS else kind
            groups.append({"kind": kind, "label": label, "items": prepared})
    return groups


def _sla_rule(rule: SlaResult, lang: str) -> dict[str, Any]:
    """An SLA's row and chart; its durations in its own time (working days of its calendar)."""
    basis: Basis = "working" if rule.time == "working" else "calendar"

    def dur(seconds: float | None) -> str:
        return format_duration(seconds, lang, basis=basis, day_s=rule.working_day_s)

    hist = rule.histogram
    chart = None
    if hist.counts:
        chart = Markup(
            charts.histogram(
                hist.edges_s,
                hist.counts,
                title=t("sla.histogram", lang, name=rule.name),
                lang=lang,
                x_label=t("chart.duration", lang),
                y_label=t("chart.cases", lang),
                limit_s=rule.within_s,
                limit_text=t("sla.limit", lang, limit=dur(rule.within_s)),
                duration=dur,
            )
        )
    texts = {"within_text": dur(rule.within_s), "median_text": dur(rule.median_s), "p90_text": dur(rule.p90_s)}
    return {**rule.to_dict(), **texts, "chart": chart}


def _funnel(funnel: FunnelResult | None, lang: str) -> dict[str, Any] | None:
    if funnel is None or not funnel.stages:
        return None
    chart = charts.funnel_chart(funnel.stages, title=t("funnel.chart", lang), lang=lang)
    return {"stages": list(funnel.stages), "chart": Markup(chart)}


def _handover(handover: HandoverSection, lang: str) -> list[dict[str, Any]]:
    out = []
    for level, limit in (("resource", 12), ("role", 10)):
        pairs = list(handover.resource if level == "resource" else handover.role)
        if not pairs:
            continue
        load: dict[str, int] = {}
        for p in pairs:
            for name in (p.source, p.target):
                load[name] = load.get(name, 0) + (p.count or 0)
        names = sorted(load, key=lambda n: (-load[n], n))[:limit]
        index = {n: i for i, n in enumerate(names)}
        matrix: list[list[float | None]] = [[None] * len(names) for _ in names]
        for p in pairs:
            if p.source in index and p.target in index:
                matrix[index[p.source]][index[p.target]] = float(p.count or 0)
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
                "pairs": sorted(pairs, key=lambda p: -(p.count or 0))[:20],
                "total": len(pairs),
            }
        )
    return out


def _activity_charts(activities: Sequence[ActivityStats], lang: str) -> list[Markup]:
    if not activities:
        return []
    by_events = sorted(activities, key=lambda a: -(a.events or 0))[:20]
    out = [
        Markup(
            charts.bar_chart(
                [(a.activity, float(a.events or 0)) for a in by_events],
                title=t("chart.activity_freq", lang),
                value_text=lambda v: format_number(v, lang),
            )
        )
    ]
    waits = [(a.activity, float(a.median_wait_s)) for a in activities if a.median_wait_s is not None and _finite(a.median_wait_s)]
    if waits:
        waits.sort(key=lambda a: -a[1])
        top = waits[:15]
        out.append(
            Markup(
                charts.bar_chart(
                    top,
                    title=t("chart.activity_wait", lang),
                    value_text=lambda v: format_duration(v, lang),
                    colour="#6b7fa8",
                    highlight=[name for name, _ in top[:3]],
                )
            )
        )
    return out


def _resource_chart(resources: Sequence[ResourceStats], lang: str) -> Markup | None:
    if not resources:
        return None
    top = sorted(resources, key=lambda r: -(r.events or 0))[:20]
    return Markup(
        charts.bar_chart(
            [(r.resource, float(r.events or 0)) for r in top],
            title=t("chart.resource_load", lang),
            value_text=lambda v: format_number(v, lang),
        )
    )


def _durations(durations: CaseDurations, lang: str) -> dict[str, Any] | None:
    hist = durations.histogram
    chart = None
    if hist.counts:
        chart = Markup(
            charts.histogram(
                hist.edges_s,
                hist.counts,
                title=t("chart.duration_hist", lang),
                lang=lang,
                x_label=t("chart.duration", lang),
                y_label=t("chart.cases", lang),
            )
        )
    return {**durations.to_dict(), "chart": chart}


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
