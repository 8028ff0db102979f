"""The ingest readers' error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "xml.at_line": {"en": " line {line}", "ru": ", строка {line}"},
    "ocel_json.end_of_file": {"en": "the end of the file", "ru": "конец файла"},
    "columns.expected_keys_such_case": {
        "en": "{name}: expected keys such as `case_id: ID сделки`, found {kind}",
        "ru": "{name}: ожидались ключи вида `case_id: ID сделки`, найдено: {kind}",
    },
    "columns.unknown_key_allowed_keys": {
        "en": "{source}: unknown key `{key}`; allowed keys are {value}",
        "ru": "{source}: неизвестный ключ `{key}`; допустимые ключи: `{value}`",
    },
    "columns.dayfirst_must_true_false": {
        "en": "{source}: `dayfirst` must be true or false, not {value!r}",
        "ru": "{source}: `dayfirst` должен быть true или false, а не {value!r}",
    },
    "columns.must_column_name_text": {
        "en": "{source}: `{key}` must be a column name (text), not {kind} {value!r}",
        "ru": "{source}: `{key}` должен быть именем колонки (текстом), а не {kind} {value!r}",
    },
    "csv.file_empty_no_header": {
        "en": "{source}: the file is empty (no header line)",
        "ru": "{source}: файл пуст (нет строки заголовка)",
    },
    "csv.cannot_read_csv_no": {
        "en": (
            "{source}: cannot be read as CSV (no header line could be split: {value}); expected a text export with a "
            "header line and one record per line — is it a binary file or a workbook saved with the wrong extension?"
        ),
        "ru": (
            "{source}: не читается как CSV (ни одну строку заголовка не удалось разделить: {value}); ожидалась "
            "текстовая выгрузка со строкой заголовка и одной записью на строку — может быть, это двоичный файл или "
            "книга Excel, сохранённая с неверным расширением?"
        ),
    },
    "encoding.cannot_read": {
        "en": "cannot read {path}: {value}",
        "ru": "не удалось прочитать {path}: {value}",
    },
    "encoding.unknown_encoding_try_utf": {
        "en": "{name}: unknown encoding {enc!r} (try utf-8 or cp1251)",
        "ru": "{name}: неизвестная кодировка {enc!r} (попробуйте utf-8 или cp1251)",
    },
    "excel.workbook_has_distinct_texts": {
        "en": (
            "{name}: the workbook has {count:,} distinct texts ({file_size:,} bytes of shared strings); crmflow reads "
            "workbooks with at most {MAX_SHARED_STRINGS:,} ({value} MB), because Excel's format keeps them all in "
            "memory: save the sheet as CSV (UTF-8) and import that"
        ),
        "ru": (
            "{name}: в книге {count:n} различных текстов ({file_size:n} байт общих строк); crmflow читает книги не "
            "более чем с {MAX_SHARED_STRINGS:n} ({value} МБ), потому что формат Excel держит их все в памяти: "
            "сохраните лист как CSV (UTF-8) и импортируйте его"
        ),
    },
    "excel.sheet_empty_no_header": {
        "en": "{source}: the sheet {title!r} is empty (no header row)",
        "ru": "{source}: лист {title!r} пуст (нет строки заголовка)",
    },
    "excel.cannot_open_excel_workbook": {
        "en": "{name}: cannot open as an Excel workbook: {exc}",
        "ru": "{name}: не открывается как книга Excel: {exc}",
    },
    "excel.workbook_has_no_sheet": {
        "en": (
            "{name}: the workbook has no sheet that can be read; open and save it again in Excel or LibreOffice, or "
            "save the sheet as CSV"
        ),
        "ru": (
            "{name}: в книге нет листа, который можно прочитать; откройте и сохраните её заново в Excel или "
            "LibreOffice либо сохраните лист как CSV"
        ),
    },
    "excel.cannot_open_excel_workbook_2": {
        "en": "{name}: cannot open as an Excel workbook ({exc}); save it again in Excel or as CSV",
        "ru": "{name}: не открывается как книга Excel ({exc}); сохраните её заново в Excel или как CSV",
    },
    "excel.sheet_cannot_read_workbook": {
        "en": (
            "{name}: sheet {title!r} cannot be read ({kind}: {exc}); the workbook is damaged or not written by a "
            "spreadsheet program: open and save it again in Excel or LibreOffice, or save the sheet as CSV"
        ),
        "ru": (
            "{name}: лист {title!r} не читается ({kind}: {exc}); книга повреждена или записана не табличной "
            "программой: откройте и сохраните её заново в Excel или LibreOffice либо сохраните лист как CSV"
        ),
    },
    "excel.workbook_s_xml_declares": {
        "en": "{name}: the workbook's XML declares entities or a DTD; refused ({cause!r})",
        "ru": "{name}: XML книги объявляет сущности или DTD; отклонено ({cause!r})",
    },
    "excel.no_sheet_number_sheets": {
        "en": "{name}: no sheet number {sheet}; the sheets are: {value}",
        "ru": "{name}: нет листа с номером {sheet}; листы книги: {value}",
    },
    "excel.no_sheet_named_sheets": {
        "en": "{name}: no sheet named {sheet!r}; the sheets are: {value}",
        "ru": "{name}: нет листа {sheet!r}; листы книги: {value}",
    },
    "frames.cannot_read_event_log": {
        "en": "cannot read a {kind}.{kind2} as an event log; pass a pandas or polars DataFrame, a pyarrow Table, or a file path",
        "ru": (
            "объект {kind}.{kind2} не читается как журнал событий; передайте DataFrame pandas или polars, таблицу "
            "pyarrow или путь к файлу"
        ),
    },
    "ocel.no_such_file_expected": {
        "en": "{p}: no such file (expected an OCEL 2.0 .jsonocel/.json or .sqlite log)",
        "ru": "{p}: файла нет (ожидался журнал OCEL 2.0 .jsonocel/.json или .sqlite)",
    },
    "ocel.no_such_file_expected_2": {
        "en": "{p}: no such file (expected an OCEL 2.0 .jsonocel/.json or .sqlite log)",
        "ru": "{p}: файла нет (ожидался журнал OCEL 2.0 .jsonocel/.json или .sqlite)",
    },
    "ocel.json_not_valid_utf": {
        "en": "{label}: the JSON is not valid UTF-8 text ({reason})",
        "ru": "{label}: JSON — не корректный текст UTF-8 ({reason})",
    },
    "ocel.line_column_invalid_json": {
        "en": "{label} line {lineno} column {colno}: invalid JSON: {msg}",
        "ru": "{label}, строка {lineno}, позиция {colno}: некорректный JSON (сообщение разбора: «{msg}»)",
    },
    "ocel.json_nested_too_deeply": {
        "en": "{label}: the JSON is nested too deeply to be an OCEL 2.0 log",
        "ru": "{label}: вложенность JSON слишком глубока для журнала OCEL 2.0",
    },
    "ocel.this_object_centric_log": {
        "en": (
            "{label}: this object-centric log has {n_counts} object types: {listing}; choose the one whose objects are "
            "the cases (e.g. --object-type order)"
        ),
        "ru": (
            "{label}: в этом объектно-ориентированном журнале {n_counts:# тип|типа|типов} объектов: {listing}; "
            "выберите тот, чьи объекты — случаи (например, --object-type order)"
        ),
    },
    "ocel.there_no_object_type": {
        "en": "{label}: there is no object type {object_type!r}; the log has {listing}",
        "ru": "{label}: типа объектов {object_type!r} нет; в журнале есть {listing}",
    },
    "ocel.unknown_ocel_file_type": {
        "en": "{label}: unknown OCEL file type {value!r} (expected one of {value2})",
        "ru": "{label}: неизвестный тип файла OCEL {value!r} (ожидался один из {value2})",
    },
    "ocel.unknown_ocel_file_type_2": {
        "en": "{name}: unknown OCEL file type {value!r} (expected one of {value2})",
        "ru": "{name}: неизвестный тип файла OCEL {value!r} (ожидался один из {value2})",
    },
    "ocel_json.has_no_valid_expected": {
        "en": "{label}: {where} has no valid {key!r} (expected the OCEL 2.0 JSON layout)",
        "ru": "{label}: у {where} нет корректного {key!r} (ожидалась структура JSON OCEL 2.0)",
    },
    "ocel_json.not_list_expected_ocel": {
        "en": "{label}: {where} is not a list (expected the OCEL 2.0 JSON layout)",
        "ru": "{label}: {where} — не список (ожидалась структура JSON OCEL 2.0)",
    },
    "ocel_json.invalid_json_extra_data": {
        "en": "{label}: invalid JSON: extra data after the document (character {value:,})",
        "ru": "{label}: некорректный JSON: лишние данные после документа (символ {value:n})",
    },
    "ocel_json.invalid_json_expected_found": {
        "en": "{label}: invalid JSON: expected {value} {where}, found {found} (character {value2:,})",
        "ru": "{label}: некорректный JSON: ожидалось {value} {where}, найдено {found} (символ {value2:n})",
    },
    "ocel_json.this_ocel_json_crmflow": {
        "en": "{label}: this is OCEL 1.0 JSON; crmflow reads OCEL 2.0 (convert it first)",
        "ru": "{label}: это JSON OCEL 1.0; crmflow читает OCEL 2.0 (сначала преобразуйте файл)",
    },
    "ocel_json.json_not_valid_utf_2": {
        "en": "{label}: the JSON is not valid UTF-8 text ({reason})",
        "ru": "{label}: JSON — не корректный текст UTF-8 ({reason})",
    },
    "ocel_json.larger_than_mb_text": {
        "en": (
            "{label}: {what} is larger than {value} MB of text; an OCEL 2.0 item is a few hundred bytes (is this an "
            "OCEL 2.0 log?)"
        ),
        "ru": (
            "{label}: {what} больше {value} МБ текста; элемент OCEL 2.0 занимает несколько сотен байт (это точно "
            "журнал OCEL 2.0?)"
        ),
    },
    "ocel_json.invalid_json_key_not": {
        "en": "{label}: invalid JSON: a key of {what} is not a string",
        "ru": "{label}: некорректный JSON: ключ в {what} — не строка",
    },
    "ocel_json.invalid_json": {
        "en": "{label}: invalid JSON: {exc} ({what})",
        "ru": "{label}: некорректный JSON (сообщение разбора: «{exc}», {what})",
    },
    "ocel_json.message": {
        "en": "{label}: {what}: {exc}",
        "ru": "{label}: {what}: {exc}",
    },
    "ocel_json.invalid_json_character": {
        "en": "{label}: invalid JSON: {msg} (character {value:,})",
        "ru": "{label}: некорректный JSON (сообщение разбора: «{msg}», символ {value:n})",
    },
    "ocel_sqlite.this_not_sqlite_database": {
        "en": "{label}: this is not an SQLite database (expected the OCEL 2.0 SQLite layout)",
        "ru": "{label}: это не база данных SQLite (ожидалась структура SQLite OCEL 2.0)",
    },
    "ocel_sqlite.cannot_open_this_sqlite": {
        "en": "{label}: cannot open this SQLite database read-only: {exc}",
        "ru": "{label}: не удалось открыть эту базу SQLite только для чтения: {exc}",
    },
    "ocel_sqlite.this_pm_py_s": {
        "en": (
            "{label}: this is pm4py's OCEL 1.0 SQLite layout (tables EVENTS, OBJECTS, RELATIONS); crmflow reads OCEL "
            "2.0 (convert it first, e.g. pm4py.write_ocel2_sqlite)"
        ),
        "ru": (
            "{label}: это структура SQLite OCEL 1.0 из pm4py (таблицы EVENTS, OBJECTS, RELATIONS); crmflow читает OCEL "
            "2.0 (сначала преобразуйте файл, например pm4py.write_ocel2_sqlite)"
        ),
    },
    "ocel_sqlite.not_ocel_sqlite_log": {
        "en": "{label}: not an OCEL 2.0 SQLite log: missing table(s) {value} (found: {value2})",
        "ru": "{label}: это не журнал SQLite OCEL 2.0: нет таблиц {value} (есть: {value2})",
    },
    "ocel_sqlite.cannot_read_this_ocel": {
        "en": "{label}: cannot read this OCEL 2.0 SQLite database: {exc}",
        "ru": "{label}: не удалось прочитать эту базу SQLite OCEL 2.0: {exc}",
    },
    "ocel_sqlite.object_type_maps_table": {
        "en": "{label}: object type {otype!r} maps to table {tname!r}, which does not exist",
        "ru": "{label}: тип объектов {otype!r} ссылается на таблицу {tname!r}, которой нет",
    },
    "ocel_sqlite.table_object_type_has": {
        "en": "{label}: table {tname!r} of object type {otype!r} has no ocel_id column (expected the object ids)",
        "ru": "{label}: в таблице {tname!r} типа объектов {otype!r} нет колонки ocel_id (ожидались идентификаторы объектов)",
    },
    "ocel_sqlite.event_type_maps_table": {
        "en": "{label}: event type {etype!r} maps to table {tname!r}, which does not exist",
        "ru": "{label}: тип событий {etype!r} ссылается на таблицу {tname!r}, которой нет",
    },
    "ocel_sqlite.table_event_type_has": {
        "en": (
            "{label}: table {tname!r} of event type {etype!r} has no {value} column (an OCEL 2.0 event table holds "
            "each event's ocel_id and ocel_time)"
        ),
        "ru": (
            "{label}: в таблице {tname!r} типа событий {etype!r} нет колонки {value} (таблица событий OCEL 2.0 хранит "
            "ocel_id и ocel_time каждого события)"
        ),
    },
    "ocel_xml.line_has_no_attribute": {
        "en": "{label} line {sourceline}: <{localname}> has no {attr} attribute (expected the OCEL 2.0 XML layout)",
        "ru": "{label}, строка {sourceline}: у <{localname}> нет атрибута {attr} (ожидалась структура XML OCEL 2.0)",
    },
    "ocel_xml.no_log_element_expected": {
        "en": "{label}: no <log> element (expected the OCEL 2.0 XML layout)",
        "ru": "{label}: нет элемента <log> (ожидалась структура XML OCEL 2.0)",
    },
    "ocel_xml.this_not_well_formed": {
        "en": "{label}{line}: this is not well-formed OCEL 2.0 XML: {msg}",
        "ru": "{label}{line}: это не корректный XML OCEL 2.0 (сообщение разбора: «{msg}»)",
    },
    "ocel_xml.root_element_ocel_xml": {
        "en": "{label}: the root element is <{tag}>; OCEL 2.0 XML has <log> as its root",
        "ru": "{label}: корневой элемент — <{tag}>; в XML OCEL 2.0 корень — <log>",
    },
    "ocel_xml.this_ocel_xml_crmflow": {
        "en": "{label}: this is OCEL 1.0 XML; crmflow reads OCEL 2.0 (convert it first)",
        "ru": "{label}: это XML OCEL 1.0; crmflow читает OCEL 2.0 (сначала преобразуйте файл)",
    },
    "parquet.no_such_file_expected_3": {
        "en": "{p}: no such file (expected a .parquet event log)",
        "ru": "{p}: файла нет (ожидался журнал событий .parquet)",
    },
    "parquet.this_not_parquet_file": {
        "en": "{label}: this is not a Parquet file (it does not start and end with 'PAR1')",
        "ru": "{label}: это не файл Parquet (он не начинается и не заканчивается на 'PAR1')",
    },
    "parquet.column_named_file_row": {
        "en": "{label}: a column is named 'file_row_number', which crmflow reserves; rename it",
        "ru": "{label}: колонка называется 'file_row_number' — это имя crmflow оставляет за собой; переименуйте её",
    },
    "parquet.cannot_read_this_parquet": {
        "en": "{label}: cannot read this Parquet file: {exc}",
        "ru": "{label}: не удалось прочитать этот файл Parquet: {exc}",
    },
    "parquet.cannot_read_this_parquet_2": {
        "en": "{label}: cannot read this Parquet file: {exc}",
        "ru": "{label}: не удалось прочитать этот файл Parquet: {exc}",
    },
    "safety.parts_would_inflate_bytes": {
        "en": (
            "{name}: its parts would inflate to {declared:,} bytes, more than {why} ({limit:,} bytes); refusing a "
            "possible decompression bomb (raise CRMFLOW_MAX_DECOMPRESSED_BYTES / CRMFLOW_MAX_COMPRESSION_RATIO if the "
            "file is trusted)"
        ),
        "ru": (
            "{name}: его части распаковались бы в {declared:n} байт — больше, чем {why} ({limit:n} байт); отказ: "
            "возможна «zip-бомба» (если файлу можно доверять, увеличьте CRMFLOW_MAX_DECOMPRESSED_BYTES / "
            "CRMFLOW_MAX_COMPRESSION_RATIO)"
        ),
    },
    "safety.refused_decompress_output_passed": {
        "en": (
            "{path}: refused to decompress: the output passed {limit:,} bytes ({reason}); this looks like a "
            "decompression bomb. If the file is genuine, raise CRMFLOW_MAX_DECOMPRESSED_BYTES / "
            "CRMFLOW_MAX_COMPRESSION_RATIO"
        ),
        "ru": (
            "{path}: распаковка отклонена: результат превысил {limit:n} байт ({reason}); похоже на «zip-бомбу». Если "
            "файл настоящий, увеличьте CRMFLOW_MAX_DECOMPRESSED_BYTES / CRMFLOW_MAX_COMPRESSION_RATIO"
        ),
    },
    "safety.cannot_decompress_this_gzip": {
        "en": "{path}: cannot decompress this gzip file: {exc}",
        "ru": "{path}: не удалось распаковать этот файл gzip: {exc}",
    },
    "timestamps.column_cannot_test_date": {
        "en": "column `{column}`: cannot test date formats: {exc}",
        "ru": "колонка `{column}`: не удалось проверить форматы дат: {exc}",
    },
    "xes.no_such_file_expected_4": {
        "en": "{p}: no such file (expected an .xes or .xes.gz event log)",
        "ru": "{p}: файла нет (ожидался журнал событий .xes или .xes.gz)",
    },
    "xes.this_not_well_formed_2": {
        "en": "{label}{line}: this is not well-formed XES: {msg}",
        "ru": "{label}{line}: это не корректный XES (сообщение разбора: «{msg}»)",
    },
    "xes.r_pm_engine_cannot": {
        "en": "{label}: the r4pm engine cannot be trusted on this file: {reason}",
        "ru": "{label}: движку r4pm нельзя доверять на этом файле: {reason}",
    },
    "xes.line_root_element_xes": {
        "en": "{label} line {sourceline}: the root element is <{tag}>; an XES event log has <log> as its root element",
        "ru": "{label}, строка {sourceline}: корневой элемент — <{tag}>; у журнала событий XES корневой элемент — <log>",
    },
}
