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

import copy
import io
import math
from pathlib import Path
from typing import Any, cast

from lxml import etree

from crmflow.base.xml import check_xml_prolog, safe_xml_parser
from crmflow.bpmn.model import (
    BPMN_NS,
    BPMNDI_NS,
    DC_NS,
    DI_NS,
    EVENT_DEFINITION_KINDS,
    GATEWAY_DIRECTIONS,
    GATEWAY_KINDS,
    SUBPROCESS_KINDS,
    TASK_KINDS,
    TIMER_KINDS,
    TRIGGER_KINDS,
    TRIGGER_REF_ATTRIBUTE,
    XSI_NS,
    Association,
    Bounds,
    BpmnError,
    CallActivity,
    Collaboration,
    DataObject,
    DataObjectReference,
    Definitions,
    Diagram,
    Edge,
    Event,
    EventDefinition,
    EventTrigger,
    FlowNode,
    Gateway,
    Lane,
    LaneSet,
    MessageFlow,
    Participant,
    Plane,
    Point,
    Process,
    SequenceFlow,
    Shape,
    SubProcess,
    Task,
    TextAnnotation,
)
from crmflow.bpmn.references import check_references

#: The prefixes crmflow writes; namespaces using other prefixes are re-declared as found.
STANDARD_PREFIXES: dict[str | None, str] = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "xsi": XSI_NS}

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


def _b(local: str) -> str:
    return f"{{{BPMN_NS}}}{local}"


def document_nsmap(namespaces: tuple[tuple[str, str], ...]) -> dict[str | None, str]:
    """The namespace declarations of a document crmflow writes (standard + the model's own)."""
    nsmap = dict(STANDARD_PREFIXES)
    for prefix, uri in namespaces:
        nsmap.setdefault(prefix, uri)
    return nsmap


def canonical_xml(element: etree._Element, nsmap: dict[str | None, str]) -> str:
    """An element as exclusive-C14N text, with the document's prefixes and without layout whitespace.

    Canonical text makes kept extension XML compare equal after a write→read round trip,
    whatever indentation or prefixes the writer used.
    """
    holder = etree.Element("holder", nsmap=nsmap)  # type: ignore[arg-type]
    clone = copy.deepcopy(element)
    holder.append(clone)  # lxml re-uses the holder's prefix for each namespace it already declares
    clone.tail = None
    for node in clone.iter():
        if len(node) and node.text is not None and not node.text.strip():
            node.text = None
        if node is not clone and node.tail is not None and not node.tail.strip():
            node.tail = None
    return etree.tostring(clone, method="c14n", exclusive=True, with_comments=True).decode("utf-8")


class _Reader:
    def __init__(self, label: str, nsmap: dict[str | None, str]) -> None:
        self.source = label
        self.nsmap = nsmap

    # ------------------------------------------------------------------------------ helpers

    def fail(self, el: etree._Element, message: str) -> BpmnError:
        local = etree.QName(el).localname
        who = f"<{local} id=`{el.get('id')}`>" if el.get("id") else f"<{local}> on line {el.sourceline}"
        return BpmnError(f"{self.source}: {who}: {message}")

    def ident(self, el: etree._Element, *, required: bool = True) -> str:
        value = el.get("id")
        if value is None or not value.strip():
            if required:
                raise self.fail(el, "has no id (expected an id attribute, which flows and diagrams refer to)")
            return ""
        return value

    def ref(self, el: etree._Element, attr: str, *, required: bool = True) -> str | None:
        value = el.get(attr)
        if value is None or not value.strip():
            if required:
                raise self.fail(el, f"has no {attr} (expected the id of the element it refers to)")
            return None
        return value.strip()

    def flag(self, el: etree._Element, attr: str, default: bool) -> bool:
        value = el.get(attr)
        if value is None:
            return default
        text = value.strip().lower()
        if text not in ("true", "false"):
            raise self.fail(el, f"{attr}={value!r} is not a boolean (expected true or false)")
        return text == "true"

    def number(self, el: etree._Element, attr: str) -> float:
        raw = el.get(attr)
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise self.fail(el, f"{attr}={raw!r} is not a number (expected a coordinate such as 120 or 87.5)") from None
        if not math.isfinite(value):
            raise self.fail(el, f"{attr}={raw!r} is not a finite number")
        return value

    def common(self, el: etree._Element, *, attrs: set[str] = frozenset(), children: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
        """Documentation, extensions, unmodelled children and other attributes of an element."""
        docs: list[str] = []
        extensions: list[str] = []
        unmodelled: list[str] = []
        for child in el:
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions
            if child.tag == _b("documentation"):
                docs.append("".join(child.itertext()))
            elif child.tag == _b("extensionElements"):
                extensions.extend(canonical_xml(c, self.nsmap) for c in child if isinstance(c.tag, str))
            elif child.tag not in children:
                unmodelled.append(canonical_xml(child, self.nsmap))
        other = tuple((str(k), str(v)) for k, v in el.attrib.items() if k != "id" and k not in attrs)
        return {
            "documentation": "\n\n".join(docs),
            "extensions": tuple(extensions),
            "unmodelled": tuple(unmodelled),
            "other_attributes": other,
        }

    @staticmethod
    def kids(el: etree._Element, *locals_: str, ns: str = BPMN_NS) -> list[etree._Element]:
        tags = {f"{{{ns}}}{name}" for name in locals_}
        return [c for c in el if c.tag in tags]

    # ------------------------------------------------------------------------- definitions

    def definitions(self, root: etree._Element, namespaces: tuple[tuple[str, str], ...]) -> Definitions:
        handled = {_b(t) for t in ("process", "collaboration", *TRIGGER_KINDS)} | {f"{{{BPMNDI_NS}}}BPMNDiagram"}
        common = self.common(root, attrs={"targetNamespace", "name"}, children=handled)
        collaborations = self.kids(root, "collaboration")
        if len(collaborations) > 1:  # rare; keep the extra ones verbatim
            common["unmodelled"] += tuple(canonical_xml(c, self.nsmap) for c in collaborations[1:])
        return Definitions(
            id=self.ident(root, required=False),
            target_namespace=root.get("targetNamespace", ""),
            name=root.get("name", ""),
            namespaces=namespaces,
            triggers=tuple(self.trigger(c) for c in root if c.tag in {_b(k) for k in TRIGGER_KINDS}),
            collaboration=self.collaboration(collaborations[0]) if collaborations else None,
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
            **self.common(el, attrs={"name"}, children={_b(t) for t in parts}),
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
                        **self.common(child, attrs={"name", "calledElement", "default"}, children=_tags(_NODE_CHILDREN)),
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
            **self.common(el, attrs={"name", "isExecutable"}, children=_tags(_CONTAINER_TAGS)),
        )

    def subprocess(self, el: etree._Element) -> SubProcess:
        return SubProcess(
            id=self.ident(el),
            name=el.get("name", ""),
            kind=cast(Any, etree.QName(el).localname),
            triggered_by_event=self.flag(el, "triggeredByEvent", False),
            default=self.ref(el, "default", required=False),
            **self.contents(el),
            **self.common(el, attrs={"name", "triggeredByEvent", "default"}, children=_tags(_CONTAINER_TAGS | _NODE_CHILDREN)),
        )

    def lane_set(self, el: etree._Element) -> LaneSet:
        return LaneSet(
            id=self.ident(el, required=False),
            name=el.get("name", ""),
            lanes=tuple(self.lane(c) for c in self.kids(el, "lane")),
            **self.common(el, attrs={"name"}, children={_b("lane")}),
        )

    def lane(self, el: etree._Element) -> Lane:
        child_sets = self.kids(el, "childLaneSet")
        return Lane(
            id=self.ident(el),
            name=el.get("name", ""),
            flow_node_refs=tuple((c.text or "").strip() for c in self.kids(el, "flowNodeRef")),
            children=self.lane_set(child_sets[0]) if child_sets else None,
            **self.common(el, attrs={"name"}, children={_b("flowNodeRef"), _b("childLaneSet")}),
        )

    # -------------------------------------------------------------------------- flow nodes

    def task(self, el: etree._Element) -> Task:
        return Task(
            id=self.ident(el),
            name=el.get("name", ""),
            kind=cast(Any, etree.QName(el).localname),
            default=self.ref(el, "default", required=False),
            **self.common(el, attrs={"name", "default"}, children=_tags(_NODE_CHILDREN)),
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
            **self.common(el, attrs={"name", "gatewayDirection", "default"}, children=_tags(_NODE_CHILDREN)),
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
        definitions = [c for c in el if c.tag in _tags(set(_DEFINITION_TAGS))]
        return Event(
            id=self.ident(el),
            name=el.get("name", ""),
            position=cast(Any, position),
            definitions=tuple(self.event_definition(c) for c in definitions),
            attached_to=attached_to,
            interrupting=interrupting,
            **self.common(el, attrs=attrs, children=_tags(_NODE_CHILDREN | set(_DEFINITION_TAGS))),
        )

    def event_definition(self, el: etree._Element) -> EventDefinition:
        kind = _DEFINITION_TAGS[etree.QName(el).localname]
        ref_attr = TRIGGER_REF_ATTRIBUTE.get(kind)
        timer = None
        expression = ""
        if kind == "timer":
            times = [c for c in el if c.tag in _tags(set(TIMER_KINDS))]
            if len(times) > 1:
                raise self.fail(el, "has more than one of timeDuration, timeDate and timeCycle (expected one)")
            if times:
                timer = etree.QName(times[0]).localname
                expression = "".join(times[0].itertext())
        elif kind == "conditional":
            conditions = self.kids(el, "condition")
            expression = "".join(conditions[0].itertext()) if conditions else ""
        return EventDefinition(
            kind=cast(Any, kind),
            id=self.ident(el, required=False),
            ref=self.ref(el, ref_attr, required=False) if ref_attr else None,
            timer=cast(Any, timer),
            expression=expression,
            name=el.get("name", "") if kind == "link" else "",
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
            **self.common(el, attrs={"name", "sourceRef", "targetRef"}, children={_b("conditionExpression")}),
        )

    def annotation(self, el: etree._Element) -> TextAnnotation:
        texts = self.kids(el, "text")
        return TextAnnotation(
            id=self.ident(el, required=False),
            text="".join(texts[0].itertext()) if texts else "",
            **self.common(el, children={_b("text")}),
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

    # ------------------------------------------------------------------ diagram interchange

    def bounds(self, el: etree._Element) -> Bounds:
        return Bounds(*(self.number(el, a) for a in ("x", "y", "width", "height")))

    def label(self, el: etree._Element) -> Bounds | None:
        for lab in self.kids(el, "BPMNLabel", ns=BPMNDI_NS):
            for b in self.kids(lab, "Bounds", ns=DC_NS):
                return self.bounds(b)
        return None

    def diagram(self, el: etree._Element) -> Diagram:
        planes = self.kids(el, "BPMNPlane", ns=BPMNDI_NS)
        if not planes:
            raise self.fail(el, "has no BPMNPlane (expected one plane holding the shapes and edges)")
        plane = planes[0]
        shapes, edges = [], []
        for child in plane:
            if child.tag == f"{{{BPMNDI_NS}}}BPMNShape":
                shapes.append(self.shape(child))
            elif child.tag == f"{{{BPMNDI_NS}}}BPMNEdge":
                edges.append(self.edge(child))
        return Diagram(
            id=self.ident(el, required=False),
            name=el.get("name", ""),
            plane=Plane(
                id=self.ident(plane, required=False),
                element=self.ref(plane, "bpmnElement", required=False),
                shapes=tuple(shapes),
                edges=tuple(edges),
            ),
        )

    def shape(self, el: etree._Element) -> Shape:
        boxes = self.kids(el, "Bounds", ns=DC_NS)
        if not boxes:
            raise self.fail(el, "has no dc:Bounds (expected the position and size of the shape)")

        def optional_flag(attr: str) -> bool | None:
            return None if el.get(attr) is None else self.flag(el, attr, False)

        modelled = {"bpmnElement", "isHorizontal", "isExpanded", "isMarkerVisible"}
        return Shape(
            id=self.ident(el, required=False),
            element=cast(str, self.ref(el, "bpmnElement")),
            bounds=self.bounds(boxes[0]),
            is_horizontal=optional_flag("isHorizontal"),
            is_expanded=optional_flag("isExpanded"),
            is_marker_visible=optional_flag("isMarkerVisible"),
            label=self.label(el),
            other_attributes=tuple((str(k), str(v)) for k, v in el.attrib.items() if k != "id" and k not in modelled),
        )

    def edge(self, el: etree._Element) -> Edge:
        return Edge(
            id=self.ident(el, required=False),
            element=cast(str, self.ref(el, "bpmnElement")),
            waypoints=tuple(Point(self.number(w, "x"), self.number(w, "y")) for w in self.kids(el, "waypoint", ns=DI_NS)),
            label=self.label(el),
            other_attributes=tuple((str(k), str(v)) for k, v in el.attrib.items() if k not in ("id", "bpmnElement")),
        )


def _tags(locals_: set[str]) -> set[str]:
    return {_b(t) for t in locals_}


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
        raise BpmnError(f"{label}: not well-formed XML: {exc}") from exc
    except OSError as exc:
        raise BpmnError(f"{label}: cannot read the file: {exc}") from exc
    if root.tag != _b("definitions"):
        raise BpmnError(
            f"{label}: the root element is <{etree.QName(root).localname}> in namespace "
            f"{etree.QName(root).namespace!r} (expected <definitions> in {BPMN_NS})"
        )
    reserved = set(STANDARD_PREFIXES.values())
    namespaces = tuple(
        (prefix, uri)
        for prefix, uri in root.nsmap.items()
        if prefix is not None and uri not in reserved and prefix not in STANDARD_PREFIXES
    )
    defs = _Reader(label, document_nsmap(namespaces)).definitions(root, namespaces)
    check_references(defs, source=label)
    return defs


__all__ = ["STANDARD_PREFIXES", "canonical_xml", "document_nsmap", "read_bpmn"]
