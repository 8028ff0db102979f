"""Duplicate clusters people can check: the records' fields side by side, the score and why, escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crmflow.quality.clusters import duplicate_clusters, quality_clusters
from crmflow.quality.run import assess_quality

DUPS = """ID;Фамилия;Имя;Телефон;E-mail;Дата изменения
1;Петров;<script>alert(1)</script>;8 (916) 123-45-67;ivan.petrov@mail.ru;01.03.2024
2;Petrov;Ivan;+79161234567;IVAN.PETROV@MAIL.RU;05.03.2024
3;Сидорова;Мария;8 903 555 11 22;maria.s@yandex.ru;01.03.2024
4;Кузнецов;Олег;8 926 777 88 99;oleg.k@gmail.com;01.03.2024
5;Иван;Петров;89161234567;;02.03.2024
6;Смирнова;Анна;8 915 000 11 22;anna@mail.ru;01.03.2024
"""


@pytest.fixture(scope="module")
def quality(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("dups")
    path = folder / "contacts.csv"
    path.write_text(DUPS, encoding="utf-8")
    return assess_quality([path]).data


def test_the_document_keeps_the_values_of_every_clustered_record(quality: dict) -> None:
    dup = quality["duplicates"]
    assert dup["clusters"] == [["1", "2", "5"]]
    values = dup["record_values"]
    assert set(values) == {"1", "2", "5"}  # only clustered records, not the whole table
    assert values["1"]["phone"] == "8 (916) 123-45-67" and values["2"]["email"] == "IVAN.PETROV@MAIL.RU"
    assert values["5"]["first_name"] == "Петров" and values["5"]["email"] is None
    json.dumps(quality)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_cluster_shows_its_records_side_by_side_with_the_score_and_why(quality: dict, lang: str) -> None:
    (cluster,) = duplicate_clusters(quality["duplicates"], entity="contacts", lang=lang)
    assert [r.id for r in cluster.records] == ["2", "1", "5"]  # the survivor (updated last) first
    assert [r.survivor for r in cluster.records] == [True, False, False]
    phone = cluster.fields.index("phone")
    assert [r.values[phone] for r in cluster.records] == ["+79161234567", "8 (916) 123-45-67", "89161234567"]
    assert cluster.headers[phone] == ("телефон" if lang == "ru" else "phone")
    pairs = {(p.id_a, p.id_b): p for p in cluster.pairs}
    raw = {(p["id_a"], p["id_b"]): p for p in quality["duplicates"]["pairs"]}
    assert set(pairs) == set(raw) and len(pairs) >= 2
    for key, p in pairs.items():
        assert 0.9 <= p.probability == raw[key]["probability"]
        assert re.fullmatch(r">?\d+(,\d)?\u00a0%" if lang == "ru" else r">?\d+(\.\d)?%", p.score)
        agreeing = [f for f, level in raw[key]["agreements"].items() if level != "missing"]
        assert len(p.reasons) == len(agreeing) and p.reasons  # every compared field, none left empty
        weights = [raw[key]["field_weights"][f] for f in agreeing]
        if lang == "ru":
            assert "." not in "".join(p.reasons)  # the weights with a decimal comma
        assert max(weights) > 0
    phone_pair = pairs[("1", "2")]
    assert phone_pair.reasons[0].startswith("телефон: совпадает" if lang == "ru" else "phone agrees")
    assert cluster.merge_reason.startswith("Остаётся 2" if lang == "ru" else "2 survives")
    assert quality_clusters(quality, lang=lang) == (cluster,)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_quality_page_shows_the_cluster_escaped(quality: dict, lang: str, tmp_path: Path) -> None:
    from crmflow.quality.html import render_quality_html

    page = render_quality_html(quality, lang=lang)
    section = page[page.index('<details class="cluster"') :]
    section = section[: section.index("</details>")]
    for value in ("+79161234567", "8 (916) 123-45-67", "89161234567", "ivan.petrov@mail.ru", "Petrov"):
        assert value in section
    assert "Сидорова" not in section  # a record outside the cluster is not in it
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert ("вероятность совпадения" if lang == "ru" else "match probability") in section
    assert ("остаётся" if lang == "ru" else "survives") in section
    assert re.search(r"<code>1</code> ↔ <code>2</code></td><td class=\"n\">&gt;?\d", section)
