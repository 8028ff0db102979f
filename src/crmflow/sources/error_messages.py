"""The sources error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "http.answer_larger_than_bytes": {
        "en": "the answer is larger than {max_bytes:,} bytes; ask for smaller pages (a lower page size or limit parameter)",
        "ru": "ответ больше {max_bytes:n} байт; запрашивайте страницы поменьше (меньший размер страницы или параметр limit)",
    },
    "object_model.objects_table_no_input": {
        "en": "objects.{object_type}.table: no input file matches {table!r} (inputs: {names}); give the file name or its stem",
        "ru": (
            "objects.{object_type}.table: ни один входной файл не подходит под {table!r} (входные файлы: {names}); "
            "укажите имя файла или его основу"
        ),
    },
    "object_model.must_column_name_list": {
        "en": "{label}: {where} must be a column name or a list of column names",
        "ru": "{label}: {where} должно быть именем колонки или списком имён колонок",
    },
    "object_model.has_no_expected_e": {
        "en": "{label}: {where} has no {key!r} (expected e.g. `{key}: {example}`)",
        "ru": "{label}: у {where} нет {key!r} (ожидалось, например, `{key}: {example}`)",
    },
    "object_model.expected_mapping_objects_one": {
        "en": "{label}: expected a mapping `objects:` with one entry per object type",
        "ru": "{label}: ожидался словарь `objects:` с одной записью на тип объектов",
    },
    "object_model.unknown_top_level_key": {
        "en": "{label}: unknown top-level key(s) {value} (allowed: objects, timezone, journey)",
        "ru": "{label}: неизвестные ключи верхнего уровня {value} (допустимы: objects, timezone, journey)",
    },
    "object_model.timezone_must_zone_name": {
        "en": "{label}: `timezone` must be a zone name such as Europe/Moscow",
        "ru": "{label}: `timezone` должен быть именем часового пояса, например Europe/Moscow",
    },
    "object_model.journey_must_mapping_anchor": {
        "en": "{label}: `journey` must be a mapping with `anchor` and `stages`",
        "ru": "{label}: `journey` должен быть словарём с `anchor` и `stages`",
    },
    "object_model.objects_has_no_column": {
        "en": "objects.{object_type}: {source} has no column(s) {value} (columns: {cols})",
        "ru": "objects.{object_type}: в {source} нет колонок {value} (колонки: {cols})",
    },
    "object_model.must_mapping_table_id": {
        "en": "{label}: {where} must be a mapping with `table` and `id`",
        "ru": "{label}: {where} должен быть словарём с `table` и `id`",
    },
    "object_model.has_unknown_key_s": {
        "en": "{label}: {where} has unknown key(s) {value} (allowed: table, id, id_prefix, attributes, events, references)",
        "ru": "{label}: у {where} неизвестные ключи {value} (допустимы: table, id, id_prefix, attributes, events, references)",
    },
    "object_model.objects_id_already_object": {
        "en": (
            "objects.{object_type}: id {clash!r} is already an object of type {clash2!r}; object ids must be unique "
            'across types: set `id_prefix` (e.g. "{object_type}:")'
        ),
        "ru": (
            "objects.{object_type}: id {clash!r} уже занят объектом типа {clash2!r}; id объектов должны быть уникальны "
            'для всех типов: задайте `id_prefix` (например, "{object_type}:")'
        ),
    },
    "object_model.must_mapping_such": {
        "en": "{label}: {w} must be a mapping such as {{column: created_at, activity: Create}}",
        "ru": "{label}: {w} должен быть словарём вида {{column: created_at, activity: Create}}",
    },
    "object_model.must_mapping_such_2": {
        "en": "{label}: {w} must be a mapping such as {{column: lead_id, type: lead}}",
        "ru": "{label}: {w} должен быть словарём вида {{column: lead_id, type: lead}}",
    },
    "object_model.objects_references_value_already": {
        "en": (
            "objects.{object_type}.references ({column}): value {clash!r} is already an object of type {clash2!r}; "
            'object ids must be unique across types: add `id_prefix: "{object_type2}:"` to this reference'
        ),
        "ru": (
            "objects.{object_type}.references ({column}): значение {clash!r} уже занято объектом типа {clash2!r}; id "
            'объектов должны быть уникальны для всех типов: добавьте к этой ссылке `id_prefix: "{object_type2}:"`'
        ),
    },
    "project.no_such_project_store": {
        "en": "{p}: no such project store; create it with `crmflow import SOURCE... --into {name}`",
        "ru": "{p}: такого хранилища проекта нет; создайте его командой `crmflow import SOURCE... --into {name}`",
    },
    "project.cannot_open_project_store": {
        "en": "cannot open the project store {p}: {exc}",
        "ru": "не удалось открыть хранилище проекта {p}: {exc}",
    },
    "project.has_no_log_named": {
        "en": "{name} has no log named {log_name!r}; its logs: {value}",
        "ru": "в {name} нет журнала {log_name!r}; его журналы: {value}",
    },
    "reader.no_reader_this_file": {
        "en": "{name}: no reader for this file type; supported: {value} (or pass a pandas/polars DataFrame or a pyarrow Table)",
        "ru": (
            "{name}: для этого типа файлов нет способа чтения; поддерживаются: {value} (или передайте DataFrame "
            "pandas/polars либо таблицу pyarrow)"
        ),
    },
    "registry.unknown_source_kind_known": {
        "en": "unknown source kind {name!r}; known kinds: {known}",
        "ru": "неизвестный вид источника {name!r}; известные виды: {known}",
    },
}
