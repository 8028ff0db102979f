"""Writes the Bitrix24 and amoCRM fixtures in ``tests/data/crm/{bitrix24,amocrm}/``.

Run ``.venv/bin/python -m tests.sources.fixtures`` to regenerate them. The shapes follow
``shared/docs/crm-formats.md`` sections 1, 2 and 5; every file that may hold broken records holds
some, and :data:`BROKEN` lists them (file → number of records that must go to the quarantine).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crmflow.demo.crm_exports import (
    amo_event_records,
    amo_pages,
    amo_pipeline_records,
    bitrix_pages,
    bitrix_stagehistory_items,
    bitrix_status_records,
    generate_deals,
    write_amocrm_exports,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "crm"
BITRIX = DATA / "bitrix24"
AMO = DATA / "amocrm"

#: file -> records that must be quarantined.
BROKEN = {
    "bitrix24/stagehistory_deals.json": 4,
    "bitrix24/stagehistory_leads.jsonl": 1,
    "bitrix24/deal_list.json": 1,
    "bitrix24/activity_list.json": 1,
    "bitrix24/deals_ui.xls": 1,
    "bitrix24/deals_ui_cp1251.csv": 2,
    "amocrm/events.json": 3,
    "amocrm/leads.json": 1,
    "amocrm/contacts.json": 0,
}


def _dump(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def bitrix() -> None:
    BITRIX.mkdir(parents=True, exist_ok=True)
    deals = generate_deals(n_deals=12, seed=3)
    items: list[Any] = bitrix_stagehistory_items(deals)
    # broken records: no OWNER_ID, a UI-style date, not an object, no stage
    items.insert(5, {"ID": 9001, "TYPE_ID": 2, "CREATED_TIME": "2024-03-05T10:00:00+03:00", "CATEGORY_ID": 2,
                     "STAGE_SEMANTIC_ID": "P", "STAGE_ID": "C2:PREPARATION"})  # fmt: skip
    items.insert(20, {"ID": 9002, "TYPE_ID": 2, "OWNER_ID": 1003, "CREATED_TIME": "31.02.2024 10:00", "CATEGORY_ID": 2,
                      "STAGE_SEMANTIC_ID": "P", "STAGE_ID": "C2:EXECUTING"})  # fmt: skip
    items.insert(30, "ID=9003")
    items.insert(40, {"ID": 9004, "TYPE_ID": 2, "OWNER_ID": 1006, "CREATED_TIME": "2024-03-09T11:00:00+03:00",
                      "CATEGORY_ID": 2, "STAGE_SEMANTIC_ID": "P"})  # fmt: skip
    # one deal in the default pipeline: same stage ids without prefix, other names
    items.append({"ID": 9100, "TYPE_ID": 1, "OWNER_ID": 5000, "CREATED_TIME": "2024-05-01T09:00:00+03:00",
                  "CATEGORY_ID": 0, "STAGE_SEMANTIC_ID": "P", "STAGE_ID": "NEW"})  # fmt: skip
    items.append({"ID": 9101, "TYPE_ID": 3, "OWNER_ID": 5000, "CREATED_TIME": "2024-05-02T09:00:00+03:00",
                  "CATEGORY_ID": 0, "STAGE_SEMANTIC_ID": "S", "STAGE_ID": "WON"})  # fmt: skip
    _dump(BITRIX / "stagehistory_deals.json", bitrix_pages(items, items=True, page_size=50))
    _dump(BITRIX / "status.json", bitrix_pages(bitrix_status_records(deals), items=False, page_size=50))

    # leads: one page per line (JSON lines), STATUS_ID / STATUS_SEMANTIC_ID, one record without CREATED_TIME
    leads = [
        {"ID": 1, "TYPE_ID": 1, "OWNER_ID": 21, "CREATED_TIME": "2024-04-25T14:59:11+03:00", "STATUS_ID": "NEW",
         "STATUS_SEMANTIC_ID": "P"},
        {"ID": 2, "TYPE_ID": 2, "OWNER_ID": 21, "CREATED_TIME": "2024-04-25T16:20:00+03:00", "STATUS_ID": "IN_PROCESS",
         "STATUS_SEMANTIC_ID": "P"},
        {"ID": 3, "TYPE_ID": 3, "OWNER_ID": 21, "CREATED_TIME": "2024-04-26T10:05:00+03:00", "STATUS_ID": "CONVERTED",
         "STATUS_SEMANTIC_ID": "S"},
        {"ID": 4, "TYPE_ID": 1, "OWNER_ID": 22, "CREATED_TIME": "2024-04-26T11:00:00+03:00", "STATUS_ID": "NEW",
         "STATUS_SEMANTIC_ID": "P"},
        {"ID": 5, "TYPE_ID": 3, "OWNER_ID": 22, "STATUS_ID": "JUNK", "STATUS_SEMANTIC_ID": "F"},
    ]  # fmt: skip
    pages = bitrix_pages(leads, items=True, page_size=2)
    (BITRIX / "stagehistory_leads.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pages),
                                                     encoding="utf-8")  # fmt: skip

    deal_list = [
        {"ID": "37", "TITLE": "Поставка оборудования", "TYPE_ID": "SALE", "CATEGORY_ID": "2", "STAGE_ID": "C2:WON",
         "STAGE_SEMANTIC_ID": "S", "OPPORTUNITY": "19999.99", "CURRENCY_ID": "RUB", "CLOSED": "Y",
         "ASSIGNED_BY_ID": "8", "CREATED_BY_ID": "1", "MOVED_BY_ID": "8", "DATE_CREATE": "2024-09-02T18:37:18+03:00",
         "MOVED_TIME": "2024-09-10T12:00:00+03:00", "CLOSEDATE": "2024-09-10", "DATE_MODIFY": "2024-09-10T12:00:00+03:00"},
        {"ID": "38", "TITLE": "Лицензии 1С", "TYPE_ID": "SALE", "CATEGORY_ID": "2", "STAGE_ID": "C2:EXECUTING",
         "STAGE_SEMANTIC_ID": "P", "OPPORTUNITY": "5000.00", "CURRENCY_ID": "RUB", "CLOSED": "N",
         "ASSIGNED_BY_ID": "9", "CREATED_BY_ID": "9", "MOVED_BY_ID": "9", "DATE_CREATE": "2024-09-03T09:00:00+03:00",
         "MOVED_TIME": "2024-09-05T15:30:00+03:00", "CLOSEDATE": "2024-10-03", "DATE_MODIFY": "2024-09-05T15:30:00+03:00"},
        {"ID": "39", "TITLE": "Внедрение CRM", "CATEGORY_ID": "0", "STAGE_ID": "LOSE", "STAGE_SEMANTIC_ID": "F",
         "OPPORTUNITY": "0", "CURRENCY_ID": "RUB", "CLOSED": "Y", "ASSIGNED_BY_ID": "8", "CREATED_BY_ID": "8",
         "DATE_CREATE": "2024-09-04T10:00:00+03:00", "CLOSEDATE": "2024-09-20"},
        {"ID": "40", "TITLE": "Без даты создания", "CATEGORY_ID": "2", "STAGE_ID": "C2:NEW", "STAGE_SEMANTIC_ID": "P",
         "CLOSED": "N", "ASSIGNED_BY_ID": "8"},
    ]  # fmt: skip
    _dump(BITRIX / "deal_list.json", bitrix_pages(deal_list, items=False, page_size=50)[0])

    activities = [
        {"ID": "101", "OWNER_ID": "37", "OWNER_TYPE_ID": "2", "TYPE_ID": "2", "PROVIDER_ID": "VOXIMPLANT_CALL",
         "PROVIDER_TYPE_ID": "CALL", "DIRECTION": "2", "COMPLETED": "Y", "STATUS": "2", "RESPONSIBLE_ID": "8",
         "START_TIME": "2024-09-02T18:50:00+03:00", "END_TIME": "2024-09-02T18:55:00+03:00",
         "CREATED": "2024-09-02T18:49:00+03:00", "SUBJECT": "Исходящий звонок"},
        {"ID": "102", "OWNER_ID": "37", "OWNER_TYPE_ID": "2", "TYPE_ID": "1", "PROVIDER_ID": "CRM_MEETING",
         "PROVIDER_TYPE_ID": "MEETING", "COMPLETED": "Y", "RESPONSIBLE_ID": "8",
         "START_TIME": "2024-09-04T11:00:00+03:00", "CREATED": "2024-09-03T09:00:00+03:00", "SUBJECT": "Встреча"},
        {"ID": "103", "OWNER_ID": "21", "OWNER_TYPE_ID": "1", "TYPE_ID": "2", "PROVIDER_ID": "VOXIMPLANT_CALL",
         "PROVIDER_TYPE_ID": "CALL", "DIRECTION": "1", "COMPLETED": "Y", "RESPONSIBLE_ID": "9",
         "START_TIME": "2024-04-25T15:10:00+03:00", "CREATED": "2024-04-25T15:10:00+03:00"},
        {"ID": "104", "OWNER_ID": "37", "OWNER_TYPE_ID": "3", "TYPE_ID": "4", "PROVIDER_ID": "CRM_EMAIL",
         "PROVIDER_TYPE_ID": "EMAIL", "DIRECTION": "2", "COMPLETED": "Y", "RESPONSIBLE_ID": "8",
         "START_TIME": "", "CREATED": "2024-09-06T10:00:00+03:00"},
        {"ID": "105", "OWNER_TYPE_ID": "2", "TYPE_ID": "3", "PROVIDER_ID": "TASKS", "RESPONSIBLE_ID": "8",
         "CREATED": "2024-09-07T10:00:00+03:00"},
    ]  # fmt: skip
    _dump(BITRIX / "activity_list.json", bitrix_pages(activities, items=False, page_size=50))

    header = ["ID", "Название сделки", "Стадия сделки", "Воронка", "Сумма", "Валюта", "Ответственный", "Кем создана",
              "Дата создания", "Дата изменения", "Дата завершения", "Закрыта"]  # fmt: skip
    ui_rows = [
        ["37", "Поставка оборудования", "Сделка успешна", "Продажи", "19 999,99", "RUB", "Иванова Мария",
         "Петров Сергей", "02.09.2024 18:37:18", "10.09.2024 12:00:00", "10.09.2024", "Да"],
        ["38", 'ООО "Вектор" – лицензии', "Переговоры", "Продажи", "5 000,00", "RUB", "Смирнов Алексей",
         "Смирнов Алексей", "03.09.2024 09:00:00", "05.09.2024 15:30:00", "03.10.2024", "Нет"],
        ["39", "Внедрение CRM", "Сделка проиграна", "Общая", "0,00", "RUB", "Иванова Мария", "Иванова Мария",
         "04.09.2024 10:00:00", "20.09.2024 17:45:00", "", "Да"],
    ]  # fmt: skip
    cells = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c.replace('&', '&amp;').replace('<', '&lt;')}</td>" for c in r) + "</tr>\n"
                   for r in ui_rows)  # fmt: skip
    body += "<tr><td>41</td><td>Строка без ячеек</td></tr>\n"
    html = ('<html>\n<head><meta http-equiv="Content-type" content="text/html;charset=UTF-8" /></head>\n<body>\n'
            f'<table border="1">\n<tr>{cells}</tr>\n{body}</table>\n</body>\n</html>\n')  # fmt: skip
    (BITRIX / "deals_ui.xls").write_text(html, encoding="utf-8")

    lines = [";".join(header)]
    lines += [";".join(f'"{c}"' if ('"' in c or ";" in c) and not c.startswith('"') else c for c in r) for r in ui_rows]
    lines[2] = lines[2].replace('"ООО "Вектор" – лицензии"', '"ООО ""Вектор"" - лицензии"')
    lines.append("42;Лишнее поле;Переговоры;Продажи;1,00;RUB;Иванова Мария;Иванова Мария;05.09.2024 10:00:00;;;Нет;X")
    lines.append("43;Плохая дата;Переговоры;Продажи;1,00;RUB;Иванова Мария;Иванова Мария;32.13.2024 10:00:00;;;Нет")
    (BITRIX / "deals_ui_cp1251.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))

    hist_header = ["ID", "Тип", "ID сделки", "Воронка", "Стадия", "Дата", "Ответственный"]
    hist_rows = [
        ["1", "Создание", "37", "Продажи", "Новая заявка", "02.09.2024 18:37", "Петров Сергей"],
        ["2", "Смена стадии", "37", "Продажи", "Квалификация", "03.09.2024 10:00", "Иванова Мария"],
        ["3", "Смена стадии", "37", "Продажи", "Сделка успешна", "10.09.2024 12:00", "Иванова Мария"],
    ]
    cells = "".join(f"<th>{h}</th>" for h in hist_header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>\n" for r in hist_rows)
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head><body>'
            f"<table><tr>{cells}</tr>\n{body}</table></body></html>\n")  # fmt: skip
    (BITRIX / "stagehistory_ui.xls").write_bytes(html.encode("cp1251"))


def amo() -> None:
    AMO.mkdir(parents=True, exist_ok=True)
    deals = generate_deals(n_deals=10, seed=5)
    write_amocrm_exports(deals, AMO)  # pipelines + users (+ a JSON-lines events file, replaced below)
    (AMO / "amocrm_events.jsonl").unlink()
    (AMO / "amocrm_pipelines.json").rename(AMO / "pipelines.json")
    (AMO / "amocrm_users.json").rename(AMO / "users.json")
    events: list[Any] = amo_event_records(deals)
    t = int(datetime(2024, 6, 3, 7, 0, tzinfo=UTC).timestamp())
    other = deals.pipeline_id + 1
    extra = [
        {"id": "x1", "type": "lead_added", "entity_id": 7777, "entity_type": "lead", "created_by": 8001, "created_at": t,
         "value_after": [], "value_before": []},
        {"id": "x2", "type": "lead_status_changed", "entity_id": 7777, "entity_type": "lead", "created_by": 8002,
         "created_at": t + 3600, "value_before": [{"lead_status": {"id": 62000001, "pipeline_id": other}}],
         "value_after": [{"lead_status": {"id": 142, "pipeline_id": other}}]},
        {"id": "x3", "type": "outgoing_call", "entity_id": 7777, "entity_type": "lead", "created_by": 8002,
         "created_at": t + 1800, "value_after": [{"note": {"id": 5551}}], "value_before": []},
        {"id": "x4", "type": "incoming_chat_message", "entity_id": 901, "entity_type": "contact", "created_by": 0,
         "created_at": t + 60, "value_after": [{"message": {"id": "m1", "origin": "amo.ext.whatsapp"}}]},
        {"id": "x5", "type": "task_completed", "entity_id": 7777, "entity_type": "lead", "created_by": 8003,
         "created_at": t + 2400, "value_after": [{"task_deadline": {"timestamp": t + 7200}}]},
        # broken: no entity_id; created_at as text; a status change without value_after
        {"id": "b1", "type": "lead_status_changed", "entity_type": "lead", "created_by": 8001, "created_at": t + 10},
        {"id": "b2", "type": "common_note_added", "entity_id": 7777, "entity_type": "lead", "created_by": 8001,
         "created_at": "вчера"},
        {"id": "b3", "type": "lead_status_changed", "entity_id": 7777, "entity_type": "lead", "created_by": 8001,
         "created_at": t + 20, "value_before": [], "value_after": []},
    ]  # fmt: skip
    events = extra[:5] + events[:40] + extra[5:] + events[40:]
    _dump(AMO / "events.json", amo_pages("events", events, page_size=25))
    _dump(AMO / "pipelines.json", amo_pages("pipelines", amo_pipeline_records(deals))[0])
    leads = [
        {"id": 7777, "name": "Повторная поставка", "price": 120000, "responsible_user_id": 8002, "group_id": 0,
         "status_id": 142, "pipeline_id": other, "loss_reason_id": None, "created_by": 8001, "updated_by": 8002,
         "created_at": t, "updated_at": t + 3600, "closed_at": t + 3600, "closest_task_at": None,
         "is_deleted": False, "account_id": 30000001, "custom_fields_values": None},
        {"id": 7778, "name": "Новая заявка с сайта", "price": 0, "responsible_user_id": 8003, "status_id": 61000002,
         "pipeline_id": deals.pipeline_id, "created_by": 0, "updated_by": 8003, "created_at": t + 86400,
         "updated_at": t + 90000, "closed_at": None, "account_id": 30000001},
        {"id": 7779, "name": "Без статуса", "price": 0, "pipeline_id": deals.pipeline_id, "created_at": t + 86400},
    ]  # fmt: skip
    _dump(AMO / "leads.json", amo_pages("leads", leads))
    contacts = [
        {"id": 901, "name": "Гришин Андрей", "first_name": "Андрей", "last_name": "Гришин", "responsible_user_id": 8001,
         "created_by": 8001, "created_at": t - 86400, "updated_at": t, "account_id": 30000001,
         "custom_fields_values": [{"field_id": 1, "field_name": "Телефон", "field_code": "PHONE",
                                   "values": [{"value": "+7 916 123-45-67", "enum_code": "WORK"}]}]},
    ]  # fmt: skip
    _dump(AMO / "contacts.json", amo_pages("contacts", contacts))


if __name__ == "__main__":
    bitrix()
    amo()
    print(f"fixtures written to {DATA}")
