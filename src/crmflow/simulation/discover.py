"""Discover the As-Is simulation model from an event log (all log-sized work in SQL).

:func:`discover_simulation_model` reads, from one table of activity instances
(:func:`crmflow.store.simulation_queries.activity_instances`):

* **arrivals**: a Poisson rate per local weekday and hour = case starts in that slot / how many such slots
  the log's arrival span has;
* **control flow**: the directly-follows probabilities between activity instances (start → first activity,
  activity → next activity or end) as a first-order process graph; rework loops are its back edges and
  self-loops, so the simulated rework share follows the log's;
* **resource pools**: the log's roles, or, without roles, one pool per activity cluster (each resource joins
  the pool of the activity it does most, each activity is done by the pool that does most of it); per
  person the observed share of the pool's work and parallel capacity (the 99th percentile of its instances
  open at once — multitasking);
* **working calendars** per pool from when its people actually work: the weekdays with at least
  :data:`DAY_SHARE` of the busiest weekday's events, and the hours between the 1st and 99th percentile of
  event times on those days; a log without times of day (all at midnight) keeps round-the-clock calendars;
* **durations and waits** in working time of the pool's calendar, fitted by :mod:`.distributions`: the
  processing time from start to end, the wait from the case's previous completion to the start, per
  predecessor activity when it has at least :data:`MIN_PAIR` instances. When the log has only completion
  times, a step's time since the previous completion is all waiting and the step itself is instant (holding
  the person for the whole gap made queues out of customers' response times: BPIC 2012's mean cycle time
  doubled); a note says so, and staffing scenarios on such a log need a ``processing`` time from the client;
* **the cases' pace**: how much of the waits' variance is between cases (:func:`crmflow.simulation.pace.fit_pace`
  on every fitted wait, grouped as its distribution was fitted), so a slow case stays slow in the simulation.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from crmflow.findings.calendar import WorkCalendar
from crmflow.findings.rules import AuditRules
from crmflow.i18n import error
from crmflow.simulation.distributions import Distribution, fit_distribution
from crmflow.simulation.error_messages import ERRORS
from crmflow.simulation.model import (
    ArrivalProfile,
    KpiSpec,
    Node,
    ProcessGraph,
    ResourcePool,
    ResourceSpec,
    SimulationModel,
    WaitSpec,
)
from crmflow.simulation.pace import fit_pace
from crmflow.store import simulation_queries as sq
from crmflow.store.store import EventLog

#: A weekday is a working day of a pool when it has this share of the busiest weekday's events.
DAY_SHARE = 0.10
#: Waits are fitted per (previous activity, activity) from this many instances on.
MIN_PAIR = 30
#: A resource without a name (system steps) is a pool member with this many parallel slots.
UNBOUNDED = 10_000
#: Above this many distinct variant prefixes the prefix tree gives way to a second-order graph.
MAX_PREFIXES = 60_000
#: Waits are fitted per prefix of the prefix tree (the whole path so far) from this many instances on.
MIN_NODE = 100
#: A second-order state seen fewer times than this branches like its activity (first order).
MIN_STATE = 20
_UNASSIGNED = "(unassigned)"


_Children = dict[int, dict[str | None, list[int]]]


def _prefix_children(traces: Sequence[tuple[tuple[str, ...], int]]) -> tuple[_Children, list[str]] | None:
    """The prefix tree of the variants: prefix id → next activity (None: the end) → [child id, count], and each
    prefix id's last activity (None when it has more than :data:`MAX_PREFIXES` prefixes)."""
    children: _Children = defaultdict(dict)
    acts: list[str] = [""]
    for trace, n in traces:
        cur = 0
        for a in (*trace, None):
            slot = children[cur].get(a)
            if slot is None:
                if a is None:
                    children[cur][None] = [-1, n]
                    break
                acts.append(a)
                slot = [len(acts) - 1, 0]
                children[cur][a] = slot
                if len(acts) > MAX_PREFIXES:
                    return None
            slot[1] += n
            if a is None:
                break
            cur = slot[0]
    return children, acts


def _prefix_tree(
    tree: tuple[_Children, list[str]], act_pool: dict[str, str], durations: dict[str, Distribution]
) -> tuple[Node, ...]:
    """The prefix tree of the variants as a process graph (task ``t:<prefix id>``, then its xor)."""
    children, acts = tree

    def xor(pid: int) -> Node:
        kids = sorted(children[pid].items(), key=lambda kv: (-kv[1][1], kv[0] or ""))
        total = sum(v[1] for _k, v in kids) or 1
        return Node(
            id="start" if pid == 0 else f"x:{pid}",
            kind="xor",
            next=tuple("end" if k is None else f"t:{v[0]}" for k, v in kids) or ("end",),
            probabilities=tuple(v[1] / total for _k, v in kids) or (1.0,),
        )

    nodes = [xor(0)]
    for pid in range(1, len(acts)):
        a = acts[pid]
        duration = durations.get(a, Distribution.fixed(0.0))
        nodes.append(Node(id=f"t:{pid}", kind="task", activity=a, role=act_pool[a], next=(f"x:{pid}",), duration=duration))
        nodes.append(xor(pid))
    nodes.append(Node(id="end", kind="end"))
    return tuple(nodes)


def _graph(
    triples: Sequence[tuple[str | None, str, str | None, int]],
    act_pool: dict[str, str],
    durations: dict[str, Distribution],
    order: int,
) -> tuple[Node, ...]:
    """The process graph: a task node per state (last one or two activities) and an xor after each."""
    first: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    second: dict[tuple[str | None, str], dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    starts: dict[str, int] = defaultdict(int)
    for prev, act, nxt, n in triples:
        first[act][nxt] += n
        second[(prev if order == 2 else None, act)][nxt] += n
        if prev is None:
            starts[act] += n

    def tid(prev: str | None, act: str) -> str:
        return f"t:{prev or ''}>{act}" if order == 2 else f"t:{act}"

    states = sorted(second, key=lambda k: ("" if k[0] is None else k[0], k[1]))
    if order == 2:  # every state a transition can reach must exist
        have = set(states)
        for prev, act in list(states):
            for nxt in second[(prev, act)]:
                if nxt is not None and (act, nxt) not in have:
                    have.add((act, nxt))
                    states.append((act, nxt))
    first_acts = sorted(starts, key=lambda a: (-starts[a], a))
    total = sum(starts.values()) or 1
    nodes = [
        Node(
            id="start",
            kind="xor",
            next=tuple(tid(None, a) for a in first_acts),
            probabilities=tuple(starts[a] / total for a in first_acts),
        )
    ]
    for prev, act in states:
        counts = second.get((prev, act), {})
        if sum(counts.values()) < MIN_STATE:
            counts = first[act]
        targets = sorted(counts, key=lambda b: (-counts[b], "" if b is None else b))
        n_all = sum(counts.values()) or 1
        x = "x:" + tid(prev, act)[2:]
        duration = durations.get(act, Distribution.fixed(0.0))
        nodes.append(Node(id=tid(prev, act), kind="task", activity=act, role=act_pool[act], next=(x,), duration=duration))
        nodes.append(
            Node(
                id=x,
                kind="xor",
                next=tuple("end" if b is None else tid(act, b) for b in targets) or ("end",),
                probabilities=tuple(counts[b] / n_all for b in targets) or (1.0,),
            )
        )
    nodes.append(Node(id="end", kind="end"))
    return tuple(nodes)


def _pool_expr() -> str:
    return "pool"


def _prepare(log: EventLog, table: str) -> tuple[bool, int]:
    """Build the instance table (with a ``pool`` column); return (has start events, events left out)."""
    store = log.store
    counts = {r["lc"]: int(r["n"]) for r in store.rows(sq.lifecycle_counts(log.name))}
    paired = counts.get("start", 0) > 0 and counts.get("complete", 0) > 0
    left_out = sum(n for lc, n in counts.items() if lc not in ("start", "complete"))
    every = counts.get("complete", 0) == 0  # a lifecycle column that says something else: every event is a step
    if every:
        left_out = 0
    raw = f"{table}_raw"
    store.sql(sq.activity_instances(log.name, raw, paired=paired, every_event=every))
    has_roles = bool(store.scalar(f"SELECT count(role) > 0.5 * count(*) FROM {raw}"))
    if has_roles:
        mapping = (
            f"SELECT resource, role AS pool FROM (SELECT resource, role, count(*) AS n FROM {raw} GROUP BY ALL) "
            "QUALIFY row_number() OVER (PARTITION BY resource ORDER BY n DESC, role) = 1"
        )
    else:
        mapping = f"SELECT resource, activity AS pool FROM ({sq.resource_dominant_activity(raw)})"
    store.sql(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT i.*, coalesce(m.pool, i.role, i.activity) AS pool "
        f"FROM {raw} i LEFT JOIN ({mapping}) m ON m.resource = i.resource"
    )
    store.sql(f"DROP TABLE {raw}")
    return paired, left_out


def _arrival_profile(log: EventLog, table: str, tz: str, first: datetime, last: datetime) -> ArrivalProfile:
    counts = np.zeros(168)
    for r in log.store.rows(sq.arrivals_by_slot(table, tz)):
        counts[int(r["weekday"]) * 24 + int(r["hour"])] += int(r["n"])
    zone = ZoneInfo(tz)
    slots = np.zeros(168)
    t = first.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    end = last.astimezone(zone)
    hours = max(1, math.ceil((end - t).total_seconds() / 3600) + 1)
    for h in range(hours):
        local = (t + timedelta(hours=h)).astimezone(zone)
        slots[local.weekday() * 24 + local.hour] += 1
    rates = np.where(slots > 0, counts / np.maximum(slots, 1), 0.0)
    return ArrivalProfile(rates=tuple(float(r) for r in rates), timezone=tz)


def _calendar(hist: np.ndarray, tz: str) -> WorkCalendar:
    """A working calendar from a 7 x 24 histogram of event times."""
    by_day = hist.sum(axis=1)
    if by_day.max() <= 0:
        return WorkCalendar(timezone=tz)
    days = tuple(int(d) for d in range(7) if by_day[d] >= DAY_SHARE * by_day.max())
    hours = hist[list(days)].sum(axis=0)
    cum = np.cumsum(hours) / hours.sum()
    lo = int(np.searchsorted(cum, 0.01, side="right"))
    hi = int(np.searchsorted(cum, 0.99, side="left")) + 1
    if hi - lo >= 22:
        lo, hi = 0, 24
    if len(days) == 7 and (lo, hi) == (0, 24):
        return WorkCalendar(timezone=tz)
    return WorkCalendar(timezone=tz, start_s=lo * 3600, end_s=min(hi, 24) * 3600, weekdays=days)


def _calendars(log: EventLog, table: str, tz: str, pools: Sequence[str]) -> dict[str, WorkCalendar]:
    store = log.store
    midnight = store.scalar(f"SELECT avg(CASE WHEN epoch(end_ts) % 86400 = 0 THEN 1 ELSE 0 END) FROM {table}")
    if midnight is not None and float(midnight) > 0.9:  # dates without times of day: nothing to learn hours from
        return {p: WorkCalendar(timezone=tz) for p in pools}
    hist: dict[str, np.ndarray] = defaultdict(lambda: np.zeros((7, 24)))
    total = np.zeros((7, 24))
    for r in store.rows(sq.work_hours(table, _pool_expr(), tz)):
        hist[r["role"]][int(r["weekday"]), int(r["hour"])] += int(r["n"])
        total[int(r["weekday"]), int(r["hour"])] += int(r["n"])
    out = {}
    for p in pools:
        h = hist.get(p)
        out[p] = _calendar(h if h is not None and h.sum() >= 30 else total, tz)
    return out


def discover_simulation_model(
    log: EventLog,
    *,
    timezone: str = "UTC",
    rules: AuditRules | None = None,
    won: Sequence[str] | None = None,
    name: str = "as-is",
    order: Literal[0, 1, 2] = 0,
) -> SimulationModel:
    """The As-Is simulation model of ``log`` (see the module docstring).

    Parameters
    ----------
    log
        A materialised event log.
    timezone
        The local clock of arrivals and working hours (``Europe/Moscow``).
    rules
        Audit rules: their SLA (the first one) and calendar define the SLA KPI and the SLA timers' calendar;
        their ``end_activities`` (the first) the won outcome when ``won`` is not given.
    won
        Activities whose presence makes a case converted (won).
    name
        The model's name.
    order
        0 (default): the next activity depends on the whole path so far — the graph is the prefix tree of the
        log's variants, so the simulated variants, rework loops and conversion follow the log's (when the log
        has more than :data:`MAX_PREFIXES` distinct prefixes, order 2 is used and a note says so);
        2: on the last two activities (a task node per observed pair); 1: on the last one.
        Second-order states seen fewer than :data:`MIN_STATE` times use the first-order probabilities.

    Raises
    ------
    EmptyLogError
        When the log has no completed activity (nothing to learn from).

    >>> from crmflow.sources.reader import read_log
    >>> import pyarrow as pa
    >>> from datetime import datetime, timezone
    >>> t = lambda h: datetime(2024, 3, 4, h, tzinfo=timezone.utc)
    >>> log = read_log(pa.table({"case:concept:name": ["1", "1", "2", "2"], "concept:name": ["A", "B", "A", "B"],
    ...                          "time:timestamp": [t(9), t(10), t(11), t(13)]}))
    >>> m = discover_simulation_model(log)
    >>> m.activities(), m.graph.node("start").probabilities, m.graph.node("t:2").activity
    (('A', 'B'), (1.0,), 'B')
    """
    from crmflow.errors import EmptyLogError

    store = log.store
    rules = rules or AuditRules()
    table = store.new_name("siminst")
    paired, left_out = _prepare(log, table)
    s = store.rows(sq.instance_summary(table))[0]
    if not s["instances"]:
        raise error(EmptyLogError, ERRORS, "discover.log_has_no_completed", name=log.name)
    first: datetime = s["first_arrival"]
    last: datetime = s["last_arrival"]
    measured_share = int(s["measured"]) / int(s["instances"])
    notes: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    if measured_share < 0.5:
        notes.append(("note.estimated_starts", (("share", f"{100 * (1 - measured_share):.0f}"),)))
    if left_out:
        notes.append(("note.lifecycle_left_out", (("events", str(left_out)),)))

    arrivals = _arrival_profile(log, table, timezone, first, last)

    # ---- control flow: (previous activity, activity) → next activity counts
    triples = [(r["prev_act"], r["activity"], r["next_act"], int(r["n"])) for r in store.rows(sq.transitions(table))]

    # ---- pools, resources, capacity
    act_pool = {r["activity"]: r["role"] for r in store.rows(sq.activity_roles(table, _pool_expr()))}
    used = sorted(set(act_pool.values()))
    capacity = {r["resource"]: max(1, int(r["p95"])) for r in store.rows(sq.concurrency(table))}
    members: dict[str, list[ResourceSpec]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    rows = store.rows(sq.resource_shares(table, _pool_expr()))
    for r in rows:
        totals[r["role"]] += int(r["n"])
    # a person whose pool no activity uses (their own most frequent activity is done mostly by another pool)
    # joins the pool of that activity: nobody is dropped
    dominant = {r["resource"]: r["activity"] for r in store.rows(sq.resource_dominant_activity(table))}
    for r in rows:
        if r["role"] not in used:
            r["role"] = act_pool.get(dominant.get(r["resource"], ""), used[0])
            totals[r["role"]] += int(r["n"])
    for r in rows:
        unassigned = r["resource"] == _UNASSIGNED
        members[r["role"]].append(
            ResourceSpec(
                name=r["resource"],
                share=int(r["n"]) / totals[r["role"]],
                capacity=UNBOUNDED if unassigned else capacity.get(r["resource"], 1),
            )
        )
    calendars = _calendars(log, table, timezone, used)
    pools = tuple(
        ResourcePool(
            role=p, resources=tuple(members[p]) or (ResourceSpec(name=_UNASSIGNED, capacity=UNBOUNDED),), calendar=calendars[p]
        )
        for p in used
    )

    # ---- the prefix tree (order 0) and each instance's place in it: a wait is fitted per prefix when seen often
    tree = None
    node_of: dict[tuple[object, int], int] = {}
    if order == 0:
        traces = [(tuple(r["trace"]), int(r["n"])) for r in store.rows(sq.variants(table))]
        tree = _prefix_children(traces)
        if tree is None:
            notes.append(("note.order2", (("prefixes", str(MAX_PREFIXES)),)))
        else:
            children = tree[0]
            for r in store.rows(f"SELECT cid, list(activity ORDER BY seq) AS trace FROM {table} GROUP BY cid"):
                cur = 0
                for k, a in enumerate(r["trace"], start=1):
                    cur = children[cur][a][0]
                    node_of[(r["cid"], k)] = cur

    # ---- durations and waits in each pool's working time
    durations: dict[str, Distribution] = {}
    waits: list[WaitSpec] = []
    pace_case: list[object] = []  # each fitted wait: its case, its distribution's group, its seconds
    pace_group: list[str] = []
    pace_wait: list[np.ndarray] = []
    for pool in pools:
        acts = sorted(a for a, p in act_pool.items() if p == pool.role)
        cal = pool.calendar.install(store, (first - timedelta(days=2)).date(), (s["last_end"] + timedelta(days=2)).date())
        try:
            where = "activity IN (" + ", ".join("'" + a.replace("'", "''") + "'" for a in acts) + ")"
            q = (
                f"SELECT cid, seq, activity, prev_act, {cal.working_seconds_sql('enabled_ts', 'start_ts')} AS wait_s, "
                f"{cal.working_seconds_sql('start_ts', 'end_ts')} AS dur_s FROM {table} WHERE {where}"
            )
            data = store.arrow(q)
        finally:
            cal.drop(store)
        act_col = data.column("activity").to_pylist()
        prev_col = data.column("prev_act").to_pylist()
        wait = np.asarray(data.column("wait_s").to_numpy(zero_copy_only=False), dtype=float)
        dur = np.asarray(data.column("dur_s").to_numpy(zero_copy_only=False), dtype=float)
        by_act: dict[str, list[int]] = defaultdict(list)
        by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, (a, p) in enumerate(zip(act_col, prev_col, strict=True)):
            by_act[a].append(i)
            if p is not None:
                by_pair[(p, a)].append(i)
        for a in acts:
            idx = np.asarray(by_act.get(a, []), dtype=int)
            durations[a] = fit_distribution(dur[idx]) if len(idx) else Distribution.fixed(0.0)
            has_prev = np.asarray([i for i in by_act.get(a, []) if prev_col[i] is not None], dtype=int)
            if len(has_prev):
                waits.append(WaitSpec(activity=a, after=None, distribution=fit_distribution(wait[has_prev])))
        for (p, a), idx_list in sorted(by_pair.items()):
            if len(idx_list) >= MIN_PAIR:
                waits.append(WaitSpec(activity=a, after=p, distribution=fit_distribution(wait[np.asarray(idx_list)])))
        cid_col = data.column("cid").to_pylist()
        seq_col = data.column("seq").to_pylist()
        by_node: dict[int, list[int]] = defaultdict(list)
        if node_of:
            for i, p in enumerate(prev_col):
                if p is not None:
                    by_node[node_of[(cid_col[i], int(seq_col[i]))]].append(i)
        fitted_nodes = {}
        for pid, idx_list in sorted(by_node.items()):
            if len(idx_list) >= MIN_NODE:
                fitted_nodes[pid] = True
                waits.append(
                    WaitSpec(
                        activity=act_col[idx_list[0]],
                        after=prev_col[idx_list[0]],
                        distribution=fit_distribution(wait[np.asarray(idx_list)]),
                        node=f"t:{pid}",
                    )
                )
        # the group each wait was drawn from in the model: its prefix, else its pair when fitted, else its activity
        for i, (a, p) in enumerate(zip(act_col, prev_col, strict=True)):
            if p is not None:
                pace_case.append(cid_col[i])
                pid = node_of.get((cid_col[i], int(seq_col[i])), -1)
                if pid in fitted_nodes:
                    pace_group.append(f"#{pid}")
                else:
                    pace_group.append(f"{p}\x1f{a}" if len(by_pair[(p, a)]) >= MIN_PAIR else f"\x1f{a}")
        pace_wait.append(wait[np.asarray([i for i, p in enumerate(prev_col) if p is not None], dtype=int)])
    pace = fit_pace(pace_case, pace_group, np.concatenate(pace_wait) if pace_wait else np.zeros(0))
    nodes: tuple[Node, ...] | None = None
    if tree is not None:
        nodes = _prefix_tree(tree, act_pool, durations)
    if nodes is None:
        nodes = _graph(triples, act_pool, durations, 2 if order == 0 else order)
    store.sql(f"DROP TABLE IF EXISTS {table}")

    sla = rules.sla[0] if rules.sla else None
    won_acts = tuple(won) if won is not None else (rules.end_activities[:1] if rules.end_activities else ())
    return SimulationModel(
        name=name,
        graph=ProcessGraph(start="start", nodes=nodes),
        arrivals=arrivals,
        pools=pools,
        waits=tuple(waits),
        sla_calendar=rules.calendar,
        start_ts=first.astimezone(UTC).timestamp(),
        kpis=KpiSpec(
            sla=(sla.name, sla.from_activity, sla.to_activity, sla.within_s, sla.time) if sla else None,
            won=won_acts,
            calendar=rules.calendar,
        ),
        has_start_times=measured_share >= 0.5,
        notes=tuple(notes),
        pace=pace.share,
    )


__all__ = ["DAY_SHARE", "MIN_PAIR", "UNBOUNDED", "discover_simulation_model"]
