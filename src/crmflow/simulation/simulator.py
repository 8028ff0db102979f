"""The discrete-event simulator: one event heap (``heapq``), one meaning for every :class:`SimulationModel`.

:func:`simulate` runs a model from its ``start_ts`` for a number of days (or cases) and returns a
:class:`SimulatedLog`: every simulated task with its enablement, start, end and resource, the cases with
their arrival and end, and each SLA timer's outcome. The same model and seed give the same log: every
random draw comes from ``numpy`` generators spawned from the seed — one for arrivals, one per node and per
wait for durations, a row of branching draws per case, and each case's pace (:mod:`.pace`) — so scenarios
compared with the same seed see the same arrivals and the same decisions of each case (common random
numbers); heap ties are broken by an insertion counter.

Why a hand-written heap and not simpy: the state the simulator needs (queues per resource, lazy
cancellation of a task moved by an escalation, working-time clocks) is plain data, and a simpy process per
case costs a generator and an event object per step; measured in ``bench/simulation.py`` (see
``docs/simulation.md``), 100,000 cases run in 7.0 s on the heap (with routing, calendars and every event
recorded) against 9.3 s for a plainer simpy model of the same queues.

>>> from crmflow.simulation.model import ArrivalProfile, Node, ProcessGraph, ResourcePool, ResourceSpec, SimulationModel
>>> from crmflow.simulation.distributions import Distribution
>>> g = ProcessGraph(start="a", nodes=(
...     Node(id="a", kind="task", activity="Call", role="sdr", next=("end",), duration=Distribution.fixed(300)),
...     Node(id="end", kind="end")))
>>> m = SimulationModel(name="toy", graph=g, arrivals=ArrivalProfile(rates=(2.0,) * 168),
...                     pools=(ResourcePool(role="sdr", resources=(ResourceSpec(name="ann"),)),))
>>> log = simulate(m, days=7, seed=1)
>>> 250 < log.n_cases < 420, round(float(log.end[0] - log.start[0]), 6)
(True, 300.0)
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable

import numpy as np

from crmflow.simulation.arrivals import arrival_times
from crmflow.simulation.distributions import Distribution
from crmflow.simulation.indexed import indexed
from crmflow.simulation.model import NORMAL_PRIORITY, SimulationModel
from crmflow.simulation.pace import Draws, PacedDraws
from crmflow.simulation.simulated_log import SimulatedLog
from crmflow.simulation.work_items import FINISHED, MOVED, QUEUED, RUNNING, WAITING, PoolState, WorkItem
from crmflow.simulation.worktime import WorkingClock

#: A case that has made this many steps is ended (a guard against endless rework loops).
MAX_STEPS = 400
#: Branching draws kept per case (common random numbers across scenarios); later ones come from a shared stream.
_BRANCH_DRAWS = 24
_ARRIVE, _ENABLE, _DONE, _SLA, _ESCALATE = 0, 1, 2, 3, 4


def simulate(
    model: SimulationModel,
    *,
    days: float | None = None,
    cases: int | None = None,
    seed: int = 0,
    start_ts: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> SimulatedLog:
    """Run one replication of ``model``.

    Parameters
    ----------
    model
        The model (As-Is discovered, To-Be, or a scenario of either).
    days, cases
        Simulate the arrivals of ``days`` days, or the first ``cases`` arrivals (at least one is needed);
        every arrived case is run to its end.
    seed
        The random seed: the same seed gives the same log.
    start_ts
        Where the clock starts (default: the model's ``start_ts``).
    progress
        Called now and then with the share of arrivals processed (0..1).

    Raises
    ------
    ValueError
        When neither ``days`` nor ``cases`` is given, or a task's role has no pool.
    """
    if days is None and cases is None:
        raise ValueError("simulate needs `days` or `cases`")
    # arrivals, branching, durations and waits, the rest, the cases' paces (a fifth child leaves the first four alone)
    streams = np.random.SeedSequence(seed).spawn(5)
    t0 = model.start_ts if start_ts is None else start_ts
    week = model.arrivals.per_week
    if days is not None:
        t1 = t0 + days * 86400.0
    else:
        t1 = t0 + max(7 * 86400.0, 1.3 * 7 * 86400.0 * float(cases or 0) / max(week, 1e-9) + 7 * 86400.0)
    arrivals = arrival_times(model, t0, t1, cases, np.random.default_rng(streams[0]))
    return _Run(model, streams, seed, t0, t1).run(arrivals, progress)


class _Run:
    """The state of one replication."""

    def __init__(self, model: SimulationModel, streams: list[np.random.SeedSequence], seed: int, t0: float, t1: float) -> None:
        self.model, self.seed = model, seed
        self.branch_rng = np.random.default_rng(streams[1])
        self.pace_rng = np.random.default_rng(streams[4])
        rng = np.random.default_rng(streams[3])
        self.t0, self.t1 = t0, t1
        st = indexed(model)
        self.nodes, self.index, self.start = st.nodes, st.index, st.start
        self.join_need, self.next, self.cum = st.join_need, st.next, st.cum
        self.activities, self.node_act = st.activities, st.node_act
        horizon_end = t1 + 180 * 86400.0
        self.pools: list[PoolState] = [
            PoolState(spec, WorkingClock.for_span(spec.calendar, t0, horizon_end)) for spec in model.pools
        ]
        self.pool_index, self.node_pool = st.pool_index, st.node_pool
        self.sla_clock = WorkingClock.for_span(model.sla_calendar, t0, horizon_end)
        # one stream per distinct duration distribution and per wait: a scenario that changes one step leaves
        # the others' draws alone, and one activity in many places of a prefix tree shares its draws
        node_streams = streams[2].spawn(len(st.distinct) + len(model.waits))
        shared = [Draws(d, np.random.default_rng(node_streams[i])) for i, d in enumerate(st.distinct)]
        self.duration: list[Draws | None] = [shared[j] if j >= 0 else None for j in st.node_distinct]
        self.paced = model.pace > 0
        fallback: dict[int, Draws | PacedDraws] = {}
        specific: dict[tuple[int, int], Draws | PacedDraws] = {}
        at_node: dict[int, Draws | PacedDraws] = {}
        for k, where, key in st.waits:
            w = model.waits[k]
            wait_rng = np.random.default_rng(node_streams[len(st.distinct) + k])
            draws: Draws | PacedDraws = (
                PacedDraws(w.distribution, wait_rng, model.pace, table=st.wait_table(k))
                if self.paced
                else Draws(w.distribution, wait_rng)
            )
            if where == "node":
                at_node[key] = draws  # type: ignore[index]
            elif where == "activity":
                fallback[key] = draws  # type: ignore[index]
            else:
                specific[key] = draws  # type: ignore[index]
        self.wait_fallback, self.wait_specific, self.wait_node = fallback, specific, at_node
        self.uniform = Draws(Distribution(kind="empirical", params=(0.0, 1.0), mean=0.5), rng)
        self.resources: list[str] = []
        self.res_code: list[list[int]] = []
        for p in self.pools:
            codes = []
            for name in p.names:
                codes.append(len(self.resources))
                self.resources.append(f"{p.spec.role}:{name}")
            self.res_code.append(codes)
        self.sla_ids = st.sla_ids
        self.heap: list[tuple[float, int, int, object, int]] = []
        self.seq = 0
        self.ev_case: list[int] = []
        self.ev_act: list[int] = []
        self.ev_res: list[int] = []
        self.ev_enabled: list[float] = []
        self.ev_start: list[float] = []
        self.ev_end: list[float] = []
        self.sla_case: list[int] = []
        self.sla_id: list[int] = []
        self.sla_met: list[bool] = []
        self.escalations: dict[str, int] = {}
        self.won_acts = st.won_acts
        self.priority_of = self._priority_function()

    # ------------------------------------------------------------------ plumbing

    def push(self, t: float, kind: int, a: object, b: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, a, b))

    def _priority_function(self) -> Callable[[dict[str, str]], int]:
        from crmflow.design.expressions import parse_expression

        rules = [(parse_expression(src), rank) for src, rank in self.model.priorities]
        cache: dict[tuple[tuple[str, str], ...], int] = {}

        def rank(attrs: dict[str, str]) -> int:
            key = tuple(sorted(attrs.items()))
            if key not in cache:
                data: dict[str, object] = {}
                for name, value in attrs.items():
                    *parents, leaf = name.split(".")
                    cur = data
                    for p in parents:
                        cur = cur.setdefault(p, {})  # type: ignore[assignment]
                    cur[leaf] = value
                found = NORMAL_PRIORITY
                for expr, r in rules:
                    try:
                        if expr.holds(data):
                            found = r
                            break
                    except Exception:  # noqa: BLE001 - a rule over an attribute the case lacks does not apply
                        continue
                cache[key] = found
            return cache[key]

        return rank

    def _draw_attributes(self) -> dict[str, str]:
        out: dict[str, str] = {}
        groups: dict[str, list[tuple[str, float]]] = {}
        for name, value, p in self.model.attributes:
            groups.setdefault(name, []).append((value, p))
        for name, options in groups.items():
            u, acc = self.uniform(), 0.0
            total = sum(p for _v, p in options) or 1.0
            chosen = options[-1][0]
            for v, p in options:
                acc += p / total
                if u < acc:
                    chosen = v
                    break
            out[name] = chosen
        return out

    # ------------------------------------------------------------------ the run

    def run(self, arrivals: np.ndarray, progress: Callable[[float], None] | None) -> SimulatedLog:
        n = len(arrivals)
        self.case_end = [math.nan] * n
        self.case_won = [False] * n
        self.tokens = [0] * n
        self.steps = [0] * n
        self.case_prio = [NORMAL_PRIORITY] * n
        self.case_attrs: list[dict[str, str]] = [{}] * n
        self.joins: dict[tuple[int, int], int] = {}
        self.branch_u = self.branch_rng.random((n, _BRANCH_DRAWS), dtype=np.float32)
        self.branch_k = [0] * n
        # each case's latent pace (a normal score shared by all its waits; see pace.py)
        self.case_z = self.pace_rng.standard_normal(n).tolist() if self.paced else []
        arr = arrivals.tolist()
        for c, t in enumerate(arr):
            self.push(t, _ARRIVE, c)
        heap, pop = self.heap, heapq.heappop
        done = 0
        step = max(1, n // 50)
        while heap:
            t, _s, kind, a, b = pop(heap)
            if kind == _DONE:
                self._done(t, a)  # type: ignore[arg-type]
            elif kind == _ENABLE:
                self._enable(t, a)  # type: ignore[arg-type]
            elif kind == _ARRIVE:
                c = int(a)  # type: ignore[call-overload]
                if self.model.attributes:
                    self.case_attrs[c] = self._draw_attributes()
                    self.case_prio[c] = self.priority_of(self.case_attrs[c])
                self.tokens[c] = 1
                self._route(t, c, self.start, -1)
                done += 1
                if progress is not None and done % step == 0:
                    progress(done / n)
            elif kind == _SLA:
                self._sla(t, a)  # type: ignore[arg-type]
            else:
                self._escalate(t, a, b)  # type: ignore[arg-type]
        if progress is not None:
            progress(1.0)
        return SimulatedLog(
            model=self.model.name,
            seed=self.seed,
            activities=self.activities,
            resources=tuple(self.resources),
            case=np.asarray(self.ev_case, dtype=np.int64),
            activity=np.asarray(self.ev_act, dtype=np.int32),
            resource=np.asarray(self.ev_res, dtype=np.int32),
            enabled=np.asarray(self.ev_enabled),
            start=np.asarray(self.ev_start),
            end=np.asarray(self.ev_end),
            arrival=np.asarray(arr),
            case_end=np.asarray(self.case_end),
            won=np.asarray(self.case_won, dtype=bool),
            sla_ids=self.sla_ids,
            sla_case=np.asarray(self.sla_case, dtype=np.int64),
            sla_id=np.asarray(self.sla_id, dtype=np.int32),
            sla_met=np.asarray(self.sla_met, dtype=bool),
            escalations=dict(sorted(self.escalations.items())),
            busy_s={p.spec.role: p.busy_s for p in self.pools},
            horizon=(self.t0, self.t1),
        )

    def _route(self, t: float, case: int, node: int, prev: int) -> None:
        """Move a token of ``case`` into ``node`` (``prev``: the last activity on its path)."""
        nodes = self.nodes
        while True:
            self.steps[case] += 1
            if self.steps[case] > MAX_STEPS:
                self._token_end(t, case)
                return
            kind = nodes[node].kind
            if kind == "task":
                a = self.node_act[node]
                wait = (
                    (self.wait_node.get(node) or self.wait_specific.get((prev, a)) or self.wait_fallback.get(a))
                    if prev >= 0
                    else None
                )
                w = 0.0 if wait is None else wait(self.case_z[case]) if self.paced else wait()  # type: ignore[call-arg]
                item = WorkItem(case, node, prev, t, 0, 0, 0)
                if nodes[node].sla is not None:
                    self._arm(t, item)
                if w > 0:
                    item.state = WAITING
                    pool = self.pools[self.node_pool[node]]
                    self.push(pool.clock.add(t, w), _ENABLE, item)
                else:
                    self._enable(t, item)
                return
            if kind == "xor":
                cum = self.cum[node]
                if len(cum) == 1:
                    node = self.next[node][0]
                    continue
                u = self._branch_u(case)
                i = 0
                while i < len(cum) - 1 and u >= cum[i]:
                    i += 1
                node = self.next[node][i]
                continue
            if kind == "and":
                targets = self.next[node]
                self.tokens[case] += len(targets) - 1
                for tgt in targets[1:]:
                    self._route(t, case, tgt, prev)
                node = targets[0]
                continue
            if kind == "join":
                key = (case, node)
                got = self.joins.get(key, 0) + 1
                if got < self.join_need[node]:
                    self.joins[key] = got
                    self.tokens[case] -= 1
                    return
                self.joins.pop(key, None)
                if not self.next[node]:
                    self._token_end(t, case)
                    return
                node = self.next[node][0]
                continue
            # end (or a node without successors)
            if kind != "end" and self.next[node]:
                node = self.next[node][0]
                continue
            self._token_end(t, case)
            return

    def _branch_u(self, case: int) -> float:
        """The case's next branching draw: the k-th decision of case c uses the same number in every scenario."""
        k = self.branch_k[case]
        self.branch_k[case] = k + 1
        if k < _BRANCH_DRAWS:
            return float(self.branch_u[case, k])
        return self.uniform()

    def _token_end(self, t: float, case: int) -> None:
        self.tokens[case] -= 1
        if self.tokens[case] <= 0:
            self.case_end[case] = t

    def _enable(self, t: float, item: WorkItem) -> None:
        node = self.nodes[item.node]
        item.enabled = t
        self.seq += 1
        item.seq = self.seq
        if item.pool >= 0:  # reassigned by an escalation while it waited: top priority in the new pool
            item.priority = 0
            self._submit(t, item, item.pool)
            return
        item.priority = node.priority if node.priority is not None else self.case_prio[item.case]
        self._submit(t, item, self.node_pool[item.node])

    def _arm(self, t: float, item: WorkItem) -> None:
        """Arm the task's SLA timer when the token reaches it (the engine's semantics: the timer starts when
        the task is created, before any wait for a person), counted in working time of the SLA calendar."""
        sla = self.nodes[item.node].sla
        assert sla is not None
        item.deadline = self.sla_clock.add(t, sla.within_s)
        item.sla_row = len(self.sla_met)
        self.sla_case.append(item.case)
        self.sla_id.append(self.sla_ids.index(sla.id))
        self.sla_met.append(False)
        self.push(item.deadline, _SLA, item)

    def _choose(self, pool: PoolState, item: WorkItem) -> int:
        s = pool.strategy
        n = len(pool.names)
        if s == "round_robin":
            i = pool.rr % n
            pool.rr += 1
            return i
        if s == "observed":
            return min(bisect.bisect_right(pool.cum_share, self.uniform()), n - 1)
        candidates = range(n)
        if s == "skill_based":
            attr = self.nodes[item.node].skill
            want = self.case_attrs[item.case].get(attr) if attr else None
            skilled = [i for i in range(n) if want is not None and want in pool.skills[i]]
            if skilled:
                candidates = skilled  # type: ignore[assignment]
        return min(candidates, key=pool.load)

    def _submit(self, t: float, item: WorkItem, p: int) -> None:
        pool = self.pools[p]
        item.pool = p
        item.state = QUEUED
        if pool.strategy == "pool":
            for i in range(len(pool.names)):
                if pool.busy[i] < pool.cap[i]:
                    self._start(t, item, pool, i)
                    return
            heapq.heappush(pool.shared, (*item.key(), item))
            return
        i = self._choose(pool, item)
        if pool.busy[i] < pool.cap[i] and not pool.queues[i]:
            self._start(t, item, pool, i)
        else:
            heapq.heappush(pool.queues[i], (*item.key(), item))

    def _start(self, t: float, item: WorkItem, pool: PoolState, i: int) -> None:
        pool.busy[i] += 1
        item.state = RUNNING
        item.res = i
        start = pool.clock.next_working(t)
        item.start = start
        d = self.duration[item.node]() if self.duration[item.node] is not None else 0.0  # type: ignore[misc]
        pool.busy_s += d
        self.push(pool.clock.add(start, d), _DONE, item)

    def _done(self, t: float, item: WorkItem) -> None:
        pool = self.pools[item.pool]
        i = item.res
        item.state = FINISHED
        a = self.node_act[item.node]
        self.ev_case.append(item.case)
        self.ev_act.append(a)
        self.ev_res.append(self.res_code[item.pool][i])
        self.ev_enabled.append(item.enabled)
        self.ev_start.append(item.start)
        self.ev_end.append(t)
        if a in self.won_acts:
            self.case_won[item.case] = True
        if item.sla_row >= 0:
            self.sla_met[item.sla_row] = t <= item.deadline
        pool.busy[i] -= 1
        queue = pool.shared if pool.strategy == "pool" else pool.queues[i]
        while queue:
            nxt = heapq.heappop(queue)[-1]
            if nxt.state == QUEUED:
                self._start(t, nxt, pool, i)
                break
        succ = self.next[item.node]
        if succ:
            self._route(t, item.case, succ[0], a)
        else:
            self._token_end(t, item.case)

    def _sla(self, t: float, item: WorkItem) -> None:
        if item.state == FINISHED:
            return
        sla = self.nodes[item.node].sla
        self.escalations["breach"] = self.escalations.get("breach", 0) + 1
        if sla is not None and sla.escalations:
            self.push(self.sla_clock.add(t, sla.escalations[0][0]), _ESCALATE, item, 0)

    def _escalate(self, t: float, item: WorkItem, level: int) -> None:
        if item.state in (FINISHED, MOVED):
            return
        sla = self.nodes[item.node].sla
        assert sla is not None
        _after, action, role = sla.escalations[level]
        self.escalations[action] = self.escalations.get(action, 0) + 1
        if action == "reassign" and role in self.pool_index and item.state == WAITING:
            item.pool = self.pool_index[role]  # _enable submits it there
        elif action == "reassign" and role in self.pool_index and item.state == QUEUED:
            item.state = MOVED  # lazily dropped from the old queue
            self.seq += 1  # a fresh tie-breaker: queue entries must never compare two items
            moved = WorkItem(item.case, item.node, item.prev, item.enabled, 0, self.seq, item.token)
            moved.deadline, moved.sla_row = item.deadline, item.sla_row
            moved.priority = 0
            self._submit(t, moved, self.pool_index[role])
            item = moved
        if level + 1 < len(sla.escalations):
            self.push(self.sla_clock.add(t, sla.escalations[level + 1][0]), _ESCALATE, item, level + 1)


__all__ = ["MAX_STEPS", "SimulatedLog", "simulate"]
