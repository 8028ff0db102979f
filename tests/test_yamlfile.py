"""The one safe YAML file reader: data back, or an error naming the file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import InputError, QualityRulesError, RulesError
from crmflow.yamlfile import read_yaml


def test_reads_plain_data_with_or_without_bom(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text("\ufeffcase_id: ID сделки\nstages: [a, b]\n", encoding="utf-8")
    assert read_yaml(p, what="mapping file", error=RulesError) == {"case_id": "ID сделки", "stages": ["a", "b"]}
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert read_yaml(empty, what="mapping file", error=RulesError) is None


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "rules.yaml"
    p.write_text("sla:\n  - {from: A, to: B\nstuck_after: 30d\n", encoding="utf-8")
    with pytest.raises(QualityRulesError, match=r"rules\.yaml: not valid YAML at line 3, column \d+: .*indentation") as e:
        read_yaml(p, what="rules file", error=QualityRulesError)
    assert e.value.__cause__ is None


def test_no_python_objects_from_tags(tmp_path: Path) -> None:
    p = tmp_path / "evil.yaml"
    p.write_text("x: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"evil\.yaml: not valid YAML at line 1"):
        read_yaml(p, what="rules file", error=RulesError)


def test_unreadable_file_uses_the_read_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read the mapping file .*missing\.yaml"):
        read_yaml(tmp_path / "missing.yaml", what="mapping file", error=QualityRulesError, read_error=InputError)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Стадия".encode("cp1251"))
    with pytest.raises(RulesError, match=r"latin\.yaml: byte 6 is not UTF-8 \(save the rules file as UTF-8\)"):
        read_yaml(latin, what="rules file", error=RulesError)


@pytest.mark.parametrize(
    "body",
    [
        "a: " + "[" * 400 + "]" * 400 + "\n",  # 807 bytes: PyYAML recursed until RecursionError
        "a: " + "{b: " * 400 + "1" + "}" * 400 + "\n",
        "".join("  " * i + "k:\n" for i in range(400)) + "  " * 400 + "v\n",
    ],
)
def test_deep_nesting_is_refused_with_line_and_column_not_a_recursion_error(tmp_path: Path, body: str) -> None:
    from crmflow.yamlfile import MAX_YAML_DEPTH

    p = tmp_path / "deep.yaml"
    p.write_text(body, encoding="utf-8")
    expected = rf"deep\.yaml: not valid YAML at line \d+, column \d+: .*more than {MAX_YAML_DEPTH} levels"
    with pytest.raises(RulesError, match=expected):
        read_yaml(p, what="mapping file", error=RulesError)


def test_nesting_within_the_limit_is_read(tmp_path: Path) -> None:
    p = tmp_path / "ok.yaml"
    p.write_text("a: " + "[" * 60 + "1" + "]" * 60 + "\n", encoding="utf-8")
    data = read_yaml(p, what="mapping file", error=RulesError)
    data = data["a"]
    for _ in range(60):
        data = data[0]
    assert data == 1


@pytest.mark.parametrize("value", ["2026-03-00", "2024-02-30", "2023-13-01", "2024-01-01 25:00:00"])
def test_a_date_that_is_no_date_is_refused_with_line_and_column_not_a_value_error(tmp_path: Path, value: str) -> None:
    """Found by bench/fuzz.py (quality rules, seed 18): ``as_of: 2026-03-00`` ended in ``ValueError: day is
    out of range for month`` from PyYAML's timestamp constructor."""
    p = tmp_path / "rules.yaml"
    p.write_text(f"checks:\n  as_of: {value}\n", encoding="utf-8")
    with pytest.raises(QualityRulesError, match=rf"line 2, column 10: '{value}' is not a date or a time"):
        read_yaml(p, what="quality rules", error=QualityRulesError)
    p.write_text(f"checks:\n  as_of: '{value}'\n", encoding="utf-8")
    assert read_yaml(p, what="quality rules", error=QualityRulesError) == {"checks": {"as_of": value}}
