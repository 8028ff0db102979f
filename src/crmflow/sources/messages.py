"""What the CRM source adapters say, in English and Russian (quarantine reasons, errors, event names).

>>> from crmflow.i18n import text
>>> text(MESSAGES, "missing_key", "ru", where="a.json страница 2, запись 5", key="OWNER_ID", expected="…")
'a.json страница 2, запись 5: нет ключа `OWNER_ID` (ожидается …)'
"""

from __future__ import annotations

from crmflow.i18n import text

MESSAGES: dict[str, dict[str, str]] = {
    # where a record is
    "where_page": {"en": "{source} page {page}, record {record}", "ru": "{source} страница {page}, запись {record}"},
    "where_row": {"en": "{source} row {row}", "ru": "{source} строка {row}"},
    # record problems (quarantine reasons)
    "missing_key": {
        "en": "{where}: missing key `{key}` (expected {expected})",
        "ru": "{where}: нет ключа `{key}` (ожидается {expected})",
    },
    "empty_key": {
        "en": "{where}: `{key}` is empty (expected {expected})",
        "ru": "{where}: `{key}` пусто (ожидается {expected})",
    },
    "bad_time": {
        "en": "{where}: `{key}` = {value!r} is not a time (expected {expected})",
        "ru": "{where}: `{key}` = {value!r} не является временем (ожидается {expected})",
    },
    "not_object": {
        "en": "{where}: the record is not a JSON object but {kind}",
        "ru": "{where}: запись не JSON-объект, а {kind}",
    },
    # file problems (SourceError)
    "bad_encoding": {
        "en": "{source}: the text is neither UTF-8 nor Windows-1251 (byte 0x{byte:02x} at offset {offset} fits "
        "neither); save the API response again as UTF-8",
        "ru": "{source}: текст не в UTF-8 и не в Windows-1251 (байт 0x{byte:02x} на смещении {offset} не подходит "
        "ни к одной); сохраните ответ API заново в UTF-8",
    },
    "bad_json": {
        "en": "{source}: not valid JSON ({error}); expected a saved API response (one page, a list of pages, "
        "or one page per line)",
        "ru": "{source}: некорректный JSON ({error}); ожидается сохранённый ответ API (одна страница, "
        "список страниц или по странице на строку)",
    },
    "too_big": {
        "en": "{source}: {size:,} bytes is more than the limit of {limit:,} bytes for a JSON file; split the "
        "export into pages or raise CRMFLOW_MAX_OCEL_JSON_BYTES",
        "ru": "{source}: {size:,} байт больше предела {limit:,} байт для JSON-файла; разбейте выгрузку на "
        "страницы или увеличьте CRMFLOW_MAX_OCEL_JSON_BYTES",
    },
    "bad_page": {
        "en": "{source} page {page}: missing key `{key}`; expected {expected}",
        "ru": "{source} страница {page}: нет ключа `{key}`; ожидается {expected}",
    },
    "no_records": {
        "en": "{source}: no records found; expected {expected}",
        "ru": "{source}: записи не найдены; ожидается {expected}",
    },
    "not_html_table": {
        "en": "{source}: no <table> with a header row found; expected an HTML table saved as .xls",
        "ru": "{source}: не найдена таблица <table> со строкой заголовка; ожидается HTML-таблица, сохранённая как .xls",
    },
    "html_too_big": {
        "en": "{source}: {size:,} bytes is more than the limit of {limit:,} bytes for an HTML table export",
        "ru": "{source}: {size:,} байт больше предела {limit:,} байт для выгрузки HTML-таблицы",
    },
    "html_too_wide": {
        "en": "{source} line {line}: the header row is {found:,} cells wide (colspan); an export has at most {limit:,} columns",
        "ru": "{source} строка файла {line}: строка заголовка шириной {found:,} ячеек (colspan); в выгрузке не больше "
        "{limit:,} столбцов",
    },
    "html_row_width": {
        "en": "{source} row {row} (line {line}): {found} cells, the header has {expected}",
        "ru": "{source} строка {row} (строка файла {line}): ячеек {found}, в заголовке {expected}",
    },
    "only_dictionaries": {
        "en": "only dictionaries were given ({sources}); add the event files (stage history, events) to read a log",
        "ru": "переданы только справочники ({sources}); добавьте файлы событий (история стадий, события), чтобы прочитать журнал",
    },
    # event names (activities that are not stages)
    "deal_created": {"en": "Deal created", "ru": "Сделка создана"},
    "lead_created": {"en": "Lead created", "ru": "Лид создан"},
    "contact_created": {"en": "Contact created", "ru": "Контакт создан"},
    "call_in": {"en": "Incoming call", "ru": "Входящий звонок"},
    "call_out": {"en": "Outgoing call", "ru": "Исходящий звонок"},
    "call": {"en": "Call", "ru": "Звонок"},
    "meeting": {"en": "Meeting", "ru": "Встреча"},
    "task": {"en": "Task", "ru": "Задача"},
    "task_added": {"en": "Task added", "ru": "Задача поставлена"},
    "task_completed": {"en": "Task completed", "ru": "Задача выполнена"},
    "email_in": {"en": "Incoming e-mail", "ru": "Входящее письмо"},
    "email_out": {"en": "Outgoing e-mail", "ru": "Исходящее письмо"},
    "email": {"en": "E-mail", "ru": "Письмо"},
    "activity": {"en": "Activity", "ru": "Дело"},
    "note": {"en": "Note", "ru": "Примечание"},
    "chat_in": {"en": "Incoming chat message", "ru": "Входящее сообщение в чате"},
    "chat_out": {"en": "Outgoing chat message", "ru": "Исходящее сообщение в чате"},
    "responsible_changed": {"en": "Responsible changed", "ru": "Смена ответственного"},
    "lead_deleted": {"en": "Deal deleted", "ru": "Сделка удалена"},
    "lead_restored": {"en": "Deal restored", "ru": "Сделка восстановлена"},
    "won": {"en": "Closed – won", "ru": "Успешно реализовано"},
    "lost": {"en": "Closed – lost", "ru": "Закрыто и не реализовано"},
}


def msg(key: str, lang: str, /, **kwargs: object) -> str:
    """The adapter message ``key`` in ``lang``."""
    return text(MESSAGES, key, lang, **kwargs)
