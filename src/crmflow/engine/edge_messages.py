"""What the engine's edges say to people, in English and Russian: webhook refusals, parked events, incidents.

A webhook refusal is read by whoever configures the CRM's webhook, so it names the field, what was
expected and where the secret lives.

>>> from crmflow.i18n import text
>>> text(MESSAGES, "webhook.missing_field", "ru", field="event", expected="код события Bitrix24")
'нет поля `event` (ожидается код события Bitrix24)'
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # webhooks: 400
    "webhook.missing_field": {
        "en": "missing field `{field}` (expected {expected})",
        "ru": "нет поля `{field}` (ожидается {expected})",
    },
    "webhook.bad_field": {
        "en": "field `{field}` = {value!r} is not valid (expected {expected})",
        "ru": "поле `{field}` = {value!r} некорректно (ожидается {expected})",
    },
    "webhook.bad_form": {
        "en": "the body is not a valid form ({problem}); expected application/x-www-form-urlencoded as {vendor} sends it",
        "ru": "тело запроса — некорректная форма ({problem}); ожидается application/x-www-form-urlencoded, как шлёт {vendor}",
    },
    "webhook.bad_content_type": {
        "en": "content type {got!r} is not accepted here (expected {expected})",
        "ru": "тип содержимого {got!r} здесь не принимается (ожидается {expected})",
    },
    "webhook.bad_json": {
        "en": 'the body is not valid JSON ({problem}); expected an object {{"id", "event", "data"}}',
        "ru": 'тело запроса — некорректный JSON ({problem}); ожидается объект {{"id", "event", "data"}}',
    },
    "webhook.no_entities": {
        "en": "no entity in the amoCRM webhook (expected keys such as leads[status][0][id] or leads[add][0][id])",
        "ru": "в вебхуке amoCRM нет сущностей (ожидаются ключи вида leads[status][0][id] или leads[add][0][id])",
    },
    # what a webhook field should hold (the `expected` of a refusal)
    "expect.b24_event": {
        "en": "a Bitrix24 event code such as ONCRMDEALUPDATE",
        "ru": "код события Bitrix24, например ONCRMDEALUPDATE",
    },
    "expect.unix": {"en": "Unix seconds", "ru": "секунды Unix"},
    "expect.id_of": {"en": "the id of the {entity}", "ru": "ID {entity}"},
    "expect.id_digits": {"en": "the id of the {entity} (digits)", "ru": "ID {entity} (цифры)"},
    "expect.digits": {"en": "digits", "ru": "цифры"},
    "expect.amo_subdomain": {
        "en": "the account subdomain amoCRM sends with every webhook",
        "ru": "поддомен аккаунта, который amoCRM передаёт в каждом вебхуке",
    },
    "expect.one_of": {"en": "one of {values}", "ru": "одно из: {values}"},
    "expect.amo_entry_id": {"en": "the id of the `{entity}` entry", "ru": "ID записи `{entity}`"},
    "expect.event_id": {
        "en": "a unique event id (text), used to drop repeated deliveries",
        "ru": "уникальный ID события (текст), по нему отбрасываются повторные доставки",
    },
    "expect.event_name": {"en": "the event name, e.g. call.logged", "ru": "имя события, например call.logged"},
    "expect.object": {"en": "an object", "ru": "объект"},
    "expect.text_object": {"en": "an object of text values", "ru": "объект с текстовыми значениями"},
    "expect.text_or_int": {"en": "text or an integer", "ru": "текст или целое число"},
    "expect.iso": {"en": "ISO 8601 date and time", "ru": "дата и время ISO 8601"},
    "entity.lead": {"en": "lead", "ru": "лида"},
    "entity.deal": {"en": "deal", "ru": "сделки"},
    "entity.contact": {"en": "contact", "ru": "контакта"},
    "entity.company": {"en": "company", "ru": "компании"},
    "entity.activity": {"en": "activity", "ru": "дела"},
    "entity.quote": {"en": "quote", "ru": "предложения"},
    "entity.invoice": {"en": "invoice", "ru": "счёта"},
    "entity.task": {"en": "task", "ru": "задачи"},
    # webhooks: 401
    "webhook.bad_token": {
        "en": "`auth[application_token]` does not match the application token of the outbound webhook "
        "(set in CRMFLOW_BITRIX24_APPLICATION_TOKEN)",
        "ru": "`auth[application_token]` не совпадает с токеном приложения исходящего вебхука "
        "(задаётся в CRMFLOW_BITRIX24_APPLICATION_TOKEN)",
    },
    "webhook.missing_token": {
        "en": "the request carries no `auth[application_token]`: it is not a Bitrix24 outbound webhook",
        "ru": "в запросе нет `auth[application_token]`: это не исходящий вебхук Bitrix24",
    },
    "webhook.bad_subdomain": {
        "en": "`account[subdomain]` = {value!r} is not the configured account (CRMFLOW_AMOCRM_SUBDOMAIN)",
        "ru": "`account[subdomain]` = {value!r} — не настроенный аккаунт (CRMFLOW_AMOCRM_SUBDOMAIN)",
    },
    "webhook.bad_url_token": {
        "en": "the `token` query parameter of the webhook address does not match CRMFLOW_AMOCRM_WEBHOOK_TOKEN",
        "ru": "параметр `token` в адресе вебхука не совпадает с CRMFLOW_AMOCRM_WEBHOOK_TOKEN",
    },
    "webhook.unsigned": {
        "en": "the request is not signed: headers {headers} are required (HMAC-SHA256 of `timestamp.body` "
        "with the secret in CRMFLOW_WEBHOOK_HMAC_SECRET)",
        "ru": "запрос не подписан: нужны заголовки {headers} (HMAC-SHA256 от `timestamp.body` "
        "с секретом из CRMFLOW_WEBHOOK_HMAC_SECRET)",
    },
    "webhook.bad_signature": {
        "en": "the signature does not match the body (expected `sha256=<hex>` of HMAC-SHA256 over `timestamp.body`)",
        "ru": "подпись не соответствует телу запроса (ожидается `sha256=<hex>` HMAC-SHA256 от `timestamp.body`)",
    },
    "webhook.stale": {
        "en": "the timestamp {ts} is {age:.0f} s away from the server's clock (at most {tolerance} s): "
        "a replayed or delayed request",
        "ru": "метка времени {ts} отличается от часов сервера на {age:.0f} с (допустимо {tolerance} с): "
        "повтор или задержанный запрос",
    },
    # webhooks: 413 / 503
    "webhook.too_large": {
        "en": "the body is larger than {limit:,} bytes (CRMFLOW_WEBHOOK_MAX_BYTES)",
        "ru": "тело запроса больше {limit:,} байт (CRMFLOW_WEBHOOK_MAX_BYTES)",
    },
    "webhook.not_configured": {
        "en": "this endpoint is not configured: set {setting} in the engine's environment",
        "ru": "этот адрес не настроен: задайте {setting} в окружении движка",
    },
    # parked events
    "parked.no_trigger": {
        "en": "{source} event `{event}` matches no trigger and was parked: {detail}",
        "ru": "событие {source} `{event}` не подходит ни под один триггер и отложено: {detail}",
    },
    "parked.condition_error": {
        "en": "{source} event `{event}` was parked: a trigger condition could not be evaluated: {detail}",
        "ru": "событие {source} `{event}` отложено: условие триггера не вычисляется: {detail}",
    },
    "parked.missing_key": {
        "en": "{source} event `{event}` was parked: it lacks the key a trigger needs: {detail}",
        "ru": "событие {source} `{event}` отложено: в нём нет ключа, нужного триггеру: {detail}",
    },
    "parked.no_instance": {
        "en": "{source} event `{event}` was parked: no waiting instance has this correlation key: {detail}",
        "ru": "событие {source} `{event}` отложено: нет ожидающего экземпляра с таким ключом корреляции: {detail}",
    },
    "parked.malformed": {
        "en": "{source} message on `{event}` could not be read and was parked: {detail}",
        "ru": "сообщение {source} в `{event}` не прочитано и отложено: {detail}",
    },
    # incidents
    "incident.summary": {
        "en": "{connector} {operation} for instance {instance} (step {element}) failed {attempts} time(s): {error}",
        "ru": "{connector} {operation} для экземпляра {instance} (шаг {element}) не выполнен, попыток: {attempts}: {error}",
    },
    # the bus
    "bus.unknown_event": {
        "en": "event `{event}` is not in the AsyncAPI document of the model (it has: {known})",
        "ru": "события `{event}` нет в документе AsyncAPI модели (в нём: {known})",
    },
    "bus.invalid": {
        "en": "event `{event}`: field `{field}`: {problem}",
        "ru": "событие `{event}`: поле `{field}`: {problem}",
    },
}

__all__ = ["MESSAGES"]
