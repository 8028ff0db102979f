"""Standard operating procedures for the critical steps (the steps with an ``sop``).

Each SOP lists purpose, trigger, roles (from the step's RACI), the procedure, checks (the SOP's own
and the step's data checks and mandatory fields), exceptions, the SLA and the KPIs it serves, and —
when the gateway right after the step has branches with a documented condition — that decision with
each branch's condition and its documented words.
"""

from __future__ import annotations

from typing import Any

from crmflow.base.numbers import format_number
from crmflow.deliverables.document import BulletList, Paragraph, Section, Table
from crmflow.deliverables.kpi import unit_text
from crmflow.deliverables.messages import t
from crmflow.deliverables.sla import sla_target
from crmflow.design.model import Gateway, Process, Step, ToBeDefinition


def kpi_target(tobe: ToBeDefinition, kpi_id: str, lang: str) -> str:
    kpi = tobe.kpi(kpi_id)
    if kpi is None:
        return kpi_id
    sign = "≥" if kpi.direction == "at_least" else "≤"
    target = format_number(kpi.target, lang, digits=0 if float(kpi.target).is_integer() else 2)
    unit = f"\u00a0{unit_text(kpi.unit, lang, kpi.target)}" if kpi.unit else ""
    return f"{kpi.name.get(lang)} {sign} {target}{unit}"


def rule_checks(step: Step, lang: str) -> list[str]:
    """The step's business rules in words: mandatory fields and data checks."""
    out = []
    for mf in step.rules.mandatory_fields:
        out.append(t("sop.mandatory", lang, fields=", ".join(mf.fields)))
    for check in step.rules.checks:
        out.append(f"{check.message.get(lang)} ({check.expression})")
    return out


def documented_decision(process: Process, step: Step, lang: str) -> Table | None:
    """The gateway right after ``step`` as a table (branch, condition, documented condition), when a branch
    of it has a documented condition; else None."""
    gateway = next((n for n in (process.node(i) for i in process.successors(step.id)) if isinstance(n, Gateway)), None)
    if gateway is None or not any(b.description for b in gateway.branches):
        return None
    rows = []
    for b in gateway.branches:
        target = process.node(b.target)
        name = b.name.get(lang) or (target.name.get(lang) or target.id if target is not None else b.target)
        condition = b.condition or t("frd.branch_default" if b.default else "frd.branch_parallel", lang)
        rows.append((name, condition, " ".join(b.description.get(lang).split()) or "—"))
    return Table(header=(t("sop.branch", lang), t("sop.condition", lang), t("sop.documented", lang)), rows=tuple(rows))


def critical_steps(tobe: ToBeDefinition) -> list[tuple[Process, Step]]:
    return [(p, s) for p, s in tobe.steps() if s.sop is not None]


def sop_section(tobe: ToBeDefinition, step: Step, lang: str, *, process: Process | None = None) -> Section:
    sop = step.sop
    assert sop is not None
    raci = step.raci
    roles = []
    for letter, ids in (("R", raci.responsible), ("A", raci.accountable), ("C", raci.consulted), ("I", raci.informed)):
        if ids:
            roles.append(f"{t('raci.letter.' + letter, lang)}: {', '.join(tobe.party_name(r, lang) for r in ids)}")
    blocks: list[Any] = [
        Table(
            header=(t("sop.field", lang), t("sop.value", lang)),
            rows=(
                (t("sop.purpose", lang), sop.purpose.get(lang)),
                (t("sop.trigger", lang), sop.trigger.get(lang)),
                (t("sop.roles", lang), "; ".join(roles) or "—"),
                (t("sop.sla", lang), "; ".join(f"{s.name.get(lang) or s.id}: {sla_target(s, lang)}" for s in step.slas) or "—"),
                (t("sop.kpis", lang), "; ".join(kpi_target(tobe, k, lang) for k in sop.kpis) or "—"),
            ),
        ),
        Paragraph(t("sop.procedure", lang), style="lead"),
        BulletList(tuple(s.get(lang) for s in sop.steps), ordered=True),
    ]
    checks = [c.get(lang) for c in sop.checks] + rule_checks(step, lang) + [c.get(lang) for c in step.checklist]
    if checks:
        blocks += [Paragraph(t("sop.checks", lang), style="lead"), BulletList(tuple(checks))]
    if sop.exceptions:
        blocks += [
            Paragraph(t("sop.exceptions", lang), style="lead"),
            Table(
                header=(t("sop.when", lang), t("sop.action", lang)),
                rows=tuple((e.when.get(lang), e.action.get(lang)) for e in sop.exceptions),
            ),
        ]
    if process is not None and (decision := documented_decision(process, step, lang)) is not None:
        blocks += [Paragraph(t("sop.decision", lang), style="lead"), decision]
    return Section(title=t("sop.heading", lang, step=step.name.get(lang)), blocks=tuple(blocks), key=f"sop-{step.id}")


def build_sops(tobe: ToBeDefinition, audit: object = None, *, lang: str) -> Section:
    """One SOP per critical step."""
    steps = critical_steps(tobe)
    blocks: list[Any] = [Paragraph(t("sop.intro", lang, n=len(steps)))]
    blocks += [sop_section(tobe, s, lang, process=p) for p, s in steps]
    return Section(title=t("sop.title", lang), blocks=tuple(blocks), key="sop")


__all__ = ["build_sops", "critical_steps", "documented_decision", "kpi_target", "rule_checks", "sop_section"]
