"""What a replication needs of a simulation model that depends neither on the seed nor on the span.

Nodes indexed, successors and branching sums, activities, pools and distinct duration distributions
numbered, the waits located, the quantile tables of paced waits built on first use — once per model,
shared by every replication of :func:`crmflow.simulation.simulator.simulate`.
"""

from __future__ import annotations

import numpy as np

from crmflow.simulation.model import Node, SimulationModel
from crmflow.simulation.pace import quantile_table


class IndexedModel:
    """What a replication needs of a model that does not depend on the seed or the span (built once per model).

    A prefix-tree model of BPIC 2012 has ~70,000 nodes: indexing them, the branching sums and the quantile
    tables of the paced waits took ~1.5 s of CPU per replication when each replication rebuilt them.
    """

    def __init__(self, model: SimulationModel) -> None:
        g = model.graph
        self.nodes: list[Node] = list(g.nodes)
        self.index = {n.id: i for i, n in enumerate(self.nodes)}
        self.start = self.index[g.start]
        incoming = g.incoming()
        self.join_need = [incoming.get(n.id, 0) for n in self.nodes]
        self.next = [[self.index[t] for t in n.next] for n in self.nodes]
        self.cum: list[list[float]] = []
        for n in self.nodes:
            if n.kind == "xor" and n.next:
                weights = np.asarray(n.probabilities if n.probabilities else [1.0] * len(n.next), dtype=float)
                self.cum.append(np.cumsum(weights / weights.sum()).tolist())
            else:
                self.cum.append([])
        self.activities = tuple(model.activities())
        act_index = {a: i for i, a in enumerate(self.activities)}
        self.node_act = [act_index[n.activity] if n.kind == "task" and n.activity else -1 for n in self.nodes]
        self.pool_index = {p.role: i for i, p in enumerate(model.pools)}
        self.node_pool: list[int] = []
        for n in self.nodes:
            if n.kind != "task":
                self.node_pool.append(-1)
                continue
            if n.role not in self.pool_index:
                raise ValueError(f"task {n.id!r} ({n.activity}) is done by role {n.role!r}, which has no resource pool")
            self.node_pool.append(self.pool_index[n.role])
        self.distinct = list(dict.fromkeys(n.duration for n in self.nodes if n.kind == "task"))
        position = {d: i for i, d in enumerate(self.distinct)}
        self.node_distinct = [position[n.duration] if n.kind == "task" else -1 for n in self.nodes]
        # each wait: (its index in model.waits, where it applies, the key there)
        self.waits: list[tuple[int, str, object]] = []
        for k, w in enumerate(model.waits):
            if w.activity not in act_index:
                continue
            a = act_index[w.activity]
            if w.node is not None:
                if w.node in self.index:
                    self.waits.append((k, "node", self.index[w.node]))
            elif w.after is None:
                self.waits.append((k, "activity", a))
            elif w.after in act_index:
                self.waits.append((k, "pair", (act_index[w.after], a)))
        self._tables: dict[int, list[float]] = {}
        self._waits = model.waits
        self.sla_ids = tuple(dict.fromkeys(n.sla.id for n in self.nodes if n.sla is not None))
        self.won_acts = {act_index[a] for a in model.kpis.won if a in act_index}

    def wait_table(self, k: int) -> list[float]:
        """The quantile table of wait ``k`` for paced draws (read-only, shared by the replications)."""
        if k not in self._tables:
            self._tables[k] = quantile_table(self._waits[k].distribution)
        return self._tables[k]


#: The last models' static parts, by identity (the model is kept, so its id cannot be reused meanwhile).
_INDEXED: dict[int, tuple[SimulationModel, IndexedModel]] = {}
_KEEP = 4


def indexed(model: SimulationModel) -> IndexedModel:
    """The model's :class:`IndexedModel`, built once and kept for the last few models."""
    hit = _INDEXED.get(id(model))
    if hit is not None and hit[0] is model:
        return hit[1]
    built = IndexedModel(model)
    while len(_INDEXED) >= _KEEP:
        _INDEXED.pop(next(iter(_INDEXED)))
    _INDEXED[id(model)] = (model, built)
    return built


__all__ = ["IndexedModel", "indexed"]
