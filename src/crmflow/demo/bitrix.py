"""A realistic Bitrix24 deal stage-history export, with planted findings and their ground truth.

:func:`generate_bitrix_demo` writes what a Russian sales department gets from the Bitrix24 UI:
a ``;``-separated, cp1251, CRLF CSV with Russian headers, one row per entry of a deal into a stage,
local Moscow times as ``dd.mm.yyyy hh:mm:ss`` and amounts like ``125 000,50``. Into it it plants
a bottleneck, SLA breaches (in working and in calendar time), rework loops, ping-pong hand-overs,
a workload concentration, stuck deals and a few broken rows, and returns the exact ground truth,
computed from the rows it wrote.

:func:`write_scaled_event_csv` writes a large generic UTF-8 event log for benchmarks.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from crmflow.demo.calendar_model import WorkingCalendar

__all__ = [
    "BROKEN_KINDS",
    "HEADER",
    "STAGES",
    "BitrixDemo",
    "generate_bitrix_demo",
]

NEW, FIRST, QUAL, OFFER, NEGO, CONTRACT, INVOICE, WON, LOST = STAGES = (
    "Новая заявка",
    "Первый контакт",
    "Квалификация",
    "Коммерческое предложение",
    "Переговоры",
    "Договор подписан",
    "Счёт выставлен",
    "Оплата получена",
    "Сделка проиграна",
)
HEADER = (
    "ID", "Тип", "ID сделки", "Название сделки", "Воронка", "Стадия", "Группа стадии", "Дата",
    "Ответственный", "Отдел", "Сумма", "Источник",
)  # fmt: skip
PIPELINE = "Продажи"
BROKEN_KINDS = (
    "impossible_date", "empty_deal_id", "extra_field", "bad_date_format", "empty_stage",
    "unterminated_quote",
)  # fmt: skip
RULES_PATH = Path(__file__).with_name("rules_bitrix.yaml")

_TEAM = {
    "Отдел продаж": ("Иванова Мария", "Петров Сергей", "Кузнецова Анна", "Соколов Дмитрий",
                     "Попова Елена", "Лебедев Андрей"),
    "Аккаунт-менеджеры": ("Смирнов Алексей", "Волкова Ольга", "Новиков Игорь"),
    "Юристы": ("Морозова Татьяна", "Фёдоров Павел"),
    "Бухгалтерия": ("Белова Наталья", "Козлов Виктор"),
}  # fmt: skip
_DEPARTMENT = {name: dept for dept, names in _TEAM.items() for name in names}
_DOMINANT = "Смирнов Алексей"  # handles ~60 % of Переговоры
_SOURCES = ("Сайт", "Звонок", "Реклама", "Рекомендация", "Выставка", "E-mail", "Повторная продажа")
_NIGHT_SOURCES = ("Сайт", "Реклама", "E-mail")
_PRODUCTS = ("Поставка оборудования", "Лицензии 1С", "Внедрение CRM", "Монтаж; пусконаладка",
             "Сервисный договор", "Обучение персонала", "Аренда серверов", "Аудит ИТ-инфраструктуры")  # fmt: skip
_COMPANIES = ('ООО "Вектор"', "ООО «Ромашка»", "АО «Северсталь-Сервис»", 'ИП Гришин А. В.', "ООО «Альфа-Трейд»",
              'ЗАО "Техснаб"', "ООО «Уралпромсталь»", "ГК «Меридиан»", "ООО «Дельта»", 'ООО "Кедр"')  # fmt: skip

# Working-time medians (minutes) of each wait; sigma of the log-normal; clipped to [0.15, 4] x median.
_MEDIAN = {QUAL: 120.0, OFFER: 240.0, NEGO: 300.0, CONTRACT: 540.0, INVOICE: 1800.0, WON: 420.0,
           LOST: 480.0}  # fmt: skip
_REQUOTE_MEDIAN = 240.0
_SIGMA = {INVOICE: 0.45}
_LOSS_P = {NEW: 0.03, FIRST: 0.10, QUAL: 0.15, OFFER: 0.15, NEGO: 0.22, CONTRACT: 0.02, INVOICE: 0.05}
_EXPORT_AFTER_DAYS = 170
_STUCK_DAYS = 30
_PLANTED_GAP_DAYS = 35  # a planted stuck deal is silent for at least this long


@dataclass(frozen=True)
class BitrixDemo:
    """What :func:`generate_bitrix_demo` wrote, and the ground truth planted in it.

    Attributes
    ----------
    csv_path
        The stage-history export (cp1251, ``;``, CRLF).
    rules_path
        A copy of ``rules_bitrix.yaml`` next to the export.
    ground_truth_path
        ``planted`` as UTF-8 JSON.
    n_deals, seed
        The generator's arguments.
    n_data_rows, n_valid_rows
        Data rows in the file (header excluded), and those among them that are not broken.
    planted
        The ground truth (JSON-compatible); see :func:`generate_bitrix_demo` for its keys.
    """

    csv_path: Path
    rules_path: Path
    ground_truth_path: Path
    n_deals: int
    seed: int
    n_data_rows: int
    n_valid_rows: int
    planted: dict[str, Any]


class _Ev(NamedTuple):
    deal: int
    seq: int
    stage: str
    ts: datetime
    who: str
    amount: int  # kopecks


class _Deal(NamedTuple):
    id: int
    title: str
    source: str
    created: datetime
    off_hours: bool
    role: str  # normal | rework | pingpong | stuck


def generate_bitrix_demo(
    out_dir: str | Path,
    *,
    n_deals: int = 1500,
    seed: int = 7,
    start: date = date(2025, 9, 1),
    broken_rows: int = 12,
) -> BitrixDemo:
    """Write a Bitrix24 deal stage-history UI export with planted findings.

    Writes ``bitrix_stage_history.csv`` (cp1251, ``;``, CRLF, header :data:`HEADER`),
    ``rules_bitrix.yaml`` and ``bitrix_ground_truth.json`` into ``out_dir``. The same
    arguments always give the same bytes.

    Parameters
    ----------
    out_dir
        Directory to write into (created if missing).
    n_deals
        Number of real deals (broken rows belong to extra "ghost" deal ids ``900001...``).
    seed
        Seed of the random generator.
    start
        First day deals are created; the export ends 170 days later.
    broken_rows
        Broken rows to insert; kinds cycle through :data:`BROKEN_KINDS` and the last one, an
        unterminated quote, is always the file's last line (it swallows the rest of the file).

    Returns
    -------
    BitrixDemo
        Paths, row counts and ``planted``, whose keys are: ``export_end``, ``n_deals``,
        ``n_data_rows``, ``n_valid_rows``, ``n_lines``, ``stages``, ``funnel``, ``outcomes``,
        ``bottleneck``, ``transitions``, ``sla_first_contact``, ``sla_invoice``, ``rework``,
        ``ping_pong``, ``workload``, ``stuck``, ``open_deal_ids``, ``broken_rows``.

    Examples
    --------
    >>> import tempfile
    >>> demo = generate_bitrix_demo(tempfile.mkdtemp(), n_deals=60, broken_rows=6)
    >>> demo.n_data_rows - demo.n_valid_rows
    6
    >>> demo.planted["bottleneck"]["transition"]
    'Договор подписан → Счёт выставлен'
    """
    if n_deals < 1:
        raise ValueError(f"n_deals must be at least 1, got {n_deals}")
    if broken_rows < 0:
        raise ValueError(f"broken_rows cannot be negative, got {broken_rows}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cal = WorkingCalendar.russian(years=range(start.year, start.year + 2))
    export_at = datetime.combine(start + timedelta(days=_EXPORT_AFTER_DAYS), time(18, 0))
    deals = _make_deals(rng, cal, n_deals, start, export_at)
    events: list[_Ev] = []
    for deal in deals:
        events.extend(_simulate(rng, cal, deal, export_at))
    events.sort(key=lambda e: (e.ts, e.deal, e.seq))
    info = {d.id: d for d in deals}
    rows = [_row(e, info[e.deal]) for e in events]
    lines, broken = _insert_broken(rng, rows, broken_rows)
    csv_path = out / "bitrix_stage_history.csv"
    csv_path.write_bytes(("\r\n".join([";".join(HEADER), *lines]) + "\r\n").encode("cp1251"))
    planted = _ground_truth(cal, deals, events)
    planted.update(
        n_deals=n_deals,
        n_data_rows=len(lines),
        n_valid_rows=len(rows),
        n_lines=len(lines) + 1,
        stages=list(STAGES),
        broken_rows=broken,
    )
    rules_path = out / "rules_bitrix.yaml"
    rules_path.write_bytes(RULES_PATH.read_bytes())
    gt_path = out / "bitrix_ground_truth.json"
    gt_path.write_text(json.dumps(planted, ensure_ascii=False, indent=1), encoding="utf-8")
    return BitrixDemo(csv_path, rules_path, gt_path, n_deals, seed, len(lines), len(rows), planted)


def _make_deals(rng: np.random.Generator, cal: WorkingCalendar, n: int, start: date, export_at: datetime) -> list[_Deal]:
    first = datetime.combine(start, time(0))
    span = (export_at - timedelta(days=2) - first).total_seconds()
    created: list[tuple[datetime, bool]] = []
    for _ in range(n):
        off = bool(rng.random() < 0.12)
        while True:  # rejection sampling: lands on the requested side of the working calendar
            moment = first + timedelta(seconds=int(rng.integers(0, int(span))))
            if off:
                clock = moment.time()
                night = clock >= time(19, 30) or clock < time(8, 30)
                if not cal.is_working_day(moment.date()) or night:
                    break
            elif cal.is_working_day(moment.date()) and time(9, 0) <= moment.time() < time(18, 50):
                break
        created.append((moment, off))
    created.sort()
    deals = []
    late = export_at - timedelta(days=40)  # planted traits need time to show
    for i, (moment, off) in enumerate(created):
        u = rng.random()
        role = "normal"
        if moment < late:
            role = "rework" if u < 0.06 else "pingpong" if u < 0.10 else "stuck" if u < 0.14 else "normal"
        product = _PRODUCTS[int(rng.integers(len(_PRODUCTS)))]
        company = _COMPANIES[int(rng.integers(len(_COMPANIES)))]
        sources = _NIGHT_SOURCES if off else _SOURCES
        source = sources[int(rng.integers(len(sources)))]
        deals.append(_Deal(1001 + i, f"{product} — {company}", source, moment, off, role))
    return deals


def _simulate(rng: np.random.Generator, cal: WorkingCalendar, deal: _Deal, export_at: datetime) -> list[_Ev]:
    """One deal's stage entries up to the export moment."""
    sales = _TEAM["Отдел продаж"]
    owner = sales[int(rng.integers(len(sales)))]
    others = [s for s in sales if s != owner]
    colleague = others[int(rng.integers(len(others)))]
    accounts = _TEAM["Аккаунт-менеджеры"]
    negotiator = _DOMINANT if rng.random() < 0.62 else accounts[1 + int(rng.integers(2))]
    lawyer = _TEAM["Юристы"][int(rng.integers(2))]
    accountant = _TEAM["Бухгалтерия"][int(rng.integers(2))]
    amount = int(round(float(rng.lognormal(np.log(180_000), 0.9)), -2)) * 100
    if rng.random() < 0.2:
        amount += int(rng.integers(1, 100))
    events = [_Ev(deal.id, 0, NEW, deal.created, owner, amount)]

    def wait(median: float, sigma: float = 0.7) -> int:
        minutes = median * float(np.clip(rng.lognormal(0.0, sigma), 0.15, 4.0))
        return round(minutes * 60)

    def move(stage: str, who: str, seconds: int) -> None:
        last = events[-1]
        events.append(_Ev(deal.id, len(events), stage, cal.add_working_seconds(last.ts, seconds), who, amount))

    def lose(stage: str, forced: bool) -> bool:
        if deal.role != "stuck" and not forced and rng.random() < _LOSS_P[stage]:
            move(LOST, events[-1].who, wait(_MEDIAN[LOST]))
            return True
        return False

    if not lose(NEW, deal.role != "normal"):
        breach = rng.random() < (0.2 if deal.off_hours else 0.08)
        delay = wait(45.0, 0.8) if breach else int(rng.integers(30 if not deal.off_hours else 60, 541))
        if breach:
            delay = min(max(delay, 15 * 60), 300 * 60)
        move(FIRST, owner, delay)
        plan = [(QUAL, colleague if deal.role == "pingpong" else owner), (OFFER, owner), (NEGO, negotiator),
                (CONTRACT, lawyer), (INVOICE, accountant), (WON, accountant)]  # fmt: skip
        for i, (stage, who) in enumerate(plan):
            current = events[-1].stage
            if lose(current, (deal.role == "rework" and i <= 2) or (deal.role == "pingpong" and i <= 1)):
                break
            move(stage, who, wait(_MEDIAN[stage], _SIGMA.get(stage, 0.7)))
            if stage == NEGO and deal.role == "rework":
                for _ in range(2 if rng.random() < 0.25 else 1):
                    amount = int(amount * 0.92)  # the re-quote comes with a discount
                    move(OFFER, negotiator, wait(_REQUOTE_MEDIAN))
                    move(NEGO, negotiator, wait(_MEDIAN[NEGO] * 0.6))
    kept = [e for e in events if e.ts <= export_at]
    if deal.role == "stuck":
        limit = export_at - timedelta(days=_PLANTED_GAP_DAYS)
        cuts = [k for k in range(2, len(kept)) if kept[k - 1].ts <= limit]
        if cuts:
            kept = kept[: cuts[int(rng.integers(len(cuts)))]]
    return kept


def _row(e: _Ev, deal: _Deal) -> list[str]:
    kind = "1" if e.seq == 0 else "3" if e.stage in (WON, LOST) else "2"
    group = "Успешна" if e.stage == WON else "Провалена" if e.stage == LOST else "В работе"
    return ["", kind, str(e.deal), deal.title, PIPELINE, e.stage, group, e.ts.strftime("%d.%m.%Y %H:%M:%S"),
            e.who, _DEPARTMENT[e.who], _money(e.amount), deal.source]  # fmt: skip


def _money(kopecks: int) -> str:
    rub, kop = divmod(kopecks, 100)
    return f"{rub:,}".replace(",", " ") + f",{kop:02d}"


def _field(value: str) -> str:
    if any(c in value for c in ';"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _insert_broken(rng: np.random.Generator, rows: list[list[str]], n_broken: int) -> tuple[list[str], list[dict[str, Any]]]:
    """Interleave ``n_broken`` broken rows with the valid ones; number all rows in file order."""
    total = len(rows) + n_broken
    kinds = [BROKEN_KINDS[j % 5] for j in range(max(n_broken - 1, 0))] + (["unterminated_quote"] if n_broken else [])
    spots: list[int] = []
    if n_broken:  # the unterminated quote must come last: it swallows everything after it
        spots = sorted(int(p) for p in rng.choice(total - 1, size=n_broken - 1, replace=False))
        spots.append(total - 1)
    at = dict(zip(spots, kinds, strict=True))
    lines: list[str] = []
    broken: list[dict[str, Any]] = []
    valid = iter(rows)
    template = rows[0] if rows else ["", "2", "", "Сделка", PIPELINE, QUAL, "В работе",
                                     "01.09.2025 10:00:00", "Иванова Мария", "Отдел продаж", "0,00", "Сайт"]  # fmt: skip
    for index in range(total):
        kind = at.get(index)
        if kind is None:
            fields = next(valid)
            template = fields
            fields[0] = str(index + 1)
            lines.append(";".join(_field(f) for f in fields))
            continue
        ghost = 900001 + len(broken)
        fields = list(template)
        fields[0], fields[1], fields[2] = str(index + 1), "2", str(ghost)
        fields[5], fields[6] = QUAL, "В работе"
        if kind == "impossible_date":
            fields[7] = "31.02.2025 10:00:00"
        elif kind == "empty_deal_id":
            fields[2] = ""
        elif kind == "bad_date_format":
            fields[7] = "2025/13/45"
        elif kind == "empty_stage":
            fields[5] = ""
        if kind == "extra_field":  # an amount whose decimal comma became a separator
            rub, _, kop = fields[10].partition(",")
            line = ";".join(_field(f) for f in fields[:10]) + f";{rub};{kop};" + _field(fields[11])
        elif kind == "unterminated_quote":
            title = '"' + fields[3].replace('"', '""')
            line = ";".join([*(_field(f) for f in fields[:3]), title, *(_field(f) for f in fields[4:])])
        else:
            line = ";".join(_field(f) for f in fields)
        lines.append(line)
        deal_id = None if kind == "empty_deal_id" else ghost
        broken.append({"data_row": index + 1, "line": index + 2, "kind": kind, "deal_id": deal_id})
    return lines, broken


def _ground_truth(cal: WorkingCalendar, deals: Sequence[_Deal], events: Sequence[_Ev]) -> dict[str, Any]:
    """Every planted fact, recomputed from the rows actually written."""
    by_deal: dict[int, list[_Ev]] = {d.id: [] for d in deals}
    for e in events:
        by_deal[e.deal].append(e)
    for evs in by_deal.values():
        evs.sort(key=lambda e: e.seq)
    end = max(e.ts for e in events)
    plain = WorkingCalendar(opens=cal.opens, closes=cal.closes, weekdays=cal.weekdays)

    transitions: dict[str, list[tuple[float, float]]] = {}
    fc_breach_w, fc_breach_c, fc_offhours_ok, fc_ok_working_only, fc_holiday, fc_pending = ([] for _ in range(6))
    inv_breach, inv_measured, rework_ids, open_ids, stuck_ids = [], 0, [], [], []
    n_rework, ping, gaps_open = 0, [], {}
    info = {d.id: d for d in deals}
    for deal_id, evs in by_deal.items():
        for a, b in zip(evs, evs[1:], strict=False):
            key = f"{a.stage} → {b.stage}"
            wm = cal.working_minutes_between(a.ts, b.ts)
            transitions.setdefault(key, []).append((wm, (b.ts - a.ts).total_seconds() / 3600))
            if (a.stage, b.stage) == (NEGO, OFFER):
                n_rework += 1
        stages = [e.stage for e in evs]
        if NEGO in stages and OFFER in stages[stages.index(NEGO) :]:
            rework_ids.append(deal_id)
        if FIRST in stages:
            t0, t1 = evs[0].ts, evs[stages.index(FIRST)].ts
            wm, cm = cal.working_minutes_between(t0, t1), (t1 - t0).total_seconds() / 60
            if wm > 10:
                fc_breach_w.append(deal_id)
            if cm > 10:
                fc_breach_c.append(deal_id)
            if wm <= 10 < cm:
                fc_ok_working_only.append(deal_id)
                if info[deal_id].off_hours:
                    fc_offhours_ok.append(deal_id)
            if wm <= 10 < plain.working_minutes_between(t0, t1):
                fc_holiday.append(deal_id)
        elif stages[-1] != LOST:
            fc_pending.append(deal_id)
        if CONTRACT in stages and INVOICE in stages:
            inv_measured += 1
            if cal.working_minutes_between(evs[stages.index(CONTRACT)].ts, evs[stages.index(INVOICE)].ts) > 600:
                inv_breach.append(deal_id)
        who = [w for i, w in enumerate(e.who for e in evs) if i == 0 or w != evs[i - 1].who]
        pair = next(((x, y) for x, y, z in zip(who, who[1:], who[2:], strict=False) if x == z), None)
        if pair:
            ping.append({"deal_id": deal_id, "a": pair[0], "b": pair[1]})
        if stages[-1] not in (WON, LOST):
            open_ids.append(deal_id)
            gap = end - evs[-1].ts
            gaps_open[deal_id] = gap.total_seconds() / 86400
            if gap > timedelta(days=_STUCK_DAYS):
                stuck_ids.append(deal_id)

    def medians(key: str) -> dict[str, float | int]:
        vals = transitions[key]
        return {"n": len(vals), "median_working_minutes": round(statistics.median(v[0] for v in vals), 3),
                "median_calendar_hours": round(statistics.median(v[1] for v in vals), 3)}  # fmt: skip

    nego = Counter(e.who for e in events if e.stage == NEGO)
    top, top_n = nego.most_common(1)[0] if nego else (_DOMINANT, 0)
    bottleneck = f"{CONTRACT} → {INVOICE}"
    last = Counter(evs[-1].stage for evs in by_deal.values())
    return {
        "export_end": end.isoformat(),
        "funnel": {s: sum(1 for evs in by_deal.values() if any(e.stage == s for e in evs)) for s in STAGES},
        "outcomes": {"won": last[WON], "lost": last[LOST], "open": len(open_ids)},
        "bottleneck": {
            "transition": bottleneck,
            "from": CONTRACT,
            "to": INVOICE,
            "department": "Бухгалтерия",
            **(medians(bottleneck) if bottleneck in transitions else {"n": 0}),
        },  # fmt: skip
        "transitions": {k: medians(k) for k in sorted(transitions)},
        "sla_first_contact": {
            "from": NEW,
            "to": FIRST,
            "within_working_minutes": 10,
            "n_measured": sum(1 for evs in by_deal.values() if any(e.stage == FIRST for e in evs)),
            "breaches_working": fc_breach_w,
            "breaches_calendar": fc_breach_c,
            "offhours_ok": fc_offhours_ok,
            "ok_working_only": fc_ok_working_only,
            "breaches_if_holidays_ignored": fc_holiday,
            "pending": fc_pending,
            "created_off_hours": [d.id for d in deals if d.off_hours],
        },  # fmt: skip
        "sla_invoice": {
            "from": CONTRACT,
            "to": INVOICE,
            "within_working_minutes": 600,
            "n_measured": inv_measured,
            "breaches_working": inv_breach,
        },  # fmt: skip
        "rework": {"from": NEGO, "to": OFFER, "deal_ids": rework_ids, "n_transitions": n_rework},
        "ping_pong": {"deal_ids": [p["deal_id"] for p in ping], "pairs": ping},
        "workload": {
            "stage": NEGO,
            "manager": top,
            "count": top_n,
            "total": sum(nego.values()),
            "share": round(top_n / max(sum(nego.values()), 1), 4),
            "by_manager": dict(nego),
        },  # fmt: skip
        "stuck": {
            "after_days": _STUCK_DAYS,
            "deal_ids": stuck_ids,
            "max_gap_days_not_stuck": round(max((g for d, g in gaps_open.items() if d not in stuck_ids), default=0.0), 3),
            "min_gap_days_stuck": round(min((gaps_open[d] for d in stuck_ids), default=0.0), 3),
        },  # fmt: skip
        "open_deal_ids": open_ids,
    }
