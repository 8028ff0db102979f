"""Colleagues are not duplicates: a company's INN, name, domain, office line or info@ mailbox on a
contact is evidence only together with a personal field (issue 10)."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pytest

from crmflow.demo.contacts import generate_contacts
from crmflow.quality.duplicates import DuplicateFields, find_duplicates
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

# one client company, INN 7707083893 (valid), domain romashka-trade.ru, office line +7 495 123-45-67
COLLEAGUES = [
    ("k1", "Смирнов", "Алексей", "Игоревич", "+7 916 201-11-11", "a.smirnov@romashka-trade.ru", "ООО «Ромашка Трейд»",
     "7707083893"),
    ("k2", "Кузнецова", "Ольга", "Петровна", "+7 495 123-45-67", "o.kuznetsova@romashka-trade.ru", 'ООО "Ромашка Трейд"',
     "7707083893"),
    ("k3", "Попов", "Денис", None, "+7 495 123-45-67", "info@romashka-trade.ru", "Ромашка Трейд, ООО", "7707083893"),
    ("k4", "Лебедева", "Ирина", "Олеговна", "+7 903 404-44-44", "info@romashka-trade.ru", "ООО Ромашка Трейд",
     "7707083893"),
    ("k5", "Смирнова", "Екатерина", None, "+7 926 505-55-55", "e.smirnova@romashka-trade.ru", "ООО «Ромашка Трейд»",
     "7707083893"),
    # k1 again, typed in Latin by another manager: his mobile is the personal evidence
    ("k6", "Smirnov", "Aleksei", None, "8 (916) 201-11-11", None, "Romashka Trade", "7707083893"),
    # someone else with the company's INN only and nothing else in common
    ("k7", "Орлов", "Павел", None, "+7 985 707-77-77", "pavel.orlov@mail.ru", None, "7707083893"),
]  # fmt: skip


@pytest.fixture
def colleagues() -> EventStore:
    store = EventStore()
    store.sql(
        "CREATE TABLE contacts (id VARCHAR, last_name VARCHAR, first_name VARCHAR, middle_name VARCHAR, "
        "phone VARCHAR, email VARCHAR, company VARCHAR, inn VARCHAR, updated_at TIMESTAMP)"
    )
    store.con.executemany("INSERT INTO contacts VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)", COLLEAGUES)
    return store


def test_colleagues_sharing_the_company_are_not_merged(colleagues: EventStore) -> None:
    report = find_duplicates(colleagues, "contacts", entity="contact", id_column="id", fields=FIELDS)
    assert report.clusters == [["k1", "k6"]]
    (pair,) = report.pairs
    assert pair.agreements["phone"] == "exact" and pair.rejected is None
    # pairs that scored high on the company alone are kept, with why they are not one person
    for p in report.rejected:
        assert p.rejected in ("company_only", "different_people")
        assert {p.id_a, p.id_b} != {"k1", "k6"}
        words = p.explain("en")
        assert "not one record" in words
        assert "коллеги" in p.explain("ru") or "два человека" in p.explain("ru")


def test_company_inn_on_a_contact_is_not_a_personal_inn(colleagues: EventStore) -> None:
    # with only names and the INN: the company's INN links nobody by itself; together with a
    # personal field (the same name, transliterated) it is evidence -- k1 and k6 are one man
    fields = DuplicateFields(first_name="first_name", last_name="last_name", inn="inn")
    report = find_duplicates(colleagues, "contacts", entity="contact", id_column="id", fields=fields)
    assert report.clusters == [["k1", "k6"]]
    assert report.pairs[0].agreements["inn"] == "missing"  # not a personal INN
    assert report.pairs[0].agreements["company"] == "exact"  # the employer's INN


def _colleague_false_pairs(demo, clusters: list[list[str]]) -> int:  # type: ignore[no-untyped-def]
    inn = {r["id"]: r["inn"] for r in demo.rows}
    out = 0
    for c in clusters:
        for a, b in combinations(sorted(int(i) for i in c), 2):
            if demo.truth[a] != demo.truth[b] and inn[a] and inn[a] == inn[b] and len(inn[a]) == 10:
                out += 1
    return out


@pytest.mark.parametrize("seed", [7, 8])
def test_generated_companies_of_2_to_10_contacts(seed: int) -> None:
    demo = generate_contacts(n_records=2000, seed=seed, company_contacts=0.5)
    # the generator: companies of 2-10 different people sharing the company's 10-digit INN
    people_by_inn: dict[str, set[int]] = defaultdict(set)
    for r in demo.rows:
        if r["inn"] and len(r["inn"]) == 10:
            people_by_inn[r["inn"]].add(demo.truth[r["id"]])
    sizes = sorted(len(p) for p in people_by_inn.values())
    assert len(sizes) >= 20 and sizes[-1] <= 10 and sum(s >= 5 for s in sizes) >= 5
    store = EventStore()
    demo.load(store, "contacts")
    report = find_duplicates(store, "contacts", entity="contact", id_column="id", fields=FIELDS)
    score = demo.score(report.clusters)
    assert score.precision >= 0.98, score
    assert score.recall >= 0.95, score
    assert _colleague_false_pairs(demo, report.clusters) == 0
