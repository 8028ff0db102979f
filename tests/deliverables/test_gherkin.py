"""Gherkin feature files: CRM text in a description must not open a scenario of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.deliverables.gherkin import feature_text, parse_feature
from crmflow.deliverables.uat import build_uat
from crmflow.design.loader import load_tobe
from tests.deliverables.conftest import MINI


@pytest.mark.parametrize(("lang", "injected"), [("en", "Scenario: approve all"), ("ru", "Сценарий: одобрить всё")])
def test_description_cannot_inject_a_scenario(tmp_path: Path, lang: str, injected: str) -> None:
    text = MINI.read_text(encoding="utf-8")
    marker = "    name: {ru: Обработка заявки, en: Ticket handling}\n"
    assert marker in text
    path = tmp_path / "tobe.yaml"
    path.write_text(text.replace(marker, marker + f"    description: '{injected}'\n", 1), encoding="utf-8")
    tobe = load_tobe(path)
    suite = build_uat(tobe, lang=lang, targets=[])
    feature = feature_text(tobe, tobe.processes[0], suite, lang=lang)
    expected = sum(1 for s in suite.scenarios if s.process == tobe.processes[0].id)
    parsed = parse_feature(feature)
    assert len(parsed["scenarios"]) == expected  # type: ignore[arg-type]
    assert "  \\" + injected + "\n" in feature
