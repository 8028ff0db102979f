"""The engine's own event log, into the crmflow store: what ran is audited like any CRM log.

Each activity the engine starts or completes is a row of the ``events`` table (instance, business
key, activity name, lifecycle ``start``/``complete``, resource = the person, role = the lane, time).
:func:`export_event_log` writes it as a crmflow log into a project store (``crmflow audit
PROJECT.duckdb`` and ``crmflow check`` then run on it unchanged): case = the business key (lead or
deal id; the instance id when one key has several instances), by default one event per completed
activity, the way CRM stage histories look; ``lifecycle="both"`` keeps the starts as well.

>>> import tempfile, os
>>> from crmflow.engine.store import open_store
>>> rows = event_rows(open_store(os.path.join(tempfile.mkdtemp(), "e.sqlite")))
>>> rows.num_rows, rows.column_names[:3]
(0, ['case_id', 'activity', 'timestamp'])
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyarrow as pa
import pyarrow.csv as pacsv

from crmflow.engine.store import EngineStore

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.sources.project import ImportResult

Lifecycle = Literal["complete", "both"]
COLUMNS = ("case_id", "activity", "timestamp", "resource", "role", "lifecycle", "instance_id", "process_id", "business_key")


def event_rows(
    store: EngineStore, *, lifecycle: Lifecycle = "complete", process_id: str | None = None, completed_only: bool = False
) -> pa.Table:
    """The engine's log as an Arrow table in crmflow's canonical columns, in the order it was written.

    ``completed_only`` keeps the instances that reached their end (a conformance check of whole cases).
    """
    where = ["1 = 1"]
    params: list[str] = []
    if completed_only:
        where.append("e.instance_id IN (SELECT id FROM instances WHERE status = 'completed')")
    if lifecycle == "complete":
        where.append("e.lifecycle = 'complete'")
    if process_id is not None:
        where.append("e.process_id = ?")
        params.append(process_id)
    sql = (
        "SELECT e.instance_id, e.process_id, e.business_key, e.activity, e.lifecycle, e.resource, e.role, e.ts, "
        "(SELECT COUNT(DISTINCT i.id) FROM instances i WHERE i.business_key = e.business_key) "
        f"FROM events e WHERE {' AND '.join(where)} ORDER BY e.id"
    )
    with store.tx():
        rows = store.q(sql, params)
    case = [str(r[2]) if int(r[8]) <= 1 else f"{r[2]}/{r[0]}" for r in rows]
    return pa.table(
        {
            "case_id": pa.array(case, pa.string()),
            "activity": pa.array([str(r[3]) for r in rows], pa.string()),
            "timestamp": pa.array([round(float(r[7]) * 1_000_000) for r in rows], pa.int64()).cast(pa.timestamp("us", "UTC")),
            "resource": pa.array([r[5] for r in rows], pa.string()),
            "role": pa.array([r[6] for r in rows], pa.string()),
            "lifecycle": pa.array([str(r[4]) for r in rows], pa.string()),
            "instance_id": pa.array([str(r[0]) for r in rows], pa.string()),
            "process_id": pa.array([str(r[1]) for r in rows], pa.string()),
            "business_key": pa.array([str(r[2]) for r in rows], pa.string()),
        }
    )


def write_event_csv(store: EngineStore, path: str | Path, *, lifecycle: Lifecycle = "complete") -> Path:
    """The engine's log as a UTF-8 CSV with ISO 8601 UTC timestamps (``crmflow audit log.csv`` reads it)."""
    table = event_rows(store, lifecycle=lifecycle)
    out = Path(path)
    stamps = pa.array([t.isoformat() if t is not None else None for t in table.column("timestamp").to_pylist()], pa.string())
    pacsv.write_csv(table.set_column(2, "timestamp", stamps), out)
    return out


def export_event_log(
    store: EngineStore, project: str | Path, *, log_name: str = "log", lifecycle: Lifecycle = "complete"
) -> ImportResult:
    """Import the engine's log into a crmflow project store (replacing an earlier import of ``log_name``)."""
    from crmflow.ingest.columns import ColumnMapping
    from crmflow.sources.project import import_sources

    mapping = ColumnMapping(
        case_id="case_id", activity="activity", timestamp="timestamp", resource="resource", role="role", lifecycle="lifecycle"
    )
    with tempfile.TemporaryDirectory(prefix="crmflow-engine-") as tmp:
        csv = write_event_csv(store, Path(tmp) / "engine_log.csv", lifecycle=lifecycle)
        return import_sources([csv], into=project, log_name=log_name, mapping=mapping, timezone="UTC")


__all__ = ["COLUMNS", "event_rows", "export_event_log", "write_event_csv"]
