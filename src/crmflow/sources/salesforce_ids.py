"""Salesforce record ids: the 18-character form and its checksum, in Python and as SQL.

A 15-character id is case-sensitive; the 18-character form appends three characters that encode
which of the 15 are upper-case letters, so ids survive case-insensitive tools. Exports mix both
(reports write 15, Data Loader 18); comparing ids needs one form.

>>> sf_id18("0015000000Gv7qJ")
'0015000000Gv7qJAAR'
"""

from __future__ import annotations

__all__ = ["id18_sql", "id_ok_sql", "sf_id18", "suffix_sql"]

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_CHARS = "[A-Za-z0-9]"


def sf_id18(sf_id: str) -> str:
    """The 18-character form of a 15-character Salesforce id (18-character ids are returned as they are)."""
    if len(sf_id) != 15:
        return sf_id
    suffix = ""
    for k in range(3):
        n = sum(1 << i for i, ch in enumerate(sf_id[5 * k : 5 * k + 5]) if "A" <= ch <= "Z")
        suffix += _ALPHABET[n]
    return sf_id + suffix


def suffix_sql(x: str) -> str:
    """SQL computing the 3-character checksum suffix of the 15-character id expression ``x``."""
    parts = []
    for k in range(3):
        bits = " + ".join(
            f"(CASE WHEN regexp_full_match(substr({x}, {5 * k + i + 1}, 1), '[A-Z]') THEN {1 << i} ELSE 0 END)" for i in range(5)
        )
        parts.append(f"substr('{_ALPHABET}', ({bits}) + 1, 1)")
    return " || ".join(parts)


def id_ok_sql(x: str) -> str:
    """SQL: true when ``x`` is a 15-character id, or an 18-character id whose suffix matches."""
    return (
        f"(regexp_full_match({x}, '{_ID_CHARS}{{15}}') OR (regexp_full_match({x}, '{_ID_CHARS}{{18}}') "
        f"AND substr({x}, 16, 3) = {suffix_sql(f'substr({x}, 1, 15)')}))"
    )


def id18_sql(x: str) -> str:
    """SQL giving the 18-character form of the id expression ``x`` (other values unchanged)."""
    return f"CASE WHEN length({x}) = 15 THEN {x} || {suffix_sql(x)} ELSE {x} END"
