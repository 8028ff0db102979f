"""CRM webhooks in: Bitrix24 outbound webhooks, amoCRM/Kommo webhooks and signed JSON, as an ASGI router.

Three endpoints (FastAPI :class:`~fastapi.APIRouter`, mounted by the engine's HTTP app):

* ``POST /webhooks/bitrix24`` -- Bitrix24 *outbound webhooks* (Developer resources → Other → Outbound
  webhook): a form body ``event=ONCRMDEALUPDATE&data[FIELDS][ID]=…&ts=…&auth[application_token]=…``.
  The application token shown by Bitrix24 when the webhook is created is compared (constant time) with
  ``CRMFLOW_BITRIX24_APPLICATION_TOKEN``.
* ``POST /webhooks/amocrm`` -- amoCRM/Kommo webhooks (Settings → Integrations → Webhooks): a form body
  ``leads[status][0][id]=…&leads[status][0][status_id]=…&account[subdomain]=…``; one delivery may carry
  several entities (each becomes one event). amoCRM signs nothing, so the account subdomain must equal
  ``CRMFLOW_AMOCRM_SUBDOMAIN`` and, when ``CRMFLOW_AMOCRM_WEBHOOK_TOKEN`` is set, the webhook address must
  carry it as ``?token=…`` (a secret in the URL, the only one amoCRM can send).
* ``POST /webhooks/json`` -- any system: a JSON object ``{"id", "event", "data", "keys"?}`` with headers
  ``X-Crmflow-Timestamp`` (Unix seconds) and ``X-Crmflow-Signature: sha256=<hex HMAC-SHA256 of
  "<timestamp>.<body>">`` keyed with ``CRMFLOW_WEBHOOK_HMAC_SECRET``; a timestamp more than
  ``CRMFLOW_WEBHOOK_TOLERANCE_S`` (300) seconds away is a replay and is refused.

Answers: **202** once every command is persisted by :meth:`Inbox.accept` (or the event parked);
**200** when everything in it was seen before (a retried delivery: nothing is stored twice); **400**
malformed, naming the field and what was expected; **401** unsigned or a wrong secret; **413** a body
over ``CRMFLOW_WEBHOOK_MAX_BYTES`` (1 MiB); **503** the endpoint's secret is not configured. Error
bodies are ``{"error", "field", "expected", "message"}``, the message in the language of
``Accept-Language`` (ru/en) or ``CRMFLOW_LANG``.

The parsers are plain functions (:func:`parse_bitrix24`, :func:`parse_amocrm`, :func:`parse_signed_json`)
from bytes to :class:`~crmflow.engine.contracts.InboundEvent`, so the bus and the tests use them without HTTP.

>>> body = b"event=ONCRMLEADADD&data[FIELDS][ID]=17&ts=1700000000&auth[application_token]=s3cret"
>>> [(e.name, dict(e.keys)) for e in parse_bitrix24(body, WebhookSettings(bitrix24_application_token="s3cret"))]
[('ONCRMLEADADD', {'lead_id': '17'})]
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.concurrency import run_in_threadpool

from crmflow.engine.contracts import InboundEvent, Inbox
from crmflow.engine.edge_messages import MESSAGES
from crmflow.engine.forms import FormError, parse_form
from crmflow.engine.triggers import ParkedSink, TriggerTable, dispatch
from crmflow.errors import WebhookRejectedError
from crmflow.i18n import text
from crmflow.quality.phones import check_phone

#: Headers of the signed JSON webhook.
SIGNATURE_HEADER = "X-Crmflow-Signature"
TIMESTAMP_HEADER = "X-Crmflow-Timestamp"
#: Scalar fields of a JSON event taken as business keys when it names none (besides ``*_id``).
KEY_FIELDS = ("id", "phone", "email")
_FORM = "application/x-www-form-urlencoded"
_BITRIX_EVENT = re.compile(r"^ON[A-Z0-9_]{2,100}$")
_BITRIX_ENTITY = re.compile(r"^ONCRM(LEAD|DEAL|CONTACT|COMPANY|ACTIVITY|QUOTE|INVOICE)")
_DIGITS = re.compile(r"^\d{1,18}$")
_AMO_ENTITIES = {"leads": "lead_id", "contacts": "contact_id", "companies": "company_id", "customers": "customer_id"}
_AMO_ENTITIES_OTHER = {"task": "task_id", "unsorted": "unsorted_id", "catalogs": "catalog_id"}
_AMO_ACTIONS = ("add", "update", "delete", "status", "responsible", "restore", "note")
_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9\-]{0,62}$")


class WebhookSettings(BaseSettings):
    """The webhooks' secrets and limits, from ``CRMFLOW_*`` environment variables (never from files)."""

    model_config = SettingsConfigDict(env_prefix="CRMFLOW_", extra="ignore")

    #: The application token Bitrix24 shows for the outbound webhook.
    bitrix24_application_token: SecretStr | None = None
    #: The amoCRM/Kommo account subdomain (``example`` of ``example.amocrm.ru``).
    amocrm_subdomain: str | None = None
    #: Optional secret the amoCRM webhook address must carry as ``?token=``.
    amocrm_webhook_token: SecretStr | None = None
    #: The HMAC-SHA256 key of the signed JSON webhook.
    webhook_hmac_secret: SecretStr | None = None
    #: Largest accepted body, bytes.
    webhook_max_bytes: int = 1024**2
    #: Largest accepted distance of the signed timestamp from the server clock, seconds.
    webhook_tolerance_s: int = 300
    #: Language of refusals when the request does not ask (``Accept-Language``).
    lang: str = "en"


def _reject(
    status: int, code: str, key: str, lang: str, *, field: str = "", expected: str = "", **kw: Any
) -> WebhookRejectedError:
    message = text(MESSAGES, key, lang, field=field, expected=expected, **kw)
    return WebhookRejectedError(message, status=status, code=code, field=field, expected=expected)


def _exp(lang: str, key: str, **kw: Any) -> str:
    return text(MESSAGES, f"expect.{key}", lang, **kw)


def _digest(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def _same(given: str, secret: SecretStr) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), secret.get_secret_value().encode("utf-8"))


def normalize_key(name: str, value: Any) -> str:
    """A business key as text; phones as E.164 so the CRM's ``8 (916)…`` meets telephony's ``+7916…``.

    >>> normalize_key("phone", "8 (916) 123-45-67"), normalize_key("lead_id", 17)
    ('+79161234567', '17')
    """
    s = str(value).strip()
    if name == "phone" or name.endswith("_phone"):
        checked = check_phone(s)
        if checked.valid and checked.normalized:
            return checked.normalized
    return s


def _form(body: bytes, content_type: str | None, vendor: str, lang: str) -> dict[str, Any]:
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind != _FORM:
        raise _reject(400, "bad_content_type", "webhook.bad_content_type", lang, got=content_type or "", expected=_FORM)
    try:
        return parse_form(body)
    except FormError as exc:
        raise _reject(400, "bad_form", "webhook.bad_form", lang, problem=str(exc), vendor=vendor) from None


# ----------------------------------------------------------------------------- Bitrix24


def parse_bitrix24(
    body: bytes,
    settings: WebhookSettings,
    *,
    content_type: str | None = _FORM,
    now: datetime | None = None,
    lang: str = "en",
) -> list[InboundEvent]:
    """A Bitrix24 outbound webhook as one :class:`InboundEvent` (``source="bitrix24"``).

    ``name`` is the event code in upper case (``ONCRMDEALUPDATE``); ``keys`` holds ``deal_id`` /
    ``lead_id`` / ``contact_id`` / ``company_id`` / ``activity_id`` / ``task_id`` (else ``id``) from
    ``data[FIELDS][ID]``; ``payload`` is ``{event, data, ts, domain, member_id}`` without the token.
    Bitrix24 gives no event id, so the dedupe key is a hash of event, data, ``ts`` and portal: a delivery
    Bitrix24 repeats is recognised, two changes of one deal in different seconds are not merged.

    Raises
    ------
    WebhookRejectedError
        401 without the token or with a wrong one, 400 for a malformed body, 503 when no token is configured.
    """
    if settings.bitrix24_application_token is None:
        raise _reject(503, "not_configured", "webhook.not_configured", lang, setting="CRMFLOW_BITRIX24_APPLICATION_TOKEN")
    form = _form(body, content_type, "Bitrix24", lang)
    auth = form.get("auth")
    token = auth.get("application_token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token:
        raise _reject(401, "missing_token", "webhook.missing_token", lang, field="auth[application_token]")
    if not _same(token, settings.bitrix24_application_token):
        raise _reject(401, "bad_token", "webhook.bad_token", lang, field="auth[application_token]")
    event = form.get("event")
    if not isinstance(event, str) or not event:
        raise _reject(
            400,
            "missing_field",
            "webhook.missing_field",
            lang,
            field="event",
            expected=_exp(lang, "b24_event"),
        )
    name = event.strip().upper()
    if not _BITRIX_EVENT.match(name):
        raise _reject(
            400,
            "bad_field",
            "webhook.bad_field",
            lang,
            field="event",
            value=event,
            expected=_exp(lang, "b24_event"),
        )
    data = form.get("data", {})
    if not isinstance(data, dict):
        raise _reject(400, "bad_field", "webhook.bad_field", lang, field="data", value=data, expected="data[FIELDS][ID]=<id>")
    ts = form.get("ts", "")
    if ts and not (isinstance(ts, str) and _DIGITS.match(ts)):
        raise _reject(400, "bad_field", "webhook.bad_field", lang, field="ts", value=ts, expected=_exp(lang, "unix"))
    keys: dict[str, str] = {}
    entity = _BITRIX_ENTITY.match(name)
    if entity or name.startswith("ONTASK"):
        group = "FIELDS_AFTER" if name.startswith("ONTASK") and "FIELDS_AFTER" in data else "FIELDS"
        fields = data.get(group)
        where = f"data[{group}][ID]"
        noun = text(MESSAGES, f"entity.{entity.group(1).lower() if entity else 'task'}", lang)
        what = _exp(lang, "id_of", entity=noun)
        if not isinstance(fields, dict) or "ID" not in fields:
            raise _reject(400, "missing_field", "webhook.missing_field", lang, field=where, expected=what)
        ident = fields["ID"]
        if not isinstance(ident, str) or not _DIGITS.match(ident):
            raise _reject(
                400,
                "bad_field",
                "webhook.bad_field",
                lang,
                field=where,
                value=ident,
                expected=_exp(lang, "id_digits", entity=noun),
            )
        keys[f"{entity.group(1).lower() if entity else 'task'}_id"] = ident
    elif isinstance(data.get("FIELDS"), dict) and isinstance(data["FIELDS"].get("ID"), str):
        keys["id"] = data["FIELDS"]["ID"]
    auth_d = auth if isinstance(auth, dict) else {}
    domain, member = str(auth_d.get("domain", "")), str(auth_d.get("member_id", ""))
    payload = {"event": name, "data": data, "ts": ts, "domain": domain, "member_id": member}
    dedupe = "bitrix24:" + _digest(name, data, ts, member or domain)
    return [InboundEvent("bitrix24", name, dedupe, keys, payload, now or datetime.now(UTC))]


# ----------------------------------------------------------------------------- amoCRM / Kommo


def parse_amocrm(
    body: bytes,
    settings: WebhookSettings,
    *,
    content_type: str | None = _FORM,
    url_token: str | None = None,
    now: datetime | None = None,
    lang: str = "en",
) -> list[InboundEvent]:
    """An amoCRM/Kommo webhook as one :class:`InboundEvent` per entity it carries (``source="amocrm"``).

    ``name`` is ``<entity>.<action>`` (``leads.status``, ``leads.add``, ``contacts.update``, ``task.add``);
    ``keys`` holds ``lead_id``/``contact_id``/``company_id``/``task_id`` and ``status_id``/``pipeline_id``
    when given; ``payload`` is the entity's fields plus ``account``. The dedupe key hashes account, entity,
    action and fields, so amoCRM's repeat of a delivery is recognised.

    Raises
    ------
    WebhookRejectedError
        401 for another account or a wrong URL token, 400 for a malformed body, 503 when not configured.
    """
    if not settings.amocrm_subdomain:
        raise _reject(503, "not_configured", "webhook.not_configured", lang, setting="CRMFLOW_AMOCRM_SUBDOMAIN")
    if settings.amocrm_webhook_token is not None and not _same(url_token or "", settings.amocrm_webhook_token):
        raise _reject(401, "bad_url_token", "webhook.bad_url_token", lang, field="token")
    form = _form(body, content_type, "amoCRM", lang)
    account = form.get("account")
    sub = account.get("subdomain") if isinstance(account, dict) else None
    if not isinstance(sub, str) or not sub:
        raise _reject(
            401,
            "missing_field",
            "webhook.missing_field",
            lang,
            field="account[subdomain]",
            expected=_exp(lang, "amo_subdomain"),
        )
    if sub.strip().lower() != settings.amocrm_subdomain.strip().lower() or not _SUBDOMAIN.match(sub.strip().lower()):
        raise _reject(401, "bad_subdomain", "webhook.bad_subdomain", lang, field="account[subdomain]", value=sub)
    events: list[InboundEvent] = []
    when = now or datetime.now(UTC)
    for entity, actions in form.items():
        key_name = _AMO_ENTITIES.get(entity) or _AMO_ENTITIES_OTHER.get(entity)
        if key_name is None:
            continue
        if not isinstance(actions, dict):
            raise _reject(
                400, "bad_field", "webhook.bad_field", lang, field=entity, value=actions, expected=f"{entity}[<action>][<n>][id]"
            )
        for action, items in actions.items():
            if action not in _AMO_ACTIONS:
                raise _reject(
                    400,
                    "bad_field",
                    "webhook.bad_field",
                    lang,
                    field=f"{entity}[{action}]",
                    value=action,
                    expected=_exp(lang, "one_of", values=", ".join(_AMO_ACTIONS)),
                )
            if not isinstance(items, list):
                raise _reject(
                    400,
                    "bad_field",
                    "webhook.bad_field",
                    lang,
                    field=f"{entity}[{action}]",
                    value=items,
                    expected=f"{entity}[{action}][0][id]=<id>",
                )
            for n, item in enumerate(items):
                where = f"{entity}[{action}][{n}]"
                if not isinstance(item, dict):
                    raise _reject(
                        400, "bad_field", "webhook.bad_field", lang, field=where, value=item, expected=f"{where}[id]=<id>"
                    )
                ident = item.get("id")
                if ident is None:
                    raise _reject(
                        400,
                        "missing_field",
                        "webhook.missing_field",
                        lang,
                        field=f"{where}[id]",
                        expected=_exp(lang, "amo_entry_id", entity=entity),
                    )
                if not isinstance(ident, str) or not _DIGITS.match(ident):
                    raise _reject(
                        400,
                        "bad_field",
                        "webhook.bad_field",
                        lang,
                        field=f"{where}[id]",
                        value=ident,
                        expected=_exp(lang, "digits"),
                    )
                keys = {key_name: ident}
                for extra in ("status_id", "pipeline_id", "old_status_id", "responsible_user_id"):
                    v = item.get(extra)
                    if isinstance(v, str) and v:
                        if not _DIGITS.match(v):
                            raise _reject(
                                400,
                                "bad_field",
                                "webhook.bad_field",
                                lang,
                                field=f"{where}[{extra}]",
                                value=v,
                                expected=_exp(lang, "digits"),
                            )
                        keys[extra] = v
                payload = {**item, "account": account}
                dedupe = "amocrm:" + _digest(sub.lower(), entity, action, item)
                events.append(InboundEvent("amocrm", f"{entity}.{action}", dedupe, keys, payload, when))
    if not events:
        raise _reject(400, "no_entities", "webhook.no_entities", lang)
    return events


# ----------------------------------------------------------------------------- signed JSON


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Crmflow-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds).

    >>> sign(b'{}', "k", 1700000000) == "sha256=" + hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    True
    """
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def parse_signed_json(
    body: bytes,
    headers: Mapping[str, str],
    settings: WebhookSettings,
    *,
    clock: Callable[[], float] = time.time,
    lang: str = "en",
) -> list[InboundEvent]:
    """A signed JSON event as one :class:`InboundEvent` (``source="json"``).

    The signature is checked on the raw bytes before anything is parsed. The body is
    ``{"id": str, "event": str, "data": object?, "keys": {name: str|int}?, "occurred_at": str?}``;
    without ``keys``, the scalar fields of ``data`` named ``*_id``, ``id``, ``phone`` or ``email`` are the keys.

    Raises
    ------
    WebhookRejectedError
        401 unsigned, wrong signature or stale timestamp; 400 malformed; 503 no secret configured.
    """
    if settings.webhook_hmac_secret is None:
        raise _reject(503, "not_configured", "webhook.not_configured", lang, setting="CRMFLOW_WEBHOOK_HMAC_SECRET")
    low = {k.lower(): v for k, v in headers.items()}
    given, ts = low.get(SIGNATURE_HEADER.lower()), low.get(TIMESTAMP_HEADER.lower())
    if not given or not ts:
        raise _reject(401, "unsigned", "webhook.unsigned", lang, headers=f"{SIGNATURE_HEADER}, {TIMESTAMP_HEADER}")
    if not _DIGITS.match(ts.strip()):
        raise _reject(401, "unsigned", "webhook.bad_field", lang, field=TIMESTAMP_HEADER, value=ts, expected=_exp(lang, "unix"))
    stamp = int(ts.strip())
    expected = sign(body, settings.webhook_hmac_secret.get_secret_value(), stamp)
    if not hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8")):
        raise _reject(401, "bad_signature", "webhook.bad_signature", lang, field=SIGNATURE_HEADER)
    age = abs(clock() - stamp)
    if age > settings.webhook_tolerance_s:
        raise _reject(
            401, "stale", "webhook.stale", lang, field=TIMESTAMP_HEADER, ts=stamp, age=age, tolerance=settings.webhook_tolerance_s
        )
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _reject(400, "bad_json", "webhook.bad_json", lang, problem=str(exc)) from None
    return [json_event(doc, lang=lang, source="json")]


def json_event(
    doc: Any, *, lang: str = "en", source: str = "json", name: str | None = None, message_id: str | None = None
) -> InboundEvent:
    """A JSON event document as an :class:`InboundEvent` (also the bus's inbound format).

    ``name`` and ``message_id`` come from the transport when it has them (the bus subject, ``Nats-Msg-Id``).

    >>> json_event({"id": "e1", "event": "call.logged", "data": {"phone": "8 916 123-45-67", "lead_id": 5}}).keys
    {'phone': '+79161234567', 'lead_id': '5'}
    """
    if not isinstance(doc, dict):
        raise _reject(400, "bad_json", "webhook.bad_json", lang, problem=f"the top level is {type(doc).__name__}, not an object")
    ident = message_id or doc.get("id")
    if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident).strip():
        raise _reject(
            400,
            "missing_field",
            "webhook.missing_field",
            lang,
            field="id",
            expected=_exp(lang, "event_id"),
        )
    event = name or doc.get("event")
    if not isinstance(event, str) or not event.strip() or len(event) > 200:
        raise _reject(400, "missing_field", "webhook.missing_field", lang, field="event", expected=_exp(lang, "event_name"))
    data = doc.get("data", {})
    if not isinstance(data, dict):
        raise _reject(400, "bad_field", "webhook.bad_field", lang, field="data", value=data, expected=_exp(lang, "object"))
    given = doc.get("keys")
    keys: dict[str, str] = {}
    if given is not None:
        if not isinstance(given, dict):
            raise _reject(
                400, "bad_field", "webhook.bad_field", lang, field="keys", value=given, expected=_exp(lang, "text_object")
            )
        for k, v in given.items():
            if not isinstance(v, str | int) or isinstance(v, bool):
                raise _reject(
                    400, "bad_field", "webhook.bad_field", lang, field=f"keys.{k}", value=v, expected=_exp(lang, "text_or_int")
                )
            keys[k] = normalize_key(k, v)
    else:
        for k, v in data.items():
            if (k in KEY_FIELDS or k.endswith("_id")) and isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip():
                keys[k] = normalize_key(k, v)
    occurred = doc.get("occurred_at")
    received = datetime.now(UTC)
    if isinstance(occurred, str):
        try:
            received = datetime.fromisoformat(occurred)
        except ValueError:
            raise _reject(
                400,
                "bad_field",
                "webhook.bad_field",
                lang,
                field="occurred_at",
                value=occurred,
                expected=_exp(lang, "iso"),
            ) from None
    return InboundEvent(source, event.strip(), f"{source}:{ident}", keys, data, received)


# ----------------------------------------------------------------------------- the router


def _lang(request: Request, default: str) -> str:
    accept = request.headers.get("accept-language", "").lower()
    if accept.startswith("ru"):
        return "ru"
    if accept.startswith("en"):
        return "en"
    return default if default in ("ru", "en") else "en"


async def _body(request: Request, limit: int, lang: str) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _reject(413, "too_large", "webhook.too_large", lang, limit=limit)
    out = bytearray()
    async for chunk in request.stream():  # read in chunks so an endless body stops at the limit
        out += chunk
        if len(out) > limit:
            raise _reject(413, "too_large", "webhook.too_large", lang, limit=limit)
    return bytes(out)


def webhook_router(
    table: TriggerTable,
    inbox: Inbox,
    parked: ParkedSink,
    *,
    settings: WebhookSettings | None = None,
    clock: Callable[[], float] = time.time,
    prefix: str = "/webhooks",
) -> APIRouter:
    """The webhook endpoints as a FastAPI router: parse, route through ``table``, persist, answer.

    ``settings`` defaults to :class:`WebhookSettings` read from the environment when the router is built.
    The inbox and the sink are called in a worker thread (they write to a database).
    """
    conf = settings or WebhookSettings()
    router = APIRouter(prefix=prefix)

    async def handle(request: Request, parse: Callable[[bytes, str], list[InboundEvent]]) -> JSONResponse:
        lang = _lang(request, conf.lang)
        try:
            body = await _body(request, conf.webhook_max_bytes, lang)
            events = parse(body, lang)
        except WebhookRejectedError as exc:
            refusal = {"error": exc.code, "field": exc.field, "expected": exc.expected, "message": str(exc)}
            return JSONResponse(refusal, status_code=exc.status)
        result = await run_in_threadpool(dispatch, events, table, inbox, parked)
        content: dict[str, Any] = {
            "status": "duplicate"
            if result.only_duplicates
            else ("parked" if result.parked and not result.accepted else "accepted"),
            "events": len(events),
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "parked": result.parked,
        }
        if result.parked_events:
            content["parked_reasons"] = [p.message(lang) for p in result.parked_events]
        return JSONResponse(content, status_code=200 if result.only_duplicates else 202)

    @router.post("/bitrix24", status_code=202)
    async def bitrix24(request: Request) -> JSONResponse:
        ctype = request.headers.get("content-type")
        return await handle(request, lambda b, lang: parse_bitrix24(b, conf, content_type=ctype, lang=lang))

    @router.post("/amocrm", status_code=202)
    async def amocrm(request: Request) -> JSONResponse:
        ctype, token = request.headers.get("content-type"), request.query_params.get("token")
        return await handle(request, lambda b, lang: parse_amocrm(b, conf, content_type=ctype, url_token=token, lang=lang))

    @router.post("/json", status_code=202)
    async def signed_json(request: Request) -> JSONResponse:
        headers = dict(request.headers)
        return await handle(request, lambda b, lang: parse_signed_json(b, headers, conf, clock=clock, lang=lang))

    return router


__all__ = [
    "KEY_FIELDS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookSettings",
    "json_event",
    "normalize_key",
    "parse_amocrm",
    "parse_bitrix24",
    "parse_signed_json",
    "sign",
    "webhook_router",
]
