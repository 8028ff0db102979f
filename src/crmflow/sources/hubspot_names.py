"""HubSpot dictionaries: the names of stages, pipelines, owners and users.

``/crm/v3/pipelines/deals`` and ``/crm/v3/owners`` answers carry no events; their adapters keep them
in the project store (tables :data:`STAGE_TABLE` and :data:`OWNER_TABLE`), like the other vendors'
dictionaries, and :class:`Names` collects the labels an event adapter needs: from the store, and from
``pipelines*.json`` / ``owners*.json`` lying next to the file being read (as ``crmflow pull`` writes
them; the files win).

>>> results([{"results": [{"id": "1"}]}, {"results": [{"id": "2"}]}])
[{'id': '1'}, {'id': '2'}]
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmflow.errors import SourceError, UnsafeInputError
from crmflow.i18n import error
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.sources.pages import read_text
from crmflow.sources.registry import SourceAdapter
from crmflow.store.store import EventStore

_TEXT = {
    "bad_json": {
        "en": "{source}: not a HubSpot API response ({error}); expected an object with `results`",
        "ru": "{source}: не ответ API HubSpot ({error}); ожидается объект с `results`",
    },
}

#: Store tables of the HubSpot dictionaries (kept in a project store, like the other vendors' ones).
STAGE_TABLE = "src_dict_hubspot_stage"
OWNER_TABLE = "src_dict_hubspot_owner"


def str_or_none(v: Any) -> str | None:
    """``str(v)``, or None for None and the empty string."""
    return None if v is None or v == "" else str(v)


def results(doc: Any) -> list[dict[str, Any]]:
    """The records of a page, of a list of pages, or of a plain list of records."""
    if isinstance(doc, list):
        if doc and all(isinstance(p, dict) and isinstance(p.get("results"), list) for p in doc):
            return [r for p in doc for r in results(p)]
        return [r for r in doc if isinstance(r, dict)]
    if isinstance(doc, dict):
        for key in ("results", "deals"):
            if isinstance(doc.get(key), list):
                return [r for r in doc[key] if isinstance(r, dict)]
    return []


def load_page(path: Path, lang: str, *, max_bytes: int | None = None) -> Any:
    """The JSON of a saved API answer (an object or a list), or a clear :class:`SourceError`."""
    try:
        doc = json.loads(read_text(path, max_bytes=max_bytes, lang=lang))  # size-checked before it is read
    except (ValueError, UnicodeDecodeError) as exc:
        raise error(SourceError, _TEXT, "bad_json", lang, source=path.name, error=exc) from exc
    if not isinstance(doc, dict | list):
        raise error(SourceError, _TEXT, "bad_json", lang, source=path.name, error="top level is not an object")
    return doc


def is_json(path: Path, head: bytes) -> bool:
    """A ``.json`` file whose first byte opens an object or a list."""
    return path.suffix.lower() == ".json" and head.lstrip()[:1] in (b"{", b"[")


def _pipeline_rows(doc: Any) -> list[tuple[str, str, str, str, int]]:
    rows = []
    for pl in results(doc):
        pid = str(pl.get("id"))
        for i, st in enumerate(pl.get("stages") or []):
            if isinstance(st, dict) and st.get("id") is not None:
                rows.append(
                    (
                        pid,
                        str(pl.get("label") or pid),
                        str(st["id"]),
                        str(st.get("label") or st["id"]),
                        int(st.get("displayOrder") or i),
                    )
                )
    return rows


def _owner_rows(doc: Any) -> list[tuple[str | None, str | None, str]]:
    rows = []
    for o in results(doc):
        name = " ".join(str(x) for x in (o.get("firstName"), o.get("lastName")) if x) or o.get("email")
        if name:
            rows.append((str_or_none(o.get("id")), str_or_none(o.get("userId")), str(name)))
    return rows


def _load_quiet(path: Path) -> Any:
    """A dictionary file's JSON, or None; parsed once per file version (every page of a pull reads it)."""
    try:
        return _parsed(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, UnsafeInputError):
        return None


@functools.lru_cache(maxsize=16)
def _parsed(path: str, _mtime_ns: int) -> Any:
    return json.loads(read_text(Path(path)))


@dataclass(frozen=True)
class Names:
    """Labels for ids: from the project store's HubSpot dictionaries and ``pipelines*.json`` /
    ``owners*.json`` files next to the file being read (the files win)."""

    stages: dict[str, str]
    pipelines: dict[str, str]
    owners: dict[str, str]  # owner id -> name
    users: dict[str, str]  # user id -> name

    @classmethod
    def find(cls, store: EventStore, path: Path) -> Names:
        """Collect the names (missing or unreadable dictionaries give none)."""
        stage_rows: list[tuple[Any, ...]] = []
        owner_rows: list[tuple[Any, ...]] = []
        if store.has_table(STAGE_TABLE):
            stage_rows += store.sql(f"SELECT * FROM {STAGE_TABLE}").fetchall()
        if store.has_table(OWNER_TABLE):
            owner_rows += store.sql(f"SELECT * FROM {OWNER_TABLE}").fetchall()
        for p in sorted(path.parent.glob("pipelines*.json")):
            stage_rows += _pipeline_rows(_load_quiet(p))
        for p in sorted(path.parent.glob("owners*.json")):
            owner_rows += _owner_rows(_load_quiet(p))
        return cls(
            stages={r[2]: r[3] for r in stage_rows},
            pipelines={r[0]: r[1] for r in stage_rows},
            owners={r[0]: r[2] for r in owner_rows if r[0]},
            users={r[1]: r[2] for r in owner_rows if r[1]},
        )


def _save(store: EventStore, table: str, columns: str, key: int, rows: list[tuple[Any, ...]]) -> None:
    """Add or replace rows by their key column (position ``key``)."""
    store.sql(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
    key_name = columns.split(",")[key].split()[0]
    for r in rows:
        store.sql(f"DELETE FROM {table} WHERE {key_name} = ?", [r[key]])
        store.sql(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in r)})", list(r))


def read_pipelines(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Load a ``/crm/v3/pipelines/deals`` answer as the stage dictionary (no events)."""
    from crmflow.sources.dictionaries import dictionary_raw

    path = Path(path)
    rows = _pipeline_rows(load_page(path, store.settings.lang))
    if not rows:
        raise error(SourceError, _TEXT, "bad_json", store.settings.lang, source=path.name, error="no pipeline stages")
    _save(store, STAGE_TABLE, "pipeline_id VARCHAR, pipeline VARCHAR, stage_id VARCHAR, name VARCHAR, sort BIGINT", 2, rows)
    return dictionary_raw(store, source=path.name, format="hubspot-pipelines-json", dictionary="hubspot_stage", entries=len(rows))


def read_owners(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Load a ``/crm/v3/owners`` answer as the owner/user dictionary (no events)."""
    from crmflow.sources.dictionaries import dictionary_raw

    path = Path(path)
    rows = _owner_rows(load_page(path, store.settings.lang))
    _save(store, OWNER_TABLE, "owner_id VARCHAR, user_id VARCHAR, name VARCHAR", 0, rows)
    return dictionary_raw(store, source=path.name, format="hubspot-owners-json", dictionary="hubspot_owner", entries=len(rows))


def register_dictionaries() -> None:
    """Register the pipelines and owners adapters (called once by :mod:`crmflow.sources.hubspot`)."""
    from crmflow.sources.dictionaries import register_dictionary

    register_dictionary(
        SourceAdapter(
            name="hubspot-pipelines-json",
            vendor="hubspot",
            description="HubSpot deal pipelines (/crm/v3/pipelines/deals): names of stages and pipelines",
            detect=lambda p, h: is_json(p, h) and b'"stages"' in h and b'"displayOrder"' in h and b'"_embedded"' not in h,
            read=read_pipelines,
        )
    )
    register_dictionary(
        SourceAdapter(
            name="hubspot-owners-json",
            vendor="hubspot",
            description="HubSpot owners (/crm/v3/owners): names of owners and users",
            detect=lambda p, h: is_json(p, h) and b'"userId"' in h and b'"firstName"' in h and b'"dealstage"' not in h,
            read=read_owners,
        )
    )
