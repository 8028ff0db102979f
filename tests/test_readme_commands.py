"""The README's commands run top to bottom, as a new user types them, in a fresh folder.

Every line of a ``sh`` block and every ``$ `` line of the other blocks is run, in the README's order, by
one ``bash`` in a temporary folder laid out like a clone (``src/`` linked in, ``.venv/bin/crmflow`` and
``.venv/bin/python`` running this checkout). ``make demo`` runs the recipe of the Makefile's ``demo``
target without its ``setup`` (the folder has no clone to install); ``make test`` is this suite itself.
Left out, and said so in the test's output: what needs the network or a server (``crmflow pull``, a
Spark master, ``crmflow serve``).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(__import__("crmflow").__file__).resolve().parents[1]

#: Commands that need the network or a running server: not run here.
NEEDS_NETWORK = (re.compile(r"\bcrmflow pull\b"), re.compile(r"spark://"), re.compile(r"\bcrmflow serve\b"))


def readme_commands(text: str) -> list[str]:
    """The README's commands in order: ``sh`` blocks whole (continuations joined), ``$ `` lines of the others.

    >>> readme_commands("```sh\\na \\\\\\n  b   # note\\n```\\n```text\\n$ c\\nout\\n```\\n")
    ['a b', 'c']
    """
    commands: list[str] = []
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M):
        lines = body.splitlines()
        if lang != "sh":
            lines = [line[2:] for line in lines if line.startswith("$ ")]
        pending = ""
        for line in lines:
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1].rstrip() + " "
                continue
            cmd = re.sub(r"\s+#\s[^\"']*$", "", pending + line.strip()).strip()  # a trailing comment
            pending = ""
            if cmd and not cmd.startswith("#"):
                commands.append(cmd)
    return commands


def _make_demo_recipe() -> list[str]:
    """The recipe lines of the Makefile's ``demo`` target, with ``$(VENV)`` as ``.venv`` and no echo lines."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("demo:"))
    recipe: list[str] = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        cmd = line.strip().lstrip("@").replace("$(VENV)", ".venv")
        if not cmd.startswith("echo"):
            recipe.append(cmd)
    return recipe


def _shims(folder: Path) -> None:
    """``.venv/bin/crmflow`` and ``.venv/bin/python`` of the folder run this checkout with this interpreter."""
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    env = f'export PYTHONPATH={shlex.quote(str(SRC))}"${{PYTHONPATH:+:$PYTHONPATH}}"\n'
    (bin_dir / "python").write_text(f'#!/bin/sh\n{env}exec {shlex.quote(sys.executable)} "$@"\n', encoding="utf-8")
    (bin_dir / "crmflow").write_text(
        f"#!/bin/sh\n{env}exec {shlex.quote(sys.executable)} -c "
        '\'import sys; from crmflow.cli.main import app; sys.argv[0] = "crmflow"; app(prog_name="crmflow")\' "$@"\n',
        encoding="utf-8",
    )
    for shim in bin_dir.iterdir():
        shim.chmod(0o755)


def test_readme_commands_are_found() -> None:
    commands = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert commands[0] == "make demo"  # the README starts with the one command that makes the demo data
    assert any(c.startswith("crmflow import bitrix24_status.json") for c in commands)
    made = next(i for i, c in enumerate(commands) if "write_bitrix24_exports" in c)
    read = next(i for i, c in enumerate(commands) if c.startswith("crmflow import bitrix24_status.json"))
    assert made < read, "the README reads the sample files before the command that writes them"


@pytest.mark.slow
def test_readme_commands_run_top_to_bottom(tmp_path: Path) -> None:
    commands = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    (tmp_path / "src").symlink_to(ROOT / "src")  # the paths the README names under src/ (examples)
    _shims(tmp_path)
    script = ["set -u", 'export PATH="$PWD/.venv/bin:$PATH"']
    ran, skipped = [], []
    for cmd in commands:
        if cmd == "make test":
            continue
        if any(p.search(cmd) for p in NEEDS_NETWORK):
            skipped.append(cmd)
            continue
        for line in _make_demo_recipe() if cmd == "make demo" else [cmd]:
            ran.append(line)
            script.append(f"echo {shlex.quote('>>> ' + line)}\n{line} || {{ echo {shlex.quote('FAILED: ' + line)}; exit 1; }}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMFLOW_")}
    env["COLUMNS"] = "200"
    res = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800)
    print("not run (network or a server):", *skipped, sep="\n  ")
    assert res.returncode == 0, f"{res.stdout[-6000:]}\n{res.stderr[-4000:]}"
    assert len(ran) >= 20 and "FAILED" not in res.stdout
    written = ("out/demo/index.html", "project.duckdb", "out/audit/report.html", "asis.png", "out/check", "lead.bpmn")
    for made in (*written, "out/quality/quality.json", "out/pack", "out/deals.parquet.d", "out/audit-duckdb/audit.json"):
        assert (tmp_path / made).exists(), f"the README's commands did not write {made}"
