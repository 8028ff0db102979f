"""Variants: the distinct activity sequences of cases, with counts and durations."""

from __future__ import annotations

from dataclasses import dataclass

from crmflow.jsonable import JsonMixin
from crmflow.store import queries as q
from crmflow.store.store import EventLog


@dataclass(frozen=True)
class Variant(JsonMixin):
    """One activity sequence and the cases that follow it (durations in seconds)."""

    activities: tuple[str, ...]
    count: int
    mean_duration_s: float
    median_duration_s: float
    min_duration_s: float
    max_duration_s: float
    example_case_id: str


@dataclass(frozen=True)
class VariantTable(JsonMixin):
    """All variants of a log, most frequent first."""

    variants: tuple[Variant, ...]
    cases: int

    def __len__(self) -> int:
        return len(self.variants)

    def counts(self) -> dict[tuple[str, ...], int]:
        """``{activity tuple: count}`` -- the shape of pm4py's ``get_variants`` result."""
        return {v.activities: v.count for v in self.variants}

    def top(self, k: int) -> tuple[Variant, ...]:
        return self.variants[:k]


def get_variants(log: EventLog) -> VariantTable:
    """The variants of ``log`` (computed from the per-case table, not from the events).

    Variants are grouped as lists of integer activity codes and decoded here, once per variant.
    """
    rows = log.store.rows(q.variants(log.name))
    names = log.store.activity_names(log.name)
    vs = tuple(
        Variant(
            activities=tuple(names[a] for a in r["activities"]), count=int(r["count"]),
            mean_duration_s=float(r["mean_duration_s"]), median_duration_s=float(r["median_duration_s"]),
            min_duration_s=float(r["min_duration_s"]), max_duration_s=float(r["max_duration_s"]),
            example_case_id=str(r["example_case_id"]),
        )
        for r in rows
    )
    return VariantTable(variants=vs, cases=sum(v.count for v in vs))
