"""Audit rules: the calendar, SLAs, stuck-case age, end activities, stages and thresholds.

Rules come from a YAML file (or a dict with the same shape)::

    calendar: {timezone: Europe/Moscow, working_hours: "09:00-19:00",
               weekdays: [mon, tue, wed, thu, fri], holidays: RU}      # or holidays: none
    sla:
      - {name: first-contact, from: Lead created, to: First contact attempt,
         within: 10m, time: working}                                   # or time: calendar
    stuck_after: 30d
    end_activities: [Deal lost, Payment received]
    closing_activities: [Payment received]      # the log goes on after it (support after payment)
    stages: [Lead created, Contact established, Qualification, Proposal sent]
    thresholds: {bottleneck_top: 5, workload_fair_ratio: 1.5, ping_pong_min: 1}

Durations are ``45s``, ``10m``, ``2h``, ``1d``, ``2w`` or combinations (``1h30m``), or ISO 8601
(``PT10M``, ``P30D``, ``P1DT2H``). In an SLA counted in working time, a day (``d``) is one working
day of the calendar (``09:00-19:00``: 10 hours) and a week (``w``) the working days of a week; hours,
minutes and seconds are always literal. Weekdays are English (``mon``, ``monday``) or Russian
(``пн``, ``понедельник``) names.

Without rules: a UTC 24/7 calendar, no SLAs, ``stuck_after`` 30 days, no stages, and no declared
end activities. Then the log's own end activities that end at least ``end_activity_share``
(default 5 %) of the cases count as end activities: an activity that ends a case that rarely is
more likely where a case was abandoned than where the process is meant to finish.

A case is *closed* from its first event of a declared end activity or of a ``closing_activities``
activity on, whatever follows it (a support ticket after ``Payment received``); with inferred end
activities only, a case is closed when it *ends* with one (an inferred end may occur mid-case too).
See :mod:`crmflow.findings.closing`.

Each finding module documents its severity rule; most grade the share of cases affected with
:func:`grade` (high from 20 %, medium from 5 %).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crmflow.durations import DAY_SECONDS, SHORT_EXPECTED
from crmflow.durations import parse_duration as parse_any_duration
from crmflow.errors import DurationError, RulesError
from crmflow.findings.calendar import WorkCalendar
from crmflow.findings.error_messages import ERRORS
from crmflow.findings.model import Severity
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.yamlfile import read_yaml

TimeBasis = Literal["working", "calendar"]

_WEEKDAYS: dict[str, int] = {}
for _day, _spellings in enumerate(
    (
        ("mon", "monday", "пн", "понедельник"),
        ("tue", "tuesday", "вт", "вторник"),
        ("wed", "wednesday", "ср", "среда"),
        ("thu", "thursday", "чт", "четверг"),
        ("fri", "friday", "пт", "пятница"),
        ("sat", "saturday", "сб", "суббота"),
        ("sun", "sunday", "вс", "воскресенье"),
    )
):
    for _spelling in _spellings:
        _WEEKDAYS[_spelling] = _day

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class SlaRule(JsonMixin):
    """Time from the first ``from_activity`` to the first ``to_activity`` after it must stay within."""

    name: str
    from_activity: str
    to_activity: str
    within_s: float
    time: TimeBasis = "calendar"


@dataclass(frozen=True)
class Thresholds(JsonMixin):
    """When a measurement becomes a finding (see each finding module for how it is used)."""

    #: How many transitions and activities the bottleneck finding reports (each).
    bottleneck_top: int = 5
    #: A bottleneck must hold at least this share of all waiting time.
    bottleneck_min_share: float = 0.05
    #: How many repeated activities / stage returns the rework finding reports.
    rework_top: int = 10
    #: Rework is reported when at least this share of all cases is affected.
    rework_min_share: float = 0.01
    #: A ping-pong pair needs at least this many cases.
    ping_pong_min: int = 1
    #: How many pairs the one ping-pong finding of a level (resource, role) lists; its counts cover all pairs.
    ping_pong_top: int = 10
    #: Workload is concentrated when a person's share of an activity is at least this many times the
    #: fair share ``1/n`` of the ``n`` people who do that activity (so 51/49 between two is not).
    workload_fair_ratio: float = 1.5
    #: ... and at least this share of the activity (an absolute floor; 0 = none).
    workload_share: float = 0.0
    #: How many workload findings are reported: those with the most work above the fair share.
    workload_top: int = 10
    #: An activity is frequent enough for the workload check with at least this many events.
    workload_min_events: int = 20
    #: A person doing less than this fraction of the equal split ``1/n`` of an activity helps out
    #: occasionally and is not counted in ``n`` (two regulars and a stand-in are two people).
    workload_occasional: float = 0.25
    #: The process-level hero: the person with the largest share of all work, when their work is at
    #: least this many times their fair load (the equal split of each activity they do).
    hero_ratio: float = 1.5
    #: The hero check needs at least this many events with a known person.
    hero_min_events: int = 50
    #: Without declared end activities: an activity ending at least this share of cases is one.
    end_activity_share: float = 0.05


@dataclass(frozen=True)
class AuditRules(JsonMixin):
    """Everything the As-Is findings need to know beyond the log."""

    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    sla: tuple[SlaRule, ...] = ()
    stuck_after_s: float = 30 * DAY_SECONDS
    end_activities: tuple[str, ...] | None = None
    stages: tuple[str, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    #: Activities that close a case although the log goes on after them (support after payment).
    closing_activities: tuple[str, ...] = ()
    #: Resources that are systems or robots, not people (left out of the workload and hero checks).
    system_resources: tuple[str, ...] = ()

    def activities(self) -> list[tuple[str, str]]:
        """Every activity the rules name, as ``(where, activity)`` (for checks against a log)."""
        out = []
        for r in self.sla:
            out += [(f"sla {r.name!r} from", r.from_activity), (f"sla {r.name!r} to", r.to_activity)]
        out += [("end_activities", a) for a in self.end_activities or ()]
        out += [("closing_activities", a) for a in self.closing_activities]
        out += [("stages", a) for a in self.stages]
        return out

    def echo(self) -> dict[str, Any]:
        """The rules as rules-file values (durations in seconds), for reports."""
        return {
            "calendar": self.calendar.describe(),
            "sla": [
                {"name": r.name, "from": r.from_activity, "to": r.to_activity, "within_s": r.within_s, "time": r.time}
                for r in self.sla
            ],
            "stuck_after_s": self.stuck_after_s,
            "end_activities": list(self.end_activities) if self.end_activities is not None else None,
            "closing_activities": list(self.closing_activities),
            "system_resources": list(self.system_resources),
            "stages": list(self.stages),
            "thresholds": self.thresholds.to_dict(),
        }


def grade(case_share: float, *, high: float = 0.20, medium: float = 0.05) -> Severity:
    """Severity from the share of cases a finding affects.

    High when at least ``high`` (20 %) of the cases are affected, medium from ``medium`` (5 %),
    low below.

    >>> grade(0.25), grade(0.05), grade(0.01)
    ('high', 'medium', 'low')
    """
    if case_share >= high:
        return "high"
    if case_share >= medium:
        return "medium"
    return "low"


# --------------------------------------------------------------------------- parsing


def parse_duration(value: object, key: str, *, working: WorkCalendar | None = None) -> float:
    """Seconds of a duration such as ``10m``, ``1h30m``, ``30d`` or ``PT10M``.

    ``d`` and ``w`` are 24 h and 7 days; working-time SLAs pass their calendar as ``working``, so
    ``1d`` is one working day and ``1w`` a working week (:meth:`WorkCalendar.working_length`).

    >>> parse_duration("1h30m", "within"), parse_duration("P1DT2H", "within")
    (5400.0, 93600.0)
    >>> parse_duration("1d2h", "within", working=WorkCalendar(start_s=9 * 3600, end_s=19 * 3600))
    43200.0
    """
    if not isinstance(value, str) or not value.strip():
        raise error(RulesError, ERRORS, "rules.not_duration", key=key, value=value, SHORT_EXPECTED=SHORT_EXPECTED)
    try:
        duration = parse_any_duration(value)
        return duration.length() if working is None else working.working_length(duration)
    except DurationError:
        raise error(
            RulesError,
            ERRORS,
            "rules.cannot_read_duration",
            key=key,
            value=value,
            SHORT_EXPECTED=SHORT_EXPECTED,
        ) from None


def _check_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for k in data:
        if k not in allowed:
            raise error(RulesError, ERRORS, "rules.unknown_key_rules_allowed", where=where, k=k, value=", ".join(allowed))


def _mapping(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise error(RulesError, ERRORS, "rules.must_mapping_keys_values", key=key, value=value)
    return value


def _names(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise error(RulesError, ERRORS, "rules.must_list_activity_names", key=key, value=value)
    return tuple(v.strip() for v in value)


def _resources(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
        raise error(RulesError, ERRORS, "rules.system_resources_must_list", value=value)
    return tuple(str(v).strip() for v in value)


def _parse_calendar(value: object) -> WorkCalendar:
    data = _mapping(value, "calendar")
    _check_keys(data, ("timezone", "working_hours", "weekdays", "holidays"), "calendar.")
    tz = data.get("timezone", "UTC")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise error(RulesError, ERRORS, "rules.calendar_timezone_unknown_timezone", tz=tz) from exc
    start, end = 0, DAY_SECONDS
    hours = data.get("working_hours")
    if hours is not None:
        m = _HOURS.match(str(hours)) if isinstance(hours, str) else None
        if not m:
            raise error(RulesError, ERRORS, "rules.calendar_working_hours_cannot", hours=hours)
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if m1 >= 60 or m2 >= 60 or not 0 <= start < end <= DAY_SECONDS:
            raise error(RulesError, ERRORS, "rules.calendar_working_hours_not", hours=hours)
    weekdays = tuple(range(7))
    if data.get("weekdays") is not None:
        raw = data["weekdays"]
        if not isinstance(raw, list | tuple) or not raw:
            raise error(RulesError, ERRORS, "rules.calendar_weekdays_must_non", raw=raw)
        days = []
        for w in raw:
            name = str(w).strip().lower()
            if name not in _WEEKDAYS:
                raise error(RulesError, ERRORS, "rules.calendar_weekdays_unknown_weekday", w=w)
            days.append(_WEEKDAYS[name])
        weekdays = tuple(sorted(set(days)))
    hol = data.get("holidays")
    country: str | None = None
    if hol not in (None, False) and str(hol).strip().lower() not in ("none", "no", ""):
        country = str(hol).strip().upper()
        import holidays

        try:
            holidays.country_holidays(country, years=2024)
        except NotImplementedError as exc:
            raise error(RulesError, ERRORS, "rules.calendar_holidays_unknown_country", hol=hol) from exc
    return WorkCalendar(timezone=str(tz), start_s=start, end_s=end, weekdays=weekdays, holidays=country)


def _parse_sla(value: object, calendar: WorkCalendar) -> tuple[SlaRule, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise error(RulesError, ERRORS, "rules.sla_must_list_rules", value=value)
    rules: list[SlaRule] = []
    for i, item in enumerate(value):
        where = f"sla[{i}]"
        data = _mapping(item, where)
        _check_keys(data, ("name", "from", "to", "within", "time"), f"{where}.")
        for k in ("from", "to", "within"):
            if k not in data:
                raise error(RulesError, ERRORS, "rules.has_no_each_sla", where=where, k=k)
        frm, to = data["from"], data["to"]
        for k, v in (("from", frm), ("to", to)):
            if not isinstance(v, str) or not v.strip():
                raise error(RulesError, ERRORS, "rules.not_activity_name", where=where, k=k, v=v)
        name = str(data.get("name") or f"{frm} -> {to}")
        basis = data.get("time", "calendar")
        if basis not in ("working", "calendar"):
            raise error(RulesError, ERRORS, "rules.time_not_allowed_expected", where=where, basis=basis)
        within = parse_duration(data["within"], f"{where}.within", working=calendar if basis == "working" else None)
        if within <= 0:
            raise error(RulesError, ERRORS, "rules.within_must_longer_than", where=where, data=data["within"])
        if name in {r.name for r in rules}:
            raise error(RulesError, ERRORS, "rules.name_used_two_sla", where=where, name=name)
        rules.append(SlaRule(name, frm.strip(), to.strip(), within, basis))
    return tuple(rules)


def _parse_thresholds(value: object) -> Thresholds:
    data = _mapping(value, "thresholds")
    allowed = tuple(f.name for f in fields(Thresholds))
    _check_keys(data, allowed, "thresholds.")
    defaults = Thresholds()
    kw: dict[str, Any] = {}
    for k, v in data.items():
        want = type(getattr(defaults, k))
        ok = isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
        if want is int:
            ok = ok and float(v).is_integer()
        if want is float and k.endswith(("share", "occasional")):
            ok = ok and v <= 1
        if want is float and k.endswith("ratio"):
            ok = ok and v >= 1
        if not ok:
            kind = (
                "a whole number ≥ 0"
                if want is int
                else "a ratio of at least 1, e.g. 1.5"
                if k.endswith("ratio")
                else "a share between 0 and 1"
            )
            raise error(RulesError, ERRORS, "rules.thresholds_not_allowed_expected", k=k, v=v, kind=kind)
        kw[k] = want(v)
    return Thresholds(**kw)


TOP_KEYS = (
    "calendar",
    "sla",
    "stuck_after",
    "end_activities",
    "closing_activities",
    "system_resources",
    "stages",
    "thresholds",
)


def load_rules(source: str | Path | Mapping[str, Any] | None = None) -> AuditRules:
    """Read audit rules from a YAML file, a dict of the same shape, or ``None`` for the defaults.

    >>> r = load_rules({"stuck_after": "P14D", "sla": [{"from": "A", "to": "B", "within": "10m"}]})
    >>> r.stuck_after_s, r.sla[0].within_s, r.sla[0].time
    (1209600.0, 600.0, 'calendar')
    """
    if source is None:
        return AuditRules()
    if isinstance(source, str | Path):
        path = Path(source)
        raw = read_yaml(path, what="rules file", error=RulesError)
        data = {} if raw is None else _mapping(raw, f"the rules file {path}")
    else:
        data = _mapping(source, "rules")
    _check_keys(data, TOP_KEYS, "")
    end = data.get("end_activities")
    stages = _names(data.get("stages"), "stages")
    if len(set(stages)) != len(stages):
        twice = sorted({s for s in stages if stages.count(s) > 1})
        raise error(RulesError, ERRORS, "rules.stages_listed_twice_each", value=", ".join(map(repr, twice)))
    calendar = _parse_calendar(data["calendar"]) if data.get("calendar") is not None else WorkCalendar()
    return AuditRules(
        calendar=calendar,
        sla=_parse_sla(data.get("sla"), calendar),
        stuck_after_s=parse_duration(data["stuck_after"], "stuck_after")
        if data.get("stuck_after") is not None
        else 30.0 * DAY_SECONDS,
        end_activities=None if end is None else _names(end, "end_activities"),
        closing_activities=_names(data.get("closing_activities"), "closing_activities"),
        system_resources=_resources(data.get("system_resources")),
        stages=stages,
        thresholds=_parse_thresholds(data["thresholds"]) if data.get("thresholds") is not None else Thresholds(),
    )
