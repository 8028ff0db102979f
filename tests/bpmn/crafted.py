"""A hand-made model using every element kind the writer supports (for the bpmn-js import test).

One collaboration with two pools and a message flow between them: the CRM pool has nested lanes,
every task kind, a sub-process with its own flow, every gateway kind (splits with default flows),
interrupting and non-interrupting boundary timers, message/timer/signal/error/escalation/terminate
events, a data object with its reference, and text annotations linked by associations.
"""

from __future__ import annotations

from crmflow.bpmn.model import (
    TASK_KINDS,
    Association,
    CallActivity,
    Collaboration,
    DataObject,
    DataObjectReference,
    Definitions,
    Event,
    EventDefinition,
    EventTrigger,
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


def crafted_model() -> Definitions:  # noqa: PLR0915 - one literal model
    """The model, without diagram (``layout`` draws it)."""
    flows: list[SequenceFlow] = []

    def flow(source: str, target: str, name: str = "", condition: str | None = None) -> str:
        flow_id = f"Flow_{len(flows) + 1}"
        flows.append(SequenceFlow(id=flow_id, source=source, target=target, name=name, condition=condition))
        return flow_id

    tasks = [Task(id=f"Task_{kind}", name=f"Step: {kind}", kind=kind) for kind in TASK_KINDS]
    chain = [t.id for t in tasks]
    # start (message) -> tasks in a row -> sub-process -> gateways -> end events
    flow("Start", chain[0])
    for a, b in zip(chain, chain[1:], strict=False):
        flow(a, b)
    flow(chain[-1], "Sub")
    sub = SubProcess(
        id="Sub",
        name="Check the deal",
        nodes=(
            Event(id="SubStart"),
            Task(id="SubTask", name="Look at the deal", kind="userTask"),
            Event(id="SubEnd", position="end"),
        ),
        flows=(
            SequenceFlow(id="SubFlow_1", source="SubStart", target="SubTask"),
            SequenceFlow(id="SubFlow_2", source="SubTask", target="SubEnd"),
        ),
    )
    flow("Sub", "Xor")
    xor_default = flow("Xor", "XorJoin", name="small deal")
    flow("Xor", "Call", name="large deal", condition="${amount > 100000}")
    call = CallActivity(id="Call", name="Approve large deal", called_element="ApprovalProcess")
    flow("Call", "XorJoin")
    flow("XorJoin", "Or")
    or_default = flow("Or", "OrJoin")
    flow("Or", "CatchSignal", condition="${needsPromo}")
    flow("CatchSignal", "OrJoin")
    flow("OrJoin", "And")
    flow("And", "Complex")
    flow("And", "EventGw")
    flow("EventGw", "CatchMessage")
    flow("EventGw", "CatchTimer")
    flow("CatchMessage", "Join")
    flow("CatchTimer", "Join")
    complex_default = flow("Complex", "AndJoin")
    flow("Complex", "ThrowSignal", condition="${vip}")
    flow("ThrowSignal", "AndJoin")
    flow("Join", "AndJoin")
    flow("AndJoin", "End")
    flow("Task_userTask", "Escalated")
    flow("Task_serviceTask", "Failed")
    flow("Task_manualTask", "Reminder")
    flow("Reminder", "ThrowEscalation")
    flow("ThrowEscalation", "Stop")

    msg = EventTrigger(id="Msg_Order", kind="message", name="Order")
    sig = EventTrigger(id="Sig_Promo", kind="signal", name="Promo")
    err = EventTrigger(id="Err_Api", kind="error", name="CRM API error", code="E500")
    esc = EventTrigger(id="Esc_Sla", kind="escalation", name="SLA breach", code="SLA")
    nodes = [
        Event(id="Start", name="Order received", definitions=(EventDefinition(kind="message", ref=msg.id),)),
        *tasks,
        sub,
        Gateway(id="Xor", name="Deal size?", kind="exclusive", direction="diverging", default=xor_default),
        call,
        Gateway(id="XorJoin", kind="exclusive", direction="converging"),
        Gateway(id="Or", name="Extras?", kind="inclusive", direction="diverging", default=or_default),
        Event(
            id="CatchSignal",
            name="Promo running",
            position="intermediateCatch",
            definitions=(EventDefinition(kind="signal", ref=sig.id),),
        ),
        Gateway(id="OrJoin", kind="inclusive", direction="converging"),
        Gateway(id="And", kind="parallel", direction="diverging"),
        Gateway(id="EventGw", kind="eventBased", direction="diverging"),
        Event(
            id="CatchMessage",
            name="Client answers",
            position="intermediateCatch",
            definitions=(EventDefinition(kind="message", ref=msg.id),),
        ),
        Event(
            id="CatchTimer",
            name="3 days",
            position="intermediateCatch",
            definitions=(EventDefinition(kind="timer", timer="timeDuration", expression="P3D"),),
        ),
        Gateway(id="Join", kind="exclusive", direction="converging"),
        Gateway(id="Complex", name="VIP?", kind="complex", direction="diverging", default=complex_default),
        Event(
            id="ThrowSignal",
            name="Tell marketing",
            position="intermediateThrow",
            definitions=(EventDefinition(kind="signal", ref=sig.id),),
        ),
        Gateway(id="AndJoin", kind="parallel", direction="converging"),
        Event(id="End", name="Deal closed", position="end"),
        Event(
            id="SlaTimer",
            name="SLA 2 h",
            position="boundary",
            attached_to="Task_userTask",
            definitions=(EventDefinition(kind="timer", timer="timeDuration", expression="PT2H"),),
        ),
        Event(id="Escalated", name="Escalated", position="end", definitions=(EventDefinition(kind="escalation", ref=esc.id),)),
        Event(
            id="ApiError",
            name="API down",
            position="boundary",
            attached_to="Task_serviceTask",
            definitions=(EventDefinition(kind="error", ref=err.id),),
        ),
        Event(id="Failed", name="Failed", position="end", definitions=(EventDefinition(kind="error", ref=err.id),)),
        Event(
            id="RemindTimer",
            name="Every day",
            position="boundary",
            attached_to="Task_manualTask",
            interrupting=False,
            definitions=(EventDefinition(kind="timer", timer="timeCycle", expression="R/P1D"),),
        ),
        Task(id="Reminder", name="Remind the manager", kind="sendTask"),
        Event(
            id="ThrowEscalation",
            name="Escalate",
            position="intermediateThrow",
            definitions=(EventDefinition(kind="escalation", ref=esc.id),),
        ),
        Event(id="Stop", name="Stop everything", position="end", definitions=(EventDefinition(kind="terminate"),)),
    ]
    # boundary events start their own flows
    flows_by_source = {"Task_userTask": "SlaTimer", "Task_serviceTask": "ApiError", "Task_manualTask": "RemindTimer"}
    flows = [
        SequenceFlow(id=f.id, source=flows_by_source[f.source], target=f.target, name=f.name, condition=f.condition)
        if f.source in flows_by_source and f.target in ("Escalated", "Failed", "Reminder")
        else f
        for f in flows
    ]
    ids = [n.id for n in nodes]
    sales = [i for i in ids if i in ("Start", "Task_task", "Task_userTask", "SlaTimer", "Escalated", "Xor", "Call")]
    back_office = [
        i
        for i in ids
        if i not in sales
        and i
        in (
            "Task_serviceTask",
            "ApiError",
            "Failed",
            "Task_sendTask",
            "Task_receiveTask",
            "Task_scriptTask",
            "Task_businessRuleTask",
        )
    ]
    head = [i for i in ids if i not in sales and i not in back_office]
    lanes = LaneSet(
        id="LaneSet_1",
        lanes=(
            Lane(
                id="Lane_Front",
                name="Front office",
                flow_node_refs=tuple(sales + head),
                children=LaneSet(
                    id="LaneSet_2",
                    lanes=(
                        Lane(id="Lane_Sales", name="Sales", flow_node_refs=tuple(sales)),
                        Lane(id="Lane_Head", name="Head of sales", flow_node_refs=tuple(head)),
                    ),
                ),
            ),
            Lane(id="Lane_Back", name="Back office", flow_node_refs=tuple(back_office)),
        ),
    )
    crm = Process(
        id="Process_Crm",
        name="Deal",
        lane_sets=(lanes,),
        nodes=tuple(nodes),
        flows=tuple(flows),
        data_objects=(DataObject(id="DataObject_Deal", name="Deal card"),),
        data_object_refs=(DataObjectReference(id="DataRef_Deal", name="Deal card", data_object="DataObject_Deal"),),
        text_annotations=(TextAnnotation(id="Note_Sla", text="Answer within 2 working hours"),),
        associations=(
            Association(id="Assoc_Sla", source="Task_userTask", target="Note_Sla"),
            Association(id="Assoc_Deal", source="DataRef_Deal", target="Task_task", direction="One"),
        ),
    )
    client = Process(
        id="Process_Client",
        name="Client",
        nodes=(
            Event(id="ClientStart"),
            Task(id="ClientOrder", name="Place order", kind="sendTask"),
            Event(id="ClientEnd", position="end"),
        ),
        flows=(
            SequenceFlow(id="ClientFlow_1", source="ClientStart", target="ClientOrder"),
            SequenceFlow(id="ClientFlow_2", source="ClientOrder", target="ClientEnd"),
        ),
    )
    collaboration = Collaboration(
        id="Collaboration_1",
        participants=(
            Participant(id="Pool_Client", name="Client", process_ref="Process_Client"),
            Participant(id="Pool_Crm", name="CRM", process_ref="Process_Crm"),
            Participant(id="Pool_Bank", name="Bank"),
        ),
        message_flows=(
            MessageFlow(id="MsgFlow_Order", name="order", source="ClientOrder", target="Start", message_ref=msg.id),
            MessageFlow(id="MsgFlow_Check", source="Call", target="Pool_Bank"),
        ),
    )
    return Definitions(
        id="Definitions_Crafted", triggers=(msg, sig, err, esc), collaboration=collaboration, processes=(client, crm)
    )
