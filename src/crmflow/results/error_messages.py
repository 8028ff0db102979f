"""The results error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "audit.audit_document_json_object": {
        "en": "an audit document is a JSON object, not {kind}",
        "ru": "документ аудита — объект JSON, а не {kind}",
    },
    "audit.no_audit_document_there": {
        "en": "{path}: no audit document there; run `crmflow audit … --out DIR` first",
        "ru": "{path}: здесь нет документа аудита; сначала запустите `crmflow audit … --out DIR`",
    },
    "audit.cannot_read_audit_document": {
        "en": "{path}: cannot read the audit document ({exc}); write it again with `crmflow audit`",
        "ru": "{path}: не удалось прочитать документ аудита ({exc}); запишите его заново командой `crmflow audit`",
    },
    "asis_objects.there_no_object_type": {
        "en": "{name}: there is no object type {object_type!r}; the log has {listing}",
        "ru": "{name}: типа объектов {object_type!r} нет; в журнале есть {listing}",
    },
    "asis_objects.case_object_model_declares": {
        "en": "--case {case!r}: the object model declares no object type {case!r} (declared: {declared})",
        "ru": "--case {case!r}: в объектной модели нет типа объектов {case!r} (объявлены: {declared})",
    },
    "asis_objects.objects_type_have_no": {
        "en": (
            "{name}: objects of type {object_type!r} have no attribute {segment!r} to segment by (have: {value}; list "
            "it under `attributes:` in the object model)"
        ),
        "ru": (
            "{name}: у объектов типа {object_type!r} нет атрибута {segment!r} для разбивки (есть: {value}; перечислите "
            "его в `attributes:` объектной модели)"
        ),
    },
}
