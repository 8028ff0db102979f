"""What one step of an instance produces: its initial state, variable merges, and the effects the store writes.

:class:`Effects` collects what :class:`~crmflow.engine.interpreter.Run` asks the store to write besides
the instance's JSON state, all in the same transaction: tasks to open (:class:`TaskOpen`, routed by the
store) or close, timers, message subscriptions, outbox rows, log entries (:class:`LogEntry`) and
incidents. The lookups at the bottom read payload fields and paths from the variables.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crmflow.engine.contracts import ActionRequest, OutboundMessage

PRIORITY_RANK = {"critical": 0, "urgent": 0, "high": 1, "normal": 2, "medium": 2, "low": 3}


def new_state() -> dict[str, Any]:
    """The state of an instance before its start event."""
    return {"vars": {}, "status": "active", "tokens": {}, "joins": {}, "timers": {}, "next": 1}


def merge(into: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``update`` into ``into`` (nested dicts merge, other values replace).

    >>> merge({"lead": {"a": 1}}, {"lead": {"b": 2}, "x": 3})
    {'lead': {'a': 1, 'b': 2}, 'x': 3}
    """
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = copy.deepcopy(dict(value)) if isinstance(value, Mapping) else copy.deepcopy(value)
    return into


@dataclass(frozen=True)
class TaskOpen:
    """A user task to create: the store routes it to a person (:mod:`crmflow.engine.routing`)."""

    id: str
    token: str
    node: str
    name: str
    role: str | None
    priority: str
    rank: int
    due: float | None


@dataclass(frozen=True)
class LogEntry:
    """One event of the engine's own event log (lifecycle ``start`` or ``complete``)."""

    node: str
    activity: str
    lifecycle: str
    ts: float
    role: str | None
    task: str | None = None
    resource: str | None = None


@dataclass
class Effects:
    """What a step asks the store to write besides the state (all in the same transaction)."""

    tasks_open: list[TaskOpen] = field(default_factory=list)
    tasks_close: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (task id, status, variables)
    timers_set: list[tuple[str, float]] = field(default_factory=list)
    timers_clear: list[str] = field(default_factory=list)
    subs_set: list[tuple[str, str, str]] = field(default_factory=list)  # (token, node, message)
    subs_clear: list[str] = field(default_factory=list)  # tokens
    actions: list[ActionRequest] = field(default_factory=list)
    messages: list[OutboundMessage] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    incidents: list[tuple[str, str, str]] = field(default_factory=list)  # (node, kind, detail)


def var_at(data: Mapping[str, Any], path: str) -> Any:
    """The variable at a dotted path (``lead.phone``), or None."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def payload_value(data: Mapping[str, Any], name: str) -> Any:
    """A payload field from the variables: top level first, then one level down (``lead.lead_id``)."""
    if name in data:
        return data[name]
    for value in data.values():
        if isinstance(value, Mapping) and name in value:
            return value[name]
    return None


def variable_names(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Every variable's dotted path (for messages that list what an instance knows)."""
    out: list[str] = []
    for k, v in data.items():
        out.extend(variable_names(v, f"{prefix}{k}.") if isinstance(v, Mapping) else [f"{prefix}{k}"])
    return out


__all__ = [
    "PRIORITY_RANK",
    "Effects",
    "LogEntry",
    "TaskOpen",
    "merge",
    "new_state",
    "payload_value",
    "var_at",
    "variable_names",
]
