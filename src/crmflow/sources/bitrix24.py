"""Bitrix24 REST responses saved as JSON: stage history, deal and lead lists, activities, stages.

Every adapter reads one page, a list of pages or one page per line (:mod:`crmflow.sources.pages`)
and maps each record (see ``docs/sources.md``):

* ``crm.stagehistory.list`` (``result.items``): one event per entry into a stage; case =
  ``OWNER_ID``, activity = the stage's name (``STAGE_ID``/``STATUS_ID`` resolved with
  ``crm.status.list`` per pipeline, else the id itself), time = ``CREATED_TIME``;
* ``crm.deal.list`` / ``crm.lead.list`` (``result``): the creation (``DATE_CREATE``, by
  ``CREATED_BY_ID``) and the last stage move (``MOVED_TIME`` by ``MOVED_BY_ID``; for closed records
  without it, ``CLOSEDATE``/``DATE_CLOSED``) -- for portals without stage history;
* ``crm.activity.list``: one event per activity (call, meeting, task, e-mail) at ``START_TIME``
  (else ``CREATED``) by ``RESPONSIBLE_ID``;
* ``crm.status.list``: a dictionary of stage names and semantics, kept in the store.

Deals are the main process object, so a deal's case id is its ``ID``; other entities get their type
as a prefix (``lead:21``, ``contact:5``) so that a lead and a deal with the same number never merge.
A record without its key fields, or with an unreadable time, goes to the quarantine with a reason
naming the file, page, record and key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from crmflow.errors import SourceError
from crmflow.i18n import error
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.sources import dictionaries
from crmflow.sources.json_scan import Fields, ScannedRecords, finish_events, flatten, leftover_records, scan_records
from crmflow.sources.messages import MESSAGES, msg
from crmflow.sources.pages import Page, has_keys, head_text, is_page, json_like, store_pages
from crmflow.sources.records import RecordCheck, checked_leftovers, checked_records, dictionary_records
from crmflow.sources.registry import SourceAdapter, register
from crmflow.sources.rows import EventRows, iso_time, text_or_none
from crmflow.store.store import EventStore

#: ``OWNER_TYPE_ID`` / ``entityTypeId`` → entity name.
ENTITY_TYPES = {1: "lead", 2: "deal", 3: "contact", 4: "company", 5: "invoice", 7: "quote", 31: "smart_invoice"}
#: ``crm.stagehistory.list`` ``TYPE_ID`` → what happened.
HISTORY_TYPES = {1: "created", 2: "moved", 3: "closed", 5: "pipeline_changed"}
_ATTRS_STAGE = ("entity", "pipeline", "stage_id", "stage_semantic", "history_type", "record_id")
_ATTRS_LIST = ("entity", "pipeline", "stage_id", "stage_semantic", "amount", "currency", "assigned_by", "record_id")
_ATTRS_ACTIVITY = ("entity", "activity_type", "provider", "direction", "completed", "record_id")

_EXPECT_HISTORY = "a crm.stagehistory.list item with OWNER_ID, STAGE_ID or STATUS_ID and CREATED_TIME"
_EXPECT_DEAL = "a crm.deal.list record with ID, STAGE_ID and DATE_CREATE"
_EXPECT_LEAD = "a crm.lead.list record with ID, STATUS_ID and DATE_CREATE"
_EXPECT_ACTIVITY = "a crm.activity.list record with ID, OWNER_ID, OWNER_TYPE_ID and START_TIME or CREATED"
_EXPECT_STATUS = "a crm.status.list record with ENTITY_ID, STATUS_ID and NAME"


def case_id(entity: str, owner: str) -> str:
    """The case id of a Bitrix24 record: deals keep their id, other entities are prefixed.

    >>> case_id("deal", "21"), case_id("lead", "21")
    ('21', 'lead:21')
    """
    return owner if entity == "deal" else f"{entity}:{owner}"


# ---------------------------------------------------------------------------- stage names


class StageNames:
    """Stage names and semantics from the ``crm.status.list`` dictionary in the store."""

    def __init__(self, store: EventStore) -> None:
        rows = dictionaries.load(store, "bitrix24_status")
        self.by_key = {(r["entity_id"], r["status_id"]): r for r in rows}
        self.deal = {r["status_id"]: r for r in rows if str(r["entity_id"]).startswith("DEAL_STAGE")}

    def deal_stage(self, stage_id: str, category: str | None) -> tuple[str, str | None]:
        """(name, semantics) of a deal stage in pipeline ``category`` (the id itself when unknown)."""
        entity = "DEAL_STAGE" if category in (None, "", "0") else f"DEAL_STAGE_{category}"
        r = self.by_key.get((entity, stage_id)) or self.deal.get(stage_id)
        return (r["name"], r["semantics"]) if r else (stage_id, None)

    def lead_status(self, status_id: str) -> tuple[str, str | None]:
        r = self.by_key.get(("STATUS", status_id))
        return (r["name"], r["semantics"]) if r else (status_id, None)


def _semantic(value: Any) -> str | None:
    s = text_or_none(value)
    if s is None:
        return None
    return {"S": "S", "F": "F", "P": "P", "SUCCESS": "S", "FAILURE": "F", "APOLOGY": "F", "PROCESS": "P"}.get(s.upper(), s)


# ---------------------------------------------------------------------------- records


def _records(pages: list[Page], *, source: str, items: bool, expected: str, lang: str) -> Iterator[tuple[Page, int, Any]]:
    """(page, 1-based record index, record) of every page: ``result.items`` or ``result``."""
    for page in pages:
        body = page.body
        if isinstance(body, list) and not is_page(body):
            records: Any = body
        elif isinstance(body, dict):
            if "result" not in body:
                raise error(
                    SourceError, MESSAGES, "bad_page", lang, source=source, page=page.index, key="result", expected=expected
                )
            records = body["result"]
            if items and not isinstance(records, list):  # a saved `result.items` flattened to `result` is fine
                if not isinstance(records, dict) or "items" not in records:
                    raise error(
                        SourceError,
                        MESSAGES,
                        "bad_page",
                        lang,
                        source=source,
                        page=page.index,
                        key="result.items",
                        expected=expected,
                    )
                records = records["items"]
        else:
            raise error(SourceError, MESSAGES, "bad_page", lang, source=source, page=page.index, key="result", expected=expected)
        if not isinstance(records, list):
            raise error(SourceError, MESSAGES, "bad_page", lang, source=source, page=page.index, key="result", expected=expected)
        for i, rec in enumerate(records, start=1):
            yield page, i, rec


# ---------------------------------------------------------------------------- readers


def _history_event(rows: EventRows, page: Page, rec: Any, chk: RecordCheck, names: StageNames, row_no: int | None) -> None:
    """One stage-history record → an event, or the quarantine with every problem it has."""
    owner = chk.text("OWNER_ID", "missing_case_id")
    stage_key = "STATUS_ID" if "STATUS_ID" in rec and "STAGE_ID" not in rec else "STAGE_ID"
    stage = chk.text(stage_key, "missing_activity")
    ts = chk.time("CREATED_TIME")
    if chk.reject_if_bad(page.line):
        return
    assert owner is not None and stage is not None and ts is not None
    category = text_or_none(rec.get("CATEGORY_ID"))
    entity = "deal" if stage_key == "STAGE_ID" else "lead"
    name, semantic = _stage_name(names, entity, stage, category, rec.get(stage_key[:-2] + "SEMANTIC_ID"))
    rows.event(
        case=case_id(entity, owner),
        activity=name,
        time=ts,
        line=page.line,
        row_no=row_no,
        entity=entity,
        pipeline=category,
        stage_id=stage,
        stage_semantic=semantic,
        history_type=_history_type(rec.get("TYPE_ID")),
        record_id=rec.get("ID"),
    )


def _stage_name(names: StageNames, entity: str, stage: str, category: str | None, semantic_id: Any) -> tuple[str, str]:
    """(name, semantics) of a deal stage or lead status; the record's own semantic id wins."""
    name, semantics = names.deal_stage(stage, category) if entity == "deal" else names.lead_status(stage)
    return name, _semantic(semantic_id) or _semantic(semantics) or "P"


def _history_type(value: Any) -> str | None:
    htype = text_or_none(value)
    return HISTORY_TYPES.get(int(htype), htype) if htype and htype.isdigit() else htype


_RECORD_PATHS = ("$.result", "$.result.items")
_OPTIONAL = ("CATEGORY_ID", "STAGE_SEMANTIC_ID", "STATUS_SEMANTIC_ID", "TYPE_ID", "ID")
_PAGE_KEYS = ("result", "_embedded", "_page", "total", "next")


def read_stagehistory(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``crm.stagehistory.list`` pages → one event per entry into a stage.

    Read by DuckDB (:mod:`crmflow.sources.json_scan`); a file it cannot read goes through the Python reader.
    """
    label = Path(path).name
    lang = store.settings.lang
    if progress:
        progress(f"{label}: Bitrix24 stage history")
    scan = scan_records(store, path, record_paths=_RECORD_PATHS, page_keys=_PAGE_KEYS)
    names = StageNames(store)
    rows = EventRows(source=label, log_name=log_name, attributes=_ATTRS_STAGE)
    if scan is None:
        pages = store_pages(store, path)
        records = _records(pages, source=label, items=True, expected=_EXPECT_HISTORY, lang=lang)
        for page, rec, chk in checked_records(rows, records, source=label, expected=_EXPECT_HISTORY, lang=lang):
            _history_event(rows, page, rec, chk, names, None)
        return rows.to_raw(store, format="bitrix24-stagehistory", info={"pages": len(pages), "engine": "python"})
    return _history_in_engine(store, scan, rows, names, label=label, lang=lang)


def _history_in_engine(
    store: EventStore, scan: ScannedRecords, rows: EventRows, names: StageNames, *, label: str, lang: str
) -> RawTable:
    f = Fields(("OWNER_ID", "STATUS_ID", "STAGE_ID", "CREATED_TIME", *_OPTIONAL))
    lead = f"({f.exists('STATUS_ID')} AND NOT {f.exists('STAGE_ID')})"
    stage = f"CASE WHEN {lead} THEN {f.text('STATUS_ID')} ELSE {f.text('STAGE_ID')} END"
    optional = [f.optional(k) for k in _OPTIONAL]
    plain = " AND ".join([
        "rtype = 'OBJECT'", f"{f.text('OWNER_ID')} IS NOT NULL", f"({stage}) IS NOT NULL",
        f"{f.iso_time('CREATED_TIME')} IS NOT NULL", *(ok for _, ok in optional),
    ])  # fmt: skip
    cat, sem_deal, sem_lead, htype, rid = (v for v, _ in optional)
    flat = flatten(store, scan, f, plain=plain, columns={
        "owner": f.text("OWNER_ID"), "lead": lead, "stage": stage, "category": cat,
        "sem": f"CASE WHEN {lead} THEN {sem_lead} ELSE {sem_deal} END", "htype": htype, "rid": rid,
        "ts": f.iso_time("CREATED_TIME"),
    })  # fmt: skip
    good = store.new_name("bx_good")
    store.sql(f"CREATE TEMP VIEW {good} AS SELECT * FROM {flat} WHERE plain")
    # names and semantics for the few distinct stages, history types in Python (the dictionary logic is there)
    combos = store.rows(f"SELECT DISTINCT lead, stage, category, sem FROM {good}")
    named = [_stage_name(names, "lead" if r["lead"] else "deal", r["stage"], r["category"], r["sem"]) for r in combos]
    stage_map = pa.table({
        "lead": pa.array([r["lead"] for r in combos], pa.bool_()),
        **{c: pa.array([r[c] for r in combos], pa.string()) for c in ("stage", "category", "sem")},
        "name": pa.array([n for n, _ in named], pa.string()), "semantic": pa.array([m for _, m in named], pa.string()),
    })  # fmt: skip
    types = [r["htype"] for r in store.rows(f"SELECT DISTINCT htype FROM {good}")]
    type_map = pa.table({
        "htype": pa.array(types, pa.string()),
        "history_type": pa.array([_history_type(t) for t in types], pa.string()),
    })  # fmt: skip
    sm, tm = store.new_name("bx_stages"), store.new_name("bx_types")
    store.temp_table_from_arrow(sm, stage_map)
    store.temp_table_from_arrow(tm, type_map)
    select = (
        f"SELECT g.row_no, g.line, CASE WHEN g.lead THEN 'lead:' || g.owner ELSE g.owner END AS \"case:concept:name\", "
        f'm.name AS "concept:name", g.ts AS "time:timestamp", NULL::VARCHAR AS "org:resource", '
        f"CASE WHEN g.lead THEN 'lead' ELSE 'deal' END AS entity, g.category AS pipeline, g.stage AS stage_id, "
        f"m.semantic AS stage_semantic, t.history_type, g.rid AS record_id FROM {good} g "
        f"JOIN {sm} m ON m.lead = g.lead AND m.stage = g.stage AND m.category IS NOT DISTINCT FROM g.category "
        f"AND m.sem IS NOT DISTINCT FROM g.sem LEFT JOIN {tm} t ON t.htype IS NOT DISTINCT FROM g.htype"
    )
    leftovers = leftover_records(store, scan, flat, source=label, lang=lang)
    for row_no, page, rec, chk in checked_leftovers(rows, leftovers, source=label, expected=_EXPECT_HISTORY, lang=lang):
        _history_event(rows, page, rec, chk, names, row_no)
    table, quarantined = finish_events(store, scan, select=select, leftovers=rows)
    store.sql(f"DROP VIEW {good}")
    for t in (flat, sm, tm):
        store.sql(f"DROP TABLE {t}")
    return RawTable(
        table=table,
        source=label,
        format="bitrix24-stagehistory",
        rows_read=scan.records,
        quarantined=quarantined,
        info={
            "pages": scan.pages,
            "engine": "duckdb",
            "canonical": True,
            "events": scan.records - quarantined,
            "rejected_records": quarantined,
            "checked_in_python": rows.n_events + quarantined,
        },
    )


def _read_list(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None, *, entity: str) -> RawTable:
    label = Path(path).name
    lang = store.settings.lang
    pages = store_pages(store, path, progress=progress, what=f"Bitrix24 {entity} list")
    names = StageNames(store)
    deal = entity == "deal"
    expected = _EXPECT_DEAL if deal else _EXPECT_LEAD
    stage_key, closed_key = ("STAGE_ID", "CLOSEDATE") if deal else ("STATUS_ID", "DATE_CLOSED")
    rows = EventRows(source=label, log_name=log_name, attributes=_ATTRS_LIST)
    records = _records(pages, source=label, items=False, expected=expected, lang=lang)
    for page, rec, chk in checked_records(rows, records, source=label, expected=expected, lang=lang):
        rid = chk.text("ID", "missing_case_id")
        stage = chk.text(stage_key, "missing_activity")
        created = chk.time("DATE_CREATE")
        moved_raw = rec.get("MOVED_TIME") if text_or_none(rec.get("MOVED_TIME")) else None
        moved = chk.time("MOVED_TIME") if moved_raw is not None else None
        if chk.reject_if_bad(page.line):
            continue
        assert rid is not None and stage is not None and created is not None
        category = text_or_none(rec.get("CATEGORY_ID"))
        name, semantics = names.deal_stage(stage, category) if deal else names.lead_status(stage)
        semantic = _semantic(rec.get("STAGE_SEMANTIC_ID" if deal else "STATUS_SEMANTIC_ID")) or _semantic(semantics) or "P"
        common = {
            "entity": entity,
            "pipeline": category,
            "stage_id": stage,
            "stage_semantic": semantic,
            "amount": rec.get("OPPORTUNITY"),
            "currency": rec.get("CURRENCY_ID"),
            "assigned_by": rec.get("ASSIGNED_BY_ID"),
            "record_id": rid,
        }
        case = case_id(entity, rid)
        creator = text_or_none(rec.get("CREATED_BY_ID")) or text_or_none(rec.get("ASSIGNED_BY_ID"))
        rows.event(case=case, activity=msg(f"{entity}_created", lang), time=created, resource=creator, line=page.line, **common)
        closed = text_or_none(rec.get("CLOSED")) == "Y" or semantic in ("S", "F")
        when = moved or (iso_time(rec.get(closed_key)) if closed else None)
        if when is not None:
            rows.event(
                case=case, activity=name, time=when, resource=text_or_none(rec.get("MOVED_BY_ID")), line=page.line, **common
            )
    return rows.to_raw(store, format=f"bitrix24-{entity}-list", info={"pages": len(pages)})


def read_deal_list(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``crm.deal.list`` pages → creation and last-move events per deal."""
    return _read_list(store, path, log_name, progress, entity="deal")


def read_lead_list(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``crm.lead.list`` pages → creation and last-move events per lead."""
    return _read_list(store, path, log_name, progress, entity="lead")


def activity_name(rec: dict[str, Any], lang: str) -> str:
    """The event name of a ``crm.activity.list`` record (call/meeting/task/e-mail, with direction).

    >>> activity_name({"TYPE_ID": "2", "DIRECTION": "2"}, "ru")
    'Исходящий звонок'
    """
    t = text_or_none(rec.get("TYPE_ID"))
    provider_type = (text_or_none(rec.get("PROVIDER_TYPE_ID")) or "").upper()
    direction = text_or_none(rec.get("DIRECTION"))
    kind = {"1": "meeting", "2": "call", "3": "task", "4": "email"}.get(t or "")
    if kind is None:
        kind = {"CALL": "call", "MEETING": "meeting", "TASK": "task", "EMAIL": "email"}.get(provider_type, "activity")
    if kind in ("call", "email") and direction in ("1", "2"):
        return msg(f"{kind}_{'in' if direction == '1' else 'out'}", lang)
    return msg(kind, lang)


def read_activities(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``crm.activity.list`` pages → one event per activity, by its responsible user."""
    label = Path(path).name
    lang = store.settings.lang
    pages = store_pages(store, path, progress=progress, what="Bitrix24 activities")
    rows = EventRows(source=label, log_name=log_name, attributes=_ATTRS_ACTIVITY)
    records = _records(pages, source=label, items=False, expected=_EXPECT_ACTIVITY, lang=lang)
    for page, rec, chk in checked_records(rows, records, source=label, expected=_EXPECT_ACTIVITY, lang=lang):
        owner = chk.text("OWNER_ID", "missing_case_id")
        otype = chk.text("OWNER_TYPE_ID", "missing_case_id")
        ts = chk.time("START_TIME") if text_or_none(rec.get("START_TIME")) else chk.time("CREATED")
        if chk.reject_if_bad(page.line):
            continue
        assert owner is not None and otype is not None and ts is not None
        entity = ENTITY_TYPES.get(int(otype), f"type{otype}") if otype.isdigit() else otype
        rows.event(
            case=case_id(entity, owner),
            activity=activity_name(rec, lang),
            time=ts,
            resource=text_or_none(rec.get("RESPONSIBLE_ID")),
            line=page.line,
            entity=entity,
            activity_type=rec.get("TYPE_ID"),
            provider=rec.get("PROVIDER_ID"),
            direction=rec.get("DIRECTION"),
            completed=rec.get("COMPLETED"),
            record_id=rec.get("ID"),
        )
    return rows.to_raw(store, format="bitrix24-activity-list", info={"pages": len(pages)})


def read_statuses(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``crm.status.list`` pages → the stage dictionary in the store (no events)."""
    label = Path(path).name
    lang = store.settings.lang
    pages = store_pages(store, path, progress=progress, what="Bitrix24 stages")
    entries = []
    records = _records(pages, source=label, items=False, expected=_EXPECT_STATUS, lang=lang)
    for where, rec in dictionary_records(records, source=label, lang=lang):
        for key in ("ENTITY_ID", "STATUS_ID", "NAME"):
            if text_or_none(rec.get(key)) is None:
                template = "missing_key" if key not in rec else "empty_key"
                raise error(SourceError, MESSAGES, template, lang, where=where, key=key, expected=_EXPECT_STATUS)
        entity_id = str(rec["ENTITY_ID"]).strip()
        category = text_or_none(rec.get("CATEGORY_ID"))
        if category is None:
            m = re.fullmatch(r"DEAL_STAGE_(\d+)", entity_id)
            category = m.group(1) if m else ("0" if entity_id == "DEAL_STAGE" else None)
        extra_value = rec.get("EXTRA")
        extra: dict[str, Any] = extra_value if isinstance(extra_value, dict) else {}
        sort = text_or_none(rec.get("SORT"))
        entries.append({
            "entity_id": entity_id, "category_id": int(category) if category and category.isdigit() else None,
            "status_id": str(rec["STATUS_ID"]).strip(), "name": str(rec["NAME"]).strip(),
            "semantics": _semantic(rec.get("SEMANTICS")) or _semantic(extra.get("SEMANTICS")) or "P",
            "sort": int(sort) if sort and sort.lstrip("-").isdigit() else None,
        })  # fmt: skip
    if not entries:
        raise error(SourceError, MESSAGES, "no_records", lang, source=label, expected=_EXPECT_STATUS)
    n = dictionaries.save(store, "bitrix24_status", entries)
    return dictionaries.dictionary_raw(
        store, source=label, format="bitrix24-status-list", dictionary="bitrix24_status", entries=n
    )


# ---------------------------------------------------------------------------- detection


def _detector(*, require: tuple[str, ...], any_of: tuple[str, ...] = (), absent: tuple[str, ...] = ()) -> Any:
    def detect(path: Path, head: bytes) -> bool:
        if not json_like(path, head):
            return False
        t = head_text(head)
        if '"_embedded"' in t:  # amoCRM
            return False
        return (
            has_keys(t, *require)
            and (not any_of or any(has_keys(t, k) for k in any_of))
            and not any(has_keys(t, k) for k in absent)
        )

    return detect


dictionaries.register_dictionary(SourceAdapter(
    name="bitrix24-status-json", vendor="bitrix24",
    description="crm.status.list (stage names and semantics per pipeline; a dictionary)",
    detect=_detector(require=("ENTITY_ID", "STATUS_ID", "NAME")), read=read_statuses,
))  # fmt: skip
register(SourceAdapter(
    name="bitrix24-activity-json", vendor="bitrix24",
    description="crm.activity.list (calls, meetings, tasks, e-mails as events)",
    detect=_detector(require=("OWNER_ID", "OWNER_TYPE_ID"), any_of=("PROVIDER_ID", "RESPONSIBLE_ID", "START_TIME")),
    read=read_activities,
))  # fmt: skip
register(SourceAdapter(
    name="bitrix24-stagehistory-json", vendor="bitrix24",
    description="crm.stagehistory.list (one event per entry into a stage)",
    detect=_detector(require=("OWNER_ID", "CREATED_TIME"), any_of=("STAGE_ID", "STATUS_ID")), read=read_stagehistory,
))  # fmt: skip
register(SourceAdapter(
    name="bitrix24-deal-list-json", vendor="bitrix24",
    description="crm.deal.list (deal creation and last stage move as events)",
    detect=_detector(require=("STAGE_ID", "DATE_CREATE"), absent=("OWNER_ID",)), read=read_deal_list,
))  # fmt: skip
register(SourceAdapter(
    name="bitrix24-lead-list-json", vendor="bitrix24",
    description="crm.lead.list (lead creation and last status move as events)",
    detect=_detector(require=("STATUS_ID", "DATE_CREATE"), absent=("OWNER_ID", "STAGE_ID", "ENTITY_ID")),
    read=read_lead_list,
))  # fmt: skip

from crmflow.sources import bitrix24_ui as _ui  # noqa: E402,F401  (UI exports register after the API shapes)
