"""The HTML pages: server-rendered (Jinja2, autoescaped) forms and tables; maps and charts by page scripts.

Each route checks the permission, calls one function of the projects, the explorer, the audit view
or the work, and renders a template. Forms post back here with the CSRF token and redirect (303).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from crmflow.findings.calendar import WorkCalendar
from crmflow.i18n import error
from crmflow.ingest.columns import FIELDS, field_label
from crmflow.ingest.problems import problem_label
from crmflow.report.messages import format_duration, format_number, format_percent
from crmflow.web import audit_view, control, explorer
from crmflow.web import security as sec
from crmflow.web.app import Ctx, CtxDep
from crmflow.web.error_messages import ERRORS
from crmflow.web.explorer import CaseFilter
from crmflow.web.messages import catalogue, t

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Path(min_length=1, max_length=64)]

#: The working time of SLA countdowns in the inbox (Moscow office hours, RU holidays).
CALENDAR = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4), holidays="RU")


def _fmt_dt(value: Any, lang: str) -> str:
    if value is None or value == "":
        return "—"
    ts = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(ts, datetime):
        return str(value)
    if ts.tzinfo is not None:
        ts = ts.astimezone(CALENDAR.zone)
    return ts.strftime("%d.%m.%Y %H:%M" if lang == "ru" else "%Y-%m-%d %H:%M")


def render(ctx: Ctx, template: str, status: int = 200, **values: Any) -> Response:
    lang = ctx.lang
    return ctx.request.app.state.templates.TemplateResponse(
        ctx.request,
        template,
        {
            "user": ctx.user,
            "lang": lang,
            "csrf": ctx.csrf,
            "t": t,
            "texts": catalogue(lang),
            "num": lambda v, digits=0: format_number(v, lang, digits=digits),
            "pct": lambda v: format_percent(v, lang),
            "dur": lambda v: format_duration(v, lang),
            "dt": lambda v: _fmt_dt(v, lang),
            "field_label": lambda f: field_label(f, lang),
            **values,
        },
        status_code=status,
    )


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# sign-in and language -------------------------------------------------------------------------
@router.get("/login")
def login_page(ctx: Ctx = CtxDep) -> Response:
    return render(ctx, "login.html", error=None)


@router.post("/login")
def login(
    ctx: Ctx = CtxDep, username: Annotated[str, Form(max_length=64)] = "", password: Annotated[str, Form(max_length=256)] = ""
) -> Response:
    client = ctx.request.client.host if ctx.request.client else "?"
    user = ctx.accounts.verify(username, password, client=client)
    if user is None:
        return render(ctx, "login.html", status=401, error=t("bad_login", ctx.lang))
    token = ctx.accounts.new_session(user)
    ctx.accounts.log_change(user.name, "session.login", user.name, {"client": client})
    response = back("/inbox" if user.role == "agent" else "/")
    secure = ctx.request.app.state.config.secure_cookies
    response.set_cookie(sec.SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/", max_age=12 * 3600)
    return response


@router.post("/logout")
def logout(ctx: Ctx = CtxDep) -> Response:
    ctx.accounts.end_session(ctx.request.cookies.get(sec.SESSION_COOKIE))
    response = back("/login")
    response.delete_cookie(sec.SESSION_COOKIE, path="/")
    return response


@router.post("/lang")
def set_lang(
    ctx: Ctx = CtxDep, lang: Annotated[str, Form(pattern="^(ru|en)$")] = "en", next: Annotated[str, Form(max_length=500)] = "/"
) -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = back(target)
    response.set_cookie(sec.LANG_COOKIE, lang, samesite="strict", secure=ctx.request.app.state.config.secure_cookies, path="/")
    return response


# projects, import and audit -------------------------------------------------------------------
@router.get("/")
def home(ctx: Ctx = CtxDep) -> Response:
    user = ctx.need_user()
    if not user.can("project.read"):
        return back("/inbox")
    return render(ctx, "projects.html", projects=ctx.workspace.projects())


@router.post("/projects")
def create_project(ctx: Ctx = CtxDep, name: Annotated[str, Form(max_length=64)] = "") -> Response:
    ctx.need("project.write")
    p = ctx.workspace.create(name)
    ctx.log("project.create", p.name)
    return back(f"/p/{p.name}")


@router.get("/p/{name}")
def project(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("project.read")
    from crmflow.asis import source_summaries

    p = ctx.workspace.project(name)
    sources, reasons, samples, choices, log = [], [], [], [], None
    if ctx.workspace.has_log(name):
        log = ctx.workspace.log(name)
        sources = source_summaries(log)
        reasons = [{**r, "label": problem_label(r.get("kind"), ctx.lang)} for r in log.quarantine_reasons()]
        samples = log.quarantine(limit=50)
        mapped = {c for s in sources for c in (s["mapping"] or {}).values() if c}
        choices = sorted(mapped | set(log.attributes))
    doc = ctx.workspace.audit_document(name)
    from crmflow.web.crm_pull import connections

    return render(
        ctx,
        "project.html",
        project=p,
        crms=[c for c in connections() if c.configured],
        log=log,
        sources=sources,
        reasons=reasons,
        samples=samples,
        fields=FIELDS,
        choices=choices,
        findings=audit_view.findings(doc) if doc else [],
        top=audit_view.top_bottleneck(doc) if doc else None,
        doc=doc,
    )


@router.post("/p/{name}/upload")
async def upload(name: Name, ctx: Ctx = CtxDep, file: Annotated[UploadFile | None, File()] = None) -> Response:
    ctx.need("project.write")
    if file is None:
        from crmflow.errors import WebError

        raise error(WebError, ERRORS, "pages.choose_file")
    await asyncio.to_thread(ctx.workspace.upload, name, file.filename or "upload", file.file, lang=ctx.lang)
    ctx.log("project.upload", name, {"file": file.filename, "bytes": file.size})
    return back(f"/p/{name}")


@router.post("/p/{name}/pull")
async def pull_from_crm(name: Name, ctx: Ctx = CtxDep, vendor: Annotated[str, Form(max_length=32)] = "") -> Response:
    from crmflow.web.crm_pull import pull_into_project

    ctx.need("project.write")
    result = await asyncio.to_thread(pull_into_project, ctx.workspace, name, vendor, lang=ctx.lang)
    ctx.log("project.pull", name, {"vendor": vendor, "records": sum(p["records"] for p in result["pulls"])})
    return back(f"/p/{name}")


@router.post("/p/{name}/mapping")
async def mapping(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("project.write")
    form = await ctx.request.form()
    chosen = {f: str(form.get(f"map_{f}") or "") for f in FIELDS}
    await asyncio.to_thread(ctx.workspace.set_mapping, name, chosen, lang=ctx.lang)
    ctx.log("project.mapping", name, chosen)
    return back(f"/p/{name}")


@router.post("/p/{name}/survey")
async def upload_survey(name: Name, ctx: Ctx = CtxDep, file: Annotated[UploadFile | None, File()] = None) -> Response:
    ctx.need("project.write")
    if file is None:
        from crmflow.errors import WebError

        raise error(WebError, ERRORS, "pages.choose_survey")
    result = await asyncio.to_thread(ctx.workspace.set_survey, name, file.filename or "survey.csv", file.file)
    ctx.log("project.survey", name, {"file": file.filename, "rows": result.get("rows")})
    return back(f"/p/{name}/dashboard")


@router.post("/p/{name}/audit")
async def run_audit(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("project.write")
    doc = await asyncio.to_thread(ctx.workspace.run_audit, name, lang=ctx.lang)
    ctx.log("project.audit", name, {"cases": doc["log"]["cases"], "findings": len(doc["findings"])})
    return back(f"/p/{name}")


@router.get("/p/{name}/file/{filename}")
def audit_file(name: Name, filename: Annotated[str, Path(max_length=128)], ctx: Ctx = CtxDep) -> Response:
    ctx.need("project.read")
    path = ctx.workspace.audit_file(name, filename)
    return FileResponse(path, filename=path.name, content_disposition_type="attachment")


# explorer -------------------------------------------------------------------------------------
@router.get("/p/{name}/explorer")
def explorer_page(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("explorer.read")
    log = ctx.workspace.log(name)
    return render(ctx, "explorer.html", project=ctx.workspace.project(name), attributes=explorer.attributes(log))


@router.get("/p/{name}/cases")
def cases_page(
    name: Name,
    ctx: Ctx = CtxDep,
    finding: Annotated[int | None, Query(ge=0)] = None,
    source: Annotated[str | None, Query(max_length=256)] = None,
    target: Annotated[str | None, Query(max_length=256)] = None,
) -> Response:
    ctx.need("explorer.read")
    log = ctx.workspace.log(name)
    title, view = "", None
    with ctx.workspace.lock(name):
        if finding is not None:
            doc = ctx.workspace.audit_document(name) or {}
            view = audit_view.finding(doc, finding) if doc else None
            if view is None:
                from crmflow.errors import WebNotFoundError

                raise error(WebNotFoundError, ERRORS, "pages.no_finding", name=name, finding=finding)
            title, rows = view.title, explorer.cases(log, list(view.case_ids))
        elif source and target:
            title, rows = f"{source} → {target}", explorer.cases_on_edge(log, CaseFilter(), source, target)
            rows = explorer.cases(log, [r["case_id"] for r in rows])
        else:
            from crmflow.errors import WebError

            raise error(WebError, ERRORS, "pages.finding_or_edge")
    return render(ctx, "cases.html", project=ctx.workspace.project(name), title=title, rows=rows, finding=view)


@router.get("/p/{name}/case/{case_id}")
def case_page(name: Name, case_id: Annotated[str, Path(max_length=256)], ctx: Ctx = CtxDep) -> Response:
    ctx.need("explorer.read")
    log = ctx.workspace.log(name)
    with ctx.workspace.lock(name):
        events = explorer.timeline(log, case_id)
    attrs = [
        c
        for c in events[0]
        if c not in ("pos", "is_last", "next_activity", "next_resource", "next_role", "row_no", "wait_s", "case_id")
    ]
    return render(ctx, "case.html", project=ctx.workspace.project(name), case_id=case_id, events=events, attrs=attrs)


@router.get("/p/{name}/bpmn")
def bpmn_page(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("explorer.read")
    return render(ctx, "bpmn.html", project=ctx.workspace.project(name))


@router.get("/p/{name}/dashboard")
def dashboard(name: Name, ctx: Ctx = CtxDep) -> Response:
    ctx.need("dashboard.read")
    ctx.need("project.read")
    doc = ctx.workspace.audit_document(name)
    chart, p_charts = None, []
    if doc:
        with ctx.workspace.lock(name):
            chart = control.cycle_time_imr(ctx.workspace.log(name))
            p_charts = control.sla_p_charts(ctx.workspace.log(name), audit_view.sla_details(doc))
    costs, targets = costs_and_targets(ctx, name, audited=doc is not None)
    return render(
        ctx,
        "dashboard.html",
        project=ctx.workspace.project(name),
        k=audit_view.kpis(doc) if doc else None,
        imr=chart.to_dict() if chart else None,
        p_charts=[c.to_dict() for c in p_charts],
        survey=ctx.workspace.survey(name) if doc else None,
        sigma=control.sigma_level,
        costs=costs,
        targets=targets,
    )


def costs_and_targets(ctx: Ctx, name: str, *, audited: bool) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The dashboard's cost-to-serve (when the project has a cost table) and the To-Be's KPI targets."""
    from crmflow.errors import CrmflowError
    from crmflow.web.costs import cost_to_serve, load_table
    from crmflow.web.targets import kpi_targets

    costs = None
    table = load_table(ctx.workspace.folder(name) / "costs.json")
    if table is not None and audited:
        with ctx.workspace.lock(name):
            costs = cost_to_serve(ctx.workspace.log(name), table).to_dict()
    try:
        audit_dir = ctx.workspace.folder(name) / "audit" if audited else None
        targets = kpi_targets(ctx.request.app.state.models.xml(name), audit_dir, lang=ctx.lang)
    except CrmflowError:
        targets = []
    return costs, targets


# work -----------------------------------------------------------------------------------------
def _countdown(due: datetime | None, lang: str) -> tuple[str, bool]:
    if due is None:
        return "—", False
    left = CALENDAR.working_seconds(datetime.now(UTC), due)
    day = float(CALENDAR.end_s - CALENDAR.start_s)  # the time left is working time: its days are working days
    if left < 0:
        return t("overdue", lang, d=format_duration(-left, lang, basis="working", day_s=day)), True
    return format_duration(left, lang, basis="working", day_s=day), False


@router.get("/inbox")
def inbox(ctx: Ctx = CtxDep) -> Response:
    user = ctx.need("task.read")
    tasks = ctx.work.inbox(user)
    team = ctx.accounts.team_members(user.team) if user.team else []
    return render(
        ctx, "inbox.html", tasks=[(x, *_countdown(x.due, ctx.lang)) for x in tasks], team=[m for m in team if m != user.name]
    )


@router.post("/inbox/{task_id}/claim")
def claim(task_id: Annotated[str, Path(max_length=64)], ctx: Ctx = CtxDep) -> Response:
    ctx.work.claim(ctx.need_user(), task_id)
    return back("/inbox")


@router.post("/inbox/{task_id}/complete")
def complete(
    task_id: Annotated[str, Path(max_length=64)], ctx: Ctx = CtxDep, comment: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    ctx.work.complete(ctx.need_user(), task_id, {"comment": comment} if comment else {})
    return back("/inbox")


@router.post("/inbox/{task_id}/delegate")
def delegate(
    task_id: Annotated[str, Path(max_length=64)], ctx: Ctx = CtxDep, to: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    ctx.work.delegate(ctx.need_user(), task_id, to)
    return back("/inbox")


@router.get("/operations")
def operations(ctx: Ctx = CtxDep) -> Response:
    user = ctx.need("instance.read")
    return render(ctx, "operations.html", instances=ctx.work.instances(user), incidents=ctx.work.incidents(user))


@router.post("/incidents/{incident_id}/retry")
def retry(incident_id: Annotated[str, Path(max_length=64)], ctx: Ctx = CtxDep) -> Response:
    ctx.work.retry(ctx.need_user(), incident_id)
    return back("/operations")


@router.get("/changes")
def changes(ctx: Ctx = CtxDep) -> Response:
    ctx.need("changes.read")
    return render(ctx, "changes.html", changes=ctx.accounts.changes())
