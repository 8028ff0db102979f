"""Reference integrity of a BPMN model: unique ids, and every reference resolves.

The reader checks a model after reading it and the writer before writing it, so neither
produces a document that bpmn-js would open with "unresolved reference" warnings.
"""

from __future__ import annotations

import re
from typing import Any

from crmflow.bpmn.error_messages import ERRORS
from crmflow.bpmn.model import (
    ACTIVITY_TYPES,
    TRIGGER_REF_ATTRIBUTE,
    Association,
    BpmnError,
    DataObjectReference,
    Definitions,
    Edge,
    Event,
    Process,
    SequenceFlow,
    Shape,
    SubProcess,
)
from crmflow.i18n import error

_RAW_ID = re.compile(r'\sid="([^"]+)"')


def check_references(defs: Definitions, *, source: str = "") -> None:
    """Check ids are unique and every reference resolves; raise :class:`BpmnError` naming the element.

    Parameters
    ----------
    defs
        The model to check.
    source
        A file name to put in front of messages.

    Examples
    --------
    >>> from crmflow.bpmn.model import SequenceFlow
    >>> bad = Definitions(id="D", processes=(Process(id="P", flows=(SequenceFlow(id="f", source="a", target="b"),)),))
    >>> try:
    ...     check_references(bad)
    ... except BpmnError as exc:
    ...     print(exc)
    sequence flow `f`: sourceRef `a` does not exist (expected the id of a flow node in process `P`)
    """
    prefix = f"{source}: " if source else ""
    seen: dict[str, object] = {}
    for el in defs.elements():
        if el.id and el.id in seen:
            raise error(BpmnError, ERRORS, "references.id_used_twice_expected", prefix=prefix, id=el.id)
        seen[el.id] = el
    known = set(seen)
    for el in defs.elements():
        for raw in getattr(el, "unmodelled", ()):
            known.update(_RAW_ID.findall(raw))

    def need(ok: bool, what: str, attr: str, value: object, expected: str) -> None:
        if not ok:
            raise error(
                BpmnError,
                ERRORS,
                "references.does_not_exist_expected",
                prefix=prefix,
                what=what,
                attr=attr,
                value=value,
                expected=expected,
            )

    triggers: dict[str, str] = {t.id: t.kind for t in defs.triggers}
    homes = _node_homes(defs)
    for process in defs.processes:
        _check_container(process, f"process `{process.id}`", known, triggers, need, homes, prefix, process.id)
        # flowNodeRef lists flow nodes; several tools list the data objects, data stores or data
        # inputs drawn in a lane too, which name an element of the process all the same
        lane_members = {n.id for n in process.all_nodes()} | {r.id for r in _data_refs(process)}
        lane_members |= {i for raw in _raw_strings(process) for i in _RAW_ID.findall(raw)}
        for lane in process.all_lanes():
            for ref in lane.flow_node_refs:
                need(ref in lane_members, f"lane `{lane.id}`", "flowNodeRef", ref, f"a flow node of process `{process.id}`")
    process_ids = {p.id for p in defs.processes}
    for collab in defs.collaborations:
        for p in collab.participants:
            if p.process_ref is not None:
                need(p.process_ref in process_ids, f"participant `{p.id}`", "processRef", p.process_ref, "a process id")
        for m in collab.message_flows:
            need(m.source in known, f"message flow `{m.id}`", "sourceRef", m.source, "a pool or flow node id")
            need(m.target in known, f"message flow `{m.id}`", "targetRef", m.target, "a pool or flow node id")
            if m.message_ref is not None:
                need(triggers.get(m.message_ref) == "message", f"message flow `{m.id}`", "messageRef", m.message_ref,
                     "the id of a <message>")  # fmt: skip
        for a in collab.associations:
            _check_association(a, known, need)
    for diagram in defs.diagrams:
        plane = diagram.plane
        # a few tools draw the whole document: the plane names <definitions>
        if plane.element is not None:
            ok = plane.element in known or plane.element == defs.id
            need(ok, f"plane `{plane.id}`", "bpmnElement", plane.element, "a process or collaboration id")
        drawn: list[Shape | Edge] = [*plane.shapes, *plane.edges]
        for item in drawn:
            if not item.element:
                continue  # bpmnElement is optional in BPMN DI: a line or shape that draws no element
            kind = "shape" if isinstance(item, Shape) else "edge"
            need(item.element in known, f"{kind} `{item.id}`", "bpmnElement", item.element, "the id of the element drawn")


def _data_refs(container: Process | SubProcess) -> list[DataObjectReference]:
    found = list(container.data_object_refs)
    for node in container.nodes:
        if isinstance(node, SubProcess):
            found += _data_refs(node)
    return found


def _check_association(a: Association, known: set[str], need: Any) -> None:
    need(a.source in known, f"association `{a.id}`", "sourceRef", a.source, "an element id")
    need(a.target in known, f"association `{a.id}`", "targetRef", a.target, "an element id")


def _node_homes(defs: Definitions) -> dict[str, tuple[str, str]]:
    """Flow node id → (its process, the process or sub-process that holds it)."""
    homes: dict[str, tuple[str, str]] = {}

    def walk(container: Process | SubProcess, process_id: str) -> None:
        for node in container.nodes:
            homes.setdefault(node.id, (process_id, container.id))
            if isinstance(node, SubProcess):
                walk(node, process_id)

    for process in defs.processes:
        walk(process, process.id)
    return homes


def _raw_strings(container: Process | SubProcess) -> list[str]:
    found = list(container.unmodelled)
    for node in container.nodes:
        found += node.unmodelled
        if isinstance(node, SubProcess):
            found += _raw_strings(node)
    return found


def _flow_end(
    f: SequenceFlow, attr: str, ref: str, container: Process | SubProcess, where: str,
    homes: dict[str, tuple[str, str]], prefix: str, process_id: str,
) -> BpmnError:  # fmt: skip
    """Why a sequence flow's end is not a flow node of its container, in BPMN's own terms."""
    what = f"{prefix}sequence flow `{f.id}` in {where}: {attr} `{ref}`"
    home = homes.get(ref)
    if home is None:
        expected = f"expected the id of a flow node in {where}"
        return BpmnError(f"{prefix}sequence flow `{f.id}`: {attr} `{ref}` does not exist ({expected})")
    if home[0] != process_id:
        return BpmnError(
            f"{what} is a flow node of another process (`{home[0]}`): a sequence flow stays inside one process "
            "(BPMN 2.0 §10.5.1); between pools, draw a message flow"
        )
    return BpmnError(
        f"{what} is inside `{home[1]}`: a sequence flow must not cross the boundary of a sub-process "
        "(BPMN 2.0 §10.5.1); connect the sub-process itself, or its inner start and end events"
    )


def _check_container(
    container: Process | SubProcess, where: str, known: set[str], triggers: dict[str, str], need: Any,
    homes: dict[str, tuple[str, str]], prefix: str, process_id: str,
) -> None:  # fmt: skip
    nodes = {n.id: n for n in container.nodes}
    for f in container.flows:
        for attr, ref in (("sourceRef", f.source), ("targetRef", f.target)):
            if ref not in nodes:
                raise _flow_end(f, attr, ref, container, where, homes, prefix, process_id)
    for node in container.nodes:
        what = f"{type(node).__name__.lower()} `{node.id}`"
        default = getattr(node, "default", None)
        if default is not None:
            outgoing = {f.id for f in container.flows if f.source == node.id}
            need(default in outgoing, what, "default", default, f"one of its outgoing sequence flows {sorted(outgoing)}")
        if isinstance(node, Event):
            if node.position == "boundary":
                host = nodes.get(node.attached_to or "")
                need(isinstance(host, ACTIVITY_TYPES), what, "attachedToRef", node.attached_to,
                     f"the id of a task, sub-process or call activity in {where}")  # fmt: skip
            for d in node.definitions:
                if d.ref is None:
                    continue
                if d.kind == "compensate":
                    need(d.ref in known, what, TRIGGER_REF_ATTRIBUTE[d.kind], d.ref, "an activity id")
                else:
                    need(triggers.get(d.ref) == d.kind, what, TRIGGER_REF_ATTRIBUTE[d.kind], d.ref,
                         f"the id of a <{d.kind}> in the definitions")  # fmt: skip
        if isinstance(node, SubProcess):
            _check_container(node, f"sub-process `{node.id}`", known, triggers, need, homes, prefix, process_id)
    for r in container.data_object_refs:
        if r.data_object is not None:
            need(r.data_object in known, f"data object reference `{r.id}`", "dataObjectRef", r.data_object,
                 "the id of a <dataObject>")  # fmt: skip
    for a in container.associations:
        _check_association(a, known, need)


__all__ = ["check_references"]
