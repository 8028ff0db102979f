"""CRM entities (contacts, companies, deals…) loaded into the store, and what each column holds.

An *entity table* is one file (CSV in UTF-8 or cp1251 with ``;`` or ``,``, XLSX, Parquet, a JSON
list of records) or frame loaded with the ingestion readers into a DuckDB table: the source's own
columns plus ``row_no``. Lines the CSV reader cannot split go to the store's quarantine with their
line number, so nothing is lost: ``rows_read = rows + quarantined``.

An :class:`EntitySpec` says which column is the record id and which columns hold phones, e-mails,
INN, KPP, OGRN, dates, amounts, the stage and the name parts. It comes from the rules YAML or is
detected from the header (English, Russian, Bitrix24, amoCRM, Salesforce and HubSpot names).

>>> spec = detect_spec("contacts", ["ID", "Имя", "Фамилия", "Рабочий телефон", "E-mail", "ИНН", "Дата создания"])
>>> spec.id_column, spec.columns["phone"], spec.columns["email"], spec.columns["inn"]
('ID', ('Рабочий телефон',), ('E-mail',), ('ИНН',))
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from crmflow.errors import InputError, UnsafeInputError, UnsupportedFormatError
from crmflow.i18n import error
from crmflow.ingest.columns import normalize
from crmflow.ingest.frames import is_frame, read_frame_raw
from crmflow.ingest.raw import ProgressFn, RawTable, drop_raw
from crmflow.quality.error_messages import ERRORS
from crmflow.store.queries import ident, table_name
from crmflow.store.store import EventStore

#: What a column can hold, in the order the report lists them.
KINDS: tuple[str, ...] = (
    "phone",
    "email",
    "inn",
    "kpp",
    "ogrn",
    "date",
    "amount",
    "stage",
    "name",
    "first_name",
    "last_name",
    "company",
)
#: The kinds validated value by value (see :mod:`crmflow.quality.validity`).
VALIDATED: tuple[str, ...] = ("phone", "email", "inn", "kpp", "ogrn", "date", "amount")

#: Header words (normalised) that say what a column holds; a column is matched on its whole
#: normalised name first, then on its words.
_EXACT: dict[str, set[str]] = {
    "phone": {
        "phone",
        "телефон",
        "tel",
        "mobile",
        "mobilephone",
        "workphone",
        "homephone",
        "phonenumber",
        "рабочийтелефон",
        "мобильныйтелефон",
        "домашнийтелефон",
        "телефонконтакта",
        "hsphone",
    },
    "email": {
        "email",
        "почта",
        "электроннаяпочта",
        "emailaddress",
        "рабочийemail",
        "личныйemail",
        "mail",
        "workemail",
        "hsemail",
    },
    "inn": {"инн", "inn", "иннкомпании", "companyinn", "иннорганизации", "taxid"},
    "kpp": {"кпп", "kpp"},
    "ogrn": {"огрн", "огрнип", "ogrn", "ogrnip"},
    "stage": {
        "стадия",
        "этап",
        "статус",
        "stage",
        "status",
        "dealstage",
        "stagename",
        "stageid",
        "стадиясделки",
        "этапсделки",
        "статуссделки",
        "статуслида",
        "leadstatus",
        "pipelinestage",
    },
    "first_name": {"имя", "firstname", "first", "givenname"},
    "last_name": {"фамилия", "lastname", "last", "surname", "familyname"},
    "name": {"фио", "fullname", "name", "полноеимя", "полноеимяконтакта", "contactname", "контакт", "имяконтакта"},
    "company": {
        "компания",
        "company",
        "companyname",
        "account",
        "accountname",
        "организация",
        "компанияконтакта",
        "названиекомпании",
        "organization",
        "companytitle",
    },
}
_WORDS: dict[str, set[str]] = {
    "phone": {"phone", "телефон", "mobile"},
    "email": {"email", "mail", "почта"},
    "inn": {"инн", "inn"},
    "kpp": {"кпп", "kpp"},
    "ogrn": {"огрн", "огрнип", "ogrn", "ogrnip"},
    "date": {"дата", "date", "datetime", "timestamp", "createdate", "closedate", "createddate", "closeddate"},
    "stage": {"status", "статус", "stage", "стадия", "этап"},
    "amount": {"сумма", "бюджет", "amount", "budget", "opportunity", "revenue", "value", "price", "стоимость", "цена", "выручка"},
}
_ID_EXACT = {"id", "ид", "recordid", "hsobjectid", "идентификатор", "№"}


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^0-9a-zа-яё]+", spaced.lower().replace("ё", "е")) if w]


def _kind_of(name: str) -> str | None:
    n = normalize(name)
    for kind, names in _EXACT.items():
        if n in names:
            return kind
    words = _words(name)
    if n.endswith(("date", "дата")) or (
        len(words) > 1 and words[-1] == "at" and words[-2] in {"created", "updated", "closed", "paid", "won"}
    ):
        return "date"
    for kind, names in _WORDS.items():
        if any(w in names for w in words):
            return kind
    return None


@dataclass(frozen=True)
class EntitySpec:
    """Which column of an entity table holds what.

    ``id_column`` None means the record number (``row_no``) is the id.
    """

    name: str
    id_column: str | None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def of(self, kind: str) -> tuple[str, ...]:
        return self.columns.get(kind, ())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "id_column": self.id_column, "columns": {k: list(v) for k, v in self.columns.items() if v}}


def detect_spec(
    name: str, header: list[str], *, id_column: str | None = None, overrides: dict[str, tuple[str, ...]] | None = None
) -> EntitySpec:
    """Detect an entity's columns from its header; ``overrides`` (kind → columns) win.

    The id is ``id_column`` when given, else a column named ``ID``/``Record ID``/…, else the first
    column whose name ends in ``id`` (``opportunity_id``, ``Contact ID``), else the record number.
    """
    overrides = overrides or {}
    taken = {c for cols in overrides.values() for c in cols}
    if id_column is None:
        exact = [c for c in header if normalize(c) in _ID_EXACT]
        ending = [c for c in header if normalize(c).endswith(("id", "ид")) and len(normalize(c)) > 2]
        candidates = exact or ending
        id_column = candidates[0] if candidates else None
    cols: dict[str, list[str]] = {}
    for c in header:
        if c == id_column or c in taken or c in ("row_no", "line"):
            continue
        kind = _kind_of(c)
        if kind is not None and kind not in overrides:
            cols.setdefault(kind, []).append(c)
    result = {k: tuple(v) for k, v in cols.items()}
    if "stage" in result:
        result["stage"] = result["stage"][:1]
    if "name" in result and "last_name" in result and "first_name" not in result:
        result["first_name"] = result.pop("name")  # Bitrix24: NAME is the first name next to LAST_NAME
    result.update({k: tuple(v) for k, v in overrides.items()})
    return EntitySpec(name=name, id_column=id_column, columns=result)


@dataclass(frozen=True)
class EntityTable:
    """An entity loaded into the store: table ``table`` has ``row_no`` and the source's columns."""

    name: str
    source: str
    format: str
    table: str
    header: list[str]
    rows: int
    rows_read: int
    quarantined: int
    info: dict[str, Any] = field(default_factory=dict)

    def id_sql(self, spec: EntitySpec, alias: str | None = None) -> str:
        """SQL for a record's id as text: the id column (``#<row_no>`` where it is empty), or the record number.

        ``alias`` qualifies the columns (``l`` gives ``l.row_no``) when the table is joined.
        """
        a = f"{alias}." if alias else ""
        if spec.id_column is None:
            return f"CAST({a}row_no AS VARCHAR)"
        return f"coalesce(nullif(trim(CAST({a}{ident(spec.id_column)} AS VARCHAR)), ''), '#' || {a}row_no)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "format": self.format,
            "rows": self.rows,
            "rows_read": self.rows_read,
            "quarantined": self.quarantined,
            "encoding": self.info.get("encoding"),
            "delimiter": self.info.get("delimiter"),
        }


def _json_records(path: Path, *, max_bytes: int) -> list[dict[str, Any]]:
    size = path.stat().st_size
    if size > max_bytes:  # the whole document is held in memory: refuse before reading a byte
        raise error(UnsafeInputError, ERRORS, "entities.bytes_more_than_limit", name=path.name, size=size, max_bytes=max_bytes)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(InputError, ERRORS, "entities.cannot_read_json", name=path.name, exc=exc) from exc
    if isinstance(doc, dict):  # API pages: {"result": [...]}, {"_embedded": {"contacts": [...]}}, …
        for key in ("result", "results", "items", "data", "records", "_embedded"):
            if key in doc:
                doc = doc[key]
                break
        if isinstance(doc, dict):
            lists = [v for v in doc.values() if isinstance(v, list)]
            doc = lists[0] if len(lists) == 1 else doc
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise error(InputError, ERRORS, "entities.expected_json_list_records", name=path.name)
    return doc


def _json_table(records: list[dict[str, Any]]) -> pa.Table:
    names: dict[str, None] = {}
    for r in records:
        names.update(dict.fromkeys(str(k) for k in r))

    def cell(v: Any) -> str | None:
        if v is None or v == "":
            return None
        if isinstance(v, list | dict):  # Bitrix24 multi-fields: [{"VALUE": "+7…", "VALUE_TYPE": "WORK"}]
            if isinstance(v, list) and v and all(isinstance(x, dict) and "VALUE" in x for x in v):
                return str(v[0]["VALUE"])
            return json.dumps(v, ensure_ascii=False)
        return str(v)

    return pa.table({n: pa.array([cell(r.get(n)) for r in records], pa.string()) for n in names})


def load_entity(
    store: EventStore,
    source: Any,
    *,
    name: str,
    progress: ProgressFn | None = None,
) -> EntityTable:
    """Load one entity file (or frame) into the store.

    Parameters
    ----------
    store
        Where to load; broken CSV lines go to its ``quarantine`` table under log ``quality:<name>``.
    source
        ``.csv/.tsv/.txt``, ``.xlsx/.xlsm``, ``.parquet``, ``.json`` (a list of records), or a
        pandas/polars DataFrame or pyarrow Table.
    name
        The entity's name (``contacts``, ``deals``).
    progress
        Called with a short note at each step.
    """
    log_name = f"quality:{name}"
    if is_frame(source):
        raw = read_frame_raw(store, source, log_name=log_name, source=name)
    else:
        path = Path(source)
        if not path.is_file():
            raise error(InputError, ERRORS, "entities.no_such_file", path=path)
        suffix = path.name.lower()
        if suffix.endswith(".json"):
            records = _json_records(path, max_bytes=store.settings.max_ocel_json_bytes)
            raw = read_frame_raw(store, _json_table(records), log_name=log_name, source=path.name)
            raw = RawTable(table=raw.table, source=path.name, format="json", rows_read=raw.rows_read, info=raw.info)
        elif suffix.endswith((".csv", ".tsv", ".txt")):
            # The format readers themselves: an entity list is a table, never an adapter's event log.
            from crmflow.ingest.csv import read_csv_raw

            raw = read_csv_raw(store, path, log_name=log_name, progress=progress)
        elif suffix.endswith((".xlsx", ".xlsm")):
            from crmflow.ingest.excel import read_excel_raw

            raw = read_excel_raw(store, path, log_name=log_name, progress=progress)
        elif suffix.endswith(".parquet"):
            from crmflow.ingest.parquet import read_parquet_raw

            raw = read_parquet_raw(store, path, log_name=log_name, progress=progress)
        else:
            raise error(UnsupportedFormatError, ERRORS, "entities.no_reader_this_entity", name=path.name)
    table = store.new_name("qe")
    store.sql(f"CREATE TABLE {table_name(table)} AS SELECT * FROM {raw.table}")
    drop_raw(store, raw)
    header = [c for c in store.columns(table) if c not in ("row_no", "line")]
    rows = int(store.scalar(f"SELECT count(*) FROM {table}"))
    return EntityTable(
        name=name,
        source=raw.source,
        format=raw.format,
        table=table,
        header=header,
        rows=rows,
        rows_read=raw.rows_read,
        quarantined=raw.quarantined,
        info=dict(raw.info),
    )


def quarantine_of(store: EventStore, entity: EntityTable, *, limit: int = 50) -> list[dict[str, Any]]:
    """The entity's quarantined lines (line, reason, raw text), first ``limit``."""
    return store.rows(
        "SELECT row_no, line, reason, raw, kind FROM quarantine WHERE log_name = ? AND source = ? ORDER BY row_no LIMIT ?",
        [f"quality:{entity.name}", entity.source, limit],
    )
