"""UAT scenarios: generated from model paths, in Gherkin (ru/en), with honestly computed coverage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crmflow.deliverables.gherkin import KEYWORDS, feature_text, one_line, parse_feature
from crmflow.deliverables.tobe_bpmn import compile_definitions, compiled_targets
from crmflow.deliverables.uat import build_uat, coverage, uat_targets
from crmflow.design.loader import load_tobe, read_tobe_text
from tests.deliverables.conftest import EXAMPLES, MINI
from tests.design.conftest import DOCUMENTED_BRANCHES

GOLDEN = Path(__file__).parent / "golden"
#: Set CRMFLOW_UPDATE_GOLDEN=1 to rewrite the golden feature files after a deliberate change.
UPDATE = os.environ.get("CRMFLOW_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("path", [*EXAMPLES, MINI], ids=lambda p: p.stem)
def test_targets_of_the_definition_are_those_of_the_compiled_bpmn(path: Path) -> None:
    tobe = load_tobe(path)
    compiled = compile_definitions(tobe, lang="en").definitions
    from_bpmn = sorted(t.id for t in compiled_targets(compiled, tobe))
    assert from_bpmn == sorted(t.id for t in uat_targets(tobe))
    suite = build_uat(tobe, lang="en", targets=compiled_targets(compiled, tobe))
    assert suite.coverage.percent() == 100.0


def test_coverage_counts_only_what_scenarios_cover() -> None:
    tobe = load_tobe(MINI)
    suite = build_uat(tobe, lang="en")
    targets = list(suite.targets)
    paths_only = coverage(targets, [s for s in suite.scenarios if s.kind == "path"])
    assert paths_only.percent("branch") == 100.0
    assert paths_only.covered["escalation"] == 0 and paths_only.covered["rule"] == 0
    assert paths_only.percent() == pytest.approx(100 * 4 / 11)
    assert "escalation:intake/reply_1h/2" in paths_only.uncovered
    first_path = coverage(targets, [suite.scenarios[0]])
    assert first_path.covered["branch"] == 3 and "branch:decide->escalate" in first_path.uncovered


def test_a_bpmn_branch_the_generator_does_not_know_is_uncovered() -> None:
    from dataclasses import replace

    from crmflow.bpmn.model import Gateway, SequenceFlow

    tobe = load_tobe(MINI)
    defs = compile_definitions(tobe, lang="en").definitions
    process = defs.processes[0]
    extra = Gateway(id="extra_gw", direction="diverging")
    flows = (
        SequenceFlow(id="f_x1", source="extra_gw", target="resolve"),
        SequenceFlow(id="f_x2", source="extra_gw", target="escalate"),
    )
    patched = replace(defs, processes=(replace(process, nodes=(*process.nodes, extra), flows=(*process.flows, *flows)),))
    suite = build_uat(tobe, lang="en", targets=compiled_targets(patched, tobe))
    assert suite.coverage.percent("branch") < 100.0
    assert set(suite.coverage.uncovered) == {"branch:extra_gw->resolve", "branch:extra_gw->escalate"}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_feature_files_parse_and_use_the_language_keywords(lang: str) -> None:
    tobe = load_tobe(MINI)
    suite = build_uat(tobe, lang=lang)
    text = feature_text(tobe, tobe.processes[0], suite, lang=lang)
    parsed = parse_feature(text)
    assert parsed["language"] == lang and parsed["feature"] == tobe.processes[0].name.get(lang)
    scenarios = parsed["scenarios"]
    assert len(scenarios) == len(suite.scenarios) == 9  # type: ignore[arg-type]
    kw = KEYWORDS[lang]
    for sc in scenarios:  # type: ignore[union-attr]
        words = [line.split(" ", 1)[0] for line in sc["steps"]]
        assert words[0] == kw["given"] and kw["when"] in words and kw["then"] in words
    for s in suite.scenarios:
        for target in s.covers:
            assert f"@{target}" in text
    golden = GOLDEN / f"mini_tobe.{lang}.feature"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "run with CRMFLOW_UPDATE_GOLDEN=1 after a deliberate change"


@pytest.mark.parametrize(
    ("lang", "documented"),
    [
        # the condition in words, the expression beside it in brackets (issue 17), then the documented condition
        (
            "en",
            'VIP: the condition decision is “VIP” [decision == "VIP"] holds — documented condition: '
            "“The customer is on the sales VIP list”",
        ),
        (
            "ru",
            'VIP: выполняется условие решение — «VIP» [decision == "VIP"] — документированное условие: '
            "«Клиент в VIP-списке отдела продаж»",
        ),
    ],
)
def test_path_scenarios_show_the_documented_condition_next_to_the_decision(lang: str, documented: str) -> None:
    tobe = read_tobe_text(DOCUMENTED_BRANCHES, where="vip.yaml")
    suite = build_uat(tobe, lang=lang)
    whens = [text for s in suite.scenarios if s.kind == "path" for word, text in s.steps if word == "when"]
    assert documented in whens
    assert any(w.endswith("${customerService.isVip(deal) == false}" + ("»" if lang == "ru" else "”")) for w in whens)
    feature = feature_text(tobe, tobe.processes[0], suite, lang=lang)
    assert documented in feature and parse_feature(feature)["language"] == lang


def test_path_scenarios_without_a_documented_condition_are_unchanged() -> None:
    whens = [text for s in build_uat(load_tobe(MINI), lang="en").scenarios for _w, text in s.steps]
    assert not any("documented condition" in w for w in whens)


def test_escalation_scenarios_walk_the_chain_in_order() -> None:
    tobe = load_tobe(next(p for p in EXAMPLES if p.stem == "incoming_lead"))
    suite = build_uat(tobe, lang="en")
    chain = [s for s in suite.scenarios if s.kind == "escalation" and s.id.endswith(("-1", "-2", "-3"))]
    assert [s.covers[0].rsplit("/", 1)[1] for s in chain] == ["1", "2", "3"]
    third = dict(enumerate(text for _w, text in chain[2].steps))
    assert any("escalation level 2 ran" in v for v in third.values())
    assert chain[2].steps[-1][1].startswith("notify Head of sales")
    resolved = [s for s in suite.scenarios if s.id.endswith("-resolved")]
    assert len(resolved) == 2 and all(s.steps[-1][1] == "the case continues at “Qualify the lead”" for s in resolved)


def test_one_line_keeps_gherkin_structure() -> None:
    assert one_line("a\nb  c") == "a b c"
    assert one_line("# not a comment") == "\\# not a comment"
    assert one_line("@tag") == "\\@tag"


def test_asyncapi_golden() -> None:
    from crmflow.deliverables.asyncapi import asyncapi_yaml

    text = asyncapi_yaml(load_tobe(MINI), lang="en")
    golden = GOLDEN / "mini_tobe.asyncapi.yaml"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "run with CRMFLOW_UPDATE_GOLDEN=1 after a deliberate change"
