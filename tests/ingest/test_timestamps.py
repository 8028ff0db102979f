"""Timestamp parsing in SQL: every format, detection, time zones, typed columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmflow.ingest.raw import TRIM_SPACES
from crmflow.ingest.timestamps import (
    _OFFSET_AT_END,
    FAMILIES,
    TimestampFormat,
    detect_format,
    explicit_format,
    family,
    parse_text_expr,
    strptime_from_words,
    typed_expr,
    words_from_strptime,
)
from crmflow.store.store import EventStore


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _parse(values: list[str | None], fmt: TimestampFormat, tz: str = "UTC") -> list[datetime | None]:
    store = EventStore()
    store.sql("CREATE TABLE t (i INTEGER, v VARCHAR)")
    store.con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    return [r[0] for r in store.sql(f"SELECT {parse_text_expr('v', fmt, tz)} FROM t ORDER BY i").fetchall()]


def _fam(key: str, primary: str = "") -> TimestampFormat:
    return TimestampFormat(family(key), key, primary=primary)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("iso", "2024-03-01T10:00:00", _utc(2024, 3, 1, 10)),
        ("iso", "2024-03-01 10:00:00.250", _utc(2024, 3, 1, 10, 0, 0, 250000)),
        ("iso", "2024-03-01 10:00", _utc(2024, 3, 1, 10)),
        ("iso", "2024-03-01", _utc(2024, 3, 1)),
        ("iso", "2024-03-01T10:00:00Z", _utc(2024, 3, 1, 10)),
        ("iso", "2024-03-01T10:00:00+03:00", _utc(2024, 3, 1, 7)),
        ("iso", "2024-03-01T10:00:00.5-0200", _utc(2024, 3, 1, 12, 0, 0, 500000)),
        ("dmy_dot", "01.03.2024 10:00", _utc(2024, 3, 1, 10)),
        ("dmy_dot", "01.03.2024 10:00:59", _utc(2024, 3, 1, 10, 0, 59)),
        ("dmy_dot", "1.3.2024", _utc(2024, 3, 1)),
        ("dmy_dot", "01.03.2024 10:00:59,5", _utc(2024, 3, 1, 10, 0, 59, 500000)),
        ("dmy_slash", "13/03/2024 10:00", _utc(2024, 3, 13, 10)),
        ("mdy_slash", "03/13/2024 10:00", _utc(2024, 3, 13, 10)),
        ("dmy_dash", "13-03-2024 10:00:00", _utc(2024, 3, 13, 10)),
        ("ymd_slash", "2024/03/13 10:00", _utc(2024, 3, 13, 10)),
        ("dmy_dot_yy", "13.03.24 10:00", _utc(2024, 3, 13, 10)),
        ("epoch_s", "1709287200", _utc(2024, 3, 1, 10)),
        ("epoch_s", "1709287200.5", _utc(2024, 3, 1, 10, 0, 0, 500000)),
        ("epoch_ms", "1709287200123", _utc(2024, 3, 1, 10, 0, 0, 123000)),
    ],
)
def test_every_format(key: str, value: str, expected: datetime) -> None:
    assert _parse([f"  {value} "], _fam(key)) == [expected]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("dmy_dot", "31.02.2024 10:00"),
        ("dmy_dot", "01.13.2024"),
        ("iso", "2024-02-30 10:00:00"),
        ("iso", "вчера"),
        ("dmy_dot", "2024-03-01"),
        ("epoch_s", "12ab"),
        ("dmy_dot", None),
    ],
)
def test_unreadable_values_are_null(key: str, value: str | None) -> None:
    assert _parse([value], _fam(key)) == [None]


def test_the_untrimmed_iso_fast_path_reads_exactly_what_the_trimmed_path_reads() -> None:
    # Values of 19 characters are read without trim() only when they begin and end with a digit: a
    # padded value of the same length must not be read as another date than its trimmed text.
    values = [
        "2025-12-13T07:21:50",
        "2025-12-13 07:21:50",
        " 2025-12-13T07:21:50 ",
        " 025-12-13T07:21:50",  # trimmed: 18 characters, a 3-digit year -> unreadable
        "2025-12-13T07:21:5 ",  # trimmed: one-digit seconds -> unreadable
        "2025-13-13T07:21:50",  # no 13th month
        "2025-12-13T07:21:50Z",
    ]
    got = _parse(values, _fam("iso"), tz="Europe/Moscow")
    msk = _utc(2025, 12, 13, 4, 21, 50)
    assert got == [msk, msk, msk, None, None, None, _utc(2025, 12, 13, 7, 21, 50)]


def test_primary_format_with_fallback() -> None:
    fmt = _fam("dmy_dot", primary="%d.%m.%Y %H:%M")
    assert _parse(["01.03.2024 10:00", "02.03.2024"], fmt) == [_utc(2024, 3, 1, 10), _utc(2024, 3, 2)]


def test_naive_time_is_local_to_the_zone() -> None:
    assert _parse(["01.03.2024 10:00"], _fam("dmy_dot"), "Europe/Moscow") == [_utc(2024, 3, 1, 7)]
    # an explicit offset wins over the zone
    assert _parse(["2024-03-01T10:00:00+00:00"], _fam("iso"), "Europe/Moscow") == [_utc(2024, 3, 1, 10)]
    # Unix time is absolute
    assert _parse(["1709287200"], _fam("epoch_s"), "Europe/Moscow") == [_utc(2024, 3, 1, 10)]
    # daylight saving time: Berlin is UTC+2 in July, UTC+1 in January
    assert _parse(["2024-07-01 12:00", "2024-01-01 12:00"], _fam("iso"), "Europe/Berlin") == [
        _utc(2024, 7, 1, 10),
        _utc(2024, 1, 1, 11),
    ]


def _detect(values: list[str], **kw: bool) -> TimestampFormat:
    store = EventStore()
    store.sql("CREATE TABLE t (v VARCHAR)")
    store.con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    return detect_format(store, "t", "v", **kw)


def test_detect_picks_the_format_reading_most_values() -> None:
    f = _detect(["01.03.2024 10:00", "02.03.2024 11:30", "31.02.2024 10:00", "мусор", ""])
    assert (f.family.key, f.label, f.primary) == ("dmy_dot", "dd.mm.yyyy hh:mm", "%d.%m.%Y %H:%M")
    assert (f.parsed_in_sample, f.sample_size) == (2, 4)
    f = _detect(["2024-03-01T10:00:00+03:00", "2024-03-02T10:00:00+03:00"])
    assert f.family.key == "iso" and "ISO" in f.label


def test_detect_day_first_unless_told() -> None:
    values = ["01/03/2024 10:00", "02/03/2024 10:00"]
    assert _detect(values).family.key == "dmy_slash"
    assert _detect(values, dayfirst=False).family.key == "mdy_slash"
    # a day above 12 settles it whatever the preference
    assert _detect(["01/03/2024", "25/03/2024"], dayfirst=False).family.key == "dmy_slash"


def test_detect_nothing_readable() -> None:
    f = _detect(["abc", "def"])
    assert f.family is None and f.parsed_in_sample == 0


def test_words_and_codes() -> None:
    assert strptime_from_words("dd.mm.yyyy hh:mm:ss") == "%d.%m.%Y %H:%M:%S"
    assert strptime_from_words("yyyy-mm-dd hh:mm") == "%Y-%m-%d %H:%M"
    assert words_from_strptime("%m/%d/%Y %I:%M %p") == "mm/dd/yyyy hh:mm am/pm"
    fmt = explicit_format("dd.mm.yyyy hh:mm")
    assert fmt.strptime == "%d.%m.%Y %H:%M" and fmt.label == "dd.mm.yyyy hh:mm"
    assert _parse(["01.03.2024 10:00", "01.03.2024"], fmt, "Europe/Moscow") == [_utc(2024, 3, 1, 7), None]
    assert explicit_format("epoch_ms").family is family("epoch_ms")


def test_families_have_unique_keys() -> None:
    keys = [f.key for f in FAMILIES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("sql_type", "literal", "expected"),
    [
        ("TIMESTAMP", "TIMESTAMP '2024-03-01 10:00:00'", _utc(2024, 3, 1, 7)),
        ("TIMESTAMP_NS", "TIMESTAMP_NS '2024-03-01 10:00:00'", _utc(2024, 3, 1, 7)),
        ("DATE", "DATE '2024-03-01'", _utc(2024, 2, 29, 21)),
        ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ '2024-03-01 10:00:00+00'", _utc(2024, 3, 1, 10)),
        ("BIGINT", "1709287200::BIGINT", _utc(2024, 3, 1, 10)),
        ("BIGINT", "1709287200123::BIGINT", _utc(2024, 3, 1, 10, 0, 0, 123000)),
        ("DOUBLE", "1709287200.5::DOUBLE", _utc(2024, 3, 1, 10, 0, 0, 500000)),
    ],
)
def test_typed_columns(sql_type: str, literal: str, expected: datetime) -> None:
    store = EventStore()
    expr = typed_expr(literal, sql_type, "Europe/Moscow")
    assert expr is not None
    assert store.sql(f"SELECT {expr}").fetchall()[0][0] == expected


def test_text_type_is_not_typed() -> None:
    assert typed_expr('"x"', "VARCHAR", "UTC") is None


_TS_CHARS = st.sampled_from(list("0123456789-:T .,+Z") + ["\u00a0", "\u2009", "é", "x"])
_NEAR_ISO = st.one_of(
    st.text(alphabet=_TS_CHARS, min_size=17, max_size=21),
    st.builds(
        lambda d, edit: edit(d.isoformat(sep=" ")),
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(lambda d: d.replace(microsecond=0)),
        st.sampled_from(
            [
                lambda s: s,
                lambda s: s.replace(" ", "T"),
                lambda s: f" {s}",
                lambda s: f"{s} ",
                lambda s: s[:-1] + " ",
                lambda s: " " + s[1:],
                lambda s: s + "Z",
                lambda s: "\u00a0" + s,
                lambda s: s[:-1] + "é",
            ]
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_NEAR_ISO, min_size=1, max_size=20), tz=st.sampled_from(["UTC", "Europe/Moscow"]))
def test_the_iso_fast_paths_read_what_the_reference_reads(values: list[str], tz: str) -> None:
    # the reference: every value trimmed, read by the family's CASE, naive times placed by ICU's zone rules
    store = EventStore()
    store.register_arrow("t", pa.table({"i": list(range(len(values))), "v": values}))
    reference = _family_expr_reference("trim(v)", tz)
    fast = parse_text_expr("v", _fam("iso"), tz)
    rows = store.sql(f"SELECT {fast}, {reference} FROM t ORDER BY i").fetchall()
    assert [r[0] for r in rows] == [r[1] for r in rows]
    # a column known to need no trim() reads the same as one trimmed
    if all(v.strip(TRIM_SPACES) == v for v in values):
        trimmed = parse_text_expr("v", _fam("iso"), tz, trimmed=True)
        assert [r[0] for r in store.sql(f"SELECT {trimmed} FROM t ORDER BY i").fetchall()] == [r[0] for r in rows]


def _family_expr_reference(x: str, tz: str) -> str:
    """The iso family's reading of ``x`` as written before the fast paths: regular expressions, ``timezone()``."""
    fam = family("iso")
    rx = "|".join(f"({r})" for _, r, _ in fam.variants)
    naive = f"try_cast(replace({x}, ',', '.') AS TIMESTAMP)"
    return (
        f"CASE WHEN NOT regexp_matches({x}, '{rx}') THEN NULL "
        f"WHEN regexp_matches({x}, '{_OFFSET_AT_END}') THEN try_cast(replace({x}, ',', '.') AS TIMESTAMPTZ) "
        f"ELSE timezone('{tz}', {naive}) END"
    )
