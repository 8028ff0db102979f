"""The audit-pack report: every deliverable's section, in reading order, as one neutral document.

The same :class:`~crmflow.deliverables.document.Document` is written as DOCX and PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmflow.base.numbers import format_number, format_percent
from crmflow.base.version import __version__
from crmflow.deliverables.asyncapi import build_event_section, catalogue
from crmflow.deliverables.audit_input import AuditInput
from crmflow.deliverables.backlog import build_backlog
from crmflow.deliverables.comparison import build_comparison
from crmflow.deliverables.document import Document, Image, Paragraph, Section, Table
from crmflow.deliverables.duplicates import build_duplicates
from crmflow.deliverables.journey import build_journey
from crmflow.deliverables.kpi import build_kpis
from crmflow.deliverables.messages import t
from crmflow.deliverables.raci import build_raci
from crmflow.deliverables.roadmap import build_roadmap
from crmflow.deliverables.sipoc import build_sipoc
from crmflow.deliverables.sla import build_sla_policy
from crmflow.deliverables.sop import build_sops
from crmflow.deliverables.uat import UatSuite, build_uat_section
from crmflow.design.model import ToBeDefinition
from crmflow.quality.score import EntityScore


@dataclass(frozen=True)
class Diagram:
    """A rendered diagram of the pack: PNG for documents, SVG for the web page."""

    png: Path
    svg: Path
    caption: str


def summary_section(tobe: ToBeDefinition, audit: AuditInput | None, suite: UatSuite, lang: str) -> Section:
    cov = suite.coverage
    blocks: list[Any] = [Paragraph(t("doc.summary_text", lang,
        processes=len(tobe.processes), steps=sum(len(p.steps) for p in tobe.processes), roles=len(tobe.roles),
        gateways=sum(len(p.gateways) for p in tobe.processes),
        slas=sum(len(s.slas) for _p, s in tobe.steps()), kpis=len(tobe.kpis), events=len(catalogue(tobe)),
        coverage=cov.percent() / 100, targets=sum(cov.totals.values())))]  # fmt: skip
    if tobe.description:
        blocks.insert(0, Paragraph(tobe.description.get(lang), style="lead"))
    if audit is not None and audit.has_log:
        log = audit.audit.log_summary
        high = sum(1 for f in audit.findings if f.severity == "high")
        blocks.append(
            Paragraph(
                t(
                    "doc.audit_text",
                    lang,
                    cases=format_number(log.cases, lang),
                    events=format_number(log.events, lang),
                    activities=format_number(log.activities, lang),
                    findings=len(audit.findings),
                    high=high,
                )
            )
        )
    if audit is not None and audit.quality:
        blocks.append(quality_section(audit.quality_scores, lang))
    return Section(title=t("doc.summary", lang), blocks=tuple(blocks), key="summary")


def quality_section(scores: Sequence[EntityScore], lang: str) -> Section:
    """Per-entity data-quality scores from ``quality.json`` (shares as percent)."""
    rows = []
    for sc in scores:
        dims = sc.dimensions
        rows.append(
            (
                sc.entity,
                format_number(sc.records, lang),
                format_number(sc.failing, lang),
                format_percent(sc.overall, lang),
                *(format_percent(dims.get(d), lang) for d in ("validity", "completeness", "uniqueness", "consistency")),
            )
        )
    header = tuple(
        t(f"q.{k}", lang)
        for k in ("entity", "records", "failing", "overall", "validity", "completeness", "uniqueness", "consistency")
    )
    return Section(
        title=t("doc.quality", lang),
        key="quality",
        blocks=(Paragraph(t("doc.quality_text", lang, n=len(rows))), Table(header=header, rows=tuple(rows))),
    )


def build_report(
    tobe: ToBeDefinition, audit: AuditInput | None, suite: UatSuite, *, lang: str, diagrams: tuple[Diagram, ...] = ()
) -> Document:
    """The whole report: summary, diagrams, comparison, RACI, SLAs, SOPs, SIPOC, CJM, KPIs, backlog, UAT, plan, events."""
    sections = [summary_section(tobe, audit, suite, lang)]
    log_audit = audit if audit is not None and audit.has_log else None  # quality/journey alone are not a log
    if diagrams:
        blocks: list[Any] = []
        for d in diagrams:
            blocks.append(Image(png=d.png, svg=d.svg, caption=d.caption, landscape=True))
        sections.append(Section(title=t("doc.diagrams", lang), blocks=tuple(blocks), key="diagrams"))
    duplicates = build_duplicates(audit, lang=lang)
    if duplicates is not None:
        sections.append(duplicates)
    sections += [
        build_comparison(tobe, log_audit, lang=lang),
        build_raci(tobe, log_audit, lang=lang),
        build_sla_policy(tobe, log_audit, lang=lang),
        build_sops(tobe, log_audit, lang=lang),
        build_sipoc(tobe, log_audit, lang=lang),
        build_journey(tobe, audit, lang=lang),
        build_kpis(tobe, log_audit, lang=lang),
        build_backlog(tobe, log_audit, lang=lang),
        build_uat_section(tobe, suite, lang=lang),
        build_roadmap(tobe, log_audit, lang=lang),
        build_event_section(tobe, log_audit, lang=lang),
    ]
    subtitle = t(
        "doc.subtitle",
        lang,
        source=Path(tobe.source).name if tobe.source else tobe.id,
        version=tobe.version,
        audit=log_audit.name if log_audit is not None else t("doc.no_audit", lang),
        crmflow=__version__,
    )
    return Document(
        title=t("doc.title", lang, name=tobe.name.get(lang)),
        subtitle=subtitle,
        lang=lang,
        sections=tuple(sections),
        toc_title=t("doc.toc", lang),
    )


__all__ = ["Diagram", "build_report", "quality_section", "summary_section"]
