"""A To-Be model → plain data in the YAML shape: the inverse of :mod:`crmflow.design.build`.

``build_definition(dump_definition(d)) == d``; this is how a definition travels through BPMN extension
elements (:mod:`crmflow.design.extensions`) and how the modeler writes the YAML back.
"""

from __future__ import annotations

from typing import Any

from crmflow.design.build import WEEKDAYS
from crmflow.design.model import (
    CalendarSpec,
    FlowNode,
    Gateway,
    Process,
    RuleSet,
    Sla,
    Step,
    Text,
    TimeSpan,
    ToBeDefinition,
)

Data = dict[str, Any]


def _t(text: Text) -> Data | None:
    return {"ru": text.ru, "en": text.en} if text else None


def _clean(d: Data) -> Data:
    """Drop keys whose value is empty (None, "", (), {}), keeping False and 0."""
    return {k: v for k, v in d.items() if v is not None and v != () and v != [] and v != {} and v != ""}


def _dump_rules(r: RuleSet) -> Data | None:
    if not r:
        return None
    routing = None
    if r.routing is not None:
        routing = _clean(
            {
                "strategy": r.routing.strategy,
                "roles": list(r.routing.roles),
                "parameters": dict(r.routing.parameters),
                "description": _t(r.routing.description),
            }
        )
    return _clean(
        {
            "mandatory_fields": [{"stage": m.stage, "fields": list(m.fields)} for m in r.mandatory_fields],
            "checks": [
                {"id": c.id, "expression": c.expression, "message": _t(c.message), "severity": c.severity} for c in r.checks
            ],
            "routing": routing,
            "priorities": [
                _clean({"when": p.when, "priority": p.priority, "description": _t(p.description)}) for p in r.priorities
            ],
        }
    )


def _dump_span(span: TimeSpan) -> str:
    return span.text


def _dump_sla(s: Sla) -> Data:
    return _clean(
        {
            "id": s.id,
            "name": _t(s.name),
            "within": _dump_span(s.within),
            "time": s.within.basis,
            "applies_when": s.applies_when,
            "interrupting": s.interrupting,
            "resolved_when": s.resolved_when,
            "resume_at": s.resume_at,
            "escalations": [
                _clean(
                    {
                        "after": _dump_span(lv.after),
                        "time": lv.after.basis,
                        "name": _t(lv.name),
                        "actions": [
                            _clean({"action": a.kind, "role": a.role, "status": a.status, "step": a.step, "note": _t(a.note)})
                            for a in lv.actions
                        ],
                    }
                )
                for lv in s.escalations
            ],
        }
    )


def dump_node(node: FlowNode) -> Data:
    """One flow node in the YAML shape."""
    if isinstance(node, Step):
        sop = None
        if node.sop is not None:
            sop = _clean(
                {
                    "purpose": _t(node.sop.purpose),
                    "trigger": _t(node.sop.trigger),
                    "steps": [_t(x) for x in node.sop.steps],
                    "checks": [_t(x) for x in node.sop.checks],
                    "exceptions": [{"when": _t(e.when), "action": _t(e.action)} for e in node.sop.exceptions],
                    "kpis": list(node.sop.kpis),
                }
            )

        def io(items: Any) -> list[Any]:
            return [_clean({"name": _t(x.name), "supplier": x.supplier, "customer": x.customer, "data": x.data}) for x in items]

        return _clean(
            {
                "id": node.id,
                "task": node.kind,
                "name": _t(node.name),
                "lane": node.lane,
                "description": _t(node.description),
                "raci": _clean(
                    {
                        "R": list(node.raci.responsible),
                        "A": list(node.raci.accountable),
                        "C": list(node.raci.consulted),
                        "I": list(node.raci.informed),
                    }
                )
                or {"R": [], "A": []},
                "inputs": io(node.inputs),
                "outputs": io(node.outputs),
                "systems": list(node.systems),
                "channel": node.channel,
                "touchpoint": _t(node.touchpoint),
                "journey_stage": node.journey_stage,
                "sla": [_dump_sla(s) for s in node.slas],
                "checklist": [_t(x) for x in node.checklist],
                "sop": sop,
                "rules": _dump_rules(node.rules),
                "publishes": list(node.publishes),
                "findings_addressed": list(node.findings_addressed),
                "as_is": list(node.as_is),
                "change": _t(node.change),
                "next": node.next,
            }
        )
    if isinstance(node, Gateway):
        return _clean(
            {
                "id": node.id,
                "gateway": node.kind,
                "name": _t(node.name),
                "lane": node.lane,
                "branches": [
                    _clean(
                        {
                            "to": b.target,
                            "when": b.condition,
                            "name": _t(b.name),
                            "default": b.default or None,
                            "description": _t(b.description),
                        }
                    )
                    for b in node.branches
                ],
                "next": node.next,
            }
        )
    return _clean(
        {
            "id": node.id,
            "event": node.position,
            "trigger": node.trigger,
            "name": _t(node.name),
            "lane": node.lane,
            "message": node.message,
            "timer": node.timer.text if node.timer else None,
            "time": node.timer.basis if node.timer else None,
            "ref": node.ref,
            "throw": node.throw or None,
            "publishes": list(node.publishes),
            "next": node.next,
        }
    )


def dump_process(p: Process) -> Data:
    """One process in the YAML shape."""
    return _clean(
        {
            "id": p.id,
            "name": _t(p.name),
            "description": _t(p.description),
            "owner": p.owner,
            "lanes": list(p.lanes),
            "journey_stages": [
                _clean({"id": s.id, "name": _t(s.name), "description": _t(s.description), "measured_stage": s.measured_stage})
                for s in p.journey_stages
            ],
            "rules": _dump_rules(p.rules),
            "flow": [dump_node(n) for n in p.flow],
        }
    )


def dump_calendar(c: CalendarSpec) -> Data:
    def hhmm(s: int) -> str:
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}"

    return {
        "timezone": c.timezone,
        "working_hours": f"{hhmm(c.working_hours[0])}-{hhmm(c.working_hours[1])}",
        "weekdays": [WEEKDAYS[i] for i in c.weekdays],
        "holidays": c.holidays,
    }


def dump_head(d: ToBeDefinition) -> Data:
    """Everything of a definition but its processes, in the YAML shape."""
    return _clean(
        {
            "tobe": 1,
            "id": d.id,
            "name": _t(d.name),
            "description": _t(d.description),
            "version": d.version,
            "calendar": dump_calendar(d.calendar),
            "roles": [
                _clean(
                    {"id": r.id, "name": _t(r.name), "description": _t(r.description), "skills": list(r.skills), "kind": r.kind}
                )
                for r in d.roles
            ],
            "systems": [_clean({"id": s.id, "name": _t(s.name), "description": _t(s.description)}) for s in d.systems],
            "events": [
                _clean(
                    {
                        "name": e.name,
                        "description": _t(e.description),
                        "producer": e.producer,
                        "consumers": list(e.consumers),
                        "payload": [
                            _clean(
                                {
                                    "name": f.name,
                                    "type": f.type,
                                    "required": f.required,
                                    "description": _t(f.description),
                                    "from": f.source,
                                }
                            )
                            for f in e.payload
                        ],
                    }
                )
                for e in d.events
            ],
            "kpis": [
                _clean(
                    {
                        "id": k.id,
                        "name": _t(k.name),
                        "definition": _t(k.definition),
                        "formula": k.formula,
                        "unit": k.unit,
                        "target": k.target,
                        "direction": k.direction,
                        "source": k.source,
                        "process": k.process,
                    }
                )
                for k in d.kpis
            ],
        }
    )


def dump_definition(d: ToBeDefinition) -> Data:
    """The whole definition in the YAML shape (``build_definition`` of it gives ``d`` back)."""
    return {**dump_head(d), "processes": [dump_process(p) for p in d.processes]}


__all__ = ["dump_calendar", "dump_definition", "dump_head", "dump_node", "dump_process"]
