"""The conformance error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "petrinet.place_names_must_unique": {
        "en": "place names must be unique",
        "ru": "имена позиций должны быть уникальны",
    },
    "petrinet.transition_names_must_unique": {
        "en": "transition names must be unique",
        "ru": "имена переходов должны быть уникальны",
    },
    "petrinet.names_used_both_place": {
        "en": "names used for both a place and a transition: {value}",
        "ru": "имена заняты и позицией, и переходом: {value}",
    },
    "petrinet.marking_names_unknown_place": {
        "en": "marking names unknown place {p!r}",
        "ru": "в разметке неизвестная позиция {p!r}",
    },
    "petrinet.arc_must_join_place": {
        "en": "arc {a!r} -> {b!r} must join a place and a transition of the net",
        "ru": "дуга {a!r} -> {b!r} должна соединять позицию и переход сети",
    },
    "alignments.final_marking_unreachable": {
        "en": (
            "the model cannot reach its final marking from its initial marking; "
            "check the net (or raise max_states) before aligning a log"
        ),
        "ru": (
            "модель не может дойти от начальной разметки до конечной; "
            "проверьте сеть (или увеличьте max_states), прежде чем выравнивать журнал"
        ),
    },
    "alignments.final_marking_unreachable_within": {
        "en": (
            "the model cannot reach its final marking from its initial marking within {max_states} states; "
            "check the net (or raise max_states) before aligning a log"
        ),
        "ru": (
            "модель не может дойти от начальной разметки до конечной за {max_states:# состояние|состояния|состояний}; "
            "проверьте сеть (или увеличьте max_states), прежде чем выравнивать журнал"
        ),
    },
}
