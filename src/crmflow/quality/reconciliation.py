"""Reconciliation: totals of two sources compared by period and by a grouping column.

"The reports do not add up": CRM deals won against ERP/billing payments, per month and per
manager. Each side names its entity, an optional filter (``where``: column → value or values), the
amount column (or an amount looked up in another entity, e.g. the list price of the product; or
none, to count records), the date that sets the period, the grouping column (the manager) and a
record key. Both sides are aggregated in SQL; the result lists every period, every group and every
period × group cell whose totals differ by more than the tolerance
(``|left - right| > max(absolute, relative × max(|left|, |right|))``), and the keys found on one
side only.

Amounts and dates are read in SQL exactly as the validity checks read them
(:func:`crmflow.quality.validity.amount_value_sql`, :func:`~crmflow.quality.validity.date_value_sql`);
an amount that does not read as a number is counted in ``unreadable_amounts``, a record without a
readable date in ``undated``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from crmflow.errors import QualityRulesError
from crmflow.i18n import error
from crmflow.quality.entities import EntityTable
from crmflow.quality.error_messages import ERRORS
from crmflow.quality.rules import ReconciliationRule, ReconSide
from crmflow.quality.validity import amount_value_sql as amount_sql
from crmflow.quality.validity import date_value_sql as date_sql
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

#: How many differences and one-sided keys are listed (the counts are exact).
LISTED = 500


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _text(col: str, alias: str = "s") -> str:
    return f"nullif(trim(CAST({alias}.{ident(col)} AS VARCHAR)), '')"


def _period(ts: str, period: str) -> str:
    return {
        "day": f"strftime({ts}, '%Y-%m-%d')",
        "month": f"strftime({ts}, '%Y-%m')",
        "quarter": f"year({ts})::VARCHAR || '-Q' || quarter({ts})::VARCHAR",
        "year": f"year({ts})::VARCHAR",
        "none": "'all'",
    }[period]


@dataclass(frozen=True)
class Difference:
    """Totals of one period / group / cell on both sides."""

    period: str | None
    group: str | None
    left: float
    right: float
    difference: float
    left_records: int
    right_records: int
    differs: bool


@dataclass(frozen=True)
class ReconciliationResult:
    """Both sides' totals and every place where they differ."""

    name: str
    period: str
    left_total: float
    right_total: float
    difference: float
    matches: bool
    left_records: int
    right_records: int
    unreadable_amounts: dict[str, int]
    undated: dict[str, int]
    by_period: list[Difference]  # every period
    by_group: list[Difference]  # every group
    cells: list[Difference]  # only the period × group cells that differ
    only_left: list[str] = field(default_factory=list)
    only_right: list[str] = field(default_factory=list)
    only_left_count: int = 0
    only_right_count: int = 0
    lookup_unmatched: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _side_table(
    store: EventStore, side: ReconSide, entities: dict[str, EntityTable], period: str, where_key: str
) -> tuple[str, list[dict[str, Any]]]:
    """Materialise one side as (period, grp, amount, key, raw_amount) rows; return the lookup misses."""
    if side.entity not in entities:
        raise error(
            QualityRulesError,
            ERRORS,
            "reconciliation.entity_no_entity_entities",
            where_key=where_key,
            entity=side.entity,
            value=", ".join(entities),
        )
    ent = entities[side.entity]
    for key, col in (
        ("amount", side.amount),
        ("date", side.date),
        ("by", side.by),
        ("key", side.key),
        *((f"where.{c}", c) for c in side.where),
    ):
        if col is not None and col not in ent.header:
            raise error(
                QualityRulesError,
                ERRORS,
                "reconciliation.column_not_columns",
                where_key=where_key,
                key=key,
                col=col,
                source=ent.source,
                value=", ".join(ent.header),
            )
    join, misses_sql = "", None
    if side.lookup is not None:
        lk = side.lookup
        missing = [k for k in ("entity", "column", "key", "value") if k not in lk]
        if missing or lk["entity"] not in entities:
            raise error(
                QualityRulesError,
                ERRORS,
                "reconciliation.lookup_expected_keys_entity",
                where_key=where_key,
                value=", ".join(missing) or lk.get("entity"),
            )
        other = entities[lk["entity"]]
        for k in ("key", "value"):
            if lk[k] not in other.header:
                raise error(
                    QualityRulesError,
                    ERRORS,
                    "reconciliation.lookup_column_not",
                    where_key=where_key,
                    k=k,
                    lk=lk[k],
                    source=other.source,
                )
        if lk["column"] not in ent.header:
            raise error(
                QualityRulesError,
                ERRORS,
                "reconciliation.lookup_column_column_not",
                where_key=where_key,
                lk=lk["column"],
                source=ent.source,
            )
        join = (
            f"LEFT JOIN (SELECT trim(CAST({ident(lk['key'])} AS VARCHAR)) AS lk_key, "
            f"any_value({ident(lk['value'])}) AS lk_value FROM {other.table} GROUP BY 1) l "
            f"ON {_text(lk['column'])} = l.lk_key"
        )
        raw_amount = "l.lk_value"
        misses_sql = f"l.lk_key IS NULL AND {_text(lk['column'])} IS NOT NULL"
    elif side.amount is not None:
        raw_amount = f"s.{ident(side.amount)}"
    else:
        raw_amount = "1"
    conds = []
    for col, val in side.where.items():
        values = [val] if isinstance(val, str) else val
        conds.append(f"{_text(col)} IN ({', '.join(_lit(v) for v in values)})")
    where = " AND ".join(conds) or "TRUE"
    ts = date_sql(f"s.{ident(side.date)}") if side.date else "NULL::TIMESTAMP"
    table = store.new_name("qr")
    store.sql(
        f"CREATE TEMP TABLE {table} AS SELECT "
        f"CASE WHEN {ts} IS NULL AND {_lit(period)} <> 'none' THEN NULL ELSE {_period(ts, period)} END AS period, "
        f"coalesce({_text(side.by) if side.by else 'NULL'}, '') AS grp, "
        f"{amount_sql(raw_amount)} AS amount, {raw_amount} IS NOT NULL AS has_amount, "
        f"{_text(side.key) if side.key else 'NULL'} AS key, "
        f"{_text(side.date) if side.date else 'NULL'} AS raw_date "
        f"FROM {ent.table} s {join} WHERE {where}"
    )
    misses: list[dict[str, Any]] = []
    if misses_sql and side.lookup is not None:
        misses = store.rows(
            f"SELECT {_text(side.lookup['column'])} AS value, count(*) AS rows FROM {ent.table} s {join} "
            f"WHERE {where} AND {misses_sql} GROUP BY 1 ORDER BY rows DESC, value LIMIT 50"
        )
    return table, misses


def reconcile(
    store: EventStore, rule: ReconciliationRule, entities: dict[str, EntityTable], *, where_key: str = "reconciliation"
) -> ReconciliationResult:
    """Compare the two sides of ``rule`` (see the module docstring)."""
    lt, lmiss = _side_table(store, rule.left, entities, rule.period, f"{where_key}.left")
    rt, rmiss = _side_table(store, rule.right, entities, rule.period, f"{where_key}.right")
    tol = rule.tolerance

    def differs(a: str, b: str) -> str:
        return f"abs({a} - {b}) > greatest({tol.absolute}, {tol.relative} * greatest(abs({a}), abs({b})))"

    def compare(keys: list[str], only_diff: bool = True) -> list[Difference]:
        k = ", ".join(keys)
        sel_l = f"SELECT {k}, sum(amount) AS amt, count(*) AS n FROM {lt} WHERE period IS NOT NULL GROUP BY {k}"
        sel_r = f"SELECT {k}, sum(amount) AS amt, count(*) AS n FROM {rt} WHERE period IS NOT NULL GROUP BY {k}"
        cols = [f"coalesce(l.{c}, r.{c})" for c in keys]
        rows = store.sql(
            f"SELECT {', '.join(cols)}, coalesce(l.amt, 0), coalesce(r.amt, 0), coalesce(l.n, 0), coalesce(r.n, 0) "
            f"FROM ({sel_l}) l FULL OUTER JOIN ({sel_r}) r USING ({k}) "
            f"WHERE {'TRUE' if not only_diff else differs('coalesce(l.amt, 0)', 'coalesce(r.amt, 0)')} "
            f"ORDER BY {', '.join(str(i + 1) for i in range(len(keys)))} LIMIT {LISTED}"
        ).fetchall()
        out = []
        for r in rows:
            period = r[0] if "period" in keys else None
            group = r[len(keys) - 1] if "grp" in keys else None
            left, right = float(r[len(keys)]), float(r[len(keys) + 1])
            bad = abs(left - right) > max(tol.absolute, tol.relative * max(abs(left), abs(right)))
            out.append(
                Difference(
                    period,
                    group,
                    round(left, 6),
                    round(right, 6),
                    round(left - right, 6),
                    int(r[len(keys) + 2]),
                    int(r[len(keys) + 3]),
                    bad,
                )
            )
        return out

    def one(table: str, q: str) -> Any:
        return store.scalar(q.format(t=table))

    left_total = float(one(lt, "SELECT coalesce(sum(amount), 0) FROM {t} WHERE period IS NOT NULL"))
    right_total = float(one(rt, "SELECT coalesce(sum(amount), 0) FROM {t} WHERE period IS NOT NULL"))
    only_l: list[str] = []
    only_r: list[str] = []
    n_l = n_r = 0
    if rule.left.key and rule.right.key:
        ql = f"SELECT DISTINCT key FROM {lt} WHERE key IS NOT NULL AND key NOT IN (SELECT key FROM {rt} WHERE key IS NOT NULL)"
        qr = f"SELECT DISTINCT key FROM {rt} WHERE key IS NOT NULL AND key NOT IN (SELECT key FROM {lt} WHERE key IS NOT NULL)"
        n_l, n_r = int(store.scalar(f"SELECT count(*) FROM ({ql})")), int(store.scalar(f"SELECT count(*) FROM ({qr})"))
        only_l = [r[0] for r in store.sql(f"{ql} ORDER BY 1 LIMIT {LISTED}").fetchall()]
        only_r = [r[0] for r in store.sql(f"{qr} ORDER BY 1 LIMIT {LISTED}").fetchall()]
    diff = left_total - right_total
    limit = max(tol.absolute, tol.relative * max(abs(left_total), abs(right_total)))
    result = ReconciliationResult(
        name=rule.name,
        period=rule.period,
        left_total=round(left_total, 6),
        right_total=round(right_total, 6),
        difference=round(diff, 6),
        matches=abs(diff) <= limit,
        left_records=int(one(lt, "SELECT count(*) FROM {t}")),
        right_records=int(one(rt, "SELECT count(*) FROM {t}")),
        unreadable_amounts={
            "left": int(one(lt, "SELECT count(*) FROM {t} WHERE amount IS NULL AND has_amount")),
            "right": int(one(rt, "SELECT count(*) FROM {t} WHERE amount IS NULL AND has_amount")),
        },
        undated={
            "left": int(one(lt, "SELECT count(*) FROM {t} WHERE period IS NULL")),
            "right": int(one(rt, "SELECT count(*) FROM {t} WHERE period IS NULL")),
        },
        by_period=compare(["period"], only_diff=False),
        by_group=compare(["grp"], only_diff=False) if (rule.left.by or rule.right.by) else [],
        cells=compare(["period", "grp"]) if (rule.left.by or rule.right.by) else [],
        only_left=only_l,
        only_right=only_r,
        only_left_count=n_l,
        only_right_count=n_r,
        lookup_unmatched={k: v for k, v in (("left", lmiss), ("right", rmiss)) if v},
    )
    store.sql(f"DROP TABLE {lt}")
    store.sql(f"DROP TABLE {rt}")
    return result
