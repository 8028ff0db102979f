"""The outcome of one simulated replication: every task, case and SLA timer as arrays.

:class:`SimulatedLog` is what :func:`crmflow.simulation.simulator.simulate` returns and what the
KPIs (:mod:`.kpis`), the replications and the engine check read: per task its case, activity,
resource, enablement, start and end; per case its arrival, end and whether it was won; per SLA
timer its case, SLA and outcome; the escalation actions run and each pool's busy seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class SimulatedLog:
    """The outcome of one replication (arrays; times are epoch seconds).

    Per task: ``case``, ``activity`` (index into ``activities``), ``resource`` (index into ``resources``),
    ``enabled``, ``start``, ``end``. Per case: ``arrival``, ``case_end`` (NaN when not finished), ``won``.
    Per SLA timer: ``sla_case``, ``sla_id`` (index into ``sla_ids``), ``sla_met``. ``escalations`` counts the
    escalation actions run, ``busy_s`` the working seconds each role's pool spent on tasks.
    """

    model: str
    seed: int
    activities: tuple[str, ...]
    resources: tuple[str, ...]
    case: np.ndarray
    activity: np.ndarray
    resource: np.ndarray
    enabled: np.ndarray
    start: np.ndarray
    end: np.ndarray
    arrival: np.ndarray
    case_end: np.ndarray
    won: np.ndarray
    sla_ids: tuple[str, ...]
    sla_case: np.ndarray
    sla_id: np.ndarray
    sla_met: np.ndarray
    escalations: dict[str, int] = field(default_factory=dict)
    busy_s: dict[str, float] = field(default_factory=dict)
    horizon: tuple[float, float] = (0.0, 0.0)

    @property
    def n_cases(self) -> int:
        return len(self.arrival)

    @property
    def n_events(self) -> int:
        return len(self.case)


__all__ = ["SimulatedLog"]
