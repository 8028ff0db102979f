"""The task API the web app's inbox and operations screens stand on (issue 12's engine task API).

:class:`TaskService` is the seam: list, claim, complete with variables and delegate user tasks;
list process instances and incidents; retry an incident. :class:`InMemoryTaskService` implements it
in memory (tests, and ``crmflow serve`` before an engine is connected); the engine's task API
(issue 12) is plugged in by giving its adapter as ``AppConfig.tasks`` — one module, nothing else changes. Who may see or work on
which task is decided in :mod:`crmflow.web.permissions`, not here.

>>> from datetime import datetime, UTC
>>> svc = InMemoryTaskService()
>>> task = svc.add_task("Call the lead", process="incoming-lead", business_key="L-1", candidate_group="north",
...                     created=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
>>> svc.claim(task.id, "anna").assignee
'anna'
>>> svc.complete(task.id, "anna", {"reached": True}).state
'completed'
>>> [e["lifecycle"] for e in svc.event_log()]
['start', 'complete']
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from crmflow import i18n
from crmflow.errors import TaskError, WebNotFoundError
from crmflow.i18n import error
from crmflow.web.error_messages import ERRORS

TaskState = Literal["open", "completed"]
InstanceState = Literal["active", "completed", "incident"]


@dataclass(frozen=True)
class Task:
    """A user task waiting for (or done by) a person."""

    id: str
    instance_id: str
    process: str
    name: str
    element_id: str
    business_key: str
    candidate_group: str
    assignee: str | None
    priority: int
    created: datetime
    due: datetime | None
    state: TaskState = "open"
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Instance:
    """A running or finished process instance (case = instance in the engine's event log)."""

    id: str
    process: str
    business_key: str
    state: InstanceState
    started: datetime
    ended: datetime | None = None


@dataclass(frozen=True)
class Incident:
    """A service task whose retries are exhausted; retrying schedules it again."""

    id: str
    instance_id: str
    element_id: str
    error: str
    created: datetime
    state: Literal["open", "resolved"] = "open"
    retries: int = 0


class TaskService(Protocol):
    """The engine's task API as the web app uses it (issue 12, section 4 and 9)."""

    def list_tasks(self, *, include_completed: bool = False) -> list[Task]: ...
    def get_task(self, task_id: str) -> Task: ...
    def claim(self, task_id: str, user: str) -> Task: ...
    def complete(self, task_id: str, user: str, variables: dict[str, Any]) -> Task: ...
    def delegate(self, task_id: str, user: str, to: str) -> Task: ...
    def instances(self) -> list[Instance]: ...
    def incidents(self) -> list[Incident]: ...
    def retry(self, incident_id: str, user: str) -> Incident: ...
    def revision(self) -> int: ...


class InMemoryTaskService:
    """:class:`TaskService` in memory, with the engine's event trail (start/complete per task)."""

    def __init__(self, *, clock: Any = None) -> None:
        self._tasks: dict[str, Task] = {}
        self._instances: dict[str, Instance] = {}
        self._incidents: dict[str, Incident] = {}
        self._events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._revision = 0
        self._clock = clock or (lambda: datetime.now(UTC))

    # seeding (what the engine does when a token reaches a user task) ------------------------------
    def add_task(
        self,
        name: str,
        *,
        process: str,
        business_key: str,
        candidate_group: str,
        assignee: str | None = None,
        priority: int = 50,
        created: datetime | None = None,
        due: datetime | None = None,
        element_id: str | None = None,
        instance_id: str | None = None,
    ) -> Task:
        """Create a user task (and its instance when ``instance_id`` is not given)."""
        with self._lock:
            n = next(self._ids)
            created = created or self._clock()
            if instance_id is None:
                instance_id = f"pi-{n}"
                self._instances[instance_id] = Instance(instance_id, process, business_key, "active", created)
            task = Task(
                id=f"t-{n}",
                instance_id=instance_id,
                process=process,
                name=name,
                element_id=element_id or f"task_{n}",
                business_key=business_key,
                candidate_group=candidate_group,
                assignee=assignee,
                priority=priority,
                created=created,
                due=due,
            )
            self._tasks[task.id] = task
            self._event(task, "start", assignee or "", created)
            return task

    def add_incident(self, instance_id: str, element_id: str, error: str) -> Incident:
        """Record an incident on an instance (the engine does this when retries are exhausted)."""
        with self._lock:
            if instance_id not in self._instances:
                raise i18n.error(TaskError, ERRORS, "tasks.no_instance", instance_id=instance_id)
            inc = Incident(f"inc-{next(self._ids)}", instance_id, element_id, error, self._clock())
            self._incidents[inc.id] = inc
            self._instances[instance_id] = replace(self._instances[instance_id], state="incident")
            self._revision += 1
            return inc

    def _event(self, task: Task, lifecycle: str, resource: str, at: datetime) -> None:
        self._events.append(
            {
                "case_id": task.instance_id,
                "business_key": task.business_key,
                "activity": task.name,
                "lifecycle": lifecycle,
                "resource": resource,
                "role": task.candidate_group,
                "timestamp": at,
            }
        )
        self._revision += 1

    # the task API ------------------------------------------------------------------------------
    def list_tasks(self, *, include_completed: bool = False) -> list[Task]:
        with self._lock:
            tasks = [t for t in self._tasks.values() if include_completed or t.state == "open"]
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(tasks, key=lambda t: (-t.priority, t.due or far, t.created, t.id))

    def get_task(self, task_id: str) -> Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise error(WebNotFoundError, ERRORS, "tasks.no_task", task_id=task_id)
        return task

    def claim(self, task_id: str, user: str) -> Task:
        with self._lock:
            task = self.get_task(task_id)
            if task.state != "open":
                raise error(TaskError, ERRORS, "tasks.claim_not_open", task_id=task_id, task_state=task.state)
            if task.assignee not in (None, user):
                raise error(TaskError, ERRORS, "tasks.already_claimed", task_id=task_id, task_assignee=task.assignee)
            task = replace(task, assignee=user)
            self._tasks[task_id] = task
            self._revision += 1
            return task

    def complete(self, task_id: str, user: str, variables: dict[str, Any]) -> Task:
        with self._lock:
            task = self.get_task(task_id)
            if task.state != "open":
                raise error(TaskError, ERRORS, "tasks.already_done", task_id=task_id, task_state=task.state)
            if task.assignee != user:
                raise error(TaskError, ERRORS, "tasks.claim_first", task_id=task_id, assignee=task.assignee or "nobody")
            task = replace(task, state="completed", variables={**task.variables, **variables})
            self._tasks[task_id] = task
            now = self._clock()
            self._event(task, "complete", user, now)
            if not any(t.instance_id == task.instance_id and t.state == "open" for t in self._tasks.values()):
                inst = self._instances.get(task.instance_id)
                if inst is not None and inst.state == "active":
                    self._instances[inst.id] = replace(inst, state="completed", ended=now)
            return task

    def delegate(self, task_id: str, user: str, to: str) -> Task:
        with self._lock:
            task = self.get_task(task_id)
            if task.state != "open":
                raise error(TaskError, ERRORS, "tasks.delegate_not_open", task_id=task_id, task_state=task.state)
            if not to:
                raise error(TaskError, ERRORS, "tasks.delegate_to_whom")
            task = replace(task, assignee=to)
            self._tasks[task_id] = task
            self._revision += 1
            return task

    def instances(self) -> list[Instance]:
        with self._lock:
            return sorted(self._instances.values(), key=lambda i: (i.started, i.id), reverse=True)

    def incidents(self) -> list[Incident]:
        with self._lock:
            return sorted(self._incidents.values(), key=lambda i: (i.created, i.id), reverse=True)

    def retry(self, incident_id: str, user: str) -> Incident:
        with self._lock:
            inc = self._incidents.get(incident_id)
            if inc is None:
                raise error(WebNotFoundError, ERRORS, "tasks.no_incident", incident_id=incident_id)
            if inc.state != "open":
                raise error(TaskError, ERRORS, "tasks.incident_resolved", incident_id=incident_id)
            inc = replace(inc, state="resolved", retries=inc.retries + 1)
            self._incidents[incident_id] = inc
            inst = self._instances[inc.instance_id]
            if not any(i.instance_id == inst.id and i.state == "open" for i in self._incidents.values()):
                self._instances[inst.id] = replace(inst, state="active")
            self._revision += 1
            return inc

    def revision(self) -> int:
        return self._revision

    def event_log(self) -> list[dict[str, Any]]:
        """The engine-style event trail (case = instance, activity, lifecycle, resource, role, time)."""
        with self._lock:
            return list(self._events)
