"""The KPI dashboard specification: each KPI's definition, formula, target and As-Is baseline.

A baseline is computed from the audit when the KPI's ``formula`` is one of these measures (read
with a regular expression, never evaluated), or when the KPI's id is the id of an audited SLA:

* ``sla_compliance(<sla id>)`` — share of cases within the SLA (also used when the formula is none of
  these and the KPI's id matches an audited SLA rule: ``first_contact_in_sla`` ~ ``first-contact``);
* ``conversion(<stage> -> <stage>)`` — cases reaching the second stage / cases reaching the first;
* ``median_wait(<activity>)`` — median waiting time before the activity;
* ``median_case_duration`` / ``p90_case_duration`` — case durations;
* ``rework_share(<activity>)`` — share of cases repeating the activity;
* ``stuck_share`` — share of open cases without activity for the stuck threshold.

Shares are given in percent when the KPI's unit is ``%``; durations in the KPI's unit (``s``,
``min``, ``h``, ``d``; working-time units are not converted — the audit measures calendar time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crmflow.base.numbers import DAY_WORDS, format_number
from crmflow.deliverables.audit_input import AuditInput
from crmflow.deliverables.document import Paragraph, Section, Sheet, Table
from crmflow.deliverables.messages import MSG, t
from crmflow.deliverables.sla import same_id
from crmflow.design.model import Kpi, ToBeDefinition
from crmflow.i18n import plural

_UNIT_SECONDS = {
    "s": 1.0,
    "sec": 1.0,
    "с": 1.0,
    "min": 60.0,
    "мин": 60.0,
    "m": 60.0,
    "h": 3600.0,
    "ч": 3600.0,
    "d": 86400.0,
    "д": 86400.0,
    "дн": 86400.0,
}
_MEASURES = (
    "sla_compliance",
    "conversion",
    "median_wait",
    "median_case_duration",
    "p90_case_duration",
    "rework_share",
    "stuck_share",
)
_CALL = re.compile(r"^\s*(\w+)\s*(?:\((.*)\))?\s*$", re.S)


@dataclass(frozen=True)
class Baseline:
    """The As-Is value of a KPI (``value`` None with a ``reason`` when it cannot be computed)."""

    value: float | None
    reason: str


def _share(value: float, kpi: Kpi) -> float:
    return value * 100.0 if kpi.unit.strip() == "%" else value


def _duration(seconds: float, kpi: Kpi) -> float | None:
    unit = kpi.unit.strip().lower()
    return seconds / _UNIT_SECONDS[unit] if unit in _UNIT_SECONDS else None


def baseline(kpi: Kpi, audit: AuditInput | None, lang: str) -> Baseline:
    """Compute a KPI's As-Is value from the audit (see the module docstring for the measures)."""
    if audit is None:
        return Baseline(None, t("kpi.no_audit", lang))
    m = _CALL.match(kpi.formula or "")
    name, arg = (m.group(1), (m.group(2) or "").strip()) if m else ("", "")
    wanted = arg if name == "sla_compliance" and arg else kpi.id
    sla_rule = next((r for r in audit.sla_results() if same_id(r.name, wanted)), None)
    if name == "sla_compliance" or (name not in _MEASURES and sla_rule is not None):
        rule = sla_rule
        if rule is None or rule.compliance is None:
            return Baseline(None, t("kpi.no_sla", lang, sla=wanted))
        return Baseline(_share(float(rule.compliance), kpi), t("kpi.from_sla", lang, sla=rule.name))
    if name == "conversion":
        parts = [p.strip() for p in re.split(r"->|→|,", arg) if p.strip()]
        if len(parts) != 2:
            return Baseline(None, t("kpi.bad_formula", lang, formula=kpi.formula))
        a, b = audit.funnel_stage(parts[0]), audit.funnel_stage(parts[1])
        if not a or not b or not a.cases:
            return Baseline(None, t("kpi.no_stage", lang, stages=" → ".join(parts)))
        return Baseline(_share(b.cases / a.cases, kpi), t("kpi.from_funnel", lang, a=parts[0], b=parts[1]))
    if name == "median_wait":
        act = audit.activity(arg)
        if not act or act.median_wait_s is None:
            return Baseline(None, t("kpi.no_activity", lang, activity=arg))
        value = _duration(float(act.median_wait_s), kpi)
        return (
            Baseline(value, t("kpi.from_wait", lang, activity=arg))
            if value is not None
            else Baseline(None, t("kpi.bad_unit", lang, unit=kpi.unit))
        )
    if name in ("median_case_duration", "p90_case_duration"):
        cd = audit.audit.case_durations
        seconds = cd.median_s if name.startswith("median") else cd.p90_s
        value = _duration(float(seconds), kpi) if seconds is not None else None
        return (
            Baseline(value, t("kpi.from_durations", lang))
            if value is not None
            else Baseline(None, t("kpi.bad_unit", lang, unit=kpi.unit))
        )
    if name == "rework_share":
        cases = audit.audit.log_summary.cases
        hits = [f for f in audit.audit.findings_of("rework") if f.metrics.activity == arg]
        if not cases:
            return Baseline(None, t("kpi.no_cases", lang))
        n = max((f.metrics.cases or 0 for f in hits), default=0)
        return Baseline(_share(n / cases, kpi), t("kpi.from_rework", lang, activity=arg))
    if name == "stuck_share":
        stuck = next(iter(audit.audit.findings_of("stuck_case")), None)
        cases = audit.audit.log_summary.cases
        if not cases:
            return Baseline(None, t("kpi.no_cases", lang))
        n = (stuck.metrics.stuck_cases or 0) if stuck is not None else 0
        return Baseline(_share(n / cases, kpi), t("kpi.from_stuck", lang))
    return Baseline(None, t("kpi.not_computable", lang))


def _fmt(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    return format_number(value, lang, digits=1 if abs(value) < 1000 else 0)


#: KPI units as each language writes them after a number (days: calendar days, by the plural rules).
_UNIT_WORDS = {
    "en": {"s": "s", "sec": "s", "min": "min", "m": "min", "h": "h", "%": "%"},
    "ru": {"s": "с", "sec": "с", "min": "мин", "m": "мин", "h": "ч", "%": "%"},
}
#: A KPI measured in days counts calendar days (elapsed time of the audit's cases).
_DAYS = ("d", "days", "day")
_DAYS_COLUMN = {"en": "calendar days", "ru": "календарные дни"}


def unit_text(unit: str, lang: str, n: float | None = None) -> str:
    """A KPI's unit in the language (``h`` → ``ч``); after the number ``n`` days take its plural form;
    a unit it does not know is kept.

    >>> unit_text("h", "ru"), unit_text("min", "en"), unit_text("шт.", "ru"), unit_text("d", "ru")
    ('ч', 'min', 'шт.', 'календарные дни')
    >>> unit_text("d", "ru", 5), unit_text("days", "en", 1)
    ('календарных дней', 'calendar day')
    """
    lang = "ru" if lang == "ru" else "en"
    if unit.strip() in _DAYS:
        return plural(n, lang, DAY_WORDS["calendar"][lang]) if n is not None else _DAYS_COLUMN[lang]
    return _UNIT_WORDS[lang].get(unit.strip(), unit)


def kpi_rows(tobe: ToBeDefinition, audit: AuditInput | None, lang: str) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for kpi in tobe.kpis:
        b = baseline(kpi, audit, lang)
        sign = "≥" if kpi.direction == "at_least" else "≤"
        gap = "—"
        if b.value is not None:
            met = b.value >= kpi.target if kpi.direction == "at_least" else b.value <= kpi.target
            gap = t("kpi.met" if met else "kpi.gap", lang, delta=_fmt(abs(kpi.target - b.value), lang))
        process = next((p.name.get(lang) for p in tobe.processes if p.id == kpi.process), "—")
        rows.append(
            (
                kpi.name.get(lang),
                kpi.definition.get(lang),
                f"[{kpi.formula}]" if kpi.formula else "—",
                unit_text(kpi.unit, lang) if kpi.unit else "—",
                f"{sign} {format_number(kpi.target, lang, digits=0 if float(kpi.target).is_integer() else 2)}",
                _fmt(b.value, lang),
                gap,
                b.reason,
                t(f"kpi.source.{kpi.source}", lang) if f"kpi.source.{kpi.source}" in MSG else tobe.party_name(kpi.source, lang),
                process,
            )
        )
    return rows


def _header(lang: str) -> tuple[str, ...]:
    return (
        t("kpi.col.kpi", lang),
        t("kpi.col.definition", lang),
        t("kpi.col.formula", lang),
        t("kpi.col.unit", lang),
        t("kpi.col.target", lang),
        t("kpi.col.baseline", lang),
        t("kpi.col.gap", lang),
        t("kpi.col.how", lang),
        t("kpi.col.source", lang),
        t("col.process", lang),
    )


def build_kpis(tobe: ToBeDefinition, audit: AuditInput | None = None, *, lang: str) -> Section:
    rows = kpi_rows(tobe, audit, lang)
    measured = sum(1 for r in rows if r[5] != "—")
    return Section(
        title=t("kpi.title", lang),
        key="kpi",
        blocks=(
            Paragraph(t("kpi.intro", lang, n=len(rows), measured=measured)),
            Table(header=_header(lang)[:8], rows=tuple(r[:8] for r in rows), caption=t("kpi.caption", lang)),
        ),
    )


def kpi_sheet(tobe: ToBeDefinition, audit: AuditInput | None, *, lang: str) -> Sheet:
    return Sheet(
        name="KPI", header=_header(lang), rows=tuple(kpi_rows(tobe, audit, lang)), widths=(30, 50, 30, 8, 10, 10, 18, 40, 12, 24)
    )


__all__ = ["Baseline", "baseline", "build_kpis", "kpi_rows", "kpi_sheet"]
