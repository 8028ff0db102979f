"""The discovery error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "process_tree.unknown_operator_expected_one": {
        "en": "unknown operator {operator!r}; expected one of {value}",
        "ru": "неизвестный оператор {operator!r}; ожидался один из {value}",
    },
    "process_tree.operator_node_cannot_carry": {
        "en": "an operator node ({operator}) cannot carry a label ({label!r})",
        "ru": "у узла-оператора ({operator}) не может быть метки ({label!r})",
    },
    "process_tree.node_needs_least_one": {
        "en": "a {operator} node needs at least one child",
        "ru": "узлу {operator} нужен хотя бы один потомок",
    },
    "process_tree.loop_has_exactly_two": {
        "en": "a loop has exactly two children (do, redo), got {n_children}",
        "ru": "у цикла ровно два потомка (do, redo), а получено {n_children}",
    },
    "process_tree.leaf_cannot_have_children": {
        "en": "a leaf ({label!r}) cannot have children",
        "ru": "у листа ({label!r}) не может быть потомков",
    },
    "inductive.noise_threshold_must_got": {
        "en": "noise_threshold must be in [0, 1), got {noise_threshold!r}",
        "ru": "noise_threshold должен быть в [0, 1), а получено {noise_threshold!r}",
    },
    "inductive.cannot_discover_model_from": {
        "en": "cannot discover a model from a log without cases; check the filters applied to it",
        "ru": "по журналу без случаев модель не построить; проверьте применённые к нему фильтры",
    },
    "inductive.variant_must_sequence_activities": {
        "en": "a variant must be a sequence of activities, got the string {trace!r}; write it as a tuple, e.g. ('a', 'b')",
        "ru": (
            "вариант должен быть последовательностью действий, а получена строка {trace!r}; запишите его кортежем, "
            "например ('a', 'b')"
        ),
    },
    "inductive.variant_has_negative_count": {
        "en": "variant {value!r} has a negative count ({n})",
        "ru": "у варианта {value!r} отрицательное число ({n})",
    },
}
