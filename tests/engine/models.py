"""Small BPMN models for the engine tests, built from the object model (no layout, no extensions)."""

from __future__ import annotations

from crmflow.bpmn.model import (
    Definitions,
    Event,
    EventDefinition,
    EventTrigger,
    FlowNode,
    Gateway,
    Process,
    SequenceFlow,
    SubProcess,
    Task,
)


def task(node_id: str, kind: str = "userTask", **kw: object) -> Task:
    return Task(id=node_id, name=node_id, kind=kind, **kw)  # type: ignore[arg-type]


def start(node_id: str = "start", trigger: str | None = None, ref: str | None = None) -> Event:
    defs = (EventDefinition(kind=trigger, ref=ref),) if trigger else ()  # type: ignore[arg-type]
    return Event(id=node_id, position="start", definitions=defs)


def end(node_id: str = "end", trigger: str | None = None, ref: str | None = None) -> Event:
    defs = (EventDefinition(kind=trigger, ref=ref),) if trigger else ()  # type: ignore[arg-type]
    return Event(id=node_id, position="end", definitions=defs)


def timer(
    node_id: str, expression: str, *, kind: str = "timeDuration", attached_to: str | None = None, interrupting: bool = True
) -> Event:
    return Event(
        id=node_id,
        position="boundary" if attached_to else "intermediateCatch",
        attached_to=attached_to,
        interrupting=interrupting,
        definitions=(EventDefinition(kind="timer", timer=kind, expression=expression),),  # type: ignore[arg-type]
    )


def catch_message(node_id: str, ref: str, *, attached_to: str | None = None) -> Event:
    return Event(
        id=node_id,
        position="boundary" if attached_to else "intermediateCatch",
        attached_to=attached_to,
        definitions=(EventDefinition(kind="message", ref=ref),),
    )


def gateway(node_id: str, kind: str = "exclusive", default: str | None = None) -> Gateway:
    return Gateway(id=node_id, kind=kind, default=default)  # type: ignore[arg-type]


def flows(*pairs: tuple[str, str] | tuple[str, str, str]) -> tuple[SequenceFlow, ...]:
    out = []
    for p in pairs:
        source, target = p[0], p[1]
        condition = p[2] if len(p) > 2 else None  # type: ignore[misc]
        out.append(SequenceFlow(id=f"f_{source}_{target}", source=source, target=target, condition=condition))
    return tuple(out)


def model(
    nodes: list[FlowNode], links: tuple[SequenceFlow, ...], *, messages: tuple[str, ...] = (), errors: tuple[str, ...] = ()
) -> Definitions:
    triggers = tuple(EventTrigger(id=f"Message_{m}", kind="message", name=m) for m in messages) + tuple(
        EventTrigger(id=f"Error_{e}", kind="error", name=e, code=e) for e in errors
    )
    return Definitions(
        id="Defs", name="test", triggers=triggers, processes=(Process(id="p", name="P", nodes=tuple(nodes), flows=links),)
    )


def sub(node_id: str, nodes: list[FlowNode], links: tuple[SequenceFlow, ...]) -> SubProcess:
    return SubProcess(id=node_id, name=node_id, nodes=tuple(nodes), flows=links)
