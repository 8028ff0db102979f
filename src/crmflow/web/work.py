"""Task operations as a signed-in person performs them: scope checked, every change logged.

The routes of the inbox, instances and incidents screens call only this; it calls the
:class:`~crmflow.web.tasks.TaskService` and :mod:`crmflow.web.permissions`.

>>> import tempfile, pathlib
>>> from crmflow.web.accounts import Accounts, User
>>> from crmflow.web.tasks import InMemoryTaskService
>>> acc = Accounts(pathlib.Path(tempfile.mkdtemp()) / "web.sqlite")
>>> svc = InMemoryTaskService()
>>> task = svc.add_task("Call", process="p", business_key="L-1", candidate_group="north", assignee="boris")
>>> Work(svc, acc).get(User("anna", "agent", "north"), task.id)
Traceback (most recent call last):
...
crmflow.errors.AccessDeniedError: task t-1 is not in the scope of anna (agent)
"""

from __future__ import annotations

from typing import Any

from crmflow.errors import AccessDeniedError
from crmflow.i18n import error
from crmflow.web import permissions as perm
from crmflow.web.accounts import Accounts, User
from crmflow.web.error_messages import ERRORS
from crmflow.web.tasks import Incident, Instance, Task, TaskService


class Work:
    """Scope-checked, logged task operations."""

    def __init__(self, tasks: TaskService, accounts: Accounts) -> None:
        self.tasks = tasks
        self.accounts = accounts

    def _team(self, user: User) -> list[str]:
        return self.accounts.team_members(user.team) if user.team else [user.name]

    def _need(self, user: User, permission: str) -> None:
        if not user.can(permission):
            raise error(
                AccessDeniedError, ERRORS, "work.may_not", user_name=user.name, user_role=user.role, permission=permission
            )

    def inbox(self, user: User) -> list[Task]:
        """The open tasks the user may see, in queue order (priority, then due time)."""
        self._need(user, "task.read")
        team = self._team(user)
        return [t for t in self.tasks.list_tasks() if perm.can_see(user, t, team=team)]

    def get(self, user: User, task_id: str) -> Task:
        self._need(user, "task.read")
        task = self.tasks.get_task(task_id)
        if not perm.can_see(user, task, team=self._team(user)):
            raise error(
                AccessDeniedError, ERRORS, "work.task_out_of_scope", task_id=task_id, user_name=user.name, user_role=user.role
            )
        return task

    def claim(self, user: User, task_id: str) -> Task:
        task = self.get(user, task_id)
        if not perm.can_claim(user, task, team=self._team(user)):
            raise error(
                AccessDeniedError, ERRORS, "work.may_not_claim", user_name=user.name, task_id=task_id, task_assignee=task.assignee
            )
        done = self.tasks.claim(task_id, user.name)
        self.accounts.log_change(user.name, "task.claim", task_id, {"task": task.name, "business_key": task.business_key})
        return done

    def complete(self, user: User, task_id: str, variables: dict[str, Any]) -> Task:
        task = self.get(user, task_id)
        if not perm.can_complete(user, task, team=self._team(user)):
            raise error(
                AccessDeniedError,
                ERRORS,
                "work.may_not_complete",
                user_name=user.name,
                task_id=task_id,
                task_assignee=task.assignee,
            )
        done = self.tasks.complete(task_id, user.name, variables)
        self.accounts.log_change(user.name, "task.complete", task_id, {"task": task.name, "variables": variables})
        return done

    def delegate(self, user: User, task_id: str, to: str) -> Task:
        task = self.get(user, task_id)
        if self.accounts.user(to) is None:
            raise error(AccessDeniedError, ERRORS, "work.delegate_no_user", task_id=task_id, to=to)
        if not perm.can_delegate(user, task, to, team=self._team(user)):
            raise error(AccessDeniedError, ERRORS, "work.may_not_delegate", user_name=user.name, task_id=task_id, to=to)
        done = self.tasks.delegate(task_id, user.name, to)
        self.accounts.log_change(user.name, "task.delegate", task_id, {"from": task.assignee, "to": to})
        return done

    def instances(self, user: User) -> list[Instance]:
        self._need(user, "instance.read")
        return self.tasks.instances()

    def incidents(self, user: User) -> list[Incident]:
        self._need(user, "instance.read")
        return self.tasks.incidents()

    def retry(self, user: User, incident_id: str) -> Incident:
        self._need(user, "incident.retry")
        done = self.tasks.retry(incident_id, user.name)
        self.accounts.log_change(user.name, "incident.retry", incident_id, {"instance": done.instance_id})
        return done
