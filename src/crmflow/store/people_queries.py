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


def ping_pong_table(log: str, tmp: str, level: str, *, has_nulls: bool = True) -> str:
    """Every A -> B -> A bounce between resources (or roles) within a case (into a temp table).

    Events without a resource are skipped (``IGNORE NULLS``): a hand-over goes from an event to the
    next event with a resource, when that resource differs. A bounce is a hand-over ``A -> B`` whose
    next hand-over in the case is ``B -> A``; ``activity`` and ``act1`` are the activities at which
    the two hand-overs happened. Without NULLs the stored successor (``next_resource``) is the next
    resource, which saves one window pass.
    """
    col = {"resource": "resource", "role": "role"}[level]
    nxt = "lead(actor) OVER (PARTITION BY cid ORDER BY pos)" if has_nulls else f"next_{col}"
    # The windows carry the integer case and activity codes, not the names (a third of the work at 10 M
    # events); the names of the few bounces are joined at the end. With NULLs, the next actor is the next
    # row's among the rows that have one -- lead over those rows, the same as lead(... IGNORE NULLS) over
    # all rows, without its slower path.
    actors = f"SELECT cid, pos, act, {col} AS actor FROM {ev(log)} WHERE {col} IS NOT NULL"
    first = (
        f"n AS (SELECT *, {nxt} AS nxt FROM ({actors}))"
        if has_nulls
        else f"n AS (SELECT cid, pos, act, {col} AS actor, next_{col} AS nxt FROM {ev(log)})"
    )
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH {first}, h AS (
    SELECT * FROM n WHERE actor IS NOT NULL AND nxt IS NOT NULL AND actor <> nxt
), s AS (
    SELECT *, lead(nxt) OVER w AS nxt2, lead(act) OVER w AS act1
    FROM h WINDOW w AS (PARTITION BY cid ORDER BY pos)
)
SELECT c.case_id, least(s.actor, s.nxt) AS x, greatest(s.actor, s.nxt) AS y, a.activity, b.activity AS act1
FROM s JOIN cs_{table_name(log)} c USING (cid) JOIN ac_{table_name(log)} a ON a.act = s.act
JOIN ac_{table_name(log)} b ON b.act = s.act1
WHERE s.nxt2 = s.actor
"""


def ping_pong_summary(tmp: str) -> str:
    return f"""
SELECT x, y, count(*)::BIGINT AS bounces, count(DISTINCT case_id)::BIGINT AS cases
FROM {table_name(tmp)} GROUP BY ALL HAVING count(DISTINCT case_id) >= $min
ORDER BY cases DESC, bounces DESC, x, y LIMIT $top
"""


def _counted_pairs(tmp: str) -> str:
    """The bounces of pairs with at least ``$min`` cases (a CTE body)."""
    return f"""
SELECT t.* FROM {table_name(tmp)} t JOIN (
    SELECT x, y FROM {table_name(tmp)} GROUP BY ALL HAVING count(DISTINCT case_id) >= $min
) USING (x, y)"""


def ping_pong_level_totals(tmp: str) -> str:
    """Over every pair with at least ``$min`` cases: distinct cases, bounces, pairs."""
    return f"""
WITH b AS ({_counted_pairs(tmp)})
SELECT count(DISTINCT case_id)::BIGINT AS cases, count(*)::BIGINT AS bounces,
       count(DISTINCT (x, y))::BIGINT AS pairs FROM b
"""


def ping_pong_level_cases(tmp: str) -> str:
    """The cases that bounce between any counted pair, most bounces first (at most ``$limit``)."""
    return f"""
WITH b AS ({_counted_pairs(tmp)})
SELECT case_id, count(*) AS n FROM b GROUP BY case_id ORDER BY n DESC, case_id LIMIT $limit
"""


def ping_pong_level_activities(tmp: str) -> str:
    """The activities at which the listed pairs (``$xs``/``$ys``) hand work over, most frequent first."""
    return f"""
WITH k AS (SELECT unnest($xs::VARCHAR[]) AS x, unnest($ys::VARCHAR[]) AS y),
a AS (SELECT unnest([activity, act1]) AS activity FROM {table_name(tmp)} JOIN k USING (x, y))
SELECT activity, count(*) AS n FROM a GROUP BY activity ORDER BY n DESC, activity LIMIT $limit
"""


def ping_pong_total(tmp: str) -> str:
    return f"SELECT count(DISTINCT case_id)::BIGINT AS cases FROM {table_name(tmp)}"


def ping_pong_cases(tmp: str) -> str:
    return f"""
WITH k AS (SELECT unnest($xs::VARCHAR[]) AS x, unnest($ys::VARCHAR[]) AS y),
c AS (SELECT t.x, t.y, t.case_id, count(*) AS n FROM {table_name(tmp)} t JOIN k USING (x, y) GROUP BY ALL)
SELECT x, y, case_id, n FROM (SELECT *, {rank_within("x, y", "n DESC, case_id")} AS rk FROM c)
WHERE rk <= $limit ORDER BY x, y, rk
"""


def ping_pong_activities(tmp: str) -> str:
    return f"""
WITH k AS (SELECT unnest($xs::VARCHAR[]) AS x, unnest($ys::VARCHAR[]) AS y),
a AS (
    SELECT x, y, unnest([activity, act1]) AS activity FROM {table_name(tmp)} JOIN k USING (x, y)
), c AS (SELECT x, y, activity, count(*) AS n FROM a GROUP BY ALL)
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

    Counted on the activity code first, the person test runs on the few groups, not on every event.
    """
    return f"""
WITH g AS (
    SELECT act, role, resource, count(*)::BIGINT AS n FROM {ev(log)} WHERE resource IS NOT NULL GROUP BY ALL
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
