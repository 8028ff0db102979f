"""Russian and English text of duplicate detection: field and level names, explanations, merge reasons."""

from __future__ import annotations

from crmflow.i18n import text

FIELDS: dict[str, dict[str, str]] = {
    "phone": {"en": "phone", "ru": "телефон"},
    "email": {"en": "e-mail", "ru": "e-mail"},
    "inn": {"en": "INN", "ru": "ИНН"},
    "name": {"en": "name", "ru": "ФИО"},
    "first_name": {"en": "first name", "ru": "имя"},
    "last_name": {"en": "last name", "ru": "фамилия"},
    "middle_name": {"en": "patronymic", "ru": "отчество"},
    "company": {"en": "company", "ru": "компания"},
}

LEVELS: dict[str, dict[str, str]] = {
    "exact": {"en": "agrees", "ru": "совпадает"},
    "swapped": {"en": "agrees with first and last name swapped", "ru": "совпадает, имя и фамилия переставлены"},
    "same_words": {"en": "same words in another order", "ru": "те же слова в другом порядке"},
    "typo": {"en": "agrees up to a typo or spelling", "ru": "совпадает с точностью до опечатки или написания"},
    "same_local_part": {"en": "same mailbox name, other domain", "ru": "то же имя ящика, другой домен"},
    "surname_only": {"en": "only the surname agrees", "ru": "совпадает только фамилия"},
    "different": {"en": "differs", "ru": "различается"},
    "missing": {"en": "missing in one record", "ru": "не заполнено в одной из записей"},
}

MESSAGES: dict[str, dict[str, str]] = {
    "pair": {
        "en": "{a} and {b} are probably one record (probability {p}, match weight {w:+.1f}): {details}",
        "ru": "{a} и {b} — вероятно, одна запись (вероятность {p}, вес совпадения {w:+.1f}): {details}",
    },
    "field": {"en": "{field} {level} ({w:+.1f})", "ru": "{field} {level} ({w:+.1f})"},
    "field_no_weight": {"en": "{field} {level}", "ru": "{field} {level}"},
    "most_complete": {
        "en": "{id} survives: it has the most fields filled ({filled} of {total}); {others} merge into it.",
        "ru": "Остаётся {id}: у неё больше всего заполненных полей ({filled} из {total}); {others} "
              "объединяются с ней.",
    },
    "most_recent": {
        "en": "{id} survives: as complete as the others ({filled} of {total} fields) and updated most "
              "recently ({updated}); {others} merge into it.",
        "ru": "Остаётся {id}: заполнена не хуже других ({filled} из {total} полей) и обновлялась последней "
              "({updated}); {others} объединяются с ней.",
    },
    "smallest_id": {
        "en": "{id} survives: the records are equally complete ({filled} of {total} fields) and equally "
              "recent, so the smallest id is kept; {others} merge into it.",
        "ru": "Остаётся {id}: записи заполнены одинаково ({filled} из {total} полей) и одинаково свежие, "
              "поэтому сохраняется наименьший id; {others} объединяются с ней.",
    },
}


def field_name(field: str, lang: str) -> str:
    return text(FIELDS, field, lang) if field in FIELDS else field


def level_name(level: str, lang: str) -> str:
    return text(LEVELS, level, lang) if level in LEVELS else level
