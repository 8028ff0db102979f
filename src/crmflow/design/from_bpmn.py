"""A BPMN model as the To-Be: recover the definition from a compiled BPMN, or derive one from a drawing.

:func:`bpmn_to_tobe` reads the ``crmflow`` extension elements a compiled model carries
(:mod:`crmflow.design.extensions`) and rebuilds exactly the definition it was compiled from. A BPMN
drawn elsewhere (bpmn.io, Camunda Modeler) without those extensions becomes a definition too:

* each lane → a role (id = lane id, name = lane name), each pool's process → a process;
* each task → a step in the lane it is drawn in (``userTask`` → ``user``, ``serviceTask``/``scriptTask``/
  ``businessRuleTask`` → ``service``, ``sendTask``/``receiveTask``/``manualTask`` alike, plain ``task`` →
  ``user``, call activity and sub-process → ``subprocess``), with R and A = its lane's role (review them);
* gateways → gateways whose branches carry the flows' conditions (they must be written in the crmflow
  expression language) and the default flow; events → events (message, timer, signal, error,
  escalation, terminate);
* a boundary timer on a task → an SLA of the step (its ISO 8601 duration, interrupting or not) whose
  escalation moves to the node the timer's flow leads to; other boundary events are refused (the
  error names them).

Extension elements a drawn node does carry (``<crmflow:node>``) win over what is derived.

>>> from importlib.resources import files
>>> from crmflow.design.loader import load_tobe
>>> from crmflow.design.compile import build_bpmn
>>> d = load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml")
>>> bpmn_to_tobe(build_bpmn(d)) == d
True
"""

from __future__ import annotations

import re
from typing import Any

from crmflow.bpmn.model import (
    ACTIVITY_TYPES,
    Definitions,
    Event,
    FlowNode,
    Gateway,
    Process,
    Task,
)
from crmflow.design import extensions as ext
from crmflow.design.expressions import parse_expression
from crmflow.design.loader import load_tobe_data
from crmflow.design.model import ToBeDefinition
from crmflow.errors import ExpressionError, ToBeError

_STEP_KIND = {"task": "user", "userTask": "user", "serviceTask": "service", "scriptTask": "service",
              "businessRuleTask": "service", "sendTask": "send", "receiveTask": "receive", "manualTask": "manual"}
_ID = re.compile(r"[^A-Za-z0-9_.-]")


def _safe_id(value: str) -> str:
    out = _ID.sub("_", value) or "x"
    return out if re.match(r"[A-Za-z_]", out) else f"_{out}"


class _Deriver:
    """Derives the YAML shape of one process drawn without crmflow extensions."""

    def __init__(self, defs: Definitions, process: Process, roles: dict[str, dict[str, Any]]) -> None:
        self.defs, self.p, self.roles = defs, process, roles
        self.where = f"process `{process.id}`"

    def lane(self, node_id: str) -> str | None:
        lane = self.p.lane_of(node_id)
        if lane is None:
            return None
        role = _safe_id(lane.id)
        self.roles.setdefault(role, {"id": role, "name": lane.name or lane.id})
        return role

    def condition(self, flow_id: str, text: str) -> str:
        source = text.strip()
        if source.startswith(("${", "#{")) and source.endswith("}"):  # JUEL (Camunda, Activiti): map its operators
            source = source[2:-1]
            source = re.sub(r"&&", " and ", source)
            source = re.sub(r"\|\|", " or ", source)
            source = re.sub(r"!(?!=)", " not ", source)
        try:
            parse_expression(source)
        except ExpressionError as exc:
            raise ToBeError(f"{self.where}: the condition of sequence flow `{flow_id}` is not in the crmflow expression "
                            f"language ({exc}); rewrite it, e.g. `deal.amount > 100000`") from None
        return source

    def node(self, n: FlowNode) -> dict[str, Any] | None:
        lane = self.lane(n.id)
        name = getattr(n, "name", "") or n.id
        out = self.p.outgoing(n.id)
        if isinstance(n, ACTIVITY_TYPES):
            kind = _STEP_KIND.get(n.kind, "user") if isinstance(n, Task) else "subprocess"
            if lane is None:
                lane = self.lane_fallback()
            data: dict[str, Any] = {"id": n.id, "task": kind, "name": name, "lane": lane,
                                    "raci": {"R": [lane], "A": [lane]}}
            if n.documentation:
                data["description"] = n.documentation
            slas = []
            for be in self.p.boundary_events(n.id):
                timer = next((d for d in be.definitions if d.kind == "timer" and d.timer == "timeDuration"), None)
                if timer is None:
                    raise ToBeError(f"{self.where}: boundary event `{be.id}` on `{n.id}` is not a duration timer; only "
                                    "boundary timers (SLAs) can be read without crmflow extensions")
                sla: dict[str, Any] = {"id": _safe_id(be.id), "name": be.name or be.id, "within": timer.expression,
                                       "time": "calendar", "interrupting": be.interrupting}
                after = self.p.outgoing(be.id)
                if after:  # the drawn path after the timer: continue there when the SLA is missed
                    sla["escalations"] = [{"after": "PT0S", "actions": [{"action": "move_to", "step": after[0].target}]}]
                slas.append(sla)
            if slas:
                data["sla"] = slas
            if len(out) > 1:
                raise ToBeError(f"{self.where}: `{n.id}` has {len(out)} outgoing flows; draw a gateway after it")
            if out:
                data["next"] = out[0].target
            return data
        if isinstance(n, Gateway):
            kind = {"eventBased": "event_based", "complex": "inclusive"}.get(n.kind, n.kind)
            g: dict[str, Any] = {"id": n.id, "gateway": kind}
            if getattr(n, "name", ""):
                g["name"] = n.name
            if lane:
                g["lane"] = lane
            if len(out) > 1:
                branches = []
                for f in out:
                    branch: dict[str, Any] = {"to": f.target}
                    if f.name:
                        branch["name"] = f.name
                    if f.id == n.default:
                        branch["default"] = True
                    elif f.condition:
                        branch["when"] = self.condition(f.id, f.condition)
                    branches.append(branch)
                g["branches"] = branches
            elif out:
                g["next"] = out[0].target
            return g
        if isinstance(n, Event):
            if n.position == "boundary":
                return None
            position = {"intermediateCatch": "intermediate", "intermediateThrow": "intermediate"}.get(n.position, n.position)
            e: dict[str, Any] = {"id": n.id, "event": position}
            if n.name:
                e["name"] = n.name
            if lane:
                e["lane"] = lane
            if n.position == "intermediateThrow":
                e["throw"] = True
            if n.definitions:
                d = n.definitions[0]
                if d.kind in ("message", "timer", "signal", "error", "escalation", "terminate"):
                    e["trigger"] = d.kind
                if d.kind == "message":
                    e["message"] = self.trigger_name(d.ref)
                elif d.kind == "timer":
                    e["timer"] = d.expression
                    e["time"] = "calendar"
                elif d.kind in ("signal", "error", "escalation"):
                    e["ref"] = self.trigger_name(d.ref)
            if out and n.position != "end":
                e["next"] = out[0].target
            return e
        raise ToBeError(f"{self.where}: `{n.id}` ({type(n).__name__}) cannot be part of a To-Be definition")

    def trigger_name(self, ref: str | None) -> str:
        trigger = next((t for t in self.defs.triggers if t.id == ref), None)
        return (trigger.name if trigger is not None and trigger.name else ref) or "unnamed"

    def lane_fallback(self) -> str:
        role = f"{_safe_id(self.p.id)}_performer"
        self.roles.setdefault(role, {"id": role, "name": "Performer"})
        return role

    def process(self) -> dict[str, Any]:
        flow = []
        for n in self.p.nodes:
            for b in (e for e in self.p.boundary_events(n.id) if len(self.p.outgoing(e.id)) > 1):
                raise ToBeError(f"{self.where}: boundary event `{b.id}` has several outgoing flows; draw a gateway after it")
            data = self.node(n)
            if data is not None:
                flow.append(data)
        # the flow list gives no implicit successors: end events stay last
        flow.sort(key=lambda d: d.get("event") == "end")
        out: dict[str, Any] = {"id": _safe_id(self.p.id), "name": self.p.name or self.p.id, "flow": flow}
        if self.p.documentation:
            out["description"] = self.p.documentation
        return out


def _recover(defs: Definitions, head: dict[str, Any]) -> dict[str, Any]:
    processes = []
    for p in defs.processes:
        data = ext.find(p.extensions, "process")
        if data is None:
            raise ToBeError(f"process `{p.id}` has no <crmflow:process> extension although the definitions have "
                            "<crmflow:tobe>; the file was edited outside crmflow — remove <crmflow:tobe> to read it as a drawing")
        flow = [node for n in p.nodes if (node := ext.find(n.extensions, "node")) is not None]
        processes.append({**data, "flow": flow})
    return {**head, "processes": processes}


def bpmn_to_tobe(definitions: Definitions, *, name: str | None = None) -> ToBeDefinition:
    """The To-Be definition of a BPMN model (compiled by crmflow, or drawn elsewhere).

    Raises
    ------
    ToBeError
        If the model cannot be read as a To-Be (the message names the element), or the derived
        definition fails the To-Be checks.
    """
    where = name or definitions.name or definitions.id
    head = ext.find(definitions.extensions, "tobe")
    if head is not None:
        return load_tobe_data(_recover(definitions, head), where=where)
    processes = [p for p in definitions.processes if p.nodes]
    if not processes:
        raise ToBeError(f"{where}: the BPMN has no process with nodes to read as a To-Be")
    roles: dict[str, dict[str, Any]] = {}
    data_processes = [_Deriver(definitions, p, roles).process() for p in processes]
    data = {
        "tobe": 1,
        "id": _safe_id(definitions.id),
        "name": definitions.name or where,
        "roles": list(roles.values()) or [{"id": "performer", "name": "Performer"}],
        "processes": data_processes,
    }
    messages = sorted({n.get("message") for p in data_processes for n in p["flow"] if n.get("message")})
    if messages:
        data["events"] = [{"name": _event_name(m), "description": m} for m in messages]
        for p in data_processes:
            for n in p["flow"]:
                if n.get("message"):
                    n["message"] = _event_name(n["message"])
    return load_tobe_data(data, where=where)


def _event_name(message: str) -> str:
    """A catalogue name (``lead.created``) for a drawn message name (``Lead created``)."""
    words = re.findall(r"[a-z0-9]+", message.lower().replace("ё", "е"))
    if len(words) >= 2:
        return words[0] + "." + "_".join(words[1:])
    return f"message.{words[0] if words else 'received'}"


__all__ = ["bpmn_to_tobe"]
