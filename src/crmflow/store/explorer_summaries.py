"""The explorer's summaries of a log: small tables built once, from which each interaction is answered.

Built when a project is imported (persisted in its DuckDB file, so opening it copies nothing
log-sized) or, for a log that has none, on the explorer's first request. Each table is exact for
what it answers (the numbers are those of the event-level queries of
:mod:`crmflow.store.explorer_queries`):

* ``xv_<log>`` -- one row per variant: ``vid`` (0 = the most frequent; ties by the smallest case
  id, the order of the explorer's variant list and of its top-k filter), the activity codes, cases,
  median duration, example case;
* ``xrd_<log>`` -- the resource dictionary: each resource and its bit (0 = the busiest; ties by name);
* ``xc_<log>`` -- one row per case: ``cid``, ``vid``, case id, events, start, end, duration, and
  ``rmask``, the bits of the first :data:`MASK_BITS` resources it has (the case-level filters, the
  resource filter among them, are predicates on it);
* ``xp_<log>`` -- one row per variant and position: the activity, the variant's cases and the sum
  over them of the event's offset from the case start in microseconds (integers: exact). A
  reconnected edge between kept positions i < j waits ``(off[j] - off[i]) / cases`` on average, so
  the activity slider re-sequences variants instead of events;
* ``xva_<log>`` -- per variant and activity: events, starts, ends (the activity counts of any case
  selection are sums over its variants);
* ``xw_<log>`` -- one row per directly-follows pair of a case, sorted by the pair (integer codes, the
  wait, and the case's start, end, duration, variant and resource bits beside it, so that a
  case-level filter is a predicate of the scan, not a join, and the cases of one edge are a few
  blocks);
* ``xr_<log>`` -- the distinct (resource, case code) pairs of the resources without a bit (a log
  with more than :data:`MASK_BITS` resources);
* ``xo_<log>`` -- one row per event: case code, its row of ``xp_<log>`` and its offset (the activity
  slider under a case-level filter sums the offsets of the selected cases per variant position);
* ``xa_<log>``, ``xe_<log>``, ``xt_<log>`` -- the unfiltered activity counts, edges (count, mean and
  median wait) and totals, with a fingerprint of the cases table they were built from (a log
  re-imported by a version that does not build summaries leaves old ones behind: they are then
  rebuilt, never used).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from crmflow.store.explorer_queries import CaseFilter, case_bounds, is_empty
from crmflow.store.queries import ac, cs, ev, ident, table_name

if TYPE_CHECKING:
    from crmflow.store.store import EventStore

#: The tables, in build order (each may read the ones before it).
TABLES = ("xv", "xrd", "xc", "xp", "xva", "xw", "xr", "xo", "xa", "xe", "xt")

#: Resources with a bit in a case's ``rmask`` (a signed BIGINT keeps 63).
MASK_BITS = 63


def name(kind: str, log: str) -> str:
    """The table ``<kind>_<log>`` (``kind`` one of :data:`TABLES`)."""
    if kind not in TABLES:
        raise ValueError(f"unknown summary table kind {kind!r}")
    return f"{kind}_{table_name(log)}"


def fingerprint(log: str) -> str:
    """A cheap fingerprint of the cases table (one scan of one row per case) and of the log's ingestions."""
    return f"""
SELECT count(*)::BIGINT AS fp_cases, coalesce(sum(n_events), 0)::BIGINT AS fp_events,
       coalesce(sum(epoch_us(start_ts) % 1000003), 0)::BIGINT AS fp_start,
       coalesce(sum(epoch_us(end_ts) % 1000003), 0)::BIGINT AS fp_end,
       (SELECT coalesce(sum(hash(source, format, rows_read, parsed, quarantined, CAST(mapping AS VARCHAR)) % 1000003), 0)
        FROM ingestions WHERE log_name = '{table_name(log)}')::BIGINT AS fp_ingestions
FROM {cs(log)}
"""


def build(log: str, *, prefix: str = "CREATE OR REPLACE TABLE") -> list[str]:
    """The statements that (re)build every summary of ``log`` from ``ev_<log>``/``cs_<log>``."""
    x = {k: name(k, log) for k in TABLES}
    e, c = ev(log), cs(log)
    return [
        f"""{prefix} {x["xv"]} AS
SELECT (row_number() OVER (ORDER BY cases DESC, example) - 1)::INTEGER AS vid, variant, cases, median_s, example,
       len(variant)::INTEGER AS length
FROM (SELECT variant, count(*)::BIGINT AS cases, median(duration_s) AS median_s, min(case_id) AS example
      FROM {c} GROUP BY variant)
ORDER BY vid""",
        f"""{prefix} {x["xrd"]} AS
SELECT resource, (row_number() OVER (ORDER BY count(*) DESC, resource) - 1)::INTEGER AS bit, count(*)::BIGINT AS events
FROM {e} WHERE resource IS NOT NULL GROUP BY resource""",
        f"""{prefix} {x["xc"]} AS
WITH m AS (
    SELECT e.cid, bit_or(1::BIGINT << d.bit) AS rmask
    FROM {e} AS e JOIN {x["xrd"]} AS d ON d.resource = e.resource AND d.bit < {MASK_BITS} GROUP BY e.cid
)
SELECT c.cid, v.vid, c.case_id, c.n_events, c.start_ts, c.end_ts, c.duration_s, coalesce(m.rmask, 0)::BIGINT AS rmask
FROM {c} AS c JOIN {x["xv"]} AS v ON c.variant = v.variant LEFT JOIN m USING (cid) ORDER BY c.cid""",
        f"""{prefix} {x["xp"]} AS
SELECT c.vid, e.pos, any_value(e.act) AS act, count(*)::BIGINT AS cases,
       sum(epoch_us(e.ts) - epoch_us(c.start_ts))::HUGEINT AS off_us
FROM {e} AS e JOIN {x["xc"]} AS c USING (cid) GROUP BY c.vid, e.pos ORDER BY c.vid, e.pos""",
        f"""{prefix} {x["xva"]} AS
SELECT p.vid, p.act, count(*)::BIGINT AS events, count(*) FILTER (WHERE p.pos = 0)::BIGINT AS starts,
       count(*) FILTER (WHERE p.pos = v.length - 1)::BIGINT AS ends
FROM {x["xp"]} AS p JOIN {x["xv"]} AS v USING (vid) GROUP BY p.vid, p.act""",
        f"""{prefix} {x["xw"]} AS
SELECT e.cid, e.act, e.next_act, e.wait_s, c.vid, c.start_ts, c.end_ts, c.duration_s, c.rmask
FROM {e} AS e JOIN {x["xc"]} AS c USING (cid) WHERE e.next_act IS NOT NULL ORDER BY e.act, e.next_act, e.cid""",
        f"""{prefix} {x["xr"]} AS
SELECT DISTINCT e.resource, e.cid FROM {e} AS e JOIN {x["xrd"]} AS d ON d.resource = e.resource AND d.bit >= {MASK_BITS}
ORDER BY e.resource, e.cid""",
        f"""{prefix} {x["xo"]} AS
WITH r AS (SELECT vid, pos, (row_number() OVER (ORDER BY vid, pos) - 1)::INTEGER AS gp FROM {x["xp"]})
SELECT e.cid, r.gp, (epoch_us(e.ts) - epoch_us(c.start_ts))::BIGINT AS off_us
FROM {e} AS e JOIN {x["xc"]} AS c USING (cid) JOIN r ON r.vid = c.vid AND r.pos = e.pos""",
        # the unfiltered answers: the very queries of the event-level path, kept
        f"""{prefix} {x["xa"]} AS
SELECT act, any_value(activity) AS activity, count(*) AS events,
       count(*) FILTER (WHERE pos = 0) AS starts, count(*) FILTER (WHERE is_last) AS ends
FROM {e} GROUP BY act""",
        f"""{prefix} {x["xe"]} AS
SELECT act AS src, next_act AS dst, count(*) AS n, median(wait_s) AS median_s, avg(wait_s) AS mean_s
FROM {e} WHERE next_act IS NOT NULL GROUP BY act, next_act""",
        f"""{prefix} {x["xt"]} AS
SELECT t.*, f.* FROM (
    SELECT count(*) AS cases, coalesce(sum(n_events), 0) AS events,
           median(duration_s) AS median_s, quantile_cont(duration_s, 0.9) AS p90_s
    FROM {c}
) AS t, ({fingerprint(log)}) AS f""",
    ]


_READY: weakref.WeakKeyDictionary[EventStore, set[str]] = weakref.WeakKeyDictionary()


def current(store: EventStore, log: str) -> bool:
    """Whether every summary of ``log`` is in the store and was built from its present cases table."""
    names = {r[0] for r in store.sql("SELECT table_name FROM information_schema.tables").fetchall()}
    if not all(name(k, log) in names for k in TABLES):
        return False
    have = store.rows(f"SELECT fp_cases, fp_events, fp_start, fp_end, fp_ingestions FROM {name('xt', log)}")
    return bool(have) and have[0] == store.rows(fingerprint(log))[0]


def ensure(store: EventStore, log: str) -> None:
    """Build the summaries of ``log`` unless they are current (checked once per store and log).

    Views on an attached project (summaries of an older import) are replaced by tables in the store.
    """
    ready = _READY.setdefault(store, set())
    if log in ready:
        return
    if not current(store, log):
        rebuild(store, log)
    ready.add(log)


def rebuild(store: EventStore, log: str) -> None:
    """(Re)build every summary of ``log`` in the store (an import does, always)."""
    views = {r[0] for r in store.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    for k in TABLES:
        if name(k, log) in views:
            store.sql(f"DROP VIEW {name(k, log)}")
    for statement in build(log):
        store.sql(statement)
    _READY.setdefault(store, set()).add(log)


# --------------------------------------------------------------------------- answers


def where(log: str, f: CaseFilter) -> str:
    """The filter as a predicate on the columns ``xc_<log>`` and ``xw_<log>`` share (``TRUE`` when empty).

    Parameters as :meth:`CaseFilter.params`; ``vid < $k`` is the top-k variants filter (variants are
    numbered by frequency); the resource filter is ``rmask & mask <> 0`` with the mask of
    :func:`resource_mask` (an integer of ours, formatted), plus ``xr_<log>`` for values without a
    bit; any other attribute reads the events.
    """
    cond = ["TRUE", *case_bounds(f)]
    if f.top_variants:
        cond.append("vid < $k")
    if f.attribute and f.values:
        if f.attribute == "resource" and f.resource_mask is not None:
            mask, rest = f.resource_mask
            either = [f"(rmask & {int(mask)}) <> 0"]
            if rest:  # some value is a resource without a bit
                either.append(f"cid IN (SELECT cid FROM {name('xr', log)} WHERE resource IN (SELECT unnest($values)))")
            cond.append(f"({' OR '.join(either)})")
        else:
            cond.append(
                f"cid IN (SELECT DISTINCT cid FROM {ev(log)} "
                f"WHERE CAST({ident(f.attribute)} AS VARCHAR) IN (SELECT unnest($values)))"
            )
    return " AND ".join(cond)


def params(f: CaseFilter) -> dict[str, object]:
    """The filter's parameters as :func:`where` binds them (no ``$values`` when the resource bits say it all)."""
    p = f.params()
    if f.attribute == "resource" and f.resource_mask is not None and not f.resource_mask[1]:
        p.pop("values", None)
    return p


def resource_bits(log: str) -> str:
    """The bits of the resources in $values (those that are resources of the log)."""
    return f"SELECT bit FROM {name('xrd', log)} WHERE resource IN (SELECT unnest($values))"


def resource_mask(bits: list[int]) -> tuple[int, bool]:
    """The mask of the bits below :data:`MASK_BITS`, and whether any value has none (then ``xr_<log>`` is read)."""
    mask = 0
    for b in bits:
        if b < MASK_BITS:
            mask |= 1 << b
    return mask, any(b >= MASK_BITS for b in bits)


def case_totals(log: str, f: CaseFilter) -> str:
    """Cases, events, median and 90th percentile duration of the filtered cases."""
    return f"""
SELECT count(*) AS cases, coalesce(sum(n_events), 0) AS events,
       median(duration_s) AS median_s, quantile_cont(duration_s, 0.9) AS p90_s
FROM {name("xc", log)} WHERE {where(log, f)}
"""


def all_totals(log: str) -> str:
    return f"SELECT cases, events, median_s, p90_s FROM {name('xt', log)}"


def all_activity_counts(log: str) -> str:
    return f"SELECT act, activity, events, starts, ends FROM {name('xa', log)} ORDER BY events DESC, activity"


def activity_counts(log: str, f: CaseFilter) -> str:
    """Per activity: events, starts, ends of the filtered cases, summed over their variants."""
    return f"""
WITH s AS (SELECT vid, count(*)::BIGINT AS n FROM {name("xc", log)} WHERE {where(log, f)} GROUP BY vid)
SELECT p.act, any_value(d.activity) AS activity, sum(s.n * p.events)::BIGINT AS events,
       sum(s.n * p.starts)::BIGINT AS starts, sum(s.n * p.ends)::BIGINT AS ends
FROM s JOIN {name("xva", log)} AS p USING (vid) JOIN {ac(log)} AS d ON d.act = p.act
GROUP BY p.act ORDER BY events DESC, activity
"""


def all_edges(log: str, *, median: bool = False) -> str:
    med = "median_s" if median else "NULL::DOUBLE AS median_s"
    return f"SELECT src, dst, n, {med}, mean_s FROM {name('xe', log)}"


def edges(log: str, f: CaseFilter, *, median: bool = False) -> str:
    """Directly-follows edges of the filtered cases (a predicate of the scan of ``xw_<log>``)."""
    med = "median(wait_s)" if median else "NULL::DOUBLE"
    return f"""
SELECT act AS src, next_act AS dst, count(*) AS n, {med} AS median_s, avg(wait_s) AS mean_s
FROM {name("xw", log)} WHERE {where(log, f)} GROUP BY act, next_act
"""


def variant_positions(log: str) -> str:
    """The variant positions in (variant, position) order, for :func:`reconnect`."""
    return f"SELECT vid, act, cases, CAST(off_us AS DOUBLE) AS off_us FROM {name('xp', log)} ORDER BY vid, pos"


@dataclass(frozen=True, eq=False)
class VariantPositions:
    """``xp_<log>`` as arrays (one element per variant and position, in that order)."""

    vid: np.ndarray
    act: np.ndarray
    cases: np.ndarray
    off_us: np.ndarray

    @classmethod
    def read(cls, store: EventStore, log: str) -> VariantPositions:
        t = store.arrow(variant_positions(log))
        col = {c: t.column(c).to_numpy() for c in ("vid", "act", "cases", "off_us")}
        # the types the slider's arithmetic uses, converted once: codes index, counts weigh
        return cls(col["vid"], col["act"].astype(np.int64), col["cases"].astype(np.float64), col["off_us"])


@dataclass(frozen=True, eq=False)
class EventOffsets:
    """``xo_<log>`` as arrays: each event's case code, variant position (row of ``xp_<log>``) and offset."""

    cid: np.ndarray
    gp: np.ndarray
    off_us: np.ndarray

    @classmethod
    def read(cls, store: EventStore, log: str) -> EventOffsets:
        t = store.arrow(f"SELECT cid, gp, CAST(off_us AS DOUBLE) AS off_us FROM {name('xo', log)}")
        return cls(*(t.column(c).to_numpy() for c in ("cid", "gp", "off_us")))

    def restrict(self, p: VariantPositions, cids: np.ndarray) -> VariantPositions:
        """The variant positions summed over the cases ``cids`` only (a case-level filter's selection)."""
        chosen = np.zeros(int(max(self.cid.max(initial=0), cids.max(initial=0))) + 1, dtype=bool)
        chosen[cids] = True
        events = chosen[self.cid]
        gp = self.gp[events]
        n = len(p.vid)
        return VariantPositions(
            p.vid,
            p.act,
            np.bincount(gp, minlength=n).astype(np.float64),
            np.bincount(gp, weights=self.off_us[events], minlength=n),
        )


def selected_cases(log: str, f: CaseFilter) -> str:
    """The case codes the filter keeps."""
    return f"SELECT cid FROM {name('xc', log)} WHERE {where(log, f)}"


def reconnect(p: VariantPositions, acts: list[int]) -> list[dict[str, Any]]:
    """The activity slider on the variants (every case): edges after the activities outside ``acts`` are left out.

    Each variant is re-sequenced without them; its cases' reconnected waits are differences of the
    summed offsets, so the counts are those of reconnecting every case's events and the mean waits
    equal theirs (sums in another order: equal to the last digits of a double). Rows as the
    event-level query :func:`crmflow.store.explorer_queries.edges_among` gives them (frequency mode).
    """
    width = max(int(p.act.max()) + 1 if len(p.act) else 0, max(acts, default=-1) + 1, 1)
    wanted = np.zeros(width, dtype=bool)
    wanted[np.asarray(acts, dtype=np.int64)] = True
    keep = np.flatnonzero(wanted[p.act] & (p.cases > 0))  # positions of variants no selected case has: none
    vid, act, cases, off = p.vid[keep], p.act[keep], p.cases[keep], p.off_us[keep]
    joined = vid[1:] == vid[:-1]  # kept position k and k + 1 are consecutive in one variant
    first = np.ones(len(keep), dtype=bool)
    first[1:] = ~joined
    last = np.ones(len(keep), dtype=bool)
    last[:-1] = ~joined
    code = act[:-1][joined] * width + act[1:][joined]
    n = np.bincount(code, weights=cases[:-1][joined], minlength=width * width)
    wait = np.bincount(code, weights=(off[1:] - off[:-1])[joined], minlength=width * width)
    rows: list[dict[str, Any]] = [
        {
            "src": int(c // width),
            "dst": int(c % width),
            "n": int(n[c]),
            "median_s": None,
            "mean_s": wait[c] / n[c] / 1e6,
            "is_boundary": False,
        }
        for c in np.flatnonzero(n)
    ]
    starts = np.bincount(act[first], weights=cases[first], minlength=width)
    ends = np.bincount(act[last], weights=cases[last], minlength=width)
    for a in np.flatnonzero(np.bincount(act, minlength=width)):
        rows.append({"src": int(a), "dst": None, "n": int(starts[a]), "median_s": None, "mean_s": None, "is_boundary": True})
        rows.append({"src": None, "dst": int(a), "n": int(ends[a]), "median_s": None, "mean_s": None, "is_boundary": True})
    return rows


def variants(log: str, f: CaseFilter) -> str:
    """Variants of the filtered cases: activity codes, cases, median duration ($limit of them)."""
    if is_empty(f):
        return f"""
SELECT variant, cases, median_s, example FROM {name("xv", log)} ORDER BY vid LIMIT $limit
"""
    return f"""
WITH s AS (
    SELECT vid, count(*) AS cases, median(duration_s) AS median_s, min(case_id) AS example
    FROM {name("xc", log)} WHERE {where(log, f)} GROUP BY vid ORDER BY cases DESC, example LIMIT $limit
)
SELECT v.variant, s.cases, s.median_s, s.example FROM s JOIN {name("xv", log)} AS v USING (vid)
ORDER BY s.cases DESC, s.example
"""


def timeline(log: str) -> str:
    """The events of one case ($case) in order, with every column (found by its case code)."""
    return (
        f"SELECT * EXCLUDE (cid, act, next_act) FROM {ev(log)} "
        f"WHERE cid = (SELECT cid FROM {name('xc', log)} WHERE case_id = $case) ORDER BY pos"
    )


def activity_code(log: str) -> str:
    """The code of the activity named $name (no row when the log has none)."""
    return f"SELECT act FROM {ac(log)} WHERE activity = $name"


def cases_on_edge(log: str, f: CaseFilter, *, threshold: bool = False) -> str:
    """The cases that pass directly from activity code $src to $dst, longest wait first.

    The codes are bound values (:func:`activity_code`), so the scan of ``xw_<log>``, sorted by the
    pair, reads only that pair's blocks. With ``threshold`` only the waits at least the ``$deep``-th
    longest are grouped: every case left out waits less than each one kept, so when $limit cases are
    kept they are the answer (the caller asks again without it otherwise).
    """
    cond = f"act = $src AND next_act = $dst AND {where(log, f)}"
    top = (
        f" AND wait_s >= (SELECT min(wait_s) FROM (SELECT wait_s FROM {name('xw', log)} WHERE {cond} "
        "ORDER BY wait_s DESC LIMIT $deep))"
        if threshold
        else ""
    )
    return f"""
WITH w AS (SELECT cid, max(wait_s) AS wait_s FROM {name("xw", log)} WHERE {cond}{top} GROUP BY cid)
SELECT c.case_id, w.wait_s FROM w JOIN {name("xc", log)} AS c USING (cid) ORDER BY w.wait_s DESC, c.case_id LIMIT $limit
"""
