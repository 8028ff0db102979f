"""What ``crmflow engine run`` serves: the task API and the CRM webhooks on one ASGI app, the connectors and the bus.

:func:`create_run_app` mounts the webhook router (:mod:`crmflow.engine.webhooks`) next to the task
API (:mod:`crmflow.engine.http`), with the engine's durable inbox behind it: a webhook is answered
202 only after its commands are committed in the store, and an event no trigger matches is parked
*in the store* (an inbox row with status ``parked``, counted by ``crmflow engine status``) by
:class:`StoreParkedEvents`. :func:`connectors_from_env` builds every connector whose settings are in
the environment (Bitrix24, amoCRM, SMTP, outgoing webhooks); :func:`read_run_file` reads which
connector and operation each service task uses and which messages complete which user tasks::

    actions:                                   # service task id -> connector, operation, params
      register_lead: {connector: bitrix24, operation: crm.activity.todo.add,
                      params: {ownerTypeId: 1, ownerId: 0, deadline: "2026-12-07T10:00:00+03:00"}}
      assign_lead:   {connector: bitrix24, operation: tasks.task.add,
                      params: {fields: {TITLE: {expr: 'lead.title'}, RESPONSIBLE_ID: 1}}}   # {expr: …}: from the variables
    task_messages:                             # a message that completes a user task (by correlation)
      call.logged: [first_contact]
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmflow.engine.contracts import Connector, EngineCommand
from crmflow.engine.error_messages import ERRORS
from crmflow.engine.params import compile_params
from crmflow.engine.timing import epoch
from crmflow.engine.triggers import ParkedEvent, TriggerTable
from crmflow.errors import ConnectorError, EngineError
from crmflow.i18n import error
from crmflow.yamlfile import read_yaml

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI

    from crmflow.engine.store import EngineStore
    from crmflow.engine.webhooks import WebhookSettings
    from crmflow.engine.worker import Engine

_ACTION_KEYS = {"connector", "operation", "params"}


@dataclass(frozen=True)
class RunFile:
    """The bindings of a model to the outside world (see the module docstring)."""

    actions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    task_messages: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def read_run_file(path: str | Path) -> RunFile:
    """Read a run file (YAML); every problem names the file and the key.

    Raises
    ------
    EngineError
        If the file is not YAML, or a key or value is not what the module docstring shows.
    """
    data = read_yaml(path, what="engine run file", error=EngineError) or {}
    where = str(path)
    if not isinstance(data, dict):
        raise error(EngineError, ERRORS, "service.expected_mapping_actions_task", where=where, kind=type(data).__name__)
    unknown = sorted(set(data) - {"actions", "task_messages"})
    if unknown:
        raise error(EngineError, ERRORS, "service.unknown_key_expected_actions", where=where, unknown=unknown[0])
    actions: dict[str, dict[str, Any]] = {}
    for task, spec in (data.get("actions") or {}).items():
        if not isinstance(spec, dict) or not {"connector", "operation"} <= set(spec) or set(spec) - _ACTION_KEYS:
            raise error(EngineError, ERRORS, "service.actions_expected_got", where=where, task=task, spec=spec)
        if not isinstance(spec.get("params", {}), dict):
            raise error(
                EngineError,
                ERRORS,
                "service.actions_params_expected_mapping",
                where=where,
                task=task,
                spec=spec["params"],
            )
        try:
            params = compile_params(spec.get("params") or {}, key=f"actions.{task}.params")
        except EngineError as exc:
            raise error(EngineError, ERRORS, "service.message_2", where=where, exc=exc) from None
        actions[str(task)] = {**spec, "connector": str(spec["connector"]), "operation": str(spec["operation"]), "params": params}
    messages: dict[str, tuple[str, ...]] = {}
    for message, tasks in (data.get("task_messages") or {}).items():
        if not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks):
            raise error(EngineError, ERRORS, "service.task_messages_expected_list", where=where, message=message, tasks=tasks)
        messages[str(message)] = tuple(tasks)
    return RunFile(actions=actions, task_messages=messages)


def connectors_from_env() -> list[Connector]:
    """Every connector whose settings the environment has (the names are those service tasks bind to).

    Bitrix24 with ``CRMFLOW_BITRIX24_WEBHOOK_URL``; amoCRM with ``CRMFLOW_AMOCRM_BASE_URL`` and
    ``CRMFLOW_AMOCRM_TOKEN``; e-mail with ``CRMFLOW_SMTP_HOST``; outgoing webhooks with
    ``CRMFLOW_WEBHOOK_ENDPOINTS``. A connector whose settings are missing is left out: a service
    task bound to it becomes an incident that names the known connectors.
    """
    from crmflow.engine.connectors import AmoCrmConnector, Bitrix24Connector, EmailConnector, NotifySettings, WebhookConnector

    out: list[Connector] = []
    for build in (Bitrix24Connector.from_env, AmoCrmConnector.from_env):
        try:
            out.append(build())
        except ConnectorError:
            continue  # not configured
    notify = NotifySettings()
    if notify.smtp_host:
        out.append(EmailConnector(notify))
    if notify.webhook_endpoints:
        out.append(WebhookConnector(notify))
    return out


class ThreadInbox:
    """The durable :class:`~crmflow.engine.contracts.Inbox` of the webhooks: one connection per server thread.

    Deliveries arrive on a web server's thread pool; each thread writes on its own connection, so
    concurrent deliveries commit side by side (PostgreSQL flushes their commits together) instead
    of queueing on one connection. The answer waits for the commit.
    """

    def __init__(self, engine: Engine) -> None:
        self.url, self.clock = engine.store.url, engine.clock
        self._local = threading.local()
        self._opened: list[EngineStore] = []
        self._lock = threading.Lock()

    def store(self) -> EngineStore:
        db = getattr(self._local, "store", None)
        if db is None:
            from crmflow.engine.store import open_store

            db = open_store(self.url, create=False)
            self._local.store = db
            with self._lock:
                self._opened.append(db)
        return db

    def accept(self, command: EngineCommand) -> bool:
        return self.store().accept(command, now=epoch(self.clock.now()))

    def close(self) -> None:
        with self._lock:
            for db in self._opened:
                db.close()
            self._opened.clear()


class StoreParkedEvents:
    """The durable :class:`~crmflow.engine.triggers.ParkedSink`: a parked event is an inbox row ``parked``.

    Deduplicated on the event's dedupe key (a repeated delivery of a parked event is recognised), kept
    with its reason and detail, counted by ``crmflow engine status`` and listed by :meth:`list`.
    """

    def __init__(self, store: EngineStore | ThreadInbox) -> None:
        self._store = store

    @property
    def store(self) -> EngineStore:
        return self._store.store() if isinstance(self._store, ThreadInbox) else self._store

    def park(self, parked: ParkedEvent) -> bool:
        body = json.dumps(
            {"event": asdict(parked.event), "reason": parked.reason, "detail": parked.detail}, default=str, sort_keys=True
        )
        return self.store.enqueue("event", f"parked:{parked.event.dedupe_key}", body, status="parked", detail=parked.detail)

    def list(self, limit: int = 100) -> list[dict[str, Any]]:
        db = self.store
        with db.tx():
            rows = db.q(
                "SELECT id, body, received_at FROM inbox WHERE kind = 'event' AND status = 'parked' ORDER BY id LIMIT ?", (limit,)
            )
        return [{"id": int(i), **json.loads(str(b)), "received_at": float(t)} for i, b, t in rows]


def create_run_app(engine: Engine, triggers: TriggerTable | None = None, *, settings: WebhookSettings | None = None) -> FastAPI:
    """The app of ``crmflow engine run``: the task API, and the webhooks when a trigger table is given.

    ``engine`` is the HTTP side's own engine (its own connection); the worker loop runs on another.
    """
    from crmflow.engine.http import create_app
    from crmflow.engine.webhooks import webhook_router

    app = create_app(engine)
    if triggers is not None:
        inbox = ThreadInbox(engine)
        app.include_router(webhook_router(triggers, inbox, StoreParkedEvents(inbox), settings=settings))
        app.router.on_shutdown.append(inbox.close)
    return app


__all__ = ["RunFile", "StoreParkedEvents", "ThreadInbox", "connectors_from_env", "create_run_app", "read_run_file"]
