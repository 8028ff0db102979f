"""Routes of the To-Be modeler: the page ``/p/NAME/modeler`` and its API under ``/api/projects/NAME/tobe``.

Reading needs ``project.read``; saving, editing properties, compiling and deploying need
``tobe.write`` (admin and analyst). Each route calls one method of
:class:`crmflow.web.modeler.ToBeModels`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from crmflow.i18n import error
from crmflow.web.app import Ctx, CtxDep
from crmflow.web.error_messages import ERRORS
from crmflow.web.modeler import ToBeModels

router = APIRouter()

Name = Annotated[str, Path(min_length=1, max_length=64)]
ElementId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")]
MAX_MODEL = 8 * 1024 * 1024

Names = list[Annotated[str, Field(max_length=64)]]


class RaciIn(BaseModel):
    R: Annotated[Names, Field(max_length=32)] = []
    A: Annotated[Names, Field(max_length=32)] = []
    C: Annotated[Names, Field(max_length=32)] = []
    I: Annotated[Names, Field(max_length=32)] = []  # noqa: E741 (the RACI letter)


Text = Annotated[str, Field(max_length=2000)]


class SlaIn(BaseModel):
    """One SLA as the panel edits it (its escalations are kept by id)."""

    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")]
    name: Annotated[str, Field(max_length=200)] = ""
    within: Annotated[str, Field(max_length=40)] = ""
    time: Literal["", "working", "calendar"] = ""
    applies_when: Text = ""
    resolved_when: Text = ""
    resume_at: Annotated[str, Field(max_length=64)] = ""
    interrupting: bool = False


class CheckIn(BaseModel):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")]
    expression: Text
    severity: Literal["error", "warning"] = "error"
    message: Annotated[str, Field(max_length=500)] = ""


class RulesIn(BaseModel):
    """The step's own mandatory fields and its data checks (routing and priorities are kept)."""

    mandatory_fields: Annotated[list[Annotated[str, Field(max_length=128)]], Field(max_length=100)] = []
    checks: Annotated[list[CheckIn], Field(max_length=50)] = []


def _models(ctx: Ctx) -> ToBeModels:
    models: ToBeModels = ctx.request.app.state.models
    return models


@router.get("/api/projects/{name}/tobe", response_class=Response, responses={200: {"content": {"application/xml": {}}}})
def tobe_xml(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("project.read")
    return Response(_models(ctx).xml(name), media_type="application/xml")


@router.put("/api/projects/{name}/tobe")
async def tobe_save(name: Name, request: Request, ctx: Ctx = CtxDep) -> dict[str, Any]:
    """Save the modeler's BPMN XML (the request body) and check it: problems by element id."""
    ctx.need("tobe.write")
    body = await request.body()
    if len(body) > MAX_MODEL:
        from crmflow.errors import ToBeError

        raise error(ToBeError, ERRORS, "modeler.model_too_large", size=len(body), max_model=MAX_MODEL)
    result = _models(ctx).save(name, body, lang=ctx.lang)
    ctx.log("tobe.save", name, {"errors": sum(p.severity == "error" for p in result.problems)})
    return result.to_dict()


@router.get("/api/projects/{name}/tobe/check")
def tobe_check(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.read")
    from crmflow.web.modeler import check_model

    return check_model(_models(ctx).xml(name), lang=ctx.lang).to_dict()


@router.get("/api/projects/{name}/tobe/elements/{element_id}")
def tobe_element(name: Name, element_id: ElementId, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.read")
    return _models(ctx).properties(name, element_id)


@router.put("/api/projects/{name}/tobe/elements/{element_id}/raci")
def tobe_set_raci(name: Name, element_id: ElementId, body: Annotated[RaciIn, Body()], ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("tobe.write")
    result = _models(ctx).set_properties(name, element_id, body.model_dump(), lang=ctx.lang)
    ctx.log("tobe.raci", f"{name}/{element_id}", body.model_dump())
    return result.to_dict()


@router.put("/api/projects/{name}/tobe/elements/{element_id}/slas")
def tobe_set_slas(
    name: Name, element_id: ElementId, body: Annotated[list[SlaIn], Body(max_length=20)], ctx: Ctx = CtxDep
) -> dict[str, Any]:
    """Replace a task's SLAs (saved and checked: a bad duration or expression is marked on the element)."""
    ctx.need("tobe.write")
    slas = [s.model_dump() for s in body]
    result = _models(ctx).set_properties(name, element_id, slas=slas, lang=ctx.lang)
    ctx.log("tobe.sla", f"{name}/{element_id}", {"slas": [{"id": s["id"], "within": s["within"]} for s in slas]})
    return result.to_dict()


@router.put("/api/projects/{name}/tobe/elements/{element_id}/rules")
def tobe_set_rules(name: Name, element_id: ElementId, body: Annotated[RulesIn, Body()], ctx: Ctx = CtxDep) -> dict[str, Any]:
    """Replace a task's mandatory fields and data checks (saved and checked)."""
    ctx.need("tobe.write")
    result = _models(ctx).set_properties(name, element_id, rules=body.model_dump(), lang=ctx.lang)
    ctx.log("tobe.rules", f"{name}/{element_id}", body.model_dump())
    return result.to_dict()


@router.post("/api/projects/{name}/tobe/compile")
def tobe_compile(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("tobe.write")
    out = _models(ctx).compile(name, lang=ctx.lang)
    ctx.log("tobe.compile", name, {"processes": out["processes"]})
    return out


@router.get(
    "/api/projects/{name}/tobe/pack.zip", response_class=FileResponse, responses={200: {"content": {"application/zip": {}}}}
)
def tobe_pack(name: Name, ctx: Ctx = CtxDep) -> FileResponse:
    ctx.need("project.read")
    return FileResponse(_models(ctx).pack_zip(name), media_type="application/zip", filename=f"{name}-pack.zip")


@router.post("/api/projects/{name}/tobe/deploy")
def tobe_deploy(name: Name, ctx: Ctx = CtxDep) -> dict[str, Any]:
    user = ctx.need("tobe.write")
    dep = _models(ctx).deploy(name, user=user.name)
    ctx.log("tobe.deploy", name, {"deployment": dep.id})
    return asdict(dep)


@router.get("/api/projects/{name}/tobe/deployments")
def tobe_deployments(name: Name, ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    ctx.need("project.read")
    return [asdict(d) for d in _models(ctx).deployments(name)]


@router.get("/p/{name}/modeler", include_in_schema=False)
def modeler_page(name: Name, ctx: Ctx = CtxDep) -> Response:
    from crmflow.web.routes_pages import render

    user = ctx.need("project.read")
    return render(ctx, "modeler.html", project=ctx.workspace.project(name), editable=user.can("tobe.write"))
