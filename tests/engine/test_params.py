"""A service task's connector parameters computed from the instance's variables (``{expr: …}`` in the run file)."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from crmflow.engine.contracts import CorrelateMessage
from crmflow.engine.params import compile_params, resolve_params
from crmflow.engine.service import read_run_file
from crmflow.engine.timing import ManualClock
from crmflow.engine.worker import Engine
from crmflow.errors import EngineError, ExpressionError

from .conftest import MemoryConnector

LEAD = files("crmflow.design") / "examples" / "incoming_lead.yaml"
FRIDAY = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def test_expressions_nest_in_mappings_and_lists_and_fixed_values_stay() -> None:
    params = compile_params({"fields": {"TITLE": {"expr": "upper(lead.name)"}, "TAGS": ["web", {"expr": "lead.id + 1"}]}, "n": 3})
    assert resolve_params(params, {"lead": {"name": "ооо вектор", "id": 41}}) == {
        "fields": {"TITLE": "ООО ВЕКТОР", "TAGS": ["web", 42]},
        "n": 3,
    }
    with pytest.raises(ExpressionError, match=r"`params\.fields\.TITLE`"):
        resolve_params(params, {"lead": {"id": 1}})  # lead.name is unknown: the key is named


def test_a_bad_expression_in_the_run_file_names_the_file_the_key_and_the_column(tmp_path: Path) -> None:
    run = tmp_path / "run.yaml"
    run.write_text(
        "actions:\n  assign_lead: {connector: crm, operation: tasks.task.add,\n"
        "                params: {fields: {TITLE: {expr: 'lead.name +'}}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(EngineError) as err:
        read_run_file(run)
    message = str(err.value)
    assert str(run) in message and "actions.assign_lead.params.fields.TITLE.expr" in message and "column" in message
    run.write_text("actions:\n  assign_lead: {connector: crm, operation: x, params: {a: {expr: 5}}}\n", encoding="utf-8")
    with pytest.raises(EngineError, match="expected the text of an expression"):
        read_run_file(run)


def _engine(url: str, bindings: dict[str, Any]) -> tuple[Engine, MemoryConnector]:
    crm = MemoryConnector()
    engine = Engine(url, clock=ManualClock(FRIDAY), connectors=[crm], bindings=bindings)
    engine.deploy(LEAD)
    return engine, crm


def _lead(variables: dict[str, Any]) -> CorrelateMessage:
    return CorrelateMessage(
        message_name="lead.created", correlation_key="lead_id", correlation_value="L7", dedupe_key="b24:7", variables=variables
    )


def test_the_call_takes_its_parameters_from_the_lead(store_url: str, tmp_path: Path) -> None:
    run = tmp_path / "run.yaml"
    run.write_text(
        "actions:\n"
        "  register_lead: {connector: crm, operation: crm.activity.todo.add,\n"
        "                  params: {ownerTypeId: 1, ownerId: {expr: lead.crm_id}}}\n"
        "  assign_lead: {connector: crm, operation: tasks.task.add,\n"
        "                params: {fields: {TITLE: {expr: 'lower(lead.source)'}, RESPONSIBLE_ID: 1}}}\n",
        encoding="utf-8",
    )
    engine, crm = _engine(store_url, dict(read_run_file(run).actions))
    assert engine.accept(_lead({"lead": {"crm_id": 9001, "source": "WEB", "product_line": "b2b"}}))
    engine.run_until_idle()
    sent = {r.operation: r.params for r in crm.requests}
    assert sent["crm.activity.todo.add"]["ownerTypeId"] == 1 and sent["crm.activity.todo.add"]["ownerId"] == 9001
    assert sent["tasks.task.add"]["fields"] == {"TITLE": "web", "RESPONSIBLE_ID": 1}
    assert sent["tasks.task.add"]["business_key"] == "L7"  # what every call gets beside its own parameters


def test_parameters_that_cannot_be_computed_are_an_incident_and_nothing_is_sent(store_url: str) -> None:
    bad = {
        "register_lead": {
            "connector": "crm",
            "operation": "crm.activity.todo.add",
            "params": {"ownerId": {"expr": "lead.crm_id"}},
        }
    }
    engine, crm = _engine(store_url, bad)
    assert engine.accept(_lead({"lead": {"source": "web"}}))  # no crm_id
    engine.run_until_idle()
    assert crm.requests == []
    ((incident_id, node, kind, detail, status),) = engine.store.q("SELECT id, node, kind, detail, status FROM incidents")
    assert (node, kind, status) == ("register_lead", "params", "open")
    assert "params.ownerId" in detail and "lead.crm_id" in detail and "retry the incident" in detail
    # the run file is fixed (a default instead of the missing field): retrying the incident makes the call once
    fixed = {"register_lead": {**bad["register_lead"], "params": {"ownerId": {"expr": "lead.source"}}}}
    engine2, crm2 = _engine(store_url, fixed)
    assert engine2.retry(int(incident_id))
    engine2.run_until_idle()
    assert [(r.operation, r.params["ownerId"]) for r in crm2.requests if r.operation == "crm.activity.todo.add"] == [
        ("crm.activity.todo.add", "web")
    ]
    assert engine2.store.q("SELECT status FROM incidents") == [("resolved",)]
