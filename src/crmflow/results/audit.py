"""The typed audit document: every section of ``audit.json`` as a frozen dataclass.

:class:`AuditDocument` is what the audit produces (:class:`crmflow.asis.AuditResult` is one, with the
live log and ``write()``), what the report, the pack, the engine, the web app and the simulation read,
and what :meth:`AuditDocument.to_json` writes as ``audit.json`` (``docs/audit.schema.json``).
:meth:`AuditDocument.from_json` reads a written audit back — a folder, an ``audit.json`` path or the
parsed document — typed again, so ``from_json(doc).to_json() == doc`` for every document crmflow writes.
Sections a document lacks come back empty (a report of a partial document shows "no data").

>>> doc = AuditDocument.from_json({"lang": "ru", "log": {"cases": 2, "events": 5},
...     "findings": [{"kind": "stuck_case", "key": "Счёт", "title": "…", "severity": "high",
...                   "metrics": {"stuck_cases": 1, "share_of_open": 0.5}}]})
>>> doc.log_summary.cases, doc.findings[0].metrics.share_of_open, doc.funnel is None
(2, 0.5, True)
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, Self, Union

from crmflow.errors import InputError
from crmflow.findings.evidence import EvidenceTable
from crmflow.findings.funnel import FunnelResult
from crmflow.findings.model import Finding, FindingMetrics
from crmflow.findings.sla import SlaResult
from crmflow.i18n import error
from crmflow.jsonable import to_jsonable
from crmflow.mining.dfg import DfgEdge
from crmflow.mining.statistics import ActivityStats, ResourceStats
from crmflow.mining.variants import Variant
from crmflow.quality.score import EntityScore
from crmflow.results.error_messages import ERRORS
from crmflow.results.sections import (
    BpmnSection,
    CaseDurations,
    CaseObjectSummary,
    HandoverSection,
    LogSummary,
    QuarantineSection,
    SourceSummary,
)

#: Sections whose field has another name than their ``audit.json`` key.
_FIELD_OF = {"input": "sources", "log": "log_summary"}
#: The order of the sections in ``audit.json``.
SECTIONS = (
    "crmflow_version",
    "generated_at",
    "lang",
    "input",
    "log",
    "dfg",
    "start_activities",
    "end_activities",
    "activities",
    "resources",
    "variants",
    "variants_total",
    "case_durations",
    "handover",
    "findings",
    "sla",
    "funnel",
    "quarantine",
    "bpmn",
    "rules",
    "warnings",
    "evidence",
    "quality",
    "objects",
)


@dataclass(frozen=True, eq=False)
class AuditDocument:
    """The audit of one log, section by section (field names are the ``audit.json`` keys).

    ``sources`` is ``audit.json``'s ``input.sources`` and ``log_summary`` its ``log``; ``quality`` (the
    data-quality summary, read by :func:`crmflow.quality.summary.quality_view`), and ``rules`` (the audit rules as
    applied) are kept as the documents they are; ``evidence`` says where every case behind every finding
    is listed (:class:`~crmflow.findings.evidence.EvidenceTable`); ``objects`` is the case-object summary of
    :func:`crmflow.audit_tables`; sections added later (``conformance``…) are kept in ``extra``.
    """

    crmflow_version: str = ""
    generated_at: str = ""
    lang: str = "en"
    sources: tuple[SourceSummary, ...] = ()
    log_summary: LogSummary = field(default_factory=LogSummary)
    dfg: tuple[DfgEdge, ...] = ()
    start_activities: Mapping[str, int] = field(default_factory=dict)
    end_activities: Mapping[str, int] = field(default_factory=dict)
    activities: tuple[ActivityStats, ...] = ()
    resources: tuple[ResourceStats, ...] = ()
    variants: tuple[Variant, ...] = ()
    variants_total: int | None = None
    case_durations: CaseDurations = field(default_factory=CaseDurations)
    handover: HandoverSection = field(default_factory=HandoverSection)
    findings: tuple[Finding, ...] = ()
    sla: tuple[SlaResult, ...] = ()
    funnel: FunnelResult | None = None
    quarantine: QuarantineSection = field(default_factory=QuarantineSection)
    bpmn: BpmnSection | None = None
    rules: Mapping[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    #: Where the complete evidence is (the store table, rows per finding, ``findings.csv``), or None.
    evidence: EvidenceTable | None = None
    quality: Mapping[str, Any] | None = None
    objects: CaseObjectSummary | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: Which sections the document holds (``to_json`` writes these, in :data:`SECTIONS` order).
    present: frozenset[str] = frozenset(SECTIONS)

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> Self:
        """Read an audit back typed: an audit folder, an ``audit.json`` path, or the parsed document.

        Raises
        ------
        InputError
            When the file is missing or is not a JSON object (the message names the file).
        """
        doc = _load(source) if isinstance(source, str | Path) else source
        if not isinstance(doc, Mapping):
            raise error(InputError, ERRORS, "audit.audit_document_json_object", kind=type(doc).__name__)
        values: dict[str, Any] = {}
        hints = _hints(cls)  # type: ignore[arg-type]  # a class is hashable
        for name in SECTIONS:
            key = _FIELD_OF.get(name, name)
            if name not in doc or key not in hints:
                continue
            raw = doc[name]
            if name == "input":
                raw = (raw or {}).get("sources") or [] if isinstance(raw, Mapping) else []
            values[key] = revive(hints[key], raw)
        values["extra"] = {k: v for k, v in doc.items() if k not in SECTIONS}
        values["present"] = frozenset(k for k in SECTIONS if k in doc)
        return cls(**values)

    # ------------------------------------------------------------------ writing
    def to_json(self) -> dict[str, Any]:
        """The ``audit.json`` document (plain JSON values, sections in :data:`SECTIONS` order)."""
        out: dict[str, Any] = {}
        for name in SECTIONS:
            if name not in self.present:
                continue
            value = to_jsonable(getattr(self, _FIELD_OF.get(name, name)))
            out[name] = {"sources": value} if name == "input" else value
        out.update(to_jsonable(dict(self.extra)))
        return out

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_json` to ``path`` (UTF-8, Cyrillic kept readable)."""
        target = Path(path)
        target.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        return target

    # ------------------------------------------------------------------ views
    @property
    def has_log(self) -> bool:
        """Whether the document holds an event-log audit (not only sections added beside it)."""
        return "log" in self.present

    def activity(self, name: str) -> ActivityStats | None:
        """The statistics of one activity, or None."""
        return next((a for a in self.activities if a.activity == name), None)

    def funnel_stage(self, name: str) -> Any:
        """The funnel row (:class:`~crmflow.findings.funnel.FunnelStage`) of a stage, or None."""
        stages = self.funnel.stages if self.funnel is not None else ()
        return next((s for s in stages if s.stage == name), None)

    def findings_of(self, kind: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == kind)


def _load(source: str | Path) -> Any:
    path = Path(source)
    if path.is_dir():
        path = path / "audit.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(InputError, ERRORS, "audit.no_audit_document_there", path=path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(InputError, ERRORS, "audit.cannot_read_audit_document", path=path, exc=exc) from exc


# ---------------------------------------------------------------------- reviving typed values from JSON
#: JSON names that differ from the field names, per type.
_RENAMES: dict[type, dict[str, str]] = {
    SlaResult: {"from": "from_activity", "to": "to_activity"},
    EntityScore: {"failing_records": "failing"},
}


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def revive(tp: Any, value: Any) -> Any:
    """Turn a JSON value back into the typed value ``tp`` describes (dataclasses, tuples, optionals).

    Missing fields of a dataclass take their default, or an empty value of their type; keys that
    are no field are dropped (a finding's metrics keep theirs: see ``FindingMetrics``).

    >>> revive(tuple[DfgEdge, ...], [{"source": "A", "target": "B", "count": 2, "cases": 2}])[0].count
    2
    """
    if tp is Any or value is None and _optional(tp):
        return value
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return revive(args[0], value) if len(args) == 1 else value
    if origin is Literal:
        return value
    if tp is FindingMetrics:  # keeps every metric written, in the written order
        return FindingMetrics.of(value or {})
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return tuple(revive(item, v) for v in value or ())
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        key_value = typing.get_args(tp)
        if key_value and key_value[0] is int:  # JSON writes integer keys as strings: {"1": 12} -> {1: 12}
            return {int(k): revive(key_value[1], v) for k, v in (value or {}).items()}
        return dict(value or {})
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _revive_dataclass(tp, value or {})
    if tp is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType) and type(None) in typing.get_args(tp)


def _revive_dataclass(cls: type, data: Mapping[str, Any]) -> Any:
    renames = _RENAMES.get(cls, {})
    data = {renames.get(k, k): v for k, v in data.items()}
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = revive(hints[f.name], data[f.name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs[f.name] = _empty(hints[f.name])
    return cls(**kwargs)


def _empty(tp: Any) -> Any:
    """The value a missing field takes: None when optional, else the empty value of its type."""
    if _optional(tp) or tp is Any:
        return None
    origin = typing.get_origin(tp) or tp
    empties: dict[Any, Any] = {tuple: (), dict: {}, Mapping: {}, int: 0, float: 0.0, str: "", bool: False}
    if origin in empties:
        return empties[origin]
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _revive_dataclass(tp, {})
    return None


__all__ = ["SECTIONS", "AuditDocument", "revive"]
