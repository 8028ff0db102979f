"""Phone numbers: libphonenumber validation with the Russian conventions.

A value is cleaned first (see ``docs/quality.md`` and ``crm-formats.md`` §7): everything but digits
and a leading ``+`` is dropped; 11 digits starting with ``8`` or ``7`` become ``+7…``; 10 digits are
read in the default region (Russia). The number is then validated with libphonenumber, which also
tells Russia from Kazakhstan inside country code 7 (``+7 6xx``/``7xx`` is Kazakhstan). Letters are
refused outright: libphonenumber would read them as a keypad vanity number.

>>> check_phone("8 (916) 123-45-67").normalized
'+79161234567'
>>> check_phone("+7 701 123 45 67").region
'KZ'
>>> check_phone("12345678").reason
'too_short'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

#: Reasons a phone is invalid (keys of the quality messages).
REASONS = ("letters", "too_short", "too_long", "placeholder", "not_a_number", "invalid_number")

_LETTERS = re.compile(r"[^\W\d_]")  # any letter, Latin or Cyrillic
_EXTENSION = re.compile(r"(?:доб\.?|ext\.?|x)\s*\d+\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PhoneCheck:
    """The verdict on one phone value."""

    valid: bool
    reason: str | None  # one of REASONS when invalid
    normalized: str | None  # E.164 when the digits could be read as a number
    region: str | None  # ISO country of the number (RU, KZ, …)


def _digits(value: str) -> str:
    plus = value.lstrip().startswith("+")
    digits = re.sub(r"\D", "", value)
    return ("+" if plus else "") + digits


def check_phone(value: str, *, default_region: str = "RU") -> PhoneCheck:
    """Validate and normalise one phone number.

    Parameters
    ----------
    value
        The phone as written in the CRM (``8 (916) 123-45-67``, ``+7 916 …``, ``9161234567``).
    default_region
        Region of numbers written without a country code.

    Returns
    -------
    PhoneCheck
        ``normalized`` is E.164 (``+79161234567``) for numbers that parse.

    >>> check_phone("8916abc4567").reason
    'letters'
    >>> check_phone("+7 000 000 00 00").reason
    'placeholder'
    """
    text = _EXTENSION.sub("", value.strip())
    if _LETTERS.search(text):
        return PhoneCheck(False, "letters", None, None)
    cleaned = _digits(text)
    digits = cleaned.lstrip("+")
    if not digits:
        return PhoneCheck(False, "not_a_number", None, None)
    if len(set(digits[-10:])) == 1 or digits.endswith("0000000000") or digits in ("1234567890", "9999999999"):
        return PhoneCheck(False, "placeholder", None, None)
    if not cleaned.startswith("+") and len(digits) == 11 and digits[0] in "78" and default_region in ("RU", "KZ"):
        cleaned = "+7" + digits[1:]
    elif not cleaned.startswith("+") and digits.startswith("810") and len(digits) > 11:
        cleaned = "+" + digits[3:]  # Russian international dialling prefix
    try:
        number = phonenumbers.parse(cleaned, default_region)
    except NumberParseException:
        return PhoneCheck(False, "not_a_number", None, None)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(number)
    if phonenumbers.is_valid_number(number):
        return PhoneCheck(True, None, e164, region)
    possible = phonenumbers.is_possible_number_with_reason(number)
    reason = {
        phonenumbers.ValidationResult.TOO_SHORT: "too_short",
        phonenumbers.ValidationResult.INVALID_LENGTH: "too_short" if len(digits) < 10 else "too_long",
        phonenumbers.ValidationResult.TOO_LONG: "too_long",
    }.get(possible, "invalid_number")
    return PhoneCheck(False, reason, None, region)
