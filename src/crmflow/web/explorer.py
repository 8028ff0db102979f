"""The process explorer: a filtered process map with Disco's activity and path sliders, variants, timelines.

All aggregation runs in the store over the case set the filters select; this module only decides
what the sliders keep and which tables answer. Each interaction reads the smallest exact summary of
:mod:`crmflow.store.explorer_summaries` (built by the import, or on the first request for a log
without them): the unfiltered map from its stored answer, the activity slider on the variants, a
case-level filter as a predicate of the per-case and per-edge tables. What no summary answers
exactly -- the medians of reconnected waits (performance mode with the activity slider) -- runs on
the events (:mod:`crmflow.store.explorer_queries`), as
every request did before the summaries.

Activity slider (``activities``, 0–100 %): the most frequent activities are kept, at least one; the
events of the others are left out and each case's remaining events are reconnected. Path slider
(``paths``, 0–100 %): edges are ranked by frequency; besides the top share, each kept activity keeps
its most frequent incoming and outgoing edge, so no kept activity is left unconnected.

>>> import crmflow, tempfile
>>> from crmflow.demo.bitrix import generate_bitrix_demo
>>> demo = generate_bitrix_demo(tempfile.mkdtemp(), n_deals=40, broken_rows=0)
>>> log = crmflow.read_log(demo.csv_path)
>>> m = process_map(log, CaseFilter(), activities=100, paths=100)
>>> m.cases == log.n_cases, sum(n.starts for n in m.nodes) == log.n_cases
(True, True)
"""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from crmflow.errors import WebError, WebNotFoundError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.store import explorer_queries as xq
from crmflow.store import explorer_summaries as xs
from crmflow.store.explorer_queries import CaseFilter, is_empty
from crmflow.store.schema import DERIVED_COLUMNS
from crmflow.store.store import EventLog, EventStore
from crmflow.web.error_messages import ERRORS

__all__ = ["CaseFilter", "ProcessMap", "process_map", "variants", "timeline", "cases", "cases_on_edge", "check_filter"]


@dataclass(frozen=True)
class MapNode(JsonMixin):
    id: str
    label: str
    events: int
    starts: int
    ends: int


@dataclass(frozen=True)
class MapEdge(JsonMixin):
    source: str  # "__start__" / "__end__" for the boundary edges
    target: str
    count: int
    median_s: float | None
    mean_s: float | None


@dataclass(frozen=True)
class ProcessMap(JsonMixin):
    """What the map shows for one setting of filters and sliders."""

    mode: Literal["frequency", "performance"]
    cases: int
    events: int
    median_s: float | None
    p90_s: float | None
    activities_total: int
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]


@dataclass(frozen=True)
class VariantRow(JsonMixin):
    rank: int
    activities: tuple[str, ...]
    cases: int
    share: float
    median_s: float | None
    example_case: str


START, END = "__start__", "__end__"

#: Answer from the summaries (False: every query on the events, the path the tests compare against).
SUMMARIES = True


def _summaries(log: EventLog) -> bool:
    if SUMMARIES:
        xs.ensure(log.store, log.name)
    return SUMMARIES


def check_filter(log: EventLog, f: CaseFilter) -> CaseFilter:
    """The filter, with its attribute checked against the log's columns.

    Raises
    ------
    WebError
        The attribute is not a column of the log (the message lists those it has).
    """
    f = replace(f, start=_instant(f.start, "start"), end=_instant(f.end, "end"))
    if f.attribute:
        cols = [
            c for c in log.store.columns(log.events_table) if c not in DERIVED_COLUMNS and c not in ("cid", "act", "next_act")
        ]
        if f.attribute not in cols:
            raise error(WebError, ERRORS, "explorer.no_attribute", attribute=f.attribute, value=", ".join(cols))
        kind = log.store.scalar(
            "SELECT data_type FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
            [log.events_table, f.attribute],
        )
        f = replace(f, text_attribute=kind == "VARCHAR")
        if f.attribute == "resource" and f.values and _summaries(log):
            bits = [r["bit"] for r in log.store.rows(xs.resource_bits(log.name), {"values": list(f.values)})]
            f = replace(f, resource_mask=xs.resource_mask(bits))
    return f


def _instant(value: str | None, name: str) -> str | None:
    """An ISO date or date-time as an ISO instant (naive means UTC); a clear error if it is not one."""
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise error(WebError, ERRORS, "explorer.not_date", name=name, value=value) from None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()


def _pct(value: float, name: str) -> float:
    if not 0 <= value <= 100 or math.isnan(value):
        raise error(WebError, ERRORS, "explorer.not_percentage", name=name, value=value)
    return value


def process_map(
    log: EventLog,
    f: CaseFilter,
    *,
    activities: float = 100.0,
    paths: float = 100.0,
    mode: Literal["frequency", "performance"] = "frequency",
) -> ProcessMap:
    """The process map of the filtered cases at the given slider positions (percent)."""
    f = check_filter(log, f)
    activities, paths = _pct(activities, "activities"), _pct(paths, "paths")
    store, name = log.store, log.name
    params = f.params()
    totals, acts = _base(log, f)
    keep_n = max(1, math.ceil(len(acts) * activities / 100)) if acts else 0
    kept = acts[:keep_n]
    by_code = {a["act"]: a for a in kept}
    if keep_n == len(acts):
        raw = _all_edges(log, f, mode == "performance")
        edges = [MapEdge(str(r["src"]), str(r["dst"]), r["n"], r["median_s"], r["mean_s"]) for r in raw]
        edges += [MapEdge(START, str(a["act"]), a["starts"], None, None) for a in kept if a["starts"]]
        edges += [MapEdge(str(a["act"]), END, a["ends"], None, None) for a in kept if a["ends"]]
        starts = {a["act"]: a["starts"] for a in kept}
        ends = {a["act"]: a["ends"] for a in kept}
    else:
        kept_codes = tuple(sorted(by_code))

        def among() -> list[dict[str, Any]]:
            if mode == "frequency" and _summaries(log):  # re-sequenced variants
                positions = _positions(log)
                if not is_empty(f):
                    cids = log.store.arrow(xs.selected_cases(name, f), xs.params(f)).column("cid").to_numpy()
                    positions = _offsets(log).restrict(positions, cids)
                return xs.reconnect(positions, list(kept_codes))
            return store.rows(xq.edges_among(name, f, median=mode == "performance"), {**params, "acts": list(kept_codes)})

        raw = _cached(log, (f"{name}/among/{kept_codes}", f, mode == "performance"), among)
        edges, starts, ends = [], {}, {}
        for r in raw:
            if not r["is_boundary"]:
                edges.append(MapEdge(str(r["src"]), str(r["dst"]), r["n"], r["median_s"], r["mean_s"]))
            elif r["src"] is None:
                ends[r["dst"]] = r["n"]
                if r["n"]:
                    edges.append(MapEdge(str(r["dst"]), END, r["n"], None, None))
            else:
                starts[r["src"]] = r["n"]
                if r["n"]:
                    edges.append(MapEdge(START, str(r["src"]), r["n"], None, None))
    nodes = tuple(
        MapNode(str(a["act"]), a["activity"], a["events"], starts.get(a["act"], 0), ends.get(a["act"], 0)) for a in kept
    )
    return ProcessMap(
        mode=mode,
        cases=int(totals["cases"]),
        events=int(totals["events"]),
        median_s=totals["median_s"],
        p90_s=totals["p90_s"],
        activities_total=len(acts),
        nodes=nodes,
        edges=tuple(_prune(edges, paths)),
    )


# The aggregates a filter gives do not depend on the sliders or the mode: moving the path slider or
# switching frequency/performance re-uses them. The cache hangs on the store weakly: a new import is a
# new store, and a dropped store takes its entries with it.
_CACHE: weakref.WeakKeyDictionary[EventStore, OrderedDict[tuple[str, CaseFilter, bool], Any]] = weakref.WeakKeyDictionary()
_CACHE_SIZE = 64


def _cached(log: EventLog, key: tuple[str, CaseFilter, bool], compute: Any) -> Any:
    entries = _CACHE.setdefault(log.store, OrderedDict())
    if key in entries:
        entries.move_to_end(key)
        return entries[key]
    value = compute()
    entries[key] = value
    if len(entries) > _CACHE_SIZE:
        entries.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget the cached aggregates (benchmarks measure the cold path with it)."""
    _CACHE.clear()


def _base(log: EventLog, f: CaseFilter) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    def compute() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        params = f.params()
        if not _summaries(log):
            return log.store.rows(xq.case_totals(log.name, f), params)[0], log.store.rows(xq.activity_counts(log.name, f), params)
        if is_empty(f):
            return log.store.rows(xs.all_totals(log.name))[0], log.store.rows(xs.all_activity_counts(log.name))
        p = xs.params(f)
        return log.store.rows(xs.case_totals(log.name, f), p)[0], log.store.rows(xs.activity_counts(log.name, f), p)

    return _cached(log, (log.name, f, False), compute)  # type: ignore[no-any-return]


# The variant positions do not depend on any filter: read once per store and log (not a per-filter cache).
_POSITIONS: weakref.WeakKeyDictionary[EventStore, dict[str, xs.VariantPositions]] = weakref.WeakKeyDictionary()
_OFFSETS: weakref.WeakKeyDictionary[EventStore, dict[str, xs.EventOffsets]] = weakref.WeakKeyDictionary()


def _positions(log: EventLog) -> xs.VariantPositions:
    per = _POSITIONS.setdefault(log.store, {})
    if log.name not in per:
        per[log.name] = xs.VariantPositions.read(log.store, log.name)
    return per[log.name]


def _offsets(log: EventLog) -> xs.EventOffsets:
    per = _OFFSETS.setdefault(log.store, {})
    if log.name not in per:
        per[log.name] = xs.EventOffsets.read(log.store, log.name)
    return per[log.name]


def _all_edges(log: EventLog, f: CaseFilter, median: bool) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        if not _summaries(log):
            return log.store.rows(xq.edges(log.name, f, median=median), f.params())
        if is_empty(f):
            return log.store.rows(xs.all_edges(log.name, median=median))
        return log.store.rows(xs.edges(log.name, f, median=median), xs.params(f))

    return _cached(log, (log.name + "/edges", f, median), compute)  # type: ignore[no-any-return]


def _prune(edges: list[MapEdge], paths: float) -> list[MapEdge]:
    """Top ``paths`` % of edges by count, plus each node's strongest incoming and outgoing edge."""
    ranked = sorted(edges, key=lambda e: (-e.count, e.source, e.target))
    keep = set(range(math.ceil(len(ranked) * paths / 100)))
    best_out: dict[str, int] = {}
    best_in: dict[str, int] = {}
    for i, e in enumerate(ranked):
        best_out.setdefault(e.source, i)
        best_in.setdefault(e.target, i)
    keep |= set(best_out.values()) | set(best_in.values())
    return [ranked[i] for i in sorted(keep)]


def _names(log: EventLog) -> dict[int, str]:
    return {r["act"]: r["activity"] for r in log.store.rows(xq.activity_dictionary(log.name))}


def variants(log: EventLog, f: CaseFilter, *, limit: int = 50) -> list[VariantRow]:
    """The most frequent variants of the filtered cases, with their share and median duration."""
    f = check_filter(log, f)
    params = f.params()
    names = _names(log)
    if not _summaries(log):
        total = int(log.store.rows(xq.case_totals(log.name, f), params)[0]["cases"]) or 1
        rows = log.store.rows(xq.variants(log.name, f), {**params, "limit": limit})
    elif is_empty(f):
        total = int(log.store.rows(xs.all_totals(log.name))[0]["cases"]) or 1
        rows = log.store.rows(xs.variants(log.name, f), {"limit": limit})
    else:
        total = int(log.store.rows(xs.case_totals(log.name, f), xs.params(f))[0]["cases"]) or 1
        rows = log.store.rows(xs.variants(log.name, f), {**xs.params(f), "limit": limit})
    return [
        VariantRow(i + 1, tuple(names[a] for a in r["variant"]), r["cases"], r["cases"] / total, r["median_s"], r["example"])
        for i, r in enumerate(rows)
    ]


def timeline(log: EventLog, case_id: str) -> list[dict[str, Any]]:
    """The events of one case in order (every column of the log).

    Raises
    ------
    WebError
        No case with that id.
    """
    query = xs.timeline(log.name) if _summaries(log) else xq.timeline(log.name)
    rows = log.store.rows(query, {"case": case_id})
    if not rows:
        raise error(WebNotFoundError, ERRORS, "explorer.no_case", case_id=case_id)
    return rows


def cases(log: EventLog, case_ids: list[str], *, limit: int = 500) -> list[dict[str, Any]]:
    """Summary rows (events, start, end, duration) of the given cases, longest first."""
    return log.store.rows(xq.cases_by_ids(log.name), {"ids": list(case_ids), "limit": limit})


def cases_on_edge(log: EventLog, f: CaseFilter, source: str, target: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Cases that go directly from activity ``source`` to ``target``, longest wait first."""
    f = check_filter(log, f)
    if _summaries(log):
        codes = [log.store.rows(xs.activity_code(log.name), {"name": a}) for a in (source, target)]
        if not all(codes):
            return []  # an activity the log does not have: no case passes that edge
        params = {**xs.params(f), "src": codes[0][0]["act"], "dst": codes[1][0]["act"], "limit": limit}
        rows = log.store.rows(xs.cases_on_edge(log.name, f, threshold=True), {**params, "deep": 4 * limit})
        if len(rows) < limit:  # fewer cases than asked among the longest waits: all of them
            rows = log.store.rows(xs.cases_on_edge(log.name, f), params)
        return rows
    return log.store.rows(xq.cases_on_edge(log.name, f), {**f.params(), "src": source, "dst": target, "limit": limit})


def attributes(log: EventLog) -> list[str]:
    """The columns a filter can use."""
    return [
        c for c in log.store.columns(log.events_table) if c not in DERIVED_COLUMNS and c not in ("cid", "act", "next_act", "ts")
    ]
