"""Primary keys of the ERD: which column identifies a table's rows, and where the data breaks it.

Real CRM exports always carry a few rows without an id or with an id written twice. A column that
is unique and never empty is a *candidate key*; a column with an id-like name (``id``, ``deal_id``,
``ИД``, ``код``…) that is unique and non-empty for at least ``key_min_share`` of the rows (99 % by
default) is a *near key*: it is still chosen as the primary key, so the foreign keys pointing at it
are found, and its violations are kept as a :class:`KeyQuality` finding (rows without an id, ids
written more than once, with their row numbers) instead of hiding the relations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crmflow.jsonable import JsonMixin
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

_ID_TOKENS = frozenset({"id", "ид", "код", "uuid", "guid"})


@dataclass(frozen=True)
class DuplicateKey(JsonMixin):
    """One key value written on more than one row."""

    value: str
    rows: tuple[int, ...]  # 1-based data-row numbers (header not counted)
    lines: tuple[int, ...] = ()  # file lines, when the reader knows them


@dataclass(frozen=True)
class KeyQuality(JsonMixin):
    """Where a chosen primary key is broken: rows without an id and ids written twice.

    ``share`` is the share of rows the key still tells apart (distinct non-empty ids / rows); the
    key was accepted because it reached ``key_min_share``. Row numbers are 1-based data rows; ``*_lines`` the file
    lines when the reader knows them. Samples hold at most ``sample`` items, the counts are exact.
    """

    entity: str
    column: str
    rows: int
    empty_rows: int
    empty_sample: tuple[int, ...]
    empty_lines: tuple[int, ...]
    duplicate_values: int
    duplicate_rows: int  # rows carrying a duplicated value (all of them, the first included)
    duplicate_sample: tuple[DuplicateKey, ...]
    share: float

    @property
    def violations(self) -> int:
        """Rows that break the key (empty, or sharing their id with another row)."""
        return self.empty_rows + self.duplicate_rows


def singular(name: str) -> str:
    """English plural → singular, good enough for table names (``companies`` → ``company``)."""
    n = name.lower()
    for suffix, repl in (("ies", "y"), ("ses", "s"), ("s", "")):
        if n.endswith(suffix) and len(n) > len(suffix) + 1:
            return n[: -len(suffix)] + repl
    return n


def tokens(name: str) -> list[str]:
    """Lower-case word tokens of a name (Latin and Cyrillic)."""
    return [t for t in re.split(r"[^a-z0-9а-яё]+", name.lower()) if t]


def id_like(column: str) -> bool:
    """Does the column's name say it holds identifiers?

    >>> [id_like(c) for c in ("deal_id", "ID", "DealId", "Код сделки", "amount", "paid")]
    [True, True, True, True, False, False]
    """
    toks = tokens(column)
    return bool(_ID_TOKENS.intersection(toks)) or column.endswith("Id") or column.lower().endswith("_id")


def key_score(entity: str, column: str, position: int) -> tuple[int, int]:
    """Preference among key columns: an id-like name, the table's own (singular) name, then the first."""
    toks = tokens(column)
    ent_toks = tokens(entity)
    ent = singular(ent_toks[-1] if ent_toks else entity)
    score = 0
    if id_like(column) or column.lower().endswith("id"):
        score += 3
    if ent in toks or column.lower() == ent:
        score += 3
    return score, -position


def near_key(*, rows: int, filled: int, distinct: int, min_share: float) -> bool:
    """Whether a column with these counts is unique and filled for at least ``min_share`` of the rows.

    The rows that break it are the empty ones plus, per duplicated value, every extra row; a
    strict key (nothing broken) is a near key too.

    >>> near_key(rows=242, filled=241, distinct=241, min_share=0.99)
    True
    >>> near_key(rows=50, filled=49, distinct=49, min_share=0.99)
    False
    """
    if rows == 0 or distinct == 0:
        return False
    broken = (rows - filled) + (filled - distinct)
    return (rows - broken) / rows >= min_share


def key_quality(
    store: EventStore,
    *,
    entity: str,
    table: str,
    column: str,
    numbered: bool,
    has_lines: bool,
    sample: int,
) -> KeyQuality | None:
    """Count and sample the rows that break ``column`` as a key; None when nothing does.

    ``numbered`` says the table has crmflow's ``row_no`` column (a file read by crmflow); a store
    table is numbered by its physical order (``rowid + 1``).
    """
    v = f"NULLIF(trim(CAST({ident(column)} AS VARCHAR)), '')"
    row_no = "row_no" if numbered else "(rowid + 1)"
    line = "line" if has_lines else "NULL::BIGINT"
    n = int(sample)
    head = store.rows(
        f"""WITH k AS (SELECT {v} AS v, {row_no} AS r, {line} AS l FROM {table}),
        d AS (SELECT v, count(*) AS n FROM k WHERE v IS NOT NULL GROUP BY v HAVING count(*) > 1)
        SELECT (SELECT count(*) FROM k) AS rows,
               (SELECT count(*) FROM k WHERE v IS NULL) AS empty,
               (SELECT count(*) FROM d) AS dup_values,
               (SELECT coalesce(sum(n), 0) FROM d) AS dup_rows"""
    )[0]
    empty, dup_values, dup_rows, rows = (int(head[k]) for k in ("empty", "dup_values", "dup_rows", "rows"))
    if not empty and not dup_values:
        return None
    empties = store.sql(f"SELECT {row_no} AS r, {line} AS l FROM {table} WHERE {v} IS NULL ORDER BY r LIMIT {n}").fetchall()
    dups = store.sql(
        f"""SELECT v, list(r ORDER BY r) AS rs, list(l ORDER BY r) AS ls FROM
            (SELECT {v} AS v, {row_no} AS r, {line} AS l FROM {table}) k
        WHERE v IN (SELECT {v} FROM {table} WHERE {v} IS NOT NULL GROUP BY 1 HAVING count(*) > 1)
        GROUP BY v ORDER BY min(r) LIMIT {n}"""
    ).fetchall()
    dups_unique = rows - empty - dup_rows + dup_values  # the first row of each duplicated value keeps it
    return KeyQuality(
        entity=entity,
        column=column,
        rows=rows,
        empty_rows=empty,
        empty_sample=tuple(int(r) for r, _ in empties),
        empty_lines=tuple(int(x) for _, x in empties if x is not None),
        duplicate_values=dup_values,
        duplicate_rows=dup_rows,
        duplicate_sample=tuple(
            DuplicateKey(
                value=str(val),
                rows=tuple(int(r) for r in rs),
                lines=tuple(int(x) for x in ls if x is not None),
            )
            for val, rs, ls in dups
        ),
        share=dups_unique / rows if rows else 0.0,
    )


__all__ = ["DuplicateKey", "KeyQuality", "id_like", "key_quality", "key_score", "near_key", "singular", "tokens"]
