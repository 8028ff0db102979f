"""The one registry of finding kinds: what each kind is called, how it is graded and who uses it.

``docs/audit.schema.json`` (its ``finding.kind`` enum), the audit report (the order of its groups and
their headings), the pack (roadmap effort, the short kinds a To-Be may write in ``findings_addressed``)
and the As-Is BPMN (which kinds flag a task) take their lists from :data:`KINDS`; a test checks the
schema's enum against it and the :data:`~crmflow.findings.model.FindingKind` literal.

>>> [k.kind for k in KINDS][:3]
['bottleneck', 'stuck_case', 'sla_violation']
>>> kind_info("sla").kind, kind_info("sla_violation").label("ru")
('sla_violation', 'Нарушения SLA')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crmflow.errors import InputError
from crmflow.findings.error_messages import ERRORS
from crmflow.findings.messages import MESSAGES
from crmflow.i18n import error, text

#: The deliverables and views that read findings (``report`` is ``report.html``; the others are pack parts).
Deliverable = Literal["report", "asis_bpmn", "comparison", "roadmap", "journey", "kpi", "sla", "backlog"]


@dataclass(frozen=True)
class KindInfo:
    """One finding kind.

    Attributes
    ----------
    kind
        The name in ``audit.json`` (``Finding.kind``).
    severity_rule
        How its severity is graded (the detector applies it; documented here once).
    effort
        Effort of fixing a finding of this kind before automation, 1 (a setting) to 5 (a project):
        the roadmap's scoring.
    aliases
        Short names a To-Be may write in ``findings_addressed`` (``workload:Переговоры``).
    deliverables
        Where findings of this kind appear.
    reach_metric
        The metric that says how much of the process a finding touches (the roadmap's reach).
    """

    kind: str
    severity_rule: str
    effort: int
    aliases: tuple[str, ...]
    deliverables: tuple[Deliverable, ...]
    reach_metric: str

    def label(self, lang: str) -> str:
        """The heading of the kind's group in the report (``Bottlenecks`` / ``Узкие места``)."""
        return text(MESSAGES, f"kind.{self.kind}", lang)


_ALL: tuple[Deliverable, ...] = ("report", "comparison", "roadmap", "journey", "backlog")

#: Every finding kind, in the order the report groups them.
KINDS: tuple[KindInfo, ...] = (
    KindInfo(
        "bottleneck",
        "share of all waiting time: high from 25 %, medium from 10 %",
        3,
        (),
        (*_ALL, "asis_bpmn"),
        "share_of_waiting",
    ),
    KindInfo(
        "stuck_case",
        "share of cases stuck: high from 20 %, medium from 5 % (findings.rules.grade)",
        1,
        ("stuck",),
        (*_ALL, "kpi"),
        "share_of_open",
    ),
    KindInfo(
        "sla_violation",
        "share of checked cases that broke the SLA: high from 20 %, medium from 5 % (findings.rules.grade)",
        2,
        ("sla",),
        (*_ALL, "sla"),
        "violation_rate",
    ),
    KindInfo(
        "funnel_drop",
        "share of the stage's cases lost before the next stage: high from 50 %, medium from 20 %",
        4,
        ("funnel",),
        _ALL,
        "drop_rate",
    ),
    KindInfo(
        "rework",
        "share of cases affected: high from 20 %, medium from 5 % (findings.rules.grade)",
        3,
        (),
        (*_ALL, "asis_bpmn", "kpi"),
        "share_of_cases",
    ),
    KindInfo(
        "ping_pong",
        "share of cases affected: high from 20 %, medium from 5 % (findings.rules.grade)",
        2,
        ("pingpong",),
        _ALL,
        "share_of_cases",
    ),
    KindInfo(
        "workload_concentration",
        "strong: a person's share of an activity (in a role) is at least twice the fair share and at least "
        "25 %, or at least 80 %; common: the work occurs in at least 20 % of the cases; high when both "
        "hold, medium when one does, low otherwise",
        3,
        ("workload",),
        _ALL,
        "top_share",
    ),
    KindInfo(
        "workload_hero",
        "the person with the largest share of all work among those at least hero_ratio x their fair load: "
        "high from twice the fair load, medium below",
        3,
        ("hero",),
        _ALL,
        "share_of_all_work",
    ),
)

#: The kinds' names, in report order (the schema's ``finding.kind`` enum).
FINDING_KINDS: tuple[str, ...] = tuple(k.kind for k in KINDS)
_BY_NAME = {k.kind: k for k in KINDS} | {alias: k for k in KINDS for alias in k.aliases}


def kind_info(name: str) -> KindInfo:
    """The registry entry of a kind or of one of its short names (``sla``, ``workload``).

    Raises
    ------
    InputError
        For a name that is no finding kind; the message lists the kinds.
    """
    try:
        return _BY_NAME[name.strip()]
    except KeyError:
        raise error(
            InputError,
            ERRORS,
            "kinds.not_finding_kind_use",
            name=name,
            value=", ".join(FINDING_KINDS),
            value2=", ".join(sorted(a for k in KINDS for a in k.aliases)),
        ) from None


def severity_label(severity: str, lang: str) -> str:
    """A severity in words (``high`` → ``высокая``); an unknown value is returned as written.

    >>> severity_label("medium", "ru"), severity_label("high", "en")
    ('средняя', 'high')
    """
    key = f"severity.{severity}"
    return text(MESSAGES, key, lang) if key in MESSAGES else severity


def kind_label(kind: str, lang: str) -> str:
    """A finding kind in words (``sla_violation`` → ``Нарушения SLA``); an unknown kind is returned as written."""
    entry = _BY_NAME.get(kind.strip())
    return entry.label(lang) if entry else kind


def canonical_kind(name: str) -> str:
    """The kind a name or short name stands for; an unknown name is returned as written.

    >>> canonical_kind("workload"), canonical_kind("rework"), canonical_kind("other")
    ('workload_concentration', 'rework', 'other')
    """
    entry = _BY_NAME.get(name.strip())
    return entry.kind if entry else name.strip()


__all__ = [
    "FINDING_KINDS",
    "KINDS",
    "Deliverable",
    "KindInfo",
    "canonical_kind",
    "kind_info",
    "kind_label",
    "severity_label",
]
