"""Semantic checks of a To-Be definition: references, RACI, reachability, gateways, expressions.

The schema says what a file may look like; these checks say whether the model makes sense:

* every reference resolves (roles, systems, steps, catalogue events, KPIs, journey stages);
* RACI: each step has exactly one accountable role (A) and at least one responsible role (R);
* every node is reachable from a start event and can reach an end event; the last node is an end;
* a splitting exclusive/inclusive gateway has a default branch or a condition on every branch
  (no default at all is a warning), a parallel one has no conditions;
* every expression parses; SLA escalation chains are well-formed.

Each :class:`Problem` carries the path of the offending key in the YAML shape
(``("processes", 0, "flow", 3, "raci", "A")``) so the loader can point at the line.

>>> from crmflow.design.model import Raci, Step, Text
>>> s = Step(id="call", name=Text.of("Call"), lane="sdr", raci=Raci(responsible=("sdr",), accountable=("sdr", "head")))
>>> [p.code for p in raci_problems(s, ("flow", 0))]
['raci.accountable_count']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from crmflow.design.expressions import parse_expression
from crmflow.design.messages import MESSAGES
from crmflow.design.model import FlowEvent, Gateway, Process, Sla, Step, ToBeDefinition
from crmflow.errors import ExpressionError
from crmflow.i18n import text

Severity = Literal["error", "warning"]
PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One problem: its code, where (YAML path), the element id, and message parameters."""

    code: str
    path: PathKey
    element: str
    params: tuple[tuple[str, str], ...] = ()
    severity: Severity = "error"

    def message(self, lang: str = "en") -> str:
        """The problem as a sentence in ``lang`` that says the fix."""
        key = "unknown_ref" if self.code.startswith("unknown_ref") else self.code
        return text(MESSAGES, key, lang, **dict(self.params))


def _p(code: str, path: PathKey, element: str, severity: Severity = "error", **params: object) -> Problem:
    return Problem(code, path, element, tuple((k, str(v)) for k, v in params.items()), severity)


def raci_problems(step: Step, path: PathKey) -> list[Problem]:
    """RACI of one step: exactly one A, at least one R."""
    out = []
    if len(step.raci.accountable) != 1:
        out.append(
            _p(
                "raci.accountable_count",
                (*path, "raci", "A"),
                step.id,
                step=step.id,
                count=len(step.raci.accountable),
                roles=", ".join(step.raci.accountable) or "-",
            )
        )
    if not step.raci.responsible:
        out.append(_p("raci.no_responsible", (*path, "raci", "R"), step.id, step=step.id))
    return out


class _Checker:
    def __init__(self, d: ToBeDefinition) -> None:
        self.d = d
        self.problems: list[Problem] = []
        self.roles = [r.id for r in d.roles]
        self.systems = [s.id for s in d.systems]
        self.events = [e.name for e in d.events]
        self.kpis = [k.id for k in d.kpis]
        self.processes = [p.id for p in d.processes]

    def ref(self, value: str | None, known: list[str], what: str, path: PathKey, element: str, hint: str = "") -> None:
        if value is not None and value not in known:
            shown = ", ".join(known[:15]) + (" …" if len(known) > 15 else "") if known else "none"
            self.problems.append(_p("unknown_ref", path, element, what=what, ref=value, known=shown, hint=hint))

    def expr(self, source: str | None, path: PathKey, element: str) -> None:
        if source is None:
            return
        try:
            parse_expression(source)
        except ExpressionError as exc:
            self.problems.append(_p("expression", path, element, problem=str(exc)))

    def duplicates(self, ids: list[str], what: str, path_of: Sequence[PathKey]) -> None:
        seen: set[str] = set()
        for ident, path in zip(ids, path_of, strict=True):
            if ident in seen:
                self.problems.append(_p("duplicate", path, ident, what=what, id=ident))
            seen.add(ident)

    def run(self) -> list[Problem]:
        d = self.d
        role_paths: list[PathKey] = [("roles", i, "id") for i in range(len(self.roles))]
        role_paths += [("systems", i, "id") for i in range(len(self.systems))]
        self.duplicates(self.roles + self.systems, "role or system", role_paths)
        self.duplicates(self.events, "event", [("events", i, "name") for i in range(len(self.events))])
        self.duplicates(self.kpis, "KPI", [("kpis", i, "id") for i in range(len(self.kpis))])
        self.duplicates(self.processes, "process", [("processes", i, "id") for i in range(len(self.processes))])
        node_ids = [(n.id, ("processes", i, "flow", j, "id")) for i, p in enumerate(d.processes) for j, n in enumerate(p.flow)]
        self.duplicates([n for n, _ in node_ids], "node", [p for _, p in node_ids])
        sla_ids = [
            (s.id, ("processes", i, "flow", j, "sla", k, "id"))
            for i, p in enumerate(d.processes)
            for j, n in enumerate(p.flow)
            if isinstance(n, Step)
            for k, s in enumerate(n.slas)
        ]
        self.duplicates([s for s, _ in sla_ids], "SLA", [p for _, p in sla_ids])
        parties = self.roles + self.systems
        for i, e in enumerate(d.events):
            self.ref(e.producer, parties, "producer", ("events", i, "producer"), e.name)
            for c in e.consumers:
                self.ref(c, parties, "consumer", ("events", i, "consumers"), e.name)
        for i, k in enumerate(d.kpis):
            self.ref(k.process, self.processes, "process", ("kpis", i, "process"), k.id)
        for i, p in enumerate(d.processes):
            self.process(p, ("processes", i))
        return self.problems

    def rules(self, rules: object, path: PathKey, element: str, steps: list[str]) -> None:
        from crmflow.design.model import RuleSet

        assert isinstance(rules, RuleSet)
        for k, m in enumerate(rules.mandatory_fields):
            self.ref(m.stage, steps, "stage (step)", (*path, "mandatory_fields", k, "stage"), element)
        for k, c in enumerate(rules.checks):
            self.expr(c.expression, (*path, "checks", k, "expression"), element)
        if rules.routing is not None:
            for r in rules.routing.roles:
                self.ref(r, self.roles, "role", (*path, "routing", "roles"), element)
        for k, pr in enumerate(rules.priorities):
            self.expr(pr.when, (*path, "priorities", k, "when"), element)

    def process(self, p: Process, path: PathKey) -> None:
        nodes = [n.id for n in p.flow]
        steps = [n.id for n in p.steps]
        stages = [s.id for s in p.journey_stages]
        self.ref(p.owner, self.roles, "owner role", (*path, "owner"), p.id)
        for lane in p.lanes:
            self.ref(lane, self.roles, "lane role", (*path, "lanes"), p.id)
        self.rules(p.rules, (*path, "rules"), p.id, steps)
        for j, node in enumerate(p.flow):
            at = (*path, "flow", j)
            self.ref(node.lane, self.roles, "lane role", (*at, "lane"), node.id)
            if node.lane is not None and node.lane not in p.lanes and node.lane in self.roles:
                self.problems.append(
                    _p(
                        "unknown_ref",
                        (*at, "lane"),
                        node.id,
                        what="lane",
                        ref=node.lane,
                        known=", ".join(p.lanes),
                        hint=" among the process's `lanes`",
                    )
                )
            self.ref(node.next, nodes, "next node", (*at, "next"), node.id, hint=f" in process `{p.id}`")
            if isinstance(node, Step):
                self.step(node, at, p, nodes, steps, stages)
            elif isinstance(node, Gateway):
                self.gateway(node, at, nodes)
            else:
                self.event(node, at)
        self.reachability(p, path)

    def step(self, s: Step, at: PathKey, p: Process, nodes: list[str], steps: list[str], stages: list[str]) -> None:
        self.problems.extend(raci_problems(s, at))
        for letter, roles in (
            ("R", s.raci.responsible),
            ("A", s.raci.accountable),
            ("C", s.raci.consulted),
            ("I", s.raci.informed),
        ):
            for r in roles:
                self.ref(r, self.roles, "role", (*at, "raci", letter), s.id)
        parties = self.roles + self.systems
        for key, items in (("inputs", s.inputs), ("outputs", s.outputs)):
            for k, io in enumerate(items):
                self.ref(io.supplier, parties, "supplier", (*at, key, k, "supplier"), s.id)
                self.ref(io.customer, parties, "customer", (*at, key, k, "customer"), s.id)
        for sys in s.systems:
            self.ref(sys, self.systems, "system", (*at, "systems"), s.id)
        self.ref(
            s.journey_stage,
            stages,
            "journey stage",
            (*at, "journey_stage"),
            s.id,
            hint=f" in `journey_stages` of process `{p.id}`",
        )
        for ev in s.publishes:
            self.ref(ev, self.events, "event", (*at, "publishes"), s.id, hint=" in the event catalogue (`events:`)")
        if s.sop is not None:
            for kpi in s.sop.kpis:
                self.ref(kpi, self.kpis, "KPI", (*at, "sop", "kpis"), s.id)
        self.rules(s.rules, (*at, "rules"), s.id, steps)
        for k, sla in enumerate(s.slas):
            self.sla(sla, (*at, "sla", k), s, nodes)

    def sla(self, sla: Sla, at: PathKey, s: Step, nodes: list[str]) -> None:
        if sla.within.seconds <= 0:
            self.problems.append(_p("sla.zero", (*at, "within"), s.id, sla=sla.id))
        self.expr(sla.applies_when, (*at, "applies_when"), s.id)
        self.expr(sla.resolved_when, (*at, "resolved_when"), s.id)
        self.ref(sla.resume_at, nodes, "resume step", (*at, "resume_at"), s.id)
        if (sla.resolved_when or sla.resume_at) and not sla.interrupting:
            self.problems.append(_p("escalation.resume_needs_interrupting", (*at, "interrupting"), s.id, sla=sla.id))
        last = len(sla.escalations) - 1
        for k, level in enumerate(sla.escalations):
            for m, a in enumerate(level.actions):
                apath = (*at, "escalations", k, "actions", m)
                need = {"reassign": "role", "notify": "role", "mark_status": "status", "move_to": "step"}.get(a.kind)
                if need is not None and getattr(a, need) is None:
                    self.problems.append(_p("escalation.action_field", apath, s.id, sla=sla.id, action=a.kind, field=need))
                self.ref(a.role, self.roles, "role", (*apath, "role"), s.id)
                self.ref(a.step, nodes, "step", (*apath, "step"), s.id)
                if a.kind == "move_to" and (k != last or m != len(level.actions) - 1):
                    self.problems.append(_p("escalation.move_not_last", apath, s.id, sla=sla.id))

    def gateway(self, g: Gateway, at: PathKey, nodes: list[str]) -> None:
        for k, b in enumerate(g.branches):
            self.ref(b.target, nodes, "branch target", (*at, "branches", k, "to"), g.id)
            self.expr(b.condition, (*at, "branches", k, "when"), g.id)
        if not g.branches:
            return
        if len(g.branches) == 1:
            self.problems.append(_p("gateway.one_branch", (*at, "branches"), g.id, gateway=g.id))
        defaults = [b for b in g.branches if b.default]
        if g.kind in ("parallel", "event_based"):
            if defaults or any(b.condition for b in g.branches):
                self.problems.append(_p("gateway.parallel_condition", (*at, "branches"), g.id, gateway=g.id))
            return
        if len(defaults) > 1:
            self.problems.append(_p("gateway.two_defaults", (*at, "branches"), g.id, gateway=g.id, count=len(defaults)))
        for k, b in enumerate(g.branches):
            if b.default and b.condition:
                self.problems.append(_p("gateway.default_condition", (*at, "branches", k, "when"), g.id, gateway=g.id))
        bare = [b.target for b in g.branches if not b.default and not b.condition]
        if not defaults and bare:
            self.problems.append(
                _p("gateway.incomplete", (*at, "branches"), g.id, gateway=g.id, branches=", ".join(f"`{t}`" for t in bare))
            )
        elif not defaults:
            self.problems.append(_p("gateway.no_default", (*at, "branches"), g.id, "warning", gateway=g.id))

    def event(self, e: FlowEvent, at: PathKey) -> None:
        need = {"message": "message", "timer": "timer", "signal": "ref", "error": "ref", "escalation": "ref"}.get(e.trigger)
        if need is not None and getattr(e, need) is None:
            self.problems.append(_p("event.trigger_field", (*at, "trigger"), e.id, event=e.id, trigger=e.trigger, field=need))
        self.ref(e.message, self.events, "message event", (*at, "message"), e.id, hint=" in the event catalogue")
        for ev in e.publishes:
            self.ref(ev, self.events, "event", (*at, "publishes"), e.id, hint=" in the event catalogue (`events:`)")

    def reachability(self, p: Process, path: PathKey) -> None:
        ids = {n.id for n in p.flow}
        every = p.successor_map()
        succ = {n.id: tuple(t for t in every[n.id] if t in ids) for n in p.flow}
        for sla_step in p.steps:  # escalation paths lead to these nodes too
            for sla in sla_step.slas:
                extra = [a.step for lv in sla.escalations for a in lv.actions if a.step] + (
                    [sla.resume_at] if sla.resume_at else []
                )
                succ[sla_step.id] = succ[sla_step.id] + tuple(t for t in extra if t in ids)
        starts = [n.id for n in p.flow if isinstance(n, FlowEvent) and n.position == "start"]
        if not starts:
            self.problems.append(_p("no_start", (*path, "flow"), p.id, process=p.id))
            return
        seen = _closure(starts, succ)
        for j, n in enumerate(p.flow):
            if n.id not in seen:
                self.problems.append(_p("unreachable", (*path, "flow", j, "id"), n.id, process=p.id, node=n.id))
        last = p.flow[-1]
        if not (isinstance(last, FlowEvent) and last.position == "end") and not succ[last.id]:
            self.problems.append(_p("dead_end", (*path, "flow", len(p.flow) - 1, "id"), last.id, process=p.id, node=last.id))
            return
        ends = {n.id for n in p.flow if isinstance(n, FlowEvent) and n.position == "end"}
        pred: dict[str, list[str]] = {n: [] for n in ids}
        for a, targets in succ.items():
            for t in targets:
                pred[t].append(a)
        finishing = _closure(list(ends), {k: tuple(v) for k, v in pred.items()})
        for j, n in enumerate(p.flow):
            if n.id in seen and n.id not in finishing:
                self.problems.append(_p("no_end_reached", (*path, "flow", j, "id"), n.id, process=p.id, node=n.id))


def _closure(roots: list[str], edges: dict[str, tuple[str, ...]]) -> set[str]:
    seen = set(roots)
    stack = list(roots)
    while stack:
        for t in edges.get(stack.pop(), ()):
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return seen


def check_definition(definition: ToBeDefinition) -> list[Problem]:
    """Every semantic problem of a definition (errors and warnings), in model order."""
    return _Checker(definition).run()


def iter_raci_problems(definition: ToBeDefinition) -> Iterator[Problem]:
    """Only the RACI problems (exactly one A, at least one R) of every step."""
    for i, p in enumerate(definition.processes):
        for j, node in enumerate(p.flow):
            if isinstance(node, Step):
                yield from raci_problems(node, ("processes", i, "flow", j))


__all__ = ["Problem", "check_definition", "iter_raci_problems", "raci_problems"]
