"""Duplicate detection on CRM data full of shared values: placeholders, an office phone, common keys."""

from __future__ import annotations

import random

import pytest

from crmflow.demo.contacts import ContactSet, generate_contacts
from crmflow.errors import QualityRulesError
from crmflow.quality.duplicates import DuplicateFields, DuplicateReport, find_duplicates
from crmflow.quality.linkage_prepare import is_placeholder
from crmflow.store.store import EventStore

FIELDS = DuplicateFields(
    phone="phone",
    email="email",
    first_name="first_name",
    last_name="last_name",
    middle_name="middle_name",
    inn="inn",
    company="company",
    updated_at="updated_at",
)
SHARED = "8 (800) 555-35-35"  # a number typed into 2,000 contacts: not a digit pattern, only the cap catches it
OFFICE = "+7 (495) 926-11-00"  # an office line on 500 contacts


def _load(demo: ContactSet) -> EventStore:
    store = EventStore()
    demo.load(store, "contacts")
    return store


@pytest.fixture(scope="module")
def crowded() -> tuple[ContactSet, DuplicateReport]:
    """5,000 contacts; 2,000 singletons share one phone, 500 others an office phone, 20 a placeholder."""
    demo = generate_contacts(n_records=5000, seed=5)
    in_cluster = {i for c in demo.true_clusters() for i in c}
    singles = [r for r in demo.rows if r["id"] not in in_cluster]
    random.Random(5).shuffle(singles)
    for k, row in enumerate(singles[:2520]):
        row["phone"] = SHARED if k < 2000 else OFFICE if k < 2500 else "+7 000 000-00-00"
    report = find_duplicates(_load(demo), "contacts", entity="contact", id_column="id", fields=FIELDS)
    return demo, report


def test_true_clusters_survive_shared_phones(crowded: tuple[ContactSet, DuplicateReport]) -> None:
    demo, report = crowded
    score = demo.score(report.clusters)
    assert len(demo.true_clusters()) > 500
    assert score.precision >= 0.95
    assert score.recall >= 0.95


def test_shared_phone_makes_no_giant_cluster(crowded: tuple[ContactSet, DuplicateReport]) -> None:
    _, report = crowded
    assert max(len(c) for c in report.clusters) <= 6  # the generator writes clusters of 2–4
    # no pair is explained by the shared phone: it is not agreement evidence any more
    shared_ids = {str(r["id"]) for r in crowded[0].rows if r["phone"] in (SHARED, OFFICE)}
    for p in report.pairs:
        if p.id_a in shared_ids and p.id_b in shared_ids:
            assert p.agreements["phone"] == "missing"


def test_frequent_values_are_reported_with_counts(crowded: tuple[ContactSet, DuplicateReport]) -> None:
    _, report = crowded
    found = {(v.key, v.value): v for v in report.frequent_values}
    assert found["phone", "+78005553535"].records == 2000
    assert found["phone", "+78005553535"].reason == "frequent"
    assert found["phone", "+74959261100"].records == 500
    assert found["phone", "+7 000 000-00-00"].reason == "placeholder"
    assert found["phone", "+7 000 000-00-00"].records == 20
    assert report.frequent_values_total >= 3
    assert report.max_key_records == 50
    assert {w.code for w in report.warnings} >= {"frequent_values"}
    assert "50" in report.warnings[0].en and "50" in report.warnings[0].ru
    d = report.to_dict()
    assert d["frequent_values"][0] == {"key": "phone", "value": "+78005553535", "records": 2000, "reason": "frequent"}


def test_candidate_pairs_stay_under_the_bound(crowded: tuple[ContactSet, DuplicateReport]) -> None:
    _, report = crowded
    assert report.pair_budget == 50 * 5000
    assert 0 < report.candidate_pairs <= report.pair_budget
    # the shared phone alone would have made 2000·1999/2 ≈ 2 million pairs
    assert report.candidate_pairs < 2000 * 1999 // 2


def test_pair_budget_drops_the_largest_keys_first() -> None:
    demo = generate_contacts(n_records=1000, seed=8)
    in_cluster = {i for c in demo.true_clusters() for i in c}
    singles = [r for r in demo.rows if r["id"] not in in_cluster]
    for k, row in enumerate(singles[:120]):  # three office lines of 40 contacts each: under the cap of 50
        row["phone"] = f"+7 (495) 926-11-0{k % 3}"
    store = _load(demo)
    free = find_duplicates(store, "contacts", entity="contact", id_column="id", fields=FIELDS)
    tight = find_duplicates(store, "contacts", entity="contact", id_column="id", fields=FIELDS, max_pairs_per_record=2)
    assert free.candidate_pairs > 2000 >= tight.candidate_pairs
    assert tight.pair_budget == 2000
    dropped = [v for v in tight.frequent_values if v.reason == "pair_budget"]
    assert dropped and min(v.records for v in dropped) >= max(
        (v.records for v in free.frequent_values if v.reason != "placeholder" and v not in dropped), default=0
    )
    assert "pair_budget" in {w.code for w in tight.warnings}
    assert "2,000" in next(w.en for w in tight.warnings if w.code == "pair_budget")


def test_all_records_share_one_phone_gives_a_clear_report() -> None:
    rng = random.Random(3)
    store = EventStore()
    store.sql("CREATE TABLE contacts (id INTEGER, last_name VARCHAR, first_name VARCHAR, phone VARCHAR)")
    surnames = [f"Фамилия{chr(0x430 + i)}{chr(0x430 + j)}" for i in range(20) for j in range(20)]
    store.con.executemany(
        "INSERT INTO contacts VALUES (?, ?, ?, ?)",
        [(i, rng.choice(surnames), rng.choice(["Анна", "Иван", "Олег", "Мария"]), "+7 916 123-45-67") for i in range(1000)],
    )
    report = find_duplicates(
        store,
        "contacts",
        entity="contact",
        id_column="id",
        fields=DuplicateFields(phone="phone", last_name="last_name", first_name="first_name"),
    )
    assert report.records == 1000
    assert report.frequent_values[0].key == "phone"
    assert report.frequent_values[0].records == 1000
    assert report.candidate_pairs <= report.pair_budget
    codes = {w.code for w in report.warnings}
    assert "frequent_values" in codes
    if not report.trained:  # EM had nothing to learn from: the starting values, said in both languages
        assert "training_failed" in codes
    assert all(len(c) <= 10 for c in report.clusters)


def test_identical_records_give_no_splink_exception() -> None:
    store = EventStore()
    store.sql(
        "CREATE TABLE contacts AS SELECT i AS id, 'Петров Иван' AS fio, '+7 916 123-45-67' AS tel, "
        "'ivan@mail.ru' AS mail FROM range(900) t(i)"
    )
    report = find_duplicates(
        store, "contacts", entity="contact", id_column="id", fields=DuplicateFields(name="fio", phone="tel", email="mail")
    )
    assert report.clusters == []
    assert {(v.key, v.records) for v in report.frequent_values} >= {("phone", 900), ("email", 900), ("name", 900)}
    assert report.candidate_pairs == 0


def test_caps_are_configurable() -> None:
    store = EventStore()
    store.sql(
        "CREATE TABLE contacts AS SELECT * FROM (VALUES (1, 'Петров Иван', '+7 916 123-45-67'), "
        "(2, 'Petrov Ivan', '8 916 123 45 67'), (3, 'Сидоров Олег', '+7 916 123-45-67')) t(id, fio, tel)"
    )
    fields = DuplicateFields(name="fio", phone="tel")
    assert find_duplicates(store, "contacts", entity="contact", id_column="id", fields=fields).clusters == [["1", "2"]]
    capped = find_duplicates(store, "contacts", entity="contact", id_column="id", fields=fields, max_key_records=2)
    assert [(v.key, v.value, v.records) for v in capped.frequent_values] == [("phone", "+79161234567", 3)]
    with pytest.raises(QualityRulesError, match="max_key_records"):
        find_duplicates(store, "contacts", entity="contact", id_column="id", fields=fields, max_key_records=1)


@pytest.mark.parametrize(("kind", "value"), [
    ("phone", "+7 000 000-00-00"), ("phone", "89999999999"), ("phone", "0"), ("phone", "+7 (123) 456-78-90"),
    ("phone", "-"), ("email", "test@test.ru"), ("email", "noemail@mail.ru"), ("email", "1@1.ru"),
    ("email", "ivan@example.com"), ("inn", "0000000000"), ("name", "нет"), ("name", "N/A"), ("company", "Физ. лицо"),
])  # fmt: skip
def test_placeholders(kind: str, value: str) -> None:
    assert is_placeholder(kind, value)


@pytest.mark.parametrize(("kind", "value"), [
    ("phone", "+7 916 123-45-67"), ("phone", "8 (495) 926-11-00"), ("email", "ivan.petrov@mail.ru"),
    ("email", "info@romashka.ru"), ("inn", "7707083893"), ("name", "Нетребко"), ("name", "Анна"),
    ("company", "ООО Тест-Сервис"),
])  # fmt: skip
def test_real_values_are_not_placeholders(kind: str, value: str) -> None:
    assert not is_placeholder(kind, value)


def test_placeholders_are_empty_not_evidence() -> None:
    store = EventStore()
    store.sql(
        "CREATE TABLE contacts AS SELECT * FROM (VALUES (1, 'Петров Иван', '+7 000 000-00-00', 'test@test.ru'), "
        "(2, 'Петров Иван', '+7 000 000-00-00', 'test@test.ru')) t(id, fio, tel, mail)"
    )
    report = find_duplicates(
        store, "contacts", entity="contact", id_column="id", fields=DuplicateFields(name="fio", phone="tel", email="mail")
    )
    # two records only: the name alone decides (the prior is high); the placeholders add no evidence
    assert [(p.agreements["phone"], p.agreements["email"]) for p in report.pairs] == [("missing", "missing")]
    assert {(v.key, v.value, v.records, v.reason) for v in report.frequent_values} == {
        ("phone", "+7 000 000-00-00", 2, "placeholder"),
        ("email", "test@test.ru", 2, "placeholder"),
    }


def test_training_failure_falls_back_to_starting_values(monkeypatch: pytest.MonkeyPatch) -> None:
    from splink.internals.exceptions import EMTrainingException

    from crmflow.quality import linkage_model

    def fail(*_a: object, **_k: object) -> None:
        raise EMTrainingException("Training rule `l.phone_n = r.phone_n` resulted in no record pairs.")

    monkeypatch.setattr(linkage_model, "_train", fail)
    demo = generate_contacts(n_records=1000, seed=9)
    report = find_duplicates(_load(demo), "contacts", entity="contact", id_column="id", fields=FIELDS)
    assert not report.trained
    warning = next(w for w in report.warnings if w.code == "training_failed")
    assert "EMTrainingException" in warning.en and "начальные значения" in warning.ru
    assert demo.score(report.clusters).recall >= 0.9  # the starting values still find the duplicates


def test_scoring_failure_is_a_crmflow_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from splink.internals.exceptions import SplinkException

    from crmflow.errors import DuplicateDetectionError
    from crmflow.quality import linkage_model

    def broken(fields: list[str], prior: float, blocks: list[str]) -> dict[str, object]:
        settings = real_settings(fields, prior, blocks)
        settings["blocking_rules_to_generate_predictions"] = ["l.no_such_column = r.no_such_column"]
        return settings

    real_settings = linkage_model._settings
    monkeypatch.setattr(linkage_model, "_settings", broken)
    store = EventStore()
    store.sql("CREATE TABLE contacts AS SELECT * FROM (VALUES (1, 'Петров Иван'), (2, 'Петров Иван')) t(id, fio)")
    with pytest.raises(DuplicateDetectionError, match="max_key_records") as info:
        find_duplicates(store, "contacts", entity="contact", id_column="id", fields=DuplicateFields(name="fio"))
    assert isinstance(info.value.__cause__, SplinkException)  # the cause is kept, the message is ours
    assert "2 records" in str(info.value) and "no_such_column" in str(info.value)


SHARED_CSV = """ID;Фамилия;Имя;Телефон;E-mail
1;Петров;Иван;8 (916) 123-45-67;ivan.petrov@mail.ru
2;Petrov;Ivan;+79161234567;IVAN.PETROV@MAIL.RU
3;Сидорова;Мария;8 (495) 926-11-00;maria.s@yandex.ru
4;Кузнецов;Олег;8 (495) 926-11-00;oleg.k@gmail.com
5;Смирнова;Анна;8 (495) 926-11-00;anna@mail.ru
6;Волков;Павел;8 (495) 926-11-00;<b>нет</b>
7;Орлова;Нина;+7 000 000-00-00;test@test.ru
"""


@pytest.mark.parametrize(
    ("lang", "label"), [("ru", "Значения, исключённые из поиска дублей"), ("en", "Values left out of the duplicate search")]
)
def test_quality_report_shows_frequent_values(tmp_path, lang: str, label: str) -> None:  # type: ignore[no-untyped-def]
    import json
    from pathlib import Path

    import jsonschema

    from crmflow.quality.run import assess_quality

    src = tmp_path / "contacts.csv"
    src.write_text(SHARED_CSV, encoding="utf-8")
    rules = {"entities": {"contacts": {"id": "ID", "duplicates": {"max_key_records": 3, "max_pairs_per_record": 5}}}}
    result = assess_quality([src], rules=rules, lang=lang)
    dup = result.data["duplicates"]
    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "quality.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(result.data)
    assert dup["clusters"] == [["1", "2"]]
    values = {(v["key"], v["value"]): (v["records"], v["reason"]) for v in dup["frequent_values"]}
    assert values[("phone", "+74959261100")] == (4, "frequent")
    assert values[("phone", "+7 000 000-00-00")] == (1, "placeholder")
    assert dup["max_key_records"] == 3 and dup["pair_budget"] == 35
    page = result.write(tmp_path / "out", lang=lang).html_path.read_text("utf-8")
    assert label in page and "+74959261100" in page and "test@test.ru" in page
    assert "<b>нет</b>" not in page  # CRM data is escaped


def test_quality_rules_reject_a_bad_cap(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from crmflow.quality.run import assess_quality

    src = tmp_path / "contacts.csv"
    src.write_text(SHARED_CSV, encoding="utf-8")
    with pytest.raises(QualityRulesError, match="max_key_records"):
        assess_quality([src], rules={"entities": {"contacts": {"duplicates": {"max_key_records": 1}}}})
