"""Periodic alert evaluation: once per breach across ticks and workers, acknowledge, re-open; the ASGI
lifespan; delivery over the engine's bus (the real NATS JetStream on 127.0.0.1:4222)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crmflow.engine.bus import AsyncApiValidator
from crmflow.errors import BusMessageError
from crmflow.web.alert_delivery import ALERT_ASYNCAPI, ALERT_EVENT, BusNotifier, FanoutNotifier, alert_message
from crmflow.web.alert_schedule import AlertScheduler, EvaluationLease
from crmflow.web.alerts import Alert, Alerts, MemoryNotifier, notifier_from_env
from crmflow.web.app import AppConfig, create_app
from crmflow.web.tasks import InMemoryTaskService
from tests.engine.test_bus import _drop_stream, nats_server  # noqa: F401 - the fixture (starts NATS when it is down)
from tests.web.helpers import Site

STUCK = {"id": "stuck", "kind": "stuck", "hours": 1, "threshold": 0}


def _scheduler(site: Site, notifier: MemoryNotifier, *, interval_s: float = 60) -> AlertScheduler:
    alerts: Alerts = site.app.state.alerts
    alerts.notifier = notifier
    return AlertScheduler(alerts, interval_s=interval_s)


def test_a_breach_is_delivered_once_across_ticks_acknowledged_stays_closed_and_reopens_after_recovery(site: Site) -> None:
    site.app.state.workspace.create("crm")
    site.app.state.workspace.create("quiet")  # a project without rules is skipped
    alerts: Alerts = site.app.state.alerts
    alerts.set_rule("crm", STUCK)
    memory = MemoryNotifier()
    sched = _scheduler(site, memory)
    t0 = datetime.now(UTC) + timedelta(hours=2)  # the site's four open tasks are 2 h old by then

    tick = sched.run_once(t0)
    assert tick is not None and set(tick.evaluations) == {"crm"} and len(tick.raised) == 1
    assert [a.rule for a in memory.delivered] == ["stuck"] and memory.delivered[0].value == 4
    assert sched.run_once(t0 + timedelta(seconds=10)) is None  # within the interval: no evaluation at all
    tick = sched.run_once(t0 + timedelta(minutes=1))
    assert tick is not None and tick.raised == [] and tick.evaluations["crm"][0].breached  # still breached, not again
    assert len(memory.delivered) == 1

    alerts.acknowledge(memory.delivered[0].id, "olga")
    tick = sched.run_once(t0 + timedelta(minutes=2))
    assert tick is not None and tick.evaluations["crm"][0].breached and tick.raised == []  # acknowledged: not re-raised
    assert len(memory.delivered) == 1 and len(alerts.log("crm")) == 1

    tasks: InMemoryTaskService = site.tasks
    for t in tasks.list_tasks():  # the work gets done: the rule recovers
        if not t.assignee:
            tasks.claim(t.id, "anna")
        tasks.complete(t.id, t.assignee or "anna", {})
    tick = sched.run_once(t0 + timedelta(minutes=3))
    assert tick is not None and tick.evaluations["crm"][0].value == 0 and not tick.evaluations["crm"][0].breached
    tasks.add_task("Qualify", process="incoming-lead", business_key="L-9", candidate_group="north")
    tick = sched.run_once(t0 + timedelta(minutes=4))  # a new task, 2 h old by then: the rule re-opens
    assert tick is not None and len(tick.raised) == 1
    assert [a.value for a in memory.delivered] == [4, 1] and "L-9" in memory.delivered[1].detail
    assert [a.acknowledged_by for a in alerts.log("crm")] == [None, "olga"]


def test_one_evaluation_at_a_time_across_workers(site: Site) -> None:
    site.app.state.workspace.create("crm")
    site.app.state.alerts.set_rule("crm", STUCK)
    memory = MemoryNotifier()
    # two workers of the app: their own Alerts and lease over the same data folder
    workers = [AlertScheduler(Alerts(site.data, site.app.state.workspace, site.tasks, memory), interval_s=60) for _ in range(4)]
    at = datetime.now(UTC) + timedelta(hours=2)
    ticks: list[object] = []
    barrier = threading.Barrier(len(workers))

    def run(s: AlertScheduler) -> None:
        barrier.wait()
        ticks.append(s.run_once(at))

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(t is not None for t in ticks) == 1
    assert len(memory.delivered) == 1
    # the next interval: whichever worker comes first evaluates, the others skip; still one alert (open)
    later = [w.run_once(at + timedelta(minutes=1)) for w in workers]
    assert sum(t is not None for t in later) == 1 and len(memory.delivered) == 1


def test_a_crashed_holder_leaves_the_lease_to_expire(tmp_path: Path) -> None:
    path = tmp_path / "alerts.sqlite"
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    dead = EvaluationLease(path, holder="dead", ttl_s=120)
    assert dead.acquire(now, interval_s=60)  # and never released
    other = EvaluationLease(path, holder="other", ttl_s=120)
    assert not other.acquire(now + timedelta(seconds=90), interval_s=60)
    assert other.acquire(now + timedelta(seconds=121), interval_s=60)


def test_the_app_lifespan_runs_the_scheduler(tmp_path: Path) -> None:
    memory = MemoryNotifier()
    tasks = InMemoryTaskService()
    three_hours_ago = datetime.now(UTC) - timedelta(hours=3)
    tasks.add_task("Call the lead", process="p", business_key="L-1", candidate_group="north", created=three_hours_ago)
    app = create_app(AppConfig(data_dir=tmp_path / "web", secret=b"s" * 32, tasks=tasks, notifier=memory, alert_interval_s=0.2))
    app.state.workspace.create("crm")
    app.state.alerts.set_rule("crm", STUCK)
    with TestClient(app):
        for _ in range(100):
            if memory.delivered:
                break
            time.sleep(0.05)
        time.sleep(0.6)  # a few more ticks
        scheduler: AlertScheduler = app.state.alert_scheduler
        assert len(scheduler.ticks) >= 2
    assert [a.rule for a in memory.delivered] == ["stuck"]
    assert scheduler._task is None  # stopped with the app
    off = create_app(AppConfig(data_dir=tmp_path / "off", secret=b"s" * 32, alert_interval_s=0))
    assert off.state.alert_scheduler is None


def test_notifiers_from_the_environment_and_the_fanout() -> None:
    n = notifier_from_env({"CRMFLOW_ALERT_BUS_URL": "nats://127.0.0.1:4222", "CRMFLOW_ALERT_WEBHOOK": "http://127.0.0.1:9/hook"})
    assert isinstance(n, FanoutNotifier) and [type(x).__name__ for x in n.notifiers] == ["BusNotifier", "WebhookNotifier"]
    assert isinstance(notifier_from_env({"CRMFLOW_ALERT_BUS_URL": "nats://h:4222"}), BusNotifier)

    class Broken:
        def deliver(self, alert: Alert) -> None:
            raise OSError("down")

    memory = MemoryNotifier()
    alert = Alert(1, "crm", "stuck", "stuck", 4.0, 0.0, "4 open task(s)", "2026-12-07T12:00:00+00:00")
    with pytest.raises(RuntimeError, match="Broken: down"):
        FanoutNotifier([Broken(), memory]).deliver(alert)
    assert memory.delivered == [alert]  # the second channel still got it


def test_the_alert_message_matches_its_asyncapi_contract() -> None:
    v = AsyncApiValidator(ALERT_ASYNCAPI)
    alert = Alert(7, "crm", "cycle", "kpi", 5.5, 3.0, "median_cycle_s", "2026-12-07T12:00:00+00:00")
    msg = alert_message(alert)
    assert msg.event == ALERT_EVENT and msg.message_id == "alert/crm/7/2026-12-07T12:00:00+00:00"
    v.validate(msg.event, msg.payload)
    with pytest.raises(BusMessageError) as exc:
        v.validate(msg.event, {**msg.payload, "kind": "nope"})
    assert exc.value.field == "kind"


async def _stream(url: str, stream: str, subject: str) -> list[tuple[dict[str, object], str | None]]:
    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, durable=None, stream=stream)
        try:
            msgs = await sub.fetch(10, timeout=2)
        except Exception:  # noqa: BLE001 - nats.errors.TimeoutError: nothing there
            msgs = []
        return [(json.loads(m.data), (m.headers or {}).get("Nats-Msg-Id")) for m in msgs]
    finally:
        await nc.close()


def test_periodic_alerts_are_delivered_over_the_engines_bus_once(site: Site, nats_server: str) -> None:  # noqa: F811
    stream = f"h13b_alerts_{uuid.uuid4().hex[:8]}"
    prefix = f"{stream}."
    bus = BusNotifier(nats_server, prefix=prefix, stream=stream)
    try:
        site.app.state.workspace.create("crm")
        alerts: Alerts = site.app.state.alerts
        alerts.set_rule("crm", STUCK)
        alerts.notifier = bus
        sched = AlertScheduler(alerts, interval_s=60)
        t0 = datetime.now(UTC) + timedelta(hours=2)
        for k in range(3):  # three ticks of a rule that stays breached
            assert sched.run_once(t0 + timedelta(minutes=k)) is not None
        assert alerts.delivery_errors == []
        (alert,) = alerts.log("crm")
        bus.deliver(alert)  # a repeated delivery of the same alert: JetStream drops it by its message id
        got = asyncio.run(_stream(nats_server, stream, prefix + ALERT_EVENT))
        assert len(got) == 1
        payload, mid = got[0]
        assert payload["id"] == alert.id and payload["rule"] == "stuck" and payload["value"] == 4
        assert payload["project"] == "crm" and "L-1" in str(payload["detail"])
        assert mid == alert_message(alert).message_id
    finally:
        bus.close()
        asyncio.run(_drop_stream(nats_server, stream))
