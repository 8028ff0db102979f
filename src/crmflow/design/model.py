"""The To-Be model: a reviewed target process as frozen dataclasses.

A :class:`ToBeDefinition` is what a To-Be YAML file (``design/examples/*.yaml``) loads into
(:func:`crmflow.design.loader.load_tobe`) and what every deliverable is generated from. It holds

* the organisation: :class:`Role` (a lane), :class:`System` (CRM, telephony, 1C…);
* the process(es): :class:`Process` with an ordered ``flow`` of :class:`Step` (tasks),
  :class:`Gateway` and :class:`FlowEvent` nodes, the :class:`JourneyStage` of the customer journey
  and process-wide :class:`RuleSet`;
* per step: :class:`Raci`, :class:`Io` inputs/outputs (SIPOC), :class:`Sla` with an escalation
  chain of :class:`EscalationLevel`, checklist, :class:`Sop`, :class:`RuleSet` (mandatory fields,
  :class:`DataCheck`, :class:`RoutingPolicy`, :class:`PriorityRule`), published events and the As-Is
  findings the step addresses;
* the :class:`Kpi` targets, the :class:`EventType` catalogue and the :class:`CalendarSpec`.

Every human-readable string is a bilingual :class:`Text`. References between elements are ids
(role ids, step ids, event names, KPI ids); :func:`crmflow.design.checks.check_definition` reports
dangling ones. Expressions (conditions, checks, priority rules) are kept as source text in the
language of :mod:`crmflow.design.expressions`.

>>> t = Text(ru="Квалификация", en="Qualification")
>>> t.get("ru"), t.get("en"), Text.of("CRM").get("ru")
('Квалификация', 'Qualification', 'CRM')
>>> Raci(responsible=("sdr",), accountable=("head",)).accountable_role
'head'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, get_args

from crmflow.design.catalogue import PAYLOAD_TYPES as PAYLOAD_TYPES
from crmflow.design.catalogue import EventType as EventType
from crmflow.design.catalogue import PayloadField as PayloadField
from crmflow.design.catalogue import PayloadType as PayloadType
from crmflow.design.text import EMPTY as EMPTY
from crmflow.design.text import Text as Text

StepKind = Literal["user", "service", "send", "receive", "manual", "subprocess"]
GatewayKind = Literal["exclusive", "parallel", "inclusive", "event_based"]
EventPosition = Literal["start", "intermediate", "end"]
EventTrigger = Literal["none", "message", "timer", "signal", "error", "escalation", "terminate"]
TimeBasis = Literal["working", "calendar"]
EscalationActionKind = Literal["retry", "reassign", "notify", "mark_status", "move_to"]
RoutingStrategy = Literal["round_robin", "least_loaded", "skill_based", "territory"]
KpiDirection = Literal["at_least", "at_most"]
RoleKind = Literal["internal", "external"]
CheckSeverity = Literal["error", "warning"]

STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)
GATEWAY_KINDS: tuple[GatewayKind, ...] = get_args(GatewayKind)
EVENT_POSITIONS: tuple[EventPosition, ...] = get_args(EventPosition)
EVENT_TRIGGERS: tuple[EventTrigger, ...] = get_args(EventTrigger)
ESCALATION_ACTIONS: tuple[EscalationActionKind, ...] = get_args(EscalationActionKind)
ROUTING_STRATEGIES: tuple[RoutingStrategy, ...] = get_args(RoutingStrategy)


# ------------------------------------------------------------------------------ organisation


@dataclass(frozen=True, kw_only=True)
class Role:
    """A role (a lane of the BPMN diagram): ``id`` is what RACI, lanes and routing refer to.

    ``kind`` is ``external`` for parties outside the company (the customer, a contractor); they
    appear as SIPOC suppliers/customers and as CJM actors, not as lanes of the company's pool.
    """

    id: str
    name: Text
    description: Text = EMPTY
    skills: tuple[str, ...] = ()
    kind: RoleKind = "internal"


@dataclass(frozen=True, kw_only=True)
class System:
    """An IT system a step uses or an event comes from (CRM, telephony, accounting, bus)."""

    id: str
    name: Text
    description: Text = EMPTY


# ------------------------------------------------------------------------------ time and SLAs


@dataclass(frozen=True, kw_only=True)
class TimeSpan:
    """A duration as written (``10m``, ``PT2H``, ``1d``) with its basis.

    ``seconds`` is its length; in ``working`` time a day (``d``) is one working day of the
    calendar and a week the working days of a week (see :mod:`crmflow.durations`).
    ``iso`` is the ISO 8601 form written into BPMN timers (``PT10M``).
    """

    text: str
    seconds: float
    iso: str
    basis: TimeBasis = "working"


@dataclass(frozen=True, kw_only=True)
class EscalationAction:
    """One thing done at an escalation level.

    ``retry``: do the step again (``role`` may name who); ``reassign``: hand over to ``role``;
    ``notify``: tell ``role``; ``mark_status``: set the record's status to ``status``;
    ``move_to``: continue the process at step ``step``.
    """

    kind: EscalationActionKind
    role: str | None = None
    status: str | None = None
    step: str | None = None
    note: Text = EMPTY


@dataclass(frozen=True, kw_only=True)
class EscalationLevel:
    """A level of an escalation chain: ``after`` the previous level (or the breach), do ``actions``."""

    after: TimeSpan
    actions: tuple[EscalationAction, ...]
    name: Text = EMPTY


@dataclass(frozen=True, kw_only=True)
class Sla:
    """A service-level agreement on a step, measured from the step's start.

    Parameters
    ----------
    id
        Unique within the definition (``first_contact``).
    within
        The target (``10m`` working time).
    escalations
        The chain run when the target is missed, in order.
    applies_when
        An expression selecting the cases the SLA holds for (``ticket.priority == "high"``), or None.
    interrupting
        Whether the breach interrupts the step (its boundary timer cancels the task).
    resolved_when
        An expression saying that a retry succeeded (``lead.reached``); after each ``retry`` level
        the process continues at ``resume_at`` when it holds.
    resume_at
        The step the process continues at after a successful retry (default: the step after this one).
    """

    id: str
    name: Text
    within: TimeSpan
    escalations: tuple[EscalationLevel, ...] = ()
    applies_when: str | None = None
    interrupting: bool = False
    resolved_when: str | None = None
    resume_at: str | None = None


# ------------------------------------------------------------------------------ rules


@dataclass(frozen=True, kw_only=True)
class DataCheck:
    """A data check: ``expression`` must hold; otherwise ``message`` is shown (error or warning)."""

    id: str
    expression: str
    message: Text
    severity: CheckSeverity = "error"


@dataclass(frozen=True, kw_only=True)
class RoutingPolicy:
    """How work at a step is assigned to people of ``roles`` (default: the step's lane).

    ``parameters`` are the strategy's settings as ``(key, value)`` pairs sorted by key, e.g.
    ``(("fallback", "round_robin"), ("skill", "lead.product"))`` or ``(("max_open", "20"),)``.
    """

    strategy: RoutingStrategy
    roles: tuple[str, ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    description: Text = EMPTY


@dataclass(frozen=True, kw_only=True)
class PriorityRule:
    """When ``when`` holds, the record gets ``priority`` (rules are tried in order)."""

    when: str
    priority: str
    description: Text = EMPTY


@dataclass(frozen=True, kw_only=True)
class MandatoryFields:
    """Fields that must be filled before the record may leave ``stage`` (a step id)."""

    stage: str
    fields: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    """Business rules of a step or a process."""

    mandatory_fields: tuple[MandatoryFields, ...] = ()
    checks: tuple[DataCheck, ...] = ()
    routing: RoutingPolicy | None = None
    priorities: tuple[PriorityRule, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.mandatory_fields or self.checks or self.routing or self.priorities)


NO_RULES = RuleSet()


# ------------------------------------------------------------------------------ steps


@dataclass(frozen=True, kw_only=True)
class Raci:
    """Who is Responsible, Accountable, Consulted and Informed for a step (role ids).

    A valid step has exactly one accountable role and at least one responsible role; the model
    keeps what the file says so that :func:`crmflow.design.checks.check_definition` can report
    a step with two A's instead of losing one.
    """

    responsible: tuple[str, ...] = ()
    accountable: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()

    @property
    def accountable_role(self) -> str | None:
        """The accountable role when there is exactly one, else None."""
        return self.accountable[0] if len(self.accountable) == 1 else None

    def letters(self, role: str) -> str:
        """The RACI letters of ``role`` on this step (``"RA"``, ``"C"``, ``""``)."""
        out = ""
        for letter, roles in (("R", self.responsible), ("A", self.accountable), ("C", self.consulted), ("I", self.informed)):
            if role in roles:
                out += letter
        return out


@dataclass(frozen=True, kw_only=True)
class Io:
    """An input or output of a step (SIPOC): what, from which supplier, to which customer.

    ``supplier`` and ``customer`` are role or system ids; ``data`` names the record or document
    (``lead``, ``invoice``).
    """

    name: Text
    supplier: str | None = None
    customer: str | None = None
    data: str | None = None


@dataclass(frozen=True, kw_only=True)
class SopException:
    """An exception of an SOP: the situation and what to do."""

    when: Text
    action: Text


@dataclass(frozen=True, kw_only=True)
class Sop:
    """A standard operating procedure for a critical step.

    ``kpis`` are ids of :class:`Kpi`; the roles of an SOP are the step's RACI.
    """

    purpose: Text
    trigger: Text
    steps: tuple[Text, ...]
    checks: tuple[Text, ...] = ()
    exceptions: tuple[SopException, ...] = ()
    kpis: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Step:
    """A task of the To-Be process.

    Parameters
    ----------
    id, name, description
        The step; ``id`` becomes the BPMN task id.
    kind
        ``user``, ``service``, ``send``, ``receive``, ``manual`` or ``subprocess``.
    lane
        The role whose lane holds the step.
    raci, inputs, outputs, systems
        RACI, SIPOC inputs/outputs, ids of the systems used.
    channel, touchpoint, journey_stage
        For the Customer Journey Map: the channel (``phone``, ``email``, ``web``…), what the customer
        experiences, and the id of a :class:`JourneyStage` of the process.
    slas, checklist, sop, rules
        SLAs with escalation chains, checklist items, the SOP of a critical step, business rules.
    publishes
        Names of catalogue events (:class:`EventType`) the step publishes.
    findings_addressed
        As-Is findings the step fixes, as ``kind:subject`` (``bottleneck:Qualification``).
    as_is
        The As-Is activity names (from the event log) this step corresponds to; empty for a new step.
    change
        What changes against the As-Is, in words.
    next
        The id of the next node; None means the next node of the flow list (or none for the last).
    """

    id: str
    name: Text
    kind: StepKind = "user"
    lane: str
    description: Text = EMPTY
    raci: Raci = field(default_factory=Raci)
    inputs: tuple[Io, ...] = ()
    outputs: tuple[Io, ...] = ()
    systems: tuple[str, ...] = ()
    channel: str | None = None
    touchpoint: Text = EMPTY
    journey_stage: str | None = None
    slas: tuple[Sla, ...] = ()
    checklist: tuple[Text, ...] = ()
    sop: Sop | None = None
    rules: RuleSet = NO_RULES
    publishes: tuple[str, ...] = ()
    findings_addressed: tuple[str, ...] = ()
    as_is: tuple[str, ...] = ()
    change: Text = EMPTY
    next: str | None = None

    @property
    def critical(self) -> bool:
        """A step with an SOP is critical."""
        return self.sop is not None


@dataclass(frozen=True, kw_only=True)
class Branch:
    """An outgoing branch of a gateway: to ``target`` when ``condition`` holds (or as the default).

    ``description`` is the condition in words as the business documents it; for a branch derived
    from a drawn BPMN whose condition could not be translated it is the drawn text, next to the
    documented decision ``decision == "<branch>"`` in ``condition``.
    """

    target: str
    condition: str | None = None
    name: Text = EMPTY
    default: bool = False
    description: Text = EMPTY


@dataclass(frozen=True, kw_only=True)
class Gateway:
    """A gateway; with ``branches`` it splits, without them it joins and goes to ``next``."""

    id: str
    kind: GatewayKind = "exclusive"
    name: Text = EMPTY
    lane: str | None = None
    branches: tuple[Branch, ...] = ()
    next: str | None = None

    @property
    def default_branch(self) -> Branch | None:
        return next((b for b in self.branches if b.default), None)


@dataclass(frozen=True, kw_only=True)
class FlowEvent:
    """A start, intermediate or end event.

    ``message`` is the catalogue event (:class:`EventType` name) of a message trigger, ``timer`` the
    duration of a timer trigger, ``ref`` the name of a signal/error/escalation; ``throw`` marks an
    intermediate event that is thrown rather than caught; ``publishes`` lists catalogue events the
    event emits (an end event publishing ``lead.closed``).
    """

    id: str
    position: EventPosition
    trigger: EventTrigger = "none"
    name: Text = EMPTY
    lane: str | None = None
    message: str | None = None
    timer: TimeSpan | None = None
    ref: str | None = None
    throw: bool = False
    publishes: tuple[str, ...] = ()
    next: str | None = None


FlowNode = Step | Gateway | FlowEvent


@dataclass(frozen=True, kw_only=True)
class JourneyStage:
    """A stage of the customer journey (CJM column): awareness, request, contract, payment…

    ``measured_stage`` names the stage of a measured customer journey (``journey.json``, e.g.
    ``Lead`` or ``Won``) that this stage corresponds to; without it the CJM matches by id or name.
    """

    id: str
    name: Text
    description: Text = EMPTY
    measured_stage: str | None = None


@dataclass(frozen=True, kw_only=True)
class Process:
    """One process: a pool of the collaboration, lanes per role, and its flow.

    ``lanes`` are role ids in drawing order (by default the lanes the flow uses, in order of first
    use); ``flow`` lists the nodes, a node's successor being its ``next`` or the node after it.
    """

    id: str
    name: Text
    description: Text = EMPTY
    owner: str | None = None
    lanes: tuple[str, ...] = ()
    journey_stages: tuple[JourneyStage, ...] = ()
    flow: tuple[FlowNode, ...] = ()
    rules: RuleSet = NO_RULES

    def node(self, node_id: str) -> FlowNode | None:
        """The node with this id, or None."""
        return next((n for n in self.flow if n.id == node_id), None)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(n for n in self.flow if isinstance(n, Step))

    @property
    def gateways(self) -> tuple[Gateway, ...]:
        return tuple(n for n in self.flow if isinstance(n, Gateway))

    @property
    def events(self) -> tuple[FlowEvent, ...]:
        return tuple(n for n in self.flow if isinstance(n, FlowEvent))

    def successor_map(self) -> dict[str, tuple[str, ...]]:
        """:meth:`successors` of every node, in one pass over the flow (asking node by node is quadratic)."""
        out: dict[str, tuple[str, ...]] = {}
        for i, n in enumerate(self.flow):
            if n.id in out:  # the first node with an id wins, as in successors()
                continue
            if isinstance(n, Gateway) and n.branches:
                out[n.id] = tuple(b.target for b in n.branches)
            elif isinstance(n, FlowEvent) and n.position == "end":
                out[n.id] = ()
            elif n.next is not None:
                out[n.id] = (n.next,)
            else:
                out[n.id] = (self.flow[i + 1].id,) if i + 1 < len(self.flow) else ()
        return out

    def successors(self, node_id: str) -> tuple[str, ...]:
        """The ids of the nodes a node leads to (explicit, branch targets, or the next in the list)."""
        for i, n in enumerate(self.flow):
            if n.id != node_id:
                continue
            if isinstance(n, Gateway) and n.branches:
                return tuple(b.target for b in n.branches)
            if isinstance(n, FlowEvent) and n.position == "end":
                return ()
            if n.next is not None:
                return (n.next,)
            return (self.flow[i + 1].id,) if i + 1 < len(self.flow) else ()
        return ()


# ------------------------------------------------------------------------------ catalogue, KPIs


@dataclass(frozen=True, kw_only=True)
class Kpi:
    """A KPI with a target: ``value`` should be ``at_least`` or ``at_most`` ``target`` (in ``unit``).

    ``formula`` is how it is computed (words or an expression); ``source`` where the data comes
    from (``event_log``, ``crm``, ``telephony``); ``process`` the process it belongs to, if one.
    """

    id: str
    name: Text
    definition: Text
    formula: str = ""
    unit: str = ""
    target: float
    direction: KpiDirection = "at_least"
    source: str = "event_log"
    process: str | None = None


@dataclass(frozen=True, kw_only=True)
class CalendarSpec:
    """The working-time calendar SLAs are counted in.

    ``working_hours`` are ``(start_s, end_s)`` seconds after local midnight; ``weekdays`` Monday = 0;
    ``holidays`` a country code of the ``holidays`` library (``RU``) or None.
    """

    timezone: str = "Europe/Moscow"
    working_hours: tuple[int, int] = (9 * 3600, 18 * 3600)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: str | None = "RU"


@dataclass(frozen=True, kw_only=True)
class ToBeDefinition:
    """A To-Be definition: organisation, processes, KPIs, event catalogue and calendar.

    ``source`` is the file it was loaded from (not compared: a definition read back from BPMN equals
    the one loaded from YAML).
    """

    id: str
    name: Text
    description: Text = EMPTY
    version: str = "1"
    calendar: CalendarSpec = field(default_factory=CalendarSpec)
    roles: tuple[Role, ...] = ()
    systems: tuple[System, ...] = ()
    processes: tuple[Process, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    events: tuple[EventType, ...] = ()
    source: str = field(default="", compare=False)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def system(self, system_id: str) -> System | None:
        return next((s for s in self.systems if s.id == system_id), None)

    def kpi(self, kpi_id: str) -> Kpi | None:
        return next((k for k in self.kpis if k.id == kpi_id), None)

    def event(self, name: str) -> EventType | None:
        return next((e for e in self.events if e.name == name), None)

    def party_name(self, party_id: str, lang: str) -> str:
        """The display name of a role or system id (the id itself when unknown)."""
        found = self.role(party_id) or self.system(party_id)
        return found.name.get(lang) if found is not None else party_id

    def steps(self) -> Iterator[tuple[Process, Step]]:
        """Every step of every process, with its process."""
        for process in self.processes:
            for step in process.steps:
                yield process, step


__all__ = [
    "EMPTY",
    "NO_RULES",
    "Branch",
    "CalendarSpec",
    "DataCheck",
    "EscalationAction",
    "EscalationLevel",
    "EventType",
    "FlowEvent",
    "FlowNode",
    "Gateway",
    "Io",
    "JourneyStage",
    "Kpi",
    "MandatoryFields",
    "PayloadField",
    "PriorityRule",
    "Process",
    "Raci",
    "Role",
    "RoutingPolicy",
    "RuleSet",
    "Sla",
    "Sop",
    "SopException",
    "Step",
    "System",
    "Text",
    "TimeSpan",
    "ToBeDefinition",
]
