"""Event logs as a Parquet dataset: the hand-over to a cluster, readable by DuckDB and by Spark.

Layout of a dataset folder (written by :func:`write_event_dataset`, ``crmflow import … --parquet DIR``,
or by the client's own pipeline)::

    DIR/events/bucket=<k>/*.parquet   the events: case_id, activity, ts (required); resource, role,
                                      lifecycle, row_no and any attributes (optional); partitioned by
                                      a hash of the case id, so that a case lives in one partition
    DIR/ingestions.parquet            optional: rows read / parsed / quarantined per source
    DIR/quarantine.parquet            optional: the rows that did not become events, with reasons

``row_no`` is the input order that breaks timestamp ties (as pm4py keeps input order); a pipeline that
has none gets the file order. Without ``ingestions.parquet`` every event counts as a row read and parsed.

:func:`open_event_dataset` materialises the log on the chosen engine -- the same sort-once tables as
any other log -- so the whole audit runs unchanged on DuckDB or Spark.
"""

from __future__ import annotations

from pathlib import Path

from crmflow.errors import InputError, StoreError
from crmflow.i18n import error
from crmflow.settings import Settings
from crmflow.store import queries as q
from crmflow.store.engine import EngineName
from crmflow.store.error_messages import ERRORS
from crmflow.store.schema import STAGED_COLUMNS
from crmflow.store.store import EventLog, EventStore

__all__ = ["DEFAULT_BUCKETS", "open_event_dataset", "write_event_dataset"]

#: Hash buckets of the events folder (case ids spread evenly; a case never spans two buckets).
DEFAULT_BUCKETS = 16
_REQUIRED = ("case_id", "activity", "ts")


def write_event_dataset(log: EventLog, out_dir: str | Path, *, buckets: int = DEFAULT_BUCKETS) -> Path:
    """Write ``log`` (its events in canonical columns, its ingestions and quarantine) as a dataset folder."""
    if log.store.engine.name != "duckdb":
        raise error(StoreError, ERRORS, "dataset.write_event_dataset_runs")
    out = Path(out_dir)
    events = out / "events"
    if events.exists() and any(events.iterdir()):
        raise error(InputError, ERRORS, "dataset.not_empty_choose_new", events=events)
    out.mkdir(parents=True, exist_ok=True)
    cols = ", ".join(q.ident(c) for c in list(STAGED_COLUMNS) + log.attributes)
    n = max(1, int(buckets))
    path = str(events).replace("'", "''")
    log.store.sql(
        f"COPY (SELECT {cols}, (hash(case_id) % {n})::INTEGER AS bucket FROM {log.events_table}) "
        f"TO '{path}' (FORMAT parquet, PARTITION_BY (bucket), OVERWRITE_OR_IGNORE)"
    )
    for table, name in (("ingestions", "ingestions.parquet"), ("quarantine", "quarantine.parquet")):
        target = str(out / name).replace("'", "''")
        log.store.sql(
            f"COPY (SELECT * EXCLUDE (log_name) FROM {table} WHERE log_name = ?) TO '{target}' (FORMAT parquet)",
            [log.origin],
        )
    return out


def open_event_dataset(
    path: str | Path,
    *,
    engine: EngineName = "duckdb",
    spark_master: str = "local[*]",
    log_name: str = "log",
    settings: Settings | None = None,
    store: EventStore | None = None,
) -> EventLog:
    """Materialise the dataset at ``path`` as log ``log_name`` on DuckDB or Spark.

    ``path`` is a dataset folder (with ``events/``), a folder of Parquet files, or one Parquet file.
    """
    root = Path(path)
    if not root.exists():
        raise error(InputError, ERRORS, "dataset.no_such_file_folder", root=root)
    events = root / "events" if (root / "events").is_dir() else root
    if events.is_dir() and next(events.rglob("*.parquet"), None) is None:  # else DuckDB's IOException, a traceback
        raise error(InputError, ERRORS, "dataset.no_parquet_files", root=root)
    if store is None:
        if engine == "spark":
            from crmflow.store.spark_engine import SparkEngine

            store = EventStore(settings=settings, engine=SparkEngine.start(spark_master))
        else:
            store = EventStore(settings=settings)
    store.forget_bookkeeping(log_name)  # opening a dataset as a log that exists replaces it, rows read included
    stage = store.new_name("pq")
    raw = store.new_name("pqraw")
    _register_parquet(store, raw, events)
    have = store.engine.columns_of(raw)
    missing = [c for c in _REQUIRED if c not in have]
    if missing:
        raise error(
            InputError,
            ERRORS,
            "dataset.parquet_events_have_no",
            events=events,
            value=", ".join(missing),
            value2=", ".join(have),
        )
    cols: list[str] = []
    for c, sql_type in STAGED_COLUMNS.items():
        if c == "row_no":
            continue
        cols.append(
            f"CAST({q.ident(c)} AS {sql_type}) AS {q.ident(c)}" if c in have else f"CAST(NULL AS {sql_type}) AS {q.ident(c)}"
        )
    attrs = [c for c in have if c not in STAGED_COLUMNS and c != "bucket"]
    numbered = store.new_name("pqnum")
    # a pipeline without row numbers gets the file order, numbered once (a table); with them, a view will do
    row_no, kind = ("row_no", "VIEW") if "row_no" in have else ("row_number() OVER ()", "TABLE")
    store.sql(
        f"CREATE TEMP {kind} {numbered} AS SELECT CAST({row_no} AS BIGINT) AS row_no, {', '.join(cols)}"
        + "".join(f", {q.ident(a)}" for a in attrs)
        + f" FROM {raw}"
    )
    complete = "case_id IS NOT NULL AND activity IS NOT NULL AND ts IS NOT NULL"
    store.sql(f"CREATE TEMP TABLE {stage} AS SELECT * FROM {numbered} WHERE {complete}")
    _bookkeeping(store, root, numbered, log_name=log_name, complete=complete)
    store.sql(f"DROP {kind} {numbered}")
    store.engine.unregister(raw)
    log = store.materialize([stage], log_name=log_name)
    store.sql(f"DROP TABLE {stage}")
    return log


def _register_parquet(store: EventStore, name: str, path: Path) -> None:
    if store.engine.name == "spark":
        store.engine.read_parquet(name, path)  # type: ignore[attr-defined]
        return
    glob = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
    text = glob.replace("'", "''")
    store.sql(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet('{text}', hive_partitioning = true, union_by_name = true)")


def _bookkeeping(store: EventStore, root: Path, events: str, *, log_name: str, complete: str) -> None:
    """The dataset's ingestion and quarantine records; for a pipeline's bare events, the accounting is made here.

    Rows of a bare events folder without case id, activity or timestamp are quarantined with the reason.
    """
    ing, qua = root / "ingestions.parquet", root / "quarantine.parquet"
    if qua.exists():
        view = store.new_name("pqqua")
        _register_parquet(store, view, qua)
        store.quarantine_rows({**r, "log_name": log_name} for r in store.rows(f"SELECT * FROM {view}"))
        store.engine.unregister(view)
    if ing.exists():
        view = store.new_name("pqing")
        _register_parquet(store, view, ing)
        for r in store.rows(f"SELECT source, format, rows_read, parsed, quarantined FROM {view}"):
            store.record_ingestion(log_name=log_name, **r)
        store.engine.unregister(view)
        return
    source = str(root)
    store.sql(
        "INSERT INTO quarantine SELECT ? AS log_name, ? AS source, row_no, CAST(NULL AS BIGINT) AS line, "
        "CASE WHEN case_id IS NULL THEN 'case_id' WHEN activity IS NULL THEN 'activity' ELSE 'ts' END AS column_name, "
        "CAST(NULL AS VARCHAR) AS value, "
        "CASE WHEN case_id IS NULL THEN 'empty case id' WHEN activity IS NULL THEN 'empty activity' "
        "ELSE 'empty timestamp' END || ' (a Parquet event needs case_id, activity and ts)' AS reason, "
        "CAST(NULL AS VARCHAR) AS raw, "
        "CASE WHEN case_id IS NULL THEN 'missing_case_id' WHEN activity IS NULL THEN 'missing_activity' "
        "ELSE 'missing_timestamp' END AS kind "
        f"FROM {events} WHERE NOT ({complete})",
        [log_name, source],
    )
    rows = int(store.scalar(f"SELECT count(*) FROM {events}"))
    bad = int(store.scalar("SELECT count(*) FROM quarantine WHERE log_name = ? AND source = ?", [log_name, source]))
    store.record_ingestion(log_name=log_name, source=source, format="parquet", rows_read=rows, parsed=rows - bad, quarantined=bad)
