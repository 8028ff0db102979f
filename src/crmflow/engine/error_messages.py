"""The engine error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "params.expr_expected_text_expression": {
        "en": "`{key}.expr`: expected the text of an expression, got {text!r}",
        "ru": "`{key}.expr`: ожидался текст выражения, а получено {text!r}",
    },
    "params.message": {
        "en": "`{key}`: {exc}",
        "ru": "`{key}`: {exc}",
    },
    "params.expr": {
        "en": "`{key}.expr`: {exc}",
        "ru": "`{key}.expr`: {exc}",
    },
    "service.expected_mapping_actions_task": {
        "en": "{where}: expected a mapping with `actions` and `task_messages`, got {kind}",
        "ru": "{where}: ожидался словарь с `actions` и `task_messages`, а получено: {kind}",
    },
    "service.unknown_key_expected_actions": {
        "en": "{where}: unknown key `{unknown}` (expected `actions`, `task_messages`)",
        "ru": "{where}: неизвестный ключ `{unknown}` (ожидались `actions`, `task_messages`)",
    },
    "service.actions_expected_got": {
        "en": "{where}: `actions.{task}`: expected {{connector, operation, params?}}, got {spec!r}",
        "ru": "{where}: `actions.{task}`: ожидалось {{connector, operation, params?}}, а получено {spec!r}",
    },
    "service.actions_params_expected_mapping": {
        "en": "{where}: `actions.{task}.params`: expected a mapping, got {spec!r}",
        "ru": "{where}: `actions.{task}.params`: ожидался словарь, а получено {spec!r}",
    },
    "service.task_messages_expected_list": {
        "en": "{where}: `task_messages.{message}`: expected a list of user task ids, got {tasks!r}",
        "ru": "{where}: `task_messages.{message}`: ожидался список id пользовательских задач, а получено {tasks!r}",
    },
    "service.message_2": {
        "en": "{where}: {exc}",
        "ru": "{where}: {exc}",
    },
    "routing.expected_mapping_people_list": {
        "en": "{where}: expected a mapping with a `people:` list",
        "ru": "{where}: ожидался словарь со списком `people:`",
    },
    "routing.absence_not_day_range": {
        "en": "{where}: absence {text_!r} is not a day or a range (expected 2024-03-04 or 2024-03-04..2024-03-08)",
        "ru": "{where}: отсутствие {text_!r} — не день и не диапазон (ожидалось 2024-03-04 или 2024-03-04..2024-03-08)",
    },
    "bus.bus_url_scheme_not": {
        "en": "bus URL {url!r}: scheme {scheme!r} is not supported (use {value})",
        "ru": "адрес шины {url!r}: схема {scheme!r} не поддерживается (используйте {value})",
    },
    "bus.not_asyncapi_document_asyncapi": {
        "en": "not an AsyncAPI 3 document (asyncapi: {value!r})",
        "ru": "это не документ AsyncAPI 3 (asyncapi: {value!r})",
    },
    "bus.broker_needs_pip_install": {
        "en": "the {kind} broker needs `pip install crmflow[bus]` ({exc})",
        "ru": "брокеру {kind} нужен `pip install crmflow[bus]` ({exc})",
    },
    "bus.publishing_failed": {
        "en": "{kind}: publishing {event} ({mid}) failed: {kind2}: {exc}",
        "ru": "{kind}: публикация {event} ({mid}) не удалась: {kind2}: {exc}",
    },
    "bus.publishing_timed_out": {
        "en": "{kind}: publishing {event} timed out: {kind2}",
        "ru": "{kind}: время публикации {event} истекло: {kind2}",
    },
    "bus.cannot_connect": {
        "en": "{kind}: cannot connect to {where}: {kind2}",
        "ru": "{kind}: не удалось подключиться к {where}: {kind2}",
    },
    "crm.not_time_unix_seconds": {
        "en": "{value!r} is not a time (Unix seconds or ISO 8601 with offset)",
        "ru": "{value!r} — не время (секунды Unix или ISO 8601 со смещением)",
    },
    "crm.set_crmflow_bitrix_webhook": {
        "en": "set CRMFLOW_BITRIX24_WEBHOOK_URL to the inbound webhook https://<portal>/rest/<user>/<secret>/",
        "ru": "задайте в CRMFLOW_BITRIX24_WEBHOOK_URL входящий вебхук https://<портал>/rest/<пользователь>/<секрет>/",
    },
    "crm.has_no_utc_offset": {
        "en": "{value!r} has no UTC offset (write it as 2026-12-07T10:00:00+03:00)",
        "ru": "у {value!r} нет смещения от UTC (запишите так: 2026-12-07T10:00:00+03:00)",
    },
    "crm.set_crmflow_amocrm_base": {
        "en": "set CRMFLOW_AMOCRM_BASE_URL (https://<subdomain>.amocrm.ru) and CRMFLOW_AMOCRM_TOKEN",
        "ru": "задайте CRMFLOW_AMOCRM_BASE_URL (https://<поддомен>.amocrm.ru) и CRMFLOW_AMOCRM_TOKEN",
    },
    "retry.no_incident_open_incidents": {
        "en": "no incident {incident_id!r} (open incidents: {known})",
        "ru": "инцидента {incident_id!r} нет (открытые инциденты: {known})",
    },
    "notify.no_recipient_give_address": {
        "en": "no recipient: give `to` as an address or a list of addresses",
        "ru": "нет получателя: укажите в `to` адрес или список адресов",
    },
    "notify.not_one_e_mail": {
        "en": "{a!r} is not one e-mail address (write name@example.com; a list for several)",
        "ru": "{a!r} — не один адрес e-mail (пишите name@example.com; для нескольких — список)",
    },
    "notify.set_crmflow_smtp_from": {
        "en": "set CRMFLOW_SMTP_FROM to the sender address",
        "ru": "задайте в CRMFLOW_SMTP_FROM адрес отправителя",
    },
    "notify.subject_must_one_non": {
        "en": "`subject` {subject!r} must be one non-empty line",
        "ru": "`subject` {subject!r} должен быть одной непустой строкой",
    },
    "notify.set_crmflow_smtp_host": {
        "en": "set CRMFLOW_SMTP_HOST (and CRMFLOW_SMTP_PORT) to the mail server",
        "ru": "задайте в CRMFLOW_SMTP_HOST (и CRMFLOW_SMTP_PORT) почтовый сервер",
    },
    "triggers.expected_mapping_starting_triggers": {
        "en": "{where}: expected a mapping starting with `triggers: 1` and a list `rules:`",
        "ru": "{where}: ожидался словарь, начинающийся с `triggers: 1`, и список `rules:`",
    },
    "triggers.file_empty_expected_triggers": {
        "en": "{where}: the file is empty (expected `triggers: 1` and a list `rules:`)",
        "ru": "{where}: файл пуст (ожидались `triggers: 1` и список `rules:`)",
    },
    "bus.broker_failed": {"en": "{cause}", "ru": "{cause}"},
    "bus.message_not_json": {
        "en": "{subject}: the message is not JSON ({detail})",
        "ru": "{subject}: сообщение не в формате JSON ({detail})",
    },
    "triggers.yaml_invalid": {"en": "{cause}", "ru": "{cause}"},
}
