"""The bpmn error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "annotate.min_severity_must_one": {
        "en": "min_severity must be one of {value}, got {min_severity!r}",
        "ru": "min_severity должен быть одним из {value}, а получено {min_severity!r}",
    },
    "from_tree.process_needs_name_process": {
        "en": "the process needs a name (process_name is empty)",
        "ru": "процессу нужно имя (process_name пуст)",
    },
    "layout.definitions_contain_no_process": {
        "en": "definitions `{id}` contain no process to lay out (expected at least one <process>)",
        "ru": "в definitions `{id}` нет процесса для раскладки (ожидался хотя бы один <process>)",
    },
    "layout.graphviz_s_dot_needed": {
        "en": (
            "Graphviz's `dot` is needed to lay out BPMN diagrams; install it (Debian/Ubuntu: `apt-get install "
            "graphviz`, macOS: `brew install graphviz`) and make sure `dot` is on PATH"
        ),
        "ru": (
            "для раскладки диаграмм BPMN нужна программа `dot` из Graphviz; установите её (Debian/Ubuntu: `apt-get "
            "install graphviz`, macOS: `brew install graphviz`) и проверьте, что `dot` есть в PATH"
        ),
    },
    "layout.graphviz_dot_could_not": {
        "en": "Graphviz `dot` could not lay out the diagram: {value}",
        "ru": "Graphviz `dot` не смог разложить диаграмму: {value}",
    },
    "model.no_flow_node_id": {
        "en": "no flow node with id `{node_id}` in `{value}`",
        "ru": "в `{value}` нет узла потока с id `{node_id}`",
    },
    "model.no_process_id_definitions": {
        "en": "no process with id `{process_id}` in definitions `{id}`",
        "ru": "в definitions `{id}` нет процесса с id `{process_id}`",
    },
    "model.no_flow_node_id_2": {
        "en": "no flow node with id `{node_id}` in `{value}`",
        "ru": "в `{value}` нет узла потока с id `{node_id}`",
    },
    "model.no_flow_node_id_3": {
        "en": "no flow node with id `{node_id}` in `{value}`",
        "ru": "в `{value}` нет узла потока с id `{node_id}`",
    },
    "model.no_element_id_definitions": {
        "en": "no element with id `{element_id}` in definitions `{id}`",
        "ru": "в definitions `{id}` нет элемента с id `{element_id}`",
    },
    "model.definitions_contain_no_process_2": {
        "en": "definitions `{id}` contain no process (expected at least one <process>)",
        "ru": "в definitions `{id}` нет процесса (ожидался хотя бы один <process>)",
    },
    "reader.root_element_namespace_expected": {
        "en": "{label}: the root element is <{localname}> in namespace {namespace!r} (expected <definitions> in {BPMN_NS})",
        "ru": "{label}: корневой элемент — <{localname}> в пространстве имён {namespace!r} (ожидался <definitions> в {BPMN_NS})",
    },
    "reader.not_well_formed_xml": {
        "en": "{label}: not well-formed XML: {exc}",
        "ru": "{label}: некорректный XML (сообщение разбора: «{exc}»)",
    },
    "reader.cannot_read_file": {
        "en": "{label}: cannot read the file: {exc}",
        "ru": "{label}: не удалось прочитать файл: {exc}",
    },
    "references.id_used_twice_expected": {
        "en": "{prefix}id `{id}` is used twice (expected every id to be unique)",
        "ru": "{prefix}id `{id}` используется дважды (каждый id должен быть уникален)",
    },
    "references.does_not_exist_expected": {
        "en": "{prefix}{what}: {attr} `{value}` does not exist (expected {expected})",
        "ru": "{prefix}{what}: {attr} `{value}` не существует (ожидалось: {expected})",
    },
    "render.definitions_have_no_diagram": {
        "en": "definitions `{id}` have no diagram to draw; lay them out first (crmflow.bpmn.layout)",
        "ru": "у definitions `{id}` нет диаграммы для отрисовки; сначала выполните раскладку (crmflow.bpmn.layout)",
    },
    "render.definitions_have_diagram_s": {
        "en": "definitions `{id}` have {n_diagrams} diagram(s); there is no diagram {diagram}",
        "ru": "у definitions `{id}` диаграмм: {n_diagrams}; диаграммы {diagram} нет",
    },
    "timers.unknown_timer_kind_expected": {
        "en": "unknown timer kind {kind!r} (expected timeDuration, timeDate or timeCycle)",
        "ru": "неизвестный вид таймера {kind!r} (ожидалось timeDuration, timeDate или timeCycle)",
    },
    "timers.not_iso_repeating_interval": {
        "en": "{text!r} is not an ISO 8601 repeating interval{hint} (expected e.g. R3/PT2H or R/P1D)",
        "ru": "{text!r} — не повторяющийся интервал ISO 8601{hint} (ожидалось, например, R3/PT2H или R/P1D)",
    },
    "timers.has_too_many_parts": {
        "en": "{text!r} has too many parts (expected R[n]/interval, R[n]/start/interval or R[n]/interval/end)",
        "ru": "в {text!r} слишком много частей (ожидалось R[n]/интервал, R[n]/начало/интервал или R[n]/интервал/конец)",
    },
    "timers.has_two_durations_expected": {
        "en": "{text!r} has two durations (expected a start or end date beside the interval)",
        "ru": "в {text!r} две длительности (ожидалась дата начала или конца рядом с интервалом)",
    },
    "timers.not_iso_date_time": {
        "en": "{text!r} is not an ISO 8601 date-time (expected e.g. 2024-05-01T09:00:00+03:00)",
        "ru": "{text!r} — не дата и время ISO 8601 (ожидалось, например, 2024-05-01T09:00:00+03:00)",
    },
    "to_petri.process_has_no_event": {
        "en": "process `{id}` has no {value} event; add one so the workflow net has a source and a sink",
        "ru": "у процесса `{id}` нет события {value}; добавьте его, чтобы у сети потоков работ были источник и сток",
    },
    "to_petri.element_id_clashes_generated": {
        "en": "element id `{element}` clashes with a generated name `{name}`; rename the element",
        "ru": "id элемента `{element}` совпадает с созданным именем `{name}`; переименуйте элемент",
    },
    "timers.not_duration": {"en": "{cause}", "ru": "{cause}"},
}
