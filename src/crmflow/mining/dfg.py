"""Directly-follows graph with frequencies and waiting times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from crmflow.jsonable import JsonMixin
from crmflow.mining.case_counts import case_count_rows
from crmflow.store import queries as q
from crmflow.store.store import EventLog


@dataclass(frozen=True)
class DfgEdge(JsonMixin):
    """One directly-follows relation ``source -> target`` and the waiting time between them (s)."""

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

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> Self:
        """From a result row of :func:`crmflow.store.queries.dfg_edges` (or ``handover``)."""
        return cls(
            source=str(r["source"]),
            target=str(r["target"]),
            count=int(r["count"]),
            cases=int(r["cases"]),
            mean_s=r["mean_s"],
            median_s=r["median_s"],
            p90_s=r["p90_s"],
            min_s=r["min_s"],
            max_s=r["max_s"],
            total_s=r["total_s"],
        )


@dataclass(frozen=True)
class DirectlyFollowsGraph(JsonMixin):
    """The directly-follows graph of a log.

    ``edges`` are sorted by count (descending); ``start_activities`` and ``end_activities`` map an
    activity to the number of cases that start or end with it; ``activities`` to its event count.
    """

    edges: tuple[DfgEdge, ...]
    start_activities: dict[str, int]
    end_activities: dict[str, int]
    activities: dict[str, int]

    def counts(self) -> dict[tuple[str, str], int]:
        """``{(source, target): count}`` -- the shape of pm4py's ``discover_dfg`` result."""
        return {(e.source, e.target): e.count for e in self.edges}

    def edge(self, source: str, target: str) -> DfgEdge | None:
        return next((e for e in self.edges if e.source == source and e.target == target), None)


def get_start_activities(log: EventLog) -> dict[str, int]:
    """Activities that start cases, with the number of cases."""
    return {r["activity"]: int(r["count"]) for r in log.store.rows(q.start_activities(log.name))}


def get_end_activities(log: EventLog) -> dict[str, int]:
    """Activities that end cases, with the number of cases."""
    return {r["activity"]: int(r["count"]) for r in log.store.rows(q.end_activities(log.name))}


def discover_dfg(log: EventLog) -> DirectlyFollowsGraph:
    """Discover the directly-follows graph with waiting-time statistics.

    Events in a case are ordered by timestamp; ties keep the input order.

    >>> import crmflow
    >>> log = crmflow.read_log(crmflow.examples.running_example_path())  # doctest: +SKIP
    >>> dfg = crmflow.discover_dfg(log)  # doctest: +SKIP
    """
    acts = log.store.rows(q.activity_counts_and_ends(log.name))  # one pass for the three counts per activity
    rows = case_count_rows(log, lambda blocks: q.dfg_edges(log.name, blocks=blocks), q.DFG_GROUPS, groups=len(acts) ** 2)
    edges = tuple(DfgEdge.from_row(r) for r in rows)
    return DirectlyFollowsGraph(
        edges=edges,
        start_activities=_most_first(acts, "starts"),
        end_activities=_most_first(acts, "ends"),
        activities={r["activity"]: int(r["n"]) for r in acts},
    )


def _most_first(acts: list[dict[str, Any]], key: str) -> dict[str, int]:
    """The activities with a non-zero ``key``, most first, ties by name (as ``start_activities`` orders them)."""
    ranked = sorted((r for r in acts if r[key]), key=lambda r: (-int(r[key]), str(r["activity"])))
    return {r["activity"]: int(r[key]) for r in ranked}
