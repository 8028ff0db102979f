"""Shared helpers of the web tests: an app with accounts and tasks, signed-in clients, the demo export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crmflow.web.app import AppConfig, create_app
from crmflow.web.tasks import InMemoryTaskService

PASSWORD = "a-long-test-password"
#: name -> (role, team)
USERS = {
    "admin": ("admin", ""),
    "alice": ("analyst", ""),
    "olga": ("manager", "north"),
    "anna": ("agent", "north"),
    "boris": ("agent", "north"),
    "sam": ("agent", "south"),
    "vera": ("viewer", ""),
}


@dataclass
class Site:
    app: FastAPI
    tasks: InMemoryTaskService
    data: Path


def make_site(data: Path, *, secure: bool = True) -> Site:
    tasks = InMemoryTaskService()
    # argon2id with small costs: the production parameters would make every test sign-in slow
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(AppConfig(data_dir=data, secure_cookies=secure, secret=b"s" * 32, tasks=tasks, password_hasher=hasher))
    for name, (role, team) in USERS.items():
        app.state.accounts.add_user(name, PASSWORD, role=role, team=team)
    now = datetime.now(UTC)
    tasks.add_task(
        "Call the lead",
        process="incoming-lead",
        business_key="L-1",
        candidate_group="north",
        assignee="anna",
        due=now + timedelta(hours=30),
    )
    tasks.add_task(
        "Call the lead",
        process="incoming-lead",
        business_key="L-2",
        candidate_group="north",
        assignee="boris",
        due=now - timedelta(hours=2),
    )
    tasks.add_task("Qualify", process="incoming-lead", business_key="L-3", candidate_group="north", priority=80)
    tasks.add_task("Call the lead", process="incoming-lead", business_key="L-4", candidate_group="south", assignee="sam")
    return Site(app, tasks, data)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def client(site: Site) -> TestClient:
    return TestClient(site.app, base_url="https://testserver")


def signed_in(site: Site, name: str) -> tuple[TestClient, str]:
    """A client signed in as ``name`` and its CSRF token."""
    c = client(site)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"csrf": token, "username": name, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    c.headers["x-csrf-token"] = token
    return c, token
