"""Running ``web/bpmnjs/check.mjs``: bpmn-js (the viewer) in Debian's headless Chromium, via playwright-core.

``make test`` installs both (``make system-deps``); :func:`missing_tools` says what is absent so the
tests can skip with that reason where they genuinely cannot run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BPMNJS = ROOT / "web" / "bpmnjs"


@dataclass(frozen=True)
class Import:
    """What bpmn-js reported for one file."""

    ok: bool
    error: str | None
    warnings: list[str]
    missing: list[str]
    shapes: int
    elements: int
    page_errors: list[str]
    png: Path | None


def chromium() -> str | None:
    """The Chromium executable the check uses ($CRMFLOW_CHROMIUM or Debian's), if present."""
    path = os.environ.get("CRMFLOW_CHROMIUM") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def missing_tools() -> str | None:
    """Why bpmn-js cannot run here (None when it can)."""
    if shutil.which("node") is None:
        return "Node.js is not installed (make system-deps needs it for the bpmn-js check)"
    if chromium() is None:
        return "Chromium is not installed (make system-deps installs Debian's chromium)"
    if not (BPMNJS / "node_modules" / "bpmn-js" / "dist").is_dir() or not (BPMNJS / "node_modules" / "playwright-core").is_dir():
        return "web/bpmnjs/node_modules is missing (make system-deps runs npm ci there)"
    return None


def import_into_bpmnjs(models: list[tuple[Path, Path | None]], *, timeout: float = 180.0) -> list[Import]:
    """Import each BPMN file into bpmn-js; ``(file, png)`` pairs, ``png`` is a screenshot to save or None."""
    args = ["node", str(BPMNJS / "check.mjs")]
    for model, png in models:
        args.append(str(model))
        if png is not None:
            args += ["--png", str(png)]
    env = dict(os.environ, CRMFLOW_CHROMIUM=chromium() or "")
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bpmn-js check failed (exit {done.returncode}): {done.stderr.strip()}")
    return [
        Import(
            ok=r["ok"],
            error=r["error"],
            warnings=r["warnings"],
            missing=r["missing"],
            shapes=r["shapes"],
            elements=r["elements"],
            page_errors=r["page_errors"],
            png=Path(r["png"]) if r["png"] else None,
        )
        for r in json.loads(done.stdout)
    ]
