"""The pack's "Simulation and economic effect" section and sheet, from ``simulation.json`` (``crmflow simulate``).

``build_economics(simulation, lang=...)`` reads the document ``crmflow simulate`` wrote and returns a
:class:`~crmflow.deliverables.document.Section` (predicted KPIs with intervals per scenario; the yearly
P&L effect and payback) in the pack's neutral document model; ``economics_sheet`` the same numbers for
the XLSX workbook (and the dashboard).

>>> data = {"source": "log.csv", "replications": 10, "economics": {"currency": "RUB"},
...         "results": [{"id": "baseline", "name": "As-Is",
...                      "estimates": {"conversion": {"mean": 0.4, "low": 0.38, "high": 0.42}}}],
...         "pnl": [{"id": "baseline", "name": "As-Is", "margin": 1e6, "labour": 4e5, "delay": 1e5, "result": 5e5,
...                  "effect": None, "implementation_cost": 0, "payback_months": None}]}
>>> s = build_economics(data, lang="en")
>>> s.title, [b.title for b in s.subsections()]
('Simulation and economic effect', ['Predicted KPIs', 'P&L effect and payback'])
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crmflow.deliverables.document import Paragraph, Section, Sheet, Table
from crmflow.errors import PackError
from crmflow.simulation.messages import t as sim_text

_KPIS = ("cases_per_day", "median_cycle_h", "sla_compliance", "conversion")
_PERCENT = ("sla_compliance", "conversion")


def load_simulation(path: str | Path) -> dict[str, Any]:
    """``simulation.json`` (a file, or the folder holding it).

    Raises
    ------
    PackError
        When the file is missing or is not a simulation document.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "simulation.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackError(
            f"cannot read the simulation {p}: {exc.strerror or exc} (write it with `crmflow simulate ... --out DIR`)"
        ) from None
    except json.JSONDecodeError as exc:
        raise PackError(f"{p}: not JSON at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(data, dict) or "results" not in data:
        raise PackError(f"{p}: not a simulation.json of `crmflow simulate` (no `results`)")
    return data


def _num(v: Any, kpi: str = "") -> str:
    if v is None:
        return "—"
    x = float(v) * (100 if kpi in _PERCENT else 1)
    return f"{x:,.1f}".replace(",", "\u00a0")


def _est(e: Any, kpi: str) -> str:
    if not e:
        return "—"
    return f"{_num(e['mean'], kpi)} [{_num(e['low'], kpi)}; {_num(e['high'], kpi)}]"


def _pnl_rows(data: dict[str, Any], lang: str) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for p in data.get("pnl") or []:
        eff = p.get("effect")
        pay = p.get("payback_months")
        payback = "—" if eff is None else (sim_text("pnl.never", lang) if pay is None else f"{pay:.1f}")
        effect = "—" if eff is None else f"{_num(eff['mean'])} [{_num(eff['low'])}; {_num(eff['high'])}]"
        rows.append((str(p["name"]), _num(p["margin"]), _num(p["labour"]), _num(p["delay"]), _num(p["result"]), effect, payback))
    return rows


def build_economics(simulation: dict[str, Any] | str | Path, *, lang: str = "en") -> Section:
    """The section (see the module docstring)."""
    data = simulation if isinstance(simulation, dict) else load_simulation(simulation)
    currency = str((data.get("economics") or {}).get("currency", ""))
    blocks: list[Any] = [
        Paragraph(
            sim_text(
                "doc.intro", lang, source=data.get("source", ""), reps=data.get("replications", ""), currency=currency or "—"
            )
        ),
        Paragraph(sim_text("doc.method", lang), style="note"),
    ]
    header = (sim_text("pnl.scenario", lang), *(sim_text("kpi." + k, lang) for k in _KPIS))
    rows = tuple(
        (str(r["name"]), *(_est((r.get("estimates") or {}).get(k), k) for k in _KPIS)) for r in data.get("results") or []
    )
    blocks.append(Section(title=sim_text("doc.kpis", lang), blocks=(Table(header=header, rows=rows),), key="simulation-kpis"))
    pnl = _pnl_rows(data, lang)
    if pnl:
        head = tuple(
            sim_text(k, lang)
            for k in ("pnl.scenario", "pnl.margin", "pnl.labour", "pnl.delay", "pnl.result", "pnl.effect", "pnl.payback")
        )
        caption = f"{sim_text('html.pnl', lang)}, {currency}"
        blocks.append(
            Section(
                title=sim_text("doc.pnl", lang),
                blocks=(Table(header=head, rows=tuple(pnl), caption=caption),),
                key="simulation-pnl",
            )
        )
    for note in data.get("notes") or []:
        blocks.append(Paragraph(str(note), style="note"))
    return Section(title=sim_text("doc.title", lang), blocks=tuple(blocks), key="simulation")


def economics_sheet(simulation: dict[str, Any] | str | Path, *, lang: str = "en") -> Sheet:
    """The predicted KPIs and P&L per scenario as one worksheet (numbers, not text)."""
    data = simulation if isinstance(simulation, dict) else load_simulation(simulation)
    pnl = {p["id"]: p for p in data.get("pnl") or []}
    header = (
        sim_text("pnl.scenario", lang),
        *(sim_text("kpi." + k, lang) for k in _KPIS),
        sim_text("pnl.result", lang),
        sim_text("pnl.effect", lang),
        sim_text("pnl.payback", lang),
    )
    rows: list[tuple[str | int | float | None, ...]] = []
    for r in data.get("results") or []:
        est = r.get("estimates") or {}
        p = pnl.get(r["id"], {})
        eff = p.get("effect")
        vals: list[str | int | float | None] = [str(r["name"])]
        for k in _KPIS:
            e = est.get(k)
            vals.append(None if not e else round(float(e["mean"]) * (100 if k in _PERCENT else 1), 2))
        vals += [p.get("result"), None if not eff else eff["mean"], p.get("payback_months")]
        rows.append(tuple(vals))
    return Sheet(name=sim_text("sheet.name", lang), header=header, rows=tuple(rows))


__all__ = ["build_economics", "economics_sheet", "load_simulation"]
