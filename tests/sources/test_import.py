"""``crmflow import`` into a project store, and ``crmflow audit PROJECT.duckdb``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.errors import StoreError
from crmflow.sources.project import import_sources, open_project_log
from crmflow.sources.reader import read_log
from tests.sources.fixtures import AMO, BITRIX

runner = CliRunner(env={"COLUMNS": "200"})


def test_import_then_audit_the_project(tmp_path: Path) -> None:
    project = tmp_path / "p.duckdb"
    # the dictionary first, alone: it stays in the project for the next import
    res = runner.invoke(app, ["import", str(BITRIX / "status.json"), "--into", str(project)])
    assert res.exit_code == 0, res.output
    assert "dictionary: 14 entries" in res.output
    res = runner.invoke(app, ["import", str(BITRIX / "stagehistory_deals.json"), str(BITRIX / "activity_list.json"),
                              "--into", str(project)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "bitrix24-stagehistory" in res.output and "68 events in 16 cases" in res.output
    log = open_project_log(project)
    assert log.n_events == 68 and log.quarantined == 5 and log.rows_read == 73
    assert "Новая заявка" in log.store.activity_names(log.name)  # resolved with the earlier dictionary
    out = tmp_path / "audit"
    res = runner.invoke(app, ["audit", str(project), "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert doc["log"]["rows_read"] == 73 and doc["log"]["quarantined"] == 5


def test_reimport_replaces_the_log(tmp_path: Path) -> None:
    project = tmp_path / "p.duckdb"
    first = import_sources([AMO / "events.json", AMO / "pipelines.json"], into=project)
    assert [s.format for s in first.sources] == ["amocrm-pipelines", "amocrm-events"]
    assert first.sources[1].rows_read == first.sources[1].events + first.sources[1].quarantined
    second = import_sources([AMO / "leads.json"], into=project)
    assert second.events == 3
    log = read_log(project)
    assert log.n_events == 3 and log.quarantined == 1 and log.rows_read == 4  # nothing of the first import left
    assert "Оплачено" in log.store.activity_names(log.name)  # pipelines still known


def test_project_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such project store"):
        open_project_log(tmp_path / "none.duckdb")
    import_sources([AMO / "contacts.json"], into=tmp_path / "p.duckdb", log_name="contacts")
    with pytest.raises(StoreError, match="has no log named 'log'; its logs: contacts"):
        open_project_log(tmp_path / "p.duckdb")


def test_import_cli_list_and_errors(tmp_path: Path) -> None:
    res = runner.invoke(app, ["import", "--list"])
    assert res.exit_code == 0
    for kind in ("bitrix24-stagehistory-json", "bitrix24-ui-xls", "amocrm-events-json", "amocrm-pipelines-json"):
        assert kind in res.output
    res = runner.invoke(app, ["import", str(BITRIX / "deal_list.json")])
    assert res.exit_code == 2 and "--into" in res.output
    res = runner.invoke(app, ["import", str(BITRIX / "deal_list.json"), "--into", str(tmp_path / "p.duckdb"),
                              "--source", "amocrm-events-json"])  # fmt: skip
    assert res.exit_code == 2 and "page 1: missing key `_embedded`" in res.output


def test_audit_reads_a_vendor_file_directly(tmp_path: Path) -> None:
    res = runner.invoke(app, ["--lang", "ru", "audit", str(BITRIX / "stagehistory_deals.json"),
                              str(BITRIX / "status.json"), "--out", str(tmp_path)])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    assert doc["log"]["quarantined"] == 4 and doc["log"]["rows_read"] == 68
