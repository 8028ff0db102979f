"""The task API: list the queue, claim, complete with variables, delegate -- what a work screen calls.

Queues order by priority (``critical``/``high`` first), then due time (the SLA's deadline), then age.
Claiming and delegating change only the task row; completing writes a ``complete`` command into the
inbox (deduplicated per task), so the instance moves on in the worker's next transaction like any
other event, and a completion sent twice is applied once.

>>> import tempfile, os
>>> from crmflow.engine.worker import Engine
>>> tasks = TaskService(Engine(os.path.join(tempfile.mkdtemp(), "e.sqlite")))
>>> tasks.list()
[]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmflow.engine.messages import MESSAGES
from crmflow.engine.timing import epoch, from_epoch
from crmflow.errors import TaskError, UnknownTaskError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.engine.worker import Engine

_COLUMNS = "id, instance_id, process_id, business_key, node, name, role, assignee, priority, rank, due_at, status, created_at"


@dataclass(frozen=True)
class TaskView(JsonMixin):
    """A user task as the API shows it (times as ISO 8601 UTC)."""

    id: str
    instance_id: str
    process_id: str
    business_key: str
    node: str
    name: str
    role: str | None
    assignee: str | None
    priority: str
    due_at: str | None
    status: str
    created_at: str
    variables: dict[str, Any] = field(default_factory=dict)


def _view(row: tuple[Any, ...], variables: dict[str, Any] | None = None) -> TaskView:
    tid, iid, pid, key, node, name, role, assignee, priority, _rank, due, status, created = row
    return TaskView(
        id=str(tid),
        instance_id=str(iid),
        process_id=str(pid),
        business_key=str(key),
        node=str(node),
        name=str(name),
        role=role,
        assignee=assignee,
        priority=str(priority),
        due_at=from_epoch(float(due)).isoformat() if due is not None else None,
        status=str(status),
        created_at=from_epoch(float(created)).isoformat(),
        variables=variables or {},
    )


class TaskService:
    """User tasks of one engine (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.db = engine.store

    def list(
        self, *, user: str | None = None, role: str | None = None, status: tuple[str, ...] = ("open", "claimed"), limit: int = 100
    ) -> list[TaskView]:
        """The queue: a person's tasks and the unassigned tasks of their roles (or of ``role``), most urgent first."""
        where = [f"status IN ({', '.join('?' for _ in status)})"]
        params: list[Any] = list(status)
        roles: tuple[str, ...] = (role,) if role else ()
        if user is not None:
            person = self.engine.staff.person(user)
            roles = roles or (person.roles if person is not None else ())
            marks = ", ".join("?" for _ in roles)
            where.append(f"(assignee = ? OR (assignee IS NULL AND role IN ({marks})))" if roles else "assignee = ?")
            params += [user, *roles]
        elif role is not None:
            where.append("role = ?")
            params.append(role)
        order = "rank, due_at IS NULL, due_at, created_at, id"
        sql = f"SELECT {_COLUMNS} FROM tasks WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
        with self.db.tx():
            return [_view(r) for r in self.db.q(sql, (*params, limit))]

    def get(self, task_id: str) -> TaskView:
        """One task with its instance's variables.

        Raises
        ------
        TaskError
            If there is no such task.
        """
        with self.db.tx():
            rows = self.db.q(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", (task_id,))
            if not rows:
                raise error(UnknownTaskError, MESSAGES, "task.unknown", self.engine.lang, task=task_id)
            state = self.db.q("SELECT state FROM instances WHERE id = ?", (rows[0][1],))
        variables = json.loads(str(state[0][0]))["vars"] if state else {}
        return _view(rows[0], variables)

    def _check(self, task: TaskView, verb: str, user: str | None) -> None:
        if task.status not in ("open", "claimed"):
            raise error(TaskError, MESSAGES, "task.state", self.engine.lang, task=task.id, status=task.status, verb=verb)
        if user is not None and task.assignee not in (None, user) and task.status == "claimed":
            raise error(TaskError, MESSAGES, "task.claimed_by", self.engine.lang, task=task.id, assignee=task.assignee, user=user)

    def claim(self, task_id: str, user: str) -> TaskView:
        """``user`` takes the task (it must be open, and ``user`` of its role when staff is known)."""
        task = self.get(task_id)
        self._check(task, "claimed", user)
        person = self.engine.staff.person(user)
        if self.engine.staff.people and task.role and (person is None or task.role not in person.roles):
            candidates = ", ".join(p.id for p in self.engine.staff.in_role(task.role)) or "none"
            raise error(
                TaskError,
                MESSAGES,
                "task.not_candidate",
                self.engine.lang,
                user=user,
                task=task_id,
                role=task.role,
                candidates=candidates,
            )
        now = epoch(self.engine.clock.now())
        with self.db.tx():
            self.db.q("UPDATE tasks SET assignee = ?, status = 'claimed', updated_at = ? WHERE id = ?", (user, now, task_id))
        return self.get(task_id)

    def delegate(self, task_id: str, to: str, *, user: str | None = None) -> TaskView:
        """Hand the task over to person ``to`` (it stays open for them)."""
        task = self.get(task_id)
        self._check(task, "delegated", user)
        now = epoch(self.engine.clock.now())
        with self.db.tx():
            self.db.q("UPDATE tasks SET assignee = ?, status = 'open', updated_at = ? WHERE id = ?", (to, now, task_id))
        return self.get(task_id)

    def complete(self, task_id: str, variables: Mapping[str, Any] | None = None, *, user: str | None = None) -> bool:
        """Complete the task with ``variables``; False when a completion was already accepted."""
        if variables is not None and not isinstance(variables, Mapping):
            raise error(TaskError, MESSAGES, "task.variables", self.engine.lang, task=task_id)
        task = self.get(task_id)
        self._check(task, "completed", user)
        body = json.dumps({"task": task_id, "variables": dict(variables or {}), "user": user or task.assignee}, default=str)
        now = epoch(self.engine.clock.now())
        return self.db.enqueue("complete", f"complete:{task_id}", body, now=now)


__all__ = ["TaskService", "TaskView"]
