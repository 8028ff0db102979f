"""The `crmflow` command: a thin shell that prints readable errors and writes the audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.demo.bitrix import generate_bitrix_demo
from tests.conftest import real

runner = CliRunner()


@pytest.fixture(scope="module")
def bitrix(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return generate_bitrix_demo(tmp_path_factory.mktemp("cli") / "data", n_deals=300, seed=3)


def test_audit_writes_json_and_html(bitrix, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "audit"
    res = runner.invoke(
        app, ["--lang", "ru", "audit", str(bitrix.csv_path), "--rules", str(bitrix.rules_path), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert doc["lang"] == "ru"
    assert doc["log"]["rows_read"] == bitrix.n_data_rows
    assert doc["log"]["quarantined"] == len(bitrix.planted["broken_rows"])
    assert "Сопоставление колонок" in res.output and "ID сделки" in res.output
    assert "В карантине" in res.output
    assert (out / "report.html").stat().st_size > 10_000


def test_inspect_prints_mapping_and_counts(bitrix) -> None:  # type: ignore[no-untyped-def]
    res = runner.invoke(app, ["inspect", str(bitrix.csv_path), "--timezone", "Europe/Moscow"])
    assert res.exit_code == 0, res.output
    assert "Column mapping" in res.output and "cp1251" in res.output
    assert f"{bitrix.n_data_rows:,}" in res.output  # English: comma thousands
    assert "Quarantined rows by reason" in res.output


def test_errors_are_readable_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "deals.csv"
    bad.write_text("Сделка;Комментарий\n1;привет\n", encoding="utf-8")
    res = runner.invoke(app, ["inspect", str(bad)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "deals.csv" in res.output  # the message names the file and lists the columns it has
    assert "Комментарий" in res.output


def test_debug_shows_the_exception(tmp_path: Path) -> None:
    bad = tmp_path / "log.unknown"
    bad.write_text("x", encoding="utf-8")
    res = runner.invoke(app, ["--debug", "inspect", str(bad)])
    assert res.exit_code != 0 and res.exception is not None


def test_unknown_language_is_refused() -> None:
    res = runner.invoke(app, ["--lang", "de", "inspect", "x.csv"])
    assert res.exit_code == 2 and "de" in res.output


def test_audit_of_a_real_xes_log(tmp_path: Path) -> None:
    res = runner.invoke(app, ["audit", str(real("running-example.xes")), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    assert doc["log"]["events"] == 42 and doc["log"]["cases"] == 6 and doc["log"]["variants"] == 6


def test_audit_says_how_many_findings_it_left_out_and_where(bitrix, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "audit"
    res = runner.invoke(app, ["audit", str(bitrix.csv_path), "--rules", str(bitrix.rules_path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    total = len(json.loads((out / "audit.json").read_text(encoding="utf-8"))["findings"])
    assert total > 15  # the generated export has more findings than the table shows
    said = " ".join(res.output.split())
    assert f"the {15} most severe of {total} findings; the other {total - 15} are in" in said
    assert "report.html" in said.split("the other", 1)[1]
    ru = runner.invoke(app, ["--lang", "ru", "audit", str(bitrix.csv_path), "--rules", str(bitrix.rules_path), "--out", str(out)])
    assert f"15 самых важных из {total} выявленных проблем; остальные ({total - 15})" in " ".join(ru.output.split())
