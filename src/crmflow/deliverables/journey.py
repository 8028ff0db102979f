"""The Customer Journey Map: stages, touchpoints, channels, reach, waiting and drop-off, pain points.

Stages and touchpoints come from the To-Be (``journey_stages``, each step's ``journey_stage``,
``touchpoint`` and ``channel``). The numbers come from measurements, in this order:

1. the **measured customer journey** (``journey.json``, a
   :class:`crmflow.mining.journey.CustomerJourney`): the stage named by the To-Be stage's
   ``measured_stage``, else the measured stage whose name equals the To-Be stage's id or its
   Russian or English name (case-insensitively), else one sharing an As-Is activity. The row then
   shows the customers reaching the stage (share of all customers, conversion from the previous
   stage), the drop-offs, the time to reach it (median days from the previous stage and from the
   first event, with the 90th percentile) and the measured channels;
2. otherwise the **event-log audit**: the median wait before the step's As-Is activities
   (``activities[].median_wait_s``) and the funnel's losses at those activities
   (``funnel.stages[].lost_here`` of ``cases``).

Pain points are the audit findings about the stage's As-Is activities. Without measurements these
columns say "not measured". A ``measured_stage`` that the given journey does not have is an error
(:func:`check_measured_stages`, run by the pack before anything is written), never a silent blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmflow.base.numbers import format_duration, format_percent
from crmflow.deliverables.audit_input import AuditInput, by_severity, finding_subjects, findings_cell
from crmflow.deliverables.document import Paragraph, Section, Table
from crmflow.deliverables.messages import t
from crmflow.design.model import JourneyStage, Process, ToBeDefinition
from crmflow.errors import PackError
from crmflow.findings.model import Finding
from crmflow.i18n import error, text
from crmflow.mining.journey import CustomerJourney
from crmflow.mining.journey import JourneyStage as MeasuredStage

_DAY = 86400.0
MSG: dict[str, dict[str, str]] = {
    "reach": {"en": "Customers reaching (measured journey)", "ru": "Дошли клиентов (измеренный путь)"},
    "reach_cell": {
        "en": "{stage}: {reached} ({share} of customers), conversion {conversion}",
        "ru": "{stage}: {reached} ({share} клиентов), конверсия {conversion}",
    },
    "reach_time": {
        "en": "reached in {median} from the first event (p90 {p90})",
        "ru": "достигнут за {median} от первого события (p90 {p90})",
    },
    "reach_prev_p90": {"en": "from the previous stage p90 {p90}", "ru": "от предыдущего этапа p90 {p90}"},
    "reach_skipped": {
        "en": "{n} reached it skipping an earlier stage",
        "ru": "{n} дошли, минуя предыдущий этап",
    },
    "unknown_stage": {
        "en": "To-Be process `{process}`, journey stage `{stage}`: measured_stage `{measured}` is not a stage of the "
        "customer journey (journey.json has: {known}); fix `measured_stage` or remove it to match by name",
        "ru": "Процесс To-Be `{process}`, этап пути `{stage}`: measured_stage `{measured}` нет среди этапов пути "
        "клиента (в journey.json: {known}); исправьте `measured_stage` или удалите его, чтобы сопоставить по имени",
    },
}


@dataclass(frozen=True)
class StageMeasure:
    """What was measured for one journey stage (the audit's funnel or the measured customer journey).

    ``reached`` / ``lost`` are the population entering the stage and those lost there (the
    drop-off column). From a measured journey also: ``measured_stage`` (its name there),
    ``customers`` reaching it, their ``share`` of all customers, the ``conversion`` from the
    previous stage, ``skipped`` (reached it without an earlier stage), the time to reach it from
    the first event (``from_start_*``) and the 90th percentile from the previous stage.
    """

    wait_median_s: float | None  # audit: longest median wait before an As-Is activity; journey: from previous stage
    reached: int | None  # cases/customers entering the stage
    lost: int | None  # cases/customers lost at the stage
    pain_points: tuple[str, ...]
    channels: tuple[str, ...] = ()  # measured channels with customer counts (from the customer journey)
    source: str = "audit"  # "audit" (event-log funnel), "journey" (customer journey across objects), "none" (no audit)
    measured_stage: str | None = None
    customers: int | None = None
    share: float | None = None
    conversion: float | None = None
    skipped: int = 0
    from_start_median_s: float | None = None
    from_start_p90_s: float | None = None
    from_previous_p90_s: float | None = None


def _seconds(days: float | None) -> float | None:
    return float(days) * _DAY if days is not None else None


def _pains(process: Process, stage: JourneyStage, audit: AuditInput) -> tuple[str, ...]:
    steps = [s for s in process.steps if s.journey_stage == stage.id]
    activities = {a for s in steps for a in s.as_is}
    found: list[Finding] = []
    for f in audit.findings:
        if finding_subjects(f) & activities and f.severity in ("high", "medium"):
            found.append(f)
    for s in steps:
        found.extend(audit.findings_for(s.findings_addressed, s.as_is))
    return tuple(dict.fromkeys(f.title for f in by_severity(found)))


def measure_stage(process: Process, stage: JourneyStage, audit: AuditInput | None, lang: str) -> StageMeasure:
    """The numbers of one To-Be journey stage: from the measured journey when it has the stage, else the audit."""
    if audit is None:
        return StageMeasure(None, None, None, (), source="none")
    steps = [s for s in process.steps if s.journey_stage == stage.id]
    activities = [a for s in steps for a in s.as_is]
    pains = _pains(process, stage, audit)
    measured = journey_stage(audit.journey, stage, activities, process=process.id, lang=lang)
    if measured is not None:
        reached, dropped = measured.reached, measured.dropped
        start, prev = measured.days_from_start, measured.days_from_previous
        return StageMeasure(
            wait_median_s=_seconds(prev.median),
            reached=reached + dropped,
            lost=dropped,
            pain_points=pains,
            channels=tuple(f"{c.channel or '?'}: {c.customers}" for c in measured.channels),
            source="journey",
            measured_stage=measured.name,
            customers=reached,
            share=measured.share,
            conversion=measured.conversion,
            skipped=measured.skipped,
            from_start_median_s=_seconds(start.median),
            from_start_p90_s=_seconds(start.p90),
            from_previous_p90_s=_seconds(prev.p90),
        )
    stats = [audit.activity(x) for x in activities]
    waits: list[float] = [float(a.median_wait_s) for a in stats if a and a.median_wait_s is not None]
    funnel = [f for f in (audit.funnel_stage(x) for x in activities) if f]
    return StageMeasure(
        wait_median_s=max(waits) if waits else None,
        reached=funnel[0].cases if funnel else None,
        lost=sum(f.lost_here or 0 for f in funnel) if funnel else None,
        pain_points=pains,
    )


def journey_stage(
    journey: CustomerJourney | None,
    stage: JourneyStage,
    activities: list[str],
    *,
    process: str = "?",
    lang: str = "en",
) -> MeasuredStage | None:
    """The measured customer-journey stage shown for a To-Be journey stage, or None.

    The To-Be stage's ``measured_stage`` when given (exact name, else case-insensitive; a name the
    journey does not have raises :class:`~crmflow.errors.PackError`), else the measured stage named
    like the stage's id or its ru/en name (case-insensitive), else one sharing an As-Is activity.
    """
    stages = journey.stages if journey is not None else ()
    if not stages:
        return None

    def key(value: object) -> str:
        return " ".join(str(value).split()).casefold()

    if stage.measured_stage:
        want = stage.measured_stage
        hit = next((s for s in stages if s.name == want), None) or next((s for s in stages if key(s.name) == key(want)), None)
        if hit is None:
            known = ", ".join(s.name for s in stages)
            raise error(PackError, MSG, "unknown_stage", lang, process=process, stage=stage.id, measured=want, known=known)
        return hit
    wanted = {key(n) for n in (stage.id, stage.name.ru, stage.name.en) if n}
    by_name = next((s for s in stages if key(s.name) in wanted), None)
    return by_name or next((s for s in stages if set(s.activities) & set(activities)), None)


def check_measured_stages(tobe: ToBeDefinition, journey: CustomerJourney | None, *, lang: str) -> None:
    """Raise :class:`~crmflow.errors.PackError` when a ``measured_stage`` is not in the measured journey.

    Without a measured journey there is nothing to check (the CJM falls back to the audit).
    """
    if journey is None or not journey.stages:
        return
    for process in tobe.processes:
        for stage in process.journey_stages:
            if stage.measured_stage:
                journey_stage(journey, stage, [], process=process.id, lang=lang)


def _reach_cell(m: StageMeasure, lang: str) -> str:
    if m.source != "journey" or m.customers is None:
        if m.reached is not None:  # the audit's funnel counts cases, not customers
            return t("cjm.reach_cases", lang, reached=m.reached)
        return t("cjm.not_measured", lang) if m.source == "none" else t("cjm.reach_none", lang)
    na = t("cjm.not_measured", lang)
    parts = [
        text(
            MSG,
            "reach_cell",
            lang,
            stage=m.measured_stage,
            reached=m.customers,
            share=format_percent(m.share, lang) if m.share is not None else na,
            conversion=format_percent(m.conversion, lang) if m.conversion is not None else na,
        )
    ]
    if m.from_start_median_s is not None:
        parts.append(
            text(
                MSG,
                "reach_time",
                lang,
                median=format_duration(m.from_start_median_s, lang),
                p90=format_duration(m.from_start_p90_s, lang),
            )
        )
    if m.from_previous_p90_s is not None:
        parts.append(text(MSG, "reach_prev_p90", lang, p90=format_duration(m.from_previous_p90_s, lang)))
    if m.skipped:
        parts.append(text(MSG, "reach_skipped", lang, n=m.skipped))
    return "; ".join(parts)


def journey_rows(tobe: ToBeDefinition, process: Process, audit: AuditInput | None, lang: str) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for stage in process.journey_stages:
        steps = [s for s in process.steps if s.journey_stage == stage.id]
        m = measure_stage(process, stage, audit, lang)
        not_measured = t("cjm.not_measured", lang)
        drop = (
            t("cjm.drop", lang, lost=m.lost, reached=m.reached, share=format_percent(m.lost / m.reached, lang))
            if m.lost is not None and m.reached
            else not_measured
        )
        rows.append(
            (
                stage.name.get(lang),
                "; ".join(dict.fromkeys(s.touchpoint.get(lang) for s in steps if s.touchpoint)) or "—",
                (
                    ", ".join(
                        dict.fromkeys(
                            t(f"channel.{s.channel}", lang) if f"channel.{s.channel}" in _channels() else str(s.channel)
                            for s in steps
                            if s.channel
                        )
                    )
                    or "—"
                )
                + (f" ({t('cjm.measured', lang)}: {', '.join(m.channels)})" if m.channels else ""),
                ", ".join(s.name.get(lang) for s in steps) or "—",
                format_duration(m.wait_median_s, lang) if m.wait_median_s is not None else not_measured,
                drop,
                findings_cell(m.pain_points, lang),
                _reach_cell(m, lang),
            )
        )
    return rows


def _channels() -> set[str]:
    from crmflow.deliverables.messages import MSG as DELIVERABLE_MSG

    return {k for k in DELIVERABLE_MSG if k.startswith("channel.")}


def build_journey(tobe: ToBeDefinition, audit: AuditInput | None = None, *, lang: str) -> Section:
    """The CJM: one table per process that defines journey stages."""
    header = (
        t("cjm.stage", lang),
        t("cjm.touchpoints", lang),
        t("cjm.channels", lang),
        t("cjm.steps", lang),
        t("cjm.wait", lang),
        t("cjm.dropoff", lang),
        t("cjm.pain", lang),
        text(MSG, "reach", lang),
    )
    intro = t("cjm.intro", lang)
    if audit is not None and audit.has_log:
        intro += " " + t("cjm.from_audit", lang, name=audit.name)
    if audit is not None and audit.journey:
        intro += " " + t("cjm.from_journey", lang, customers=audit.journey.customers)
    if audit is None or not (audit.has_log or audit.journey):
        intro += " " + t("cjm.no_audit", lang)
    blocks: list[Any] = [Paragraph(intro)]
    for process in tobe.processes:
        if not process.journey_stages:
            continue
        blocks.append(
            Section(
                title=process.name.get(lang),
                blocks=(
                    Table(
                        header=header,
                        rows=tuple(journey_rows(tobe, process, audit, lang)),
                        caption=t("cjm.caption", lang, process=process.name.get(lang)),
                    ),
                ),
            )
        )
    return Section(title=t("cjm.title", lang), blocks=tuple(blocks), key="cjm")


__all__ = ["MSG", "StageMeasure", "build_journey", "check_measured_stages", "journey_rows", "journey_stage", "measure_stage"]
