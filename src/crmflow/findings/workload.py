"""Workload against the fair share: who the process leans on, per activity and over all work.

A share means nothing without the number of people who share the work: 51 % of an activity done by
two people is an even split, 48 % of one done by four is twice a fair share. So:

* **Per activity** (and per role, when the log has roles: a "Call" by sales and a "Call" by support
  are two kinds of work), the *group* is the people who did that work in the log. People doing less
  than ``workload_occasional`` (¼) of the equal split help out occasionally and are not counted:
  ``n`` is the number of *regular* people and the **fair share** is ``1/n``. A person is flagged
  when their share is at least ``workload_fair_ratio`` (1.5) × the fair share (and at least
  ``workload_share``, 0 by default), in an activity with at least ``workload_min_events`` events and
  at least two regular people. With one person per activity there is no one to compare with: no
  finding (that is a specialisation, named by the bus factor). The ``workload_top`` (10) findings
  with the most work above the fair share (``events × (share − fair share)``) are reported, so a big
  team's busiest member on a rare activity does not crowd out the person a frequent one depends on.
  Resources that name nobody (empty, ``-``, ``?``, ``n/a``, ``unknown``) are not people, nor are the
  ``system_resources`` of the rules (robots, integration accounts).
* **Concentration** of each group: the Gini coefficient of the regular people's counts (0 = even,
  → 1 = one person does everything), the Herfindahl–Hirschman index ``Σ share²`` (``1/n`` when even,
  1 when one person), and the **bus factor** — the fewest people who together do at least half of it.
* **The process-level hero** (kind ``workload_hero``): a person's *fair load* is what they would do
  if every activity (group) they take part in were split evenly among its regular people
  (``Σ events_g / n_g``; where they only help out, their own count). Among the people whose work is
  at least ``hero_ratio`` (1.5) × their fair load *and* more than an even share ``1/people`` of all
  work (events with a known person), the hero is the one with the largest share of all work; the
  log needs at least ``hero_min_events`` such events. With roles, the hero's share of their
  role's work and the role's fair share ``1/n_role`` are reported too.

Severity (``workload_concentration``): high when the share is at least twice the fair share and at
least 25 % (or at least 80 %) and the work (the activity, in that role) occurs in at least 20 % of
the cases; medium when one of the two holds; low otherwise. ``workload_hero``: high from twice the fair load, medium below.

>>> shares = [0.51, 0.49]
>>> round(gini([51, 49]), 3), round(hhi(shares), 4), bus_factor([51, 49])
(0.01, 0.5002, 1)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crmflow.findings.model import EVIDENCE_LIMIT, Evidence, Finding, Severity
from crmflow.findings.rules import AuditRules
from crmflow.findings.wording import worded
from crmflow.store import people_queries as pq
from crmflow.store.store import EventLog

#: How many people an evidence table lists per group.
ROWS_LIMIT = 10


def gini(counts: Sequence[float]) -> float:
    """The Gini coefficient of ``counts`` (0 = equal; ``(n-1)/n`` when one has everything).

    >>> gini([10, 10, 10]), round(gini([30, 0, 0]), 3)
    (0.0, 0.667)
    """
    xs = sorted(float(c) for c in counts)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    return sum((2 * i - n - 1) * x for i, x in enumerate(xs, start=1)) / (n * total)


def hhi(shares: Sequence[float]) -> float:
    """The Herfindahl–Hirschman index ``Σ share²`` (``1/n`` when even, 1 when one person).

    >>> hhi([0.25] * 4), hhi([1.0])
    (0.25, 1.0)
    """
    return sum(s * s for s in shares)


def bus_factor(counts: Sequence[float]) -> int:
    """The fewest people who together do at least half of the work.

    >>> bus_factor([60, 30, 10]), bus_factor([25, 25, 25, 25])
    (1, 2)
    """
    total, acc = sum(counts), 0.0
    for k, c in enumerate(sorted(counts, reverse=True), start=1):
        acc += c
        if 2 * acc >= total:
            return k
    return 0


@dataclass(frozen=True)
class WorkGroup:
    """One kind of work (an activity, with a role when the log has roles) and who did it."""

    activity: str
    role: str | None
    people: tuple[tuple[str, int], ...]  # (person, events), most first
    #: The activity, or ``activity @ role`` when several roles do the activity.
    key: str

    @property
    def events(self) -> int:
        return sum(n for _, n in self.people)

    def regulars(self, occasional: float) -> tuple[tuple[str, int], ...]:
        """The people doing at least ``occasional`` × the equal split among everyone who did it."""
        cut = occasional * self.events / max(len(self.people), 1)
        return tuple((p, n) for p, n in self.people if n >= cut)


def work_groups(log: EventLog, system: tuple[str, ...] = ()) -> list[WorkGroup]:
    """The work groups of ``log`` (per activity, and role): who did how much, without ``system`` resources.

    One query over the events; :func:`find_workload_concentration` and :func:`find_hero` take the
    result (``groups=``) so that an audit counts the work once.
    """
    rows = log.store.rows(pq.workload_counts(log.name), {"system": list(system)})
    by: dict[tuple[str, str | None], list[tuple[str, int]]] = defaultdict(list)
    for r in rows:
        by[(r["activity"], r["role"])].append((r["resource"], int(r["n"])))
    roles_of: dict[str, set[str | None]] = defaultdict(set)
    for a, role in by:
        roles_of[a].add(role)
    out = []
    for (a, role), people in by.items():
        people.sort(key=lambda x: (-x[1], x[0]))
        key = a if len(roles_of[a]) == 1 else f"{a} @ {role if role is not None else '—'}"
        out.append(WorkGroup(a, role, tuple(people), key))
    out.sort(key=lambda g: (-g.events, g.activity, g.role or ""))
    return out


def _severity(ratio: float, share: float, case_share: float) -> Severity:
    # strong: twice the fair share of a material part of the work (a quarter), or nearly all of it
    strong = (ratio >= 2.0 and share >= 0.25) or share >= 0.8
    common = case_share >= 0.2
    if strong and common:
        return "high"
    if strong or common:
        return "medium"
    return "low"


def find_workload_concentration(
    log: EventLog, rules: AuditRules, *, lang: str = "en", groups: Sequence[WorkGroup] | None = None
) -> list[Finding]:
    """Work (per activity, per role) that one person does well above their fair share of.

    Parameters
    ----------
    log
        The materialised log.
    rules
        Audit rules; ``thresholds.workload_fair_ratio``, ``workload_share``, ``workload_min_events``
        and ``workload_occasional`` apply.
    lang
        Language of titles and descriptions.
    groups
        The log's :func:`work_groups` under these rules' ``system_resources`` (counted here when None).

    Returns
    -------
    list[Finding]
        Findings of kind ``workload_concentration`` keyed by activity (``activity @ role`` when the
        activity is done by several roles), the most above the fair share first.
    """
    t = rules.thresholds
    groups = work_groups(log, rules.system_resources) if groups is None else groups
    flagged = []
    for g in groups:
        if g.events < t.workload_min_events:
            continue
        regular = g.regulars(t.workload_occasional)
        if len(regular) < 2:
            continue
        fair = 1 / len(regular)
        top, top_n = g.people[0]
        share = top_n / g.events
        if share >= t.workload_fair_ratio * fair and share >= t.workload_share:
            flagged.append((share / fair, g, regular))
    if not flagged:
        return []
    # the most work above the fair share first; ties by ratio, then by key
    flagged.sort(key=lambda x: (-(x[1].people[0][1] - x[1].events / len(x[2])), -x[0], x[1].key))
    flagged = flagged[: t.workload_top]
    store = log.store
    params = {
        "acts": [g.activity for _, g, _ in flagged],
        "roles": [g.role for _, g, _ in flagged],
        "res": [g.people[0][0] for _, g, _ in flagged],
    }
    cases: dict[tuple[str, str | None], list[Any]] = defaultdict(list)
    counts: dict[tuple[str, str | None], int] = {}
    for c in store.rows(pq.workload_cases(log.name), {**params, "limit": EVIDENCE_LIMIT}):
        cases[(c["activity"], c["role"])].append(c["case_id"])
        counts[(c["activity"], c["role"])] = int(c["cases"])
    with_act = {
        (r["activity"], r["role"]): int(r["cases"])
        for r in store.rows(pq.group_case_counts(log.name), {"acts": params["acts"], "roles": params["roles"]})
    }
    n_cases = max(log.n_cases, 1)
    out = []
    for ratio, g, regular in flagged:
        top, top_n = g.people[0]
        share, fair = top_n / g.events, 1 / len(regular)
        key = g.key
        reg_counts = [n for _, n in regular]
        out.append(
            Finding(
                kind="workload_concentration",
                key=key,
                title="",
                description="",
                severity=_severity(ratio, share, with_act.get((g.activity, g.role), 0) / n_cases),
                metrics={
                    "activity": g.activity,
                    "role": g.role,
                    "events": g.events,
                    "resources": len(g.people),
                    "regular_resources": len(regular),
                    "top_resource": top,
                    "top_share": share,
                    "fair_share": fair,
                    "share_to_fair": ratio,
                    "gini": gini(reg_counts),
                    "hhi": hhi([n / g.events for _, n in g.people]),
                    "bus_factor": bus_factor([n for _, n in g.people]),
                    "cases_with_activity": with_act.get((g.activity, g.role), 0),
                },
                evidence=Evidence(
                    case_ids=tuple(cases[(g.activity, g.role)]),
                    case_count=counts.get((g.activity, g.role), 0),
                    resources=tuple(p for p, _ in g.people[:5]),
                    activities=(g.activity,),
                    rows=tuple(
                        {
                            "resource": p,
                            "role": g.role,
                            "events": n,
                            "share": n / g.events,
                            "fair_share": fair,
                            "share_to_fair": (n / g.events) / fair,
                            "regular": (p, n) in regular,
                        }
                        for p, n in g.people[:ROWS_LIMIT]
                    ),
                ),
            )
        )
    return [worded(f, lang) for f in out]


@dataclass(frozen=True)
class PersonLoad:
    """One person's work against their fair load."""

    person: str
    events: int
    fair_load: float
    activities: tuple[tuple[str, int, float], ...]  # (group key, their events, fair share in it)

    @property
    def ratio(self) -> float:
        return self.events / self.fair_load if self.fair_load else 0.0


def person_loads(groups: Sequence[WorkGroup], occasional: float) -> list[PersonLoad]:
    """Every person's events and fair load (see the module docstring), most events first."""
    events: dict[str, int] = defaultdict(int)
    fair: dict[str, float] = defaultdict(float)
    acts: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
    for g in groups:
        regular = dict(g.regulars(occasional))
        n_reg = max(len(regular), 1)
        for p, n in g.people:
            events[p] += n
            fair[p] += g.events / n_reg if p in regular else n
            acts[p].append((g.key, n, 1 / n_reg))
    loads = [PersonLoad(p, events[p], fair[p], tuple(sorted(acts[p], key=lambda x: (-x[1], x[0])))) for p in events]
    loads.sort(key=lambda x: (-x.events, x.person))
    return loads


def _person_roles(groups: Sequence[WorkGroup]) -> list[tuple[str, str, int]]:
    """Events per (person, role) with a role, by person, most events first (then by role)."""
    n: dict[tuple[str, str], int] = defaultdict(int)
    for g in groups:
        if g.role is not None:
            for person, k in g.people:
                n[(person, g.role)] += k
    return sorted(((p, r, k) for (p, r), k in n.items()), key=lambda x: (x[0], -x[2], x[1]))


def find_hero(log: EventLog, rules: AuditRules, *, lang: str = "en", groups: Sequence[WorkGroup] | None = None) -> list[Finding]:
    """The process-level hero: the largest share of all work among those far above their fair load.

    ``groups``: as for :func:`find_workload_concentration`.

    Returns
    -------
    list[Finding]
        One ``workload_hero`` finding keyed by the person, or none.
    """
    t = rules.thresholds
    groups = work_groups(log, rules.system_resources) if groups is None else groups
    loads = person_loads(groups, t.workload_occasional)
    total = sum(x.events for x in loads)
    if not loads or total < t.hero_min_events:
        return []
    candidates = [x for x in loads if x.ratio >= t.hero_ratio and x.events * len(loads) > total]
    if not candidates:
        return []
    hero = candidates[0]  # loads are sorted by events, most first
    store = log.store
    role_rows = _person_roles(groups)
    role_of: dict[str, str] = {}
    for person, r, _ in role_rows:  # ordered by person, events desc: the first role is the person's main one
        role_of.setdefault(person, r)
    role = role_of.get(hero.person)
    role_share = role_fair = None
    role_people = 0
    if role is not None:
        in_role = [(person, n) for person, r, n in role_rows if r == role]
        role_total = sum(n for _, n in in_role)
        cut = t.workload_occasional * role_total / max(len(in_role), 1)
        role_people = sum(1 for _, n in in_role if n >= cut)
        mine = sum(n for p, n in in_role if p == hero.person)
        role_share, role_fair = mine / role_total, 1 / max(role_people, 1)
    c = store.rows(pq.person_cases(log.name), {"res": hero.person, "limit": EVIDENCE_LIMIT})
    share = hero.events / total
    fair_share = hero.fair_load / total
    ratio = hero.ratio
    top_acts = [a for a, _, _ in hero.activities[:5]]
    hero_finding = Finding(
        kind="workload_hero",
        key=hero.person,
        title="",
        description="",
        severity="high" if ratio >= 2.0 else "medium",
        metrics={
            "resource": hero.person,
            "role": role,
            "events": hero.events,
            "events_total": total,
            "people": len(loads),
            "share_of_all_work": share,
            "fair_share_of_all_work": fair_share,
            "share_to_fair": ratio,
            "role_share": role_share,
            "role_fair_share": role_fair,
            "role_people": role_people or None,
            "gini": gini([x.events for x in loads]),
            "hhi": hhi([x.events / total for x in loads]),
            "bus_factor": bus_factor([x.events for x in loads]),
            "cases_worked": int(c[0]["cases"]) if c else 0,
        },
        evidence=Evidence(
            case_ids=tuple(r["case_id"] for r in c),
            case_count=int(c[0]["cases"]) if c else 0,
            resources=(hero.person,),
            activities=tuple(top_acts),
            rows=tuple(
                {"activity": a, "events": n, "share": n / g_events, "fair_share": f}
                for a, n, f, g_events in (
                    (a, n, f, next(g.events for g in groups if g.key == a)) for a, n, f in hero.activities[:ROWS_LIMIT]
                )
            ),
        ),
    )
    return [worded(hero_finding, lang)]
