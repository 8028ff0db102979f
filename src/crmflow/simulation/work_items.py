"""The simulator's work items and the state of its resource pools.

A :class:`WorkItem` is one task instance of a case, waiting, queued, running, moved by an
escalation or finished (``QUEUED`` … ``WAITING``), with its priority, SLA deadline and the person
it runs on. A :class:`PoolState` is a role's pool during a run: its people and their capacities,
how many items each is working on, their queues (or the pool's shared queue), skills, routing
shares and the working-time clock of its calendar.
"""

from __future__ import annotations

import math

from crmflow.simulation.model import ResourcePool
from crmflow.simulation.worktime import WorkingClock

#: The states of a work item.
QUEUED, RUNNING, FINISHED, MOVED, WAITING = 0, 1, 2, 3, 4


class WorkItem:
    """A task instance (a work item) in a queue, running, or done."""

    __slots__ = (
        "case",
        "deadline",
        "enabled",
        "node",
        "pool",
        "prev",
        "priority",
        "res",
        "seq",
        "sla_row",
        "start",
        "state",
        "token",
    )

    def __init__(self, case: int, node: int, prev: int, enabled: float, priority: int, seq: int, token: int) -> None:
        self.case, self.node, self.prev, self.enabled, self.priority, self.seq = case, node, prev, enabled, priority, seq
        self.token = token
        self.state = QUEUED
        self.pool = -1
        self.res = -1
        self.start = math.nan
        self.deadline = math.inf
        self.sla_row = -1

    def key(self) -> tuple[int, float, int]:
        return (self.priority, self.enabled, self.seq)


class PoolState:
    """A role's pool during one run: people, capacities, queues, routing shares, the working clock."""

    __slots__ = ("busy", "cap", "clock", "cum_share", "names", "queues", "rr", "shared", "skills", "spec", "strategy", "busy_s")

    def __init__(self, spec: ResourcePool, clock: WorkingClock) -> None:
        self.spec, self.clock, self.strategy = spec, clock, spec.routing
        self.names = [r.name for r in spec.resources]
        self.cap = [max(1, r.capacity) for r in spec.resources]
        self.busy = [0] * len(self.names)
        self.queues: list[list[tuple[int, float, int, WorkItem]]] = [[] for _ in self.names]
        self.shared: list[tuple[int, float, int, WorkItem]] = []
        self.skills = [set(r.skills) for r in spec.resources]
        total = sum(max(r.share, 0.0) for r in spec.resources) or 1.0
        acc, self.cum_share = 0.0, []
        for r in spec.resources:
            acc += max(r.share, 0.0) / total
            self.cum_share.append(acc)
        self.rr = 0
        self.busy_s = 0.0

    def load(self, i: int) -> float:
        return (self.busy[i] + len(self.queues[i])) / self.cap[i]


__all__ = ["FINISHED", "MOVED", "QUEUED", "RUNNING", "WAITING", "PoolState", "WorkItem"]
