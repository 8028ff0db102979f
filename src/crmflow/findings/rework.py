"""Rework: an activity done more than once in a case, and returns to an earlier stage.

* Repeated activity: a case executes the same activity more than once; ``extra`` counts the
  executions beyond the first.
* Stage return (only when ``stages`` are declared): among a case's stage events, in order and
  ignoring other events, a stage event directly followed by an *earlier* stage
  (``Proposal sent -> Qualification``).

A repeat or a return becomes a finding when it affects at least ``rework_min_share`` of all cases;
at most ``rework_top`` of each are reported, most cases first.

Severity: high when at least 20 % of all cases are affected, medium from 5 %, low below.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding
from crmflow.findings.rules import AuditRules, grade
from crmflow.findings.wording import worded
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog


def find_rework(log: EventLog, rules: AuditRules, *, lang: str = "en") -> list[Finding]:
    """Repeated activities and (with declared stages) returns to earlier stages.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules; ``stages``, ``thresholds.rework_top`` and ``thresholds.rework_min_share`` apply.
    lang
        Language of titles and descriptions.

    Returns
    -------
    list[Finding]
        Findings of kind ``rework``; ``metrics["type"]`` is ``repeat`` or ``stage_return``.
    """
    n_cases = log.n_cases
    if n_cases == 0 or rules.thresholds.rework_top == 0:
        return []
    return [worded(f, lang) for f in _repeats(log, rules, n_cases) + _stage_returns(log, rules, n_cases)]


def _repeats(log: EventLog, rules: AuditRules, n_cases: int) -> list[Finding]:
    store, t = log.store, rules.thresholds
    top = [
        r for r in store.rows(fq.repeats_summary(log.name), {"top": t.rework_top}) if r["cases"] / n_cases >= t.rework_min_share
    ]
    if not top:
        return []
    tmp = store.new_name("rw")
    store.sql(fq.repeats_table(log.name, tmp), {"acts": [r["activity"] for r in top]})
    try:
        cases: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in store.rows(fq.repeats_cases(tmp), {"limit": EVIDENCE_LIMIT}):
            cases[r["activity"]].append(r)
        people: dict[str, list[str]] = defaultdict(list)
        for r in store.rows(fq.repeats_resources(log.name, tmp), {"limit": 5}):
            people[r["activity"]].append(r["resource"])
    finally:
        store.sql(fq.drop_table(tmp))
    out = []
    for r in top:
        a = r["activity"]
        share_of_with = r["cases"] / r["cases_with"]
        out.append(
            Finding(
                kind="rework",
                key=a,
                title="",
                description="",
                severity=grade(r["cases"] / n_cases),
                metrics={
                    "type": "repeat",
                    "activity": a,
                    "cases": int(r["cases"]),
                    "extra_executions": int(r["extra"]),
                    "max_executions": int(r["max_executions"]),
                    "cases_with_activity": int(r["cases_with"]),
                    "share_of_cases": r["cases"] / n_cases,
                    "share_of_cases_with_activity": share_of_with,
                },
                evidence=Evidence(
                    case_ids=tuple(c["case_id"] for c in cases[a]),
                    case_count=int(r["cases"]),
                    resources=tuple(people[a]),
                    activities=(a,),
                    rows=tuple({"case_id": c["case_id"], "executions": int(c["n"])} for c in cases[a][:10]),
                ),
            )
        )
    return out


def _stage_returns(log: EventLog, rules: AuditRules, n_cases: int) -> list[Finding]:
    if len(rules.stages) < 2:
        return []
    store, t = log.store, rules.thresholds
    tmp = store.new_name("sr")
    store.sql(fq.stage_returns_table(log.name, tmp), {"stages": list(rules.stages)})
    try:
        top = [
            r
            for r in store.rows(fq.stage_returns_summary(tmp), {"top": t.rework_top})
            if r["cases"] / n_cases >= t.rework_min_share
        ]
        if not top:
            return []
        params = {"src": [r["from_stage"] for r in top], "dst": [r["to_stage"] for r in top]}
        cases: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in store.rows(fq.stage_returns_cases(tmp), {**params, "limit": EVIDENCE_LIMIT}):
            cases[(r["src"], r["dst"])].append(r)
        people: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in store.rows(fq.stage_returns_resources(tmp), {**params, "limit": 5}):
            people[(r["src"], r["dst"])].append(r["resource"])
    finally:
        store.sql(fq.drop_table(tmp))
    out = []
    for r in top:
        key = (r["from_stage"], r["to_stage"])
        out.append(
            Finding(
                kind="rework",
                key=f"{key[0]} -> {key[1]}",
                title="",
                description="",
                severity=grade(r["cases"] / n_cases),
                metrics={
                    "type": "stage_return",
                    "from_stage": key[0],
                    "to_stage": key[1],
                    "cases": int(r["cases"]),
                    "returns": int(r["returns"]),
                    "share_of_cases": r["cases"] / n_cases,
                },
                evidence=Evidence(
                    case_ids=tuple(c["case_id"] for c in cases[key]),
                    case_count=int(r["cases"]),
                    resources=tuple(people[key]),
                    activities=key,
                ),
            )
        )
    return out
