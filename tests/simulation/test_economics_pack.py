"""The pack's simulation section: from simulation.json into DOCX, PDF text and economics.xlsx; the typed reader."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from docx import Document as read_docx
from openpyxl import load_workbook

from crmflow.deliverables.document import Paragraph, Section, Table
from crmflow.deliverables.economics import build_economics, load_simulation
from crmflow.deliverables.pack import build_pack
from crmflow.errors import PackError
from crmflow.simulation.document import SimulationDocument
from tests.deliverables.language import Piece, problems

MINI = Path(__file__).parent.parent / "deliverables" / "data" / "mini_tobe.yaml"

SIM: dict[str, Any] = {
    "source": "demo.csv",
    "replications": 10,
    "lang": "en",
    "economics": {"currency": "RUB"},
    "results": [
        {
            "id": "baseline",
            "name": "As-Is",
            "names": {"en": "As-Is", "ru": "Как есть"},
            "estimates": {
                "conversion": {"mean": 0.40, "low": 0.38, "high": 0.42, "n": 10},
                "median_cycle_h": {"mean": 1234.56, "low": 1200.0, "high": 1269.1, "n": 10},
                "sla_compliance": None,
            },
        },
        {
            "id": "sdr",
            "name": "Two more SDRs <b>",
            "names": {"en": "Two more SDRs <b>", "ru": "Ещё два менеджера <b>"},
            "estimates": {"conversion": {"mean": 0.45, "low": 0.43, "high": 0.47, "n": 10}},
        },
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
            "payback_months": 6.5,
        },
    ],
    "notes": ["The log has more than 20000 distinct paths: …"],
    "note_keys": [{"key": "note.order2", "values": {"prefixes": "20000"}}],
}


def _doc(data: dict[str, Any] = SIM) -> SimulationDocument:
    return SimulationDocument.from_dict(data, where="simulation.json")


def _pieces(section: Section) -> list[Piece]:
    """The visible text of a section, as the language checks read a document."""
    out = [Piece("title", section.title)]
    for block in section.blocks:
        if isinstance(block, Section):
            out += _pieces(block)
        elif isinstance(block, Paragraph):
            out.append(Piece("p", block.text))
        elif isinstance(block, Table):
            out += [Piece("th", h) for h in block.header] + [Piece("td", c) for row in block.rows for c in row]
            out += [Piece("caption", block.caption)] if block.caption else []
    return out


def test_section_has_kpis_with_intervals_and_payback() -> None:
    s = build_economics(_doc(), lang="ru")
    assert s.title == "Симуляция и экономический эффект"
    kpis, pnl = s.subsections()
    rows = kpis.blocks[0].rows  # type: ignore[union-attr]
    assert rows[1][0] == "Ещё два менеджера <b>" and rows[1][-1] == "45,0 [43,0; 47,0]"
    assert rows[0][2].replace("\u00a0", " ") == "1 234,6 [1 200,0; 1 269,1]" and rows[0][3] == "—"
    money = pnl.blocks[0].rows  # type: ignore[union-attr]
    assert money[1][-1] == "6,5" and money[0][-1] == "—" and money[0][0] == "Как есть"
    assert money[1][1].replace("\u00a0", " ") == "1 200 000"
    assert money[1][5].replace("\u00a0", " ") == "110 000 [90 000; 130 000]"
    assert pnl.blocks[0].caption.endswith(", ₽")  # type: ignore[union-attr]
    en_kpis, en_pnl = build_economics(_doc(), lang="en").subsections()
    assert en_kpis.blocks[0].rows[0][2] == "1,234.6 [1,200.0; 1,269.1]"  # type: ignore[union-attr]
    assert en_pnl.blocks[0].rows[1][-1] == "6.5" and en_pnl.blocks[0].rows[1][1] == "1,200,000"  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_section_of_an_english_simulation_reads_in_the_pack_language(lang: str) -> None:
    section = build_economics(_doc(), lang=lang)
    found = problems(_pieces(section), lang, data=set())
    assert not found, "\n".join(found)
    note = section.blocks[-1]
    assert isinstance(note, Paragraph) and ("второго порядка" in note.text) == (lang == "ru")


def test_language_check_of_the_section_can_fail() -> None:
    """The checks above catch what the section used to write: ``45.0`` and English in a Russian pack."""
    ru = _pieces(build_economics(_doc(), lang="ru"))
    old = [*ru, Piece("td", "45.0 [43.0; 47.0]"), Piece("td", "Two more SDRs")]
    found = problems(old, "ru", data=set())
    assert any("ASCII decimal point" in p for p in found) and any("other-language" in p for p in found)
    assert any("other-language" in p for p in problems(ru, "en", data=set()))


def test_reader_round_trip_keeps_every_field() -> None:
    doc = _doc()
    again = SimulationDocument.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert again == doc
    assert doc.pnl[1].effect is not None and doc.pnl[1].effect.high == 1.3e5
    assert doc.results[0].estimate("sla_compliance") is None and doc.results[1].estimate("cycle") is None


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("results", 1, "estimates", "conversion", "mean"), "abc", r"results\[1\]\.estimates\.conversion\.mean"),
        (("pnl", 0, "margin"), None, r"pnl\[0\]\.margin"),
        (("replications",), "ten", r"`replications`"),
        (("note_keys", 0, "key"), "note.nothing", r"note_keys\[0\]\.key"),
    ],
)
def test_broken_simulation_is_a_pack_error_naming_the_field(tmp_path: Path, path: tuple, value: Any, field: str) -> None:
    data = copy.deepcopy(SIM)
    node = data
    for part in path[:-1]:
        node = node[part]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    target = tmp_path / "simulation.json"
    target.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PackError, match=field) as caught:
        load_simulation(tmp_path)
    assert str(target) in str(caught.value) and "crmflow simulate" in str(caught.value)


def test_notes_only_as_text_in_another_language_are_refused() -> None:
    data = {k: v for k, v in SIM.items() if k != "note_keys"}
    assert build_economics(_doc(data), lang="en").blocks[-1] == Paragraph(SIM["notes"][0], style="note")
    with pytest.raises(PackError, match="run `crmflow simulate` again"):
        build_economics(_doc(data), lang="ru")


def test_pack_hook_adds_the_section_and_the_workbook(tmp_path: Path) -> None:
    sim = tmp_path / "sim" / "simulation.json"
    sim.parent.mkdir()
    sim.write_text(json.dumps(SIM), encoding="utf-8")
    result = build_pack(MINI, out_dir=tmp_path / "pack", lang="en", simulation=sim.parent)
    doc = read_docx(str(result.folder / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Simulation and economic effect" in text and "P&L effect and payback" in text
    cells = [c.text for table in doc.tables for row in table.rows for c in row.cells]
    assert "Two more SDRs <b>" in cells and "6.5" in cells and "1,200,000" in cells
    sheet = load_workbook(result.folder / "workbooks" / "economics.xlsx").worksheets[0]
    assert [c.value for c in sheet[3]][:1] == ["Two more SDRs <b>"]
    assert any(f.path == "workbooks/economics.xlsx" for f in result.files)


def test_missing_simulation_is_a_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="crmflow simulate"):
        load_simulation(tmp_path / "nothing.json")
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(PackError, match="no `results`"):
        load_simulation(tmp_path / "x.json")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_simulation_page_reads_in_its_language(tmp_path: Path, lang: str) -> None:
    from dataclasses import replace

    from crmflow.simulation.html import simulation_html
    from crmflow.simulation.kpis import Estimate
    from tests.deliverables.language import visible_text

    doc = _doc()
    first = replace(doc.results[0], estimates={"cases_per_day": Estimate(2.5, 2.25, 2.75, 10)})
    doc = replace(doc, lang=lang, results=(first, replace(doc.results[1], cycle_quantiles_h=(1.5, 2.5, 40.0))))
    page = tmp_path / "simulation.html"
    page.write_text(simulation_html(doc), encoding="utf-8")
    found = problems(visible_text(page), lang, data={"b"})
    assert not found, "\n".join(found)
    text = page.read_text(encoding="utf-8")
    assert ("2,5 [2,2; 2,8]" if lang == "ru" else "2.5 [2.2; 2.8]") in text  # CLDR rounds half to even
