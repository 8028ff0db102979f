"""One set of deals, exported the way each CRM would export it.

:func:`generate_deals` simulates deals moving through a sales pipeline -- with rework (a deal sent
back a stage), lost deals and deals still open -- and returns them as a :class:`DealSet`, the ground
truth. The writers then export the *same* deals:

* :func:`write_event_log_csv`: a generic event-log CSV (``Case ID, Activity, Timestamp, Resource``,
  UTC);
* :func:`write_bitrix24_exports`: ``crm.stagehistory.list`` pages (a JSON list of 50-item pages,
  times in ISO 8601 with the portal's +03:00 offset, stage ids with the pipeline's ``C<n>:`` prefix)
  and the ``crm.status.list`` dictionary (which also holds the default pipeline's stages under the
  same unprefixed ids with other names, so names must be resolved per pipeline);
* :func:`write_amocrm_exports`: ``/api/v4/events`` HAL pages (``lead_added`` with the stage it
  was created in, ``lead_status_changed`` with ``value_before``/``value_after`` ``lead_status``, newest first,
  Unix seconds), ``/api/v4/leads/pipelines`` (two pipelines, both with 142/143 under different
  names) and ``/api/v4/users``.

Read back, all three give the same process (directly-follows graph, variants, case durations);
other vendors' shapes can be added as further writers over the same :class:`DealSet`.

>>> deals = generate_deals(n_deals=5, seed=1)
>>> len(deals.deals), deals.stages[0].name
(5, 'Новая заявка')
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

__all__ = [
    "AmoExport",
    "BitrixExport",
    "Deal",
    "DealSet",
    "Move",
    "Stage",
    "generate_deals",
    "write_amocrm_exports",
    "write_bitrix24_exports",
    "write_event_log_csv",
]


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: Bitrix24 code (without the ``C<n>:`` prefix), amoCRM status id, name, semantics."""

    code: str
    amo_id: int
    name: str
    semantic: str  # P, S or F


STAGES: tuple[Stage, ...] = (
    Stage("NEW", 61000001, "Новая заявка", "P"),
    Stage("PREPARATION", 61000002, "Квалификация", "P"),
    Stage("PREPAYMENT_INVOICE", 61000003, "Коммерческое предложение", "P"),
    Stage("EXECUTING", 61000004, "Переговоры", "P"),
    Stage("FINAL_INVOICE", 61000005, "Счёт выставлен", "P"),
    Stage("WON", 142, "Успешно реализовано", "S"),
    Stage("LOSE", 143, "Закрыто и не реализовано", "F"),
)
USERS: tuple[tuple[int, str], ...] = (
    (8001, "Иванова Мария"), (8002, "Петров Сергей"), (8003, "Смирнов Алексей"), (8004, "Волкова Ольга"),
)  # fmt: skip
MSK = timezone(timedelta(hours=3))


@dataclass(frozen=True)
class Move:
    """A deal entering a stage."""

    stage: Stage
    at: datetime  # UTC
    user_id: int
    user: str


@dataclass(frozen=True)
class Deal:
    deal_id: int
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class DealSet:
    """The ground truth: deals with their stage entries, in time order."""

    deals: tuple[Deal, ...]
    stages: tuple[Stage, ...] = STAGES
    category_id: int = 2  # Bitrix24 pipeline
    pipeline_id: int = 7000001  # amoCRM pipeline


def generate_deals(n_deals: int = 200, *, seed: int = 7, start: datetime | None = None) -> DealSet:
    """Simulate ``n_deals`` deals: forward moves, rework (back one stage), losses, open deals.

    Times are whole seconds, strictly increasing within a deal.
    """
    rng = random.Random(seed)
    t0 = start or datetime(2024, 3, 4, 6, 0, tzinfo=UTC)
    flow = STAGES[:5]
    won, lost = STAGES[5], STAGES[6]
    deals = []
    for k in range(n_deals):
        at = t0 + timedelta(seconds=rng.randint(0, 60 * 86400))
        uid, name = rng.choice(USERS)
        moves = [Move(flow[0], at, uid, name)]
        pos, steps = 0, 0
        while steps < 30:
            steps += 1
            at = at + timedelta(seconds=rng.randint(600, 4 * 86400))
            uid, name = rng.choice(USERS)
            r = rng.random()
            if r < 0.07:  # lost
                moves.append(Move(lost, at, uid, name))
                break
            if r < 0.12:  # still open at export time
                break
            if r < 0.22 and pos >= 2:  # rework: back one stage
                pos -= 1
            elif pos == len(flow) - 1:
                moves.append(Move(won, at, uid, name))
                break
            else:
                pos += 1
            moves.append(Move(flow[pos], at, uid, name))
        deals.append(Deal(deal_id=1000 + 3 * k, moves=tuple(moves)))
    return DealSet(deals=tuple(deals))


def write_event_log_csv(deals: DealSet, path: str | Path) -> Path:
    """A generic event-log CSV (UTF-8, ``,``): one row per stage entry, UTC times."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Case ID", "Activity", "Timestamp", "Resource"])
        for d in deals.deals:
            for m in d.moves:
                w.writerow([d.deal_id, m.stage.name, m.at.strftime("%Y-%m-%d %H:%M:%S"), m.user])
    return p


@dataclass(frozen=True)
class BitrixExport:
    stagehistory: Path
    statuses: Path


def _bitrix_stage_id(deals: DealSet, stage: Stage) -> str:
    return stage.code if deals.category_id == 0 else f"C{deals.category_id}:{stage.code}"


def bitrix_status_records(deals: DealSet) -> list[dict[str, object]]:
    """``crm.status.list`` records of the deals' pipeline and of the default pipeline (other names)."""
    out: list[dict[str, object]] = []
    for cat, suffix in ((deals.category_id, ""), (0, " (общая воронка)")):
        for i, st in enumerate(deals.stages, start=1):
            sem = {"S": "S", "F": "F"}.get(st.semantic)
            out.append({
                "ID": str(len(out) + 1), "ENTITY_ID": "DEAL_STAGE" if cat == 0 else f"DEAL_STAGE_{cat}",
                "STATUS_ID": st.code if cat == 0 else f"C{cat}:{st.code}", "NAME": st.name + suffix,
                "NAME_INIT": st.name, "SORT": str(10 * i), "SYSTEM": "Y" if st.semantic != "P" or i == 1 else "N",
                "CATEGORY_ID": str(cat), "COLOR": "#39A8EF", "SEMANTICS": sem,
                "EXTRA": {"SEMANTICS": {"S": "success", "F": "failure"}.get(st.semantic, "process"), "COLOR": "#39A8EF"},
            })  # fmt: skip
    return out


def bitrix_stagehistory_items(deals: DealSet) -> list[dict[str, object]]:
    """``crm.stagehistory.list`` items (deals), in ID order."""
    items: list[dict[str, object]] = []
    for d in deals.deals:
        for i, m in enumerate(d.moves):
            type_id = 1 if i == 0 else (3 if m.stage.semantic != "P" else 2)
            items.append({
                "ID": 0, "TYPE_ID": type_id, "OWNER_ID": d.deal_id,
                "CREATED_TIME": m.at.astimezone(MSK).isoformat(), "CATEGORY_ID": deals.category_id,
                "STAGE_SEMANTIC_ID": m.stage.semantic, "STAGE_ID": _bitrix_stage_id(deals, m.stage),
            })  # fmt: skip
    items.sort(key=lambda x: (str(x["CREATED_TIME"]), int(str(x["OWNER_ID"]))))
    for n, it in enumerate(items, start=1):
        it["ID"] = n
    return items


def bitrix_pages(records: list[dict[str, object]], *, items: bool, page_size: int = 50) -> list[dict[str, object]]:
    """Records as Bitrix24 list responses (``result`` or ``result.items``, ``total``, ``next``)."""
    pages: list[dict[str, object]] = []
    for start in range(0, max(len(records), 1), page_size):
        chunk = records[start : start + page_size]
        page: dict[str, object] = {"result": {"items": chunk} if items else chunk, "total": len(records)}
        if start + page_size < len(records):
            page["next"] = start + page_size
        page["time"] = {"start": 1714056000.1, "finish": 1714056000.2, "duration": 0.1, "processing": 0.05}
        pages.append(page)
    return pages


def write_bitrix24_exports(deals: DealSet, folder: str | Path, *, page_size: int = 50) -> BitrixExport:
    """The stage history (a JSON list of pages) and the stage dictionary, as saved from the REST API."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    hist = out / "bitrix24_stagehistory.json"
    hist.write_text(json.dumps(bitrix_pages(bitrix_stagehistory_items(deals), items=True, page_size=page_size),
                               ensure_ascii=False, indent=1), encoding="utf-8")  # fmt: skip
    st = out / "bitrix24_status.json"
    st.write_text(json.dumps(bitrix_pages(bitrix_status_records(deals), items=False, page_size=page_size),
                             ensure_ascii=False, indent=1), encoding="utf-8")  # fmt: skip
    return BitrixExport(stagehistory=hist, statuses=st)


@dataclass(frozen=True)
class AmoExport:
    events: Path
    pipelines: Path
    users: Path


def amo_event_records(deals: DealSet) -> list[dict[str, object]]:
    """``/api/v4/events`` items (``lead_added`` + ``lead_status_changed``), newest first."""
    pid = deals.pipeline_id
    events: list[dict[str, object]] = []
    for d in deals.deals:
        prev: Stage | None = None
        for m in d.moves:
            ev: dict[str, object] = {
                "id": f"01h{d.deal_id:06d}{len(events):07d}", "type": "lead_added" if prev is None else "lead_status_changed",
                "entity_id": d.deal_id, "entity_type": "lead", "created_by": m.user_id, "created_at": int(m.at.timestamp()),
                "value_after": [{"lead_status": {"id": m.stage.amo_id, "pipeline_id": pid}}],
                "value_before": [] if prev is None else [{"lead_status": {"id": prev.amo_id, "pipeline_id": pid}}],
                "account_id": 30000001,
                "_links": {"self": {"href": f"https://example.amocrm.ru/api/v4/events/01h{d.deal_id}"}},
                "_embedded": {"entity": {"id": d.deal_id, "_links": {"self": {"href": f"https://example.amocrm.ru/api/v4/leads/{d.deal_id}"}}}},
            }  # fmt: skip
            events.append(ev)
            prev = m.stage
    events.sort(key=lambda e: (-int(str(e["created_at"])), str(e["id"])))
    return events


def amo_pages(collection: str, records: list[dict[str, object]], *, page_size: int = 100) -> list[dict[str, object]]:
    """Records as amoCRM HAL pages (``_page``, ``_links.self/next``, ``_embedded.<collection>``)."""
    base = f"https://example.amocrm.ru/api/v4/{collection}"
    pages: list[dict[str, object]] = []
    for n, start in enumerate(range(0, max(len(records), 1), page_size), start=1):
        links: dict[str, object] = {"self": {"href": f"{base}?page={n}&limit={page_size}"}}
        if start + page_size < len(records):
            links["next"] = {"href": f"{base}?page={n + 1}&limit={page_size}"}
        pages.append({"_page": n, "_links": links, "_embedded": {collection: records[start : start + page_size]}})
    return pages


def amo_pipeline_records(deals: DealSet) -> list[dict[str, object]]:
    """Two pipelines; both have 142/143, under different names in the second."""

    def status(pid: int, sid: int, name: str, sort: int) -> dict[str, object]:
        return {"id": sid, "name": name, "sort": sort, "is_editable": sid not in (142, 143), "pipeline_id": pid,
                "color": "#99ccff", "type": 0, "account_id": 30000001}  # fmt: skip

    main = [status(deals.pipeline_id, s.amo_id, s.name, 10 * i) for i, s in enumerate(deals.stages, start=1)]
    other_id = deals.pipeline_id + 1
    other = [status(other_id, 62000001, "Новая заявка (повторные)", 10), status(other_id, 62000002, "Счёт", 20),
             status(other_id, 142, "Оплачено", 10000), status(other_id, 143, "Отказ", 11000)]  # fmt: skip
    return [
        {"id": deals.pipeline_id, "name": "Продажи", "sort": 1, "is_main": True, "is_unsorted_on": True,
         "is_archive": False, "account_id": 30000001, "_embedded": {"statuses": main}},
        {"id": other_id, "name": "Повторные продажи", "sort": 2, "is_main": False, "is_unsorted_on": False,
         "is_archive": False, "account_id": 30000001, "_embedded": {"statuses": other}},
    ]  # fmt: skip


def write_amocrm_exports(deals: DealSet, folder: str | Path, *, page_size: int = 100) -> AmoExport:
    """Events (one HAL page per line, JSON lines), pipelines and users, as saved from API v4."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    ev = out / "amocrm_events.jsonl"
    ev.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in amo_pages("events", amo_event_records(deals),
                                                                                      page_size=page_size)),
                  encoding="utf-8")  # fmt: skip
    pl = out / "amocrm_pipelines.json"
    pl.write_text(
        json.dumps(amo_pages("pipelines", amo_pipeline_records(deals))[0], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    us = out / "amocrm_users.json"
    users = [
        {
            "id": uid,
            "name": name,
            "email": f"user{uid}@example.ru",
            "lang": "ru",
            "rights": {"leads": {"view": "A", "edit": "A"}, "is_admin": False, "is_active": True},
        }
        for uid, name in USERS
    ]
    us.write_text(json.dumps(amo_pages("users", users)[0], ensure_ascii=False, indent=1), encoding="utf-8")
    return AmoExport(events=ev, pipelines=pl, users=us)
