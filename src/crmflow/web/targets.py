"""The To-Be's KPI targets next to the values measured in the project's audit (the dashboard).

Each KPI of the project's To-Be (the modeler's model, derived by :func:`crmflow.design.from_bpmn.derive_tobe`)
is measured by the same code as the pack's KPI dashboard (:func:`crmflow.deliverables.kpi.baseline`):
its ``formula`` names a measure of the audit — ``sla_compliance(<sla>)``, ``conversion(<a> -> <b>)``,
``median_wait(<activity>)``, ``median_case_duration``, ``p90_case_duration``, ``rework_share(<activity>)``,
``stuck_share`` (read with a regular expression, never evaluated) — in the KPI's unit (``%`` for
shares, ``s``/``min``/``h``/``d`` for durations). A KPI that cannot be measured from the log (NPS from
telephony, a formula that is none of these, a stage the audit does not have) keeps ``measured`` None
and says why; none is dropped.

>>> measured_status(92.0, 90.0, "at_least"), measured_status(1.5, 1.0, "at_most"), measured_status(None, 1.0, "at_most")
('met', 'gap', None)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def measured_status(value: float | None, target: float, direction: str) -> str | None:
    """``met`` when the value is on the right side of the target (inclusive), ``gap`` otherwise."""
    if value is None:
        return None
    return "met" if (value >= target if direction == "at_least" else value <= target) else "gap"


def kpi_targets(xml: bytes, audit_dir: Path | None = None, *, lang: str = "en") -> list[dict[str, Any]]:
    """The To-Be's KPIs with target, direction, unit and formula, and — with an audit folder — the
    measured value, its status (``met``/``gap``), the difference to the target and how it was measured."""
    from crmflow.bpmn.reader import read_bpmn
    from crmflow.deliverables.audit_input import load_audit
    from crmflow.deliverables.kpi import baseline
    from crmflow.design.from_bpmn import derive_tobe

    d = derive_tobe(read_bpmn(xml)).definition
    audit = load_audit(audit_dir) if audit_dir is not None and (audit_dir / "audit.json").is_file() else None
    out = []
    for k in d.kpis:
        b = baseline(k, audit, lang)
        status = measured_status(b.value, k.target, k.direction)
        out.append(
            {
                "id": k.id,
                "name": {"ru": k.name.ru, "en": k.name.en},
                "target": k.target,
                "direction": k.direction,
                "unit": k.unit,
                "formula": k.formula,
                "measured": b.value,
                "status": status,
                "delta": None if b.value is None else b.value - k.target,
                "how": b.reason,
            }
        )
    return out


__all__ = ["kpi_targets", "measured_status"]
