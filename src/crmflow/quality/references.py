"""Referential integrity between entities: every value of a column must exist in another entity.

E.g. each deal's ``product`` must be a ``product`` of ``products.csv``; each closed deal's
``mql_id`` must be a lead. Values are compared trimmed and exactly (``GTXPro`` is not ``GTX Pro``).
One anti-join in SQL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from crmflow.quality.entities import EntitySpec, EntityTable
from crmflow.quality.score import record_issues
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

EXAMPLES = 20


@dataclass(frozen=True)
class ReferenceResult:
    """Records whose ``column`` value is not a ``target_entity.target_key``."""

    column: str
    target_entity: str
    target_key: str
    checked: int
    orphans: int
    orphan_ids: list[str]
    missing_values: list[dict[str, Any]]  # [{value, rows}] most frequent first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_reference(
    store: EventStore,
    entity: EntityTable,
    spec: EntitySpec,
    *,
    column: str,
    target: EntityTable,
    target_key: str,
) -> ReferenceResult:
    """Find records of ``entity`` whose ``column`` has a value missing from ``target.target_key``."""
    val = f"nullif(trim(CAST({ident(column)} AS VARCHAR)), '')"
    keys = f"SELECT DISTINCT trim(CAST({ident(target_key)} AS VARCHAR)) AS k FROM {target.table}"
    orphan = f"{val} IS NOT NULL AND {val} NOT IN (SELECT k FROM ({keys}) WHERE k IS NOT NULL)"
    checked = int(store.scalar(f"SELECT count(*) FROM {entity.table} WHERE {val} IS NOT NULL"))
    ids_sql = f"SELECT {entity.id_sql(spec)} FROM {entity.table} WHERE {orphan}"
    ids = [r[0] for r in store.sql(f"SELECT DISTINCT * FROM ({ids_sql}) ORDER BY 1").fetchall()]
    values = store.rows(
        f"SELECT {val} AS value, count(*) AS rows FROM {entity.table} WHERE {orphan} "
        f"GROUP BY 1 ORDER BY rows DESC, value LIMIT {EXAMPLES}"
    )
    orphans = int(store.scalar(f"SELECT count(*) FROM {entity.table} WHERE {orphan}"))
    if ids:
        record_issues(
            store,
            entity=entity.name,
            dimension="consistency",
            check=f"reference:{column}->{target.name}.{target_key}",
            ids_sql=ids_sql,
        )
    return ReferenceResult(
        column=column,
        target_entity=target.name,
        target_key=target_key,
        checked=checked,
        orphans=orphans,
        orphan_ids=ids,
        missing_values=values,
    )
