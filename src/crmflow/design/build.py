"""Plain To-Be data (the YAML shape, already schema-valid) → the model, and back.

:func:`build_definition` turns the data into :class:`~crmflow.design.model.ToBeDefinition`;
:func:`dump_definition` writes a definition back in the same shape, so that
``build_definition(dump_definition(d)) == d`` — which is how a definition travels through BPMN
extension elements (:mod:`crmflow.design.extensions`).

>>> d = build_definition({"tobe": 1, "id": "x", "name": "X", "roles": [{"id": "r", "name": "R"}],
...     "processes": [{"id": "p", "name": "P", "flow": [{"id": "s", "event": "start"}]}]})
>>> build_definition(dump_definition(d)) == d
True
"""

from __future__ import annotations

from typing import Any

from crmflow.design.error_messages import ERRORS
from crmflow.design.model import (
    EMPTY,
    NO_RULES,
    Branch,
    CalendarSpec,
    DataCheck,
    EscalationAction,
    EscalationLevel,
    EventType,
    FlowEvent,
    FlowNode,
    Gateway,
    Io,
    JourneyStage,
    Kpi,
    MandatoryFields,
    PayloadField,
    PriorityRule,
    Process,
    Raci,
    Role,
    RoutingPolicy,
    RuleSet,
    Sla,
    Sop,
    SopException,
    Step,
    System,
    Text,
    TimeBasis,
    TimeSpan,
    ToBeDefinition,
)
from crmflow.durations import iso_duration, parse_duration
from crmflow.errors import DurationError, ToBeError
from crmflow.findings.calendar import WorkCalendar
from crmflow.i18n import error

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Data = dict[str, Any]


def _text(value: Any) -> Text:
    if value is None:
        return EMPTY
    if isinstance(value, str):
        return Text.of(value)
    return Text(ru=str(value.get("ru", "")), en=str(value.get("en", "")))


def _texts(values: Any) -> tuple[Text, ...]:
    return tuple(_text(v) for v in values or ())


def _ids(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _hhmm(text: str) -> int:
    h, m = text.strip().split(":")
    return int(h) * 3600 + int(m) * 60


def build_calendar(data: Data | None) -> CalendarSpec:
    """The calendar of a definition (Moscow, 09:00-18:00, Monday to Friday, RU holidays by default)."""
    if not data:
        return CalendarSpec()
    default = CalendarSpec()
    hours = default.working_hours
    if "working_hours" in data:
        start, end = str(data["working_hours"]).split("-")
        hours = (_hhmm(start), _hhmm(end))
        if not 0 <= hours[0] < hours[1] <= 86400:
            raise error(ToBeError, ERRORS, "build.calendar_working_hours_must", data=data["working_hours"])
    weekdays = tuple(sorted(WEEKDAYS.index(d) for d in data["weekdays"])) if "weekdays" in data else default.weekdays
    holidays = data.get("holidays", default.holidays)
    return CalendarSpec(
        timezone=str(data.get("timezone", default.timezone)),
        working_hours=hours,
        weekdays=weekdays,
        holidays=None if holidays in (None, "none", "") else str(holidays),
    )


def work_calendar(spec: CalendarSpec) -> WorkCalendar:
    """The working-time calendar of :mod:`crmflow.findings.calendar` for a definition's calendar.

    >>> work_calendar(CalendarSpec()).describe()["working_hours"]
    '09:00-18:00'
    """
    return WorkCalendar(
        timezone=spec.timezone,
        start_s=spec.working_hours[0],
        end_s=spec.working_hours[1],
        weekdays=spec.weekdays,
        holidays=spec.holidays,
    )


def time_span(text: Any, basis: TimeBasis, calendar: CalendarSpec, *, key: str = "") -> TimeSpan:
    """A :class:`TimeSpan` from a written duration; working days/weeks follow the calendar."""
    try:
        duration = parse_duration(str(text))
        seconds = work_calendar(calendar).working_length(duration) if basis == "working" else duration.length()
        iso = iso_duration(duration.length())
    except DurationError as exc:
        raise error(ToBeError, ERRORS, "build.message", key=key, exc=exc) from None
    return TimeSpan(text=str(text), seconds=seconds, iso=iso, basis=basis)


def _rules(data: Data | None) -> RuleSet:
    if not data:
        return NO_RULES
    routing = None
    if "routing" in data:
        r = data["routing"]
        routing = RoutingPolicy(
            strategy=r["strategy"],
            roles=_ids(r.get("roles")),
            parameters=tuple(sorted((str(k), _scalar_text(v)) for k, v in (r.get("parameters") or {}).items())),
            description=_text(r.get("description")),
        )
    return RuleSet(
        mandatory_fields=tuple(
            MandatoryFields(stage=m["stage"], fields=_ids(m["fields"])) for m in data.get("mandatory_fields", ())
        ),
        checks=tuple(
            DataCheck(id=c["id"], expression=c["expression"], message=_text(c["message"]), severity=c.get("severity", "error"))
            for c in data.get("checks", ())
        ),
        routing=routing,
        priorities=tuple(
            PriorityRule(when=p["when"], priority=str(p["priority"]), description=_text(p.get("description")))
            for p in data.get("priorities", ())
        ),
    )


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sla(data: Data, calendar: CalendarSpec, where: str) -> Sla:
    basis: TimeBasis = data.get("time", "working")
    levels = []
    for i, lv in enumerate(data.get("escalations", ())):
        lv_basis: TimeBasis = lv.get("time", basis)
        levels.append(
            EscalationLevel(
                after=time_span(lv["after"], lv_basis, calendar, key=f"{where}.escalations[{i}].after"),
                actions=tuple(
                    EscalationAction(
                        kind=a["action"],
                        role=_opt(a.get("role")),
                        status=_opt(a.get("status")),
                        step=_opt(a.get("step")),
                        note=_text(a.get("note")),
                    )
                    for a in lv["actions"]
                ),
                name=_text(lv.get("name")),
            )
        )
    return Sla(
        id=data["id"],
        name=_text(data["name"]),
        within=time_span(data["within"], basis, calendar, key=f"{where}.within"),
        escalations=tuple(levels),
        applies_when=data.get("applies_when"),
        interrupting=bool(data.get("interrupting", False)),
        resolved_when=data.get("resolved_when"),
        resume_at=_opt(data.get("resume_at")),
    )


def _io(values: Any) -> tuple[Io, ...]:
    return tuple(
        Io(name=_text(v["name"]), supplier=_opt(v.get("supplier")), customer=_opt(v.get("customer")), data=_opt(v.get("data")))
        for v in values or ()
    )


def _sop(data: Data | None) -> Sop | None:
    if data is None:
        return None
    return Sop(
        purpose=_text(data["purpose"]),
        trigger=_text(data["trigger"]),
        steps=_texts(data["steps"]),
        checks=_texts(data.get("checks")),
        exceptions=tuple(SopException(when=_text(e["when"]), action=_text(e["action"])) for e in data.get("exceptions", ())),
        kpis=_ids(data.get("kpis")),
    )


def _node(data: Data, calendar: CalendarSpec, where: str) -> FlowNode:
    if "task" in data:
        raci = data.get("raci") or {}
        return Step(
            id=data["id"],
            name=_text(data["name"]),
            kind=data["task"],
            lane=data["lane"],
            description=_text(data.get("description")),
            raci=Raci(
                responsible=_ids(raci.get("R")),
                accountable=_ids(raci.get("A")),
                consulted=_ids(raci.get("C")),
                informed=_ids(raci.get("I")),
            ),
            inputs=_io(data.get("inputs")),
            outputs=_io(data.get("outputs")),
            systems=_ids(data.get("systems")),
            channel=_opt(data.get("channel")),
            touchpoint=_text(data.get("touchpoint")),
            journey_stage=_opt(data.get("journey_stage")),
            slas=tuple(_sla(s, calendar, f"{where}.sla[{i}]") for i, s in enumerate(data.get("sla", ()))),
            checklist=_texts(data.get("checklist")),
            sop=_sop(data.get("sop")),
            rules=_rules(data.get("rules")),
            publishes=_ids(data.get("publishes")),
            findings_addressed=_ids(data.get("findings_addressed")),
            as_is=_ids(data.get("as_is")),
            change=_text(data.get("change")),
            next=_opt(data.get("next")),
        )
    if "gateway" in data:
        return Gateway(
            id=data["id"],
            kind=data["gateway"],
            name=_text(data.get("name")),
            lane=_opt(data.get("lane")),
            branches=tuple(
                Branch(
                    target=b["to"],
                    condition=b.get("when"),
                    name=_text(b.get("name")),
                    default=bool(b.get("default", False)),
                    description=_text(b.get("description")),
                )
                for b in data.get("branches", ())
            ),
            next=_opt(data.get("next")),
        )
    timer = None
    if "timer" in data:
        timer = time_span(data["timer"], data.get("time", "calendar"), calendar, key=f"{where}.timer")
    return FlowEvent(
        id=data["id"],
        position=data["event"],
        trigger=data.get("trigger", "none"),
        name=_text(data.get("name")),
        lane=_opt(data.get("lane")),
        message=_opt(data.get("message")),
        timer=timer,
        ref=_opt(data.get("ref")),
        throw=bool(data.get("throw", False)),
        publishes=_ids(data.get("publishes")),
        next=_opt(data.get("next")),
    )


def _lanes_in_use(flow: tuple[FlowNode, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for node in flow:
        if node.lane is not None and node.lane not in out:
            out.append(node.lane)
    return tuple(out)


def build_definition(data: Data) -> ToBeDefinition:
    """Build the model from schema-valid data (see :func:`crmflow.design.loader.load_tobe`)."""
    calendar = build_calendar(data.get("calendar"))
    processes = []
    for i, p in enumerate(data["processes"]):
        flow = tuple(_node(n, calendar, f"processes[{i}].flow[{j}]") for j, n in enumerate(p["flow"]))
        processes.append(
            Process(
                id=p["id"],
                name=_text(p["name"]),
                description=_text(p.get("description")),
                owner=_opt(p.get("owner")),
                lanes=_ids(p["lanes"]) if "lanes" in p else _lanes_in_use(flow),
                journey_stages=tuple(
                    JourneyStage(
                        id=s["id"],
                        name=_text(s["name"]),
                        description=_text(s.get("description")),
                        measured_stage=_opt(s.get("measured_stage")),
                    )
                    for s in p.get("journey_stages", ())
                ),
                flow=flow,
                rules=_rules(p.get("rules")),
            )
        )
    return ToBeDefinition(
        id=data["id"],
        name=_text(data["name"]),
        description=_text(data.get("description")),
        version=str(data.get("version", "1")),
        calendar=calendar,
        roles=tuple(
            Role(
                id=r["id"],
                name=_text(r["name"]),
                description=_text(r.get("description")),
                skills=_ids(r.get("skills")),
                kind=r.get("kind", "internal"),
            )
            for r in data["roles"]
        ),
        systems=tuple(
            System(id=s["id"], name=_text(s["name"]), description=_text(s.get("description"))) for s in data.get("systems", ())
        ),
        processes=tuple(processes),
        kpis=tuple(
            Kpi(
                id=k["id"],
                name=_text(k["name"]),
                definition=_text(k["definition"]),
                formula=str(k.get("formula", "")),
                unit=str(k.get("unit", "")),
                target=float(k["target"]),
                direction=k.get("direction", "at_least"),
                source=str(k.get("source", "event_log")),
                process=_opt(k.get("process")),
            )
            for k in data.get("kpis", ())
        ),
        events=tuple(
            EventType(
                name=e["name"],
                description=_text(e["description"]),
                payload=tuple(
                    PayloadField(
                        name=f["name"],
                        type=f.get("type", "string"),
                        required=bool(f.get("required", True)),
                        description=_text(f.get("description")),
                        source=_opt(f.get("from")),
                    )
                    for f in e.get("payload", ())
                ),
                producer=_opt(e.get("producer")),
                consumers=_ids(e.get("consumers")),
            )
            for e in data.get("events", ())
        ),
    )


# ----------------------------------------------------------------------------- back to data


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


__all__ = [
    "build_calendar",
    "build_definition",
    "dump_definition",
    "dump_head",
    "dump_node",
    "dump_process",
    "time_span",
    "work_calendar",
]
