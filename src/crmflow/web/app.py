"""The ASGI app behind ``crmflow serve``: FastAPI, the library underneath, no logic in the routes.

:func:`create_app` wires the accounts (:mod:`.accounts`), the projects (:mod:`.projects`), the task
service (:mod:`.tasks`, the engine through :mod:`.engine_adapter` later) and the two routers: the JSON
API under ``/api`` (OpenAPI at ``/api/openapi.json``) and the HTML pages. Front-end libraries are
served from ``web/app/node_modules`` (npm, locked) under ``/vendor``; no CDN is ever referenced.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from crmflow.base.version import __version__
from crmflow.errors import AccessDeniedError, CrmflowError, TaskError, WebNotFoundError
from crmflow.i18n import error
from crmflow.settings import get_settings
from crmflow.web import security as sec
from crmflow.web.accounts import Accounts, LoginThrottled, User
from crmflow.web.error_messages import ERRORS
from crmflow.web.messages import t
from crmflow.web.projects import Workspace
from crmflow.web.tasks import InMemoryTaskService, TaskService
from crmflow.web.work import Work

HERE = Path(__file__).resolve().parent
#: The npm assets: web/app/node_modules of a checkout, or $CRMFLOW_WEB_ASSETS.
ASSETS = Path(os.environ.get("CRMFLOW_WEB_ASSETS") or HERE.parents[2] / "web" / "app" / "node_modules")
#: The files of the npm packages the pages load (only these are served).
VENDOR = {
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
    "cytoscape-dagre.min.js": "cytoscape-dagre/dist/cytoscape-dagre.min.js",
    "echarts.min.js": "echarts/dist/echarts.min.js",
    "bpmn-navigated-viewer.production.min.js": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
    "bpmn-modeler.production.min.js": "bpmn-js/dist/bpmn-modeler.production.min.js",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    "bpmn-font/css/bpmn.css": "bpmn-js/dist/assets/bpmn-font/css/bpmn.css",
    "bpmn-font/font/bpmn.woff2": "bpmn-js/dist/assets/bpmn-font/font/bpmn.woff2",
    "bpmn-font/font/bpmn.woff": "bpmn-js/dist/assets/bpmn-font/font/bpmn.woff",
}


@dataclass
class AppConfig:
    """Where the app keeps its data and how it serves.

    ``secret`` signs CSRF tokens: from ``$CRMFLOW_WEB_SECRET`` or random per start.
    ``secure_cookies`` is False only for a plain-HTTP test server on a non-local address.
    """

    data_dir: Path
    project: Path | None = None
    secure_cookies: bool = True
    secret: bytes = field(default_factory=lambda: (os.environ.get("CRMFLOW_WEB_SECRET") or secrets.token_hex(32)).encode())
    tasks: TaskService | None = None
    notifier: Any = None  # a crmflow.web.alerts.Notifier; None: from the environment (or the log only)
    deployer: Any = None  # a crmflow.web.modeler.Deployer (the engine adapter later); None records deployments
    password_hasher: Any = None  # an argon2.PasswordHasher; tests pass a cheaper one
    #: seconds between periodic alert evaluations; None: ``$CRMFLOW_ALERT_INTERVAL_S`` (300), 0: off
    alert_interval_s: float | None = None


@dataclass
class Ctx:
    """What every route gets: the user, the language, the CSRF token and the app's parts."""

    request: Request
    user: User | None
    lang: str
    csrf: str
    accounts: Accounts
    workspace: Workspace
    work: Work

    def need_user(self) -> User:
        if self.user is None:
            raise HTTPException(401, "sign in first")
        return self.user

    def need(self, permission: str) -> User:
        user = self.need_user()
        if not user.can(permission):
            raise error(AccessDeniedError, ERRORS, "app.may_not", user_name=user.name, user_role=user.role, permission=permission)
        return user

    def log(self, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        self.accounts.log_change(self.need_user().name, action, target, detail)


def _lang(request: Request) -> str:
    lang = request.cookies.get(sec.LANG_COOKIE)
    if lang in ("ru", "en"):
        return lang
    accept = request.headers.get("accept-language", "").lower()
    return "ru" if accept.startswith("ru") else "en"


async def context(request: Request) -> Ctx:
    """The request's context; for unsafe methods the CSRF token is checked here first."""
    app = request.app
    cookie = request.cookies.get(sec.CSRF_COOKIE)
    secret: bytes = app.state.config.secret
    csrf = cookie if cookie and sec.csrf_valid(secret, cookie, cookie) else sec.new_csrf_token(secret)
    request.state.new_csrf = None if csrf == cookie else csrf
    if request.method in sec.UNSAFE:
        submitted = request.headers.get(sec.CSRF_HEADER)
        if submitted is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get("csrf")
            submitted = value if isinstance(value, str) else None
        if not sec.csrf_valid(secret, cookie, submitted):
            raise HTTPException(403, t("csrf", _lang(request)))
    user = app.state.accounts.session_user(request.cookies.get(sec.SESSION_COOKIE))
    return Ctx(request, user, _lang(request), csrf, app.state.accounts, app.state.workspace, app.state.work)


CtxDep = Depends(context)


def create_app(config: AppConfig) -> FastAPI:
    """The ASGI app (see the module docstring)."""
    from crmflow.web import routes_alerts, routes_api, routes_modeler, routes_pages
    from crmflow.web.alert_schedule import AlertScheduler
    from crmflow.web.alerts import Alerts, Notifier, notifier_from_env
    from crmflow.web.modeler import Deployer, ToBeModels

    config.data_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the periodic alert evaluation runs while the app serves (one evaluation at a time across workers)
        scheduler: AlertScheduler | None = app.state.alert_scheduler
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()
            close = getattr(app.state.alerts.notifier, "close", None)
            if callable(close):
                close()

    app = FastAPI(
        lifespan=lifespan,
        title="crmflow",
        version=__version__,
        docs_url=None,  # Swagger UI would load from a CDN; the document itself is at /api/openapi.json
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.config = config
    app.state.accounts = Accounts(config.data_dir / "web.sqlite", hasher=config.password_hasher)
    app.state.workspace = Workspace(config.data_dir)
    if config.project is not None:
        app.state.workspace.register(config.project)
    app.state.tasks = config.tasks or InMemoryTaskService()
    app.state.work = Work(app.state.tasks, app.state.accounts)
    deployer: Deployer | None = config.deployer
    app.state.models = ToBeModels(app.state.workspace, deployer)
    notifier: Notifier | None = config.notifier or notifier_from_env()
    app.state.alerts = Alerts(config.data_dir, app.state.workspace, app.state.tasks, notifier)
    interval = get_settings().alert_interval_s if config.alert_interval_s is None else config.alert_interval_s
    app.state.alert_scheduler = AlertScheduler(app.state.alerts, interval_s=interval) if interval > 0 else None
    # autoescape everywhere: every CRM value is escaped in every template
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
    app.state.templates = Jinja2Templates(env=env)
    app.state.templates.env.filters["ts"] = lambda seconds: datetime.fromtimestamp(seconds, UTC)
    app.add_middleware(sec.SecurityHeaders, hsts=config.secure_cookies)

    @app.middleware("http")
    async def csrf_cookie(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        token = getattr(request.state, "new_csrf", None)
        if token:
            response.set_cookie(sec.CSRF_COOKIE, token, httponly=True, samesite="strict", secure=config.secure_cookies, path="/")
        return response

    def _wants_html(request: Request) -> bool:
        return not request.url.path.startswith("/api/")

    def _error(request: Request, status: int, message: str) -> Response:
        if _wants_html(request):
            if status == 401:
                return RedirectResponse("/login", status_code=303)
            return request.app.state.templates.TemplateResponse(
                request, "error.html", {"status": status, "message": message, "lang": _lang(request), "t": t}, status_code=status
            )
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(AccessDeniedError)
    async def _denied(request: Request, exc: AccessDeniedError) -> Response:
        return _error(request, 403, exc.in_language(_lang(request)))

    @app.exception_handler(WebNotFoundError)
    async def _missing(request: Request, exc: WebNotFoundError) -> Response:
        return _error(request, 404, exc.in_language(_lang(request)))

    @app.exception_handler(TaskError)
    async def _conflict(request: Request, exc: TaskError) -> Response:
        return _error(request, 409, exc.in_language(_lang(request)))

    @app.exception_handler(LoginThrottled)
    async def _throttled(request: Request, exc: LoginThrottled) -> Response:
        response = _error(request, 429, t("too_many", _lang(request), seconds=exc.retry_after))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(CrmflowError)
    async def _bad(request: Request, exc: CrmflowError) -> Response:
        return _error(request, 400, exc.in_language(_lang(request)))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.get("/vendor/{path:path}", include_in_schema=False)
    async def vendor(path: str) -> Response:
        from fastapi.responses import FileResponse

        rel = VENDOR.get(path)
        if rel is None or not (ASSETS / rel).is_file():
            return PlainTextResponse(f"{path}: not a served asset (run `make setup` to install web/app)", status_code=404)
        return FileResponse(ASSETS / rel, headers={"cache-control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(routes_api.router)
    app.include_router(routes_modeler.router)
    app.include_router(routes_alerts.router)
    app.include_router(routes_pages.router)
    return app
