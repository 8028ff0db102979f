"""Rich progress for long CLI steps: a bar over the known steps, with the current one named."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from crmflow.ingest.raw import ProgressFn

_NOTES: dict[int, ProgressFn] = {}


def note_progress(step: ProgressFn, description: str) -> None:
    """Rename the current step of a ``step_progress`` bar without advancing it (e.g. each Spark job)."""
    _NOTES.get(id(step), lambda _msg: None)(description)


@contextmanager
def step_progress(console: Console, total: int, *, enabled: bool = True) -> Iterator[ProgressFn]:
    """Yield a ``step(description)`` callback that advances a progress bar by one step."""
    if not enabled:
        yield lambda _msg: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("…", total=total)
        started = False

        def step(description: str) -> None:
            nonlocal started
            if started:
                bar.advance(task)
            started = True
            done = bar.tasks[0].completed
            if done >= (bar.tasks[0].total or 0):
                bar.update(task, total=done + 1)
            bar.update(task, description=description)

        def note(description: str) -> None:
            bar.update(task, description=description)

        _NOTES[id(step)] = note
        try:
            yield step
        finally:
            _NOTES.pop(id(step), None)
        bar.update(task, completed=bar.tasks[0].total, description="✓")
