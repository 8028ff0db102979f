"""Date order: one date must not come before another, in one entity or across two joined by a key.

"A deal is not won before its lead's first contact", "a deal does not close before it was engaged".
Dates are read in SQL as the validity checks read them
(:func:`crmflow.quality.validity.date_value_sql`) and compared by calendar day; pairs with an
unreadable or empty date are not judged (validity and completeness report those).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from crmflow.errors import QualityRulesError
from crmflow.i18n import error
from crmflow.quality.entities import EntitySpec, EntityTable
from crmflow.quality.error_messages import ERRORS
from crmflow.quality.score import record_issues
from crmflow.quality.validity import date_value_sql
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

#: How many violating pairs are shown as examples (the count and the ids are complete).
EXAMPLES = 20


@dataclass(frozen=True)
class DateOrderResult:
    """Records of the ``later`` entity whose date comes before the ``earlier`` date."""

    name: str
    earlier: str  # entity.column
    later: str
    checked: int  # pairs with both dates readable
    violations: int
    violation_ids: list[str]
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_date_order(
    store: EventStore,
    *,
    name: str,
    earlier: tuple[EntityTable, EntitySpec, str],
    later: tuple[EntityTable, EntitySpec, str],
    join: tuple[str, str] | None = None,
    where_key: str = "date_order",
) -> DateOrderResult:
    """Check ``later.column >= earlier.column`` (by day).

    Parameters
    ----------
    earlier, later
        ``(entity, spec, date column)``; the same entity for a check within one record.
    join
        ``(key column of earlier, key column of later)`` when the entities differ.
    """
    (e_ent, _, e_col), (l_ent, l_spec, l_col) = earlier, later
    for ent, col, side in ((e_ent, e_col, "earlier"), (l_ent, l_col, "later")):
        if col not in ent.header:
            raise error(
                QualityRulesError,
                ERRORS,
                "date_order.column_column_not_columns",
                where_key=where_key,
                side=side,
                col=col,
                source=ent.source,
                value=", ".join(ent.header),
            )
    later_id = l_ent.id_sql(l_spec, alias="l")
    if e_ent.table == l_ent.table and join is None:
        src = f"{l_ent.table} l"
        e_date = date_value_sql(f"l.{ident(e_col)}")
    else:
        if join is None:
            raise error(
                QualityRulesError,
                ERRORS,
                "date_order.join_two_dates_are",
                where_key=where_key,
                name=e_ent.name,
                name2=l_ent.name,
            )
        for ent, col, side in ((e_ent, join[0], "earlier"), (l_ent, join[1], "later")):
            if col not in ent.header:
                raise error(
                    QualityRulesError,
                    ERRORS,
                    "date_order.join_column_not_columns",
                    where_key=where_key,
                    side=side,
                    col=col,
                    source=ent.source,
                    value=", ".join(ent.header),
                )
        src = (
            f"{l_ent.table} l JOIN {e_ent.table} e ON trim(CAST(e.{ident(join[0])} AS VARCHAR)) = "
            f"trim(CAST(l.{ident(join[1])} AS VARCHAR))"
        )
        e_date = date_value_sql(f"e.{ident(e_col)}")
    l_date = date_value_sql(f"l.{ident(l_col)}")
    pairs = f"SELECT {later_id} AS id, {e_date} AS a, {l_date} AS b FROM {src}"
    checked = int(store.scalar(f"SELECT count(*) FROM ({pairs}) WHERE a IS NOT NULL AND b IS NOT NULL"))
    bad = f"SELECT * FROM ({pairs}) WHERE b::DATE < a::DATE"
    ids = [r[0] for r in store.sql(f"SELECT DISTINCT id FROM ({bad}) ORDER BY 1").fetchall()]
    n = int(store.scalar(f"SELECT count(*) FROM ({bad})"))
    examples = store.rows(
        f"SELECT id, CAST(a AS VARCHAR) AS earlier, CAST(b AS VARCHAR) AS later FROM ({bad}) ORDER BY id LIMIT {EXAMPLES}"
    )
    if ids:
        record_issues(
            store,
            entity=l_ent.name,
            dimension="consistency",
            check=f"date_order:{name}",
            ids_sql=f"SELECT DISTINCT id FROM ({bad})",
        )
    return DateOrderResult(
        name=name,
        earlier=f"{e_ent.name}.{e_col}",
        later=f"{l_ent.name}.{l_col}",
        checked=checked,
        violations=n,
        violation_ids=ids,
        examples=examples,
    )
