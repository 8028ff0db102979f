"""The docs name what the code has: every module in docs/architecture.md, every command in the README."""

from __future__ import annotations

import re
from pathlib import Path

from crmflow.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "crmflow"


def _named_in_architecture() -> set[str]:
    """Paths named in the first column of the module table; ``a/b.py, c.py`` names ``a/c.py`` too."""
    named: set[str] = set()
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        folder = None
        for token in re.findall(r"`([^`]+)`", line.split("|")[1]):
            if "/" in token:
                folder = token.rstrip("/").rsplit("/", 1)[0]
                named.add(token.rstrip("/"))
            else:
                named.add(f"{folder}/{token}" if folder else token)
    return named


def test_every_module_has_a_row_in_the_architecture_table() -> None:
    named = _named_in_architecture()
    modules = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")
    missing = [m for m in modules if m not in named and m.rsplit("/", 1)[0] not in named]
    assert not missing, f"add a row to docs/architecture.md for: {missing}"


def test_every_module_in_the_architecture_table_exists() -> None:
    gone = [n for n in sorted(_named_in_architecture()) if not ((PACKAGE / n).exists() or (ROOT / n).exists())]
    assert not gone, f"docs/architecture.md names what is not there: {gone}"


def test_readme_lists_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    names += [g.name or "" for g in app.registered_groups]
    missing = [n for n in names if f"`crmflow {n}" not in readme]
    assert names and not missing, f"README.md does not show: {missing}"
