"""The findings error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "kinds.not_finding_kind_use": {
        "en": "{name!r} is not a finding kind; use one of {value} (or {value2})",
        "ru": "{name!r} — не вид выявленной проблемы; используйте один из {value} (или {value2})",
    },
    "rules.not_duration": {
        "en": "`{key}`: {value!r} is not a duration ({SHORT_EXPECTED})",
        "ru": (
            "`{key}`: {value!r} — не длительность (ожидалась длительность вида `45s`, `10m`, `2h`, `1d`, `1h30m` или "
            "ISO 8601 `PT10M` / `P30D`)"
        ),
    },
    "rules.must_mapping_keys_values": {
        "en": "`{key}` must be a mapping of keys to values, got {value!r}",
        "ru": "`{key}` должен быть словарём «ключ: значение», а получено {value!r}",
    },
    "rules.must_list_activity_names": {
        "en": "`{key}` must be a list of activity names, got {value!r}",
        "ru": "`{key}` должен быть списком названий действий, а получено {value!r}",
    },
    "rules.system_resources_must_list": {
        "en": "`system_resources` must be a list of resource names (e.g. [robot, '112']), got {value!r}",
        "ru": "`system_resources` должен быть списком исполнителей (например, [robot, '112']), а получено {value!r}",
    },
    "rules.sla_must_list_rules": {
        "en": "`sla` must be a list of rules ({{name, from, to, within, time}}), got {value!r}",
        "ru": "`sla` должен быть списком правил ({{name, from, to, within, time}}), а получено {value!r}",
    },
    "rules.stages_listed_twice_each": {
        "en": "`stages`: {value} listed twice (each stage once, in order)",
        "ru": "`stages`: {value} указаны дважды (каждая стадия — один раз, по порядку)",
    },
    "rules.cannot_read_duration": {
        "en": "`{key}`: cannot read {value!r} as a duration ({SHORT_EXPECTED})",
        "ru": (
            "`{key}`: не удалось прочитать {value!r} как длительность (ожидалась длительность вида `45s`, `10m`, `2h`, "
            "`1d`, `1h30m` или ISO 8601 `PT10M` / `P30D`)"
        ),
    },
    "rules.unknown_key_rules_allowed": {
        "en": "unknown key `{where}{k}` in the rules; allowed keys: {value}",
        "ru": "неизвестный ключ `{where}{k}` в правилах; допустимые ключи: `{value}`",
    },
    "rules.calendar_timezone_unknown_timezone": {
        "en": "`calendar.timezone`: unknown timezone {tz!r} (expected an IANA name such as Europe/Moscow)",
        "ru": "`calendar.timezone`: неизвестный часовой пояс {tz!r} (ожидалось имя IANA, например Europe/Moscow)",
    },
    "rules.calendar_working_hours_cannot": {
        "en": '`calendar.working_hours`: cannot read {hours!r} (expected a quoted "HH:MM-HH:MM" such as "09:00-19:00")',
        "ru": (
            '`calendar.working_hours`: не удалось прочитать {hours!r} (ожидалось "ЧЧ:ММ-ЧЧ:ММ" в кавычках, например '
            '"09:00-19:00")'
        ),
    },
    "rules.calendar_working_hours_not": {
        "en": (
            "`calendar.working_hours`: {hours!r} is not a window within one day (expected start before end, between "
            '00:00 and 24:00, e.g. "09:00-19:00")'
        ),
        "ru": (
            "`calendar.working_hours`: {hours!r} — не интервал внутри одного дня (начало должно быть раньше конца, "
            'между 00:00 и 24:00, например "09:00-19:00")'
        ),
    },
    "rules.calendar_weekdays_must_non": {
        "en": "`calendar.weekdays` must be a non-empty list such as [mon, tue], got {raw!r}",
        "ru": "`calendar.weekdays` должен быть непустым списком, например [mon, tue], а получено {raw!r}",
    },
    "rules.time_not_allowed_expected": {
        "en": "`{where}.time`: {basis!r} is not allowed (expected working or calendar)",
        "ru": "`{where}.time`: значение {basis!r} не допускается (ожидалось working или calendar)",
    },
    "rules.within_must_longer_than": {
        "en": "`{where}.within`: {data!r} must be longer than zero",
        "ru": "`{where}.within`: {data!r} должно быть больше нуля",
    },
    "rules.name_used_two_sla": {
        "en": "`{where}.name`: {name!r} is used by two SLA rules (names must be unique)",
        "ru": "`{where}.name`: имя {name!r} используют два правила SLA (имена должны быть уникальны)",
    },
    "rules.thresholds_not_allowed_expected": {
        "en": "`thresholds.{k}`: {v!r} is not allowed (expected {kind})",
        "ru": "`thresholds.{k}`: значение {v!r} не допускается (ожидалось: {kind})",
    },
    "rules.calendar_weekdays_unknown_weekday": {
        "en": (
            "`calendar.weekdays`: unknown weekday {w!r} (expected mon, tue, wed, thu, fri, sat, sun or пн, вт, ср, чт, "
            "пт, сб, вс)"
        ),
        "ru": (
            "`calendar.weekdays`: неизвестный день недели {w!r} (ожидалось mon, tue, wed, thu, fri, sat, sun или пн, "
            "вт, ср, чт, пт, сб, вс)"
        ),
    },
    "rules.calendar_holidays_unknown_country": {
        "en": "`calendar.holidays`: unknown country {hol!r} (expected none or a country code such as RU)",
        "ru": "`calendar.holidays`: неизвестная страна {hol!r} (ожидалось none или код страны, например RU)",
    },
    "rules.has_no_each_sla": {
        "en": "`{where}` has no `{k}` (each SLA needs from, to and within)",
        "ru": "у `{where}` нет `{k}` (каждому SLA нужны from, to и within)",
    },
    "rules.not_activity_name": {
        "en": "`{where}.{k}`: {v!r} is not an activity name",
        "ru": "`{where}.{k}`: {v!r} — не название действия",
    },
}
