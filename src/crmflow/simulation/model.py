"""The simulation model: one process graph, arrivals, waits, resource pools, SLA timers.

Both the discovered As-Is (:func:`crmflow.simulation.discover.discover_simulation_model`) and the To-Be
(:func:`crmflow.simulation.tobe.tobe_simulation_model`) become a :class:`SimulationModel`, and the one
simulator (:mod:`crmflow.simulation.simulator`) gives it its meaning:

* a case arrives (non-homogeneous Poisson, :class:`ArrivalProfile`: a rate per local weekday and hour) and
  enters the graph at ``start``;
* an ``xor`` node sends the token along one branch (probabilities), ``and`` to all branches, a ``join``
  waits for all of its incoming tokens, ``end`` finishes the token (the case ends with its last token);
* a ``task`` node waits (``waits``: working time of its pool's calendar, per predecessor activity), asks its
  pool for a resource (routing: :data:`RoutingStrategy`; queue order: priority, then arrival), holds it for
  the ``duration`` (working time: processing pauses outside the pool's hours), and goes to ``next``;
* an :class:`SlaTimer` on a task starts when the task is enabled and counts working time of
  ``sla_calendar``; when it fires before the task is complete, the breach is recorded and the escalation
  levels run (``reassign``: a task still waiting moves to another role's queue at top priority; ``notify``,
  ``retry``, ``mark_status``: counted).

>>> g = ProcessGraph(start="a", nodes=(Node(id="a", kind="task", activity="Call", role="sdr", next=("end",)),
...                                     Node(id="end", kind="end")))
>>> g.node("a").activity, g.tasks()[0].role
('Call', 'sdr')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from crmflow.findings.calendar import WorkCalendar
from crmflow.jsonable import to_jsonable
from crmflow.simulation.distributions import Distribution

NodeKind = Literal["task", "xor", "and", "join", "end"]
RoutingStrategy = Literal["pool", "observed", "round_robin", "least_loaded", "skill_based"]
ROUTING_STRATEGIES: tuple[RoutingStrategy, ...] = ("pool", "observed", "round_robin", "least_loaded", "skill_based")
#: Priority names of the To-Be (``PriorityRule.priority``) → queue rank (smaller is served first).
PRIORITY_RANK: dict[str, int] = {"urgent": 0, "critical": 0, "highest": 0, "high": 1, "normal": 2, "medium": 2, "low": 3}
NORMAL_PRIORITY = 2


@dataclass(frozen=True)
class SlaTimer:
    """A working-time SLA on a task: due ``within_s`` after the task is enabled, then escalations.

    ``escalations`` are ``(after_s, action, role)``: ``after_s`` working seconds after the previous level
    (or the breach); ``action`` one of ``reassign``, ``notify``, ``retry``, ``mark_status``, ``move_to``.
    """

    id: str
    within_s: float
    escalations: tuple[tuple[float, str, str | None], ...] = ()


@dataclass(frozen=True)
class Node:
    """A node of the process graph (see the module docstring for each kind's meaning)."""

    id: str
    kind: NodeKind
    activity: str | None = None
    role: str | None = None
    next: tuple[str, ...] = ()
    probabilities: tuple[float, ...] = ()
    duration: Distribution = field(default_factory=lambda: Distribution.fixed(0.0))
    sla: SlaTimer | None = None
    priority: int | None = None
    skill: str | None = None


@dataclass(frozen=True)
class ProcessGraph:
    """The control flow: nodes by id and the start node."""

    start: str
    nodes: tuple[Node, ...]

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def tasks(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.kind == "task")

    def incoming(self) -> dict[str, int]:
        """How many edges enter each node (what a ``join`` waits for)."""
        counts: dict[str, int] = {n.id: 0 for n in self.nodes}
        for n in self.nodes:
            for t in n.next:
                counts[t] = counts.get(t, 0) + 1
        return counts


@dataclass(frozen=True)
class ArrivalProfile:
    """Case arrivals: a Poisson rate (cases per hour) for each local weekday (Monday = 0) and hour."""

    rates: tuple[float, ...]  # 168 values, index weekday * 24 + hour
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if len(self.rates) != 168 or any(r < 0 for r in self.rates):
            raise ValueError("an arrival profile needs 168 non-negative hourly rates (7 weekdays x 24 hours)")

    @property
    def per_week(self) -> float:
        return float(sum(self.rates))

    def scaled(self, factor: float) -> ArrivalProfile:
        return ArrivalProfile(rates=tuple(r * factor for r in self.rates), timezone=self.timezone)


@dataclass(frozen=True)
class ResourceSpec:
    """One person (or a system) of a pool: observed share of the pool's work, parallel capacity, skills."""

    name: str
    share: float = 1.0
    capacity: int = 1
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourcePool:
    """The people of a role, their working calendar, how work is assigned to them and what an hour costs."""

    role: str
    resources: tuple[ResourceSpec, ...]
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    routing: RoutingStrategy = "observed"
    cost_per_hour: float = 0.0

    @property
    def size(self) -> int:
        return len(self.resources)


@dataclass(frozen=True)
class WaitSpec:
    """The wait (working time of the task's pool) before ``activity`` when ``after`` was the previous activity.

    ``after`` None is the fallback for any predecessor; ``node`` (a task node's id) narrows it to that node
    of the graph (a prefix of the As-Is prefix tree: the wait given the whole path so far).
    """

    activity: str
    after: str | None
    distribution: Distribution
    node: str | None = None


@dataclass(frozen=True)
class KpiSpec:
    """How the audit KPIs are read from a log or a simulation.

    ``sla`` is ``(name, from_activity, to_activity, within_s, basis)``: a case complies when ``to`` ends
    within ``within_s`` (``working`` time of ``calendar`` or ``calendar`` time) of ``from``'s end;
    ``won`` are the activities whose presence makes a case converted.
    """

    sla: tuple[str, str, str, float, str] | None = None
    won: tuple[str, ...] = ()
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


@dataclass(frozen=True)
class SimulationModel:
    """Everything the simulator needs (see the module docstring); JSON through :meth:`to_dict`.

    ``start_ts`` is where the simulated clock starts (epoch seconds: the log's first arrival for the As-Is);
    ``attributes`` are case attributes drawn at arrival (``(name, value, probability)``: skills, priority
    inputs); ``priorities`` are To-Be priority rules ``(expression, rank)`` over those attributes;
    ``notes`` say what was estimated rather than measured (ru/en message keys with values); ``pace`` is the
    between-case share of the waits' variance (:mod:`crmflow.simulation.pace`: each case draws a pace at
    arrival that moves all its waits together; 0: waits are independent).
    """

    name: str
    graph: ProcessGraph
    arrivals: ArrivalProfile
    pools: tuple[ResourcePool, ...]
    waits: tuple[WaitSpec, ...] = ()
    sla_calendar: WorkCalendar = field(default_factory=WorkCalendar)
    start_ts: float = 0.0
    attributes: tuple[tuple[str, str, float], ...] = ()
    priorities: tuple[tuple[str, int], ...] = ()
    kpis: KpiSpec = field(default_factory=KpiSpec)
    has_start_times: bool = True
    notes: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    pace: float = 0.0

    def pool(self, role: str) -> ResourcePool:
        for p in self.pools:
            if p.role == role:
                return p
        raise KeyError(role)

    def activities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.activity for n in self.graph.tasks() if n.activity))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable(
            {
                "name": self.name,
                "start_ts": self.start_ts,
                "has_start_times": self.has_start_times,
                "pace": self.pace,
                "arrivals": {
                    "timezone": self.arrivals.timezone,
                    "per_week": self.arrivals.per_week,
                    "rates": self.arrivals.rates,
                },
                "graph": {
                    "start": self.graph.start,
                    "nodes": [
                        {
                            "id": n.id,
                            "kind": n.kind,
                            "activity": n.activity,
                            "role": n.role,
                            "next": n.next,
                            "probabilities": n.probabilities,
                            "duration": n.duration.to_dict() if n.kind == "task" else None,
                            "sla": n.sla,
                            "priority": n.priority,
                        }
                        for n in self.graph.nodes
                    ],
                },
                "pools": [
                    {
                        "role": p.role,
                        "size": p.size,
                        "routing": p.routing,
                        "cost_per_hour": p.cost_per_hour,
                        "calendar": p.calendar.describe(),
                        "resources": p.resources,
                    }
                    for p in self.pools
                ],
                "waits": [
                    {"activity": w.activity, "after": w.after, "node": w.node, "distribution": w.distribution.to_dict()}
                    for w in self.waits
                ],
                "sla_calendar": self.sla_calendar.describe(),
                "attributes": self.attributes,
                "priorities": self.priorities,
                "kpis": {"sla": self.kpis.sla, "won": self.kpis.won},
                "notes": [{"key": k, "values": dict(v)} for k, v in self.notes],
            }
        )
        return out


__all__ = [
    "NORMAL_PRIORITY",
    "PRIORITY_RANK",
    "ROUTING_STRATEGIES",
    "ArrivalProfile",
    "KpiSpec",
    "Node",
    "NodeKind",
    "ProcessGraph",
    "ResourcePool",
    "ResourceSpec",
    "RoutingStrategy",
    "SimulationModel",
    "SlaTimer",
    "WaitSpec",
]
