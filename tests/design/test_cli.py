"""``crmflow tobe validate | compile``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from crmflow.bpmn.reader import read_bpmn
from crmflow.cli.main import app
from crmflow.design.from_bpmn import bpmn_to_tobe
from crmflow.design.loader import load_tobe
from tests.design.conftest import example

runner = CliRunner()


def test_validate_an_example() -> None:
    result = runner.invoke(app, ["tobe", "validate", str(example("service_ticket"))])
    assert result.exit_code == 0, result.output
    assert "valid — 1 process(es), 7 steps, 5 roles, 4 SLAs, 5 events, 0 warning(s)." in " ".join(result.output.split())


def test_validate_reports_two_accountable_roles_with_the_line(tmp_path: Path) -> None:
    text = example("incoming_lead").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace(
            "raci: {R: sales_manager, A: head_of_sales, C: [marketing]}",
            "raci: {R: sales_manager, A: [head_of_sales, sales_manager], C: [marketing]}",
        ),
        encoding="utf-8",
    )
    line = next(i for i, s in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "A: [head_of_sales" in s)
    result = runner.invoke(app, ["--lang", "ru", "tobe", "validate", str(bad)])
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert f"bad.yaml:{line}: `processes[0].flow[4].raci.A`" in flat
    assert "у шага `qualify` 2 подотчётных ролей" in flat


def test_compile_writes_bpmn_svg_and_png(tmp_path: Path) -> None:
    out, svg, png = tmp_path / "lead.bpmn", tmp_path / "lead.svg", tmp_path / "lead.png"
    result = runner.invoke(
        app,
        [
            "tobe",
            "compile",
            str(example("incoming_lead")),
            "--out",
            str(out),
            "--svg",
            str(svg),
            "--png",
            str(png),
            "--lang",
            "ru",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "BPMN записан" in result.output and "корректен: да" in " ".join(result.output.split())
    assert bpmn_to_tobe(read_bpmn(out)) == load_tobe(example("incoming_lead"))
    assert "Связаться с лидом" in svg.read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compile_of_a_broken_file_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tobe: 2\n", encoding="utf-8")
    out = tmp_path / "m.bpmn"
    result = runner.invoke(app, ["tobe", "compile", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "bad.yaml:1: `tobe`: 2 is not allowed (expected 1)" in " ".join(result.output.split())
