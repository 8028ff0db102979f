"""As-Is vs To-Be: what changes per lane and step, and which audit findings each change addresses.

A step is *new* when it has no As-Is activity, *changed* when it says what changes (``change``) or
maps to As-Is activities under other names, else *kept*. As-Is activities that no step maps to are
*removed*. Findings come from the step's ``findings_addressed`` matched against the audit; audit
findings that no step addresses are listed as open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from crmflow.deliverables.audit_input import AuditInput, by_severity, findings_cell
from crmflow.deliverables.document import BulletList, Paragraph, Section, Table
from crmflow.deliverables.messages import t
from crmflow.design.model import Step, ToBeDefinition
from crmflow.findings.model import Finding
from crmflow.report.messages import t as report_t

ChangeKind = Literal["new", "changed", "kept"]


@dataclass(frozen=True)
class StepChange:
    """The comparison of one To-Be step with the As-Is."""

    process: str
    lane: str
    step: str
    kind: ChangeKind
    as_is: tuple[str, ...]
    change: str
    findings: tuple[str, ...]  # titles of the audit findings addressed (or the raw references without an audit)


def change_kind(step: Step) -> ChangeKind:
    if not step.as_is:
        return "new"
    if step.change or any(a not in (step.name.ru, step.name.en) for a in step.as_is):
        return "changed"
    return "kept"


def finding_label(f: Finding, lang: str) -> str:
    sev = report_t(f"severity.{f.severity}", lang)
    return f"[{sev}] {f.title or f.key}"


def step_changes(tobe: ToBeDefinition, audit: AuditInput | None, lang: str) -> list[StepChange]:
    out = []
    for process, step in tobe.steps():
        if audit is not None:
            findings = tuple(
                finding_label(f, lang) for f in by_severity(list(audit.findings_for(step.findings_addressed, step.as_is)))
            )
        else:
            findings = step.findings_addressed
        out.append(
            StepChange(
                process=process.id,
                lane=tobe.party_name(step.lane, lang),
                step=step.name.get(lang),
                kind=change_kind(step),
                as_is=step.as_is,
                change=step.change.get(lang),
                findings=findings,
            )
        )
    return out


def removed_activities(tobe: ToBeDefinition, audit: AuditInput) -> list[str]:
    """As-Is activities of the audit that no To-Be step maps to (by ``as_is`` or by name)."""
    mapped: set[str] = set()
    for _p, s in tobe.steps():
        mapped.update((*s.as_is, s.name.ru, s.name.en))
    return [a.activity for a in audit.audit.activities if a.activity not in mapped]


def open_findings(tobe: ToBeDefinition, audit: AuditInput) -> list[Finding]:
    """Audit findings of high or medium severity that no step addresses."""
    addressed: list[Finding] = []
    for _p, step in tobe.steps():
        addressed += audit.findings_for(step.findings_addressed, step.as_is)
    return [f for f in audit.findings if f not in addressed and f.severity in ("high", "medium")]


def build_comparison(tobe: ToBeDefinition, audit: AuditInput | None = None, *, lang: str) -> Section:
    """The As-Is vs To-Be section: per process a table by lane and step, removed activities, open findings."""
    changes = step_changes(tobe, audit, lang)
    counts = {k: sum(1 for c in changes if c.kind == k) for k in ("new", "changed", "kept")}
    addressed = sum(1 for c in changes if c.findings)
    blocks: list[Any] = [
        Paragraph(
            t(
                "cmp.intro",
                lang,
                steps=len(changes),
                new=counts["new"],
                changed=counts["changed"],
                kept=counts["kept"],
                addressed=addressed,
            )
        )
    ]
    if audit is None:
        blocks.append(Paragraph(t("cmp.no_audit", lang), style="note"))
    for process in tobe.processes:
        rows = []
        order = {tobe.party_name(r, lang): i for i, r in enumerate(process.lanes)}
        mine = [c for c in changes if c.process == process.id]  # flow order, grouped by lane in drawing order
        for c in sorted(mine, key=lambda c: order.get(c.lane, len(order))):
            rows.append(
                (
                    c.lane,
                    c.step,
                    t(f"cmp.kind.{c.kind}", lang),
                    ", ".join(c.as_is) or "—",
                    c.change or "—",
                    findings_cell(c.findings, lang),
                )
            )
        inner: list[Any] = [
            Table(
                header=(
                    t("col.lane", lang),
                    t("col.step", lang),
                    t("col.change_kind", lang),
                    t("col.as_is", lang),
                    t("col.change", lang),
                    t("col.findings", lang),
                ),
                rows=tuple(rows),
                caption=t("cmp.caption", lang, process=process.name.get(lang)),
            )
        ]
        blocks.append(Section(title=process.name.get(lang), blocks=tuple(inner)))
    if audit is not None:
        removed = removed_activities(tobe, audit)
        if removed:
            blocks += [Paragraph(t("cmp.removed", lang, n=len(removed))), BulletList(tuple(removed))]
        left = open_findings(tobe, audit)
        blocks.append(Paragraph(t("cmp.open", lang, n=len(left), total=len(audit.findings))))
        if left:
            blocks.append(BulletList(tuple(finding_label(f, lang) for f in left)))
    return Section(title=t("cmp.title", lang), blocks=tuple(blocks), key="comparison")


__all__ = ["StepChange", "build_comparison", "change_kind", "open_findings", "removed_activities", "step_changes"]
