"""Reading timestamps in SQL: format families, detection from a sample, time zones.

Everything here builds SQL *expressions*; DuckDB evaluates them over the whole column. A text
column is parsed with one format family, chosen from a sample of its values (the family that reads
the most values wins; ties go to the first family in :data:`FAMILIES`, where day-first comes before
month-first unless ``dayfirst=False``). Values without an offset are wall-clock times in the
configured time zone; values with ``Z`` or ``+03:00`` keep their offset; Unix seconds and
milliseconds are absolute. The result is always ``TIMESTAMPTZ`` (the store's session is UTC).

>>> fam = family("dmy_dot")
>>> "try_strptime" in parse_text_expr('"Дата"', TimestampFormat(fam, "dd.mm.yyyy hh:mm"), "Europe/Moscow")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.ingest.messages import ERRORS
from crmflow.store.queries import ident, table_name

if TYPE_CHECKING:
    from crmflow.store.store import EventStore

_TIME = r"( \d{1,2}:\d{2}(:\d{2}([.,]\d{1,9})?)?)?"
_OFFSET_AT_END = r"\d:\d{2}(:\d{2}([.,]\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$"


@dataclass(frozen=True)
class Family:
    """A group of closely related text formats parsed by one SQL expression."""

    key: str
    #: (human label, regular expression, fast strptime format or "") of each variant.
    variants: tuple[tuple[str, str, str], ...]
    #: DuckDB ``strptime`` formats tried in turn; empty for the families parsed by casts.
    strptime: tuple[str, ...] = ()


def _dmy(sep: str, year: str = "%Y") -> tuple[str, ...]:
    d = f"%d{sep}%m{sep}{year}"
    return (f"{d} %H:%M:%S.%f", f"{d} %H:%M:%S", f"{d} %H:%M", d)


def _mdy(sep: str) -> tuple[str, ...]:
    d = f"%m{sep}%d{sep}%Y"
    return (f"{d} %H:%M:%S.%f", f"{d} %H:%M:%S", f"{d} %H:%M", d)


def _variants(date_label: str, date_re: str, fmts: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    return (
        (f"{date_label} hh:mm:ss", rf"^{date_re} \d{{1,2}}:\d{{2}}:\d{{2}}([.,]\d{{1,9}})?$", fmts[1]),
        (f"{date_label} hh:mm", rf"^{date_re} \d{{1,2}}:\d{{2}}$", fmts[2]),
        (date_label, rf"^{date_re}$", fmts[3]),
    )


def _family(key: str, date_label: str, date_re: str, fmts: tuple[str, ...]) -> Family:
    return Family(key, _variants(date_label, date_re, fmts), fmts)


_D = r"\d{1,2}"
#: Known text formats, in tie-break order.
FAMILIES: tuple[Family, ...] = (
    Family(
        "iso",
        (
            (
                "yyyy-mm-ddThh:mm:ss±hh:mm (ISO 8601)",
                r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$",
                "",
            ),
            ("yyyy-mm-dd hh:mm:ss", r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}([.,]\d{1,9})?$", ""),
            ("yyyy-mm-dd hh:mm", r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$", ""),
            ("yyyy-mm-dd", r"^\d{4}-\d{2}-\d{2}$", ""),
        ),
    ),
    _family("dmy_dot", "dd.mm.yyyy", rf"{_D}\.{_D}\.\d{{4}}", _dmy(".")),
    _family("dmy_slash", "dd/mm/yyyy", rf"{_D}/{_D}/\d{{4}}", _dmy("/")),
    _family("mdy_slash", "mm/dd/yyyy", rf"{_D}/{_D}/\d{{4}}", _mdy("/")),
    _family("dmy_dash", "dd-mm-yyyy", rf"{_D}-{_D}-\d{{4}}", _dmy("-")),
    _family("ymd_slash", "yyyy/mm/dd", rf"\d{{4}}/{_D}/{_D}", tuple(f.replace("%d/%m/%Y", "%Y/%m/%d") for f in _dmy("/"))),
    _family("dmy_dot_yy", "dd.mm.yy", rf"{_D}\.{_D}\.\d{{2}}", _dmy(".", "%y")),
    Family("epoch_ms", (("Unix time in milliseconds", r"^\d{13}$", ""),)),
    Family("epoch_s", (("Unix time in seconds", r"^\d{9,10}([.]\d+)?$", ""),)),
)


def family(key: str) -> Family:
    """The family called ``key``."""
    for f in FAMILIES:
        if f.key == key:
            return f
    raise KeyError(key)


@dataclass(frozen=True)
class TimestampFormat:
    """The format chosen for a column: a family (or an explicit strptime format) and its label."""

    family: Family | None  # None: explicit ``strptime`` format, or nothing recognisable
    label: str  # in words, e.g. ``dd.mm.yyyy hh:mm``
    strptime: str | None = None  # explicit format from the mapping
    primary: str = ""  # the family's fastest format for most values
    parsed_in_sample: int = 0
    sample_size: int = 0


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in_zone(naive_sql: str, tz: str) -> str:
    """The instant of a wall-clock time parsed from text (never infinite) in zone ``tz``.

    In UTC the instant has the same microseconds since the epoch, so no zone rules are applied
    (``timezone('UTC', x)`` went through ICU: 0.6 of the 10 M-event scaled export's CPU seconds).
    """
    if tz == "UTC":
        return f"make_timestamptz(epoch_us({naive_sql}))"
    return f"timezone({_lit(tz)}, {naive_sql})"


def _family_expr(x: str, fam: Family, tz: str, primary: str = "") -> str:
    """SQL reading text expression ``x`` (already trimmed) with family ``fam``.

    ``primary`` is the strptime format most values have: tried first, alone, because DuckDB's
    ``try_strptime`` with a list of formats is several times slower (COALESCE only evaluates the
    fallback for the rows the first format could not read).
    """
    if fam.key == "iso":
        rx = "|".join(f"({r})" for _, r, _ in fam.variants)
        naive = f"try_cast(replace({x}, ',', '.') AS TIMESTAMP)"
        # Fast path for the commonest shape, naive `yyyy-mm-dd hh:mm:ss` (or with `T`): a few
        # character tests instead of two regular expressions per value.
        fast = (
            f"length({x}) = 19 AND substr({x}, 5, 1) = '-' AND substr({x}, 8, 1) = '-' "
            f"AND substr({x}, 14, 1) = ':' AND substr({x}, 17, 1) = ':'"
        )
        return (
            f"CASE WHEN {fast} THEN {_in_zone(f'try_cast({x} AS TIMESTAMP)', tz)} "
            f"WHEN NOT regexp_matches({x}, {_lit(rx)}) THEN NULL "
            f"WHEN regexp_matches({x}, {_lit(_OFFSET_AT_END)}) "
            f"THEN try_cast(replace({x}, ',', '.') AS TIMESTAMPTZ) "
            f"ELSE {_in_zone(naive, tz)} END"
        )
    if fam.key == "epoch_ms":
        return f"CASE WHEN regexp_matches({x}, {_lit(fam.variants[0][1])}) THEN to_timestamp({x}::BIGINT / 1000.0) END"
    if fam.key == "epoch_s":
        return f"CASE WHEN regexp_matches({x}, {_lit(fam.variants[0][1])}) THEN to_timestamp({x}::DOUBLE) END"
    fmts = "[" + ", ".join(_lit(f) for f in fam.strptime) + "]"
    full = f"try_strptime(replace({x}, ',', '.'), {fmts})"
    if primary:
        full = f"coalesce(try_strptime({x}, {_lit(primary)}), {full})"
    return _in_zone(full, tz)


_HUMAN = [("yyyy", "%Y"), ("yy", "%y"), ("dd", "%d"), ("hh", "%H"), ("ss", "%S")]


def strptime_from_words(fmt: str) -> str:
    """Turn ``dd.mm.yyyy hh:mm`` into ``%d.%m.%Y %H:%M``; ``%`` formats pass unchanged.

    >>> strptime_from_words("dd.mm.yyyy hh:mm")
    '%d.%m.%Y %H:%M'
    """
    if "%" in fmt:
        return fmt
    out = fmt.lower()
    for word, code in _HUMAN:
        out = out.replace(word, code)
    out = re.sub(r"(%H\W?)mm", r"\1%M", out)
    return out.replace("mm", "%m")


def words_from_strptime(fmt: str) -> str:
    """Turn ``%d.%m.%Y %H:%M`` into ``dd.mm.yyyy hh:mm`` (for messages).

    >>> words_from_strptime("%d.%m.%Y %H:%M")
    'dd.mm.yyyy hh:mm'
    """
    codes = {
        "%Y": "yyyy",
        "%y": "yy",
        "%d": "dd",
        "%m": "mm",
        "%H": "hh",
        "%M": "mm",
        "%S": "ss",
        "%f": "ffffff",
        "%z": "±hhmm",
        "%Z": "zone",
        "%b": "mon",
        "%B": "month",
        "%p": "am/pm",
        "%I": "hh",
    }
    return re.sub(r"%[A-Za-z]", lambda m: codes.get(m.group(0), m.group(0)), fmt)


def explicit_format(fmt: str) -> TimestampFormat:
    """A format given in the mapping: a family key (``iso``, ``epoch_s``…), words or ``%`` codes."""
    keys = {f.key: f for f in FAMILIES}
    if fmt in keys:
        fam = keys[fmt]
        return TimestampFormat(fam, fam.variants[0][0])
    code = strptime_from_words(fmt)
    return TimestampFormat(None, words_from_strptime(code), strptime=code)


def parse_text_expr(col_sql: str, fmt: TimestampFormat, tz: str, *, trimmed: bool = False) -> str:
    """SQL turning the text column ``col_sql`` into TIMESTAMPTZ (NULL where it cannot be read).

    ``trimmed``: no value of the column begins or ends with a space ``trim()`` removes
    (:attr:`crmflow.ingest.raw.RawTable.trimmed`), so it is read as it is.
    """
    x = col_sql if trimmed else f"trim({col_sql})"
    if fmt.strptime is not None:
        parsed = f"try_strptime({x}, {_lit(fmt.strptime)})"
        return parsed if "%z" in fmt.strptime or "%Z" in fmt.strptime else _in_zone(parsed, tz)
    if fmt.family is None:
        return "NULL::TIMESTAMPTZ"
    expr = _family_expr(x, fmt.family, tz, fmt.primary)
    if fmt.family.key == "iso":
        # The commonest shape read straight from the column: 19 bytes shaped `____-__-__?__:__:__` that
        # neither begin nor end with a space have nothing to trim (every other space trim() removes takes
        # more than one byte), so neither trim() nor the CASE below runs on it. `strlen`, LIKE and
        # `prefix`/`suffix` look at bytes; `substr` counted characters (2 of the 10 M-event export's CPU s).
        c = col_sql
        plain = f"strlen({c}) = 19 AND {c} LIKE '____-__-__%__:__:__' AND NOT prefix({c}, ' ') AND NOT suffix({c}, ' ')"
        expr = f"CASE WHEN {plain} THEN {_in_zone(f'try_cast({c} AS TIMESTAMP)', tz)} ELSE {expr} END"
    return expr


_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
)


def is_text_type(duck_type: str) -> bool:
    return duck_type.upper() in ("VARCHAR", "TEXT", "STRING")


def typed_expr(col_sql: str, duck_type: str, tz: str) -> str | None:
    """SQL turning a typed column into TIMESTAMPTZ, or None when the column is text.

    Naive TIMESTAMP and DATE values are wall-clock times in ``tz``; numbers are Unix seconds
    (milliseconds when larger than 10^11).
    """
    t = duck_type.upper()
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return col_sql
    if t.startswith("TIMESTAMP") or t == "DATE":
        return f"timezone({_lit(tz)}, CAST({col_sql} AS TIMESTAMP))"  # a typed value may be infinite
    if t.startswith(_NUMERIC):
        v = f"CAST({col_sql} AS DOUBLE)"
        return (
            f"CASE WHEN abs({v}) >= 1e11 AND abs({v}) < 1e14 THEN to_timestamp({v} / 1000.0) "
            f"WHEN abs({v}) < 1e11 THEN to_timestamp({v}) END"
        )
    if is_text_type(t):
        return None
    return None


def _sample_counts(store: EventStore, view: str, sample_sql: str, counts: str, column: str) -> tuple[Any, ...]:
    """Register the sample of ``sample_sql`` as ``view`` and count what each family reads of it."""
    try:
        store.register_arrow(view, store.arrow(sample_sql))
        return tuple(store.sql(f"SELECT {counts} FROM {view} s").fetchall()[0])
    except Exception as exc:  # duckdb.Error; keep the message
        raise error(InputError, ERRORS, "timestamps.column_cannot_test_date", column=column, exc=exc) from exc


def detect_format(store: EventStore, table: str, column: str, *, dayfirst: bool = True, sample: int = 5000) -> TimestampFormat:
    """Choose the family that reads the most of a sample of the column's distinct values.

    Parameters
    ----------
    store, table, column
        Where the text column is.
    dayfirst
        Prefer ``dd/mm`` over ``mm/dd`` when both read the sample equally well.
    sample
        How many distinct non-empty values to test.
    """
    col = ident(column)
    # Distinct values among the first rows: a full DISTINCT would read the whole log.
    sample_sql = (
        f"SELECT DISTINCT trim({col}) AS v FROM (SELECT {col} FROM {table_name(table)} LIMIT {int(sample) * 40}) "
        f"WHERE nullif(trim({col}), '') IS NOT NULL LIMIT {int(sample)}"
    )
    order = list(FAMILIES)
    if not dayfirst:
        order.sort(key=lambda f: 0 if f.key == "mdy_slash" else 1)
    counts = ", ".join(f"count({_family_expr('v', f, 'UTC')}) AS {ident(f.key)}" for f in order) + ", count(*) AS n"
    # the sample is taken once (both questions below read it): a few thousand short strings
    view = store.new_name("ts_sample")
    try:
        row = _sample_counts(store, view, sample_sql, counts, column)
        n = int(row[-1])
        scores = {f.key: int(v) for f, v in zip(order, row[:-1], strict=True)}
        best = max(order, key=lambda f: scores[f.key])  # max keeps the first of equals
        if n == 0 or scores[best.key] == 0:
            return TimestampFormat(None, "", parsed_in_sample=0, sample_size=n)
        var_counts = ", ".join(f"count(*) FILTER (WHERE regexp_matches(v, {_lit(rx)}))" for _, rx, _ in best.variants)
        vrow = store.sql(f"SELECT {var_counts} FROM {view} s").fetchall()[0]
    finally:
        store.unregister_arrow(view)  # (nothing to undo when the sample was never registered)
    label, _, primary = max(zip(vrow, best.variants, strict=True), key=lambda p: p[0])[1]
    return TimestampFormat(best, label, primary=primary, parsed_in_sample=scores[best.key], sample_size=n)
