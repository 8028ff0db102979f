"""The pack's "Simulation and economic effect" section and sheet, from ``simulation.json`` (``crmflow simulate``).

``load_simulation(path)`` reads the document ``crmflow simulate`` wrote, typed
(:class:`~crmflow.simulation.document.SimulationDocument`); ``build_economics(simulation, lang=...)``
returns a :class:`~crmflow.deliverables.document.Section` (predicted KPIs with 95 % intervals per
scenario; the yearly P&L effect and payback) in the pack's neutral document model, every number written
the language's way (Babel) and the scenario names and notes in the pack's language;
``economics_sheet`` the same numbers for the XLSX workbook (and the dashboard).

>>> from crmflow.simulation.document import SimulationDocument
>>> doc = SimulationDocument.from_dict({"source": "log.csv", "replications": 10, "economics": {"currency": "RUB"},
...     "results": [{"id": "baseline", "name": "As-Is", "names": {"ru": "Как есть", "en": "As-Is"},
...                  "estimates": {"conversion": {"mean": 0.4, "low": 0.38, "high": 0.42, "n": 10}}}],
...     "pnl": [{"id": "baseline", "name": "As-Is", "margin": 1e6, "labour": 4e5, "delay": 1e5, "result": 5e5,
...              "effect": None, "implementation_cost": 0, "payback_months": None}]})
>>> s = build_economics(doc, lang="en")
>>> s.title, [b.title for b in s.subsections()]
('Simulation and economic effect', ['Predicted KPIs', 'P&L effect and payback'])
>>> build_economics(doc, lang="ru").subsections()[0].blocks[0].rows[0][-1].replace("\\xa0", " ")
'40,0 [38,0; 42,0]'
"""

from __future__ import annotations

import json
from pathlib import Path

from crmflow.base.numbers import MISSING, currency_symbol, format_number
from crmflow.deliverables.document import Block, Paragraph, Section, Sheet, Table
from crmflow.deliverables.error_messages import ERRORS
from crmflow.errors import PackError, SimulationError
from crmflow.i18n import error
from crmflow.simulation.document import SimulationDocument
from crmflow.simulation.economics import PnL
from crmflow.simulation.kpis import Estimate
from crmflow.simulation.messages import t as sim_text

_KPIS = ("cases_per_day", "median_cycle_h", "sla_compliance", "conversion")
_PERCENT = ("sla_compliance", "conversion")


def load_simulation(path: str | Path) -> SimulationDocument:
    """``simulation.json`` (a file, or the folder holding it), read typed.

    Raises
    ------
    PackError
        When the file is missing or is not a simulation document, or a field is missing or of the wrong
        type (the message names the file and the field).
    """
    p = Path(path)
    if p.is_dir():
        p = p / "simulation.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(PackError, ERRORS, "economics.cannot_read_simulation_write", p=p, value=exc.strerror or exc) from None
    except json.JSONDecodeError as exc:
        raise error(PackError, ERRORS, "economics.not_json_line_column", p=p, lineno=exc.lineno, colno=exc.colno) from None
    if not isinstance(data, dict) or "results" not in data:
        raise error(PackError, ERRORS, "economics.not_simulation_json_crmflow", p=p)
    try:
        return SimulationDocument.from_dict(data, where=str(p))
    except SimulationError as exc:
        raise error(PackError, ERRORS, "economics.write_again_crmflow_simulate", exc=exc) from None


def _kpi_num(v: float | None, lang: str, kpi: str = "") -> str:
    """A KPI value as the table shows it: shares in % (the header says so), one decimal, the language's way."""
    return MISSING if v is None else format_number(v * (100 if kpi in _PERCENT else 1), lang, digits=1)


def _money(v: float | None, lang: str) -> str:
    return MISSING if v is None else format_number(v, lang, digits=0)


def _interval(mean: str, low: str, high: str, lang: str, /) -> str:
    return sim_text("doc.interval", lang, mean=mean, low=low, high=high)


def _est(e: Estimate | None, kpi: str, lang: str) -> str:
    if e is None:
        return MISSING
    return _interval(_kpi_num(e.mean, lang, kpi), _kpi_num(e.low, lang, kpi), _kpi_num(e.high, lang, kpi), lang)


def _payback(p: PnL, lang: str) -> str:
    if p.effect is None:
        return MISSING
    if p.payback_months is None:
        return sim_text("pnl.never", lang)
    return format_number(p.payback_months, lang, digits=1)


def _name(doc: SimulationDocument, sid: str, fallback: str, lang: str) -> str:
    result = doc.result(sid)
    return result.name_in(lang) if result is not None else fallback


def _pnl_rows(doc: SimulationDocument, lang: str) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for p in doc.pnl:
        eff = p.effect
        effect = (
            MISSING if eff is None else _interval(_money(eff.mean, lang), _money(eff.low, lang), _money(eff.high, lang), lang)
        )
        rows.append(
            (
                _name(doc, p.id, p.name, lang),
                _money(p.margin, lang),
                _money(p.labour, lang),
                _money(p.delay, lang),
                _money(p.result, lang),
                effect,
                _payback(p, lang),
            )
        )
    return rows


def _notes(doc: SimulationDocument, lang: str) -> tuple[str, ...]:
    """The model's notes in ``lang``: worded again from their keys; the written text only in its own language.

    Raises
    ------
    PackError
        When the document has notes only as text in another language (written by an older crmflow).
    """
    if doc.note_keys:
        return tuple(sim_text(n.key, lang, **n.values) for n in doc.note_keys)
    if doc.notes and doc.lang != lang:
        raise error(PackError, ERRORS, "economics.simulation_s_notes_are", written_in=doc.lang, asked=lang)
    return doc.notes


def _document(simulation: SimulationDocument | str | Path) -> SimulationDocument:
    return simulation if isinstance(simulation, SimulationDocument) else load_simulation(simulation)


def build_economics(simulation: SimulationDocument | str | Path, *, lang: str = "en") -> Section:
    """The section (see the module docstring).

    Raises
    ------
    PackError
        When ``simulation`` is a path that :func:`load_simulation` cannot read, or its notes cannot be
        worded in ``lang``.
    """
    doc = _document(simulation)
    currency = currency_symbol(doc.currency, lang)
    blocks: list[Block] = [
        Paragraph(sim_text("doc.intro", lang, source=doc.source, reps=doc.replications, currency=currency)),
        Paragraph(sim_text("doc.method", lang), style="note"),
    ]
    header = (sim_text("pnl.scenario", lang), *(sim_text("kpi." + k, lang) for k in _KPIS))
    rows = tuple((r.name_in(lang), *(_est(r.estimate(k), k, lang) for k in _KPIS)) for r in doc.results)
    blocks.append(Section(title=sim_text("doc.kpis", lang), blocks=(Table(header=header, rows=rows),), key="simulation-kpis"))
    pnl = _pnl_rows(doc, lang)
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
    blocks += [Paragraph(note, style="note") for note in _notes(doc, lang)]
    return Section(title=sim_text("doc.title", lang), blocks=tuple(blocks), key="simulation")


def economics_sheet(simulation: SimulationDocument | str | Path, *, lang: str = "en") -> Sheet:
    """The predicted KPIs and P&L per scenario as one worksheet (numbers, not text)."""
    doc = _document(simulation)
    pnl = {p.id: p for p in doc.pnl}
    header = (
        sim_text("pnl.scenario", lang),
        *(sim_text("kpi." + k, lang) for k in _KPIS),
        sim_text("pnl.result", lang),
        sim_text("pnl.effect", lang),
        sim_text("pnl.payback", lang),
    )
    rows: list[tuple[str | int | float | None, ...]] = []
    for r in doc.results:
        vals: list[str | int | float | None] = [r.name_in(lang)]
        for k in _KPIS:
            e = r.estimate(k)
            vals.append(None if e is None else round(e.mean * (100 if k in _PERCENT else 1), 2))
        p = pnl.get(r.id)
        if p is None:
            vals += [None, None, None]
        else:
            vals += [p.result, None if p.effect is None else p.effect.mean, p.payback_months]
        rows.append(tuple(vals))
    return Sheet(name=sim_text("sheet.name", lang), header=header, rows=tuple(rows))


__all__ = ["build_economics", "economics_sheet", "load_simulation"]
