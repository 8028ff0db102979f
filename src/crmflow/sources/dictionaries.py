"""Reference data the event adapters use to name things: stages per pipeline, users.

Dictionaries (Bitrix24 ``crm.status.list``, amoCRM ``/api/v4/leads/pipelines`` and
``/api/v4/users``) are kept in the store as ordinary tables, so a project store remembers them:
import the dictionaries once, the stage histories later, and the stage ids still resolve to names.
When dictionaries and event files come in one call, the reader loads the dictionaries first.

A dictionary adapter returns an empty raw table whose ``info["dictionary"]`` names the dictionary;
the reader records it and does not stage it.

>>> from crmflow.store.store import EventStore
>>> s = EventStore()
>>> save(s, "amocrm_user", [{"user_id": 7, "name": "Анна"}])
1
>>> load(s, "amocrm_user")
[{'user_id': 7, 'name': 'Анна'}]
"""

from __future__ import annotations

from typing import Any

from crmflow.ingest.raw import RawTable
from crmflow.sources.registry import SourceAdapter, register
from crmflow.sources.rows import CANONICAL
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

#: Table name, columns (name, SQL type) and key columns of each dictionary.
TABLES: dict[str, tuple[tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "bitrix24_status": (
        (("entity_id", "VARCHAR"), ("category_id", "BIGINT"), ("status_id", "VARCHAR"), ("name", "VARCHAR"),
         ("semantics", "VARCHAR"), ("sort", "BIGINT")),
        ("entity_id", "status_id"),
    ),
    "amocrm_status": (
        (("pipeline_id", "BIGINT"), ("pipeline", "VARCHAR"), ("status_id", "BIGINT"), ("name", "VARCHAR"),
         ("sort", "BIGINT"), ("type", "BIGINT")),
        ("pipeline_id", "status_id"),
    ),
    "amocrm_user": ((("user_id", "BIGINT"), ("name", "VARCHAR")), ("user_id",)),
}  # fmt: skip


def _table(kind: str) -> str:
    return f"src_dict_{kind}"


def _ensure(store: EventStore, kind: str) -> None:
    cols, _ = TABLES[kind]
    store.sql(f"CREATE TABLE IF NOT EXISTS {_table(kind)} ({', '.join(f'{c} {t}' for c, t in cols)})")


def save(store: EventStore, kind: str, rows: list[dict[str, Any]]) -> int:
    """Add or replace dictionary entries (by their key); return how many were given."""
    _ensure(store, kind)
    cols, keys = TABLES[kind]
    names = [c for c, _ in cols]
    for r in rows:
        store.sql(f"DELETE FROM {_table(kind)} WHERE {' AND '.join(f'{k} = ?' for k in keys)}", [r[k] for k in keys])
        store.sql(f"INSERT INTO {_table(kind)} VALUES ({', '.join('?' for _ in names)})", [r.get(c) for c in names])
    return len(rows)


def load(store: EventStore, kind: str) -> list[dict[str, Any]]:
    """Every entry of a dictionary (empty when it was never loaded)."""
    if not store.has_table(_table(kind)):
        return []
    names = [c for c, _ in TABLES[kind][0]]
    return store.rows(f"SELECT {', '.join(names)} FROM {_table(kind)} ORDER BY ALL")


def dictionary_raw(store: EventStore, *, source: str, format: str, dictionary: str, entries: int) -> RawTable:
    """The empty raw table a dictionary adapter returns (``info`` says what was loaded)."""
    name = store.new_name("raw_dict")
    cols = ", ".join(f"{ident(c)} VARCHAR" for c in CANONICAL)
    store.sql(f"CREATE TEMP TABLE {name} (row_no BIGINT, line BIGINT, {cols})")
    return RawTable(table=name, source=source, format=format, rows_read=0, info={"dictionary": dictionary, "entries": entries})


def is_dictionary(raw: RawTable) -> bool:
    """True for what a dictionary adapter returned."""
    return bool(raw.info.get("dictionary"))


#: Names of the adapters that load dictionaries (read before the event sources of one call).
DICTIONARY_ADAPTERS: set[str] = set()


def register_dictionary(adapter: SourceAdapter) -> SourceAdapter:
    """Register an adapter that loads a dictionary rather than events."""
    DICTIONARY_ADAPTERS.add(adapter.name)
    return register(adapter)


def is_dictionary_adapter(adapter: SourceAdapter | None) -> bool:
    """True when ``adapter`` loads a dictionary."""
    return adapter is not None and adapter.name in DICTIONARY_ADAPTERS
