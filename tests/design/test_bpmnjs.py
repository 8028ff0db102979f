"""Acceptance: the BPMN compiled from every shipped To-Be opens in bpmn-js without warnings.

Uses the bpmn-js harness of the BPMN tests (headless Chromium); skips, saying why, where it cannot run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.bpmn.writer import write_bpmn
from crmflow.design.compile import compile_tobe
from crmflow.design.loader import load_tobe
from tests.bpmn.bpmnjs import import_into_bpmnjs, missing_tools
from tests.design.conftest import EXAMPLE_NAMES, example

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))


def test_compiled_examples_open_in_bpmnjs_without_warnings(tmp_path: Path) -> None:
    models = []
    for name in EXAMPLE_NAMES:
        for lang in ("ru", "en"):
            path = tmp_path / f"{name}.{lang}.bpmn"
            path.write_bytes(write_bpmn(compile_tobe(load_tobe(example(name)), lang=lang).definitions))
            models.append((path, tmp_path / f"{name}.{lang}.png"))
    results = import_into_bpmnjs(models)
    assert len(results) == len(models)
    for (path, _), result in zip(models, results, strict=True):
        assert result.ok, (path.name, result.error)
        assert result.warnings == [], (path.name, result.warnings)
        assert result.missing == [], (path.name, result.missing)
        assert result.page_errors == [], (path.name, result.page_errors)
        assert result.png is not None and result.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
