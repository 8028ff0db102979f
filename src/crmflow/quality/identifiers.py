"""Russian company and person identifiers: INN, KPP, OGRN and OGRNIP with their check digits.

Checksums as in ``crm-formats.md`` §6 (python-stdnum's rules). A value that Excel stored as a number
may arrive as ``7707083893.0``; the ``.0`` is dropped before checking.

>>> check_inn("7707083893").valid, check_inn("1234567895").reason
(True, 'checksum')
>>> check_inn("500100732259").valid
True
>>> check_ogrn("1027700132195").valid
True
>>> check_kpp("773601001").valid
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Reasons an identifier is invalid (keys of the quality messages).
REASONS = ("not_digits", "wrong_length", "checksum", "all_zeros", "pattern")

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_KPP = re.compile(r"\d{4}[\dA-Z]{2}\d{3}")


@dataclass(frozen=True)
class IdCheck:
    """The verdict on one identifier value."""

    valid: bool
    reason: str | None
    normalized: str | None  # the digits, when they could be read


def _clean(value: str) -> str:
    v = value.strip().replace(" ", "").replace("\u00a0", "")
    return v[:-2] if re.fullmatch(r"\d+\.0", v) else v


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def check_inn(value: str) -> IdCheck:
    """INN (ИНН): 10 digits (organisation) or 12 digits (person, sole proprietor) with check digits."""
    v = _clean(value)
    if not v.isdigit():
        return IdCheck(False, "not_digits", None)
    if len(v) not in (10, 12):
        return IdCheck(False, "wrong_length", None)
    if set(v) == {"0"}:
        return IdCheck(False, "all_zeros", None)
    if len(v) == 10:
        ok = _weighted(v, _INN10) == int(v[9])
    else:
        ok = _weighted(v, _INN11) == int(v[10]) and _weighted(v, _INN12) == int(v[11])
    return IdCheck(ok, None if ok else "checksum", v if ok else None)


def check_kpp(value: str) -> IdCheck:
    """KPP (КПП): 9 characters, ``NNNNPPXXX`` (digits; the reason code ``PP`` may be ``A``–``Z``)."""
    v = _clean(value).upper()
    if len(v) != 9:
        return IdCheck(False, "wrong_length", None)
    if not _KPP.fullmatch(v):
        return IdCheck(False, "pattern", None)
    if set(v) == {"0"}:
        return IdCheck(False, "all_zeros", None)
    return IdCheck(True, None, v)


def check_ogrn(value: str) -> IdCheck:
    """OGRN (ОГРН, 13 digits) or OGRNIP (ОГРНИП, 15 digits) with its check digit.

    OGRN: the first 12 digits as a number, mod 11, mod 10; OGRNIP: the first 14, mod 13, mod 10.

    >>> check_ogrn("304500116000157").valid
    True
    """
    v = _clean(value)
    if not v.isdigit():
        return IdCheck(False, "not_digits", None)
    if len(v) not in (13, 15):
        return IdCheck(False, "wrong_length", None)
    if set(v) == {"0"}:
        return IdCheck(False, "all_zeros", None)
    ok = int(v[:12]) % 11 % 10 == int(v[12]) if len(v) == 13 else int(v[:14]) % 13 % 10 == int(v[14])
    return IdCheck(ok, None if ok else "checksum", v if ok else None)
