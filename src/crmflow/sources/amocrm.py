"""amoCRM / Kommo API v4 responses saved as JSON: events, leads, contacts, pipelines, users.

HAL pages (``_page``, ``_links.next``, records under ``_embedded.<name>``), one per file, as a list
or one per line. Times are Unix seconds. The mapping (see ``docs/sources.md``):

* ``/api/v4/events``: case = ``entity_id`` (leads -- amoCRM's deals -- keep their id, contacts and
  companies get a prefix: ``contact:5``), time = ``created_at``, resource = ``created_by`` (named
  with ``/api/v4/users`` when given). ``lead_status_changed`` → the stage entered,
  ``value_after[0].lead_status = {id, pipeline_id}`` named with the pipelines dictionary *per
  pipeline* (ids 142 "won" and 143 "lost" exist in every pipeline); ``lead_added`` → the stage the
  lead was created in (its own ``value_after`` status, else the ``value_before`` of the lead's first
  status change, else "Deal created"); calls, chat messages, tasks, notes, responsible changes
  under their names; other types keep the API's type name.
* ``/api/v4/leads``: the creation (``created_at`` by ``created_by``) and, for closed leads, the
  final stage at ``closed_at``; ``/api/v4/contacts``: the contact's creation.
* ``/api/v4/leads/pipelines`` (with ``_embedded.statuses``) and ``/api/v4/users``: dictionaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crmflow.errors import SourceError
from crmflow.i18n import error
from crmflow.ingest.raw import ProgressFn, RawTable
from crmflow.sources import dictionaries
from crmflow.sources.messages import MESSAGES, msg
from crmflow.sources.pages import Page, has_keys, head_text, is_page, json_like, store_pages
from crmflow.sources.records import RecordCheck, checked_records, dictionary_records
from crmflow.sources.registry import SourceAdapter, register
from crmflow.sources.rows import EventRows, text_or_none, unix_time
from crmflow.store.store import EventStore

WON_STATUS_ID, LOST_STATUS_ID = 142, 143
_UNIX = "Unix seconds such as 1704103200"
_EXPECT_EVENT = "an /api/v4/events item with type, entity_id, entity_type and created_at"
_EXPECT_LEAD = "an /api/v4/leads item with id, status_id, pipeline_id and created_at"
_EXPECT_CONTACT = "an /api/v4/contacts item with id and created_at"
_EXPECT_PIPELINE = "an /api/v4/leads/pipelines item with id, name and _embedded.statuses[] {id, name}"
_EXPECT_USER = "an /api/v4/users item with id and name"
_ATTRS_EVENT = ("entity", "event_type", "pipeline", "status_id", "stage_semantic", "record_id")
_ATTRS_LEAD = ("entity", "pipeline", "stage", "status_id", "stage_semantic", "amount", "responsible", "record_id")
_EVENT_NAMES = {
    "incoming_call": "call_in", "outgoing_call": "call_out", "incoming_chat_message": "chat_in",
    "outgoing_chat_message": "chat_out", "task_added": "task_added", "task_completed": "task_completed",
    "entity_responsible_changed": "responsible_changed", "lead_deleted": "lead_deleted",
    "lead_restored": "lead_restored", "common_note_added": "note",
}  # fmt: skip


def entity_case(entity_type: str, entity_id: str) -> tuple[str, str]:
    """(entity, case id): leads keep their id, other entities are prefixed.

    >>> entity_case("lead", "7"), entity_case("contacts", "7")
    (('lead', '7'), ('contact', 'contact:7'))
    """
    e = {"leads": "lead", "contacts": "contact", "companies": "company", "customers": "customer"}.get(entity_type, entity_type)
    return e, (entity_id if e == "lead" else f"{e}:{entity_id}")


def semantic(status_id: int | None) -> str:
    """``S`` for 142, ``F`` for 143, else ``P``."""
    return {WON_STATUS_ID: "S", LOST_STATUS_ID: "F"}.get(status_id or 0, "P")


class AmoNames:
    """Stage, pipeline and user names from the dictionaries in the store."""

    def __init__(self, store: EventStore) -> None:
        self.lang = store.settings.lang
        rows = dictionaries.load(store, "amocrm_status")
        self.status = {(r["pipeline_id"], r["status_id"]): r["name"] for r in rows}
        self.pipeline = {r["pipeline_id"]: r["pipeline"] for r in rows}
        self.user = {r["user_id"]: r["name"] for r in dictionaries.load(store, "amocrm_user")}

    def stage(self, pipeline_id: int | None, status_id: int) -> str:
        """The stage's name in its pipeline; 142/143 have their standard names; else the id."""
        name = self.status.get((pipeline_id, status_id))
        if name:
            return str(name)
        if status_id in (WON_STATUS_ID, LOST_STATUS_ID):
            return msg("won" if status_id == WON_STATUS_ID else "lost", self.lang)
        return str(status_id)

    def pipeline_name(self, pipeline_id: int | None) -> str | None:
        return None if pipeline_id is None else str(self.pipeline.get(pipeline_id) or pipeline_id)

    def user_name(self, user: Any) -> str | None:
        uid = _int(user)
        return str(self.user.get(uid) or uid) if uid is not None else text_or_none(user)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _records(pages: list[Page], *, source: str, collection: str, expected: str, lang: str) -> Iterator[tuple[Page, int, Any]]:
    """(page, record index, record) of ``_embedded.<collection>`` in every page (or a bare list)."""
    for page in pages:
        body = page.body
        if isinstance(body, list) and not is_page(body):
            records: Any = body
        else:
            emb = body.get("_embedded") if isinstance(body, dict) else None
            if not isinstance(emb, dict) or not isinstance(emb.get(collection), list):
                key = "_embedded" if not isinstance(emb, dict) else f"_embedded.{collection}"
                raise error(SourceError, MESSAGES, "bad_page", lang, source=source, page=page.index, key=key, expected=expected)
            records = emb[collection]
        for i, rec in enumerate(records, start=1):
            yield page, i, rec


def _status_of(values: Any) -> tuple[int | None, int | None]:
    """(pipeline_id, status_id) from ``value_after``/``value_before``: ``[{"lead_status": {...}}]``."""
    if isinstance(values, list):
        for v in values:
            if isinstance(v, dict) and isinstance(v.get("lead_status"), dict):
                st = v["lead_status"]
                return _int(st.get("pipeline_id")), _int(st.get("id"))
    return None, None


def checked_event(chk: RecordCheck, rec: Any, line: int | None, lang: str) -> dict[str, Any] | None:
    """The fields of one ``/api/v4/events`` record, or None when it went to the quarantine."""
    etype = chk.text("type", "missing_activity")
    eid = chk.text("entity_id", "missing_case_id")
    etyp = chk.text("entity_type", "missing_case_id")
    ts = chk.time("created_at", parse=unix_time, expected=_UNIX)
    pipeline_id, status_id = _status_of(rec.get("value_after"))
    if etype == "lead_status_changed" and status_id is None:
        chk.bad(
            msg(
                "missing_key",
                lang,
                where=chk.where,
                key="value_after[0].lead_status.id",
                expected="lead_status_changed with value_after [{lead_status: {id, pipeline_id}}]",
            ),
            "missing_activity",
            "value_after",
        )
    if chk.reject_if_bad(line):
        return None
    assert etype is not None and eid is not None and etyp is not None and ts is not None
    entity, case = entity_case(etyp, eid)
    before: tuple[int | None, int | None] = (None, None)
    t = 0
    if etype == "lead_status_changed":
        before = _status_of(rec.get("value_before"))
        t = int(rec["created_at"]) if _int(rec["created_at"]) is not None else 0
    return {"type": etype, "entity": entity, "case": case, "ts": ts, "t": t, "pipeline_id": pipeline_id,
            "status_id": status_id, "before": before}  # fmt: skip


def event_activity(names: AmoNames, etype: str, pipeline_id: int | None, status_id: int | None, lang: str) -> str:
    """The activity of an event: the stage entered, or the event's name."""
    if etype in ("lead_status_changed", "lead_added") and status_id is not None:
        return names.stage(pipeline_id, status_id)
    if etype == "lead_added":
        return msg("deal_created", lang)
    if etype in _EVENT_NAMES:
        return msg(_EVENT_NAMES[etype], lang)
    if etype.endswith("_note_added"):
        return msg("note", lang)
    return etype


def read_events(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``/api/v4/events`` pages → events; stage changes named per pipeline.

    Read by DuckDB (:mod:`crmflow.sources.amocrm_scan`); a file it cannot read goes through the Python reader.
    """
    from crmflow.sources.amocrm_scan import read_events_in_engine

    label = Path(path).name
    lang = store.settings.lang
    if progress:
        progress(f"{label}: amoCRM events")
    names = AmoNames(store)
    rows = EventRows(source=label, log_name=log_name, attributes=_ATTRS_EVENT)
    fast = read_events_in_engine(store, path, rows, names)
    if fast is not None:
        return fast
    pages = store_pages(store, path)
    good: list[dict[str, Any]] = []
    first_before: dict[str, tuple[int, tuple[int | None, int | None]]] = {}  # case -> (time, status before)
    records = _records(pages, source=label, collection="events", expected=_EXPECT_EVENT, lang=lang)
    for page, rec, chk in checked_records(rows, records, source=label, expected=_EXPECT_EVENT, lang=lang):
        ev = checked_event(chk, rec, page.line, lang)
        if ev is None:
            continue
        if ev["type"] == "lead_status_changed":
            case, t = ev["case"], ev["t"]
            if case not in first_before or t < first_before[case][0]:
                first_before[case] = (t, ev["before"])
        good.append({**ev, "no": rows.take_no(), "page": page, "rec": rec})
    for g in good:
        etype, rec = g["type"], g["rec"]
        pipeline_id, status_id = g["pipeline_id"], g["status_id"]
        if etype == "lead_added" and status_id is None and g["case"] in first_before:
            pipeline_id, status_id = first_before[g["case"]][1]
        rows.event(
            case=g["case"],
            activity=event_activity(names, etype, pipeline_id, status_id, lang),
            time=g["ts"],
            resource=names.user_name(rec.get("created_by")),
            line=g["page"].line,
            row_no=g["no"],
            entity=g["entity"],
            event_type=etype,
            pipeline=names.pipeline_name(pipeline_id),
            status_id=status_id,
            stage_semantic=semantic(status_id) if status_id is not None else None,
            record_id=rec.get("id"),
        )
    return rows.to_raw(store, format="amocrm-events", info={"pages": len(pages), "engine": "python"})


def read_leads(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``/api/v4/leads`` pages → each lead's creation and, when closed, its final stage."""
    label = Path(path).name
    lang = store.settings.lang
    pages = store_pages(store, path, progress=progress, what="amoCRM leads")
    names = AmoNames(store)
    rows = EventRows(source=label, log_name=log_name, attributes=_ATTRS_LEAD)
    records = _records(pages, source=label, collection="leads", expected=_EXPECT_LEAD, lang=lang)
    for page, rec, chk in checked_records(rows, records, source=label, expected=_EXPECT_LEAD, lang=lang):
        lid = chk.text("id", "missing_case_id")
        status = chk.text("status_id", "missing_activity")
        created = chk.time("created_at", parse=unix_time, expected=_UNIX)
        closed = chk.time("closed_at", parse=unix_time, expected=_UNIX) if text_or_none(rec.get("closed_at")) else None
        if chk.reject_if_bad(page.line):
            continue
        assert lid is not None and status is not None and created is not None
        pipeline_id, status_id = _int(rec.get("pipeline_id")), _int(status)
        stage = names.stage(pipeline_id, status_id) if status_id is not None else status
        common = {
            "entity": "lead",
            "pipeline": names.pipeline_name(pipeline_id),
            "stage": stage,
            "status_id": status,
            "stage_semantic": semantic(status_id),
            "amount": rec.get("price"),
            "responsible": names.user_name(rec.get("responsible_user_id")),
            "record_id": lid,
        }
        rows.event(
            case=lid,
            activity=msg("deal_created", lang),
            time=created,
            resource=names.user_name(rec.get("created_by")),
            line=page.line,
            **common,
        )
        if closed is not None:
            rows.event(
                case=lid, activity=stage, time=closed, resource=names.user_name(rec.get("updated_by")), line=page.line, **common
            )
    return rows.to_raw(store, format="amocrm-leads", info={"pages": len(pages)})


def read_contacts(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``/api/v4/contacts`` pages → one "contact created" event per contact."""
    label = Path(path).name
    lang = store.settings.lang
    pages = store_pages(store, path, progress=progress, what="amoCRM contacts")
    names = AmoNames(store)
    rows = EventRows(source=label, log_name=log_name, attributes=("entity", "responsible", "record_id"))
    records = _records(pages, source=label, collection="contacts", expected=_EXPECT_CONTACT, lang=lang)
    for page, rec, chk in checked_records(rows, records, source=label, expected=_EXPECT_CONTACT, lang=lang):
        cid = chk.text("id", "missing_case_id")
        created = chk.time("created_at", parse=unix_time, expected=_UNIX)
        if chk.reject_if_bad(page.line):
            continue
        assert cid is not None and created is not None
        rows.event(
            case=f"contact:{cid}",
            activity=msg("contact_created", lang),
            time=created,
            resource=names.user_name(rec.get("created_by")),
            line=page.line,
            entity="contact",
            responsible=names.user_name(rec.get("responsible_user_id")),
            record_id=cid,
        )
    return rows.to_raw(store, format="amocrm-contacts", info={"pages": len(pages)})


def _dict_error(lang: str, where: str, key: str, expected: str, present: bool) -> SourceError:
    return SourceError(msg("empty_key" if present else "missing_key", lang, where=where, key=key, expected=expected))


def read_pipelines(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``/api/v4/leads/pipelines`` → the stage dictionary, keyed by (pipeline id, status id)."""
    label = Path(path).name
    lang = store.settings.lang
    pages = store_pages(store, path)
    entries = []
    records = _records(pages, source=label, collection="pipelines", expected=_EXPECT_PIPELINE, lang=lang)
    for where, rec in dictionary_records(records, source=label, lang=lang):
        pid = _int(rec.get("id"))
        if pid is None:
            raise _dict_error(lang, where, "id", _EXPECT_PIPELINE, "id" in rec)
        emb = rec.get("_embedded")
        statuses = emb.get("statuses") if isinstance(emb, dict) else None
        if not isinstance(statuses, list):
            raise _dict_error(lang, where, "_embedded.statuses", _EXPECT_PIPELINE, False)
        for j, st in enumerate(statuses, start=1):
            swhere = f"{where}, status {j}"
            sid = _int(st.get("id")) if isinstance(st, dict) else None
            if sid is None or not text_or_none(st.get("name")):
                raise _dict_error(lang, swhere, "id" if sid is None else "name", _EXPECT_PIPELINE, isinstance(st, dict))
            entries.append(
                {
                    "pipeline_id": pid,
                    "pipeline": text_or_none(rec.get("name")),
                    "status_id": sid,
                    "name": str(st["name"]).strip(),
                    "sort": _int(st.get("sort")),
                    "type": _int(st.get("type")),
                }
            )
    if not entries:
        raise error(SourceError, MESSAGES, "no_records", lang, source=label, expected=_EXPECT_PIPELINE)
    n = dictionaries.save(store, "amocrm_status", entries)
    return dictionaries.dictionary_raw(store, source=label, format="amocrm-pipelines", dictionary="amocrm_status", entries=n)


def read_users(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """``/api/v4/users`` → the user dictionary (``created_by`` ids become names)."""
    label = Path(path).name
    lang = store.settings.lang
    pages = store_pages(store, path)
    entries = []
    records = _records(pages, source=label, collection="users", expected=_EXPECT_USER, lang=lang)
    for where, rec in dictionary_records(records, source=label, lang=lang):
        uid = _int(rec.get("id"))
        if uid is None or not text_or_none(rec.get("name")):
            key = "id" if uid is None else "name"
            raise _dict_error(lang, where, key, _EXPECT_USER, key in rec)
        entries.append({"user_id": uid, "name": str(rec["name"]).strip()})
    if not entries:
        raise error(SourceError, MESSAGES, "no_records", lang, source=label, expected=_EXPECT_USER)
    n = dictionaries.save(store, "amocrm_user", entries)
    return dictionaries.dictionary_raw(store, source=label, format="amocrm-users", dictionary="amocrm_user", entries=n)


# ---------------------------------------------------------------------------- detection

_COLLECTIONS = ("events", "leads", "contacts", "companies", "pipelines", "users", "tasks", "notes", "customers")
_EMBEDDED = re.compile(r'"_embedded"\s*:\s*\{\s*"(\w+)"')


def _collection(head: bytes) -> str | None:
    m = _EMBEDDED.search(head_text(head))
    return m.group(1) if m else None


def _detector(collection: str, *, bare_keys: tuple[str, ...] = ()) -> Any:
    def detect(path: Path, head: bytes) -> bool:
        if not json_like(path, head):
            return False
        found = _collection(head)
        if found == collection:
            return True
        t = head_text(head)
        if found in _COLLECTIONS:
            return False
        return bool(bare_keys) and t.lstrip().startswith("[") and has_keys(t, *bare_keys)

    return detect


dictionaries.register_dictionary(SourceAdapter(
    name="amocrm-pipelines-json", vendor="amocrm",
    description="/api/v4/leads/pipelines with statuses (stage names per pipeline; a dictionary)",
    detect=_detector("pipelines"), read=read_pipelines,
))  # fmt: skip
dictionaries.register_dictionary(SourceAdapter(
    name="amocrm-users-json", vendor="amocrm", description="/api/v4/users (user names; a dictionary)",
    detect=_detector("users"), read=read_users,
))  # fmt: skip
register(SourceAdapter(
    name="amocrm-events-json", vendor="amocrm",
    description="/api/v4/events (lead_added, lead_status_changed, calls, tasks, notes… as events)",
    detect=_detector("events", bare_keys=("type", "entity_id", "entity_type", "created_at", "value_after")),
    read=read_events,
))  # fmt: skip
register(SourceAdapter(
    name="amocrm-leads-json", vendor="amocrm",
    description="/api/v4/leads (creation and closing of each lead as events)", detect=_detector("leads"), read=read_leads,
))  # fmt: skip
register(SourceAdapter(
    name="amocrm-contacts-json", vendor="amocrm", description="/api/v4/contacts (contact creation as events)",
    detect=_detector("contacts"), read=read_contacts,
))  # fmt: skip
