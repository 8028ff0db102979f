"""The bus: AsyncAPI validation of every published message, FastStream test brokers, and the real NATS JetStream."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import uuid
from importlib.resources import files
from typing import Any

import pytest
import yaml
from faststream.nats import NatsBroker, TestNatsBroker
from faststream.rabbit import RabbitBroker, TestRabbitBroker
from faststream.redis import RedisBroker, TestRedisBroker

from crmflow.deliverables.asyncapi import asyncapi_yaml
from crmflow.design.loader import load_tobe
from crmflow.engine.bus import AsyncApiValidator, AsyncBusPublisher, BusPublisher, broker_kind, subscribe_inbound
from crmflow.engine.contracts import CorrelateMessage, OutboundMessage
from crmflow.engine.triggers import MemoryInbox, MemoryParkedEvents, read_triggers_text
from crmflow.errors import BusError, BusMessageError

from .triggers_fixture import TABLE

EXAMPLES = sorted(p.name for p in (files("crmflow.design") / "examples").iterdir() if p.name.endswith(".yaml"))
TOBE = load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml")
CONTACTED = {"lead_id": "17", "contacted_at": "2026-12-07T10:03:00+03:00", "minutes_to_contact": 3}

SAMPLE = {"string": "x", "integer": 3, "number": 2.5, "boolean": True, "object": {}, "array": []}
FORMATS = {"date-time": "2026-12-07T10:03:00+03:00", "date": "2026-12-07", "duration": "PT10M"}


def sample(schema: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, prop in schema["properties"].items():
        out[name] = FORMATS.get(prop.get("format", ""), SAMPLE[prop["type"]])
    return out


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_validator_is_built_from_the_yaml_the_pack_writes_and_accepts_valid_payloads(example: str) -> None:
    tobe = load_tobe(files("crmflow.design") / "examples" / example)
    document = yaml.safe_load(asyncapi_yaml(tobe, lang="ru"))  # the asyncapi.yaml of `crmflow pack`
    validator = AsyncApiValidator(document)
    assert validator.events and set(validator.events) == {c["address"] for c in document["channels"].values()}
    for channel in document["channels"].values():
        (ref,) = channel["messages"].values()
        key = ref["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][f"{key}_payload"]
        validator.validate(channel["address"], sample(schema))
        if schema.get("required"):
            first = schema["required"][0]
            with pytest.raises(BusMessageError) as err:
                validator.validate(channel["address"], {k: v for k, v in sample(schema).items() if k != first})
            assert err.value.field == first


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({**CONTACTED, "lead_id": 17}, "lead_id", "is not of type 'string'"),
        ({k: v for k, v in CONTACTED.items() if k != "contacted_at"}, "contacted_at", "is a required property"),
        ({**CONTACTED, "contacted_at": "07.12.2026 10:03"}, "contacted_at", "is not a 'date-time'"),
        ({**CONTACTED, "contacted_at": "2026-12-07T10:03:00"}, "contacted_at", "is not a 'date-time'"),
        ({**CONTACTED, "minutes_to_contact": "3"}, "minutes_to_contact", "is not of type 'number'"),
    ],
)
def test_a_wrong_payload_is_refused_with_the_field_named(payload: dict[str, Any], field: str, words: str) -> None:
    validator = AsyncApiValidator.for_model(TOBE)
    with pytest.raises(BusMessageError) as err:
        validator.validate("lead.contacted", payload)
    assert err.value.field == field and words in str(err.value) and err.value.event == "lead.contacted"
    ru = AsyncApiValidator.for_model(TOBE, lang="ru")
    with pytest.raises(BusMessageError, match="поле"):
        ru.validate("lead.contacted", payload)


def test_an_event_outside_the_document_is_refused() -> None:
    with pytest.raises(BusMessageError, match="lead.contacted, lead.created"):
        AsyncApiValidator.for_model(TOBE).validate("lead.teleported", {})
    with pytest.raises(BusError, match="not an AsyncAPI 3"):
        AsyncApiValidator({"asyncapi": "2.6.0"})


def test_broker_by_scheme() -> None:
    assert [broker_kind(u) for u in ("nats://h:4222", "redis://h:6379", "amqp://g:g@h/", "kafka://a:9092,b:9092")] == [
        "nats",
        "redis",
        "rabbit",
        "kafka",
    ]
    with pytest.raises(BusError, match="mqtt"):
        broker_kind("mqtt://h:1883")


# ----------------------------------------------------------------------------- FastStream's in-memory brokers


@pytest.mark.parametrize(
    ("kind", "make", "tester"),
    [("nats", NatsBroker, TestNatsBroker), ("redis", RedisBroker, TestRedisBroker), ("rabbit", RabbitBroker, TestRabbitBroker)],
)
def test_publish_validates_then_reaches_a_subscriber_and_inbound_reaches_the_inbox(kind: str, make: Any, tester: Any) -> None:
    broker = make()
    received: list[tuple[bytes, dict[str, Any]]] = []
    inbox, sink = MemoryInbox(), MemoryParkedEvents()
    subscribe_inbound(broker, ["call.logged", "junk"], read_triggers_text(TABLE, where="t"), inbox, sink, kind=kind, prefix="t.")

    def listen(channel: str) -> Any:
        if kind == "redis":
            return broker.subscriber(stream=channel)
        return broker.subscriber(channel)

    @listen("t.lead.contacted")
    async def got(body: Any) -> None:
        received.append((body, {}))

    async def scenario() -> None:
        async with tester(broker) as br:
            pub = AsyncBusPublisher(br, kind=kind, validator=AsyncApiValidator.for_model(TOBE), prefix="t.")
            await pub.publish(OutboundMessage("lead.contacted", "m-1", CONTACTED, "inst-1"))
            with pytest.raises(BusMessageError):
                await pub.publish(OutboundMessage("lead.contacted", "m-2", {**CONTACTED, "lead_id": 17}))
            raw = AsyncBusPublisher(br, kind=kind, validator=None, prefix="t.")
            await raw.publish(OutboundMessage("call.logged", "call-9", {"phone": "8 916 123-45-67", "duration": 61}))
            if kind == "nats":
                await br.publish(b"not json", "t.junk")

    asyncio.run(scenario())
    assert len(received) == 1  # the invalid one never left
    (cmd,) = inbox.commands
    assert isinstance(cmd, CorrelateMessage) and cmd.correlation_value == "+79161234567"
    assert cmd.dedupe_key == "bus:call-9/call_logged" and cmd.variables["duration_s"] == 61
    if kind == "nats":
        (parked,) = sink.items
        assert parked.reason == "malformed" and parked.event.payload["raw"] == "not json"


# ----------------------------------------------------------------------------- the real NATS JetStream


def _nats_up() -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", 4222)) == 0


@pytest.fixture(scope="module")
def nats_server() -> str:
    if not _nats_up() and shutil.which("start-stop-daemon") and shutil.which("nats-server"):
        subprocess.run(
            [
                "start-stop-daemon",
                "--start",
                "--oknodo",
                "--background",
                "--exec",
                "/usr/sbin/nats-server",
                "--",
                "-a",
                "127.0.0.1",
                "-p",
                "4222",
                "-js",
                "-sd",
                "/var/lib/nats-server",
                "-l",
                "/var/log/nats-server.log",
            ],
            check=False,
        )
        for _ in range(50):
            if _nats_up():
                break
            time.sleep(0.1)
    if not _nats_up():
        pytest.skip("NATS is not running on 127.0.0.1:4222 and could not be started")
    return "nats://127.0.0.1:4222"


async def _stream_messages(url: str, stream: str) -> int:
    import nats

    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(stream)
        return int(info.state.messages)
    finally:
        await nc.close()


async def _drop_stream(url: str, stream: str) -> None:
    import nats

    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(stream)
    except Exception:  # noqa: BLE001 - not there
        pass
    finally:
        await nc.close()


def test_jetstream_drops_a_republished_message_id(nats_server: str) -> None:
    stream = f"i12b_out_{uuid.uuid4().hex[:8]}"
    prefix = f"{stream}."
    try:
        with BusPublisher(nats_server, validator=AsyncApiValidator.for_model(TOBE), prefix=prefix, stream=stream) as pub:
            message = OutboundMessage("lead.contacted", f"inst-1/notify/{uuid.uuid4().hex}", CONTACTED, "inst-1")
            pub.publish(message)
            pub.publish(message)  # the relay crashed before marking it sent and sends it again
            pub.publish(OutboundMessage("lead.contacted", "other-id-" + uuid.uuid4().hex, CONTACTED, "inst-2"))
            with pytest.raises(BusMessageError):
                pub.publish(OutboundMessage("lead.contacted", "bad", {**CONTACTED, "minutes_to_contact": "many"}))
        assert asyncio.run(_stream_messages(nats_server, stream)) == 2
    finally:
        asyncio.run(_drop_stream(nats_server, stream))


def test_a_call_logged_on_jetstream_reaches_the_inbox_once(nats_server: str) -> None:
    stream = f"i12b_in_{uuid.uuid4().hex[:8]}"
    prefix = f"{stream}."
    inbox, sink = MemoryInbox(), MemoryParkedEvents()

    async def scenario() -> None:
        import nats
        from nats.js.api import StreamConfig

        nc = await nats.connect(nats_server)
        await nc.jetstream().add_stream(StreamConfig(name=stream, subjects=[f"{prefix}>"]))
        broker = NatsBroker(nats_server, logger=None)
        subscribe_inbound(
            broker,
            ["call.logged"],
            read_triggers_text(TABLE, where="t"),
            inbox,
            sink,
            kind="nats",
            prefix=prefix,
            stream=stream,
            durable="i12b",
        )
        await broker.start()
        try:
            for _ in range(2):  # telephony sends the same call twice (same Nats-Msg-Id): JetStream keeps one
                await nc.jetstream().publish(
                    f"{prefix}call.logged", b'{"phone": "+7 916 123-45-67", "duration": 30}', headers={"Nats-Msg-Id": "call-777"}
                )
            for _ in range(100):  # wait for the subscriber (no timing is asserted)
                if inbox.commands:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
        finally:
            await broker.stop()
            await nc.jetstream().delete_stream(stream)
            await nc.close()

    asyncio.run(scenario())
    (cmd,) = inbox.commands
    assert isinstance(cmd, CorrelateMessage) and (cmd.correlation_value, cmd.dedupe_key) == (
        "+79161234567",
        "bus:call-777/call_logged",
    )


def test_the_publisher_reads_its_broker_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMFLOW_BUS_URL", "redis://127.0.0.1:6379")
    monkeypatch.setenv("CRMFLOW_BUS_PREFIX", "i12b_env.")
    pub = BusPublisher.from_env(AsyncApiValidator.for_model(TOBE))
    try:
        assert (pub.kind, pub.stream, pub._inner.prefix) == ("redis", None, "i12b_env.")
    finally:
        pub.close()


def _redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


def test_real_redis_stream_receives_the_validated_message() -> None:
    if not _redis_up() and shutil.which("redis-server"):
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"], check=False)
        time.sleep(0.5)
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import redis

    prefix = f"i12b_{uuid.uuid4().hex[:8]}."
    r = redis.Redis(host="127.0.0.1", port=6379)
    try:
        with BusPublisher("redis://127.0.0.1:6379", validator=AsyncApiValidator.for_model(TOBE), prefix=prefix) as pub:
            pub.publish(OutboundMessage("lead.contacted", "m-redis-1", CONTACTED, "inst-1"))
            with pytest.raises(BusMessageError):
                pub.publish(OutboundMessage("lead.contacted", "m-redis-2", {"lead_id": "17"}))
        entries = r.xrange(f"{prefix}lead.contacted")
        assert len(entries) == 1 and b"minutes_to_contact" in b"".join(v for _, f in entries for v in f.values())
    finally:
        r.delete(f"{prefix}lead.contacted")
        r.close()


def test_an_unreachable_broker_is_a_retryable_bus_error_without_the_password() -> None:
    pub = BusPublisher("redis://user:secretpw@127.0.0.1:1", validator=AsyncApiValidator.for_model(TOBE), timeout_s=2)
    try:
        with pytest.raises(BusError) as err:
            pub.publish(OutboundMessage("lead.contacted", "m-down", CONTACTED, "inst-1"))
        assert not isinstance(err.value, BusMessageError) and "secretpw" not in str(err.value)
        with pytest.raises(BusError):  # a second try after the failure is possible (the relay retries)
            pub.publish(OutboundMessage("lead.contacted", "m-down", CONTACTED, "inst-1"))
    finally:
        pub.close()
