"""Activity and resource statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crmflow.jsonable import JsonMixin
from crmflow.mining.case_counts import case_count_rows
from crmflow.store import queries as q
from crmflow.store.store import EventLog


@dataclass(frozen=True)
class ActivityStats(JsonMixin):
    """Per activity: events, cases, repeats (events beyond one per case), resources, and the
    waiting time before it (from the previous event of the same case), in seconds."""

    activity: str
    events: int
    cases: int
    repeats: int
    resources: int
    mean_wait_s: float | None
    median_wait_s: float | None
    p90_wait_s: float | None
    max_wait_s: float | None
    total_wait_s: float


@dataclass(frozen=True)
class ResourceStats(JsonMixin):
    """Per resource: events, cases and distinct activities handled, active period, a role."""

    resource: str
    events: int
    cases: int
    activities: int
    first_ts: datetime | None
    last_ts: datetime | None
    role: str | None


def activity_statistics(log: EventLog) -> tuple[ActivityStats, ...]:
    """Statistics per activity, most frequent first."""
    return tuple(
        ActivityStats(
            activity=r["activity"],
            events=int(r["events"]),
            cases=int(r["cases"]),
            repeats=int(r["repeats"]),
            resources=int(r["resources"]),
            mean_wait_s=r["mean_wait_s"],
            median_wait_s=r["median_wait_s"],
            p90_wait_s=r["p90_wait_s"],
            max_wait_s=r["max_wait_s"],
            total_wait_s=float(r["total_wait_s"]),
        )
        for r in case_count_rows(
            log,
            lambda blocks: q.activity_statistics(log.name, blocks=blocks),
            q.ACTIVITY_GROUPS,
            groups=len(log.store.activity_names(log.name)),
        )
    )


def resource_statistics(log: EventLog) -> tuple[ResourceStats, ...]:
    """Statistics per resource (events without a resource are not counted), busiest first."""
    return tuple(
        ResourceStats(
            resource=str(r["resource"]),
            events=int(r["events"]),
            cases=int(r["cases"]),
            activities=int(r["activities"]),
            first_ts=r["first_ts"],
            last_ts=r["last_ts"],
            role=r["role"],
        )
        for r in case_count_rows(log, lambda blocks: q.resource_statistics(log.name, blocks=blocks), q.RESOURCE_GROUPS)
    )
