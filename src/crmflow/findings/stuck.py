"""Stuck cases: open cases with no event for longer than ``stuck_after``.

A case is *open* until its closing event (:mod:`crmflow.findings.closing`): the first event of a
declared end activity or of a ``closing_activities`` activity, whatever follows it (a support
ticket after the payment does not reopen a paid deal). Without declared end activities, the log's
end activities that end at least ``end_activity_share`` (5 %) of the cases count as end activities
(see :func:`resolve_end_activities`) and close the cases that end with them. An open case is
*stuck* when the time from its last event to the log's end (the last timestamp of the whole log)
is longer than ``stuck_after``.

Severity: high when at least 20 % of all cases are stuck, medium from 5 %, low below.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmflow.findings.closing import Closing
from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding
from crmflow.findings.rules import AuditRules, grade
from crmflow.findings.wording import worded
from crmflow.store import finding_queries as fq
from crmflow.store import queries as q
from crmflow.store.store import EventLog


@dataclass(frozen=True)
class EndActivities:
    """The end activities used to decide whether a case is finished."""

    activities: tuple[str, ...]
    inferred: bool


def resolve_end_activities(log: EventLog, rules: AuditRules) -> EndActivities:
    """The declared end activities, or those that end at least ``end_activity_share`` of the cases."""
    if rules.end_activities is not None:
        return EndActivities(rules.end_activities, inferred=False)
    n = max(log.n_cases, 1)
    share = rules.thresholds.end_activity_share
    found = tuple(r["activity"] for r in log.store.rows(q.end_activities(log.name)) if r["count"] / n >= share)
    return EndActivities(found, inferred=True)


def install_closing(log: EventLog, rules: AuditRules, ends: EndActivities | None = None) -> Closing:
    """The closing event of each case under ``rules`` (drop it with :meth:`Closing.drop`)."""
    ends = ends or resolve_end_activities(log, rules)
    declared = () if ends.inferred else ends.activities
    first = tuple(dict.fromkeys((*declared, *rules.closing_activities)))
    return Closing.install(log, first=first, last=ends.activities if ends.inferred else ())


def find_stuck_cases(
    log: EventLog,
    rules: AuditRules,
    *,
    lang: str = "en",
    ends: EndActivities | None = None,
    closing: Closing | None = None,
) -> list[Finding]:
    """Open cases idle for longer than ``rules.stuck_after_s`` before the log's end.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules; ``stuck_after`` and ``end_activities`` apply.
    lang
        Language of titles and descriptions.
    ends
        Pre-resolved end activities (default: :func:`resolve_end_activities`).
    closing
        The installed closing events (default: installed here from ``rules`` and ``ends``).

    Returns
    -------
    list[Finding]
        One ``stuck_case`` finding (key ``"stuck"``) or none. ``Evidence.rows`` counts the stuck
        cases by their last activity; the case ids are the longest idle first.
    """
    ends = ends or resolve_end_activities(log, rules)
    if ends.inferred and not ends.activities and not rules.closing_activities:
        return []
    own = closing is None
    closing = closing or install_closing(log, rules, ends)
    store = log.store
    tmp = store.new_name("st")
    p = {"after": rules.stuck_after_s}
    try:
        store.sql(fq.open_cases_table(log.name, tmp, closing.table))
        s = store.rows(fq.stuck_summary(tmp), p)[0]
        if not s["stuck"]:
            return []
        by_act = store.rows(fq.stuck_by_activity(tmp), {**p, "limit": 20})
        by_res = store.rows(fq.stuck_by_resource(tmp), {**p, "limit": 5})
        ids = [r["case_id"] for r in store.rows(fq.stuck_cases(tmp), {**p, "limit": EVIDENCE_LIMIT})]
    finally:
        store.sql(fq.drop_table(tmp))
        if own:
            closing.drop()
    n_cases = log.n_cases
    stuck = Finding(
        kind="stuck_case",
        key="stuck",
        title="",
        description="",
        severity=grade(s["stuck"] / n_cases),
        metrics={
            "stuck_cases": int(s["stuck"]),
            "open_cases": int(s["open_cases"]),
            "cases": n_cases,
            "share_of_cases": s["stuck"] / n_cases,
            "share_of_open": s["stuck"] / s["open_cases"],
            "closed_cases": closing.closed_cases,
            "cases_continuing_after_closing": closing.cases_after,
            "stuck_after_s": rules.stuck_after_s,
            "mean_idle_s": s["mean_idle_s"],
            "median_idle_s": s["median_idle_s"],
            "p90_idle_s": s["p90_idle_s"],
            "max_idle_s": s["max_idle_s"],
            "median_age_s": s["median_age_s"],
        },
        evidence=Evidence(
            case_ids=tuple(ids),
            case_count=int(s["stuck"]),
            resources=tuple(r["resource"] for r in by_res),
            activities=tuple(r["last_activity"] for r in by_act),
            rows=tuple(
                {"last_activity": r["last_activity"], "cases": int(r["cases"]), "median_idle_s": r["median_idle_s"]}
                for r in by_act
            ),
        ),
    )
    return [worded(stuck, lang)]
