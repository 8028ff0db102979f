"""The quality summary the audit report includes (``audit.json`` → ``quality``).

``crmflow audit … --quality DIR/quality.json`` (or ``audit(…, quality=…)``) folds a
``quality.json`` document into the audit as a short summary: the score of every entity, the
primary entity's invalid/missing/duplicate counts, the consistency violations and whether each
reconciliation matched. :func:`quality_view` turns that summary into the rows the report shows, in
the report's language.

>>> s = quality_summary({"primary": "c", "entities": [], "validity": {}, "completeness": {"missing_ids": ["1"]},
...                      "duplicates": {"clusters": []}, "consistency": {}, "reconciliation": []})
>>> s["primary"]["missing"]
1
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crmflow.base.numbers import format_number, format_percent
from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.quality.error_messages import ERRORS
from crmflow.quality.messages import t

_CHECKS = ("phone", "email", "inn", "kpp", "ogrn", "date", "amount")


def load_quality_document(path: str | Path) -> dict[str, Any]:
    """Read a ``quality.json`` written by ``crmflow quality``."""
    p = Path(path)
    if p.is_dir():
        p = p / "quality.json"
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise error(InputError, ERRORS, "summary.cannot_read_quality_document", p=p, exc=exc) from exc
    if not isinstance(doc, dict) or "entities" not in doc:
        raise error(InputError, ERRORS, "summary.not_quality_json_document", p=p)
    return doc


def quality_summary(doc: dict[str, Any] | str | Path) -> dict[str, Any]:
    """The short summary of a quality document for ``audit.json`` (key ``quality``)."""
    d = doc if isinstance(doc, dict) else load_quality_document(doc)
    validity = d.get("validity") or {}
    cons = d.get("consistency") or {}
    return {
        "generated_at": d.get("generated_at"),
        "entities": [
            {
                "name": e.get("name"),
                "source": e.get("source"),
                "records": (e.get("score") or {}).get("records"),
                "failing_records": (e.get("score") or {}).get("failing_records"),
                "overall": (e.get("score") or {}).get("overall"),
                "dimensions": (e.get("score") or {}).get("dimensions") or {},
            }
            for e in d.get("entities") or []
        ],
        "primary": {
            "name": d.get("primary"),
            "invalid": {
                k: int(validity[k].get("invalid") or 0)
                for k in _CHECKS
                if isinstance(validity.get(k), dict) and validity[k].get("applicable")
            },
            "missing": len((d.get("completeness") or {}).get("missing_ids") or []),
            "duplicate_clusters": len((d.get("duplicates") or {}).get("clusters") or []),
        },
        "consistency": {
            "matrix_violations": sum(int(m.get("violations") or 0) for m in cons.get("matrices") or []),
            "reference_orphans": sum(int(r.get("orphans") or 0) for r in cons.get("references") or []),
            "sequence_violating_cases": sum(int(s.get("violating_cases") or 0) for s in cons.get("sequences") or []),
            "date_order_violations": sum(len(o.get("violation_ids") or []) for o in cons.get("date_order") or []),
        },
        "reconciliation": [
            {
                "name": r.get("name"),
                "matches": bool(r.get("matches")),
                "difference": r.get("difference"),
                "left_total": r.get("left_total"),
                "right_total": r.get("right_total"),
            }
            for r in d.get("reconciliation") or []
        ],
    }


def quality_view(summary: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """Localised labels and rows of the summary for the audit report (None without a summary)."""
    if not summary:
        return None
    dims = ("validity", "completeness", "uniqueness", "consistency")
    primary = summary.get("primary") or {}
    facts = [
        (t(f"kind.{k}", lang) + " — " + t("col.invalid", lang).lower(), format_number(v, lang))
        for k, v in (primary.get("invalid") or {}).items()
    ]
    facts.append(
        (
            t("section.completeness", lang) + " — " + t("col.missing", lang).lower(),
            format_number(primary.get("missing") or 0, lang),
        )
    )
    facts.append((t("section.duplicates", lang), format_number(primary.get("duplicate_clusters") or 0, lang)))
    c = summary.get("consistency") or {}
    for key, label in (
        ("matrix_violations", "sum.matrix"),
        ("reference_orphans", "sum.reference"),
        ("sequence_violating_cases", "sum.sequence"),
        ("date_order_violations", "sum.date_order"),
    ):
        if c.get(key):
            facts.append((t(label, lang), format_number(c[key], lang)))
    return {
        "title": t("title", lang),
        "formula": t("score_formula", lang),
        "headers": [t("col.entity", lang), t("col.records", lang), t("dim.overall", lang)] + [t(f"dim.{d}", lang) for d in dims],
        "rows": [
            [e.get("name") or "", format_number(e.get("records"), lang), format_percent(e.get("overall"), lang)]
            + [format_percent((e.get("dimensions") or {}).get(d), lang) for d in dims]
            for e in summary.get("entities") or []
        ],
        "facts_title": f"{primary.get('name') or ''}",
        "facts": facts,
        "reconciliation": [
            (r.get("name") or "", "✓" if r.get("matches") else "≠", format_number(r.get("difference"), lang, digits=2))
            for r in summary.get("reconciliation") or []
        ],
        "reconciliation_title": t("section.reconciliation", lang),
    }
