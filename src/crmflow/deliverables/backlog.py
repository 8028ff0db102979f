"""The requirements backlog: BRD (goals, scope, stakeholders), FRD (a requirement per step and rule,
and per gateway branch with a documented condition), user stories with acceptance criteria, and CSV
files for Jira and YouTrack import.

Ids are stable and derived from the model: ``FR-<process>-<n>`` for requirements, ``US-<process>-<step>``
for stories, ``EP-<process>`` for a process epic.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmflow.deliverables.document import BulletList, Paragraph, Section, Sheet, Table
from crmflow.deliverables.messages import t
from crmflow.deliverables.sla import action_text, after_text, sla_target
from crmflow.deliverables.sop import kpi_target
from crmflow.design.expression_words import described, field_words, value_words
from crmflow.design.model import Process, Step, ToBeDefinition

#: Jira CSV import column names (Jira Cloud "External System Import", mapped automatically).
JIRA_COLUMNS = ("Issue ID", "Parent", "Issue Type", "Summary", "Description", "Priority", "Labels")
#: YouTrack CSV import column names (its import maps these to the standard fields).
YOUTRACK_COLUMNS = ("Issue Id", "Parent", "Type", "Summary", "Description", "Priority", "Tags")


@dataclass(frozen=True)
class Requirement:
    """A functional requirement of the FRD."""

    id: str
    process: str
    step: str | None
    source: str  # "step", "sla", "rule", "event"
    text: str


@dataclass(frozen=True)
class Story:
    """A user story with acceptance criteria."""

    id: str
    process: str
    step: str
    role: str
    text: str
    criteria: tuple[str, ...]
    priority: str  # "High" when the step is critical or has an SLA, else "Medium"


def requirements(tobe: ToBeDefinition, lang: str) -> list[Requirement]:
    """A requirement per step, per SLA, per rule and per published event, numbered per process."""
    out: list[Requirement] = []
    for process in tobe.processes:
        items: list[tuple[str | None, str, str]] = []
        for step in process.steps:
            systems = ", ".join(tobe.party_name(s, lang) for s in step.systems) or t("backlog.crm", lang)
            items.append(
                (
                    step.id,
                    "step",
                    t("frd.step", lang, step=step.name.get(lang), systems=systems, role=tobe.party_name(step.lane, lang)),
                )
            )
            for sla in step.slas:
                items.append(
                    (
                        step.id,
                        "sla",
                        t("frd.sla", lang, step=step.name.get(lang), target=sla_target(sla, lang), levels=len(sla.escalations)),
                    )
                )
            items += [(step.id, "rule", r) for r in _rule_texts(tobe, step.rules, lang, where=step.name.get(lang))]
            for ev in step.publishes:
                items.append((step.id, "event", t("frd.event", lang, step=step.name.get(lang), event=ev)))
        items += [(None, "rule", r) for r in _rule_texts(tobe, process.rules, lang, where=process.name.get(lang))]
        items += [(None, "rule", r) for r in _branch_texts(process, lang)]
        for i, (step_id, source, text) in enumerate(items, start=1):
            out.append(Requirement(f"FR-{process.id}-{i:03d}", process.id, step_id, source, text))
    return out


def _rule_texts(tobe: ToBeDefinition, rules, lang: str, *, where: str) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for mf in rules.mandatory_fields:
        stage = next((s.name.get(lang) for _p, s in tobe.steps() if s.id == mf.stage), mf.stage)
        fields = ", ".join(field_words(f, lang) for f in mf.fields)
        out.append(t("frd.mandatory", lang, fields=fields, stage=stage))
    for c in rules.checks:
        out.append(t("frd.check", lang, where=where, expr=described(c.expression, lang), message=c.message.get(lang)))
    if rules.routing is not None:
        roles = ", ".join(tobe.party_name(r, lang) for r in rules.routing.roles) or "—"
        out.append(t("frd.routing", lang, where=where, strategy=t(f"routing.{rules.routing.strategy}", lang), roles=roles))
    for p in rules.priorities:
        out.append(t("frd.priority", lang, where=where, expr=described(p.when, lang), priority=value_words(p.priority, lang)))
    return out


def _branch_texts(process: Process, lang: str) -> list[str]:
    """A rule per gateway branch with a documented condition (the words next to the expression)."""

    def name(node_id: str) -> str:
        node = process.node(node_id)
        return (node.name.get(lang) or node.id) if node is not None else node_id

    out = []
    for gw in process.gateways:
        for b in gw.branches:
            if not b.description:
                continue
            expr = (
                described(b.condition, lang)
                if b.condition
                else t("frd.branch_default" if b.default else "frd.branch_parallel", lang)
            )
            out.append(
                t(
                    "frd.branch",
                    lang,
                    gateway=gw.name.get(lang) or gw.id,
                    target=name(b.target),
                    expr=expr,
                    text=" ".join(b.description.get(lang).split()),
                )
            )
    return out


def story_for(tobe: ToBeDefinition, process: Process, step: Step, lang: str) -> Story:
    role = tobe.party_name(step.lane, lang)
    benefit = "; ".join(o.name.get(lang) for o in step.outputs) or process.name.get(lang)
    criteria: list[str] = [c.get(lang) for c in step.checklist]
    for sla in step.slas:
        criteria.append(t("story.ac_sla", lang, target=sla_target(sla, lang)))
        for i, level in enumerate(sla.escalations, start=1):
            acts = "; ".join(action_text(a, tobe, lang) for a in level.actions)
            criteria.append(t("story.ac_level", lang, n=i, after=after_text(level.after, lang), actions=acts))
    criteria += _rule_texts(tobe, step.rules, lang, where=step.name.get(lang))
    criteria += [t("frd.event", lang, step=step.name.get(lang), event=e) for e in step.publishes]
    if step.sop is not None:
        criteria += [t("story.ac_kpi", lang, kpi=kpi_target(tobe, k, lang)) for k in step.sop.kpis]
    if not criteria:
        criteria.append(t("story.ac_done", lang, step=step.name.get(lang)))
    return Story(
        id=f"US-{process.id}-{step.id}",
        process=process.id,
        step=step.id,
        role=role,
        text=t("story.text", lang, role=role, step=step.name.get(lang), benefit=benefit),
        criteria=tuple(criteria),
        priority="High" if step.sop is not None or step.slas else "Medium",
    )


def stories(tobe: ToBeDefinition, lang: str) -> list[Story]:
    return [story_for(tobe, p, s, lang) for p, s in tobe.steps()]


def build_backlog(tobe: ToBeDefinition, audit: object = None, *, lang: str) -> Section:
    """BRD, FRD and user stories as one section."""
    goals = [p.description.get(lang) or p.name.get(lang) for p in tobe.processes]
    goals += [kpi_target(tobe, k.id, lang) for k in tobe.kpis]
    in_scope = [
        t("brd.scope_process", lang, process=p.name.get(lang), steps=len(p.steps), lanes=len(p.lanes)) for p in tobe.processes
    ]
    systems = ", ".join(s.name.get(lang) for s in tobe.systems) or "—"
    stake_rows = []
    for role in tobe.roles:
        a = sum(1 for _p, s in tobe.steps() if role.id in s.raci.accountable)
        r = sum(1 for _p, s in tobe.steps() if role.id in s.raci.responsible)
        owner = [p.name.get(lang) for p in tobe.processes if p.owner == role.id]
        stake_rows.append((role.name.get(lang), t(f"role.{role.kind}", lang), str(a), str(r), ", ".join(owner) or "—"))
    brd = Section(
        title=t("brd.title", lang),
        blocks=(
            Paragraph(tobe.description.get(lang) or tobe.name.get(lang)),
            Paragraph(t("brd.goals", lang), style="lead"),
            BulletList(tuple(goals)),
            Paragraph(t("brd.scope", lang), style="lead"),
            BulletList(tuple(in_scope)),
            Paragraph(t("brd.systems", lang, systems=systems)),
            Paragraph(t("brd.stakeholders", lang), style="lead"),
            Table(
                header=(
                    t("col.role", lang),
                    t("col.kind", lang),
                    t("brd.col_a", lang),
                    t("brd.col_r", lang),
                    t("brd.col_owner", lang),
                ),
                rows=tuple(stake_rows),
            ),
        ),
    )
    reqs = requirements(tobe, lang)
    frd = Section(
        title=t("frd.title", lang),
        blocks=(
            Paragraph(t("frd.intro", lang, n=len(reqs))),
            Table(
                header=(t("col.id", lang), t("col.source", lang), t("col.requirement", lang)),
                rows=tuple((r.id, t(f"frd.source.{r.source}", lang), r.text) for r in reqs),
            ),
        ),
    )
    story_blocks: list[Any] = []
    for s in stories(tobe, lang):
        story_blocks += [Paragraph(f"{s.id}. {s.text}", style="lead"), BulletList(s.criteria)]
    us = Section(
        title=t("story.title", lang), blocks=(Paragraph(t("story.intro", lang, n=len(stories(tobe, lang)))), *story_blocks)
    )
    return Section(title=t("backlog.title", lang), blocks=(brd, frd, us), key="backlog")


def label(process_id: str) -> str:
    """The tracker label of a process's items (no spaces: Jira splits labels on them)."""
    return "crmflow-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in process_id)


def backlog_records(tobe: ToBeDefinition, lang: str) -> list[dict[str, str]]:
    """Epics (one per process), stories (one per step) and requirements as tracker records."""
    out = []
    for p in tobe.processes:
        out.append(
            {
                "id": f"EP-{p.id}",
                "parent": "",
                "type": "Epic",
                "summary": p.name.get(lang),
                "description": p.description.get(lang),
                "priority": "High",
                "labels": label(p.id),
            }
        )
    for s in stories(tobe, lang):
        desc = s.text + "\n\n" + t("story.ac", lang) + ":\n" + "\n".join(f"- {c}" for c in s.criteria)
        out.append(
            {
                "id": s.id,
                "parent": f"EP-{s.process}",
                "type": "Story",
                "summary": s.text[:250],
                "description": desc,
                "priority": s.priority,
                "labels": label(s.process),
            }
        )
    for r in requirements(tobe, lang):
        parent = f"US-{r.process}-{r.step}" if r.step else f"EP-{r.process}"
        out.append(
            {
                "id": r.id,
                "parent": parent,
                "type": "Task",
                "summary": r.text[:250],
                "description": r.text,
                "priority": "Medium",
                "labels": label(r.process),
            }
        )
    return out


def backlog_csv(tobe: ToBeDefinition, *, lang: str, tracker: str = "jira") -> str:
    """The backlog as CSV for ``jira`` or ``youtrack`` (UTF-8, comma-separated, header row)."""
    columns = JIRA_COLUMNS if tracker == "jira" else YOUTRACK_COLUMNS
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for rec in backlog_records(tobe, lang):
        writer.writerow([csv_cell(rec[k]) for k in ("id", "parent", "type", "summary", "description", "priority", "labels")])
    return buf.getvalue()


#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """``value`` safe for a spreadsheet that opens the CSV: a leading formula character gets a ``'`` before it.

    >>> print(csv_cell("=1+1"), csv_cell("Call back"))
    '=1+1 Call back
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_backlog_csv(tobe: ToBeDefinition, folder: Path, *, lang: str) -> list[Path]:
    paths = []
    for tracker in ("jira", "youtrack"):
        path = folder / f"backlog_{tracker}.csv"
        path.write_text(backlog_csv(tobe, lang=lang, tracker=tracker), encoding="utf-8-sig")
        paths.append(path)
    return paths


def _step_name(tobe: ToBeDefinition, step_id: str | None, lang: str) -> str:
    if not step_id:
        return ""
    return next((s.name.get(lang) for _p, s in tobe.steps() if s.id == step_id), step_id)


def backlog_sheets(tobe: ToBeDefinition, *, lang: str) -> tuple[Sheet, ...]:
    """Stories and requirements as worksheets."""
    st = stories(tobe, lang)
    reqs = requirements(tobe, lang)
    process = {p.id: p.name.get(lang) for p in tobe.processes}
    priority = {p: t(f"priority.{p.lower()}", lang) for p in ("High", "Medium", "Low")}
    return (
        Sheet(
            name=t("story.sheet", lang),
            header=(
                t("col.id", lang),
                t("col.process", lang),
                t("col.role", lang),
                t("story.col", lang),
                t("story.ac", lang),
                t("col.priority", lang),
            ),
            rows=tuple(
                (
                    s.id,
                    process.get(s.process, s.process),
                    s.role,
                    s.text,
                    "\n".join(s.criteria),
                    priority.get(s.priority, s.priority),
                )
                for s in st
            ),
            choices={t("col.priority", lang): tuple(priority.values())},
            widths=(26, 14, 20, 60, 70, 10),
        ),
        Sheet(
            name=t("frd.sheet", lang),
            header=(
                t("col.id", lang),
                t("col.process", lang),
                t("col.step", lang),
                t("col.source", lang),
                t("col.requirement", lang),
            ),
            rows=tuple(
                (
                    r.id,
                    process.get(r.process, r.process),
                    _step_name(tobe, r.step, lang),
                    t(f"frd.source.{r.source}", lang),
                    r.text,
                )
                for r in reqs
            ),
            widths=(20, 14, 18, 14, 90),
        ),
    )


__all__ = [
    "FORMULA_STARTS",
    "JIRA_COLUMNS",
    "YOUTRACK_COLUMNS",
    "Requirement",
    "Story",
    "backlog_csv",
    "backlog_records",
    "backlog_sheets",
    "build_backlog",
    "csv_cell",
    "requirements",
    "stories",
    "write_backlog_csv",
]
