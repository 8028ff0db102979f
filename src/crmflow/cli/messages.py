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
    "bpmn": {"en": "Discovering the As-Is BPMN", "ru": "Построение модели As-Is (BPMN)"},
    "report": {"en": "Writing the report", "ru": "Формирование отчёта"},
    "step": {"en": "{step}", "ru": "{step}"},
    "done": {"en": "Done.", "ru": "Готово."},
    "written": {"en": "Audit written: {json} and {html}", "ru": "Аудит записан: {json} и {html}"},
    "bad_engine": {
        "en": "unknown engine {engine!r}: use --engine duckdb or --engine spark",
        "ru": "неизвестный движок {engine!r}: укажите --engine duckdb или --engine spark",
    },
    "one_dataset": {
        "en": "give one Parquet dataset folder (see docs/scale.md); several sources are combined by `crmflow import --parquet`",
        "ru": "укажите одну папку набора Parquet (см. docs/scale.md); несколько источников объединяет `crmflow import --parquet`",
    },
    "spark_start": {"en": "Starting Spark ({master})…", "ru": "Запуск Spark ({master})…"},
    "spark_job": {"en": "Spark job {n}: {query}", "ru": "Задание Spark {n}: {query}"},
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
    "example": {"en": "Example (first row)", "ru": "Пример (первая строка)"},
    "findings_title": {"en": "Findings", "ru": "Выявленные проблемы"},
    "severity": {"en": "Severity", "ru": "Важность"},
    "kind": {"en": "Kind", "ru": "Тип"},
    "title": {"en": "Title", "ru": "Описание"},
    "findings_left_out": {
        "en": "The table shows the {shown} most severe of {total} findings; the other {left} are in {where}",
        "ru": "В таблице {shown} самых важных из {total} выявленных проблем; остальные ({left}) — в {where}",
    },
    "info_encoding": {"en": "encoding", "ru": "кодировка"},
    "info_delimiter": {"en": "delimiter", "ru": "разделитель"},
    "info_timestamp_format": {"en": "date format", "ru": "формат даты"},
    "info_timezone": {"en": "timezone", "ru": "часовой пояс"},
    "info_numeric_columns": {"en": "numeric columns", "ru": "числовые колонки"},
    "info_renamed_columns": {"en": "renamed columns", "ru": "переименованные колонки"},
    "info_sheet": {"en": "sheet", "ru": "лист"},
    "info_engine": {"en": "reader", "ru": "способ чтения"},
    "info_object_type": {"en": "object type", "ru": "тип объекта"},
    "error": {"en": "Error: {message}", "ru": "Ошибка: {message}"},
    "os_error": {
        "en": "{path}: {reason} (check the path: an output folder cannot be an existing file, and the folder "
        "a file is written into must exist and be writable)",
        "ru": "{path}: {reason} (проверьте путь: папка результатов не может быть существующим файлом, а папка, "
        "в которую пишется файл, должна существовать и быть доступной для записи)",
    },
    "debug_hint": {
        "en": "(run with --debug to see the traceback)",
        "ru": "(запустите с --debug, чтобы увидеть трассировку)",
    },
    "demo_generated": {
        "en": "Generated the Bitrix24-style demo export: {path}",
        "ru": "Создана демо-выгрузка в стиле Битрикс24: {path}",
    },
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
