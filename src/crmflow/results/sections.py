"""The typed sections of the audit document that have no type of their own in mining or findings.

The DFG edges, activity and resource statistics, variants, hand-overs, findings, SLA results and the
funnel are the types the stages return (:mod:`crmflow.mining`, :mod:`crmflow.findings`); the log
summary, the sources read, the case-duration histogram, the quarantine, the As-Is BPMN and the case
objects of an audit of CRM tables (:func:`crmflow.audit_tables`) are here.
Field names are the ``audit.json`` names (``docs/audit.schema.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crmflow.findings.sla import Histogram
from crmflow.jsonable import JsonMixin
from crmflow.mining.handover import Handover


@dataclass(frozen=True)
class SourceSummary(JsonMixin):
    """One source read into the log: counts, the column mapping (field → column) and what was detected."""

    source: str
    format: str
    rows_read: int
    parsed: int
    quarantined: int
    mapping: Mapping[str, str | None] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)  # encoding, delimiter, sheet, timestamp_format…


@dataclass(frozen=True)
class LogSummary(JsonMixin):
    """Headline numbers of the audited log (``start``/``end``: ISO 8601 timestamps of the first and last event)."""

    cases: int = 0
    events: int = 0
    activities: int = 0
    variants: int = 0
    resources: int = 0
    start: str | None = None
    end: str | None = None
    rows_read: int = 0
    quarantined: int = 0


@dataclass(frozen=True)
class CaseDurations(JsonMixin):
    """Case durations: statistics in seconds and a histogram (``histogram.edges_s``, ``histogram.counts``)."""

    cases: int = 0
    mean_s: float | None = None
    median_s: float | None = None
    p90_s: float | None = None
    min_s: float | None = None
    max_s: float | None = None
    histogram: Histogram = field(default_factory=lambda: Histogram(edges_s=(), counts=()))


@dataclass(frozen=True)
class HandoverSection(JsonMixin):
    """The hand-over networks between resources and between roles (at most 200 edges each)."""

    resource: tuple[Handover, ...] = ()
    role: tuple[Handover, ...] = ()


@dataclass(frozen=True)
class QuarantineReason(JsonMixin):
    """Quarantined rows counted by kind of problem and column, with the first row's full reason."""

    kind: str
    rows: int
    reason: str
    column_name: str | None = None
    label: str | None = None  # the kind in the audit's language


@dataclass(frozen=True)
class QuarantinedRow(JsonMixin):
    """One quarantined row of the sample."""

    source: str | None = None
    row_no: int | None = None
    line: int | None = None
    column_name: str | None = None
    value: Any = None
    reason: str | None = None
    kind: str | None = None
    raw: str | None = None


@dataclass(frozen=True)
class QuarantineSection(JsonMixin):
    """Rows that could not be read: the exact count, the reasons, a sample."""

    count: int = 0
    by_reason: tuple[QuarantineReason, ...] = ()
    sample: tuple[QuarantinedRow, ...] = ()


@dataclass(frozen=True)
class BpmnSection(JsonMixin):
    """The annotated As-Is BPMN: its XML (``asis.bpmn``), SVG drawing and lane names."""

    noise_threshold: float | None = None
    lanes: tuple[str, ...] = ()
    xml: str = ""
    svg: str = ""


@dataclass(frozen=True)
class SegmentRow(JsonMixin):
    """One value of the segment attribute: objects, cases and stage reach."""

    value: str
    objects: int
    cases: int
    without_events: int
    reached: tuple[int, ...]
    #: Objects reaching the last stage / all objects of the value (None without stages).
    conversion: float | None
    #: True for the row summing the values beyond ``crmflow.asis_objects.TOP_SEGMENTS``.
    other: bool = False


@dataclass(frozen=True)
class CaseObjectSummary(JsonMixin):
    """The case notion's objects: totals, the segment breakdown, reference checks, the tables' quarantine."""

    object_type: str
    role: str | None
    segment: str | None
    objects: int
    cases: int
    without_events: int
    stages: tuple[str, ...]
    reached: tuple[int, ...]
    segments: tuple[SegmentRow, ...]
    segments_total: int
    object_types: dict[str, int]
    counts: dict[str, int]
    references: tuple[dict[str, Any], ...]
    rows_read: int
    rows_without_id: int
    bad_timestamps: int
    quarantine: tuple[dict[str, Any], ...]


__all__ = [
    "BpmnSection",
    "CaseDurations",
    "CaseObjectSummary",
    "HandoverSection",
    "LogSummary",
    "QuarantineReason",
    "QuarantineSection",
    "QuarantinedRow",
    "SegmentRow",
    "SourceSummary",
]
