"""The log-sized SQL of the findings about people: ping-pong between actors and the workload per person.

Split from :mod:`crmflow.store.finding_queries` (same conventions: SQL text over a materialised log,
values bound as ``$name`` parameters, summary-sized results or LIMITed evidence).
"""

from __future__ import annotations

from crmflow.store.finding_queries import rank_within
from crmflow.store.queries import ev, table_name

# --------------------------------------------------------------------------- ping-pong


def actor_counts(log: str) -> str:
    """How many events have a resource and a role (to skip or simplify the ping-pong checks)."""
    return f"SELECT count(*) AS events, count(resource) AS resource, count(role) AS role FROM {ev(log)}"


#: Per level: the actor's column, its integer code and the code of the next event's actor (roles have no code).
_ACTORS = {"resource": ("resource", "res", "next_res"), "role": ("role", "role", "next_role")}


def stored_in_event_order(log: str) -> str:
    """Whether the events table, read in its stored order, holds each case as one run of rows at
    consecutive positions (``pos`` 0, 1, 2, …) -- as the build from an export in event order writes it.
    One streaming pass (``lag() OVER ()`` keeps the scan order; DuckDB only)."""
    return f"""
SELECT coalesce(bool_and(ok), true) AS ok FROM (
    SELECT pos = 0 OR (lag(cid) OVER () = cid AND lag(pos) OVER () = pos - 1) AS ok FROM {ev(log)}
)
"""


def ping_pong_table(log: str, tmp: str, level: str, *, has_nulls: bool = True, in_order: bool = False) -> str:
    """Every A -> B -> A bounce between resources (or roles) within a case (into a temp table).

    Events without a resource are skipped: a hand-over goes from an event to the next event with a
    resource, when that resource differs. A bounce is a hand-over ``A -> B`` whose next hand-over in the
    case is ``B -> A``; ``act`` and ``act1`` are the (codes of the) activities at which the two hand-overs
    happened, ``x`` and ``y`` the pair's names (``x`` the smaller), ``cid`` the case's code. Without NULLs
    the stored successor (``next_res``) is the next resource, which saves one window pass.

    ``in_order`` (DuckDB, when :func:`stored_in_event_order`): the next row of a case is the next row read,
    so ``lead() OVER ()`` in the scan order, kept within the case, replaces the windows partitioned by case
    and sorted by position (a fifth of the work at 10 M events).
    """
    name, code, next_code = _ACTORS[level]
    # The windows carry the integer case, activity and resource codes, not the names (two thirds of the
    # work at 10 M events); the names of the few bounces are joined at the end. With NULLs, the next actor
    # is the next row's among the rows that have one -- lead over those rows, the same as
    # lead(... IGNORE NULLS) over all rows, without its slower path.
    over = "OVER ()" if in_order else "OVER (PARTITION BY cid ORDER BY pos)"
    same = (lambda c: f"CASE WHEN lead(cid) OVER () = cid THEN {c} END") if in_order else (lambda c: c)
    if has_nulls:
        first = (
            f"n AS (SELECT cid, pos, act, {code} AS actor, {same(f'lead({code}) {over}')} AS nxt "
            f"FROM {ev(log)} WHERE {code} IS NOT NULL)"
        )
    else:
        first = f"n AS (SELECT cid, pos, act, {code} AS actor, {next_code} AS nxt FROM {ev(log)})"
    names = f"SELECT {code} AS code, any_value({name}) AS name FROM {ev(log)} WHERE {code} IS NOT NULL GROUP BY {code}"
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH {first}, h AS (
    SELECT * FROM n WHERE actor IS NOT NULL AND nxt IS NOT NULL AND actor <> nxt
), s AS (
    SELECT *, {same(f"lead(nxt) {over}")} AS nxt2, {same(f"lead(act) {over}")} AS act1 FROM h
), d AS ({names})
SELECT s.cid, least(a.name, b.name) AS x, greatest(a.name, b.name) AS y, s.act, s.act1
FROM s JOIN d a ON a.code = s.actor JOIN d b ON b.code = s.nxt
WHERE s.nxt2 = s.actor
"""


def ping_pong_summary(tmp: str) -> str:
    return f"""
SELECT x, y, count(*)::BIGINT AS bounces, count(DISTINCT cid)::BIGINT AS cases
FROM {table_name(tmp)} GROUP BY ALL HAVING count(DISTINCT cid) >= $min
ORDER BY cases DESC, bounces DESC, x, y LIMIT $top
"""


def counted_pairs(tmp: str, *, every: bool = False) -> str:
    """The bounces of pairs with at least ``$min`` cases (a CTE body); ``every``: of every pair (a minimum of
    one case: the table as it is, without counting each pair's cases)."""
    if every:
        return f"SELECT * FROM {table_name(tmp)}"
    return f"""
SELECT t.* FROM {table_name(tmp)} t JOIN (
    SELECT x, y FROM {table_name(tmp)} GROUP BY ALL HAVING count(DISTINCT cid) >= $min
) USING (x, y)"""


def ping_pong_level_totals(tmp: str, *, every: bool = False) -> str:
    """Over every pair with at least ``$min`` cases (``every``: :func:`counted_pairs`): distinct cases, bounces, pairs."""
    return f"""
WITH b AS ({counted_pairs(tmp, every=every)})
SELECT count(DISTINCT cid)::BIGINT AS cases, count(*)::BIGINT AS bounces,
       count(DISTINCT (x, y))::BIGINT AS pairs FROM b
"""


def ping_pong_level_cases(log: str, tmp: str, *, every: bool = False) -> str:
    """The cases that bounce between any counted pair (:func:`counted_pairs`), most bounces first (at most ``$limit``)."""
    return f"""
WITH b AS ({counted_pairs(tmp, every=every)}), n AS (SELECT cid, count(*) AS n FROM b GROUP BY cid)
SELECT c.case_id, n.n FROM n JOIN cs_{table_name(log)} c USING (cid) ORDER BY n.n DESC, c.case_id LIMIT $limit
"""


def ping_pong_level_activities(log: str, tmp: str) -> str:
    """The activities at which the listed pairs (``$xs``/``$ys``) hand work over, most frequent first."""
    return f"""
WITH k AS (SELECT unnest($xs::VARCHAR[]) AS x, unnest($ys::VARCHAR[]) AS y),
a AS (SELECT unnest([act, act1]) AS act FROM {table_name(tmp)} JOIN k USING (x, y)),
n AS (SELECT act, count(*) AS n FROM a GROUP BY act)
SELECT d.activity, n.n FROM n JOIN ac_{table_name(log)} d USING (act) ORDER BY n.n DESC, d.activity LIMIT $limit
"""


def ping_pong_activities(log: str, tmp: str) -> str:
    """Per listed pair (``$xs``/``$ys``), the activities at which it hands work over, most frequent first."""
    return f"""
WITH k AS (SELECT unnest($xs::VARCHAR[]) AS x, unnest($ys::VARCHAR[]) AS y),
a AS (
    SELECT x, y, unnest([act, act1]) AS act FROM {table_name(tmp)} JOIN k USING (x, y)
), c AS (SELECT a.x, a.y, d.activity, count(*) AS n FROM a JOIN ac_{table_name(log)} d USING (act) GROUP BY ALL)
SELECT x, y, activity, n FROM (SELECT *, {rank_within("x, y", "n DESC, activity")} AS rk FROM c)
WHERE rk <= $limit ORDER BY x, y, rk
"""


# --------------------------------------------------------------------------- workload


#: A resource that names a person: not empty, not a placeholder such as ``-``, ``?`` or ``n/a``.
PERSON = (
    "(resource IS NOT NULL AND regexp_matches(resource, '[\\p{L}\\p{N}]') "
    "AND lower(trim(resource)) NOT IN ('n/a', 'na', 'none', 'null', 'unknown', 'нет', 'неизвестно'))"
)


def workload_counts(log: str) -> str:
    """Events per (activity, role, resource) with a known person not in ``$system`` (summary-sized).

    Counted on the activity and resource codes first; the person test runs on the few groups, not on every
    event (on the name grouped by, DuckDB pushed the test below the grouping: a regular expression per event).
    """
    return f"""
WITH g AS (
    SELECT act, role, res, any_value(resource) AS resource, count(*)::BIGINT AS n FROM {ev(log)}
    WHERE res IS NOT NULL GROUP BY act, role, res
)
SELECT a.activity, g.role, g.resource, g.n FROM g JOIN ac_{table_name(log)} a USING (act)
WHERE {PERSON} AND resource NOT IN (SELECT unnest($system::VARCHAR[]))
ORDER BY activity, role NULLS FIRST, n DESC, resource
"""


def group_case_counts(log: str) -> str:
    """Cases with each (activity, role) key of ``$acts``/``$roles`` (a NULL role: events without one)."""
    return f"""
WITH k AS (SELECT unnest($acts::VARCHAR[]) AS activity, unnest($roles::VARCHAR[]) AS role)
SELECT k.activity, k.role, count(DISTINCT e.cid)::BIGINT AS cases FROM {ev(log)} e
JOIN k ON e.activity = k.activity AND e.role IS NOT DISTINCT FROM k.role GROUP BY ALL
"""


def workload_cases(log: str) -> str:
    """Per (activity, role, resource) key, cases where the resource did the activity in that role
    (parameters: acts, roles, res; a NULL role matches events without a role)."""
    return f"""
WITH k AS (
    SELECT unnest($acts::VARCHAR[]) AS activity, unnest($roles::VARCHAR[]) AS role, unnest($res::VARCHAR[]) AS resource
), c AS (
    SELECT DISTINCT k.activity, k.role, e.case_id FROM {ev(log)} e
    JOIN k ON e.activity = k.activity AND e.resource = k.resource AND e.role IS NOT DISTINCT FROM k.role
)
SELECT activity, role, case_id, cases FROM (
    SELECT *, {rank_within("activity, role", "case_id")} AS rk, count(*) OVER (PARTITION BY activity, role) AS cases FROM c
) WHERE rk <= $limit ORDER BY activity, role, rk
"""


def person_cases(log: str) -> str:
    """Cases where ``$res`` did any event: their number and the first ``$limit`` (by case id)."""
    return f"""
WITH c AS (SELECT DISTINCT case_id FROM {ev(log)} WHERE resource = $res)
SELECT case_id, count(*) OVER () AS cases FROM c ORDER BY case_id LIMIT $limit
"""
