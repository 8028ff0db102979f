"""The Bitrix24 demo export: format, broken rows and planted ground truth, checked from the file."""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import holidays
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from crmflow.demo.bitrix import HEADER, STAGES, generate_bitrix_demo
from crmflow.demo.calendar_model import WorkingCalendar
from crmflow.demo.scaled import write_scaled_event_csv

DATE_RE = re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$")
MONEY_RE = re.compile(r"^\d{1,3}( \d{3})*,\d\d$")
DEPARTMENTS = {"Отдел продаж", "Аккаунт-менеджеры", "Бухгалтерия", "Юристы"}
FINAL = {"Оплата получена", "Сделка проиграна"}
RU = holidays.country_holidays("RU", years=[2025, 2026])
RU_WORKING_SATURDAYS = set(RU.weekend_workdays)  # e.g. Saturday 1 November 2025


def working_minutes(a: datetime, b: datetime, *, with_holidays: bool = True) -> float:
    """Independent working time: Mon-Fri 09:00-19:00 minus RU holidays plus transferred working
    Saturdays, summed day by day."""
    total, day = 0.0, a.date()
    while day <= b.date():
        working = day.weekday() < 5
        if with_holidays:
            working = day in RU_WORKING_SATURDAYS or (working and day not in RU)
        if working:
            lo = max(a, datetime(day.year, day.month, day.day, 9))
            hi = min(b, datetime(day.year, day.month, day.day, 19))
            total += max((hi - lo).total_seconds(), 0.0)
        day += timedelta(days=1)
    return total / 60


def problem(fields: list[str]) -> str | None:
    """What is wrong with one parsed data row, or None."""
    if len(fields) != len(HEADER):
        return "extra_field"
    if not fields[2]:
        return "empty_deal_id"
    if not fields[5]:
        return "empty_stage"
    if not DATE_RE.match(fields[7]):
        return "bad_date_format"
    try:
        datetime.strptime(fields[7], "%d.%m.%Y %H:%M:%S")
    except ValueError:
        return "impossible_date"
    return None


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generate_bitrix_demo(tmp_path_factory.mktemp("bitrix"))


@pytest.fixture(scope="module")
def lines(demo: Any) -> list[str]:
    text = demo.csv_path.read_bytes().decode("cp1251")
    assert text.endswith("\r\n")
    return text[:-2].split("\r\n")


@pytest.fixture(scope="module")
def valid(demo: Any, lines: list[str]) -> dict[int, list[tuple[datetime, str, str]]]:
    """deal id -> [(time, stage, manager)] from the valid rows, in file order."""
    bad = {b["line"] for b in demo.planted["broken_rows"]}
    deals: dict[int, list[tuple[datetime, str, str]]] = {}
    for number, line in enumerate(lines, start=1):
        if number == 1 or number in bad:
            continue
        f = next(csv.reader([line], delimiter=";", strict=True))
        deals.setdefault(int(f[2]), []).append((datetime.strptime(f[7], "%d.%m.%Y %H:%M:%S"), f[5], f[8]))
    return deals


def test_encoding_header_and_line_ends(demo: Any) -> None:
    raw = demo.csv_path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.count(b"\n") == raw.count(b"\r\n") == demo.planted["n_lines"]
    assert raw.split(b"\r\n")[0].decode("cp1251") == (
        "ID;Тип;ID сделки;Название сделки;Воронка;Стадия;Группа стадии;Дата;Ответственный;Отдел;Сумма;Источник"
    )


def test_row_counts(demo: Any, lines: list[str]) -> None:
    assert len(lines) == demo.planted["n_lines"] == demo.n_data_rows + 1
    assert demo.n_data_rows == demo.planted["n_data_rows"]
    assert demo.n_valid_rows == demo.planted["n_valid_rows"] == demo.n_data_rows - 12
    assert len(demo.planted["broken_rows"]) == 12


def test_broken_rows_are_exactly_where_the_ground_truth_says(demo: Any, lines: list[str]) -> None:
    found = {}
    for number, line in enumerate(lines[1:-1], start=2):  # the last line holds the open quote
        fields = next(csv.reader([line], delimiter=";", strict=True))
        if (kind := problem(fields)) is not None:
            found[number] = kind
    last = lines[-1]
    assert last.count('"') % 2 == 1
    found[len(lines)] = "unterminated_quote"
    truth = {b["line"]: b["kind"] for b in demo.planted["broken_rows"]}
    assert found == truth
    assert all(b["line"] == b["data_row"] + 1 for b in demo.planted["broken_rows"])
    assert set(truth.values()) == {
        "impossible_date", "empty_deal_id", "extra_field", "bad_date_format", "empty_stage", "unterminated_quote"
    }  # fmt: skip
    for b in demo.planted["broken_rows"]:
        line = lines[b["line"] - 1]
        if b["kind"] == "impossible_date":
            assert ";31.02.2025 10:00:00;" in line
        if b["kind"] == "bad_date_format":
            assert ";2025/13/45;" in line
    # a strict CSV reader reads every record before the open quote, then fails on it
    text = "\r\n".join(lines) + "\r\n"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    records = []
    with pytest.raises(csv.Error):
        records.extend(reader)
    assert len(records) == len(lines) - 1


def test_valid_rows_follow_bitrix_conventions(demo: Any, lines: list[str]) -> None:
    bad = {b["line"] for b in demo.planted["broken_rows"]}
    seen: set[str] = set()
    dept_of: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        f = next(csv.reader([line], delimiter=";")) if number not in bad else None
        if f is None:
            continue
        assert f[0] == str(number - 1)
        assert f[5] in STAGES and f[4] == "Продажи"
        assert f[1] == ("1" if f[2] not in seen else "3" if f[5] in FINAL else "2")
        seen.add(f[2])
        assert f[6] == {"Оплата получена": "Успешна", "Сделка проиграна": "Провалена"}.get(f[5], "В работе")
        assert MONEY_RE.match(f[10]), f[10]
        assert f[9] in DEPARTMENTS and dept_of.setdefault(f[8], f[9]) == f[9]
        assert re.fullmatch(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+", f[8])
    assert len(seen) == demo.n_deals


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = generate_bitrix_demo(tmp_path / "a", n_deals=150, seed=3, broken_rows=6)
    b = generate_bitrix_demo(tmp_path / "b", n_deals=150, seed=3, broken_rows=6)
    c = generate_bitrix_demo(tmp_path / "c", n_deals=150, seed=4, broken_rows=6)
    assert a.csv_path.read_bytes() == b.csv_path.read_bytes()
    assert a.planted == b.planted
    assert a.csv_path.read_bytes() != c.csv_path.read_bytes()
    assert [r["kind"] for r in a.planted["broken_rows"]][-1] == "unterminated_quote"


def test_first_contact_sla_matches_the_file(demo: Any, valid: dict) -> None:
    truth = demo.planted["sla_first_contact"]
    br_w, br_c, br_noh, off_ok = set(), set(), set(), set()
    for deal, evs in valid.items():
        stages = [s for _, s, _ in evs]
        if "Первый контакт" not in stages:
            continue
        t0, t1 = evs[0][0], evs[stages.index("Первый контакт")][0]
        wm = working_minutes(t0, t1)
        if wm > 10:
            br_w.add(deal)
        if (t1 - t0) > timedelta(minutes=10):
            br_c.add(deal)
            working_day = t0.date() in RU_WORKING_SATURDAYS or (t0.weekday() < 5 and t0.date() not in RU)
            created_off = not working_day or not 9 <= t0.hour < 19
            if wm <= 10 and created_off:
                off_ok.add(deal)
        if wm <= 10 < working_minutes(t0, t1, with_holidays=False):
            br_noh.add(deal)
    assert br_w == set(truth["breaches_working"]) and br_w
    assert br_c == set(truth["breaches_calendar"])
    assert off_ok == set(truth["offhours_ok"]) and len(off_ok) >= 50
    assert br_noh == set(truth["breaches_if_holidays_ignored"]) and br_noh
    assert off_ok <= br_c and not off_ok & br_w
    assert 0.05 < len(br_w) / truth["n_measured"] < 0.2


def test_bottleneck_and_invoice_sla(demo: Any, valid: dict) -> None:
    waits: dict[tuple[str, str], list[float]] = {}
    for evs in valid.values():
        for (ta, a, _), (tb, b, _) in zip(evs, evs[1:], strict=False):
            waits.setdefault((a, b), []).append(working_minutes(ta, tb))
    medians = {k: statistics.median(v) for k, v in waits.items() if len(v) >= 30}
    key = ("Договор подписан", "Счёт выставлен")
    top, second = sorted(medians.values(), reverse=True)[:2]
    assert medians[key] == top and top > 2.5 * second
    assert 1200 < top < 2400  # about three working days of 10 hours
    truth = demo.planted["bottleneck"]
    assert truth["transition"] == "Договор подписан → Счёт выставлен"
    assert truth["median_working_minutes"] == pytest.approx(top, abs=0.01)
    breaches = {d for d, evs in valid.items() for (ta, a, _), (tb, b, _) in zip(evs, evs[1:], strict=False)
                if (a, b) == key and working_minutes(ta, tb) > 600}  # fmt: skip
    assert breaches == set(demo.planted["sla_invoice"]["breaches_working"])


def test_funnel_rework_ping_pong_workload_stuck(demo: Any, valid: dict) -> None:
    p = demo.planted
    assert p["funnel"] == {s: sum(1 for evs in valid.values() if any(x == s for _, x, _ in evs)) for s in STAGES}
    assert list(p["funnel"].values())[:8] == sorted(list(p["funnel"].values())[:8], reverse=True)
    back = ("Переговоры", "Коммерческое предложение")
    rework = {d for d, evs in valid.items() if any((a[1], b[1]) == back for a, b in zip(evs, evs[1:], strict=False))}
    assert rework == set(p["rework"]["deal_ids"]) and len(rework) >= 30
    ping = set()
    for d, evs in valid.items():
        who = [w for i, (_, _, w) in enumerate(evs) if i == 0 or w != evs[i - 1][2]]
        if any(who[i] == who[i + 2] for i in range(len(who) - 2)):
            ping.add(d)
    assert ping == set(p["ping_pong"]["deal_ids"]) and len(ping) >= 20
    assert not ping & rework
    nego = Counter(w for evs in valid.values() for _, s, w in evs if s == "Переговоры")
    manager, count = nego.most_common(1)[0]
    assert manager == p["workload"]["manager"] and count == p["workload"]["count"]
    assert 0.55 <= count / sum(nego.values()) <= 0.7
    end = max(t for evs in valid.values() for t, _, _ in evs)
    assert end.isoformat() == p["export_end"]
    open_deals = {d: end - evs[-1][0] for d, evs in valid.items() if evs[-1][1] not in FINAL}
    assert set(open_deals) == set(p["open_deal_ids"])
    stuck = {d for d, gap in open_deals.items() if gap > timedelta(days=30)}
    assert stuck == set(p["stuck"]["deal_ids"]) and len(stuck) >= 20
    assert len(open_deals) > len(stuck)  # some deals are simply still in progress
    # no open deal sits near the 30-day threshold, so 30d (calendar) vs 30 working days cannot disagree
    assert all(gap > timedelta(days=34) or gap < timedelta(days=20) for gap in open_deals.values())


def test_rules_yaml(demo: Any) -> None:
    rules = yaml.safe_load(demo.rules_path.read_text(encoding="utf-8"))
    assert rules["calendar"] == {"timezone": "Europe/Moscow", "working_hours": "09:00-19:00",
                                 "weekdays": ["mon", "tue", "wed", "thu", "fri"], "holidays": "RU"}  # fmt: skip
    assert rules["stages"] == [s for s in STAGES if s != "Сделка проиграна"]  # lost is an end, not a stage
    assert rules["end_activities"] == ["Оплата получена", "Сделка проиграна"]
    assert rules["stuck_after"] == "30d"
    sla = {s["name"]: s for s in rules["sla"]}
    assert sla["first-contact"] == {"name": "first-contact", "from": "Новая заявка", "to": "Первый контакт",
                                    "within": "10m", "time": "working"}  # fmt: skip
    assert (sla["invoice-after-contract"]["from"], sla["invoice-after-contract"]["within"]) == (
        "Договор подписан", "1d"
    )  # fmt: skip


def test_scaled_event_csv_shape(tmp_path: Path) -> None:
    path = write_scaled_event_csv(tmp_path / "log.csv", n_events=100_000, seed=5)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["case_id", "activity", "timestamp", "resource"]
    body = rows[1:]
    assert len(body) == 100_000 and all(len(r) == 4 for r in body)
    assert 18 <= len({r[1] for r in body}) <= 20
    blocks = [r[0] for i, r in enumerate(body) if i == 0 or r[0] != body[i - 1][0]]
    assert len(blocks) == len(set(blocks))  # each case is one contiguous block
    assert 8 <= len(body) / len(blocks) <= 14
    for prev, cur in zip(body, body[1:], strict=False):
        if prev[0] == cur[0]:
            assert datetime.fromisoformat(prev[2]) <= datetime.fromisoformat(cur[2])
    loops = sum(1 for prev, cur in zip(body, body[1:], strict=False) if prev[0] == cur[0] and prev[1] == cur[1])
    assert loops > 0
    again = write_scaled_event_csv(tmp_path / "again.csv", n_events=100_000, seed=5)
    assert again.read_bytes() == path.read_bytes()


def test_calendar_skips_weekends_and_russian_holidays() -> None:
    cal = WorkingCalendar.russian(years=[2025, 2026])
    assert cal.add_working_minutes(datetime(2025, 11, 3, 23, 0), 5) == datetime(2025, 11, 5, 9, 5)
    assert cal.add_working_minutes(datetime(2025, 12, 30, 18, 0), 120) == datetime(2026, 1, 12, 10, 0)
    assert cal.working_minutes_between(datetime(2025, 9, 5, 18, 50), datetime(2025, 9, 8, 9, 10)) == 20
    assert cal.next_opening(datetime(2025, 9, 6, 12, 0)) == datetime(2025, 9, 8, 9, 0)
    assert not cal.is_working_day(date(2025, 11, 4)) and cal.is_working_day(date(2025, 11, 5))
    assert cal.is_working_day(date(2025, 11, 1))  # Saturday, a working day by transfer decree
    assert cal.add_working_minutes(datetime(2025, 10, 31, 18, 55), 10) == datetime(2025, 11, 1, 9, 5)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 6, 30)),
    seconds=st.integers(min_value=0, max_value=40 * 3600),
)
def test_calendar_add_then_measure_is_identity(start: datetime, seconds: int) -> None:
    cal = WorkingCalendar.russian(years=[2025, 2026, 2027])
    start = start.replace(microsecond=0)
    end = cal.add_working_seconds(start, seconds)
    assert cal.working_seconds_between(start, end) == seconds
    assert working_minutes(start, end) * 60 == pytest.approx(seconds)
