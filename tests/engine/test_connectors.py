"""Actions out: Bitrix24 and amoCRM connectors against the fake CRM, retries, incidents, e-mail, webhooks."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr

from crmflow.demo.fake_crm import FakeCrm
from crmflow.engine.connectors import (
    ActionRunner,
    AmoCrmConnector,
    Bitrix24Connector,
    BusConnector,
    EmailConnector,
    IncidentRegistry,
    NotifySettings,
    RetryPolicy,
    WebhookConnector,
)
from crmflow.engine.contracts import ActionRequest, OutboundMessage
from crmflow.errors import BusError, ConnectorError
from crmflow.sources.http import ApiClient, HttpResponse, MemoryTransport


@pytest.fixture
def crm() -> Iterator[FakeCrm]:
    with FakeCrm() as fake:
        fake.add_deal(42, STAGE_ID="NEW")
        fake.add_lead(7001, status_id=1)
        yield fake


def bitrix(crm: FakeCrm, waits: list[float], **kw: object) -> Bitrix24Connector:
    client = ApiClient(
        vendor="bitrix24",
        base_url=crm.bitrix24_url,
        secrets=[crm.bitrix24_url],
        min_interval_s=0,
        sleep=waits.append,
        max_attempts=3,
        **kw,
    )  # type: ignore[arg-type]
    return Bitrix24Connector(client)


def amo(crm: FakeCrm, waits: list[float]) -> AmoCrmConnector:
    client = ApiClient(
        vendor="amocrm",
        base_url=crm.url,
        headers={"Authorization": f"Bearer {crm.amocrm_token}"},
        min_interval_s=0,
        sleep=waits.append,
        max_attempts=3,
    )
    return AmoCrmConnector(client)


def req(connector: str, operation: str, key: str, **params: object) -> ActionRequest:
    return ActionRequest(connector, operation, key, "inst-1", "first_contact", params)


TODO = {"ownerTypeId": 1, "ownerId": 17, "deadline": "2026-12-07T10:05:00+03:00", "title": "Позвонить клиенту"}


def test_bitrix24_operations_reach_the_fake_crm_with_their_idempotency_keys(crm: FakeCrm) -> None:
    waits: list[float] = []
    runner = ActionRunner([bitrix(crm, waits)], sleep=waits.append)
    todo = runner.run(req("bitrix24", "crm.activity.todo.add", "i1/todo/1", **TODO))
    task = runner.run(
        req(
            "bitrix24",
            "tasks.task.add",
            "i1/task/1",
            fields={"TITLE": "Перезвонить", "RESPONSIBLE_ID": 5, "UF_CRM_TASK": ["L_17"]},
        )
    )
    deal = runner.run(req("bitrix24", "crm.deal.update", "i1/deal/1", id=42, fields={"STAGE_ID": "PREPARATION"}))
    assert todo.result.ok and task.result.ok and deal.result.ok
    assert todo.result.response["result"]["id"] >= 1 and task.result.response["result"]["task"]["title"] == "Перезвонить"
    assert crm.state.deals[42]["STAGE_ID"] == "PREPARATION"
    assert [c.idempotency_key for c in crm.calls] == ["i1/todo/1", "i1/task/1", "i1/deal/1"]
    assert crm.state.activities[todo.result.response["result"]["id"]]["title"] == "Позвонить клиенту"


def test_429_and_5xx_are_retried_with_backoff_and_the_effect_happens_once(crm: FakeCrm) -> None:
    waits: list[float] = []
    crm.fail(429, retry_after=3)
    crm.fail(503, error="QUERY_LIMIT_EXCEEDED")
    crm.fail(502, after_effect=True)  # the change is made but the answer is lost: the retry must not repeat it
    out = ActionRunner([bitrix(crm, waits)], sleep=waits.append).run(req("bitrix24", "crm.activity.todo.add", "k-retry", **TODO))
    assert out.result.ok and out.attempts == 2  # the client's 3 tries were used up once, the runner tried again
    assert waits == [3.0, 2.0, 2.0]  # Retry-After, the client's backoff (2nd try), the runner's (2nd series)
    assert crm.calls_per_key()["k-retry"] == 4 and crm.effects_per_key()["k-retry"] == 1
    assert crm.calls[-1].replayed and not crm.duplicated_effects()


def test_without_an_idempotent_receiver_the_counter_shows_the_duplicate(crm: FakeCrm) -> None:
    crm.honour_idempotency = False
    crm.fail(502, after_effect=True)
    out = ActionRunner([bitrix(crm, [])], sleep=lambda s: None).run(req("bitrix24", "crm.activity.todo.add", "k-dup", **TODO))
    assert out.result.ok and crm.duplicated_effects() == {"k-dup": 2}


def test_exhausted_retries_open_an_incident_that_can_be_retried(crm: FakeCrm) -> None:
    incidents = IncidentRegistry()
    runner = ActionRunner([bitrix(crm, [])], policy=RetryPolicy(max_attempts=2), incidents=incidents, sleep=lambda s: None)
    crm.fail(500, times=6)
    out = runner.run(req("bitrix24", "crm.deal.update", "k-inc", id=42, fields={"STAGE_ID": "WON"}))
    assert not out.result.ok and out.result.retryable and out.incident is not None and out.attempts == 2
    (inc,) = incidents.list()
    assert inc.request.idempotency_key == "k-inc" and inc.attempts == 2
    assert "failed 3 times" in inc.error and "HTTP 500" in inc.error
    assert "не выполнен" in inc.summary("ru") and crm.state.deals[42]["STAGE_ID"] == "NEW"
    again = incidents.retry(inc.id, runner)
    assert again.result.ok and incidents.list() == [] and incidents.list(include_resolved=True)[0].resolved_at
    assert crm.state.deals[42]["STAGE_ID"] == "WON" and crm.effects_per_key()["k-inc"] == 1


def test_refusals_are_not_retried_and_bad_requests_never_leave(crm: FakeCrm) -> None:
    runner = ActionRunner([bitrix(crm, []), amo(crm, [])], sleep=lambda s: None)
    unknown_deal = runner.run(req("bitrix24", "crm.deal.update", "k-404", id=999, fields={"STAGE_ID": "WON"}))
    assert unknown_deal.attempts == 1 and unknown_deal.incident is not None and "Not found" in unknown_deal.result.detail
    missing = runner.run(req("bitrix24", "crm.activity.todo.add", "k-miss", ownerTypeId=1))
    assert "missing parameter(s) ownerId, deadline" in missing.result.detail
    nowhere = runner.run(req("telegram", "send", "k-tg"))
    assert "no connector `telegram`" in nowhere.result.detail and "amocrm, bitrix24" in nowhere.result.detail
    assert [c.idempotency_key for c in crm.calls] == ["k-404"]
    wrong = Bitrix24Connector(ApiClient(vendor="bitrix24", base_url=crm.url + "/rest/1/wrong/", min_interval_s=0))
    refused = wrong.perform(req("bitrix24", "crm.activity.todo.add", "k-auth", **TODO))
    assert not refused.ok and not refused.retryable and "HTTP 401" in refused.detail
    assert "CRMFLOW_BITRIX24_WEBHOOK_URL" in refused.detail


def test_amocrm_task_and_lead_patch(crm: FakeCrm) -> None:
    waits: list[float] = []
    runner = ActionRunner([amo(crm, waits)], sleep=waits.append)
    crm.fail(429, retry_after=1, operation="tasks")
    task = runner.run(
        req(
            "amocrm",
            "tasks",
            "i1/amo-task/1",
            text="Связаться с клиентом",
            entity_id=7001,
            complete_till="2026-12-07T10:05:00+03:00",
            responsible_user_id=3,
        )
    )
    lead = runner.run(req("amocrm", "lead.update", "i1/amo-lead/1", id=7001, status_id=142, price=50000))
    assert task.result.ok and lead.result.ok and waits == [1.0]
    (created,) = task.result.response["_embedded"]["tasks"]
    assert created["request_id"] == "i1/amo-task/1"
    assert crm.state.amo_tasks[created["id"]]["complete_till"] == 1796627100
    assert crm.state.leads[7001]["status_id"] == 142 and crm.state.leads[7001]["price"] == 50000
    bad = runner.run(req("amocrm", "tasks", "k-bad", text="x", entity_id=1, complete_till="2026-12-07T10:05:00"))
    assert "no UTC offset" in bad.result.detail and crm.calls_per_key()["k-bad"] == 0


def test_connectors_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRMFLOW_BITRIX24_WEBHOOK_URL", raising=False)
    with pytest.raises(ConnectorError, match="CRMFLOW_BITRIX24_WEBHOOK_URL"):
        Bitrix24Connector.from_env()
    monkeypatch.setenv("CRMFLOW_BITRIX24_WEBHOOK_URL", "https://portal.example/rest/1/secret")
    conn = Bitrix24Connector.from_env()
    assert conn.client.base_url.endswith("/secret/") and conn.client.redact(conn.client.base_url) == "***/"
    monkeypatch.setenv("CRMFLOW_AMOCRM_BASE_URL", "https://x.amocrm.ru")
    monkeypatch.setenv("CRMFLOW_AMOCRM_TOKEN", "tok")
    assert AmoCrmConnector.from_env().client.headers["Authorization"] == "Bearer tok"


# ----------------------------------------------------------------------------- e-mail on a real local SMTP server


class Recorder:
    """An aiosmtpd handler: keeps each message; answers 451 (try later) the first ``fail`` times."""

    def __init__(self, fail: int = 0) -> None:
        self.messages: list[bytes] = []
        self.fail = fail
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        with self.lock:
            if self.fail:
                self.fail -= 1
                return "451 4.3.0 try again later"
            self.messages.append(bytes(envelope.content or b""))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder(fail=1)
    with socket.socket() as probe:  # a free port (aiosmtpd checks its server by connecting to the port given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_email_is_sent_over_smtp_with_a_stable_message_id_and_a_451_is_retried(smtp: tuple[Recorder, int]) -> None:
    handler, port = smtp
    settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="engine@crm.example")
    waits: list[float] = []
    out = ActionRunner([EmailConnector(settings)], sleep=waits.append).run(
        req(
            "email",
            "send",
            "i1/notify/1",
            to=["head@crm.example"],
            subject="Лид 17 не обработан за 10 минут",
            body="Лид 17 ждёт звонка.",
        )
    )
    assert out.result.ok and out.attempts == 2 and waits == [2.0]
    (raw,) = handler.messages
    msg = message_from_bytes(raw)
    assert msg["X-Crmflow-Idempotency-Key"] == "i1/notify/1" and msg["Message-ID"] == out.result.response["message_id"]
    assert "Лид 17" in msg.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    bad = EmailConnector(settings).perform(req("email", "send", "k", to="a@b.c\r\nBcc: x@evil", subject="s"))
    assert not bad.ok and not bad.retryable and "one e-mail address" in bad.detail
    down = EmailConnector(NotifySettings(smtp_host="127.0.0.1", smtp_port=1, smtp_from="e@x.y")).perform(
        req("email", "send", "k2", to="a@b.c", subject="s")
    )
    assert not down.ok and down.retryable


# ----------------------------------------------------------------------------- outgoing webhook and bus


def test_outgoing_webhook_is_signed_and_only_goes_to_configured_endpoints() -> None:
    from crmflow.engine.webhooks import WebhookSettings, parse_signed_json

    answers = iter([HttpResponse(503, {}, b"busy"), HttpResponse(202, {}, b"{}")])
    transport = MemoryTransport(lambda r: next(answers))
    settings = NotifySettings(webhook_endpoints={"erp": "https://erp.example/hooks"}, webhook_out_secret=SecretStr("k"))
    runner = ActionRunner([WebhookConnector(settings, transport=transport, clock=lambda: 1_800_000_000)], sleep=lambda s: None)
    out = runner.run(req("webhook", "post", "i1/erp/1", endpoint="erp", event="lead.qualified", payload={"lead_id": "17"}))
    assert out.result.ok and out.attempts == 2
    sent = transport.requests[-1]
    headers = dict(sent.headers)
    assert headers["Idempotency-Key"] == "i1/erp/1" and sent.content is not None
    (event,) = parse_signed_json(sent.content, headers, WebhookSettings(webhook_hmac_secret="k"), clock=lambda: 1_800_000_000)
    assert (event.name, event.dedupe_key, dict(event.keys)) == ("lead.qualified", "json:i1/erp/1", {"lead_id": "17"})
    elsewhere = runner.run(req("webhook", "post", "k", endpoint="http://169.254.169.254/"))
    assert "no endpoint named" in elsewhere.result.detail and len(transport.requests) == 2


class ListPublisher:
    def __init__(self, fail: int = 0) -> None:
        self.sent: list[OutboundMessage] = []
        self.fail = fail

    def publish(self, message: OutboundMessage) -> None:
        if self.fail:
            self.fail -= 1
            raise BusError("NATS: no responders")
        self.sent.append(message)


def test_bus_connector_publishes_with_the_idempotency_key_as_message_id() -> None:
    pub = ListPublisher(fail=1)
    out = ActionRunner([BusConnector(pub)], sleep=lambda s: None).run(
        req("bus", "publish", "i1/pub/1", event="lead.contacted", payload={"lead_id": "17"})
    )
    assert out.result.ok and out.attempts == 2
    assert pub.sent == [OutboundMessage("lead.contacted", "i1/pub/1", {"lead_id": "17"}, "inst-1")]
