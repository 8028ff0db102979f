"""DuckDB-dialect SQL rendered for Spark SQL: sqlglot's transpiler plus the rewrites it does not do.

crmflow writes its log-sized SQL once, in DuckDB's dialect. sqlglot (``read="duckdb", write="spark"``)
translates most of it; what it does not translate -- or translates into something that means another
thing on Spark -- is rewritten here on the syntax tree, before Spark SQL is generated:

* parameters (``?``, ``$name``) are bound as typed literals in the tree (strings are quoted by the
  generator, never pasted), lists become ``array(…)``;
* ``SELECT unnest(list1) AS a, unnest(list2) AS b`` without ``FROM`` (DuckDB zips the lists) becomes an
  inline ``VALUES`` table; ``x IN (SELECT unnest(list))`` becomes ``x IN (v1, v2, …)``;
* ordered aggregates -- ``list/first/last/string_agg(x ORDER BY k…)``; Spark's ``collect_list`` keeps no
  order -- become ``transform(array_sort(collect_list(struct(k…, x)), <comparator>), s -> s.v)`` (then
  ``element_at``/``array_join``), with DuckDB's directions and NULL placement;
* ``max_by(x, key, n)`` / ``min_by(x, key, n)`` (the top ``n`` as a list) become the first ``n`` of it;
* ``row_number() OVER ()`` gets an order (Spark requires one); a correlated one-row lookup
  ``(SELECT x FROM t WHERE …)`` is aggregated (``max(x)``, as Spark requires); ``timezone(zone, t)`` →
  ``from_utc_timestamp(t, zone)``;
* ``bit_count(bitstring_agg(x, lo, hi))`` (distinct cases counted with bitstrings) → ``count(DISTINCT x)``;
* ``epoch_us(t)``/``epoch(t)`` → ``unix_micros``; ``quantile_cont`` → ``percentile`` (both interpolate
  linearly); ``len(list)`` → ``size``; tuple keys ``(a, b)`` →
  ``struct(a, b)``.

>>> to_spark("SELECT list(act ORDER BY pos) AS v FROM ev_log GROUP BY cid")[:71]
'SELECT TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(pos AS k0, act AS v)), '
>>> to_spark("SELECT x FROM t WHERE a IN (SELECT unnest($xs::VARCHAR[])) AND b = ?", {"xs": ["p", "q'"]})
"SELECT x FROM t WHERE a IN ('p', 'q\\\\'') AND b = ?"
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark

from crmflow.errors import StoreError
from crmflow.i18n import error
from crmflow.store.error_messages import ERRORS

__all__ = ["bind", "literal", "parse_duckdb", "render_spark", "rewrite", "to_spark"]


def literal(value: Any) -> exp.Expr:
    """A Python value as a typed SQL literal (the generator quotes and escapes strings)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return exp.Cast(this=exp.Literal.string(str(value)), to=exp.DataType.build("DOUBLE"))
        text = repr(value)
        return exp.Literal.number(text if "e" in text or "E" in text else text + "E0")  # a DOUBLE, as in DuckDB
    if isinstance(value, int | decimal.Decimal):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        text = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ") if value.tzinfo else value.isoformat(sep=" ")
        return exp.Cast(this=exp.Literal.string(text), to=exp.DataType.build("TIMESTAMP"))
    if isinstance(value, dt.date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(v) for v in value])
    raise error(StoreError, ERRORS, "spark_dialect.cannot_pass_value_type", kind=type(value).__name__, value=value)


def parse_duckdb(query: str) -> exp.Expr:
    """One DuckDB statement as a sqlglot tree."""
    trees = [t for t in sqlglot.parse(query, read="duckdb") if t is not None]
    if len(trees) != 1:
        raise error(StoreError, ERRORS, "spark_dialect.expected_one_sql_statement", n_trees=len(trees))
    return trees[0]


def bind(tree: exp.Expr, params: Any) -> exp.Expr:
    if params is None:
        return tree
    if isinstance(params, Mapping):

        def named(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Placeholder) and node.name and node.name in params:
                return literal(params[node.name])
            if isinstance(node, exp.Parameter):
                key = node.name
                if key in params:
                    return literal(params[key])
            return node

        return tree.transform(named, copy=False)
    values = list(params)
    holes = [p for p in tree.find_all(exp.Placeholder) if p.name in ("", "?")]
    if len(holes) != len(values):
        raise error(StoreError, ERRORS, "spark_dialect.statement_has_parameter_s", n_holes=len(holes), n_values=len(values))
    # find_all walks the tree in the order the placeholders appear in the text
    order = {id(h): i for i, h in enumerate(holes)}

    def positional(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and id(node) in order:
            return literal(values[order[id(node)]])
        return node

    return tree.transform(positional, copy=False)


def _strip_cast(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Cast | exp.TryCast):
        node = node.this
    return node


def _unnest_values(node: exp.Expr) -> list[Any] | None:
    """The literal list inside ``unnest(<literal list>)`` (after parameters were bound), else ``None``."""
    if isinstance(node, exp.Explode):  # sqlglot reads DuckDB's unnest() in a projection as EXPLODE
        arr = _strip_cast(node.this)
        series = _constant_range(arr)
        if series is not None:
            return series
    elif isinstance(node, exp.Unnest) and len(node.expressions) == 1:
        arr = _strip_cast(node.expressions[0])
    else:
        return None
    if isinstance(arr, exp.Array):
        return list(arr.expressions)
    return None


def _constant_int(node: exp.Expr) -> int | None:
    node = _strip_cast(node)
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(node.this)
        except ValueError:
            return None
    if isinstance(node, exp.Length | exp.ArraySize) and isinstance(_strip_cast(node.this), exp.Array):
        return len(_strip_cast(node.this).expressions)
    return None


def _constant_range(node: exp.Expr) -> list[exp.Expr] | None:
    """``range(0, len([…]))`` with bound parameters, as the list of its numbers."""
    if not isinstance(node, exp.GenerateSeries):
        return None
    start, end = _constant_int(node.args["start"]), _constant_int(node.args["end"])
    if start is None or end is None:
        return None
    stop = end if node.args.get("is_end_exclusive") else end + 1
    return [exp.Literal.number(i) for i in range(start, stop)]


#: The key of a SELECT's FROM clause in sqlglot's tree (``from_`` in sqlglot 30, ``from`` before).
FROM_KEY = "from_" if "from_" in exp.Select.arg_types else "from"


def from_clause(select: exp.Select) -> exp.From | None:
    """A SELECT's FROM clause, or None when it reads no table."""
    found = select.args.get(FROM_KEY)
    return found if isinstance(found, exp.From) else None


def _zip_unnests(select: exp.Select) -> exp.Expr | None:
    """``SELECT unnest(l1) AS a, unnest(l2) AS b`` (no FROM) → a VALUES table with columns a, b."""
    if from_clause(select) is not None or select.args.get("where") or not select.expressions:
        return None
    names: list[str] = []
    columns: list[list[exp.Expr]] = []
    for proj in select.expressions:
        alias = proj.alias if isinstance(proj, exp.Alias) else ""
        inner = proj.this if isinstance(proj, exp.Alias) else proj
        values = _unnest_values(inner)
        if values is None:
            return None
        names.append(alias or f"col{len(names)}")
        columns.append(values)
    n = max(len(c) for c in columns)
    if n == 0:
        nulls = ", ".join(f"CAST(NULL AS STRING) AS {exp.to_identifier(a).sql('spark')}" for a in names)
        return sqlglot.parse_one(f"SELECT {nulls} WHERE FALSE", read="spark")
    rows = []
    for i in range(n):
        rows.append(exp.Tuple(expressions=[(c[i] if i < len(c) else exp.Null()).copy() for c in columns]))
    table_alias = exp.TableAlias(this=exp.to_identifier("u"), columns=[exp.to_identifier(a) for a in names])
    inline = exp.Values(expressions=rows, alias=table_alias)
    return exp.select(*[exp.column(a, table="u") for a in names]).from_(inline)


def _in_unnest(node: exp.In) -> exp.Expr:
    query = node.args.get("query")
    sub = query.this if isinstance(query, exp.Subquery) else query
    if isinstance(sub, exp.Select) and len(sub.expressions) == 1 and from_clause(sub) is None:
        values = _unnest_values(sub.expressions[0])
        if values is not None:
            if not values:
                return exp.false()
            return exp.In(this=node.this, expressions=[v.copy() for v in values])
    return node


def _comparator(keys: list[exp.Ordered]) -> exp.Expr:
    """A Spark ``array_sort`` comparator over structs ``(k0, k1, …, v)`` following ``keys``' directions.

    DuckDB orders NULLs last unless ``NULLS FIRST`` is written; the comparator does the same.
    """
    whens: list[str] = []
    for i, o in enumerate(keys):
        first = 1 if o.args.get("nulls_first") else -1
        less = 1 if o.args.get("desc") else -1
        whens += [
            f"WHEN l.k{i} IS NULL AND r.k{i} IS NOT NULL THEN {-first}",
            f"WHEN l.k{i} IS NOT NULL AND r.k{i} IS NULL THEN {first}",
            f"WHEN l.k{i} < r.k{i} THEN {less}",
            f"WHEN l.k{i} > r.k{i} THEN {-less}",
        ]
    body = sqlglot.parse_one(f"CASE {' '.join(whens)} ELSE 0 END", read="spark")
    return exp.Lambda(this=body, expressions=[exp.to_identifier("l"), exp.to_identifier("r")])


def _sorted_values(keys: list[exp.Ordered], value: exp.Expr, where: exp.Expr | None) -> exp.Expr:
    """``transform(array_sort(collect_list(struct(k0…, v)) [FILTER …], cmp), s -> s.v)``: values in key order."""
    fields: list[exp.Expr] = [exp.alias_(o.this.copy(), f"k{i}") for i, o in enumerate(keys)]
    fields.append(exp.alias_(value.copy(), "v"))
    collected: exp.Expr = exp.func("COLLECT_LIST", exp.func("STRUCT", *fields))
    if where is not None:
        collected = exp.Filter(this=collected, expression=exp.Where(this=where.copy()))
    pairs = exp.Anonymous(this="ARRAY_SORT", expressions=[collected, _comparator(keys)])
    field = exp.Lambda(this=exp.column("v", table="s"), expressions=[exp.to_identifier("s")])
    return exp.Anonymous(this="TRANSFORM", expressions=[pairs, field])


_ORDERED_AGGREGATES = (exp.ArrayAgg, exp.First, exp.Last, exp.GroupConcat)


def _ordered_aggregate(node: exp.Expr, where: exp.Expr | None = None) -> exp.Expr | None:
    """``list/first/last/string_agg(x ORDER BY …)`` and ``max_by/min_by(x, key, n)`` with Spark's functions."""
    if isinstance(node, _ORDERED_AGGREGATES) and isinstance(node.this, exp.Order):
        order = node.this
        value = order.this
        distinct = isinstance(value, exp.Distinct)
        if distinct:  # string_agg(DISTINCT x ORDER BY x): sort, then keep the first of each value
            value = value.expressions[0]
        values = _sorted_values(list(order.expressions), value, where)
        if distinct:
            values = exp.func("ARRAY_DISTINCT", values)
        if isinstance(node, exp.First):
            return exp.func("ELEMENT_AT", values, exp.Literal.number(1))
        if isinstance(node, exp.Last):
            return exp.func("ELEMENT_AT", values, exp.Literal.number(-1))
        if isinstance(node, exp.GroupConcat):
            sep = node.args.get("separator") or exp.Literal.string(",")
            return exp.func("ARRAY_JOIN", values, sep.copy())
        return values
    if isinstance(node, exp.ArgMax | exp.ArgMin) and node.args.get("count") is not None:
        keys = [exp.Ordered(this=node.expression.copy(), desc=isinstance(node, exp.ArgMax), nulls_first=False)]
        values = _sorted_values(keys, node.this, where)
        return exp.func("SLICE", values, exp.Literal.number(1), node.args["count"].copy())
    return None


def _order_bare_windows(select: exp.Select) -> None:
    """``row_number() OVER ()`` numbers rows in any order on DuckDB; Spark wants an order: the first column."""
    first = next((p for p in select.expressions if not p.find(exp.Window)), None)
    if first is None:
        return
    key = exp.column(first.alias_or_name)
    for win in select.find_all(exp.Window):
        bare = not win.args.get("partition_by") and not win.args.get("order") and not win.args.get("alias")
        if win.parent_select is select and bare and isinstance(win.this, exp.RowNumber):
            win.set("order", exp.Order(expressions=[exp.Ordered(this=key.copy())]))


def _is_scalar_lookup(node: exp.Subquery) -> bool:
    """A scalar subquery that looks one row up (``(SELECT x FROM days d WHERE d.day = …)``).

    Spark wants correlated scalar subqueries aggregated; ``max(x)`` of the one row is ``x`` (and DuckDB
    would have refused more than one row anyway).
    """
    select = node.this
    if not isinstance(select, exp.Select) or len(select.expressions) != 1 or select.args.get("group"):
        return False
    if isinstance(node.parent, exp.In | exp.Exists | exp.From | exp.Join) or node.parent is None:
        return False
    if select.find(exp.AggFunc):
        return False
    return bool(select.args.get("where"))


def _aggregate_lookup(node: exp.Subquery) -> exp.Expr:
    """Aggregate a one-row lookup the way Spark accepts.

    ``(SELECT d.a + f(outer.t - d.b) FROM d WHERE …)``: an aggregate may not mix the lookup's columns
    with the outer query's, so each of the lookup's columns is fetched by its own aggregated lookup,
    ``(SELECT max(d.a) FROM d WHERE …) + f(outer.t - (SELECT max(d.b) FROM d WHERE …))`` -- the same
    value for a lookup of at most one row.
    """
    select = node.this
    proj = select.expressions[0]
    expr = proj.this if isinstance(proj, exp.Alias) else proj
    local = {t.alias_or_name for t in select.find_all(exp.Table) if t.parent_select is select}
    columns = [c for c in expr.find_all(exp.Column)]
    if all(c.table in local for c in columns):
        select.set("expressions", [exp.Max(this=expr.copy())])
        return node

    def fetch(col: exp.Expr) -> exp.Expr:
        if isinstance(col, exp.Column) and col.table in local:
            one = select.copy()
            one.set("expressions", [exp.Max(this=col.copy())])
            return exp.Subquery(this=one)
        return col

    return exp.Paren(this=expr.copy().transform(fetch))


def _rewrite(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Select):
        zipped = _zip_unnests(node)
        if zipped is not None:
            return zipped
        _order_bare_windows(node)
        return node
    if isinstance(node, exp.In) and node.args.get("query") is not None:
        return _in_unnest(node)
    if isinstance(node, exp.Filter):  # an ordered aggregate with FILTER: the filter goes inside collect_list
        cond = node.expression.this if isinstance(node.expression, exp.Where) else node.expression
        inner = _ordered_aggregate(node.this, cond)
        if inner is not None:
            return inner
    ordered = _ordered_aggregate(node)
    if ordered is not None:
        return ordered
    if isinstance(node, exp.Subquery) and _is_scalar_lookup(node):
        return _aggregate_lookup(node)
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        args = node.expressions
        if name in {"epoch_us"} and len(args) == 1:
            return exp.func("UNIX_MICROS", args[0].copy())
        if name == "timezone" and len(args) == 2:  # DuckDB: the wall-clock time of an instant in a zone
            return exp.func("FROM_UTC_TIMESTAMP", args[1].copy(), args[0].copy())
        inner = args[0] if len(args) == 1 else None
        if name == "bit_count" and isinstance(inner, exp.Anonymous) and inner.name.lower() == "bitstring_agg":
            # the set bits of a bitstring_agg(x, lo, hi) are the distinct values of x (crmflow.store.queries.case_counts)
            return exp.Count(this=exp.Distinct(expressions=[inner.expressions[0].copy()]))
    if isinstance(node, exp.TimeToUnix):  # DuckDB's epoch() keeps the fraction of a second
        return exp.Div(this=exp.func("UNIX_MICROS", node.this.copy()), expression=exp.Literal.number("1E6"))
    if isinstance(node, exp.PercentileCont) and not isinstance(node.parent, exp.WithinGroup):
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this.copy(), node.expression.copy()])
    if isinstance(node, exp.Length) and isinstance(_strip_cast(node.this), exp.Array):
        return exp.func("SIZE", node.this.copy())
    if isinstance(node, exp.Tuple) and not isinstance(node.parent, exp.In | exp.Values | exp.Tuple):
        return exp.func("STRUCT", *[e.copy() for e in node.expressions])
    return node


def rewrite(tree: exp.Expr) -> exp.Expr:
    """Apply the rewrites until nothing changes (a rewrite can produce nodes that need another)."""
    before = tree.sql("duckdb")
    for _ in range(4):
        tree = tree.transform(_rewrite)
        after = tree.sql("duckdb")
        if after == before:
            break
        before = after
    return tree


class _Spark(Spark):
    """Spark 3+ as sqlglot renders it, but with CTEs left where they are written.

    sqlglot's Spark generator inherits Hive's rule that every ``WITH`` moves to the top of the statement (Spark 2
    had no nested CTEs), and the move does not rename: two subqueries of a ``UNION ALL`` that each define ``k``
    become one ``WITH k …, k …`` that Spark refuses (``DUPLICATED_CTE_NAMES``). Spark 3 and 4 take a ``WITH``
    inside a subquery, so nothing is moved.
    """

    class Generator(Spark.Generator):  # type: ignore[name-defined,misc,valid-type]
        EXPRESSIONS_WITHOUT_NESTED_CTES: set[type[exp.Expr]] = set()


def render_spark(tree: exp.Expr) -> str:
    """A (rewritten) tree as Spark SQL."""
    return tree.sql(dialect=_Spark, unsupported_level=sqlglot.ErrorLevel.RAISE)


def to_spark(query: str, params: Any = None) -> str:
    """Render one DuckDB-dialect statement (parameters bound) as Spark SQL."""
    return render_spark(rewrite(bind(parse_duckdb(query), params)))


def statement_params(params: Any) -> Sequence[Any] | Mapping[str, Any] | None:
    """Parameters as given (kept for symmetry with DuckDB's ``execute``)."""
    return params
