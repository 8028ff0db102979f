"""A BPMN model as the To-Be: recover the definition from a compiled BPMN, or derive one from a drawing.

:func:`bpmn_to_tobe` reads the ``crmflow`` extension elements a compiled model carries
(:mod:`crmflow.design.extensions`) and rebuilds exactly the definition it was compiled from. A BPMN
drawn elsewhere (bpmn.io, Camunda Modeler, Signavio, Bizagi) without those extensions becomes a
definition too (:func:`derive_tobe` also returns the warnings); ``docs/tobe.md`` ("Using a drawn BPMN
as the To-Be") lists what maps to what:

* each pool with a process → a process (named after the pool); an empty (black-box) pool → an
  external role; each lane → a role, the innermost lane of nested lanes is the step's role;
* each task → a step in its lane with R and A = that role (review them); documentation and text
  annotations → the step description; data objects and data stores → inputs/outputs;
* gateways → gateways; conditions in JUEL, FEEL or plain text → the crmflow expression language when
  simple, otherwise the documented decision ``decision == "<branch>"`` and a warning;
* boundary timers → SLAs (cycles → repeated reminders); other boundary events → exception paths;
  expanded sub-processes are flattened (see :mod:`crmflow.design.from_bpmn_flow`);
* message flows → catalogue events published by the sending step and consumed by the receiver's role.

What cannot be represented is a warning naming the element; only an unusable model is refused.

>>> from importlib.resources import files
>>> from crmflow.design.loader import load_tobe
>>> from crmflow.design.compile import build_bpmn
>>> d = load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml")
>>> bpmn_to_tobe(build_bpmn(d)) == d
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from crmflow.bpmn.model import Definitions
from crmflow.design import extensions as ext
from crmflow.design.checks import Problem, check_definition
from crmflow.design.error_messages import ERRORS
from crmflow.design.from_bpmn_flow import FlowDeriver, safe_id
from crmflow.design.loader import load_tobe_data
from crmflow.design.model import ToBeDefinition
from crmflow.errors import BpmnError, ToBeError
from crmflow.i18n import error


@dataclass(frozen=True)
class DrawnToBe:
    """A definition derived from a BPMN with the warnings about what was approximated or dropped."""

    definition: ToBeDefinition
    warnings: tuple[Problem, ...]


class _Warnings:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def __call__(self, code: str, element: str, **params: object) -> None:
        self.items.append(
            Problem(
                code, ("bpmn", element), element, (("element", element), *((k, str(v)) for k, v in params.items())), "warning"
            )
        )


def _recover(defs: Definitions, head: dict[str, Any]) -> dict[str, Any]:
    processes = []
    for p in defs.processes:
        data = ext.find(p.extensions, "process")
        if data is None:
            raise error(ToBeError, ERRORS, "from_bpmn.process_has_no_crmflow", id=p.id)
        flow = [node for n in p.nodes if (node := ext.find(n.extensions, "node")) is not None]
        processes.append({**data, "flow": flow})
    return {**head, "processes": processes}


def recovered_data(definitions: Definitions) -> dict[str, Any] | None:
    """The To-Be data (the YAML shape, not yet checked) of a model compiled by crmflow, or None for a drawing.

    What :func:`derive_tobe` validates and builds for a compiled model; callers that report each
    problem where it is (the web modeler marks them on the elements) check it themselves.

    Raises
    ------
    ToBeError
        If the definitions carry ``<crmflow:tobe>`` but a process lost its ``<crmflow:process>``.
    """
    head = ext.find(definitions.extensions, "tobe")
    return None if head is None else _recover(definitions, head)


def _pool_names(defs: Definitions) -> dict[str, str]:
    if defs.collaboration is None:
        return {}
    return {p.process_ref: p.name for p in defs.collaboration.participants if p.process_ref and p.name}


def _catalogue(
    defs: Definitions,
    processes: list[dict[str, Any]],
    roles: dict[str, dict[str, Any]],
    owners: dict[str, tuple[dict[str, Any] | None, str | None]],
    warn: _Warnings,
) -> list[dict[str, Any]]:
    """Catalogue events from message events and message flows (publisher and consumers)."""
    events: dict[str, dict[str, Any]] = {}

    def event(title: str) -> dict[str, Any]:
        name = _event_name(title)
        return events.setdefault(name, {"name": name, "description": title})

    for p in processes:
        for n in p["flow"]:
            if n.get("message"):
                n["message"] = event(n["message"])["name"]
    if defs.collaboration is None:
        return list(events.values())
    pools = {pt.id: pt for pt in defs.collaboration.participants}
    triggers = {t.id: t.name for t in defs.triggers}

    def party(ref: str) -> str | None:
        if ref in owners:
            return owners[ref][1]
        pool = pools.get(ref)
        if pool is None:
            return None
        role = safe_id(pool.id)
        if role not in roles:
            roles[role] = {"id": role, "name": pool.name or pool.id, "kind": "external"}
        return role

    for mf in defs.collaboration.message_flows:
        source_node = owners.get(mf.source, (None, None))[0]
        target_node = owners.get(mf.target, (None, None))[0]
        title = mf.name or triggers.get(mf.message_ref or "", "") or (f"{(source_node or {}).get('name', mf.source)} message")
        e = event(title)
        producer, consumer = party(mf.source), party(mf.target)
        if producer and "producer" not in e:
            e["producer"] = producer
        if consumer and consumer not in e.setdefault("consumers", []):
            e["consumers"].append(consumer)
        if source_node is not None and ("task" in source_node or source_node.get("throw") or source_node.get("event") == "end"):
            published = source_node.setdefault("publishes", [])
            if e["name"] not in published:
                published.append(e["name"])
        if (
            target_node is not None
            and "event" in target_node
            and target_node.get("trigger", "none") == "none"
            and not target_node.get("throw")
            and target_node.get("event") != "end"
        ):
            target_node["trigger"], target_node["message"] = "message", e["name"]
        if (mf.source not in owners and mf.source not in pools) or (mf.target not in owners and mf.target not in pools):
            warn("bpmn.message_flow_end", mf.id)
    return list(events.values())


def derive_tobe(definitions: Definitions, *, name: str | None = None, title: str = "") -> DrawnToBe:
    """The To-Be definition of a BPMN model and the warnings about what the drawing could not say.

    A model compiled by crmflow (with ``<crmflow:tobe>``) is recovered exactly and has no warnings.
    ``name`` names the model in messages (a path); ``title`` is the definition's name when the
    BPMN has none (default: the first process's name).

    Raises
    ------
    ToBeError
        If the model is unusable (no process with nodes), or the derived definition fails the To-Be
        checks; the message names the element.
    """
    where = name or definitions.name or definitions.id
    head = ext.find(definitions.extensions, "tobe")
    if head is not None:
        return DrawnToBe(load_tobe_data(_recover(definitions, head), where=where), ())
    processes = [p for p in definitions.processes if p.nodes]
    if not processes:
        raise error(ToBeError, ERRORS, "from_bpmn.bpmn_has_no_process", where=where)
    warn = _Warnings()
    roles: dict[str, dict[str, Any]] = {}
    pools = _pool_names(definitions)
    data_processes = []
    owners: dict[str, tuple[dict[str, Any] | None, str | None]] = {}
    participants = definitions.collaboration.participants if definitions.collaboration else ()
    for p in processes:
        deriver = FlowDeriver(definitions, p, roles, warn, name=pools.get(p.id, ""))
        derived = deriver.process()
        data_processes.append(derived)
        for node in derived["flow"]:
            owners[node["id"]] = (node, node.get("lane"))
        first_lane = next((n["lane"] for n in derived["flow"] if n.get("lane")), None)
        for pt in participants:
            if pt.process_ref == p.id:  # a message to the pool itself: its first lane's role
                owners[pt.id] = (None, first_lane or deriver.lane_fallback())
    if len({d["id"] for d in data_processes}) < len(data_processes):
        raise error(ToBeError, ERRORS, "from_bpmn.two_processes_have_same", where=where)
    events = _catalogue(definitions, data_processes, roles, owners, warn)
    data: dict[str, Any] = {
        "tobe": 1,
        "id": safe_id(definitions.id or "drawn"),
        "name": definitions.name or title or data_processes[0]["name"] or where,
        "roles": list(roles.values()) or [{"id": "performer", "name": "Performer"}],
        "processes": data_processes,
    }
    if events:
        data["events"] = events
    definition = load_tobe_data(data, where=where)
    checks = tuple(p for p in check_definition(definition) if p.severity == "warning")
    return DrawnToBe(definition, tuple(warn.items) + checks)


def bpmn_to_tobe(definitions: Definitions, *, name: str | None = None) -> ToBeDefinition:
    """The To-Be definition of a BPMN model (compiled by crmflow, or drawn elsewhere).

    Raises
    ------
    ToBeError
        If the model cannot be read as a To-Be (the message names the element), or the derived
        definition fails the To-Be checks.
    """
    return derive_tobe(definitions, name=name).definition


def read_tobe_bpmn(path: str | Path) -> DrawnToBe:
    """Read a ``.bpmn`` file as the To-Be (see :func:`derive_tobe`); the definition's ``source`` is the path.

    Raises
    ------
    ToBeError
        If the file is not a readable BPMN (the reader's message is kept) or cannot be a To-Be.
    """
    from crmflow.bpmn.reader import read_bpmn

    try:
        defs = read_bpmn(Path(path))
    except BpmnError as exc:
        raise error(ToBeError, ERRORS, "from_bpmn.cannot_read_bpmn", path=path, exc=exc) from None
    except OSError as exc:
        raise error(ToBeError, ERRORS, "from_bpmn.cannot_read_file", path=path, value=exc.strerror or exc) from None
    result = derive_tobe(defs, name=str(path), title=Path(path).stem)
    return DrawnToBe(replace(result.definition, source=str(path)), result.warnings)


def _event_name(message: str) -> str:
    """A catalogue name (``lead.created``) for a drawn message name (``Lead created``)."""
    words = re.findall(r"[a-z0-9]+", message.lower().replace("ё", "е"))
    if len(words) >= 2:
        return words[0] + "." + "_".join(words[1:])
    return f"message.{words[0] if words else 'received'}"


__all__ = ["DrawnToBe", "bpmn_to_tobe", "derive_tobe", "read_tobe_bpmn", "recovered_data"]
