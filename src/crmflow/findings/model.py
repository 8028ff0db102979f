"""A finding: one thing the audit measured that a consultant should look at.

Its metrics are typed (:class:`FindingMetrics`: one optional field per measured quantity, ``None`` when
the kind does not measure it) and still read as a mapping of the metrics the detector gave, in the
detector's order — which is how ``audit.json`` writes them:

>>> f = Finding(kind="rework", key="Счёт", title="…", severity="low", metrics={"activity": "Счёт", "cases": 3})
>>> f.metrics.cases, f.metrics["activity"], dict(f.metrics)
(3, 'Счёт', {'activity': 'Счёт', 'cases': 3})
>>> f.metrics.drop_rate is None
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from crmflow.jsonable import JsonMixin, to_jsonable

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
MetricValue = float | int | str | None

#: How many case ids a finding carries as evidence (the count is always exact).
EVIDENCE_LIMIT = 200

#: Metric names that are Python keywords, written with a trailing underscore as fields.
_FIELD_OF = {"from": "from_"}
_NAME_OF = {v: k for k, v in _FIELD_OF.items()}


@dataclass(frozen=True, eq=False)
class FindingMetrics(Mapping[str, MetricValue]):
    """The measured values of a finding, typed.

    A new metric is a new optional field here; until it is one, a detector's other metrics are kept in
    ``extra`` (they are written to ``audit.json`` all the same). As a mapping it holds exactly the
    metrics the detector gave (``from`` for the field ``from_``), in the detector's order.
    """

    # what the finding is about
    level: str | None = None  # "transition" | "activity" (bottleneck), "activity" | "role" (ping-pong)
    type: str | None = None  # "repeat" | "stage_return" (rework)
    source: str | None = None
    target: str | None = None
    activity: str | None = None
    a: str | None = None
    b: str | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    stage: str | None = None
    next_stage: str | None = None
    rule: str | None = None
    from_: str | None = None
    to: str | None = None
    time: str | None = None
    top_resource: str | None = None
    resource: str | None = None  # the person (workload_hero)
    role: str | None = None  # the role of the work (workload_concentration) or of the person (workload_hero)
    # counts
    count: int | None = None
    cases: int | None = None
    events: int | None = None
    resources: int | None = None
    bounces: int | None = None
    pairs: int | None = None  # pairs of resources or roles bouncing work (ping-pong)
    pairs_shown: int | None = None  # of them, the pairs in the finding's table (ping-pong)
    top_pair_cases: int | None = None  # the cases of the most frequent pair (ping-pong)
    returns: int | None = None
    extra_executions: int | None = None
    max_executions: int | None = None
    cases_with_activity: int | None = None
    stuck_cases: int | None = None
    open_cases: int | None = None
    cases_checked: int | None = None
    violations: int | None = None
    late: int | None = None
    open_breaches: int | None = None
    reached: int | None = None
    converted: int | None = None
    lost: int | None = None
    bus_factor: int | None = None
    regular_resources: int | None = None
    people: int | None = None
    role_people: int | None = None
    events_total: int | None = None
    cases_worked: int | None = None
    still_open: int | None = None
    closed_breaches: int | None = None
    closed_cases: int | None = None
    cases_continuing_after_closing: int | None = None
    # shares (0..1)
    share_of_waiting: float | None = None
    share_of_cases: float | None = None
    share_of_cases_with_activity: float | None = None
    share_of_open: float | None = None
    share_of_start_lost: float | None = None
    top_share: float | None = None
    compliance: float | None = None
    violation_rate: float | None = None
    drop_rate: float | None = None
    fair_share: float | None = None
    share_of_all_work: float | None = None
    fair_share_of_all_work: float | None = None
    role_share: float | None = None
    role_fair_share: float | None = None
    # ratios and concentration indices
    share_to_fair: float | None = None
    gini: float | None = None
    hhi: float | None = None
    # durations (seconds)
    mean_wait_s: float | None = None
    median_wait_s: float | None = None
    max_wait_s: float | None = None
    total_wait_s: float | None = None
    within_s: float | None = None
    median_s: float | None = None
    max_s: float | None = None
    stuck_after_s: float | None = None
    mean_idle_s: float | None = None
    median_idle_s: float | None = None
    max_idle_s: float | None = None
    median_age_s: float | None = None
    working_day_s: float | None = None  # the working day of an SLA counted in working time
    #: Metrics without a field of their own yet.
    extra: Mapping[str, MetricValue] = field(default_factory=dict)
    #: The metric names the detector gave, in its order (what the mapping holds).
    given: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> FindingMetrics:
        """Typed metrics from a detector's (or ``audit.json``'s) name → value mapping.

        >>> FindingMetrics.of({"from": "A", "late": 2, "new_metric": 0.5}).from_
        'A'
        >>> FindingMetrics.of({"new_metric": 0.5})["new_metric"]
        0.5
        """
        if isinstance(values, FindingMetrics):
            return values
        known = {f.name for f in dataclasses.fields(cls)} - {"extra", "given"}
        typed: dict[str, Any] = {}
        extra: dict[str, MetricValue] = {}
        for name, value in values.items():
            attr = _FIELD_OF.get(name, name)
            if attr in known:
                typed[attr] = value
            else:
                extra[name] = value
        return cls(**typed, extra=extra, given=tuple(values))

    def __getitem__(self, name: str) -> MetricValue:
        if name not in self.given:
            raise KeyError(name)
        if name in self.extra:
            return self.extra[name]
        value: MetricValue = getattr(self, _FIELD_OF.get(name, name))
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.given)

    def __len__(self) -> int:
        return len(self.given)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __hash__(self) -> int:
        return hash(tuple(self.items()))

    def to_dict(self) -> dict[str, Any]:
        """The metrics as ``audit.json`` writes them (detector's names and order)."""
        return {name: to_jsonable(self[name]) for name in self.given}


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

    def to_dict(self) -> dict[str, Any]:
        """The ``audit.json`` layout; ``full_list``/``full_list_rows`` only when the audit recorded the full list.

        >>> Evidence(case_count=1).to_dict()
        {'case_ids': [], 'case_count': 1, 'resources': [], 'activities': [], 'rows': []}
        """
        out = {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
        for name in ("full_list", "full_list_rows"):
            if out[name] is None:
                del out[name]
        return out


@dataclass(frozen=True, init=False)
class Finding(JsonMixin):
    """One measured problem: kind, title, severity, metric values and evidence.

    ``title`` and ``description`` are in the audit's language; ``key`` identifies the subject
    (e.g. ``"A -> B"``) independently of the language. ``metrics`` may be given as a plain mapping
    (detectors do); it is kept as :class:`FindingMetrics`.
    """

    kind: FindingKind
    key: str
    title: str
    severity: Severity
    metrics: FindingMetrics
    evidence: Evidence
    description: str

    def __init__(
        self,
        kind: FindingKind,
        key: str,
        title: str,
        severity: Severity,
        metrics: Mapping[str, Any] | None = None,
        evidence: Evidence | None = None,
        description: str = "",
    ) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "metrics", FindingMetrics.of(metrics or {}))
        object.__setattr__(self, "evidence", evidence if evidence is not None else Evidence())
        object.__setattr__(self, "description", description)
