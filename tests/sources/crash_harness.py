"""kill -9 during ``crmflow import --into``: the harness shared by the test and ``bench/crash_import.py``.

A project holds an old import; ``crmflow import NEW --into PROJECT`` runs in a subprocess and is
killed (SIGKILL) after a random delay drawn over the length of an uninterrupted import. Afterwards
the project must open (its consistency check passes) and be exactly the old or the new state, and
``crmflow audit`` on it must agree with an audit of a fresh import of the same sources.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CRMFLOW = [str(Path(sys.executable).with_name("crmflow"))]
_ACTS = ["Новая", "Квалификация", "КП отправлено", "Договор", "Оплата"]
#: The audit sections compared between a project that survived a kill and a fresh import.
COMPARED = ("log", "dfg", "variants", "variants_total", "activities", "resources", "quarantine")


def write_log(path: Path, cases: int, seed: int) -> Path:
    """A generic CRM event log (``;``, dd.mm.yyyy) with a few broken rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write("ID сделки;Стадия;Дата;Ответственный\n")
        for c in range(cases):
            for i, act in enumerate(_ACTS[: rng.randint(2, 5)]):
                f.write(f"D-{c};{act};{1 + i:02d}.03.2024 10:{rng.randint(0, 59):02d};m{rng.randint(1, 5)}\n")
            if c % 97 == 0:
                f.write(f'D-{c};"Незакрытая;31.02.2024 10:00;m1\n')
    return path


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([*CRMFLOW, *args], capture_output=True, text=True, env=env, check=False, **kw)  # type: ignore[call-overload]


def audit_doc(project: Path, out: Path) -> dict[str, object]:
    """The compared sections of ``crmflow audit PROJECT``'s audit.json (or ``{"error": …}``)."""
    res = run(["audit", str(project), "--out", str(out)])
    if res.returncode != 0:
        return {"error": (res.stdout + res.stderr)[-500:]}
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    return {k: doc.get(k) for k in COMPARED}


@dataclass(frozen=True)
class Trial:
    delay: float
    killed: bool  # False: the import finished before the kill
    state: str  # "old", "new" or what went wrong
    leftovers: int  # staging folders beside the project after the next successful import


@dataclass
class Harness:
    folder: Path
    old_source: Path
    new_source: Path
    old_ref: dict[str, object]
    new_ref: dict[str, object]
    baseline: Path  # a project holding only the old import
    duration: float  # seconds of an uninterrupted import of the new source

    @classmethod
    def build(cls, folder: Path, *, old_cases: int = 300, new_cases: int = 20000) -> Harness:
        folder.mkdir(parents=True, exist_ok=True)
        old = write_log(folder / "old.csv", old_cases, 1)
        new = write_log(folder / "new.csv", new_cases, 2)
        baseline = folder / "baseline.duckdb"
        assert run(["import", str(old), "--into", str(baseline)]).returncode == 0
        fresh = folder / "fresh_new.duckdb"
        start = time.perf_counter()
        res = run(["import", str(new), "--into", str(fresh)])
        duration = time.perf_counter() - start
        assert res.returncode == 0, res.stdout + res.stderr
        return cls(
            folder=folder,
            old_source=old,
            new_source=new,
            old_ref=audit_doc(baseline, folder / "ref_old"),
            new_ref=audit_doc(fresh, folder / "ref_new"),
            baseline=baseline,
            duration=duration,
        )

    def trial(self, n: int, delay: float, *, check_cleanup: bool = True) -> Trial:
        project = self.folder / f"trial_{n}" / "p.duckdb"
        project.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.baseline, project)
        env = {**os.environ, "COLUMNS": "200"}
        proc = subprocess.Popen(
            [*CRMFLOW, "import", str(self.new_source), "--into", str(project)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        doc = audit_doc(project, project.parent / "audit")
        state = "old" if doc == self.old_ref else "new" if doc == self.new_ref else f"neither: {str(doc)[:300]}"
        leftovers = 0
        if check_cleanup:  # the next import cleans what the killed one left
            res = run(["import", str(self.old_source), "--into", str(project)])
            leftovers = len(list(project.parent.glob("crmflow-import-*"))) if res.returncode == 0 else -1
        shutil.rmtree(project.parent, ignore_errors=True)
        return Trial(delay=delay, killed=killed, state=state, leftovers=leftovers)

    def trials(self, n: int, seed: int = 0, *, cleanup_every: int = 1, spread: float = 2.0) -> Iterator[Trial]:
        """``n`` trials, killed after a delay uniform in [0, ``spread`` × an uninterrupted import].

        A trial's import also copies and checks the old project, so a spread above 1 is needed to
        reach the moments around the final swap and past it.
        """
        rng = random.Random(seed)
        for i in range(n):
            yield self.trial(i, rng.uniform(0.0, self.duration * spread), check_cleanup=i % cleanup_every == 0)
