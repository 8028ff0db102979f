"""Variants: the distinct activity sequences of cases, with counts and durations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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


@dataclass(frozen=True, eq=False)
class VariantTable:
    """All variants of a log, most frequent first.

    The variants are held as an Arrow table of activity *codes* (``activities`` is a list of
    integers indexing ``names``) and decoded into :class:`Variant` objects only when asked for:
    a log can have hundreds of thousands of variants and most uses need the top few.
    """

    table: pa.Table
    names: tuple[str, ...]

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def cases(self) -> int:
        return int(pc.sum(self.table["count"]).as_py() or 0)

    def _decode(self, rows: pa.Table) -> tuple[Variant, ...]:
        names = self.names
        return tuple(
            Variant(
                activities=tuple(names[a] for a in r["activities"]),
                count=int(r["count"]),
                mean_duration_s=float(r["mean_duration_s"]),
                median_duration_s=float(r["median_duration_s"]),
                min_duration_s=float(r["min_duration_s"]),
                max_duration_s=float(r["max_duration_s"]),
                example_case_id=str(r["example_case_id"]),
            )
            for r in rows.to_pylist()
        )

    @cached_property
    def variants(self) -> tuple[Variant, ...]:
        """Every variant, decoded."""
        return self._decode(self.table)

    def top(self, k: int) -> tuple[Variant, ...]:
        """The ``k`` most frequent variants (only these are decoded)."""
        return self._decode(self.table.slice(0, k))

    def __iter__(self) -> Iterator[Variant]:
        return iter(self.variants)

    def counts(self) -> dict[tuple[str, ...], int]:
        """``{activity tuple: count}`` -- the shape of pm4py's ``get_variants`` result."""
        names = self.names
        codes = self.table["activities"].to_pylist()
        return {tuple(names[a] for a in v): int(c) for v, c in zip(codes, self.table["count"].to_pylist(), strict=True)}

    def to_dict(self) -> dict[str, Any]:
        return {"variants": [v.to_dict() for v in self.variants], "cases": self.cases}


def get_variants(log: EventLog) -> VariantTable:
    """The variants of ``log``, grouped in SQL on the per-case table (not on the events)."""
    table = log.store.arrow(q.variants(log.name))
    return VariantTable(table=table, names=tuple(log.store.activity_names(log.name)))
