"""The canonical event-log schema: one column map, validated once at ingestion.

Every reader turns its input into *staged* rows with the canonical columns below (plus any
attributes); the store then materialises them. XES attribute names are the defaults of the
column map, so an XES file or a pm4py-formatted frame needs no mapping at all.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

#: Canonical columns of a staged/materialised log, in order.
CASE_ID = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "ts"
RESOURCE = "resource"
ROLE = "role"
LIFECYCLE = "lifecycle"
ROW_NO = "row_no"

CanonicalField = Literal["case_id", "activity", "timestamp", "resource", "role", "lifecycle"]

#: SQL type of each canonical staged column.
STAGED_COLUMNS: dict[str, str] = {
    ROW_NO: "BIGINT",
    CASE_ID: "VARCHAR",
    ACTIVITY: "VARCHAR",
    TIMESTAMP: "TIMESTAMPTZ",
    RESOURCE: "VARCHAR",
    ROLE: "VARCHAR",
    LIFECYCLE: "VARCHAR",
}

#: Columns the store derives when it materialises a log (never supplied by readers).
DERIVED_COLUMNS: tuple[str, ...] = (
    "pos",
    "is_last",
    "next_activity",
    "next_act",
    "next_resource",
    "next_role",
    "wait_s",
    "cid",
    "act",
    "res",
    "next_res",
)

#: XES / pm4py name of each canonical column (used for exports and as mapping defaults).
XES_NAMES: dict[str, str] = {
    CASE_ID: "case:concept:name",
    ACTIVITY: "concept:name",
    TIMESTAMP: "time:timestamp",
    RESOURCE: "org:resource",
    ROLE: "org:role",
    LIFECYCLE: "lifecycle:transition",
}

#: Quarantine table: every input row that did not become an event, with its reason.
QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    log_name    VARCHAR,
    source      VARCHAR,
    row_no      BIGINT,     -- 1-based data row (record) number in the source
    line        BIGINT,     -- 1-based physical line where known (CSV), else NULL
    column_name VARCHAR,
    value       VARCHAR,
    reason      VARCHAR,    -- what was wrong and what was expected
    raw         VARCHAR,    -- the raw row where available
    kind        VARCHAR     -- machine-readable problem, e.g. bad_timestamp, csv_too_many_columns
)
"""

#: One row per source read into a log: the accounting behind `parsed + quarantined = rows read`.
INGESTIONS_DDL = """
CREATE TABLE IF NOT EXISTS ingestions (
    log_name    VARCHAR,
    source      VARCHAR,
    format      VARCHAR,
    rows_read   BIGINT,
    parsed      BIGINT,
    quarantined BIGINT,
    mapping     JSON
)
"""


@dataclass(frozen=True)
class EventLogSchema:
    """Which source column holds each canonical field.

    ``None`` means the field is absent. Defaults are the XES names, so XES and pm4py frames map
    themselves.

    >>> EventLogSchema().case_id
    'case:concept:name'
    >>> EventLogSchema(case_id="ID сделки").as_dict()["case_id"]
    'ID сделки'
    """

    case_id: str | None = "case:concept:name"
    activity: str | None = "concept:name"
    timestamp: str | None = "time:timestamp"
    resource: str | None = "org:resource"
    role: str | None = "org:role"
    lifecycle: str | None = "lifecycle:transition"

    def as_dict(self) -> dict[str, str | None]:
        """The map as ``{field: source column or None}``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def required(self) -> tuple[str, str, str]:
        """The fields every log must have."""
        return ("case_id", "activity", "timestamp")
