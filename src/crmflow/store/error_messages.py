"""The store error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "dataset.no_parquet_files": {
        "en": (
            "{root}: a folder without Parquet files; give an event log file, a project `.duckdb`, or a Parquet dataset "
            "folder (see docs/scale.md)"
        ),
        "ru": (
            "{root}: в папке нет файлов Parquet; укажите файл журнала событий, проект `.duckdb` или папку набора "
            "Parquet (см. docs/scale.md)"
        ),
    },
    "dataset.write_event_dataset_runs": {
        "en": "write_event_dataset runs on the DuckDB store (the one that reads files)",
        "ru": "write_event_dataset работает на хранилище DuckDB (том, что читает файлы)",
    },
    "dataset.not_empty_choose_new": {
        "en": "{events} is not empty: choose a new folder for the Parquet dataset",
        "ru": "{events} не пуста: выберите новую папку для набора Parquet",
    },
    "dataset.no_such_file_folder": {
        "en": "{root}: no such file or folder (expected a Parquet dataset, see docs/scale.md)",
        "ru": "{root}: нет такого файла или папки (ожидался набор Parquet, см. docs/scale.md)",
    },
    "dataset.parquet_events_have_no": {
        "en": (
            "{events}: the Parquet events have no column(s) {value} (found: {value2}); name them case_id, activity, ts "
            "— see docs/scale.md"
        ),
        "ru": (
            "{events}: у событий Parquet нет колонок {value} (есть: {value2}); назовите их case_id, activity, ts — см. "
            "docs/scale.md"
        ),
    },
    "engine.cannot_open_project_store": {
        "en": "cannot open the project store {path}: {exc}",
        "ru": "не удалось открыть хранилище проекта {path}: {exc}",
    },
    "objects.store_has_no_object": {
        "en": "the store has no object-centric log named {name!r}",
        "ru": "в хранилище нет объектно-ориентированного журнала {name!r}",
    },
    "objects.there_no_object_type": {
        "en": "{name}: there is no object type {object_type!r}; the log has {listing}",
        "ru": "{name}: типа объектов {object_type!r} нет; в журнале есть {listing}",
    },
    "objects.role_neither_event_attribute": {
        "en": (
            "{name}: role {role!r} is neither an event attribute ({value}) nor <object type>.<attribute> with one of "
            "the object types {value2}"
        ),
        "ru": (
            "{name}: роль {role!r} — не атрибут события ({value}) и не <тип объекта>.<атрибут> одного из типов объектов {value2}"
        ),
    },
    "objects.objects_type_have_no": {
        "en": "{name}: objects of type {otype!r} have no attribute {attr!r} (have: {value})",
        "ru": "{name}: у объектов типа {otype!r} нет атрибута {attr!r} (есть: {value})",
    },
    "objects.there_no_event_attribute": {
        "en": "{name}: there is no event attribute {resource!r} (have: {value})",
        "ru": "{name}: атрибута события {resource!r} нет (есть: {value})",
    },
    "ocel_export.choose_file_ending_jsonocel": {
        "en": "{name}: choose a file ending in .jsonocel, .json, .sqlite, .sqlite3 or .db for OCEL 2.0",
        "ru": "{name}: для OCEL 2.0 выберите файл с расширением .jsonocel, .json, .sqlite, .sqlite3 или .db",
    },
    "ocel_export.object_object_relation_s": {
        "en": (
            "{name}: {n_dangling} object-to-object relation(s) start at an object that is not in the log (first: "
            "{dangling!r}); OCEL 2.0 JSON keeps such relations on the source object"
        ),
        "ru": (
            "{name}: {n_dangling} связей «объект — объект» начинаются у объекта, которого нет в журнале (первая: "
            "{dangling!r}); JSON OCEL 2.0 хранит такие связи у исходного объекта"
        ),
    },
    "ocel_export.file_exists_choose_new": {
        "en": "{p}: the file exists; choose a new name for the OCEL 2.0 SQLite export",
        "ru": "{p}: файл уже есть; выберите новое имя для выгрузки SQLite OCEL 2.0",
    },
    "ocel_export.type_has_attribute_named": {
        "en": (
            "{name}: {scope} type {k!r} has an attribute named {clash!r}, which the OCEL 2.0 SQLite layout reserves; "
            "rename it first"
        ),
        "ru": (
            "{name}: у типа {scope} {k!r} есть атрибут {clash!r}, имя которого зарезервировано структурой SQLite OCEL "
            "2.0; сначала переименуйте его"
        ),
    },
    "spark_dialect.cannot_pass_value_type": {
        "en": "cannot pass a value of type {kind} to Spark SQL: {value!r}",
        "ru": "значение типа {kind} нельзя передать в Spark SQL: {value!r}",
    },
    "spark_dialect.expected_one_sql_statement": {
        "en": "expected one SQL statement, got {n_trees}",
        "ru": "ожидался один оператор SQL, получено {n_trees}",
    },
    "spark_dialect.statement_has_parameter_s": {
        "en": "the statement has {n_holes} parameter(s), {n_values} value(s) were given",
        "ru": "в операторе параметров: {n_holes}, а значений передано: {n_values}",
    },
    "spark_engine.java_not_installed_spark": {
        "en": "Java is not installed: Spark needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)",
        "ru": "Java не установлена: Spark нужна Java 17 или новее (Debian: apt-get install openjdk-17-jre-headless)",
    },
    "spark_engine.pyspark_not_installed_pip": {
        "en": "PySpark is not installed: `pip install 'crmflow[spark]'` (PySpark 4 needs Java 17 or newer)",
        "ru": "PySpark не установлен: `pip install 'crmflow[spark]'` (PySpark 4 нужна Java 17 или новее)",
    },
    "spark_engine.cannot_start_spark": {
        "en": "cannot start Spark on {master}: {exc}",
        "ru": "не удалось запустить Spark на {master}: {exc}",
    },
    "spark_engine.cannot_run_this_create": {
        "en": "cannot run this CREATE on Spark: {value}",
        "ru": "не удалось выполнить этот CREATE в Spark: {value}",
    },
    "spark_engine.spark_store_no_table": {
        "en": "Spark store: no table {name!r} to insert into",
        "ru": "хранилище Spark: нет таблицы {name!r} для вставки",
    },
    "spark_engine.spark_store_values_columns": {
        "en": "Spark store: {n_columns} values for the {n_columns2} columns of {name!r}",
        "ru": "хранилище Spark: {n_columns} значений для {n_columns2} колонок {name!r}",
    },
    "spark_engine.spark_store_no_table_2": {
        "en": "Spark store: no table {name!r} to delete from",
        "ru": "хранилище Spark: нет таблицы {name!r} для удаления",
    },
    "spark_engine.spark_store_executemany_runs": {
        "en": "Spark store: executemany runs INSERT … VALUES only",
        "ru": "хранилище Spark: executemany выполняет только INSERT … VALUES",
    },
    "spark_engine.spark_could_not_run": {
        "en": "Spark could not run a query: {first}\n{text}",
        "ru": "Spark не смог выполнить запрос: {first}\n{text}",
    },
    "staged.another_crmflow_import_writing": {
        "en": (
            "{target}: another `crmflow import` is writing this project right now; wait for it to finish and run the import again"
        ),
        "ru": "{target}: другой `crmflow import` сейчас записывает этот проект; дождитесь его окончания и запустите импорт снова",
    },
    "staged.import_did_not_finish": {
        "en": "{target}: the import did not finish writing its copy; the project was left as it was",
        "ru": "{target}: импорт не дописал свою копию; проект оставлен как был",
    },
    "staged.write_ahead_log_still": {
        "en": (
            "{target}: a write-ahead log is still beside the project after a checkpoint; is another program writing "
            "it? Close it and import again"
        ),
        "ru": (
            "{target}: после контрольной точки рядом с проектом остался журнал предзаписи (WAL); может быть, его пишет "
            "другая программа? Закройте её и импортируйте снова"
        ),
    },
    "store.this_store_runs_files": {
        "en": (
            "this store runs on {name}: files are read on DuckDB; write the events as Parquet (`crmflow import "
            "SOURCE... --parquet DIR`) and audit that folder with `--engine spark`"
        ),
        "ru": (
            "это хранилище работает на {name}: файлы читаются на DuckDB; запишите события в Parquet (`crmflow import "
            "SOURCE... --parquet DIR`) и проведите аудит этой папки с `--engine spark`"
        ),
    },
    "store.ingestion_does_not_add": {
        "en": (
            "ingestion of {source} does not add up: {parsed} parsed + {quarantined} quarantined != {rows_read} rows "
            "read; this is a bug in crmflow, please report it"
        ),
        "ru": (
            "загрузка {source} не сходится: разобрано {parsed} + в карантине {quarantined} ≠ прочитано строк "
            "{rows_read}; это ошибка crmflow, сообщите о ней, пожалуйста"
        ),
    },
    "store.no_input_was_given": {
        "en": "no input was given",
        "ru": "входные данные не указаны",
    },
    "store.no_event_could_read": {
        "en": (
            "no event could be read: every row went to the quarantine ({quarantined} rows); run `crmflow inspect` to "
            "see the reasons"
        ),
        "ru": (
            "не удалось прочитать ни одного события: все строки ушли в карантин ({quarantined} строк); запустите "
            "`crmflow inspect`, чтобы увидеть причины"
        ),
    },
    "store.store_has_no_log": {
        "en": "the store has no log named {name!r}",
        "ru": "в хранилище нет журнала {name!r}",
    },
}
