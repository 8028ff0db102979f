"""The command group: every command ends a file-system error with the usual one-line message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmflow.cli.main import app
from tests.conftest import real

runner = CliRunner(env={"COLUMNS": "200"})


def _oneline(output: str) -> str:
    return " ".join(output.split())


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "{log}", "--out", "{file}"],
        ["erd", "{csv}", "--out", "{file}"],
        ["render", "{bpmn}", "--out", "{missing}/x.svg"],
    ],
)
def test_output_path_problems_are_one_line_errors(tmp_path: Path, command: list[str]) -> None:
    # Regression: `--out` naming an existing file (FileExistsError) or a picture in a missing folder
    # (FileNotFoundError) ended in a Python traceback without --debug.
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    csv = tmp_path / "t.csv"
    csv.write_text("id,name\n1,a\n2,b\n", encoding="utf-8")
    values = {
        "{log}": str(real("running-example.xes")),
        "{file}": str(blocker),
        "{csv}": str(csv),
        "{bpmn}": str(real("running-example.bpmn")),
        "{missing}": str(tmp_path / "nowhere"),
    }
    args = []
    for arg in command:
        for key, value in values.items():
            arg = arg.replace(key, value)
        args.append(arg)
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    text = _oneline(res.output)
    assert "Error: " in text and "check the path" in text and "(run with --debug to see the traceback)" in text
    assert "Traceback" not in res.output


def test_output_path_problem_in_russian_and_with_debug(tmp_path: Path) -> None:
    target = str(tmp_path / "nowhere" / "x.svg")
    res = runner.invoke(app, ["--lang", "ru", "render", str(real("running-example.bpmn")), "--out", target])
    assert res.exit_code == 2
    assert f"Ошибка: {target}: " in _oneline(res.output) and "проверьте путь" in res.output
    res = runner.invoke(app, ["--debug", "render", str(real("running-example.bpmn")), "--out", target])
    assert isinstance(res.exception, FileNotFoundError)  # --debug keeps the real exception
