"""Hand-over of work between resources and between roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crmflow.jsonable import JsonMixin
from crmflow.mining.case_counts import case_count_rows
from crmflow.mining.dfg import DfgEdge
from crmflow.store import queries as q
from crmflow.store.store import EventLog


@dataclass(frozen=True)
class Handover(DfgEdge):
    """Work passed from ``source`` to ``target`` (consecutive events of a case), waiting time in s.

    The same measurements as a directly-follows edge, between resources (or roles) instead of
    activities.
    """


@dataclass(frozen=True)
class HandoverNetwork(JsonMixin):
    """All hand-overs at one level (``resource`` or ``role``), most frequent first."""

    level: Literal["resource", "role"]
    edges: tuple[Handover, ...]

    def counts(self) -> dict[tuple[str, str], int]:
        return {(e.source, e.target): e.count for e in self.edges}


def discover_handover(log: EventLog, *, level: Literal["resource", "role"] = "resource") -> HandoverNetwork:
    """Count direct hand-overs: event *i* by X followed by event *i+1* of the same case by Y != X."""
    rows = case_count_rows(log, lambda blocks: q.handover(log.name, level, blocks=blocks), q.handover_groups(level))
    edges = tuple(Handover.from_row(r) for r in rows)
    return HandoverNetwork(level=level, edges=edges)
