"""The pack's simulation section: from simulation.json into DOCX, PDF text and economics.xlsx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docx import Document as read_docx
from openpyxl import load_workbook

from crmflow.deliverables.economics import build_economics, load_simulation
from crmflow.deliverables.pack import build_pack
from crmflow.errors import PackError

MINI = Path(__file__).parent.parent / "deliverables" / "data" / "mini_tobe.yaml"

SIM = {
    "source": "demo.csv",
    "replications": 10,
    "economics": {"currency": "RUB"},
    "results": [
        {"id": "baseline", "name": "As-Is", "estimates": {"conversion": {"mean": 0.40, "low": 0.38, "high": 0.42}}},
        {"id": "sdr", "name": "Two more SDRs <b>", "estimates": {"conversion": {"mean": 0.45, "low": 0.43, "high": 0.47}}},
    ],
    "pnl": [
        {
            "id": "baseline",
            "name": "As-Is",
            "margin": 1e6,
            "labour": 4e5,
            "delay": 1e5,
            "result": 5e5,
            "effect": None,
            "implementation_cost": 0,
            "payback_months": None,
        },
        {
            "id": "sdr",
            "name": "Two more SDRs <b>",
            "margin": 1.2e6,
            "labour": 5e5,
            "delay": 9e4,
            "result": 6.1e5,
            "effect": {"mean": 1.1e5, "low": 9e4, "high": 1.3e5, "n": 10},
            "implementation_cost": 55000,
            "payback_months": 6.0,
        },
    ],
    "notes": ["The log records completions only."],
}


def test_section_has_kpis_with_intervals_and_payback() -> None:
    s = build_economics(SIM, lang="ru")
    assert s.title == "Симуляция и экономический эффект"
    kpis, pnl = s.subsections()
    assert kpis.blocks[0].rows[1][-1] == "45.0 [43.0; 47.0]"  # type: ignore[union-attr]
    assert pnl.blocks[0].rows[1][-1] == "6.0"  # type: ignore[union-attr]
    assert pnl.blocks[0].rows[0][-1] == "—"  # type: ignore[union-attr]


def test_pack_hook_adds_the_section_and_the_workbook(tmp_path: Path) -> None:
    sim = tmp_path / "sim" / "simulation.json"
    sim.parent.mkdir()
    sim.write_text(json.dumps(SIM), encoding="utf-8")
    result = build_pack(MINI, out_dir=tmp_path / "pack", lang="en", simulation=sim.parent)
    doc = read_docx(str(result.folder / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Simulation and economic effect" in text and "P&L effect and payback" in text
    cells = [c.text for table in doc.tables for row in table.rows for c in row.cells]
    assert "Two more SDRs <b>" in cells and "6.0" in cells
    sheet = load_workbook(result.folder / "workbooks" / "economics.xlsx").worksheets[0]
    assert [c.value for c in sheet[3]][:1] == ["Two more SDRs <b>"]
    assert any(f.path == "workbooks/economics.xlsx" for f in result.files)


def test_missing_simulation_is_a_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="crmflow simulate"):
        load_simulation(tmp_path / "nothing.json")
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(PackError, match="no `results`"):
        load_simulation(tmp_path / "x.json")
