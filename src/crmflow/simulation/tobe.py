"""The To-Be as a simulation model: the reviewed process's flow, routing, priorities and SLA timers.

:func:`tobe_simulation_model` reads one :class:`~crmflow.design.model.Process` of a To-Be definition into
the same :class:`SimulationModel` the As-Is discovery produces, so both run on the one simulator:

* steps become tasks (``user``/``manual`` on their lane's pool; ``service``/``send``/``receive`` on an
  unbounded ``system`` pool), exclusive gateways ``xor`` nodes (probabilities: ``branch_probabilities``,
  else equal), parallel and inclusive gateways ``and`` splits (an inclusive gateway runs all its branches —
  the simulator has no per-branch conditions) and ``join`` nodes, end events ``end``, intermediate timers a
  task of the ``system`` pool lasting the timer;
* a step's first SLA becomes an :class:`SlaTimer` counted in the definition's calendar, its escalation levels
  ``(after, first action, role)``; the step and process priority rules become ``priorities``; a routing
  policy sets the strategy of the pool of its roles (``territory`` is read as ``least_loaded``), and a
  skill-based policy's ``skill`` parameter the case attribute its tasks match against the role's skills;
* with an As-Is model, a step mapped to As-Is activities (``as_is``) keeps that activity's name, duration and
  wait, and a lane keeps the As-Is pool that did the mapped activity (its people and calendar); arrivals are
  the As-Is arrivals. Without one, durations are 0 unless ``durations`` gives them and a lane has ``staff``
  people (default 1) on the definition's calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from crmflow.design.model import FlowEvent, Gateway, Process, Step, ToBeDefinition
from crmflow.findings.calendar import WorkCalendar
from crmflow.simulation.discover import UNBOUNDED
from crmflow.simulation.distributions import Distribution
from crmflow.simulation.model import (
    PRIORITY_RANK,
    ArrivalProfile,
    KpiSpec,
    Node,
    ProcessGraph,
    ResourcePool,
    ResourceSpec,
    RoutingStrategy,
    SimulationModel,
    SlaTimer,
    WaitSpec,
)

SYSTEM_POOL = "system"
_HUMAN = ("user", "manual", "subprocess")


def calendar_of(definition: ToBeDefinition) -> WorkCalendar:
    """The definition's working calendar as a :class:`WorkCalendar`."""
    c = definition.calendar
    return WorkCalendar(
        timezone=c.timezone, start_s=c.working_hours[0], end_s=c.working_hours[1], weekdays=tuple(c.weekdays), holidays=c.holidays
    )


def _process(definition: ToBeDefinition, process_id: str | None) -> Process:
    for p in definition.processes:
        if process_id is None or p.id == process_id:
            return p
    known = ", ".join(p.id for p in definition.processes)
    raise ValueError(f"the To-Be {definition.id!r} has no process {process_id!r} (it has: {known})")


def tobe_simulation_model(
    definition: ToBeDefinition,
    *,
    asis: SimulationModel | None = None,
    process_id: str | None = None,
    branch_probabilities: Mapping[str, Mapping[str, float]] | None = None,
    durations: Mapping[str, float] | None = None,
    staff: Mapping[str, int] | None = None,
    arrivals_per_hour: float = 1.0,
) -> SimulationModel:
    """The simulation model of a To-Be process (see the module docstring).

    Parameters
    ----------
    definition
        A loaded To-Be definition.
    asis
        The discovered As-Is (arrivals, durations, waits and pools of the mapped activities), or None.
    process_id
        Which process (default: the first).
    branch_probabilities
        ``{gateway_id: {target_id: probability}}`` for exclusive gateways.
    durations
        Seconds per step id, for steps without an As-Is activity.
    staff
        People per role id when no As-Is pool is mapped (default 1).
    arrivals_per_hour
        A flat arrival rate when there is no As-Is.

    >>> from crmflow.design.loader import load_tobe
    >>> from pathlib import Path
    >>> import crmflow.design
    >>> d = load_tobe(Path(crmflow.design.__file__).parent / "examples" / "incoming_lead.yaml")
    >>> m = tobe_simulation_model(d)
    >>> m.graph.node("first_contact").sla.within_s, m.pool("sales_manager").size
    (600.0, 1)
    """
    process = _process(definition, process_id)
    probs = branch_probabilities or {}
    durations = durations or {}
    staff = staff or {}
    cal = calendar_of(definition)
    asis_tasks = {n.activity: n for n in asis.graph.tasks()} if asis is not None else {}
    asis_waits = {w.activity: w for w in asis.waits if w.after is None} if asis is not None else {}

    def next_of(i: int, node_next: str | None) -> tuple[str, ...]:
        if node_next is not None:
            return (node_next,)
        return (process.flow[i + 1].id,) if i + 1 < len(process.flow) else ("__end",)

    nodes: list[Node] = []
    waits: list[WaitSpec] = []
    pools: dict[str, ResourcePool] = {}
    routing: dict[str, tuple[RoutingStrategy, str | None]] = {}
    priorities: list[tuple[str, int]] = [(r.when, PRIORITY_RANK.get(r.priority.lower(), 2)) for r in process.rules.priorities]
    start_id: str | None = None
    won: list[str] = []
    sla_kpi: tuple[str, str, str, float, str] | None = None
    prev_activity: dict[str, str] = {}
    for i, n in enumerate(process.flow):
        if isinstance(n, Step):
            activity = n.as_is[0] if n.as_is and n.as_is[0] in asis_tasks else n.name.get("en") or n.id
            mapped = asis_tasks.get(activity)
            human = n.kind in _HUMAN
            role = n.lane if human else SYSTEM_POOL
            if human and role not in pools:
                if mapped is not None and asis is not None:
                    pools[role] = replace(asis.pool(mapped.role or ""), role=role)
                else:
                    people = max(1, int(staff.get(role, 1)))
                    pools[role] = ResourcePool(
                        role=role, resources=tuple(ResourceSpec(name=f"{role}-{k + 1}") for k in range(people)), calendar=cal
                    )
            if n.id in durations:
                duration = Distribution.fixed(float(durations[n.id]))
            elif mapped is not None:
                duration = mapped.duration
            else:
                duration = Distribution.fixed(0.0)
            if mapped is not None and activity in asis_waits:
                waits.append(WaitSpec(activity=activity, after=None, distribution=asis_waits[activity].distribution))
            sla = None
            if n.slas:
                s = n.slas[0]
                levels = tuple(
                    (
                        lvl.after.seconds,
                        lvl.actions[0].kind if lvl.actions else "notify",
                        lvl.actions[0].role if lvl.actions else None,
                    )
                    for lvl in s.escalations
                )
                sla = SlaTimer(id=s.id, within_s=s.within.seconds, escalations=levels)
            if n.rules.routing is not None:
                written = n.rules.routing.strategy
                params = dict(n.rules.routing.parameters)
                chosen: RoutingStrategy = "least_loaded" if written == "territory" else written
                for r in n.rules.routing.roles or (n.lane,):
                    routing[r] = (chosen, params.get("skill"))
            priorities += [(r.when, PRIORITY_RANK.get(r.priority.lower(), 2)) for r in n.rules.priorities]
            nodes.append(
                Node(id=n.id, kind="task", activity=activity, role=role, next=next_of(i, n.next), duration=duration, sla=sla)
            )
            for t in next_of(i, n.next):
                prev_activity[t] = activity
            if asis is not None and activity in asis.kpis.won:
                won.append(activity)
            if sla is not None and sla_kpi is None and n.id in prev_activity:
                sla_kpi = (sla.id, prev_activity[n.id], activity, sla.within_s, "working")
        elif isinstance(n, Gateway):
            if n.branches:
                targets = tuple(b.target for b in n.branches)
                if n.kind == "exclusive" or n.kind == "event_based":
                    given = probs.get(n.id, {})
                    weights = tuple(float(given.get(t, 1.0 if not given else 0.0)) for t in targets)
                    nodes.append(Node(id=n.id, kind="xor", next=targets, probabilities=weights))
                else:
                    nodes.append(Node(id=n.id, kind="and", next=targets))
            else:
                join = n.kind in ("parallel", "inclusive")
                nodes.append(Node(id=n.id, kind="join" if join else "xor", next=next_of(i, n.next)))
        elif isinstance(n, FlowEvent):
            if n.position == "start":
                start_id = start_id or n.id
                nodes.append(Node(id=n.id, kind="xor", next=next_of(i, n.next)))
            elif n.position == "end":
                nodes.append(Node(id=n.id, kind="end"))
            else:
                seconds = n.timer.seconds if n.timer is not None else 0.0
                name = n.name.get("en") or n.id
                nodes.append(
                    Node(
                        id=n.id,
                        kind="task",
                        activity=name,
                        role=SYSTEM_POOL,
                        next=next_of(i, n.next),
                        duration=Distribution.fixed(seconds),
                    )
                )
    nodes.append(Node(id="__end", kind="end"))
    pools[SYSTEM_POOL] = ResourcePool(role=SYSTEM_POOL, resources=(ResourceSpec(name="crm", capacity=UNBOUNDED),), routing="pool")
    for role, (strategy, skill) in routing.items():
        if role in pools:
            pools[role] = _with_routing(pools[role], strategy, definition, role)
        if skill:
            nodes = [replace(x, skill=skill) if x.kind == "task" and x.role == role else x for x in nodes]
    # joins with a kind of "xor" and one successor are pass-throughs; a join must know its inputs
    graph = ProcessGraph(start=start_id or process.flow[0].id, nodes=tuple(nodes))
    arrivals = asis.arrivals if asis is not None else ArrivalProfile(rates=(arrivals_per_hour,) * 168, timezone=cal.timezone)
    return SimulationModel(
        name=f"to-be:{process.id}",
        graph=graph,
        arrivals=arrivals,
        pools=tuple(pools.values()),
        waits=tuple(waits),
        sla_calendar=cal,
        start_ts=asis.start_ts if asis is not None else 0.0,
        priorities=tuple(priorities),
        kpis=KpiSpec(sla=sla_kpi, won=tuple(dict.fromkeys(won)), calendar=cal),
        has_start_times=asis.has_start_times if asis is not None else True,
    )


def _with_routing(pool: ResourcePool, strategy: RoutingStrategy, definition: ToBeDefinition, role: str) -> ResourcePool:
    skills = next((r.skills for r in definition.roles if r.id == role), ())
    people = pool.resources
    if strategy == "skill_based" and skills:
        # each person gets one of the role's skills in turn (and the next one): a documented assumption
        people = tuple(
            replace(p, skills=(skills[k % len(skills)], skills[(k + 1) % len(skills)])) for k, p in enumerate(pool.resources)
        )
    return replace(pool, routing=strategy, resources=people)


__all__ = ["SYSTEM_POOL", "calendar_of", "tobe_simulation_model"]
