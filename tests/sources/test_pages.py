"""Saved API pages: hostile JSON gives a clear error naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import SourceError
from crmflow.sources.pages import load_pages


@pytest.mark.parametrize("name", ["deals.json", "deals.jsonl"])
def test_deeply_nested_json_is_a_clear_error_not_a_recursion_crash(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_text('{"result": []}\n' + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"deals\.jsonl?: not valid JSON \((line 2: )?nested too deeply\)"):
        load_pages(p)


def test_a_file_neither_utf8_nor_cp1251_is_refused_with_the_byte_and_offset(tmp_path: Path) -> None:
    """0x98 is undefined in Windows-1251: the fallback decoding must say so, not raise UnicodeDecodeError."""
    p = tmp_path / "page.json"
    p.write_bytes(b'{"result": [{"TITLE": "\x98"}]}')
    with pytest.raises(SourceError, match=r"page\.json: .*byte 0x98 at offset 23"):
        load_pages(p)
