"""The stage funnel: how far cases get along the declared stage order.

A case *reaches* stage ``i`` when it has an event of stage ``i`` or of any later stage (a case
that skips a stage still passed it). Its furthest stage is where it stopped; ``lost_here`` of a
stage counts the cases whose furthest stage it is (zero for the last stage: those completed the
funnel). Cases with no stage event at all are counted apart (``cases_without_stage``) and are not
in the funnel. ``lost_here`` includes cases that are still in progress.

The finding is the stage with the most cases lost before the next stage. Severity: high when at
least 50 % of the cases reaching that stage go no further, medium from 20 %, low below.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmflow.findings.messages import MESSAGES, fmt_share
from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding, Severity
from crmflow.findings.rules import AuditRules
from crmflow.i18n import text
from crmflow.jsonable import JsonMixin
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog


@dataclass(frozen=True)
class FunnelStage(JsonMixin):
    """One stage: cases reaching it, share of the first stage, conversion, cases stopping here."""

    stage: str
    cases: int
    share_of_start: float | None
    conversion_from_previous: float | None
    lost_here: int


@dataclass(frozen=True)
class FunnelResult(JsonMixin):
    """The funnel over the declared stages."""

    stages: tuple[FunnelStage, ...]
    cases_in_funnel: int
    cases_without_stage: int


def _severity(drop: float) -> Severity:
    return "high" if drop >= 0.5 else "medium" if drop >= 0.2 else "low"


def measure_funnel(log: EventLog, rules: AuditRules, *, lang: str = "en") -> tuple[FunnelResult | None, list[Finding]]:
    """The funnel over ``rules.stages`` and the finding for its biggest drop.

    Returns
    -------
    tuple[FunnelResult | None, list[Finding]]
        ``(None, [])`` when no stages are declared.
    """
    stages = list(rules.stages)
    if not stages:
        return None, []
    store = log.store
    tmp = store.new_name("fn")
    store.sql(fq.funnel_table(log.name, tmp), {"stages": stages})
    try:
        stopped = {int(r["reached"]): int(r["cases"]) for r in store.rows(fq.funnel_counts(tmp))}
        total = sum(stopped.values())
        reach = [sum(n for i, n in stopped.items() if i >= k) for k in range(len(stages))]
        result = FunnelResult(
            stages=tuple(
                FunnelStage(
                    stage=name,
                    cases=reach[k],
                    share_of_start=reach[k] / reach[0] if reach[0] else None,
                    conversion_from_previous=(reach[k] / reach[k - 1] if reach[k - 1] else None) if k else None,
                    lost_here=reach[k] - reach[k + 1] if k + 1 < len(stages) else 0,
                )
                for k, name in enumerate(stages)
            ),
            cases_in_funnel=total,
            cases_without_stage=log.n_cases - total,
        )
        drops = [(s.lost_here, -k) for k, s in enumerate(result.stages) if s.lost_here > 0]
        if not drops:
            return result, []
        k = -max(drops)[1]
        ids = [r["case_id"] for r in store.rows(fq.funnel_cases(tmp), {"idx": k, "limit": EVIDENCE_LIMIT})]
    finally:
        store.sql(fq.drop_table(tmp))
    here, nxt = result.stages[k], result.stages[k + 1]
    drop = here.lost_here / here.cases
    words = {
        "stage": here.stage,
        "next": nxt.stage,
        "lost": here.lost_here,
        "rate": fmt_share(drop, lang),
        "reached": here.cases,
        "converted": nxt.cases,
        "conversion": fmt_share(1 - drop, lang),
    }
    finding = Finding(
        kind="funnel_drop",
        key=f"{here.stage} -> {nxt.stage}",
        title=text(MESSAGES, "funnel.title", lang, **words),
        description=text(MESSAGES, "funnel.description", lang, **words),
        severity=_severity(drop),
        metrics={
            "stage": here.stage,
            "next_stage": nxt.stage,
            "reached": here.cases,
            "converted": nxt.cases,
            "lost": here.lost_here,
            "drop_rate": drop,
            "share_of_start_lost": here.lost_here / result.stages[0].cases,
        },
        evidence=Evidence(case_ids=tuple(ids), case_count=here.lost_here, activities=(here.stage, nxt.stage)),
    )
    return result, [finding]
