"""Reading BPMN 2.0 XML (with diagram interchange) into the :mod:`crmflow.bpmn.model`.

The reader is namespace-aware and prefix-blind: ``bpmn:``, ``bpmn2:``, ``semantic:`` or the
default namespace all read the same. The file is checked by
:func:`~crmflow.ingest.safety.check_xml_prolog` (no DTD, no entities) and parsed with
:func:`~crmflow.ingest.safety.safe_xml_parser` (no network). After reading, every reference
(sequence-flow ends, default flows, boundary hosts, lane members, pools, DI) is checked and a
dangling one raises :class:`~crmflow.bpmn.model.BpmnError` naming the element.

>>> xml = b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">
...   <process id="P"><startEvent id="S"/><userTask id="T" name="Call"/>
...   <sequenceFlow id="f" sourceRef="S" targetRef="T"/></process></definitions>'''
>>> d = read_bpmn(xml)
>>> [(n.id, type(n).__name__) for n in d.flow_nodes()]
[('S', 'Event'), ('T', 'Task')]
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from lxml import etree

from crmflow.base.xml import check_xml_prolog, safe_xml_parser
from crmflow.bpmn.di_reader import DiagramReader
from crmflow.bpmn.element_reader import bpmn_tag, bpmn_tags, other_attributes
from crmflow.bpmn.error_messages import ERRORS
from crmflow.bpmn.model import (
    BPMN_NS,
    BPMNDI_NS,
    EVENT_DEFINITION_KINDS,
    GATEWAY_DIRECTIONS,
    GATEWAY_KINDS,
    SUBPROCESS_KINDS,
    TASK_KINDS,
    TIMER_KINDS,
    TRIGGER_KINDS,
    TRIGGER_REF_ATTRIBUTE,
    Association,
    BpmnError,
    CallActivity,
    Collaboration,
    DataObject,
    DataObjectReference,
    Definitions,
    Event,
    EventDefinition,
    EventTrigger,
    FlowNode,
    Gateway,
    Lane,
    LaneSet,
    MessageFlow,
    Participant,
    Process,
    SequenceFlow,
    SubProcess,
    Task,
    TextAnnotation,
)
from crmflow.bpmn.namespaces import STANDARD_PREFIXES, canonical_xml, document_namespaces, document_nsmap
from crmflow.bpmn.references import check_references
from crmflow.i18n import error

_EVENT_TAGS = {
    "startEvent": "start",
    "endEvent": "end",
    "intermediateCatchEvent": "intermediateCatch",
    "intermediateThrowEvent": "intermediateThrow",
    "boundaryEvent": "boundary",
}
_GATEWAY_TAGS = {f"{kind}Gateway": kind for kind in GATEWAY_KINDS}
_DEFINITION_TAGS = {f"{kind}EventDefinition": kind for kind in EVENT_DEFINITION_KINDS}
_CONTAINER_TAGS = {
    "laneSet", "sequenceFlow", "callActivity", "dataObject", "dataObjectReference", "textAnnotation", "association",
    *TASK_KINDS, *SUBPROCESS_KINDS, *_EVENT_TAGS, *_GATEWAY_TAGS,
}  # fmt: skip
_NODE_CHILDREN = {"incoming", "outgoing"}  # derived from the sequence flows, so not stored


class _Reader(DiagramReader):
    """The parsers of the semantic elements: definitions, collaborations, processes, flow nodes."""

    # ------------------------------------------------------------------------- definitions

    def definitions(self, root: etree._Element, namespaces: tuple[tuple[str, str], ...]) -> Definitions:
        handled = {bpmn_tag(t) for t in ("process", "collaboration", *TRIGGER_KINDS)} | {f"{{{BPMNDI_NS}}}BPMNDiagram"}
        common = self.common(root, attrs={"targetNamespace", "name"}, children=handled)
        collaborations = [self.collaboration(c) for c in self.kids(root, "collaboration")]
        return Definitions(
            id=self.ident(root, required=False),
            target_namespace=root.get("targetNamespace", ""),
            name=root.get("name", ""),
            namespaces=namespaces,
            triggers=tuple(self.trigger(c) for c in root if c.tag in {bpmn_tag(k) for k in TRIGGER_KINDS}),
            collaboration=collaborations[0] if collaborations else None,
            other_collaborations=tuple(collaborations[1:]),
            processes=tuple(self.process(p) for p in self.kids(root, "process")),
            diagrams=tuple(self.diagram(d) for d in self.kids(root, "BPMNDiagram", ns=BPMNDI_NS)),
            **common,
        )

    def trigger(self, el: etree._Element) -> EventTrigger:
        kind = etree.QName(el).localname
        code_attr = {"error": "errorCode", "escalation": "escalationCode"}.get(kind, "")
        return EventTrigger(
            id=self.ident(el),
            kind=cast(Any, kind),
            name=el.get("name", ""),
            code=el.get(code_attr, "") if code_attr else "",
            **self.common(el, attrs={"name", code_attr}),
        )

    def collaboration(self, el: etree._Element) -> Collaboration:
        parts = ("participant", "messageFlow", "textAnnotation", "association")
        return Collaboration(
            id=self.ident(el, required=False),
            name=el.get("name", ""),
            participants=tuple(
                Participant(
                    id=self.ident(p),
                    name=p.get("name", ""),
                    process_ref=self.ref(p, "processRef", required=False),
                    **self.common(p, attrs={"name", "processRef"}),
                )
                for p in self.kids(el, "participant")
            ),
            message_flows=tuple(
                MessageFlow(
                    id=self.ident(m),
                    name=m.get("name", ""),
                    source=cast(str, self.ref(m, "sourceRef")),
                    target=cast(str, self.ref(m, "targetRef")),
                    message_ref=self.ref(m, "messageRef", required=False),
                    **self.common(m, attrs={"name", "sourceRef", "targetRef", "messageRef"}),
                )
                for m in self.kids(el, "messageFlow")
            ),
            text_annotations=tuple(self.annotation(a) for a in self.kids(el, "textAnnotation")),
            associations=tuple(self.association(a) for a in self.kids(el, "association")),
            **self.common(el, attrs={"name"}, children={bpmn_tag(t) for t in parts}),
        )

    # -------------------------------------------------------------------------- containers

    def contents(self, el: etree._Element) -> dict[str, Any]:
        nodes: list[FlowNode] = []
        for child in el:
            if not isinstance(child.tag, str) or etree.QName(child).namespace != BPMN_NS:
                continue
            local = etree.QName(child).localname
            if local in TASK_KINDS:
                nodes.append(self.task(child))
            elif local in SUBPROCESS_KINDS:
                nodes.append(self.subprocess(child))
            elif local == "callActivity":
                nodes.append(
                    CallActivity(
                        id=self.ident(child),
                        name=child.get("name", ""),
                        called_element=child.get("calledElement", ""),
                        default=self.ref(child, "default", required=False),
                        **self.common(child, attrs={"name", "calledElement", "default"}, children=bpmn_tags(_NODE_CHILDREN)),
                    )
                )
            elif local in _GATEWAY_TAGS:
                nodes.append(self.gateway(child))
            elif local in _EVENT_TAGS:
                nodes.append(self.event(child))
        return {
            "lane_sets": tuple(self.lane_set(c) for c in self.kids(el, "laneSet")),
            "nodes": tuple(nodes),
            "flows": tuple(self.sequence_flow(c) for c in self.kids(el, "sequenceFlow")),
            "data_objects": tuple(
                DataObject(
                    id=self.ident(c),
                    name=c.get("name", ""),
                    is_collection=self.flag(c, "isCollection", False),
                    **self.common(c, attrs={"name", "isCollection"}),
                )
                for c in self.kids(el, "dataObject")
            ),
            "data_object_refs": tuple(
                DataObjectReference(
                    id=self.ident(c),
                    name=c.get("name", ""),
                    data_object=self.ref(c, "dataObjectRef", required=False),
                    **self.common(c, attrs={"name", "dataObjectRef"}),
                )
                for c in self.kids(el, "dataObjectReference")
            ),
            "text_annotations": tuple(self.annotation(c) for c in self.kids(el, "textAnnotation")),
            "associations": tuple(self.association(c) for c in self.kids(el, "association")),
        }

    def process(self, el: etree._Element) -> Process:
        return Process(
            id=self.ident(el),
            name=el.get("name", ""),
            is_executable=self.flag(el, "isExecutable", False),
            **self.contents(el),
            **self.common(el, attrs={"name", "isExecutable"}, children=bpmn_tags(_CONTAINER_TAGS)),
        )

    def subprocess(self, el: etree._Element) -> SubProcess:
        return SubProcess(
            id=self.ident(el),
            name=el.get("name", ""),
            kind=cast(Any, etree.QName(el).localname),
            triggered_by_event=self.flag(el, "triggeredByEvent", False),
            default=self.ref(el, "default", required=False),
            **self.contents(el),
            **self.common(
                el, attrs={"name", "triggeredByEvent", "default"}, children=bpmn_tags(_CONTAINER_TAGS | _NODE_CHILDREN)
            ),
        )

    def lane_set(self, el: etree._Element) -> LaneSet:
        return LaneSet(
            id=self.ident(el, required=False),
            name=el.get("name", ""),
            lanes=tuple(self.lane(c) for c in self.kids(el, "lane")),
            **self.common(el, attrs={"name"}, children={bpmn_tag("lane")}),
        )

    def lane(self, el: etree._Element) -> Lane:
        child_sets = self.kids(el, "childLaneSet")
        return Lane(
            id=self.ident(el),
            name=el.get("name", ""),
            flow_node_refs=tuple(self.local(c, (c.text or "").strip()) for c in self.kids(el, "flowNodeRef")),
            children=self.lane_set(child_sets[0]) if child_sets else None,
            **self.common(el, attrs={"name"}, children={bpmn_tag("flowNodeRef"), bpmn_tag("childLaneSet")}),
        )

    # -------------------------------------------------------------------------- flow nodes

    def task(self, el: etree._Element) -> Task:
        return Task(
            id=self.ident(el),
            name=el.get("name", ""),
            kind=cast(Any, etree.QName(el).localname),
            default=self.ref(el, "default", required=False),
            **self.common(el, attrs={"name", "default"}, children=bpmn_tags(_NODE_CHILDREN)),
        )

    def gateway(self, el: etree._Element) -> Gateway:
        raw = el.get("gatewayDirection", "unspecified")
        direction = raw.strip().lower()
        if direction not in GATEWAY_DIRECTIONS:
            raise self.fail(el, f"gatewayDirection={raw!r} is unknown (expected Unspecified, Converging, Diverging or Mixed)")
        return Gateway(
            id=self.ident(el),
            name=el.get("name", ""),
            kind=cast(Any, _GATEWAY_TAGS[etree.QName(el).localname]),
            direction=cast(Any, direction),
            default=self.ref(el, "default", required=False),
            **self.common(el, attrs={"name", "gatewayDirection", "default"}, children=bpmn_tags(_NODE_CHILDREN)),
        )

    def event(self, el: etree._Element) -> Event:
        position = _EVENT_TAGS[etree.QName(el).localname]
        attrs = {"name"}
        interrupting = True
        attached_to = None
        if position == "boundary":
            attrs |= {"attachedToRef", "cancelActivity"}
            attached_to = self.ref(el, "attachedToRef")
            interrupting = self.flag(el, "cancelActivity", True)
        elif position == "start":
            attrs.add("isInterrupting")
            interrupting = self.flag(el, "isInterrupting", True)
        definitions = [c for c in el if c.tag in bpmn_tags(set(_DEFINITION_TAGS))]
        return Event(
            id=self.ident(el),
            name=el.get("name", ""),
            position=cast(Any, position),
            definitions=tuple(self.event_definition(c) for c in definitions),
            attached_to=attached_to,
            interrupting=interrupting,
            **self.common(el, attrs=attrs, children=bpmn_tags(_NODE_CHILDREN | set(_DEFINITION_TAGS))),
        )

    def event_definition(self, el: etree._Element) -> EventDefinition:
        kind = _DEFINITION_TAGS[etree.QName(el).localname]
        ref_attr = TRIGGER_REF_ATTRIBUTE.get(kind)
        timer = None
        expression = ""
        if kind == "timer":
            times = [c for c in el if c.tag in bpmn_tags(set(TIMER_KINDS))]
            if len(times) > 1:
                raise self.fail(el, "has more than one of timeDuration, timeDate and timeCycle (expected one)")
            if times:
                timer = etree.QName(times[0]).localname
                expression = "".join(times[0].itertext())
        elif kind == "conditional":
            conditions = self.kids(el, "condition")
            expression = "".join(conditions[0].itertext()) if conditions else ""
        modelled_attrs = {"id", *([ref_attr] if ref_attr else []), *(["name"] if kind == "link" else [])}
        modelled_children = (
            {bpmn_tag(t) for t in TIMER_KINDS} if kind == "timer" else {bpmn_tag("condition")} if kind == "conditional" else set()
        )
        return EventDefinition(
            kind=cast(Any, kind),
            id=self.ident(el, required=False),
            ref=self.ref(el, ref_attr, required=False) if ref_attr else None,
            timer=cast(Any, timer),
            expression=expression,
            name=el.get("name", "") if kind == "link" else "",
            other_attributes=other_attributes(el, modelled_attrs),
            unmodelled=tuple(
                canonical_xml(c, self.nsmap) for c in el if isinstance(c.tag, str) and c.tag not in modelled_children
            ),
        )

    def sequence_flow(self, el: etree._Element) -> SequenceFlow:
        conditions = self.kids(el, "conditionExpression")
        cond = conditions[0] if conditions else None
        return SequenceFlow(
            id=self.ident(el),
            name=el.get("name", ""),
            source=cast(str, self.ref(el, "sourceRef")),
            target=cast(str, self.ref(el, "targetRef")),
            condition=None if cond is None else "".join(cond.itertext()),
            condition_language=cond.get("language", "") if cond is not None else "",
            **self.common(el, attrs={"name", "sourceRef", "targetRef"}, children={bpmn_tag("conditionExpression")}),
        )

    def annotation(self, el: etree._Element) -> TextAnnotation:
        texts = self.kids(el, "text")
        return TextAnnotation(
            id=self.ident(el, required=False),
            text="".join(texts[0].itertext()) if texts else "",
            **self.common(el, children={bpmn_tag("text")}),
        )

    def association(self, el: etree._Element) -> Association:
        direction = el.get("associationDirection", "None")
        if direction not in ("None", "One", "Both"):
            raise self.fail(el, f"associationDirection={direction!r} is unknown (expected None, One or Both)")
        return Association(
            id=self.ident(el, required=False),
            source=cast(str, self.ref(el, "sourceRef")),
            target=cast(str, self.ref(el, "targetRef")),
            direction=cast(Any, direction),
            **self.common(el, attrs={"sourceRef", "targetRef", "associationDirection"}),
        )


# ------------------------------------------------------------------------------- entry point


def read_bpmn(source: str | Path | bytes, *, name: str | None = None) -> Definitions:
    """Read a BPMN 2.0 XML document (file path or bytes) into :class:`Definitions`.

    Parameters
    ----------
    source
        A path to a ``.bpmn`` file, or the document as bytes.
    name
        What to call the document in messages (defaults to the path, or ``<bytes>``).

    Raises
    ------
    UnsafeInputError
        If the prolog declares a DTD or entities.
    BpmnError
        If the XML is malformed, the root is not ``<definitions>`` of BPMN 2.0, or a
        reference does not resolve (the message names the element and the missing id).
    """
    if isinstance(source, bytes | bytearray):
        label = name or "<bytes>"
        check_xml_prolog(io.BytesIO(bytes(source)), name=label)
        parse = lambda: etree.fromstring(bytes(source), safe_xml_parser())  # noqa: E731
    else:
        label = name or str(source)
        check_xml_prolog(source, name=label)
        parse = lambda: etree.parse(str(source), safe_xml_parser()).getroot()  # noqa: E731
    try:
        root = parse()
    except etree.XMLSyntaxError as exc:
        raise error(BpmnError, ERRORS, "reader.not_well_formed_xml", label=label, exc=exc) from exc
    except OSError as exc:
        raise error(BpmnError, ERRORS, "reader.cannot_read_file", label=label, exc=exc) from exc
    if root.tag != bpmn_tag("definitions"):
        raise error(
            BpmnError,
            ERRORS,
            "reader.root_element_namespace_expected",
            label=label,
            localname=etree.QName(root).localname,
            namespace=etree.QName(root).namespace,
            BPMN_NS=BPMN_NS,
        )
    namespaces = document_namespaces(root)
    imported = frozenset(i.get("namespace", "") for i in root if i.tag == bpmn_tag("import")) - {""}
    defs = _Reader(label, document_nsmap(namespaces), imported).definitions(root, namespaces)
    defs = replace(defs, processes=tuple(_home_flows(p) for p in defs.processes))
    check_references(defs, source=label)
    return defs


def _home_flows(container: Process | SubProcess) -> Any:
    """The container with each sequence flow moved into the sub-process that holds both its ends.

    Some tools (Enterprise Explorer, iGrafx) write the sequence flows inside a sub-process as
    children of the process. The flow still joins two nodes of one container, so it is put where
    BPMN places it; a flow whose ends lie in different containers is left for
    :func:`~crmflow.bpmn.references.check_references` to refuse.
    """
    direct = {n.id for n in container.nodes}
    inner: dict[str, str] = {}  # node id -> the child sub-process that holds it (at any depth)
    for node in container.nodes:
        if isinstance(node, SubProcess):
            inner.update(dict.fromkeys((n.id for n in node.all_nodes()), node.id))
    moved: dict[str, list[SequenceFlow]] = {}
    kept: list[SequenceFlow] = []
    for f in container.flows:
        child = inner.get(f.source)
        if f.source not in direct and f.target not in direct and child is not None and inner.get(f.target) == child:
            moved.setdefault(child, []).append(f)
        else:
            kept.append(f)
    nodes = []
    for node in container.nodes:
        if isinstance(node, SubProcess):
            if node.id in moved:
                node = replace(node, flows=node.flows + tuple(moved[node.id]))
            node = _home_flows(node)
        nodes.append(node)
    if not moved and all(a is b for a, b in zip(nodes, container.nodes, strict=True)):
        return container
    return replace(container, nodes=tuple(nodes), flows=tuple(kept))


__all__ = ["STANDARD_PREFIXES", "canonical_xml", "document_namespaces", "document_nsmap", "read_bpmn"]
