"""The one place the web app reads an audit (``audit.json``): typed views for the screens.

When the audit result becomes typed parts (issue 9), only this module changes. Every number shown
on the dashboard comes from here, so it is the audit's number and not a recomputation.

>>> doc = {"log": {"cases": 2, "events": 5, "variants": 1, "rows_read": 6, "quarantined": 1},
...        "case_durations": {"median_s": 60.0, "p90_s": 90.0}, "sla": [], "funnel": {"stages": []}, "findings": []}
>>> k = kpis(doc)
>>> k.cases, k.quality_score
(2, 0.8333333333333334)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmflow.jsonable import JsonMixin

_SEVERITY = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class SlaKpi(JsonMixin):
    name: str
    cases_checked: int
    violations: int
    compliance: float | None
    within_s: float | None


@dataclass(frozen=True)
class FunnelStage(JsonMixin):
    stage: str
    cases: int
    share_of_start: float | None
    conversion_from_previous: float | None


@dataclass(frozen=True)
class FindingView(JsonMixin):
    index: int
    kind: str
    key: str
    title: str
    severity: str
    case_count: int
    case_ids: tuple[str, ...]
    source: str | None  # for transitions: the activities of the edge
    target: str | None


@dataclass(frozen=True)
class Kpis(JsonMixin):
    """The dashboard's numbers, exactly as the audit wrote them."""

    cases: int
    events: int
    variants: int
    rows_read: int
    quarantined: int
    quality_score: float | None  # share of input rows that became events
    median_cycle_s: float | None
    p90_cycle_s: float | None
    sla: tuple[SlaKpi, ...]
    funnel: tuple[FunnelStage, ...]


def kpis(doc: dict[str, Any]) -> Kpis:
    """The dashboard's KPIs from an audit document."""
    log = doc["log"]
    rows_read = int(log.get("rows_read") or 0)
    quarantined = int(log.get("quarantined") or 0)
    durations = doc.get("case_durations") or {}
    return Kpis(
        cases=int(log["cases"]),
        events=int(log["events"]),
        variants=int(log.get("variants") or 0),
        rows_read=rows_read,
        quarantined=quarantined,
        quality_score=(rows_read - quarantined) / rows_read if rows_read else None,
        median_cycle_s=durations.get("median_s"),
        p90_cycle_s=durations.get("p90_s"),
        sla=tuple(
            SlaKpi(
                s["name"], int(s.get("cases_checked") or 0), int(s.get("violations") or 0), s.get("compliance"), s.get("within_s")
            )
            for s in doc.get("sla") or []
        ),
        funnel=tuple(
            FunnelStage(s["stage"], int(s["cases"]), s.get("share_of_start"), s.get("conversion_from_previous"))
            for s in (doc.get("funnel") or {}).get("stages") or []
        ),
    )


def findings(doc: dict[str, Any]) -> list[FindingView]:
    """The findings in the audit's order (most severe first), with the cases behind each."""
    out = []
    for i, f in enumerate(doc.get("findings") or []):
        ev = f.get("evidence") or {}
        m = f.get("metrics") or {}
        out.append(
            FindingView(
                index=i,
                kind=f["kind"],
                key=f["key"],
                title=f["title"],
                severity=f["severity"],
                case_count=int(ev.get("case_count") or len(ev.get("case_ids") or ())),
                case_ids=tuple(str(c) for c in ev.get("case_ids") or ()),
                source=m.get("source") if isinstance(m.get("source"), str) else None,
                target=m.get("target") if isinstance(m.get("target"), str) else None,
            )
        )
    return out


def finding(doc: dict[str, Any], index: int) -> FindingView | None:
    views = findings(doc)
    return views[index] if 0 <= index < len(views) else None


def top_bottleneck(doc: dict[str, Any]) -> FindingView | None:
    """The most severe bottleneck finding (the audit lists the worst first within a severity)."""
    ranked = sorted((f for f in findings(doc) if f.kind == "bottleneck"), key=lambda f: (_SEVERITY.get(f.severity, 9), f.index))
    return ranked[0] if ranked else None


def asis_bpmn_xml(doc: dict[str, Any]) -> str | None:
    """The annotated As-Is BPMN (XML with crmflow extension elements), if the audit has one."""
    bpmn = doc.get("bpmn") or {}
    return bpmn.get("xml") if isinstance(bpmn, dict) else None


def sources(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit's input sources with their mapping and what was detected."""
    return list((doc.get("input") or {}).get("sources") or [])


def sla_details(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each SLA of the audit as written (from/to activities, violations, the violating cases)."""
    return list(doc.get("sla") or [])


def quarantine_reasons(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list((doc.get("quarantine") or {}).get("by_reason") or [])
