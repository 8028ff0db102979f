"""The engine's durable store: one code path over SQLite (WAL, the default) and PostgreSQL (psycopg 3).

Every table is plain rows with indexes; no JSON operators, so the same SQL runs on both back ends
(written with ``?`` placeholders, turned into ``$1, $2…`` for psycopg's raw cursor)::

    deployments    process_id, version, bpmn               what `crmflow engine deploy` stored
    instances      id, process_id, version, business_key, status, state (JSON), created_at, updated_at
    correlations   name, value, instance_id                business key and scalar variables, for messages
    inbox          id, dedupe_key UNIQUE, kind, body, status new|done|parked, available_at
    timers         id, instance_id, due_at                 indexed on due_at; the state holds the sequence token
    subscriptions  instance_id, token, node, message       who waits for which message
    outbox         id, idempotency_key UNIQUE, kind action|message, body, status new|sending|done|failed
    tasks          id, instance_id, node, role, assignee, priority, rank, due_at, status
    incidents      id, instance_id, node, kind, detail, ref, status open|resolved
    parked         id, inbox_id, message, name, value      messages that correlated with nothing (yet)
    events         instance_id, business_key, activity, lifecycle, resource, role, ts   the engine's own log
    routing_state  key, value                              round-robin cursors

Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share one database without
taking the same row; SQLite serialises writers with ``BEGIN IMMEDIATE`` (one worker per file is the
embedded mode). :func:`open_store` takes a path (``engine.sqlite``) or a ``postgresql://`` URL.

>>> import tempfile, os
>>> db = open_store(os.path.join(tempfile.mkdtemp(), "e.sqlite"))
>>> from crmflow.engine.contracts import StartProcess
>>> db.accept(StartProcess(process_id="p", business_key="L-1", dedupe_key="k1")), db.accept(
...     StartProcess(process_id="p", business_key="L-1", dedupe_key="k1"))
(True, False)
>>> db.close()
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from crmflow.engine.contracts import CorrelateMessage, EngineCommand, StartProcess
from crmflow.engine.messages import MESSAGES
from crmflow.errors import EngineStoreError
from crmflow.i18n import error

_DDL = """
CREATE TABLE IF NOT EXISTS deployments (
  process_id TEXT NOT NULL, version TEXT NOT NULL, name TEXT NOT NULL, bpmn TEXT NOT NULL, deployed_at {real} NOT NULL,
  PRIMARY KEY (process_id, version));
CREATE TABLE IF NOT EXISTS instances (
  id TEXT PRIMARY KEY, process_id TEXT NOT NULL, version TEXT NOT NULL, business_key TEXT NOT NULL,
  status TEXT NOT NULL, state TEXT NOT NULL, created_at {real} NOT NULL, updated_at {real} NOT NULL);
CREATE INDEX IF NOT EXISTS instances_key ON instances (business_key);
CREATE INDEX IF NOT EXISTS instances_status ON instances (status);
CREATE TABLE IF NOT EXISTS correlations (
  name TEXT NOT NULL, value TEXT NOT NULL, instance_id TEXT NOT NULL, PRIMARY KEY (name, value, instance_id));
CREATE TABLE IF NOT EXISTS inbox (
  id {serial}, dedupe_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
  received_at {real} NOT NULL, available_at {real} NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '');
DROP INDEX IF EXISTS inbox_new;
CREATE INDEX IF NOT EXISTS inbox_new_id ON inbox (id) WHERE status = 'new';
CREATE TABLE IF NOT EXISTS timers (id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, due_at {real} NOT NULL);
CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at);
CREATE TABLE IF NOT EXISTS subscriptions (
  instance_id TEXT NOT NULL, token TEXT NOT NULL, node TEXT NOT NULL, message TEXT NOT NULL, created_at {real} NOT NULL,
  PRIMARY KEY (instance_id, token, node));
CREATE INDEX IF NOT EXISTS subscriptions_message ON subscriptions (message, instance_id);
CREATE TABLE IF NOT EXISTS outbox (
  id {serial}, idempotency_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, instance_id TEXT NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, available_at {real} NOT NULL, created_at {real} NOT NULL,
  done_at {real}, detail TEXT NOT NULL DEFAULT '');
DROP INDEX IF EXISTS outbox_new;
CREATE INDEX IF NOT EXISTS outbox_new_id ON outbox (id) WHERE status IN ('new', 'sending');
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, process_id TEXT NOT NULL, business_key TEXT NOT NULL, node TEXT NOT NULL,
  name TEXT NOT NULL, role TEXT, assignee TEXT, priority TEXT NOT NULL, rank INTEGER NOT NULL, due_at {real},
  status TEXT NOT NULL, created_at {real} NOT NULL, updated_at {real} NOT NULL, variables TEXT NOT NULL DEFAULT '{{}}');
CREATE INDEX IF NOT EXISTS tasks_queue ON tasks (status, rank, due_at);
CREATE INDEX IF NOT EXISTS tasks_assignee ON tasks (assignee, status);
CREATE INDEX IF NOT EXISTS tasks_instance ON tasks (instance_id);
CREATE TABLE IF NOT EXISTS incidents (
  id {serial}, instance_id TEXT NOT NULL, node TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,
  ref TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, created_at {real} NOT NULL);
CREATE TABLE IF NOT EXISTS parked (
  id {serial}, inbox_id BIGINT NOT NULL UNIQUE, message TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
  created_at {real} NOT NULL);
CREATE INDEX IF NOT EXISTS parked_message ON parked (message, name, value);
CREATE TABLE IF NOT EXISTS events (
  id {serial}, instance_id TEXT NOT NULL, process_id TEXT NOT NULL, business_key TEXT NOT NULL, node TEXT NOT NULL,
  activity TEXT NOT NULL, lifecycle TEXT NOT NULL, resource TEXT, role TEXT, ts {real} NOT NULL);
CREATE INDEX IF NOT EXISTS events_instance ON events (instance_id, id);
CREATE TABLE IF NOT EXISTS routing_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def command_body(command: EngineCommand) -> tuple[str, str]:
    """(kind, JSON body) of a command as the inbox keeps it."""
    data = asdict(command)
    return command.kind, json.dumps(data, default=str, sort_keys=True)


def command_from(kind: str, body: str) -> EngineCommand | dict[str, Any]:
    """The command of an inbox row (internal kinds stay dicts: ``complete``, ``action``)."""
    data = json.loads(body)
    if kind == "start":
        return StartProcess(**data)
    if kind == "message":
        return CorrelateMessage(**data)
    return data  # type: ignore[no-any-return]


_MAX_PARAMS = 30_000  # PostgreSQL takes at most 65,535 parameters per statement
_INSERT = re.compile(r"^(INSERT INTO .+? VALUES )(\(\?(?:, \?)*\))(.*)$", re.S)
_UPDATE = re.compile(r"^UPDATE (\w+) SET (.+) WHERE (\w+) = \?$", re.S)
_DELETE = re.compile(r"^DELETE FROM (\w+) WHERE (\w+ = \?(?: AND \w+ = \?)*)$", re.S)


def _pg_type(rows: Sequence[Sequence[Any]], column: int) -> str | None:
    """The PostgreSQL type of one parameter column (None when no row gives a value)."""
    for row in rows:
        value = row[column]
        if value is None:
            continue
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "bigint"
        if isinstance(value, float):
            return "double precision"
        return "text"
    return None


def multi_row(statement: str, rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]] | None:
    """One statement for many rows of a one-row ``INSERT … VALUES``, ``UPDATE … WHERE k = ?`` or ``DELETE``.

    ``INSERT`` repeats its ``VALUES`` group; ``UPDATE`` joins a ``VALUES`` list on its key; ``DELETE``
    matches ``(a, b) IN (VALUES …)``. The first ``VALUES`` row carries casts so that PostgreSQL types
    the list as the columns are typed. None when the statement has another shape, or an ``UPDATE``
    column is NULL in every row (its type cannot be told): the caller runs it row by row.

    >>> multi_row("INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING", [(1, "x"), (2, "y")])
    ('INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING', [1, 'x', 2, 'y'])
    >>> multi_row("UPDATE t SET s = 'done', n = ? WHERE id = ?", [(1.5, 7)])[0]
    "UPDATE t SET s = 'done', n = v.c0 FROM (VALUES (?::double precision, ?::bigint)) AS v(c0, k) WHERE t.id = v.k"
    >>> multi_row("DELETE FROM t WHERE a = ? AND b = ?", [("i", "t1"), ("i", "t2")])[0]
    'DELETE FROM t WHERE (a, b) IN (VALUES (?::text, ?::text), (?, ?))'
    """
    flat = [value for row in rows for value in row]
    width = len(rows[0])
    match = _INSERT.match(statement)
    if match:
        return match.group(1) + ", ".join([match.group(2)] * len(rows)) + match.group(3), flat
    types = [_pg_type(rows, c) for c in range(width)]

    def values() -> str:
        first = "(" + ", ".join(f"?::{t}" if t else "?" for t in types) + ")"
        rest = ", ".join(["(" + ", ".join("?" * width) + ")"] * (len(rows) - 1))
        return first + (", " + rest if rest else "")

    match = _UPDATE.match(statement)
    if match:
        table, assignments, key = match.groups()
        if None in types:
            return None
        out, n = [], 0
        for assignment in assignments.split(", "):
            column, _, value = assignment.partition(" = ")
            if value.strip() == "?":
                out.append(f"{column} = v.c{n}")
                n += 1
            else:
                out.append(assignment)
        names = ", ".join([*(f"c{i}" for i in range(n)), "k"])
        sql = f"UPDATE {table} SET {', '.join(out)} FROM (VALUES {values()}) AS v({names}) WHERE {table}.{key} = v.k"
        return sql, flat
    match = _DELETE.match(statement)
    if match:
        table, conditions = match.groups()
        columns = [c.split(" = ")[0] for c in conditions.split(" AND ")]
        return f"DELETE FROM {table} WHERE ({', '.join(columns)}) IN (VALUES {values()})", flat
    return None


@functools.lru_cache(maxsize=1024)
def _numbered(statement: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2…`` (psycopg's raw cursor sends them unparsed).

    >>> _numbered("SELECT ? + ?")
    'SELECT $1 + $2'
    """
    parts = statement.split("?")
    return "".join(f"{p}${i}" for i, p in enumerate(parts[:-1], 1)) + parts[-1]


class EngineStore:
    """A connection to the engine's database and the SQL both back ends share.

    Use :meth:`tx` for a transaction; :meth:`q` runs one statement (``?`` placeholders).
    """

    def __init__(self, url: str, conn: Any, dialect: str) -> None:
        self.url, self.conn, self.dialect = url, conn, dialect
        self.pg = dialect == "postgresql"
        self._depth = 0
        self._lock = threading.RLock()
        #: where "now" comes from when a caller gives no time (the engine sets its clock here)
        self.now: Callable[[], float] = time.time

    # ------------------------------------------------------------------ plumbing

    def sql(self, statement: str) -> str:
        return _numbered(statement) if self.pg else statement

    def q(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cur = self.conn.execute(self.sql(statement), tuple(params))
            return list(cur.fetchall()) if cur.description is not None else []

    def many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``statement`` for every row: on PostgreSQL as few multi-row statements (see :func:`multi_row`)."""
        if not rows:
            return
        if not self.pg:  # in-process: executemany costs no round trip
            self.conn.executemany(statement, [tuple(r) for r in rows])
            return
        width = statement.count("?")
        step = max(1, _MAX_PARAMS // max(1, width))
        for k in range(0, len(rows), step):
            chunk = rows[k : k + step]
            rewritten = multi_row(statement, chunk)
            if rewritten is None:
                with self.conn.cursor() as cur:
                    cur.executemany(self.sql(statement), [tuple(r) for r in chunk])
            else:
                self.conn.execute(self.sql(rewritten[0]), rewritten[1])

    def marks(self, n: int) -> str:
        """``?, ?, …`` for an ``IN (…)`` list of ``n`` values."""
        return ", ".join("?" * n)

    @contextlib.contextmanager
    def tx(self) -> Iterator[EngineStore]:
        """One transaction (nested calls of the same thread join the outer one).

        The connection is held for the whole transaction: another thread (a web server's thread
        pool) waits, so its statements never land in, or get committed or rolled back with, this one.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                if not self.pg:
                    self.conn.execute("BEGIN IMMEDIATE")
                yield self
                self.conn.commit()
            except BaseException:
                self.conn.rollback()
                raise
            finally:
                self._depth = 0

    @property
    def skip_locked(self) -> str:
        return " FOR UPDATE SKIP LOCKED" if self.pg else ""

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()

    def create(self) -> None:
        real = "DOUBLE PRECISION" if self.pg else "REAL"
        serial = "BIGSERIAL PRIMARY KEY" if self.pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
        ddl = _DDL.format(real=real, serial=serial)
        with self.tx():
            if self.pg:  # concurrent workers creating the schema at once
                self.q("SELECT pg_advisory_xact_lock(1212)")
                # CREATE INDEX IF NOT EXISTS locks its table (SHARE) even when the index exists: a worker starting
                # beside running ones must not take those locks, or it deadlocks with their row writes (measured:
                # `deadlock detected` in the kill -9 bench with two workers)
                have = self.q("SELECT count(*) FROM pg_class WHERE relname = ANY(?) AND pg_table_is_visible(oid)", (_NAMES,))
                if int(have[0][0]) == len(_NAMES):
                    return
            for statement in ddl.split(";"):
                if statement.strip():
                    self.q(statement)

    # ------------------------------------------------------------------ inbox (contracts.Inbox)

    def accept(self, command: EngineCommand, *, now: float | None = None) -> bool:
        """Persist ``command``; False when its ``dedupe_key`` was seen before (nothing is stored)."""
        kind, body = command_body(command)
        return self.enqueue(kind, command.dedupe_key, body, now=now)

    def enqueue(
        self,
        kind: str,
        dedupe_key: str,
        body: str,
        *,
        now: float | None = None,
        available_at: float | None = None,
        status: str = "new",
        detail: str = "",
    ) -> bool:
        """Insert one inbox row unless its dedupe key is known (True when inserted); ``parked`` rows wait for a person."""
        now = self.now() if now is None else now
        with self.tx():
            rows = self.q(
                "INSERT INTO inbox (dedupe_key, kind, body, status, received_at, available_at, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                (dedupe_key, kind, body, status, now, now if available_at is None else available_at, detail),
            )
        return bool(rows)

    def accept_many(self, commands: Sequence[EngineCommand], *, now: float | None = None) -> int:
        """Persist many commands in one transaction; returns how many were new."""
        now = self.now() if now is None else now
        rows = [(c.dedupe_key, *command_body(c), now, now) for c in commands]
        new = 0
        with self.tx():
            for k in range(0, len(rows), 1000):  # one statement per 1,000 rows
                chunk = rows[k : k + 1000]
                values = ", ".join(["(?, ?, ?, 'new', ?, ?)"] * len(chunk))
                new += len(
                    self.q(
                        f"INSERT INTO inbox (dedupe_key, kind, body, status, received_at, available_at) VALUES {values} "
                        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                        [v for row in chunk for v in row],
                    )
                )
        return new

    # ------------------------------------------------------------------ reads used by the API and the CLI

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows per status of instances, inbox, outbox, tasks and incidents."""
        out: dict[str, dict[str, int]] = {}
        with self.tx():
            self._counts(out)
        return out

    def _counts(self, out: dict[str, dict[str, int]]) -> None:
        for table in ("instances", "inbox", "outbox", "tasks", "incidents"):
            out[table] = {str(s): int(n) for s, n in self.q(f"SELECT status, COUNT(*) FROM {table} GROUP BY status")}
        out["timers"] = {"armed": int(self.q("SELECT COUNT(*) FROM timers")[0][0])}
        out["parked"] = {"parked": int(self.q("SELECT COUNT(*) FROM parked")[0][0])}


#: the tables and indexes of :data:`_DDL` (all there: the schema exists)
_NAMES = sorted(set(re.findall(r"CREATE (?:UNIQUE )?(?:TABLE|INDEX) IF NOT EXISTS (\w+)", _DDL)))


def open_store(url: str | Path, *, create: bool = True) -> EngineStore:
    """Open (and by default create) the engine store at a SQLite path or a ``postgresql://`` URL.

    Raises
    ------
    EngineStoreError
        If the database cannot be opened (the message names it and the driver's reason).
    """
    target = str(url)
    try:
        if target.startswith(("postgresql://", "postgres://")):
            import psycopg

            conn = psycopg.connect(target, autocommit=False, cursor_factory=psycopg.RawCursor)
            store = EngineStore(target, conn, "postgresql")
        elif "://" in target:
            raise error(EngineStoreError, MESSAGES, "store.url", "en", url=target)
        else:
            path = target[len("sqlite:") :] if target.startswith("sqlite:") else target
            lite = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            lite.execute("PRAGMA journal_mode=WAL")
            lite.execute("PRAGMA synchronous=FULL")
            lite.execute("PRAGMA busy_timeout=30000")
            store = EngineStore(target, lite, "sqlite")
        if create:
            store.create()
        return store
    except EngineStoreError:
        raise
    except Exception as exc:  # the drivers' own error classes
        raise error(EngineStoreError, MESSAGES, "store.open", "en", url=target, reason=exc) from None


__all__ = ["EngineStore", "command_body", "command_from", "open_store"]
