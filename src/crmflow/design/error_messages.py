"""The design error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "loader.report": {
        "en": "{title} ({n} problem(s)):",
        "ru": "{title} (проблем: {n}):",
    },
    "loader.and_more": {
        "en": "… and {n} more",
        "ru": "… и ещё {n}",
    },
    "loader.not_schema": {
        "en": "{where} does not follow the To-Be schema",
        "ru": "{where} не соответствует схеме To-Be",
    },
    "loader.not_valid_model": {
        "en": "{where} is not a valid To-Be model",
        "ru": "{where}: модель To-Be некорректна",
    },
    "schema.required": {
        "en": "missing key `{key}` (add it)",
        "ru": "нет ключа `{key}` (добавьте его)",
    },
    "schema.unknown_key": {
        "en": "unknown key `{key}`",
        "ru": "неизвестный ключ `{key}`",
    },
    "schema.unknown_key_close": {
        "en": "unknown key `{key}` (did you mean `{close}`?)",
        "ru": "неизвестный ключ `{key}` (может быть, `{close}`?)",
    },
    "schema.unknown_keys": {
        "en": "{hints}; allowed keys: {allowed}",
        "ru": "{hints}; допустимые ключи: `{allowed}`",
    },
    "schema.enum_close": {
        "en": " — did you mean `{close}`?",
        "ru": " — может быть, `{close}`?",
    },
    "schema.enum": {
        "en": "{value!r} is not allowed{hint} (expected one of: {expected})",
        "ru": "значение `{value!r}` не допускается{hint} (ожидалось одно из: `{expected}`)",
    },
    "schema.const": {
        "en": "{value!r} is not allowed (expected {expected!r})",
        "ru": "значение `{value!r}` не допускается (ожидалось {expected!r})",
    },
    "schema.type": {
        "en": "{value!r} has the wrong type (expected {expected})",
        "ru": "у `{value!r}` неверный тип (ожидалось: `{expected}`)",
    },
    "schema.pattern_what": {
        "en": "text matching {pattern}",
        "ru": "текст по шаблону `{pattern}`",
    },
    "schema.pattern": {
        "en": "{value!r} is not valid: {what}",
        "ru": "значение `{value!r}` некорректно: {what}",
    },
    "schema.minItems": {
        "en": "the list needs at least {n} item(s)",
        "ru": "в списке нужно хотя бы {n:# элемент|элемента|элементов}",
    },
    "schema.minLength": {
        "en": "the text is empty (write a value)",
        "ru": "текст пуст (впишите значение)",
    },
    "schema.maxLength": {
        "en": "the text is longer than {n} characters",
        "ru": "текст длиннее {n:# символа|символов|символов}",
    },
    "schema.minProperties": {
        "en": "write at least one of `ru`, `en`",
        "ru": "напишите хотя бы один из вариантов `ru`, `en`",
    },
    "schema.node_kind": {
        "en": (
            "say what the node is: add `task: user|service|send|receive|manual|subprocess`, `gateway: "
            "exclusive|parallel|inclusive|event_based` or `event: start|intermediate|end` (exactly one)"
        ),
        "ru": (
            "укажите, что это за узел: добавьте `task: user|service|send|receive|manual|subprocess`, `gateway: "
            "exclusive|parallel|inclusive|event_based` или `event: start|intermediate|end` (ровно одно)"
        ),
    },
    "schema.text_comma": {
        "en": "; a comma inside {{ru: ..., en: ...}} splits the text — put the text in quotes",
        "ru": "; запятая внутри `{{ru: ..., en: ...}}` разбивает текст — возьмите текст в кавычки",
    },
    "schema.text_yes_no": {
        "en": '; YAML reads Yes/No/On/Off as true/false — put the text in quotes ("Yes")',
        "ru": '; YAML читает `Yes`/`No`/`On`/`Off` как `true`/`false` — возьмите текст в кавычки (`"Yes"`)',
    },
    "schema.not_text": {
        "en": "{value!r} is not a text (write a string or {{ru: ..., en: ...}}{hint})",
        "ru": "`{value!r}` — не текст (напишите строку или `{{ru: ..., en: ...}}`{hint})",
    },
    "schema.not_valid_here": {
        "en": "{value!r} is not valid here ({what})",
        "ru": "значение `{value!r}` здесь не подходит ({what})",
    },
    "schema.see_schema": {
        "en": "see the schema",
        "ru": "см. схему",
    },
    "build.calendar_working_hours_must": {
        "en": "`calendar.working_hours`: {data!r} must start before it ends (e.g. 09:00-18:00)",
        "ru": "`calendar.working_hours`: {data!r} должно начинаться раньше, чем заканчивается (например, 09:00-18:00)",
    },
    "build.message": {
        "en": "`{key}`: {exc}",
        "ru": "`{key}`: {exc}",
    },
    "expressions.column_pattern_matches_longer": {
        "en": "column {column}: the pattern of matches() is longer than {MAX_PATTERN} characters",
        "ru": "позиция {column}: шаблон matches() длиннее {MAX_PATTERN} символов",
    },
    "expressions.expression_must_text_got": {
        "en": "an expression must be text, got {kind} {text!r}",
        "ru": "выражение должно быть текстом, а получено {kind} {text!r}",
    },
    "expressions.expression_characters_long_most": {
        "en": "the expression is {n_text} characters long (at most {MAX_LENGTH}; split the rule)",
        "ru": "длина выражения — {n_text} символов (не более {MAX_LENGTH}; разделите правило)",
    },
    "expressions.expression_empty_write_condition": {
        "en": "the expression is empty (write a condition such as `deal.amount > 0`)",
        "ru": "выражение пусто (напишите условие, например `deal.amount > 0`)",
    },
    "expressions.expression_nests_too_deeply": {
        "en": "the expression nests too deeply (at most {value} levels of brackets)",
        "ru": "вложенность выражения слишком глубока (не более {value} уровней скобок)",
    },
    "expressions.expression_nests_too_deeply_2": {
        "en": "the expression nests too deeply (at most {MAX_DEPTH} levels)",
        "ru": "вложенность выражения слишком глубока (не более {MAX_DEPTH} уровней)",
    },
    "expressions.cannot_parse": {
        "en": "{text!r}: cannot parse",
        "ru": "{text!r}: не удалось разобрать",
    },
    "expressions.column_not_valid_regular": {
        "en": "column {column}: {pattern!r} is not a valid regular expression: {exc}",
        "ru": "позиция {column}: {pattern!r} — некорректное регулярное выражение: {exc}",
    },
    "expressions.gives_not_true_false": {
        "en": "{source!r} gives {value} {value2!r}, not true/false (a condition must compare something)",
        "ru": "{source!r} даёт {value} {value2!r}, а не истину или ложь (условие должно что-то сравнивать)",
    },
    "expressions.column_unexpected_character": {
        "en": "{text!r}: column {column}: unexpected character {text2!r}",
        "ru": "{text!r}: позиция {column}: неожиданный символ {text2!r}",
    },
    "expressions.expression_ends_too_early": {
        "en": "{text!r}: the expression ends too early (something is missing at the end)",
        "ru": "{text!r}: выражение обрывается (в конце чего-то не хватает)",
    },
    "expressions.column_unexpected_expected": {
        "en": "{text!r}: column {column}: unexpected {what} (expected {value})",
        "ru": "{text!r}: позиция {column}: неожиданный элемент {what} (ожидалось {value})",
    },
    "expressions.column_cannot_parse": {
        "en": "{text!r}: column {column}: cannot parse",
        "ru": "{text!r}: позиция {column}: не удалось разобрать",
    },
    "expressions.cannot_parse_2": {
        "en": "{text!r}: cannot parse: {exc}",
        "ru": "{text!r}: не удалось разобрать: {exc}",
    },
    "expressions.cannot_parse_3": {
        "en": "{text!r}: cannot parse: {orig_exc}",
        "ru": "{text!r}: не удалось разобрать: {orig_exc}",
    },
    "expressions.expression_nests_too_deeply_3": {
        "en": "the expression nests too deeply (at most {value} levels; split the rule)",
        "ru": "вложенность выражения слишком глубока (не более {value} уровней; разделите правило)",
    },
    "expressions.column_keyword": {
        "en": "{text!r}: column {column}: `{parts}` is a keyword",
        "ru": "{text!r}: позиция {column}: `{parts}` — ключевое слово",
    },
    "expressions.column": {
        "en": "column {value}: {exc}",
        "ru": "позиция {value}: {exc}",
    },
    "expressions.column_pattern_has_repeated": {
        "en": (
            "column {column}: the pattern {pattern!r} has a repeated group that holds another repeat (it can take "
            "exponential time; write a simpler pattern)"
        ),
        "ru": (
            "позиция {column}: в шаблоне {pattern!r} повторяемая группа содержит другое повторение (проверка может "
            "идти экспоненциально долго; упростите шаблон)"
        ),
    },
    "expressions.cannot_computed_this_data": {
        "en": "{source!r}: cannot be computed for this data: {exc}",
        "ru": "{source!r}: не вычисляется на этих данных: {exc}",
    },
    "expressions.message_2": {
        "en": "{text!r}: {orig_exc}",
        "ru": "{text!r}: {orig_exc}",
    },
    "expressions.column_unknown_function_available": {
        "en": "{text!r}: column {column}: unknown function `{name}` (available: {value})",
        "ru": "{text!r}: позиция {column}: неизвестная функция `{name}` (доступны: {value})",
    },
    "expressions.column_takes_argument_s": {
        "en": "{text!r}: column {column}: `{name}` takes {lo} argument(s), got {n_args}",
        "ru": "{text!r}: позиция {column}: `{name}` принимает аргументов: {lo}, передано: {n_args}",
    },
    "expressions.column_pattern_has_repeated_2": {
        "en": (
            "column {column}: the pattern {pattern!r} has a repeated group with alternatives `|` (it can take "
            "exponential time; use a character class [...] or write the alternatives out)"
        ),
        "ru": (
            "позиция {column}: в шаблоне {pattern!r} повторяемая группа с вариантами `|` (проверка может идти "
            "экспоненциально долго; используйте класс символов [...] или выпишите варианты)"
        ),
    },
    "expressions.column_pattern_has_back": {
        "en": (
            "column {column}: the pattern {pattern!r} has a back-reference (it can take exponential time; write a "
            "simpler pattern)"
        ),
        "ru": (
            "позиция {column}: в шаблоне {pattern!r} есть обратная ссылка (проверка может идти экспоненциально долго; "
            "упростите шаблон)"
        ),
    },
    "extensions.crmflow_extension_element_not": {
        "en": "a crmflow extension element is not well-formed XML: {exc}",
        "ru": "элемент расширения crmflow — некорректный XML: {exc}",
    },
    "from_bpmn.bpmn_has_no_process": {
        "en": (
            "{where}: the BPMN has no process with nodes to read as a To-Be (draw at least a start event, a task and "
            "an end event in a pool)"
        ),
        "ru": (
            "{where}: в BPMN нет процесса с узлами, который можно прочитать как To-Be (нарисуйте в пуле хотя бы "
            "начальное событие, задачу и конечное событие)"
        ),
    },
    "from_bpmn.two_processes_have_same": {
        "en": "{where}: two processes have the same id after cleaning; rename one",
        "ru": "{where}: после очистки у двух процессов одинаковый id; переименуйте один из них",
    },
    "from_bpmn.process_has_no_crmflow": {
        "en": (
            "process `{id}` has no <crmflow:process> extension although the definitions have <crmflow:tobe>; the file "
            "was edited outside crmflow — remove <crmflow:tobe> to read it as a drawing"
        ),
        "ru": (
            "у процесса `{id}` нет расширения <crmflow:process>, хотя в definitions есть <crmflow:tobe>; файл правили "
            "вне crmflow — удалите <crmflow:tobe>, чтобы прочитать его как рисунок"
        ),
    },
    "from_bpmn.cannot_read_bpmn": {
        "en": "{path}: cannot read the BPMN ({exc})",
        "ru": "{path}: не удалось прочитать BPMN ({exc})",
    },
    "from_bpmn.cannot_read_file": {
        "en": "cannot read the To-Be file {path}: {value}",
        "ru": "не удалось прочитать файл To-Be {path}: {value}",
    },
    "loader.bytes_definition_most_split": {
        "en": "{where} is {n_raw:,} bytes; a To-Be definition is at most {MAX_BYTES:,} (split it)",
        "ru": "{where} занимает {n_raw:n} байт; описание To-Be — не более {MAX_BYTES:n} (разделите его)",
    },
    "loader.yaml_anchors_aliases_are": {
        "en": "{where}:{value}: `{value2}`: YAML anchors and aliases are not allowed in a To-Be definition (write the value out)",
        "ru": "{where}:{value}: `{value2}`: якоря и ссылки YAML в описании To-Be не допускаются (выпишите значение)",
    },
    "loader.cannot_read_file_2": {
        "en": "cannot read the To-Be file {where}: {value}",
        "ru": "не удалось прочитать файл To-Be {where}: {value}",
    },
    "loader.byte_not_utf_save": {
        "en": "{where}: byte {start} is not UTF-8 (save the file as UTF-8)",
        "ru": "{where}: байт {start} — не UTF-8 (сохраните файл в UTF-8)",
    },
    "loader.merge_keys_are_not": {
        "en": "{where}:{value}: `<<` merge keys are not allowed (write the keys out)",
        "ru": "{where}:{value}: ключи слияния `<<` не допускаются (выпишите ключи)",
    },
    "loader.key_not_text_quote": {
        "en": "{where}:{value}: `{value2}`: key {key!r} is not text (quote it)",
        "ru": "{where}:{value}: `{value2}`: ключ {key!r} — не текст (возьмите его в кавычки)",
    },
    "loader.written_twice_keep_one": {
        "en": "{where}:{value}: `{value2}` is written twice (keep one)",
        "ru": "{where}:{value}: `{value2}` указан дважды (оставьте один)",
    },
}
