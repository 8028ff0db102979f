"""Alert delivery over the engine's event bus, and to several notifiers at once.

A raised alert is published as the event ``crmflow.alert.raised`` (subject ``<prefix>crmflow.alert.raised``)
through the engine's :class:`~crmflow.engine.bus.BusPublisher` — the same broker choice by URL (NATS
JetStream, Redis Streams, RabbitMQ, Kafka) and the same validation against an AsyncAPI 3.0 document
(:data:`ALERT_ASYNCAPI`, the contract of this one subject) before anything leaves. The JetStream
message id is ``alert/<project>/<id>/<raised_at>``, so a repeated delivery of the same alert is dropped
by the broker's duplicate window.

Configured from the environment by :func:`crmflow.web.alerts.notifier_from_env`:
``$CRMFLOW_ALERT_BUS_URL`` (e.g. ``nats://127.0.0.1:4222``), the subject prefix of
``$CRMFLOW_BUS_PREFIX``, the stream ``$CRMFLOW_ALERT_BUS_STREAM`` (default ``crmflow_alerts``, created
with the subjects ``<prefix>crmflow.alert.>`` when missing).

>>> ALERT_EVENT
'crmflow.alert.raised'
>>> from crmflow.engine.bus import AsyncApiValidator
>>> AsyncApiValidator(ALERT_ASYNCAPI).events
('crmflow.alert.raised',)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from crmflow.engine.bus import AsyncApiValidator, BusPublisher, broker_kind
from crmflow.engine.contracts import OutboundMessage

if TYPE_CHECKING:
    from crmflow.web.alerts import Alert, Notifier

ALERT_EVENT = "crmflow.alert.raised"
_TEXT_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}

#: The AsyncAPI 3.0 contract of the alert subject: every published alert is validated against it.
ALERT_ASYNCAPI: dict[str, Any] = {
    "asyncapi": "3.0.0",
    "info": {"title": "crmflow web alerts", "version": "1", "description": "Alerts raised by crmflow serve's rules."},
    "channels": {
        "alert_raised": {
            "address": ALERT_EVENT,
            "messages": {"alert_raised": {"$ref": "#/components/messages/alert_raised"}},
        }
    },
    "operations": {
        "send_alert_raised": {"action": "send", "channel": {"$ref": "#/channels/alert_raised"}},
    },
    "components": {
        "messages": {"alert_raised": {"name": ALERT_EVENT, "payload": {"$ref": "#/components/schemas/alert"}}},
        "schemas": {
            "alert": {
                "type": "object",
                "required": ["id", "project", "rule", "kind", "value", "threshold", "detail", "raised_at"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "project": {"type": "string", "minLength": 1},
                    "rule": {"type": "string", "minLength": 1},
                    "kind": {"enum": ["kpi", "sla_breach_share", "stuck", "fitness"]},
                    "value": {"type": "number"},
                    "threshold": {"type": "number"},
                    "detail": {"type": "string"},
                    "raised_at": {"type": "string", "format": "date-time"},
                    "acknowledged_by": _TEXT_OR_NULL,
                    "acknowledged_at": _TEXT_OR_NULL,
                },
                "additionalProperties": False,
            }
        },
    },
}


def alert_message(alert: Alert) -> OutboundMessage:
    """The bus message of an alert (its id stable across re-deliveries)."""
    return OutboundMessage(ALERT_EVENT, f"alert/{alert.project}/{alert.id}/{alert.raised_at}", asdict(alert), alert.project)


class BusNotifier:
    """Publishes each alert on the engine's bus (see the module docstring); connects on first use."""

    def __init__(self, url: str, *, prefix: str = "", stream: str | None = "crmflow_alerts", timeout_s: float = 5.0) -> None:
        nats = broker_kind(url) == "nats"
        self.subject = prefix + ALERT_EVENT
        self.publisher = BusPublisher(
            url,
            validator=AsyncApiValidator(ALERT_ASYNCAPI),
            prefix=prefix,
            stream=stream if nats else None,
            stream_subjects=[f"{prefix}crmflow.alert.>"] if nats and stream else None,
            timeout_s=timeout_s,
        )

    def deliver(self, alert: Alert) -> None:
        self.publisher.publish(alert_message(alert))

    def close(self) -> None:
        self.publisher.close()


class FanoutNotifier:
    """Delivers to every notifier; one failing does not stop the others (the errors are raised together)."""

    def __init__(self, notifiers: Sequence[Notifier]) -> None:
        self.notifiers = tuple(notifiers)

    def deliver(self, alert: Alert) -> None:
        errors = []
        for n in self.notifiers:
            try:
                n.deliver(alert)
            except Exception as exc:  # noqa: BLE001 (each channel is tried; the caller records the failures)
                errors.append(f"{type(n).__name__}: {exc}")
        if errors:
            raise RuntimeError("; ".join(errors))


__all__ = ["ALERT_ASYNCAPI", "ALERT_EVENT", "BusNotifier", "FanoutNotifier", "alert_message"]
