"""A data-flow diagram of systems and flows: the integration inventory checked against the data.

The *integration inventory* (YAML) lists the systems around the CRM (external entities,
processes, data stores) with their owners, and the flows between them with the data objects,
protocol, frequency and direction (see ``examples/inventory.yaml``). The data shows which system
really produced which events: an event attribute such as ``system``/``source`` (matched to a
system by its id, name or aliases) and the ingestions table (each source file matched by the
system's ``sources`` file patterns). :func:`discover_dfd` compares both:

* ``confirmed`` — an inventory flow into the audited system (``recorded_in``) that the data shows;
* ``undocumented`` — events from a system with no such flow in the inventory (or from a system
  the inventory does not know at all): highlighted and listed;
* ``not_seen`` — an inventory flow into the audited system that left no event in the data;
* ``not_checkable`` — flows the audited system's data cannot show (e.g. ERP → billing).

:func:`render_dfd_svg` draws it with Graphviz (every label escaped); :func:`write_dfd` writes
``dfd.svg`` and ``dfd.json``. Log-sized counting is SQL; the comparison works on the summary.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from crmflow.architecture.dot import dot_string, html_text, render_dot_svg
from crmflow.architecture.error_messages import ERRORS
from crmflow.errors import ObjectModelError
from crmflow.i18n import error, text
from crmflow.jsonable import JsonMixin
from crmflow.store.objects import ObjectCentricLog
from crmflow.store.queries import ident
from crmflow.store.store import EventLog
from crmflow.yamlfile import read_yaml

SystemKind = Literal["external", "process", "store"]
FlowStatus = Literal["confirmed", "undocumented", "not_seen", "not_checkable"]
#: Event attributes tried, in order, as "the system that produced this event".
SYSTEM_ATTRIBUTES = ("system", "source_system", "source", "система", "источник")
MSG: dict[str, dict[str, str]] = {
    "title": {"en": "Data flows: integration inventory vs. data", "ru": "Потоки данных: реестр интеграций и данные"},
    "confirmed": {"en": "confirmed by data", "ru": "подтверждён данными"},
    "undocumented": {"en": "seen in data, missing from the inventory", "ru": "есть в данных, нет в реестре"},
    "not_seen": {"en": "in the inventory, not seen in data", "ru": "есть в реестре, не видно в данных"},
    "not_checkable": {"en": "not visible in this data", "ru": "по этим данным не проверить"},
    "events": {"en": "{n} events", "ru": "событий: {n}"},
    "unknown": {"en": "unknown system", "ru": "неизвестная система"},
    "legend": {"en": "Legend", "ru": "Обозначения"},
}
_STYLE: dict[str, str] = {
    "confirmed": 'color="#1b7f3b", fontcolor="#1b7f3b", penwidth=1.6',
    "undocumented": 'color="#b00020", fontcolor="#b00020", penwidth=2.4, style=dashed',
    "not_seen": 'color="#c77700", fontcolor="#c77700", penwidth=1.4, style=dashed',
    "not_checkable": 'color="#777777", fontcolor="#555555"',
}


@dataclass(frozen=True)
class System(JsonMixin):
    """A system of the inventory (or one found only in the data: ``known`` False)."""

    id: str
    name: str
    kind: SystemKind
    owner: str | None = None
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    known: bool = True


@dataclass(frozen=True)
class Flow(JsonMixin):
    """A data flow of the inventory."""

    source: str
    target: str
    data: tuple[str, ...] = ()
    protocol: str | None = None
    frequency: str | None = None
    two_way: bool = False


@dataclass(frozen=True)
class Inventory(JsonMixin):
    """The integration inventory: systems, flows, and the system whose data is audited."""

    systems: tuple[System, ...]
    flows: tuple[Flow, ...]
    recorded_in: str

    def system(self, value: str) -> System | None:
        """The system a value from the data names (id, name or alias; case-insensitive)."""
        v = value.strip().lower()
        for s in self.systems:
            if v in {s.id.lower(), s.name.lower(), *(a.lower() for a in s.aliases)}:
                return s
        return None


@dataclass(frozen=True)
class ObservedSource(JsonMixin):
    """Events that the data attributes to one producer (an attribute value or a source file)."""

    value: str
    via: Literal["attribute", "ingestion"]
    events: int
    activities: tuple[str, ...]


@dataclass(frozen=True)
class DfdFlow(JsonMixin):
    """A flow of the diagram with its status and, where seen, the number of events."""

    source: str
    target: str
    status: FlowStatus
    data: tuple[str, ...] = ()
    protocol: str | None = None
    frequency: str | None = None
    two_way: bool = False
    events: int | None = None


@dataclass(frozen=True)
class Dfd(JsonMixin):
    """The data-flow diagram: systems, flows with status, and the lists of discrepancies."""

    recorded_in: str
    systems: tuple[System, ...]
    flows: tuple[DfdFlow, ...]
    observed: tuple[ObservedSource, ...]
    attribute: str | None
    unattributed_events: int = 0
    unknown_systems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def undocumented(self) -> tuple[DfdFlow, ...]:
        return tuple(f for f in self.flows if f.status == "undocumented")

    @property
    def not_seen(self) -> tuple[DfdFlow, ...]:
        return tuple(f for f in self.flows if f.status == "not_seen")

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["undocumented"] = [f.to_dict() for f in self.undocumented]
        d["not_seen"] = [f.to_dict() for f in self.not_seen]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------- the inventory file


def _strs(v: Any, where: str, label: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list) and all(isinstance(x, str | int | float) for x in v):
        return tuple(str(x) for x in v)
    raise error(ObjectModelError, ERRORS, "dfd.must_text_list_texts", label=label, where=where)


def parse_inventory(doc: Any, *, label: str = "inventory") -> Inventory:
    """An :class:`Inventory` from the parsed YAML document (errors name the key)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("systems"), list) or not doc["systems"]:
        raise error(ObjectModelError, ERRORS, "dfd.expected_list_systems_each", label=label)
    systems = []
    for i, s in enumerate(doc["systems"]):
        where = f"systems[{i}]"
        if not isinstance(s, dict) or not isinstance(s.get("id"), str):
            raise error(ObjectModelError, ERRORS, "dfd.needs_id_e_g", label=label, where=where)
        kind = s.get("kind", "external")
        if kind not in ("external", "process", "store"):
            raise error(ObjectModelError, ERRORS, "dfd.kind_use_external_process", label=label, where=where, kind=kind)
        systems.append(
            System(
                id=s["id"],
                name=str(s.get("name") or s["id"]),
                kind=kind,
                owner=s.get("owner"),
                aliases=_strs(s.get("aliases"), f"{where}.aliases", label),
                sources=_strs(s.get("sources"), f"{where}.sources", label),
            )
        )
    ids = [s.id for s in systems]
    dup = next((x for x in ids if ids.count(x) > 1), None)
    if dup:
        raise error(ObjectModelError, ERRORS, "dfd.system_id_used_twice", label=label, dup=dup)
    flows = []
    for i, f in enumerate(doc.get("flows") or []):
        where = f"flows[{i}]"
        if not isinstance(f, dict):
            raise error(ObjectModelError, ERRORS, "dfd.must_mapping_from", label=label, where=where)
        for end in ("from", "to"):
            if f.get(end) not in ids:
                raise error(
                    ObjectModelError,
                    ERRORS,
                    "dfd.not_system_id",
                    label=label,
                    where=where,
                    end=end,
                    value=f.get(end),
                    value2=", ".join(ids),
                )
        direction = f.get("direction", "one-way")
        if direction not in ("one-way", "two-way"):
            raise error(ObjectModelError, ERRORS, "dfd.direction_use_one_way", label=label, where=where, direction=direction)
        flows.append(
            Flow(
                source=f["from"],
                target=f["to"],
                data=_strs(f.get("data"), f"{where}.data", label),
                protocol=None if f.get("protocol") is None else str(f["protocol"]),
                frequency=None if f.get("frequency") is None else str(f["frequency"]),
                two_way=direction == "two-way",
            )
        )
    rec = doc.get("recorded_in")
    if rec not in ids:
        raise error(ObjectModelError, ERRORS, "dfd.recorded_name_system_whose", label=label, rec=rec, value=", ".join(ids))
    return Inventory(systems=tuple(systems), flows=tuple(flows), recorded_in=rec)


def load_inventory(path: str | Path) -> Inventory:
    """Read an integration-inventory YAML file (safe loader)."""
    p = Path(path)
    doc = read_yaml(p, what="integration inventory", error=ObjectModelError)
    return parse_inventory(doc, label=p.name)


# ---------------------------------------------------------------------------- what the data shows


def observe_sources(
    source: EventLog | ObjectCentricLog, *, attribute: str | None = None, top: int = 5
) -> tuple[list[ObservedSource], str | None, int]:
    """Events per producing system: (observed sources, the attribute used, events without one).

    With an attribute (given, or the first of :data:`SYSTEM_ATTRIBUTES` present), events are counted
    per value; without one, per ingestion source (file) of the log.
    """
    store = source.store
    if isinstance(source, ObjectCentricLog):
        names = [r[0] for r in store.sql(f"SELECT DISTINCT name FROM {source.table('event_attributes')}").fetchall()]
        attr = attribute or next((a for a in SYSTEM_ATTRIBUTES if a in names), None)
        if attribute is not None and attribute not in names:
            raise error(
                ObjectModelError,
                ERRORS,
                "dfd.no_event_attribute_have",
                name=source.name,
                attribute=attribute,
                value=", ".join(sorted(names)),
            )
        base = (
            f"SELECT a.value AS v, e.activity FROM {source.table('events')} e LEFT JOIN {source.table('event_attributes')} a "
            f"ON a.eid = e.eid AND a.name = ?"
        )
        params: list[Any] = [attr]
        ingest_log = source.name
    else:
        cols = source.attributes
        attr = attribute or next((a for a in SYSTEM_ATTRIBUTES if a in cols), None)
        if attribute is not None and attribute not in cols:
            raise error(
                ObjectModelError,
                ERRORS,
                "dfd.no_event_attribute_have_2",
                name=source.name,
                attribute=attribute,
                value=", ".join(cols) or "none",
            )
        base = f"SELECT CAST({ident(attr)} AS VARCHAR) AS v, activity FROM {source.events_table}" if attr else ""
        params = []
        ingest_log = source.origin
    out: list[ObservedSource] = []
    unattributed = 0
    if attr:
        rows = store.sql(
            f"SELECT NULLIF(trim(v), '') AS v, activity, count(*) AS n FROM ({base}) GROUP BY ALL ORDER BY v, n DESC, activity",
            params,
        ).fetchall()
        per: dict[str, list[tuple[str, int]]] = {}
        for v, act, n in rows:
            if v is None:
                unattributed += int(n)
            else:
                per.setdefault(str(v), []).append((str(act), int(n)))
        for v, acts in per.items():
            out.append(
                ObservedSource(
                    value=v, via="attribute", events=sum(n for _, n in acts), activities=tuple(a for a, _ in acts[:top])
                )
            )
    else:
        for r in store.rows("SELECT source, parsed FROM ingestions WHERE log_name = ? ORDER BY source", [ingest_log]):
            out.append(ObservedSource(value=str(r["source"]), via="ingestion", events=int(r["parsed"]), activities=()))
    return out, attr, unattributed


def discover_dfd(
    inventory: Inventory | str | Path,
    sources: Sequence[EventLog | ObjectCentricLog] = (),
    *,
    attribute: str | None = None,
) -> Dfd:
    """Compare the inventory with what the data shows.

    Parameters
    ----------
    inventory
        An :class:`Inventory` or the path of its YAML file.
    sources
        Event logs and/or object-centric logs of the audited system (may be empty: the inventory alone).
    attribute
        The event attribute naming the producing system (default: the first of
        :data:`SYSTEM_ATTRIBUTES` present, else the ingestion source files).

    Returns
    -------
    Dfd
    """
    inv = load_inventory(inventory) if isinstance(inventory, str | Path) else inventory
    observed: list[ObservedSource] = []
    used_attr: str | None = None
    unattributed = 0
    for src in sources:
        obs, a, un = observe_sources(src, attribute=attribute)
        observed += obs
        used_attr = used_attr or a
        unattributed += un
    rec = inv.recorded_in
    seen: dict[str, tuple[int, list[str]]] = {}
    unknown: list[System] = []
    for o in observed:
        system = (
            inv.system(o.value)
            if o.via == "attribute"
            else next((s for s in inv.systems if any(fnmatch.fnmatch(o.value.lower(), g.lower()) for g in s.sources)), None)
        )
        if system is None:
            if o.via == "ingestion":
                unattributed += o.events
                continue
            sid = f"unknown:{o.value}"
            if all(u.id != sid for u in unknown):
                unknown.append(System(id=sid, name=o.value, kind="external", known=False))
            key = sid
        else:
            key = system.id
        n, acts = seen.get(key, (0, []))
        seen[key] = (n + o.events, acts + [a for a in o.activities if a not in acts])
    flows: list[DfdFlow] = []
    covered: set[str] = set()
    for f in inv.flows:
        into = f.target == rec or (f.two_way and f.source == rec)
        producer = f.source if f.target == rec else f.target
        kind = next(s.kind for s in inv.systems if s.id == producer)
        if into and producer != rec and kind != "store":  # a store's reads leave no event
            status: FlowStatus = "confirmed" if producer in seen else "not_seen"
            events = seen[producer][0] if producer in seen else None
            if producer in seen:
                covered.add(producer)
        else:
            status, events = "not_checkable", None
        flows.append(
            DfdFlow(
                source=f.source,
                target=f.target,
                status=status,
                data=f.data,
                protocol=f.protocol,
                frequency=f.frequency,
                two_way=f.two_way,
                events=events,
            )
        )
    for sid, (n, acts) in seen.items():
        if sid == rec or sid in covered:
            continue
        flows.append(DfdFlow(source=sid, target=rec, status="undocumented", data=tuple(acts[:5]), events=n))
    return Dfd(
        recorded_in=rec,
        systems=inv.systems + tuple(unknown),
        flows=tuple(flows),
        observed=tuple(observed),
        attribute=used_attr,
        unattributed_events=unattributed,
        unknown_systems=tuple(u.name for u in unknown),
    )


# ---------------------------------------------------------------------------- drawing


def dfd_dot(dfd: Dfd, *, lang: str = "en") -> str:
    """Graphviz DOT source of the DFD (external entities as boxes, processes as rounded boxes,
    data stores as cylinders; flows coloured by status; every label escaped)."""
    ids = {s.id: f"s{i}" for i, s in enumerate(dfd.systems)}
    lines = [
        "digraph dfd {",
        "  graph [rankdir=LR, fontname=Helvetica, fontsize=11, nodesep=0.6, ranksep=1.2,",
        f"         label={dot_string(text(MSG, 'title', lang))}, labelloc=t];",
        "  node [fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Helvetica, fontsize=9];",
    ]
    for s in dfd.systems:
        shape = {
            "external": 'shape=box, style="filled", fillcolor="#eef2f7"',
            "process": 'shape=box, style="rounded,filled", fillcolor="#dbe8f5"',
            "store": 'shape=cylinder, style="filled", fillcolor="#f5f0db"',
        }[s.kind]
        if not s.known:
            shape = 'shape=box, style="dashed,filled", fillcolor="#fde7ea", color="#b00020"'
        sub = s.owner if s.known else text(MSG, "unknown", lang)
        label = f"<b>{html_text(s.name)}</b>" + (f'<br/><font point-size="8">{html_text(sub)}</font>' if sub else "")
        lines.append(f"  {ids[s.id]} [{shape}, label=<{label}>];")
    for f in dfd.flows:
        parts = [", ".join(f.data)] if f.data else []
        parts += [x for x in (f.protocol, f.frequency) if x]
        if f.events is not None:
            parts.append(text(MSG, "events", lang, n=f"{f.events:,}"))
        label = "\n".join(p for p in parts if p)
        both = ", dir=both" if f.two_way else ""
        lines.append(f"  {ids[f.source]} -> {ids[f.target]} [{_STYLE[f.status]}{both}, label={dot_string(label)}];")
    lines.append("  subgraph cluster_legend { label=" + dot_string(text(MSG, "legend", lang)) + '; fontsize=9; color="#cccccc";')
    lines.append("    node [shape=point, width=0.05]; ")
    for i, status in enumerate(("confirmed", "undocumented", "not_seen", "not_checkable")):
        lines.append(f"    l{i}a -> l{i}b [{_STYLE[status]}, label={dot_string(text(MSG, status, lang))}];")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines)


def render_dfd_svg(dfd: Dfd, *, lang: str = "en") -> str:
    """The DFD as SVG (Graphviz)."""
    return render_dot_svg(dfd_dot(dfd, lang=lang), lang=lang)


def write_dfd(dfd: Dfd, out_dir: str | Path, *, lang: str = "en") -> dict[str, Path]:
    """Write ``dfd.svg`` and ``dfd.json`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"svg": out / "dfd.svg", "json": out / "dfd.json"}
    paths["svg"].write_text(render_dfd_svg(dfd, lang=lang), encoding="utf-8")
    paths["json"].write_text(dfd.to_json(), encoding="utf-8")
    return paths


__all__ = [
    "SYSTEM_ATTRIBUTES",
    "Dfd",
    "DfdFlow",
    "Flow",
    "Inventory",
    "ObservedSource",
    "System",
    "dfd_dot",
    "discover_dfd",
    "load_inventory",
    "observe_sources",
    "parse_inventory",
    "render_dfd_svg",
    "write_dfd",
]
