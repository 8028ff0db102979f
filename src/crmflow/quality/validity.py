"""Validity: is each phone, e-mail, INN, KPP, OGRN, date and amount well formed?

Each check works on **distinct values only**: DuckDB lists a column's distinct non-empty values with
their counts (``GROUP BY``), Python judges each value once (libphonenumber, email-validator, the
checksums), and the verdicts go back to DuckDB as a small table joined to the records to find the
offending ids. The cost grows with the number of distinct values, not with the rows.

Counts are per cell: ``checked`` non-empty cells = ``valid + invalid``; ``empty`` cells are counted
apart (completeness says whether they may be empty). ``invalid_ids`` are the ids of records with at
least one invalid cell in the checked columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
from email_validator import EmailNotValidError, validate_email

from crmflow.quality.entities import EntitySpec, EntityTable
from crmflow.quality.identifiers import check_inn, check_kpp, check_ogrn
from crmflow.quality.phones import check_phone
from crmflow.quality.score import record_issues
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

#: How many invalid values each check shows as examples (the counts are exact).
EXAMPLES = 10


@dataclass(frozen=True)
class ValidityOptions:
    """Settings of the value checks (the ``validity:`` block of the rules YAML)."""

    default_region: str = "RU"  # phones written without a country code
    min_date: date = date(1990, 1, 1)  # earlier dates are "too old"
    max_future_days: int = 0  # dates later than as_of + this many days are "in the future"
    as_of: date | None = None  # "today" for the future check (None: today, UTC)
    allow_negative_amounts: bool = False


@dataclass(frozen=True)
class Verdict:
    """One value's verdict."""

    valid: bool
    reason: str | None
    normalized: str | None
    detail: str | None = None  # e.g. the region of a phone, the e-mail library's message


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y/%m/%d",
    "%d.%m.%y",
)
_CURRENCY = re.compile(r"(руб\.?|р\.|₽|rub|usd|eur|kzt|тг|₸|\$|€)", re.IGNORECASE)


def parse_date(value: str) -> datetime | None:
    """A date/time in ISO 8601, ``dd.mm.yyyy[ hh:mm[:ss]]`` or ``dd/mm/yyyy``; None when unreadable.

    >>> parse_date("31.12.2024 10:00").isoformat()
    '2024-12-31T10:00:00'
    >>> parse_date("31.02.2024") is None
    True
    """
    v = value.strip()
    iso = re.sub(r"(\.\d+)?([+-]\d\d(:?\d\d)?|Z)?$", "", v) if re.match(r"\d{4}-\d\d-\d\d[T ]", v) else v
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(iso, fmt)
        except ValueError:
            continue
    return None


def parse_amount(value: str) -> float | None:
    """A number written with a decimal comma or point, spaces or NBSP between thousands and an
    optional currency (``1 250 000,50 руб.``); None when unreadable.

    >>> parse_amount("1 250 000,50 руб."), parse_amount("19999.99"), parse_amount("12abc")
    (1250000.5, 19999.99, None)
    """
    v = _CURRENCY.sub("", value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "").strip()
    if re.fullmatch(r"[+-]?\d+,\d+", v):
        v = v.replace(",", ".")
    elif re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", v):
        v = v.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", v):
        return None
    return float(v)


def _judge(kind: str, options: ValidityOptions) -> Callable[[str], Verdict]:
    today = options.as_of or datetime.now(UTC).date()
    latest = today + timedelta(days=options.max_future_days)

    def phone(v: str) -> Verdict:
        c = check_phone(v, default_region=options.default_region)
        return Verdict(c.valid, c.reason, c.normalized, c.region)

    def email(v: str) -> Verdict:
        try:
            r = validate_email(v.strip(), check_deliverability=False)
        except EmailNotValidError as exc:
            return Verdict(False, "syntax", None, str(exc))
        return Verdict(True, None, r.normalized)

    def ident_check(check: Callable[[str], Any]) -> Callable[[str], Verdict]:
        def run(v: str) -> Verdict:
            c = check(v)
            return Verdict(c.valid, c.reason, c.normalized)

        return run

    def when(v: str) -> Verdict:
        d = parse_date(v)
        if d is None:
            return Verdict(False, "unparseable", None)
        if d.date() > latest:
            return Verdict(False, "in_future", d.isoformat())
        if d.date() < options.min_date:
            return Verdict(False, "too_old", d.isoformat())
        return Verdict(True, None, d.isoformat())

    def amount(v: str) -> Verdict:
        a = parse_amount(v)
        if a is None:
            return Verdict(False, "not_a_number", None)
        if a < 0 and not options.allow_negative_amounts:
            return Verdict(False, "negative", repr(a))
        return Verdict(True, None, repr(a))

    return {
        "phone": phone,
        "email": email,
        "inn": ident_check(check_inn),
        "kpp": ident_check(check_kpp),
        "ogrn": ident_check(check_ogrn),
        "date": when,
        "amount": amount,
    }[kind]


@dataclass(frozen=True)
class ValueExample:
    """An invalid (or normalised) value: where, why, what it becomes, how many records have it."""

    column: str
    value: str
    reason: str | None
    normalized: str | None
    rows: int
    detail: str | None = None


@dataclass(frozen=True)
class ColumnCounts:
    column: str
    checked: int
    valid: int
    invalid: int
    empty: int
    distinct: int


@dataclass(frozen=True)
class ValidityCheck:
    """The result of one kind of check (``phone``, ``email``, …) over its columns."""

    kind: str
    columns: list[str]
    checked: int
    valid: int
    invalid: int
    empty: int
    invalid_ids: list[str]
    by_reason: dict[str, int] = field(default_factory=dict)
    by_column: list[ColumnCounts] = field(default_factory=list)
    examples: list[ValueExample] = field(default_factory=list)
    normalized_examples: list[ValueExample] = field(default_factory=list)
    regions: dict[str, int] = field(default_factory=dict)  # phones: valid cells per country

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


#: Kinds judged in SQL (vectorised: amounts and timestamps are often all distinct); the rest in Python.
SQL_KINDS = ("date", "amount")

#: (``%d.%m.%y`` first: ``%Y`` would read ``24`` as the year 24.)
_SQL_DATE_FORMATS = (
    "%d.%m.%y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y/%m/%d",
)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def amount_value_sql(expr: str) -> str:
    """SQL reading a text amount exactly as :func:`parse_amount` does (NULL when unreadable)."""
    v = (
        f"regexp_replace(lower(CAST({expr} AS VARCHAR)), "
        "'(руб\\.?|р\\.|₽|rub|usd|eur|kzt|тг|₸|\\$|€|\\s|\u00a0|\u202f)', '', 'g')"
    )
    num = (
        f"CASE WHEN regexp_full_match({v}, '[+-]?\\d+,\\d+') THEN replace({v}, ',', '.') "
        f"WHEN regexp_full_match({v}, '[+-]?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?') THEN replace({v}, ',', '') "
        f"ELSE {v} END"
    )
    return (
        f"CASE WHEN regexp_full_match({num}, '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?') THEN TRY_CAST({num} AS DOUBLE) END"
    )


def date_value_sql(expr: str) -> str:
    """SQL reading a text date as :func:`parse_date` does: ISO 8601, ``dd.mm.yyyy[ hh:mm[:ss]]``, ``dd/mm/yyyy``."""
    v = f"trim(CAST({expr} AS VARCHAR))"
    iso = (
        f"CASE WHEN regexp_full_match({v}, '\\d{{4}}-\\d\\d?-\\d\\d?([T ]\\d\\d?:\\d\\d(:\\d\\d)?"
        f"(\\.\\d+)?)?([+-]\\d\\d(:?\\d\\d)?|Z)?') THEN TRY_CAST(replace(left({v}, 19), 'T', ' ') AS TIMESTAMP) END"
    )
    parts = [iso] + [f"try_strptime({v}, {_lit(f)})" for f in _SQL_DATE_FORMATS]
    return f"coalesce({', '.join(parts)})"


def _sql_verdicts(kind: str, options: ValidityOptions, distinct: str, table: str) -> str:
    """CREATE the verdict table (v, valid, reason, normalized, detail) of ``distinct`` values in SQL."""
    if kind == "amount":
        a = amount_value_sql("v")
        neg = "FALSE" if options.allow_negative_amounts else "a < 0"
        return (
            f"CREATE TEMP TABLE {table} AS SELECT v, a IS NOT NULL AND NOT ({neg}) AS valid, "
            f"CASE WHEN a IS NULL THEN 'not_a_number' WHEN {neg} THEN 'negative' END AS reason, "
            f"CAST(a AS VARCHAR) AS normalized, NULL::VARCHAR AS detail FROM (SELECT v, {a} AS a FROM {distinct})"
        )
    today = options.as_of or datetime.now(UTC).date()
    latest = (today + timedelta(days=options.max_future_days)).isoformat()
    d = date_value_sql("v")
    return (
        f"CREATE TEMP TABLE {table} AS SELECT v, "
        f"d IS NOT NULL AND d::DATE <= DATE '{latest}' AND d::DATE >= DATE '{options.min_date.isoformat()}' AS valid, "
        f"CASE WHEN d IS NULL THEN 'unparseable' WHEN d::DATE > DATE '{latest}' THEN 'in_future' "
        f"WHEN d::DATE < DATE '{options.min_date.isoformat()}' THEN 'too_old' END AS reason, "
        f"strftime(d, '%Y-%m-%dT%H:%M:%S') AS normalized, NULL::VARCHAR AS detail FROM (SELECT v, {d} AS d FROM {distinct})"
    )


def check_column_values(
    store: EventStore,
    entity: EntityTable,
    spec: EntitySpec,
    *,
    kind: str,
    columns: tuple[str, ...],
    options: ValidityOptions | None = None,
) -> ValidityCheck:
    """Check every value of ``columns`` as a ``kind`` (see :data:`crmflow.quality.entities.VALIDATED`).

    The distinct values and their counts are a DuckDB table; phones, e-mails and identifiers are
    judged in Python once per distinct value, dates and amounts in SQL; counts, examples and the
    offending ids come from joining the verdicts back. The ids of records with an invalid value are
    also recorded as validity issues of the entity.
    """
    opts = options or ValidityOptions()
    id_sql = entity.id_sql(spec)
    total = {"checked": 0, "valid": 0, "invalid": 0, "empty": 0}
    by_reason: dict[str, int] = {}
    by_column: list[ColumnCounts] = []
    examples: list[ValueExample] = []
    normalized: list[ValueExample] = []
    regions: dict[str, int] = {}
    bad_queries: list[str] = []
    for col in columns:
        val = f"nullif(trim(CAST({ident(col)} AS VARCHAR)), '')"
        distinct, verdicts = store.new_name("qd"), store.new_name("qvd")
        store.sql(
            f"CREATE TEMP TABLE {distinct} AS SELECT v, count(*)::BIGINT AS n FROM "
            f"(SELECT {val} AS v FROM {entity.table}) WHERE v IS NOT NULL GROUP BY v"
        )
        if kind in SQL_KINDS:
            store.sql(_sql_verdicts(kind, opts, distinct, verdicts))
        else:
            judge = _judge(kind, opts)
            values = [r[0] for r in store.sql(f"SELECT v FROM {distinct}").fetchall()]
            judged = [judge(v) for v in values]
            arrow = pa.table(
                {
                    "v": pa.array(values, pa.string()),
                    "valid": pa.array([j.valid for j in judged], pa.bool_()),
                    "reason": pa.array([j.reason for j in judged], pa.string()),
                    "normalized": pa.array([j.normalized for j in judged], pa.string()),
                    "detail": pa.array([j.detail for j in judged], pa.string()),
                }
            )
            view = store.new_name("qva")
            store.register_arrow(view, arrow)
            store.sql(f"CREATE TEMP TABLE {verdicts} AS SELECT * FROM {view}")
            store.con.unregister(view)
        joined = f"{distinct} d JOIN {verdicts} j USING (v)"
        n_distinct, valid, invalid = store.sql(
            f"SELECT count(*), coalesce(sum(n) FILTER (WHERE valid), 0), coalesce(sum(n) FILTER (WHERE NOT valid), 0) "
            f"FROM {joined}"
        ).fetchall()[0]
        valid, invalid = int(valid), int(invalid)
        empty = entity.rows - valid - invalid
        by_column.append(ColumnCounts(col, valid + invalid, valid, invalid, empty, int(n_distinct)))
        for key, n in (("checked", valid + invalid), ("valid", valid), ("invalid", invalid), ("empty", empty)):
            total[key] += n
        for reason, n in store.sql(f"SELECT reason, sum(n) FROM {joined} WHERE NOT valid GROUP BY 1").fetchall():
            by_reason[reason or "invalid"] = by_reason.get(reason or "invalid", 0) + int(n)
        if kind == "phone":
            for region, n in store.sql(
                f"SELECT detail, sum(n) FROM {joined} WHERE valid AND detail IS NOT NULL GROUP BY 1"
            ).fetchall():
                regions[region] = regions.get(region, 0) + int(n)
        for v, reason, norm, detail, n in store.sql(
            f"SELECT v, reason, normalized, detail, n FROM {joined} WHERE NOT valid ORDER BY n DESC, v LIMIT {EXAMPLES}"
        ).fetchall():
            examples.append(ValueExample(col, v, reason, norm, int(n), detail))
        if kind not in SQL_KINDS:  # every date and amount is "rewritten"; showing that says nothing
            for v, norm, detail, n in store.sql(
                f"SELECT v, normalized, detail, n FROM {joined} WHERE valid AND normalized IS NOT NULL "
                "AND normalized <> v ORDER BY n DESC, v LIMIT 5"
            ).fetchall():
                normalized.append(ValueExample(col, v, None, norm, int(n), detail))
        if invalid:
            bad_queries.append(
                f"SELECT {id_sql} AS i FROM {entity.table} WHERE {val} IN (SELECT v FROM {verdicts} WHERE NOT valid)"
            )
    invalid_ids: list[str] = []
    if bad_queries:
        union = " UNION ".join(bad_queries)
        record_issues(store, entity=entity.name, dimension="validity", check=kind, ids_sql=union)
        invalid_ids = [r[0] for r in store.sql(f"SELECT DISTINCT i FROM ({union}) ORDER BY i").fetchall()]
    examples.sort(key=lambda e: (-e.rows, e.column, e.value))
    normalized.sort(key=lambda e: (-e.rows, e.column, e.value))
    return ValidityCheck(
        kind=kind,
        columns=list(columns),
        invalid_ids=invalid_ids,
        by_reason=dict(sorted(by_reason.items())),
        by_column=by_column,
        examples=examples[:EXAMPLES],
        normalized_examples=normalized[:5],
        regions=dict(sorted(regions.items())),
        **total,
    )
