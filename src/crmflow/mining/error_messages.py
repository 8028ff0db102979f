"""The mining error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "filters.log_has_no_attribute": {
        "en": "the log has no attribute {attribute!r}; it has: {shown}",
        "ru": "в журнале нет атрибута {attribute!r}; есть: {shown}",
    },
    "filters.k_must_least_got": {
        "en": "k must be at least 1, got {k}",
        "ru": "k должно быть не меньше 1, а получено {k}",
    },
    "journey.customer_journey_needs_least": {
        "en": "a customer journey needs at least one stage",
        "ru": "пути клиента нужна хотя бы одна стадия",
    },
    "journey.no_object_type_customers": {
        "en": "{name}: no object type {anchor_type!r} for the customers; the log has {value}",
        "ru": "{name}: нет типа объектов {anchor_type!r} для клиентов; в журнале есть {value}",
    },
    "journey.max_depth_must_least": {
        "en": "max_depth must be at least 1 (got {max_depth})",
        "ru": "max_depth должно быть не меньше 1 (получено {max_depth})",
    },
    "journey.expected_anchor_object_type": {
        "en": "{label}: expected `anchor: <object type>` and a list `stages:`",
        "ru": "{label}: ожидались `anchor: <тип объекта>` и список `stages:`",
    },
    "journey.unknown_key_s_allowed": {
        "en": "{label}: unknown key(s) {value} (allowed: {value2})",
        "ru": "{label}: неизвестные ключи {value} (допустимы: {value2})",
    },
    "journey.add_journey_section_anchor": {
        "en": "{name}: add a `journey:` section (anchor, stages) to the object model",
        "ru": "{name}: добавьте в объектную модель раздел `journey:` (anchor, stages)",
    },
    "journey.journey_stage_give_object": {
        "en": "journey stage {name!r}: give an object type or activities (or both)",
        "ru": "стадия пути {name!r}: укажите тип объектов или действия (или и то, и другое)",
    },
    "journey.stage_mapping_name_object": {
        "en": "{where}: a stage is a mapping with a `name` and `object_type` or `activities`",
        "ru": "{where}: стадия — это словарь с `name` и `object_type` или `activities`",
    },
    "journey.journey_stage_no_object": {
        "en": "journey stage {name!r}: no object type {ot!r}; the log has {value}",
        "ru": "стадия пути {name!r}: нет типа объектов {ot!r}; в журнале есть {value}",
    },
    "journey.journey_stage_no_activity": {
        "en": "journey stage {name!r}: no activity {a!r}; the log has {value}",
        "ru": "стадия пути {name!r}: нет действия {a!r}; в журнале есть {value}",
    },
    "journey.expected_whole_number": {
        "en": "{label}.{key}: expected a whole number",
        "ru": "{label}.{key}: ожидалось целое число",
    },
    "journey.expected_name_list_names": {
        "en": "{where}.{value}.{k}: expected a name or a list of names",
        "ru": "{where}.{value}.{k}: ожидалось имя или список имён",
    },
}
