from __future__ import annotations

import pytest

from crmflow.quality.identifiers import check_inn, check_kpp, check_ogrn


@pytest.mark.parametrize(
    "inn", ["7707083893", "7736207543", "1234567894", "123456789047", "500100732259", "7707083893.0", " 7707083893 "]
)
def test_valid_inn(inn: str) -> None:
    assert check_inn(inn).valid


@pytest.mark.parametrize(
    ("inn", "reason"),
    [
        ("1234567895", "checksum"),
        ("123456789037", "checksum"),
        ("7707083894", "checksum"),
        ("0000000000", "all_zeros"),
        ("77070838", "wrong_length"),
        ("77070838AB", "not_digits"),
    ],
)
def test_invalid_inn(inn: str, reason: str) -> None:
    c = check_inn(inn)
    assert (c.valid, c.reason) == (False, reason)


def test_kpp_pattern() -> None:
    assert check_kpp("773601001").valid
    assert check_kpp("7736AB001").valid  # the reason code may be letters
    assert check_kpp("77360100").reason == "wrong_length"
    assert check_kpp("77360100X").reason == "pattern"


@pytest.mark.parametrize("ogrn", ["1027700132195", "1027739642281", "304500116000157"])
def test_valid_ogrn_and_ogrnip(ogrn: str) -> None:
    assert check_ogrn(ogrn).valid


def test_invalid_ogrn() -> None:
    assert check_ogrn("1027700132196").reason == "checksum"
    assert check_ogrn("304500116000158").reason == "checksum"
    assert check_ogrn("10277001321").reason == "wrong_length"
