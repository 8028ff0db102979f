"""The architecture error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "dfd.must_text_list_texts": {
        "en": "{label}: {where} must be a text or a list of texts",
        "ru": "{label}: {where} должно быть текстом или списком текстов",
    },
    "dfd.expected_list_systems_each": {
        "en": "{label}: expected a list `systems:` (each with id, name, kind) and a list `flows:`",
        "ru": "{label}: ожидались список `systems:` (у каждой системы id, name, kind) и список `flows:`",
    },
    "dfd.system_id_used_twice": {
        "en": "{label}: system id {dup!r} is used twice",
        "ru": "{label}: id системы {dup!r} используется дважды",
    },
    "dfd.recorded_name_system_whose": {
        "en": "{label}: `recorded_in` is {rec!r}; name the system whose data is audited (one of {value})",
        "ru": "{label}: `recorded_in` — {rec!r}; укажите систему, данные которой проходят аудит (одну из {value})",
    },
    "dfd.needs_id_e_g": {
        "en": "{label}: {where} needs an `id` (e.g. `id: crm`)",
        "ru": "{label}: у {where} должен быть `id` (например, `id: crm`)",
    },
    "dfd.kind_use_external_process": {
        "en": "{label}: {where}.kind is {kind!r}; use external, process or store",
        "ru": "{label}: {where}.kind — {kind!r}; используйте external, process или store",
    },
    "dfd.must_mapping_from": {
        "en": "{label}: {where} must be a mapping with `from` and `to`",
        "ru": "{label}: {where} должен быть словарём с `from` и `to`",
    },
    "dfd.direction_use_one_way": {
        "en": "{label}: {where}.direction is {direction!r}; use one-way or two-way",
        "ru": "{label}: {where}.direction — {direction!r}; используйте one-way или two-way",
    },
    "dfd.no_event_attribute_have": {
        "en": "{name}: no event attribute {attribute!r} (have: {value})",
        "ru": "{name}: атрибута события {attribute!r} нет (есть: {value})",
    },
    "dfd.no_event_attribute_have_2": {
        "en": "{name}: no event attribute {attribute!r} (have: {value})",
        "ru": "{name}: атрибута события {attribute!r} нет (есть: {value})",
    },
    "dfd.not_system_id": {
        "en": "{label}: {where}.{end} is {value!r}, not a system id ({value2})",
        "ru": "{label}: {where}.{end} — {value!r}, а не id системы ({value2})",
    },
    "dot.graphviz_dot_failed_diagram": {
        "en": "Graphviz `dot` failed on the diagram: {value}",
        "ru": "Graphviz `dot` не справился с диаграммой: {value}",
    },
    "erd.give_least_one_table": {
        "en": "give at least one table to infer an ERD from",
        "ru": "укажите хотя бы одну таблицу, по которой строить ERD",
    },
    "erd.key_min_share_must": {
        "en": "key_min_share must be a share in (0, 1], e.g. 0.99; got {key_min_share!r}",
        "ru": "key_min_share должен быть долей в (0, 1], например 0,99; получено {key_min_share!r}",
    },
    "erd.two_tables_are_both": {
        "en": "two tables are both named {name!r}: name them, e.g. ('deals_2024', path)",
        "ru": "две таблицы называются {name!r}: назовите их, например ('deals_2024', path)",
    },
}
