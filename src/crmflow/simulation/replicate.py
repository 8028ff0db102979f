"""Replications of one model: seeds ``seed .. seed + n - 1``, run on worker processes, same result as serial.

A replication is independent of the others (its own seed), so :func:`replicate` runs them on up to
``workers`` forked processes (the model is inherited, not pickled: a prefix-tree model of BPIC 2012 has
70,000 nodes) and returns their KPIs in seed order — the same numbers as a serial run. Where ``fork`` is not
available the runs are serial.

>>> from crmflow.simulation.model import ArrivalProfile, Node, ProcessGraph, ResourcePool, ResourceSpec, SimulationModel
>>> a = Node(id="a", kind="task", activity="A", role="r", next=("end",))
>>> g = ProcessGraph(start="a", nodes=(a, Node(id="end", kind="end")))
>>> m = SimulationModel(name="m", graph=g, arrivals=ArrivalProfile(rates=(1.0,) * 168),
...                     pools=(ResourcePool(role="r", resources=(ResourceSpec(name="x"),)),))
>>> two = [k.cases for k, _busy in replicate(m, n=3, days=2, workers=2)]
>>> two == [k.cases for k, _busy in replicate(m, n=3, days=2, workers=1)]
True
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

from crmflow.simulation.kpis import Kpis, simulated_kpis
from crmflow.simulation.model import SimulationModel
from crmflow.simulation.simulator import simulate

_JOB: tuple[SimulationModel, float] | None = None


def _one(seed: int) -> tuple[Kpis, dict[str, float]]:
    assert _JOB is not None
    model, days = _JOB
    sim = simulate(model, days=days, seed=seed)
    return simulated_kpis(sim, model.kpis), sim.busy_s


def default_workers() -> int:
    """Worker processes for replications: ``CRMFLOW_THREADS`` when set, else the cores (at most 4)."""
    from crmflow.settings import get_settings

    n = get_settings().threads
    return max(1, n if n > 0 else min(4, os.cpu_count() or 1))


def replicate(
    model: SimulationModel,
    *,
    n: int,
    days: float,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[], None] | None = None,
) -> list[tuple[Kpis, dict[str, float]]]:
    """KPIs and busy seconds per pool of ``n`` replications (in seed order)."""
    global _JOB
    seeds = [seed + r for r in range(n)]
    w = min(workers or default_workers(), n)
    _JOB = (model, days)
    try:
        if w > 1 and "fork" in multiprocessing.get_all_start_methods():
            out = []
            with multiprocessing.get_context("fork").Pool(w) as pool:
                for res in pool.imap(_one, seeds):
                    out.append(res)
                    if progress is not None:
                        progress()
            return out
        out = []
        for s in seeds:
            out.append(_one(s))
            if progress is not None:
                progress()
        return out
    finally:
        _JOB = None


__all__ = ["default_workers", "replicate"]
