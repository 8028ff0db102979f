"""The stage funnel: how far cases get along the declared stage order.

A case *reaches* stage ``i`` when it has an event of stage ``i`` or of any later stage (a case
that skips a stage still passed it). Its furthest stage is where it stopped; ``lost_here`` of a
stage counts the cases whose furthest stage it is (zero for the last stage: those completed the
funnel). Cases with no stage event at all are counted apart (``cases_without_stage``) and are not
in the funnel. ``lost_here`` includes cases that are still in progress; ``open_here`` counts those:
no closing event yet (:mod:`crmflow.findings.closing`) and an event within ``stuck_after`` of the
log's end. ``lost_here - open_here`` were lost there: closed without going further, or open but
silent for longer than ``stuck_after`` (stuck).

The finding is the stage with the most cases *lost* there before the next stage (cases still in
progress are not lost yet; they are named in the finding). Severity: high when at least 50 % of the
cases reaching that stage were lost there, medium from 20 %, low below.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmflow.findings.closing import Closing
from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding, Severity
from crmflow.findings.rules import AuditRules
from crmflow.findings.wording import worded
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
    open_here: int = 0


@dataclass(frozen=True)
class FunnelResult(JsonMixin):
    """The funnel over the declared stages."""

    stages: tuple[FunnelStage, ...]
    cases_in_funnel: int
    cases_without_stage: int


def _severity(drop: float) -> Severity:
    return "high" if drop >= 0.5 else "medium" if drop >= 0.2 else "low"


def measure_funnel(
    log: EventLog, rules: AuditRules, *, lang: str = "en", closing: Closing | None = None
) -> tuple[FunnelResult | None, list[Finding]]:
    """The funnel over ``rules.stages`` and the finding for its biggest drop.

    ``closing`` are the installed closing events (installed here from ``rules`` when None).

    Returns
    -------
    tuple[FunnelResult | None, list[Finding]]
        ``(None, [])`` when no stages are declared.
    """
    stages = list(rules.stages)
    if not stages:
        return None, []
    store = log.store
    own = closing is None
    if closing is None:
        from crmflow.findings.stuck import install_closing

        closing = install_closing(log, rules)
    tmp = store.new_name("fn")
    try:
        store.sql(fq.funnel_table(log.name, tmp, closing.table), {"stages": stages, "after": rules.stuck_after_s})
        counts = store.rows(fq.funnel_counts(tmp))
        stopped = {int(r["reached"]): int(r["cases"]) for r in counts}
        still = {int(r["reached"]): int(r["open"]) for r in counts}
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
                    open_here=still.get(k, 0) if k + 1 < len(stages) else 0,
                )
                for k, name in enumerate(stages)
            ),
            cases_in_funnel=total,
            cases_without_stage=log.n_cases - total,
        )
        drops = [(s.lost_here - s.open_here, -k) for k, s in enumerate(result.stages) if s.lost_here > s.open_here]
        if not drops:
            return result, []
        k = -max(drops)[1]
        ids = [r["case_id"] for r in store.rows(fq.funnel_cases(tmp), {"idx": k, "limit": EVIDENCE_LIMIT})]
    finally:
        store.sql(fq.drop_table(tmp))
        if own:
            closing.drop()
    here, nxt = result.stages[k], result.stages[k + 1]
    lost = here.lost_here - here.open_here
    drop = lost / here.cases
    finding = Finding(
        kind="funnel_drop",
        key=f"{here.stage} -> {nxt.stage}",
        title="",
        description="",
        severity=_severity(drop),
        metrics={
            "stage": here.stage,
            "next_stage": nxt.stage,
            "reached": here.cases,
            "converted": nxt.cases,
            "lost": lost,
            "still_open": here.open_here,
            "drop_rate": drop,
            "share_of_start_lost": lost / result.stages[0].cases,
        },
        evidence=Evidence(case_ids=tuple(ids), case_count=lost, activities=(here.stage, nxt.stage)),
    )
    return result, [worded(finding, lang)]
