"""Hand-over of work between resources and between roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crmflow.jsonable import JsonMixin
from crmflow.store import queries as q
from crmflow.store.store import EventLog


@dataclass(frozen=True)
class Handover(JsonMixin):
    """Work passed from ``source`` to ``target`` (consecutive events of a case), waiting time in s."""

    source: str
    target: str
    count: int
    cases: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    min_s: float | None
    max_s: float | None
    total_s: float | None


@dataclass(frozen=True)
class HandoverNetwork(JsonMixin):
    """All hand-overs at one level (``resource`` or ``role``), most frequent first."""

    level: Literal["resource", "role"]
    edges: tuple[Handover, ...]

    def counts(self) -> dict[tuple[str, str], int]:
        return {(e.source, e.target): e.count for e in self.edges}


def discover_handover(log: EventLog, *, level: Literal["resource", "role"] = "resource") -> HandoverNetwork:
    """Count direct hand-overs: event *i* by X followed by event *i+1* of the same case by Y != X."""
    edges = tuple(
        Handover(
            source=str(r["source"]), target=str(r["target"]), count=int(r["count"]), cases=int(r["cases"]),
            mean_s=r["mean_s"], median_s=r["median_s"], p90_s=r["p90_s"], min_s=r["min_s"],
            max_s=r["max_s"], total_s=r["total_s"],
        )
        for r in log.store.rows(q.handover(log.name, level))
    )
    return HandoverNetwork(level=level, edges=edges)
