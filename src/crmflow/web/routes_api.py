"""The JSON API (``/api``): thin routes over the library, the projects, the explorer and the work.

Every route takes the request context (:func:`crmflow.web.app.context`: user, language, CSRF check
on unsafe methods) and calls one function. The OpenAPI document is FastAPI's, at ``/api/openapi.json``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from crmflow.errors import AccessDeniedError
from crmflow.i18n import error
from crmflow.web import audit_view, control, explorer
from crmflow.web.app import Ctx, CtxDep
from crmflow.web.error_messages import ERRORS
from crmflow.web.explorer import CaseFilter
from crmflow.web.tasks import Task

router = APIRouter(prefix="/api")

Name = Annotated[str, Path(min_length=1, max_length=64)]
ShortId = Annotated[str, Path(min_length=1, max_length=64)]


class MeOut(BaseModel):
    name: str
    role: str
    team: str
    permissions: list[str]


class TaskOut(BaseModel):
    id: str
    instance_id: str
    process: str
    name: str
    element_id: str
    business_key: str
    candidate_group: str
    assignee: str | None
    priority: int
    created: datetime
    due: datetime | None
    state: Literal["open", "completed"]
    variables: dict[str, Any]


class NewProject(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=64)]


class PullIn(BaseModel):
    vendor: Literal["bitrix24", "amocrm", "hubspot", "salesforce"]


class MappingIn(BaseModel):
    mapping: dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=256)]]


class CompleteIn(BaseModel):
    variables: dict[Annotated[str, Field(max_length=64)], str | int | float | bool | None] = {}


class DelegateIn(BaseModel):
    to: Annotated[str, Field(min_length=1, max_length=64)]


def _task(task: Task) -> TaskOut:
    return TaskOut(**asdict(task))


def filters(
    start: Annotated[str | None, Query(max_length=32, pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]*)?$")] = None,
    end: Annotated[str | None, Query(max_length=32, pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]*)?$")] = None,
    attribute: Annotated[str | None, Query(max_length=128)] = None,
    values: Annotated[str | None, Query(max_length=2000)] = None,
    top_variants: Annotated[int | None, Query(ge=1, le=100000)] = None,
    min_hours: Annotated[float | None, Query(ge=0, le=1e7)] = None,
    max_hours: Annotated[float | None, Query(ge=0, le=1e7)] = None,
) -> CaseFilter:
    """The explorer's filter from query parameters (hours for durations, ISO dates for the window)."""
    vals = tuple(v.strip() for v in (values or "").split(",") if v.strip())
    return CaseFilter(
        start=start or None,
        end=end or None,
        attribute=attribute or None,
        values=vals,
        top_variants=top_variants,
        min_duration_s=min_hours * 3600 if min_hours is not None else None,
        max_duration_s=max_hours * 3600 if max_hours is not None else None,
    )


# accounts ------------------------------------------------------------------------------------
@router.get("/me", response_model=MeOut)
def me(ctx: Ctx = CtxDep) -> MeOut:
    user = ctx.need_user()
    from crmflow.web.accounts import PERMISSIONS

    return MeOut(name=user.name, role=user.role, team=user.team, permissions=sorted(PERMISSIONS[user.role]))


@router.get("/changes")
def changes(ctx: Ctx = CtxDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    ctx.need("changes.read")
    return [asdict(c) for c in ctx.accounts.changes(limit)]


# projects ------------------------------------------------------------------------------------
@router.get("/projects")
def projects(ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    ctx.need("project.read")
    return [{"name": p.name, "uploads": list(p.uploads), "audited": p.audited} for p in ctx.workspace.projects()]


@router.post("/projects", status_code=201)
def create_project(body: NewProject, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.write")
    p = ctx.workspace.create(body.name)
    ctx.log("project.create", p.name)
    return {"name": p.name}


@router.get("/projects/{name}")
def project(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.read")
    p = ctx.workspace.project(name)
    out: dict[str, Any] = {"name": p.name, "uploads": list(p.uploads), "audited": p.audited, "sources": [], "quarantine": []}
    if ctx.workspace.has_log(name):
        from crmflow.asis import source_summaries

        log = ctx.workspace.log(name)
        out["sources"] = source_summaries(log)
        out["quarantine"] = log.quarantine_reasons()
        out["events"], out["cases"] = log.n_events, log.n_cases
    return out


@router.post("/projects/{name}/upload")
async def upload(name: Name, file: Annotated[UploadFile, File()], ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.write")
    result = await asyncio.to_thread(ctx.workspace.upload, name, file.filename or "upload", file.file, lang=ctx.lang)
    ctx.log("project.upload", name, {"file": file.filename, "bytes": file.size})
    return result


@router.get("/crm")
def crm_connections(ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    """Which CRMs have their credentials in the environment (variable names, never values)."""
    from crmflow.web.crm_pull import connections

    ctx.need("project.read")
    return [asdict(c) for c in connections()]


@router.post("/projects/{name}/pull")
async def pull_from_crm(name: Name, body: PullIn, ctx: Ctx = CtxDep) -> dict[str, Any]:
    """Import from a CRM with the environment's credentials: pull its pages, then import like an upload."""
    from crmflow.web.crm_pull import pull_into_project

    ctx.need("project.write")
    result = await asyncio.to_thread(pull_into_project, ctx.workspace, name, body.vendor, lang=ctx.lang)
    ctx.log("project.pull", name, {"vendor": body.vendor, "records": sum(p["records"] for p in result["pulls"])})
    return result


@router.put("/projects/{name}/mapping")
def set_mapping(name: Name, body: MappingIn, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.write")
    result = ctx.workspace.set_mapping(name, body.mapping, lang=ctx.lang)
    ctx.log("project.mapping", name, body.mapping)
    return result


@router.post("/projects/{name}/survey")
async def upload_survey(name: Name, file: Annotated[UploadFile, File()], ctx: Ctx = CtxDep) -> dict[str, Any]:
    """A survey CSV (deal id, NPS 0–10 and/or CES 1–7) joined to the project's cases."""
    ctx.need("project.write")
    result = await asyncio.to_thread(ctx.workspace.set_survey, name, file.filename or "survey.csv", file.file)
    ctx.log("project.survey", name, {"file": file.filename, "rows": result.get("rows")})
    return result


@router.get("/projects/{name}/survey")
def survey(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("dashboard.read")
    ctx.need("project.read")
    result = ctx.workspace.survey(name)
    if result is None:
        from crmflow.errors import WebNotFoundError

        raise error(WebNotFoundError, ERRORS, "api.no_survey", name=name)
    return result


@router.post("/projects/{name}/audit")
def run_audit(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.write")
    doc = ctx.workspace.run_audit(name, lang=ctx.lang)
    ctx.log("project.audit", name, {"cases": doc["log"]["cases"], "findings": len(doc["findings"])})
    return {"cases": doc["log"]["cases"], "findings": len(doc["findings"])}


def _doc(ctx: Ctx, name: str) -> dict[str, Any]:
    from crmflow.errors import WebNotFoundError

    doc = ctx.workspace.audit_document(name)
    if doc is None:
        raise error(WebNotFoundError, ERRORS, "api.no_audit", name=name)
    return doc


@router.get("/projects/{name}/audit")
def audit_json(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.read")
    return _doc(ctx, name)


@router.get("/projects/{name}/kpis")
def kpis(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("dashboard.read")
    if not ctx.need_user().can("project.read"):
        raise error(AccessDeniedError, ERRORS, "api.may_not_read", user_name=ctx.need_user().name, name=name)
    return audit_view.kpis(_doc(ctx, name)).to_dict()


@router.get("/projects/{name}/control")
def control_charts(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    """I-MR of the weekly mean cycle time, p-charts of the SLA breach share, the sigma level of each SLA."""
    ctx.need("dashboard.read")
    ctx.need("project.read")
    doc = _doc(ctx, name)
    k = audit_view.kpis(doc)
    log = ctx.workspace.log(name)
    with ctx.workspace.lock(name):
        chart = control.cycle_time_imr(log)
        p_charts = control.sla_p_charts(log, audit_view.sla_details(doc))
    return {
        "cycle_time_imr": chart.to_dict(),
        "sla_p_charts": [c.to_dict() for c in p_charts],
        "sla_sigma": {s.name: control.sigma_level(s.compliance) for s in k.sla},
    }


@router.get("/projects/{name}/findings")
def findings(name: Name, ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    ctx.need("project.read")
    return [f.to_dict() for f in audit_view.findings(_doc(ctx, name))]


@router.get("/projects/{name}/bpmn")
def bpmn(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("explorer.read")
    xml = audit_view.asis_bpmn_xml(_doc(ctx, name))
    if not xml:
        from crmflow.errors import WebNotFoundError

        raise error(WebNotFoundError, ERRORS, "api.no_as_is_bpmn", name=name)
    return Response(xml, media_type="application/xml")


# explorer ------------------------------------------------------------------------------------
@router.get("/projects/{name}/map")
def process_map(
    name: Name,
    ctx: Ctx = CtxDep,
    activities: Annotated[float, Query(ge=0, le=100)] = 100,
    paths: Annotated[float, Query(ge=0, le=100)] = 100,
    mode: Literal["frequency", "performance"] = "frequency",
    start: Annotated[str | None, Query(max_length=32, pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]*)?$")] = None,
    end: Annotated[str | None, Query(max_length=32, pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]*)?$")] = None,
    attribute: Annotated[str | None, Query(max_length=128)] = None,
    values: Annotated[str | None, Query(max_length=2000)] = None,
    top_variants: Annotated[int | None, Query(ge=1, le=100000)] = None,
    min_hours: Annotated[float | None, Query(ge=0, le=1e7)] = None,
    max_hours: Annotated[float | None, Query(ge=0, le=1e7)] = None,
) -> dict[str, Any]:
    ctx.need("explorer.read")
    f = filters(start, end, attribute, values, top_variants, min_hours, max_hours)
    log = ctx.workspace.log(name)
    with ctx.workspace.lock(name):
        return explorer.process_map(log, f, activities=activities, paths=paths, mode=mode).to_dict()


@router.get("/projects/{name}/variants")
def variants(
    name: Name,
    ctx: Ctx = CtxDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    start: Annotated[str | None, Query(max_length=32, pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]*)?$")] = None,
    end: Annotated[str | None, Query(max_length=32, pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]*)?$")] = None,
    attribute: Annotated[str | None, Query(max_length=128)] = None,
    values: Annotated[str | None, Query(max_length=2000)] = None,
    min_hours: Annotated[float | None, Query(ge=0, le=1e7)] = None,
    max_hours: Annotated[float | None, Query(ge=0, le=1e7)] = None,
) -> list[dict[str, Any]]:
    ctx.need("explorer.read")
    f = filters(start, end, attribute, values, None, min_hours, max_hours)
    log = ctx.workspace.log(name)
    with ctx.workspace.lock(name):
        return [v.to_dict() for v in explorer.variants(log, f, limit=limit)]


@router.get("/projects/{name}/cases")
def cases(
    name: Name,
    ctx: Ctx = CtxDep,
    finding: Annotated[int | None, Query(ge=0, le=100000)] = None,
    source: Annotated[str | None, Query(max_length=256)] = None,
    target: Annotated[str | None, Query(max_length=256)] = None,
) -> list[dict[str, Any]]:
    """The cases behind a finding (``finding`` = its index in the audit) or a map edge (``source``, ``target``)."""
    ctx.need("explorer.read")
    log = ctx.workspace.log(name)
    with ctx.workspace.lock(name):
        if finding is not None:
            view = audit_view.finding(_doc(ctx, name), finding)
            if view is None:
                from crmflow.errors import WebNotFoundError

                raise error(WebNotFoundError, ERRORS, "api.no_finding", name=name, finding=finding)
            rows = explorer.cases(log, list(view.case_ids))
        elif source and target:
            rows = explorer.cases_on_edge(log, CaseFilter(), source, target)
        else:
            from crmflow.errors import WebError

            raise error(WebError, ERRORS, "api.finding_or_edge")
    return json.loads(json.dumps(rows, default=str))


@router.get("/projects/{name}/cases/{case_id}")
def case_timeline(
    name: Name, case_id: Annotated[str, Path(min_length=1, max_length=256)], ctx: Ctx = CtxDep
) -> list[dict[str, Any]]:
    ctx.need("explorer.read")
    log = ctx.workspace.log(name)
    with ctx.workspace.lock(name):
        rows = explorer.timeline(log, case_id)
    return json.loads(json.dumps(rows, default=str))


# work ----------------------------------------------------------------------------------------
@router.get("/tasks", response_model=list[TaskOut])
def tasks(ctx: Ctx = CtxDep) -> list[TaskOut]:
    return [_task(x) for x in ctx.work.inbox(ctx.need_user())]


@router.get("/tasks/{task_id}", response_model=TaskOut)
def task(task_id: ShortId, ctx: Ctx = CtxDep) -> TaskOut:
    return _task(ctx.work.get(ctx.need_user(), task_id))


@router.post("/tasks/{task_id}/claim", response_model=TaskOut)
def claim(task_id: ShortId, ctx: Ctx = CtxDep) -> TaskOut:
    return _task(ctx.work.claim(ctx.need_user(), task_id))


@router.post("/tasks/{task_id}/complete", response_model=TaskOut)
def complete(task_id: ShortId, body: CompleteIn, ctx: Ctx = CtxDep) -> TaskOut:
    return _task(ctx.work.complete(ctx.need_user(), task_id, dict(body.variables)))


@router.post("/tasks/{task_id}/delegate", response_model=TaskOut)
def delegate(task_id: ShortId, body: DelegateIn, ctx: Ctx = CtxDep) -> TaskOut:
    return _task(ctx.work.delegate(ctx.need_user(), task_id, body.to))


@router.get("/instances")
def instances(ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    return json.loads(json.dumps([asdict(i) for i in ctx.work.instances(ctx.need_user())], default=str))


@router.get("/incidents")
def incidents(ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    return json.loads(json.dumps([asdict(i) for i in ctx.work.incidents(ctx.need_user())], default=str))


@router.post("/incidents/{incident_id}/retry")
def retry(incident_id: ShortId, ctx: Ctx = CtxDep) -> dict[str, Any]:
    return json.loads(json.dumps(asdict(ctx.work.retry(ctx.need_user(), incident_id)), default=str))


@router.get("/events")
async def events(ctx: Ctx = CtxDep, seconds: Annotated[float, Query(ge=0, le=300)] = 60) -> StreamingResponse:
    """Server-sent events: ``tasks`` whenever the task service changes (open tasks in the user's scope)."""
    user = ctx.need_user()

    async def stream() -> Any:
        last = -1
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while True:
            rev = ctx.work.tasks.revision()
            if rev != last:
                last = rev
                n = len(ctx.work.inbox(user)) if user.can("task.read") else 0
                yield f"event: tasks\ndata: {json.dumps({'revision': rev, 'open': n})}\n\n"
            if loop.time() >= until:
                return
            await asyncio.sleep(min(1.0, max(0.0, until - loop.time())))

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-store"})
