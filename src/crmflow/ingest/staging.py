"""From a raw table to a staged table: map, convert, and quarantine what cannot be an event.

One SQL statement computes the canonical columns (``row_no, case_id, activity, ts, resource, role,
lifecycle``) and the attributes for every raw row, plus the reason a row cannot be an event (no
case id, no activity, no or unreadable timestamp -- every problem of the row, in words). Rows with a
reason go to the quarantine, the rest to the staged table; the counts are recorded so that
``parsed + quarantined = rows read`` is checked for every source.

Text is trimmed and empty text is NULL. A text attribute whose non-empty values are all numbers
(``1 234,56``, ``1234.5``, ``1,234,567.8``; no leading zeros, at most 15 digits) becomes BIGINT when
all are whole numbers and DOUBLE otherwise; a single comma is a decimal comma (``1,5`` is 1.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from crmflow.errors import InputError
from crmflow.i18n import error, text
from crmflow.ingest.columns import ColumnMapping, detect_mapping, field_label, validate_mapping
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.ingest.timestamps import (
    TimestampFormat,
    detect_format,
    explicit_format,
    is_text_type,
    parse_text_expr,
    typed_expr,
)
from crmflow.jsonable import JsonMixin
from crmflow.store.queries import ident, table_name
from crmflow.store.schema import DERIVED_COLUMNS, STAGED_COLUMNS
from crmflow.store.store import EventStore

_RAW_OWN = ("row_no", "line")
_SPACES = "[ \u00a0\u202f]"
#: Numbers with optional space/nbsp thousands groups and a decimal point or comma.
NUMBER_RE = rf"^[+-]?(0|[1-9][0-9]{{0,2}}({_SPACES}[0-9]{{3}})+|[1-9][0-9]*)([.,][0-9]+)?$"
#: Comma thousands groups: with a decimal point, or at least two groups.
COMMA_GROUPS_RE = r"^[+-]?[1-9][0-9]{0,2}((,[0-9]{3})+\.[0-9]+|(,[0-9]{3}){2,})$"
INTEGER_RE = rf"^[+-]?(0|[1-9][0-9]{{0,2}}(({_SPACES}|,)[0-9]{{3}})+|[1-9][0-9]*)$"
#: At most 15 digits in all (``length(regexp_replace(v, '[^0-9]', '', 'g')) <= 15`` of the SQL check).
_AT_MOST_15_DIGITS = r"^[^0-9]*([0-9][^0-9]*){0,15}$"

_TEXT = {
    "empty": {
        "en": "column `{column}` row {row}: empty, but the {field} is required",
        "ru": "столбец `{column}` строка {row}: пусто, а поле «{field}» обязательно",
    },
    "bad_date": {
        "en": "column `{column}` row {row}: cannot read '{value}' as a date (expected {expected})",
        "ru": "столбец `{column}` строка {row}: не удаётся прочитать '{value}' как дату (ожидается {expected})",
    },
    "no_format": {
        "en": "a date such as dd.mm.yyyy hh:mm or yyyy-mm-dd hh:mm:ss; set timestamp_format in the mapping",
        "ru": "дата вида дд.мм.гггг чч:мм или гггг-мм-дд чч:мм:сс; задайте timestamp_format в соответствии",
    },
    "bad_zone": {
        "en": "unknown time zone {zone!r}; use a name such as Europe/Moscow or UTC",
        "ru": "неизвестный часовой пояс {zone!r}; укажите имя вида Europe/Moscow или UTC",
    },
}


@dataclass(frozen=True)
class StageResult(JsonMixin):
    """What staging one source produced."""

    stage: str  # staged view (canonical columns, then attributes); drop with :func:`drop_stage`
    source: str
    format: str
    rows_read: int
    parsed: int
    quarantined: int  # including the rows the reader quarantined
    mapping: dict[str, Any] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _text_expr(col: str, duck_type: str, trimmed: frozenset[str] = frozenset()) -> str:
    c = ident(col)
    if not is_text_type(duck_type):
        return f"nullif(trim(CAST({c} AS VARCHAR)), '')"
    return f"nullif({c}, '')" if col in trimmed else f"nullif(trim({c}), '')"  # RawTable.trimmed: trim() is the value


#: Zone names DuckDB has known in this process (its list of zones does not change while it runs), beginning
#: with UTC, the zone it runs in: asking costs a statement (1 ms, 4 ms in a new process) for every source.
_KNOWN_ZONES = {"UTC"}


def check_timezone(store: EventStore, tz: str) -> str:
    """Return ``tz`` if DuckDB knows it, else raise :class:`InputError`."""
    if tz in _KNOWN_ZONES:
        return tz
    ok = store.sql("SELECT count(*) FROM pg_timezone_names() WHERE name = ?", [tz]).fetchall()[0][0]
    if not ok:
        raise error(InputError, _TEXT, "bad_zone", store.settings.lang, zone=tz)
    _KNOWN_ZONES.add(tz)
    return tz


def number_expr(v: str) -> str:
    """SQL turning trimmed text ``v`` (known to be a number) into DOUBLE."""
    return (
        f"CASE WHEN regexp_full_match({v}, {_lit(COMMA_GROUPS_RE)}) THEN try_cast(replace({v}, ',', '') AS DOUBLE) "
        f"ELSE try_cast(replace(regexp_replace({v}, {_lit(_SPACES)}, '', 'g'), ',', '.') AS DOUBLE) END"
    )


#: Rows of the sample every text column is first judged on.
NUMERIC_SAMPLE = 10_000
#: Columns judged together in one SQL query over the whole table (bounds the query's size).
NUMERIC_BATCH = 16


_NUMBER = re.compile(NUMBER_RE)
_COMMA_GROUPS = re.compile(COMMA_GROUPS_RE)
#: Leading values of a column looked at in Python before any Arrow kernel runs on it.
_FIRST_VALUES = 64


def _first_value_rules_out(col: pa.ChunkedArray | pa.Array) -> bool:
    """Whether the column's first non-empty value is no number, which settles the verdict at once.

    A column is numeric only if *every* value is, so one value that is not rules it out; most text
    columns (names, activities, channels) are ruled out by their first value without an Arrow kernel,
    whose regular expressions are compiled on each call. The patterns mean the same to Python's ``re``
    (``fullmatch``, ASCII digit ranges) as to RE2; a test compares both on generated values.
    """
    for value in col.slice(0, _FIRST_VALUES).to_pylist():
        v = value.strip(" ") if isinstance(value, str) else None
        if v:
            shaped = _NUMBER.fullmatch(v) is not None or _COMMA_GROUPS.fullmatch(v) is not None
            return not (shaped and sum(ch in "0123456789" for ch in v) <= 15)
    return False


def _numeric_sample(sample: pa.Table, candidates: list[str]) -> dict[str, bool]:
    """Judge each column of an Arrow sample in one pass: ``{column: is_integer}`` for the numeric ones.

    ``sample`` holds the ``candidates`` in that order.

    Arrow's compute kernels use RE2, the engine of DuckDB's ``regexp_full_match``, so the verdict
    is the SQL one; the cost is linear in the sample's cells for any number of columns (one SQL
    query with two aggregates per column took minutes to plan for a thousand columns). No Python value
    is turned into an Arrow scalar here: the first such conversion imports pandas (0.2 s).
    """
    out: dict[str, bool] = {}
    for i, c in enumerate(candidates):
        col = sample.column(i)  # by position: Arrow may spell an odd name (a NUL in it) otherwise
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = pc.cast(col, pa.string())
        if _first_value_rules_out(col):
            continue
        # The verdict is about the set of values, so each distinct value is tested once: a text attribute
        # of an event log (a department, a channel) has few, and the regular expressions dominate.
        v = pc.unique(pc.utf8_trim(col, characters=" "))
        v = v.filter(pc.cast(pc.utf8_length(v), pa.bool_()))  # neither NULL nor empty
        if len(v) == 0:
            continue
        shaped = pc.or_(pc.match_substring_regex(v, NUMBER_RE), pc.match_substring_regex(v, COMMA_GROUPS_RE))
        short = pc.match_substring_regex(v, _AT_MOST_15_DIGITS)
        if not pc.all(pc.and_(shaped, short)).as_py():
            continue
        out[c] = bool(pc.all(pc.match_substring_regex(v, INTEGER_RE)).as_py())
    return out


def _numeric_columns(store: EventStore, table: str, candidates: list[str], arrow: pa.Table | None = None) -> dict[str, str]:
    """Which text columns hold only numbers: ``{column: 'BIGINT' | 'DOUBLE'}``.

    Every column is judged on a sample (:data:`NUMERIC_SAMPLE` rows, in Arrow, one pass); the
    columns that pass are checked on the whole table in SQL, :data:`NUMERIC_BATCH` at a time, and
    only when the table is larger than the sample. ``arrow``: the Arrow table registered as ``table``
    (:attr:`RawTable.arrow`), whose first rows are the sample without a query.
    """
    if not candidates:
        return {}
    tn = table_name(table)
    if arrow is not None:
        sample = arrow.select(candidates).slice(0, NUMERIC_SAMPLE + 1)
    else:
        sample = store.arrow(f"SELECT {', '.join(ident(c) for c in candidates)} FROM {tn} LIMIT {NUMERIC_SAMPLE + 1}")
    verdict = _numeric_sample(sample.slice(0, NUMERIC_SAMPLE), candidates)
    if sample.num_rows <= NUMERIC_SAMPLE or not verdict:
        return {c: ("BIGINT" if integer else "DOUBLE") for c, integer in verdict.items()}

    def checks(batch: list[str]) -> str:
        # The verdict is about the set of values (count > 0 and bool_and do not see repeats), so each column
        # is judged on its distinct values: a case attribute, repeated on every event of its case, is tested
        # once per case (BPIC 2012's amount: 13,087 values instead of 262,200, a tenth of the time).
        parts = []
        for j, c in enumerate(batch):
            v = "nullif(trim(v), '')"
            num = (
                f"({v} IS NULL OR ((regexp_full_match({v}, {_lit(NUMBER_RE)}) "
                f"OR regexp_full_match({v}, {_lit(COMMA_GROUPS_RE)})) "
                f"AND length(regexp_replace({v}, '[^0-9]', '', 'g')) <= 15))"
            )
            parts.append(
                f"(SELECT count({v}) > 0 AND bool_and({num}) AS ok{j}, "
                f"bool_and({v} IS NULL OR regexp_full_match({v}, {_lit(INTEGER_RE)})) AS int{j} "
                f"FROM (SELECT DISTINCT {ident(c)} AS v FROM {tn}))"
            )
        return ", ".join(parts)

    maybe = list(verdict)
    out: dict[str, str] = {}
    for i in range(0, len(maybe), NUMERIC_BATCH):
        batch = maybe[i : i + NUMERIC_BATCH]
        row = store.sql(f"SELECT * FROM {checks(batch)}").fetchall()[0]
        out.update({c: ("BIGINT" if row[2 * j + 1] else "DOUBLE") for j, c in enumerate(batch) if row[2 * j]})
    return out


#: Attribute conversions planned in one query: DuckDB's planning time grows faster than linearly with
#: the expressions of a query (a thousand number conversions took 30 s in one query, 2.5 s in 16).
ATTRIBUTE_BATCH = 64


def _convert(store: EventStore, work: str, raw_table: str, base: list[str], attrs: list[str]) -> None:
    """Create the work table: ``base`` columns, the converted attributes and the ``_bad`` flag.

    Wide tables are converted :data:`ATTRIBUTE_BATCH` attributes per query, each scanning the raw
    table in order, and the pieces put side by side with a ``POSITIONAL JOIN``.
    """
    flag = "(case_id IS NULL OR activity IS NULL OR ts IS NULL) AS _bad"
    pieces = [attrs[i : i + ATTRIBUTE_BATCH] for i in range(0, len(attrs), ATTRIBUTE_BATCH)] or [[]]
    if len(pieces) == 1:
        store.sql(
            f"CREATE {store.work_scope}TABLE {work} AS SELECT *, {flag} FROM (SELECT {', '.join(base + attrs)} FROM {raw_table})"
        )
        return
    names = [f"{work}_p{i}" for i in range(len(pieces))]
    store.sql(f"CREATE TEMP TABLE {names[0]} AS SELECT *, {flag} FROM (SELECT {', '.join(base + pieces[0])} FROM {raw_table})")
    for name, piece in zip(names[1:], pieces[1:], strict=True):
        store.sql(f"CREATE TEMP TABLE {name} AS SELECT {', '.join(piece)} FROM {raw_table}")
    store.sql(f"CREATE {store.work_scope}TABLE {work} AS SELECT * FROM {' POSITIONAL JOIN '.join(names)}")
    for name in names:
        store.sql(f"DROP TABLE {name}")


def _attribute_names(names: list[str]) -> dict[str, str]:
    """Source column -> attribute name (columns named like canonical/derived ones get ``_src``)."""
    taken = {c.lower() for c in (*STAGED_COLUMNS, *DERIVED_COLUMNS, *_RAW_OWN)}
    out: dict[str, str] = {}
    for n in names:
        a = n
        while a.lower() in taken:  # DuckDB names are case-insensitive
            a = f"{a}_src"
        taken.add(a.lower())
        out[n] = a
    return out


def _reason_sql(template: str, **sql_values: str) -> str:
    """Fill ``{name}`` placeholders of a literal template with SQL expressions."""
    out = _lit(template)
    for k, v in sql_values.items():
        out = f"replace({out}, '{{{k}}}', {v})"
    return out


def drop_stage(store: EventStore, stage: str) -> None:
    """Drop a staged view made by :func:`stage_raw` and the work table under it."""
    store.sql(f"DROP VIEW IF EXISTS {table_name(stage)}")
    store.sql(f"DROP TABLE IF EXISTS {table_name(stage)}_w")


def stage_raw(
    store: EventStore,
    raw: RawTable,
    *,
    log_name: str,
    mapping: ColumnMapping | None = None,
    timezone: str = "UTC",
    progress: ProgressFn | None = None,
    row_offset: int = 0,
) -> StageResult:
    """Map and convert a raw table into a staged table; quarantine rows that cannot be events.

    Parameters
    ----------
    store
        The store holding ``raw``.
    raw
        What a reader loaded.
    log_name
        The log the quarantine and ingestion rows belong to.
    mapping
        Source column of each field; detected from the header names when None.
    timezone
        Zone of naive timestamps (``mapping.timezone`` wins when set).
    progress
        Called with a short description of each step.
    row_offset
        Added to ``row_no`` in the staged table (to keep numbers unique across sources; the
        quarantine keeps the source's own numbers).

    Returns
    -------
    StageResult

    Raises
    ------
    ColumnMappingError
        A required column is missing (the message lists the columns that exist).
    """
    say = progress or (lambda _msg: None)
    lang = store.settings.lang
    types = {r[0]: r[1] for r in store.sql(f"DESCRIBE {table_name(raw.table)}").fetchall()}
    source_cols = [c for c in types if c not in _RAW_OWN]
    mapping = validate_mapping(mapping or detect_mapping(source_cols), source_cols, source=raw.source, lang=lang)
    tz = check_timezone(store, mapping.timezone or timezone)
    say(f"mapping {raw.source}")

    # --- timestamp
    ts_col = mapping.timestamp
    assert ts_col is not None  # validated
    ts_type = types[ts_col]
    fmt: TimestampFormat | None = None
    ts_sql = typed_expr(ident(ts_col), ts_type, tz)
    if ts_sql is None:
        if mapping.timestamp_format:
            fmt = explicit_format(mapping.timestamp_format)
        else:
            fmt = detect_format(store, raw.table, ts_col, dayfirst=mapping.dayfirst)
        ts_sql = parse_text_expr(ident(ts_col), fmt, tz, trimmed=ts_col in raw.trimmed)
    expected = (fmt.label if fmt and fmt.label else text(_TEXT, "no_format", lang)) if fmt else ts_type

    # --- canonical columns
    canon = {
        "case_id": mapping.case_id,
        "activity": mapping.activity,
        "resource": mapping.resource,
        "role": mapping.role,
        "lifecycle": mapping.lifecycle,
    }
    select = ["row_no"]  # a row's line is read from the raw table for the (few) quarantined rows only
    for name, col in canon.items():
        select.append(f"{_text_expr(col, types[col], raw.trimmed)} AS {name}" if col else f"NULL::VARCHAR AS {name}")
    select.append(f"({ts_sql})::TIMESTAMPTZ AS ts")
    ts_text = _text_expr(ts_col, ts_type, raw.trimmed)  # the raw value, read again only for quarantined rows

    # --- attributes
    mapped = set(mapping.columns().values())
    attr_src = [c for c in source_cols if c not in mapped]
    names = _attribute_names(attr_src)
    numeric = _numeric_columns(store, raw.table, [c for c in attr_src if is_text_type(types[c])], raw.arrow)
    n_base = len(select)
    for c in attr_src:
        if c in numeric:
            v = _text_expr(c, types[c], raw.trimmed)
            conv = number_expr(v)
            # Every value has the verdict's shape, so DuckDB's own cast reads it exactly when it can -- only
            # digits, a sign, a decimal point -- and returns NULL for grouped or comma-decimal numbers, which
            # go the long way (COALESCE evaluates it for those rows only; two regular expressions per cell)
            full = f"CAST({conv} AS BIGINT)" if numeric[c] == "BIGINT" else conv
            expr = f"coalesce(try_cast({v} AS {numeric[c]}), {full})"
        elif is_text_type(types[c]):
            expr = _text_expr(c, types[c], raw.trimmed)
        else:
            expr = ident(c)
        select.append(f"{expr} AS {ident(names[c])}")

    # --- reasons (every problem of the row)
    row = "row_no::VARCHAR"
    problems = []
    for name in ("case_id", "activity"):
        col = getattr(mapping, name)
        t = text(_TEXT, "empty", lang).replace("{column}", col).replace("{field}", field_label(name, lang))
        problems.append(f"CASE WHEN {name} IS NULL THEN {_reason_sql(t, row=row)} END")
    t_empty = text(_TEXT, "empty", lang).replace("{column}", ts_col).replace("{field}", field_label("timestamp", lang))
    t_bad = text(_TEXT, "bad_date", lang).replace("{column}", ts_col).replace("{expected}", expected)
    problems.append(
        f"CASE WHEN ts IS NULL AND _ts_raw IS NULL THEN {_reason_sql(t_empty, row=row)} "
        f"WHEN ts IS NULL THEN {_reason_sql(t_bad, row=row, value='_ts_raw')} END"
    )
    bad_cols = (
        f"concat_ws(', ', CASE WHEN case_id IS NULL THEN {_lit(mapping.case_id or '')} END, "
        f"CASE WHEN activity IS NULL THEN {_lit(mapping.activity or '')} END, "
        f"CASE WHEN ts IS NULL THEN {_lit(ts_col)} END)"
    )

    say(f"converting {raw.source}")
    stage = store.new_name("stage")
    work = f"{stage}_w"
    # The work table holds the converted columns and one flag; the reasons are written only for
    # the (few) bad rows, reading their raw values again -- not as text columns on every row.
    _convert(store, work, table_name(raw.table), select[:n_base], select[n_base:])
    staged_bad = int(store.sql(f"SELECT count(*) FROM {work} WHERE _bad").fetchall()[0][0])
    if staged_bad:
        line = "t.line" if "line" in types else "NULL::BIGINT"
        store.sql(
            f"""INSERT INTO quarantine
            SELECT ?, ?, row_no, line, {bad_cols}, CASE WHEN ts IS NULL THEN _ts_raw END,
                   nullif(concat_ws('; ', {", ".join(problems)}), ''), _raw_json,
                   concat_ws('+', CASE WHEN case_id IS NULL THEN 'missing_case_id' END,
                             CASE WHEN activity IS NULL THEN 'missing_activity' END,
                             CASE WHEN ts IS NULL AND _ts_raw IS NULL THEN 'missing_timestamp'
                                  WHEN ts IS NULL THEN 'bad_timestamp' END)
            FROM (
                SELECT w.row_no, r._line AS line, w.case_id, w.activity, w.ts, r._ts_raw, r._raw_json
                FROM (SELECT row_no, case_id, activity, ts FROM {work} WHERE _bad) w
                JOIN (SELECT row_no AS _rn, {line} AS _line, {ts_text} AS _ts_raw, to_json(t)::VARCHAR AS _raw_json
                      FROM {table_name(raw.table)} t) r ON r._rn = w.row_no
            )""",
            [log_name, raw.source],
        )
    # A view over the work table: the good rows are not copied a second time.
    attrs = [names[c] for c in attr_src]
    cols = [
        f"(row_no + {int(row_offset)})::BIGINT AS row_no",
        "case_id",
        "activity",
        "ts",
        "resource",
        "role",
        "lifecycle",
    ] + [ident(a) for a in attrs]
    store.sql(f"CREATE {store.work_scope}VIEW {stage} AS SELECT {', '.join(cols)} FROM {work} WHERE NOT _bad")
    parsed = int(store.sql(f"SELECT count(*) FROM {work}").fetchall()[0][0]) - staged_bad
    quarantined = raw.quarantined + staged_bad
    recorded = {
        **mapping.as_dict(),
        "timezone": tz,
        "timestamp_format": mapping.timestamp_format or (fmt.family.key if fmt and fmt.family else None),
        "timestamp_format_words": expected,
        "numeric_attributes": numeric,
        "renamed_attributes": {c: a for c, a in names.items() if c != a},
        "info": raw.info,
    }
    store.record_ingestion(
        log_name=log_name,
        source=raw.source,
        format=raw.format,
        rows_read=raw.rows_read,
        parsed=parsed,
        quarantined=quarantined,
        mapping=recorded,
    )
    return StageResult(
        stage=stage,
        source=raw.source,
        format=raw.format,
        rows_read=raw.rows_read,
        parsed=parsed,
        quarantined=quarantined,
        mapping=recorded,
        attributes=attrs,
    )
