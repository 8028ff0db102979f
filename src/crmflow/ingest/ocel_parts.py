"""An OCEL 2.0 log as long Arrow tables, independent of the file layout (JSON or SQLite)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class OcelParts:
    """An OCEL 2.0 log as four long tables, independent of the file layout."""

    events: pa.Table  # ord, eid, etype, time (text)
    attributes: pa.Table  # ord, name, value (text)
    relations: pa.Table  # ord, rel_ord, oid, qualifier
    objects: pa.Table  # oid, otype
    attribute_types: dict[str, set[str]] = field(default_factory=dict)  # name -> OCEL types
    #: Object attribute values with their validity time (OCEL 2.0 ``object_changes``): oid, name, value, time.
    object_values: pa.Table = field(default_factory=lambda: _empty(("oid", "name", "value", "time")))
    #: Object-to-object relations: source, target, qualifier.
    o2o: pa.Table = field(default_factory=lambda: _empty(("source", "target", "qualifier")))
    #: Declared attributes per event type and per object type: type -> [(name, OCEL type)].
    event_types: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    object_types: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _empty(names: tuple[str, ...]) -> pa.Table:
    return pa.table({n: pa.array([], pa.string()) for n in names})


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value == 0.0:
        return "0.0"  # -0.0 is 0.0; SQLite cannot even store the sign, so JSON and SQLite agree
    return str(value)


def _table(columns: dict[str, tuple[list[Any], pa.DataType]]) -> pa.Table:
    return pa.table({k: pa.array(v, t) for k, (v, t) in columns.items()})
