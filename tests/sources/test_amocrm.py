"""amoCRM / Kommo adapters on the fixtures in tests/data/crm/amocrm (see tests/sources/fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmflow.errors import SourceError
from crmflow.sources.reader import read_log
from crmflow.sources.registry import detect_adapter
from crmflow.store.store import EventLog
from tests.sources.fixtures import AMO, BROKEN


def _events(log: EventLog) -> list[dict]:
    return log.store.rows(
        f"SELECT e.case_id, a.activity, e.ts, e.resource, e.pipeline, e.stage_semantic FROM {log.events_table} e "
        f"JOIN ac_{log.name} a USING (act) ORDER BY e.case_id, e.ts, e.row_no"
    ) if "pipeline" in log.attributes else log.store.rows(
        f"SELECT e.case_id, a.activity, e.ts, e.resource FROM {log.events_table} e "
        f"JOIN ac_{log.name} a USING (act) ORDER BY e.case_id, e.ts, e.row_no"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("events.json", "amocrm-events-json"),
        ("leads.json", "amocrm-leads-json"),
        ("contacts.json", "amocrm-contacts-json"),
        ("pipelines.json", "amocrm-pipelines-json"),
        ("users.json", "amocrm-users-json"),
    ],
)
def test_detected_from_content(name: str, kind: str) -> None:
    adapter = detect_adapter(AMO / name)
    assert adapter is not None and adapter.name == kind


@pytest.fixture(scope="module")
def events_log() -> EventLog:
    return read_log(AMO / "events.json", AMO / "pipelines.json", AMO / "users.json", lang="ru")


def test_events_nothing_lost_and_broken_records_named(events_log: EventLog) -> None:
    log = events_log
    assert log.n_events + log.quarantined == log.rows_read
    assert log.quarantined == BROKEN["amocrm/events.json"]
    reasons = [r["reason"] for r in log.quarantine()]
    assert reasons[0].startswith("events.json страница 2, запись 21: нет ключа `entity_id`")
    assert "запись 22: `created_at` = 'вчера' не является временем" in reasons[1]
    assert "запись 23: нет ключа `value_after[0].lead_status.id`" in reasons[2]
    # row numbers follow the records' order in the file
    assert [r["row_no"] for r in log.quarantine()] == [46, 47, 48]


def test_status_142_named_per_pipeline(events_log: EventLog) -> None:
    ev = [e for e in _events(events_log) if e["case_id"] == "7777"]
    # lead_added without a status: the stage comes from the first change's value_before
    assert [e["activity"] for e in ev] == ["Новая заявка (повторные)", "Исходящий звонок", "Задача выполнена", "Оплачено"]
    assert ev[-1]["pipeline"] == "Повторные продажи" and ev[-1]["stage_semantic"] == "S"
    main_won = {e["activity"] for e in _events(events_log) if e["pipeline"] == "Продажи" and e["stage_semantic"] == "S"}
    assert main_won == {"Успешно реализовано"}  # 142 in the main pipeline has the other name


def test_users_named_and_other_entities_prefixed(events_log: EventLog) -> None:
    ev = _events(events_log)
    assert {e["resource"] for e in ev if e["case_id"] == "7777"} >= {"Иванова Мария", "Петров Сергей"}
    chat = [e for e in ev if e["case_id"] == "contact:901"]
    assert [e["activity"] for e in chat] == ["Входящее сообщение в чате"]


def test_unix_seconds_are_utc(events_log: EventLog) -> None:
    first = [e for e in _events(events_log) if e["case_id"] == "7777"][0]
    assert first["ts"].isoformat() == "2024-06-03T07:00:00+00:00"


def test_without_pipelines_142_and_143_have_their_standard_names() -> None:
    log = read_log(AMO / "events.json", lang="ru")
    names = set(log.store.activity_names(log.name))
    assert {"Успешно реализовано", "Закрыто и не реализовано"} <= names
    assert "61000002" in names  # other statuses keep their id
    assert log.quarantined == 3


def test_leads_creation_and_closing() -> None:
    log = read_log(AMO / "leads.json", AMO / "pipelines.json", AMO / "users.json", lang="ru")
    assert log.rows_read == 4 and log.n_events == 3 and log.quarantined == 1
    ev = _events(log)
    assert [(e["case_id"], e["activity"]) for e in ev] == [("7777", "Сделка создана"), ("7777", "Оплачено"),
                                                           ("7778", "Сделка создана")]  # fmt: skip
    assert ev[0]["resource"] == "Иванова Мария"
    stage = log.store.scalar(f"SELECT any_value(stage) FROM {log.events_table} WHERE case_id = '7778'")
    assert stage == "Квалификация"
    (q,) = log.quarantine()
    assert q["reason"].startswith("leads.json страница 1, запись 3: нет ключа `status_id`")


def test_contacts() -> None:
    log = read_log(AMO / "contacts.json")
    assert [(e["case_id"], e["activity"]) for e in _events(log)] == [("contact:901", "Contact created")]


def test_page_without_embedded_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "events.json"
    good = json.loads((AMO / "events.json").read_text(encoding="utf-8"))[0]
    p.write_text(json.dumps([good, {"_page": 2, "_links": {}, "detail": "Too Many Requests"}]), encoding="utf-8")
    with pytest.raises(SourceError, match=r"events\.json page 2: missing key `_embedded`"):
        read_log(p)


def test_pipeline_without_statuses_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "pipelines.json"
    p.write_text(json.dumps({"_embedded": {"pipelines": [{"id": 1, "name": "Продажи"}]}}), encoding="utf-8")
    with pytest.raises(SourceError, match=r"pipelines\.json page 1, record 1: missing key `_embedded\.statuses`"):
        read_log(p, AMO / "events.json")


def test_bare_list_of_events(tmp_path: Path) -> None:
    pages = json.loads((AMO / "events.json").read_text(encoding="utf-8"))
    bare = [e for p in pages for e in p["_embedded"]["events"]]
    p = tmp_path / "events_items.json"
    p.write_text(json.dumps(bare, ensure_ascii=False), encoding="utf-8")
    assert detect_adapter(p).name == "amocrm-events-json"  # type: ignore[union-attr]
    log = read_log(p)
    assert log.rows_read == len(bare) and log.quarantined == 3
