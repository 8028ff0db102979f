"""The engine's seams: what comes in (commands from webhooks and the bus), what goes out (actions, messages).

The interpreter and its durable store sit between two sets of adapters that never see each other:

* **in** -- a webhook or bus adapter turns a delivery into an :class:`InboundEvent`; the trigger table
  turns that into an :class:`EngineCommand` (:class:`StartProcess` or :class:`CorrelateMessage`) and hands
  it to an :class:`Inbox`, which persists it (deduplicated on ``dedupe_key``) before the delivery is
  acknowledged;
* **out** -- a step of an instance writes :class:`ActionRequest` rows (service tasks: CRM actions, e-mail,
  outgoing webhooks) and :class:`OutboundMessage` rows (events for the bus) in the same transaction as the
  state change (a transactional outbox); relays hand them to a :class:`Connector` or a :class:`Publisher`.
  Every request carries an idempotency key, so a relay that retries after a crash never performs a side
  effect twice at a receiver that honours the key (the fake CRM counts them).

Each seam is a one-method protocol with an in-memory implementation in the tests.

>>> cmd = StartProcess(process_id="incoming_lead", business_key="L-1", dedupe_key="bitrix24:evt-9")
>>> cmd.kind
'start'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

__all__ = [
    "ActionRequest",
    "ActionResult",
    "CorrelateMessage",
    "Connector",
    "EngineCommand",
    "InboundEvent",
    "Inbox",
    "OutboundMessage",
    "Publisher",
    "StartProcess",
]


@dataclass(frozen=True)
class InboundEvent:
    """One delivery from outside, already authenticated and parsed, not yet mapped to a process.

    ``source`` is the adapter (``bitrix24``, ``amocrm``, ``json``, ``bus``); ``name`` the event's name in
    the event catalogue (``lead.created``, ``deal.stage_changed``, ``call.logged``); ``keys`` the business
    keys found in it (``{"lead_id": "123", "phone": "+79161234567"}``); ``dedupe_key`` is unique per
    delivery (the vendor's event id, or a hash of the body when it has none).
    """

    source: str
    name: str
    dedupe_key: str
    keys: Mapping[str, str] = field(default_factory=dict)
    payload: Mapping[str, Any] = field(default_factory=dict)
    received_at: datetime | None = None


@dataclass(frozen=True)
class StartProcess:
    """Start an instance of ``process_id`` (the To-Be process id) for ``business_key`` (lead/deal id)."""

    process_id: str
    business_key: str
    dedupe_key: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    kind: Literal["start"] = "start"


@dataclass(frozen=True)
class CorrelateMessage:
    """Deliver the message ``message_name`` to the instance waiting for it whose key matches.

    ``correlation_key`` names the variable (``lead_id``, ``deal_id``, ``phone``) and ``correlation_value``
    its value. A message that matches no waiting instance is parked and reported, never dropped.
    """

    message_name: str
    correlation_key: str
    correlation_value: str
    dedupe_key: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    kind: Literal["message"] = "message"


EngineCommand = StartProcess | CorrelateMessage


class Inbox(Protocol):
    """Where accepted commands are persisted before the delivery is acknowledged (HTTP 202)."""

    def accept(self, command: EngineCommand) -> bool:
        """Persist ``command``; ``False`` when its ``dedupe_key`` was seen before (nothing is stored)."""
        ...


@dataclass(frozen=True)
class ActionRequest:
    """A side effect a service or send task asks for, written to the outbox with the step that asked.

    ``connector`` is ``bitrix24``, ``amocrm``, ``email``, ``webhook`` or ``bus``; ``operation`` the
    connector's verb (``crm.activity.todo.add``, ``tasks.task.add``, ``crm.deal.update``, ``tasks``,
    ``lead.update``, ``send``, ``post``); ``idempotency_key`` is stable across retries of the same request.
    """

    connector: str
    operation: str
    idempotency_key: str
    instance_id: str
    element_id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    attempt: int = 1


@dataclass(frozen=True)
class ActionResult:
    """What a connector answered. ``retryable`` failures are retried with backoff, the rest become incidents."""

    ok: bool
    retryable: bool = False
    detail: str = ""
    response: Mapping[str, Any] = field(default_factory=dict)


class Connector(Protocol):
    """Performs one kind of side effect (a CRM, e-mail, a webhook)."""

    name: str

    def perform(self, request: ActionRequest) -> ActionResult:
        """Carry out ``request``; never raise for a failure the receiver reported -- return it."""
        ...


@dataclass(frozen=True)
class OutboundMessage:
    """An event the engine publishes (``lead.contacted``, ``sla.breached``…), with its bus message id.

    ``message_id`` is stable across relays so that the broker (NATS JetStream's ``Nats-Msg-Id``) drops a
    duplicate; ``payload`` validates against the event's schema in the AsyncAPI document of the model.
    """

    event: str
    message_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    instance_id: str = ""


class Publisher(Protocol):
    """Publishes outbox messages to the event bus."""

    def publish(self, message: OutboundMessage) -> None:
        """Send ``message``; raise :class:`crmflow.errors.CrmflowError` subclasses on failure (retried)."""
        ...
