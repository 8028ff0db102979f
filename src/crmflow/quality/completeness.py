"""Completeness: mandatory fields per entity and per stage, and how full every column is.

Rules come from the rules YAML: ``required`` (every record) and ``stages.<stage>.required``
("a deal may not be in ``Proposal`` without an amount") and ``stages.<stage>.empty`` (a field that
must still be empty in that stage, e.g. no close date on an open deal). A value is missing when it
is NULL or blank after trimming. All counting is SQL over the entity table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from crmflow.quality.entities import EntitySpec, EntityTable
from crmflow.quality.score import record_issues
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

RuleKind = Literal["required", "stage_required", "stage_empty"]


@dataclass(frozen=True)
class CompletenessRule:
    """One rule's result: ``checked`` records it applies to, ``missing`` that break it (ids listed)."""

    kind: RuleKind
    column: str
    stage: str | None
    checked: int
    missing: int
    missing_ids: list[str]


@dataclass(frozen=True)
class ColumnFill:
    column: str
    filled: int
    empty: int
    fill_rate: float | None


@dataclass(frozen=True)
class CompletenessReport:
    """Completeness of one entity.

    ``missing_ids``: records breaking a ``required`` or ``stage_required`` rule;
    ``stage_empty_ids``: records with a value that their stage forbids (scored as consistency).
    """

    rules: list[CompletenessRule]
    missing_ids: list[str]
    stage_empty_ids: list[str]
    columns: list[ColumnFill] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _blank(col: str) -> str:
    return f"nullif(trim(CAST({ident(col)} AS VARCHAR)), '') IS NULL"


def check_completeness(
    store: EventStore,
    entity: EntityTable,
    spec: EntitySpec,
    *,
    required: list[str],
    stages: dict[str, tuple[list[str], list[str]]],
) -> CompletenessReport:
    """Check mandatory fields.

    Parameters
    ----------
    required
        Columns every record must fill.
    stages
        ``{stage: (required columns, columns that must be empty)}``, matched on the entity's stage
        column (the value trimmed, compared exactly).
    """
    id_sql = entity.id_sql(spec)
    stage_col = spec.of("stage")[0] if spec.of("stage") else None
    rules: list[CompletenessRule] = []
    missing_q: list[str] = []
    empty_q: list[str] = []

    def run(kind: RuleKind, col: str, stage: str | None, where_bad: str) -> None:
        scope = "TRUE"
        if stage is not None and stage_col is not None:
            scope = f"trim(CAST({ident(stage_col)} AS VARCHAR)) = {_lit(stage)}"
        row = store.sql(f"SELECT count(*), count(*) FILTER (WHERE {where_bad}) FROM {entity.table} WHERE {scope}").fetchall()[0]
        ids_sql = f"SELECT {id_sql} FROM {entity.table} WHERE {scope} AND {where_bad}"
        ids = [r[0] for r in store.sql(f"SELECT DISTINCT * FROM ({ids_sql}) ORDER BY 1").fetchall()]
        rules.append(CompletenessRule(kind, col, stage, int(row[0]), int(row[1]), ids))
        (empty_q if kind == "stage_empty" else missing_q).append(ids_sql)
        if ids:
            dim = "consistency" if kind == "stage_empty" else "completeness"
            check = f"{kind}:{stage}:{col}" if stage else f"{kind}:{col}"
            record_issues(store, entity=entity.name, dimension=dim, check=check, ids_sql=ids_sql)

    for col in required:
        run("required", col, None, _blank(col))
    for stage, (req, empty) in stages.items():
        for col in req:
            run("stage_required", col, stage, _blank(col))
        for col in empty:
            run("stage_empty", col, stage, f"NOT {_blank(col)}")

    def union(queries: list[str]) -> list[str]:
        if not queries:
            return []
        return [r[0] for r in store.sql(f"SELECT DISTINCT * FROM ({' UNION '.join(queries)}) ORDER BY 1").fetchall()]

    fills = []
    if entity.header:
        exprs = ", ".join(f"count(*) FILTER (WHERE NOT {_blank(c)})" for c in entity.header)
        counts = store.sql(f"SELECT {exprs} FROM {entity.table}").fetchall()[0]
        for c, n in zip(entity.header, counts, strict=True):
            fills.append(ColumnFill(c, int(n), entity.rows - int(n), round(int(n) / entity.rows, 6) if entity.rows else None))
    return CompletenessReport(rules=rules, missing_ids=union(missing_q), stage_empty_ids=union(empty_q), columns=fills)
