"""Scratch space that survives no crash: temporary files and folders named after their owner's process.

A ``kill -9`` skips every ``finally``, so temporary copies (a transcoded CSV, DuckDB's spill
folder, a staged project) would pile up. Everything crmflow writes to the temporary folder is
named ``crmflow-<kind>-<pid>-<random>``; :func:`clean_stale` (run when a store opens) removes the
ones whose process no longer exists.

>>> path = scratch_file("fix", suffix=".csv")
>>> path.name.startswith(f"crmflow-fix-{os.getpid()}-") and path.exists()
True
>>> path.unlink()
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

#: The kinds of scratch crmflow makes; only names of exactly this shape are ever removed.
KINDS = ("duckdb", "fix", "lf", "import")
_NAME = re.compile(rf"crmflow-(?:{'|'.join(KINDS)})-(\d+)-[a-z0-9_]{{8}}(?:\.csv)?")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def scratch_file(kind: str, *, suffix: str = "") -> Path:
    """A new empty temporary file ``crmflow-<kind>-<pid>-…`` (the caller deletes it)."""
    fd, name = tempfile.mkstemp(prefix=f"crmflow-{kind}-{os.getpid()}-", suffix=suffix)
    os.close(fd)
    return Path(name)


def scratch_dir(kind: str, *, parent: Path | None = None) -> Path:
    """A new temporary folder ``crmflow-<kind>-<pid>-…`` (in ``parent``, or the temporary folder)."""
    return Path(tempfile.mkdtemp(prefix=f"crmflow-{kind}-{os.getpid()}-", dir=parent))


def clean_stale(folder: Path | None = None) -> list[Path]:
    """Remove the scratch files and folders of processes that are gone; return what was removed."""
    root = Path(folder or tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for entry in root.iterdir():
            m = _NAME.fullmatch(entry.name)
            if not m or _alive(int(m.group(1))):
                continue
            try:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                removed.append(entry)
            except OSError:
                continue
    return removed


__all__ = ["clean_stale", "scratch_dir", "scratch_file"]
