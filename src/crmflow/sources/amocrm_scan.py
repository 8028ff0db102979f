"""amoCRM ``/api/v4/events`` pages read in the engine (see :mod:`crmflow.sources.json_scan`).

The same mapping as :func:`crmflow.sources.amocrm.read_events`, with the records flattened and
checked by DuckDB: a record whose keys are plain (``type``, ``entity_id``, ``entity_type`` as text
or whole numbers, ``created_at`` as whole Unix seconds, ``value_after``/``value_before`` either
without a ``lead_status`` or with one in their first element) is mapped in SQL; any other record goes
through :func:`crmflow.sources.amocrm.checked_event`, so its quarantine reason is the Python path's.
Names (stages per pipeline, users, event types) are looked up in Python for the few distinct ids and
joined back. A ``lead_added`` without a status takes the ``value_before`` of its lead's earliest
status change (ties: the first in the file), as in the Python path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from crmflow.ingest.raw import RawTable
from crmflow.sources.json_scan import Fields, finish_events, flatten, leftover_records, scan_records
from crmflow.sources.records import checked_leftovers
from crmflow.sources.rows import EventRows, text_or_none

if TYPE_CHECKING:
    from crmflow.sources.amocrm import AmoNames
    from crmflow.store.store import EventStore

_PAGE_KEYS = ("result", "_embedded", "_page", "total", "next")
_AFTER, _BEFORE = "$.value_after[0].lead_status", "$.value_before[0].lead_status"
_KEYS = (
    "type", "entity_id", "entity_type", "created_at", "created_by", "id", "value_after", "value_before",
    _AFTER, f"{_AFTER}.id", f"{_AFTER}.pipeline_id", _BEFORE, f"{_BEFORE}.id", f"{_BEFORE}.pipeline_id",
)  # fmt: skip
_INT = "('BIGINT', 'UBIGINT')"


def _status_sql(f: Fields, key: str, status: str) -> tuple[str, str, str]:
    """(plain, pipeline id, status id) SQL for ``value_after``/``value_before`` (see ``amocrm._status_of``)."""
    t, v = f._tv(key)
    ts, _ = f._tv(status)
    tid, vid = f._tv(f"{status}.id")
    tpl, vpl = f._tv(f"{status}.pipeline_id")
    none = f"({t} IS NULL OR {t} <> 'ARRAY' OR NOT contains({v}, 'lead_status'))"
    some = f"({ts} = 'OBJECT' AND {tid} IN {_INT} AND ({tpl} IS NULL OR {tpl} = 'NULL' OR {tpl} IN {_INT}))"
    pipeline = f"CASE WHEN {some} AND {tpl} IN {_INT} THEN TRY_CAST({vpl} AS BIGINT) END"
    status_id = f"CASE WHEN {some} THEN TRY_CAST({vid} AS BIGINT) END"
    return f"({none} OR {some})", pipeline, status_id


def read_events_in_engine(store: EventStore, path: str | Path, rows: EventRows, names: AmoNames) -> RawTable | None:
    """The events file as a raw table, or None when DuckDB cannot read it (the caller uses Python)."""
    from crmflow.sources.amocrm import _EXPECT_EVENT, checked_event, entity_case

    lang = store.settings.lang
    scan = scan_records(store, path, record_paths=("$._embedded.events",), page_keys=_PAGE_KEYS)
    if scan is None:
        return None
    f = Fields(_KEYS)
    after_ok, pid, sid = _status_sql(f, "value_after", _AFTER)
    before_ok, bpid, bsid = _status_sql(f, "value_before", _BEFORE)
    etype, eid, etyp, ts = f.text("type"), f.text("entity_id"), f.text("entity_type"), f.unix_time("created_at")
    cby_v, cby_ok = f.optional("created_by")
    rid_v, rid_ok = f.optional("id")
    plain = " AND ".join([
        "rtype = 'OBJECT'", f"{etype} IS NOT NULL", f"{eid} IS NOT NULL", f"{etyp} IS NOT NULL", f"{ts} IS NOT NULL",
        after_ok, before_ok, cby_ok, rid_ok, f"({etype} <> 'lead_status_changed' OR ({sid}) IS NOT NULL)",
    ])  # fmt: skip
    flat = flatten(store, scan, f, plain=plain, columns={
        "etype": etype, "eid": eid, "etyp": etyp, "ts": ts, "t": f"TRY_CAST({f._tv('created_at')[1]} AS BIGINT)",
        "pid": pid, "sid": sid, "bpid": bpid, "bsid": bsid, "cby": cby_v, "rid": rid_v,
    })  # fmt: skip
    # the few distinct users and entity types named in Python
    users = [r["cby"] for r in store.rows(f"SELECT DISTINCT cby FROM {flat} WHERE plain")]
    etyps = [r["etyp"] for r in store.rows(f"SELECT DISTINCT etyp FROM {flat} WHERE plain")]
    maps = {
        "amo_users": pa.table({"cby": pa.array(users, pa.string()),
                               "resource": pa.array([names.user_name(u) for u in users], pa.string())}),
        "amo_etyps": pa.table({"etyp": pa.array(etyps, pa.string()),
                               "entity": pa.array([entity_case(e, "")[0] for e in etyps], pa.string())}),
    }  # fmt: skip
    tables = {k: store.new_name(k) for k in maps}
    for k, tbl in maps.items():
        store.temp_table_from_arrow(tables[k], tbl)
    # records the engine does not take: the Python check, same reasons
    side: dict[str, list[Any]] = {c: [] for c in ("row_no", "line", "etype", "entity", "case_id", "ts", "t", "pid", "sid",
                                                  "bpid", "bsid", "resource", "rid")}  # fmt: skip
    leftovers = leftover_records(store, scan, flat, source=rows.source, lang=lang)
    for row_no, page, rec, chk in checked_leftovers(rows, leftovers, source=rows.source, expected=_EXPECT_EVENT, lang=lang):
        ev = checked_event(chk, rec, page.line, lang)
        if ev is None:
            continue
        for c, v in (("row_no", row_no), ("line", page.line), ("etype", ev["type"]), ("entity", ev["entity"]),
                     ("case_id", ev["case"]), ("ts", ev["ts"]), ("t", ev["t"]), ("pid", ev["pipeline_id"]),
                     ("sid", ev["status_id"]), ("bpid", ev["before"][0]), ("bsid", ev["before"][1]),
                     ("resource", names.user_name(rec.get("created_by"))), ("rid", text_or_none(rec.get("id")))):  # fmt: skip
            side[c].append(v)
    ints = {"row_no", "line", "t", "pid", "sid", "bpid", "bsid"}
    side_name = store.new_name("amo_side")
    store.temp_table_from_arrow(
        side_name, pa.table({c: pa.array(v, pa.int64() if c in ints else pa.string()) for c, v in side.items()})
    )
    good = store.new_name("amo_good")
    t_users, t_etyps = tables["amo_users"], tables["amo_etyps"]
    store.sql(
        f"CREATE TEMP TABLE {good} AS SELECT g.row_no, g.line, g.etype, e.entity, "
        f"CASE WHEN e.entity = 'lead' THEN g.eid ELSE e.entity || ':' || g.eid END AS case_id, g.ts, "
        f"CASE WHEN g.etype = 'lead_status_changed' THEN g.t ELSE 0 END AS t, g.pid, g.sid, "
        f"CASE WHEN g.etype = 'lead_status_changed' THEN g.bpid END AS bpid, "
        f"CASE WHEN g.etype = 'lead_status_changed' THEN g.bsid END AS bsid, u.resource, g.rid "
        f"FROM {flat} g JOIN {t_etyps} e ON e.etyp = g.etyp LEFT JOIN {t_users} u ON u.cby IS NOT DISTINCT FROM g.cby "
        f"WHERE g.plain UNION ALL SELECT * FROM {side_name}"
    )
    # a lead_added without a status: the status before its lead's earliest change
    resolved = store.new_name("amo_resolved")
    store.sql(
        f"CREATE TEMP TABLE {resolved} AS WITH first AS (SELECT case_id, arg_min(bpid, (t, row_no)) AS fp, "
        f"arg_min(bsid, (t, row_no)) AS fs FROM {good} WHERE etype = 'lead_status_changed' GROUP BY case_id) "
        f"SELECT g.*, CASE WHEN g.etype = 'lead_added' AND g.sid IS NULL AND f.case_id IS NOT NULL THEN f.fp ELSE g.pid END "
        f"AS rpid, CASE WHEN g.etype = 'lead_added' AND g.sid IS NULL AND f.case_id IS NOT NULL THEN f.fs ELSE g.sid END "
        f"AS rsid FROM {good} g LEFT JOIN first f USING (case_id)"
    )
    combos = store.rows(f"SELECT DISTINCT etype, rpid, rsid FROM {resolved}")
    from crmflow.sources.amocrm import event_activity, semantic

    acts = pa.table({
        "etype": pa.array([c["etype"] for c in combos], pa.string()),
        "rpid": pa.array([c["rpid"] for c in combos], pa.int64()),
        "rsid": pa.array([c["rsid"] for c in combos], pa.int64()),
        "activity": pa.array([event_activity(names, c["etype"], c["rpid"], c["rsid"], lang) for c in combos], pa.string()),
        "pipeline": pa.array([names.pipeline_name(c["rpid"]) for c in combos], pa.string()),
        "semantic": pa.array([semantic(c["rsid"]) if c["rsid"] is not None else None for c in combos], pa.string()),
    })  # fmt: skip
    t_acts = store.new_name("amo_acts")
    store.temp_table_from_arrow(t_acts, acts)
    select = (
        f'SELECT r.row_no, r.line, r.case_id AS "case:concept:name", a.activity AS "concept:name", '
        f'r.ts AS "time:timestamp", r.resource AS "org:resource", r.entity, r.etype AS event_type, a.pipeline, '
        f"CAST(r.rsid AS VARCHAR) AS status_id, a.semantic AS stage_semantic, r.rid AS record_id FROM {resolved} r "
        f"JOIN {t_acts} a ON a.etype = r.etype AND a.rpid IS NOT DISTINCT FROM r.rpid AND a.rsid IS NOT DISTINCT FROM r.rsid"
    )
    table, quarantined = finish_events(store, scan, select=select, leftovers=rows)
    for t in (flat, side_name, good, resolved, t_acts, *tables.values()):
        store.sql(f"DROP TABLE {t}")
    return RawTable(
        table=table, source=rows.source, format="amocrm-events", rows_read=scan.records, quarantined=quarantined,
        info={"pages": scan.pages, "engine": "duckdb", "canonical": True, "events": scan.records - quarantined,
              "rejected_records": quarantined, "checked_in_python": len(side["row_no"]) + quarantined},
    )  # fmt: skip
