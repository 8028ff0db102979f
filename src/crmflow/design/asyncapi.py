"""The event catalogue of a To-Be model as an AsyncAPI 3.0 document: the contract of the integration bus.

It is a function of the model, so it lives beside the model: ``crmflow pack`` writes it as
``asyncapi.yaml`` (the deliverable section is :mod:`crmflow.deliverables.asyncapi`) and the engine
validates every message it publishes against it (:mod:`crmflow.engine.bus`).

Each catalogue event (``lead.created``) becomes a channel whose address is the event name, a
message with a JSON Schema payload (in ``components``), one ``send`` operation for its producer and
one ``receive`` operation per consumer. The steps and flow events that publish it are listed in
``x-crmflow-published-by``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from crmflow.design.messages import MESSAGES
from crmflow.design.model import EventType, PayloadField, Text, ToBeDefinition
from crmflow.i18n import text


def t(key: str, lang: str, /, **kwargs: object) -> str:
    return text(MESSAGES, key, lang, **kwargs)


ASYNCAPI_VERSION = "3.0.0"
#: JSON Schema for each payload type of the To-Be format.
PAYLOAD_SCHEMA: dict[str, dict[str, str]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "duration": {"type": "string", "format": "duration"},
    "object": {"type": "object"},
    "array": {"type": "array"},
}


def key(name: str) -> str:
    """An AsyncAPI component key for a name (``lead.created`` → ``lead_created``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def payload_schema(fields: tuple[PayloadField, ...], lang: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for f in fields:
        schema = dict(PAYLOAD_SCHEMA.get(f.type, {"type": "string"}))
        if f.description:
            schema["description"] = f.description.get(lang)
        props[f.name] = schema
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": True}
    required = [f.name for f in fields if f.required]
    if required:
        out["required"] = required
    return out


def publishers(tobe: ToBeDefinition, event: str) -> list[str]:
    """``process/node`` ids of the steps and flow events that publish ``event``."""
    out = []
    for p in tobe.processes:
        for node in p.flow:
            if event in getattr(node, "publishes", ()):
                out.append(f"{p.id}/{node.id}")
    return out


def catalogue(tobe: ToBeDefinition) -> list[EventType]:
    """The catalogue events plus any event a step publishes that the catalogue does not list (no payload)."""
    events = list(tobe.events)
    known = {e.name for e in events}
    for p in tobe.processes:
        for node in p.flow:
            for name in getattr(node, "publishes", ()):
                if name not in known:
                    known.add(name)
                    events.append(EventType(name=name, description=Text.of(name)))
    return events


def build_asyncapi(tobe: ToBeDefinition, *, lang: str) -> dict[str, Any]:
    """The AsyncAPI 3.0 document (a dict ready for YAML)."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for ev in catalogue(tobe):
        k = key(ev.name)
        schemas[f"{k}_payload"] = payload_schema(ev.payload, lang)
        messages[k] = {
            "name": ev.name,
            "title": ev.name,
            "summary": ev.description.get(lang),
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{k}_payload"},
        }
        channels[k] = {
            "address": ev.name,
            "description": ev.description.get(lang),
            "messages": {k: {"$ref": f"#/components/messages/{k}"}},
            "x-crmflow-published-by": publishers(tobe, ev.name),
        }

        def ref(k: str = k) -> dict[str, str]:  # a new mapping each time: no YAML anchors in the output
            return {"$ref": f"#/channels/{k}"}

        def msg(k: str = k) -> list[dict[str, str]]:
            return [{"$ref": f"#/channels/{k}/messages/{k}"}]

        producer = ev.producer or "crm"
        operations[f"send_{k}"] = {
            "action": "send",
            "channel": ref(),
            "messages": msg(),
            "summary": t("api.send", lang, party=tobe.party_name(producer, lang), event=ev.name),
            "x-crmflow-party": producer,
        }
        for consumer in ev.consumers:
            operations[f"receive_{k}_{key(consumer)}"] = {
                "action": "receive",
                "channel": ref(),
                "messages": msg(),
                "summary": t("api.receive", lang, party=tobe.party_name(consumer, lang), event=ev.name),
                "x-crmflow-party": consumer,
            }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": t("api.title", lang, name=tobe.name.get(lang)),
            "version": str(tobe.version),
            "description": tobe.description.get(lang) or tobe.name.get(lang),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def asyncapi_yaml(tobe: ToBeDefinition, *, lang: str) -> str:
    return yaml.safe_dump(build_asyncapi(tobe, lang=lang), allow_unicode=True, sort_keys=False, width=120)


__all__ = ["ASYNCAPI_VERSION", "asyncapi_yaml", "build_asyncapi", "catalogue", "key", "payload_schema", "publishers"]
