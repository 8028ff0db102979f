"""Accounts of the web app: users with argon2 password hashes, roles, sessions, sign-in limits, change log.

Everything lives in one SQLite file of the app's data directory (``web.sqlite``). Passwords are
stored only as argon2id hashes (argon2-cffi); a session cookie carries a random token of which only
the SHA-256 is stored. Failed sign-ins are counted per user name and per client address; after
:data:`MAX_FAILURES` within :data:`FAILURE_WINDOW_S` the next attempt is refused for the rest of the
window. Every change a person makes is appended to ``changes`` (who, what, on which object, when).

>>> import tempfile, pathlib
>>> accounts = Accounts(pathlib.Path(tempfile.mkdtemp()) / "web.sqlite")
>>> accounts.add_user("anna", "correct horse battery", role="agent", team="north").role
'agent'
>>> accounts.verify("anna", "correct horse battery", client="127.0.0.1").name
'anna'
>>> accounts.verify("anna", "wrong", client="127.0.0.1") is None
True
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crmflow.errors import WebError
from crmflow.i18n import error
from crmflow.web.error_messages import ERRORS

Role = Literal["admin", "analyst", "manager", "agent", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "analyst", "manager", "agent", "viewer")

#: What each role may do. Data scope (whose tasks) is decided in :mod:`crmflow.web.permissions`.
PERMISSIONS: dict[Role, frozenset[str]] = {
    "admin": frozenset(
        {
            "project.read",
            "project.write",
            "explorer.read",
            "dashboard.read",
            "task.read",
            "task.work",
            "task.assign",
            "instance.read",
            "incident.retry",
            "users.manage",
            "changes.read",
            "tobe.write",
            "alert.ack",
        }
    ),
    "analyst": frozenset(
        {
            "project.read",
            "project.write",
            "tobe.write",
            "alert.ack",
            "explorer.read",
            "dashboard.read",
            "instance.read",
            "changes.read",
        }
    ),
    "manager": frozenset(
        {
            "project.read",
            "explorer.read",
            "dashboard.read",
            "task.read",
            "task.work",
            "task.assign",
            "instance.read",
            "incident.retry",
            "alert.ack",
        }
    ),
    "agent": frozenset({"task.read", "task.work", "dashboard.read"}),
    "viewer": frozenset({"project.read", "explorer.read", "dashboard.read"}),
}

MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0
SESSION_TTL_S = 12 * 3600.0
MIN_PASSWORD = 12

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '', display_name TEXT NOT NULL DEFAULT '', created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY, user_name TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, user_name TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class User:
    """A person who signs in: name, role, team (the data scope of managers and agents)."""

    name: str
    role: Role
    team: str = ""
    display_name: str = ""

    def can(self, permission: str) -> bool:
        """Whether the role allows ``permission`` (e.g. ``"project.write"``)."""
        return permission in PERMISSIONS[self.role]


@dataclass(frozen=True)
class Change:
    """One entry of the change log."""

    id: int
    at: float
    user: str
    action: str
    target: str
    detail: dict[str, Any]


class LoginThrottled(WebError):
    """Too many failed sign-ins for a user name or a client address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Users, sessions, sign-in limits and the change log in one SQLite file (thread-safe)."""

    def __init__(self, path: str | Path, *, clock: Any = time.time, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory profile
        self._clock = clock
        # a hash to verify against when the user does not exist, so timing does not tell names apart
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    def close(self) -> None:
        self._db.close()

    def _q(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # users -----------------------------------------------------------------------------------
    def add_user(self, name: str, password: str, *, role: str, team: str = "", display_name: str = "", by: str = "cli") -> User:
        """Create a user; the password is kept only as an argon2id hash.

        Raises
        ------
        WebError
            Unknown role, an empty or taken name, or a password shorter than :data:`MIN_PASSWORD`.
        """
        name = name.strip()
        if role not in ROLES:
            raise error(WebError, ERRORS, "accounts.unknown_role", role=role, value=", ".join(ROLES))
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise error(WebError, ERRORS, "accounts.bad_user_name", name=name)
        if len(password) < MIN_PASSWORD:
            raise error(WebError, ERRORS, "accounts.password_too_short", name=name, min_password=MIN_PASSWORD)
        if self.user(name) is not None:
            raise error(WebError, ERRORS, "accounts.user_exists", name=name)
        self._q(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)",
            (name, self._hasher.hash(password), role, team, display_name or name, self._clock()),
        )
        self.log_change(by, "user.add", name, {"role": role, "team": team})
        return User(name, role, team, display_name or name)  # type: ignore[arg-type]

    def user(self, name: str) -> User | None:
        rows = self._q("SELECT name, role, team, display_name FROM users WHERE name = ?", (name,))
        return User(*rows[0]) if rows else None

    def users(self) -> list[User]:
        return [User(*r) for r in self._q("SELECT name, role, team, display_name FROM users ORDER BY name")]

    def team_members(self, team: str) -> list[str]:
        return [r[0] for r in self._q("SELECT name FROM users WHERE team = ? AND team <> '' ORDER BY name", (team,))]

    # sign-in -----------------------------------------------------------------------------------
    def _throttle(self, keys: list[str]) -> None:
        now = self._clock()
        self._q("DELETE FROM login_failures WHERE at < ?", (now - FAILURE_WINDOW_S,))
        for key in keys:
            rows = self._q("SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = ?", (key,))
            count, first = rows[0]
            if count >= MAX_FAILURES:
                raise LoginThrottled(max(1, int(first + FAILURE_WINDOW_S - now)))

    def verify(self, name: str, password: str, *, client: str) -> User | None:
        """The user if the password is right, None if not.

        Raises
        ------
        LoginThrottled
            The name or the client address failed :data:`MAX_FAILURES` times in the window.
        """
        keys = [f"user:{name}", f"client:{client}"]
        self._throttle(keys)
        rows = self._q("SELECT password_hash FROM users WHERE name = ?", (name,))
        stored = rows[0][0] if rows else self._dummy
        try:
            self._hasher.verify(stored, password)
            ok = bool(rows)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            for key in keys:
                self._q("INSERT INTO login_failures VALUES (?, ?)", (key, self._clock()))
            return None
        if self._hasher.check_needs_rehash(stored):
            self._q("UPDATE users SET password_hash = ? WHERE name = ?", (self._hasher.hash(password), name))
        self._q("DELETE FROM login_failures WHERE key = ?", (f"user:{name}",))
        return self.user(name)

    # sessions ----------------------------------------------------------------------------------
    def new_session(self, user: User) -> str:
        """A new session token for ``user`` (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._q("INSERT INTO sessions VALUES (?, ?, ?, ?)", (_sha(token), user.name, now, now + SESSION_TTL_S))
        return token

    def session_user(self, token: str | None) -> User | None:
        if not token:
            return None
        rows = self._q("SELECT user_name, expires FROM sessions WHERE token_sha256 = ?", (_sha(token),))
        if not rows or rows[0][1] < self._clock():
            return None
        return self.user(rows[0][0])

    def end_session(self, token: str | None) -> None:
        if token:
            self._q("DELETE FROM sessions WHERE token_sha256 = ?", (_sha(token),))

    # change log --------------------------------------------------------------------------------
    def log_change(self, user: str, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        """Append who changed what to the change log."""
        self._q(
            "INSERT INTO changes (at, user_name, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (self._clock(), user, action, target, json.dumps(detail or {}, ensure_ascii=False, default=str)),
        )

    def changes(self, limit: int = 200) -> list[Change]:
        rows = self._q("SELECT id, at, user_name, action, target, detail FROM changes ORDER BY id DESC LIMIT ?", (limit,))
        return [Change(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]
