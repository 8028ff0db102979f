"""The log-sized SQL of the As-Is findings about time and flow (the findings about people: :mod:`crmflow.store.people_queries`).

Like :mod:`crmflow.store.queries`, each function returns SQL text for one computation over a
materialised log (``ev_<log>``, ``cs_<log>``); values are bound as ``$name`` parameters. Results are
summary-sized (per activity, per transition, per rule) or LIMITed evidence lists. Some findings
first write their per-case occurrences into a temporary table (``CREATE TEMP TABLE``) so that the
summary and the evidence are read from the same small table instead of scanning the log twice.
"""

from __future__ import annotations

from crmflow.store.queries import cs, ev, table_name


def _lit(value: str) -> str:
    """A SQL string literal (for timezone names, which cannot be bound inside expressions)."""
    return "'" + value.replace("'", "''") + "'"


def _num(value: float) -> str:
    return repr(float(value))


# --------------------------------------------------------------------------- working time


def local_day_span(log: str, tz: str) -> str:
    """First and last local calendar day of the log's events."""
    return (
        f"SELECT CAST(timezone({_lit(tz)}, min(start_ts)) AS DATE), "
        f"CAST(timezone({_lit(tz)}, max(end_ts)) AS DATE) FROM {cs(log)}"
    )


def elapsed_seconds(start_expr: str, end_expr: str) -> str:
    """Elapsed (calendar) seconds between two TIMESTAMPTZ expressions."""
    return f"((epoch_us({end_expr}) - epoch_us({start_expr})) / 1e6)"


def _position(days: str, tz: str, t: str) -> str:
    return (
        f"(SELECT d.cum_before + least(greatest(epoch_us({t}) / 1e6 - d.work_start, 0), d.work_len) "
        f"FROM {table_name(days)} d WHERE d.day = CAST(timezone({_lit(tz)}, {t}) AS DATE))"
    )


def working_seconds(days: str, tz: str, start_expr: str, end_expr: str) -> str:
    """Working seconds between two TIMESTAMPTZ expressions, using an installed day table.

    ``W(t) = cum_before + clamp(t - work_start, 0, work_len)`` of ``t``'s local day;
    the result is ``W(end) - W(start)``.
    """
    return f"({_position(days, tz, end_expr)} - {_position(days, tz, start_expr)})"


# --------------------------------------------------------------------------- shared pieces


def _stats(expr: str) -> str:
    # No count(DISTINCT case_id) here: it costs more than everything else on 10 M events; the
    # evidence query of the few reported keys counts their cases. One quantile_cont over a list of
    # fractions sorts each group once (median() and another quantile_cont sorted it twice).
    return (
        f"count(*)::BIGINT AS count, avg({expr}) AS mean_s, quantile_cont({expr}, [0.5, 0.9]) AS q_s, "
        f"max({expr}) AS max_s, sum({expr}) AS total_s"
    )


#: The columns of :func:`_stats`, read from a grouped sub-query ``w``.
_STAT_COLUMNS = "w.count, w.mean_s, w.q_s[1] AS median_s, w.q_s[2] AS p90_s, w.max_s, w.total_s"


def log_end(log: str) -> str:
    """The log's last timestamp and its number of cases."""
    return f"SELECT max(end_ts) AS log_end, count(*)::BIGINT AS cases FROM {cs(log)}"


def rank_within(partition: str, order: str) -> str:
    """The rank of a row within its group (for the top-k evidence of each key)."""
    return f"row_number() OVER (PARTITION BY {partition} ORDER BY {order})"


def activity_codes(log: str) -> str:
    """The activity dictionary (name, code) of a log."""
    return f"SELECT activity, act FROM ac_{table_name(log)}"


# --------------------------------------------------------------------------- bottleneck


def total_wait(log: str) -> str:
    return f"SELECT coalesce(sum(wait_s), 0) AS total_s, count(*)::BIGINT AS n FROM {ev(log)} WHERE NOT is_last"


def transition_waits(log: str) -> str:
    """Directly-follows transitions ranked by total waiting time (parameter: top); grouped on the codes."""
    return f"""
WITH w AS (SELECT act, next_act, {_stats("wait_s")} FROM {ev(log)} WHERE NOT is_last GROUP BY act, next_act)
SELECT a.activity AS source, b.activity AS target, {_STAT_COLUMNS}
FROM w JOIN ac_{table_name(log)} a ON a.act = w.act JOIN ac_{table_name(log)} b ON b.act = w.next_act
ORDER BY total_s DESC, count DESC, source, target LIMIT $top
"""


def activity_waits(log: str) -> str:
    """Activities ranked by the total waiting time before them (parameter: top); grouped on the codes."""
    return f"""
WITH w AS (SELECT next_act, {_stats("wait_s")} FROM {ev(log)} WHERE NOT is_last GROUP BY next_act)
SELECT b.activity AS target, {_STAT_COLUMNS} FROM w JOIN ac_{table_name(log)} b ON b.act = w.next_act
ORDER BY total_s DESC, count DESC, target LIMIT $top
"""


#: The source code of an activity-level bottleneck key (the wait before ``dst`` from any predecessor).
ANY_SOURCE = -1


def _wait_keys() -> str:
    """The bottleneck keys ``($src[i], $dst[i])`` as activity codes (``src`` :data:`ANY_SOURCE`: any predecessor)."""
    return "SELECT unnest($src::INTEGER[]) AS src, unnest($dst::INTEGER[]) AS dst"


def waits_table(log: str, tmp: str) -> str:
    """Per bottleneck key ``($src[i], $dst[i])`` (activity codes; ``src`` :data:`ANY_SOURCE` for the wait
    before ``dst`` from any predecessor) and case: its longest wait there (``w``) and how often it waits
    there (``n``), into a temp table -- one pass over the events for every key, read by the check (cases,
    the slowest) and by the complete evidence."""
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH k AS ({_wait_keys()})
SELECT k.src, k.dst, e.cid, max(e.wait_s) AS w, count(*)::BIGINT AS n
FROM {ev(log)} e JOIN k ON e.next_act = k.dst AND (k.src = {ANY_SOURCE} OR e.act = k.src)
WHERE NOT e.is_last GROUP BY k.src, k.dst, e.cid
"""


def slowest_cases(log: str, waits: str) -> str:
    """Per key of a :func:`waits_table`: its number of cases and the ``$limit`` cases with the longest wait
    on it (longest first; ties by case id, descending).

    The case ids are joined only to the cases that wait at least as long as the ``$limit``-th longest wait
    of their key (all of the top ones, and those tied with the last), not to every case of the table.
    """
    return f"""
WITH t AS (
    SELECT src, dst, count(*)::BIGINT AS cases, list_min(max_by(w, w, $limit)) AS least
    FROM {table_name(waits)} GROUP BY src, dst
), c AS (
    SELECT w.src, w.dst, w.w, c.case_id FROM {table_name(waits)} w
    JOIN t ON w.src = t.src AND w.dst = t.dst AND w.w >= t.least JOIN {cs(log)} c USING (cid)
)
SELECT t.src, t.dst, t.cases, max_by(c.case_id, (c.w, c.case_id), $limit) AS case_ids,
       max_by(c.w, (c.w, c.case_id), $limit) AS waits
FROM t JOIN c ON c.src = t.src AND c.dst = t.dst GROUP BY t.src, t.dst, t.cases
"""


def waiting_for_resources(log: str) -> str:
    """Per key ``($src[i], $dst[i])`` (codes, as :func:`waits_table`), the resources of the target events
    with the most waiting time; grouped on the resource codes."""
    return f"""
WITH k AS ({_wait_keys()}),
w AS (
    SELECT k.src, k.dst, e.next_res, any_value(e.next_resource) AS resource, sum(e.wait_s) AS total_s
    FROM {ev(log)} e JOIN k ON e.next_act = k.dst AND (k.src = {ANY_SOURCE} OR e.act = k.src)
    WHERE NOT e.is_last AND e.next_res IS NOT NULL GROUP BY k.src, k.dst, e.next_res
)
SELECT src, dst, resource, total_s FROM (
    SELECT *, {rank_within("src, dst", "total_s DESC, resource")} AS rk FROM w
) WHERE rk <= $limit ORDER BY src, dst, rk
"""


# --------------------------------------------------------------------------- rework


def variants_table(log: str, tmp: str) -> str:
    """The log's distinct variants keyed by the hash of their activity codes (``vh``), with their cases (``c``);
    ``variant`` and ``other`` are the smallest and the largest variant of one hash: the same list unless two
    variants share a hash (:func:`variant_collisions`). Grouping and joining on a hash is a fraction of the
    work on the lists themselves (10 M events: the repeats 1.2 -> 0.4 CPU-s)."""
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
SELECT hash(variant) AS vh, min(variant) AS variant, max(variant) AS other, count(*)::BIGINT AS c
FROM {cs(log)} GROUP BY hash(variant)
"""


def variant_collisions(variants: str) -> str:
    """How many hashes of a :func:`variants_table` stand for more than one variant (almost surely none)."""
    return f"SELECT count(*) AS n FROM {table_name(variants)} WHERE variant <> other"


def repeats_summary(log: str, variants: str | None = None) -> str:
    """Per activity: cases with it, cases repeating it, extra executions (parameter: top).

    Counted on the variants (``cs_<log>.variant``, the activity codes of each case in order): how often a
    case does an activity is a property of its variant, so the per-(case, activity) counts over every
    event become per-(variant, activity) counts weighted by the variant's cases -- tens of thousands of
    rows instead of one per event. The names are joined on the result. ``variants``: a collision-free
    :func:`variants_table` (else the cases are grouped by their variant lists here).
    """
    grouped = f"SELECT variant, count(*)::BIGINT AS c FROM {cs(log)} GROUP BY variant"
    v = (
        f"SELECT vh AS vid, c, variant FROM {table_name(variants)}"
        if variants
        else f"SELECT row_number() OVER () AS vid, c, variant FROM ({grouped})"
    )
    return f"""
WITH v AS ({v}),
o AS (SELECT vid, c, act, count(*)::BIGINT AS n FROM (SELECT vid, c, unnest(variant) AS act FROM v) GROUP BY vid, c, act),
s AS (
    SELECT act, sum(c)::BIGINT AS cases_with, sum(c) FILTER (WHERE n > 1)::BIGINT AS cases,
           sum(c * (n - 1))::BIGINT AS extra, max(n)::BIGINT AS max_executions
    FROM o GROUP BY act HAVING count(*) FILTER (WHERE n > 1) > 0
)
SELECT a.activity, s.cases_with, s.cases, s.extra, s.max_executions FROM s JOIN ac_{table_name(log)} a USING (act)
ORDER BY cases DESC, extra DESC, activity LIMIT $top
"""


def repeats_table(log: str, tmp: str, variants: str | None = None) -> str:
    """Per case and activity of ``$acts`` (activity codes) executed more than once in it: how often (``cid``,
    ``act``, ``n``; into a temp table), read by the check and the evidence.

    With a collision-free :func:`variants_table`, the repeats of each variant joined to its cases by the
    variant's hash; else grouped on the integer codes of every event.
    """
    if variants:
        return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH o AS (
    SELECT vh, act, count(*)::BIGINT AS n FROM (SELECT vh, unnest(variant) AS act FROM {table_name(variants)})
    WHERE act IN (SELECT unnest($acts::INTEGER[])) GROUP BY vh, act HAVING count(*) > 1
)
SELECT c.cid, o.act, o.n FROM (SELECT cid, hash(variant) AS vh FROM {cs(log)}) c JOIN o USING (vh)
"""
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
SELECT cid, act, count(*)::BIGINT AS n FROM {ev(log)} WHERE act IN (SELECT unnest($acts::INTEGER[]))
GROUP BY cid, act HAVING count(*) > 1
"""


def activity_case_counts(log: str) -> str:
    """Cases containing each activity in ``$acts``."""
    return f"""
SELECT activity, count(DISTINCT cid)::BIGINT AS cases FROM {ev(log)}
WHERE activity IN (SELECT unnest($acts::VARCHAR[])) GROUP BY activity
"""


def repeats_cases(log: str, tmp: str) -> str:
    """Per activity of a :func:`repeats_table`: the ``$limit`` cases repeating it most (ties by case id).

    As :func:`slowest_cases`, the case ids are joined only to the cases with at least the ``$limit``-th
    largest number of executions of their activity.
    """
    return f"""
WITH t AS (SELECT act, list_min(max_by(n, n, $limit)) AS least FROM {table_name(tmp)} GROUP BY act),
r AS (
    SELECT r.act, r.n, c.case_id FROM {table_name(tmp)} r
    JOIN t ON r.act = t.act AND r.n >= t.least JOIN {cs(log)} c USING (cid)
)
SELECT act, min_by(case_id, (-n, case_id), $limit) AS case_ids, min_by(n, (-n, case_id), $limit) AS ns
FROM r GROUP BY act
"""


def repeats_resources(log: str, tmp: str) -> str:
    """Who executes each repeated activity (``$acts``, the codes of the :func:`repeats_table`) in the cases
    that repeat it (most executions first); grouped on the resource codes."""
    return f"""
WITH c AS (
    SELECT e.act, e.res, any_value(e.resource) AS resource, count(*) AS n
    FROM {ev(log)} e JOIN {table_name(tmp)} t ON e.cid = t.cid AND e.act = t.act
    WHERE e.res IS NOT NULL AND e.act IN (SELECT unnest($acts::INTEGER[])) GROUP BY e.act, e.res
)
SELECT act, resource, n FROM (SELECT *, {rank_within("act", "n DESC, resource")} AS rk FROM c)
WHERE rk <= $limit ORDER BY act, rk
"""


def stage_returns_table(log: str, tmp: str) -> str:
    """Consecutive stage events (other events ignored) going back to an earlier stage ($stages)."""
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH st AS (
    SELECT unnest($stages::VARCHAR[]) AS activity, unnest(range(0, len($stages::VARCHAR[]))) AS idx
), s AS (
    SELECT e.case_id, e.cid, e.pos, e.activity, st.idx, e.resource FROM {ev(log)} e JOIN st USING (activity)
), n AS (
    SELECT *, lead(activity) OVER w AS next_stage, lead(idx) OVER w AS next_idx,
           lead(resource) OVER w AS next_resource
    FROM s WINDOW w AS (PARTITION BY cid ORDER BY pos)
)
SELECT case_id, activity AS from_stage, next_stage AS to_stage, next_resource AS resource
FROM n WHERE next_idx < idx
"""


def stage_returns_summary(tmp: str) -> str:
    return f"""
SELECT from_stage, to_stage, count(*)::BIGINT AS returns, count(DISTINCT case_id)::BIGINT AS cases
FROM {table_name(tmp)} GROUP BY ALL ORDER BY cases DESC, returns DESC, from_stage, to_stage LIMIT $top
"""


def stage_returns_cases(tmp: str) -> str:
    return f"""
WITH k AS (SELECT unnest($src::VARCHAR[]) AS src, unnest($dst::VARCHAR[]) AS dst),
c AS (
    SELECT k.src, k.dst, t.case_id, count(*) AS n
    FROM {table_name(tmp)} t JOIN k ON t.from_stage = k.src AND t.to_stage = k.dst GROUP BY ALL
)
SELECT src, dst, case_id, n FROM (SELECT *, {rank_within("src, dst", "n DESC, case_id")} AS rk FROM c)
WHERE rk <= $limit ORDER BY src, dst, rk
"""


def stage_returns_resources(tmp: str) -> str:
    """Who performs the earlier stage a case returns to (most returns first)."""
    return f"""
WITH k AS (SELECT unnest($src::VARCHAR[]) AS src, unnest($dst::VARCHAR[]) AS dst),
c AS (
    SELECT k.src, k.dst, t.resource, count(*) AS n
    FROM {table_name(tmp)} t JOIN k ON t.from_stage = k.src AND t.to_stage = k.dst
    WHERE t.resource IS NOT NULL GROUP BY ALL
)
SELECT src, dst, resource, n FROM (SELECT *, {rank_within("src, dst", "n DESC, resource")} AS rk FROM c)
WHERE rk <= $limit ORDER BY src, dst, rk
"""


# --------------------------------------------------------------------------- closed cases


def closing_table(log: str, tmp: str) -> str:
    """Per closed case, its closing event: the first event of an activity in ``$first``, or its last
    event when that is an activity in ``$last`` (activity codes; into a temp table)."""
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH k AS (
    SELECT cid, min(pos) AS close_pos, arg_min(ts, pos) AS close_ts, arg_min(act, pos) AS close_act,
           arg_min(act IN (SELECT unnest($first::INTEGER[])), pos) AS declared
    FROM {ev(log)}
    WHERE act IN (SELECT unnest($first::INTEGER[])) OR (is_last AND act IN (SELECT unnest($last::INTEGER[])))
    GROUP BY cid
)
SELECT k.cid, c.case_id, k.close_pos, k.close_ts, a.activity AS close_activity, k.declared
FROM k JOIN {cs(log)} c USING (cid) JOIN ac_{table_name(log)} a ON a.act = k.close_act
"""


def closing_by_last_table(log: str, tmp: str) -> str:
    """:func:`closing_table` without ``$first`` activities: the cases whose last event is of one of ``$last``
    -- the last events themselves, one per case, without grouping the events by case."""
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
SELECT e.cid, c.case_id, e.pos AS close_pos, e.ts AS close_ts, a.activity AS close_activity, FALSE AS declared
FROM {ev(log)} e JOIN {cs(log)} c USING (cid) JOIN ac_{table_name(log)} a ON a.act = e.act
WHERE e.is_last AND e.act IN (SELECT unnest($last::INTEGER[]))
"""


def closing_summary(log: str, closing: str) -> str:
    """Closed cases, and the events (and their cases) that come after a case's closing event."""
    return f"""
SELECT (SELECT count(*) FROM {table_name(closing)})::BIGINT AS closed,
       coalesce(sum(c.n_events - 1 - k.close_pos), 0)::BIGINT AS events_after,
       count(*) FILTER (WHERE c.n_events - 1 > k.close_pos)::BIGINT AS cases_after
FROM {table_name(closing)} k JOIN {cs(log)} c USING (cid)
"""


def before_closing(log: str, closing: str) -> str:
    """Filter condition over ``ev_<log>``: the events of the process -- up to and including their case's
    closing event, and after it only repeats of an activity the case did up to closing (a reopened
    ticket is the process again; a support ticket after the payment is another process)."""
    e = ev(log)
    k = table_name(closing)
    return (
        f"pos <= coalesce((SELECT k.close_pos FROM {k} k WHERE k.cid = {e}.cid), pos) "
        f"OR EXISTS (SELECT 1 FROM {e} b JOIN {k} k ON k.cid = b.cid "
        f"WHERE b.cid = {e}.cid AND b.act = {e}.act AND b.pos <= k.close_pos)"
    )


def after_closing_other(log: str, closing: str) -> str:
    """Events after their case's closing event of activities the case had not done up to closing."""
    k = table_name(closing)
    return f"""
WITH seen AS (
    SELECT DISTINCT b.cid, b.act FROM {ev(log)} b JOIN {k} k USING (cid) WHERE b.pos <= k.close_pos
)
SELECT count(*)::BIGINT AS events, count(DISTINCT e.cid)::BIGINT AS cases
FROM {ev(log)} e JOIN {k} k USING (cid) LEFT JOIN seen s ON s.cid = e.cid AND s.act = e.act
WHERE e.pos > k.close_pos AND s.cid IS NULL
"""


def drop_log(log: str) -> list[str]:
    """Statements that remove a derived log (its tables and its ingestion rows)."""
    return [
        f"DROP TABLE IF EXISTS {ev(log)}",
        f"DROP TABLE IF EXISTS {cs(log)}",
        f"DROP TABLE IF EXISTS ac_{table_name(log)}",
        f"DELETE FROM ingestions WHERE log_name = '{table_name(log)}'",
    ]


# --------------------------------------------------------------------------- stuck cases


def open_cases_table(log: str, tmp: str, closing: str) -> str:
    """Cases without a closing event (``closing`` table of :func:`closing_table`), with idle time and age.

    The open cases are found among the cases first, then their last events are joined (the other way
    round, every last event was joined to its case before the closed ones were left out).
    """
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH m AS (SELECT max(end_ts) AS log_end FROM {cs(log)}),
o AS (SELECT * FROM {cs(log)} WHERE cid NOT IN (SELECT cid FROM {table_name(closing)}))
SELECT o.case_id, e.activity AS last_activity, e.resource AS last_resource, o.end_ts AS last_ts,
       (epoch_us(m.log_end) - epoch_us(o.end_ts)) / 1e6 AS idle_s,
       (epoch_us(m.log_end) - epoch_us(o.start_ts)) / 1e6 AS age_s
FROM o JOIN {ev(log)} e ON e.cid = o.cid AND e.is_last, m
"""


def stuck_summary(tmp: str) -> str:
    return f"""
SELECT count(*)::BIGINT AS open_cases, count(*) FILTER (WHERE idle_s > $after)::BIGINT AS stuck,
       avg(idle_s) FILTER (WHERE idle_s > $after) AS mean_idle_s,
       median(idle_s) FILTER (WHERE idle_s > $after) AS median_idle_s,
       quantile_cont(idle_s, 0.9) FILTER (WHERE idle_s > $after) AS p90_idle_s,
       max(idle_s) FILTER (WHERE idle_s > $after) AS max_idle_s,
       median(age_s) FILTER (WHERE idle_s > $after) AS median_age_s
FROM {table_name(tmp)}
"""


def stuck_by_activity(tmp: str) -> str:
    return f"""
SELECT last_activity, count(*)::BIGINT AS cases, median(idle_s) AS median_idle_s
FROM {table_name(tmp)} WHERE idle_s > $after GROUP BY ALL ORDER BY cases DESC, last_activity LIMIT $limit
"""


def stuck_by_resource(tmp: str) -> str:
    return f"""
SELECT last_resource AS resource, count(*)::BIGINT AS cases FROM {table_name(tmp)}
WHERE idle_s > $after AND last_resource IS NOT NULL GROUP BY ALL ORDER BY cases DESC, resource LIMIT $limit
"""


def stuck_cases(tmp: str) -> str:
    return f"""
SELECT case_id FROM {table_name(tmp)} WHERE idle_s > $after ORDER BY idle_s DESC, case_id LIMIT $limit
"""


# --------------------------------------------------------------------------- SLA


def sla_table(log: str, tmp: str, duration: str, open_duration: str, closing: str | None = None) -> str:
    """Per case with a ``$from`` event: the first one, the first ``$to`` event after it, durations.

    ``duration`` and ``open_duration`` are SQL expressions over ``from_ts``, ``to_ts`` and ``log_end``
    (elapsed or working seconds); ``open_s`` is the time from ``from_ts`` to the log's end, or to the
    case's closing event (table ``closing``, declared closing activities only) when the case closed
    after ``from`` without a ``to``: the clock stops when the case closes (``closed`` is true for those).
    """
    closed = (
        f"SELECT case_id, close_pos, close_ts FROM {table_name(closing)} WHERE declared"
        if closing
        else "SELECT NULL::VARCHAR AS case_id, NULL::INTEGER AS close_pos, NULL::TIMESTAMPTZ AS close_ts WHERE FALSE"
    )
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH f AS (
    SELECT case_id, min(pos) AS from_pos, arg_min(ts, pos) AS from_ts FROM {ev(log)}
    WHERE activity = $from GROUP BY case_id
), t AS (
    SELECT f.case_id, arg_min(e.ts, e.pos) AS to_ts
    FROM f JOIN {ev(log)} e ON e.case_id = f.case_id AND e.pos > f.from_pos
    WHERE e.activity = $to GROUP BY f.case_id
), m AS (SELECT max(end_ts) AS log_end FROM {cs(log)}),
k AS ({closed}),
p AS (
    SELECT f.case_id, f.from_ts, t.to_ts,
           coalesce(t.to_ts IS NULL AND k.close_pos >= f.from_pos, FALSE) AS closed,
           CASE WHEN t.to_ts IS NULL AND k.close_pos >= f.from_pos THEN k.close_ts ELSE m.log_end END AS log_end
    FROM f LEFT JOIN t USING (case_id) LEFT JOIN k USING (case_id), m
)
SELECT case_id, from_ts, to_ts, closed,
       CASE WHEN to_ts IS NOT NULL THEN {duration} END AS actual_s,
       CASE WHEN to_ts IS NULL THEN {open_duration} END AS open_s
FROM p
"""


def sla_summary(tmp: str, edges: list[float]) -> str:
    """Counts, distribution and a histogram (bucket edges ``edges``, last bucket open) of one SLA."""
    buckets = []
    for i, lo in enumerate(edges):
        hi = f" AND actual_s < {_num(edges[i + 1])}" if i + 1 < len(edges) else ""
        buckets.append(f"count(*) FILTER (WHERE actual_s >= {_num(lo)}{hi})::BIGINT AS b{i}")
    return f"""
SELECT count(*)::BIGINT AS checked, count(to_ts)::BIGINT AS completed,
       count(*) FILTER (WHERE actual_s > $within)::BIGINT AS late,
       count(*) FILTER (WHERE to_ts IS NULL AND open_s > $within)::BIGINT AS open_breaches,
       count(*) FILTER (WHERE to_ts IS NULL AND NOT open_s > $within)::BIGINT AS open_within,
       count(*) FILTER (WHERE closed)::BIGINT AS closed_without_target,
       count(*) FILTER (WHERE closed AND open_s > $within)::BIGINT AS closed_breaches,
       avg(actual_s) AS mean_s, median(actual_s) AS median_s, quantile_cont(actual_s, 0.9) AS p90_s,
       max(actual_s) AS max_s, {", ".join(buckets)}
FROM {table_name(tmp)}
"""


def sla_violations(tmp: str) -> str:
    return f"""
SELECT case_id, from_ts, to_ts, coalesce(actual_s, open_s) AS elapsed_s, to_ts IS NULL AND NOT closed AS open,
       closed
FROM {table_name(tmp)} WHERE actual_s > $within OR (to_ts IS NULL AND open_s > $within)
ORDER BY elapsed_s DESC, case_id LIMIT $limit
"""


# --------------------------------------------------------------------------- funnel


def funnel_table(log: str, tmp: str, closing: str) -> str:
    """Per case with a stage event: the furthest stage reached (0-based index in $stages) and whether
    it is still in progress (``is_open``: no closing event in ``closing`` and an event within
    ``$after`` seconds of the log's end)."""
    return f"""
CREATE TEMP TABLE {table_name(tmp)} AS
WITH st AS (
    SELECT unnest($stages::VARCHAR[]) AS activity, unnest(range(0, len($stages::VARCHAR[]))) AS idx
), r AS (
    SELECT e.cid, any_value(e.case_id) AS case_id, max(st.idx)::BIGINT AS reached,
           arg_max(e.activity, (st.idx, e.pos)) AS stage, max(e.ts) AS last_stage_ts
    FROM {ev(log)} e JOIN st USING (activity) GROUP BY e.cid
)
SELECT r.case_id, r.reached, r.stage, r.last_stage_ts, k.close_activity,
       k.cid IS NULL AND (epoch_us(m.log_end) - epoch_us(c.end_ts)) / 1e6 <= $after AS is_open
FROM r LEFT JOIN {table_name(closing)} k USING (cid) JOIN {cs(log)} c USING (cid),
     (SELECT max(end_ts) AS log_end FROM {cs(log)}) m
"""


def funnel_counts(tmp: str) -> str:
    return (
        f"SELECT reached, count(*)::BIGINT AS cases, count(*) FILTER (WHERE is_open)::BIGINT AS open "
        f"FROM {table_name(tmp)} GROUP BY reached ORDER BY reached"
    )


def funnel_cases(tmp: str) -> str:
    return f"SELECT case_id FROM {table_name(tmp)} WHERE reached = $idx AND NOT is_open ORDER BY case_id LIMIT $limit"


def drop_table(tmp: str) -> str:
    return f"DROP TABLE IF EXISTS {table_name(tmp)}"
