"""A fake CRM on 127.0.0.1: answers as Bitrix24 REST and amoCRM v4 do, records every call, sends webhooks.

The engine's connectors and webhooks are tested (and demonstrated) against it end to end:

* **Bitrix24** -- ``POST /rest/<user>/<secret>/<method>[.json]`` (an inbound-webhook address) for
  ``crm.activity.todo.add`` (``{"result": {"id": N}}``), ``tasks.task.add`` (``{"result": {"task": {...}}}``)
  and ``crm.deal.update`` (``{"result": true}``); a wrong secret answers 401 ``INVALID_CREDENTIALS``, an
  unknown deal 400 ``Not found``.
* **amoCRM** -- ``POST /api/v4/tasks`` (a list; ``_embedded.tasks[]`` with ``id`` and ``request_id``) and
  ``PATCH /api/v4/leads/{id}``, with ``Authorization: Bearer <token>``; validation errors answer 400 with
  ``validation-errors`` as amoCRM does.
* **every call** is kept as a :class:`CrmCall` with its ``Idempotency-Key`` header; :meth:`FakeCrm.effects_per_key`
  counts the changes each key caused, so a test can assert "no side effect twice". With
  ``honour_idempotency`` (the default) a repeated key gets the first answer back without a second change
  (as a receiver that honours the key would); without it every call takes effect -- the counter then shows
  any duplicate the sender produced.
* **faults** -- :meth:`FakeCrm.fail` queues answers (429 with ``Retry-After``, 503 ``QUERY_LIMIT_EXCEEDED``,
  500…), optionally *after* the change was made (a lost answer: the retry must not change anything twice).
* **webhooks** -- :meth:`FakeCrm.send_bitrix24_webhook` and :meth:`FakeCrm.send_amocrm_webhook` post
  form-encoded bodies shaped like the real ones to a URL.

>>> with FakeCrm() as crm:
...     import httpx
...     r = httpx.post(crm.bitrix24_url + "crm.activity.todo.add.json",
...                    json={"ownerTypeId": 1, "ownerId": 5, "deadline": "2026-12-07T10:00:00+03:00"},
...                    headers={"Idempotency-Key": "k1"})
...     r.json()["result"]["id"], crm.effects_per_key()["k1"]
(1, 1)
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from crmflow.engine.forms import flatten_form

_BITRIX_PATH = re.compile(r"^/rest/(\d+)/([^/]+)/([a-z0-9_.]+?)(?:\.json)?$")
_LEAD_PATH = re.compile(r"^/api/v4/leads/(\d+)$")
_FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class CrmCall:
    """One request the fake CRM answered."""

    vendor: str
    operation: str
    method: str
    path: str
    idempotency_key: str | None
    body: Any
    status: int
    effect: bool
    replayed: bool = False


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: str | None
    error: str | None
    after_effect: bool
    operation: str | None


@dataclass
class _State:
    deals: dict[int, dict[str, Any]] = field(default_factory=dict)
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    activities: dict[int, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    amo_tasks: dict[int, dict[str, Any]] = field(default_factory=dict)


class FakeCrm:
    """The fake Bitrix24 + amoCRM server (a context manager; ``start()``/``stop()`` otherwise).

    Parameters
    ----------
    bitrix24_secret, bitrix24_user
        The inbound-webhook path ``/rest/<user>/<secret>/``.
    amocrm_token
        The bearer token amoCRM requests must carry.
    honour_idempotency
        Answer a repeated ``Idempotency-Key`` with the first answer and no second change.
    """

    def __init__(
        self,
        *,
        bitrix24_secret: str = "fake-webhook-secret",
        bitrix24_user: int = 1,
        amocrm_token: str = "fake-amocrm-token",
        honour_idempotency: bool = True,
    ) -> None:
        self.bitrix24_secret = bitrix24_secret
        self.bitrix24_user = bitrix24_user
        self.amocrm_token = amocrm_token
        self.honour_idempotency = honour_idempotency
        self.calls: list[CrmCall] = []
        self.state = _State()
        self._faults: list[_Fault] = []
        self._answers: dict[str, tuple[int, Any]] = {}
        self._next_id = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ life cycle

    def start(self) -> FakeCrm:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-crm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeCrm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (the amoCRM base address)."""
        if self._server is None:
            raise RuntimeError("the fake CRM is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def bitrix24_url(self) -> str:
        """The Bitrix24 inbound-webhook address, ending in ``/`` (what ``CRMFLOW_BITRIX24_WEBHOOK_URL`` holds)."""
        return f"{self.url}/rest/{self.bitrix24_user}/{self.bitrix24_secret}/"

    # ------------------------------------------------------------------ set-up and inspection

    def add_deal(self, deal_id: int, **fields: Any) -> None:
        """A deal that ``crm.deal.update`` can change."""
        with self._lock:
            self.state.deals[deal_id] = {"ID": str(deal_id), **fields}

    def add_lead(self, lead_id: int, **fields: Any) -> None:
        """An amoCRM lead that ``PATCH /api/v4/leads/{id}`` can change."""
        with self._lock:
            self.state.leads[lead_id] = {"id": lead_id, **fields}

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        error: str | None = None,
        after_effect: bool = False,
        operation: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests (of ``operation``, or any) with ``status``.

        ``after_effect`` makes the change first and then answers the error (the answer was lost).
        """
        ra = None if retry_after is None else f"{retry_after:g}"
        with self._lock:
            self._faults.append(_Fault(status, times, ra, error, after_effect, operation))

    def effects_per_key(self) -> Counter[str]:
        """How many changes each idempotency key caused (a correct sender: 1 each)."""
        return Counter(c.idempotency_key or "" for c in self.calls if c.effect)

    def calls_per_key(self) -> Counter[str]:
        """How many requests carried each idempotency key (retries included)."""
        return Counter(c.idempotency_key or "" for c in self.calls)

    def duplicated_effects(self) -> dict[str, int]:
        """Keys that changed something more than once (should be empty)."""
        return {k: n for k, n in self.effects_per_key().items() if n > 1}

    # ------------------------------------------------------------------ webhooks out of the CRM

    def send_bitrix24_webhook(
        self,
        url: str,
        event: str,
        entity_id: int | str,
        *,
        application_token: str,
        domain: str = "fake.bitrix24.ru",
        ts: int | None = None,
        handler_id: int = 1,
    ) -> httpx.Response:
        """Post a Bitrix24 outbound webhook (``event=…&data[FIELDS][ID]=…&auth[application_token]=…``)."""
        body = {
            "event": event,
            "event_handler_id": handler_id,
            "data": {"FIELDS": {"ID": entity_id}},
            "ts": ts if ts is not None else int(time.time()),
            "auth": {
                "domain": domain,
                "client_endpoint": f"https://{domain}/rest/",
                "server_endpoint": "https://oauth.bitrix.info/rest/",
                "member_id": "fake0member0id",
                "application_token": application_token,
            },
        }
        return httpx.post(url, content=urlencode(flatten_form(body)), headers=_FORM, timeout=10)

    def send_amocrm_webhook(
        self,
        url: str,
        items: Sequence[Mapping[str, Any]],
        *,
        entity: str = "leads",
        action: str = "status",
        subdomain: str = "fake",
        account_id: int = 29085955,
    ) -> httpx.Response:
        """Post an amoCRM webhook (``leads[status][0][id]=…&…&account[subdomain]=…``)."""
        body = {
            entity: {action: [dict(i) for i in items]},
            "account": {
                "subdomain": subdomain,
                "id": account_id,
                "_links": {"self": f"https://{subdomain}.amocrm.ru"},
            },
        }
        return httpx.post(url, content=urlencode(flatten_form(body)), headers=_FORM, timeout=10)

    # ------------------------------------------------------------------ answering

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _fault(self, operation: str) -> _Fault | None:
        for f in self._faults:
            if f.operation in (None, operation) and f.times > 0:
                f.times -= 1
                if f.times == 0:
                    self._faults.remove(f)
                return f
        return None

    def answer(self, method: str, path: str, headers: Mapping[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        """Status, headers and JSON body for one request (thread-safe)."""
        vendor, operation, status, answer = self._route(method, path, headers)
        key = headers.get("idempotency-key")
        with self._lock:
            if status:  # refused before anything happens (auth, unknown path)
                self.calls.append(CrmCall(vendor, operation, method, path, key, body, status, False))
                return status, {}, answer
            if key and self.honour_idempotency and key in self._answers:
                st, stored = self._answers[key]
                self.calls.append(CrmCall(vendor, operation, method, path, key, body, st, False, replayed=True))
                return st, {"idempotent-replayed": "true"}, stored
            fault = self._fault(operation)
            if fault is not None and not fault.after_effect:
                self.calls.append(CrmCall(vendor, operation, method, path, key, body, fault.status, False))
                return fault.status, _fault_headers(fault), _fault_body(vendor, fault)
            st, result, effect = self._perform(vendor, operation, path, body)
            if key and effect:
                self._answers[key] = (st, result)
            if fault is not None:
                self.calls.append(CrmCall(vendor, operation, method, path, key, body, fault.status, effect))
                return fault.status, _fault_headers(fault), _fault_body(vendor, fault)
            self.calls.append(CrmCall(vendor, operation, method, path, key, body, st, effect))
            return st, {}, result

    def _route(self, method: str, path: str, headers: Mapping[str, str]) -> tuple[str, str, int, Any]:
        m = _BITRIX_PATH.match(path)
        if m:
            op = m.group(3)
            if method != "POST":
                return "bitrix24", op, 405, {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}
            if int(m.group(1)) != self.bitrix24_user or m.group(2) != self.bitrix24_secret:
                return "bitrix24", op, 401, {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"}
            if op not in ("crm.activity.todo.add", "tasks.task.add", "crm.deal.update", "crm.deal.get"):
                return "bitrix24", op, 404, {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}
            return "bitrix24", op, 0, None
        if path.startswith("/api/v4/"):
            op = "tasks" if path == "/api/v4/tasks" else ("lead.update" if _LEAD_PATH.match(path) else path)
            if headers.get("authorization") != f"Bearer {self.amocrm_token}":
                return "amocrm", op, 401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}
            if (op, method) not in (("tasks", "POST"), ("lead.update", "PATCH"), ("lead.update", "GET")):
                return "amocrm", op, 404, {"title": "Not Found", "status": 404}
            return "amocrm", op, 0, None
        return "other", path, 404, {"error": "not found"}

    def _perform(self, vendor: str, op: str, path: str, body: Any) -> tuple[int, Any, bool]:
        s = self.state
        now = {"start": time.time(), "finish": time.time()}
        if vendor == "bitrix24":
            b = body if isinstance(body, dict) else {}
            if op == "crm.activity.todo.add":
                missing = [k for k in ("ownerTypeId", "ownerId", "deadline") if k not in b]
                if missing:
                    return 400, {"error": "ERROR_CORE", "error_description": f"Required parameter missing: {missing[0]}"}, False
                ident = self._new_id()
                s.activities[ident] = dict(b)
                return 200, {"result": {"id": ident}, "time": now}, True
            if op == "tasks.task.add":
                given = b.get("fields")
                fields: dict[str, Any] = given if isinstance(given, dict) else {}
                if not fields.get("TITLE") or not fields.get("RESPONSIBLE_ID"):
                    return 400, {"error": "ERROR_CORE", "error_description": "TITLE and RESPONSIBLE_ID are required"}, False
                ident = self._new_id()
                s.tasks[ident] = dict(fields)
                return 200, {"result": {"task": {"id": str(ident), "title": fields["TITLE"]}}, "time": now}, True
            deal_id = int(b.get("id") or b.get("ID") or 0)
            if deal_id not in s.deals:
                return 400, {"error": "", "error_description": "Not found"}, False
            if op == "crm.deal.get":
                return 200, {"result": s.deals[deal_id], "time": now}, False
            s.deals[deal_id].update(b.get("fields") or {})
            return 200, {"result": True, "time": now}, True
        if op == "tasks":
            items = body if isinstance(body, list) else []
            errors = [
                {"request_id": str(i), "errors": [{"code": "NotSupportedChoice", "path": "text", "detail": "text is required"}]}
                for i, t in enumerate(items)
                if not isinstance(t, dict) or not t.get("text") or not isinstance(t.get("complete_till"), int)
            ]
            if not items or errors:
                return (
                    400,
                    {"validation-errors": errors, "title": "Bad Request", "status": 400, "detail": "Request validation failed"},
                    False,
                )
            out: list[dict[str, Any]] = []
            for t in items:
                ident = self._new_id()
                s.amo_tasks[ident] = dict(t)
                out.append(
                    {
                        "id": ident,
                        "request_id": t.get("request_id", str(len(out))),
                        "_links": {"self": {"href": f"/api/v4/tasks/{ident}"}},
                    }
                )
            return 200, {"_links": {"self": {"href": "/api/v4/tasks"}}, "_embedded": {"tasks": out}}, True
        m = _LEAD_PATH.match(urlsplit(path).path)
        lead_id = int(m.group(1)) if m else 0
        if lead_id not in s.leads:
            return 404, {"title": "Not Found", "status": 404, "detail": f"lead {lead_id} not found"}, False
        if not isinstance(body, dict):
            return 400, {"title": "Bad Request", "status": 400, "validation-errors": []}, False
        s.leads[lead_id].update(body)
        return 200, {"id": lead_id, "updated_at": int(time.time()), "_links": {"self": {"href": path}}}, True


def _fault_headers(f: _Fault) -> dict[str, str]:
    return {"retry-after": f.retry_after} if f.retry_after is not None else {}


def _fault_body(vendor: str, f: _Fault) -> Any:
    if vendor == "bitrix24":
        return {"error": f.error or f"HTTP_{f.status}", "error_description": "injected fault"}
    return {"title": "Error", "status": f.status, "detail": f.error or "injected fault"}


def _handler(fake: FakeCrm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(min(length, 8 * 1024**2)) if length else b""
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                body = None
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, answer = fake.answer(self.command, urlsplit(self.path).path, headers, body)
            out = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(out)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PATCH = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
            return

    return Handler


__all__ = ["CrmCall", "FakeCrm"]
