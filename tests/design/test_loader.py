"""Loading To-Be YAML: the schema, errors with file/line/key and a fix, semantic checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.design.build import build_definition
from crmflow.design.checks import check_definition, iter_raci_problems
from crmflow.design.dump import dump_definition
from crmflow.design.loader import load_tobe, read_tobe_text, validate_tobe
from crmflow.design.model import Gateway, Text
from crmflow.errors import ToBeError
from tests.conftest import ROOT
from tests.design.conftest import DOCUMENTED_BRANCHES, EXAMPLE_NAMES, EXAMPLES, example

MINIMAL = """\
tobe: 1
id: mini
name: {ru: Мини, en: Mini}
roles:
  - {id: sdr, name: {ru: Менеджер, en: Manager}}
  - {id: head, name: {ru: Руководитель, en: Head}}
processes:
  - id: p
    name: P
    flow:
      - {id: start, event: start}
      - id: call
        task: user
        name: {ru: Позвонить, en: Call}
        lane: sdr
        raci: {R: sdr, A: head}
      - {id: done, event: end}
"""


def _error(text: str) -> str:
    with pytest.raises(ToBeError) as info:
        read_tobe_text(text, where="t.yaml")
    return str(info.value)


def test_published_schema_is_the_packaged_one() -> None:
    assert (ROOT / "docs" / "tobe.schema.json").read_bytes() == (EXAMPLES.parent / "tobe.schema.json").read_bytes()


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_are_valid_bilingual_and_point_editors_to_the_schema(name: str) -> None:
    path = example(name)
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../tobe.schema.json")
    result = validate_tobe(path)
    d = result.definition
    assert result.warnings == ()
    assert d.name.ru and d.name.en and d.name.ru != d.name.en
    for _, step in d.steps():
        assert step.name.ru and step.name.en, step.id
        assert len(step.raci.accountable) == 1 and step.raci.responsible
    assert build_definition(dump_definition(d)) == d


def test_the_five_examples_are_shipped() -> None:
    assert EXAMPLE_NAMES == ["b2b_deal", "contractor_registration", "incoming_lead", "order_payment", "service_ticket"]


def test_minimal_definition_defaults() -> None:
    d = read_tobe_text(MINIMAL, where="t.yaml")
    assert d.source == "t.yaml" and d.calendar.timezone == "Europe/Moscow" and d.calendar.holidays == "RU"
    assert d.processes[0].lanes == ("sdr",)  # lanes in use, in order


def test_raci_two_accountable_roles_are_caught_with_the_line() -> None:
    bad = MINIMAL.replace("raci: {R: sdr, A: head}", "raci: {R: sdr, A: [head, sdr]}")
    message = _error(bad)
    assert "t.yaml:16: `processes[0].flow[1].raci.A`" in message
    assert "step `call` has 2 accountable roles (head, sdr)" in message and "keep one" in message


def test_raci_without_responsible_is_caught() -> None:
    message = _error(MINIMAL.replace("raci: {R: sdr, A: head}", "raci: {R: [], A: head}"))
    assert "`processes[0].flow[1].raci.R`" in message and "no responsible role" in message


def test_raci_checks_on_a_model_report_each_step() -> None:
    d = read_tobe_text(MINIMAL, where="t.yaml")
    assert list(iter_raci_problems(d)) == []


def test_unknown_key_names_the_line_and_suggests_the_right_one() -> None:
    message = _error(MINIMAL.replace("        lane: sdr\n", "        lane: sdr\n        chanel: phone\n"))
    assert "t.yaml:16: `processes[0].flow[1].chanel`: unknown key `chanel` (did you mean `channel`?)" in message


def test_wrong_enum_value_suggests_the_closest() -> None:
    message = _error(MINIMAL.replace("task: user", "task: usr"))
    assert "t.yaml:13: `processes[0].flow[1].task`: 'usr' is not allowed — did you mean `user`?" in message


def test_missing_key_is_named() -> None:
    message = _error(MINIMAL.replace("        lane: sdr\n", ""))
    assert "`processes[0].flow[1]`: missing key `lane` (add it)" in message and "t.yaml:12" in message


def test_node_without_a_kind_says_what_to_add() -> None:
    message = _error(MINIMAL.replace("{id: done, event: end}", "{id: done}"))
    assert "t.yaml:17" in message and "add `task:" in message


def test_unknown_role_reference() -> None:
    message = _error(MINIMAL.replace("raci: {R: sdr, A: head}", "raci: {R: sdr, A: boss}"))
    assert "`processes[0].flow[1].raci.A`: role `boss` is not defined (known: sdr, head)" in message


def test_unreachable_step_and_dead_end() -> None:
    text = MINIMAL.replace("      - {id: start, event: start}\n", "      - {id: start, event: start, next: done}\n")
    message = _error(text)
    assert "`call` cannot be reached from a start event of process `p`" in message


def test_gateway_without_default_and_incomplete_conditions() -> None:
    text = MINIMAL.replace(
        "      - {id: done, event: end}\n",
        """\
      - id: gw
        gateway: exclusive
        branches:
          - {to: done, when: "deal.amount > 100"}
          - {to: done2}
      - {id: done, event: end}
      - {id: done2, event: end}
""",
    )
    message = _error(text)
    assert "gateway `gw` has no default branch and branch(es) `done2` have no condition" in message


def test_branch_description_is_a_text_that_survives_dump_and_build() -> None:
    d = read_tobe_text(DOCUMENTED_BRANCHES, where="t.yaml")
    gw = d.processes[0].node("vip")
    assert isinstance(gw, Gateway)
    documented, default = gw.branches
    assert documented.condition == 'decision == "VIP"'
    assert documented.description == Text(ru="Клиент в VIP-списке отдела продаж", en="The customer is on the sales VIP list")
    assert default.default and default.description == Text.of("${customerService.isVip(deal) == false}")
    dumped = dump_definition(d)["processes"][0]["flow"][2]["branches"]
    assert dumped[0]["description"] == {"ru": "Клиент в VIP-списке отдела продаж", "en": "The customer is on the sales VIP list"}
    assert "description" in dumped[1]
    assert build_definition(dump_definition(d)) == d
    plain = read_tobe_text(MINIMAL, where="t.yaml")  # a branch without one dumps no key
    assert all("description" not in b for n in dump_definition(plain)["processes"][0]["flow"] for b in n.get("branches", ()))


def test_branch_description_must_be_a_text() -> None:
    message = _error(
        DOCUMENTED_BRANCHES.replace('description: "${customerService.isVip(deal) == false}"', "description: [not, a, text]")
    )
    assert "t.yaml:21" in message and "`processes[0].flow[2].branches[1].description`" in message


def test_gateway_without_default_is_a_warning(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "      - {id: done, event: end}\n",
        """\
      - id: gw
        gateway: exclusive
        branches:
          - {to: done, when: "deal.amount > 100"}
          - {to: done2, when: "deal.amount <= 100"}
      - {id: done, event: end}
      - {id: done2, event: end}
""",
    )
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    result = validate_tobe(path)
    assert [p.code for p in result.warnings] == ["gateway.no_default"]
    assert "нет ветки по умолчанию" in result.warnings[0].message("ru")


def test_bad_expression_is_reported_with_its_column() -> None:
    text = MINIMAL.replace(
        "        raci: {R: sdr, A: head}\n",
        """\
        raci: {R: sdr, A: head}
        rules:
          checks:
            - {id: c, expression: "deal.amount >> 5", message: x}
""",
    )
    message = _error(text)
    assert "t.yaml:19: `processes[0].flow[1].rules.checks[0].expression`" in message and "column 14" in message


def test_unknown_catalogue_event() -> None:
    message = _error(MINIMAL.replace("        lane: sdr\n", "        lane: sdr\n        publishes: [lead.created]\n"))
    assert "event `lead.created` is not defined in the event catalogue" in message


def test_yaml_syntax_error_names_the_line() -> None:
    message = _error(MINIMAL.replace("name: {ru: Мини, en: Mini}", "name: {ru: Мини, en: Mini"))
    assert message.startswith("t.yaml:4: not valid YAML")


def test_comma_in_flow_text_hint() -> None:
    message = _error(MINIMAL.replace("name: {ru: Позвонить, en: Call}", "name: {ru: Позвонить, уточнить, en: Call}"))
    assert "t.yaml:14" in message and "put the text in quotes" in message


def test_yes_no_in_a_text_hint() -> None:
    message = _error(MINIMAL.replace("name: {ru: Позвонить, en: Call}", "name: {ru: Да, en: Yes}"))
    assert "t.yaml:14" in message and 'put the text in quotes ("Yes")' in message


def test_aliases_duplicate_keys_and_merge_keys_are_refused() -> None:
    assert "anchors and aliases are not allowed" in _error(MINIMAL.replace("name: P", "name: &x P\n    description: *x"))
    assert "`id` is written twice" in _error(MINIMAL.replace("id: mini", "id: mini\nid: again"))


def test_billion_laughs_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b]\n"
    assert "aliases are not allowed" in _error(bomb)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ToBeError, match="cannot read the To-Be file"):
        load_tobe(tmp_path / "missing.yaml")
    bad = tmp_path / "cp1251.yaml"
    bad.write_bytes("name: Квалификация".encode("cp1251"))
    with pytest.raises(ToBeError, match="is not UTF-8"):
        load_tobe(bad)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 2_000_001)
    with pytest.raises(ToBeError, match="at most"):
        load_tobe(big)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ToBeError, match="the file is empty"):
        load_tobe(empty)


def test_semantic_messages_in_russian() -> None:
    bad = MINIMAL.replace("raci: {R: sdr, A: head}", "raci: {R: sdr, A: [head, sdr]}")
    with pytest.raises(ToBeError, match="у шага `call` 2 подотчётных ролей"):
        read_tobe_text(bad, where="t.yaml", lang="ru")


def test_escalation_checks() -> None:
    text = MINIMAL.replace(
        "        raci: {R: sdr, A: head}\n",
        """\
        raci: {R: sdr, A: head}
        sla:
          - id: s
            name: S
            within: 10m
            resolved_when: "lead.reached"
            escalations:
              - after: 1h
                actions:
                  - {action: move_to, step: done}
                  - {action: notify}
""",
    )
    message = _error(text)
    assert "SLA `s` has `resolved_when`/`resume_at` but is not interrupting" in message
    assert "`move_to` may only be the last action" in message
    assert "action `notify` needs `role:`" in message


def test_every_check_of_an_example_passes() -> None:
    for name in EXAMPLE_NAMES:
        assert check_definition(load_tobe(example(name))) == []


def test_every_schema_key_is_documented() -> None:
    """docs/tobe.md is the reference of every key: a key added to the schema must be documented."""
    import json

    doc = (ROOT / "docs" / "tobe.md").read_text(encoding="utf-8")
    keys: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((ROOT / "docs" / "tobe.schema.json").read_text(encoding="utf-8")))
    missing = sorted(k for k in keys if f"`{k}`" not in doc and f"`{k}:" not in doc and f"{{{k}:" not in doc)
    assert missing == []


def test_a_date_that_is_no_date_is_a_schema_error_not_a_value_error() -> None:
    """Found by bench/fuzz.py: a YAML timestamp such as ``2026-03-00`` was constructed before the loader
    kept it as written, and ended in ``ValueError: day is out of range for month``."""
    message = _error(MINIMAL.replace("id: mini", "id: 2026-03-00"))
    assert "t.yaml:2: `id`: '2026-03-00' is not valid" in message
    definition = read_tobe_text(MINIMAL.replace("name: P", "name: 2024-02-30"), where="t.yaml")
    assert definition.processes[0].name == Text(ru="2024-02-30", en="2024-02-30")  # kept as written


@pytest.mark.parametrize(
    ("old", "new"),
    [("name: P", "name: !en: P"), ("raci: {R: sdr, A: head}", "raci: {!custom R: sdr, A: head}")],
)
def test_an_unknown_yaml_tag_is_a_clear_error_with_its_line(old: str, new: str) -> None:
    """Found by bench/fuzz.py (To-Be, seed 18, input 1825): ``!en:`` before a value or a key ended in
    PyYAML's ConstructorError traceback after the YAML had been composed."""
    message = _error(MINIMAL.replace(old, new))
    line = next(i for i, text in enumerate(MINIMAL.replace(old, new).splitlines(), start=1) if new in text)
    assert f"t.yaml:{line}: not valid YAML: could not determine a constructor for the tag" in message


def test_libyaml_and_the_checking_loader_give_the_same_data_and_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The C composer (the fast path) and DepthLimitedLoader agree on every example, value and line."""
    from crmflow.design import loader

    texts = [example(name).read_text(encoding="utf-8") for name in EXAMPLE_NAMES]
    texts.append("a: 2024-01-02\nb: !!str 12\nc: yes\nd: .inf\ne: 0x1F\nf: |\n  two\n  lines\ng: {x: [1, 2]}\n")
    fast = [loader.compose_located(t, where="t.yaml") for t in texts]
    monkeypatch.setattr(loader, "compose_fast", lambda text: None)
    slow = [loader.compose_located(t, where="t.yaml") for t in texts]
    assert [(f.data, f.marks) for f in fast] == [(s.data, s.marks) for s in slow]
    assert fast[-1].data["a"] == "2024-01-02" and fast[-1].marks[("g", "x", 1)] == (9, 12)


def test_the_fast_path_leaves_deep_aliased_and_broken_yaml_to_the_checking_loader() -> None:
    from crmflow.yamlfile import MAX_YAML_DEPTH, compose_fast

    assert compose_fast("a: [1, {b: 2}]") is not None
    assert compose_fast("[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1)) is None
    assert compose_fast("a: &x [1]\nb: *x") is None
    assert compose_fast("a: [1, 2") is None
    assert "t.yaml:1: not valid YAML" in _error("[" * 400 + "]" * 400)
    assert "anchors and aliases are not allowed" in _error("a: &x [1]\nb: *x")


def test_an_unknown_tag_is_an_error_with_its_line_not_a_traceback() -> None:
    message = _error("tobe: 1\nid: !foo bar\n")
    assert message.startswith("t.yaml:2: not valid YAML: could not determine a constructor for the tag '!foo'")
