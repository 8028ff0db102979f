"""What-if scenarios (YAML) applied to a simulation model, and their KPIs over replications.

A scenario file::

    replications: 10          # per scenario (and for the baseline)
    assumptions:              # applied to the baseline and every scenario (the log's As-Is is validated without)
      - processing: {activity: Первый контакт, mean: 15m}
    days: 90                  # simulated arrival span of each replication (default: the log's, at most 365)
    economics: {...}          # see crmflow.simulation.economics
    scenarios:
      - id: two_more_sdrs
        name: {ru: Ещё два SDR, en: Two more SDRs}
        implementation_cost: 0
        changes:
          - add_people: {role: Первый контакт, count: 2}
      - id: call_in_10_minutes
        changes:
          - sla: {activity: Первый контакт, within: 10m, priority: urgent, escalate_after: 30m, reassign_to: Квалификация}
      - id: least_loaded
        changes: [{routing: {role: "*", strategy: least_loaded}}]
      - id: no_handoff
        changes: [{remove_step: {activity: Квалификация}}]
      - id: longer_hours
        changes: [{working_hours: {role: "*", hours: "08:00-20:00", weekdays: [mon, tue, wed, thu, fri, sat]}}]

Other changes: ``arrivals: {factor: 1.2}``, ``durations: {activity: A, factor: 0.8}``,
``processing: {activity: A, mean: 15m}`` (an exponential processing time that holds the person — the
client's estimate, needed when the log records completions only),
``branch: {after: A, to: B, probability: 0.3}`` (the other branches after ``A`` share the rest in their
proportions). ``role`` is a pool name (``"*"``: every pool). Durations are written like the audit rules
(``10m``, ``2h``, ``1d`` = one working day of the SLA calendar).

:func:`apply_changes` returns a new model (the input is never changed); :func:`run_scenarios` simulates the
baseline and every scenario with the same seeds (common random numbers, so differences are not noise of
different draws) and returns each one's KPI estimates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import median
from typing import Any

from crmflow.errors import DurationError, SimulationError
from crmflow.findings.calendar import WorkCalendar
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.simulation.distributions import Distribution
from crmflow.simulation.error_messages import ERRORS
from crmflow.simulation.kpis import Estimate, Kpis, summarize
from crmflow.simulation.messages import t
from crmflow.simulation.model import PRIORITY_RANK, ROUTING_STRATEGIES, Node, ResourceSpec, SimulationModel, SlaTimer
from crmflow.yamlfile import read_yaml

CHANGE_KINDS: tuple[str, ...] = (
    "add_people",
    "sla",
    "routing",
    "remove_step",
    "working_hours",
    "arrivals",
    "durations",
    "processing",
    "branch",
)
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class Scenario:
    """One what-if: an id, names (ru/en), the changes as written, and its implementation cost."""

    id: str
    name_en: str
    name_ru: str
    changes: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]
    implementation_cost: float | None = None

    def name(self, lang: str) -> str:
        return self.name_ru if lang == "ru" else self.name_en


@dataclass(frozen=True)
class ScenarioFile:
    """A parsed scenario file; ``assumptions`` are changes applied to the baseline and every scenario
    (inputs the log lacks, such as processing times of a completion-only log)."""

    scenarios: tuple[Scenario, ...]
    replications: int = 10
    days: float | None = None
    economics: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    assumptions: Scenario | None = None


@dataclass(frozen=True)
class ScenarioResult(JsonMixin):
    """KPI estimates of the baseline or of one scenario over its replications."""

    id: str
    name: str
    estimates: dict[str, Estimate | None]
    runs: tuple[Kpis, ...]
    busy_hours: dict[str, float]
    people: dict[str, int]
    paid_hours_per_week: dict[str, float]


def _bad(where: str, message: str) -> SimulationError:
    return SimulationError(f"{where}: {message}")


def load_scenarios(path: str | Path) -> ScenarioFile:
    """Read and check a scenario file (see the module docstring).

    Raises
    ------
    SimulationError
        When the file is not valid YAML or a key or value is wrong (the message names the scenario and key).
    """
    data = read_yaml(path, what="scenario file", error=SimulationError)
    return parse_scenarios(data, where=str(path))


def parse_scenarios(data: Any, *, where: str = "<scenarios>") -> ScenarioFile:
    """Check plain data of the scenario-file shape.

    >>> f = parse_scenarios({"scenarios": [{"id": "s", "changes": [{"arrivals": {"factor": 1.5}}]}]})
    >>> f.scenarios[0].changes
    (('arrivals', (('factor', 1.5),)),)
    >>> parse_scenarios({"scenarios": [{"id": "s", "changes": [{"hire": {}}]}]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crmflow.errors.SimulationError: <scenarios>: scenario 's', change 1: unknown change 'hire' (expected one of add_people, ...)
    """
    if not isinstance(data, Mapping):
        raise _bad(where, "expected a mapping with a `scenarios` list")
    unknown = set(data) - {"scenarios", "replications", "days", "economics", "assumptions"}
    if unknown:
        raise _bad(where, f"unknown key(s) {sorted(unknown)} (expected scenarios, replications, days, economics, assumptions)")
    items = data.get("scenarios") or []
    if not isinstance(items, list):
        raise _bad(where, "`scenarios` must be a list")
    out: list[Scenario] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or "id" not in item:
            raise _bad(where, f"scenario {i} needs an `id`")
        sid = str(item["id"])
        here = f"scenario {sid!r}"
        name = item.get("name", sid)
        name_en = str(name.get("en", sid)) if isinstance(name, Mapping) else str(name)
        name_ru = str(name.get("ru", name_en)) if isinstance(name, Mapping) else str(name)
        changes = _changes(item.get("changes") or [], here, where)
        cost = item.get("implementation_cost")
        out.append(Scenario(sid, name_en, name_ru, changes, None if cost is None else float(cost)))
    reps = int(data.get("replications", 10))
    if reps < 2:
        raise _bad(where, f"replications: {reps} is too few for a confidence interval (use 2 or more; 10 is usual)")
    days = data.get("days")
    econ = data.get("economics") or {}
    if not isinstance(econ, Mapping):
        raise _bad(where, "`economics` must be a mapping")
    assumed = data.get("assumptions") or []
    if not isinstance(assumed, list):
        raise _bad(where, "`assumptions` must be a list of changes")
    assumptions = Scenario(
        "assumptions", "As-Is with assumptions", "Как есть с допущениями", _changes(assumed, "assumptions", where)
    )
    return ScenarioFile(
        scenarios=tuple(out),
        replications=reps,
        days=None if days is None else float(days),
        economics=dict(econ),
        source=where,
        assumptions=assumptions if assumptions.changes else None,
    )


def _changes(items: Any, here: str, where: str) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    if not isinstance(items, list):
        raise _bad(where, f"{here}: `changes` must be a list")
    changes = []
    for k, ch in enumerate(items, start=1):
        if not isinstance(ch, Mapping) or len(ch) != 1:
            raise _bad(where, f"{here}, change {k}: expected one key such as `add_people: {{role: R, count: 2}}`")
        ((kind, args),) = ch.items()
        if kind not in CHANGE_KINDS:
            raise _bad(where, f"{here}, change {k}: unknown change {kind!r} (expected one of {', '.join(CHANGE_KINDS)})")
        if not isinstance(args, Mapping):
            raise _bad(where, f"{here}, change {k} ({kind}): expected a mapping of settings")
        changes.append((str(kind), tuple(sorted((str(a), v) for a, v in args.items()))))
    return tuple(changes)


def _seconds(value: Any, calendar: WorkCalendar, where: str) -> float:
    from crmflow.durations import parse_duration

    if isinstance(value, int | float):
        return float(value)
    try:
        return calendar.working_length(parse_duration(str(value)))
    except DurationError as exc:
        raise _bad(where, str(exc)) from None


def _pools_named(model: SimulationModel, role: str, where: str) -> set[str]:
    if role == "*":
        return {p.role for p in model.pools}
    if role not in {p.role for p in model.pools}:
        raise _bad(where, f"no resource pool {role!r} (the model has: {', '.join(p.role for p in model.pools)})")
    return {role}


def _tasks_of(model: SimulationModel, activity: str, where: str) -> None:
    if activity not in model.activities():
        raise _bad(where, f"no activity {activity!r} (the model has: {', '.join(model.activities())})")


def apply_changes(model: SimulationModel, scenario: Scenario, *, where: str = "<scenarios>") -> SimulationModel:
    """The model with the scenario's changes applied, in order."""
    m = model
    for k, (kind, items) in enumerate(scenario.changes, start=1):
        args = dict(items)
        here = f"{where}: scenario {scenario.id!r}, change {k} ({kind})"
        try:
            m = _CHANGES[kind](m, args, here)
        except KeyError as exc:
            raise error(SimulationError, ERRORS, "scenarios.missing_setting", here=here, args=exc.args[0]) from None
        except (TypeError, ValueError) as exc:
            raise error(SimulationError, ERRORS, "scenarios.message", here=here, exc=exc) from None
    return replace(m, name=f"{model.name}+{scenario.id}")


def _add_people(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    role, count = str(a["role"]), int(a["count"])
    _pools_named(m, role, where)
    pools = []
    for p in m.pools:
        if p.role == role:
            share = sum(r.share for r in p.resources) / max(p.size, 1)
            cap = int(median([r.capacity for r in p.resources])) if p.resources else 1
            new = tuple(ResourceSpec(name=f"new-{i + 1}", share=share, capacity=cap) for i in range(count))
            p = replace(p, resources=p.resources + new)
        pools.append(p)
    return replace(m, pools=tuple(pools))


def _sla(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    activity = str(a["activity"])
    _tasks_of(m, activity, where)
    within = _seconds(a["within"], m.sla_calendar, where)
    levels: tuple[tuple[float, str, str | None], ...] = ()
    if "escalate_after" in a:
        target = a.get("reassign_to")
        if target is not None:
            _pools_named(m, str(target), where)
        levels = ((_seconds(a["escalate_after"], m.sla_calendar, where), "reassign" if target else "notify", target),)
    prio = a.get("priority")
    rank = None if prio is None else PRIORITY_RANK.get(str(prio).lower())
    if prio is not None and rank is None:
        raise _bad(where, f"priority {prio!r} is not one of {', '.join(PRIORITY_RANK)}")
    timer = SlaTimer(id=str(a.get("id", f"{activity} within {a['within']}")), within_s=within, escalations=levels)
    nodes = tuple(
        replace(n, sla=timer, priority=rank if rank is not None else n.priority) if n.activity == activity else n
        for n in m.graph.nodes
    )
    kpis = m.kpis
    if kpis.sla is not None and kpis.sla[2] == activity:  # the SLA KPI follows the new limit
        kpis = replace(kpis, sla=(kpis.sla[0], kpis.sla[1], activity, within, "working"), calendar=m.sla_calendar)
    return replace(m, graph=replace(m.graph, nodes=nodes), kpis=kpis)


def _routing(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    strategy = str(a["strategy"])
    if strategy not in ROUTING_STRATEGIES:
        raise _bad(where, f"strategy {strategy!r} is not one of {', '.join(ROUTING_STRATEGIES)}")
    names = _pools_named(m, str(a.get("role", "*")), where)
    return replace(m, pools=tuple(replace(p, routing=strategy) if p.role in names else p for p in m.pools))  # type: ignore[arg-type]


def _remove_step(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    activity = str(a["activity"])
    _tasks_of(m, activity, where)
    nodes = tuple(
        Node(id=n.id, kind="xor", next=n.next) if n.kind == "task" and n.activity == activity else n for n in m.graph.nodes
    )
    waits = tuple(w for w in m.waits if w.activity != activity)
    return replace(m, graph=replace(m.graph, nodes=nodes), waits=waits)


def _working_hours(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    names = _pools_named(m, str(a.get("role", "*")), where)
    hours = str(a["hours"])
    try:
        lo, hi = (x.strip() for x in hours.split("-"))
        start_s = int(lo[:2]) * 3600 + int(lo[3:5]) * 60
        end_s = int(hi[:2]) * 3600 + int(hi[3:5]) * 60
    except ValueError:
        raise _bad(where, f"hours {hours!r}: expected HH:MM-HH:MM such as 09:00-18:00") from None
    days = a.get("weekdays")
    out = []
    for p in m.pools:
        if p.role in names:
            wd = tuple(sorted(_DAYS[str(d).lower()[:3]] for d in days)) if days else p.calendar.weekdays
            cal = replace(p.calendar, start_s=start_s, end_s=end_s, weekdays=wd)
            p = replace(p, calendar=cal)
        out.append(p)
    return replace(m, pools=tuple(out))


def _arrivals(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    return replace(m, arrivals=m.arrivals.scaled(float(a["factor"])))


def _durations(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    activity, factor = str(a["activity"]), float(a["factor"])
    _tasks_of(m, activity, where)
    nodes = tuple(replace(n, duration=n.duration.scaled(factor)) if n.activity == activity else n for n in m.graph.nodes)
    return replace(m, graph=replace(m.graph, nodes=nodes))


def _processing(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    activity = str(a["activity"])
    _tasks_of(m, activity, where)
    mean = _seconds(a["mean"], m.sla_calendar, where)
    dist = Distribution(kind="expon", params=(mean,), mean=mean)
    nodes = tuple(replace(n, duration=dist) if n.activity == activity else n for n in m.graph.nodes)
    return replace(m, graph=replace(m.graph, nodes=nodes))


def _branch(m: SimulationModel, a: dict[str, Any], where: str) -> SimulationModel:
    after, to, p = str(a["after"]), str(a["to"]), float(a["probability"])
    _tasks_of(m, after, where)
    if not 0 <= p <= 1:
        raise _bad(where, f"probability {p} is not between 0 and 1")
    by_id = {n.id: n for n in m.graph.nodes}
    changed: dict[str, Node] = {}
    for n in m.graph.nodes:
        if n.kind != "task" or n.activity != after:
            continue
        for x_id in n.next:
            x = by_id[x_id]
            if x.kind != "xor":
                continue
            hit = [by_id[t].activity == to for t in x.next]
            if not any(hit):
                continue
            rest = sum(q for q, h in zip(x.probabilities, hit, strict=True) if not h)
            probs = tuple(
                (p / sum(hit)) if h else (q / rest * (1 - p) if rest > 0 else 0.0)
                for q, h in zip(x.probabilities, hit, strict=True)
            )
            changed[x_id] = replace(x, probabilities=probs)
    if not changed:
        raise _bad(where, f"no path from {after!r} to {to!r} in the model")
    return replace(m, graph=replace(m.graph, nodes=tuple(changed.get(n.id, n) for n in m.graph.nodes)))


_CHANGES: dict[str, Callable[[SimulationModel, dict[str, Any], str], SimulationModel]] = {
    "add_people": _add_people,
    "sla": _sla,
    "routing": _routing,
    "remove_step": _remove_step,
    "working_hours": _working_hours,
    "arrivals": _arrivals,
    "durations": _durations,
    "processing": _processing,
    "branch": _branch,
}


def _weekly_hours(cal: WorkCalendar) -> float:
    if cal.always:
        return 168.0
    return len(cal.weekdays) * max(cal.end_s - cal.start_s, 0) / 3600.0


def run_model(
    model: SimulationModel,
    *,
    sid: str,
    name: str,
    replications: int,
    days: float,
    seed: int = 0,
    progress: Callable[[], None] | None = None,
    workers: int | None = None,
) -> ScenarioResult:
    """Simulate ``replications`` runs (seeds ``seed``, ``seed + 1``, …, on ``workers`` processes) and estimate the KPIs."""
    from crmflow.simulation.discover import UNBOUNDED
    from crmflow.simulation.replicate import replicate

    runs, busy = [], dict.fromkeys((p.role for p in model.pools), 0.0)
    for kpis, busy_s in replicate(model, n=replications, days=days, seed=seed, workers=workers, progress=progress):
        runs.append(kpis)
        for role, s in busy_s.items():
            busy[role] += s / 3600.0 / replications
    people = {p.role: sum(1 for r in p.resources if r.capacity < UNBOUNDED) for p in model.pools}
    return ScenarioResult(
        id=sid,
        name=name,
        estimates=summarize(runs),
        runs=tuple(runs),
        busy_hours=busy,
        people=people,
        paid_hours_per_week={p.role: people[p.role] * _weekly_hours(p.calendar) for p in model.pools},
    )


def run_scenarios(
    model: SimulationModel,
    scenarios: Sequence[Scenario],
    *,
    replications: int = 10,
    days: float = 90.0,
    seed: int = 0,
    lang: str = "en",
    progress: Callable[[], None] | None = None,
    where: str = "<scenarios>",
    base_name: str | None = None,
) -> tuple[ScenarioResult, ...]:
    """The baseline (``model``, named ``base_name``: default As-Is) and each scenario, with the same seeds."""
    base_name = base_name or t("name.baseline", lang)
    out = [run_model(model, sid="baseline", name=base_name, replications=replications, days=days, seed=seed, progress=progress)]
    for s in scenarios:
        m = apply_changes(model, s, where=where)
        out.append(run_model(m, sid=s.id, name=s.name(lang), replications=replications, days=days, seed=seed, progress=progress))
    return tuple(out)


__all__ = [
    "CHANGE_KINDS",
    "Scenario",
    "ScenarioFile",
    "ScenarioResult",
    "apply_changes",
    "load_scenarios",
    "parse_scenarios",
    "run_model",
    "run_scenarios",
]
