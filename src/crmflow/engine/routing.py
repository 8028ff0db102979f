"""Who gets a user task: the staff (roles, skills, territories, absences) and the To-Be's routing strategies.

A :class:`Staff` lists the people of each role (a YAML file for the CLI, see ``docs/engine.md``)::

    people:
      - {id: anna, name: Anna, roles: [sales_manager], skills: [b2b, equipment], max_open: 25}
      - {id: oleg, roles: [sales_manager], territories: [north], absences: ["2024-03-04..2024-03-08"]}
      - {id: vera, roles: [sales_manager], working_hours: "12:00-21:00", weekdays: [tue, wed, thu, fri, sat]}

:func:`choose_assignee` applies a :class:`~crmflow.design.model.RoutingPolicy`: ``round_robin``,
``least_loaded`` (fewest open tasks), ``skill_based`` (``skill: lead.product_line`` names the variable
whose value must be among the person's skills; ``fallback`` when nobody has it) and ``territory``
(``field: company.region`` against the person's territories). A ``max_open…`` parameter caps a
person's open tasks; people absent on the day (local to the model's calendar) are skipped. A person
may have their own ``working_hours`` and ``weekdays`` (else the model's calendar): the task goes to
the people at work now, else to those who start later today, else to anyone of the role. The case
stays with the person who already works on it in that role (``sticky``) while they are available.
Nobody available: the task stays in the role's queue (ordered by priority, then due time) for anyone
of the role to claim.

>>> staff = Staff((Person(id="anna", roles=("sm",), skills=("b2b",)), Person(id="oleg", roles=("sm",))))
>>> from crmflow.design.model import RoutingPolicy
>>> policy = RoutingPolicy(strategy="skill_based", roles=("sm",), parameters=(("skill", "lead.line"),))
>>> from datetime import datetime, timezone
>>> now = datetime(2024, 3, 5, 9, tzinfo=timezone.utc)
>>> choose_assignee(staff, policy, "sm", {"lead": {"line": "b2b"}}, now=now, load={"anna": 3, "oleg": 0}, cursor={})
'anna'
>>> choose_assignee(staff, policy, "sm", {"lead": {"line": "b2c"}}, now=now, load={"anna": 3, "oleg": 0}, cursor={})
'oleg'
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from crmflow.design.model import RoutingPolicy
from crmflow.engine.effects import var_at
from crmflow.engine.error_messages import ERRORS
from crmflow.engine.messages import MESSAGES
from crmflow.errors import EngineError
from crmflow.findings.calendar import WorkCalendar
from crmflow.i18n import error, text


@dataclass(frozen=True)
class Person:
    """A person who can be assigned tasks; ``absences`` are inclusive ``(first, last)`` local days."""

    id: str
    name: str = ""
    roles: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    absences: tuple[tuple[date, date], ...] = ()
    max_open: int | None = None
    #: the person's own daily window ``(start_s, end_s)`` after local midnight; None: the model's
    hours: tuple[int, int] | None = None
    #: the person's own working weekdays (Monday = 0); None: the model's
    weekdays: tuple[int, ...] | None = None

    def absent(self, day: date) -> bool:
        return any(first <= day <= last for first, last in self.absences)

    def calendar(self, model: WorkCalendar) -> WorkCalendar:
        """The person's working calendar: the model's timezone and holidays, their own hours and weekdays."""
        if self.hours is None and self.weekdays is None:
            return model
        start, end = self.hours if self.hours is not None else (model.start_s, model.end_s)
        return replace(model, start_s=start, end_s=end, weekdays=self.weekdays if self.weekdays is not None else model.weekdays)


def _shift(person: Person, model: WorkCalendar, now: datetime) -> int:
    """0: at work now; 1: at work later today; 2: not at work again today."""
    cal = person.calendar(model)
    local = (now if now.tzinfo is not None else now.replace(tzinfo=UTC)).astimezone(cal.zone)
    if not cal.is_working_day(local.date()):
        return 2
    second = local.hour * 3600 + local.minute * 60 + local.second
    return 0 if cal.start_s <= second < cal.end_s else 1 if second < cal.start_s else 2


@dataclass(frozen=True)
class Staff:
    """The people the engine routes tasks to."""

    people: tuple[Person, ...] = ()

    def in_role(self, role: str) -> tuple[Person, ...]:
        return tuple(p for p in self.people if role in p.roles)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)


def _days(value: Any, where: str) -> tuple[date, date]:
    text_ = str(value)
    first, _, last = text_.partition("..")
    try:
        return date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
    except ValueError:
        raise error(EngineError, ERRORS, "routing.absence_not_day_range", where=where, text_=text_) from None


def staff_from_data(data: Any, *, where: str = "<staff>") -> Staff:
    """Build :class:`Staff` from the parsed YAML/JSON (``{"people": [...]}``).

    Raises
    ------
    EngineError
        If an entry has no id, or a field has the wrong type (names the entry and the field).
    """
    people = data.get("people") if isinstance(data, Mapping) else None
    if not isinstance(people, list):
        raise error(EngineError, ERRORS, "routing.expected_mapping_people_list", where=where)
    out: list[Person] = []
    for i, entry in enumerate(people, 1):
        if not isinstance(entry, Mapping) or not entry.get("id"):
            raise error(EngineError, MESSAGES, "staff.invalid", "en", path=where, index=i, reason="each person needs an `id`")

        def strings(key: str, entry: Mapping[str, Any] = entry, i: int = i) -> tuple[str, ...]:
            value = entry.get(key, [])
            if not isinstance(value, list):
                raise error(EngineError, MESSAGES, "staff.invalid", "en", path=where, index=i, reason=f"`{key}` must be a list")
            return tuple(str(v) for v in value)

        cap = entry.get("max_open")
        hours, weekdays = _schedule(entry, where, i)
        out.append(
            Person(
                id=str(entry["id"]),
                name=str(entry.get("name", "")),
                roles=strings("roles"),
                skills=strings("skills"),
                territories=strings("territories"),
                absences=tuple(_days(v, f"{where}: person {entry['id']}") for v in strings("absences")),
                max_open=int(cap) if cap is not None else None,
                hours=hours,
                weekdays=weekdays,
            )
        )
    return Staff(tuple(out))


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _schedule(entry: Mapping[str, Any], where: str, i: int) -> tuple[tuple[int, int] | None, tuple[int, ...] | None]:
    """A person's ``working_hours: "10:00-19:00"`` and ``weekdays: [mon, …, sat]``, both optional."""

    def bad(reason: str) -> EngineError:
        return EngineError(text(MESSAGES, "staff.invalid", "en", path=where, index=i, reason=reason))

    hours: tuple[int, int] | None = None
    if entry.get("working_hours") is not None:
        raw = str(entry["working_hours"])
        try:
            first, last = (datetime.strptime(part.strip(), "%H:%M") for part in raw.split("-"))
        except ValueError:
            raise bad(f"`working_hours` {raw!r} is not a window such as 10:00-19:00") from None
        start, end = first.hour * 3600 + first.minute * 60, last.hour * 3600 + last.minute * 60
        if last.hour == 0 and last.minute == 0:
            end = 86400
        if not start < end:
            raise bad(f"`working_hours` {raw!r} must start before it ends (e.g. 10:00-19:00)")
        hours = (start, end)
    weekdays: tuple[int, ...] | None = None
    if entry.get("weekdays") is not None:
        days = entry["weekdays"]
        if not isinstance(days, list) or not days or any(str(d).lower() not in _WEEKDAYS for d in days):
            raise bad(f"`weekdays` must be a list of {', '.join(_WEEKDAYS)}, got {days!r}")
        weekdays = tuple(sorted({_WEEKDAYS.index(str(d).lower()) for d in days}))
    return hours, weekdays


def load_staff(path: str | Path) -> Staff:
    """Read a staff YAML file (see the module docstring)."""
    from crmflow.yamlfile import read_yaml

    return staff_from_data(read_yaml(path, what="staff", error=EngineError), where=str(path))


def _pick(pool: list[Person], strategy: str, load: Mapping[str, int], cursor: MutableMapping[str, int], key: str) -> str:
    if strategy == "round_robin":
        ordered = sorted(pool, key=lambda p: p.id)
        n = cursor.get(key, 0)
        cursor[key] = n + 1
        return ordered[n % len(ordered)].id
    return min(pool, key=lambda p: (load.get(p.id, 0), p.id)).id


def choose_assignee(
    staff: Staff,
    policy: RoutingPolicy | None,
    role: str | None,
    variables: Mapping[str, Any],
    *,
    now: datetime,
    load: Mapping[str, int],
    cursor: MutableMapping[str, int],
    sticky: str | None = None,
    calendar: WorkCalendar | None = None,
) -> str | None:
    """The person a task goes to, or None (it waits in the role's queue); see the module docstring."""
    roles = (policy.roles if policy is not None and policy.roles else ()) or ((role,) if role else ())
    model = calendar or WorkCalendar()
    day = model.local_day(now)
    candidates = [p for r in roles for p in staff.in_role(r) if not p.absent(day)]
    if not candidates:
        return None
    shifts = {p.id: _shift(p, model, now) for p in candidates}
    nearest = min(shifts.values())  # at work now, else later today, else anyone of the role
    candidates = [p for p in candidates if shifts[p.id] == nearest]
    params = dict(policy.parameters) if policy is not None else {}
    cap = next((int(v) for k, v in params.items() if k.startswith("max_open") and str(v).isdigit()), None)
    eligible = [p for p in candidates if _under(p, cap, load)]
    if sticky is not None and any(p.id == sticky for p in eligible):
        return sticky
    if not eligible:
        return None
    strategy = policy.strategy if policy is not None else "round_robin"
    fallback = params.get("fallback", "least_loaded")
    key = "/".join(roles)
    if strategy in ("skill_based", "territory"):
        field_ = params.get("skill" if strategy == "skill_based" else "field") or params.get("field") or params.get("skill")
        value = var_at(variables, field_) if field_ else None
        wanted = str(value).lower() if value is not None else None
        matching = [
            p
            for p in eligible
            if wanted is not None and wanted in {s.lower() for s in (p.skills if strategy == "skill_based" else p.territories)}
        ]
        if matching:
            return _pick(matching, "least_loaded" if fallback != "round_robin" else "round_robin", load, cursor, key)
        return _pick(eligible, fallback, load, cursor, key)
    return _pick(eligible, strategy, load, cursor, key)


def _under(p: Person, cap: int | None, load: Mapping[str, int]) -> bool:
    limit = p.max_open if p.max_open is not None else cap
    return limit is None or load.get(p.id, 0) < limit


__all__ = ["Person", "Staff", "choose_assignee", "load_staff", "staff_from_data"]
