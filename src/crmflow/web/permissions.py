"""Data scope of the work screens: whose tasks a person may see and work on.

An agent sees the tasks assigned to them and the unassigned tasks of their team's queue; a manager
sees everything assigned to their team's members and their team's queue; an admin sees all.
Analysts and viewers have no task permission at all (see :data:`crmflow.web.accounts.PERMISSIONS`).

>>> from datetime import datetime, UTC
>>> from crmflow.web.accounts import User
>>> from crmflow.web.tasks import Task
>>> task = Task("t-1", "pi-1", "p", "Call", "call", "L-1", "north", "boris", 50, datetime.now(UTC), None)
>>> can_see(User("anna", "agent", "north"), task, team=["anna", "boris"])
False
>>> can_see(User("boris", "agent", "north"), task, team=["anna", "boris"])
True
>>> can_see(User("olga", "manager", "north"), task, team=["anna", "boris", "olga"])
True
"""

from __future__ import annotations

from collections.abc import Sequence

from crmflow.web.accounts import User
from crmflow.web.tasks import Task


def can_see(user: User, task: Task, *, team: Sequence[str]) -> bool:
    """Whether ``user`` may see ``task``; ``team`` are the members of the user's team."""
    if not user.can("task.read"):
        return False
    if user.role == "admin":
        return True
    if task.assignee is None:
        return bool(user.team) and task.candidate_group == user.team
    if user.role == "manager":
        return task.assignee in team or task.assignee == user.name
    return task.assignee == user.name


def can_claim(user: User, task: Task, *, team: Sequence[str]) -> bool:
    """Claiming: a visible open task that is unassigned or already the user's."""
    return user.can("task.work") and can_see(user, task, team=team) and task.assignee in (None, user.name)


def can_complete(user: User, task: Task, *, team: Sequence[str]) -> bool:
    """Completing: only the assignee, and only a task they may see."""
    return user.can("task.work") and can_see(user, task, team=team) and task.assignee == user.name


def can_delegate(user: User, task: Task, to: str, *, team: Sequence[str]) -> bool:
    """Delegating: the assignee hands their task on; a manager or admin reassigns within scope.

    An agent may only hand a task to a member of their own team.
    """
    if not can_see(user, task, team=team):
        return False
    if user.can("task.assign"):
        return user.role == "admin" or to in team
    return user.can("task.work") and task.assignee == user.name and to in team
