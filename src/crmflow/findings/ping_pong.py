"""Ping-pong: work that passes to someone else and comes straight back (A → B → A).

Within a case, events without a resource (role) are skipped and consecutive events of the same
resource are one run; a *bounce* is two consecutive hand-overs that return the work to where it
was. ``A → B → A → B`` is two bounces of the pair ``{A, B}``. Pairs are unordered; a pair counts
when at least ``ping_pong_min`` cases bounce between its two sides.

One finding per level (resources, roles) holds its pairs: the evidence table lists each pair (the
``ping_pong_top`` with most cases) with its cases, bounces and the activities at the hand-overs, so
ten pairs of four cases each read as one pattern rather than ten cards. Its counts are over every
counted pair: ``cases`` the distinct cases with a bounce, ``bounces`` all bounces, ``pairs`` how many
pairs (the table may show fewer).

Severity: high when at least 20 % of all cases bounce, medium from 5 %, low below.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding
from crmflow.findings.rules import AuditRules, grade
from crmflow.findings.tables import SharedTables
from crmflow.findings.wording import worded
from crmflow.store import people_queries as pq
from crmflow.store.store import EventLog

Level = Literal["resource", "role"]


def find_ping_pong(
    log: EventLog,
    rules: AuditRules,
    *,
    lang: str = "en",
    levels: tuple[Level, ...] = ("resource", "role"),
    tables: SharedTables | None = None,
) -> list[Finding]:
    """Pairs of resources (and roles) that bounce work back and forth within cases.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules; ``thresholds.ping_pong_min`` and ``thresholds.ping_pong_top`` apply.
    lang
        Language of titles and descriptions.
    levels
        Which actors to check.
    tables
        The audit's shared temporary tables (the bounces are kept there for the evidence).

    Returns
    -------
    list[Finding]
        At most one finding of kind ``ping_pong`` per level, key ``"resource"`` or ``"role"``; its
        ``evidence.rows`` are the pairs (``a``, ``b``, ``cases``, ``bounces``, ``activities``).
    """
    n_cases = log.n_cases
    counts = log.store.rows(pq.actor_counts(log.name))[0]
    out: list[Finding] = []
    checked = [level for level in levels if counts[level]]  # a log without roles has nothing to check at the role level
    in_order = bool(checked) and stored_in_event_order(log)
    for level in checked:
        has_nulls = counts[level] < counts["events"]
        out += _level(log, rules, level, n_cases, lang, has_nulls=has_nulls, in_order=in_order, shared=tables)
    return out


def stored_in_event_order(log: EventLog) -> bool:
    """Whether ``log``'s events are stored case by case in their order (DuckDB only;
    :func:`crmflow.store.people_queries.stored_in_event_order`)."""
    return log.store.engine.name == "duckdb" and bool(log.store.scalar(pq.stored_in_event_order(log.name)))


def bounces(tables: SharedTables, log: EventLog, level: str, *, has_nulls: bool = True, in_order: bool = False) -> str:
    """The table of every A -> B -> A bounce at ``level`` in ``log`` (:func:`crmflow.store.people_queries.ping_pong_table`).

    ``has_nulls=False`` (no event without an actor) reads the stored successor instead of a window pass;
    ``in_order`` (:func:`stored_in_event_order`) reads the next hand-over in the stored order instead of a
    window sorted within each case.
    """
    return tables.get(
        ("pingpong", log.name, level),
        lambda n: pq.ping_pong_table(log.name, n, level, has_nulls=has_nulls, in_order=in_order),
    )


def counts_every_pair(rules: AuditRules) -> bool:
    """Whether every pair in a bounces table counts (``ping_pong_min`` of one case or less)."""
    return rules.thresholds.ping_pong_min <= 1


def _level(
    log: EventLog,
    rules: AuditRules,
    level: Level,
    n_cases: int,
    lang: str,
    *,
    has_nulls: bool,
    in_order: bool,
    shared: SharedTables | None,
) -> list[Finding]:
    store, t = log.store, rules.thresholds
    if t.ping_pong_top == 0:
        return []
    with SharedTables.scope(store, shared) as tables:
        tmp = bounces(tables, log, level, has_nulls=has_nulls, in_order=in_order)
        least = {"min": max(t.ping_pong_min, 1)}
        every = counts_every_pair(rules)
        counted = {} if every else least
        totals = store.rows(pq.ping_pong_level_totals(tmp, every=every), counted)[0]
        if not totals["pairs"]:
            return []
        pairs = store.rows(pq.ping_pong_summary(tmp), {**least, "top": t.ping_pong_top})
        params = {"xs": [p["x"] for p in pairs], "ys": [p["y"] for p in pairs]}
        found = store.rows(pq.ping_pong_level_cases(log.name, tmp, every=every), {**counted, "limit": EVIDENCE_LIMIT})
        ids = [r["case_id"] for r in found]
        acts: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in store.rows(pq.ping_pong_activities(log.name, tmp), {**params, "limit": 3}):
            acts[(r["x"], r["y"])].append(r["activity"])
        top_acts = [r["activity"] for r in store.rows(pq.ping_pong_level_activities(log.name, tmp), {**params, "limit": 5})]
    cases, n_bounces, n_pairs = int(totals["cases"]), int(totals["bounces"]), int(totals["pairs"])
    first = pairs[0]
    people = sorted({p["x"] for p in pairs} | {p["y"] for p in pairs})
    finding = Finding(
        kind="ping_pong",
        key=level,
        title="",
        description="",
        severity=grade(cases / n_cases),
        metrics={
            "level": level,
            "pairs": n_pairs,
            "cases": cases,
            "bounces": n_bounces,
            "share_of_cases": cases / n_cases,
            "a": first["x"],
            "b": first["y"],
            "top_pair_cases": int(first["cases"]),
            "pairs_shown": len(pairs),
        },
        evidence=Evidence(
            case_ids=tuple(ids),
            case_count=cases,
            resources=tuple(people) if level == "resource" else (),
            activities=tuple(top_acts),
            rows=tuple(
                {
                    "a": p["x"],
                    "b": p["y"],
                    "cases": int(p["cases"]),
                    "bounces": int(p["bounces"]),
                    "activities": ", ".join(acts[(p["x"], p["y"])]),
                }
                for p in pairs
            ),
        ),
    )
    return [worded(finding, lang)]  # worded from its metrics, as the pack re-words it
