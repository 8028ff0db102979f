"""The web app's error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`;
the app's error handler words them in the user's language)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "projects.unknown_mapping_fields": {
        "en": "unknown field(s) {unknown} in the mapping: use {fields}",
        "ru": "неизвестные поля {unknown} в сопоставлении колонок: используйте {fields}",
    },
}

__all__ = ["ERRORS"]
