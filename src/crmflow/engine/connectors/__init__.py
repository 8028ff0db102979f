"""Connectors: the side effects of service and send tasks (CRM actions, e-mail, webhooks, the bus), with retries."""

from crmflow.engine.connectors.crm import AmoCrmConnector, Bitrix24Connector
from crmflow.engine.connectors.notify import BusConnector, EmailConnector, NotifySettings, WebhookConnector
from crmflow.engine.connectors.retry import (
    ActionOutcome,
    ActionRunner,
    Attempt,
    Incident,
    IncidentRegistry,
    RetryPolicy,
    incident_for,
)

__all__ = [
    "ActionOutcome",
    "ActionRunner",
    "AmoCrmConnector",
    "Attempt",
    "Bitrix24Connector",
    "BusConnector",
    "EmailConnector",
    "Incident",
    "IncidentRegistry",
    "NotifySettings",
    "RetryPolicy",
    "WebhookConnector",
    "incident_for",
]
