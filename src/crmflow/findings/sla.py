"""SLA checks: the time from one activity to another must stay within a limit.

For each rule and each case with a ``from`` event: the time from the case's *first* ``from``
event to the first ``to`` event after it (working or calendar time). A case violates the rule
when that time exceeds ``within`` (*late*), or when it has no ``to`` event and the time from
``from`` to the log's end already exceeds ``within`` (*open breach*). A case that closed
(:mod:`crmflow.findings.closing`; declared end or closing activities only, not inferred ones) after
``from`` without a ``to`` is measured up to its closing event, not to the log's end: its clock
stopped when it closed (``closed_without_target`` counts them, ``closed_breaches`` those among
them that had waited longer than ``within``; both are part of ``open_breaches`` / ``open_within``).
Compliance is ``1 - violations / cases_checked``; open cases still within the limit count as compliant. The
distribution (mean, median, p90, max, histogram) is over the completed cases; the histogram's
bucket edges are multiples of ``within`` (0, ½, 1, 2, 5, 10 ×, then the longest time).

Severity: high when at least 20 % of the checked cases violate the rule, medium from 5 %, low below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmflow.findings.calendar import CalendarTable
from crmflow.findings.closing import Closing
from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding
from crmflow.findings.rules import SlaRule, TimeBasis, grade
from crmflow.findings.tables import SharedTables
from crmflow.findings.wording import worded
from crmflow.jsonable import JsonMixin
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog

#: Histogram bucket edges as multiples of the rule's limit.
EDGE_FACTORS: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0)


@dataclass(frozen=True)
class Histogram(JsonMixin):
    """Completed cases per bucket ``edges_s[i] <= time < edges_s[i + 1]`` (the last bucket closed).

    ``len(edges_s) == len(counts) + 1``. Edges are 0, ½, 1, 2, 5 and 10 × the limit; when some case
    took longer than 10 × the limit, a last bucket runs from there to the longest time.
    """

    edges_s: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class SlaViolation(JsonMixin):
    case_id: str
    elapsed_s: float
    open: bool


@dataclass(frozen=True)
class SlaResult(JsonMixin):
    """The measurement of one SLA rule over a log."""

    name: str
    from_activity: str
    to_activity: str
    within_s: float
    time: TimeBasis
    cases_checked: int
    completed: int
    violations: int
    late: int
    open_breaches: int
    open_within: int
    compliance: float | None
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    max_s: float | None
    histogram: Histogram
    violating_case_ids: tuple[str, ...]
    worst: tuple[SlaViolation, ...]
    closed_without_target: int = 0
    closed_breaches: int = 0
    #: The length of the calendar's working day in seconds when the rule counts working time (a
    #: working ``d`` of the durations above), else None.
    working_day_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``audit.json`` layout: ``from``/``to`` (Python keywords here) and a ``stats`` block."""
        d = super().to_dict()
        d["from"] = d.pop("from_activity")
        d["to"] = d.pop("to_activity")
        d["stats"] = {k: d[k] for k in ("mean_s", "median_s", "p90_s", "max_s")}
        return d


def sla_cases(tables: SharedTables, log: EventLog, rule: SlaRule, calendar: CalendarTable | None, closing: Closing | None) -> str:
    """The table of every case's clock for ``rule`` (:func:`crmflow.store.finding_queries.sla_table`)."""
    if rule.time == "working":
        if calendar is None:
            raise ValueError(f"SLA rule {rule.name!r} counts working time: pass an installed calendar")
        duration = calendar.working_seconds_sql("from_ts", "to_ts")
        open_duration = calendar.working_seconds_sql("from_ts", "log_end")
    else:
        duration = fq.elapsed_seconds("from_ts", "to_ts")
        open_duration = fq.elapsed_seconds("from_ts", "log_end")
    closed = closing.table if closing else None
    return tables.get(
        ("sla", log.name, rule.name, rule.from_activity, rule.to_activity, duration, str(closed)),
        lambda n: fq.sla_table(log.name, n, duration, open_duration, closed),
        {"from": rule.from_activity, "to": rule.to_activity},
    )


def measure_sla(
    log: EventLog,
    rule: SlaRule,
    calendar: CalendarTable | None = None,
    closing: Closing | None = None,
    tables: SharedTables | None = None,
) -> SlaResult:
    """Measure one SLA rule.

    Parameters
    ----------
    log
        The materialised log.
    rule
        The rule.
    calendar
        The installed working-time calendar; required when ``rule.time == "working"``.
    closing
        The installed closing events; without them every case without a ``to`` runs to the log's end.
    tables
        The audit's shared temporary tables (the per-case clocks are kept there for the evidence).
    """
    store = log.store
    edges = [f * rule.within_s for f in EDGE_FACTORS]
    with SharedTables.scope(store, tables) as shared:
        tmp = sla_cases(shared, log, rule, calendar, closing)
        s = store.rows(fq.sla_summary(tmp, edges), {"within": rule.within_s})[0]
        worst = store.rows(fq.sla_violations(tmp), {"within": rule.within_s, "limit": EVIDENCE_LIMIT})
    violations = int(s["late"]) + int(s["open_breaches"])
    checked = int(s["checked"])
    return SlaResult(
        name=rule.name,
        from_activity=rule.from_activity,
        to_activity=rule.to_activity,
        within_s=rule.within_s,
        time=rule.time,
        cases_checked=checked,
        completed=int(s["completed"]),
        violations=violations,
        late=int(s["late"]),
        open_breaches=int(s["open_breaches"]),
        open_within=int(s["open_within"]),
        compliance=1 - violations / checked if checked else None,
        mean_s=s["mean_s"],
        median_s=s["median_s"],
        p90_s=s["p90_s"],
        max_s=s["max_s"],
        histogram=_histogram(edges, [int(s[f"b{i}"]) for i in range(len(edges))], s["max_s"]),
        violating_case_ids=tuple(w["case_id"] for w in worst),
        worst=tuple(SlaViolation(w["case_id"], w["elapsed_s"], bool(w["open"])) for w in worst[:20]),
        closed_without_target=int(s["closed_without_target"]),
        closed_breaches=int(s["closed_breaches"]),
        working_day_s=float(calendar.calendar.end_s - calendar.calendar.start_s)
        if rule.time == "working" and calendar is not None
        else None,
    )


def _histogram(edges: list[float], counts: list[int], max_s: float | None) -> Histogram:
    """Close the open last bucket at the longest time, or drop it when it is empty."""
    if not any(counts):
        return Histogram((), ())
    if counts[-1] and max_s is not None:
        return Histogram(tuple(edges) + (float(max_s),), tuple(counts))
    return Histogram(tuple(edges), tuple(counts[:-1]))


def sla_finding(result: SlaResult, *, lang: str = "en") -> Finding | None:
    """The ``sla_violation`` finding of a measured rule, or None when it has no violation."""
    if not result.violations:
        return None
    rate = result.violations / result.cases_checked
    finding = Finding(
        kind="sla_violation",
        key=result.name,
        title="",
        description="",
        severity=grade(rate),
        metrics={
            "rule": result.name,
            "from": result.from_activity,
            "to": result.to_activity,
            "within_s": result.within_s,
            "time": result.time,
            "cases_checked": result.cases_checked,
            "violations": result.violations,
            "late": result.late,
            "open_breaches": result.open_breaches,
            "closed_breaches": result.closed_breaches,
            "compliance": result.compliance,
            "violation_rate": rate,
            "median_s": result.median_s,
            "p90_s": result.p90_s,
            "max_s": result.max_s,
            **({"working_day_s": result.working_day_s} if result.working_day_s else {}),
        },
        evidence=Evidence(
            case_ids=result.violating_case_ids,
            case_count=result.violations,
            activities=(result.from_activity, result.to_activity),
            rows=tuple(w.to_dict() for w in result.worst[:10]),
        ),
    )
    return worded(finding, lang)
