"""CRM actions out: Bitrix24 and amoCRM/Kommo through the CRM HTTP client (rate limits, retries).

Bitrix24 (an inbound-webhook address, ``CRMFLOW_BITRIX24_WEBHOOK_URL``):

* ``crm.activity.todo.add`` -- a to-do in the timeline: ``ownerTypeId`` (1 lead, 2 deal…), ``ownerId``,
  ``deadline`` (ISO 8601), optional ``title``, ``description``, ``responsibleId``;
* ``tasks.task.add`` -- a task: ``fields`` with ``TITLE`` and ``RESPONSIBLE_ID`` (plus ``DEADLINE``,
  ``DESCRIPTION``, ``UF_CRM_TASK`` such as ``["L_17"]``);
* ``crm.deal.update`` -- ``id`` and ``fields`` (``STAGE_ID``, ``ASSIGNED_BY_ID``…).

amoCRM/Kommo (``CRMFLOW_AMOCRM_BASE_URL`` + ``CRMFLOW_AMOCRM_TOKEN``):

* ``tasks`` -- ``POST /api/v4/tasks``: ``text``, ``complete_till`` (Unix seconds or ISO 8601),
  ``entity_id``, ``entity_type`` (``leads``), optional ``responsible_user_id``, ``task_type_id`` (1 = call);
  the idempotency key goes as amoCRM's ``request_id``;
* ``lead.update`` -- ``PATCH /api/v4/leads/{id}``: ``id`` and the fields (``status_id``, ``pipeline_id``,
  ``price``, ``responsible_user_id``, ``custom_fields_values``).

Every request carries ``Idempotency-Key: <key>``. Neither CRM documents honouring it, so the guarantee
that an action is performed once rests on the engine's outbox (a request is sent again only when its
answer was not recorded); a proxy or the fake CRM can dedupe on the header. The client's own retries
(429 with ``Retry-After``, 5xx, Bitrix24's ``QUERY_LIMIT_EXCEEDED``) run first; when they are used up
the result is *retryable* and the :class:`~crmflow.engine.connectors.retry.ActionRunner` tries again later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crmflow.engine.contracts import ActionRequest, ActionResult
from crmflow.engine.error_messages import ERRORS
from crmflow.errors import ApiConnectError, ApiRetryExhaustedError, ConnectorError, CrmApiError
from crmflow.i18n import error
from crmflow.settings import Settings
from crmflow.sources.http import ApiClient

#: What each Bitrix24 operation needs in ``params``.
BITRIX24_REQUIRED: dict[str, tuple[str, ...]] = {
    "crm.activity.todo.add": ("ownerTypeId", "ownerId", "deadline"),
    "tasks.task.add": ("fields",),
    "crm.deal.update": ("id", "fields"),
}
#: What each amoCRM operation needs in ``params``.
AMOCRM_REQUIRED: dict[str, tuple[str, ...]] = {
    "tasks": ("text", "complete_till", "entity_id"),
    "lead.update": ("id",),
}


def _missing(params: Mapping[str, Any], required: tuple[str, ...], op: str) -> ActionResult | None:
    absent = [k for k in required if params.get(k) in (None, "")]
    if absent:
        return ActionResult(ok=False, detail=f"{op}: missing parameter(s) {', '.join(absent)} (needs {', '.join(required)})")
    return None


def _call(client: ApiClient, method: str, path: str, body: Any, key: str) -> ActionResult:
    try:
        answer = client.request_json(method, path, json_body=body, headers={"Idempotency-Key": key})
    except ApiRetryExhaustedError as exc:  # worded for the incidents list, not for a resumable pull
        detail = f"{client.vendor}: {exc.request} failed {exc.attempts} times (last: {exc.last}); the API is overloaded or down"
        return ActionResult(ok=False, retryable=True, detail=detail)
    except ApiConnectError as exc:  # the host cannot be reached now: the engine retries the step later
        return ActionResult(ok=False, retryable=True, detail=str(exc))
    except CrmApiError as exc:
        return ActionResult(ok=False, retryable=False, detail=str(exc))
    if isinstance(answer, dict) and answer.get("error"):
        return ActionResult(ok=False, detail=f"{answer.get('error')}: {answer.get('error_description', '')}".strip())
    return ActionResult(ok=True, response=answer if isinstance(answer, dict) else {"result": answer})


class Bitrix24Connector:
    """Bitrix24 REST actions through an :class:`~crmflow.sources.http.ApiClient` on the inbound-webhook address."""

    name = "bitrix24"

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @classmethod
    def from_env(cls, **client_options: Any) -> Bitrix24Connector:
        """The connector on ``CRMFLOW_BITRIX24_WEBHOOK_URL`` (the URL is the secret; it is never logged)."""
        url = Settings().bitrix24_webhook_url
        if url is None:
            raise error(ConnectorError, ERRORS, "crm.set_crmflow_bitrix_webhook")
        secret = url.get_secret_value()
        base = secret if secret.endswith("/") else secret + "/"
        return cls(ApiClient(vendor="bitrix24", base_url=base, secrets=[secret], **client_options))

    def perform(self, request: ActionRequest) -> ActionResult:
        op, params = request.operation, dict(request.params)
        if op not in BITRIX24_REQUIRED:
            return ActionResult(ok=False, detail=f"bitrix24: unknown operation `{op}` (known: {', '.join(BITRIX24_REQUIRED)})")
        problem = _missing(params, BITRIX24_REQUIRED[op], op)
        if problem:
            return problem
        return _call(self.client, "POST", f"{op}.json", params, request.idempotency_key)


def unix_seconds(value: Any) -> int:
    """amoCRM's time: Unix seconds from an int or an ISO 8601 date and time with offset.

    >>> unix_seconds("2026-12-07T10:00:00+03:00"), unix_seconds(1700000000)
    (1796626800, 1700000000)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        when = datetime.fromisoformat(value)
        if when.tzinfo is None:
            raise error(ConnectorError, ERRORS, "crm.has_no_utc_offset", value=value)
        return int(when.timestamp())
    raise error(ConnectorError, ERRORS, "crm.not_time_unix_seconds", value=value)


class AmoCrmConnector:
    """amoCRM/Kommo v4 actions through an :class:`~crmflow.sources.http.ApiClient` with the bearer token."""

    name = "amocrm"

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @classmethod
    def from_env(cls, **client_options: Any) -> AmoCrmConnector:
        """The connector on ``CRMFLOW_AMOCRM_BASE_URL`` with ``CRMFLOW_AMOCRM_TOKEN``."""
        s = Settings()
        if not s.amocrm_base_url or s.amocrm_token is None:
            raise error(ConnectorError, ERRORS, "crm.set_crmflow_amocrm_base")
        token = s.amocrm_token.get_secret_value()
        return cls(
            ApiClient(
                vendor="amocrm",
                base_url=s.amocrm_base_url,
                headers={"Authorization": f"Bearer {token}"},
                secrets=[token],
                **client_options,
            )
        )

    def perform(self, request: ActionRequest) -> ActionResult:
        op, params = request.operation, dict(request.params)
        if op not in AMOCRM_REQUIRED:
            return ActionResult(ok=False, detail=f"amocrm: unknown operation `{op}` (known: {', '.join(AMOCRM_REQUIRED)})")
        problem = _missing(params, AMOCRM_REQUIRED[op], op)
        if problem:
            return problem
        if op == "tasks":
            try:
                task = {
                    "text": str(params["text"]),
                    "complete_till": unix_seconds(params["complete_till"]),
                    "entity_id": int(params["entity_id"]),
                    "entity_type": str(params.get("entity_type", "leads")),
                    "task_type_id": int(params.get("task_type_id", 1)),
                    "request_id": request.idempotency_key,
                }
                if params.get("responsible_user_id") not in (None, ""):
                    task["responsible_user_id"] = int(params["responsible_user_id"])
            except (ConnectorError, TypeError, ValueError) as exc:
                return ActionResult(ok=False, detail=f"tasks: {exc}")
            return _call(self.client, "POST", "/api/v4/tasks", [task], request.idempotency_key)
        lead_id = str(params.pop("id"))
        if not lead_id.isdigit():
            return ActionResult(ok=False, detail=f"lead.update: id {lead_id!r} is not a lead id (digits)")
        return _call(self.client, "PATCH", f"/api/v4/leads/{lead_id}", params, request.idempotency_key)


__all__ = ["AMOCRM_REQUIRED", "BITRIX24_REQUIRED", "AmoCrmConnector", "Bitrix24Connector", "unix_seconds"]
