"""Engine fixtures: a fresh store on SQLite and on PostgreSQL (started if it is down; skipped only if it cannot start)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmflow.engine.contracts import ActionRequest, ActionResult

PG_DB = "i12_engine"
PG_BASE = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"


def _pg_up() -> str | None:
    """None when PostgreSQL answers (the database is created if missing), else why not."""
    import psycopg

    for attempt in range(2):
        try:
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone():
                    conn.execute(f"CREATE DATABASE {PG_DB}")
            return None
        except psycopg.OperationalError as exc:
            if attempt:
                return f"PostgreSQL on 127.0.0.1:5432 is not reachable and could not be started: {exc}"
            versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
            if not versions:
                return "PostgreSQL is not installed (/etc/postgresql is missing)"
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=False, capture_output=True
            )
    return "unreachable"


def pg_url() -> str:
    """A URL of a fresh schema in the test database (skips with the reason if PostgreSQL cannot run)."""
    import psycopg

    reason = _pg_up()
    if reason is not None:
        pytest.skip(reason)
    schema = "t_" + uuid.uuid4().hex[:10]
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{PG_BASE}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "engine.sqlite")
    else:
        yield pg_url()


class MemoryConnector:
    """Counts every call per idempotency key; answers ok (or fails ``fail`` times first)."""

    def __init__(self, name: str = "crm", *, fail: int = 0, retryable: bool = True) -> None:
        self.name, self.fail, self.retryable = name, fail, retryable
        self.calls: dict[str, int] = {}
        self.requests: list[ActionRequest] = []

    def perform(self, request: ActionRequest) -> ActionResult:
        self.calls[request.idempotency_key] = self.calls.get(request.idempotency_key, 0) + 1
        self.requests.append(request)
        if self.fail > 0:
            self.fail -= 1
            return ActionResult(ok=False, retryable=self.retryable, detail="HTTP 503 from the fake CRM")
        return ActionResult(ok=True, response={"ok": True})


class MemoryPublisher:
    def __init__(self) -> None:
        self.messages: list = []

    def publish(self, message: object) -> None:
        self.messages.append(message)
