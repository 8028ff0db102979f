"""The kinds of problem that send an input row to the quarantine, with their names for people.

Readers write a ``kind`` with every quarantine row; several problems of one row are joined
with ``+`` (``missing_case_id+bad_timestamp``).

>>> problem_label("missing_case_id+bad_timestamp", "ru")
'пустой ID кейса + нечитаемая дата'
"""

from __future__ import annotations

from crmflow.i18n import text

PROBLEMS: dict[str, dict[str, str]] = {
    "missing_case_id": {"en": "empty case id", "ru": "пустой ID кейса"},
    "missing_activity": {"en": "empty activity", "ru": "пустое действие (стадия)"},
    "missing_timestamp": {"en": "empty date", "ru": "пустая дата"},
    "bad_timestamp": {"en": "unreadable date", "ru": "нечитаемая дата"},
    "csv_too_many_columns": {"en": "too many fields in the line", "ru": "лишние поля в строке"},
    "csv_missing_columns": {"en": "too few fields in the line", "ru": "не хватает полей в строке"},
    "csv_unquoted_value": {"en": "broken quoting", "ru": "нарушены кавычки"},
    "csv_unterminated_quote": {"en": "quote never closed", "ru": "незакрытая кавычка"},
    "csv_line_size_over_maximum": {"en": "line too long", "ru": "слишком длинная строка"},
    "csv_invalid_encoding": {"en": "bytes not in the file's encoding", "ru": "байты не в кодировке файла"},
    # CRM adapters (sources/): records that are read and kept here with a reason instead of becoming events
    "missing_key": {"en": "record lacks a required key", "ru": "в записи нет обязательного ключа"},
    "bad_id": {"en": "invalid record id", "ru": "неверный ID записи"},
    "duplicate_id": {"en": "repeated record id", "ru": "повторяющийся ID записи"},
    "no_stage_history": {"en": "deal without stage history", "ru": "сделка без истории стадий"},
    "not_a_stage_change": {
        "en": "history row without a stage change (skipped)",
        "ru": "строка истории без смены стадии (пропущена)",
    },
    "not_a_stage_field": {
        "en": "history of another field than the stage (skipped)",
        "ru": "история другого поля, не стадии (пропущена)",
    },
    "other": {"en": "other problem", "ru": "другая проблема"},
}


def problem_label(kind: str | None, lang: str) -> str:
    """People's name for a (possibly combined) problem kind; unknown kinds are shown as they are."""
    parts = (kind or "other").split("+")
    return " + ".join(text(PROBLEMS, p, lang) if p in PROBLEMS else p for p in parts)
