"""HTTP security of the web app: headers (CSP without inline script), session cookie, CSRF tokens.

The session cookie is HttpOnly, SameSite=Strict and Secure (``secure=False`` only for a plain-HTTP
test server). CSRF uses a signed double-submit token: a random value and its HMAC-SHA256 under the
app's secret, kept in an HttpOnly cookie and repeated by every unsafe request in the
``X-CSRF-Token`` header or a ``csrf`` form field; pages get it from the server, never from script.

>>> token = new_csrf_token(b"k" * 32)
>>> csrf_valid(b"k" * 32, token, token), csrf_valid(b"k" * 32, token, token + "x"), csrf_valid(b"j" * 32, token, token)
(True, False, False)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "crmflow_session"
CSRF_COOKIE = "crmflow_csrf"
LANG_COOKIE = "crmflow_lang"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: No inline script and no eval anywhere; styles may be set by the diagram libraries (bpmn-js, echarts).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def _sign(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def new_csrf_token(secret: bytes) -> str:
    value = secrets.token_urlsafe(24)
    return f"{value}.{_sign(secret, value)}"


def csrf_valid(secret: bytes, cookie: str | None, submitted: str | None) -> bool:
    """The submitted token equals the cookie's and carries this app's signature."""
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        return False
    value, _, sig = cookie.partition(".")
    return bool(value) and hmac.compare_digest(sig, _sign(secret, value))


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in names]
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)
