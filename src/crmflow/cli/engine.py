"""``crmflow engine deploy | run | status | instances | incidents | retry | send-message | log``: the engine from the shell."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from crmflow.cli.main import LangOpt, _fail, _set_lang, app, console, out, state
from crmflow.errors import CrmflowError
from crmflow.i18n import text

MSG: dict[str, dict[str, str]] = {
    "help": {
        "en": "The engine: deploy a To-Be (YAML or BPMN), run it durably (SQLite or PostgreSQL), inspect and steer it.",
        "ru": "Движок: развернуть To-Be (YAML или BPMN), исполнять надёжно (SQLite или PostgreSQL), смотреть и управлять.",
    },
    "deployed": {
        "en": "Deployed {process} version {version} ({nodes} elements) into {store}",
        "ru": "Развёрнут {process}, версия {version} (элементов: {nodes}) в {store}",
    },
    "warning": {"en": "warning: {message}", "ru": "предупреждение: {message}"},
    "serving": {
        "en": "Engine running on {store}; task API on http://{host}:{port} (Ctrl+C stops)",
        "ru": "Движок работает на {store}; API задач: http://{host}:{port} (Ctrl+C — остановить)",
    },
    "idle": {"en": "Nothing left to do now: {rounds} round(s)", "ru": "Сейчас делать нечего: раундов {rounds}"},
    "sent": {"en": "Accepted: {key}", "ru": "Принято: {key}"},
    "duplicate": {"en": "Already accepted before: {key} (nothing stored)", "ru": "Уже принято ранее: {key} (ничего не записано)"},
    "retried": {"en": "Incident {id} will be retried", "ru": "Инцидент {id} будет повторён"},
    "not_open": {
        "en": "Incident {id} is not open (crmflow engine incidents)",
        "ru": "Инцидент {id} не открыт (crmflow engine incidents)",
    },
    "vars": {"en": "--vars must be a JSON object: {reason}", "ru": "--vars должен быть JSON-объектом: {reason}"},
    "exported": {
        "en": "Engine log imported into {project}: {events} events, {cases} cases (crmflow audit {project})",
        "ru": "Журнал движка импортирован в {project}: событий {events}, кейсов {cases} (crmflow audit {project})",
    },
    "none": {"en": "none", "ru": "нет"},
}

engine_app = typer.Typer(no_args_is_help=True, help=MSG["help"]["en"] + " / " + MSG["help"]["ru"])
app.add_typer(engine_app, name="engine")

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Engine store: a SQLite file or postgresql://host/db (default: $CRMFLOW_ENGINE_STORE or crmflow-engine.sqlite).",
    ),
]


def _t(msg: str, /, **kw: object) -> str:
    return text(MSG, msg, state.lang, **kw)


def _store(store: str | None) -> str:
    return store or os.environ.get("CRMFLOW_ENGINE_STORE") or "crmflow-engine.sqlite"


def _engine(store: str | None, **kw: Any) -> Any:
    from crmflow.engine.worker import Engine

    return Engine(_store(store), lang=state.lang, **kw)


@engine_app.command("deploy")
def deploy_cmd(
    model: Annotated[Path, typer.Argument(help="To-Be YAML or BPMN file.", dir_okay=False)],
    store: StoreOpt = None,
    working_time: Annotated[bool, typer.Option("--working-time", help="Count a drawn BPMN's timers in working time.")] = False,
    lang: LangOpt = None,
) -> None:
    """Check a model and store it; new instances of its processes use it."""
    _set_lang(lang)
    try:
        deployment = _engine(store).deploy(model, time_basis="working" if working_time else None)
    except CrmflowError as exc:
        _fail(exc)
        return
    for w in deployment.warnings:
        console.print(_t("warning", message=w), highlight=False, markup=False)
    for p in deployment.processes:
        out.print(_t("deployed", process=p.id, version=p.version, nodes=len(p.nodes), store=_store(store)), highlight=False)


@engine_app.command("run")
def run_cmd(
    store: StoreOpt = None,
    staff: Annotated[
        Path | None, typer.Option("--staff", help="Staff YAML: people, roles, skills, territories, absences.")
    ] = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the task API; 0: no API.")] = 8612,
    batch: Annotated[int, typer.Option("--batch", help="Inbox events per transaction (group commit).")] = 50,
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Work until nothing is left to do now, then stop.")] = False,
    triggers: Annotated[
        Path | None, typer.Option("--triggers", help="Trigger table YAML: mounts the CRM webhooks under /webhooks.")
    ] = None,
    run_file: Annotated[
        Path | None,
        typer.Option("--run-file", help="YAML: connector and operation per service task; messages that complete tasks."),
    ] = None,
    bus: Annotated[
        Path | None,
        typer.Option("--bus", help="To-Be YAML: publish events to $CRMFLOW_BUS_URL, validated by its AsyncAPI."),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Run the worker (inbox, timers, outbox relay through the connectors and the bus) and the HTTP API until stopped."""
    _set_lang(lang)
    import threading

    try:
        from crmflow.engine.routing import Staff, load_staff
        from crmflow.engine.service import RunFile, connectors_from_env, read_run_file
        from crmflow.engine.triggers import read_triggers

        people = load_staff(staff) if staff else Staff()
        bindings = read_run_file(run_file) if run_file else RunFile()
        table = read_triggers(triggers) if triggers else None
        connectors = connectors_from_env()
        publisher = None
        if bus is not None:
            from crmflow.design.loader import load_tobe
            from crmflow.engine.bus import AsyncApiValidator, BusPublisher
            from crmflow.engine.connectors import BusConnector

            publisher = BusPublisher.from_env(AsyncApiValidator.for_model(load_tobe(bus), lang=state.lang))
            connectors.append(BusConnector(publisher))
        worker = _engine(
            store,
            staff=people,
            batch=batch,
            connectors=connectors,
            publisher=publisher,
            bindings=bindings.actions,
            task_messages=bindings.task_messages,
        )
        if until_idle:
            out.print(_t("idle", rounds=worker.run_until_idle()))
            return
    except CrmflowError as exc:
        _fail(exc)
        return
    stop = threading.Event()
    loop = threading.Thread(target=worker.serve, kwargs={"stop": stop}, daemon=True)
    loop.start()
    out.print(_t("serving", store=_store(store), host=host, port=port), highlight=False)
    try:
        if port:
            import uvicorn

            from crmflow.engine.service import create_run_app

            api = create_run_app(_engine(store, staff=people), table)
            uvicorn.run(api, host=host, port=port, log_level="warning")
        else:
            loop.join()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        loop.join(timeout=5)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*(str(v) if v is not None else "" for v in r))
    out.print(table)


@engine_app.command("status")
def status_cmd(store: StoreOpt = None, lang: LangOpt = None) -> None:
    """Rows per status: instances, inbox, outbox, tasks, incidents, timers, parked messages."""
    _set_lang(lang)
    try:
        counts = _engine(store).store.counts()
    except CrmflowError as exc:
        _fail(exc)
        return
    _table(_store(store), ["table", "status", "rows"], [[t, s, n] for t, by in counts.items() for s, n in sorted(by.items())])


@engine_app.command("instances")
def instances_cmd(
    store: StoreOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="active | completed | failed")] = None,
    key: Annotated[str | None, typer.Option("--key", help="Business key (lead or deal id).")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    lang: LangOpt = None,
) -> None:
    """Instances, newest first, with where they wait."""
    _set_lang(lang)
    from crmflow.engine.http import list_instances

    try:
        rows = list_instances(_engine(store), status=status, business_key=key, limit=limit)
    except CrmflowError as exc:
        _fail(exc)
        return
    columns = ["id", "process_id", "business_key", "status", "waiting_at", "updated_at"]
    _table(_store(store), columns, [[", ".join(r[c]) if c == "waiting_at" else r[c] for c in columns] for r in rows])


@engine_app.command("incidents")
def incidents_cmd(
    store: StoreOpt = None, all_: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False, lang: LangOpt = None
) -> None:
    """Open incidents (exhausted retries, conditions that failed, uncaught errors)."""
    _set_lang(lang)
    from crmflow.engine.http import list_incidents

    try:
        engine = _engine(store)
        rows = list_incidents(engine) + (list_incidents(engine, status="resolved") if all_ else [])
    except CrmflowError as exc:
        _fail(exc)
        return
    columns = ["id", "instance_id", "node", "kind", "status", "detail"]
    _table(_store(store), columns, [[r[c] for c in columns] for r in rows])


@engine_app.command("retry")
def retry_cmd(
    incident: Annotated[int, typer.Argument(help="Incident id (crmflow engine incidents).")],
    store: StoreOpt = None,
    lang: LangOpt = None,
) -> None:
    """Retry an incident: resend its side effect, or let the stuck token move again."""
    _set_lang(lang)
    try:
        ok = _engine(store).retry(incident)
    except CrmflowError as exc:
        _fail(exc)
        return
    if not ok:
        console.print(_t("not_open", id=incident))
        raise typer.Exit(1)
    out.print(_t("retried", id=incident))


@engine_app.command("send-message")
def send_message_cmd(
    name: Annotated[str, typer.Argument(help="Message name (lead.created, call.logged, a receive task's id).")],
    key: Annotated[str, typer.Option("--key", help="Correlation variable (lead_id, deal_id, phone, business_key).")],
    value: Annotated[str, typer.Option("--value", help="Its value.")],
    variables: Annotated[str, typer.Option("--vars", help='Variables as a JSON object: {"lead": {"reached": true}}')] = "{}",
    dedupe: Annotated[str | None, typer.Option("--dedupe", help="Dedupe key (default: name:key:value).")] = None,
    store: StoreOpt = None,
    lang: LangOpt = None,
) -> None:
    """Put a message into the inbox (it starts, continues or waits parked; `run` processes it)."""
    _set_lang(lang)
    from crmflow.engine.contracts import CorrelateMessage

    try:
        data = json.loads(variables)
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        console.print(_t("vars", reason=exc))
        raise typer.Exit(2) from None
    dedupe_key = dedupe or f"cli:{name}:{key}:{value}"
    try:
        accepted = _engine(store).accept(
            CorrelateMessage(
                message_name=name, correlation_key=key, correlation_value=value, dedupe_key=dedupe_key, variables=data
            )
        )
    except CrmflowError as exc:
        _fail(exc)
        return
    out.print(_t("sent" if accepted else "duplicate", key=dedupe_key), highlight=False)


@engine_app.command("log")
def log_cmd(
    into: Annotated[Path, typer.Option("--into", help="Project store (DuckDB) to import the engine's log into.")],
    store: StoreOpt = None,
    both: Annotated[bool, typer.Option("--with-starts", help="Keep activity starts as events too.")] = False,
    lang: LangOpt = None,
) -> None:
    """Import the engine's own event log into a project store, for `crmflow audit` and `crmflow check`."""
    _set_lang(lang)
    from crmflow.engine.eventlog import export_event_log

    try:
        result = export_event_log(_engine(store).store, into, lifecycle="both" if both else "complete")
    except CrmflowError as exc:
        _fail(exc)
        return
    out.print(_t("exported", project=into, events=result.events, cases=result.cases), highlight=False)
