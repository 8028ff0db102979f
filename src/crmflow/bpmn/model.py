"""The BPMN 2.0 object model: what CRM processes need, as frozen dataclasses.

A :class:`Definitions` holds processes (each with lanes, flow nodes, sequence flows, data
objects and annotations), an optional :class:`Collaboration` (pools and message flows),
the global triggers events refer to (messages, signals, errors, escalations) and the
diagram interchange (:class:`Diagram` with :class:`Shape` and :class:`Edge`).

Every element keeps what crmflow does not model, so a read→write round trip loses nothing:

* ``extensions``: the children of ``<extensionElements>`` as canonical XML strings
  (later stages keep RACI roles and SLAs there);
* ``unmodelled``: other child elements crmflow does not interpret (``ioSpecification``,
  loop characteristics, data associations…), also as canonical XML strings;
* ``other_attributes``: attributes crmflow does not interpret, as ``(name, value)`` pairs
  with the name in Clark notation (``{namespace}local``) when it has a namespace.

>>> a = Task(id="A", name="Qualify lead", kind="userTask")
>>> end = Event(id="E", position="end")
>>> p = Process(id="P", nodes=(a, end), flows=(SequenceFlow(id="f", source="A", target="E"),))
>>> [f.id for f in p.outgoing("A")], p.node("E").trigger
(['f'], 'none')
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

# re-exported: the diagram interchange and the kinds have modules of their own, the BPMN modules import them from here
from crmflow.bpmn.diagram import Attributes as Attributes
from crmflow.bpmn.diagram import Bounds as Bounds
from crmflow.bpmn.diagram import Diagram as Diagram
from crmflow.bpmn.diagram import Edge as Edge
from crmflow.bpmn.diagram import Plane as Plane
from crmflow.bpmn.diagram import Point as Point
from crmflow.bpmn.diagram import Shape as Shape
from crmflow.bpmn.error_messages import ERRORS
from crmflow.bpmn.kinds import EVENT_DEFINITION_KINDS as EVENT_DEFINITION_KINDS
from crmflow.bpmn.kinds import EVENT_POSITIONS as EVENT_POSITIONS
from crmflow.bpmn.kinds import GATEWAY_DIRECTIONS as GATEWAY_DIRECTIONS
from crmflow.bpmn.kinds import GATEWAY_KINDS as GATEWAY_KINDS
from crmflow.bpmn.kinds import SUBPROCESS_KINDS as SUBPROCESS_KINDS
from crmflow.bpmn.kinds import TASK_KINDS as TASK_KINDS
from crmflow.bpmn.kinds import TIMER_KINDS as TIMER_KINDS
from crmflow.bpmn.kinds import TRIGGER_KINDS as TRIGGER_KINDS
from crmflow.bpmn.kinds import TRIGGER_REF_ATTRIBUTE as TRIGGER_REF_ATTRIBUTE
from crmflow.bpmn.kinds import AssociationDirection as AssociationDirection
from crmflow.bpmn.kinds import EventDefinitionKind as EventDefinitionKind
from crmflow.bpmn.kinds import EventPosition as EventPosition
from crmflow.bpmn.kinds import GatewayDirection as GatewayDirection
from crmflow.bpmn.kinds import GatewayKind as GatewayKind
from crmflow.bpmn.kinds import SubProcessKind as SubProcessKind
from crmflow.bpmn.kinds import TaskKind as TaskKind
from crmflow.bpmn.kinds import TimerKind as TimerKind
from crmflow.bpmn.kinds import TriggerKind as TriggerKind
from crmflow.errors import BpmnError  # re-exported: the BPMN modules raise it
from crmflow.i18n import error

#: Namespace of the BPMN 2.0 semantic model.
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: Namespace of BPMN diagram interchange (``BPMNDiagram``, ``BPMNShape``…).
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
#: Namespace of OMG diagram-common types (``Bounds``).
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
#: Namespace of OMG diagram interchange (``waypoint``).
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
#: XML Schema instance namespace (``xsi:type`` of expressions).
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True, kw_only=True)
class BaseElement:
    """What every BPMN element carries besides its own fields."""

    id: str
    documentation: str = ""
    extensions: tuple[str, ...] = ()
    other_attributes: Attributes = ()
    unmodelled: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------- flow nodes


@dataclass(frozen=True, kw_only=True)
class Task(BaseElement):
    """An atomic activity; ``kind`` is the BPMN element name (``userTask``, ``serviceTask``…)."""

    name: str = ""
    kind: TaskKind = "task"
    default: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallActivity(BaseElement):
    """An activity that calls a global process or task (``calledElement``)."""

    name: str = ""
    called_element: str = ""
    default: str | None = None


@dataclass(frozen=True, kw_only=True)
class Gateway(BaseElement):
    """A gateway; ``default`` is the id of the outgoing flow taken when no condition holds."""

    name: str = ""
    kind: GatewayKind = "exclusive"
    direction: GatewayDirection = "unspecified"
    default: str | None = None


@dataclass(frozen=True, kw_only=True)
class EventDefinition:
    """What triggers or results from an event.

    ``ref`` is the id of the global message/signal/error/escalation (or, for ``compensate``,
    the activity); ``timer`` says which of ``timeDuration``/``timeDate``/``timeCycle`` the
    ``expression`` holds; ``expression`` is also the condition of a ``conditional`` definition;
    ``name`` is the name of a ``link``.
    """

    kind: EventDefinitionKind
    id: str = ""
    ref: str | None = None
    timer: TimerKind | None = None
    expression: str = ""
    name: str = ""
    #: attributes and children crmflow does not interpret (a link's ``source``/``target``, an
    #: ``operationRef``, extensions…), kept as on :class:`BaseElement`
    other_attributes: Attributes = ()
    unmodelled: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Event(BaseElement):
    """A start, intermediate, end or boundary event.

    ``attached_to`` is the host activity of a boundary event. ``interrupting`` is
    ``cancelActivity`` for a boundary event and ``isInterrupting`` for a start event; a
    non-interrupting boundary timer is how an SLA reminder is drawn.
    """

    name: str = ""
    position: EventPosition = "start"
    definitions: tuple[EventDefinition, ...] = ()
    attached_to: str | None = None
    interrupting: bool = True

    @property
    def trigger(self) -> str:
        """``"none"``, the kind of the only definition, or ``"multiple"``."""
        if not self.definitions:
            return "none"
        if len(self.definitions) == 1:
            return self.definitions[0].kind
        return "multiple"


@dataclass(frozen=True, kw_only=True)
class SequenceFlow(BaseElement):
    """A sequence flow; ``condition`` is the text of its ``conditionExpression`` (None if absent)."""

    name: str = ""
    source: str
    target: str
    condition: str | None = None
    condition_language: str = ""


# ------------------------------------------------------------------------- data and artifacts


@dataclass(frozen=True, kw_only=True)
class DataObject(BaseElement):
    """A data object (a document, a form, a CRM record)."""

    name: str = ""
    is_collection: bool = False


@dataclass(frozen=True, kw_only=True)
class DataObjectReference(BaseElement):
    """A reference to a data object: what diagrams draw."""

    name: str = ""
    data_object: str | None = None


@dataclass(frozen=True, kw_only=True)
class TextAnnotation(BaseElement):
    """A note on the diagram."""

    text: str = ""


@dataclass(frozen=True, kw_only=True)
class Association(BaseElement):
    """Links an annotation or a data element to another element."""

    source: str
    target: str
    direction: AssociationDirection = "None"


# ----------------------------------------------------------------------------------- lanes


@dataclass(frozen=True, kw_only=True)
class Lane(BaseElement):
    """A lane (a role or team); ``flow_node_refs`` are the ids of the nodes drawn in it."""

    name: str = ""
    flow_node_refs: tuple[str, ...] = ()
    children: LaneSet | None = None

    def all_lanes(self) -> Iterator[Lane]:
        """This lane and every lane nested in it, depth first."""
        yield self
        if self.children is not None:
            for lane in self.children.lanes:
                yield from lane.all_lanes()


@dataclass(frozen=True, kw_only=True)
class LaneSet(BaseElement):
    """A set of lanes partitioning the nodes of a process."""

    name: str = ""
    lanes: tuple[Lane, ...] = ()


# ------------------------------------------------------------------------------- containers


class _Container:
    """Queries shared by processes and sub-processes."""

    nodes: tuple[FlowNode, ...]
    flows: tuple[SequenceFlow, ...]
    lane_sets: tuple[LaneSet, ...]

    def all_nodes(self) -> Iterator[FlowNode]:
        """Every flow node, including those inside sub-processes (depth first)."""
        for node in self.nodes:
            yield node
            if isinstance(node, SubProcess):
                yield from node.all_nodes()

    def all_flows(self) -> Iterator[SequenceFlow]:
        """Every sequence flow, including those inside sub-processes."""
        yield from self.flows
        for node in self.nodes:
            if isinstance(node, SubProcess):
                yield from node.all_flows()

    def all_lanes(self) -> Iterator[Lane]:
        """Every lane of every lane set, nested lanes included."""
        for lane_set in self.lane_sets:
            for lane in lane_set.lanes:
                yield from lane.all_lanes()

    def node(self, node_id: str) -> FlowNode:
        """The flow node with this id, searched recursively."""
        for node in self.all_nodes():
            if node.id == node_id:
                return node
        raise error(BpmnError, ERRORS, "model.no_flow_node_id", node_id=node_id, value=getattr(self, "id", "?"))

    def _holder(self, node_id: str) -> _Container | None:
        if any(n.id == node_id for n in self.nodes):
            return self
        for node in self.nodes:
            if isinstance(node, SubProcess) and (found := node._holder(node_id)) is not None:
                return found
        return None

    def incoming(self, node_id: str) -> tuple[SequenceFlow, ...]:
        """The sequence flows entering a node (searched in the container that holds it)."""
        holder = self._holder(node_id)
        if holder is None:
            raise error(BpmnError, ERRORS, "model.no_flow_node_id_2", node_id=node_id, value=getattr(self, "id", "?"))
        return tuple(f for f in holder.flows if f.target == node_id)

    def outgoing(self, node_id: str) -> tuple[SequenceFlow, ...]:
        """The sequence flows leaving a node (searched in the container that holds it)."""
        holder = self._holder(node_id)
        if holder is None:
            raise error(BpmnError, ERRORS, "model.no_flow_node_id_3", node_id=node_id, value=getattr(self, "id", "?"))
        return tuple(f for f in holder.flows if f.source == node_id)

    def boundary_events(self, activity_id: str) -> tuple[Event, ...]:
        """The boundary events attached to an activity."""
        return tuple(n for n in self.all_nodes() if isinstance(n, Event) and n.attached_to == activity_id)

    def lane_of(self, node_id: str) -> Lane | None:
        """The innermost lane whose ``flow_node_refs`` list the node, or None."""
        found = None
        for lane in self.all_lanes():
            if node_id in lane.flow_node_refs:
                found = lane  # depth-first order: a nested lane comes after its parent
        return found


@dataclass(frozen=True, kw_only=True)
class SubProcess(BaseElement, _Container):
    """An activity with its own flow; ``triggered_by_event`` marks an event sub-process."""

    name: str = ""
    kind: SubProcessKind = "subProcess"
    triggered_by_event: bool = False
    default: str | None = None
    nodes: tuple[FlowNode, ...] = ()
    flows: tuple[SequenceFlow, ...] = ()
    lane_sets: tuple[LaneSet, ...] = ()
    data_objects: tuple[DataObject, ...] = ()
    data_object_refs: tuple[DataObjectReference, ...] = ()
    text_annotations: tuple[TextAnnotation, ...] = ()
    associations: tuple[Association, ...] = ()


FlowNode = Task | CallActivity | SubProcess | Gateway | Event
#: Node types that may host boundary events and carry a default flow.
ACTIVITY_TYPES = (Task, CallActivity, SubProcess)


def is_for_compensation(node: FlowNode) -> bool:
    """Whether an activity is a compensation handler (``isForCompensation="true"``), started by no flow.

    >>> is_for_compensation(Task(id="t", other_attributes=(("isForCompensation", "true"),)))
    True
    """
    return any(k == "isForCompensation" and v.strip().lower() == "true" for k, v in node.other_attributes)


def starts_off_flow(node: FlowNode) -> bool:
    """Whether BPMN starts a node otherwise than by a sequence flow or its container's start.

    Event sub-processes (their parent being active), boundary events (their host), link events
    (paired by name) and compensation handlers.

    >>> starts_off_flow(SubProcess(id="s", triggered_by_event=True)), starts_off_flow(Task(id="t"))
    (True, False)
    """
    if isinstance(node, SubProcess) and node.triggered_by_event:
        return True
    if isinstance(node, Event) and node.position == "boundary":
        return True
    if isinstance(node, Event) and node.position in ("intermediateCatch", "intermediateThrow"):
        return any(d.kind == "link" for d in node.definitions)
    return is_for_compensation(node)


@dataclass(frozen=True, kw_only=True)
class Process(BaseElement, _Container):
    """A process: lanes, flow nodes, sequence flows, data and annotations."""

    name: str = ""
    is_executable: bool = False
    lane_sets: tuple[LaneSet, ...] = ()
    nodes: tuple[FlowNode, ...] = ()
    flows: tuple[SequenceFlow, ...] = ()
    data_objects: tuple[DataObject, ...] = ()
    data_object_refs: tuple[DataObjectReference, ...] = ()
    text_annotations: tuple[TextAnnotation, ...] = ()
    associations: tuple[Association, ...] = ()


# --------------------------------------------------------------------- collaboration, triggers


@dataclass(frozen=True, kw_only=True)
class Participant(BaseElement):
    """A pool; ``process_ref`` is the process it contains (None for a black-box pool)."""

    name: str = ""
    process_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class MessageFlow(BaseElement):
    """A message between pools (or their nodes)."""

    name: str = ""
    source: str
    target: str
    message_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class Collaboration(BaseElement):
    """Pools and the message flows between them."""

    name: str = ""
    participants: tuple[Participant, ...] = ()
    message_flows: tuple[MessageFlow, ...] = ()
    text_annotations: tuple[TextAnnotation, ...] = ()
    associations: tuple[Association, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EventTrigger(BaseElement):
    """A global message, signal, error or escalation; ``code`` is the error/escalation code."""

    kind: TriggerKind
    name: str = ""
    code: str = ""


# -------------------------------------------------------------------------------- definitions


@dataclass(frozen=True, kw_only=True)
class Definitions(BaseElement):
    """The root of a BPMN document.

    ``namespaces`` are the extra ``(prefix, uri)`` declarations of the root element (Camunda,
    Signavio…) so a written file keeps their prefixes. ``collaboration`` is the first
    collaboration of the document and ``other_collaborations`` the ones after it, in order
    (a document may hold several, each drawn by a diagram of its own).
    """

    target_namespace: str = "http://bpmn.io/schema/bpmn"
    name: str = ""
    namespaces: tuple[tuple[str, str], ...] = ()
    triggers: tuple[EventTrigger, ...] = ()
    collaboration: Collaboration | None = None
    other_collaborations: tuple[Collaboration, ...] = ()
    processes: tuple[Process, ...] = ()
    diagrams: tuple[Diagram, ...] = ()

    @property
    def collaborations(self) -> tuple[Collaboration, ...]:
        """Every collaboration, in document order."""
        first = () if self.collaboration is None else (self.collaboration,)
        return first + self.other_collaborations

    def elements(self) -> Iterator[BaseElement | Shape | Edge | Plane | Diagram]:
        """Every element with an id, the DI included, in document order."""
        yield from self.triggers
        for c in self.collaborations:
            yield c
            yield from c.participants
            yield from c.message_flows
            yield from c.text_annotations
            yield from c.associations
        for process in self.processes:
            yield process
            yield from _container_elements(process)
        for diagram in self.diagrams:
            yield diagram
            yield diagram.plane
            yield from diagram.plane.shapes
            yield from diagram.plane.edges

    @cached_property
    def _index(self) -> dict[str, object]:
        return {e.id: e for e in self.elements()}

    def find(self, element_id: str) -> object:
        """The element (semantic or DI) with this id.

        Raises
        ------
        BpmnError
            If no element has that id.
        """
        try:
            return self._index[element_id]
        except KeyError:
            raise error(BpmnError, ERRORS, "model.no_element_id_definitions", element_id=element_id, id=self.id) from None

    def flow_nodes(self) -> Iterator[FlowNode]:
        """Every flow node of every process, sub-processes included."""
        for process in self.processes:
            yield from process.all_nodes()

    def process(self, process_id: str | None = None) -> Process:
        """The process with this id, or the only/first executable-or-not process when None."""
        if process_id is None:
            if not self.processes:
                raise error(BpmnError, ERRORS, "model.definitions_contain_no_process_2", id=self.id)
            return self.processes[0]
        for process in self.processes:
            if process.id == process_id:
                return process
        raise error(BpmnError, ERRORS, "model.no_process_id_definitions", process_id=process_id, id=self.id)


def _container_elements(container: Process | SubProcess) -> Iterator[BaseElement]:
    for lane_set in container.lane_sets:
        yield lane_set
        for lane in lane_set.lanes:
            yield from _lane_elements(lane)
    for node in container.nodes:
        yield node
        if isinstance(node, SubProcess):
            yield from _container_elements(node)
    yield from container.flows
    yield from container.data_objects
    yield from container.data_object_refs
    yield from container.text_annotations
    yield from container.associations


def _lane_elements(lane: Lane) -> Iterator[BaseElement]:
    yield lane
    if lane.children is not None:
        yield lane.children
        for child in lane.children.lanes:
            yield from _lane_elements(child)
