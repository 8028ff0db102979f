"""`crmflow erd | dfd | journey` from the command line (thin shells over the library)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.demo.journeys import generate_journeys
from tests.conftest import ROOT, real

runner = CliRunner()
EXAMPLES = ROOT / "src" / "crmflow" / "architecture" / "examples"


def test_erd_command(tmp_path: Path) -> None:
    d = real("maven-crm-sales-opportunities")
    res = runner.invoke(app, ["erd", *[str(p) for p in sorted(d.glob("*.csv"))], "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "GTXPro" in res.output
    assert (tmp_path / "erd.mmd").read_text(encoding="utf-8").startswith("erDiagram")
    assert len(json.loads((tmp_path / "erd.json").read_text(encoding="utf-8"))["relations"]) == 4


def test_journey_and_dfd_commands(tmp_path: Path) -> None:
    demo = generate_journeys(tmp_path / "crm", customers=80, seed=2)
    tables = [str(p) for p in demo.tables.values()]
    res = runner.invoke(app, ["--lang", "ru", "journey", *tables, "--model", str(demo.model), "--out", str(tmp_path / "j")])
    assert res.exit_code == 0, res.output
    assert "Путь клиента" in res.output and "L99999" in res.output
    doc = json.loads((tmp_path / "j" / "journey.json").read_text(encoding="utf-8"))
    assert [s["reached"] for s in doc["stages"]] == [demo.truth[s["name"]].reached for s in doc["stages"]]
    assert (tmp_path / "j" / "objects.jsonocel").is_file()
    res = runner.invoke(
        app, ["dfd", str(EXAMPLES / "inventory.yaml"), *tables, "--model", str(demo.model), "--out", str(tmp_path / "d")]
    )
    assert res.exit_code == 0, res.output
    assert "unknown:helpdesk" in res.output and "mailing" in res.output
    assert (tmp_path / "d" / "dfd.svg").is_file()


def test_bad_model_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("objects:\n  lead: {table: leads}\n", encoding="utf-8")
    csv = tmp_path / "leads.csv"
    csv.write_text("lead_id\n1\n", encoding="utf-8")
    res = runner.invoke(app, ["journey", str(csv), "--model", str(bad)])
    assert res.exit_code == 2 and "objects.lead has no 'id'" in res.output
