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
from crmflow.i18n import error, text
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.sources.hubspot_names import Names, is_json, load_page, register_dictionaries, results, str_or_none
from crmflow.sources.registry import SourceAdapter, register
from crmflow.store.store import EventStore

_TEXT = {
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
_ACTIVITY_PREFIX = {"hs_call_": "Call", "hs_email_": "Email", "hs_meeting_": "Meeting", "hs_task_": "Task", "hs_note_": "Note"}
_V1_TYPES = {
    "CALL": "Call",
    "EMAIL": "Email",
    "INCOMING_EMAIL": "Email",
    "FORWARDED_EMAIL": "Email",
    "MEETING": "Meeting",
    "NOTE": "Note",
    "TASK": "Task",
}
_COLUMNS = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "org:resource",
    "entity",
    "pipeline",
    "stage_id",
    "amount",
    "source_type",
    "direction",
    "status",
    "object_id",
)


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


def _time_problem(when: Any, *, entity: str, record: str, path: str, lang: str, raw: Any) -> _Item:
    """The quarantine item for a record whose time at ``path`` is missing or unreadable."""
    kind = "missing_timestamp" if when in (None, "") else "bad_timestamp"
    key = "no_ts" if kind == "missing_timestamp" else "bad_ts"
    return _Item(None, (kind, path, text(_TEXT, key, lang, entity=entity, deal=record, path=path, value=when), when), raw)


def _deal_items(deal: dict[str, Any], index: int, names: Names, lang: str) -> Iterator[_Item]:
    deal_id = str_or_none(deal.get("id") or deal.get("dealId"))
    props = deal.get("properties") or {}
    if deal_id is None:
        yield _Item(
            None, ("missing_case_id", "id", text(_TEXT, "no_id", lang, index=index, path=f"results[{index}]"), None), deal
        )
        return

    def prop(name: str) -> Any:
        v = props.get(name)
        return v.get("value") if isinstance(v, dict) else v  # legacy v1 wraps values

    pipeline_id = str_or_none(prop("pipeline"))
    base = {
        "case:concept:name": deal_id,
        "entity": "deal",
        "amount": str_or_none(prop("amount")),
        "pipeline": names.pipelines.get(pipeline_id or "", pipeline_id),
        "object_id": deal_id,
    }
    owner = str_or_none(prop("hubspot_owner_id"))
    history = (deal.get("propertiesWithHistory") or {}).get("dealstage")
    v1 = props.get("dealstage", {}).get("versions") if isinstance(props.get("dealstage"), dict) else None
    if history:
        entries = [
            (
                f"propertiesWithHistory.dealstage[{i}]",
                v.get("value"),
                v.get("timestamp"),
                v.get("updatedByUserId"),
                v.get("sourceType"),
            )
            for i, v in enumerate(history)
            if isinstance(v, dict)
        ]
    elif v1:
        entries = [
            (f"properties.dealstage.versions[{i}]", v.get("value"), v.get("timestamp"), v.get("updatedByUserId"), v.get("source"))
            for i, v in enumerate(v1)
            if isinstance(v, dict)
        ]
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
        yield _Item(
            None, ("no_stage_history", "propertiesWithHistory", text(_TEXT, "no_history", lang, deal=deal_id), None), deal
        )
        return
    for path, stage, when, user, source in entries:
        ts = parse_time(when)
        if stage in (None, ""):
            yield _Item(
                None,
                ("missing_activity", path, text(_TEXT, "no_stage", lang, deal=deal_id, path=path), None),
                {"deal": deal_id, path: stage},
            )
            continue
        if ts is None:
            yield _time_problem(when, entity="deal", record=deal_id, path=path, lang=lang, raw={"deal": deal_id, path: when})
            continue
        user_s = str_or_none(user)
        # A recorded change names its user (none for workflows and imports); calculated stage times name
        # nobody, so the deal owner stands in.
        if source == "CALCULATED":
            resource = names.owners.get(owner or "", owner)
        else:
            resource = names.users.get(user_s, user_s) if user_s else None
        yield _Item(
            {
                **base,
                "concept:name": names.stages.get(str(stage), str(stage)),
                "time:timestamp": ts,
                "org:resource": resource,
                "stage_id": str(stage),
                "source_type": str_or_none(source),
            }
        )


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
        oid, when, owner = str_or_none(eng.get("id")), eng.get("timestamp"), str_or_none(eng.get("ownerId"))
        assoc = obj.get("associations") or {}
        deals, contacts = assoc.get("dealIds") or [], assoc.get("contactIds") or []
        meta = obj.get("metadata") or {}
        direction, status = None, str_or_none(meta.get("status"))
        path = f"results[{index}].engagement.timestamp"
    else:
        oid, when, owner = str_or_none(obj.get("id")), props.get("hs_timestamp"), str_or_none(props.get("hubspot_owner_id"))
        assoc = obj.get("associations") or {}
        deals = [r.get("id") for r in (assoc.get("deals") or {}).get("results", []) if isinstance(r, dict)]
        contacts = [r.get("id") for r in (assoc.get("contacts") or {}).get("results", []) if isinstance(r, dict)]
        direction = str_or_none(props.get("hs_call_direction") or props.get("hs_email_direction"))
        status = str_or_none(props.get("hs_call_status") or props.get("hs_task_status") or props.get("hs_meeting_outcome"))
        path = f"results[{index}].properties.hs_timestamp"
    kind = _activity_kind(obj, props, fallback)
    if oid is None:
        yield _Item(None, ("missing_case_id", "id", text(_TEXT, "no_id", lang, index=index, path=f"results[{index}]"), None), obj)
        return
    case = str_or_none(deals[0]) if deals else str_or_none(contacts[0]) if contacts else None
    if case is None:
        yield _Item(None, ("missing_case_id", "associations", text(_TEXT, "no_link", lang, entity=kind, deal=oid), None), obj)
        return
    ts = parse_time(when)
    if ts is None:
        yield _time_problem(when, entity=kind, record=oid, path=path, lang=lang, raw=obj)
        return
    yield _Item(
        {
            "case:concept:name": case,
            "concept:name": kind,
            "time:timestamp": ts,
            "org:resource": names.owners.get(owner or "", owner),
            "entity": "deal" if deals else "contact",
            "direction": direction,
            "status": status,
            "object_id": oid,
            "source_type": kind.upper(),
        }
    )


def _finish(
    store: EventStore, files: list[tuple[Path, list[_Item]]], *, log_name: str, fmt: str, info: dict[str, Any]
) -> RawTable:
    """One raw table for the items of one or more files; each file's problems go to the quarantine.

    ``row_no`` runs on across the files (unique in the raw table); a quarantine row keeps its file's
    name and its number within that file.
    """
    rows: dict[str, list[Any]] = {c: [] for c in ("row_no", *_COLUMNS)}
    bad = []
    offset = 0
    for path, items in files:
        for n, item in enumerate(items, start=1):
            if item.row is None:
                assert item.problem is not None
                kind, column, reason, value = item.problem
                bad.append(
                    {
                        "log_name": log_name,
                        "source": path.name,
                        "row_no": n,
                        "line": None,
                        "column_name": column,
                        "value": value,
                        "reason": reason,
                        "raw": json.dumps(item.raw, ensure_ascii=False, default=str),
                        "kind": kind,
                    }
                )
                continue
            rows["row_no"].append(offset + n)
            row = item.row
            for c in _COLUMNS:
                rows[c].append(row.get(c))
        offset += len(items)
    store.quarantine_rows(bad)
    types = {"row_no": pa.int64(), "time:timestamp": pa.timestamp("us", tz="UTC")}
    table = pa.table({c: pa.array(v, types.get(c, pa.string())) for c, v in rows.items()})
    out = store.new_name("hs_events")
    store.temp_table_from_arrow(out, table)
    return RawTable(table=out, source=_label(files), format=fmt, rows_read=offset, quarantined=len(bad), info=info)


def _label(files: list[tuple[Path, Any]]) -> str:
    """The source name of one file, or of several read as one (``deals.00001.json … deals.00202.json (202 files)``)."""
    if len(files) == 1:
        return files[0][0].name
    return f"{files[0][0].name} … {files[-1][0].name} ({len(files)} files)"


class _NamesByFolder:
    """:meth:`Names.find` once per folder of a multi-file read (the dictionaries lie next to the pages)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._found: dict[Path, Names] = {}

    def __call__(self, path: Path) -> Names:
        folder = path.resolve().parent
        if folder not in self._found:
            self._found[folder] = Names.find(self.store, path)
        return self._found[folder]


def read_deals(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read a page of HubSpot deals: one event per stage entry (``label`` = the log of the quarantine rows)."""
    return read_deals_many(store, [Path(path)], label, progress)


def read_deals_many(store: EventStore, paths: list[Path], label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read HubSpot deal pages (one or more files) as one raw table, staged once."""
    lang = store.settings.lang
    names_of = _NamesByFolder(store)
    files, n_deals, stage_names, owner_names = [], 0, False, False
    for path in map(Path, paths):
        if progress:
            progress(f"reading {path.name}")
        deals = results(load_page(path, lang, max_bytes=store.settings.max_ocel_json_bytes))
        names = names_of(path)
        files.append((path, [it for i, d in enumerate(deals) for it in _deal_items(d, i, names, lang)]))
        n_deals += len(deals)
        stage_names, owner_names = stage_names or bool(names.stages), owner_names or bool(names.owners)
    info: dict[str, Any] = {"deals": n_deals, "stage_names": stage_names, "owner_names": owner_names}
    if len(files) > 1:
        info["files"] = [p.name for p, _ in files]
    return _finish(store, files, log_name=label, fmt="hubspot-deals-json", info=info)


def read_engagements(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read a page of HubSpot calls, e-mails, meetings, tasks or notes (v3 objects or legacy engagements)."""
    return read_engagements_many(store, [Path(path)], label, progress)


def read_engagements_many(store: EventStore, paths: list[Path], label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read HubSpot engagement pages (one or more files) as one raw table, staged once."""
    lang = store.settings.lang
    names_of = _NamesByFolder(store)
    files, n_objects, owner_names = [], 0, False
    for path in map(Path, paths):
        if progress:
            progress(f"reading {path.name}")
        objs = results(load_page(path, lang, max_bytes=store.settings.max_ocel_json_bytes))
        names = names_of(path)
        stem = path.name.lower()
        fallback = next(
            (
                k
                for p, k in (("call", "Call"), ("email", "Email"), ("meeting", "Meeting"), ("task", "Task"), ("note", "Note"))
                if p in stem
            ),
            "Activity",
        )
        files.append((path, [it for i, o in enumerate(objs) for it in _activity_items(o, i, names, lang, fallback)]))
        n_objects += len(objs)
        owner_names = owner_names or bool(names.owners)
    info: dict[str, Any] = {"objects": n_objects, "owner_names": owner_names}
    if len(files) > 1:
        info["files"] = [p.name for p, _ in files]
    return _finish(store, files, log_name=label, fmt="hubspot-engagements-json", info=info)


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
        raise error(SourceError, _TEXT, "csv_columns", lang, source=path.name, columns=", ".join(f"`{c}`" for c in cols))
    owner = next((lower[k] for k in ("deal owner", "owner", "hubspot owner") if k in lower), None)
    amount = lower.get("amount")

    def lit(v: str | None) -> str:
        return "NULL" if v is None else "'" + v.replace("'", "''") + "'"

    def val(c: str | None) -> str:
        return f"nullif(trim({ident(c)}), '')" if c else "NULL"

    parts = [
        f'SELECT row_no AS deal_row, line, {k} AS k, {val(case)} AS "case:concept:name", {lit(st)} AS "concept:name", '
        f'{val(c)} AS "time:timestamp", {val(owner)} AS "org:resource", \'deal\' AS entity, {lit(pl)} AS pipeline, '
        f"{val(amount)} AS amount FROM {raw.table} WHERE {val(c)} IS NOT NULL"
        for k, (c, (st, pl)) in enumerate(stages)
    ]
    out = store.new_name("hs_csv")
    store.sql(
        f"CREATE TEMP TABLE {out} AS SELECT row_number() OVER (ORDER BY deal_row, k) AS row_no, * EXCLUDE (deal_row, k) "
        f"FROM ({' UNION ALL '.join(parts)}) ORDER BY row_no"
    )
    entries = int(store.scalar(f"SELECT count(*) FROM {out}"))
    cells = " AND ".join(f"{val(c)} IS NULL" for c, _ in stages)
    empty = store.rows(
        f"SELECT row_no, line, {val(case)} AS deal, to_json(t)::VARCHAR AS raw FROM {raw.table} t WHERE {cells} ORDER BY row_no"
    )
    store.quarantine_rows(
        [
            {
                "log_name": label,
                "source": path.name,
                "row_no": entries + i,
                "line": r["line"],
                "column_name": "Date entered",
                "reason": text(_TEXT, "no_history_csv", lang, deal=r["deal"] or "?", line=r["line"] or r["row_no"]),
                "raw": r["raw"],
                "kind": "no_stage_history",
            }
            for i, r in enumerate(empty, start=1)
        ]
    )
    info = {**raw.info, "deals": int(store.scalar(f"SELECT count(*) FROM {raw.table}")), "stage_columns": len(stages)}
    rows_read, quarantined = entries + len(empty) + raw.quarantined, len(empty) + raw.quarantined
    drop_raw(store, raw)
    return RawTable(
        table=out, source=path.name, format="hubspot-deals-csv", rows_read=rows_read, quarantined=quarantined, info=info
    )


def _detect_deals_csv(path: Path, head: bytes) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    return (
        bool(first) and "date entered" in first[0].lower() and ("record id" in first[0].lower() or "deal id" in first[0].lower())
    )


def _detect_deals(path: Path, head: bytes) -> bool:
    return is_json(path, head) and (
        b"hs_v2_date_entered_" in head
        or b"hs_date_entered_" in head
        or b'"propertiesWithHistory"' in head
        or (b'"dealstage"' in head and b'"versions"' in head)
    )


def _detect_engagements(path: Path, head: bytes) -> bool:
    return (
        is_json(path, head)
        and not _detect_deals(path, head)
        and (b'"hs_timestamp"' in head or (b'"engagement"' in head and b'"associations"' in head))
    )


register_dictionaries()
register(
    SourceAdapter(
        name="hubspot-deals-json",
        vendor="hubspot",
        description="HubSpot deals (API v3/v1 JSON): stage history or hs_v2_date_entered_* stage times",
        detect=_detect_deals,
        read=read_deals,
        read_many=read_deals_many,
    )
)
register(
    SourceAdapter(
        name="hubspot-deals-csv",
        vendor="hubspot",
        description="HubSpot deals exported from the UI (CSV with `Date entered …` columns)",
        detect=_detect_deals_csv,
        read=read_deals_csv,
    )
)
register(
    SourceAdapter(
        name="hubspot-engagements-json",
        vendor="hubspot",
        description="HubSpot calls, e-mails, meetings, tasks, notes (API v3 objects or v1 engagements JSON)",
        detect=_detect_engagements,
        read=read_engagements,
        read_many=read_engagements_many,
    )
)
