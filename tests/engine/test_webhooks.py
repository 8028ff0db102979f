"""CRM webhooks in: Bitrix24, amoCRM and signed JSON through the ASGI router into an in-memory inbox."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from crmflow.engine.contracts import CorrelateMessage, StartProcess
from crmflow.engine.forms import MAX_FIELDS
from crmflow.engine.triggers import MemoryInbox, MemoryParkedEvents, read_triggers_text
from crmflow.engine.webhooks import WebhookSettings, parse_amocrm, sign, webhook_router
from crmflow.errors import WebhookRejectedError

from .triggers_fixture import TABLE

FORM = {"content-type": "application/x-www-form-urlencoded"}
SETTINGS = WebhookSettings(
    bitrix24_application_token="b24-app-token",
    amocrm_subdomain="example",
    webhook_hmac_secret="hmac-key",
    webhook_max_bytes=64 * 1024,
)
NOW = 1_800_000_000.0


class Raises:
    """An inbox that fails: the delivery must not be acknowledged."""

    def accept(self, command: object) -> bool:
        raise RuntimeError("database is down")


@pytest.fixture
def app() -> tuple[TestClient, MemoryInbox, MemoryParkedEvents]:
    inbox, sink = MemoryInbox(), MemoryParkedEvents()
    api = FastAPI()
    api.include_router(webhook_router(read_triggers_text(TABLE, where="t"), inbox, sink, settings=SETTINGS, clock=lambda: NOW))
    return TestClient(api), inbox, sink


def bitrix(event: str = "ONCRMLEADADD", ident: str = "17", token: str = "b24-app-token", **extra: str) -> str:
    pairs = [
        ("event", event),
        ("event_handler_id", "9"),
        ("data[FIELDS][ID]", ident),
        ("ts", "1799999990"),
        ("auth[domain]", "portal.bitrix24.ru"),
        ("auth[member_id]", "m1"),
        ("auth[application_token]", token),
    ]
    return urlencode(pairs + list(extra.items()))


def test_bitrix24_lead_starts_a_process_and_a_repeat_is_a_duplicate(app) -> None:  # type: ignore[no-untyped-def]
    client, inbox, _ = app
    r = client.post("/webhooks/bitrix24", content=bitrix(), headers=FORM)
    assert r.status_code == 202 and r.json()["accepted"] == 1
    (cmd,) = inbox.commands
    assert isinstance(cmd, StartProcess) and (cmd.process_id, cmd.business_key) == ("lead_processing", "17")
    again = client.post("/webhooks/bitrix24", content=bitrix(), headers=FORM)
    assert again.status_code == 200 and again.json()["status"] == "duplicate" and len(inbox.commands) == 1
    deal = client.post("/webhooks/bitrix24", content=bitrix("onCrmDealUpdate", "42"), headers=FORM)
    assert deal.status_code == 202
    assert isinstance(inbox.commands[1], CorrelateMessage) and inbox.commands[1].correlation_value == "42"
    assert "b24-app-token" not in json.dumps(inbox.commands[1].variables)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (bitrix(token="wrong"), 401, "bad_token", "auth[application_token]"),
        (urlencode([("event", "ONCRMLEADADD"), ("data[FIELDS][ID]", "1")]), 401, "missing_token", "auth[application_token]"),
        (bitrix(ident="abc"), 400, "bad_field", "data[FIELDS][ID]"),
        (
            urlencode([("event", "ONCRMLEADADD"), ("auth[application_token]", "b24-app-token")]),
            400,
            "missing_field",
            "data[FIELDS][ID]",
        ),
        (urlencode([("data[FIELDS][ID]", "1"), ("auth[application_token]", "b24-app-token")]), 400, "missing_field", "event"),
        (bitrix(event="DROP TABLE"), 400, "bad_field", "event"),
        ("event=ONCRMLEADADD&event[x]=1", 400, "bad_form", ""),
    ],
)
def test_bitrix24_refusals_name_the_field(app, body: str, status: int, code: str, field: str) -> None:  # type: ignore[no-untyped-def]
    client, inbox, sink = app
    r = client.post("/webhooks/bitrix24", content=body, headers=FORM)
    assert (r.status_code, r.json()["error"], r.json()["field"]) == (status, code, field)
    assert r.json()["message"] and not inbox.commands and not sink.items


def test_refusals_speak_russian_when_asked(app) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = app
    r = client.post("/webhooks/bitrix24", content=bitrix(ident="x1"), headers={**FORM, "accept-language": "ru-RU,ru"})
    assert r.status_code == 400 and "некорректно" in r.json()["message"] and "data[FIELDS][ID]" in r.json()["message"]
    assert r.json()["expected"] == "ID лида (цифры)" and "ожидается ID лида (цифры)" in r.json()["message"]
    wrong_type = client.post("/webhooks/bitrix24", content=bitrix(), headers={"content-type": "application/json"})
    assert wrong_type.status_code == 400 and "application/x-www-form-urlencoded" in wrong_type.json()["message"]


def test_amocrm_status_change_to_won_correlates_and_other_statuses_are_parked(app) -> None:  # type: ignore[no-untyped-def]
    client, inbox, sink = app
    body = urlencode(
        [
            ("leads[status][0][id]", "25399013"),
            ("leads[status][0][status_id]", "142"),
            ("leads[status][0][pipeline_id]", "3104455"),
            ("leads[status][0][old_status_id]", "29361424"),
            ("leads[status][1][id]", "25399014"),
            ("leads[status][1][status_id]", "143"),
            ("leads[status][1][pipeline_id]", "3104455"),
            ("account[subdomain]", "example"),
            ("account[id]", "29085955"),
        ]
    )
    r = client.post("/webhooks/amocrm", content=body, headers=FORM)
    assert r.status_code == 202 and (r.json()["accepted"], r.json()["parked"]) == (1, 1)
    (cmd,) = inbox.commands
    assert isinstance(cmd, CorrelateMessage) and (cmd.message_name, cmd.correlation_value) == ("lead_won", "25399013")
    (parked,) = sink.items
    assert parked.event.keys["lead_id"] == "25399014" and parked.reason == "no_trigger"
    assert "lead_won_in_amocrm" in r.json()["parked_reasons"][0]


def test_amocrm_add_other_account_and_broken_entries() -> None:
    add = urlencode([("leads[add][0][id]", "7"), ("leads[add][0][name]", "Заявка с сайта"), ("account[subdomain]", "Example")])
    (event,) = parse_amocrm(add.encode(), SETTINGS)
    assert (event.name, dict(event.keys), event.payload["name"]) == ("leads.add", {"lead_id": "7"}, "Заявка с сайта")
    cases = [
        (urlencode([("leads[add][0][id]", "7"), ("account[subdomain]", "other")]), 401, "account[subdomain]"),
        (urlencode([("leads[add][0][name]", "x"), ("account[subdomain]", "example")]), 400, "leads[add][0][id]"),
        (
            urlencode([("leads[add][0][id]", "7"), ("leads[add][0][status_id]", "x"), ("account[subdomain]", "example")]),
            400,
            "leads[add][0][status_id]",
        ),
        (urlencode([("leads[frobnicate][0][id]", "7"), ("account[subdomain]", "example")]), 400, "leads[frobnicate]"),
        (urlencode([("account[subdomain]", "example")]), 400, ""),
    ]
    for body, status, field in cases:
        with pytest.raises(WebhookRejectedError) as err:
            parse_amocrm(body.encode(), SETTINGS)
        assert (err.value.status, err.value.field) == (status, field), body
    guarded = SETTINGS.model_copy(update={"amocrm_webhook_token": SecretStr("url-secret")})
    with pytest.raises(WebhookRejectedError) as err:
        parse_amocrm(add.encode(), guarded, url_token="nope")
    assert err.value.status == 401
    assert len(parse_amocrm(add.encode(), guarded, url_token="url-secret")) == 1


def signed(doc: object, *, ts: int = int(NOW), key: str = "hmac-key") -> tuple[bytes, dict[str, str]]:
    body = json.dumps(doc).encode()
    return body, {"content-type": "application/json", "X-Crmflow-Timestamp": str(ts), "X-Crmflow-Signature": sign(body, key, ts)}


def test_signed_json_call_logged_correlates_by_normalised_phone(app) -> None:  # type: ignore[no-untyped-def]
    client, inbox, _ = app
    body, headers = signed({"id": "call-1", "event": "call.logged", "data": {"phone": "8 (916) 123-45-67", "duration": 40}})
    r = client.post("/webhooks/json", content=body, headers=headers)
    assert r.status_code == 202
    (cmd,) = inbox.commands
    assert isinstance(cmd, CorrelateMessage) and cmd.correlation_value == "+79161234567"
    assert client.post("/webhooks/json", content=body, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda b, h: (b, {k: v for k, v in h.items() if k != "X-Crmflow-Signature"}), 401, "unsigned"),
        (lambda b, h: (b.replace(b"call-2", b"call-3"), h), 401, "bad_signature"),
        (lambda b, h: (b, {**h, "X-Crmflow-Signature": sign(b, "other-key", int(NOW))}), 401, "bad_signature"),
        (lambda b, h: signed({"id": "call-2", "event": "x"}, ts=int(NOW) - 301), 401, "stale"),
        (lambda b, h: (b"{not json", {**h, "X-Crmflow-Signature": sign(b"{not json", "hmac-key", int(NOW))}), 400, "bad_json"),
        (lambda b, h: signed({"event": "x"}), 400, "missing_field"),
        (lambda b, h: signed({"id": "1", "event": "x", "data": [1]}), 400, "bad_field"),
    ],
)
def test_signed_json_refusals(app, mutate, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    client, inbox, _ = app
    body, headers = mutate(*signed({"id": "call-2", "event": "call.logged", "data": {"phone": "+79161234567"}}))
    r = client.post("/webhooks/json", content=body, headers=headers)
    assert (r.status_code, r.json()["error"]) == (status, code)
    assert not inbox.commands


def test_body_size_is_bounded_and_field_count_too(app) -> None:  # type: ignore[no-untyped-def]
    client, inbox, _ = app
    big = bitrix() + "&data[FIELDS][TITLE]=" + "x" * (70 * 1024)
    r = client.post("/webhooks/bitrix24", content=big, headers=FORM)
    assert r.status_code == 413 and r.json()["error"] == "too_large"

    def chunks():  # no content-length: the stream is cut at the limit
        for _ in range(100):
            yield b"x" * 1024

    assert client.post("/webhooks/json", content=chunks(), headers={"content-type": "application/json"}).status_code == 413
    many = "&".join(f"f{i}=1" for i in range(MAX_FIELDS + 1)) + "&" + bitrix()
    r = client.post("/webhooks/bitrix24", content=many, headers=FORM)
    assert r.status_code == 400 and r.json()["error"] == "bad_form"
    deep = bitrix() + "&data" + "[a]" * 12 + "=1"
    assert client.post("/webhooks/bitrix24", content=deep, headers=FORM).json()["error"] == "bad_form"
    assert not inbox.commands


def test_an_unconfigured_endpoint_answers_503_and_a_failing_inbox_does_not_acknowledge() -> None:
    api = FastAPI()
    api.include_router(
        webhook_router(
            read_triggers_text(TABLE, where="t"),
            MemoryInbox(),
            MemoryParkedEvents(),
            settings=WebhookSettings(bitrix24_application_token="t"),
        )
    )
    client = TestClient(api)
    r = client.post("/webhooks/json", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 503 and "CRMFLOW_WEBHOOK_HMAC_SECRET" in r.json()["message"]
    broken = FastAPI()
    broken.include_router(
        webhook_router(
            read_triggers_text(TABLE, where="t"),
            Raises(),
            MemoryParkedEvents(),
            settings=WebhookSettings(bitrix24_application_token="t"),
        )
    )
    with pytest.raises(RuntimeError, match="database is down"):
        TestClient(broken).post("/webhooks/bitrix24", content=bitrix(token="t"), headers=FORM)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMFLOW_BITRIX24_APPLICATION_TOKEN", "from-env")
    monkeypatch.setenv("CRMFLOW_WEBHOOK_TOLERANCE_S", "60")
    conf = WebhookSettings()
    assert conf.bitrix24_application_token is not None and conf.bitrix24_application_token.get_secret_value() == "from-env"
    assert conf.webhook_tolerance_s == 60 and "from-env" not in repr(conf)
