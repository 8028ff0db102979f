"""Bottlenecks: where cases wait longest, weighted by how often they wait there.

Waiting time is the time between an event and the next event of its case (``wait_s``). Transitions
``A -> B`` and activities (the wait *before* ``B``, from any predecessor) are ranked by their total
waiting time (count × mean); the ``bottleneck_top`` largest of each that hold at least
``bottleneck_min_share`` of all waiting time become findings. An activity is left out when a
single reported transition into it already holds 90 % of its waiting time (same finding twice).

Severity: high when the transition or activity holds at least 25 % of all waiting time, medium from
10 %, low below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding, Severity
from crmflow.findings.rules import AuditRules
from crmflow.findings.tables import SharedTables, activity_codes
from crmflow.findings.wording import worded
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog

#: An activity finding is left out when one reported transition holds this share of its waiting.
DUPLICATE_SHARE = 0.9

#: How many of the slowest cases are listed with their waiting time in ``Evidence.rows``.
ROWS_LIMIT = 10


def _severity(share: float) -> Severity:
    return "high" if share >= 0.25 else "medium" if share >= 0.10 else "low"


def waits(tables: SharedTables, log: EventLog, keys: Sequence[tuple[str | None, str]]) -> str:
    """The table of every case's longest wait on each bottleneck key ``(source, target)`` of ``log``
    (source None: the wait before the target; :func:`crmflow.store.finding_queries.waits_table`).

    Keyed by the set of keys, so that the check and the complete evidence of the same findings read one table.
    """
    code = activity_codes(log)
    pairs = sorted({(fq.ANY_SOURCE if s is None else code[s], code[d]) for s, d in keys})
    params = {"src": [p[0] for p in pairs], "dst": [p[1] for p in pairs]}
    return tables.get(("waits", log.name, *(f"{s}>{d}" for s, d in pairs)), lambda n: fq.waits_table(log.name, n), params)


class MinedEdge(Protocol):
    """What the ranking reads of a directly-follows edge (``crmflow.mining.dfg.DfgEdge`` has it)."""

    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def mean_s(self) -> float | None: ...
    @property
    def median_s(self) -> float | None: ...
    @property
    def p90_s(self) -> float | None: ...
    @property
    def max_s(self) -> float | None: ...
    @property
    def total_s(self) -> float | None: ...


class MinedDfg(Protocol):
    """What the ranking reads of a directly-follows graph (``crmflow.mining.dfg.DirectlyFollowsGraph``)."""

    @property
    def edges(self) -> Sequence[MinedEdge]: ...
    @property
    def start_activities(self) -> Mapping[str, int]: ...


class MinedActivity(Protocol):
    """What the ranking reads of an activity's statistics (``crmflow.mining.statistics.ActivityStats``)."""

    @property
    def activity(self) -> str: ...
    @property
    def events(self) -> int: ...
    @property
    def mean_wait_s(self) -> float | None: ...
    @property
    def median_wait_s(self) -> float | None: ...
    @property
    def p90_wait_s(self) -> float | None: ...
    @property
    def max_wait_s(self) -> float | None: ...
    @property
    def total_wait_s(self) -> float: ...


#: The mined summaries of a log the ranking can read: its DFG and its activity statistics (mining is beside
#: the findings in the layers, so they are described here by what is read of them).
Mined = tuple[MinedDfg, Sequence[MinedActivity]]

_STATS = ("count", "mean_s", "median_s", "p90_s", "max_s", "total_s")


def ranked_waits(mined: Mined, top: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of :func:`~crmflow.store.finding_queries.transition_waits` and
    :func:`~crmflow.store.finding_queries.activity_waits` (the ``top`` of each), from the log's mined DFG and
    activity statistics instead of two more passes over the events.

    The waits before an activity are its events that do not start a case (each has a predecessor).
    """
    dfg, activities = mined
    edges = sorted(dfg.edges, key=lambda e: (-(e.total_s or 0.0), -e.count, e.source, e.target))[:top]
    waited = [(a, a.events - dfg.start_activities.get(a.activity, 0)) for a in activities]
    before = sorted(((a, n) for a, n in waited if n > 0), key=lambda p: (-p[0].total_wait_s, -p[1], p[0].activity))[:top]
    transitions = [
        {
            "source": e.source,
            "target": e.target,
            **dict(zip(_STATS, (e.count, e.mean_s, e.median_s, e.p90_s, e.max_s, e.total_s), strict=True)),
        }
        for e in edges
    ]
    arrivals = [
        {
            "target": a.activity,
            **dict(zip(_STATS, (n, a.mean_wait_s, a.median_wait_s, a.p90_wait_s, a.max_wait_s, a.total_wait_s), strict=True)),
        }
        for a, n in before
    ]
    return transitions, arrivals


def find_bottlenecks(
    log: EventLog,
    rules: AuditRules,
    *,
    lang: str = "en",
    tables: SharedTables | None = None,
    mined: Mined | None = None,
) -> list[Finding]:
    """Transitions and activities with the largest total waiting time.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules; ``thresholds.bottleneck_top`` and ``thresholds.bottleneck_min_share`` apply.
    lang
        Language of titles and descriptions.
    tables
        The audit's shared temporary tables (each case's wait on each key is kept there for the evidence).
    mined
        The DFG and the activity statistics of ``log`` when the caller has them (the audit): the ranking is
        read from them (:func:`ranked_waits`), the same numbers as two more grouped passes over the events.

    Returns
    -------
    list[Finding]
        Transition findings (key ``"A -> B"``) then activity findings (key ``"-> B"``), each by
        total waiting time; evidence lists the slowest cases.
    """
    store, t = log.store, rules.thresholds
    if mined is not None:  # every wait is on one directly-follows edge
        total = float(sum(e.total_s or 0.0 for e in mined[0].edges))
    else:
        total = float(store.rows(fq.total_wait(log.name))[0]["total_s"] or 0.0)
    if total <= 0 or t.bottleneck_top == 0:
        return []
    if mined is not None:
        transitions, before = ranked_waits(mined, t.bottleneck_top)
    else:
        transitions = store.rows(fq.transition_waits(log.name), {"top": t.bottleneck_top})
        before = store.rows(fq.activity_waits(log.name), {"top": t.bottleneck_top})
    keep = [r for r in transitions if r["total_s"] / total >= t.bottleneck_min_share]
    # An activity whose waiting comes (almost) all from one reported transition adds nothing new.
    into = {r["target"]: max(into_r["total_s"] for into_r in keep if into_r["target"] == r["target"]) for r in keep}
    acts = [
        r
        for r in before
        if r["total_s"] / total >= t.bottleneck_min_share and into.get(r["target"], 0.0) < DUPLICATE_SHARE * r["total_s"]
    ]
    keys: list[tuple[str | None, str]] = [(r["source"], r["target"]) for r in keep] + [(None, r["target"]) for r in acts]
    if not keys:
        return []
    code = activity_codes(log)
    names = {c: a for a, c in code.items()}
    params = {
        "src": [fq.ANY_SOURCE if k[0] is None else code[k[0]] for k in keys],
        "dst": [code[k[1]] for k in keys],
    }

    def named(src: int, dst: int) -> tuple[str | None, str]:
        return (None if src == fq.ANY_SOURCE else names[src], names[dst])

    cases: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    n_cases: dict[tuple[Any, Any], int] = {}
    with SharedTables.scope(store, tables) as shared:
        table = waits(shared, log, keys)
        for r in store.rows(fq.slowest_cases(log.name, table), {"limit": EVIDENCE_LIMIT}):
            key = named(r["src"], r["dst"])
            cases[key] = [{"case_id": c, "wait_s": w} for c, w in zip(r["case_ids"], r["waits"], strict=True)]
            n_cases[key] = int(r["cases"])
    people: dict[tuple[Any, Any], list[str]] = defaultdict(list)
    for r in store.rows(fq.waiting_for_resources(log.name), {**params, "limit": 5}):
        people[named(r["src"], r["dst"])].append(r["resource"])

    out: list[Finding] = []
    for r, level in [(r, "transition") for r in keep] + [(r, "activity") for r in acts]:
        src = r["source"] if level == "transition" else None
        key = (src, r["target"])
        share = r["total_s"] / total
        n = n_cases.get(key, 0)
        slow = cases.get(key, [])
        out.append(
            Finding(
                kind="bottleneck",
                key=f"{src} -> {r['target']}" if src is not None else f"-> {r['target']}",
                title="",
                description="",
                severity=_severity(share),
                metrics={
                    "level": level,
                    "source": src,
                    "target": r["target"],
                    "count": int(r["count"]),
                    "cases": n,
                    "mean_wait_s": r["mean_s"],
                    "median_wait_s": r["median_s"],
                    "p90_wait_s": r["p90_s"],
                    "max_wait_s": r["max_s"],
                    "total_wait_s": r["total_s"],
                    "share_of_waiting": share,
                },
                evidence=Evidence(
                    case_ids=tuple(c["case_id"] for c in slow),
                    case_count=n,
                    resources=tuple(people[key]),
                    activities=tuple(a for a in (src, r["target"]) if a is not None),
                    rows=tuple({"case_id": c["case_id"], "wait_s": c["wait_s"]} for c in slow[:ROWS_LIMIT]),
                ),
            )
        )
    return [worded(f, lang) for f in out]
