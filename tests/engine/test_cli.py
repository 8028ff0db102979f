"""`crmflow engine …` end to end on SQLite, and the audit of the engine's own log with `crmflow audit`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from typer.testing import CliRunner

from crmflow.cli.main import app

LEAD = str(files("crmflow.design") / "examples" / "incoming_lead.yaml")


def test_deploy_send_run_status_log_and_audit(tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "300"})
    store = str(tmp_path / "engine.sqlite")
    res = runner.invoke(app, ["engine", "deploy", LEAD, "--store", store])
    assert res.exit_code == 0, res.output
    assert "Deployed lead_processing" in res.output
    for n in range(3):
        res = runner.invoke(
            app, ["engine", "send-message", "lead.created", "--key", "lead_id", "--value", f"L{n}", "--store", store]
        )
        assert res.exit_code == 0 and "Accepted" in res.output
    res = runner.invoke(app, ["engine", "send-message", "lead.created", "--key", "lead_id", "--value", "L0", "--store", store])
    assert "Already accepted" in res.output
    assert (
        runner.invoke(
            app, ["engine", "send-message", "x", "--key", "k", "--value", "v", "--vars", "[1]", "--store", store]
        ).exit_code
        == 2
    )
    # no connector is registered from the shell: the service task's call becomes an incident after its attempts
    res = runner.invoke(app, ["engine", "run", "--until-idle", "--port", "0", "--store", store])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["engine", "incidents", "--store", store])
    assert "no connector named `crm`" in res.output
    res = runner.invoke(app, ["engine", "instances", "--store", store])
    assert res.exit_code == 0 and "register_lead (action)" in res.output
    res = runner.invoke(app, ["engine", "status", "--store", store])
    assert res.exit_code == 0 and "incidents" in res.output
    res = runner.invoke(app, ["engine", "retry", "999", "--store", store])
    assert res.exit_code == 1
    project = tmp_path / "engine.duckdb"
    res = runner.invoke(app, ["engine", "log", "--into", str(project), "--with-starts", "--store", store])
    assert res.exit_code == 0, res.output
    assert "3 events, 3 cases" in res.output
    res = runner.invoke(app, ["audit", str(project), "--out", str(tmp_path / "audit")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "audit" / "audit.json").exists()


def test_deploy_refusal_is_a_readable_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_text(
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><process id="P">'
        '<startEvent id="S"/><scriptTask id="Run"/><endEvent id="E"/>'
        '<sequenceFlow id="f1" sourceRef="S" targetRef="Run"/><sequenceFlow id="f2" sourceRef="Run" targetRef="E"/>'
        "</process></definitions>"
    )
    res = CliRunner().invoke(app, ["engine", "deploy", str(bad), "--store", str(tmp_path / "e.sqlite"), "--lang", "ru"])
    assert res.exit_code == 2
    assert "`Run`" in res.output and "scriptTask не исполняется" in res.output
