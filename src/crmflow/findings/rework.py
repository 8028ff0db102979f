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
from collections.abc import Sequence
from typing import Any

from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding
from crmflow.findings.rules import AuditRules, grade
from crmflow.findings.tables import SharedTables, activity_codes
from crmflow.findings.wording import worded
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog


def find_rework(log: EventLog, rules: AuditRules, *, lang: str = "en", tables: SharedTables | None = None) -> list[Finding]:
    """Repeated activities and (with declared stages) returns to earlier stages.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules; ``stages``, ``thresholds.rework_top`` and ``thresholds.rework_min_share`` apply.
    lang
        Language of titles and descriptions.
    tables
        The audit's shared temporary tables (the stage returns are kept there for the evidence).

    Returns
    -------
    list[Finding]
        Findings of kind ``rework``; ``metrics["type"]`` is ``repeat`` or ``stage_return``.
    """
    n_cases = log.n_cases
    if n_cases == 0 or rules.thresholds.rework_top == 0:
        return []
    return [worded(f, lang) for f in _repeats(log, rules, n_cases, tables) + _stage_returns(log, rules, n_cases, tables)]


def variants(tables: SharedTables, log: EventLog) -> str | None:
    """The log's variants keyed by their hash (:func:`crmflow.store.finding_queries.variants_table`), or None
    when two variants share a hash (the queries then group on the variants themselves)."""
    table = tables.get(("variants", log.name), lambda n: fq.variants_table(log.name, n))
    return None if log.store.rows(fq.variant_collisions(table))[0]["n"] else table


def repeats(tables: SharedTables, log: EventLog, activities: Sequence[str]) -> str:
    """The table of every case's executions of each of ``activities`` it repeats
    (:func:`crmflow.store.finding_queries.repeats_table`), keyed by the set of activities: the check and
    the complete evidence of the same findings read one table."""
    code = activity_codes(log)
    acts = sorted({code[a] for a in activities})
    key = ("repeats", log.name, *map(str, acts))
    return tables.get(key, lambda n: fq.repeats_table(log.name, n, variants(tables, log)), {"acts": acts})


def _repeats(log: EventLog, rules: AuditRules, n_cases: int, shared: SharedTables | None) -> list[Finding]:
    store, t = log.store, rules.thresholds
    code = activity_codes(log)
    name = {c: a for a, c in code.items()}
    cases: dict[str, list[tuple[str, int]]] = {}
    people: dict[str, list[str]] = defaultdict(list)
    with SharedTables.scope(store, shared) as tables:
        summary = store.rows(fq.repeats_summary(log.name, variants(tables, log)), {"top": t.rework_top})
        top = [r for r in summary if r["cases"] / n_cases >= t.rework_min_share]
        if not top:
            return []
        tmp = repeats(tables, log, [r["activity"] for r in top])
        for r in store.rows(fq.repeats_cases(log.name, tmp), {"limit": EVIDENCE_LIMIT}):
            cases[name[r["act"]]] = list(zip(r["case_ids"], r["ns"], strict=True))
        acts = sorted(code[r["activity"]] for r in top)
        for r in store.rows(fq.repeats_resources(log.name, tmp), {"acts": acts, "limit": 5}):
            people[name[r["act"]]].append(r["resource"])
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
                    case_ids=tuple(c for c, _ in cases.get(a, [])),
                    case_count=int(r["cases"]),
                    resources=tuple(people[a]),
                    activities=(a,),
                    rows=tuple({"case_id": c, "executions": int(n)} for c, n in cases.get(a, [])[:10]),
                ),
            )
        )
    return out


def stage_returns(tables: SharedTables, log: EventLog, rules: AuditRules) -> str:
    """The table of every return to an earlier stage in ``log`` (:func:`crmflow.store.finding_queries.stage_returns_table`)."""
    order = {"stages": list(rules.stages)}
    return tables.get(("returns", log.name, *rules.stages), lambda n: fq.stage_returns_table(log.name, n), order)


def _stage_returns(log: EventLog, rules: AuditRules, n_cases: int, shared: SharedTables | None) -> list[Finding]:
    if len(rules.stages) < 2:
        return []
    store, t = log.store, rules.thresholds
    with SharedTables.scope(store, shared) as tables:
        tmp = stage_returns(tables, log, rules)
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
