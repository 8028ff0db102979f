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
    "updated_at": {"en": "last updated", "ru": "изменена"},
}

LEVELS: dict[str, dict[str, str]] = {
    "exact": {"en": "agrees", "ru": "совпадает"},
    "swapped": {"en": "agrees with first and last name swapped", "ru": "совпадает, имя и фамилия переставлены"},
    "same_words": {"en": "same words in another order", "ru": "те же слова в другом порядке"},
    "typo": {"en": "agrees up to a typo or spelling", "ru": "совпадает с точностью до опечатки или написания"},
    "same_local_part": {"en": "same mailbox name, other domain", "ru": "то же имя ящика, другой домен"},
    "surname_only": {"en": "only the surname agrees", "ru": "совпадает только фамилия"},
    "different": {"en": "differs", "ru": "различается"},
    "missing": {"en": "missing in one or both records", "ru": "не заполнено в одной или обеих записях"},
}

MESSAGES: dict[str, dict[str, str]] = {
    "pair": {
        "en": "{a} and {b} are probably one record (probability {p}, match weight {w}): {details}",
        "ru": "{a} и {b} — вероятно, одна запись (вероятность {p}, вес совпадения {w}): {details}",
    },
    "rejected.different_people": {
        "en": "{a} and {b} are not one record although they score {p}: the first names clearly differ and no "
        "e-mail or personal INN agrees — two people sharing a phone or a company (family, colleagues): {details}",
        "ru": "{a} и {b} — не одна запись, хотя оценка {p}: имена явно различаются, а e-mail или личный ИНН не "
        "совпадают — это два человека с общим телефоном или компанией (семья, коллеги): {details}",
    },
    "rejected.company_only": {
        "en": "{a} and {b} are not one record although they score {p}: only their company agrees (its name, INN "
        "or e-mail domain) — colleagues, not one person; no name, personal phone, e-mail or INN agrees: {details}",
        "ru": "{a} и {b} — не одна запись, хотя оценка {p}: совпадает только компания (название, ИНН или домен "
        "почты) — это коллеги, а не один человек; ни ФИО, ни личный телефон, e-mail или ИНН не совпадают: {details}",
    },
    "field": {"en": "{field} {level} ({w})", "ru": "{field}: {level} ({w})"},
    "field_no_weight": {"en": "{field} {level}", "ru": "{field}: {level}"},
    "most_complete": {
        "en": "{id} survives: it has the most fields filled ({filled} of {total}); the others ({others}) merge into it.",
        "ru": "Остаётся {id}: у неё больше всего заполненных полей ({filled} из {total}); остальные "
        "({others}) объединяются с ней.",
    },
    "most_recent": {
        "en": "{id} survives: as complete as the others ({filled} of {total} fields) and updated most "
        "recently ({updated}); the others ({others}) merge into it.",
        "ru": "Остаётся {id}: заполнена не хуже других ({filled} из {total} полей) и обновлялась последней "
        "({updated}); остальные ({others}) объединяются с ней.",
    },
    "smallest_id": {
        "en": "{id} survives: the records are equally complete ({filled} of {total} fields) and equally "
        "recent, so the smallest id is kept; the others ({others}) merge into it.",
        "ru": "Остаётся {id}: записи заполнены одинаково ({filled} из {total} полей) и одинаково свежие, "
        "поэтому сохраняется наименьший id; остальные ({others}) объединяются с ней.",
    },
    "frequent_values": {
        "en": "{n} value(s) were left out of the search: placeholders (treated as empty) and values shared by more "
        "than {k} records (a phone or e-mail that many contacts share identifies nobody), see the table.",
        "ru": "Значений, исключённых из поиска: {n} — заглушки (считаются пустыми) и значения, общие более чем для "
        "{k} записей (телефон или e-mail, общий для многих контактов, никого не идентифицирует); см. таблицу.",
    },
    "pair_budget": {
        "en": "Candidate pairs were kept under the bound of {budget}: the most frequent keys were not used to find "
        "pairs ({pairs} pairs at most were compared).",
        "ru": "Число пар-кандидатов ограничено {budget}: самые частые ключи не использовались для поиска пар "
        "(сравнено не более {pairs} пар).",
    },
    "training_failed": {
        "en": "The linkage model could not be trained on this table ({error}); the generic starting values were "
        "used, so review the clusters more carefully.",
        "ru": "Модель сопоставления не удалось обучить на этой таблице ({error}); использованы общие начальные "
        "значения — проверьте кластеры внимательнее.",
    },
}

#: Labels of the table of left-out values in the quality report.
REPORT: dict[str, dict[str, str]] = {
    "frequent.title": {"en": "Values left out of the duplicate search", "ru": "Значения, исключённые из поиска дублей"},
    "frequent.key": {"en": "key", "ru": "ключ"},
    "frequent.value": {"en": "value", "ru": "значение"},
    "frequent.records": {"en": "records", "ru": "записей"},
    "frequent.reason": {"en": "why", "ru": "почему"},
    "frequent.more": {"en": "… and {n} more", "ru": "… и ещё {n}"},
    "pairs": {
        "en": "Candidate pairs compared: at most {pairs} (bound {budget}).",
        "ru": "Сравнено пар-кандидатов: не более {pairs} (предел {budget}).",
    },
    "cluster.title": {
        "en": "Cluster {n}: {records} records, match probability {score}",
        "ru": "Кластер {n}: записей — {records}, вероятность совпадения {score}",
    },
    "cluster.title_range": {
        "en": "Cluster {n}: {records} records, match probability {low} to {high}",
        "ru": "Кластер {n}: записей — {records}, вероятность совпадения от {low} до {high}",
    },
    "cluster.title_unscored": {"en": "Cluster {n}: {records} records", "ru": "Кластер {n}: записей — {records}"},
    "cluster.record": {"en": "record", "ru": "запись"},
    "cluster.survivor": {"en": "survives", "ru": "остаётся"},
    "cluster.merged": {"en": "merged into it", "ru": "объединяется"},
    "cluster.pair": {"en": "pair", "ru": "пара"},
    "cluster.score": {"en": "match probability", "ru": "вероятность совпадения"},
    "cluster.why": {"en": "why (field: agreement, weight)", "ru": "почему (поле: совпадение, вес)"},
    "cluster.more": {
        "en": "The other {n} clusters are in quality.json (duplicates.clusters, record_values and pairs).",
        "ru": "Остальные кластеры ({n}) — в quality.json (duplicates.clusters, record_values и pairs).",
    },
    "reason.placeholder": {"en": "placeholder, treated as empty", "ru": "заглушка, считается пустым"},
    "reason.frequent": {
        "en": "shared by more than {k} records: not used to find pairs (a phone, e-mail or INN not as agreement either)",
        "ru": "общее для более чем {k} записей: не используется для поиска пар (телефон, e-mail или ИНН — и как совпадение)",
    },
    "reason.pair_budget": {"en": "dropped to bound the candidate pairs", "ru": "исключено, чтобы ограничить число пар"},
    "key.mailbox": {"en": "mailbox name", "ru": "имя ящика"},
    "key.surname_company": {"en": "surname · company", "ru": "фамилия · компания"},
    "key.name_prefix": {"en": "name initials · patronymic", "ru": "начало ФИО · отчество"},
}


def report_text(key: str, lang: str, **kw: object) -> str:
    """A label of the quality report's duplicate section; field names for ``key.<field>``."""
    if key.startswith("key.") and key not in REPORT:
        return field_name(key[4:], lang)
    return text(REPORT, key, lang, **kw)


def field_name(field: str, lang: str) -> str:
    return text(FIELDS, field, lang) if field in FIELDS else field


def level_name(level: str, lang: str) -> str:
    return text(LEVELS, level, lang) if level in LEVELS else level
