"""`crmflow discover | render | lint | check` on the real logs and models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmflow.bpmn.reader import read_bpmn
from crmflow.cli.main import app
from tests.conformance.pm4py_adapter import reference_pair
from tests.conftest import real

pytest.importorskip("pm4py")
runner = CliRunner()


def test_discover_writes_bpmn_with_lanes_and_a_picture(tmp_path: Path) -> None:
    model, picture = tmp_path / "hd.bpmn", tmp_path / "hd.svg"
    res = runner.invoke(app, ["discover", str(real("helpdesk.xes.gz")), "--out", str(model), "--svg", str(picture)])
    assert res.exit_code == 0, res.output
    defs = read_bpmn(model)
    process = defs.process()
    assert process.all_lanes(), "lanes by dominant resource"
    assert {n.name for n in process.all_nodes() if getattr(n, "name", None)} >= {"Insert ticket", "Closed"}
    assert defs.diagrams and picture.read_text(encoding="utf-8").startswith("<svg")
    res = runner.invoke(app, ["lint", str(model)])
    assert res.exit_code == 0, res.output


def test_render_png(tmp_path: Path) -> None:
    png = tmp_path / "re.png"
    res = runner.invoke(app, ["render", str(real("running-example.bpmn")), "--out", str(png)])
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_check_matches_pm4py_fitness(tmp_path: Path) -> None:
    import pm4py  # test-only (AGPL)

    res = runner.invoke(
        app, ["check", str(real("running-example.xes")), str(real("running-example.bpmn")), "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "conformance.json").read_text(encoding="utf-8"))
    plog, net, im, fm = reference_pair(str(real("running-example.bpmn")), str(real("running-example.xes")))
    theirs = pm4py.fitness_token_based_replay(plog, net, im, fm)
    assert abs(doc["token_replay"]["log_fitness"] - theirs["log_fitness"]) < 1e-9
    assert abs(doc["alignments"]["log_fitness"] - pm4py.fitness_alignments(plog, net, im, fm)["log_fitness"]) < 1e-9
    assert len(doc["token_replay"]["cases"]) == 6
    html = (tmp_path / "conformance.html").read_text(encoding="utf-8")
    assert "Token-based replay" in html and "<td>6</td>" in html  # every case is listed


def test_lint_fails_on_a_deadlock(tmp_path: Path) -> None:
    bad = sorted((Path(__file__).resolve().parents[1] / "data" / "bpmn" / "lint").glob("*deadlock*.bpmn"))
    assert bad, "the lint fixtures include a deadlock"
    res = runner.invoke(app, ["lint", str(bad[0])])
    assert res.exit_code == 1


def test_discover_annotates_by_default_and_not_when_asked(tmp_path: Path) -> None:
    from crmflow.bpmn.annotate import task_annotation

    annotated, plain = tmp_path / "a.bpmn", tmp_path / "p.bpmn"
    log = str(real("helpdesk.xes.gz"))
    res = runner.invoke(app, ["discover", log, "--out", str(annotated), "--lang", "ru"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["discover", log, "--out", str(plain), "--no-annotate"])
    assert res.exit_code == 0, res.output
    with_notes, without = read_bpmn(annotated), read_bpmn(plain)
    closed = next(n for n in with_notes.flow_nodes() if getattr(n, "name", "") == "Closed")
    assert task_annotation(closed).events == 4574  # events of `Closed` in the helpdesk log
    assert any(t.text.startswith("⚠ ") for t in with_notes.process().text_annotations)
    assert "Узкое место" in annotated.read_text(encoding="utf-8")
    assert all(not n.extensions for n in without.flow_nodes()) and not without.process().text_annotations


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--noise", "2"], "--noise 2.0: the noise threshold must be at least 0 and below 1"),
        (["--noise", "-0.1"], "--noise -0.1: the noise threshold must be at least 0 and below 1"),
        (["--svg", "picture.jpg"], "picture.jpg: choose an output ending in .svg or .png"),
    ],
)
def test_discover_refuses_bad_options_before_writing_anything(tmp_path: Path, args: list[str], expected: str) -> None:
    # Regression: `--noise 2` failed after the whole log was read, naming the library's `noise_threshold`;
    # `--svg picture.jpg` failed only after asis.bpmn had been written.
    model = tmp_path / "m.bpmn"
    res = runner.invoke(app, ["discover", str(real("running-example.xes")), "--out", str(model), *args])
    assert res.exit_code == 2
    assert expected in " ".join(res.output.split())
    assert "Traceback" not in res.output
    assert not model.exists()


def test_discover_noise_message_in_russian(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["--lang", "ru", "discover", str(real("running-example.xes")), "--noise", "1", "--out", str(tmp_path / "m.bpmn")]
    )
    assert res.exit_code == 2
    assert "порог шума должен быть не меньше 0 и меньше 1" in " ".join(res.output.split())


def test_check_names_the_methods_in_russian(tmp_path: Path) -> None:
    # Regression: `--lang ru check` printed "token replay: соответствие журнала …" with the English method name.
    res = runner.invoke(
        app,
        ["--lang", "ru", "check", str(real("running-example.xes")), str(real("running-example.bpmn")), "--out", str(tmp_path)],
    )
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert any(line.startswith("воспроизведение фишек: соответствие журнала") for line in lines), res.output
    assert any(line.startswith("выравнивания: соответствие журнала") for line in lines), res.output
    assert "token replay" not in res.output


@pytest.mark.parametrize("log", ["helpdesk.xes.gz", "running-example.xes"])
def test_discover_then_check_on_the_same_log_fits_and_says_its_noise_filter(tmp_path: Path, log: str) -> None:
    model = tmp_path / "m.bpmn"
    res = runner.invoke(app, ["discover", str(real(log)), "--out", str(model), "--no-annotate"])
    assert res.exit_code == 0, res.output
    assert "Noise filter 0 (--noise): every path of the log is kept" in " ".join(res.output.split())
    res = runner.invoke(app, ["check", str(real(log)), str(model), "--out", str(tmp_path / "c"), "--no-alignments"])
    said = " ".join(res.output.split())
    assert res.exit_code == 0, res.output
    assert "fitting cases 100.0 %" in said and "discovered with noise filter 0 (every path of its log kept)" in said
    doc = json.loads((tmp_path / "c" / "conformance.json").read_text(encoding="utf-8"))
    assert doc["token_replay"]["perc_fit_traces"] == 100.0


def test_a_noise_filter_is_stated_by_discover_and_check(tmp_path: Path) -> None:
    model, log = tmp_path / "m.bpmn", str(real("helpdesk.xes.gz"))
    res = runner.invoke(app, ["discover", log, "--out", str(model), "--noise", "0.2", "--no-annotate"])
    said = " ".join(res.output.split())
    assert "Noise filter 0.2 (--noise): paths followed less than 20% as often as the strongest path" in said
    assert "--noise 0 keeps every path" in said
    res = runner.invoke(app, ["--lang", "ru", "check", log, str(model), "--out", str(tmp_path / "c"), "--no-alignments"])
    said = " ".join(res.output.split())
    fit = json.loads((tmp_path / "c" / "conformance.json").read_text(encoding="utf-8"))["token_replay"]["perc_fit_traces"]
    assert fit < 100.0  # the filter leaves rare paths out, and check says why
    assert "Модель построена с фильтром шума 0,2: пути, по которым шли реже, чем 20 %" in said
    plain = runner.invoke(app, ["check", log, str(real("running-example.bpmn")), "--out", str(tmp_path / "p")])
    assert "noise filter" not in plain.output  # a model not discovered by crmflow: nothing to say
