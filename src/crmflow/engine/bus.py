"""The event bus through FastStream: publish the outbox, receive events from ERP/telephony/billing.

* **Broker by URL** (:func:`broker_for`): ``nats://`` (the default here; JetStream), ``redis://``
  (Redis Streams), ``amqp://`` (RabbitMQ), ``kafka://host:9092[,host2:9092]`` -- the last three need
  ``pip install crmflow[bus]``.
* **Publishing** (:class:`AsyncBusPublisher`, and :class:`BusPublisher` -- the synchronous
  :class:`~crmflow.engine.contracts.Publisher` the outbox relay calls): every message is first validated
  against the AsyncAPI 3.0 document ``crmflow pack`` writes for the model (:class:`AsyncApiValidator`,
  built with :mod:`jsonschema` from that document); a message that does not match is refused with the
  field named and never leaves. The body is the event's payload, the subject/channel/topic is the event
  name (with an optional prefix), and the message id travels as ``Nats-Msg-Id`` so that JetStream drops
  a duplicate within its window; RabbitMQ gets it as ``message_id``, Kafka as the record key, every broker
  also as the ``message_id`` header.
* **Receiving** (:func:`subscribe_inbound`): a subscriber per event name turns each message into an
  :class:`~crmflow.engine.contracts.InboundEvent` (``source="bus"``, ``name`` = the event, ``dedupe_key``
  from the message id), routes it through the trigger table into the inbox, and acknowledges only after
  the inbox accepted it (an exception leaves the message unacknowledged and the broker redelivers it).

>>> from crmflow.design.loader import load_tobe
>>> from importlib.resources import files
>>> v = AsyncApiValidator.for_model(load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml"))
>>> v.validate("lead.contacted", {"lead_id": "17", "contacted_at": "2026-12-07T10:03:00+03:00", "minutes_to_contact": 3})
>>> try:
...     v.validate("lead.contacted", {"lead_id": 17, "contacted_at": "2026-12-07T10:03:00+03:00", "minutes_to_contact": 3})
... except BusMessageError as exc:
...     print(exc.field)
lead_id
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from faststream import Context
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from pydantic_settings import BaseSettings, SettingsConfigDict
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from crmflow.design.asyncapi import build_asyncapi
from crmflow.design.model import ToBeDefinition
from crmflow.durations import parse_duration
from crmflow.engine.contracts import InboundEvent, Inbox, OutboundMessage
from crmflow.engine.edge_messages import MESSAGES
from crmflow.engine.error_messages import ERRORS
from crmflow.engine.triggers import ParkedEvent, ParkedSink, TriggerTable, dispatch
from crmflow.engine.webhooks import json_event
from crmflow.errors import BusError, BusMessageError, DurationError, WebhookRejectedError
from crmflow.i18n import error, localize, text

log = logging.getLogger("crmflow.engine.bus")

BrokerKind = Literal["nats", "redis", "rabbit", "kafka"]
#: URL schemes and the broker each selects.
SCHEMES: dict[str, BrokerKind] = {
    "nats": "nats",
    "tls": "nats",
    "redis": "redis",
    "rediss": "redis",
    "amqp": "rabbit",
    "amqps": "rabbit",
    "kafka": "kafka",
}
_DOC_URI = "urn:crmflow:asyncapi"

# ----------------------------------------------------------------------------- AsyncAPI validation

_FORMATS = FormatChecker()


@_FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value).tzinfo is not None and "T" in value.upper()


@_FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


@_FORMATS.checks("duration", raises=(DurationError, ValueError))
def _is_duration(value: object) -> bool:
    return not isinstance(value, str) or bool(parse_duration(value, short=False) is not None)


class AsyncApiValidator:
    """Validates payloads against the message schemas of an AsyncAPI 3.0 document (JSON Schema 2020-12).

    Each channel's ``address`` is an event name; its message's ``payload`` (with ``$ref`` into
    ``components``) is the schema. ``date-time`` must carry an offset, ``date`` and ``duration`` must parse.
    """

    def __init__(self, document: Mapping[str, Any], *, lang: str = "en") -> None:
        if not str(document.get("asyncapi", "")).startswith("3."):
            raise error(BusError, ERRORS, "bus.not_asyncapi_document_asyncapi", value=document.get("asyncapi"))
        self.document = dict(document)
        self.lang = lang
        registry: Registry[Any] = Registry().with_resource(_DOC_URI, Resource.from_contents(self.document, DRAFT202012))
        self._validators: dict[str, Draft202012Validator] = {}
        for key, channel in (self.document.get("channels") or {}).items():
            for mkey, ref in (channel.get("messages") or {}).items():
                target = ref.get("$ref", f"#/channels/{key}/messages/{mkey}")
                message = self._resolve(target)
                payload = message.get("payload", {})
                schema = {"$ref": _DOC_URI + payload["$ref"]} if "$ref" in payload else payload
                self._validators[channel["address"]] = Draft202012Validator(schema, registry=registry, format_checker=_FORMATS)

    @classmethod
    def for_model(cls, tobe: ToBeDefinition, *, lang: str = "en") -> AsyncApiValidator:
        """The validator of the AsyncAPI document ``crmflow pack`` writes for ``tobe``."""
        return cls(build_asyncapi(tobe, lang=lang), lang=lang)

    def _resolve(self, pointer: str) -> dict[str, Any]:
        node: Any = self.document
        for part in pointer.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return dict(node)

    @property
    def events(self) -> tuple[str, ...]:
        """The event names (channel addresses) the document describes."""
        return tuple(sorted(self._validators))

    def validate(self, event: str, payload: Mapping[str, Any]) -> None:
        """Pass silently or raise :class:`BusMessageError` naming the first offending field.

        Raises
        ------
        BusMessageError
            The event is not in the document, or the payload breaks its schema (``field`` names where).
        """
        validator = self._validators.get(event)
        if validator is None:
            known = ", ".join(self.events) or "none"
            exc = BusMessageError(text(MESSAGES, "bus.unknown_event", self.lang, event=event, known=known), event=event)
            raise localize(exc, MESSAGES, "bus.unknown_event", event=event, known=known)
        error = best_match(validator.iter_errors(dict(payload)))
        if error is None:
            return
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [k for k in error.validator_value if k not in error.instance]
            path.append(missing[0] if missing else "")
        field = ".".join(path) or "(payload)"
        message = text(MESSAGES, "bus.invalid", self.lang, event=event, field=field, problem=error.message)
        raise localize(
            BusMessageError(message, event=event, field=field),
            MESSAGES,
            "bus.invalid",
            event=event,
            field=field,
            problem=error.message,
        )


# ----------------------------------------------------------------------------- brokers


def broker_kind(url: str) -> BrokerKind:
    """Which broker a URL selects.

    >>> broker_kind("nats://127.0.0.1:4222"), broker_kind("amqp://guest:guest@127.0.0.1:5672/")
    ('nats', 'rabbit')
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise error(
            BusError,
            ERRORS,
            "bus.bus_url_scheme_not",
            url=url,
            scheme=scheme,
            value=", ".join(f"{s}://" for s in SCHEMES),
        )
    return SCHEMES[scheme]


def broker_for(url: str) -> Any:
    """A FastStream broker for ``url`` (not yet connected).

    Raises
    ------
    BusError
        An unknown scheme, or the FastStream extra for that broker is not installed.
    """
    kind = broker_kind(url)
    try:
        if kind == "nats":
            from faststream.nats import NatsBroker

            return NatsBroker(url, logger=None)
        if kind == "redis":
            from faststream.redis import RedisBroker

            return RedisBroker(url, logger=None)  # type: ignore[arg-type]
        if kind == "rabbit":
            from faststream.rabbit import RabbitBroker

            return RabbitBroker(url, logger=None)
        from faststream.kafka import KafkaBroker

        servers = urlsplit(url).netloc.split(",")
        return KafkaBroker(servers, logger=None)
    except ImportError as exc:
        raise error(BusError, ERRORS, "bus.broker_needs_pip_install", kind=kind, exc=exc) from None


def _body(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(payload), ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


class AsyncBusPublisher:
    """Validates and publishes :class:`OutboundMessage` objects on a FastStream broker (async).

    Parameters
    ----------
    broker, kind
        A FastStream broker (connected by the caller, or a test broker) and its kind.
    validator
        The AsyncAPI validator; ``None`` only where no model exists (tests of the transport).
    prefix
        Put before each event name in the subject/channel (``i12b.`` keeps test streams apart).
    stream
        The JetStream stream the subjects belong to (NATS: the publish then waits for the stream's ack).
    """

    def __init__(
        self,
        broker: Any,
        *,
        kind: BrokerKind,
        validator: AsyncApiValidator | None,
        prefix: str = "",
        stream: str | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self.broker = broker
        self.kind = kind
        self.validator = validator
        self.prefix = prefix
        self.stream = stream
        self.timeout_s = timeout_s

    async def publish(self, message: OutboundMessage) -> Any:
        """Validate, then publish; returns the broker's ack (JetStream ``PubAck`` with ``duplicate``)."""
        if self.validator is not None:
            self.validator.validate(message.event, message.payload)
        subject = self.prefix + message.event
        mid = message.message_id
        headers = {"message_id": mid, "crmflow-instance": message.instance_id}
        body = _body(message.payload)
        try:
            if self.kind == "nats":
                return await self.broker.publish(
                    body,
                    subject,
                    headers={**headers, "Nats-Msg-Id": mid},
                    correlation_id=mid,
                    stream=self.stream,
                    timeout=self.timeout_s,
                )
            if self.kind == "redis":
                return await self.broker.publish(body, stream=subject, headers=headers, correlation_id=mid)
            if self.kind == "rabbit":
                return await self.broker.publish(body, queue=subject, headers=headers, message_id=mid, correlation_id=mid)
            return await self.broker.publish(body, subject, key=mid.encode("utf-8"), headers=headers, correlation_id=mid)
        except BusMessageError:
            raise
        except Exception as exc:  # the broker libraries raise their own trees; the relay retries any of them
            raise error(
                BusError,
                ERRORS,
                "bus.publishing_failed",
                kind=self.kind,
                event=message.event,
                mid=mid,
                kind2=type(exc).__name__,
                exc=exc,
            ) from exc


class BusSettings(BaseSettings):
    """Where the bus is, from ``CRMFLOW_BUS_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="CRMFLOW_BUS_", extra="ignore")

    #: ``nats://…`` (default), ``redis://…``, ``amqp://…`` or ``kafka://host:9092``.
    url: str = "nats://127.0.0.1:4222"
    #: Put before every event name in subjects (one bus shared by several environments).
    prefix: str = ""
    #: The JetStream stream of the engine's subjects (NATS only; created when missing).
    stream: str | None = "crmflow"


class BusPublisher:
    """The synchronous :class:`~crmflow.engine.contracts.Publisher` over a broker URL (a loop in a thread).

    >>> try:
    ...     BusPublisher("smtp://x", validator=None)
    ... except BusError as exc:
    ...     print(str(exc)[:45])
    bus URL 'smtp://x': scheme 'smtp' is not supp
    """

    def __init__(
        self,
        url: str,
        *,
        validator: AsyncApiValidator | None,
        prefix: str = "",
        stream: str | None = None,
        stream_subjects: Sequence[str] | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self.kind = broker_kind(url)
        self.url = url
        self.broker = broker_for(url)
        self.stream = stream
        self.stream_subjects = list(stream_subjects or ([f"{prefix}>"] if prefix else []))
        self._inner = AsyncBusPublisher(
            self.broker, kind=self.kind, validator=validator, prefix=prefix, stream=stream, timeout_s=timeout_s
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="crmflow-bus", daemon=True)
        self._started = False
        self._lock = threading.Lock()  # several relay threads may publish, and so start, at once
        self.timeout_s = timeout_s

    @classmethod
    def from_env(cls, validator: AsyncApiValidator | None) -> BusPublisher:
        """The publisher on ``CRMFLOW_BUS_URL`` (with ``CRMFLOW_BUS_PREFIX`` and ``CRMFLOW_BUS_STREAM``)."""
        s = BusSettings()
        return cls(s.url, validator=validator, prefix=s.prefix, stream=s.stream if broker_kind(s.url) == "nats" else None)

    def _run(self, coro: Any) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(self.timeout_s * 4)
        except TimeoutError:
            future.cancel()  # do not leave the connect or publish running behind the caller's back
            raise

    def _redact(self, message: str) -> str:
        password = urlsplit(self.url).password
        return message.replace(password, "***") if password else message

    def start(self) -> BusPublisher:
        """Connect (and, for NATS with a stream, make sure the stream exists)."""
        with self._lock:
            return self._start()

    def _start(self) -> BusPublisher:
        if not self._started:
            if not self._thread.is_alive():
                self._thread.start()
            where = f"{urlsplit(self.url).hostname}:{urlsplit(self.url).port or ''}"  # never the credentials
            try:
                self._run(self._connect())
            except Exception as exc:
                raise error(
                    BusError,
                    ERRORS,
                    "bus.cannot_connect",
                    kind=self.kind,
                    where=where,
                    kind2=type(exc).__name__,
                ) from exc
            self._started = True
        return self

    async def _connect(self) -> None:
        await self.broker.connect()
        if self.kind == "nats" and self.stream:
            from nats.js.api import StreamConfig

            js = self.broker.config.connection_state.stream
            try:
                await js.stream_info(self.stream)
            except Exception:  # nats.js.errors.NotFoundError: create it
                await js.add_stream(StreamConfig(name=self.stream, subjects=self.stream_subjects or None))

    def publish(self, message: OutboundMessage) -> None:
        """Validate and publish ``message`` (blocks until the broker acknowledged it).

        Raises
        ------
        BusMessageError
            The payload does not match the AsyncAPI document (nothing is sent; not worth retrying).
        BusError
            The broker could not be reached or refused the message (the relay retries).
        """
        self.start()
        try:
            self._run(self._inner.publish(message))
        except BusMessageError:
            raise
        except BusError as exc:
            cause, failed = exc, BusError(self._redact(str(exc)))
            raise failed.worded(
                "bus.broker_failed", {"cause": cause}, lambda lang: self._redact(cause.in_language(lang))
            ) from exc
        except Exception as exc:  # a timeout of the future
            raise error(
                BusError,
                ERRORS,
                "bus.publishing_timed_out",
                kind=self.kind,
                event=message.event,
                kind2=type(exc).__name__,
            ) from exc

    def close(self) -> None:
        if self._started:
            try:
                self._run(self.broker.stop())
            finally:
                self._started = False
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> BusPublisher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


# ----------------------------------------------------------------------------- inbound


def bus_event(subject: str, body: bytes | Mapping[str, Any] | Any, *, message_id: str | None, prefix: str = "") -> InboundEvent:
    """A bus message as an :class:`InboundEvent` (``source="bus"``); without a message id, the body's hash.

    >>> bus_event("i12b.call.logged", b'{"phone": "+79161234567"}', message_id="m1", prefix="i12b.").dedupe_key
    'bus:m1'
    """
    name = subject[len(prefix) :] if prefix and subject.startswith(prefix) else subject
    if isinstance(body, bytes | bytearray):
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            rejected = WebhookRejectedError(f"{subject}: the message is not JSON ({exc})", status=400, code="bad_json")
            raise localize(rejected, ERRORS, "bus.message_not_json", subject=subject, detail=str(exc)) from None
    else:
        data = body
    mid = message_id or hashlib.sha256(_body(data) if isinstance(data, Mapping) else repr(data).encode()).hexdigest()[:40]
    return json_event({"id": mid, "event": name, "data": data}, source="bus")


def _inbound_handler(
    subject: str,
    prefix: str,
    table: TriggerTable,
    inbox: Inbox,
    sink: ParkedSink,
    on_error: Callable[[str, Exception], None] | None,
) -> Callable[..., Any]:
    # one body parameter only: FastStream spreads a JSON object over several parameters
    async def handler(body: Any, message: Any = Context("message")) -> None:  # noqa: B008 - FastStream's injection
        raw = message.body if isinstance(message.body, bytes | bytearray) else _body(body)
        headers = dict(message.headers or {})
        mid = headers.get("Nats-Msg-Id") or headers.get("message_id") or message.message_id
        try:
            ev = bus_event(subject, raw, message_id=mid, prefix=prefix)
        except WebhookRejectedError as exc:  # unreadable: parked with the raw text, acknowledged, never lost
            if on_error is not None:
                on_error(subject, exc)
            digest = mid or hashlib.sha256(raw).hexdigest()[:40]
            shown = raw[:2000].decode("utf-8", errors="replace")
            bad = InboundEvent("bus", subject, f"bus:{digest}", {}, {"raw": shown}, datetime.now(UTC))
            await asyncio.to_thread(sink.park, ParkedEvent(bad, "malformed", str(exc), datetime.now(UTC)))
            return
        await asyncio.to_thread(dispatch, [ev], table, inbox, sink)

    return handler


def subscribe_inbound(
    broker: Any,
    events: Sequence[str],
    table: TriggerTable,
    inbox: Inbox,
    sink: ParkedSink,
    *,
    kind: BrokerKind,
    prefix: str = "",
    stream: str | None = None,
    durable: str | None = None,
    on_error: Callable[[str, Exception], None] | None = None,
) -> list[Any]:
    """Subscribe to ``events`` on ``broker``: each message → :class:`InboundEvent` → triggers → inbox.

    A message that cannot be read (not JSON, no event fields) is parked, not redelivered forever; an
    exception from the inbox propagates, so the broker redelivers the message.
    """
    subscribers = []
    for event in events:
        subject = prefix + event
        if kind == "nats":
            from faststream.nats import JStream, PullSub

            options: dict[str, Any] = {}
            if stream:
                options["stream"] = JStream(name=stream, declare=False)
                options["durable"] = f"{durable or 'crmflow'}_{event.replace('.', '_')}"
                options["pull_sub"] = PullSub(batch_size=50, timeout=0.5)
            sub = broker.subscriber(subject, **options)
        elif kind == "redis":
            from faststream.redis import StreamSub

            sub = broker.subscriber(stream=StreamSub(subject, group=durable, consumer="crmflow") if durable else subject)
        elif kind == "rabbit":
            sub = broker.subscriber(subject)
        else:
            sub = broker.subscriber(subject, group_id=durable)

        sub(_inbound_handler(subject, prefix, table, inbox, sink, on_error))
        subscribers.append(sub)
    return subscribers


__all__ = [
    "SCHEMES",
    "AsyncApiValidator",
    "AsyncBusPublisher",
    "BrokerKind",
    "BusPublisher",
    "BusSettings",
    "broker_for",
    "broker_kind",
    "bus_event",
    "subscribe_inbound",
]
