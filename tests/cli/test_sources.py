"""``crmflow import`` in Russian: the summary reads as Russian whatever the numbers are."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from crmflow.cli.main import app
from tests.sources.fixtures import BITRIX

runner = CliRunner(env={"COLUMNS": "200"})


def test_import_summary_in_russian_has_no_broken_plurals(tmp_path: Path) -> None:
    # Regression: "68 событий в 16 кейсах" is right only for some numbers ("1 024 событий" is not Russian),
    # and "справочник: 14 записей" likewise; the counts now follow a label.
    project = tmp_path / "p.duckdb"
    res = runner.invoke(app, ["--lang", "ru", "import", str(BITRIX / "status.json"),
                              str(BITRIX / "stagehistory_deals.json"), str(BITRIX / "activity_list.json"),
                              "--into", str(project)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "справочник, записей: 14" in res.output
    assert f"Событий: 68, кейсов: 16. Аудит: crmflow audit {project}" in " ".join(res.output.split())
