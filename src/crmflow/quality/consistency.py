"""Consistency: status matrices (allowed combinations of status columns) and stage-sequence rules.

A **status matrix** lists the allowed combinations of two or more status columns of one entity
(order status × payment status; ``*`` matches any value, ``null`` an empty one). The distinct
combinations are counted in SQL, judged in Python (there are few), and the records with a
forbidden combination are found with a join.

A **sequence rule** is checked on an event log (a stage history read with
:func:`crmflow.sources.reader.read_log`): forbidden direct transitions ("no jump from ``New`` to
``Won``") and, optionally, a whitelist of allowed transitions. It reads the precomputed successor
of each event (``next_activity``) in the log's events table: one ``GROUP BY``, log-sized work in SQL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from crmflow.quality.entities import EntitySpec, EntityTable
from crmflow.quality.score import record_issues
from crmflow.store.queries import ident
from crmflow.store.store import EventLog, EventStore

#: How many case ids a sequence violation lists per transition (the counts are exact).
CASE_IDS = 1000


@dataclass(frozen=True)
class Combination:
    values: list[str | None]
    rows: int
    allowed: bool


@dataclass(frozen=True)
class MatrixResult:
    """Combinations found in the data, and the records whose combination is not allowed."""

    name: str
    columns: list[str]
    combinations: list[Combination]
    checked: int
    violations: int
    violation_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _matches(values: tuple[str | None, ...], allowed: list[list[str | None]]) -> bool:
    return any(
        all(
            a == "*" or (a is None and v is None) or (a is not None and v is not None and str(a) == v)
            for a, v in zip(pattern, values, strict=True)
        )
        for pattern in allowed
    )


def check_matrix(
    store: EventStore,
    entity: EntityTable,
    spec: EntitySpec,
    *,
    name: str,
    columns: list[str],
    allowed: list[list[str | None]],
) -> MatrixResult:
    """Check the combinations of ``columns`` against the ``allowed`` list (each a list of values)."""
    vals = [f"nullif(trim(CAST({ident(c)} AS VARCHAR)), '')" for c in columns]
    combos = store.sql(f"SELECT {', '.join(vals)}, count(*) FROM {entity.table} GROUP BY ALL ORDER BY count(*) DESC").fetchall()
    judged = [Combination(list(r[:-1]), int(r[-1]), _matches(tuple(r[:-1]), allowed)) for r in combos]
    bad = [c for c in judged if not c.allowed]
    ids: list[str] = []
    if bad:
        names = [f"c{i}" for i in range(len(columns))]
        t = store.new_name("qm")
        store.register_arrow(t, pa.table({n: pa.array([c.values[i] for c in bad], pa.string()) for i, n in enumerate(names)}))
        tmp = store.new_name("qmt")
        store.sql(f"CREATE TEMP TABLE {tmp} AS SELECT * FROM {t}")
        store.con.unregister(t)
        cond = " AND ".join(f"{v} IS NOT DISTINCT FROM b.{n}" for v, n in zip(vals, names, strict=True))
        ids_sql = f"SELECT {entity.id_sql(spec)} FROM {entity.table} WHERE EXISTS (SELECT 1 FROM {tmp} b WHERE {cond})"
        ids = [r[0] for r in store.sql(f"SELECT DISTINCT * FROM ({ids_sql}) ORDER BY 1").fetchall()]
        record_issues(store, entity=entity.name, dimension="consistency", check=f"matrix:{name}", ids_sql=ids_sql)
    return MatrixResult(
        name=name,
        columns=list(columns),
        combinations=judged,
        checked=entity.rows,
        violations=sum(c.rows for c in bad),
        violation_ids=ids,
    )


@dataclass(frozen=True)
class TransitionViolation:
    """A direct transition that breaks a rule, how often it happens and in which cases."""

    source: str
    target: str
    rule: str  # "forbidden" or "not_allowed"
    count: int
    cases: int
    case_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SequenceResult:
    """Stage-sequence rules checked on one event log."""

    name: str
    log: str
    cases: int
    transitions: int
    violating_cases: int
    violations: list[TransitionViolation]
    violating_case_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_sequences(
    log: EventLog,
    *,
    name: str,
    forbidden: list[list[str]],
    allowed: list[list[str]] | None = None,
    entity: str | None = None,
) -> SequenceResult:
    """Check the log's direct transitions against ``forbidden`` pairs and the ``allowed`` whitelist.

    When ``entity`` is given, violating case ids are recorded as consistency issues of that entity
    (the log's case ids are the entity's record ids).
    """
    store = log.store
    ev = log.events_table
    pairs = store.sql(
        f"SELECT activity, next_activity, count(*)::BIGINT, count(DISTINCT case_id)::BIGINT FROM {ev} "
        "WHERE NOT is_last GROUP BY ALL ORDER BY 3 DESC, 1, 2"
    ).fetchall()
    forbidden_set = {(a, b) for a, b in forbidden}
    allowed_set = {(a, b) for a, b in allowed} if allowed is not None else None
    bad: list[tuple[str, str, str, int, int]] = []
    for a, b, n, c in pairs:
        if (a, b) in forbidden_set:
            bad.append((a, b, "forbidden", int(n), int(c)))
        elif allowed_set is not None and (a, b) not in allowed_set:
            bad.append((a, b, "not_allowed", int(n), int(c)))
    violations: list[TransitionViolation] = []
    cond = ""
    if bad:
        t = store.new_name("qs")
        store.register_arrow(t, pa.table({"a": [x[0] for x in bad], "b": [x[1] for x in bad]}))
        tmp = store.new_name("qst")
        store.sql(f"CREATE TEMP TABLE {tmp} AS SELECT * FROM {t}")
        store.con.unregister(t)
        cond = f"FROM {ev} e JOIN {tmp} p ON e.activity = p.a AND e.next_activity = p.b WHERE NOT e.is_last"
        per_pair = {
            (r[0], r[1]): r[2]
            for r in store.sql(
                f"SELECT p.a, p.b, list(DISTINCT e.case_id ORDER BY e.case_id)[1:{CASE_IDS}] {cond} GROUP BY ALL"
            ).fetchall()
        }
        violations = [
            TransitionViolation(a, b, rule, n, c, [str(x) for x in per_pair.get((a, b), [])]) for a, b, rule, n, c in bad
        ]
    case_ids = [str(r[0]) for r in store.sql(f"SELECT DISTINCT e.case_id {cond} ORDER BY 1").fetchall()] if bad else []
    if bad and entity is not None:
        record_issues(
            store,
            entity=entity,
            dimension="consistency",
            check=f"sequence:{name}",
            ids_sql=f"SELECT DISTINCT CAST(e.case_id AS VARCHAR) {cond}",
        )
    return SequenceResult(
        name=name,
        log=log.name,
        cases=log.n_cases,
        transitions=sum(int(p[2]) for p in pairs),
        violating_cases=len(case_ids),
        violations=violations,
        violating_case_ids=case_ids,
    )
