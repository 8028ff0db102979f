"""The audit report includes the quality summary (``crmflow audit --quality DIR/quality.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from crmflow.asis import audit
from crmflow.cli.main import app
from crmflow.quality.run import assess_quality
from tests.conftest import make_log
from tests.quality.conftest import RULES

AUDIT_SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "audit.schema.json").read_text("utf-8"))


def test_audit_carries_the_summary(contacts_csv: Path, tmp_path: Path) -> None:
    q = assess_quality([contacts_csv], rules=RULES, duplicates=False).write(tmp_path / "q")
    log = make_log([("1", "A", "2024-01-01 10:00", "ann"), ("1", "B", "2024-01-01 11:00", "bob")])
    result = audit(log, quality=q.json_path, lang="ru")
    s = result.data["quality"]
    jsonschema.validate(result.data, AUDIT_SCHEMA)
    assert s["primary"] == {
        "name": "contacts",
        "invalid": {"phone": 2, "email": 2, "inn": 2, "date": 2, "amount": 1},
        "missing": 3,
        "duplicate_clusters": 0,
    }
    assert s["entities"][0]["failing_records"] == 7
    page = result.write(tmp_path / "a", lang="ru").html_path.read_text("utf-8")
    assert 'id="quality"' in page and "Качество данных" in page and "Телефоны — ошибочно" in page


def test_audit_command_option(contacts_csv: Path, tmp_path: Path) -> None:
    q = assess_quality([contacts_csv], rules=RULES, duplicates=False).write(tmp_path / "q")
    log = tmp_path / "log.csv"
    log.write_text("case,activity,timestamp\n1,A,2024-01-01 10:00\n1,B,2024-01-01 11:00\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["audit", str(log), "--quality", str(q.json_path), "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "a" / "audit.json").read_text("utf-8"))
    assert doc["quality"]["primary"]["missing"] == 3
    assert 'id="quality"' in (tmp_path / "a" / "report.html").read_text("utf-8")


def test_audit_without_quality_has_no_section(tmp_path: Path) -> None:
    log = make_log([("1", "A", "2024-01-01 10:00", "ann"), ("1", "B", "2024-01-01 11:00", "bob")])
    result = audit(log)
    assert "quality" not in result.data
    assert 'id="quality"' not in result.write(tmp_path).html_path.read_text("utf-8")
