"""The simulation error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "discover.log_has_no_completed": {
        "en": "log {name!r} has no completed activity to learn a simulation model from",
        "ru": "в журнале {name!r} нет завершённых действий, по которым можно построить модель симуляции",
    },
    "document.field": {
        "en": "{where}: field `{value}`: {first}{shown}",
        "ru": "{where}: поле `{value}`: {first}{shown}",
    },
    "document.field_note_keys_key": {
        "en": "{where}: field `note_keys[{n}].key`: unknown note {key!r}",
        "ru": "{where}: поле `note_keys[{n}].key`: неизвестное примечание {key!r}",
    },
    "economics.economics_unknown_key_s": {
        "en": "{where}: economics: unknown key(s) {unknown} (expected {value})",
        "ru": "{where}: economics: неизвестные ключи {unknown} (ожидалось {value})",
    },
    "economics.economics_amounts_are_plain": {
        "en": "{where}: economics: {exc} (amounts are plain numbers, e.g. 45000)",
        "ru": "{where}: economics: {exc} (суммы — простые числа, например 45000)",
    },
    "scenarios.missing_setting": {
        "en": "{here}: missing setting {args!r}",
        "ru": "{here}: не указана настройка {args!r}",
    },
    "scenarios.message": {
        "en": "{here}: {exc}",
        "ru": "{here}: {exc}",
    },
}
