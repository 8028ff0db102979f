"""Salesforce files into raw tables: CSV exports (with their encoding sniffed) and saved query answers.

A CSV export goes through the shared CSV reader (malformed lines quarantined); a REST ``query``
answer (``{"records": [...]}`` or a list of such pages) is flattened -- related records become
``Owner.Name``-style columns, ``attributes`` are dropped except the record type (``_type``).
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa

from crmflow.errors import SourceError
from crmflow.i18n import error
from crmflow.ingest.csv import read_csv_raw
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.sources.pages import read_text
from crmflow.store.store import EventStore

_TEXT = {
    "bad_json": {
        "en": "{source}: not a Salesforce query result ({error}); expected an object with `records`",
        "ru": "{source}: не результат запроса Salesforce ({error}); ожидается объект с `records`",
    },
}


def _load_json(store: EventStore, path: Path) -> RawTable:
    try:
        doc = json.loads(read_text(path, max_bytes=store.settings.max_ocel_json_bytes, lang=store.settings.lang))
        if isinstance(doc, list) and doc and all(isinstance(p, dict) and "records" in p for p in doc):
            records = [r for p in doc for r in p["records"]]  # a list of query pages
        else:
            records = doc["records"] if isinstance(doc, dict) else doc
        if not isinstance(records, list):
            raise TypeError("`records` is not a list")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise error(SourceError, _TEXT, "bad_json", store.settings.lang, source=path.name, error=exc) from exc
    columns: dict[str, list[str | None]] = {}
    for i, rec in enumerate(records):
        flat: dict[str, str | None] = {}
        if isinstance(rec, dict):
            _flatten(rec, "", flat)
        for k in flat:
            columns.setdefault(k, [None] * i)
        for k, col in columns.items():
            col.append(flat.get(k))
    data: dict[str, Any] = {"row_no": pa.array(range(1, len(records) + 1), pa.int64())}
    for k, col in columns.items():
        if k.lower() not in ("row_no", "line"):
            data[k] = pa.array(col, pa.string())
    table = store.new_name("sf_json")
    store.temp_table_from_arrow(table, pa.table(data))
    return RawTable(table=table, source=path.name, format="salesforce-json", rows_read=len(records))


def _flatten(obj: dict[str, Any], prefix: str, out: dict[str, str | None]) -> None:
    for k, v in obj.items():
        if k == "attributes":  # {type, url} of the record and of each related record
            if not prefix:
                out["_type"] = v.get("type") if isinstance(v, dict) else None
            continue
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            _flatten(v, f"{name}.", out)
        elif isinstance(v, bool):
            out[name] = "true" if v else "false"
        elif v is None or isinstance(v, str):
            out[name] = v
        else:
            out[name] = json.dumps(v) if isinstance(v, list) else str(v)


_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def latin_or_none(sample: bytes, *, complete: bool = True) -> str | None:
    """``cp1252`` when a non-UTF-8 sample is Western European text, else None (let the CSV reader decide).

    Salesforce exports are often ISO-8859-1/cp1252 (Spanish, French, German orgs); the shared detector
    leans to cp1251, which turns ``presentación`` into ``presentaciуn``. In cp1251 such words mix Latin
    and Cyrillic letters, which real Russian text does not.

    >>> latin_or_none("Llamada de presentación".encode("cp1252"))
    'cp1252'
    >>> latin_or_none("Звонок клиенту".encode("cp1251")) is None
    True
    >>> latin_or_none("Новая заявка".encode("utf-8")[:-1], complete=False) is None  # cut inside a character
    True
    """
    try:  # not final: a sample may end inside a character
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return None
    except UnicodeDecodeError:
        pass
    mixed = pure = 0
    for word in sample.decode("cp1251", errors="replace").split():
        if _CYRILLIC.search(word):
            if _LATIN.search(word):
                mixed += 1
            else:
                pure += 1
    return "cp1252" if mixed > pure else None


def load_export(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None) -> RawTable:
    """Load a CSV export (encoding sniffed) or a saved query answer (JSON) into a raw text table."""
    if path.suffix.lower() == ".json":
        return _load_json(store, path)
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
        encoding = latin_or_none(sample, complete=fh.read(1) == b"")
    return read_csv_raw(store, path, log_name=log_name, progress=progress, encoding=encoding)
