"""The web app's projects: each a folder with its DuckDB store, the uploaded files and the last audit.

``<data>/projects/<name>/`` holds ``project.duckdb`` (built by :func:`crmflow.sources.project.import_sources`),
``uploads/`` (the files as uploaded), ``mapping.json`` (a column mapping the user edited),
``rules.yaml`` (audit rules uploaded with the export) and ``audit/`` (what :meth:`AuditResult.write`
writes, ``audit.json`` included). A project given to ``crmflow serve PROJECT.duckdb`` is registered
under its file name and used in place (never copied). A project's log is opened once per import and
read in place, with the explorer's summaries the import built
(:func:`crmflow.sources.project.attach_project_log`), until the next import closes it.

>>> import tempfile
>>> ws = Workspace(tempfile.mkdtemp())
>>> ws.create("Sales 2025").name
'sales-2025'
>>> [p.name for p in ws.projects()]
['sales-2025']
"""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from crmflow.errors import CrmflowError, WebError, WebNotFoundError
from crmflow.i18n import error
from crmflow.ingest.columns import FIELDS, mapping_from_dict
from crmflow.store.store import EventLog
from crmflow.web.error_messages import ERRORS

_SLUG = re.compile(r"[^a-z0-9а-яё_-]+")
_FILE = re.compile(r"[^\w.\- ]+")
MAX_UPLOAD = 512 * 1024 * 1024


@dataclass(frozen=True)
class Project:
    """A project as listed: name, store path, uploaded files, and whether it has an audit."""

    name: str
    store: Path
    uploads: tuple[str, ...]
    audited: bool

    @property
    def folder(self) -> Path:
        return self.store.parent


def slug(name: str) -> str:
    """A project's folder name from what the user typed.

    >>> slug("Продажи / 2025")
    'продажи-2025'
    """
    s = _SLUG.sub("-", name.strip().lower()).strip("-")
    if not s or len(s) > 64:
        raise error(WebError, ERRORS, "projects.bad_name", name=name)
    return s


def safe_filename(name: str) -> str:
    """The base name of an uploaded file, without path parts or odd characters."""
    base = Path(name.replace("\\", "/")).name
    base = _FILE.sub("_", base).strip(" .")
    if not base:
        raise error(WebError, ERRORS, "projects.empty_file_name", name=name)
    return base[:120]


def _save(data: bytes | BinaryIO, dest: Path, filename: str) -> int:
    """Write an upload to ``dest`` in 1 MiB chunks, refusing more than :data:`MAX_UPLOAD` bytes."""
    src: BinaryIO = io.BytesIO(data) if isinstance(data, bytes) else data
    written = 0
    with dest.open("wb") as out:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > MAX_UPLOAD:
                out.close()
                dest.unlink()
                raise error(WebError, ERRORS, "projects.upload_too_large", filename=filename, max_upload=MAX_UPLOAD)
            out.write(chunk)
    return written


class Workspace:
    """Projects under ``<data>/projects`` plus the ones registered by path."""

    def __init__(self, data_dir: str | Path, *, extra: dict[str, Path] | None = None) -> None:
        self.root = Path(data_dir) / "projects"
        self.root.mkdir(parents=True, exist_ok=True)
        self._extra = dict(extra or {})
        self._logs: dict[str, EventLog] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()

    def register(self, store: str | Path) -> Project:
        """Use an existing ``PROJECT.duckdb`` in place, named after its file."""
        path = Path(store).resolve()
        if not path.is_file():
            raise error(WebError, ERRORS, "projects.no_store", path=path, path_name=path.name)
        name = slug(path.stem)
        self._extra[name] = path
        return self.project(name)

    def lock(self, name: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(name, threading.RLock())

    def _store_path(self, name: str) -> Path:
        return self._extra.get(name) or self.root / name / "project.duckdb"

    def folder(self, name: str) -> Path:
        """Where uploads and audit outputs of a project go (next to a registered store: ``<stem>.web/``)."""
        if name in self._extra:
            return self._extra[name].with_suffix(".web")
        return self.root / name

    def projects(self) -> list[Project]:
        names = {p.name for p in self.root.iterdir() if p.is_dir()} | set(self._extra)
        return [self.project(n) for n in sorted(names)]

    def project(self, name: str) -> Project:
        if name not in self._extra and not (self.root / name).is_dir():
            raise error(WebNotFoundError, ERRORS, "projects.no_project", name=name)
        up = self.folder(name) / "uploads"
        uploads = tuple(sorted(p.name for p in up.iterdir())) if up.is_dir() else ()
        return Project(name, self._store_path(name), uploads, (self.folder(name) / "audit" / "audit.json").is_file())

    def create(self, name: str) -> Project:
        s = slug(name)
        if s in self._extra or (self.root / s).exists():
            raise error(WebError, ERRORS, "projects.exists", s=s)
        (self.root / s / "uploads").mkdir(parents=True)
        return self.project(s)

    # import ----------------------------------------------------------------------------------
    def upload(self, name: str, filename: str, data: bytes | BinaryIO, *, lang: str = "en") -> dict[str, Any]:
        """Keep an uploaded file (bytes or a binary file, copied in chunks) and (re-)import every event file.

        A ``.yaml``/``.yml`` upload is kept as the project's audit rules instead of being imported.

        Raises
        ------
        WebError
            The file is larger than :data:`MAX_UPLOAD` (nothing is kept).
        """
        self.project(name)
        fname = safe_filename(filename)
        folder = self.folder(name)
        if fname.lower().endswith((".yaml", ".yml")):
            from crmflow.findings.rules import load_rules

            _save(data, folder / "rules.yaml", fname)
            try:
                load_rules(folder / "rules.yaml")
            except CrmflowError:
                (folder / "rules.yaml").unlink()
                raise
            # the rules' calendar says how naive times in the export are to be read: import again with it
            return {"rules": fname, **(self.reimport(name, lang=lang) if self.project(name).uploads else {})}
        up = folder / "uploads"
        up.mkdir(parents=True, exist_ok=True)
        _save(data, up / fname, fname)
        return self.reimport(name, lang=lang)

    def _timezone(self, name: str) -> str | None:
        rules = self.folder(name) / "rules.yaml"
        if not rules.is_file():
            return None
        from crmflow.findings.rules import load_rules

        return load_rules(rules).calendar.timezone

    def mapping(self, name: str) -> dict[str, str] | None:
        p = self.folder(name) / "mapping.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None

    def set_mapping(self, name: str, mapping: dict[str, str], *, lang: str = "en") -> dict[str, Any]:
        """Save an edited column mapping (field → column) and re-import with it."""
        self.project(name)
        unknown = sorted(set(mapping) - set(FIELDS))
        if unknown:
            raise error(WebError, ERRORS, "projects.unknown_mapping_fields", unknown=", ".join(unknown), fields=", ".join(FIELDS))
        clean = {k: v for k, v in mapping.items() if v}
        (self.folder(name) / "mapping.json").write_text(json.dumps(clean, ensure_ascii=False), encoding="utf-8")
        return self.reimport(name, lang=lang)

    def reimport(self, name: str, *, lang: str = "en") -> dict[str, Any]:
        from crmflow.sources.project import import_sources

        self.project(name)
        uploads: list[str | Path] = sorted((self.folder(name) / "uploads").glob("*"))
        if not uploads:
            raise error(WebError, ERRORS, "projects.no_uploads", name=name)
        with self.lock(name):
            self._forget_log(name)
            edited = self.mapping(name)
            mapping = mapping_from_dict(edited, source=f"{name}/mapping.json") if edited else None
            result = import_sources(
                uploads, into=self._store_path(name), mapping=mapping, timezone=self._timezone(name), lang=lang
            )
            shutil.rmtree(self.folder(name) / "audit", ignore_errors=True)
        return result.to_dict()

    # reading ---------------------------------------------------------------------------------
    def _forget_log(self, name: str) -> None:
        """Close the project's open log: it holds the file attached, and an import writes a new one."""
        old = self._logs.pop(name, None)
        if old is not None:
            old.store.close()

    def has_log(self, name: str) -> bool:
        path = self._store_path(name)
        if not path.is_file():
            return False
        try:
            self.log(name)
        except CrmflowError:
            return False
        return True

    def log(self, name: str) -> EventLog:
        """The project's log, opened once per import (read in place, read-only)."""
        from crmflow.sources.project import attach_project_log

        self.project(name)
        if not self._store_path(name).is_file():
            raise error(WebNotFoundError, ERRORS, "projects.nothing_imported", name=name)
        with self.lock(name):
            if name not in self._logs:
                self._logs[name] = attach_project_log(self._store_path(name))
            return self._logs[name]

    def run_audit(self, name: str, *, lang: str = "en") -> dict[str, Any]:
        """Audit the project's log (with its uploaded rules, if any) and write ``audit/``."""
        from crmflow.asis import audit

        rules_path = self.folder(name) / "rules.yaml"
        with self.lock(name):
            result = audit(self.log(name), rules=str(rules_path) if rules_path.is_file() else None, lang=lang)
            out = self.folder(name) / "audit"
            result.write(out, lang=lang)
        return json.loads((out / "audit.json").read_text(encoding="utf-8"))

    def set_survey(self, name: str, filename: str, data: bytes | BinaryIO) -> dict[str, Any]:
        """Keep an uploaded survey CSV as the project's survey and assess it against the log."""
        self.project(name)
        path = self.folder(name) / "survey.csv"
        _save(data, path, filename)
        try:
            return self.survey(name) or {}
        except CrmflowError:
            path.unlink()
            raise

    def survey(self, name: str) -> dict[str, Any] | None:
        """NPS/CES of the project's survey joined to its cases, or None without a survey."""
        from crmflow.web.survey import assess

        self.project(name)
        path = self.folder(name) / "survey.csv"
        if not path.is_file():
            return None
        with self.lock(name):
            return assess(self.log(name), path).to_dict()

    def audit_document(self, name: str) -> dict[str, Any] | None:
        """The project's ``audit.json`` as written, or None before the first audit."""
        self.project(name)
        p = self.folder(name) / "audit" / "audit.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None

    def audit_file(self, name: str, filename: str) -> Path:
        """A file of the written audit (report, BPMN, CSVs) for download."""
        self.project(name)
        folder = (self.folder(name) / "audit").resolve()
        path = (folder / safe_filename(filename)).resolve()
        if path.parent != folder or not path.is_file():
            raise error(WebNotFoundError, ERRORS, "projects.no_file", filename=filename, name=name)
        return path
