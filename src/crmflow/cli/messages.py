"""What the CLI says, in English and Russian."""

from __future__ import annotations

CLI: dict[str, dict[str, str]] = {
    "app_help": {
        "en": "crmflow: audit CRM processes from the CRM's own data.",
        "ru": "crmflow: аудит CRM-процессов по данным самой CRM.",
    },
    "reading": {"en": "Reading {source}", "ru": "Чтение {source}"},
    "mining": {"en": "Mining the process", "ru": "Анализ процесса"},
    "findings": {"en": "Detecting findings", "ru": "Поиск проблем"},
    "report": {"en": "Writing the report", "ru": "Формирование отчёта"},
    "step": {"en": "{step}", "ru": "{step}"},
    "done": {"en": "Done.", "ru": "Готово."},
    "written": {"en": "Audit written: {json} and {html}", "ru": "Аудит записан: {json} и {html}"},
    "mapping_title": {"en": "Column mapping", "ru": "Сопоставление колонок"},
    "field": {"en": "Field", "ru": "Поле"},
    "column": {"en": "Source column", "ru": "Колонка источника"},
    "summary_title": {"en": "Event log", "ru": "Журнал событий"},
    "cases": {"en": "Cases", "ru": "Случаи (кейсы)"},
    "events": {"en": "Events", "ru": "События"},
    "activities": {"en": "Activities", "ru": "Действия"},
    "variants": {"en": "Variants", "ru": "Варианты"},
    "resources": {"en": "Resources", "ru": "Исполнители"},
    "time_span": {"en": "Time span", "ru": "Период"},
    "rows_read": {"en": "Rows read", "ru": "Прочитано строк"},
    "parsed": {"en": "Parsed", "ru": "Разобрано"},
    "quarantined": {"en": "Quarantined", "ru": "В карантине"},
    "quarantine_title": {"en": "Quarantined rows by reason", "ru": "Строки в карантине по причинам"},
    "reason": {"en": "Reason", "ru": "Причина"},
    "rows": {"en": "Rows", "ru": "Строк"},
    "findings_title": {"en": "Findings", "ru": "Выявленные проблемы"},
    "severity": {"en": "Severity", "ru": "Важность"},
    "kind": {"en": "Kind", "ru": "Тип"},
    "title": {"en": "Title", "ru": "Описание"},
    "error": {"en": "Error: {message}", "ru": "Ошибка: {message}"},
    "debug_hint": {"en": "(run with --debug to see the traceback)", "ru": "(запустите с --debug, чтобы увидеть трассировку)"},
    "demo_generated": {"en": "Generated the Bitrix24-style demo export: {path}", "ru": "Создана демо-выгрузка в стиле Битрикс24: {path}"},
    "demo_auditing": {"en": "Auditing {name}", "ru": "Аудит: {name}"},
    "demo_done": {
        "en": "Demo reports:\n  {bitrix}\n  {helpdesk}\nOpen them in a browser.",
        "ru": "Демо-отчёты:\n  {bitrix}\n  {helpdesk}\nОткройте их в браузере.",
    },
    "helpdesk_attr": {
        "en": "Helpdesk log: Verenich (2016), Mendeley Data, doi:10.17632/39bp3vv62t.1, CC BY 4.0",
        "ru": "Журнал Helpdesk: Verenich (2016), Mendeley Data, doi:10.17632/39bp3vv62t.1, CC BY 4.0",
    },
}
