"""Workload concentration: one person doing most of an activity.

Per activity (events with a known resource): the share of the top resource and the *bus factor*,
the least number of resources that together handle at least half of the events. An activity is
flagged when it has at least ``workload_min_events`` such events and its top resource's share is
at least ``workload_share``.

Severity: high when the top resource does at least 80 % of the activity (or at least the
threshold, when that is higher); otherwise medium when the activity occurs in at least 20 % of the
cases, low when it is rarer.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from crmflow.findings.messages import MESSAGES, fmt_share
from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding, Severity
from crmflow.findings.rules import AuditRules
from crmflow.i18n import text
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog


def _severity(share: float, threshold: float, case_share: float) -> Severity:
    if share >= max(0.8, threshold):
        return "high"
    if case_share >= 0.2:
        return "medium"
    return "low"


def find_workload_concentration(log: EventLog, rules: AuditRules, *, lang: str = "en") -> list[Finding]:
    """Activities whose work is concentrated on one resource.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules; ``thresholds.workload_share`` and ``thresholds.workload_min_events`` apply.
    lang
        Language of titles and descriptions.

    Returns
    -------
    list[Finding]
        Findings of kind ``workload_concentration`` keyed by activity, most concentrated first.
    """
    store, t = log.store, rules.thresholds
    rows = [
        r
        for r in store.rows(fq.workload(log.name))
        if r["events"] >= t.workload_min_events and r["top_share"] >= t.workload_share
    ]
    if not rows:
        return []
    rows.sort(key=lambda r: (-r["top_share"], -r["events"], r["activity"]))
    params = {"acts": [r["activity"] for r in rows], "res": [r["top_resources"][0] for r in rows]}
    cases: dict[str, list[Any]] = defaultdict(list)
    counts: dict[str, int] = {}
    for c in store.rows(fq.workload_cases(log.name), {**params, "limit": EVIDENCE_LIMIT}):
        cases[c["activity"]].append(c["case_id"])
        counts[c["activity"]] = int(c["cases"])
    with_act = {r["activity"]: r["cases"] for r in store.rows(fq.activity_case_counts(log.name), {"acts": params["acts"]})}
    n_cases = max(log.n_cases, 1)
    out = []
    for r in rows:
        a, top = r["activity"], r["top_resources"][0]
        words = {
            "activity": a,
            "share": fmt_share(r["top_share"], lang),
            "resource": top,
            "bus": r["bus_factor"],
            "events": r["events"],
            "resources": r["resources"],
        }
        out.append(
            Finding(
                kind="workload_concentration",
                key=a,
                title=text(MESSAGES, "workload.title", lang, **words),
                description=text(MESSAGES, "workload.description", lang, **words),
                severity=_severity(r["top_share"], t.workload_share, with_act.get(a, 0) / n_cases),
                metrics={
                    "activity": a,
                    "events": int(r["events"]),
                    "resources": int(r["resources"]),
                    "top_resource": top,
                    "top_share": r["top_share"],
                    "bus_factor": int(r["bus_factor"]),
                    "cases_with_activity": int(with_act.get(a, 0)),
                },
                evidence=Evidence(
                    case_ids=tuple(cases[a]),
                    case_count=counts.get(a, 0),
                    resources=tuple(r["top_resources"]),
                    activities=(a,),
                    rows=tuple(
                        {"resource": p, "events": int(n), "share": n / r["events"]}
                        for p, n in zip(r["top_resources"], r["top_counts"], strict=True)
                    ),
                ),
            )
        )
    return out
