"""The per-entity quality score, from the issues every check records.

Each check writes the ids of the records it finds at fault to the store's ``quality_issues`` table
(entity, dimension, check, record id). For an entity with ``N`` records:

* the **dimension score** (validity, completeness, uniqueness, consistency) is the share of records
  with no issue in that dimension: ``1 - |records with an issue in d| / N``;
* the **overall score** is the share of records passing every applicable check:
  ``1 - |records with any issue| / N``.

Scores are in ``[0, 1]``; an entity without records scores ``None``. A dimension with no check
configured or detected is reported as ``None`` (not applicable), not as 1.

>>> from crmflow.store.store import EventStore
>>> store = EventStore()
>>> ensure_issues_table(store)
>>> _ = store.sql("INSERT INTO quality_issues VALUES ('c', 'validity', 'phone', '1'), ('c', 'completeness', 'required', '1')")
>>> entity_score(store, entity="c", records=4, dimensions=("validity", "completeness")).overall
0.75
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmflow.store.store import EventStore

#: The dimensions of data quality a score can have.
DIMENSIONS: tuple[str, ...] = ("validity", "completeness", "uniqueness", "consistency")

_DDL = """CREATE TABLE IF NOT EXISTS quality_issues (
    entity VARCHAR, dimension VARCHAR, check_name VARCHAR, record_id VARCHAR)"""


def ensure_issues_table(store: EventStore) -> None:
    """Create the ``quality_issues`` table when missing."""
    store.sql(_DDL)


def record_issues(store: EventStore, *, entity: str, dimension: str, check: str, ids_sql: str) -> None:
    """Record the ids ``ids_sql`` (a query of one text column) as failing ``check``."""
    ensure_issues_table(store)
    store.sql(
        f"INSERT INTO quality_issues SELECT DISTINCT ?, ?, ?, CAST(i AS VARCHAR) FROM ({ids_sql}) AS t(i)",
        [entity, dimension, check],
    )


def record_id_list(store: EventStore, *, entity: str, dimension: str, check: str, ids: list[str]) -> None:
    """Record ids computed outside SQL (duplicate clusters)."""
    ensure_issues_table(store)
    if ids:
        store.con.executemany("INSERT INTO quality_issues VALUES (?, ?, ?, ?)", [(entity, dimension, check, i) for i in ids])


@dataclass(frozen=True)
class EntityScore:
    """Scores of one entity (``None``: no check of that dimension applied)."""

    entity: str
    records: int
    failing: int
    overall: float | None
    dimensions: dict[str, float | None] = field(default_factory=dict)
    failing_by_dimension: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "records": self.records,
            "failing_records": self.failing,
            "overall": self.overall,
            "dimensions": dict(self.dimensions),
            "failing_by_dimension": dict(self.failing_by_dimension),
        }


def entity_score(store: EventStore, *, entity: str, records: int, dimensions: tuple[str, ...]) -> EntityScore:
    """Score ``entity`` from its recorded issues.

    Parameters
    ----------
    entity
        The entity's name as the checks recorded it.
    records
        How many records the entity has.
    dimensions
        The dimensions that had at least one check (the others score ``None``).
    """
    ensure_issues_table(store)
    per_dim = {
        r["dimension"]: int(r["n"])
        for r in store.rows(
            "SELECT dimension, count(DISTINCT record_id) AS n FROM quality_issues WHERE entity = ? GROUP BY dimension", [entity]
        )
    }
    failing = int(store.scalar("SELECT count(DISTINCT record_id) FROM quality_issues WHERE entity = ?", [entity]))

    def share(bad: int) -> float | None:
        return None if records == 0 else round(1 - min(bad, records) / records, 6)

    dims = {d: (share(per_dim.get(d, 0)) if d in dimensions else None) for d in DIMENSIONS}
    return EntityScore(
        entity=entity,
        records=records,
        failing=failing,
        overall=share(failing),
        dimensions=dims,
        failing_by_dimension={d: per_dim.get(d, 0) for d in DIMENSIONS if d in dimensions},
    )
