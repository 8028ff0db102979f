"""The engine over its durable store, on SQLite and on PostgreSQL: one code path, the same answers."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

import pytest

from crmflow.engine.contracts import CorrelateMessage, StartProcess
from crmflow.engine.routing import Person, Staff
from crmflow.engine.tasks import TaskService
from crmflow.engine.timing import ManualClock
from crmflow.engine.worker import Engine

from .conftest import MemoryConnector, MemoryPublisher

LEAD = files("crmflow.design") / "examples" / "incoming_lead.yaml"
ORDER = files("crmflow.design") / "examples" / "order_payment.yaml"
FRIDAY = datetime(2024, 3, 1, 14, 55, tzinfo=UTC)  # 17:55 in Moscow


def lead(n: int, **variables: Any) -> CorrelateMessage:
    return CorrelateMessage(
        message_name="lead.created",
        correlation_key="lead_id",
        correlation_value=f"L{n}",
        dedupe_key=f"b24:{n}",
        variables=variables,
    )


def make(url: str, **kw: Any) -> tuple[Engine, MemoryConnector, ManualClock]:
    clock = ManualClock(FRIDAY)
    crm = MemoryConnector()
    staff = Staff(
        (
            Person(id="anna", roles=("sales_manager",), skills=("b2b",)),
            Person(id="boris", roles=("sales_manager",), skills=("b2c",)),
            Person(id="head", roles=("head_of_sales",)),
        )
    )
    engine = Engine(url, clock=clock, connectors=[crm], staff=staff, publisher=MemoryPublisher(), **kw)
    engine.deploy(LEAD)
    return engine, crm, clock


def tasks(engine: Engine) -> list[tuple[Any, ...]]:
    return engine.store.q("SELECT business_key, node, assignee, status FROM tasks ORDER BY business_key, created_at, id")


def test_lead_runs_with_dedupe_routing_and_exactly_once_actions(store_url: str) -> None:
    engine, crm, _ = make(store_url)
    assert engine.accept(lead(1, lead={"product_line": "b2b"}))
    assert engine.accept(lead(2, lead={"product_line": "b2c"}))
    assert not engine.accept(lead(1))  # the same delivery again
    engine.run_until_idle()
    assert tasks(engine) == [("L1", "first_contact", "anna", "open"), ("L2", "first_contact", "boris", "open")]
    assert sorted(crm.calls.values()) == [1, 1, 1, 1]  # register + assign per lead, once each
    published = [m.event for m in engine.publisher.messages]  # type: ignore[union-attr]
    assert published.count("lead.assigned") == 2
    # "Assign a manager" chose the rep by its rule; the event says whom (`from: assignee`), and the task went to them
    assigned = {m.payload["lead_id"]: m.payload["manager_id"] for m in engine.publisher.messages if m.event == "lead.assigned"}  # type: ignore[union-attr]
    assert assigned == {"L1": "anna", "L2": "boris"}
    # telephony's call.logged reaches the rep's task through the message named after it
    assert engine.accept(
        CorrelateMessage(
            message_name="first_contact",
            correlation_key="lead_id",
            correlation_value="L1",
            dedupe_key="tel:1",
            variables={"lead": {"reached": True, "qualification": "qualified"}},
        )
    )
    engine.run_until_idle()
    assert ("L1", "qualify", "anna", "open") in tasks(engine)  # the case stays with its rep
    counts = engine.store.counts()
    assert counts["inbox"] == {"done": 3 + 4} and counts["outbox"]["done"] == len(engine.store.q("SELECT id FROM outbox"))


def test_sla_escalation_in_working_time_and_the_engine_log(store_url: str) -> None:
    engine, _, clock = make(store_url)
    engine.accept(lead(1, lead={"product_line": "b2b"}))
    engine.run_until_idle()
    (due,) = engine.store.q("SELECT due_at FROM tasks WHERE node = 'first_contact'")[0]
    assert datetime.fromtimestamp(due, UTC) == datetime(2024, 3, 4, 6, 5, tzinfo=UTC)  # Monday 09:05 Moscow
    clock.set(datetime(2024, 3, 4, 6, 5, tzinfo=UTC))
    engine.run_until_idle()
    assert ("L1", "first_contact", "anna", "cancelled") in tasks(engine)
    clock.advance(2 * 3600)
    engine.run_until_idle()
    assert ("L1", "first_contact_10m_l1_a1", "anna", "open") in tasks(engine)
    events = engine.store.q("SELECT node, lifecycle, resource FROM events WHERE business_key = 'L1' ORDER BY id")
    assert ("first_contact", "start", "anna") in events and ("first_contact", "complete", "anna") not in events


def test_parked_message_is_kept_and_delivered_when_its_instance_waits(store_url: str) -> None:
    engine, _, _ = make(store_url)
    engine.deploy(ORDER)
    payment = CorrelateMessage(
        message_name="payment.received",
        correlation_key="order_id",
        correlation_value="O-1",
        dedupe_key="bank:1",
        variables={"order": {"paid_amount": 100}},
    )
    engine.accept(payment)  # before the order exists
    engine.run_until_idle()
    assert engine.store.counts()["parked"] == {"parked": 1}
    assert engine.store.q("SELECT status, detail FROM inbox")[0][0] == "parked"
    engine.accept(
        CorrelateMessage(
            message_name="order.placed",
            correlation_key="order_id",
            correlation_value="O-1",
            dedupe_key="shop:1",
            variables={"order": {"amount": 100}},
        )
    )
    for _ in range(5):
        engine.run_until_idle()
        open_ = engine.store.q("SELECT id FROM tasks WHERE status = 'open'")
        for (task_id,) in open_:
            TaskService(engine).complete(task_id, {})
    assert engine.store.counts()["parked"] == {"parked": 0}
    statuses = dict(engine.store.q("SELECT dedupe_key, status FROM inbox WHERE dedupe_key IN ('bank:1', 'shop:1')"))
    assert statuses == {"bank:1": "done", "shop:1": "done"}


def test_failed_actions_become_incidents_and_retry_sends_them_again(store_url: str) -> None:
    engine, crm, clock = make(store_url, max_attempts=2)
    crm.fail = 2
    engine.accept(lead(1))
    engine.run_until_idle()
    clock.advance(10)
    engine.run_until_idle()
    (incident_id, kind, status, detail) = engine.store.q("SELECT id, kind, status, detail FROM incidents")[0]
    assert (kind, status) == ("action", "open") and "crm.register_lead" in detail and "HTTP 503" in detail
    assert engine.retry(int(incident_id))
    engine.run_until_idle()
    assert engine.store.q("SELECT status FROM incidents") == [("resolved",)]
    assert ("L1", "first_contact", "anna", "open") in [t[:2] + ("anna", t[3]) for t in tasks(engine)]
    assert len(crm.calls) == 2 and crm.calls[next(iter(crm.calls))] == 3  # register: 2 failures + 1, same key


def test_unknown_process_start_is_kept_as_failed_not_dropped(store_url: str) -> None:
    engine, _, _ = make(store_url)
    engine.accept(StartProcess(process_id="nope", business_key="X", dedupe_key="x1"))
    engine.run_until_idle()
    status, detail = engine.store.q("SELECT status, detail FROM inbox")[0]
    assert status == "failed" and "no deployed process `nope`" in detail


def test_restart_reads_deployments_back(store_url: str) -> None:
    engine, _, clock = make(store_url)
    engine.accept(lead(1))
    engine.run_until_idle()
    engine.store.close()
    again = Engine(store_url, clock=clock, connectors=[MemoryConnector()])
    again.accept(
        CorrelateMessage(
            message_name="first_contact",
            correlation_key="lead_id",
            correlation_value="L1",
            dedupe_key="t",
            variables={"lead": {"reached": True}},
        )
    )
    again.run_until_idle()
    assert again.store.q("SELECT node, status FROM tasks WHERE node = 'qualify'") == [("qualify", "open")]


@pytest.mark.parametrize("n", [120])
def test_group_commit_handles_many_events_per_transaction(store_url: str, n: int) -> None:
    engine, crm, _ = make(store_url, batch=50)
    assert engine.store.accept_many([lead(i) for i in range(n)]) == n
    rounds = engine.run_until_idle()
    assert rounds < n  # many events per transaction
    assert engine.store.counts()["tasks"] == {"open": n}
    assert len(crm.calls) == 2 * n and set(crm.calls.values()) == {1}


def test_timer_start_event_starts_instances_on_its_cycle(store_url: str) -> None:
    from crmflow.bpmn.model import Definitions, Event, EventDefinition, Process, SequenceFlow, Task

    clock = ManualClock(FRIDAY)
    engine = Engine(store_url, clock=clock)
    tick = Event(id="tick", definitions=(EventDefinition(kind="timer", timer="timeCycle", expression="R2/PT1H"),))
    nodes = (tick, Task(id="review", name="Review the stale leads", kind="userTask"), Event(id="e", position="end"))
    links = (SequenceFlow(id="f1", source="tick", target="review"), SequenceFlow(id="f2", source="review", target="e"))
    engine.deploy(Definitions(id="D", processes=(Process(id="daily", nodes=nodes, flows=links),)))
    engine.run_until_idle()
    assert engine.store.q("SELECT COUNT(*) FROM instances")[0][0] == 0
    for _ in range(3):
        clock.advance(3600)
        engine.run_until_idle()
    keys = [r[0] for r in engine.store.q("SELECT business_key FROM instances ORDER BY business_key")]
    assert keys == ["tick@2024-03-01T15:55:00+00:00", "tick@2024-03-01T16:55:00+00:00"]  # R2: two, then no more
    assert engine.store.q("SELECT COUNT(*) FROM timers")[0][0] == 0
