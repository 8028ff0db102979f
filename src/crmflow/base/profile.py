"""Stage profile of a long run: wall seconds and peak memory of each stage, so that a regression shows where it is.

``crmflow audit --profile`` (or ``CRMFLOW_PROFILE=1``) times the audit's own stages -- reading,
mining, each family of findings, the As-Is BPMN, the document and the files written -- with a
:class:`StageProfile`; the library code marks its stages with ``with profile.stage("mining"):``
whether or not anyone is profiling (a disabled profile costs nothing).

Peak memory is the resident set of the whole process (Python and DuckDB together): on Linux the
kernel's high-water mark (``VmHWM``) is read and reset at every stage boundary, so each stage gets
the peak reached *during* it; elsewhere it is the peak of the process so far. The reset also lowers
what ``getrusage(...).ru_maxrss`` reports afterwards (the kernel keeps one counter): while profiling,
the stages' peaks are the measure of the process's peak.

>>> profile = StageProfile()
>>> with profile.stage("mining"):
...     with profile.stage("dfg"):
...         pass
>>> [(s.name, s.depth) for s in profile.stages]
[('mining', 0), ('mining/dfg', 1)]
>>> profile.lines()[0].split()[0]
'mining'
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclass(frozen=True)
class StageTiming:
    """One stage: its path (``findings/evidence``), nesting depth, wall seconds and peak resident memory (MB)."""

    name: str
    depth: int
    seconds: float
    peak_rss_mb: float

    def line(self) -> str:
        """``findings/evidence      1.23 s   peak  645 MB`` -- indented by depth."""
        label = "  " * self.depth + self.name
        return f"{label:<34} {self.seconds:8.2f} s   peak {self.peak_rss_mb:7.0f} MB"


def _high_water_mb() -> float:
    """The process's peak resident memory since the last reset (Linux), or since it started."""
    try:
        for row in _STATUS.read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux


def _reset_high_water() -> bool:
    try:
        _CLEAR_REFS.write_text("5")  # 5: reset the peak RSS counter only (proc(5))
    except OSError:
        return False
    return True


class StageProfile:
    """Records nested stages in the order they start.

    Parameters
    ----------
    enabled
        When False, :meth:`stage` does nothing (the library marks its stages unconditionally).
    on_stage
        Called with each :class:`StageTiming` when its stage ends (e.g. to print it at once).
    """

    def __init__(self, *, enabled: bool = True, on_stage: Callable[[StageTiming], None] | None = None) -> None:
        self.enabled = enabled
        self.on_stage = on_stage
        self._done: list[StageTiming | None] = []
        self._open: list[list[float]] = []  # per open stage: [peak so far]
        self._names: list[str] = []

    @classmethod
    def disabled(cls) -> StageProfile:
        return cls(enabled=False)

    def _boundary(self) -> None:
        """Fold the peak since the last boundary into every open stage, then start a new interval."""
        peak = _high_water_mb()
        for acc in self._open:
            acc[0] = max(acc[0], peak)
        _reset_high_water()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage ``name`` (nested inside the stage that is open, if any)."""
        if not self.enabled:
            yield
            return
        self._boundary()
        self._names.append(name)
        self._open.append([0.0])
        slot = len(self._done)
        self._done.append(None)
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            self._boundary()
            peak = self._open.pop()[0]
            path = "/".join(self._names)
            self._names.pop()
            timing = StageTiming(name=path, depth=len(self._names), seconds=seconds, peak_rss_mb=peak)
            self._done[slot] = timing
            if self.on_stage is not None:
                self.on_stage(timing)

    @property
    def stages(self) -> tuple[StageTiming, ...]:
        """The finished stages, in the order they started (a stage before the stages nested in it)."""
        return tuple(s for s in self._done if s is not None)

    def lines(self) -> list[str]:
        """One line per finished stage (:meth:`StageTiming.line`)."""
        return [s.line() for s in self.stages]


def print_stage(timing: StageTiming) -> None:
    """Write one stage's line to standard error (``CRMFLOW_PROFILE=1`` outside the CLI)."""
    print("crmflow profile: " + timing.line(), file=sys.stderr, flush=True)


__all__ = ["StageProfile", "StageTiming", "print_stage"]
