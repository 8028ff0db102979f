"""The HTTP task API the web app calls: list, claim, complete with variables, delegate; messages in."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from crmflow.engine.http import create_app

from .test_engine import lead, make


def test_task_api_round_trip(tmp_path: Path) -> None:
    engine, _, _ = make(str(tmp_path / "e.sqlite"))
    engine.accept(lead(1, lead={"product_line": "b2b"}))
    engine.run_until_idle()
    client = TestClient(create_app(engine))
    queue = client.get("/tasks", params={"user": "anna"}).json()
    assert [(t["node"], t["assignee"], t["due_at"]) for t in queue] == [("first_contact", "anna", "2024-03-04T06:05:00+00:00")]
    task_id = queue[0]["id"]
    assert client.get(f"/tasks/{task_id}").json()["variables"]["lead_id"] == "L1"
    assert client.get("/tasks/nope").status_code == 404
    assert client.post(f"/tasks/{task_id}/claim", json={"user": "anna"}).json()["status"] == "claimed"
    refused = client.post(f"/tasks/{task_id}/claim", json={"user": "boris"})
    assert refused.status_code == 409 and "claimed by `anna`" in refused.json()["detail"]
    assert client.post(f"/tasks/{task_id}/claim", json={}).status_code == 422
    done = client.post(f"/tasks/{task_id}/complete", json={"user": "anna", "variables": {"lead": {"reached": True}}})
    assert done.status_code == 202 and done.json()["accepted"]
    assert not client.post(f"/tasks/{task_id}/complete", json={"user": "anna"}).json()["accepted"]  # sent twice: once
    engine.run_until_idle()
    qualify = client.get("/tasks", params={"role": "sales_manager"}).json()
    assert [t["node"] for t in qualify] == ["qualify"]
    moved = client.post(f"/tasks/{qualify[0]['id']}/delegate", json={"to": "boris"}).json()
    assert moved["assignee"] == "boris"
    assert client.post(f"/tasks/{task_id}/complete", json={}).status_code == 409  # already done
    events = engine.store.q("SELECT activity, lifecycle, resource FROM events WHERE node = 'first_contact' ORDER BY id")
    assert events == [("Contact the lead", "start", "anna"), ("Contact the lead", "complete", "anna")]


def test_messages_and_status(tmp_path: Path) -> None:
    engine, _, _ = make(str(tmp_path / "e.sqlite"))
    client = TestClient(create_app(engine))
    body = {"message_name": "lead.created", "correlation_key": "lead_id", "correlation_value": "L9", "dedupe_key": "x"}
    assert client.post("/messages", json=body).status_code == 202
    assert client.post("/messages", json=body).json()["duplicate"]
    assert client.post("/messages", json={"message_name": "x"}).status_code == 422
    engine.run_until_idle()
    assert client.get("/status").json()["tasks"] == {"open": 1}
    (instance,) = client.get("/instances").json()
    assert instance["business_key"] == "L9" and instance["waiting_at"] == ["first_contact (task)"]
    assert client.get("/incidents").json() == []
    assert client.post("/incidents/5/retry").status_code == 409
