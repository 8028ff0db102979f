"""Normalisation before record linkage: one comparable row per CRM record.

:func:`read_records` reads the id and the mapped columns of the entity table once (checking that
every record has one id); :func:`build_records` turns every *distinct* value into the key the
linkage model compares (in Python: libphonenumber, the name key) and builds the per-record key table
by joins in DuckDB:

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
* INN → its digits when it is a valid INN (:func:`crmflow.quality.identifiers.check_inn`), with a
  leading zero lost by Excel restored;
* company → :func:`crmflow.quality.transliterate.company_key` (legal forms and quotes dropped).

On a table of **people** (a name column is mapped), identifiers of the person's *company* are kept
apart from the person's own (:data:`KEY_COLUMNS` ``org_inn``, ``org_domain``): colleagues share them,
so they are evidence only together with a personal field (:mod:`crmflow.quality.linkage_model`):

* a 10-digit INN is a legal entity's (the employer's): it moves from ``inn_n`` to ``org_inn``; a
  12-digit INN is a person's (an individual or a sole proprietor) and stays;
* a role mailbox (``info@``, ``office@``, ``sales@``, ``zakaz@``…, :data:`ROLE_MAILBOXES`) is the
  company's, not the person's: it is not compared as a personal e-mail (``email_n`` empty);
* the domain of a corporate e-mail (not a public mail service of :data:`PUBLIC_MAIL_DOMAINS`) names
  the company: ``org_domain``.

A *placeholder* — a value typed only because the CRM demanded one (``+7 000 000-00-00``,
``89999999999``, ``0``, ``-``, ``нет``, ``n/a``, ``test@test.ru``…, see :func:`is_placeholder`) — is
treated as empty, and the records holding each one are counted in the table ``crmflow_placeholders``.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from crmflow.errors import ColumnMappingError, InputError
from crmflow.i18n import error
from crmflow.ingest.timestamps import detect_format, parse_text_expr, typed_expr
from crmflow.quality.error_messages import ERRORS
from crmflow.quality.identifiers import check_inn
from crmflow.quality.phones import check_phone
from crmflow.quality.transliterate import company_key, name_key
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

__all__ = [
    "DuplicateFields",
    "build_records",
    "is_placeholder",
    "normalize_email",
    "normalize_inn",
    "normalize_phone",
    "read_records",
    "split_full_name",
]

_GMAIL = {"gmail.com", "googlemail.com"}
_YANDEX = {"yandex.ru", "ya.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua"}
#: Words CRMs are filled with when the real value is unknown (any field, compared lower-cased, spaces squeezed).
PLACEHOLDER_WORDS = frozenset({
    "0", "-", "--", "—", "–", ".", "?", "n/a", "n\\a", "na", "nan", "none", "null", "nil", "no", "not", "нет",
    "не указан", "не указана", "не указано", "неизвестно", "неизвестен", "не известно", "unknown", "test", "тест",
    "x", "xx", "xxx", "х", "хх", "ххх", "клиент", "новый клиент", "client", "customer", "покупатель", "контакт",
    "без имени", "noname", "no name", "частное лицо", "физ лицо", "физлицо", "физ. лицо", "физическое лицо",
})  # fmt: skip
#: Mailbox names that say "no e-mail", and domains reserved for examples and tests.
PLACEHOLDER_MAILBOXES = frozenset(
    {
        "test",
        "no",
        "none",
        "noemail",
        "no-email",
        "no_email",
        "nomail",
        "no-mail",
        "no_mail",
        "net",
        "нет",
        "null",
        "xxx",
        "unknown",
    }
)
PLACEHOLDER_DOMAINS = frozenset(
    {
        "test.ru",
        "test.com",
        "example.com",
        "example.org",
        "example.net",
        "example.ru",
        "no.ru",
        "none.ru",
        "nomail.ru",
        "noemail.ru",
    }
)
#: Mailboxes of a company's function, not of a person (compared lower-cased, before ``+tag``).
ROLE_MAILBOXES = frozenset({
    "info", "office", "sales", "sale", "mail", "post", "zakaz", "order", "orders", "support", "help", "admin",
    "buh", "buhgalter", "buhgalteria", "accounting", "hr", "reception", "secretary", "priemnaya", "manager",
    "contact", "contacts", "kontakt", "hello", "team", "director", "dir", "marketing", "pr", "press", "service",
    "servis", "client", "clients", "shop", "store", "noreply", "no-reply", "tender", "tenders", "snab", "it",
    "job", "jobs", "hr-team", "feedback", "billing", "finance", "legal", "logistics", "sklad", "dostavka",
})  # fmt: skip
#: Public mail services: their domain says nothing about the employer.
PUBLIC_MAIL_DOMAINS = frozenset({
    "mail.ru", "bk.ru", "inbox.ru", "list.ru", "internet.ru", "yandex.ru", "ya.ru", "gmail.com", "googlemail.com",
    "rambler.ru", "lenta.ru", "ro.ru", "autorambler.ru", "myrambler.ru", "outlook.com", "hotmail.com", "live.com",
    "msn.com", "yahoo.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "mail.com",
    "gmx.com", "gmx.de", "ukr.net", "tut.by", "mail.kz", "qip.ru", "nm.ru", "pochta.ru", "yandex.com", "yandex.by",
    "yandex.kz", "yandex.ua", "vk.com",
})  # fmt: skip
_RESERVED_TLDS = ("test", "example", "invalid", "localhost", "local")
_SEQUENCES = ("0123456789", "1234567890", "9876543210")
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


def is_placeholder(kind: str, value: str | None) -> bool:
    """Whether ``value`` of a ``kind`` field (phone, email, inn, a name part, company) is a placeholder.

    Any field: a word of :data:`PLACEHOLDER_WORDS`, or only punctuation. Phone and INN: no digits,
    one digit repeated (``+7 000 000-00-00`` and ``89999999999`` — the national part after ``+7``/``8``
    — ``1111111111``) or a run such as ``1234567890``. E-mail: a mailbox of
    :data:`PLACEHOLDER_MAILBOXES` or one character repeated (``1@1.ru``), a domain of
    :data:`PLACEHOLDER_DOMAINS` or a reserved top-level domain (``.test``, ``.example``, ``.invalid``).

    >>> [is_placeholder("phone", v) for v in ("+7 000 000-00-00", "89999999999", "0", "+7 916 123-45-67")]
    [True, True, True, False]
    >>> is_placeholder("email", "test@test.ru"), is_placeholder("name", "нет"), is_placeholder("name", "Анна")
    (True, True, False)
    """
    if value is None:
        return False
    text = " ".join(str(value).lower().split())
    if not text:
        return False
    if text in PLACEHOLDER_WORDS or not any(ch.isalnum() for ch in text):
        return True
    if kind in ("phone", "inn"):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 11 and digits[0] in "78":
            digits = digits[1:]
        return not digits or len(set(digits)) == 1 or any(digits in s or s in digits for s in _SEQUENCES)
    if kind == "email":
        local, _, domain = text.rpartition("@")
        return (
            local in PLACEHOLDER_MAILBOXES
            or len(set(local)) == 1
            or domain in PLACEHOLDER_DOMAINS
            or domain.rsplit(".", 1)[-1] in _RESERVED_TLDS
        )
    return False


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


def normalize_inn(value: str | None) -> str | None:
    """The digits of a valid INN, else ``None``.

    An INN kept as a number (Excel) loses its leading zero (regions 01–09): a 9- or 11-digit value is
    tried again with the zero restored.

    >>> normalize_inn("7707083893"), normalize_inn("274062111"), normalize_inn("1234567890")
    ('7707083893', '0274062111', None)
    """
    if value is None:
        return None
    check = check_inn(str(value))
    if check.valid:
        return check.normalized
    digits = str(value).strip().removesuffix(".0")
    if digits.isdigit() and len(digits) in (9, 11):
        return check_inn("0" + digits).normalized
    return None


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


#: Columns of the prepared table that the linkage model compares.
KEY_COLUMNS = ("phone_n", "email_n", "email_local", "email_digits", "inn_n", "first_k", "last_k", "middle_k",
               "name_full_k", "company_k", "org_inn", "org_domain")  # fmt: skip

_NAME_PARTS = ("last_name", "first_name", "middle_name", "name")


def read_records(store: EventStore, table: str, *, id_column: str, fields: DuplicateFields) -> pa.Table:
    """Read the id and the mapped columns of ``table`` (``unique_id``, ``raw_<field>``), checking them.

    The source table is only read.

    Raises
    ------
    ColumnMappingError
        If the table or a mapped column does not exist, or the id column has empty or repeated ids.
    """
    if not store.has_table(table):
        raise error(ColumnMappingError, ERRORS, "linkage_prepare.table_not_store_load", table=table)
    present = [r[0] for r in store.sql(f"DESCRIBE {ident(table)}").fetchall()]
    mapped = fields.mapped()
    for field, column in {"id": id_column, **mapped}.items():
        if column not in present:
            columns = ", ".join(f"`{c}`" for c in present)
            raise error(
                ColumnMappingError,
                ERRORS,
                "linkage_prepare.mapped_column_missing",
                column=column,
                field=field,
                table=table,
                columns=columns,
            )
    if not ({"phone", "email", "inn", "name", "last_name", "first_name", "company"} & mapped.keys()):
        raise error(ColumnMappingError, ERRORS, "linkage_prepare.duplicate_detection_needs_least")
    uid = f"NULLIF(trim(CAST({ident(id_column)} AS VARCHAR)), '')"
    empty = store.rows(
        f"SELECT count(*) AS n, min(rn) AS first FROM (SELECT {uid} AS uid, row_number() OVER () AS rn "
        f"FROM {ident(table)}) WHERE uid IS NULL"
    )[0]
    if empty["n"]:
        raise error(
            ColumnMappingError,
            ERRORS,
            "linkage_prepare.column_table_empty_row",
            id_column=id_column,
            table=table,
            empty=empty["n"],
            empty2=empty["first"],
        )
    repeated = store.rows(f"SELECT {uid} AS uid FROM {ident(table)} GROUP BY ALL HAVING count(*) > 1 LIMIT 1")
    if repeated:
        raise error(
            ColumnMappingError,
            ERRORS,
            "linkage_prepare.column_table_repeats_id",
            id_column=id_column,
            table=table,
            repeated=repeated[0]["uid"],
        )
    types = dict(store.sql(f"SELECT column_name, column_type FROM (DESCRIBE {ident(table)})").fetchall())
    select = [f"{uid} AS unique_id"]
    for f, c in mapped.items():
        expr = _timestamp_sql(store, table, c, types[c]) if f == "updated_at" else ident(c)
        select.append(f"{expr} AS {ident('raw_' + f)}")
    return store.arrow(f"SELECT {', '.join(select)} FROM {ident(table)}")


def _timestamp_sql(store: EventStore, table: str, column: str, duck_type: str) -> str:
    """``updated_at`` as TIMESTAMPTZ, also from text such as ``31.01.2024 10:00`` (NULL where unreadable)."""
    tz = store.settings.timezone
    typed = typed_expr(ident(column), duck_type, tz)
    if typed is not None:
        return typed
    try:
        fmt = detect_format(store, table, column)
    except (ValueError, InputError):  # a table name the detector does not take: ISO text only
        return f"TRY_CAST({ident(column)} AS TIMESTAMPTZ)"
    return parse_text_expr(ident(column), fmt, tz)


def _text_sql(column: str) -> str:
    return f"NULLIF(trim(CAST({ident(column)} AS VARCHAR)), '')"


def _mapping(con: duckdb.DuckDBPyConnection, name: str, values: list[Any], keys: dict[str, list[Any]]) -> None:
    con.register(
        name, pa.table({"v": pa.array(values, type=pa.string()), **{k: pa.array(v, type=pa.string()) for k, v in keys.items()}})
    )


def _name_keys(last: str | None, first: str | None, middle: str | None, full: str | None) -> tuple[str | None, ...]:
    if last is None and first is None and full is not None:
        last, first, m = split_full_name(full)
        middle = middle or m
    last_k, first_k, middle_k = name_key(last), name_key(first), name_key(middle)
    both = " ".join(sorted(k for k in (last_k, first_k) if k)) or None
    return last_k, first_k, middle_k, both


def build_records(
    con: duckdb.DuckDBPyConnection, raw: pa.Table, *, table: str = "crmflow_records", people: bool | None = None
) -> int:
    """Create ``table`` in ``con``: ``unique_id`` plus the key columns of :data:`KEY_COLUMNS`.

    Each *distinct* raw value is normalised once in Python (libphonenumber, the name key); the
    per-record table is built by joins in DuckDB. Returns the number of records. ``people`` says
    whether the records are people (company identifiers kept apart, see the module docstring); by
    default they are when a name column is mapped.
    """
    con.register("crmflow_raw", raw)
    have = {c[4:] for c in raw.column_names if c.startswith("raw_")}

    def distinct(field: str) -> list[str]:
        col = "raw_" + field
        return [
            r[0]
            for r in con.sql(f"SELECT DISTINCT {_text_sql(col)} FROM crmflow_raw WHERE {_text_sql(col)} IS NOT NULL").fetchall()
        ]

    placeholders: list[tuple[str, str]] = []

    def keep(field: str, value: str | None) -> str | None:
        if is_placeholder(field, value):
            placeholders.append((field, str(value)))
            return None
        return value

    for part in (p for p in _NAME_PARTS if p in have):
        for v in distinct(part):
            keep(part, v)
    joins, cols = [], []
    for field, key, fn in (
        ("phone", "phone_n", normalize_phone),
        ("email", "email_n", normalize_email),
        ("inn", "inn_n", normalize_inn),
        ("company", "company_k", company_key),
    ):
        if field in have:
            values = distinct(field)
            _mapping(con, f"map_{field}", values, {key: [None if keep(field, v) is None else fn(v) for v in values]})
            joins.append(f"LEFT JOIN map_{field} ON map_{field}.v = {_text_sql('raw_' + field)}")
            cols.append(f"map_{field}.{key}")
        else:
            cols.append(f"NULL::VARCHAR AS {key}")
    parts = [p for p in _NAME_PARTS if p in have]
    if parts:
        name_sql = (
            "concat_ws(chr(31), "
            + ", ".join(f"coalesce({_text_sql('raw_' + p)}, chr(0))" if p in have else "chr(0)" for p in _NAME_PARTS)
            + ")"
        )
        combos = con.sql(
            "SELECT DISTINCT "
            + ", ".join(f"{_text_sql('raw_' + p)}" if p in have else "NULL::VARCHAR" for p in _NAME_PARTS)
            + " FROM crmflow_raw"
        ).fetchall()
        computed = [_name_keys(*(None if is_placeholder("name", v) else v for v in c)) for c in combos]
        _mapping(
            con,
            "map_name",
            ["\x1f".join("\x00" if v is None else v for v in c) for c in combos],
            {k: [row[i] for row in computed] for i, k in enumerate(("last_k", "first_k", "middle_k", "name_full_k"))},
        )
        joins.append(f"LEFT JOIN map_name ON map_name.v = {name_sql}")
        cols += ["map_name.last_k", "map_name.first_k", "map_name.middle_k", "map_name.name_full_k"]
    else:
        cols += [f"NULL::VARCHAR AS {k}" for k in ("last_k", "first_k", "middle_k", "name_full_k")]
    person = bool(parts) if people is None else people  # people: company identifiers kept apart
    con.register("crmflow_role_mailboxes", pa.table({"v": pa.array(sorted(ROLE_MAILBOXES), type=pa.string())}))
    con.register("crmflow_public_mail", pa.table({"v": pa.array(sorted(PUBLIC_MAIL_DOMAINS), type=pa.string())}))
    if person:
        split = (
            "CASE WHEN length(inn_n) = 10 THEN NULL ELSE inn_n END AS inn_n, "
            "CASE WHEN length(inn_n) = 10 THEN inn_n END AS org_inn, "
            "CASE WHEN split_part(split_part(email_n, '@', 1), '+', 1) IN (SELECT v FROM crmflow_role_mailboxes) "
            "THEN NULL ELSE email_n END AS email_n, "
            "CASE WHEN split_part(email_n, '@', 2) NOT IN (SELECT v FROM crmflow_public_mail) "
            "THEN split_part(email_n, '@', 2) END AS org_domain"
        )
    else:
        split = "inn_n, NULL::VARCHAR AS org_inn, email_n, NULL::VARCHAR AS org_domain"
    con.execute(
        f"CREATE TABLE {table} AS SELECT * EXCLUDE (inn_n, email_n), {split} "
        f"FROM (SELECT unique_id, {', '.join(cols)} FROM crmflow_raw {' '.join(joins)})"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT *, split_part(email_n, '@', 1) AS email_local, "
        f"regexp_replace(email_n, '[^0-9]', '', 'g') AS email_digits FROM {table}"
    )
    _mapping(con, "map_placeholder", [v for _, v in placeholders], {"field": [f for f, _ in placeholders]})
    con.execute("CREATE OR REPLACE TABLE crmflow_placeholders (field VARCHAR, value VARCHAR, records BIGINT)")
    for field in sorted({f for f, _ in placeholders}):
        con.execute(
            f"INSERT INTO crmflow_placeholders SELECT ?, v, count(*) FROM crmflow_raw JOIN map_placeholder "
            f"ON field = ? AND v = {_text_sql('raw_' + field)} GROUP BY v",
            [field, field],
        )
    for name in (
        "crmflow_raw",
        "map_placeholder",
        "crmflow_role_mailboxes",
        "crmflow_public_mail",
        *(f"map_{f}" for f in ("phone", "email", "inn", "company", "name")),
    ):
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])
