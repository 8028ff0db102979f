"""Which adapter reads which CRM export or saved API response.

Each vendor module (``bitrix24``, ``amocrm``, ``salesforce``, ``hubspot``) registers one
:class:`SourceAdapter` per shape it understands. An adapter recognises its files from their name
and first bytes (``detect``) and loads them into the store as a :class:`~crmflow.ingest.raw.RawTable`
whose columns already carry the canonical event names (``case:concept:name``, ``concept:name``,
``time:timestamp``, ``org:resource``, plus attributes such as ``pipeline`` or ``entity``), so the
ordinary staging step maps them, quarantines what cannot be used and counts every row.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crmflow.errors import SourceError
from crmflow.i18n import error
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.sources.error_messages import ERRORS

if TYPE_CHECKING:
    from crmflow.store.store import EventStore

#: How many leading bytes ``detect`` functions see.
HEAD_BYTES = 65536

#: Vendor modules that register adapters when imported.
VENDOR_MODULES = (
    "crmflow.sources.bitrix24",
    "crmflow.sources.amocrm",
    "crmflow.sources.salesforce",
    "crmflow.sources.hubspot",
)

#: Every file name ending (``Path.suffix``, lower case) that some adapter's ``detect`` can accept: JSON and
#: JSON lines (``.txt`` too), CSV, and Bitrix24's HTML ``.xls`` exports. A file with any other ending (an XES
#: log, Parquet, a workbook, an OCEL file) is no CRM export, so :func:`detect_adapter` answers ``None`` without
#: importing the vendor modules (0.03-0.07 s of a small log's cold read). A test holds every adapter to it.
ADAPTER_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".txt", ".csv", ".xls", ".htm", ".html"})

DetectFn = Callable[[Path, bytes], bool]
ReadFn = Callable[["EventStore", Path, str, "ProgressFn | None"], RawTable]
ReadManyFn = Callable[["EventStore", list[Path], str, "ProgressFn | None"], RawTable]


@dataclass(frozen=True)
class SourceAdapter:
    """One shape of CRM data an adapter can read.

    Parameters
    ----------
    name
        Unique, kebab-case, e.g. ``bitrix24-stagehistory-json``; users may name it to skip detection.
    vendor
        ``bitrix24``, ``amocrm``, ``salesforce`` or ``hubspot``.
    description
        One line for ``crmflow import --list``.
    detect
        ``detect(path, head)`` is true when the file (name, first :data:`HEAD_BYTES` bytes) has this shape.
    read
        ``read(store, path, label, progress)`` loads the file as a raw table of canonical event columns;
        ``label`` is the log the quarantine rows belong to (the source is named by ``path.name``).
    read_many
        ``read_many(store, paths, label, progress)`` loads several files of this shape (HubSpot's page
        files) as *one* raw table, so that they are staged once; ``row_no`` runs on across the files and
        each quarantine row keeps its file's name. None: every file is read and staged on its own.
    """

    name: str
    vendor: str
    description: str
    detect: DetectFn
    read: ReadFn
    read_many: ReadManyFn | None = None


_ADAPTERS: dict[str, SourceAdapter] = {}
_loaded = False


def register(adapter: SourceAdapter) -> SourceAdapter:
    """Add an adapter (vendor modules call this at import time)."""
    _ADAPTERS[adapter.name] = adapter
    return adapter


def _load_vendors() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in VENDOR_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a vendor module absent from this build: no adapters from it
            if exc.name != module:
                raise


def adapters() -> list[SourceAdapter]:
    """Every registered adapter, in registration order."""
    _load_vendors()
    return list(_ADAPTERS.values())


def get_adapter(name: str) -> SourceAdapter:
    """The adapter called ``name``; the error lists the names that exist."""
    _load_vendors()
    try:
        return _ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(_ADAPTERS)) or "none"
        raise error(SourceError, ERRORS, "registry.unknown_source_kind_known", name=name, known=known) from None


def detect_adapter(path: str | Path) -> SourceAdapter | None:
    """The first adapter that recognises ``path``, or ``None`` for a plain event log."""
    p = Path(path)
    if p.suffix.lower() not in ADAPTER_SUFFIXES:
        return None
    _load_vendors()
    with p.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    for adapter in _ADAPTERS.values():
        if adapter.detect(p, head):
            return adapter
    return None
