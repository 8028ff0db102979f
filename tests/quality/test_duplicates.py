"""Duplicate detection: crafted cases with exact clusters, explanations, merges, and a generated set."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from crmflow.demo.contacts import generate_companies, generate_contacts
from crmflow.errors import ColumnMappingError, QualityRulesError
from crmflow.quality.duplicates import DuplicateFields, DuplicateReport, find_duplicates
from crmflow.quality.linkage_prepare import normalize_email, normalize_inn, normalize_phone, split_full_name
from crmflow.store.store import EventStore
from tests.conftest import real

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

# id, last, first, middle, phone, email, company, inn, updated
CRAFTED = [
    ("c01", "Петров", "Иван", "Сергеевич", "+7 916 111-22-33", "ivan.petrov@mail.ru", "ООО «Вектор»", None,
     "2024-03-01 10:00"),
    # the same man, first and last name swapped, phone in another format
    ("c02", "Иван", "Петров", None, "8 (916) 111-22-33", None, None, None, "2024-05-01 10:00"),
    # a woman typed in Latin by one manager and in Cyrillic by another; gmail dots and a tag
    ("c03", "Shcherbakova", "Yuliya", None, "79031234567", "y.scherbakova@gmail.com", None, None,
     "2024-01-10 09:00"),
    ("c04", "Щербакова", "Юлия", "Андреевна", "+7 903 123-45-67", "Y.Scherbakova+crm@GMAIL.com",
     "АО Альфа", None, "2023-12-01 09:00"),
    # a namesake of c01: other phone, other e-mail, other company
    ("c05", "Петров", "Иван", "Олегович", "+7 925 999-88-77", "petrov.ivan77@yandex.ru", "ИП Петров", None,
     "2024-02-01 10:00"),
    # c01's wife: same home phone, other first name and e-mail
    ("c06", "Петрова", "Мария", "Сергеевна", "8 916 111 22 33", "maria.petrova@mail.ru", None, None,
     "2024-02-02 10:00"),
    # a colleague of c01: same company, another person
    ("c07", "Сидоров", "Алексей", "Петрович", "+7 926 555-44-33", "a.sidorov@vector.ru", "ООО Вектор", None,
     "2024-04-01 12:00"),
    # c07 again with a typo in the surname and no phone; same e-mail
    ("c08", "Сидров", "Алексей", None, None, "A.Sidorov@vector.ru", None, None, "2024-06-01 12:00"),
    # one person found by the personal INN only (other phone, other e-mail, Latin name)
    ("c09", "Kuznetsov", "Dmitry", None, None, "d.kuz@bk.ru", None, "500100732259", "2024-01-01 00:00"),
    ("c10", "Кузнецов", "Дмитрий", "Ильич", "+7 912 000-00-01", None, None, "500100732259",
     "2024-01-01 00:00"),
    ("c11", "Волкова", "Анна", None, "+7 985 765-43-21", "anna.volkova@list.ru", None, None, "2024-01-01 00:00"),
    ("c12", "Морозов", "Юрий", None, "+7 977 123-00-00", "yury.morozov@mail.ru", None, None, "2024-01-01 00:00"),
]  # fmt: skip


@pytest.fixture
def crafted() -> EventStore:
    store = EventStore()
    store.sql(
        "CREATE TABLE contacts (id VARCHAR, last_name VARCHAR, first_name VARCHAR, middle_name VARCHAR, "
        "phone VARCHAR, email VARCHAR, company VARCHAR, inn VARCHAR, updated_at TIMESTAMP)"
    )
    store.con.executemany(
        "INSERT INTO contacts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [(*r[:8], datetime.fromisoformat(r[8])) for r in CRAFTED]
    )
    return store


def _report(store: EventStore) -> DuplicateReport:
    return find_duplicates(store, "contacts", entity="contact", id_column="id", fields=FIELDS)


def test_crafted_clusters_are_exact(crafted: EventStore) -> None:
    report = _report(crafted)
    # swapped names (c01/c02), Cyrillic/Latin (c03/c04), typo + same e-mail (c07/c08), INN (c09/c10);
    # the namesake c05, the wife c06 sharing the phone and the colleague c07 stay apart from c01
    assert report.clusters == [["c01", "c02"], ["c03", "c04"], ["c07", "c08"], ["c09", "c10"]]
    assert report.records == 12
    assert report.duplicate_records == 4


def test_explanations_name_the_agreeing_fields(crafted: EventStore) -> None:
    pairs = {(p.id_a, p.id_b): p for p in _report(crafted).pairs}
    assert set(pairs) == {("c01", "c02"), ("c03", "c04"), ("c07", "c08"), ("c09", "c10")}
    swapped = pairs["c01", "c02"]
    assert swapped.agreements["name"] == "swapped"
    assert swapped.agreements["phone"] == "exact"
    assert swapped.agreements["email"] == "missing"
    assert swapped.field_weights["phone"] > 0 and swapped.field_weights["name"] > 0
    assert swapped.probability >= 0.9
    assert swapped.match_weight == pytest.approx(
        sum(swapped.field_weights.values()) + (swapped.match_weight - sum(swapped.field_weights.values()))
    )
    latin = pairs["c03", "c04"]
    assert latin.agreements["name"] == "exact"  # the transliteration key makes them equal
    assert latin.agreements["email"] == "exact"  # gmail dots and +tag ignored
    assert pairs["c07", "c08"].agreements["name"] == "typo"
    assert pairs["c09", "c10"].agreements["inn"] == "exact"
    en, ru = swapped.explain("en"), swapped.explain("ru")
    assert "c01" in en and "phone agrees" in en and "swapped" in en
    assert "телефон: совпадает" in ru and "переставлены" in ru


def test_merge_proposals_choose_survivor_and_fields(crafted: EventStore) -> None:
    merges = {m.survivor: m for m in _report(crafted).merges}
    # c01 is more complete than c02; c04 more complete than c03
    assert set(merges) == {"c01", "c04", "c07", "c10"}
    assert merges["c01"].merged == ["c02"]
    assert "c01" in merges["c01"].reason_en and "most fields" in merges["c01"].reason_en
    assert "Остаётся c01" in merges["c01"].reason_ru
    # the valid phone of the most recently updated record (c02, updated later)
    assert merges["c01"].field_values["phone"].from_id == "c02"
    assert merges["c01"].field_values["email"].value == "ivan.petrov@mail.ru"
    assert merges["c01"].field_values["company"].from_id == "c01"
    # c10 and c09: c10 has more fields
    assert merges["c10"].field_values["email"].from_id == "c09"


def test_survivor_ties_go_to_most_recent_then_smallest_id() -> None:
    store = EventStore()
    store.sql(
        "CREATE TABLE t AS SELECT * FROM (VALUES "
        "(7, 'Иванов', '+7 916 222-33-44', TIMESTAMP '2024-01-01'), "
        "(3, 'Ivanov', '89162223344', TIMESTAMP '2024-06-01'), "
        "(9, 'Иванов', '+79162223344', TIMESTAMP '2024-06-01')) v(id, fio, tel, upd)"
    )
    report = find_duplicates(
        store, "t", entity="contact", id_column="id", fields=DuplicateFields(name="fio", phone="tel", updated_at="upd")
    )
    assert report.clusters == [["3", "7", "9"]]
    merge = report.merges[0]
    assert (merge.survivor, merge.merged) == ("3", ["7", "9"])
    assert "smallest id" in merge.reason_en
    report = find_duplicates(store, "t", entity="contact", id_column="id", fields=DuplicateFields(name="fio", phone="tel"))
    assert report.merges[0].survivor == "3"


def test_source_table_is_not_changed(crafted: EventStore) -> None:
    before = crafted.rows("SELECT * FROM contacts ORDER BY id")
    tables = crafted.rows("SELECT table_name FROM information_schema.tables ORDER BY 1")
    _report(crafted)
    assert crafted.rows("SELECT * FROM contacts ORDER BY id") == before
    assert crafted.rows("SELECT table_name FROM information_schema.tables ORDER BY 1") == tables


def test_report_is_json_serialisable(crafted: EventStore) -> None:
    doc = json.loads(json.dumps(_report(crafted).to_dict()))
    assert doc["entity"] == "contact"
    assert doc["clusters"][0] == ["c01", "c02"]
    assert doc["pairs"][0]["agreements"]["name"] == "swapped"
    assert doc["merges"][0]["field_values"]["phone"] == {"value": "8 (916) 111-22-33", "from_id": "c02"}


def test_full_name_column_is_split() -> None:
    store = EventStore()
    store.sql(
        "CREATE TABLE t AS SELECT * FROM (VALUES "
        "(1, 'Сергеев Павел Андреевич', 'pavel.sergeev@mail.ru'), "
        "(2, 'Pavel Sergeev', 'Pavel.Sergeev@mail.ru'), "
        "(3, 'Сергеев Павел Олегович', 'p.sergeev.84@bk.ru')) v(id, fio, mail)"
    )
    report = find_duplicates(store, "t", entity="contact", id_column="id", fields=DuplicateFields(name="fio", email="mail"))
    assert report.clusters == [["1", "2"]]


def test_bad_input_is_named() -> None:
    store = EventStore()
    store.sql("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (1, 'b')) v(id, fio)")
    with pytest.raises(ColumnMappingError, match="`tel`.*`id`, `fio`"):
        find_duplicates(store, "t", entity="contact", id_column="id", fields=DuplicateFields(phone="tel"))
    with pytest.raises(ColumnMappingError, match="repeats the id '1'"):
        find_duplicates(store, "t", entity="contact", id_column="id", fields=DuplicateFields(name="fio"))
    with pytest.raises(ColumnMappingError, match="table `nope`"):
        find_duplicates(store, "nope", entity="contact", id_column="id", fields=DuplicateFields(name="fio"))
    with pytest.raises(QualityRulesError, match="between 0 and 1"):
        find_duplicates(store, "t", entity="contact", id_column="id", fields=DuplicateFields(name="fio"), threshold=90)


def test_generated_contacts_reach_precision_and_recall() -> None:
    demo = generate_contacts(n_records=2000, seed=11)
    store = EventStore()
    demo.load(store, "contacts")
    steps: list[str] = []
    report = find_duplicates(store, "contacts", entity="contact", id_column="id", fields=FIELDS, progress=steps.append)
    assert report.trained
    score = demo.score(report.clusters)
    assert score.precision >= 0.95, score
    assert score.recall >= 0.95, score
    assert len(steps) == 3


def test_generated_companies_reach_precision_and_recall() -> None:
    demo = generate_companies(n_records=1500, seed=5)
    store = EventStore()
    demo.load(store, "companies")
    report = find_duplicates(
        store,
        "companies",
        entity="company",
        id_column="id",
        fields=DuplicateFields(company="name", inn="inn", phone="phone", email="email", updated_at="updated_at"),
    )
    score = demo.score(report.clusters)
    assert score.precision >= 0.95, score
    assert score.recall >= 0.95, score


def test_generator_is_deterministic_and_plants_hard_negatives() -> None:
    a, b = generate_contacts(n_records=500, seed=3), generate_contacts(n_records=500, seed=3)
    assert a.rows == b.rows and a.truth == b.truth
    assert generate_contacts(n_records=500, seed=4).rows != a.rows
    people: dict[int, list[dict]] = {}
    for row in a.rows:
        people.setdefault(a.truth[row["id"]], []).append(row)
    clusters = [rs for rs in people.values() if len(rs) > 1]
    assert 40 <= len(clusters) <= 120
    # family members: different people whose records share a phone
    by_phone: dict[str, set[int]] = {}
    for row in a.rows:
        if row["phone"]:
            digits = "".join(c for c in row["phone"] if c.isdigit())[-10:]
            by_phone.setdefault(digits, set()).add(a.truth[row["id"]])
    assert any(len(p) > 1 for p in by_phone.values())
    # namesakes: different people with the same first and last name
    by_name: dict[tuple[str, str], set[int]] = {}
    for row in a.rows:
        by_name.setdefault((row["last_name"], row["first_name"]), set()).add(a.truth[row["id"]])
    assert any(len(p) > 1 for p in by_name.values())


def test_real_accounts_have_no_duplicates() -> None:
    """85 distinct company names of the Maven CRM data set: nothing may be merged."""
    store = EventStore()
    path = real("maven-crm-sales-opportunities/accounts.csv")
    store.sql(f"CREATE TABLE accounts AS SELECT * FROM read_csv('{path}')")
    report = find_duplicates(store, "accounts", entity="company", id_column="account", fields=DuplicateFields(company="account"))
    assert report.records == 85
    assert report.clusters == [] and report.pairs == [] and report.merges == []


@pytest.mark.parametrize("raw, expected", [
    (" Ivan.Petrov+crm@GMail.com ", "ivanpetrov@gmail.com"), ("i.v.a.n@googlemail.com", "ivan@gmail.com"),
    ("Anna+shop@ya.ru", "anna@yandex.ru"), ("ivan.petrov+x@mail.ru", "ivan.petrov+x@mail.ru"),
    ("not an e-mail", None), ("@mail.ru", None), ("ivan@localhost", None), (None, None),
])  # fmt: skip
def test_email_normalisation(raw: str | None, expected: str | None) -> None:
    assert normalize_email(raw) == expected


def test_phone_normalisation_and_name_split() -> None:
    variants = ("8 (916) 123-45-67", "+7 916 1234567", "79161234567", "8-916-123-45-67", "9161234567")
    assert {normalize_phone(v) for v in variants} == {"+79161234567"}
    assert normalize_phone("123") is None and normalize_phone("") is None
    assert split_full_name("Иванова Мария Петровна") == ("Иванова", "Мария", "Петровна")
    assert split_full_name("Мария Петровна Иванова") == ("Мария", "Иванова", "Петровна")
    assert split_full_name("Ivanov") == ("Ivanov", None, None)
    assert split_full_name(None) == (None, None, None)


def test_clusters_partition_the_ids() -> None:
    demo = generate_contacts(n_records=600, seed=8)
    store = EventStore()
    demo.load(store, "contacts")
    report = find_duplicates(store, "contacts", entity="contact", id_column="id", fields=FIELDS)
    ids = [i for c in report.clusters for i in c]
    assert len(ids) == len(set(ids))
    assert all(c == sorted(c) and len(c) > 1 for c in report.clusters)
    assert report.clusters == sorted(report.clusters)
    assert set(ids) <= {str(r["id"]) for r in demo.rows}
    assert [sorted([m.survivor, *m.merged]) for m in report.merges] == report.clusters
    assert all(p.probability >= report.threshold for p in report.pairs)
    assert {i for p in report.pairs for i in (p.id_a, p.id_b)} == set(ids)


def test_inn_kept_as_a_number_still_links() -> None:
    """Excel drops the leading zero of a Bashkortostan INN; the text copy keeps it."""
    assert normalize_inn("0274062111") == normalize_inn("274062111") == normalize_inn("274062111.0") == "0274062111"
    assert normalize_inn("1234567890") is None and normalize_inn("12") is None
    store = EventStore()
    store.sql(
        "CREATE TABLE a AS SELECT * FROM (VALUES (1, 'ООО «Башнефть-Сервис»', '0274062111'), "
        "(2, 'Bashneft-Servis', '274062111'), (3, 'ООО Уфа-Сервис', '7707083893')) v(id, name, inn)"
    )
    report = find_duplicates(store, "a", entity="company", id_column="id", fields=DuplicateFields(company="name", inn="inn"))
    assert report.clusters == [["1", "2"]]
    assert report.pairs[0].agreements == {"inn": "exact", "company": "exact"}


def test_text_update_times_are_read_as_dates() -> None:
    """``dd.mm.yyyy`` text: 02.03.2024 is later than 28.02.2024 although it sorts first as text."""
    store = EventStore()
    store.sql(
        "CREATE TABLE t AS SELECT * FROM (VALUES "
        "(1, 'Орлов Павел', '+7 916 333-22-11', '28.02.2024 10:00'), "
        "(2, 'Pavel Orlov', '89163332211', '02.03.2024 09:00')) v(id, fio, tel, changed)"
    )
    report = find_duplicates(
        store, "t", entity="contact", id_column="id", fields=DuplicateFields(name="fio", phone="tel", updated_at="changed")
    )
    assert report.clusters == [["1", "2"]]
    assert report.merges[0].survivor == "2"
    assert "2024-03-02 09:00" in report.merges[0].reason_en
