"""Notifications out: SMTP e-mail, a signed outgoing webhook, and publishing to the bus.

* :class:`EmailConnector` (``email``/``send``) -- ``to`` (one address or a list), ``subject``, ``body``
  (plain text), optional ``html``; sent with :mod:`smtplib` (STARTTLS or SSL when configured) from the
  ``CRMFLOW_SMTP_*`` settings. The ``Message-ID`` is derived from the idempotency key and the key is
  sent as ``X-Crmflow-Idempotency-Key``, so a retried send is recognisable downstream. SMTP 4xx and a
  lost connection are retryable; 5xx is not.
* :class:`WebhookConnector` (``webhook``/``post``) -- POSTs ``{"id", "event", "data"}`` to one of the
  *configured* endpoints (``endpoint`` names it; a model cannot send data to an arbitrary address),
  signed exactly as :mod:`crmflow.engine.webhooks` checks it (``X-Crmflow-Timestamp``,
  ``X-Crmflow-Signature``), with ``Idempotency-Key``; 429/5xx/no answer are retryable.
* :class:`BusConnector` (``bus``/``publish``) -- an :class:`~crmflow.engine.contracts.OutboundMessage`
  whose ``message_id`` is the idempotency key (the broker drops the duplicate).
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from crmflow.engine.contracts import ActionRequest, ActionResult, OutboundMessage, Publisher
from crmflow.engine.error_messages import ERRORS
from crmflow.engine.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from crmflow.errors import ApiUnreachableError, BusError, BusMessageError, ConnectorError, CrmApiError
from crmflow.i18n import error
from crmflow.sources.http import HttpRequest, HttpxTransport, Transport


class NotifySettings(BaseSettings):
    """SMTP and outgoing-webhook settings from ``CRMFLOW_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="CRMFLOW_", extra="ignore")

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    #: Sender address (``From``).
    smtp_from: str | None = None
    #: ``starttls`` (port 587), ``ssl`` (port 465) or ``none`` (a local relay).
    smtp_security: str = "none"
    smtp_timeout_s: float = 30.0
    #: Outgoing webhook endpoints as JSON: ``{"erp": "https://erp.example/hooks/crm"}``.
    webhook_endpoints: dict[str, str] = {}
    #: The HMAC-SHA256 key outgoing webhooks are signed with.
    webhook_out_secret: SecretStr | None = None


def message_id(key: str, domain: str = "crmflow.local") -> str:
    """A ``Message-ID`` that is the same for every retry of one request.

    >>> message_id("lead-17/notify/1")
    '<d9a1bae40fc7c049ef86814e6808dce4@crmflow.local>'
    """
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _addresses(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or [])
    out = []
    for a in items:
        a = str(a).strip()
        if not a or "@" not in a or any(c in a for c in "\r\n,;<>"):
            raise error(ConnectorError, ERRORS, "notify.not_one_e_mail", a=a)
        out.append(a)
    if not out:
        raise error(ConnectorError, ERRORS, "notify.no_recipient_give_address")
    return out


class EmailConnector:
    """Sends e-mail over SMTP (:mod:`smtplib`)."""

    name = "email"

    def __init__(self, settings: NotifySettings | None = None, *, smtp: Callable[..., smtplib.SMTP] | None = None) -> None:
        self.settings = settings or NotifySettings()
        self._smtp = smtp

    def build(self, request: ActionRequest) -> EmailMessage:
        """The message for ``request`` (raises :class:`ConnectorError` on a bad parameter)."""
        p, s = request.params, self.settings
        if not s.smtp_from:
            raise error(ConnectorError, ERRORS, "notify.set_crmflow_smtp_from")
        msg = EmailMessage()
        msg["From"] = s.smtp_from
        msg["To"] = ", ".join(_addresses(p.get("to")))
        if p.get("cc"):
            msg["Cc"] = ", ".join(_addresses(p.get("cc")))
        subject = str(p.get("subject") or "").strip()
        if not subject or "\n" in subject or "\r" in subject:
            raise error(ConnectorError, ERRORS, "notify.subject_must_one_non", subject=subject)
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        domain = s.smtp_from.rsplit("@", 1)[-1]
        msg["Message-ID"] = message_id(request.idempotency_key, domain)
        msg["X-Crmflow-Idempotency-Key"] = request.idempotency_key
        msg.set_content(str(p.get("body") or ""))
        if p.get("html"):
            msg.add_alternative(str(p["html"]), subtype="html")
        return msg

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if not s.smtp_host:
            raise error(ConnectorError, ERRORS, "notify.set_crmflow_smtp_host")
        if self._smtp is not None:
            return self._smtp(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
        if s.smtp_security == "ssl":
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s, context=ssl.create_default_context())
        conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
        if s.smtp_security == "starttls":
            conn.starttls(context=ssl.create_default_context())
        return conn

    def perform(self, request: ActionRequest) -> ActionResult:
        if request.operation != "send":
            return ActionResult(ok=False, detail=f"email: unknown operation `{request.operation}` (known: send)")
        try:
            msg = self.build(request)
        except (ConnectorError, ValueError) as exc:  # ValueError: the e-mail package refuses a header
            return ActionResult(ok=False, detail=f"email: {exc}")
        try:
            with self._connect() as conn:
                s = self.settings
                if s.smtp_user and s.smtp_password is not None:
                    conn.login(s.smtp_user, s.smtp_password.get_secret_value())
                refused = conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            return ActionResult(
                ok=False, retryable=all(400 <= c < 500 for c in codes), detail=f"email: recipients refused {exc.recipients}"
            )
        except smtplib.SMTPResponseException as exc:
            err = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            return ActionResult(ok=False, retryable=400 <= exc.smtp_code < 500, detail=f"email: SMTP {exc.smtp_code} {err}")
        except (smtplib.SMTPException, OSError) as exc:
            return ActionResult(ok=False, retryable=True, detail=f"email: {type(exc).__name__}: {exc}")
        return ActionResult(ok=True, response={"message_id": msg["Message-ID"], "refused": {k: v[0] for k, v in refused.items()}})


class WebhookConnector:
    """POSTs signed JSON to configured endpoints (the format :mod:`crmflow.engine.webhooks` accepts)."""

    name = "webhook"

    def __init__(
        self,
        settings: NotifySettings | None = None,
        *,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or NotifySettings()
        self.transport = transport or HttpxTransport(timeout_s=30.0, max_bytes=1024**2)
        self.clock = clock

    def perform(self, request: ActionRequest) -> ActionResult:
        if request.operation != "post":
            return ActionResult(ok=False, detail=f"webhook: unknown operation `{request.operation}` (known: post)")
        s, p = self.settings, request.params
        name = str(p.get("endpoint") or "")
        if name not in s.webhook_endpoints:
            known = ", ".join(sorted(s.webhook_endpoints)) or "none (set CRMFLOW_WEBHOOK_ENDPOINTS)"
            return ActionResult(ok=False, detail=f"webhook: no endpoint named {name!r} (configured: {known})")
        if s.webhook_out_secret is None:
            return ActionResult(
                ok=False, detail="webhook: set CRMFLOW_WEBHOOK_OUT_SECRET (the key outgoing webhooks are signed with)"
            )
        doc = {
            "id": request.idempotency_key,
            "event": str(p.get("event") or request.element_id),
            "data": dict(p.get("payload") or {}),
        }
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
        ts = int(self.clock())
        headers = (
            ("content-type", "application/json"),
            (TIMESTAMP_HEADER, str(ts)),
            (SIGNATURE_HEADER, sign(body, s.webhook_out_secret.get_secret_value(), ts)),
            ("Idempotency-Key", request.idempotency_key),
        )
        try:
            resp = self.transport.send(HttpRequest("POST", s.webhook_endpoints[name], (), None, headers, body))
        except ApiUnreachableError as exc:
            return ActionResult(ok=False, retryable=True, detail=f"webhook {name}: no answer ({exc})")
        except CrmApiError as exc:
            return ActionResult(ok=False, detail=f"webhook {name}: {exc}")
        shown = resp.body[:200].decode("utf-8", errors="replace")
        if 200 <= resp.status < 300:
            return ActionResult(ok=True, response={"status": resp.status})
        retryable = resp.status == 429 or resp.status >= 500
        return ActionResult(ok=False, retryable=retryable, detail=f"webhook {name}: HTTP {resp.status} {shown}")


class BusConnector:
    """Publishes a message to the bus as a side effect of a step (``bus``/``publish``: ``event``, ``payload``)."""

    name = "bus"

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher

    def perform(self, request: ActionRequest) -> ActionResult:
        if request.operation != "publish":
            return ActionResult(ok=False, detail=f"bus: unknown operation `{request.operation}` (known: publish)")
        event = str(request.params.get("event") or "")
        if not event:
            return ActionResult(ok=False, detail="bus: missing parameter `event`")
        payload: Mapping[str, Any] = dict(request.params.get("payload") or {})
        try:
            self.publisher.publish(OutboundMessage(event, request.idempotency_key, payload, request.instance_id))
        except BusMessageError as exc:
            return ActionResult(ok=False, detail=str(exc))
        except BusError as exc:
            return ActionResult(ok=False, retryable=True, detail=str(exc))
        return ActionResult(ok=True, response={"message_id": request.idempotency_key})


__all__ = ["BusConnector", "EmailConnector", "NotifySettings", "WebhookConnector", "message_id"]
