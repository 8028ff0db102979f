"""``crmflow serve`` (the web app) and ``crmflow users add`` (accounts): a thin shell over :mod:`crmflow.web`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from crmflow.cli.main import _fail, app, out, state
from crmflow.errors import CrmflowError
from crmflow.i18n import text

MSG: dict[str, dict[str, str]] = {
    "serving": {
        "en": "crmflow web app on http://{host}:{port}/ (data in {data}); stop with Ctrl+C",
        "ru": "Веб-приложение crmflow: http://{host}:{port}/ (данные в {data}); остановка: Ctrl+C",
    },
    "no_users": {
        "en": "No accounts yet: create the first admin with `crmflow users add NAME --role admin --data {data}`",
        "ru": "Учётных записей нет: создайте первого администратора: `crmflow users add ИМЯ --role admin --data {data}`",
    },
    "added": {"en": "User {name} ({role}) created.", "ru": "Пользователь {name} ({role}) создан."},
    "password_env": {
        "en": "give the password in $CRMFLOW_PASSWORD or type it when asked",
        "ru": "передайте пароль в $CRMFLOW_PASSWORD или введите его по запросу",
    },
}

DataOpt = Annotated[Path, typer.Option("--data", help="Folder of the web app's accounts and projects.")]
users_app = typer.Typer(help="Accounts of the web app (crmflow serve).", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _t(key: str, **kw: object) -> str:
    return text(MSG, key, state.lang, **kw)


@app.command()
def serve(
    project: Annotated[
        Path | None, typer.Argument(help="A project store (PROJECT.duckdb) to open; more can be created in the app.")
    ] = None,
    data: DataOpt = Path("crmflow-web"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    create_admin: Annotated[
        str | None,
        typer.Option("--create-admin", help="Create this admin account first (password from $CRMFLOW_PASSWORD or asked)."),
    ] = None,
    insecure_cookies: Annotated[
        bool, typer.Option(help="Send cookies over plain HTTP from a non-local address (behind no TLS proxy: don't).")
    ] = False,
) -> None:
    """Start the web app: import and audit, process explorer, dashboard, task inbox."""
    import uvicorn

    from crmflow.web.accounts import Accounts
    from crmflow.web.app import AppConfig, create_app

    try:
        if create_admin:
            _add_user(data, create_admin, "admin", "")
        with_accounts = Accounts(data / "web.sqlite")
        if not with_accounts.users():
            out.print(_t("no_users", data=data))
        with_accounts.close()
        application = create_app(AppConfig(data_dir=data, project=project, secure_cookies=not insecure_cookies))
    except CrmflowError as exc:
        _fail(exc)
    out.print(_t("serving", host=host, port=port, data=data))
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _add_user(data: Path, name: str, role: str, team: str) -> None:
    from crmflow.web.accounts import Accounts

    password = os.environ.get("CRMFLOW_PASSWORD") or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    accounts = Accounts(data / "web.sqlite")
    try:
        user = accounts.add_user(name, password, role=role, team=team)
    finally:
        accounts.close()
    out.print(_t("added", name=user.name, role=user.role))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (sign-in).")],
    role: Annotated[str, typer.Option(help="admin, analyst, manager, agent or viewer.")] = "viewer",
    team: Annotated[str, typer.Option(help="Team (the data scope of managers and agents).")] = "",
    data: DataOpt = Path("crmflow-web"),
) -> None:
    """Create an account (password from $CRMFLOW_PASSWORD or asked twice)."""
    try:
        _add_user(data, name, role, team)
    except CrmflowError as exc:
        _fail(exc)
