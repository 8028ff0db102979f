"""A finding: one thing the audit measured that a consultant should look at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from crmflow.jsonable import JsonMixin

FindingKind = Literal[
    "bottleneck",
    "rework",
    "ping_pong",
    "workload_concentration",
    "workload_hero",
    "stuck_case",
    "sla_violation",
    "funnel_drop",
]
Severity = Literal["high", "medium", "low"]

#: How many case ids a finding carries as evidence (the count is always exact).
EVIDENCE_LIMIT = 200


@dataclass(frozen=True)
class Evidence(JsonMixin):
    """What lets a consultant open the cases behind a finding."""

    case_ids: tuple[str, ...] = ()
    case_count: int = 0
    resources: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()  # a small evidence table (column -> value)
    #: Where every case is listed with its values (``findings.csv``; see crmflow.findings.evidence).
    full_list: str | None = None
    #: Rows of this finding in the full list (one per case).
    full_list_rows: int | None = None


@dataclass(frozen=True)
class Finding(JsonMixin):
    """One measured problem: kind, title, severity, metric values and evidence.

    ``title`` and ``description`` are in the audit's language; ``key`` identifies the subject
    (e.g. ``"A -> B"``) independently of the language.
    """

    kind: FindingKind
    key: str
    title: str
    severity: Severity
    metrics: dict[str, float | int | str | None] = field(default_factory=dict)
    evidence: Evidence = field(default_factory=Evidence)
    description: str = ""
