"""HubSpot API responses (saved as JSON) and UI deal exports (CSV) as canonical events.

Two shapes are pages of the CRM API as :func:`crmflow.sources.pull.pull` saves them (or lists of
such pages or of records), the third is the UI's CSV export:

deals (``/crm/v3/objects/deals``, ``results[]`` + ``paging.next.after``; legacy ``/deals/v1/deal/paged``)
    One event per stage entry, case = deal ``id``. The stage log is taken, per deal, from the best
    source it carries: ``propertiesWithHistory.dealstage[]`` (every change: ``value``, ``timestamp``,
    ``sourceType``, ``updatedByUserId``), else legacy ``properties.dealstage.versions[]``, else the
    calculated ``hs_v2_date_entered_<stageId>`` (older portals: ``hs_date_entered_<stageId>``)
    properties, which keep only the latest entry into each stage.
engagements (``/crm/v3/objects/{calls,emails,meetings,tasks,notes}`` or legacy v1 engagements)
    One event per activity (``Call``, ``Email``, ``Meeting``, ``Task``, ``Note``) at
    ``hs_timestamp``, case = the first associated deal (else contact), resource = the owner.

deals CSV exported from the UI (``Record ID``, ``Deal owner``, ``Date entered "<Stage> (<Pipeline>)"`` …)
    One event per non-empty ``Date entered`` cell (the latest entry into each stage, as with the
    calculated properties); ``Date exited`` columns are ignored; times are wall-clock times of the
    exporting user, read in the configured time zone.

Names. The ``/crm/v3/pipelines/deals`` and ``/crm/v3/owners`` answers are dictionaries: imported (in
the same call or earlier into the same project store) or lying next to the file as
``pipelines*.json`` / ``owners*.json``, they turn stage, pipeline, owner and user ids into labels.
Without them the ids are used.

Numbering. A deal gives several events, so the unit counted is the *stage entry* (or activity):
``row_no`` numbers them in file order; a deal without any stage information and an entry without a
readable time are quarantined with the deal id and the JSON path, so parsed + quarantined = rows read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from crmflow.errors import SourceError
from crmflow.i18n import text
from crmflow.ingest.csv import register_arrow
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.sources.registry import SourceAdapter, register
from crmflow.store.store import EventStore

_TEXT = {
    "bad_json": {
        "en": "{source}: not a HubSpot API response ({error}); expected an object with `results`",
        "ru": "{source}: не ответ API HubSpot ({error}); ожидается объект с `results`",
    },
    "no_history": {
        "en": "deal {deal}: no stage history; pull deals with propertiesWithHistory=dealstage or the "
        "hs_v2_date_entered_<stage> properties",
        "ru": "сделка {deal}: нет истории стадий; выгружайте сделки с propertiesWithHistory=dealstage или "
        "свойствами hs_v2_date_entered_<стадия>",
    },
    "no_id": {
        "en": "record {index} (`{path}`): no `id`; the record cannot be a case",
        "ru": "запись {index} (`{path}`): нет `id`; запись не может быть кейсом",
    },
    "bad_ts": {
        "en": "{entity} {deal} `{path}`: cannot read '{value}' as a date-time (expected ISO 8601 UTC such as "
        "2024-03-01T10:15:00.000Z or Unix milliseconds)",
        "ru": "{entity} {deal} `{path}`: не удаётся прочитать '{value}' как дату и время (ожидается ISO 8601 UTC, "
        "например 2024-03-01T10:15:00.000Z, или миллисекунды Unix)",
    },
    "no_ts": {
        "en": "{entity} {deal} `{path}`: empty, but the date is required",
        "ru": "{entity} {deal} `{path}`: пусто, а дата обязательна",
    },
    "csv_columns": {
        "en": "{source}: a HubSpot deals export needs a `Record ID` column and `Date entered …` columns; it has {columns}",
        "ru": "{source}: выгрузке сделок HubSpot нужны столбец `Record ID` и столбцы `Date entered …`; в файле есть {columns}",
    },
    "no_history_csv": {
        "en": "deal {deal} (line {line}): every `Date entered …` column is empty; the deal entered no stage",
        "ru": "сделка {deal} (строка {line}): все столбцы `Date entered …` пусты; сделка не входила ни в одну стадию",
    },
    "no_stage": {
        "en": "deal {deal} `{path}`: empty stage",
        "ru": "сделка {deal} `{path}`: пустая стадия",
    },
    "no_link": {
        "en": "{entity} {deal}: associated with no deal or contact; the activity belongs to no case",
        "ru": "{entity} {deal}: не связана ни со сделкой, ни с контактом; активность не относится к кейсу",
    },
}

_ENTERED = re.compile(r"^hs(?:_v2)?_date_entered_(.+)$")
_ACTIVITY_PREFIX = {"hs_call_": "Call", "hs_email_": "Email", "hs_meeting_": "Meeting", "hs_task_": "Task",
                    "hs_note_": "Note"}
_V1_TYPES = {"CALL": "Call", "EMAIL": "Email", "INCOMING_EMAIL": "Email", "FORWARDED_EMAIL": "Email",
             "MEETING": "Meeting", "NOTE": "Note", "TASK": "Task"}
_COLUMNS = ("case:concept:name", "concept:name", "time:timestamp", "org:resource", "entity", "pipeline",
            "stage_id", "amount", "source_type", "direction", "status", "object_id")


#: Store tables of the HubSpot dictionaries (kept in a project store, like the other vendors' ones).
STAGE_TABLE = "src_dict_hubspot_stage"
OWNER_TABLE = "src_dict_hubspot_owner"


def _pipeline_rows(doc: Any) -> list[tuple[str, str, str, str, int]]:
    rows = []
    for pl in _results(doc):
        pid = str(pl.get("id"))
        for i, st in enumerate(pl.get("stages") or []):
            if isinstance(st, dict) and st.get("id") is not None:
                rows.append((pid, str(pl.get("label") or pid), str(st["id"]), str(st.get("label") or st["id"]),
                             int(st.get("displayOrder") or i)))
    return rows


def _owner_rows(doc: Any) -> list[tuple[str | None, str | None, str]]:
    rows = []
    for o in _results(doc):
        name = " ".join(str(x) for x in (o.get("firstName"), o.get("lastName")) if x) or o.get("email")
        if name:
            rows.append((_str(o.get("id")), _str(o.get("userId")), str(name)))
    return rows


@dataclass(frozen=True)
class Names:
    """Labels for ids: from the project store's HubSpot dictionaries and ``pipelines*.json`` /
    ``owners*.json`` files next to the file being read (the files win)."""

    stages: dict[str, str]
    pipelines: dict[str, str]
    owners: dict[str, str]  # owner id -> name
    users: dict[str, str]  # user id -> name

    @classmethod
    def find(cls, store: EventStore, path: Path) -> Names:
        """Collect the names (missing or unreadable dictionaries give none)."""
        stage_rows: list[tuple[Any, ...]] = []
        owner_rows: list[tuple[Any, ...]] = []
        if store.has_table(STAGE_TABLE):
            stage_rows += store.sql(f"SELECT * FROM {STAGE_TABLE}").fetchall()
        if store.has_table(OWNER_TABLE):
            owner_rows += store.sql(f"SELECT * FROM {OWNER_TABLE}").fetchall()
        for p in sorted(path.parent.glob("pipelines*.json")):
            stage_rows += _pipeline_rows(_load_quiet(p))
        for p in sorted(path.parent.glob("owners*.json")):
            owner_rows += _owner_rows(_load_quiet(p))
        return cls(
            stages={r[2]: r[3] for r in stage_rows}, pipelines={r[0]: r[1] for r in stage_rows},
            owners={r[0]: r[2] for r in owner_rows if r[0]}, users={r[1]: r[2] for r in owner_rows if r[1]},
        )


def _save(store: EventStore, table: str, columns: str, key: int, rows: list[tuple[Any, ...]]) -> None:
    """Add or replace rows by their key column (position ``key``)."""
    store.sql(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
    key_name = columns.split(",")[key].split()[0]
    for r in rows:
        store.sql(f"DELETE FROM {table} WHERE {key_name} = ?", [r[key]])
        store.sql(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in r)})", list(r))


def read_pipelines(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Load a ``/crm/v3/pipelines/deals`` answer as the stage dictionary (no events)."""
    from crmflow.sources.dictionaries import dictionary_raw

    path = Path(path)
    rows = _pipeline_rows(_load(path, store.settings.lang))
    if not rows:
        raise SourceError(text(_TEXT, "bad_json", store.settings.lang, source=path.name, error="no pipeline stages"))
    _save(store, STAGE_TABLE, "pipeline_id VARCHAR, pipeline VARCHAR, stage_id VARCHAR, name VARCHAR, sort BIGINT",
          2, rows)
    return dictionary_raw(store, source=path.name, format="hubspot-pipelines-json", dictionary="hubspot_stage",
                          entries=len(rows))


def read_owners(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Load a ``/crm/v3/owners`` answer as the owner/user dictionary (no events)."""
    from crmflow.sources.dictionaries import dictionary_raw

    path = Path(path)
    rows = _owner_rows(_load(path, store.settings.lang))
    _save(store, OWNER_TABLE, "owner_id VARCHAR, user_id VARCHAR, name VARCHAR", 0, rows)
    return dictionary_raw(store, source=path.name, format="hubspot-owners-json", dictionary="hubspot_owner",
                          entries=len(rows))


def _load_quiet(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None


def _results(doc: Any) -> list[dict[str, Any]]:
    """The records of a page, of a list of pages, or of a plain list of records."""
    if isinstance(doc, list):
        if doc and all(isinstance(p, dict) and isinstance(p.get("results"), list) for p in doc):
            return [r for p in doc for r in _results(p)]
        return [r for r in doc if isinstance(r, dict)]
    if isinstance(doc, dict):
        for key in ("results", "deals"):
            if isinstance(doc.get(key), list):
                return [r for r in doc[key] if isinstance(r, dict)]
    return []


def parse_time(value: Any) -> datetime | None:
    """A HubSpot time (ISO 8601 string, or Unix milliseconds as number or digits) in UTC, or None.

    >>> parse_time("2024-03-01T10:15:00.000Z").isoformat()
    '2024-03-01T10:15:00+00:00'
    >>> parse_time(1709288100000).isoformat()
    '2024-03-01T10:15:00+00:00'
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    s = value.strip().replace("Z", "+00:00")
    try:
        ts = datetime.fromisoformat(s)
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


@dataclass(frozen=True)
class _Item:
    """One stage entry or activity: an event, or a problem for the quarantine."""

    row: dict[str, Any] | None  # canonical columns
    problem: tuple[str, str, str, Any] | None = None  # (kind, column, reason, value)
    raw: Any = None


def _load(path: Path, lang: str) -> Any:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(text(_TEXT, "bad_json", lang, source=path.name, error=exc)) from exc
    if not isinstance(doc, dict | list):
        raise SourceError(text(_TEXT, "bad_json", lang, source=path.name, error="top level is not an object"))
    return doc


def _str(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def _deal_items(deal: dict[str, Any], index: int, names: Names, lang: str) -> Iterator[_Item]:
    deal_id = _str(deal.get("id") or deal.get("dealId"))
    props = deal.get("properties") or {}
    if deal_id is None:
        yield _Item(None, ("missing_case_id", "id", text(_TEXT, "no_id", lang, index=index, path=f"results[{index}]"),
                           None), deal)
        return

    def prop(name: str) -> Any:
        v = props.get(name)
        return v.get("value") if isinstance(v, dict) else v  # legacy v1 wraps values

    pipeline_id = _str(prop("pipeline"))
    base = {"case:concept:name": deal_id, "entity": "deal", "amount": _str(prop("amount")),
            "pipeline": names.pipelines.get(pipeline_id or "", pipeline_id), "object_id": deal_id}
    owner = _str(prop("hubspot_owner_id"))
    history = (deal.get("propertiesWithHistory") or {}).get("dealstage")
    v1 = props.get("dealstage", {}).get("versions") if isinstance(props.get("dealstage"), dict) else None
    if history:
        entries = [(f"propertiesWithHistory.dealstage[{i}]", v.get("value"), v.get("timestamp"),
                    v.get("updatedByUserId"), v.get("sourceType")) for i, v in enumerate(history) if isinstance(v, dict)]
    elif v1:
        entries = [(f"properties.dealstage.versions[{i}]", v.get("value"), v.get("timestamp"),
                    v.get("updatedByUserId"), v.get("source")) for i, v in enumerate(v1) if isinstance(v, dict)]
    else:
        entries = []
        for k in props:
            m = _ENTERED.match(k)
            if m and m.group(1) != "current_stage" and prop(k) not in (None, ""):
                entries.append((f"properties.{k}", m.group(1), prop(k), None, "CALCULATED"))
        # hs_v2_* and the older hs_date_entered_* may both be present: one event per stage.
        unique: dict[str, tuple[str, Any, Any, Any, Any]] = {}
        for e in sorted(entries, key=lambda e: "hs_v2" not in e[0]):
            unique.setdefault(str(e[1]), e)
        entries = list(unique.values())
    if not entries:
        yield _Item(None, ("no_stage_history", "propertiesWithHistory",
                           text(_TEXT, "no_history", lang, deal=deal_id), None), deal)
        return
    for path, stage, when, user, source in entries:
        ts = parse_time(when)
        if stage in (None, ""):
            yield _Item(None, ("missing_activity", path, text(_TEXT, "no_stage", lang, deal=deal_id, path=path), None),
                        {"deal": deal_id, path: stage})
            continue
        if ts is None:
            kind = "missing_timestamp" if when in (None, "") else "bad_timestamp"
            key = "no_ts" if kind == "missing_timestamp" else "bad_ts"
            reason = text(_TEXT, key, lang, entity="deal", deal=deal_id, path=path, value=when)
            yield _Item(None, (kind, path, reason, when), {"deal": deal_id, path: when})
            continue
        user_s = _str(user)
        # A recorded change names its user (none for workflows and imports); calculated stage times name
        # nobody, so the deal owner stands in.
        if source == "CALCULATED":
            resource = names.owners.get(owner or "", owner)
        else:
            resource = names.users.get(user_s, user_s) if user_s else None
        yield _Item({**base, "concept:name": names.stages.get(str(stage), str(stage)), "time:timestamp": ts,
                     "org:resource": resource, "stage_id": str(stage), "source_type": _str(source)})


def _activity_kind(obj: dict[str, Any], props: dict[str, Any], fallback: str) -> str:
    if isinstance(obj.get("engagement"), dict):
        return _V1_TYPES.get(str(obj["engagement"].get("type")), str(obj["engagement"].get("type") or fallback))
    for prefix, kind in _ACTIVITY_PREFIX.items():
        if any(k.startswith(prefix) for k in props):
            return kind
    return fallback


def _activity_items(obj: dict[str, Any], index: int, names: Names, lang: str, fallback: str) -> Iterator[_Item]:
    eng = obj.get("engagement") if isinstance(obj.get("engagement"), dict) else None
    props = obj.get("properties") or {}
    if eng is not None:  # legacy v1
        oid, when, owner = _str(eng.get("id")), eng.get("timestamp"), _str(eng.get("ownerId"))
        assoc = obj.get("associations") or {}
        deals, contacts = assoc.get("dealIds") or [], assoc.get("contactIds") or []
        meta = obj.get("metadata") or {}
        direction, status = None, _str(meta.get("status"))
        path = f"results[{index}].engagement.timestamp"
    else:
        oid, when, owner = _str(obj.get("id")), props.get("hs_timestamp"), _str(props.get("hubspot_owner_id"))
        assoc = obj.get("associations") or {}
        deals = [r.get("id") for r in (assoc.get("deals") or {}).get("results", []) if isinstance(r, dict)]
        contacts = [r.get("id") for r in (assoc.get("contacts") or {}).get("results", []) if isinstance(r, dict)]
        direction = _str(props.get("hs_call_direction") or props.get("hs_email_direction"))
        status = _str(props.get("hs_call_status") or props.get("hs_task_status") or props.get("hs_meeting_outcome"))
        path = f"results[{index}].properties.hs_timestamp"
    kind = _activity_kind(obj, props, fallback)
    if oid is None:
        yield _Item(None, ("missing_case_id", "id", text(_TEXT, "no_id", lang, index=index, path=f"results[{index}]"),
                           None), obj)
        return
    case = _str(deals[0]) if deals else _str(contacts[0]) if contacts else None
    if case is None:
        yield _Item(None, ("missing_case_id", "associations", text(_TEXT, "no_link", lang, entity=kind, deal=oid),
                           None), obj)
        return
    ts = parse_time(when)
    if ts is None:
        k = "missing_timestamp" if when in (None, "") else "bad_timestamp"
        key = "no_ts" if k == "missing_timestamp" else "bad_ts"
        yield _Item(None, (k, path, text(_TEXT, key, lang, entity=kind, deal=oid, path=path, value=when), when), obj)
        return
    yield _Item({"case:concept:name": case, "concept:name": kind, "time:timestamp": ts,
                 "org:resource": names.owners.get(owner or "", owner), "entity": "deal" if deals else "contact",
                 "direction": direction, "status": status, "object_id": oid, "source_type": kind.upper()})


def _finish(store: EventStore, items: list[_Item], *, path: Path, log_name: str, fmt: str, info: dict[str, Any]
            ) -> RawTable:
    rows: dict[str, list[Any]] = {c: [] for c in ("row_no", *_COLUMNS)}
    bad = []
    for n, item in enumerate(items, start=1):
        if item.row is None:
            assert item.problem is not None
            kind, column, reason, value = item.problem
            bad.append({"log_name": log_name, "source": path.name, "row_no": n, "line": None, "column_name": column,
                        "value": value, "reason": reason, "raw": json.dumps(item.raw, ensure_ascii=False, default=str),
                        "kind": kind})
            continue
        rows["row_no"].append(n)
        for c in _COLUMNS:
            rows[c].append(item.row.get(c))
    store.quarantine_rows(bad)
    types = {"row_no": pa.int64(), "time:timestamp": pa.timestamp("us", tz="UTC")}
    table = pa.table({c: pa.array(v, types.get(c, pa.string())) for c, v in rows.items()})
    tmp, out = store.new_name("hs_arrow"), store.new_name("hs_events")
    register_arrow(store, tmp, table)
    store.sql(f"CREATE TEMP TABLE {out} AS SELECT * FROM {tmp}")
    store.con.unregister(tmp)
    return RawTable(table=out, source=path.name, format=fmt, rows_read=len(items), quarantined=len(bad), info=info)


def read_deals(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read a page of HubSpot deals: one event per stage entry (``label`` = the log of the quarantine rows)."""
    path = Path(path)
    lang = store.settings.lang
    if progress:
        progress(f"reading {path.name}")
    deals = _results(_load(path, lang))
    names = Names.find(store, path)
    items = [it for i, d in enumerate(deals) for it in _deal_items(d, i, names, lang)]
    return _finish(store, items, path=path, log_name=label, fmt="hubspot-deals-json",
                   info={"deals": len(deals), "stage_names": bool(names.stages), "owner_names": bool(names.owners)})


def read_engagements(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read a page of HubSpot calls, e-mails, meetings, tasks or notes (v3 objects or legacy engagements)."""
    path = Path(path)
    lang = store.settings.lang
    if progress:
        progress(f"reading {path.name}")
    objs = _results(_load(path, lang))
    names = Names.find(store, path)
    stem = path.name.lower()
    fallback = next((k for p, k in (("call", "Call"), ("email", "Email"), ("meeting", "Meeting"), ("task", "Task"),
                                    ("note", "Note")) if p in stem), "Activity")
    items = [it for i, o in enumerate(objs) for it in _activity_items(o, i, names, lang, fallback)]
    return _finish(store, items, path=path, log_name=label, fmt="hubspot-engagements-json",
                   info={"objects": len(objs), "owner_names": bool(names.owners)})


_DATE_ENTERED = re.compile(r"^date entered\s+(.+)$", re.IGNORECASE)
_STAGE_IN_PIPELINE = re.compile(r"^(.*\S)\s+\(([^()]+)\)$")


def _entered_stage(column: str) -> tuple[str, str | None] | None:
    """``Date entered "Contract Sent (Sales Pipeline)"`` -> ``("Contract Sent", "Sales Pipeline")``."""
    m = _DATE_ENTERED.match(column.strip())
    if not m:
        return None
    label = m.group(1).strip().strip("\"'“”‘’«»").strip()
    inner = _STAGE_IN_PIPELINE.match(label)
    return (inner.group(1), inner.group(2)) if inner else (label, None)


def read_deals_csv(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read a deals CSV exported from HubSpot's UI: one event per non-empty ``Date entered …`` cell.

    Times are the exporting user's wall-clock time (no zone), read in the configured time zone by
    staging, which also quarantines unreadable dates. A deal with no ``Date entered`` value at all
    is quarantined (``no_stage_history``).
    """
    from crmflow.ingest.csv import read_csv_raw
    from crmflow.ingest.raw import drop_raw
    from crmflow.store.queries import ident

    path = Path(path)
    lang = store.settings.lang
    raw = read_csv_raw(store, path, log_name=label, progress=progress)
    cols = [c for c in store.columns(raw.table) if c not in ("row_no", "line")]
    lower = {c.lower(): c for c in cols}
    case = next((lower[k] for k in ("record id", "deal id", "id") if k in lower), None)
    stages = [(c, st) for c in cols if (st := _entered_stage(c)) is not None]
    if case is None or not stages:
        raise SourceError(text(_TEXT, "csv_columns", lang, source=path.name, columns=", ".join(f"`{c}`" for c in cols)))
    owner = next((lower[k] for k in ("deal owner", "owner", "hubspot owner") if k in lower), None)
    amount = lower.get("amount")

    def lit(v: str | None) -> str:
        return "NULL" if v is None else "'" + v.replace("'", "''") + "'"

    def val(c: str | None) -> str:
        return f"nullif(trim({ident(c)}), '')" if c else "NULL"

    parts = [
        f"SELECT row_no AS deal_row, line, {k} AS k, {val(case)} AS \"case:concept:name\", {lit(st)} AS \"concept:name\", "
        f"{val(c)} AS \"time:timestamp\", {val(owner)} AS \"org:resource\", 'deal' AS entity, {lit(pl)} AS pipeline, "
        f"{val(amount)} AS amount FROM {raw.table} WHERE {val(c)} IS NOT NULL"
        for k, (c, (st, pl)) in enumerate(stages)
    ]
    out = store.new_name("hs_csv")
    store.sql(f"CREATE TEMP TABLE {out} AS SELECT row_number() OVER (ORDER BY deal_row, k) AS row_no, * EXCLUDE (deal_row, k) "
              f"FROM ({' UNION ALL '.join(parts)}) ORDER BY row_no")
    entries = int(store.scalar(f"SELECT count(*) FROM {out}"))
    cells = " AND ".join(f"{val(c)} IS NULL" for c, _ in stages)
    empty = store.rows(f"SELECT row_no, line, {val(case)} AS deal, to_json(t)::VARCHAR AS raw FROM {raw.table} t "
                       f"WHERE {cells} ORDER BY row_no")
    store.quarantine_rows([
        {"log_name": label, "source": path.name, "row_no": entries + i, "line": r["line"], "column_name": "Date entered",
         "reason": text(_TEXT, "no_history_csv", lang, deal=r["deal"] or "?", line=r["line"] or r["row_no"]),
         "raw": r["raw"], "kind": "no_stage_history"}
        for i, r in enumerate(empty, start=1)
    ])
    info = {**raw.info, "deals": int(store.scalar(f"SELECT count(*) FROM {raw.table}")), "stage_columns": len(stages)}
    rows_read, quarantined = entries + len(empty) + raw.quarantined, len(empty) + raw.quarantined
    drop_raw(store, raw)
    return RawTable(table=out, source=path.name, format="hubspot-deals-csv", rows_read=rows_read,
                    quarantined=quarantined, info=info)


def _detect_deals_csv(path: Path, head: bytes) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    return bool(first) and "date entered" in first[0].lower() and ("record id" in first[0].lower()
                                                                  or "deal id" in first[0].lower())


def _is_json(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".json" and head.lstrip()[:1] in (b"{", b"[")


def _detect_deals(path: Path, head: bytes) -> bool:
    return _is_json(path, head) and (
        b"hs_v2_date_entered_" in head or b"hs_date_entered_" in head or b'"propertiesWithHistory"' in head
        or (b'"dealstage"' in head and b'"versions"' in head)
    )


def _detect_engagements(path: Path, head: bytes) -> bool:
    return _is_json(path, head) and not _detect_deals(path, head) and (
        b'"hs_timestamp"' in head or (b'"engagement"' in head and b'"associations"' in head)
    )


def _register_dictionaries() -> None:
    from crmflow.sources.dictionaries import register_dictionary

    register_dictionary(SourceAdapter(
        name="hubspot-pipelines-json", vendor="hubspot",
        description="HubSpot deal pipelines (/crm/v3/pipelines/deals): names of stages and pipelines",
        detect=lambda p, h: _is_json(p, h) and b'"stages"' in h and b'"displayOrder"' in h and b'"_embedded"' not in h,
        read=read_pipelines,
    ))
    register_dictionary(SourceAdapter(
        name="hubspot-owners-json", vendor="hubspot",
        description="HubSpot owners (/crm/v3/owners): names of owners and users",
        detect=lambda p, h: _is_json(p, h) and b'"userId"' in h and b'"firstName"' in h and b'"dealstage"' not in h,
        read=read_owners,
    ))


_register_dictionaries()
register(SourceAdapter(
    name="hubspot-deals-json", vendor="hubspot",
    description="HubSpot deals (API v3/v1 JSON): stage history or hs_v2_date_entered_* stage times",
    detect=_detect_deals, read=read_deals,
))
register(SourceAdapter(
    name="hubspot-deals-csv", vendor="hubspot",
    description="HubSpot deals exported from the UI (CSV with `Date entered …` columns)",
    detect=_detect_deals_csv, read=read_deals_csv,
))
register(SourceAdapter(
    name="hubspot-engagements-json", vendor="hubspot",
    description="HubSpot calls, e-mails, meetings, tasks, notes (API v3 objects or v1 engagements JSON)",
    detect=_detect_engagements, read=read_engagements,
))
