"""The quality error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "linkage_prepare.mapped_column_missing": {
        "en": "column `{column}` (mapped as {field}) is not in table `{table}`; its columns are: {columns}",
        "ru": "колонки `{column}` (сопоставлена как {field}) нет в таблице `{table}`; её колонки: {columns}",
    },
    "date_order.column_column_not_columns": {
        "en": "{where_key}.{side}.column: column `{col}` is not in {source}; columns: {value}",
        "ru": "{where_key}.{side}.column: колонки `{col}` нет в {source}; колонки: {value}",
    },
    "date_order.join_two_dates_are": {
        "en": "{where_key}.join: the two dates are in different entities ({name}, {name2}); name the key that links them",
        "ru": "{where_key}.join: две даты относятся к разным сущностям ({name}, {name2}); укажите ключ, который их связывает",
    },
    "date_order.join_column_not_columns": {
        "en": "{where_key}.join ({side}): column `{col}` is not in {source}; columns: {value}",
        "ru": "{where_key}.join ({side}): колонки `{col}` нет в {source}; колонки: {value}",
    },
    "duplicates.duplicate_threshold_not_probability": {
        "en": "duplicate threshold {threshold!r} is not a probability: use a value between 0 and 1, e.g. 0.9",
        "ru": "порог дубликатов {threshold!r} — не вероятность: укажите значение от 0 до 1, например 0,9",
    },
    "duplicates.duplicate_detection_must_whole": {
        "en": "duplicate detection: {name} = {value!r} must be a whole number of at least {least}, e.g. 50",
        "ru": "поиск дубликатов: {name} = {value!r} должно быть целым числом не меньше {least}, например 50",
    },
    "entities.bytes_more_than_limit": {
        "en": (
            "{name}: {size:,} bytes is more than the limit of {max_bytes:,} bytes for a JSON entity file "
            "(CRMFLOW_MAX_OCEL_JSON_BYTES); save the records as CSV or Parquet"
        ),
        "ru": (
            "{name}: {size:n} байт — больше предела {max_bytes:n} байт для JSON-файла сущностей "
            "(CRMFLOW_MAX_OCEL_JSON_BYTES); сохраните записи как CSV или Parquet"
        ),
    },
    "entities.expected_json_list_records": {
        "en": (
            "{name}: expected a JSON list of records (objects), or an object holding one such list under `result`, "
            "`items` or `data`"
        ),
        "ru": "{name}: ожидался JSON-список записей (объектов) или объект с таким списком в `result`, `items` или `data`",
    },
    "entities.cannot_read_json": {
        "en": "{name}: cannot be read as JSON: {exc}",
        "ru": "{name}: не читается как JSON: {exc}",
    },
    "entities.no_such_file": {
        "en": "{path}: no such file",
        "ru": "{path}: файла нет",
    },
    "entities.no_reader_this_entity": {
        "en": "{name}: no reader for this entity file; use .csv, .tsv, .txt, .xlsx, .parquet or .json",
        "ru": "{name}: для этого файла сущностей нет способа чтения; используйте .csv, .tsv, .txt, .xlsx, .parquet или .json",
    },
    "linkage_model.duplicate_detection_could_not": {
        "en": (
            "duplicate detection could not score the {candidate_pairs:,} candidate pairs of {n:,} records ({value}); "
            "lower max_key_records or max_pairs_per_record under `duplicates:` in the quality rules, or raise the "
            "memory limit (CRMFLOW_MEMORY_LIMIT)"
        ),
        "ru": (
            "поиск дубликатов не смог оценить {candidate_pairs:n} пар-кандидатов из {n:n} записей ({value}); уменьшите "
            "max_key_records или max_pairs_per_record в разделе `duplicates:` правил качества либо увеличьте предел "
            "памяти (CRMFLOW_MEMORY_LIMIT)"
        ),
    },
    "linkage_prepare.table_not_store_load": {
        "en": "table `{table}` is not in the store; load the entity table first",
        "ru": "таблицы `{table}` нет в хранилище; сначала загрузите таблицу сущностей",
    },
    "linkage_prepare.duplicate_detection_needs_least": {
        "en": "duplicate detection needs at least one of the phone, e-mail, INN, name or company columns",
        "ru": "для поиска дубликатов нужна хотя бы одна из колонок: телефон, e-mail, ИНН, имя или компания",
    },
    "linkage_prepare.column_table_empty_row": {
        "en": (
            "column `{id_column}` of table `{table}` is empty in {empty} row(s) (first at row {empty2}); every record "
            "needs an id to be named in clusters and merges"
        ),
        "ru": (
            "колонка `{id_column}` таблицы `{table}` пуста в {empty} строках (первая — строка {empty2}); каждой записи "
            "нужен id, чтобы назвать её в кластерах и слияниях"
        ),
    },
    "linkage_prepare.column_table_repeats_id": {
        "en": "column `{id_column}` of table `{table}` repeats the id {repeated!r}; choose a column that names each record once",
        "ru": (
            "в колонке `{id_column}` таблицы `{table}` повторяется id {repeated!r}; выберите колонку, которая называет "
            "каждую запись один раз"
        ),
    },
    "reconciliation.entity_no_entity_entities": {
        "en": "{where_key}.entity: no entity `{entity}`; entities: {value}",
        "ru": "{where_key}.entity: сущности `{entity}` нет; сущности: {value}",
    },
    "reconciliation.column_not_columns": {
        "en": "{where_key}.{key}: column `{col}` is not in {source}; columns: {value}",
        "ru": "{where_key}.{key}: колонки `{col}` нет в {source}; колонки: {value}",
    },
    "reconciliation.lookup_expected_keys_entity": {
        "en": "{where_key}.lookup: expected keys entity, column, key, value with an existing entity; missing {value}",
        "ru": "{where_key}.lookup: ожидались ключи entity, column, key, value с существующей сущностью; нет {value}",
    },
    "reconciliation.lookup_column_column_not": {
        "en": "{where_key}.lookup.column: column `{lk}` is not in {source}",
        "ru": "{where_key}.lookup.column: колонки `{lk}` нет в {source}",
    },
    "reconciliation.lookup_column_not": {
        "en": "{where_key}.lookup.{k}: column `{lk}` is not in {source}",
        "ru": "{where_key}.lookup.{k}: колонки `{lk}` нет в {source}",
    },
    "rules.expected_mapping_keys_such": {
        "en": "{source}: expected a mapping with keys such as `entities`, `validity`; got {kind}",
        "ru": "{source}: ожидался словарь с ключами вроде `entities`, `validity`; получено: {kind}",
    },
    "rules.key_base_dir_unknown": {
        "en": "{source}: key `base_dir`: unknown key",
        "ru": "{source}: ключ `base_dir`: неизвестный ключ",
    },
    "rules.key": {
        "en": "{source}: key `{key}`: {hint}{more}",
        "ru": "{source}: ключ `{key}`: {hint}{more}",
    },
    "run.entities_stages_has_no": {
        "en": (
            "entities.{name}.stages: {source} has no stage column that could be detected; name it under `columns: "
            "{{stage: <column>}}`"
        ),
        "ru": "entities.{name}.stages: в {source} не найдена колонка стадии; укажите её в `columns: {{stage: <колонка>}}`",
    },
    "run.no_entity_assess_give": {
        "en": "no entity to assess: give at least one input file or name sources in the rules",
        "ru": "нечего оценивать: укажите хотя бы один входной файл или назовите источники в правилах",
    },
    "run.entities_column_not_columns": {
        "en": "entities.{name}.{key}: column `{col}` is not in {source}; columns: {value}",
        "ru": "entities.{name}.{key}: колонки `{col}` нет в {source}; колонки: {value}",
    },
    "run.sequences_log_no_file": {
        "en": "sequences[{i}].log: no file `{log}` (neither an INPUT nor a path relative to the rules file)",
        "ru": "sequences[{i}].log: нет файла `{log}` (ни среди входных файлов, ни по пути относительно файла правил)",
    },
    "run.sequences_entity_no_entity": {
        "en": "sequences[{i}].entity: no entity `{entity}`; entities: {value}",
        "ru": "sequences[{i}].entity: сущности `{entity}` нет; сущности: {value}",
    },
    "run.entities_source_neither_input": {
        "en": (
            "entities.{name}.source: `{source}` is neither an input nor a file (looked for {p}); give the file as "
            "INPUT or fix the path"
        ),
        "ru": (
            "entities.{name}.source: `{source}` — не входной файл и не файл на диске (искали {p}); укажите файл как "
            "INPUT или исправьте путь"
        ),
    },
    "run.entities_matrices_allowed_values": {
        "en": (
            "entities.{name}.matrices[{i}].allowed[{j}]: {n_row} values for {n_columns} columns; give one value per "
            "column (`*` = any)"
        ),
        "ru": (
            "entities.{name}.matrices[{i}].allowed[{j}]: {n_row} значений для {n_columns} колонок; укажите по одному "
            "значению на колонку (`*` — любое)"
        ),
    },
    "run.entities_references_entity_no": {
        "en": "entities.{name}.references[{i}].entity: no entity `{entity}`; entities: {value}",
        "ru": "entities.{name}.references[{i}].entity: сущности `{entity}` нет; сущности: {value}",
    },
    "run.entities_references_key_column": {
        "en": "entities.{name}.references[{i}].key: column `{key}` is not in {source}",
        "ru": "entities.{name}.references[{i}].key: колонки `{key}` нет в {source}",
    },
    "run.date_order_entity_no": {
        "en": "date_order[{i}].{side}.entity: no entity `{entity}`; entities: {value}",
        "ru": "date_order[{i}].{side}.entity: сущности `{entity}` нет; сущности: {value}",
    },
    "summary.not_quality_json_document": {
        "en": "{p}: not a quality.json document (no `entities`); run `crmflow quality` to write one",
        "ru": "{p}: это не документ quality.json (нет `entities`); запустите `crmflow quality`, чтобы его записать",
    },
    "summary.cannot_read_quality_document": {
        "en": "{p}: cannot read the quality document: {exc}; run `crmflow quality … --out DIR` and pass DIR/quality.json",
        "ru": (
            "{p}: не удалось прочитать документ качества: {exc}; запустите `crmflow quality … --out DIR` и передайте "
            "DIR/quality.json"
        ),
    },
}
