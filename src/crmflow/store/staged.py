"""Atomic replacement of a project store: build the new state in a copy, swap it in with one rename.

:func:`staged_project` is the whole protocol of ``crmflow import --into PROJECT.duckdb``:

1. take the project's lock (``.PROJECT.duckdb.lock`` beside it; a second import waits for none and
   is refused with a message);
2. remove the staging folders an earlier, killed import left beside the project;
3. open the current project (DuckDB replays its write-ahead log), check that it adds up except for
   the log about to be replaced, checkpoint it (no log left beside it) and copy it into a new
   staging folder ``crmflow-import-<pid>-…`` beside the project (same file system);
4. the caller imports into the copy, checks it and closes it;
5. ``fsync`` the copy, ``os.replace`` it over the project (atomic on POSIX), ``fsync`` the folder.

A crash before step 5 leaves the previous project untouched (and a staging folder, removed by the
next import); a crash after it leaves the new one. No reader ever sees a half-written project.
The cost is one copy of the project file per import.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from crmflow.errors import StoreError
from crmflow.i18n import error
from crmflow.settings import Settings
from crmflow.store.consistency import ensure_consistent
from crmflow.store.error_messages import ERRORS
from crmflow.store.scratch import clean_stale, scratch_dir


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    lock_path = target.with_name(f".{target.name}.lock")
    fh = lock_path.open("a")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise error(StoreError, ERRORS, "staged.another_crmflow_import_writing", target=target) from None
        yield
    finally:
        fh.close()  # releases the lock


@contextlib.contextmanager
def staged_project(target: Path, *, settings: Settings, replacing: str | None) -> Iterator[Path]:
    """A copy of ``target`` to import into; on a clean exit it replaces ``target`` atomically.

    Parameters
    ----------
    target
        The project file (created when absent).
    settings
        For opening the current project.
    replacing
        The log the import replaces (its numbers are not checked beforehand: the import is the fix).

    Raises
    ------
    StoreError
        Another import holds the project; the current project does not add up
        (:class:`~crmflow.errors.StoreInconsistentError`, with the fix).
    """
    from crmflow.store.store import EventStore

    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        clean_stale(target.parent)  # staging folders of killed imports (we hold the lock: none is running)
        work = scratch_dir("import", parent=target.parent)
        staged = work / target.name
        try:
            if target.exists():
                with EventStore(target, settings=settings, verify=False) as old:
                    ensure_consistent(old, skip=frozenset({replacing}) if replacing else frozenset())
                    old.sql("CHECKPOINT")
                if target.with_name(target.name + ".wal").exists():
                    raise error(StoreError, ERRORS, "staged.write_ahead_log_still", target=target)
                shutil.copyfile(target, staged)
            yield staged
            if staged.with_name(staged.name + ".wal").exists():  # the caller did not checkpoint: not complete
                raise error(StoreError, ERRORS, "staged.import_did_not_finish", target=target)
            _fsync(staged)
            os.replace(staged, target)
            _fsync(target.parent)
        finally:
            shutil.rmtree(work, ignore_errors=True)


__all__ = ["staged_project"]
