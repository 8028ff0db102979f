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
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files of tests/design instead of comparing with them.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden", default=False)) or os.environ.get("CRMFLOW_UPDATE_GOLDEN") == "1"


def example(name: str) -> Path:
    return EXAMPLES / f"{name}.yaml"


#: A definition whose gateway branches carry documented conditions (``description``): a bilingual
#: one next to a documented decision, a one-string one on the default branch.
DOCUMENTED_BRANCHES = """\
tobe: 1
id: vip
name: {ru: VIP-сделки, en: VIP deals}
roles:
  - {id: sdr, name: {ru: Менеджер, en: Manager}}
  - {id: head, name: {ru: Руководитель, en: Head}}
processes:
  - id: p
    name: {ru: Сделка, en: Deal}
    flow:
      - {id: start, event: start}
      - {id: call, task: user, name: {ru: Позвонить, en: Call}, lane: sdr, raci: {R: sdr, A: head}}
      - id: vip
        gateway: exclusive
        name: {ru: "VIP-клиент?", en: "VIP customer?"}
        branches:
          - to: approve
            when: decision == "VIP"
            name: VIP
            description: {ru: Клиент в VIP-списке отдела продаж, en: The customer is on the sales VIP list}
          - {to: send, default: true, description: "${customerService.isVip(deal) == false}"}
      - {id: approve, task: user, name: {ru: Согласовать, en: Approve}, lane: head, raci: {R: head, A: head}, next: send}
      - {id: send, task: user, name: {ru: Отправить, en: Send}, lane: sdr, raci: {R: sdr, A: head}}
      - {id: done, event: end}
"""
