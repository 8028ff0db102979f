"""The implementation plan: quick wins (days 0–60) ranked from the audit findings, then pilot,
scale-out and training (who is trained on which SOP).

Scoring (also printed in the plan):

* **impact** 1–5 = severity (high 3, medium 2, low 1) + reach: +2 when the finding's share
  (of cases, of waiting time, of violations, of the funnel, of one person's workload) is ≥ 30 %,
  +1 when ≥ 10 %;
* **effort** 1–5 = a base per finding kind (configuring a CRM rule or timer is cheaper than
  re-shaping the funnel: :data:`BASE_EFFORT`), −1 when a To-Be step addressing it automates the
  fix (an SLA with escalations, a routing policy or a data check), never below 1;
* **score** = impact / effort; items are taken in score order (ties: higher impact first) and
  scheduled on two parallel work streams, each taking ``effort × 5`` working days; those that end
  by day 60 are the quick wins.

The pilot (the first process, one team) starts after the last quick win, the scale-out after the
pilot; each takes :data:`PHASE_DAYS`. Training: every role that is R, A or C on a critical task
(one with an SOP) is trained on that SOP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmflow.base.numbers import format_number
from crmflow.deliverables.audit_input import AuditInput
from crmflow.deliverables.document import Paragraph, Section, Sheet, Table
from crmflow.deliverables.messages import t
from crmflow.deliverables.sop import critical_steps
from crmflow.design.model import ToBeDefinition
from crmflow.findings.kinds import KINDS, kind_label, severity_label
from crmflow.findings.model import Finding

#: Effort of fixing a finding of each kind before automation (1 = a setting, 5 = a project).
BASE_EFFORT = {k.kind: k.effort for k in KINDS}
SEVERITY_IMPACT = {"high": 3, "medium": 2, "low": 1}
QUICK_WIN_DAYS = 60
STREAMS = 2
DAYS_PER_EFFORT = 5
#: Length of the pilot and of the scale-out phase, in days.
PHASE_DAYS = 60
#: Metrics that measure how much of the process a finding touches (the first present one is used).
REACH_METRICS = (
    "violation_rate",
    "share_of_waiting",
    "drop_rate",
    "top_share",
    "share_of_all_work",
    "share_of_open",
    "share_of_cases",
)


@dataclass(frozen=True)
class PlanItem:
    """A finding placed on the plan."""

    rank: int
    kind: str
    key: str
    title: str
    severity: str
    impact: int
    effort: int
    score: float
    start_day: int
    end_day: int
    addressed_by: tuple[str, ...]

    @property
    def quick_win(self) -> bool:
        return self.end_day <= QUICK_WIN_DAYS


def reach(finding: Finding) -> float | None:
    """How much of the process a finding touches: the first of :data:`REACH_METRICS` it measures."""
    for key in REACH_METRICS:
        value = finding.metrics.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


def impact(finding: Finding) -> int:
    share = reach(finding)
    bonus = 2 if share is not None and share >= 0.3 else 1 if share is not None and share >= 0.1 else 0
    return min(5, SEVERITY_IMPACT.get(finding.severity, 1) + bonus)


def plan_items(tobe: ToBeDefinition, audit: AuditInput, lang: str) -> list[PlanItem]:
    """Score every finding and schedule them on the work streams (see the module docstring)."""
    scored = []
    for f in audit.findings:
        addressing = [s for _p, s in tobe.steps() if f in audit.findings_for(s.findings_addressed, s.as_is)]
        automated = any(s.slas or s.rules.routing is not None or s.rules.checks for s in addressing)
        effort = max(1, BASE_EFFORT.get(f.kind, 3) - (1 if automated else 0))
        imp = impact(f)
        scored.append((f, imp, effort, tuple(s.name.get(lang) for s in addressing)))
    scored.sort(key=lambda x: (-x[1] / x[2], -x[1], x[0].kind, x[0].key))
    streams = [0] * STREAMS
    out = []
    for rank, (f, imp, effort, steps) in enumerate(scored, start=1):
        lane = streams.index(min(streams))
        start = streams[lane]
        end = start + effort * DAYS_PER_EFFORT
        streams[lane] = end
        out.append(
            PlanItem(
                rank=rank,
                kind=f.kind,
                key=f.key,
                title=f.title,
                severity=f.severity,
                impact=imp,
                effort=effort,
                score=round(imp / effort, 2),
                start_day=start,
                end_day=end,
                addressed_by=steps,
            )
        )
    return out


def training(tobe: ToBeDefinition, lang: str) -> list[tuple[str, str, str]]:
    """``(role, SOPs, letters)``: every role that is R, A or C on a critical step is trained on its SOP."""
    out = []
    for role in tobe.roles:
        sops = []
        letters: set[str] = set()
        for _p, step in critical_steps(tobe):
            mine = step.raci.letters(role.id).replace("I", "")
            if mine:
                sops.append(step.name.get(lang))
                letters.update(mine)
        if sops:
            out.append((role.name.get(lang), "; ".join(sops), "".join(x for x in "RAC" if x in letters)))
    return out


def build_roadmap(tobe: ToBeDefinition, audit: AuditInput | None = None, *, lang: str) -> Section:
    """Quick wins from the audit, then pilot, scale-out and training."""
    blocks: list[Any] = [
        Paragraph(t("plan.scoring", lang, days=QUICK_WIN_DAYS, streams=STREAMS, per=DAYS_PER_EFFORT), style="note")
    ]
    items = plan_items(tobe, audit, lang) if audit is not None else []
    wins = [i for i in items if i.quick_win]
    if audit is None:
        blocks.append(Paragraph(t("plan.no_audit", lang)))
    else:
        blocks.append(Paragraph(t("plan.quick_intro", lang, n=len(wins), total=len(items), days=QUICK_WIN_DAYS)))
        blocks.append(
            Table(
                header=(
                    t("plan.col.rank", lang),
                    t("plan.col.finding", lang),
                    t("plan.col.impact", lang),
                    t("plan.col.effort", lang),
                    t("plan.col.score", lang),
                    t("plan.col.days", lang),
                    t("plan.col.steps", lang),
                ),
                rows=tuple(
                    (
                        str(i.rank),
                        i.title,
                        str(i.impact),
                        str(i.effort),
                        format_number(i.score, lang, digits=2),
                        f"{i.start_day}–{i.end_day}",
                        ", ".join(i.addressed_by) or "—",
                    )
                    for i in wins
                ),
                caption=t("plan.quick_caption", lang),
            )
        )
    last = max([i.end_day for i in wins], default=0)
    pilot_start = max(last, QUICK_WIN_DAYS) + 1
    first = tobe.processes[0] if tobe.processes else None
    phases = [
        (t("plan.phase.quick", lang), f"0–{QUICK_WIN_DAYS}", t("plan.phase.quick_what", lang, n=len(wins))),
        (
            t("plan.phase.pilot", lang),
            f"{pilot_start}–{pilot_start + PHASE_DAYS - 1}",
            t(
                "plan.phase.pilot_what",
                lang,
                process=first.name.get(lang) if first else "—",
                lanes=len(first.lanes) if first else 0,
                steps=len(first.steps) if first else 0,
            ),
        ),
        (
            t("plan.phase.scale", lang),
            f"{pilot_start + PHASE_DAYS}–{pilot_start + 2 * PHASE_DAYS - 1}",
            t("plan.phase.scale_what", lang, n=len(tobe.processes), steps=sum(len(p.steps) for p in tobe.processes)),
        ),
    ]
    blocks.append(
        Section(
            title=t("plan.phases", lang),
            blocks=(
                Table(header=(t("plan.col.phase", lang), t("plan.col.days", lang), t("plan.col.what", lang)), rows=tuple(phases)),
            ),
        )
    )
    train = training(tobe, lang)
    blocks.append(
        Section(
            title=t("plan.training", lang),
            blocks=(
                Paragraph(t("plan.training_intro", lang, roles=len(train), sops=len(critical_steps(tobe)))),
                Table(header=(t("col.role", lang), t("plan.col.sops", lang), t("plan.col.letters", lang)), rows=tuple(train)),
            ),
        )
    )
    return Section(title=t("plan.title", lang), blocks=tuple(blocks), key="roadmap")


def roadmap_sheets(tobe: ToBeDefinition, audit: AuditInput | None, *, lang: str) -> tuple[Sheet, ...]:
    items = plan_items(tobe, audit, lang) if audit is not None else []
    yes, no = t("plan.yes", lang), t("plan.no", lang)
    return (
        Sheet(
            name=t("plan.sheet", lang),
            header=(
                t("plan.col.rank", lang),
                t("col.kind", lang),
                t("plan.col.finding", lang),
                t("plan.col.severity", lang),
                t("plan.col.impact", lang),
                t("plan.col.effort", lang),
                t("plan.col.score", lang),
                t("plan.col.start", lang),
                t("plan.col.end", lang),
                t("plan.col.quick", lang),
                t("plan.col.steps", lang),
            ),
            rows=tuple(
                (
                    i.rank,
                    kind_label(i.kind, lang),
                    i.title,
                    severity_label(i.severity, lang),
                    i.impact,
                    i.effort,
                    i.score,
                    i.start_day,
                    i.end_day,
                    yes if i.quick_win else no,
                    ", ".join(i.addressed_by),
                )
                for i in items
            ),
            widths=(7, 22, 70, 10, 9, 9, 9, 9, 9, 10, 40),
        ),
        Sheet(
            name=t("plan.training", lang),
            header=(t("col.role", lang), t("plan.col.sops", lang), t("plan.col.letters", lang)),
            rows=tuple(training(tobe, lang)),
        ),
    )


__all__ = ["BASE_EFFORT", "PHASE_DAYS", "PlanItem", "build_roadmap", "impact", "plan_items", "roadmap_sheets", "training"]
