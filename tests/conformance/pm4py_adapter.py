"""TEST-ONLY: turn a pm4py Petri net and its markings into crmflow's :class:`PetriNet`.

pm4py is AGPL-3.0, so this lives under ``tests/`` and is never imported by the package. Place and
transition names are kept (token replay orders candidate silent paths by place name, as pm4py
does); a name shared by a place and a transition gets a ``place:`` prefix.
"""

from __future__ import annotations

from typing import Any

from crmflow.conformance.petrinet import PetriNet, Transition


def from_pm4py(net: Any, initial: Any, final: Any) -> PetriNet:
    """Our :class:`PetriNet` for a pm4py ``(net, initial_marking, final_marking)``."""
    places = sorted(net.places, key=lambda p: p.name)
    transitions = sorted(net.transitions, key=lambda t: t.name)
    tnames = {t.name for t in transitions}
    pname = {p: (f"place:{p.name}" if p.name in tnames else p.name) for p in places}
    if len(set(pname.values())) != len(places):
        raise ValueError("the pm4py net has two places with the same name")
    arcs = []
    for a in net.arcs:
        if a.weight != 1:
            raise ValueError(f"arc {a} has weight {a.weight}; crmflow's nets have unit weights")
        src = pname.get(a.source, a.source.name)
        dst = pname.get(a.target, a.target.name)
        arcs.append((src, dst))
    return PetriNet.build(
        places=[pname[p] for p in places],
        transitions=[Transition(t.name, t.label) for t in transitions],
        arcs=sorted(arcs),
        initial={pname[p]: k for p, k in initial.items()},
        final={pname[p]: k for p, k in final.items()},
    )


def reference_pair(model: str, log: str, *, noise: float | None = None) -> tuple[Any, Any, Any, Any]:
    """pm4py's ``(event log, net, im, fm)``: the net from ``model`` (a BPMN file), or -- when
    ``noise`` is given -- discovered from the log by pm4py's inductive miner with that threshold."""
    import pm4py

    plog = pm4py.read_xes(log)
    if noise is None:
        net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(model))
    else:
        net, im, fm = pm4py.discover_petri_net_inductive(plog, noise_threshold=noise)
    return plog, net, im, fm
