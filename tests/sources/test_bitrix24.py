"""Bitrix24 adapters on the fixtures in tests/data/crm/bitrix24 (see tests/sources/fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmflow.errors import SourceError, UnsafeInputError
from crmflow.sources.html_table import parse_html_table
from crmflow.sources.reader import read_log
from crmflow.sources.registry import detect_adapter, get_adapter
from crmflow.store.store import EventLog, EventStore
from tests.sources.fixtures import BITRIX, BROKEN


def _events(log: EventLog) -> list[dict]:
    return log.store.rows(
        f"SELECT e.case_id, a.activity, e.ts, e.resource FROM {log.events_table} e "
        f"JOIN ac_{log.name} a USING (act) ORDER BY e.case_id, e.ts, e.row_no"
    )


def _activities(log: EventLog, case: str) -> list[str]:
    return [e["activity"] for e in _events(log) if e["case_id"] == case]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("stagehistory_deals.json", "bitrix24-stagehistory-json"),
        ("stagehistory_leads.jsonl", "bitrix24-stagehistory-json"),
        ("status.json", "bitrix24-status-json"),
        ("deal_list.json", "bitrix24-deal-list-json"),
        ("activity_list.json", "bitrix24-activity-json"),
        ("deals_ui.xls", "bitrix24-ui-xls"),
        ("stagehistory_ui.xls", "bitrix24-ui-xls"),
        ("deals_ui_cp1251.csv", "bitrix24-ui-list-csv"),
    ],
)
def test_detected_from_content(name: str, kind: str) -> None:
    adapter = detect_adapter(BITRIX / name)
    assert adapter is not None and adapter.name == kind


def test_detection_uses_keys_not_names(tmp_path: Path) -> None:
    renamed = tmp_path / "export.json"
    renamed.write_bytes((BITRIX / "stagehistory_deals.json").read_bytes())
    assert detect_adapter(renamed).name == "bitrix24-stagehistory-json"  # type: ignore[union-attr]
    plain = tmp_path / "stagehistory.json"
    plain.write_text(json.dumps({"result": {"items": [{"ID": 1, "NAME": "x"}]}}), encoding="utf-8")
    assert detect_adapter(plain) is None


def test_stagehistory_nothing_lost_and_broken_records_named() -> None:
    log = read_log(BITRIX / "stagehistory_deals.json", BITRIX / "status.json")
    assert log.n_events + log.quarantined == log.rows_read
    assert log.quarantined == BROKEN["bitrix24/stagehistory_deals.json"]
    q = {r["row_no"]: r for r in log.quarantine()}
    reasons = " | ".join(r["reason"] for r in q.values())
    assert "stagehistory_deals.json page 1, record 6: missing key `OWNER_ID`" in reasons
    assert "page 1, record 21: `CREATED_TIME` = '31.02.2024 10:00' is not a time" in reasons
    assert "page 1, record 31: the record is not a JSON object but a string" in reasons
    assert "page 1, record 41: missing key `STAGE_ID`" in reasons
    kinds = {r["kind"] for r in q.values()}
    assert kinds == {"missing_case_id", "bad_timestamp", "other", "missing_activity"}
    assert all(r["raw"] for r in q.values())  # the record is kept


def test_stage_names_resolved_per_pipeline() -> None:
    log = read_log(BITRIX / "stagehistory_deals.json", BITRIX / "status.json")
    names = set(log.store.activity_names(log.name))
    assert "Новая заявка" in names and "Успешно реализовано" in names  # C2:NEW, C2:WON in pipeline 2
    # the same ids without prefix in the default pipeline have other names
    assert _activities(log, "5000") == ["Новая заявка (общая воронка)", "Успешно реализовано (общая воронка)"]
    assert not any(n.startswith("C2:") for n in names)
    attrs = log.store.rows(f"SELECT DISTINCT pipeline, stage_semantic FROM {log.events_table} WHERE case_id = '5000'")
    assert {(r["pipeline"], r["stage_semantic"]) for r in attrs} == {(0, "P"), (0, "S")}


def test_without_dictionary_the_stage_id_is_the_activity() -> None:
    log = read_log(BITRIX / "stagehistory_deals.json")
    names = set(log.store.activity_names(log.name))
    assert "C2:NEW" in names and "WON" in names


def test_pages_in_json_lines_and_leads_are_prefixed() -> None:
    log = read_log(BITRIX / "stagehistory_leads.jsonl")
    assert log.rows_read == 5 and log.n_events == 4 and log.quarantined == 1
    assert _activities(log, "lead:21") == ["NEW", "IN_PROCESS", "CONVERTED"]
    (q,) = log.quarantine()
    assert q["reason"].startswith("stagehistory_leads.jsonl page 3, record 1: missing key `CREATED_TIME`")
    assert q["line"] == 3  # the page's line in the file


def test_times_keep_their_offset() -> None:
    log = read_log(BITRIX / "stagehistory_leads.jsonl", timezone="Asia/Tokyo")
    first = _events(log)[0]
    assert first["ts"].isoformat().startswith("2024-04-25T11:59:11")  # 14:59:11+03:00 in UTC


def test_deal_list_creation_and_last_move() -> None:
    log = read_log(BITRIX / "deal_list.json", BITRIX / "status.json")
    assert log.rows_read == 7 and log.n_events == 6 and log.quarantined == 1
    ev = {(e["case_id"], e["activity"]): e for e in _events(log)}
    assert ev[("37", "Deal created")]["resource"] == "1"
    assert ev[("37", "Успешно реализовано")]["resource"] == "8"  # MOVED_BY_ID at MOVED_TIME
    assert ev[("37", "Успешно реализовано")]["ts"].isoformat().startswith("2024-09-10T09:00")
    assert ("38", "Переговоры") in ev  # open deal: its last move
    assert ("39", "Закрыто и не реализовано (общая воронка)") in ev  # closed, no MOVED_TIME: CLOSEDATE
    (q,) = log.quarantine()
    assert "deal_list.json page 1, record 4: missing key `DATE_CREATE`" in q["reason"]
    amount = log.store.scalar(f"SELECT max(amount) FROM {log.events_table} WHERE case_id = '37'")
    assert amount == pytest.approx(19999.99)


def test_activities_by_owner_type() -> None:
    log = read_log(BITRIX / "activity_list.json", lang="ru")
    ev = {e["activity"]: e for e in _events(log)}
    assert ev["Исходящий звонок"]["case_id"] == "37" and ev["Исходящий звонок"]["resource"] == "8"
    assert ev["Входящий звонок"]["case_id"] == "lead:21"
    assert ev["Исходящее письмо"]["case_id"] == "contact:37"  # not merged into deal 37
    assert ev["Встреча"]["ts"].isoformat().startswith("2024-09-04T08:00")
    (q,) = log.quarantine()
    assert q["reason"].startswith("activity_list.json страница 1, запись 5: нет ключа `OWNER_ID`")


def test_ui_html_deal_list_becomes_events() -> None:
    log = read_log(BITRIX / "deals_ui.xls", timezone="Europe/Moscow")
    assert log.rows_read == 6 and log.n_events == 5 and log.quarantined == 1
    acts = {(e["case_id"], e["activity"]) for e in _events(log)}
    assert acts == {("37", "Deal created"), ("37", "Сделка успешна"), ("38", "Deal created"), ("39", "Deal created"),
                    ("39", "Сделка проиграна")}  # fmt: skip
    stage = log.store.scalar(f"SELECT any_value(stage) FROM {log.events_table} WHERE case_id = '38'")
    assert stage == "Переговоры"  # the open deal's current stage is kept
    (q,) = log.quarantine()
    assert q["kind"] == "csv_missing_columns" and "row 4 (line 9): 2 cells, the header has 12" in q["reason"]


def test_ui_cp1251_csv_deal_list() -> None:
    log = read_log(BITRIX / "deals_ui_cp1251.csv", timezone="Europe/Moscow")
    assert log.n_events + log.quarantined == log.rows_read
    assert log.quarantined == BROKEN["bitrix24/deals_ui_cp1251.csv"]
    kinds = sorted(r["kind"] for r in log.quarantine())
    assert kinds == ["bad_timestamp", "csv_too_many_columns"]
    assert any("32.13.2024 10:00:00" in r["reason"] for r in log.quarantine())
    created = {e["case_id"]: e for e in _events(log) if e["activity"] == "Deal created"}
    assert created["37"]["resource"] == "Петров Сергей"
    assert created["37"]["ts"].isoformat().startswith("2024-09-02T15:37:18")  # Moscow → UTC


def test_ui_html_stage_history_is_staged_as_an_event_log() -> None:
    log = read_log(BITRIX / "stagehistory_ui.xls", timezone="Europe/Moscow")
    assert _activities(log, "37") == ["Новая заявка", "Квалификация", "Сделка успешна"]
    assert log.quarantined == 0


def test_html_parser_is_safe(tmp_path: Path) -> None:
    p = tmp_path / "x.xls"
    p.write_text('<!DOCTYPE html [<!ENTITY e SYSTEM "file:///etc/passwd">]><table><tr><th>ID</th></tr>'
                 "<tr><td>&e;</td></tr></table>", encoding="utf-8")  # fmt: skip
    t = parse_html_table(p)
    assert "root:" not in json.dumps(t.rows)
    with pytest.raises(UnsafeInputError, match="more than the limit"):
        parse_html_table(p, max_bytes=10)
    empty = tmp_path / "y.xls"
    empty.write_text("<html><body><p>no table</p></body></html>", encoding="utf-8")
    with pytest.raises(SourceError, match="no <table>"):
        parse_html_table(empty)


def test_page_without_result_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "h.json"
    pages = [{"result": {"items": [{"OWNER_ID": 1, "STAGE_ID": "NEW", "CREATED_TIME": "2024-01-01T00:00:00+00:00"}]}},
             {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}]  # fmt: skip
    p.write_text(json.dumps(pages), encoding="utf-8")
    with pytest.raises(SourceError, match=r"h\.json page 2: missing key `result`"):
        read_log(p)


def test_bad_json_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "h.json"
    p.write_text('{"result": {"items": [{"OWNER_ID": 1, "STAGE_ID": "NEW", "CREATED_TIME": ', encoding="utf-8")
    with pytest.raises(SourceError, match=r"h\.json: not valid JSON \(line 1"):
        get_adapter("bitrix24-stagehistory-json").read(EventStore(), p, "log", None)


def test_status_dictionary_with_broken_entry_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "status.json"
    p.write_text(json.dumps({"result": [{"ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "NEW", "NAME": "Новая"},
                                        {"ENTITY_ID": "DEAL_STAGE", "NAME": "Без кода"}]}), encoding="utf-8")  # fmt: skip
    with pytest.raises(SourceError, match=r"status\.json page 1, record 2: missing key `STATUS_ID`"):
        read_log(p, BITRIX / "stagehistory_deals.json")


def test_only_a_dictionary_is_an_error() -> None:
    from crmflow.errors import EmptyLogError

    with pytest.raises(EmptyLogError, match="only dictionaries"):
        read_log(BITRIX / "status.json")


def test_source_kind_forces_the_adapter(tmp_path: Path) -> None:
    p = tmp_path / "history.txt"
    p.write_bytes((BITRIX / "stagehistory_deals.json").read_bytes())
    log = read_log(p, source_kind="bitrix24-stagehistory-json")
    assert log.quarantined == 4
    with pytest.raises(SourceError, match="unknown source kind 'nope'; known kinds: .*bitrix24-stagehistory-json"):
        read_log(p, source_kind="nope")


def test_real_workbook_named_xls(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "Название сделки", "Стадия сделки", "Дата создания", "Дата завершения", "Закрыта", "Кем создана",
               "Ответственный"])  # fmt: skip
    ws.append(["37", "Поставка", "Сделка успешна", "02.09.2024 18:37:18", "10.09.2024", "Да", "Петров Сергей", "Иванова"])
    ws.append(["38", "Лицензии", "Переговоры", "03.09.2024 09:00:00", "", "Нет", "Смирнов Алексей", "Смирнов"])
    p = tmp_path / "deals.xls"
    wb.save(p)
    assert detect_adapter(p).name == "bitrix24-ui-xlsx-as-xls"  # type: ignore[union-attr]
    log = read_log(p, timezone="Europe/Moscow")
    assert {(e["case_id"], e["activity"]) for e in _events(log)} == {
        ("37", "Deal created"),
        ("37", "Сделка успешна"),
        ("38", "Deal created"),
    }
    assert log.ingestions()[0]["source"] == "deals.xls"


def test_flattened_result_items(tmp_path: Path) -> None:
    p = tmp_path / "h.json"
    p.write_text(json.dumps({"result": [{"OWNER_ID": 1, "STAGE_ID": "NEW", "CREATED_TIME": "2024-01-01T00:00:00+00:00"}],
                             "total": 1}), encoding="utf-8")  # fmt: skip
    assert read_log(p).n_events == 1
