"""The registry's file-name gate: only files ending in ``ADAPTER_SUFFIXES`` can be CRM exports.

``detect_adapter`` answers ``None`` for any other ending without importing the vendor modules (an XES
or Parquet log is read without them); these tests hold every registered adapter to that list.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crmflow.sources.registry import ADAPTER_SUFFIXES, HEAD_BYTES, adapters, detect_adapter

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = DATA.parents[1]
FILES = sorted(p for p in DATA.rglob("*") if p.is_file())
#: Endings of the other readers' files, and a few more that no adapter should take.
OTHER = (".xes", ".gz", ".parquet", ".xlsx", ".xlsm", ".sqlite", ".sqlite3", ".jsonocel", ".xmlocel", ".tsv", ".xml", ".zip", "")


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(HEAD_BYTES)


def _detected() -> list[tuple[Path, str]]:
    """(file, adapter name) of every test file some adapter recognises under its own name."""
    return [(p, a.name) for p in FILES for a in adapters() if a.detect(p, _head(p))]


def test_every_recognised_file_has_an_adapter_ending() -> None:
    found = _detected()
    assert len({p for p, _ in found}) >= 25  # the CRM fixtures of every vendor, not a vacuous pass
    assert {name.split("-")[0] for _, name in found} == {"bitrix24", "amocrm", "salesforce", "hubspot"}
    assert [(p.name, n) for p, n in found if p.suffix.lower() not in ADAPTER_SUFFIXES] == []


@pytest.mark.parametrize("ending", [*OTHER, *(e.upper() for e in OTHER if e)])
def test_no_adapter_takes_another_ending(ending: str) -> None:
    # each recognised export's own bytes under a name with another ending: no adapter may take it
    taken = [(p.name, a.name) for p, _ in _detected() for a in adapters() if a.detect(p.with_name(p.stem + ending), _head(p))]
    assert taken == []


def test_detect_adapter_finds_the_first_adapter_that_takes_the_file() -> None:
    first: dict[Path, str] = {}
    for path, name in _detected():
        first.setdefault(path, name)  # adapters() is in registration order, the order detection tries
    assert {p: getattr(detect_adapter(p), "name", None) for p in first} == first
    assert [p.name for p in FILES if p not in first and detect_adapter(p) is not None] == []


def test_an_xes_read_imports_no_vendor_module() -> None:
    code = (
        "import sys, crmflow\n"
        "log = crmflow.read_log('tests/data/xes/tiny.xes')\n"
        "assert log.n_events > 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('crmflow.sources.') and m.split('.')[2] in "
        "('bitrix24', 'bitrix24_ui', 'amocrm', 'salesforce', 'hubspot')))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    assert res.stdout.strip() == "[]"
