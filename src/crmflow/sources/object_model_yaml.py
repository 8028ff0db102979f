"""The object model as written in YAML: its object types, event columns and references, read and checked.

:class:`ObjectModel` holds one :class:`ObjectSpec` per object type (its table, id column,
attributes, :class:`EventSpec` event columns and :class:`ReferenceSpec` reference columns), the
zone of naive times and the optional ``journey:`` section, as :func:`parse_object_model` reads
them from the parsed YAML document (:func:`load_object_model` from a file, with the safe loader);
a malformed document raises :class:`~crmflow.errors.ObjectModelError` naming the key. The format
is described in :mod:`crmflow.sources.object_model`, which builds the object-centric log from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmflow.errors import ObjectModelError
from crmflow.i18n import error
from crmflow.sources.error_messages import ERRORS
from crmflow.yamlfile import read_yaml


@dataclass(frozen=True)
class EventSpec:
    """A timestamp column that becomes an event of the row's object."""

    column: str
    activity: str
    resource: str | None = None
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferenceSpec:
    """A column holding the id of another object (→ O2O, and E2O for the row's events)."""

    column: str
    object_type: str
    qualifier: str
    #: For a type without a table: prefix of its ids (keeps them apart from other types' ids).
    id_prefix: str = ""


@dataclass(frozen=True)
class ObjectSpec:
    """One object type: the table it comes from, its id column and what its columns mean."""

    object_type: str
    table: str
    id_column: str
    id_prefix: str = ""
    attributes: tuple[str, ...] = ()
    events: tuple[EventSpec, ...] = ()
    references: tuple[ReferenceSpec, ...] = ()


@dataclass(frozen=True)
class ObjectModel:
    """The object model of a set of CRM tables."""

    objects: tuple[ObjectSpec, ...]
    timezone: str | None = None
    base_dir: Path | None = None
    #: The optional ``journey:`` section (stages of the customer journey), as written.
    journey: dict[str, Any] | None = None

    def spec(self, object_type: str) -> ObjectSpec | None:
        return next((o for o in self.objects if o.object_type == object_type), None)


def _strs(value: Any, where: str, label: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error(ObjectModelError, ERRORS, "object_model.must_column_name_list", label=label, where=where)
    return tuple(value)


def _need(d: Mapping[str, Any], key: str, where: str, label: str, example: str) -> str:
    v = d.get(key)
    if not isinstance(v, str) or not v.strip():
        raise error(
            ObjectModelError,
            ERRORS,
            "object_model.has_no_expected_e",
            label=label,
            where=where,
            key=key,
            example=example,
        )
    return v


def parse_object_model(doc: Any, *, label: str = "object model", base_dir: Path | None = None) -> ObjectModel:
    """An :class:`ObjectModel` from the parsed YAML document (errors name the key)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("objects"), dict) or not doc["objects"]:
        raise error(ObjectModelError, ERRORS, "object_model.expected_mapping_objects_one", label=label)
    unknown = set(doc) - {"objects", "timezone", "journey"}
    if unknown:
        raise error(ObjectModelError, ERRORS, "object_model.unknown_top_level_key", label=label, value=", ".join(sorted(unknown)))
    specs = []
    for otype, body in doc["objects"].items():
        where = f"objects.{otype}"
        if not isinstance(body, dict):
            raise error(ObjectModelError, ERRORS, "object_model.must_mapping_table_id", label=label, where=where)
        bad = set(body) - {"table", "id", "id_prefix", "attributes", "events", "references"}
        if bad:
            raise error(
                ObjectModelError,
                ERRORS,
                "object_model.has_unknown_key_s",
                label=label,
                where=where,
                value=", ".join(sorted(bad)),
            )
        events = []
        for i, e in enumerate(body.get("events") or []):
            w = f"{where}.events[{i}]"
            if not isinstance(e, dict):
                raise error(ObjectModelError, ERRORS, "object_model.must_mapping_such", label=label, w=w)
            events.append(
                EventSpec(
                    column=_need(e, "column", w, label, "created_at"),
                    activity=_need(e, "activity", w, label, "Create deal"),
                    resource=e.get("resource"),
                    attributes=_strs(e.get("attributes"), f"{w}.attributes", label),
                )
            )
        refs = []
        for i, r in enumerate(body.get("references") or []):
            w = f"{where}.references[{i}]"
            if not isinstance(r, dict):
                raise error(ObjectModelError, ERRORS, "object_model.must_mapping_such_2", label=label, w=w)
            target = _need(r, "type", w, label, "lead")
            refs.append(
                ReferenceSpec(
                    column=_need(r, "column", w, label, "lead_id"),
                    object_type=target,
                    qualifier=str(r.get("qualifier") or target),
                    id_prefix=str(r.get("id_prefix") or ""),
                )
            )
        specs.append(
            ObjectSpec(
                object_type=str(otype),
                table=_need(body, "table", where, label, "deals.csv"),
                id_column=_need(body, "id", where, label, "deal_id"),
                id_prefix=str(body.get("id_prefix") or ""),
                attributes=_strs(body.get("attributes"), f"{where}.attributes", label),
                events=tuple(events),
                references=tuple(refs),
            )
        )
    tz = doc.get("timezone")
    if tz is not None and not isinstance(tz, str):
        raise error(ObjectModelError, ERRORS, "object_model.timezone_must_zone_name", label=label)
    journey = doc.get("journey")
    if journey is not None and not isinstance(journey, dict):
        raise error(ObjectModelError, ERRORS, "object_model.journey_must_mapping_anchor", label=label)
    return ObjectModel(objects=tuple(specs), timezone=tz, base_dir=base_dir, journey=journey)


def load_object_model(path: str | Path) -> ObjectModel:
    """Read an object-model YAML file (safe loader)."""
    p = Path(path)
    doc = read_yaml(p, what="object model", error=ObjectModelError)
    return parse_object_model(doc, label=p.name, base_dir=p.parent)


__all__ = ["EventSpec", "ObjectModel", "ObjectSpec", "ReferenceSpec", "load_object_model", "parse_object_model"]
