"""A finding's title and description, written from its typed metrics in any language.

The detectors measure; this module words. Each finding kind has one wording function that reads the
finding's :class:`~crmflow.findings.model.FindingMetrics` (and its key and evidence) and returns the
catalogue keys and values of its title and description, so the same finding reads in Russian or
English whatever language the audit ran in: the detectors word their findings through
:func:`worded`, and the pack and the report re-word findings read from ``audit.json`` in their own
language (``crmflow pack --lang ru`` on an English audit).

>>> from crmflow.findings.model import Finding
>>> f = Finding(kind="rework", key="Счёт", title="“Счёт” is repeated in 3 cases", severity="low",
...     metrics={"type": "repeat", "activity": "Счёт", "cases": 3, "extra_executions": 4,
...              "max_executions": 3, "share_of_cases_with_activity": 0.25})
>>> finding_title(f, "ru")
'«Счёт» повторяется в 3 случаях (лишних выполнений: 4)'
>>> worded(f, "en").description
'25% of the cases with this activity do it more than once; up to 3 times in one case.'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from crmflow.base.numbers import Basis
from crmflow.findings.messages import MESSAGES, fmt_duration, fmt_share
from crmflow.findings.model import Finding
from crmflow.i18n import text

#: What a wording function gives: the title's key, the description's key, the values of both.
Wording = tuple[str, str, dict[str, Any]]


def _int(value: Any) -> int:
    return int(value or 0)


def _quote(name: str, lang: str) -> str:
    return f"«{name}»" if lang == "ru" else f"“{name}”"


def _bottleneck(f: Finding, lang: str) -> Wording:
    m = f.metrics
    level = m.level or ("transition" if m.source is not None else "activity")
    words = {
        "source": m.source,
        "target": m.target,
        "mean": fmt_duration(m.mean_wait_s, lang),
        "share": fmt_share(m.share_of_waiting, lang),
        "median": fmt_duration(m.median_wait_s, lang),
        "p90": fmt_duration(m.get("p90_wait_s"), lang),  # type: ignore[arg-type]
        "total": fmt_duration(m.total_wait_s, lang),
        "count": _int(m.count),
        "cases": _int(m.cases),
    }
    return f"bottleneck.{level}.title", f"bottleneck.{level}.description", words


def _rework(f: Finding, lang: str) -> Wording:
    m = f.metrics
    if m.type == "stage_return":
        words: dict[str, Any] = {"source": m.from_stage, "target": m.to_stage, "cases": _int(m.cases), "returns": _int(m.returns)}
        return "rework.stage_return.title", "rework.stage_return.description", words
    words = {
        "activity": m.activity,
        "cases": _int(m.cases),
        "extra": _int(m.extra_executions),
        "max": _int(m.max_executions),
        "share": fmt_share(m.share_of_cases_with_activity, lang),
    }
    return "rework.repeat.title", "rework.repeat.description", words


def _ping_pong(f: Finding, lang: str) -> Wording:
    m = f.metrics
    level = m.level or "resource"
    words = {
        "cases": _int(m.cases),
        "bounces": _int(m.bounces),
        "pairs": _int(m.pairs),
        "shown": _int(m.pairs_shown),
        "x": m.a,
        "y": m.b,
        "top_cases": _int(m.top_pair_cases),
    }
    key = "one" if m.pairs == 1 else "many"
    return f"ping_pong.{level}.title.{key}", f"ping_pong.description.{key}", words


def _workload(f: Finding, lang: str) -> Wording:
    m = f.metrics
    words = {
        "activity": f.key,
        "share": fmt_share(m.top_share, lang),
        "fair": fmt_share(m.fair_share, lang),
        "ratio": float(m.share_to_fair or 0),
        "resource": m.top_resource,
        "bus": _int(m.bus_factor),
        "events": _int(m.events),
        "resources": _int(m.resources),
        "regular": _int(m.regular_resources),
    }
    return "workload.title", "workload.description", words


def _hero(f: Finding, lang: str) -> Wording:
    m = f.metrics
    words = {
        "resource": m.resource or f.key,
        "share": fmt_share(m.share_of_all_work, lang),
        "fair": fmt_share(m.fair_share_of_all_work, lang),
        "ratio": float(m.share_to_fair or 0),
        "events": _int(m.events),
        "total": _int(m.events_total),
        "people": _int(m.people),
        "activities": ", ".join(_quote(a, lang) for a in f.evidence.activities[:3]),
    }
    return "hero.title", "hero.description", words


def _stuck(f: Finding, lang: str) -> Wording:
    m = f.metrics
    words = {
        "count": _int(m.stuck_cases),
        "after": fmt_duration(m.stuck_after_s, lang),
        "share": fmt_share(m.share_of_open, lang),
        "median": fmt_duration(m.median_idle_s, lang),
        "max": fmt_duration(m.max_idle_s, lang),
        "activity": f.evidence.activities[0] if f.evidence.activities else "—",
    }
    return "stuck.title", "stuck.description", words


def _sla(f: Finding, lang: str) -> Wording:
    m = f.metrics
    basis: Basis = "working" if m.time == "working" else "calendar"

    def dur(seconds: float | None) -> str:  # the SLA's own time: working days of its calendar
        return fmt_duration(seconds, lang, basis=basis, day_s=m.working_day_s)

    words = {
        "name": m.rule or f.key,
        "violations": _int(m.violations),
        "checked": _int(m.cases_checked),
        "rate": fmt_share(m.violation_rate, lang),
        "source": m.from_,
        "target": m.to,
        "within": dur(m.within_s),
        "basis": text(MESSAGES, f"sla.basis.{m.time or 'calendar'}", lang),
        "late": _int(m.late),
        "open": _int(m.open_breaches),
        "median": dur(m.median_s),
        "p90": dur(m.get("p90_s")),  # type: ignore[arg-type]
    }
    return "sla.title", "sla.description", words


def _funnel(f: Finding, lang: str) -> Wording:
    m = f.metrics
    reached, converted = _int(m.reached), _int(m.converted)
    words = {
        "stage": m.stage,
        "next": m.next_stage,
        "lost": _int(m.lost),
        "open": _int(m.still_open),
        "rate": fmt_share(m.drop_rate, lang),
        "reached": reached,
        "converted": converted,
        "conversion": fmt_share(converted / reached if reached else None, lang),
    }
    return "funnel.title", "funnel.description", words


#: One wording per finding kind (a test checks it against :data:`crmflow.findings.kinds.KINDS`).
WORDINGS: dict[str, Callable[[Finding, str], Wording]] = {
    "bottleneck": _bottleneck,
    "stuck_case": _stuck,
    "sla_violation": _sla,
    "funnel_drop": _funnel,
    "rework": _rework,
    "ping_pong": _ping_pong,
    "workload_concentration": _workload,
    "workload_hero": _hero,
}


def _texts(f: Finding, lang: str) -> tuple[str, str] | None:
    wording = WORDINGS.get(f.kind)
    if wording is None:
        return None
    title_key, description_key, words = wording(f, lang)
    description = text(MESSAGES, description_key, lang, **words)
    m = f.metrics
    if f.kind == "workload_hero" and m.role and m.role_share is not None and m.role_fair_share is not None:
        role = {"role": m.role, "resource": words["resource"], "people": _int(m.role_people)}
        role |= {"share": fmt_share(m.role_share, lang), "fair": fmt_share(m.role_fair_share, lang)}
        description += " " + text(MESSAGES, "hero.role", lang, **role)
    return text(MESSAGES, title_key, lang, **words), description


def finding_title(f: Finding, lang: str) -> str:
    """The finding's title in ``lang``, from its metrics (the stored title for a kind without wording)."""
    texts = _texts(f, lang)
    return texts[0] if texts else f.title


def finding_description(f: Finding, lang: str) -> str:
    """The finding's description in ``lang``, from its metrics."""
    texts = _texts(f, lang)
    return texts[1] if texts else f.description


def worded(f: Finding, lang: str) -> Finding:
    """The finding with its title and description written in ``lang`` from its metrics."""
    texts = _texts(f, lang)
    if texts is None:
        return f
    return dataclasses.replace(f, title=texts[0], description=texts[1])


__all__ = ["WORDINGS", "finding_description", "finding_title", "worded"]
