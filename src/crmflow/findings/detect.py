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

from dataclasses import dataclass, field, replace
from typing import Any

from crmflow.base.profile import StageProfile
from crmflow.findings.bottleneck import Mined, find_bottlenecks
from crmflow.findings.calendar import CalendarTable
from crmflow.findings.evidence import EvidenceTable, record_evidence
from crmflow.findings.funnel import FunnelResult, measure_funnel
from crmflow.findings.messages import MESSAGES, fmt_share
from crmflow.findings.model import Finding
from crmflow.findings.ping_pong import find_ping_pong
from crmflow.findings.rework import find_rework
from crmflow.findings.rules import AuditRules
from crmflow.findings.sla import SlaResult, measure_sla, sla_finding
from crmflow.findings.stuck import EndActivities, find_stuck_cases, install_closing, resolve_end_activities
from crmflow.findings.tables import SharedTables
from crmflow.findings.workload import find_hero, find_workload_concentration, work_groups
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
    #: Activities whose first event closes a case (declared end and closing activities).
    closing_activities: tuple[str, ...] = ()
    closed_cases: int = 0
    #: Events after their case's closing event (support after payment), and their cases.
    events_after_closing: int = 0
    cases_after_closing: int = 0
    #: Of those, events of activities the case had not done up to closing: left out of the process.
    other_events_after_closing: int = 0
    #: The complete evidence lists in the store (``detect_findings(..., evidence=True)``).
    evidence: EvidenceTable | None = None


def check_rules(log: EventLog, rules: AuditRules, *, lang: str = "en") -> list[str]:
    """Warnings for activities the rules name but the log never has."""
    present = {r[0] for r in log.store.sql(f"SELECT DISTINCT activity FROM {log.events_table}").fetchall()}
    out: list[str] = []
    for r in rules.sla:
        for a in dict.fromkeys((r.from_activity, r.to_activity)):
            if a not in present:
                out.append(text(MESSAGES, "warn.sla_missing", lang, name=r.name, activity=a))
    out += [text(MESSAGES, "warn.end_missing", lang, activity=a) for a in rules.end_activities or () if a not in present]
    out += [text(MESSAGES, "warn.closing_missing", lang, activity=a) for a in rules.closing_activities if a not in present]
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


def detect_findings(
    log: EventLog,
    rules: AuditRules | None = None,
    *,
    lang: str = "en",
    evidence: bool = False,
    profile: StageProfile | None = None,
    mined: Mined | None = None,
) -> FindingsReport:
    """Measure every As-Is check of the rules over ``log``.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules (default: :func:`crmflow.findings.rules.load_rules` with no file).
    lang
        ``"en"`` or ``"ru"`` for titles, descriptions and warnings.
    evidence
        Also write every case behind every finding into the store
        (:func:`crmflow.findings.evidence.record_evidence`; ``FindingsReport.evidence``).
    profile
        Where each family of checks records its time and peak memory (:mod:`crmflow.base.profile`).
    mined
        The DFG and activity statistics of ``log`` when the caller has them (the audit): the bottleneck ranking
        reads them when the process log is the whole log (no events after closing).

    Returns
    -------
    FindingsReport
        Findings sorted by severity then cases affected, SLA results, the funnel and warnings.
    """
    lang = check_lang(lang)
    rules = rules or AuditRules()
    stage = (profile or StageProfile.disabled()).stage
    with stage("closing"):
        warnings = check_rules(log, rules, lang=lang)
        ends = resolve_end_activities(log, rules)
        warnings += _ends_warning(ends, rules, lang)
        closing = install_closing(log, rules, ends)
    findings: list[Finding] = []
    sla: list[SlaResult] = []
    calendar: CalendarTable | None = None
    tables = SharedTables(log.store)  # the checks' per-case tables, read again by the evidence
    try:
        if closing.events_after:
            words = {"events": closing.events_after, "cases": closing.cases_after, "other": closing.other_events}
            warnings.append(text(MESSAGES, "warn.after_closing", lang, **words))
        # waiting, rework and ping-pong: the process (after closing, only repeats of its own steps)
        with stage("process"):
            process = closing.process_log()
        with stage("bottleneck"):
            findings += find_bottlenecks(process, rules, lang=lang, tables=tables, mined=mined if process is log else None)
        with stage("rework"):
            findings += find_rework(process, rules, lang=lang, tables=tables)
        with stage("ping_pong"):
            findings += find_ping_pong(process, rules, lang=lang, tables=tables)
        # work is work, before or after closing
        with stage("workload"):
            groups = work_groups(log, rules.system_resources)
            findings += find_workload_concentration(log, rules, lang=lang, groups=groups)
            findings += find_hero(log, rules, lang=lang, groups=groups)
        with stage("stuck"):
            findings += find_stuck_cases(log, rules, lang=lang, ends=ends, closing=closing, tables=tables)
        with stage("sla"):
            if any(r.time == "working" for r in rules.sla):
                calendar = rules.calendar.install_for(log.store, log.name)
            for rule in rules.sla:
                result = measure_sla(log, rule, calendar, closing, tables)
                sla.append(result)
                f = sla_finding(result, lang=lang)
                if f is not None:
                    findings.append(f)
        with stage("funnel"):
            funnel, funnel_findings = measure_funnel(log, rules, lang=lang, closing=closing, tables=tables)
        findings += funnel_findings
        findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], -f.evidence.case_count, f.kind, f.key))
        full: EvidenceTable | None = None
        if evidence:
            with stage("evidence"):
                full = record_evidence(log, findings, rules, closing=closing, calendar=calendar, tables=tables)
            findings = [
                replace(
                    f,
                    evidence=replace(f.evidence, full_list=full.file, full_list_rows=full.per_finding.get(no, 0)),
                )
                for no, f in enumerate(findings, start=1)
            ]
    finally:
        tables.drop()
        if calendar is not None:
            calendar.drop(log.store)
        closing.drop()

    return FindingsReport(
        findings=tuple(findings),
        sla=tuple(sla),
        funnel=funnel,
        warnings=tuple(warnings),
        end_activities=ends.activities,
        end_activities_inferred=ends.inferred,
        rules=rules.echo(),
        closing_activities=closing.first,
        closed_cases=closing.closed_cases,
        events_after_closing=closing.events_after,
        cases_after_closing=closing.cases_after,
        other_events_after_closing=closing.other_events,
        evidence=full,
    )
