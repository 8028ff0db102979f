"""Routes of the alerts: rules per project, evaluation, the alert log with acknowledge (API and page).

Reading needs ``dashboard.read``; rules need ``project.write``; evaluating and acknowledging need
``alert.ack`` (admin, analyst, manager). Each route calls one method of :class:`crmflow.web.alerts.Alerts`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from crmflow.web.alerts import Alerts
from crmflow.web.app import Ctx, CtxDep

router = APIRouter()

Name = Annotated[str, Path(min_length=1, max_length=64)]
RuleId = Annotated[str, Path(min_length=1, max_length=64)]


class RuleIn(BaseModel):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    kind: Literal["kpi", "sla_breach_share", "stuck", "fitness"]
    threshold: Annotated[float, Field(ge=-1e12, le=1e12)]
    metric: Literal["", "median_cycle_s", "p90_cycle_s", "quality_score", "sla_compliance"] = ""
    op: Literal["above", "below"] = "above"
    hours: Annotated[float, Field(gt=0, le=1e6)] = 24.0
    cases: Annotated[int, Field(ge=1, le=100000)] = 50


def _alerts(ctx: Ctx) -> Alerts:
    alerts: Alerts = ctx.request.app.state.alerts
    return alerts


@router.get("/api/projects/{name}/alerts/rules")
def rules(name: Name, ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    ctx.need("dashboard.read")
    return [asdict(r) for r in _alerts(ctx).rules(name)]


@router.put("/api/projects/{name}/alerts/rules")
def set_rule(name: Name, body: RuleIn, ctx: Ctx = CtxDep) -> dict[str, Any]:
    ctx.need("project.write")
    rule = _alerts(ctx).set_rule(name, body.model_dump())
    ctx.log("alert.rule", f"{name}/{rule.id}", asdict(rule))
    return asdict(rule)


@router.delete("/api/projects/{name}/alerts/rules/{rule_id}", status_code=204)
def delete_rule(name: Name, rule_id: RuleId, ctx: Ctx = CtxDep) -> Response:
    ctx.need("project.write")
    _alerts(ctx).delete_rule(name, rule_id)
    ctx.log("alert.rule.delete", f"{name}/{rule_id}")
    return Response(status_code=204)


@router.post("/api/projects/{name}/alerts/evaluate")
def evaluate(name: Name, ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    ctx.need("alert.ack")
    return [asdict(e) for e in _alerts(ctx).evaluate(name)]


@router.get("/api/alerts")
def alert_log(ctx: Ctx = CtxDep, project: str | None = None) -> list[dict[str, Any]]:
    ctx.need("dashboard.read")
    return [asdict(a) for a in _alerts(ctx).log(project)]


@router.post("/api/alerts/{alert_id}/ack")
def acknowledge(alert_id: int, ctx: Ctx = CtxDep) -> dict[str, Any]:
    user = ctx.need("alert.ack")
    alert = _alerts(ctx).acknowledge(alert_id, user.name)
    ctx.log("alert.ack", str(alert_id))
    return asdict(alert)


@router.get("/p/{name}/alerts", include_in_schema=False)
def alerts_page(name: Name, ctx: Ctx = CtxDep) -> Response:
    from crmflow.web.routes_pages import render

    user = ctx.need("dashboard.read")
    a = _alerts(ctx)
    return render(
        ctx,
        "alerts.html",
        project=ctx.workspace.project(name),
        rules=a.rules(name),
        log=a.log(name),
        may_ack=user.can("alert.ack"),
        may_edit=user.can("project.write"),
    )


@router.post("/p/{name}/alerts/evaluate", include_in_schema=False)
def evaluate_form(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("alert.ack")
    _alerts(ctx).evaluate(name)
    return RedirectResponse(f"/p/{name}/alerts", status_code=303)


@router.post("/p/{name}/alerts/{alert_id}/ack", include_in_schema=False)
def ack_form(name: Name, alert_id: int, ctx: Ctx = CtxDep, csrf: Annotated[str, Form()] = "") -> Response:
    user = ctx.need("alert.ack")
    _alerts(ctx).acknowledge(alert_id, user.name)
    ctx.log("alert.ack", str(alert_id))
    return RedirectResponse(f"/p/{name}/alerts", status_code=303)
