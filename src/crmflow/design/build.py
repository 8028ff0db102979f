"""Plain To-Be data (the YAML shape, already schema-valid) → the model, and back.

:func:`build_definition` turns the data into :class:`~crmflow.design.model.ToBeDefinition`;
:func:`crmflow.design.dump.dump_definition` writes a definition back in the same shape, so that
``build_definition(dump_definition(d)) == d`` — which is how a definition travels through BPMN
extension elements (:mod:`crmflow.design.extensions`).

>>> d = build_definition({"tobe": 1, "id": "x", "name": "X", "roles": [{"id": "r", "name": "R"}],
...     "processes": [{"id": "p", "name": "P", "flow": [{"id": "s", "event": "start"}]}]})
>>> from crmflow.design.dump import dump_definition
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


__all__ = [
    "build_calendar",
    "build_definition",
    "time_span",
    "work_calendar",
]
