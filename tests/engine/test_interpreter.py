"""The interpreter on small models: gateways, boundary events, sub-processes, end events (no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crmflow.engine.deploy import ExecutableProcess, deploy
from crmflow.engine.effects import new_state
from crmflow.engine.interpreter import Run

from .models import catch_message, end, flows, gateway, model, start, sub, task, timer

T0 = datetime(2024, 3, 4, 7, 0, tzinfo=UTC)


class Driver:
    """Steps one instance and remembers what is open."""

    def __init__(self, process: ExecutableProcess, **variables: Any) -> None:
        self.p, self.state, self.now = process, new_state(), T0
        self.log: list[tuple[str, str]] = []
        self.actions: list[str] = []
        self.incidents: list[str] = []
        self.step(lambda r: r.start(process.start or "", variables))

    def step(self, fn: Any) -> Run:
        run = Run(self.p, "i", "K", self.state, self.now)
        fn(run)
        self.log += [(e.node, e.lifecycle) for e in run.effects.log]
        self.actions += [a.element_id for a in run.effects.actions]
        self.incidents += [kind for _, kind, _ in run.effects.incidents]
        return run

    def waiting(self) -> dict[str, str]:
        return {tok["node"]: tok["wait"] for tok in self.state["tokens"].values()}

    def complete(self, node: str, **variables: Any) -> None:
        token = next(t for t, tok in self.state["tokens"].items() if tok["node"] == node)
        assert self.step(lambda r: r.complete(token, variables))

    def message(self, node: str, **variables: Any) -> None:
        token = next(t for t, tok in self.state["tokens"].items() if node in tok.get("subs", ()))
        assert self.step(lambda r: r.deliver(token, node, variables))

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        due = sorted((t["due"], tid) for tid, t in self.state["timers"].items() if t["due"] <= self.now.timestamp())
        for _, tid in due:
            self.step(lambda r, tid=tid: r.fire(tid))

    @property
    def status(self) -> str:
        return str(self.state["status"])


def test_parallel_split_and_join() -> None:
    p = deploy(
        model(
            [start(), gateway("split", "parallel"), task("a"), task("b"), gateway("join", "parallel"), task("c"), end()],
            flows(("start", "split"), ("split", "a"), ("split", "b"), ("a", "join"), ("b", "join"), ("join", "c"), ("c", "end")),
        )
    ).process()
    d = Driver(p)
    assert d.waiting() == {"a": "task", "b": "task"}
    d.complete("a")
    assert d.waiting() == {"b": "task", "join": "join"}
    d.complete("b")
    assert d.waiting() == {"c": "task"}
    d.complete("c")
    assert d.status == "completed" and not d.state["joins"]


def test_inclusive_split_joins_only_the_branches_taken() -> None:
    p = deploy(
        model(
            [start(), gateway("split", "inclusive"), task("a"), task("b"), task("c"), gateway("join", "inclusive"), end()],
            flows(
                ("start", "split"),
                ("split", "a", "x > 1"),
                ("split", "b", "x > 5"),
                ("split", "c", "x > 10"),
                ("a", "join"),
                ("b", "join"),
                ("c", "join"),
                ("join", "end"),
            ),
        )
    ).process()
    d = Driver(p, x=7)
    assert d.waiting() == {"a": "task", "b": "task"}
    d.complete("b")
    assert d.waiting() == {"a": "task", "join": "join"}  # a can still reach the join
    d.complete("a")
    assert d.status == "completed"


def test_exclusive_without_a_holding_branch_is_an_incident_and_the_token_stays() -> None:
    p = deploy(
        model(
            [start(), gateway("gw"), task("a"), end()],
            flows(("start", "gw"), ("gw", "a", 'lead.source == "web"'), ("a", "end")),
        )
    ).process()
    d = Driver(p, lead={"source": "phone"})
    assert d.incidents == ["no_branch"] and d.waiting() == {"gw": "incident"}


def test_event_based_gateway_first_event_wins() -> None:
    nodes = [
        start(),
        gateway("eb", "eventBased"),
        catch_message("paid", "Message_payment"),
        timer("three_days", "P3D"),
        task("ship"),
        task("remind"),
        end("e1"),
        end("e2"),
    ]
    links = flows(
        ("start", "eb"),
        ("eb", "paid"),
        ("eb", "three_days"),
        ("paid", "ship"),
        ("three_days", "remind"),
        ("ship", "e1"),
        ("remind", "e2"),
    )
    p = deploy(model(nodes, links, messages=("payment",))).process()
    d = Driver(p)
    assert len(d.state["timers"]) == 1 and d.waiting() == {"eb": "event"}
    d.message("paid", amount=10)
    assert d.waiting() == {"ship": "task"} and not d.state["timers"]  # the timer was dropped
    d2 = Driver(p)
    d2.advance(3 * 86400)
    assert d2.waiting() == {"remind": "task"}
    assert not d2.state["tokens"][next(iter(d2.state["tokens"]))].get("subs")


def test_interrupting_and_non_interrupting_boundary_timers() -> None:
    nodes = [
        start(),
        task("call"),
        timer("remind", "R2/PT1H", kind="timeCycle", attached_to="call", interrupting=False),
        timer("sla", "PT4H", attached_to="call"),
        task("notify", "sendTask"),
        task("escalate"),
        end("e1"),
        end("e2"),
        end("e3"),
    ]
    links = flows(
        ("start", "call"), ("call", "e1"), ("remind", "notify"), ("notify", "e2"), ("sla", "escalate"), ("escalate", "e3")
    )
    p = deploy(model(nodes, links)).process()
    d = Driver(p)
    d.advance(3600)
    d.advance(3600)
    d.advance(3600)  # a cycle of two reminders: no third
    assert [n for n, lc in d.log if n == "notify" and lc == "complete"] == ["notify", "notify"]
    assert d.waiting() == {"call": "task"}
    d.advance(3600)
    assert d.waiting() == {"escalate": "task"} and not d.state["timers"]


def test_message_boundary_interrupts_the_task() -> None:
    nodes = [
        start(),
        task("wait_docs"),
        catch_message("cancelled", "Message_cancel", attached_to="wait_docs"),
        end("e1"),
        end("e2"),
    ]
    p = deploy(
        model(nodes, flows(("start", "wait_docs"), ("wait_docs", "e1"), ("cancelled", "e2")), messages=("cancel",))
    ).process()
    d = Driver(p)
    d.message("cancelled")
    assert d.status == "completed" and ("wait_docs", "complete") not in d.log


def test_sub_process_error_end_caught_by_a_boundary() -> None:
    from crmflow.bpmn.model import Event, EventDefinition

    inner = sub(
        "check",
        [start("s1"), task("verify"), gateway("ok"), end("fine"), end("bad", "error", "Error_rejected")],
        flows(("s1", "verify"), ("verify", "ok"), ("ok", "fine", "approved == true"), ("ok", "bad", "approved == false")),
    )
    caught = Event(
        id="on_reject",
        position="boundary",
        attached_to="check",
        definitions=(EventDefinition(kind="error", ref="Error_rejected"),),
    )
    p = deploy(
        model(
            [start(), inner, caught, task("archive"), task("rework"), end("e1"), end("e2")],
            flows(("start", "check"), ("check", "archive"), ("on_reject", "rework"), ("archive", "e1"), ("rework", "e2")),
            errors=("rejected",),
        )
    ).process()
    ok = Driver(p)
    ok.complete("verify", approved=True)
    assert ok.waiting() == {"archive": "task"} and ("verify", "complete") in ok.log  # left through its normal end
    bad = Driver(p)
    bad.complete("verify", approved=False)
    assert bad.waiting() == {"rework": "task"} and ("archive", "start") not in bad.log


def test_uncaught_error_fails_the_instance() -> None:
    p = deploy(model([start(), end("boom", "error", "Error_x")], flows(("start", "boom")), errors=("x",))).process()
    d = Driver(p)
    assert d.status == "failed" and d.incidents == ["uncaught_error"]


def test_terminate_end_cancels_the_other_branches() -> None:
    p = deploy(
        model(
            [start(), gateway("split", "parallel"), task("a"), task("b"), end("stop", "terminate"), end("e")],
            flows(("start", "split"), ("split", "a"), ("split", "b"), ("a", "stop"), ("b", "e")),
        )
    ).process()
    d = Driver(p)
    run = d.step(lambda r: r.complete(next(t for t, tok in d.state["tokens"].items() if tok["node"] == "a"), {}))
    assert d.status == "completed" and not d.state["tokens"]
    assert [s for _, s, _ in run.effects.tasks_close] == ["done", "cancelled"]


def test_service_task_waits_for_its_connector() -> None:
    p = deploy(model([start(), task("crm", "serviceTask"), end()], flows(("start", "crm"), ("crm", "end")))).process()
    d = Driver(p)
    assert d.actions == ["crm"] and d.waiting() == {"crm": "action"}
    d.complete("crm", crm={"id": 5})
    assert d.status == "completed" and d.state["vars"]["crm"] == {"id": 5}


def test_incoming_lead_sla_chain_in_working_time() -> None:
    from importlib.resources import files

    from crmflow.engine.deploy import deploy_file

    p = deploy_file(files("crmflow.design") / "examples" / "incoming_lead.yaml").process()
    d = Driver.__new__(Driver)
    d.p, d.state, d.log, d.actions, d.incidents = p, new_state(), [], [], []
    d.now = datetime(2024, 3, 1, 17, 55, tzinfo=ZoneInfo("Europe/Moscow"))  # Friday 17:55
    d.step(lambda r: r.start("lead_received", {"lead": {"source": "partner"}}))
    d.complete("register_lead")
    d.complete("assign_lead")
    (timer_,) = d.state["timers"].values()
    assert datetime.fromtimestamp(timer_["due"], UTC) == datetime(2024, 3, 4, 6, 5, tzinfo=UTC)  # Monday 09:05 MSK
    d.advance(3 * 86400)  # Monday 17:55: the SLA has fired, the retry wait (2 working hours) is armed
    assert d.waiting() == {"first_contact_10m_l1_wait": "timer"}
    d.advance(17 * 3600 - 60)  # Tuesday 10:54: one minute short of 2 working hours (5 min Monday, 1 h 55 min Tuesday)
    assert d.waiting() == {"first_contact_10m_l1_wait": "timer"}
    d.advance(60)
    assert d.waiting() == {"first_contact_10m_l1_a1": "task"}
    d.complete("first_contact_10m_l1_a1", lead={"reached": True})
    assert d.waiting() == {"qualify": "task"}
