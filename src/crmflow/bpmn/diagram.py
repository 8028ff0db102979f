"""The BPMN diagram interchange: diagrams, their plane, and the shapes and edges that draw the elements.

A :class:`Diagram` has one :class:`Plane` holding a :class:`Shape` (with :class:`Bounds`) for each
drawn node, pool or lane and an :class:`Edge` (with :class:`Point` waypoints) for each drawn flow
or association, each naming the BPMN element it draws by id. What crmflow does not interpret
(label styles, DI extensions, other attributes) is kept as on the semantic elements.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Attributes crmflow does not interpret, as ``(name, value)`` pairs (Clark notation when namespaced).
Attributes = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Bounds:
    """A rectangle in diagram coordinates (y grows downwards)."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Point:
    """A waypoint of an edge."""

    x: float
    y: float


@dataclass(frozen=True, kw_only=True)
class Shape:
    """The drawing of a node, pool or lane; ``element`` is the id of the BPMN element.

    ``label_attributes`` are the attributes of its ``BPMNLabel`` (``labelStyle``…) and
    ``unmodelled`` its other children (DI extensions), kept as canonical XML.
    """

    id: str
    element: str
    bounds: Bounds
    is_horizontal: bool | None = None
    is_expanded: bool | None = None
    is_marker_visible: bool | None = None
    label: Bounds | None = None
    other_attributes: Attributes = ()
    label_attributes: Attributes = ()
    unmodelled: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Edge:
    """The drawing of a flow or association; ``element`` is ``""`` for a line that draws no element."""

    id: str
    element: str
    waypoints: tuple[Point, ...] = ()
    label: Bounds | None = None
    other_attributes: Attributes = ()
    label_attributes: Attributes = ()
    unmodelled: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Plane:
    """The canvas of a diagram; ``element`` is the process, collaboration or sub-process it draws.

    ``unmodelled`` holds its children that are neither shapes nor edges (kept as canonical XML).
    """

    id: str
    element: str | None = None
    shapes: tuple[Shape, ...] = ()
    edges: tuple[Edge, ...] = ()
    other_attributes: Attributes = ()
    unmodelled: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Diagram:
    """One BPMN diagram (a collapsed sub-process gets a diagram of its own).

    ``unmodelled`` holds its other children (``BPMNLabelStyle``…) as canonical XML.
    """

    id: str
    name: str = ""
    plane: Plane
    other_attributes: Attributes = ()
    unmodelled: tuple[str, ...] = ()

    def shape_for(self, element_id: str) -> Shape | None:
        """The shape drawing an element, or None."""
        return next((s for s in self.plane.shapes if s.element == element_id), None)

    def edge_for(self, element_id: str) -> Edge | None:
        """The edge drawing a flow, or None."""
        return next((e for e in self.plane.edges if e.element == element_id), None)


__all__ = ["Attributes", "Bounds", "Diagram", "Edge", "Plane", "Point", "Shape"]
