from __future__ import annotations

import pytest

from crmflow.quality.phones import check_phone


@pytest.mark.parametrize(
    "value",
    ["8 (916) 123-45-67", "+7 916 123 45 67", "89161234567", "9161234567", "+7 (916) 123-45-67 доб. 12", "8-916-123-45-67"],
)
def test_russian_forms_normalise_to_one_e164(value: str) -> None:
    c = check_phone(value)
    assert (c.valid, c.normalized, c.region) == (True, "+79161234567", "RU")


def test_landline_with_leading_7() -> None:
    assert check_phone("7 495 123-45-67").normalized == "+74951234567"


@pytest.mark.parametrize("value", ["+7 701 234 56 78", "87012345678", "+7 777 123 45 67"])
def test_kazakhstan_inside_country_code_7(value: str) -> None:
    c = check_phone(value)
    assert c.valid and c.region == "KZ"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1234-5678", "too_short"),
        ("12345678", "too_short"),
        ("8916abc4567", "letters"),
        ("тел. отсутствует", "letters"),
        ("+7 000 000 00 00", "placeholder"),
        ("8 (999) 999-99-99", "placeholder"),
        ("8-916-123-45-678", "too_long"),
        ("---", "not_a_number"),
    ],
)
def test_invalid_phones_say_why(value: str, reason: str) -> None:
    c = check_phone(value)
    assert not c.valid
    assert c.reason == reason
    assert c.normalized is None


def test_foreign_numbers_are_kept_with_their_region() -> None:
    c = check_phone("+1 650 253 0000")
    assert c.valid and c.region == "US" and c.normalized == "+16502530000"
