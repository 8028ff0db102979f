"""Run every As-Is check over a log and collect the findings.

>>> from crmflow.store.store import EventStore
>>> store = EventStore()
>>> _ = store.sql("CREATE TABLE st AS SELECT * FROM (VALUES "
...     "(1::BIGINT, 'c1', 'A', TIMESTAMPTZ '2024-03-01 09:00:00+00', 'u1', NULL, NULL), "
...     "(2, 'c1', 'A', TIMESTAMPTZ '2024-03-01 10:00:00+00', 'u1', NULL, NULL)) "
...     "t(row_no, case_id, activity, ts, resource, role, lifecycle)")
>>> report = detect_findings(store.materialize(["st"]))
>>> [(f.kind, f.key, f.severity) for f in report.findings]
[('bottleneck', 'A -> A', 'high'), ('rework', 'A', 'high')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmflow.findings.bottleneck import find_bottlenecks
from crmflow.findings.calendar import CalendarTable
from crmflow.findings.funnel import FunnelResult, measure_funnel
from crmflow.findings.messages import MESSAGES, fmt_share
from crmflow.findings.model import Finding
from crmflow.findings.ping_pong import find_ping_pong
from crmflow.findings.rework import find_rework
from crmflow.findings.rules import AuditRules
from crmflow.findings.sla import SlaResult, measure_sla, sla_finding
from crmflow.findings.stuck import EndActivities, find_stuck_cases, resolve_end_activities
from crmflow.findings.workload import find_workload_concentration
from crmflow.i18n import check_lang, text
from crmflow.jsonable import JsonMixin
from crmflow.store.store import EventLog

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class FindingsReport(JsonMixin):
    """All As-Is findings of a log, with the SLA and funnel measurements behind them.

    ``findings`` are sorted by severity, then by the number of cases affected (most first), then
    by kind and key.
    """

    findings: tuple[Finding, ...]
    sla: tuple[SlaResult, ...] = ()
    funnel: FunnelResult | None = None
    warnings: tuple[str, ...] = ()
    end_activities: tuple[str, ...] = ()
    end_activities_inferred: bool = False
    rules: dict[str, Any] = field(default_factory=dict)


def check_rules(log: EventLog, rules: AuditRules, *, lang: str = "en") -> list[str]:
    """Warnings for activities the rules name but the log never has."""
    present = {r[0] for r in log.store.sql(f"SELECT DISTINCT activity FROM {log.events_table}").fetchall()}
    out: list[str] = []
    for r in rules.sla:
        for a in dict.fromkeys((r.from_activity, r.to_activity)):
            if a not in present:
                out.append(text(MESSAGES, "warn.sla_missing", lang, name=r.name, activity=a))
    out += [text(MESSAGES, "warn.end_missing", lang, activity=a) for a in rules.end_activities or () if a not in present]
    out += [text(MESSAGES, "warn.stage_missing", lang, activity=a) for a in rules.stages if a not in present]
    return out


def _ends_warning(ends: EndActivities, rules: AuditRules, lang: str) -> list[str]:
    if not ends.inferred:
        return []
    share = fmt_share(rules.thresholds.end_activity_share, lang)
    if not ends.activities:
        return [text(MESSAGES, "warn.no_end", lang, share=share)]
    listed = ", ".join(f"“{a}”" if lang == "en" else f"«{a}»" for a in ends.activities)
    return [text(MESSAGES, "warn.auto_end", lang, share=share, activities=listed)]


def detect_findings(log: EventLog, rules: AuditRules | None = None, *, lang: str = "en") -> FindingsReport:
    """Measure every As-Is check of the rules over ``log``.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules (default: :func:`crmflow.findings.rules.load_rules` with no file).
    lang
        ``"en"`` or ``"ru"`` for titles, descriptions and warnings.

    Returns
    -------
    FindingsReport
        Findings sorted by severity then cases affected, SLA results, the funnel and warnings.
    """
    lang = check_lang(lang)
    rules = rules or AuditRules()
    warnings = check_rules(log, rules, lang=lang)
    ends = resolve_end_activities(log, rules)
    warnings += _ends_warning(ends, rules, lang)

    findings: list[Finding] = []
    findings += find_bottlenecks(log, rules, lang=lang)
    findings += find_rework(log, rules, lang=lang)
    findings += find_ping_pong(log, rules, lang=lang)
    findings += find_workload_concentration(log, rules, lang=lang)
    findings += find_stuck_cases(log, rules, lang=lang, ends=ends)

    calendar: CalendarTable | None = None
    if any(r.time == "working" for r in rules.sla):
        calendar = rules.calendar.install_for(log.store, log.name)
    sla: list[SlaResult] = []
    try:
        for rule in rules.sla:
            result = measure_sla(log, rule, calendar)
            sla.append(result)
            f = sla_finding(result, lang=lang)
            if f is not None:
                findings.append(f)
    finally:
        if calendar is not None:
            calendar.drop(log.store)
    funnel, funnel_findings = measure_funnel(log, rules, lang=lang)
    findings += funnel_findings

    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], -f.evidence.case_count, f.kind, f.key))
    return FindingsReport(
        findings=tuple(findings),
        sla=tuple(sla),
        funnel=funnel,
        warnings=tuple(warnings),
        end_activities=ends.activities,
        end_activities_inferred=ends.inferred,
        rules=rules.echo(),
    )
