"""Routes of the alerts: rules per project, evaluation, the alert log with acknowledge (API and page).

Reading needs ``dashboard.read``; rules need ``project.write``; evaluating and acknowledging need
``alert.ack`` (admin, analyst, manager). Each route calls one method of :class:`crmflow.web.alerts.Alerts`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from crmflow.i18n import error
from crmflow.web.alerts import Alerts
from crmflow.web.app import Ctx, CtxDep
from crmflow.web.error_messages import ERRORS

router = APIRouter()

Name = Annotated[str, Path(min_length=1, max_length=64)]
#: an alert's row id: a SQLite INTEGER (a larger number is a 422, not an OverflowError in the store)
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]
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
def acknowledge(alert_id: AlertId, ctx: Ctx = CtxDep) -> dict[str, Any]:
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
def ack_form(name: Name, alert_id: AlertId, ctx: Ctx = CtxDep, csrf: Annotated[str, Form()] = "") -> Response:
    user = ctx.need("alert.ack")
    _alerts(ctx).acknowledge(alert_id, user.name)
    ctx.log("alert.ack", str(alert_id))
    return RedirectResponse(f"/p/{name}/alerts", status_code=303)


# cost-to-serve and targets (the dashboard) ------------------------------------------------------
class CostsIn(BaseModel):
    rates: dict[Annotated[str, Field(min_length=1, max_length=64)], Annotated[float, Field(ge=0, lt=1e9)]]
    currency: Annotated[str, Field(min_length=1, max_length=8)] = "RUB"


@router.put("/api/projects/{name}/costs")
def set_costs(name: Name, body: CostsIn, ctx: Ctx = CtxDep) -> dict[str, Any]:
    """Save the project's cost-per-role table (role → cost per hour)."""
    from crmflow.web.costs import CostTable, save_table

    ctx.need("project.write")
    ctx.workspace.project(name)
    save_table(ctx.workspace.folder(name) / "costs.json", CostTable.of(body.rates, body.currency))
    ctx.log("costs.set", name, {"roles": len(body.rates)})
    return body.model_dump()


@router.get("/api/projects/{name}/costs")
def costs(name: Name, ctx: Ctx = CtxDep, cap_hours: Annotated[float, Query(gt=0, le=24 * 30)] = 8.0) -> dict[str, Any]:
    """Cost-to-serve (per role, per case, by week) from the log and the saved cost table."""
    from crmflow.errors import WebNotFoundError
    from crmflow.web.costs import cost_to_serve, load_table

    ctx.need("dashboard.read")
    ctx.workspace.project(name)
    table = load_table(ctx.workspace.folder(name) / "costs.json")
    if table is None:
        raise error(WebNotFoundError, ERRORS, "alerts.no_costs", name=name)
    with ctx.workspace.lock(name):
        return cost_to_serve(ctx.workspace.log(name), table, cap_hours=cap_hours).to_dict()


@router.get("/api/projects/{name}/targets")
def targets(name: Name, ctx: Ctx = CtxDep) -> list[dict[str, Any]]:
    """The To-Be's KPIs with their targets and the values measured in the project's audit."""
    from crmflow.web.targets import kpi_targets

    ctx.need("dashboard.read")
    models = ctx.request.app.state.models
    audit_dir = ctx.workspace.folder(name) / "audit"
    return kpi_targets(models.xml(name), audit_dir if ctx.workspace.project(name).audited else None, lang=ctx.lang)
