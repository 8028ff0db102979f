"""The compiled To-Be BPMN in the pack, and the UAT targets read from it.

The pack compiles the definition with :func:`crmflow.design.compile.compile_tobe` (linted,
soundness-checked, laid out). What UAT must cover is then read from that BPMN, not from the YAML:

* every outgoing flow of every splitting gateway — the definition's gateways (a flow into a join
  the compiler inserted counts as a flow to the joined node) and the "resolved?" gateways the
  compiler adds after a retry in an SLA chain (``yes`` = the flow with a condition, ``no`` = the
  default); a gateway of any other kind would show up as an uncovered target;
* every escalation level of every SLA boundary timer (levels are the ``<sla>_l<k>_…`` nodes of its
  chain; a timer without levels counts once, for the breach);
* and, since rules live in extension elements rather than in the flow, the rules of the definition.
"""

from __future__ import annotations

import re

from crmflow.bpmn.model import Definitions, Event
from crmflow.bpmn.model import Gateway as BpmnGateway
from crmflow.deliverables.uat import Target, resolved_id, rule_targets
from crmflow.design.compile import CompiledModel, compile_tobe
from crmflow.design.model import ToBeDefinition

_RESOLVED = re.compile(r"^(?P<sla>.+)_l(?P<level>\d+)_resolved$")


def compile_definitions(tobe: ToBeDefinition, *, lang: str) -> CompiledModel:
    """Compile the definition (raises :class:`~crmflow.errors.ToBeError` when the result is not sound)."""
    return compile_tobe(tobe, lang=lang, layout=True)


def compiled_targets(definitions: Definitions, tobe: ToBeDefinition, lang: str = "en") -> list[Target]:
    """The UAT targets of the compiled model (see the module docstring)."""
    out: list[Target] = []
    for bp in definitions.processes:
        model = next((p for p in tobe.processes if p.id == bp.id), None)
        model_gateways = {g.id for g in model.gateways} if model is not None else set()
        nodes = {n.id: n for n in bp.all_nodes()}
        sla_ids = {sla.id: step for _p, step in tobe.steps() for sla in step.slas}
        for node in nodes.values():
            flows = bp.outgoing(node.id)
            if isinstance(node, BpmnGateway) and len(flows) > 1:
                m = _RESOLVED.match(node.id)
                for f in flows:
                    if node.id in model_gateways:
                        target = _through_joins(bp, nodes, f.target)
                        out.append(Target("branch", f"branch:{node.id}->{target}", bp.id, f.name or target))
                    elif m is not None:
                        answer = "no" if node.default == f.id or f.condition is None else "yes"
                        out.append(
                            Target(
                                "branch",
                                resolved_id(m["sla"], int(m["level"]), answer),
                                bp.id,
                                f"{node.name}: {f.name or answer}",
                            )
                        )
                    else:
                        out.append(Target("branch", f"branch:{node.id}->{f.target}", bp.id, f.name or f.target))
            if isinstance(node, Event) and node.position == "boundary" and node.attached_to and node.id.endswith("_timer"):
                sla = node.id[: -len("_timer")]
                levels = set()
                for other in nodes:
                    found = re.match(rf"^{re.escape(sla)}_l(\d+)_", other)
                    if found is not None:
                        levels.add(int(found.group(1)))
                step = sla_ids.get(sla)
                host = step.id if step is not None else node.attached_to
                for k in sorted(levels) or [1]:
                    out.append(Target("escalation", f"escalation:{host}/{sla}/{k}", bp.id, f"{node.name} #{k}"))
        if model is not None:
            for tid, _step, kind, _rule in rule_targets(model):
                out.append(Target("rule", tid, model.id, kind))
    return out


def _through_joins(process, nodes, target: str) -> str:  # type: ignore[no-untyped-def]
    """Follow joins the compiler inserted (``<node>_join`` → ``<node>``)."""
    seen = set()
    while target.endswith("_join") and target not in seen:
        seen.add(target)
        node = nodes.get(target)
        nxt = process.outgoing(target)
        if not isinstance(node, BpmnGateway) or len(nxt) != 1:
            break
        target = nxt[0].target
    return target


__all__ = ["compile_definitions", "compiled_targets"]
