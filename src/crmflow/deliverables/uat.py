"""UAT scenarios generated from the paths of the To-Be model, and their coverage.

What must be covered (the *targets*) is enumerated independently of the generator: every branch
of every splitting gateway, every level of every SLA escalation chain (a chain without levels: its
breach), and every business rule — each mandatory field, data check, priority rule and routing
policy. The generator then writes

* **path scenarios**: from a start event through the flow to an end, one per branch not yet
  covered (shortest path to the gateway, the branch, shortest path to an end); a path covers every
  branch it takes (all branches of a parallel split);
* **escalation scenarios**: a case waits at the step until level *k* of the chain fires;
* **rule scenarios**: a record violating the rule (or matching a priority/routing rule).

Coverage counts the targets that some scenario's ``covers`` contains, so an unreachable gateway
branch shows up as uncovered instead of being assumed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from crmflow.base.numbers import format_number, format_percent
from crmflow.deliverables.document import BulletList, Paragraph, Section, Sheet, Table
from crmflow.deliverables.messages import MSG, t
from crmflow.deliverables.sla import action_text, after_text, span_text
from crmflow.design.expression_words import described, field_words, value_words
from crmflow.design.model import FlowEvent, Gateway, Process, RuleSet, Sla, Step, ToBeDefinition

TargetKind = Literal["branch", "escalation", "rule"]
ScenarioKind = Literal["path", "escalation", "rule"]
StepWord = Literal["given", "when", "then", "and"]


@dataclass(frozen=True)
class Target:
    """Something a UAT must exercise: ``kind`` and a stable id (``branch:gw_reached->qualify``)."""

    kind: TargetKind
    id: str
    process: str
    label: str


@dataclass(frozen=True)
class Scenario:
    """A Gherkin scenario: name, tags, ``(keyword, text)`` steps and the target ids it covers."""

    id: str
    process: str
    kind: ScenarioKind
    name: str
    steps: tuple[tuple[StepWord, str], ...]
    covers: tuple[str, ...]
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coverage:
    """How many targets of each kind the scenarios cover, and which are left."""

    totals: dict[str, int]
    covered: dict[str, int]
    uncovered: tuple[str, ...]

    def percent(self, kind: str | None = None) -> float:
        """Covered share in percent (of one kind, or of all); 100 when there is nothing to cover."""
        total = self.totals.get(kind, 0) if kind else sum(self.totals.values())
        done = self.covered.get(kind, 0) if kind else sum(self.covered.values())
        return 100.0 if total == 0 else 100.0 * done / total


@dataclass(frozen=True)
class UatSuite:
    """All scenarios of a definition and their coverage."""

    targets: tuple[Target, ...]
    scenarios: tuple[Scenario, ...]
    coverage: Coverage


def branch_id(gateway: Gateway, target: str) -> str:
    return f"branch:{gateway.id}->{target}"


def escalation_id(step: Step, sla_id: str, level: int) -> str:
    return f"escalation:{step.id}/{sla_id}/{level}"


def resolved_id(sla_id: str, level: int, answer: str) -> str:
    """The branch of the "resolved?" gateway the compiler puts after a retry (``yes`` resumes, ``no`` escalates)."""
    return f"branch:{sla_id}_l{level}_resolved->{answer}"


def resolved_levels(process: Process, step: Step, sla: Sla) -> list[int]:
    """Levels (1-based) after which the compiled chain asks "resolved?": a retry or reassign, a
    ``resolved_when`` and a step to resume at (:mod:`crmflow.design.compile` builds the same)."""
    resume = sla.resume_at or next(iter(process.successors(step.id)), None)
    if not sla.resolved_when or resume is None:
        return []
    out: list[int] = []
    for k, level in enumerate(sla.escalations, start=1):
        for action in level.actions:
            if action.kind == "move_to":
                return out
            if action.kind in ("retry", "reassign"):
                out.append(k)
                break
    return out


def rule_targets(process: Process) -> list[tuple[str, Step | None, str, Any]]:
    """``(target id, step or None, kind, rule)`` for every rule of the process and its steps."""
    out: list[tuple[str, Step | None, str, Any]] = []
    owners: list[tuple[str, Step | None, RuleSet]] = [(process.id, None, process.rules)]
    owners += [(s.id, s, s.rules) for s in process.steps]
    for owner, step, rules in owners:
        for mf in rules.mandatory_fields:
            for f in mf.fields:
                out.append((f"rule:{owner}/mandatory/{mf.stage}/{f}", step, "mandatory", (mf, f)))
        for check in rules.checks:
            out.append((f"rule:{owner}/check/{check.id}", step, "check", check))
        for i, prio in enumerate(rules.priorities, start=1):
            out.append((f"rule:{owner}/priority/{i}", step, "priority", prio))
        if rules.routing is not None:
            out.append((f"rule:{owner}/routing", step, "routing", rules.routing))
    return out


def uat_targets(tobe: ToBeDefinition, lang: str = "en") -> list[Target]:
    """Every branch, escalation level and rule of the definition."""
    out: list[Target] = []
    for process in tobe.processes:
        for gw in process.gateways:
            if len(gw.branches) > 1:
                for b in gw.branches:
                    out.append(
                        Target(
                            "branch",
                            branch_id(gw, b.target),
                            process.id,
                            f"{gw.name.get(lang) or gw.id} → {_node_name(process, b.target, lang)}",
                        )
                    )
        for step in process.steps:
            for sla in step.slas:
                for level in range(1, max(len(sla.escalations), 1) + 1):
                    out.append(
                        Target(
                            "escalation",
                            escalation_id(step, sla.id, level),
                            process.id,
                            f"{sla.name.get(lang) or sla.id} #{level}",
                        )
                    )
                for level in resolved_levels(process, step, sla):
                    for answer in ("yes", "no"):
                        out.append(
                            Target(
                                "branch",
                                resolved_id(sla.id, level, answer),
                                process.id,
                                f"{sla.name.get(lang) or sla.id} #{level}: {answer}",
                            )
                        )
        for tid, _step, kind, _rule in rule_targets(process):
            out.append(Target("rule", tid, process.id, tid.split("/", 1)[1] if "/" in tid else kind))
    return out


# ------------------------------------------------------------------------------ paths


def _node_name(process: Process, node_id: str, lang: str) -> str:
    node = process.node(node_id)
    if node is None:
        return node_id
    return node.name.get(lang) or node.id


def _starts(process: Process) -> list[str]:
    starts = [e.id for e in process.events if e.position == "start"]
    return starts or ([process.flow[0].id] if process.flow else [])


def _shortest(process: Process, source: str, goal: str | None) -> list[str] | None:
    """Shortest node path from ``source`` to ``goal`` (to any end node when ``goal`` is None)."""
    prev: dict[str, str | None] = {source: None}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        succ = process.successors(node)
        if (goal is None and not succ) or node == goal:
            path = [node]
            while prev[path[-1]] is not None:
                path.append(prev[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in succ:
            if nxt not in prev and process.node(nxt) is not None:
                prev[nxt] = node
                queue.append(nxt)
    return None


def _path_via(process: Process, gateway: Gateway, target: str) -> list[str] | None:
    for start in _starts(process):
        head = _shortest(process, start, gateway.id)
        tail = _shortest(process, target, None) if process.node(target) is not None else None
        if head is not None and tail is not None:
            return head + tail
    return None


def _branches_on(process: Process, path: list[str]) -> set[str]:
    covered: set[str] = set()
    for a, b in zip(path, path[1:], strict=False):
        node = process.node(a)
        if isinstance(node, Gateway) and len(node.branches) > 1:
            if node.kind == "parallel":
                covered.update(branch_id(node, br.target) for br in node.branches)
            elif any(br.target == b for br in node.branches):
                covered.add(branch_id(node, b))
    return covered


def _path_steps(tobe: ToBeDefinition, process: Process, path: list[str], lang: str) -> list[tuple[StepWord, str]]:
    steps: list[tuple[StepWord, str]] = []
    first = process.node(path[0])
    start_name = first.name.get(lang) if first is not None and first.name else process.name.get(lang)
    steps.append(("given", t("uat.given_start", lang, process=process.name.get(lang), start=start_name)))
    published: list[str] = []
    done: set[str] = set()  # tasks already named with their parallel split
    ended = ""
    for a, b in zip(path, [*path[1:], None], strict=False):
        node = process.node(a)
        if isinstance(node, Step) and a in done:
            done.discard(a)
            published += node.publishes
        elif isinstance(node, Step):
            steps.append(("when", t("uat.when_step", lang, role=tobe.party_name(node.lane, lang), step=node.name.get(lang))))
            published += node.publishes
        elif isinstance(node, Gateway) and len(node.branches) > 1 and b is not None:
            if node.kind == "parallel":
                left, right = ("«", "»") if lang == "ru" else ("“", "”")
                names = ", ".join(f"{left}{_node_name(process, br.target, lang)}{right}" for br in node.branches)
                steps.append(("when", t("uat.when_parallel", lang, branches=names)))
                for br in node.branches:  # every branch runs: name the first task of each
                    first_task = process.node(br.target)
                    if isinstance(first_task, Step):
                        steps.append(
                            (
                                "when",
                                t(
                                    "uat.when_step",
                                    lang,
                                    role=tobe.party_name(first_task.lane, lang),
                                    step=first_task.name.get(lang),
                                ),
                            )
                        )
                        done.add(first_task.id)
                continue
            branch = next((br for br in node.branches if br.target == b), None)
            if branch is None:
                continue
            if branch.default:
                cond = t("uat.default_branch", lang)
            elif branch.condition:
                cond = t("uat.condition", lang, expr=described(branch.condition, lang))
            else:
                cond = t("uat.choice", lang, name=branch.name.get(lang) or _node_name(process, b, lang))
            if documented := " ".join(branch.description.get(lang).split()):
                cond += t("uat.documented", lang, text=documented)
            label = branch.name.get(lang)
            steps.append(("when", (f"{label}: " if label else "") + cond))
        elif isinstance(node, FlowEvent):
            published += node.publishes
            if node.position == "end":
                ended = node.name.get(lang) or node.id
    steps.append(("then", t("uat.then_end", lang, end=ended or _node_name(process, path[-1], lang))))
    for ev in dict.fromkeys(published):
        steps.append(("then", t("uat.then_published", lang, event=ev)))
    return steps


def _path_scenarios(tobe: ToBeDefinition, process: Process, lang: str) -> list[Scenario]:
    out: list[Scenario] = []
    wanted = [(gw, b.target) for gw in process.gateways if len(gw.branches) > 1 for b in gw.branches]
    covered: set[str] = set()
    paths: list[list[str]] = []
    for gw, target in wanted:
        if branch_id(gw, target) in covered:
            continue
        path = _path_via(process, gw, target)
        if path is None:
            continue
        paths.append(path)
        covered |= _branches_on(process, path)
    if not wanted:
        for start in _starts(process):
            path = _shortest(process, start, None)
            if path is not None:
                paths.append(path)
                break
    for i, path in enumerate(paths, start=1):
        end = _node_name(process, path[-1], lang)
        out.append(
            Scenario(
                id=f"{process.id}-path-{i}",
                process=process.id,
                kind="path",
                name=t("uat.path_name", lang, n=i, end=end),
                steps=tuple(_path_steps(tobe, process, path, lang)),
                covers=tuple(sorted(_branches_on(process, path))),
                path=tuple(path),
            )
        )
    return out


def _escalation_scenarios(tobe: ToBeDefinition, process: Process, lang: str) -> list[Scenario]:
    out = []
    for step in process.steps:
        prefix = next((p for p in (_shortest(process, s, step.id) for s in _starts(process)) if p), [step.id])
        for sla in step.slas:
            levels = sla.escalations or ()
            for k in range(1, max(len(levels), 1) + 1):
                steps: list[tuple[StepWord, str]] = [
                    ("given", t("uat.given_at_step", lang, step=step.name.get(lang), role=tobe.party_name(step.lane, lang))),
                    (
                        "given",
                        t(
                            "uat.given_sla",
                            lang,
                            sla=sla.name.get(lang) or sla.id,
                            within=span_text(sla.within, lang),
                            basis=t(f"basis.{sla.within.basis}", lang),
                        ),
                    ),
                ]
                if sla.applies_when:
                    steps.append(("given", t("uat.condition", lang, expr=described(sla.applies_when, lang))))
                steps.append(("when", t("uat.when_breach", lang, within=span_text(sla.within, lang))))
                for j, level in enumerate(levels[: k - 1], start=1):
                    steps.append(("when", t("uat.when_level_failed", lang, n=j, after=after_text(level.after, lang))))
                if levels:
                    level = levels[k - 1]
                    steps.append(
                        (
                            "when",
                            t(
                                "uat.when_elapsed",
                                lang,
                                after=span_text(level.after, lang),
                                basis=t(f"basis.{level.after.basis}", lang),
                            ),
                        )
                    )
                    for action in level.actions:
                        steps.append(("then", action_text(action, tobe, lang)))
                else:
                    steps.append(("then", t("uat.then_breach_recorded", lang, sla=sla.name.get(lang) or sla.id)))
                asked = resolved_levels(process, step, sla)
                covers = [escalation_id(step, sla.id, k)] + [resolved_id(sla.id, j, "no") for j in asked if j < k]
                out.append(
                    Scenario(
                        id=f"{process.id}-{step.id}-{sla.id}-{k}",
                        process=process.id,
                        kind="escalation",
                        name=t("uat.escalation_name", lang, sla=sla.name.get(lang) or sla.id, n=k),
                        steps=tuple(steps),
                        covers=tuple(covers),
                        path=tuple(prefix),
                    )
                )
                if k in asked:
                    resume = sla.resume_at or next(iter(process.successors(step.id)), "")
                    ok = [
                        *steps,
                        ("when", t("uat.condition", lang, expr=described(sla.resolved_when, lang))),
                        ("then", t("uat.then_resumes", lang, step=_node_name(process, resume, lang))),
                    ]
                    out.append(
                        Scenario(
                            id=f"{process.id}-{step.id}-{sla.id}-{k}-resolved",
                            process=process.id,
                            kind="escalation",
                            name=t("uat.resolved_name", lang, sla=sla.name.get(lang) or sla.id, n=k),
                            steps=tuple(ok),
                            covers=(resolved_id(sla.id, k, "yes"),),
                            path=tuple(prefix),
                        )
                    )
                    if k == max(asked) and k == len(levels):
                        failed = [
                            *steps,
                            ("when", t("uat.condition_false", lang, expr=described(sla.resolved_when, lang))),
                            ("then", t("uat.then_escalated", lang, sla=sla.name.get(lang) or sla.id)),
                        ]
                        out.append(
                            Scenario(
                                id=f"{process.id}-{step.id}-{sla.id}-{k}-unresolved",
                                process=process.id,
                                kind="escalation",
                                name=t("uat.unresolved_name", lang, sla=sla.name.get(lang) or sla.id),
                                steps=tuple(failed),
                                covers=(resolved_id(sla.id, k, "no"),),
                                path=tuple(prefix),
                            )
                        )
    return out


def _param_words(name: str, value: object, lang: str) -> str:
    """A routing parameter in words: ``fallback=least_loaded`` → ``запасной способ — наименее загруженному``."""
    key = f"routing.param.{name}"
    label = t(key, lang) if key in MSG else name.replace("_", " ")
    if name == "fallback" and f"routing.{value}" in MSG:
        shown = t(f"routing.{value}", lang)
    elif isinstance(value, str) and "." in value:
        shown = field_words(value, lang)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        shown = format_number(value, lang)
    else:
        shown = value_words(str(value), lang)
    return f"{label} — {shown}"


def _rule_scenarios(tobe: ToBeDefinition, process: Process, lang: str) -> list[Scenario]:
    out: list[Scenario] = []
    for n, (tid, step, kind, rule) in enumerate(rule_targets(process), start=1):
        where = step.name.get(lang) if step is not None else process.name.get(lang)
        steps: list[tuple[StepWord, str]]
        if kind == "mandatory":
            mf, field_name = rule
            stage = _node_name(process, mf.stage, lang)
            steps = [
                ("given", t("uat.given_record_at", lang, stage=stage)),
                ("given", t("uat.given_field_empty", lang, field=field_name)),
                ("when", t("uat.when_leave", lang, stage=stage)),
                ("then", t("uat.then_blocked", lang)),
                ("then", t("uat.then_names_field", lang, field=field_name)),
            ]
            name = t("uat.rule_mandatory", lang, field=field_name, stage=stage)
        elif kind == "check":
            steps = [
                ("given", t("uat.given_record_at", lang, stage=where)),
                ("given", t("uat.given_check_fails", lang, expr=described(rule.expression, lang))),
                ("when", t("uat.when_save", lang)),
                ("then", t("uat.then_blocked" if rule.severity == "error" else "uat.then_warned", lang)),
                ("then", t("uat.then_message", lang, message=rule.message.get(lang))),
            ]
            name = t("uat.rule_check", lang, id=rule.message.get(lang) or rule.id)
        elif kind == "priority":
            steps = [
                ("given", t("uat.given_condition_holds", lang, expr=described(rule.when, lang))),
                ("when", t("uat.when_arrives", lang, stage=where)),
                ("then", t("uat.then_priority", lang, priority=value_words(rule.priority, lang))),
            ]
            name = t("uat.rule_priority", lang, priority=value_words(rule.priority, lang), stage=where)
        else:
            roles = ", ".join(tobe.party_name(r, lang) for r in rule.roles) or (
                tobe.party_name(step.lane, lang) if step is not None else "—"
            )
            params = ", ".join(_param_words(k, v, lang) for k, v in rule.parameters)
            steps = [
                ("given", t("uat.given_roles", lang, roles=roles)),
                ("when", t("uat.when_arrives", lang, stage=where)),
                ("then", t("uat.then_routed", lang, strategy=t(f"routing.{rule.strategy}", lang))),
            ]
            if params:
                steps.append(("then", t("uat.then_params", lang, params=params)))
            name = t("uat.rule_routing", lang, stage=where)
        out.append(
            Scenario(id=f"{process.id}-rule-{n}", process=process.id, kind="rule", name=name, steps=tuple(steps), covers=(tid,))
        )
    return out


def coverage(targets: list[Target], scenarios: list[Scenario]) -> Coverage:
    """Count the targets some scenario covers (scenarios claiming unknown targets do not count)."""
    covered_ids = {c for s in scenarios for c in s.covers}
    totals: dict[str, int] = {"branch": 0, "escalation": 0, "rule": 0}
    done: dict[str, int] = {"branch": 0, "escalation": 0, "rule": 0}
    uncovered = []
    for target in targets:
        totals[target.kind] += 1
        if target.id in covered_ids:
            done[target.kind] += 1
        else:
            uncovered.append(target.id)
    return Coverage(totals=totals, covered=done, uncovered=tuple(uncovered))


def build_uat(tobe: ToBeDefinition, *, lang: str, targets: list[Target] | None = None) -> UatSuite:
    """Generate the scenarios of every process and compute their coverage.

    ``targets`` are what must be covered; by default they are read from the definition
    (:func:`uat_targets`); the pack passes the targets read from the compiled BPMN
    (:func:`crmflow.deliverables.tobe_bpmn.compiled_targets`), so coverage is measured against
    the model that is actually delivered.
    """
    scenarios: list[Scenario] = []
    for process in tobe.processes:
        scenarios += _path_scenarios(tobe, process, lang)
        scenarios += _escalation_scenarios(tobe, process, lang)
        scenarios += _rule_scenarios(tobe, process, lang)
    if targets is None:
        targets = uat_targets(tobe, lang)
    return UatSuite(targets=tuple(targets), scenarios=tuple(scenarios), coverage=coverage(targets, scenarios))


def build_uat_section(tobe: ToBeDefinition, suite: UatSuite, *, lang: str, files: dict[str, str] | None = None) -> Section:
    """The UAT section: coverage by kind, the scenario list, and the feature files it was written to."""
    cov = suite.coverage
    rows = tuple(
        (t(f"uat.kind.{k}", lang), str(cov.totals[k]), str(cov.covered[k]), format_percent(cov.percent(k) / 100, lang))
        for k in ("branch", "escalation", "rule")
    )
    total = sum(cov.totals.values())
    rows += ((t("uat.kind.all", lang), str(total), str(sum(cov.covered.values())), format_percent(cov.percent() / 100, lang)),)
    blocks: list[Any] = [
        Paragraph(t("uat.intro", lang, n=len(suite.scenarios), targets=total, percent=cov.percent() / 100)),
        Table(
            header=(t("uat.col.kind", lang), t("uat.col.targets", lang), t("uat.col.covered", lang), t("uat.col.percent", lang)),
            rows=rows,
            caption=t("uat.coverage_caption", lang),
        ),
    ]
    if cov.uncovered:
        blocks += [Paragraph(t("uat.uncovered", lang, n=len(cov.uncovered))), BulletList(cov.uncovered)]
    by_kind = {k: sum(1 for s in suite.scenarios if s.kind == k) for k in ("path", "escalation", "rule")}
    blocks.append(Paragraph(t("uat.by_kind", lang, **by_kind)))
    blocks.append(
        Table(
            header=(t("uat.col.id", lang), t("uat.col.kind", lang), t("uat.col.scenario", lang)),
            rows=tuple((s.id, t(f"uat.skind.{s.kind}", lang), s.name) for s in suite.scenarios),
            caption=t("uat.list_caption", lang),
        )
    )
    if files:
        blocks.append(BulletList(tuple(f"{name}: {path}" for name, path in files.items())))
    return Section(title=t("uat.title", lang), blocks=tuple(blocks), key="uat")


def uat_sheet(suite: UatSuite, *, lang: str, processes: Mapping[str, str] | None = None) -> Sheet:
    """The scenarios as a worksheet for the test team (status column with a list of allowed values)."""
    from crmflow.deliverables.gherkin import KEYWORDS  # gherkin imports this module

    statuses = tuple(t(f"uat.status.{s}", lang) for s in ("todo", "passed", "failed", "blocked"))
    rows = []
    for s in suite.scenarios:
        body = "\n".join(f"{KEYWORDS[lang][w]} {text}" for w, text in s.steps)
        process = (processes or {}).get(s.process, s.process)
        rows.append((s.id, process, t(f"uat.skind.{s.kind}", lang), s.name, body, ", ".join(s.covers), statuses[0], ""))
    header = (
        t("uat.col.id", lang),
        t("col.process", lang),
        t("uat.col.kind", lang),
        t("uat.col.scenario", lang),
        t("uat.col.steps", lang),
        t("uat.col.covers", lang),
        t("uat.col.status", lang),
        t("uat.col.comment", lang),
    )
    return Sheet(
        name="UAT", header=header, rows=tuple(rows), choices={header[6]: statuses}, widths=(28, 14, 14, 40, 70, 40, 14, 30)
    )


__all__ = [
    "Coverage",
    "Scenario",
    "Target",
    "UatSuite",
    "branch_id",
    "build_uat",
    "build_uat_section",
    "coverage",
    "escalation_id",
    "resolved_id",
    "resolved_levels",
    "rule_targets",
    "uat_sheet",
    "uat_targets",
]
