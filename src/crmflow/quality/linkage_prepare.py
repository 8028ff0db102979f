"""Normalisation before record linkage: one comparable row per CRM record.

The entity table is read once (only the mapped columns) and every value is turned into the key the
linkage model compares:

* phone → E.164 with libphonenumber and the Russian ``8``/``+7`` conventions
  (:func:`crmflow.quality.phones.check_phone`); an invalid phone is treated as missing;
* e-mail → trimmed and lower-cased; for ``gmail.com``/``googlemail.com`` the dots and a ``+tag`` of
  the local part are dropped (Google ignores both, so they are one mailbox); Yandex's domain aliases
  (``ya.ru``, ``yandex.com``, ``yandex.by``, ``yandex.kz``, ``yandex.ua``) become ``yandex.ru``, and
  a ``+tag`` is dropped for Yandex too. Other providers are left alone: for them a dot or a tag may
  name another mailbox;
* names → :func:`crmflow.quality.transliterate.name_key` per part; a single full-name column is split
  into surname, first name and patronymic (a word ending like a patronymic is the patronymic, the
  rest is read in the Russian order «Фамилия Имя»; swapped orders are handled by the comparison);
* INN → its digits when it has 10 or 12 of them (:func:`crmflow.quality.identifiers.check_inn`);
* company → :func:`crmflow.quality.transliterate.company_key` (legal forms and quotes dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import pyarrow as pa

from crmflow.errors import ColumnMappingError
from crmflow.quality.identifiers import check_inn
from crmflow.quality.phones import check_phone
from crmflow.quality.transliterate import company_key, name_key
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

__all__ = ["DuplicateFields", "normalize_email", "normalize_phone", "prepare_records", "split_full_name"]

_GMAIL = {"gmail.com", "googlemail.com"}
_YANDEX = {"yandex.ru", "ya.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua"}
_PATRONYMIC = re.compile(r"(вич|вна|ична|инична|ич|vich|vna|ichna|inichna|ich)$", re.IGNORECASE)


@dataclass(frozen=True)
class DuplicateFields:
    """Which columns of the entity table hold what; any may be ``None`` (not available).

    ``name`` is a full-name column, used for records whose ``first_name``/``last_name`` are empty
    (or when those columns are not mapped). ``updated_at`` only decides the survivor of a merge.
    """

    phone: str | None = None
    email: str | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    inn: str | None = None
    company: str | None = None
    updated_at: str | None = None

    def mapped(self) -> dict[str, str]:
        """Logical field → column, for the fields that are mapped."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


@lru_cache(maxsize=200_000)
def normalize_phone(value: str | None) -> str | None:
    """E.164 form of a valid phone, else ``None``.

    >>> normalize_phone("8 (916) 123-45-67"), normalize_phone("12")
    ('+79161234567', None)
    """
    if value is None or not str(value).strip():
        return None
    check = check_phone(str(value))
    return check.normalized if check.valid else None


@lru_cache(maxsize=200_000)
def normalize_email(value: str | None) -> str | None:
    """The comparable form of an e-mail address, or ``None`` if it is not one.

    >>> normalize_email(" Ivan.Petrov+crm@GMail.com "), normalize_email("Anna@ya.ru")
    ('ivanpetrov@gmail.com', 'anna@yandex.ru')
    """
    if value is None:
        return None
    text = str(value).strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or " " in text:
        return None
    if domain in _GMAIL:
        local, domain = local.split("+", 1)[0].replace(".", ""), "gmail.com"
    elif domain in _YANDEX:
        local, domain = local.split("+", 1)[0], "yandex.ru"
    return f"{local}@{domain}" if local else None


def split_full_name(value: str | None) -> tuple[str | None, str | None, str | None]:
    """Split a full name into (last, first, middle) words as written.

    >>> split_full_name("Петров Иван Сергеевич")
    ('Петров', 'Иван', 'Сергеевич')
    >>> split_full_name("Ivan Petrov")
    ('Ivan', 'Petrov', None)
    """
    if value is None:
        return None, None, None
    words = [w for w in re.split(r"[\s,]+", str(value).strip()) if w]
    middle = None
    if len(words) >= 3:
        for i in range(len(words) - 1, 0, -1):
            if _PATRONYMIC.search(words[i]):
                middle = words.pop(i)
                break
    if not words:
        return None, None, middle
    if len(words) == 1:
        return words[0], None, middle
    return words[0], " ".join(words[1:]), middle


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _inn(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    return check_inn(text).normalized


#: Columns of the prepared table that the linkage model compares.
KEY_COLUMNS = ("phone_n", "email_n", "email_local", "email_digits", "inn_n", "first_k", "last_k", "middle_k",
               "name_full_k", "company_k")  # fmt: skip


def prepare_records(store: EventStore, table: str, *, id_column: str, fields: DuplicateFields) -> pa.Table:
    """Read ``table`` and return one normalised row per record (``unique_id`` plus the key columns).

    The raw values are kept as ``raw_<field>`` for explanations and merge proposals. The source
    table is only read.

    Raises
    ------
    ColumnMappingError
        If the table or a mapped column does not exist, or the id column has empty or repeated ids.
    """
    if not store.has_table(table):
        raise ColumnMappingError(f"table `{table}` is not in the store; load the entity table first")
    present = [r[0] for r in store.sql(f"DESCRIBE {ident(table)}").fetchall()]
    mapped = fields.mapped()
    for field, column in {"id": id_column, **mapped}.items():
        if column not in present:
            raise ColumnMappingError(
                f"column `{column}` (mapped as {field}) is not in table `{table}`; its columns are: "
                + ", ".join(f"`{c}`" for c in present)
            )
    if not ({"phone", "email", "inn", "name", "last_name", "first_name", "company"} & mapped.keys()):
        raise ColumnMappingError(
            "duplicate detection needs at least one of the phone, e-mail, INN, name or company columns"
        )
    select = ", ".join([f"CAST({ident(id_column)} AS VARCHAR) AS unique_id"]
                       + [f"{ident(c)} AS {ident('raw_' + f)}" for f, c in mapped.items()])
    raw = store.arrow(f"SELECT {select} FROM {ident(table)}")
    ids = raw.column("unique_id").to_pylist()
    missing = [i for i, v in enumerate(ids) if v is None or not str(v).strip()]
    if missing:
        raise ColumnMappingError(
            f"column `{id_column}` of table `{table}` is empty in {len(missing)} row(s) (first at row "
            f"{missing[0] + 1}); every record needs an id to be named in clusters and merges"
        )
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dup = next(v for v in ids if v in seen or seen.add(v))  # type: ignore[func-returns-value]
        raise ColumnMappingError(
            f"column `{id_column}` of table `{table}` repeats the id {dup!r}; choose a column that names each "
            "record once"
        )
    n = len(ids)

    def col(field: str) -> list[Any]:
        return raw.column("raw_" + field).to_pylist() if field in mapped else [None] * n

    phones = [normalize_phone(_text(v)) for v in col("phone")]
    emails = [normalize_email(_text(v)) for v in col("email")]
    lasts, firsts, middles = col("last_name"), col("first_name"), col("middle_name")
    full = col("name")
    last_k, first_k, middle_k = [], [], []
    for i in range(n):
        last, first, middle = _text(lasts[i]), _text(firsts[i]), _text(middles[i])
        if last is None and first is None and full[i] is not None:
            last, first, m = split_full_name(_text(full[i]))
            middle = middle or m
        last_k.append(name_key(last))
        first_k.append(name_key(first))
        middle_k.append(name_key(middle))
    name_full = [" ".join(sorted(k for k in (a, b) if k)) or None for a, b in zip(last_k, first_k, strict=True)]
    out: dict[str, Any] = {
        "unique_id": ids,
        "phone_n": phones,
        "email_n": emails,
        "email_local": [e.split("@")[0] if e else None for e in emails],
        "email_digits": [re.sub(r"\D", "", e) if e else None for e in emails],
        "inn_n": [_inn(v) for v in col("inn")],
        "first_k": first_k,
        "last_k": last_k,
        "middle_k": middle_k,
        "name_full_k": name_full,
        "company_k": [company_key(_text(v)) for v in col("company")],
    }
    table_out = pa.table({k: pa.array(v, type=pa.string()) for k, v in out.items()})
    for f in mapped:
        table_out = table_out.append_column("raw_" + f, raw.column("raw_" + f))
    return table_out
