"""Customer journeys: follow each customer across lead → deal → invoice/payment → tickets.

A *customer* is an object of the anchor type (a contact, a company, or the lead itself). From it
the journey follows object-to-object relations (and, if asked, objects sharing an event) through
the object types of the stages, breadth-first, never stepping into another customer. A stage is
an object type or a set of activities (or both); the stages are ordered, and in an ordered journey
a customer counts at a stage only after reaching every earlier one (those who reach a stage but
miss an earlier one are counted as ``skipped``: usually a data-quality finding).

For each stage the :class:`CustomerJourney` gives the customers reaching it, the conversion from
the previous stage, the drop-offs (count and a sample of ids), the time to reach it (days from the
journey's first event and from the previous stage: median and 90th percentile), the touchpoints
(the customer's events up to the stage) and the channels (an attribute such as ``origin``). All
log-sized work is SQL (:mod:`crmflow.store.object_queries`); this module handles summaries.

This is the data behind the Customer Journey Map deliverable; the fields are stable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.mining.error_messages import ERRORS
from crmflow.sources.object_model import build_object_log, load_object_model
from crmflow.store import object_queries as oq
from crmflow.store.objects import ObjectCentricLog
from crmflow.store.ocel_export import write_ocel_json


@dataclass(frozen=True)
class StageSpec:
    """One stage of a journey: an object type, a set of activities, or both (activities of such objects)."""

    name: str
    object_types: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.object_types and not self.activities:
            raise error(InputError, ERRORS, "journey.journey_stage_give_object", name=self.name)

    @classmethod
    def parse(cls, value: Any, *, where: str = "stages") -> StageSpec:
        """From YAML/JSON: ``{name, object_type | object_types, activity | activities}``."""
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise error(InputError, ERRORS, "journey.stage_mapping_name_object", where=where)

        def strs(*keys: str) -> tuple[str, ...]:
            out: list[str] = []
            for k in keys:
                v = value.get(k)
                if isinstance(v, str):
                    out.append(v)
                elif isinstance(v, list) and all(isinstance(x, str) for x in v):
                    out += v
                elif v is not None:
                    raise error(InputError, ERRORS, "journey.expected_name_list_names", where=where, value=value["name"], k=k)
            return tuple(out)

        return cls(
            name=value["name"], object_types=strs("object_type", "object_types"), activities=strs("activity", "activities")
        )


@dataclass(frozen=True)
class Percentiles(JsonMixin):
    """Median and 90th percentile (linear interpolation) of ``n`` values; None when ``n`` is 0."""

    n: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class ChannelCount(JsonMixin):
    """Customers of one channel (value of the channel attribute; ``""`` when unknown) at a stage."""

    channel: str
    customers: int


@dataclass(frozen=True)
class JourneyStage(JsonMixin):
    """The numbers of one stage of a :class:`CustomerJourney`.

    Attributes
    ----------
    name, object_types, activities
        The stage as defined.
    reached
        Customers who reached the stage (in an ordered journey: after every earlier stage).
    share
        ``reached`` / all customers.
    conversion
        ``reached`` / ``reached`` of the previous stage (the first stage: / all customers); None when
        the previous stage has nobody.
    dropped, dropped_sample
        Customers who reached the previous stage (the first stage: every customer) but not this one,
        and up to ``sample`` of their ids (sorted).
    skipped
        Customers who have this stage but not an earlier one (0 in an unordered journey).
    days_from_start, days_from_previous
        Days from the customer's first event / from reaching the previous stage to reaching this one.
    touchpoints
        The customer's events up to and including reaching this stage.
    channels
        Customers reaching the stage per channel, largest first.
    """

    name: str
    object_types: tuple[str, ...]
    activities: tuple[str, ...]
    reached: int
    share: float | None
    conversion: float | None
    dropped: int
    dropped_sample: tuple[str, ...]
    skipped: int
    days_from_start: Percentiles
    days_from_previous: Percentiles
    touchpoints: Percentiles
    channels: tuple[ChannelCount, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CustomerJourney(JsonMixin):
    """Customer journey of an object-centric log: the stages, in order, with their numbers.

    Attributes
    ----------
    log
        Name of the object-centric log.
    anchor_type
        The object type whose objects are the customers.
    customers
        Number of customers (objects of ``anchor_type``).
    ordered
        Whether a stage counts only after every earlier stage.
    channel_attribute
        The attribute read as the channel (on the customer object, else its first event with it,
        else an object it reaches), or None.
    via_events
        Whether objects sharing an event are linked (besides object-to-object relations).
    max_depth
        How many links the journey follows from the customer.
    stages
        One :class:`JourneyStage` per stage.
    """

    log: str
    anchor_type: str
    customers: int
    ordered: bool
    channel_attribute: str | None
    via_events: bool
    max_depth: int
    stages: tuple[JourneyStage, ...]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def stage(self, name: str) -> JourneyStage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)


def discover_customer_journey(
    ocl: ObjectCentricLog,
    *,
    anchor_type: str,
    stages: Sequence[StageSpec],
    channel_attribute: str | None = None,
    follow: Sequence[str] = (),
    ordered: bool = True,
    via_events: bool = False,
    max_depth: int = 4,
    sample: int = 10,
) -> CustomerJourney:
    """The customer journey of an object-centric log.

    Parameters
    ----------
    ocl
        The object-centric log.
    anchor_type
        Object type of the customers (e.g. ``contact``, ``company`` or ``lead``).
    stages
        The ordered stages.
    channel_attribute
        Attribute holding the channel/touchpoint (e.g. ``origin``, ``channel``).
    follow
        Further object types the journey may pass through (besides the anchor and stage types).
    ordered
        Count a stage only after every earlier stage (a funnel); otherwise each stage on its own.
    via_events
        Also link objects related to the same event.
    max_depth
        Links followed from the customer (1 = direct relations only).
    sample
        How many dropped customer ids to list per stage.

    Returns
    -------
    CustomerJourney
    """
    if not stages:
        raise error(InputError, ERRORS, "journey.customer_journey_needs_least")
    types = ocl.object_types()
    known_acts = ocl.activities()
    if anchor_type not in types:
        raise error(
            InputError,
            ERRORS,
            "journey.no_object_type_customers",
            name=ocl.name,
            anchor_type=anchor_type,
            value=", ".join(types) or "none",
        )
    for st in stages:
        for ot in st.object_types:
            if ot not in types:
                raise error(InputError, ERRORS, "journey.journey_stage_no_object", name=st.name, ot=ot, value=", ".join(types))
        for a in st.activities:
            if a not in known_acts:
                raise error(
                    InputError,
                    ERRORS,
                    "journey.journey_stage_no_activity",
                    name=st.name,
                    a=a,
                    value=", ".join(known_acts),
                )
    if max_depth < 1:
        raise error(InputError, ERRORS, "journey.max_depth_must_least", max_depth=max_depth)
    store, name = ocl.store, ocl.name
    allowed = list(dict.fromkeys([anchor_type, *[t for s in stages for t in s.object_types], *follow]))
    edges, reach, frontier = store.new_name("j_edges"), store.new_name("j_reach"), store.new_name("j_front")
    cev, wide = store.new_name("j_cev"), store.new_name("j_wide")
    temp = [edges, reach, frontier, cev, wide]
    try:
        store.sql(oq.journey_edges(name, edges, via_events=via_events), [allowed, allowed, anchor_type])
        start = oq.journey_start(name, reach, frontier)
        store.sql(start[0], [anchor_type])
        store.sql(start[1])
        for _ in range(max_depth):
            for stmt in oq.journey_step(reach, frontier, edges):
                store.sql(stmt)
            if not store.scalar(f"SELECT count(*) FROM {frontier}"):
                break
        store.sql(oq.journey_events(name, reach, cev))
        times = oq.journey_stage_times(name, reach, cev, stages=[(list(s.object_types), list(s.activities)) for s in stages])
        store.sql(
            oq.journey_wide(name, wide, reach, cev, times, n=len(stages), ordered=ordered, channel=channel_attribute),
            [anchor_type],
        )
        customers = int(store.scalar(f"SELECT count(*) FROM {wide}"))
        out: list[JourneyStage] = []
        for i, st in enumerate(stages):
            r = store.rows(oq.journey_stage_summary(wide, cev, i=i))[0]
            before = customers if i == 0 else out[-1].reached
            dropped = [str(x[0]) for x in store.sql(oq.journey_dropped_sample(wide, i=i, limit=sample)).fetchall()]
            channels = (
                tuple(
                    ChannelCount(channel=str(c), customers=int(n))
                    for c, n in store.sql(oq.journey_channels(wide, i=i)).fetchall()
                )
                if channel_attribute
                else ()
            )
            out.append(
                JourneyStage(
                    name=st.name,
                    object_types=st.object_types,
                    activities=st.activities,
                    reached=int(r["reached"]),
                    share=int(r["reached"]) / customers if customers else None,
                    conversion=int(r["reached"]) / before if before else None,
                    dropped=int(r["dropped"]),
                    dropped_sample=tuple(dropped),
                    skipped=int(r["skipped"]),
                    days_from_start=Percentiles(n=int(r["n_start"]), median=r["med_start"], p90=r["p90_start"]),
                    days_from_previous=Percentiles(n=int(r["n_prev"]), median=r["med_prev"], p90=r["p90_prev"]),
                    touchpoints=Percentiles(n=int(r["n_touch"]), median=r["med_touch"], p90=r["p90_touch"]),
                    channels=channels,
                )
            )
    finally:
        for tname in temp:
            store.sql(f"DROP TABLE IF EXISTS {tname}")
        store.sql(f"DROP TABLE IF EXISTS {frontier}_n")
    return CustomerJourney(
        log=name,
        anchor_type=anchor_type,
        customers=customers,
        ordered=ordered,
        channel_attribute=channel_attribute,
        via_events=via_events,
        max_depth=max_depth,
        stages=tuple(out),
    )


def parse_journey_spec(doc: Any, *, label: str = "journey") -> dict[str, Any]:
    """Keyword arguments of :func:`discover_customer_journey` from a YAML/JSON ``journey:`` mapping::

    journey:
      anchor: mql
      channel: origin
      stages:
        - {name: Lead, object_type: mql}
        - {name: Won, object_type: deal}
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("anchor"), str) or not isinstance(doc.get("stages"), list):
        raise error(InputError, ERRORS, "journey.expected_anchor_object_type", label=label)
    allowed = {"anchor", "stages", "channel", "follow", "ordered", "via_events", "max_depth", "sample"}
    unknown = set(doc) - allowed
    if unknown:
        raise error(
            InputError,
            ERRORS,
            "journey.unknown_key_s_allowed",
            label=label,
            value=", ".join(sorted(unknown)),
            value2=", ".join(sorted(allowed)),
        )
    kwargs: dict[str, Any] = {
        "anchor_type": doc["anchor"],
        "stages": [StageSpec.parse(s, where=f"{label}.stages") for s in doc["stages"]],
        "channel_attribute": doc.get("channel"),
        "follow": tuple(doc.get("follow") or ()),
        "ordered": bool(doc.get("ordered", True)),
        "via_events": bool(doc.get("via_events", False)),
    }
    for key in ("max_depth", "sample"):
        if key in doc:
            if not isinstance(doc[key], int) or isinstance(doc[key], bool):
                raise error(InputError, ERRORS, "journey.expected_whole_number", label=label, key=key)
            kwargs[key] = doc[key]
    return kwargs


@dataclass(frozen=True)
class JourneyRun:
    """What :func:`journey_from_tables` produced and wrote."""

    journey: CustomerJourney
    build: Any  # crmflow.sources.object_model.ObjectLogBuild
    outputs: dict[str, Path]


def journey_from_tables(
    inputs: Sequence[str | Path],
    *,
    model: str | Path,
    out_dir: str | Path,
    store: Any = None,
    progress: Any = None,
) -> JourneyRun:
    """Build the object-centric log from CRM tables and an object model with a ``journey:`` section,
    discover the customer journey and write ``journey.json``, ``objects.json`` (the build: reference
    checks, counts) and the log as OCEL 2.0 (``objects.jsonocel``) into ``out_dir``."""
    m = load_object_model(model)
    if m.journey is None:
        raise error(InputError, ERRORS, "journey.add_journey_section_anchor", name=Path(model).name)
    spec = parse_journey_spec(m.journey, label=f"{Path(model).name}: journey")
    build = build_object_log(m, inputs, store=store, progress=progress)
    if progress:
        progress("following the customers")
    journey = discover_customer_journey(build.log, **spec)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    outputs = {"journey": out / "journey.json", "objects": out / "objects.json", "ocel": out / "objects.jsonocel"}
    outputs["journey"].write_text(journey.to_json(), encoding="utf-8")
    outputs["objects"].write_text(json.dumps(build.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    write_ocel_json(build.log, outputs["ocel"])
    return JourneyRun(journey=journey, build=build, outputs=outputs)


__all__ = [
    "ChannelCount",
    "CustomerJourney",
    "JourneyStage",
    "Percentiles",
    "StageSpec",
    "JourneyRun",
    "discover_customer_journey",
    "journey_from_tables",
    "parse_journey_spec",
]
