"""Reading BPMN diagram interchange (``bpmndi:BPMNDiagram``) into the diagram classes of the model.

:class:`DiagramReader` adds to :class:`~crmflow.bpmn.element_reader.ElementReader` the parsers of a
diagram, its one plane, its shapes (bounds, the optional ``isHorizontal``/``isExpanded``/
``isMarkerVisible`` flags) and edges (waypoints), and their labels. A label that holds just its
``dc:Bounds`` is modelled; anything else a diagram element holds is kept as written.
"""

from __future__ import annotations

from lxml import etree

from crmflow.bpmn.element_reader import ElementReader, other_attributes
from crmflow.bpmn.model import BPMNDI_NS, DC_NS, DI_NS, Bounds, Diagram, Edge, Plane, Point, Shape
from crmflow.bpmn.namespaces import canonical_xml


class DiagramReader(ElementReader):
    """The diagram-interchange parsers of the BPMN reader."""

    def bounds(self, el: etree._Element) -> Bounds:
        return Bounds(*(self.number(el, a) for a in ("x", "y", "width", "height")))

    def label(self, el: etree._Element) -> tuple[Bounds | None, tuple[tuple[str, str], ...], list[etree._Element]]:
        """The label bounds of a shape or edge, the label's attributes, and the children kept raw.

        A ``BPMNLabel`` holding just its ``dc:Bounds`` is modelled; any other (no bounds, or
        extra children) is kept as written, like every child that is not a label.
        """
        labels = self.kids(el, "BPMNLabel", ns=BPMNDI_NS)
        raw = [c for c in el if isinstance(c.tag, str) and c.tag != f"{{{BPMNDI_NS}}}BPMNLabel"]
        if not labels:
            return None, (), raw
        lab = labels[0]
        children = [c for c in lab if isinstance(c.tag, str)]
        if len(children) != 1 or children[0].tag != f"{{{DC_NS}}}Bounds":
            return None, (), [c for c in el if isinstance(c.tag, str)]
        attrs = tuple((str(k), str(v)) for k, v in lab.attrib.items())
        return self.bounds(children[0]), attrs, [c for c in el if isinstance(c.tag, str) and c is not lab]

    def diagram(self, el: etree._Element) -> Diagram:
        planes = self.kids(el, "BPMNPlane", ns=BPMNDI_NS)
        if not planes:
            raise self.fail(el, "has no BPMNPlane (expected one plane holding the shapes and edges)")
        plane = planes[0]
        shapes, edges, plane_rest = [], [], []
        for child in plane:
            if child.tag == f"{{{BPMNDI_NS}}}BPMNShape":
                shapes.append(self.shape(child))
            elif child.tag == f"{{{BPMNDI_NS}}}BPMNEdge":
                edges.append(self.edge(child))
            elif isinstance(child.tag, str):
                plane_rest.append(canonical_xml(child, self.nsmap))
        # a diagram has one plane (BPMN DI 12.2.1); anything else it holds is kept as written
        rest = tuple(canonical_xml(c, self.nsmap) for c in el if isinstance(c.tag, str) and c is not plane)
        return Diagram(
            id=self.ident(el, required=False),
            name=el.get("name", ""),
            plane=Plane(
                id=self.ident(plane, required=False),
                element=self.ref(plane, "bpmnElement", required=False),
                shapes=tuple(shapes),
                edges=tuple(edges),
                other_attributes=other_attributes(plane, {"bpmnElement"}),
                unmodelled=tuple(plane_rest),
            ),
            other_attributes=other_attributes(el, {"name"}),
            unmodelled=rest,
        )

    def shape(self, el: etree._Element) -> Shape:
        boxes = self.kids(el, "Bounds", ns=DC_NS)
        if not boxes:
            raise self.fail(el, "has no dc:Bounds (expected the position and size of the shape)")

        def optional_flag(attr: str) -> bool | None:
            return None if el.get(attr) is None else self.flag(el, attr, False)

        label, label_attrs, raw = self.label(el)
        return Shape(
            id=self.ident(el, required=False),
            element=self.ref(el, "bpmnElement", required=False) or "",
            bounds=self.bounds(boxes[0]),
            is_horizontal=optional_flag("isHorizontal"),
            is_expanded=optional_flag("isExpanded"),
            is_marker_visible=optional_flag("isMarkerVisible"),
            label=label,
            other_attributes=other_attributes(el, {"bpmnElement", "isHorizontal", "isExpanded", "isMarkerVisible"}),
            label_attributes=label_attrs,
            unmodelled=tuple(canonical_xml(c, self.nsmap) for c in raw if c is not boxes[0]),
        )

    def edge(self, el: etree._Element) -> Edge:
        label, label_attrs, raw = self.label(el)
        points = self.kids(el, "waypoint", ns=DI_NS)
        return Edge(
            id=self.ident(el, required=False),
            element=self.ref(el, "bpmnElement", required=False) or "",
            waypoints=tuple(Point(self.number(w, "x"), self.number(w, "y")) for w in points),
            label=label,
            other_attributes=other_attributes(el, {"bpmnElement"}),
            label_attributes=label_attrs,
            unmodelled=tuple(canonical_xml(c, self.nsmap) for c in raw if c not in points),
        )


__all__ = ["DiagramReader"]
