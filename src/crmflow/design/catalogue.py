"""The event catalogue of the To-Be: events the process publishes on the integration bus, with payloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from crmflow.design.text import EMPTY, Text

PayloadType = Literal["string", "integer", "number", "boolean", "datetime", "date", "duration", "object", "array"]
PAYLOAD_TYPES: tuple[PayloadType, ...] = get_args(PayloadType)


@dataclass(frozen=True, kw_only=True)
class PayloadField:
    """A field of an event's payload."""

    name: str
    type: PayloadType = "string"
    required: bool = True
    description: Text = EMPTY
    #: the instance variable (dotted path) the engine fills the field from; None: the variable of its name
    source: str | None = None


@dataclass(frozen=True, kw_only=True)
class EventType:
    """An event of the integration bus catalogue (``lead.created``): payload, producer, consumers.

    ``producer`` and ``consumers`` are system or role ids.
    """

    name: str
    description: Text
    payload: tuple[PayloadField, ...] = ()
    producer: str | None = None
    consumers: tuple[str, ...] = ()
