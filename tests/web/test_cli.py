"""``crmflow users add`` and ``crmflow serve``'s argument checks (the server itself is tested through the app)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.web.accounts import Accounts


def test_users_add_creates_an_argon2_account(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(
        app,
        ["users", "add", "olga", "--role", "manager", "--team", "north", "--data", str(tmp_path)],
        env={"CRMFLOW_PASSWORD": "a long password 1"},
    )
    assert done.exit_code == 0, done.output
    accounts = Accounts(tmp_path / "web.sqlite")
    user = accounts.verify("olga", "a long password 1", client="test")
    assert user is not None and (user.role, user.team) == ("manager", "north")
    assert [c.action for c in accounts.changes()] == ["user.add"]


def test_users_add_refuses_a_short_password_and_an_unknown_role(tmp_path: Path) -> None:
    runner = CliRunner()
    short = runner.invoke(app, ["users", "add", "a", "--data", str(tmp_path)], env={"CRMFLOW_PASSWORD": "short"})
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    role = runner.invoke(
        app, ["users", "add", "a", "--role", "boss", "--data", str(tmp_path)], env={"CRMFLOW_PASSWORD": "a long password 1"}
    )
    assert role.exit_code == 2 and "unknown role 'boss'" in role.output


def test_serve_refuses_a_missing_project_store(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["serve", str(tmp_path / "nope.duckdb"), "--data", str(tmp_path / "web")])
    assert done.exit_code == 2 and "no such project store" in done.output
