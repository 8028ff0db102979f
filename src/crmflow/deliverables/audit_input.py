"""The As-Is side of the pack: an audit folder (``audit.json``, ``asis.bpmn``, optional ``quality.json``).

The deliverables read the audit through :class:`AuditInput` only — the typed audit
(:class:`~crmflow.results.audit.AuditDocument`): its findings, the measured
waiting times per activity, the funnel and the SLA results, and which findings a To-Be step's
``findings_addressed`` (``kind:subject``) and ``as_is`` activity names refer to.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmflow.deliverables.error_messages import ERRORS
from crmflow.errors import PackError
from crmflow.findings.funnel import FunnelStage
from crmflow.findings.kinds import FINDING_KINDS, KINDS, canonical_kind
from crmflow.findings.model import Finding
from crmflow.findings.sla import SlaResult
from crmflow.findings.wording import worded
from crmflow.i18n import error
from crmflow.mining.journey import CustomerJourney
from crmflow.mining.statistics import ActivityStats
from crmflow.quality.clusters import DuplicateCluster, quality_clusters
from crmflow.quality.score import EntityScore
from crmflow.results.audit import AuditDocument, revive

_TEXT: dict[str, dict[str, str]] = {
    "no_audit": {
        "en": "--audit {path}: no audit.json there; run `crmflow audit … --out DIR` first",
        "ru": "--audit {path}: там нет audit.json; сначала выполните `crmflow audit … --out ПАПКА`",
    },
    "no_audit_choose": {
        "en": "--audit {path}: no audit.json there; choose one of its audits: {audits}",
        "ru": "--audit {path}: там нет audit.json; выберите один из аудитов в этой папке: {audits}",
    },
    "bad_audit": {
        "en": "{path}: cannot read the audit document ({why}); write it again with `crmflow audit`",
        "ru": "{path}: не удаётся прочитать документ аудита ({why}); запишите его заново командой `crmflow audit`",
    },
    "not_audit": {
        "en": "{path}: not an audit document (missing {missing}); expected the output of `crmflow audit` "
        "(docs/audit.schema.json)",
        "ru": "{path}: это не документ аудита (нет: {missing}); ожидается результат `crmflow audit` (docs/audit.schema.json)",
    },
}

#: Short kinds a To-Be may write in ``findings_addressed`` (``workload:sales_manager``), from the registry.
KIND_ALIASES = {alias: k.kind for k in KINDS for alias in k.aliases}


@dataclass(frozen=True, eq=False)
class AuditInput:
    """A loaded As-Is audit.

    ``audit`` is the typed audit (:class:`~crmflow.results.audit.AuditDocument`, read from
    ``audit.json``; empty when only quality/journey results were given), ``asis_bpmn`` the discovered
    model's file (or None), ``quality`` the data-quality results (``quality.json``,
    :mod:`crmflow.quality`) and ``journey`` the customer journey (``journey.json``,
    :class:`crmflow.mining.journey.CustomerJourney`) when present.
    """

    folder: Path | None
    audit: AuditDocument = field(default_factory=lambda: AuditDocument(present=frozenset()))
    asis_bpmn: Path | None = None
    quality: dict[str, Any] | None = None
    journey: CustomerJourney | None = None

    def in_language(self, lang: str) -> AuditInput:
        """The same audit with every finding worded in ``lang`` from its metrics (the pack's language,
        whatever language the audit ran in)."""
        findings = tuple(worded(f, lang) for f in self.audit.findings)
        audit = dataclasses.replace(self.audit, findings=findings, lang=lang)
        return dataclasses.replace(self, audit=audit)

    @property
    def quality_scores(self) -> tuple[EntityScore, ...]:
        """The per-entity scores of ``quality.json`` (empty without quality results)."""
        scores: tuple[EntityScore, ...] = revive(tuple[EntityScore, ...], self.quality["scores"]) if self.quality else ()
        return scores

    def duplicate_clusters(self, lang: str) -> tuple[DuplicateCluster, ...]:
        """The duplicate clusters of every entity of ``quality.json``, worded in ``lang`` (empty without it)."""
        return quality_clusters(self.quality, lang=lang) if self.quality else ()

    @property
    def has_log(self) -> bool:
        """Whether there is an event-log audit (not only quality or journey results)."""
        return self.audit.has_log

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.audit.findings

    @property
    def name(self) -> str:
        names = [s.source for s in self.audit.sources if s.source]
        return ", ".join(names) or (self.folder.name if self.folder else "audit")

    def activity(self, name: str) -> ActivityStats | None:
        """The audit's statistics of one activity (events, cases, waiting times), or None."""
        return self.audit.activity(name)

    def funnel_stage(self, name: str) -> FunnelStage | None:
        """The funnel row of a stage (cases reaching it, conversion, lost here), or None."""
        found: FunnelStage | None = self.audit.funnel_stage(name)
        return found

    def sla_results(self) -> tuple[SlaResult, ...]:
        return self.audit.sla

    def findings_for(self, refs: tuple[str, ...], activities: tuple[str, ...] = ()) -> list[Finding]:
        """The findings a step refers to: by ``kind:subject`` references, else by its As-Is activities.

        A reference matches a finding of that kind whose key is the subject or names it (an
        activity, a transition end, a stage, a resource or an SLA rule); a bare kind (``rework``)
        matches every finding of the kind on the step's As-Is activities.
        """
        found: list[Finding] = []
        for f in self.findings:
            subjects = finding_subjects(f)
            hit = False
            for ref in refs:
                kind, _, subject = ref.partition(":")
                kind = canonical_kind(kind)
                subject = subject.strip()
                if kind != f.kind:
                    continue
                if subject and (subject == f.key or subject in subjects) or not subject and subjects & set(activities):
                    hit = True
            if hit and f not in found:
                found.append(f)
        return found


def finding_subjects(finding: Finding) -> set[str]:
    """What a finding is about: its key and the activities, stages, resources and rule it names."""
    m = finding.metrics
    named = (m.source, m.target, m.activity, m.stage, m.next_stage, m.from_, m.to, m.rule, m.a, m.b)
    out = {finding.key, *(str(v) for v in (*named, m.top_resource, m.from_stage, m.to_stage) if v)}
    out.update(str(a) for a in finding.evidence.activities)
    out.discard("")
    return out


#: Severities from the most to the least severe.
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
#: Findings named in one table cell; the rest are counted ("+ 5 more in the findings").
MAX_FINDINGS_SHOWN = 3
_MORE = {"en": "+ {n} more in the findings", "ru": "и ещё {n} в находках аудита"}


def by_severity(findings: Sequence[Finding]) -> list[Finding]:
    """Findings most severe first, keeping the audit's order within a severity."""
    return sorted(findings, key=lambda f: _SEVERITY_ORDER.get(f.severity, len(_SEVERITY_ORDER)))


def findings_cell(labels: tuple[str, ...] | list[str], lang: str) -> str:
    """At most :data:`MAX_FINDINGS_SHOWN` labels for one table cell, the rest counted.

    >>> findings_cell(["a", "b", "c", "d", "e"], "en")
    'a; b; c; + 2 more in the findings'
    """
    shown = "; ".join(labels[:MAX_FINDINGS_SHOWN])
    rest = len(labels) - MAX_FINDINGS_SHOWN
    if rest > 0:
        shown += "; " + (_MORE["ru"] if lang == "ru" else _MORE["en"]).format(n=rest)
    return shown or "—"


def load_audit(folder: str | Path) -> AuditInput:
    """Load an audit folder written by ``crmflow audit`` (``audit.json`` and, if present, ``asis.bpmn``).

    Parameters
    ----------
    folder
        The folder (or the ``audit.json`` file itself).

    Raises
    ------
    PackError
        When there is no ``audit.json`` (the message lists sub-folders that have one, e.g. the
        ``bitrix24`` and ``helpdesk`` folders of ``crmflow demo``) or it is not an audit document.
    """
    path = Path(folder)
    if path.is_file():
        path = path.parent
    audit_json = path / "audit.json"
    if not audit_json.exists():
        nested = sorted(p.parent.name for p in path.glob("*/audit.json")) if path.is_dir() else []
        if nested:
            raise error(PackError, _TEXT, "no_audit_choose", path=path, audits=", ".join(str(path / n) for n in nested))
        raise error(PackError, _TEXT, "no_audit", path=path)
    try:
        data = json.loads(audit_json.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(PackError, _TEXT, "bad_audit", path=audit_json, why=exc) from exc
    missing = [k for k in ("findings", "activities", "log") if k not in data] if isinstance(data, dict) else ["object"]
    if missing:
        raise error(PackError, _TEXT, "not_audit", path=audit_json, missing=", ".join(missing))
    bpmn = path / "asis.bpmn"
    return AuditInput(
        folder=path,
        audit=AuditDocument.from_json(data),
        asis_bpmn=bpmn if bpmn.exists() else None,
        quality=read_optional(path / "quality.json", required=("scores",)),
        journey=read_journey(path / "journey.json"),
    )


def read_optional(path: str | Path, *, required: tuple[str, ...]) -> dict[str, Any] | None:
    """A JSON result next to the audit (``quality.json``, ``journey.json``): None when absent.

    A folder means the file of that name inside it. Raises :class:`PackError` when the file
    exists but is not JSON or lacks the ``required`` keys.
    """
    file = Path(path)
    if not file.exists():
        return None
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(PackError, ERRORS, "audit_input.cannot_read_json", file=file, exc=exc) from exc
    missing = [k for k in required if not isinstance(doc, dict) or k not in doc]
    if missing or not isinstance(doc, dict):
        raise error(
            PackError,
            ERRORS,
            "audit_input.expected_keys_missing_write",
            file=file,
            value=", ".join(required),
            value2=", ".join(missing),
        )
    return doc


def read_journey(path: str | Path) -> CustomerJourney | None:
    """A measured customer journey (``journey.json`` of ``crmflow journey``), typed; None when absent."""
    doc = read_optional(path, required=("stages", "customers"))
    journey: CustomerJourney | None = revive(CustomerJourney, doc) if doc is not None else None
    return journey


def with_extras(
    audit: AuditInput | None, *, quality: str | Path | None = None, journey: str | Path | None = None
) -> AuditInput | None:
    """Add data-quality and customer-journey results given on their own (a file or the folder holding it)."""
    if quality is None and journey is None:
        return audit
    base = audit or AuditInput(folder=None)

    def locate(value: str | Path, name: str) -> Path:
        p = Path(value)
        p = p / name if p.is_dir() else p
        if not p.exists():
            raise error(PackError, ERRORS, "audit_input.no_there", value=value, name=name)
        return p

    q = read_optional(locate(quality, "quality.json"), required=("scores",)) if quality is not None else base.quality
    j = read_journey(locate(journey, "journey.json")) if journey is not None else base.journey
    return AuditInput(folder=base.folder, audit=base.audit, asis_bpmn=base.asis_bpmn, quality=q, journey=j)


__all__ = ["FINDING_KINDS", "KIND_ALIASES", "AuditInput", "finding_subjects", "load_audit", "read_optional", "with_extras"]
