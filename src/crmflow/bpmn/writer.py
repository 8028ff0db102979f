"""Writing the :mod:`crmflow.bpmn.model` as BPMN 2.0 XML with diagram interchange.

The output follows what bpmn.io writes, which bpmn-js and Camunda Modeler open cleanly:
prefixes ``bpmn:``, ``bpmndi:``, ``dc:`` and ``di:``, ``incoming``/``outgoing`` listed on
every flow node, condition expressions typed ``bpmn:tFormalExpression``, and one
``BPMNShape``/``BPMNEdge`` per element the model draws. Reading what was written gives back
an equal model (``read_bpmn(write_bpmn(m)) == m``).

>>> from crmflow.bpmn.model import Definitions, Event, Process, SequenceFlow
>>> from crmflow.bpmn.reader import read_bpmn
>>> m = Definitions(id="D", processes=(Process(id="P", nodes=(Event(id="S"), Event(id="E", position="end")),
...     flows=(SequenceFlow(id="f", source="S", target="E"),)),))
>>> xml = write_bpmn(m)
>>> xml.splitlines()[1][:40]
b'<bpmn:definitions xmlns:bpmn="http://www'
>>> read_bpmn(xml) == m
True
"""

from __future__ import annotations

from lxml import etree

from crmflow.bpmn.model import (
    BPMN_NS,
    BPMNDI_NS,
    DC_NS,
    DI_NS,
    TRIGGER_REF_ATTRIBUTE,
    XSI_NS,
    Association,
    BaseElement,
    Bounds,
    CallActivity,
    Collaboration,
    Definitions,
    Diagram,
    Event,
    EventDefinition,
    FlowNode,
    Gateway,
    Lane,
    LaneSet,
    Process,
    SequenceFlow,
    SubProcess,
    Task,
    TextAnnotation,
)
from crmflow.bpmn.reader import document_nsmap
from crmflow.bpmn.references import check_references

_EVENT_TAGS = {
    "start": "startEvent",
    "end": "endEvent",
    "intermediateCatch": "intermediateCatchEvent",
    "intermediateThrow": "intermediateThrowEvent",
    "boundary": "boundaryEvent",
}
_TRIGGER_CODE = {"error": "errorCode", "escalation": "escalationCode"}


def _b(local: str) -> str:
    return f"{{{BPMN_NS}}}{local}"


def _num(value: float) -> str:
    """A coordinate as bpmn.io writes it: integers without a decimal point."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _bool(value: bool) -> str:
    return "true" if value else "false"


class _Writer:
    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        self.nsmap = document_nsmap(defs.namespaces)

    # ------------------------------------------------------------------------------ helpers

    def element(
        self, parent: etree._Element | None, tag: str, el: BaseElement | None = None, **attrs: str | None
    ) -> etree._Element:
        """Create ``tag`` with ``id``, the given attributes, documentation and extensions."""
        node = etree.Element(tag, nsmap=self.nsmap) if parent is None else etree.SubElement(parent, tag)  # type: ignore[arg-type]
        if el is not None and el.id:
            node.set("id", el.id)
        for key, value in attrs.items():
            if value is not None:
                node.set(key, value)
        if el is not None:
            for key, value in el.other_attributes:
                node.set(key, value)
            if el.documentation:
                etree.SubElement(node, _b("documentation")).text = el.documentation
            if el.extensions:
                holder = etree.SubElement(node, _b("extensionElements"))
                for raw in el.extensions:
                    holder.append(etree.fromstring(raw))
        return node

    @staticmethod
    def raw(node: etree._Element, el: BaseElement) -> None:
        for raw in el.unmodelled:
            node.append(etree.fromstring(raw))

    # ------------------------------------------------------------------------- definitions

    def definitions(self) -> etree._Element:
        d = self.defs
        root = self.element(None, _b("definitions"), d, targetNamespace=d.target_namespace, name=d.name or None)
        for t in d.triggers:
            code = _TRIGGER_CODE.get(t.kind)
            attrs = {code: t.code or None} if code else {}
            self.raw(self.element(root, _b(t.kind), t, name=t.name or None, **attrs), t)
        self.raw(root, d)
        for collaboration in d.collaborations:
            self.collaboration(root, collaboration)
        for process in d.processes:
            self.process(root, process)
        for diagram in d.diagrams:
            self.diagram(root, diagram)
        return root

    def collaboration(self, parent: etree._Element, c: Collaboration) -> None:
        node = self.element(parent, _b("collaboration"), c, name=c.name or None)
        for p in c.participants:
            self.raw(self.element(node, _b("participant"), p, name=p.name or None, processRef=p.process_ref), p)
        for m in c.message_flows:
            flow = self.element(
                node, _b("messageFlow"), m, name=m.name or None, sourceRef=m.source, targetRef=m.target, messageRef=m.message_ref
            )
            self.raw(flow, m)
        self.artifacts(node, c.text_annotations, c.associations)
        self.raw(node, c)

    # -------------------------------------------------------------------------- containers

    def process(self, parent: etree._Element, p: Process) -> None:
        node = self.element(parent, _b("process"), p, name=p.name or None, isExecutable=_bool(p.is_executable))
        self.contents(node, p)
        self.raw(node, p)

    def contents(self, node: etree._Element, c: Process | SubProcess) -> None:
        for lane_set in c.lane_sets:
            self.lane_set(node, "laneSet", lane_set)
        for flow_node in c.nodes:
            self.flow_node(node, flow_node, c)
        for f in c.flows:
            self.sequence_flow(node, f)
        for o in c.data_objects:
            attrs = {"isCollection": "true"} if o.is_collection else {}
            self.raw(self.element(node, _b("dataObject"), o, name=o.name or None, **attrs), o)
        for r in c.data_object_refs:
            self.raw(self.element(node, _b("dataObjectReference"), r, name=r.name or None, dataObjectRef=r.data_object), r)
        self.artifacts(node, c.text_annotations, c.associations)

    def artifacts(self, node: etree._Element, notes: tuple[TextAnnotation, ...], links: tuple[Association, ...]) -> None:
        for t in notes:
            note = self.element(node, _b("textAnnotation"), t)
            if t.text:
                etree.SubElement(note, _b("text")).text = t.text
            self.raw(note, t)
        for a in links:
            direction = None if a.direction == "None" else a.direction
            link = self.element(
                node, _b("association"), a, sourceRef=a.source, targetRef=a.target, associationDirection=direction
            )
            self.raw(link, a)

    def lane_set(self, parent: etree._Element, tag: str, lane_set: LaneSet) -> None:
        node = self.element(parent, _b(tag), lane_set, name=lane_set.name or None)
        for lane in lane_set.lanes:
            self.lane(node, lane)
        self.raw(node, lane_set)

    def lane(self, parent: etree._Element, lane: Lane) -> None:
        node = self.element(parent, _b("lane"), lane, name=lane.name or None)
        for ref in lane.flow_node_refs:
            etree.SubElement(node, _b("flowNodeRef")).text = ref
        if lane.children is not None:
            self.lane_set(node, "childLaneSet", lane.children)
        self.raw(node, lane)

    # -------------------------------------------------------------------------- flow nodes

    def flow_node(self, parent: etree._Element, n: FlowNode, container: Process | SubProcess) -> None:
        name = n.name or None
        if isinstance(n, Task):
            node = self.element(parent, _b(n.kind), n, name=name, default=n.default)
        elif isinstance(n, CallActivity):
            node = self.element(parent, _b("callActivity"), n, name=name, calledElement=n.called_element or None,
                                default=n.default)  # fmt: skip
        elif isinstance(n, SubProcess):
            node = self.element(parent, _b(n.kind), n, name=name, default=n.default,
                                triggeredByEvent="true" if n.triggered_by_event else None)  # fmt: skip
        elif isinstance(n, Gateway):
            direction = None if n.direction == "unspecified" else n.direction.capitalize()
            node = self.element(parent, _b(f"{n.kind}Gateway"), n, name=name, gatewayDirection=direction, default=n.default)
        else:
            attrs: dict[str, str | None] = {}
            if n.position == "boundary":
                attrs = {"cancelActivity": None if n.interrupting else "false", "attachedToRef": n.attached_to}
            elif n.position == "start" and not n.interrupting:
                attrs = {"isInterrupting": "false"}
            node = self.element(parent, _b(_EVENT_TAGS[n.position]), n, name=name, **attrs)
        for f in container.flows:
            if f.target == n.id:
                etree.SubElement(node, _b("incoming")).text = f.id
        for f in container.flows:
            if f.source == n.id:
                etree.SubElement(node, _b("outgoing")).text = f.id
        self.raw(node, n)
        if isinstance(n, SubProcess):
            self.contents(node, n)
        elif isinstance(n, Event):
            for d in n.definitions:
                self.event_definition(node, d)

    def event_definition(self, parent: etree._Element, d: EventDefinition) -> None:
        node = etree.SubElement(parent, _b(f"{d.kind}EventDefinition"))
        if d.id:
            node.set("id", d.id)
        if d.ref is not None:
            node.set(TRIGGER_REF_ATTRIBUTE[d.kind], d.ref)
        if d.kind == "link" and d.name:
            node.set("name", d.name)
        for key, value in d.other_attributes:
            node.set(key, value)
        if d.kind == "timer" and d.timer is not None:
            self.expression(node, d.timer, d.expression)
        elif d.kind == "conditional":
            self.expression(node, "condition", d.expression)
        for raw in d.unmodelled:
            node.append(etree.fromstring(raw))

    def expression(self, parent: etree._Element, tag: str, text: str, language: str = "") -> None:
        node = etree.SubElement(parent, _b(tag))
        node.set(f"{{{XSI_NS}}}type", "bpmn:tFormalExpression")
        if language:
            node.set("language", language)
        node.text = text

    def sequence_flow(self, parent: etree._Element, f: SequenceFlow) -> None:
        node = self.element(parent, _b("sequenceFlow"), f, name=f.name or None, sourceRef=f.source, targetRef=f.target)
        if f.condition is not None:
            self.expression(node, "conditionExpression", f.condition, f.condition_language)
        self.raw(node, f)

    # ------------------------------------------------------------------ diagram interchange

    def bounds(self, parent: etree._Element, b: Bounds) -> None:
        etree.SubElement(parent, f"{{{DC_NS}}}Bounds", x=_num(b.x), y=_num(b.y), width=_num(b.width), height=_num(b.height))

    @staticmethod
    def attributes(node: etree._Element, attrs: tuple[tuple[str, str], ...]) -> None:
        for key, value in attrs:
            node.set(key, value)

    @staticmethod
    def raw_children(node: etree._Element, raws: tuple[str, ...]) -> None:
        for raw in raws:
            node.append(etree.fromstring(raw))

    def label(self, parent: etree._Element, label: Bounds | None, attrs: tuple[tuple[str, str], ...]) -> None:
        if label is not None:
            node = etree.SubElement(parent, f"{{{BPMNDI_NS}}}BPMNLabel")
            self.attributes(node, attrs)
            self.bounds(node, label)

    def diagram(self, parent: etree._Element, diagram: Diagram) -> None:
        node = etree.SubElement(parent, f"{{{BPMNDI_NS}}}BPMNDiagram")
        if diagram.id:
            node.set("id", diagram.id)
        if diagram.name:
            node.set("name", diagram.name)
        self.attributes(node, diagram.other_attributes)
        plane = etree.SubElement(node, f"{{{BPMNDI_NS}}}BPMNPlane")
        if diagram.plane.id:
            plane.set("id", diagram.plane.id)
        if diagram.plane.element is not None:
            plane.set("bpmnElement", diagram.plane.element)
        self.attributes(plane, diagram.plane.other_attributes)
        for s in diagram.plane.shapes:
            shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape")
            if s.id:
                shape.set("id", s.id)
            if s.element:
                shape.set("bpmnElement", s.element)
            for attr, flag in (("isHorizontal", s.is_horizontal), ("isExpanded", s.is_expanded),
                               ("isMarkerVisible", s.is_marker_visible)):  # fmt: skip
                if flag is not None:
                    shape.set(attr, _bool(flag))
            self.attributes(shape, s.other_attributes)
            self.bounds(shape, s.bounds)
            self.label(shape, s.label, s.label_attributes)
            self.raw_children(shape, s.unmodelled)
        for e in diagram.plane.edges:
            edge = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNEdge")
            if e.id:
                edge.set("id", e.id)
            if e.element:
                edge.set("bpmnElement", e.element)
            self.attributes(edge, e.other_attributes)
            for p in e.waypoints:
                etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=_num(p.x), y=_num(p.y))
            self.label(edge, e.label, e.label_attributes)
            self.raw_children(edge, e.unmodelled)
        self.raw_children(plane, diagram.plane.unmodelled)
        self.raw_children(node, diagram.unmodelled)


def write_bpmn(definitions: Definitions) -> bytes:
    """Serialise a model as BPMN 2.0 XML (UTF-8, indented, bpmn.io prefixes).

    Parameters
    ----------
    definitions
        The model; its references are checked first.

    Returns
    -------
    bytes
        The document, starting with an XML declaration.

    Raises
    ------
    BpmnError
        If an id is duplicated or a reference does not resolve (the message names the element).
    """
    check_references(definitions)
    root = _Writer(definitions).definitions()
    etree.indent(root, space="  ")
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


__all__ = ["write_bpmn"]
