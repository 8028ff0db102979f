"""The report error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "processmap.graphviz_dot_failed_process": {
        "en": "Graphviz `dot` failed on the process map: {value}",
        "ru": "Graphviz `dot` не справился с картой процесса: {value}",
    },
}
