"""HTML-table "Excel" exports: hostile ``colspan`` values must not blow up memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import SourceError
from crmflow.sources.html_table import MAX_COLUMNS, parse_html_table, read_html_table_raw
from crmflow.store.store import EventStore


def test_colspan_bomb_rows_stay_small_and_keep_their_true_width(tmp_path: Path) -> None:
    # Each 30-byte row claimed 1000 cells, materialised as 1000 list entries: ~270x the file in memory.
    p = tmp_path / "bomb.xls"
    rows = "".join(f'<tr><td colspan="1000">r{i}</td></tr>' for i in range(2000))
    p.write_text(f"<table><tr><th>ID</th><th>Стадия</th></tr><tr><td>1</td><td>Новая</td></tr>{rows}</table>", encoding="utf-8")
    t = parse_html_table(p)
    assert t.rows == [(1, 1, ["1", "Новая"])]
    assert len(t.bad) == 2000
    assert all(len(cells) <= len(t.header) + 1 and width == 1000 for _n, _line, cells, width in t.bad)
    store = EventStore()
    raw = read_html_table_raw(store, p, source="bomb.xls", log_name="log")
    assert raw.quarantined == 2000
    reasons = store.sql("SELECT DISTINCT reason FROM quarantine WHERE row_no = 2").fetchall()
    assert reasons and "1000 cells, the header has 2" in reasons[0][0]


def test_header_wider_than_excel_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "wide.xls"
    head = '<th colspan="1000">x</th>' * (MAX_COLUMNS // 1000 + 1)
    p.write_text(f"<table><tr>{head}</tr><tr><td>1</td></tr></table>", encoding="utf-8")
    with pytest.raises(SourceError, match="header row is 17,000 cells wide"):
        parse_html_table(p)
