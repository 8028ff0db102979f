"""The closed vocabularies of the BPMN model: which values its kind, direction and position fields take.

Each vocabulary is a ``Literal`` type (what the dataclasses of :mod:`crmflow.bpmn.model` declare)
and the tuple of its values (what the reader and writer map element names to and from):
task and sub-process kinds, gateway kinds and directions, event positions, event-definition
kinds, timer kinds and global trigger kinds, and which event definitions refer to a global
trigger through which attribute.
"""

from __future__ import annotations

from typing import Literal, get_args

TaskKind = Literal["task", "userTask", "serviceTask", "sendTask", "receiveTask", "manualTask", "scriptTask", "businessRuleTask"]
SubProcessKind = Literal["subProcess", "transaction", "adHocSubProcess"]
GatewayKind = Literal["exclusive", "parallel", "inclusive", "eventBased", "complex"]
GatewayDirection = Literal["unspecified", "converging", "diverging", "mixed"]
EventPosition = Literal["start", "intermediateCatch", "intermediateThrow", "end", "boundary"]
EventDefinitionKind = Literal[
    "message", "timer", "signal", "error", "escalation", "terminate", "conditional", "link", "cancel", "compensate"
]
TimerKind = Literal["timeDuration", "timeDate", "timeCycle"]
TriggerKind = Literal["message", "signal", "error", "escalation"]
AssociationDirection = Literal["None", "One", "Both"]

TASK_KINDS: tuple[TaskKind, ...] = get_args(TaskKind)
SUBPROCESS_KINDS: tuple[SubProcessKind, ...] = get_args(SubProcessKind)
GATEWAY_KINDS: tuple[GatewayKind, ...] = get_args(GatewayKind)
GATEWAY_DIRECTIONS: tuple[GatewayDirection, ...] = get_args(GatewayDirection)
EVENT_POSITIONS: tuple[EventPosition, ...] = get_args(EventPosition)
EVENT_DEFINITION_KINDS: tuple[EventDefinitionKind, ...] = get_args(EventDefinitionKind)
TIMER_KINDS: tuple[TimerKind, ...] = get_args(TimerKind)
TRIGGER_KINDS: tuple[TriggerKind, ...] = get_args(TriggerKind)

#: Which event-definition kinds refer to a global trigger, and through which attribute.
TRIGGER_REF_ATTRIBUTE: dict[str, str] = {
    "message": "messageRef",
    "signal": "signalRef",
    "error": "errorRef",
    "escalation": "escalationRef",
    "compensate": "activityRef",
}


__all__ = [
    "EVENT_DEFINITION_KINDS",
    "EVENT_POSITIONS",
    "GATEWAY_DIRECTIONS",
    "GATEWAY_KINDS",
    "SUBPROCESS_KINDS",
    "TASK_KINDS",
    "TIMER_KINDS",
    "TRIGGER_KINDS",
    "TRIGGER_REF_ATTRIBUTE",
    "AssociationDirection",
    "EventDefinitionKind",
    "EventPosition",
    "GatewayDirection",
    "GatewayKind",
    "SubProcessKind",
    "TaskKind",
    "TimerKind",
    "TriggerKind",
]
