"""The simulated To-Be, run again on the engine: the same arrivals and people, the engine's own timers.

Issue 14's acceptance check. :func:`replay_in_engine` takes one replication of a To-Be simulation model
(:func:`crmflow.simulation.tobe.tobe_simulation_model`) and drives the engine (:mod:`crmflow.engine`) with
it on an injected :class:`~crmflow.engine.timing.ManualClock`:

* every simulated arrival becomes the process's start message (``lead.created`` for the incoming lead) at
  the arrival instant;
* the people are played from the simulation: a user task the engine opens is completed at the instant
  the simulated person completed the same To-Be step (or at once, when the engine opens it later than
  that, e.g. a retry after an SLA breach), with the simulated outcome as variables (``reached`` for an
  SLA's ``resolved_when``, the branch the simulated case took at an exclusive gateway); with
  ``people="engine_routing"`` the engine's assignee works it instead, after the step's simulated wait and
  for its simulated processing time, one task per free slot (the engine's routing sets the timing);
* everything else is the engine's: service tasks through the outbox and a connector, SLA boundary timers
  armed in working time of the model's calendar when the task opens, their interruption and the
  escalation chain (retry after 2 h, next working day, unreachable), routing to the staff;
* the engine writes its event log into its store; :func:`measure_engine_sla` imports it into a crmflow
  project store (:func:`crmflow.engine.eventlog.export_event_log`) and measures the SLA with the audit's
  own :func:`crmflow.findings.sla.measure_sla`.

The clock advances from one instant to the next: the next arrival or completion of the simulated log,
or the engine's next due timer, whichever comes first; at each instant the engine runs until idle.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np

from crmflow.engine.contracts import ActionRequest, ActionResult, CorrelateMessage, OutboundMessage
from crmflow.engine.routing import Person, Staff
from crmflow.engine.tasks import TaskService
from crmflow.engine.timing import ManualClock, from_epoch
from crmflow.engine.worker import Engine
from crmflow.findings.calendar import WorkCalendar
from crmflow.findings.rules import SlaRule
from crmflow.findings.sla import SlaResult, measure_sla
from crmflow.simulation.model import SimulationModel
from crmflow.simulation.simulator import SimulatedLog
from crmflow.simulation.worktime import WorkingClock


@dataclass(frozen=True)
class EngineRun:
    """What the engine did with one simulated replication (its store stays open for measuring)."""

    engine: Engine
    cases: int
    rounds: int
    timers_fired: int
    completions: int
    deferred: int
    instances: Mapping[str, int]


class _OkConnector:
    """A connector that performs every action at once (the simulation has no CRM latency)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0

    def perform(self, request: ActionRequest) -> ActionResult:
        self.calls += 1
        return ActionResult(ok=True, response={"ok": True})


class _Discard:
    """A publisher that accepts every outbound message (nothing leaves the check)."""

    def __init__(self) -> None:
        self.count = 0

    def publish(self, message: OutboundMessage) -> None:
        self.count += 1


def _case_plans(sim: SimulatedLog, model: SimulationModel) -> list[dict[str, float]]:
    """Per simulated case: To-Be step id -> the instant its (first) completion was simulated."""
    by_activity = {n.activity: n.id for n in model.graph.tasks()}
    steps = [by_activity.get(a, "") for a in sim.activities]
    plans: list[dict[str, float]] = [{} for _ in range(sim.n_cases)]
    order = np.argsort(sim.end, kind="stable")
    for i in order.tolist():
        step = steps[int(sim.activity[i])]
        plan = plans[int(sim.case[i])]
        if step and step not in plan:
            plan[step] = float(sim.end[i])
    return plans


def _case_work(
    sim: SimulatedLog, model: SimulationModel, clocks: Mapping[str, WorkingClock]
) -> list[dict[str, tuple[float, float]]]:
    """Per simulated case: To-Be step id -> (its wait, its processing), both in working seconds of its pool."""
    nodes = {n.activity: n for n in model.graph.tasks()}
    plans: list[dict[str, tuple[float, float]]] = [{} for _ in range(sim.n_cases)]
    last = sim.arrival.astype(float).tolist()
    for i in np.argsort(sim.end, kind="stable").tolist():
        c = int(sim.case[i])
        node = nodes.get(sim.activities[int(sim.activity[i])])
        if node is None:
            continue
        clock = clocks.get(node.role or "")
        enabled, start, end = float(sim.enabled[i]), float(sim.start[i]), float(sim.end[i])
        if clock is not None and node.id not in plans[c]:
            plans[c][node.id] = (max(clock.between(last[c], enabled), 0.0), max(clock.between(start, end), 0.0))
        last[c] = end
    return plans


class _People:
    """The simulated people working the engine's assignments: each takes its ready tasks in order, ``capacity``
    at a time, inside its pool's working hours (``people="engine_routing"``)."""

    def __init__(self, model: SimulationModel, clocks: Mapping[str, WorkingClock]) -> None:
        self.clock: dict[str, WorkingClock] = {}
        self.cap: dict[str, int] = {}
        self.role: dict[str, list[str]] = {}
        for pool in model.pools:
            if pool.role not in clocks:
                continue
            for r in pool.resources:
                pid = f"{pool.role}:{r.name}"
                self.clock[pid] = clocks[pool.role]
                self.cap[pid] = max(1, r.capacity)
                self.role.setdefault(pool.role, []).append(pid)
        self.busy = dict.fromkeys(self.cap, 0)
        self.queue: dict[str, list[tuple[float, int, tuple[str, float, dict[str, Any]]]]] = {p: [] for p in self.cap}

    def who(self, assignee: str | None, role: str | None) -> str | None:
        """The engine's assignee, or (a task left in its role's queue) the least loaded person of the role."""
        if assignee in self.cap:
            return assignee
        people = self.role.get(role or "", [])
        return min(people, key=lambda p: ((self.busy[p] + len(self.queue[p])) / self.cap[p], p)) if people else None


def _decisions(model: SimulationModel, plan: Mapping[str, float], outcome: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The variables a simulated case's completions carry: the outcome of each branch it took."""
    out: dict[str, Any] = {}
    for n in model.graph.nodes:
        if n.kind != "xor" or len(n.next) < 2:
            continue
        for target in n.next:
            if target in plan and target in outcome:
                _merge(out, outcome[target])
    return out


def _merge(into: dict[str, Any], more: Mapping[str, Any]) -> None:
    for k, v in more.items():
        if isinstance(v, Mapping) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = dict(v) if isinstance(v, Mapping) else v


def replay_in_engine(
    sim: SimulatedLog,
    model: SimulationModel,
    tobe: str | Path,
    *,
    store: str | Path,
    start_message: str,
    correlation_key: str,
    variables: Mapping[str, Any] | None = None,
    done: Mapping[str, Any] | None = None,
    outcome: Mapping[str, Mapping[str, Any]] | None = None,
    connector: str = "crm",
    people: Literal["replay", "engine_routing"] = "replay",
) -> EngineRun:
    """Run the simulated replication ``sim`` of ``model`` (the To-Be ``tobe``) on the engine (see the module docstring).

    Parameters
    ----------
    sim, model
        One replication of the To-Be simulation model, and that model (its task ids are the To-Be's step ids).
    tobe
        The To-Be YAML the model was made from; the engine deploys it (compiled to BPMN).
    store
        The engine's SQLite file (created).
    start_message, correlation_key
        The message that starts an instance (``lead.created``) and its business key (``lead_id``).
    variables
        The start variables of every instance.
    done
        The variables every completion of a user task carries (``{"lead": {"reached": True}}``: the call
        reached the lead, the SLA's ``resolved_when``).
    outcome
        Per target of an exclusive gateway, the variables that choose it when the simulated case went there.
    connector
        The connector name service tasks are bound to.
    people
        ``replay``: a user task is completed when the simulated person completed that step (the simulator's
        routing and queues decide the timing). ``engine_routing``: the engine's assignee does it — after the
        step's simulated wait from the task's creation, once that person has a free slot (FIFO by readiness),
        for the step's simulated processing time, in the pool's working hours — so the engine's routing and
        the people's queues behind it decide the timing.
    """
    plans = _case_plans(sim, model)
    pools = [p for p in model.pools if p.role != "system"]
    staff = Staff(tuple(Person(id=f"{p.role}:{r.name}", roles=(p.role,), skills=r.skills) for p in pools for r in p.resources))
    horizon = float(sim.horizon[1]) + 400 * 86400.0
    clocks = {p.role: WorkingClock.for_span(p.calendar, float(model.start_ts), horizon) for p in pools}
    work = _case_work(sim, model, clocks) if people == "engine_routing" else []
    crew = _People(model, clocks)
    first = float(sim.arrival[0]) if sim.n_cases else float(model.start_ts)
    clock = ManualClock(from_epoch(first))
    engine = Engine(str(store), clock=clock, staff=staff, connectors=[_OkConnector(connector)], publisher=_Discard())
    engine.deploy(Path(tobe))
    tasks = TaskService(engine)
    outcome = outcome or {}
    base_done = dict(done or {})
    seq = 0
    actions: list[tuple[float, int, str, Any]] = []
    for c, t in enumerate(sim.arrival.tolist()):
        seq += 1
        actions.append((float(t), seq, "start", c))
    heapq.heapify(actions)
    step_of = {n.id: (n.step.id if n.step is not None else n.id) for n in engine.process(_process_id(engine)).nodes.values()}
    scheduled: set[str] = set()
    rounds = fired = completions = deferred = 0
    while True:
        due = engine.store.q("SELECT MIN(due_at) FROM timers")[0][0]
        next_action = actions[0][0] if actions else None
        if next_action is None and due is None:
            break
        t = min(x for x in (next_action, None if due is None else float(due)) if x is not None)
        if t > clock.now().timestamp():
            clock.set(from_epoch(t))
        if due is not None and float(due) <= t:
            fired += 1
        while actions and actions[0][0] <= t:
            _t, _s, kind, arg = heapq.heappop(actions)
            if kind == "start":
                c = int(arg)
                engine.accept(
                    CorrelateMessage(
                        message_name=start_message,
                        correlation_key=correlation_key,
                        correlation_value=f"C{c}",
                        dedupe_key=f"sim:{sim.seed}:{c}",
                        variables=dict(variables or {}),
                    )
                )
            elif kind == "ready":  # engine_routing: the task's wait is over; its person takes it or queues it
                pid, job = arg
                if tasks.get(job[0]).status not in ("open", "claimed"):  # the engine's timer cancelled it meanwhile
                    continue
                if crew.busy[pid] < crew.cap[pid]:
                    seq += 1
                    heapq.heappush(actions, (_begin(crew, pid, job, t), seq, "finish", (pid, job)))
                else:
                    seq += 1
                    heapq.heappush(crew.queue[pid], (t, seq, job))
            else:
                pid, (task_id, _d, carried) = arg if kind == "finish" else (None, arg)
                if tasks.get(task_id).status in ("open", "claimed"):  # else an interrupting timer closed it first
                    tasks.complete(task_id, carried)
                    completions += 1
                if pid is not None:
                    crew.busy[pid] -= 1
                    while crew.queue[pid]:
                        _r, _q, job = heapq.heappop(crew.queue[pid])
                        if tasks.get(job[0]).status in ("open", "claimed"):  # a cancelled task is dropped unworked
                            seq += 1
                            heapq.heappush(actions, (_begin(crew, pid, job, t), seq, "finish", (pid, job)))
                            break
        rounds += engine.run_until_idle()
        now = clock.now().timestamp()
        open_rows = engine.store.q("SELECT id, business_key, node, assignee, role FROM tasks WHERE status IN ('open', 'claimed')")
        for task_id, key, node, assignee, role in open_rows:
            if task_id in scheduled:
                continue
            scheduled.add(str(task_id))
            c = int(str(key)[1:])
            plan = plans[c]
            step = step_of.get(str(node), str(node))
            payload: dict[str, Any] = {}
            _merge(payload, base_done)
            _merge(payload, _decisions(model, plan, outcome))
            seq += 1
            pid = crew.who(assignee, role) if people == "engine_routing" else None
            if pid is not None:
                wait_w, dur_w = work[c].get(step, (0.0, 0.0))
                if str(node) != step:  # a retry of the step: a new call at once, as long as the first
                    wait_w = 0.0
                ready = crew.clock[pid].add(now, wait_w)
                heapq.heappush(actions, (ready, seq, "ready", (pid, (str(task_id), dur_w, payload))))
                continue
            when = plan.get(step)
            if when is None:  # the simulated case never did this step (it ended before): done now
                when = now
            if when < now:
                deferred += 1
            heapq.heappush(actions, (max(when, now), seq, "complete", (str(task_id), 0.0, payload)))
    counts = {str(s): int(n) for s, n in engine.store.q("SELECT status, COUNT(*) FROM instances GROUP BY status")}
    return EngineRun(
        engine=engine,
        cases=sim.n_cases,
        rounds=rounds,
        timers_fired=fired,
        completions=completions,
        deferred=deferred,
        instances=counts,
    )


def _begin(crew: _People, pid: str, job: tuple[str, float, dict[str, Any]], t: float) -> float:
    """``pid`` starts ``job`` at ``t`` (or when its working hours start); returns when it is done."""
    crew.busy[pid] += 1
    clock = crew.clock[pid]
    return clock.add(clock.next_working(t), job[1])


def _process_id(engine: Engine) -> str:
    (pid,) = engine.store.q("SELECT process_id FROM deployments ORDER BY deployed_at LIMIT 1")[0]
    return str(pid)


def measure_engine_sla(run: EngineRun, rule: SlaRule, calendar: WorkCalendar, *, project: str | Path | None = None) -> SlaResult:
    """The SLA the engine achieved: its event log imported into a project store, measured by the audit's ``measure_sla``."""
    from crmflow.engine.eventlog import export_event_log
    from crmflow.sources.project import open_project_log

    with tempfile.TemporaryDirectory(prefix="crmflow-check-") as tmp:
        path = Path(project) if project is not None else Path(tmp) / "engine.duckdb"
        export_event_log(run.engine.store, path)
        log = open_project_log(path)
        try:
            summary = log.summary()
            lo, hi = summary.first_ts, summary.last_ts
            if lo is None or hi is None:
                raise ValueError("the engine wrote no event")
            cal = calendar.install(log.store, (lo - timedelta(days=2)).date(), (hi + timedelta(days=2)).date())
            return measure_sla(log, rule, cal)
        finally:
            log.store.close()


#: How the demo's incoming-lead To-Be (``design/examples/incoming_lead.yaml``) is replayed: the start message and
#: its key, the variables a lead arrives with, what the rep's call sets, and what each outcome step sets.
INCOMING_LEAD: dict[str, Any] = {
    "start_message": "lead.created",
    "correlation_key": "lead_id",
    "variables": {"lead": {"source": "web", "expected_amount": 0}},
    "done": {"lead": {"reached": True}},
    "outcome": {
        "create_deal": {"lead": {"qualification": "qualified"}},
        "nurture": {"lead": {"qualification": "nurture"}},
        "disqualify": {"lead": {"qualification": "disqualified"}},
    },
}

__all__ = ["INCOMING_LEAD", "EngineRun", "measure_engine_sla", "replay_in_engine"]
