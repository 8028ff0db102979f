"""Validity on a crafted contact set: every planted invalid value is found, by id, with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.quality.entities import detect_spec, load_entity
from crmflow.quality.run import assess_quality
from crmflow.quality.validity import (
    ValidityOptions,
    amount_value_sql,
    check_column_values,
    date_value_sql,
    parse_amount,
    parse_date,
)
from crmflow.store.store import EventStore
from tests.quality.conftest import INVALID_AMOUNT, INVALID_DATE, INVALID_EMAIL, INVALID_INN, INVALID_PHONE, RULES


def test_planted_invalid_values_by_id(contacts_csv: Path) -> None:
    v = assess_quality([contacts_csv], rules=RULES, duplicates=False).data["validity"]
    assert v["phone"]["invalid_ids"] == INVALID_PHONE
    assert v["email"]["invalid_ids"] == INVALID_EMAIL
    assert v["inn"]["invalid_ids"] == INVALID_INN
    assert v["date"]["invalid_ids"] == INVALID_DATE
    assert v["amount"]["invalid_ids"] == INVALID_AMOUNT


def test_counts_reasons_and_regions(contacts_csv: Path) -> None:
    v = assess_quality([contacts_csv], rules=RULES, duplicates=False).data["validity"]
    phone = v["phone"]
    assert (phone["checked"], phone["valid"], phone["invalid"], phone["empty"]) == (8, 6, 2, 1)
    assert phone["by_reason"] == {"letters": 1, "too_short": 1}
    assert phone["regions"] == {"KZ": 2, "RU": 4}
    examples = {e["value"]: e for e in phone["examples"]}
    assert examples["1234-5678"]["reason"] == "too_short"
    assert examples["8916abc4567"]["reason"] == "letters"
    normalised = {e["value"]: e["normalized"] for e in phone["normalized_examples"]}
    assert normalised["8 (916) 123-45-67"] == "+79161234567"
    assert v["inn"]["by_reason"] == {"checksum": 2}
    assert (v["inn"]["checked"], v["inn"]["empty"]) == (7, 2)
    assert v["date"]["by_reason"] == {"in_future": 1, "unparseable": 1}
    assert v["email"]["empty"] == 1
    assert v["kpp"]["applicable"] is False and v["kpp"]["invalid_ids"] == []


def test_distinct_values_are_judged_once_and_joined_back() -> None:
    # 3,000 records, 3 distinct values: every record with the bad value is named.
    import pyarrow as pa

    store = EventStore()
    phones = ["8 (916) 123-45-67", "12345", "+7 701 234 56 78"] * 1000
    frame = pa.table({"id": [f"r{i}" for i in range(3000)], "phone": phones})
    ent = load_entity(store, frame, name="contacts")
    spec = detect_spec("contacts", ent.header)
    res = check_column_values(store, ent, spec, kind="phone", columns=("phone",))
    assert res.by_column[0].distinct == 3
    assert res.invalid == 1000 and res.valid == 2000
    assert res.invalid_ids == sorted(f"r{i}" for i in range(1, 3000, 3))


def test_date_window_is_configurable(contacts_csv: Path) -> None:
    store = EventStore()
    ent = load_entity(store, contacts_csv, name="contacts")
    spec = detect_spec("contacts", ent.header)
    opts = ValidityOptions(as_of=None, min_date=parse_date("05.03.2024").date(), max_future_days=365 * 100)  # type: ignore[union-attr]
    res = check_column_values(store, ent, spec, kind="date", columns=spec.of("date"), options=opts)
    assert res.by_reason == {"too_old": 4, "unparseable": 1}
    assert res.invalid_ids == ["c1", "c2", "c3", "c4", "c7"]


def test_amount_parsing() -> None:
    assert parse_amount("1 250 000,00") == 1250000.0
    assert parse_amount("1\u00a0250,5 ₽") == 1250.5
    assert parse_amount("1,250,000.75") == 1250000.75
    assert parse_amount("-10") == -10.0
    assert parse_amount("сто") is None


@pytest.mark.parametrize(
    "value",
    [
        "1 250 000,50 руб.",
        "19999.99",
        "12abc",
        "1,250,000.75",
        "-10",
        "1\u00a0250,5 ₽",
        "inf",
        "1.250.000",
        "1e3",
        "  7 ",
        "+5,5",
        ",5",
        "$100",
        "сто",
    ],
)
def test_sql_and_python_read_amounts_alike(value: str) -> None:
    assert EventStore().scalar(f"SELECT {amount_value_sql('$v')}", {"v": value}) == parse_amount(value)


@pytest.mark.parametrize(
    "value",
    [
        "31.12.2024 10:00",
        "31.02.2024",
        "2024-01-01T10:00:00Z",
        "2006-01-12 01:19:42.000",
        "2024-01-01",
        "01/02/2024",
        "2024/03/05",
        "05.03.24",
        "2024-01-01 garbage",
        "2024-01-01 10:00:00+03:00",
        "2024-1-5",
        "вчера",
        "31.12.2024 10:00:59",
    ],
)
def test_sql_and_python_read_dates_alike(value: str) -> None:
    assert EventStore().scalar(f"SELECT {date_value_sql('$v')}", {"v": value}) == parse_date(value)
