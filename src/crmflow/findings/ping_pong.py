"""Ping-pong: work that passes to someone else and comes straight back (A → B → A).

Within a case, events without a resource (role) are skipped and consecutive events of the same
resource are one run; a *bounce* is two consecutive hand-overs that return the work to where it
was. ``A → B → A → B`` is two bounces of the pair ``{A, B}``. Pairs are unordered and reported
for resources and for roles, at most ``ping_pong_top`` per level, when at least
``ping_pong_min`` cases bounce between them.

Severity: high when at least 20 % of all cases bounce between the pair, medium from 5 %, low below.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from crmflow.findings.messages import MESSAGES
from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding
from crmflow.findings.rules import AuditRules, grade
from crmflow.findings.tables import SharedTables
from crmflow.i18n import text
from crmflow.store import finding_queries as fq
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
        Findings of kind ``ping_pong``, key ``"resource: A <-> B"`` or ``"role: A <-> B"``.
    """
    n_cases = log.n_cases
    counts = log.store.rows(fq.actor_counts(log.name))[0]
    out: list[Finding] = []
    for level in levels:
        if counts[level]:  # a log without roles has nothing to check at the role level
            out += _level(log, rules, level, n_cases, lang, has_nulls=counts[level] < counts["events"], shared=tables)
    return out


def bounces(tables: SharedTables, log: EventLog, level: str, *, has_nulls: bool = True) -> str:
    """The table of every A -> B -> A bounce at ``level`` in ``log`` (:func:`crmflow.store.finding_queries.ping_pong_table`).

    ``has_nulls=False`` (no event without an actor) reads the stored successor instead of a window pass.
    """
    return tables.get(("pingpong", log.name, level), lambda n: fq.ping_pong_table(log.name, n, level, has_nulls=has_nulls))


def _level(
    log: EventLog,
    rules: AuditRules,
    level: Level,
    n_cases: int,
    lang: str,
    *,
    has_nulls: bool,
    shared: SharedTables | None,
) -> list[Finding]:
    store, t = log.store, rules.thresholds
    if t.ping_pong_top == 0:
        return []
    with SharedTables.scope(store, shared) as tables:
        tmp = bounces(tables, log, level, has_nulls=has_nulls)
        pairs = store.rows(fq.ping_pong_summary(tmp), {"min": max(t.ping_pong_min, 1), "top": t.ping_pong_top})
        if not pairs:
            return []
        params = {"xs": [p["x"] for p in pairs], "ys": [p["y"] for p in pairs]}
        cases: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in store.rows(fq.ping_pong_cases(tmp), {**params, "limit": EVIDENCE_LIMIT}):
            cases[(r["x"], r["y"])].append(r)
        acts: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in store.rows(fq.ping_pong_activities(tmp), {**params, "limit": 5}):
            acts[(r["x"], r["y"])].append(r["activity"])
    out = []
    for p in pairs:
        key = (p["x"], p["y"])
        words = {"x": key[0], "y": key[1], "cases": p["cases"], "bounces": p["bounces"]}
        out.append(
            Finding(
                kind="ping_pong",
                key=f"{level}: {key[0]} <-> {key[1]}",
                title=text(MESSAGES, f"ping_pong.{level}.title", lang, **words),
                description=text(MESSAGES, "ping_pong.description", lang, **words),
                severity=grade(p["cases"] / n_cases),
                metrics={
                    "level": level,
                    "a": key[0],
                    "b": key[1],
                    "cases": int(p["cases"]),
                    "bounces": int(p["bounces"]),
                    "share_of_cases": p["cases"] / n_cases,
                },
                evidence=Evidence(
                    case_ids=tuple(c["case_id"] for c in cases[key]),
                    case_count=int(p["cases"]),
                    resources=key if level == "resource" else (),
                    activities=tuple(acts[key]),
                    rows=tuple({"case_id": c["case_id"], "bounces": int(c["n"])} for c in cases[key][:10]),
                ),
            )
        )
    return out
