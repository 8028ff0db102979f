"""SLA policy and checklists: every SLA with its target, escalation chain and the As-Is compliance.

The As-Is compliance is taken from the audit's SLA results when an audit rule has the SLA's id
(``first_contact`` and ``first-contact`` are the same id).
"""

from __future__ import annotations

import re
from typing import Any

from crmflow.base.numbers import DAY_WORDS, format_duration, format_number, format_percent
from crmflow.deliverables.audit_input import AuditInput
from crmflow.deliverables.document import BulletList, Paragraph, Section, Table
from crmflow.deliverables.messages import t
from crmflow.design.expression_words import described, value_words
from crmflow.design.model import EscalationAction, Sla, TimeSpan, ToBeDefinition
from crmflow.findings.sla import SlaResult
from crmflow.i18n import plural


def norm_id(value: str) -> str:
    """Ids compared loosely: case, ``-`` and ``_`` do not matter."""
    return value.lower().replace("-", "_").strip()


_SPAN = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([smhdw])\s*$")
_SPAN_UNITS = {
    "en": {"s": "s", "m": "min", "h": "h"},
    "ru": {"s": "с", "m": "мин", "h": "ч"},
}
#: Weeks of a duration, per basis (days: :data:`crmflow.base.numbers.DAY_WORDS`).
_WEEK_WORDS = {
    "calendar": {"ru": "неделя|недели|недель|недели", "en": "week|weeks"},
    "working": {"ru": "рабочая неделя|рабочие недели|рабочих недель|рабочей недели", "en": "working week|working weeks"},
}


def span_text(span: TimeSpan, lang: str) -> str:
    """A duration as written, with a readable unit (``10m`` → ``10 мин``); days and weeks say whether
    they are working or calendar ones (``1d`` → ``1 рабочий день``); other forms are kept.

    >>> from crmflow.design.model import TimeSpan
    >>> two = TimeSpan(text="2d", seconds=72_000, iso="P2D")
    >>> span_text(two, "ru"), span_text(TimeSpan(text="3d", seconds=259_200, iso="P3D", basis="calendar"), "en")
    ('2\xa0рабочих\xa0дня', '3\xa0calendar\xa0days')
    """
    m = _SPAN.match(span.text)
    if not m:
        return span.text
    lang = "ru" if lang == "ru" else "en"
    value, unit = float(m.group(1).replace(",", ".")), m.group(2)
    shown = format_number(value, lang, digits=0 if value.is_integer() else 1)
    if unit in ("d", "w"):
        words = (DAY_WORDS if unit == "d" else _WEEK_WORDS)[span.basis][lang]
        return f"{shown}\u00a0{plural(value, lang, words).replace(' ', chr(0xA0))}"
    return f"{shown}\u00a0{_SPAN_UNITS[lang][unit]}"


def after_text(span: TimeSpan, lang: str) -> str:
    """When an escalation level runs, as a phrase: ``через 2 ч`` / ``after 2 h``; ``сразу`` / ``at once`` for zero."""
    m = _SPAN.match(span.text)
    if m and float(m.group(1).replace(",", ".")) == 0:
        return t("span.at_once", lang)
    return t("span.after", lang, span=span_text(span, lang))


def same_id(a: str, b: str) -> bool:
    """Loose id match: equal, or one is the other followed by ``_…`` (``first_contact`` ~ ``first-contact-10m``)."""
    x, y = norm_id(a), norm_id(b)
    return bool(x and y) and (x == y or x.startswith(y + "_") or y.startswith(x + "_"))


def action_text(action: EscalationAction, tobe: ToBeDefinition, lang: str) -> str:
    """One escalation action in words (``notify: Head of sales``)."""
    role = tobe.party_name(action.role, lang) if action.role else ""
    step = ""
    if action.step:
        for _p, s in tobe.steps():
            if s.id == action.step:
                step = s.name.get(lang)
        step = step or action.step
    words = t(
        f"action.{action.kind}",
        lang,
        role=role or t("action.same_role", lang),
        status=value_words(action.status, lang) if action.status else "",
        step=step,
    )
    note = action.note.get(lang)
    return f"{words} ({note})" if note else words


def sla_target(sla: Sla, lang: str) -> str:
    return t("sla.target", lang, within=span_text(sla.within, lang), basis=t(f"basis.{sla.within.basis}", lang))


def audit_sla(audit: AuditInput | None, sla: Sla) -> SlaResult | None:
    """The audit's result for the same SLA rule, or None."""
    if audit is None:
        return None
    results = audit.sla_results()
    exact = next((r for r in results if norm_id(r.name) == norm_id(sla.id)), None)
    return exact or next((r for r in results if same_id(r.name, sla.id)), None)


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _hours_of(value: Any) -> str:
    """``09:00–19:00`` from the rules' ``"09:00-19:00"`` (or a ``(start_s, end_s)`` pair)."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{_hhmm(int(value[0]))}–{_hhmm(int(value[1]))}"
    parts = re.findall(r"(\d{1,2}):(\d{2})", str(value))
    return "–".join(f"{int(h):02d}:{m}" for h, m in parts) if len(parts) == 2 else str(value)


def _days_of(value: Any) -> str:
    days = [_DAY_NAMES[d] if isinstance(d, int) and 0 <= d < 7 else str(d).lower()[:3] for d in value or ()]
    return ", ".join(d for d in _DAY_NAMES if d in days)


def calendar_differences(tobe: ToBeDefinition, audit: AuditInput | None) -> list[tuple[str, str, str]]:
    """Where the To-Be's working calendar differs from the one the audit measured in: (what, To-Be, audit).

    ``what`` is ``timezone``, ``hours``, ``weekdays`` or ``holidays``; empty when they agree or the audit
    does not record its calendar (an audit without rules).
    """
    rules = audit.audit.rules if audit is not None else None
    measured = rules.get("calendar") if rules is not None else None
    if not measured:
        return []
    cal = tobe.calendar
    pairs = (
        ("timezone", cal.timezone, str(measured.get("timezone") or "")),
        ("hours", _hours_of(cal.working_hours), _hours_of(measured.get("working_hours"))),
        ("weekdays", _days_of(cal.weekdays), _days_of(measured.get("weekdays"))),
        ("holidays", cal.holidays or "—", str(measured.get("holidays") or "—")),
    )
    return [(what, mine, theirs) for what, mine, theirs in pairs if theirs and mine != theirs]


def calendar_warning(tobe: ToBeDefinition, audit: AuditInput | None, lang: str) -> str | None:
    """The sentence saying how the To-Be's calendar differs from the audit's, or None when they agree."""
    diffs = calendar_differences(tobe, audit)
    if not diffs:
        return None
    items = "; ".join(t("cal.diff", lang, what=t(f"cal.{what}", lang), tobe=a, audit=b) for what, a, b in diffs)
    return t("cal.differs", lang, diffs=items)


def build_sla_policy(tobe: ToBeDefinition, audit: AuditInput | None = None, *, lang: str) -> Section:
    """The SLA policy (targets, escalation chains, As-Is compliance) and the checklists of the steps."""
    rows = []
    chains: list[Any] = []
    n_sla = 0
    for _process, step in tobe.steps():
        for sla in step.slas:
            n_sla += 1
            measured = audit_sla(audit, sla)
            baseline = (
                t(
                    "sla.baseline",
                    lang,
                    compliance=format_percent(measured.compliance, lang),
                    cases=measured.cases_checked,
                    median=format_duration(
                        measured.median_s,
                        lang,
                        basis="working" if measured.time == "working" else "calendar",
                        day_s=measured.working_day_s,
                    ),
                )
                if measured
                else "—"
            )
            rows.append(
                (
                    step.name.get(lang),
                    sla.name.get(lang) or sla.id,
                    sla_target(sla, lang),
                    sla.applies_when or t("sla.always", lang),
                    str(len(sla.escalations)),
                    baseline,
                )
            )
            levels = []
            for i, level in enumerate(sla.escalations, start=1):
                acts = "; ".join(action_text(a, tobe, lang) for a in level.actions)
                levels.append(
                    t(
                        "sla.level",
                        lang,
                        n=i,
                        after=after_text(level.after, lang),
                        basis=t(f"basis.{level.after.basis}", lang),
                        actions=acts,
                    )
                )
            inner: list[Any] = [Paragraph(t("sla.chain_intro", lang, step=step.name.get(lang), target=sla_target(sla, lang)))]
            if levels:
                inner.append(BulletList(tuple(levels), ordered=True))
            if sla.resolved_when:
                inner.append(Paragraph(t("sla.resolved_when", lang, expr=described(sla.resolved_when, lang)), style="note"))
            chains.append(Section(title=sla.name.get(lang) or sla.id, blocks=tuple(inner)))
    cal = tobe.calendar
    hours = (
        f"{cal.working_hours[0] // 3600:02d}:{cal.working_hours[0] % 3600 // 60:02d}–"
        f"{cal.working_hours[1] // 3600:02d}:{cal.working_hours[1] % 3600 // 60:02d}"
    )
    blocks: list[Any] = [
        Paragraph(
            t("sla.intro", lang, n=n_sla, tz=cal.timezone, hours=hours, days=len(cal.weekdays), holidays=cal.holidays or "—")
        ),
        *([Paragraph(warning, style="note")] if (warning := calendar_warning(tobe, audit, lang)) else []),
        Table(
            header=(
                t("col.step", lang),
                t("col.sla", lang),
                t("col.target", lang),
                t("col.applies", lang),
                t("col.levels", lang),
                t("col.asis_baseline", lang),
            ),
            rows=tuple(rows),
            caption=t("sla.caption", lang),
        ),
        *chains,
    ]
    checklists: list[Any] = []
    for _process, step in tobe.steps():
        if step.checklist:
            checklists += [
                Section(title=step.name.get(lang), blocks=(BulletList(tuple("☐ " + c.get(lang) for c in step.checklist)),))
            ]
    if checklists:
        blocks.append(Section(title=t("sla.checklists", lang), blocks=tuple(checklists)))
    return Section(title=t("sla.title", lang), blocks=tuple(blocks), key="sla")


__all__ = [
    "action_text",
    "audit_sla",
    "build_sla_policy",
    "calendar_differences",
    "calendar_warning",
    "norm_id",
    "same_id",
    "sla_target",
    "span_text",
]
