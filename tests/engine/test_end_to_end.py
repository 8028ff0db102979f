"""End to end on real sockets: fake CRM → webhook → inbox; action → connector → fake CRM; engine → engine."""

from __future__ import annotations

import time

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from crmflow.demo.fake_crm import FakeCrm
from crmflow.engine.connectors import ActionRunner, Bitrix24Connector, NotifySettings, WebhookConnector
from crmflow.engine.contracts import ActionRequest, CorrelateMessage, StartProcess
from crmflow.engine.triggers import MemoryInbox, MemoryParkedEvents, read_triggers_text
from crmflow.engine.webhooks import WebhookSettings, webhook_router
from crmflow.sources.http import ApiClient

from .asgi_server import serve
from .triggers_fixture import TABLE

SETTINGS = WebhookSettings(bitrix24_application_token="app-token-1", amocrm_subdomain="fake", webhook_hmac_secret="shared")


def engine_app(inbox: MemoryInbox, sink: MemoryParkedEvents) -> FastAPI:
    app = FastAPI()
    app.include_router(webhook_router(read_triggers_text(TABLE, where="t"), inbox, sink, settings=SETTINGS))
    return app


def test_fake_crm_webhooks_land_in_the_inbox_once_and_the_unknown_ones_are_parked() -> None:
    inbox, sink = MemoryInbox(), MemoryParkedEvents()
    with FakeCrm() as crm, serve(engine_app(inbox, sink)) as engine:
        ts, b24 = int(time.time()), f"{engine}/webhooks/bitrix24"
        first = crm.send_bitrix24_webhook(b24, "ONCRMLEADADD", 101, application_token="app-token-1", ts=ts)
        repeat = crm.send_bitrix24_webhook(b24, "ONCRMLEADADD", 101, application_token="app-token-1", ts=ts)
        forged = crm.send_bitrix24_webhook(b24, "ONCRMLEADADD", 102, application_token="guess")
        unknown = crm.send_bitrix24_webhook(b24, "ONCRMCONTACTADD", 5, application_token="app-token-1")
        amo = crm.send_amocrm_webhook(f"{engine}/webhooks/amocrm", [{"id": 7001, "status_id": 142, "pipeline_id": 3104455}])
        other = crm.send_amocrm_webhook(f"{engine}/webhooks/amocrm", [{"id": 7002, "status_id": 142}], subdomain="intruder")
    assert [r.status_code for r in (first, repeat, forged, unknown, amo, other)] == [202, 200, 401, 202, 202, 401]
    assert unknown.json()["status"] == "parked"
    start, won = inbox.commands
    assert isinstance(start, StartProcess) and start.business_key == "101"
    assert isinstance(won, CorrelateMessage) and (won.message_name, won.correlation_value) == ("lead_won", "7001")
    (parked,) = sink.items
    assert parked.event.name == "ONCRMCONTACTADD" and parked.event.keys == {"contact_id": "5"}


def test_actions_reach_the_fake_crm_through_429s_and_lost_answers_without_duplicates() -> None:
    with FakeCrm() as crm:
        crm.add_deal(42, STAGE_ID="NEW")
        crm.fail(429, retry_after=0.01, times=2)
        crm.fail(500, after_effect=True, operation="tasks.task.add")
        client = ApiClient(
            vendor="bitrix24",
            base_url=crm.bitrix24_url,
            secrets=[crm.bitrix24_url],
            min_interval_s=0,
            backoff_s=0.01,
            max_attempts=2,
        )
        runner = ActionRunner([Bitrix24Connector(client)], sleep=lambda s: None)
        requests = [
            ActionRequest(
                "bitrix24",
                "crm.activity.todo.add",
                f"inst-{i}/todo",
                f"inst-{i}",
                "first_contact",
                {"ownerTypeId": 1, "ownerId": 100 + i, "deadline": "2026-12-07T10:05:00+03:00"},
            )
            for i in range(5)
        ]
        requests.append(
            ActionRequest(
                "bitrix24",
                "tasks.task.add",
                "inst-0/task",
                "inst-0",
                "callback",
                {"fields": {"TITLE": "Перезвонить", "RESPONSIBLE_ID": 3}},
            )
        )
        requests.append(
            ActionRequest(
                "bitrix24", "crm.deal.update", "inst-0/deal", "inst-0", "qualify", {"id": 42, "fields": {"STAGE_ID": "WON"}}
            )
        )
        outcomes = [runner.run(r) for r in requests]
        outcomes += [runner.run(r) for r in requests[:3]]  # a relay that restarted and sends the first three again
    assert all(o.result.ok for o in outcomes)
    assert crm.duplicated_effects() == {} and set(crm.effects_per_key()) == {r.idempotency_key for r in requests}
    assert len(crm.state.activities) == 5 and len(crm.state.tasks) == 1 and crm.state.deals[42]["STAGE_ID"] == "WON"
    assert crm.calls_per_key()["inst-0/todo"] == 4  # two 429s, the call, the replay after the restart


def test_one_engine_notifies_another_through_the_signed_webhook() -> None:
    inbox, sink = MemoryInbox(), MemoryParkedEvents()
    with serve(engine_app(inbox, sink)) as other:
        endpoints = {"telephony": f"{other}/webhooks/json"}
        settings = NotifySettings(webhook_endpoints=endpoints, webhook_out_secret=SecretStr("shared"))
        runner = ActionRunner([WebhookConnector(settings)], sleep=lambda s: None)
        req = ActionRequest(
            "webhook",
            "post",
            "call-42",
            "inst-9",
            "log_call",
            {"endpoint": "telephony", "event": "call.logged", "payload": {"phone": "89161234567"}},
        )
        first, again = runner.run(req), runner.run(req)
        assert httpx.get(f"{other}/webhooks/json").status_code == 405
    assert first.result.ok and again.result.ok
    (cmd,) = inbox.commands
    assert isinstance(cmd, CorrelateMessage) and cmd.correlation_value == "+79161234567"
    assert cmd.dedupe_key == "json:call-42/call_logged_json"
