"""The engine's HTTP API (FastAPI, JSON): the task screen's calls, instances, incidents, messages in.

``engine_router(engine)`` is an ``APIRouter`` the web app mounts (branch i13); ``create_app(engine)``
wraps it in an app for ``crmflow engine run``. Routes::

    GET  /tasks?user=&role=&status=open,claimed&limit=   the queue, most urgent first
    GET  /tasks/{id}                                     one task with its instance's variables
    POST /tasks/{id}/claim      {"user": "anna"}
    POST /tasks/{id}/complete   {"user": "anna", "variables": {"lead": {"reached": true}}}   -> 202
    POST /tasks/{id}/delegate   {"to": "oleg", "user": "anna"}
    GET  /instances?status=&business_key=&limit=
    GET  /incidents             POST /incidents/{id}/retry
    POST /messages              a CorrelateMessage as JSON -> 202 (200 with "duplicate": true when seen)
    GET  /status                rows per status (instances, inbox, outbox, tasks, incidents, timers, parked)

Errors answer ``{"detail": "..."}``: 404 for an unknown task, 409 for a task in the wrong state or
claimed by someone else, 422 for a malformed body. Use one engine (one connection) per process that
serves; the worker loop runs on its own engine.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from crmflow.engine.contracts import CorrelateMessage
from crmflow.engine.tasks import TaskService
from crmflow.engine.timing import from_epoch
from crmflow.errors import TaskError, UnknownTaskError

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.engine.worker import Engine


class Claim(BaseModel):
    user: str = Field(min_length=1, max_length=200)


class Complete(BaseModel):
    user: str | None = Field(default=None, max_length=200)
    variables: dict[str, Any] = Field(default_factory=dict)


class Delegate(BaseModel):
    to: str = Field(min_length=1, max_length=200)
    user: str | None = Field(default=None, max_length=200)


class Message(BaseModel):
    message_name: str = Field(min_length=1, max_length=200)
    correlation_key: str = Field(min_length=1, max_length=200)
    correlation_value: str = Field(min_length=1, max_length=500)
    dedupe_key: str = Field(min_length=1, max_length=500)
    variables: dict[str, Any] = Field(default_factory=dict)


def _task_error(exc: TaskError) -> HTTPException:
    return HTTPException(status_code=404 if isinstance(exc, UnknownTaskError) else 409, detail=str(exc))


def engine_router(engine: Engine) -> APIRouter:
    """The routes of the module docstring over ``engine``."""
    router = APIRouter()
    tasks = TaskService(engine)
    db = engine.store

    @router.get("/tasks")
    def list_tasks(
        user: str | None = None, role: str | None = None, status: str = "open,claimed", limit: int = Query(100, ge=1, le=1000)
    ) -> list[dict[str, Any]]:
        wanted = tuple(s for s in status.split(",") if s)
        return [t.to_dict() for t in tasks.list(user=user, role=role, status=wanted, limit=limit)]

    @router.get("/tasks/{task_id}")
    def get_task(task_id: str) -> dict[str, Any]:
        try:
            return tasks.get(task_id).to_dict()
        except TaskError as exc:
            raise _task_error(exc) from None

    @router.post("/tasks/{task_id}/claim")
    def claim(task_id: str, body: Claim) -> dict[str, Any]:
        try:
            return tasks.claim(task_id, body.user).to_dict()
        except TaskError as exc:
            raise _task_error(exc) from None

    @router.post("/tasks/{task_id}/complete", status_code=202)
    def complete(task_id: str, body: Complete) -> dict[str, Any]:
        try:
            accepted = tasks.complete(task_id, body.variables, user=body.user)
        except TaskError as exc:
            raise _task_error(exc) from None
        return {"task": task_id, "accepted": accepted}

    @router.post("/tasks/{task_id}/delegate")
    def delegate(task_id: str, body: Delegate) -> dict[str, Any]:
        try:
            return tasks.delegate(task_id, body.to, user=body.user).to_dict()
        except TaskError as exc:
            raise _task_error(exc) from None

    @router.get("/instances")
    def instances(
        status: str | None = None, business_key: str | None = None, limit: int = Query(100, ge=1, le=1000)
    ) -> list[dict[str, Any]]:
        return [i for i in list_instances(engine, status=status, business_key=business_key, limit=limit)]

    @router.get("/incidents")
    def incidents(status: str = "open") -> list[dict[str, Any]]:
        return list_incidents(engine, status=status)

    @router.post("/incidents/{incident_id}/retry")
    def retry(incident_id: int) -> dict[str, Any]:
        if not engine.retry(incident_id):
            raise HTTPException(status_code=409, detail=f"incident {incident_id} is not open (list them with GET /incidents)")
        return {"incident": incident_id, "retried": True}

    @router.post("/messages", status_code=202)
    def message(body: Message) -> dict[str, Any]:
        accepted = engine.accept(CorrelateMessage(**body.model_dump()))
        return {"accepted": accepted, "duplicate": not accepted}

    @router.get("/status")
    def status() -> dict[str, dict[str, int]]:
        return db.counts()

    return router


def list_instances(
    engine: Engine, *, status: str | None = None, business_key: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Instances, newest first, with where their tokens wait."""
    where, params = ["1 = 1"], []
    if status:
        where.append("status = ?")
        params.append(status)
    if business_key:
        where.append("business_key = ?")
        params.append(business_key)
    sql = (
        "SELECT id, process_id, version, business_key, status, state, created_at, updated_at FROM instances "
        f"WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT ?"
    )
    with engine.store.tx():
        rows = engine.store.q(sql, (*params, limit))
    out = []
    for iid, pid, version, key, st, state, created, updated in rows:
        tokens = json.loads(str(state))["tokens"]
        out.append(
            {
                "id": iid,
                "process_id": pid,
                "version": version,
                "business_key": key,
                "status": st,
                "waiting_at": sorted({f"{t['node']} ({t['wait']})" for t in tokens.values()}),
                "created_at": from_epoch(float(created)).isoformat(),
                "updated_at": from_epoch(float(updated)).isoformat(),
            }
        )
    return out


def list_incidents(engine: Engine, *, status: str = "open") -> list[dict[str, Any]]:
    """Incidents with their instance, element, kind and what happened."""
    with engine.store.tx():
        rows = engine.store.q(
            "SELECT id, instance_id, node, kind, detail, ref, status, created_at FROM incidents WHERE status = ? ORDER BY id",
            (status,),
        )
    keys = ("id", "instance_id", "node", "kind", "detail", "ref", "status", "created_at")
    return [dict(zip(keys, (*r[:7], from_epoch(float(r[7])).isoformat()), strict=True)) for r in rows]


def create_app(engine: Engine) -> FastAPI:
    """An ASGI app serving :func:`engine_router` (``crmflow engine run --port``)."""
    app = FastAPI(title="crmflow engine", version="1")
    app.include_router(engine_router(engine))
    return app


__all__ = ["create_app", "engine_router", "list_incidents", "list_instances"]
