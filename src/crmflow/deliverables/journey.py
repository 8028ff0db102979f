"""The Customer Journey Map: stages, touchpoints, channels, waiting and drop-off, pain points.

Stages and touchpoints come from the To-Be (``journey_stages``, each step's ``journey_stage``,
``touchpoint`` and ``channel``). Waiting times and drop-offs are measured from the audit: the
median wait before the step's As-Is activities (``activities[].median_wait_s``) and the funnel's
losses at those activities (``funnel.stages[].lost_here`` of ``cases``). Pain points are the audit
findings about the stage's As-Is activities. Without an audit these columns say "not measured".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmflow.deliverables.audit_input import AuditInput, finding_subjects
from crmflow.deliverables.document import Paragraph, Section, Table
from crmflow.deliverables.messages import t
from crmflow.design.model import JourneyStage, Process, ToBeDefinition
from crmflow.report.messages import format_duration, format_percent


@dataclass(frozen=True)
class StageMeasure:
    """What the audit measured for one journey stage."""

    wait_median_s: float | None  # the longest median wait before one of the stage's As-Is activities
    reached: int | None  # cases that reached the stage's first funnel stage
    lost: int | None  # cases lost at the stage's funnel stages
    pain_points: tuple[str, ...]
    channels: tuple[str, ...] = ()  # measured channels with customer counts (from the customer journey)
    source: str = "audit"  # "audit" (event-log funnel) or "journey" (customer journey across objects)


def measure_stage(process: Process, stage: JourneyStage, audit: AuditInput | None, lang: str) -> StageMeasure:
    steps = [s for s in process.steps if s.journey_stage == stage.id]
    activities = [a for s in steps for a in s.as_is]
    if audit is None:
        return StageMeasure(None, None, None, ())
    measured = journey_stage(audit.journey, stage.id, (stage.name.ru, stage.name.en), activities)
    stats = [audit.activity(x) for x in activities]
    waits: list[float] = [float(a["median_wait_s"]) for a in stats if a and a.get("median_wait_s") is not None]
    funnel = [f for f in (audit.funnel_stage(x) for x in activities) if f]
    pains = []
    for f in audit.findings:
        if finding_subjects(f) & set(activities) and f.get("severity") in ("high", "medium"):
            pains.append(str(f.get("title")))
    for s in steps:
        for f in audit.findings_for(s.findings_addressed, s.as_is):
            if str(f.get("title")) not in pains:
                pains.append(str(f.get("title")))
    if measured is not None:
        days = (measured.get("days_from_previous") or {}).get("median")
        return StageMeasure(
            wait_median_s=float(days) * 86400 if days is not None else None,
            reached=int(measured.get("reached") or 0) + int(measured.get("dropped") or 0),
            lost=int(measured.get("dropped") or 0), pain_points=tuple(pains),
            channels=tuple(f"{c.get('channel') or '?'}: {c.get('customers')}" for c in measured.get("channels") or []),
            source="journey",
        )
    return StageMeasure(
        wait_median_s=max(waits) if waits else None,
        reached=int(funnel[0]["cases"]) if funnel else None,
        lost=sum(int(f.get("lost_here") or 0) for f in funnel) if funnel else None,
        pain_points=tuple(pains),
    )


def journey_stage(journey: dict[str, Any] | None, stage_id: str, names: tuple[str, ...],
                  activities: list[str]) -> dict[str, Any] | None:
    """The customer-journey stage for a To-Be journey stage: same id or name, else shared activities."""
    if not journey:
        return None
    stages = [s for s in journey.get("stages") or [] if isinstance(s, dict)]
    wanted = {stage_id.lower(), *(n.lower() for n in names if n)}
    by_name = next((s for s in stages if str(s.get("name", "")).lower() in wanted), None)
    return by_name or next((s for s in stages if set(s.get("activities") or []) & set(activities)), None)


def journey_rows(tobe: ToBeDefinition, process: Process, audit: AuditInput | None, lang: str) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for stage in process.journey_stages:
        steps = [s for s in process.steps if s.journey_stage == stage.id]
        m = measure_stage(process, stage, audit, lang)
        not_measured = t("cjm.not_measured", lang)
        drop = (t("cjm.drop", lang, lost=m.lost, reached=m.reached, share=format_percent(m.lost / m.reached, lang))
                if m.lost is not None and m.reached else not_measured)
        rows.append((
            stage.name.get(lang),
            "; ".join(dict.fromkeys(s.touchpoint.get(lang) for s in steps if s.touchpoint)) or "—",
            (", ".join(dict.fromkeys(t(f"channel.{s.channel}", lang) if f"channel.{s.channel}" in _channels()
                                     else str(s.channel) for s in steps if s.channel)) or "—")
            + (f" ({t('cjm.measured', lang)}: {', '.join(m.channels)})" if m.channels else ""),
            ", ".join(s.name.get(lang) for s in steps) or "—",
            format_duration(m.wait_median_s, lang) if m.wait_median_s is not None else not_measured,
            drop,
            "; ".join(m.pain_points) or "—",
        ))
    return rows


def _channels() -> set[str]:
    from crmflow.deliverables.messages import MSG

    return {k for k in MSG if k.startswith("channel.")}


def build_journey(tobe: ToBeDefinition, audit: AuditInput | None = None, *, lang: str) -> Section:
    """The CJM: one table per process that defines journey stages."""
    header = (t("cjm.stage", lang), t("cjm.touchpoints", lang), t("cjm.channels", lang), t("cjm.steps", lang),
              t("cjm.wait", lang), t("cjm.dropoff", lang), t("cjm.pain", lang))
    intro = t("cjm.intro", lang)
    if audit is not None and audit.has_log:
        intro += " " + t("cjm.from_audit", lang, name=audit.name)
    if audit is not None and audit.journey:
        intro += " " + t("cjm.from_journey", lang, customers=audit.journey.get("customers"))
    if audit is None or not (audit.has_log or audit.journey):
        intro += " " + t("cjm.no_audit", lang)
    blocks: list[Any] = [Paragraph(intro)]
    for process in tobe.processes:
        if not process.journey_stages:
            continue
        blocks.append(Section(title=process.name.get(lang), blocks=(
            Table(header=header, rows=tuple(journey_rows(tobe, process, audit, lang)),
                  caption=t("cjm.caption", lang, process=process.name.get(lang))),
        )))
    return Section(title=t("cjm.title", lang), blocks=tuple(blocks), key="cjm")


__all__ = ["StageMeasure", "build_journey", "journey_rows", "measure_stage"]
