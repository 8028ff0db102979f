"""A small HTTP client for CRM APIs: rate limits, retries with backoff, secrets kept out of logs.

The network sits behind a one-method :class:`Transport` (``send(request) -> response``):
:class:`HttpxTransport` talks to the real API, :class:`MemoryTransport` answers from a function (for
tests and dry runs). :class:`ApiClient` adds what every CRM needs:

* **one origin** -- requests go only to the configured API address, so a ``next`` link pointing
  elsewhere never receives the token;
* **rate limiting** -- at most one request per ``min_interval_s`` (Bitrix24 about 2 per second,
  amoCRM 7, HubSpot 10; see :data:`MIN_INTERVAL_S`);
* **retries** -- on ``429`` (waiting ``Retry-After`` when given), ``5xx``, Bitrix24's
  ``QUERY_LIMIT_EXCEEDED`` and on no answer (a timeout, a reset connection), with exponential backoff,
  at most ``max_attempts`` tries; a host that cannot be connected to at all (refused, name not
  resolved, TLS) is not retried: :class:`~crmflow.errors.ApiConnectError` says so at once;
* **credentials** -- header values (tokens) must be ASCII, as HTTP sends them: a stray character (a
  ``…`` copied from an example, a Cyrillic letter) is refused with its position, never sent;
* **secrets** -- tokens and the webhook URL are replaced by ``***`` in every log line and message.

Clock and sleep are injectable, so tests check the waiting without waiting.

>>> calls = []
>>> t = MemoryTransport(lambda r: calls.append(r.url) or HttpResponse(200, {}, b'{"ok": 1}'))
>>> ApiClient(vendor="hubspot", base_url="https://api.example", transport=t).get_json("/x")
{'ok': 1}
"""

from __future__ import annotations

import email.utils
import json
import logging
import socket
import ssl
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from crmflow.errors import ApiConnectError, ApiRetryExhaustedError, ApiUnreachableError, CrmApiError
from crmflow.i18n import Phrase, error, text
from crmflow.sources.error_messages import ERRORS

log = logging.getLogger("crmflow.sources.http")
_E = TypeVar("_E", bound=CrmApiError)

#: Largest API answer read (bytes): a page is a few MB; this bounds a wrong address or a hostile server.
MAX_RESPONSE_BYTES = 256 * 1024**2
#: Least time between two requests to one vendor, in seconds (their documented rate limits).
MIN_INTERVAL_S: dict[str, float] = {"bitrix24": 0.5, "amocrm": 1 / 7, "hubspot": 0.1, "salesforce": 0.0}

_TEXT: dict[str, dict[str, str]] = {
    "auth_bitrix24": {
        "en": "check the webhook in CRMFLOW_BITRIX24_WEBHOOK_URL and its scopes (crm)",
        "ru": "проверьте вебхук в CRMFLOW_BITRIX24_WEBHOOK_URL и его права (crm)",
    },
    "auth_amocrm": {
        "en": "check CRMFLOW_AMOCRM_TOKEN (expired access token?) and CRMFLOW_AMOCRM_BASE_URL",
        "ru": "проверьте CRMFLOW_AMOCRM_TOKEN (истёк токен доступа?) и CRMFLOW_AMOCRM_BASE_URL",
    },
    "auth_hubspot": {
        "en": "check CRMFLOW_HUBSPOT_TOKEN and the private app's scopes (crm.objects.deals.read, …)",
        "ru": "проверьте CRMFLOW_HUBSPOT_TOKEN и права приложения (crm.objects.deals.read, …)",
    },
    "auth_salesforce": {
        "en": "check CRMFLOW_SALESFORCE_TOKEN (session expired?) and the user's API permission",
        "ru": "проверьте CRMFLOW_SALESFORCE_TOKEN (сессия истекла?) и право пользователя на API",
    },
    "auth_other": {"en": "check the credentials", "ru": "проверьте учётные данные"},
    "not_found": {
        "en": "check the resource name and the API address/version",
        "ru": "проверьте имя ресурса и адрес/версию API",
    },
    "bad_request": {
        "en": "check the request parameters (resource, --since, --param)",
        "ru": "проверьте параметры запроса (ресурс, --since, --param)",
    },
    "refused": {
        "en": "{vendor}: {request} refused with HTTP {status}{detail}; {hint}",
        "ru": "{vendor}: {request} отклонён с HTTP {status}{detail}; {hint}",
    },
    "other_origin": {
        "en": "{vendor}: refusing to send the credentials to {url}: it is not the API address {host} "
        "(a `next` link pointing elsewhere?)",
        "ru": "{vendor}: учётные данные не будут отправлены на {url}: это не адрес API {host} "
        "(ссылка `next` ведёт на другой сервер?)",
    },
    "cannot_connect": {
        "en": "{vendor}: cannot connect to {host}: {why}; check the network (proxy, VPN, firewall) and {address} "
        "-- nothing was retried; run the same command again when the host is reachable",
        "ru": "{vendor}: не удаётся подключиться к {host}: {why}; проверьте сеть (прокси, VPN, межсетевой экран) и "
        "{address} — повторов не было; запустите ту же команду, когда сервер станет доступен",
    },
    "why_refused": {"en": "the connection was refused", "ru": "соединение отклонено"},
    "why_dns": {"en": "the host name does not resolve (DNS)", "ru": "имя сервера не найдено (DNS)"},
    "why_tls": {"en": "the secure connection (TLS) failed", "ru": "не удалось установить защищённое соединение (TLS)"},
    "why_other": {"en": "no connection ({detail})", "ru": "нет соединения ({detail})"},
    "address_bitrix24": {
        "en": "the webhook address in CRMFLOW_BITRIX24_WEBHOOK_URL",
        "ru": "адрес вебхука в CRMFLOW_BITRIX24_WEBHOOK_URL",
    },
    "address_amocrm": {"en": "the address in CRMFLOW_AMOCRM_BASE_URL", "ru": "адрес в CRMFLOW_AMOCRM_BASE_URL"},
    "address_hubspot": {"en": "the address in CRMFLOW_HUBSPOT_BASE_URL", "ru": "адрес в CRMFLOW_HUBSPOT_BASE_URL"},
    "address_salesforce": {
        "en": "the address in CRMFLOW_SALESFORCE_INSTANCE_URL",
        "ru": "адрес в CRMFLOW_SALESFORCE_INSTANCE_URL",
    },
    "address_other": {"en": "the API address", "ru": "адрес API"},
    "not_ascii": {
        "en": "{what} holds a character HTTP cannot send: character {pos} is {char} (a token or address is plain "
        "ASCII -- copied with an ellipsis, a quote or a Cyrillic letter?); nothing was sent",
        "ru": "{what} содержит символ, который нельзя передать по HTTP: символ {pos} — {char} (токен или адрес состоит "
        "только из символов ASCII — скопирован с многоточием, кавычкой или русской буквой?); запрос не отправлен",
    },
    "header": {"en": "the {name} header", "ru": "заголовок {name}"},
    "no_answer": {
        "en": "{vendor}: {request} got no answer {attempts} times (last: {last}); the API or the network is too slow "
        "or down -- run the same command again later: the pull resumes where it stopped",
        "ru": "{vendor}: на {request} нет ответа {attempts} раз (последний: {last}); API или сеть слишком медленные или "
        "недоступны — повторите ту же команду позже: выгрузка продолжится с места остановки",
    },
    "gave_up": {
        "en": "{vendor}: {request} failed {attempts} times (last: {last}); the API is overloaded or down -- "
        "run the same command again later: the pull resumes where it stopped",
        "ru": "{vendor}: {request} не удался {attempts} раз (последний: {last}); API перегружен или недоступен — "
        "повторите ту же команду позже: выгрузка продолжится с места остановки",
    },
    "too_long": {
        "en": "{vendor}: {request}: the API asks to wait {wait:.0f} s, longer than the limit of {limit:.0f} s "
        "(setting CRMFLOW_API_MAX_WAIT_S); a daily quota is probably used up -- run again later: the pull "
        "resumes where it stopped",
        "ru": "{vendor}: {request}: API просит подождать {wait:.0f} с — дольше предела {limit:.0f} с "
        "(настройка CRMFLOW_API_MAX_WAIT_S); вероятно, исчерпана суточная квота — повторите позже: выгрузка "
        "продолжится с места остановки",
    },
    "transport_refused": {"en": "{vendor}: {request}: {cause}", "ru": "{vendor}: {request}: {cause}"},
    "not_json": {
        "en": "{vendor}: {request} answered HTTP {status} with a body that is not JSON ({body}…); check the API address",
        "ru": "{vendor}: {request} ответил HTTP {status} не в формате JSON ({body}…); проверьте адрес API",
    },
}


@dataclass(frozen=True)
class HttpRequest:
    """One request; ``url`` is absolute; ``content`` is sent as is instead of ``json_body`` (a signed body)."""

    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    json_body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    content: bytes | None = None


@dataclass(frozen=True)
class HttpResponse:
    """One answer: status, headers (lower-case names) and the raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON (None when empty)."""
        return json.loads(self.body) if self.body.strip() else None


class Transport(Protocol):
    """Sends one request and returns the answer, or raises :class:`ApiUnreachableError`."""

    def send(self, request: HttpRequest) -> HttpResponse: ...


def require_ascii(value: str, what: str, lang: str = "en") -> str:
    """``value`` when HTTP can send it as is (ASCII), else a :class:`CrmApiError` naming ``what`` and the character.

    The message shows the position and the Unicode name of the first offending character, never the value
    (it is a secret).

    >>> require_ascii("pat-na1-0f3c", "CRMFLOW_HUBSPOT_TOKEN")
    'pat-na1-0f3c'
    >>> require_ascii("pat-…", "CRMFLOW_HUBSPOT_TOKEN")
    Traceback (most recent call last):
    ...
    crmflow.errors.CrmApiError: CRMFLOW_HUBSPOT_TOKEN holds a character HTTP cannot send: character 5 is U+2026 \
HORIZONTAL ELLIPSIS (a token or address is plain ASCII -- copied with an ellipsis, a quote or a Cyrillic letter?); \
nothing was sent
    """
    for pos, ch in enumerate(value, 1):
        if ord(ch) > 127:
            char = f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip()
            raise error(CrmApiError, _TEXT, "not_ascii", lang, what=what, pos=pos, char=char)
    return value


def _connect_reason(exc: BaseException) -> str:
    """``dns``, ``refused``, ``tls`` or ``other`` from the chain of causes of a connection error."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror):
            return "dns"
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        if isinstance(seen, ssl.SSLError):
            return "tls"
        seen = seen.__cause__ or seen.__context__
    return "other"


class HttpxTransport:
    """The real network, through one ``httpx.Client`` (redirects are not followed)."""

    def __init__(
        self, *, timeout_s: float = 60.0, client: httpx.Client | None = None, max_bytes: int = MAX_RESPONSE_BYTES
    ) -> None:
        self._client = client or httpx.Client(timeout=timeout_s, follow_redirects=False)
        self.max_bytes = max_bytes

    def send(self, request: HttpRequest) -> HttpResponse:
        try:
            with self._client.stream(
                request.method,
                request.url,
                params=list(request.params) or None,
                json=request.json_body if request.content is None else None,
                content=request.content,
                headers=dict(request.headers),
            ) as r:
                body = bytearray()
                for chunk in r.iter_bytes():  # read in chunks so an endless answer stops at the limit
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise error(CrmApiError, ERRORS, "http.answer_larger_than_bytes", max_bytes=self.max_bytes)
                headers = {k.lower(): v for k, v in r.headers.items()}
        except httpx.ConnectError as exc:  # no connection at all: waiting will not help
            reason = _connect_reason(exc)
            raise ApiConnectError(type(exc).__name__, reason=reason, host=urlsplit(request.url).hostname or "") from None
        except httpx.TransportError as exc:
            raise ApiUnreachableError(type(exc).__name__) from None  # the exception text may hold the URL
        return HttpResponse(r.status_code, headers, bytes(body))

    def close(self) -> None:
        self._client.close()


class MemoryTransport:
    """Answers every request with ``handler(request)`` and keeps the requests it saw."""

    def __init__(self, handler: Callable[[HttpRequest], HttpResponse]) -> None:
        self.handler = handler
        self.requests: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        return self.handler(request)


@dataclass
class ClientStats:
    """What a client did: requests sent, retries, and seconds spent waiting (rate limit + backoff)."""

    requests: int = 0
    retries: int = 0
    waited_s: float = 0.0
    statuses: list[int] = field(default_factory=list)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def retry_after_s(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta seconds or an HTTP date), or None.

    >>> retry_after_s("7")
    7.0
    >>> retry_after_s("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0)
    10.0
    """
    if not value:
        return None
    v = value.strip()
    try:
        return max(0.0, float(v))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class ApiClient:
    """Requests to one CRM API with rate limiting, retries and redaction.

    Parameters
    ----------
    vendor
        ``bitrix24``, ``amocrm``, ``hubspot`` or ``salesforce`` (names the API in messages).
    base_url
        Address relative paths are joined to (for Bitrix24 the webhook URL, ending in ``/``).
    transport
        Where requests go; :class:`HttpxTransport` when None.
    headers
        Sent with every request (``Authorization``).
    secrets
        Strings never to show (tokens, the webhook URL); replaced by ``***``.
    min_interval_s
        Least time between requests; the vendor's entry of :data:`MIN_INTERVAL_S` when None.
    max_attempts, max_wait_s, backoff_s
        Tries per request; the longest acceptable wait; the first backoff (doubled each retry).
    clock, sleep
        ``time.monotonic`` and ``time.sleep`` unless given (tests pass fakes).
    lang
        Language of the error messages (``ru``/``en``).
    """

    def __init__(
        self,
        *,
        vendor: str,
        base_url: str,
        transport: Transport | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        min_interval_s: float | None = None,
        max_attempts: int = 6,
        max_wait_s: float = 120.0,
        backoff_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        lang: str = "en",
    ) -> None:
        self.vendor = vendor
        self.lang = lang
        self.base_url = base_url
        self.transport: Transport = transport or HttpxTransport()
        self.headers = dict(headers or {})
        for name, value in self.headers.items():
            require_ascii(str(value), text(_TEXT, "header", lang, name=name), lang)
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.min_interval_s = MIN_INTERVAL_S.get(vendor, 0.0) if min_interval_s is None else min_interval_s
        self.max_attempts = max(1, max_attempts)
        self.max_wait_s = max_wait_s
        self.backoff_s = backoff_s
        self.clock = clock
        self.sleep = sleep
        self.stats = ClientStats()
        self._last_sent: float | None = None

    # ------------------------------------------------------------------ helpers

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    def url(self, path_or_url: str) -> str:
        """The absolute URL of a path (relative to ``base_url``) or of a full URL on the same origin."""
        url = urljoin(self.base_url, path_or_url)
        if _origin(url) != _origin(self.base_url):
            raise self._error(CrmApiError, "other_origin", url=url, host=_origin(self.base_url)[1])
        return url

    def _t(self, key: str, **kw: object) -> str:
        return text(_TEXT, key, self.lang, vendor=self.vendor, **kw)

    def _error(self, cls: Callable[..., _E], key: str, /, extra: Mapping[str, Any] | None = None, **params: object) -> _E:
        """``cls`` worded from ``key`` of the catalogue in the language of whoever shows it, secrets redacted;
        ``str`` is the message in the client's language; ``extra`` are the exception's own keyword arguments."""
        params = {"vendor": self.vendor, **params}

        def render(lang: str) -> str:
            return self.redact(Phrase(_TEXT, key, **params).in_language(lang))

        return cls(render(self.lang), **dict(extra or {})).worded(key, params, render)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.waited_s += seconds
            self.sleep(seconds)

    def _throttle(self) -> None:
        if self._last_sent is not None and self.min_interval_s > 0:
            self._wait(self._last_sent + self.min_interval_s - self.clock())
        self._last_sent = self.clock()

    # ------------------------------------------------------------------ requests

    def get_json(self, path: str, *, params: Sequence[tuple[str, str]] = ()) -> Any:
        """GET ``path`` and return its JSON (None for an empty answer such as amoCRM's 204)."""
        return self.request_json("GET", path, params=params)

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request, retrying what can be retried, and return the JSON answer.

        ``headers`` are added to the client's own for this request only (an ``Idempotency-Key``).

        Raises
        ------
        CrmApiError
            The API refused the request (4xx other than 429), or answered with something not JSON.
        ApiRetryExhaustedError
            (a ``CrmApiError``) it kept failing after ``max_attempts`` tries, or asked to wait longer than
            ``max_wait_s``: worth trying again later.
        """
        url = self.url(path)
        for name, value in (headers or {}).items():
            require_ascii(str(value), self._t("header", name=name), self.lang)
        sent = {**self.headers, **(headers or {})}
        req = HttpRequest(method.upper(), url, tuple((str(k), str(v)) for k, v in params), json_body, tuple(sent.items()))
        shown = self.redact(f"{req.method} {urlsplit(url).path}")
        last = "no answer"
        for attempt in range(1, self.max_attempts + 1):
            self._throttle()
            self.stats.requests += 1
            try:
                resp = self.transport.send(req)
            except ApiConnectError as exc:
                raise self._cannot_connect(exc) from None
            except ApiUnreachableError as exc:
                last = f"no answer ({exc})"
                log.warning("%s: %s, attempt %d/%d", shown, last, attempt, self.max_attempts)
                self._backoff(attempt, None, shown)
                continue
            except CrmApiError as exc:  # the transport refused the answer (too large): not worth a retry
                raise self._error(CrmApiError, "transport_refused", request=shown, cause=exc) from None
            self.stats.statuses.append(resp.status)
            log.info("%s -> %d", shown, resp.status)
            payload = self._payload(resp, shown)
            error = payload.get("error") if isinstance(payload, dict) else None
            limited = resp.status == 429 or error in ("QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT")
            if 200 <= resp.status < 300 and not limited:
                return payload
            if limited or resp.status >= 500:
                last = f"HTTP {resp.status}" + (f" {error}" if error else "")
                log.warning("%s: %s, attempt %d/%d", shown, last, attempt, self.max_attempts)
                self._backoff(attempt, retry_after_s(resp.headers.get("retry-after")), shown)
                continue
            raise self._refusal(resp, payload, shown)
        silent = last.startswith("no answer")
        raise self._error(
            ApiRetryExhaustedError,
            "no_answer" if silent else "gave_up",
            {"request": shown, "attempts": self.max_attempts, "last": last},
            request=shown,
            attempts=self.max_attempts,
            last=last,
        )

    def _cannot_connect(self, exc: ApiConnectError) -> ApiConnectError:
        known = exc.reason in ("refused", "dns", "tls", "other")
        why: object = Phrase(_TEXT, f"why_{exc.reason}", detail=str(exc)) if known else str(exc)
        key = f"address_{self.vendor}" if f"address_{self.vendor}" in _TEXT else "address_other"
        host = exc.host or urlsplit(self.base_url).hostname or "?"
        extra = {"reason": exc.reason, "host": exc.host}
        return self._error(ApiConnectError, "cannot_connect", extra, host=host, why=why, address=Phrase(_TEXT, key))

    def _backoff(self, attempt: int, asked: float | None, shown: str) -> None:
        if attempt >= self.max_attempts:
            return
        wait = asked if asked is not None else min(self.backoff_s * 2 ** (attempt - 1), self.max_wait_s)
        if wait > self.max_wait_s:
            last = f"asked to wait {wait:.0f} s (Retry-After), more than CRMFLOW_API_MAX_WAIT_S = {self.max_wait_s:.0f} s"
            raise self._error(
                ApiRetryExhaustedError,
                "too_long",
                {"request": shown, "attempts": attempt, "last": last},
                request=shown,
                wait=wait,
                limit=self.max_wait_s,
            )
        self.stats.retries += 1
        self._wait(wait)

    def _payload(self, resp: HttpResponse, shown: str) -> Any:
        try:
            return resp.json()
        except ValueError:
            if 200 <= resp.status < 300:
                raise self._error(CrmApiError, "not_json", request=shown, status=resp.status, body=repr(resp.body[:80])) from None
            return None

    def _refusal(self, resp: HttpResponse, payload: Any, shown: str) -> CrmApiError:
        detail = ""
        if isinstance(payload, dict):
            parts = [payload.get(k) for k in ("error", "error_description", "message", "title", "detail")]
            detail = "; ".join(str(p) for p in parts if p)[:300]
        elif isinstance(payload, list) and payload and isinstance(payload[0], dict):  # Salesforce: [{message, errorCode}]
            detail = "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in payload[:3])[:300]
        if resp.status in (401, 403):
            key = f"auth_{self.vendor}" if f"auth_{self.vendor}" in _TEXT else "auth_other"
        else:
            key = "not_found" if resp.status == 404 else "bad_request"
        return self._error(
            CrmApiError,
            "refused",
            request=shown,
            status=resp.status,
            detail=f" ({detail})" if detail else "",
            hint=Phrase(_TEXT, key),
        )
