"""Blocking for record linkage that stays bounded on real CRM data.

A blocking rule pairs the records that share a *key* (the same phone, the same e-mail…). A key shared
by ``c`` records makes ``c·(c−1)/2`` candidate pairs, so one placeholder phone on 2,000 contacts
makes two million. :func:`plan_blocking` therefore, in the private DuckDB database of the linkage:

1. materialises each rule's key as a column ``blk_<rule>`` of the prepared records;
2. drops every key value shared by more than ``max_key_records`` records — "a phone that 300
   contacts share identifies nobody": it is not used for blocking, and for the identifiers
   (phone, e-mail, mailbox name, INN) not as agreement evidence either (the value is set to empty);
   a common *name* is still compared — it is weak evidence on its own, never enough for a match;
3. estimates the candidate pairs in SQL (``Σ c·(c−1)/2`` per key, summed over the rules: an upper
   bound, as rules overlap) and, while the total exceeds ``max_pairs``, drops the keys with the most
   records first.

Every dropped value is reported (:class:`FrequentValue`), together with the placeholders that
:func:`crmflow.quality.linkage_prepare.build_records` treated as empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb

from crmflow.jsonable import JsonMixin

__all__ = ["BLOCKING_RULES", "BlockingPlan", "BlockingRule", "FrequentValue", "plan_blocking"]

#: Frequent values listed in a report at most (the most frequent first); the rest are only counted.
FREQUENT_SHOWN = 100


@dataclass(frozen=True)
class BlockingRule:
    """One blocking rule: records whose key parts are all filled and equal become candidate pairs.

    ``field`` is the comparison the rule belongs to (it applies when that comparison is active);
    ``parts`` and ``where`` are SQL over the prepared columns, ``{s}`` standing for the table prefix
    (``l.``/``r.``); ``evidence`` names the compared column emptied for a frequent value (``None``:
    blocking only).
    """

    name: str
    field: str
    parts: tuple[str, ...]
    where: str = "TRUE"
    evidence: str | None = None


BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("phone", "phone", ("{s}phone_n",), evidence="phone_n"),
    BlockingRule("email", "email", ("{s}email_n",), evidence="email_n"),
    BlockingRule("inn", "inn", ("{s}inn_n",), evidence="inn_n"),
    BlockingRule("name", "name", ("{s}name_full_k",)),
    BlockingRule("mailbox", "email", ("{s}email_local",), where="length({s}email_local) >= 6", evidence="email_local"),
    BlockingRule("surname_company", "company", ("{s}last_k", "{s}company_k")),
    # names with a typo after the first letters, when the patronymic agrees
    BlockingRule("name_prefix", "middle_name", ("substr({s}last_k, 1, 3)", "substr({s}first_k, 1, 3)", "{s}middle_k")),
)
#: A company table (no person name): the company name is the name.
COMPANY_RULE = BlockingRule("company", "company", ("{s}company_k",))


@dataclass(frozen=True)
class FrequentValue(JsonMixin):
    """A value left out of the linkage, and why.

    ``key`` is the blocking key (``phone``, ``email``, ``inn``, ``name``, ``mailbox``,
    ``surname_company``, ``name_prefix``, ``company``) or, for a placeholder, the field it was found
    in; ``value`` is the normalised key (E.164 phone, lower-cased e-mail, name key; parts joined by
    `` · ``) or the placeholder as written; ``records`` how many records hold it. ``reason``:
    ``placeholder`` (treated as empty), ``frequent`` (shared by more than the cap: neither blocked on
    nor, for identifiers, counted as agreement), ``pair_budget`` (not blocked on, to keep the candidate
    pairs under the bound; still compared).
    """

    key: str
    value: str
    records: int
    reason: Literal["placeholder", "frequent", "pair_budget"]


@dataclass(frozen=True)
class BlockingPlan:
    """The blocking rules to run and what was left out to keep them bounded."""

    rules: dict[str, str]  # rule name → splink blocking rule (on a blk_* column where keys were dropped)
    pairs_by_rule: dict[str, int]  # estimated candidate pairs per rule, after the caps
    candidate_pairs: int  # their sum: an upper bound of the pairs splink scores
    pair_budget: int
    frequent: list[FrequentValue]  # the FREQUENT_SHOWN values with most records
    frequent_total: int  # all values left out (placeholders included)
    training_rules: dict[str, str] | None = None  # the rules naming the compared columns (for EM)

    def training_rule(self, name: str) -> str | None:
        """The rule ``name`` for EM training, if it makes at least one candidate pair, else ``None``.

        It names the compared columns (``l.name_full_k = r.name_full_k AND l.blk_name = r.blk_name``):
        splink learns, in each EM round, only the comparisons whose columns the rule does not use.
        """
        if self.pairs_by_rule.get(name, 0) == 0:
            return None
        return (self.training_rules or self.rules).get(name)


def active_rules(fields: list[str]) -> list[BlockingRule]:
    """The blocking rules of the active comparisons."""
    rules = [r for r in BLOCKING_RULES if r.field in fields]
    if "company" in fields and "name" not in fields:
        rules.append(COMPANY_RULE)
    return rules


def _key_sql(rule: BlockingRule) -> str:
    parts = [p.format(s="") for p in rule.parts]
    filled = " AND ".join(f"({p}) IS NOT NULL" for p in parts)
    return f"CASE WHEN {filled} AND ({rule.where.format(s='')}) THEN concat_ws(' · ', {', '.join(parts)}) END"


def _plain_sql(rule: BlockingRule) -> str:
    same = [f"{p.format(s='l.')} = {p.format(s='r.')}" for p in rule.parts]
    return " AND ".join(same + ([rule.where.format(s="l.")] if rule.where != "TRUE" else []))


def plan_blocking(
    con: duckdb.DuckDBPyConnection, *, table: str, fields: list[str], max_key_records: int, max_pairs: int
) -> BlockingPlan:
    """Cap frequent keys and the pair total of the blocking rules on ``table``; return the plan.

    ``table`` is the prepared record table of :func:`crmflow.quality.linkage_prepare.build_records`
    (in ``con``); it is changed in place: frequent identifier values are emptied, and a rule that
    loses keys otherwise blocks on a new column ``blk_<rule>`` (its key, empty where dropped).
    """
    rules = active_rules(fields)
    con.execute("CREATE OR REPLACE TEMP TABLE crmflow_keys (rule VARCHAR, value VARCHAR, records BIGINT)")
    for r in rules:
        con.execute(
            f"INSERT INTO crmflow_keys SELECT ?, k, count(*) FROM (SELECT {_key_sql(r)} AS k FROM {table}) "
            "WHERE k IS NOT NULL GROUP BY ALL HAVING count(*) > 1",
            [r.name],
        )
    # keys over the cap, then the largest remaining keys while the estimated total is over the budget
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE crmflow_dropped AS
        WITH kept AS (SELECT *, records * (records - 1) // 2 AS pairs FROM crmflow_keys WHERE records <= {max_key_records}),
        ranked AS (SELECT *, sum(pairs) OVER (ORDER BY records DESC, rule, value ROWS UNBOUNDED PRECEDING) - pairs
                          AS before, sum(pairs) OVER () AS total FROM kept)
        SELECT rule, value, records, 'frequent' AS reason FROM crmflow_keys WHERE records > {max_key_records}
        UNION ALL
        SELECT rule, value, records, 'pair_budget' FROM ranked WHERE total - before > {max_pairs} AND pairs > 0
    """)  # fmt: skip
    dropped = dict(con.execute("SELECT rule, bool_or(reason = 'pair_budget') FROM crmflow_dropped GROUP BY rule").fetchall())
    # a frequent identifier is emptied, which also unblocks it; any other drop needs a key column
    keyed = [r for r in rules if r.name in dropped and (r.evidence is None or dropped[r.name])]
    if keyed:
        cte = ", ".join(f"d_{r.name} AS (SELECT value FROM crmflow_dropped WHERE rule = '{r.name}')" for r in keyed)
        # one join per rule: each key column is emptied where its own rule dropped the value
        keys = ", ".join(f"CASE WHEN k_{r.name}.value IS NULL THEN {_key_sql(r)} END AS blk_{r.name}" for r in keyed)
        joins = " ".join(f"LEFT JOIN d_{r.name} AS k_{r.name} ON k_{r.name}.value = {_key_sql(r)}" for r in keyed)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS WITH {cte} SELECT {table}.*, {keys} FROM {table} {joins}")
    for r in rules:
        if r.evidence and r.name in dropped:
            con.execute(
                f"UPDATE {table} SET {r.evidence} = NULL WHERE {r.evidence} IN "
                f"(SELECT value FROM crmflow_dropped WHERE rule = ? AND reason = 'frequent')",
                [r.name],
            )
    pairs_by_rule = {r.name: 0 for r in rules}
    for name, pairs in con.execute(
        "SELECT rule, sum(records * (records - 1) // 2) FROM crmflow_keys k WHERE NOT EXISTS "
        "(SELECT 1 FROM crmflow_dropped d WHERE d.rule = k.rule AND d.value = k.value) GROUP BY rule"
    ).fetchall():
        pairs_by_rule[name] = int(pairs)
    left_out = (
        "SELECT rule AS key, value, records, reason FROM crmflow_dropped UNION ALL "
        "SELECT field, value, records, 'placeholder' FROM crmflow_placeholders"
    )
    total = int(con.execute(f"SELECT count(*) FROM ({left_out})").fetchall()[0][0])
    frequent = [
        FrequentValue(key=k, value=v, records=int(n), reason=why)
        for k, v, n, why in con.execute(
            f"SELECT * FROM ({left_out}) ORDER BY records DESC, key, value LIMIT {FREQUENT_SHOWN}"
        ).fetchall()
    ]
    blocks = {r.name: f"l.blk_{r.name} = r.blk_{r.name}" if r in keyed else _plain_sql(r) for r in rules}
    training = {r.name: f"{_plain_sql(r)} AND {blocks[r.name]}" if r in keyed else blocks[r.name] for r in rules}
    return BlockingPlan(
        rules=blocks,
        training_rules=training,
        pairs_by_rule=pairs_by_rule,
        candidate_pairs=sum(pairs_by_rule.values()),
        pair_budget=max_pairs,
        frequent=frequent,
        frequent_total=total,
    )
