"""quality.json against its JSON Schema, the HTML page, duplicates wired in, and the command."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.quality.run import assess_quality
from tests.quality.conftest import INVALID_EMAIL, INVALID_INN, INVALID_PHONE, MISSING_IDS, RULES

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "quality.schema.json").read_text("utf-8"))

DUPS = """ID;Фамилия;Имя;Телефон;E-mail;Дата изменения
1;Петров;Иван;8 (916) 123-45-67;ivan.petrov@mail.ru;01.03.2024
2;Petrov;Ivan;+79161234567;IVAN.PETROV@MAIL.RU;05.03.2024
3;Сидорова;Мария;8 903 555 11 22;maria.s@yandex.ru;01.03.2024
4;Кузнецов;Олег;8 926 777 88 99;oleg.k@gmail.com;01.03.2024
5;Иван;Петров;89161234567;;02.03.2024
6;Смирнова;Анна;8 915 000 11 22;anna@mail.ru;01.03.2024
"""


def validate(doc: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def test_document_follows_the_schema(contacts_csv: Path, write) -> None:  # type: ignore[no-untyped-def]
    from tests.quality.conftest import DEALS, MATRIX, ORDERS, PAYMENTS
    from tests.quality.test_reconciliation import RECON

    paths = [contacts_csv, write("orders.csv", ORDERS), write("deals.csv", DEALS), write("payments.csv", PAYMENTS)]
    rules = {
        **RULES,
        "entities": {
            **RULES["entities"],
            "orders": {"matrices": [MATRIX]},
            "deals": {"id": "deal_id"},
            "payments": {"id": "payment_id"},
        },
        "reconciliation": [RECON],
    }
    doc = assess_quality(paths, rules=rules).data
    validate(doc)
    assert [e["name"] for e in doc["entities"]] == ["contacts", "orders", "deals", "payments"]
    assert doc["validity"]["phone"]["invalid_ids"] == INVALID_PHONE
    assert doc["validity"]["email"]["invalid_ids"] == INVALID_EMAIL
    assert doc["validity"]["inn"]["invalid_ids"] == INVALID_INN
    assert doc["completeness"]["missing_ids"] == MISSING_IDS
    assert isinstance(doc["duplicates"]["clusters"], list)
    json.dumps(doc)  # plain JSON


def test_duplicates_are_named_by_id_and_scored(write) -> None:  # type: ignore[no-untyped-def]
    doc = assess_quality([write("contacts.csv", DUPS)]).data
    validate(doc)
    dup = doc["duplicates"]
    assert dup["available"] is True
    assert dup["clusters"] == [["1", "2", "5"]]
    assert dup["merges"][0]["survivor"] == "2"  # updated most recently (the date column was passed on)
    assert dup["duplicate_ids"] == ["1", "5"]
    assert doc["score"]["failing_by_dimension"]["uniqueness"] == 2
    assert doc["score"]["dimensions"]["uniqueness"] == round(4 / 6, 6)


def test_duplicates_can_be_switched_off(write) -> None:  # type: ignore[no-untyped-def]
    doc = assess_quality([write("contacts.csv", DUPS)], duplicates=False).data
    assert doc["duplicates"]["available"] is False and doc["duplicates"]["clusters"] == []
    assert doc["score"]["dimensions"]["uniqueness"] is None


@pytest.mark.parametrize(("lang", "title"), [("ru", "Качество данных"), ("en", "Data quality")])
def test_html_page_is_escaped_and_localised(write, tmp_path: Path, lang: str, title: str) -> None:  # type: ignore[no-untyped-def]
    p = write("contacts.csv", "ID;Телефон;E-mail\n<b>x</b>;<script>alert(1)</script>;a@b.ru\n2;8 916 123 45 67;bad@\n")
    out = assess_quality([p], lang=lang).write(tmp_path / "out")
    page = out.html_path.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and title in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "http" not in page.replace('lang="', "")  # offline: nothing to fetch
    doc = json.loads(out.json_path.read_text("utf-8"))
    assert doc["validity"]["phone"]["invalid_ids"] == ["<b>x</b>"]


def test_command_writes_both_files(contacts_csv: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(json.dumps(RULES, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    out = tmp_path / "q"
    res = CliRunner().invoke(
        app, ["quality", str(contacts_csv), "--rules", str(rules), "--out", str(out), "--lang", "ru", "--no-duplicates"]
    )
    assert res.exit_code == 0, res.output
    assert "Отчёт о качестве записан" in res.output
    doc = json.loads((out / "quality.json").read_text("utf-8"))
    validate(doc)
    assert doc["lang"] == "ru" and doc["completeness"]["missing_ids"] == MISSING_IDS
    assert (out / "quality.html").exists()


def test_command_reports_bad_rules_without_traceback(contacts_csv: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("entities:\n  contacts:\n    requird: [x]\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["quality", str(contacts_csv), "--rules", str(rules), "--out", str(tmp_path / "q")])
    assert res.exit_code == 2
    assert "key `entities.contacts.requird`: unknown key" in res.output
    assert "Traceback" not in res.output
