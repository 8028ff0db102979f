"""The rules YAML: errors name the key and say the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import QualityRulesError
from crmflow.quality.rules import load_quality_rules, parse_rules
from crmflow.quality.run import assess_quality

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "crmflow" / "quality" / "examples"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"entities": {"d": {"requird": ["x"]}}}, "key `entities.d.requird`: unknown key; allowed here: columns"),
        (
            {"entities": {"d": {"stages": {"Won": {"requierd": []}}}}},
            "key `entities.d.stages.Won.requierd`: unknown key; allowed here: empty, required",
        ),
        ({"entities": {"d": {"columns": {"phon": "x"}}}}, "unknown column kind `phon`; use one of phone"),
        (
            {"reconciliation": [{"name": "x", "left": {"entity": "a"}, "right": {"entity": "b"}, "period": "week"}]},
            "key `reconciliation[0].period`",
        ),
        ({"sequences": [{"log": "h.csv", "forbidden": [["New"]]}]}, "each transition is a pair [from, to]"),
        ({"validity": {"max_future_days": -1}}, "key `validity.max_future_days`"),
        ([1, 2], "expected a mapping"),
    ],
)
def test_errors_name_the_key(doc: object, message: str) -> None:
    with pytest.raises(QualityRulesError, match=None) as err:
        parse_rules(doc)
    assert message in str(err.value)


def test_columns_are_checked_against_the_file(contacts_csv: Path) -> None:
    msg = r"entities\.contacts\.required: column `Отчество` is not in contacts\.csv; columns: ID"
    with pytest.raises(QualityRulesError, match=msg):
        assess_quality([contacts_csv], rules={"entities": {"contacts": {"required": ["Отчество"]}}})
    with pytest.raises(QualityRulesError, match=r"matrices\[0\]\.allowed\[0\]: 1 values for 2 columns"):
        assess_quality(
            [contacts_csv],
            rules={"entities": {"contacts": {"matrices": [{"columns": ["Стадия", "Компания"], "allowed": [["Новый"]]}]}}},
        )
    with pytest.raises(QualityRulesError, match=r"references\[0\]\.entity: no entity `products`"):
        assess_quality(
            [contacts_csv],
            rules={"entities": {"contacts": {"references": [{"column": "Компания", "entity": "products", "key": "name"}]}}},
        )


def test_bad_yaml_file(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text("entities: [unclosed", encoding="utf-8")
    with pytest.raises(QualityRulesError, match="r.yaml: not valid YAML"):
        load_quality_rules(p)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_shipped_examples_are_valid(name: str) -> None:
    rules = load_quality_rules(EXAMPLES / name)
    assert rules.entities


def test_the_documented_example_is_valid() -> None:
    import re

    import yaml

    doc = (Path(__file__).resolve().parents[2] / "docs" / "quality.md").read_text("utf-8")
    block = re.search(r"```yaml\n(.*?)```", doc, re.S)
    assert block is not None
    rules = parse_rules(yaml.safe_load(block.group(1)))
    assert set(rules.entities) == {"deals", "companies", "payments"}
    assert rules.date_order and rules.sequences and rules.reconciliation


def test_rules_file_with_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    # Nested aliases load as shared lists; any code that walks them visits 10**k values ("billion laughs").
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 5)]
    lines += ["entities:", "  contacts:", "    required: *a4"]  # 10**5 values; each level more multiplies by 10
    p = tmp_path / "rules.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(QualityRulesError, match=r"rules\.yaml: not valid YAML at line 2, .*aliases .* are not allowed"):
        load_quality_rules(p)
