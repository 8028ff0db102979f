"""`crmflow engine run` end to end: fake CRM webhook → durable inbox → connectors → fake CRM; tasks; NATS.

The real command in a subprocess, on a SQLite store, against the fake CRM (Bitrix24 REST) and NATS
JetStream on 127.0.0.1:4222 (started when it is down, see ``test_bus.nats_server``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest

from crmflow.demo.fake_crm import FakeCrm
from crmflow.engine.service import read_run_file
from crmflow.errors import EngineError

from .test_bus import nats_server  # noqa: F401  (the fixture)

MODEL = Path(str(files("crmflow.design") / "examples" / "incoming_lead.yaml"))
TRIGGERS = """\
triggers: 1
rules:
  - id: lead_from_bitrix24
    source: bitrix24
    event: ONCRMLEADADD
    message: {name: lead.created, correlation_key: lead_id}
  - id: call_logged
    source: json
    event: call.logged
    message: {name: call.logged, correlation_key: lead_id}
    variables: {minutes_to_contact: data.minutes}
"""
RUN_FILE = """\
actions:
  register_lead:
    connector: bitrix24
    operation: crm.activity.todo.add
    params: {ownerTypeId: 1, ownerId: 0, deadline: "2026-12-07T10:00:00+03:00", title: Check the lead}
  assign_lead:
    connector: bitrix24
    operation: tasks.task.add
    params: {fields: {TITLE: Contact the lead, RESPONSIBLE_ID: 1}}
task_messages:
  call.logged: [first_contact]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _crmflow(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "from crmflow.cli.main import app; app()"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _wait(url: str, check: Any, what: str, timeout: float = 60.0) -> Any:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            got = check(httpx.get(url, timeout=5).json())
        except httpx.TransportError:
            got = None
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} at {url}")


async def _bus_events(url: str, subject: str, n: int) -> list[dict[str, Any]]:
    import nats

    nc = await nats.connect(url)
    try:
        sub = await nc.jetstream().subscribe(subject, ordered_consumer=True)
        out = []
        for _ in range(n):
            msg = await sub.next_msg(timeout=20)
            out.append({"subject": msg.subject, "data": json.loads(msg.data), "id": (msg.headers or {}).get("Nats-Msg-Id")})
        return out
    finally:
        await nc.close()


def test_engine_run_serves_webhooks_relays_to_the_fake_crm_and_publishes_to_nats(tmp_path: Path, nats_server: str) -> None:  # noqa: F811
    (tmp_path / "triggers.yaml").write_text(TRIGGERS, encoding="utf-8")
    (tmp_path / "run.yaml").write_text(RUN_FILE, encoding="utf-8")
    (tmp_path / "staff.yaml").write_text(
        "people:\n  - {id: anna, roles: [sales_manager]}\n  - {id: boris, roles: [sales_manager]}\n", encoding="utf-8"
    )
    store = str(tmp_path / "engine.sqlite")
    port, prefix, stream = _free_port(), f"t{uuid.uuid4().hex[:8]}.", f"T{uuid.uuid4().hex[:8]}"
    with FakeCrm() as crm:
        env = {
            **os.environ,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
            "CRMFLOW_BITRIX24_WEBHOOK_URL": crm.bitrix24_url,
            "CRMFLOW_BITRIX24_APPLICATION_TOKEN": "app-token-1",
            "CRMFLOW_WEBHOOK_HMAC_SECRET": "shared-secret",
            "CRMFLOW_BUS_URL": nats_server,
            "CRMFLOW_BUS_PREFIX": prefix,
            "CRMFLOW_BUS_STREAM": stream,
        }
        deployed = _crmflow("engine", "deploy", str(MODEL), "--store", store, env=env, cwd=tmp_path)
        assert deployed.returncode == 0, deployed.stderr
        args = ["engine", "run", "--store", store, "--port", str(port), "--triggers", "triggers.yaml"]
        args += ["--run-file", "run.yaml", "--bus", str(MODEL), "--staff", "staff.yaml"]
        code = "from crmflow.cli.main import app; app()"
        proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{base}/status", lambda s: "inbox" in s, "the API")
            hook = f"{base}/webhooks/bitrix24"
            ts = int(time.time())
            first = crm.send_bitrix24_webhook(hook, "ONCRMLEADADD", 101, application_token="app-token-1", ts=ts)
            again = crm.send_bitrix24_webhook(hook, "ONCRMLEADADD", 101, application_token="app-token-1", ts=ts)
            forged = crm.send_bitrix24_webhook(hook, "ONCRMLEADADD", 102, application_token="guess")
            unknown = crm.send_bitrix24_webhook(hook, "ONCRMCONTACTADD", 5, application_token="app-token-1")
            assert [r.status_code for r in (first, again, forged, unknown)] == [202, 200, 401, 202]
            assert unknown.json()["status"] == "parked"
            # the rep's task appears in the task API once both connector calls came back from the fake CRM
            (task,) = _wait(f"{base}/tasks", lambda ts_: [t for t in ts_ if t["node"] == "first_contact"], "the rep's task")
            assert task["business_key"] == "101"
            # telephony reports the call (signed JSON): the task is done and the qualification opens
            call = {"id": "call-1", "event": "call.logged", "keys": {"lead_id": "101"}, "data": {"minutes": 4}}
            body = json.dumps(call).encode()
            stamp = str(int(time.time()))
            sig = "sha256=" + hmac.new(b"shared-secret", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            headers = {"X-Crmflow-Timestamp": stamp, "X-Crmflow-Signature": sig, "Content-Type": "application/json"}
            assert httpx.post(f"{base}/webhooks/json", content=body, headers=headers).status_code == 202
            _wait(f"{base}/tasks", lambda ts_: [t for t in ts_ if t["node"] == "qualify"], "the qualification task")
            status = httpx.get(f"{base}/status").json()
            assert status["inbox"].get("parked") == 1  # the unknown event, kept in the store
            published = asyncio.run(_bus_events(nats_server, f"{prefix}>", 2))
            incidents = httpx.get(f"{base}/incidents").json()
        finally:
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)
        ops = sorted(c.operation for c in crm.calls if c.effect)
        assert ops == ["crm.activity.todo.add", "tasks.task.add"], (ops, err[-2000:])
        assert not crm.duplicated_effects() and all(n == 1 for n in crm.effects_per_key().values())
    assigned, contacted = published
    # "Assign a manager" chose the rep by its routing rule; lead.assigned carries them (`from: assignee`) and
    # validates against the AsyncAPI document; the rep's task went to the same person
    assert assigned["subject"] == f"{prefix}lead.assigned" and assigned["data"]["lead_id"] == "101"
    assert assigned["data"]["manager_id"] == task["assignee"] and task["assignee"] in ("anna", "boris")
    assert incidents == []
    assert contacted["subject"] == f"{prefix}lead.contacted" and contacted["id"]
    assert contacted["data"]["lead_id"] == "101" and contacted["data"]["minutes_to_contact"] == 4
    assert contacted["data"]["contacted_at"].endswith("+00:00")


def test_run_file_errors_name_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "run.yaml"
    bad.write_text("actions:\n  register_lead: {connector: bitrix24}\n", encoding="utf-8")
    with pytest.raises(EngineError, match=r"run.yaml: `actions.register_lead`: expected \{connector, operation"):
        read_run_file(bad)
    bad.write_text("actoins: {}\n", encoding="utf-8")
    with pytest.raises(EngineError, match="unknown key `actoins`"):
        read_run_file(bad)
    bad.write_text("task_messages:\n  call.logged: first_contact\n", encoding="utf-8")
    with pytest.raises(EngineError, match="expected a list of user task ids"):
        read_run_file(bad)
