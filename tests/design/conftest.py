"""Fixtures of the design tests: the shipped examples and the golden-file update switch.

Golden BPMN files are rewritten with ``pytest tests/design --update-golden`` (or with the
environment variable ``CRMFLOW_UPDATE_GOLDEN=1`` when the tests run from another directory).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pytest

EXAMPLES = Path(str(files("crmflow.design") / "examples"))
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite the golden files of tests/design instead of comparing with them.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden", default=False)) or os.environ.get(
        "CRMFLOW_UPDATE_GOLDEN") == "1"


def example(name: str) -> Path:
    return EXAMPLES / f"{name}.yaml"
