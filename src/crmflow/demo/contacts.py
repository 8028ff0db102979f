"""Realistic Russian contact and company sets with known duplicate clusters (for tests and benchmarks).

:func:`generate_contacts` draws people (Russian first names, patronymics and surnames in their male
and female forms, mobile phones, personal and work e-mails, employers with valid INNs, some with a
personal 12-digit INN) and writes each person as one CRM record or as a *cluster* of two to four
records that a CRM would not recognise as one person: the name in Latin letters (ICAO 9303, the
old Soviet passport system, "simple translit"), typos (a letter inserted, deleted, swapped or
replaced by its keyboard neighbour), first and last names swapped, phones written as
``8 (916) 123-45-67``/``+7 916 1234567``/``79161234567``, e-mails in other case or with a typo, a
second e-mail or phone, fields left empty, company names with and without ``ООО``/«». Every
duplicate keeps at least one identifier (phone, e-mail or INN, possibly re-formatted or with a
typo) of its person — a record that shares nothing with its person but the name is not a detectable
duplicate, and is not generated.

Hard negatives are planted on purpose: *namesakes* (same first and last name, other phone and
e-mail), *family members* (same surname and phone, other first name and e-mail) and colleagues (same
company, other people). With ``company_contacts`` a share of the people are the contacts of B2B
client companies of 2–10 contacts each, written the way a B2B CRM holds them: the company's
(10-digit) INN in the contact's INN field, the company's name in several spellings, corporate e-mails
at the company's domain, some records with the company's office line instead of a mobile and some
with its ``info@`` mailbox — colleagues share all of that and are different people. Every duplicate
of such a contact keeps a *personal* identifier (their mobile or their own e-mail). The result is
seeded and deterministic.

:func:`generate_companies` does the same for companies (name with legal form, INN, phone, e-mail).

>>> demo = generate_contacts(n_records=50, seed=1)
>>> len(demo.rows), demo.rows[0].keys() >= {"id", "last_name", "phone", "email", "inn"}
(50, True)
>>> sorted(demo.truth) == sorted(r["id"] for r in demo.rows)
True
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

import pyarrow as pa

from crmflow.store.store import EventStore

__all__ = ["ContactSet", "LinkageScore", "generate_companies", "generate_contacts", "inn10", "inn12"]

# (first name, patronymic for a son, patronymic for a daughter)
_MALE = (
    ("Александр", "Александрович", "Александровна"), ("Алексей", "Алексеевич", "Алексеевна"),
    ("Андрей", "Андреевич", "Андреевна"), ("Антон", "Антонович", "Антоновна"),
    ("Артём", "Артёмович", "Артёмовна"), ("Борис", "Борисович", "Борисовна"),
    ("Вадим", "Вадимович", "Вадимовна"), ("Валерий", "Валерьевич", "Валерьевна"),
    ("Василий", "Васильевич", "Васильевна"), ("Виктор", "Викторович", "Викторовна"),
    ("Виталий", "Витальевич", "Витальевна"), ("Владимир", "Владимирович", "Владимировна"),
    ("Вячеслав", "Вячеславович", "Вячеславовна"), ("Геннадий", "Геннадьевич", "Геннадьевна"),
    ("Георгий", "Георгиевич", "Георгиевна"), ("Глеб", "Глебович", "Глебовна"),
    ("Григорий", "Григорьевич", "Григорьевна"), ("Денис", "Денисович", "Денисовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"), ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Егор", "Егорович", "Егоровна"), ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"), ("Илья", "Ильич", "Ильинична"),
    ("Кирилл", "Кириллович", "Кирилловна"), ("Константин", "Константинович", "Константиновна"),
    ("Леонид", "Леонидович", "Леонидовна"), ("Максим", "Максимович", "Максимовна"),
    ("Михаил", "Михайлович", "Михайловна"), ("Никита", "Никитич", "Никитична"),
    ("Николай", "Николаевич", "Николаевна"), ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"), ("Пётр", "Петрович", "Петровна"),
    ("Роман", "Романович", "Романовна"), ("Руслан", "Русланович", "Руслановна"),
    ("Семён", "Семёнович", "Семёновна"), ("Сергей", "Сергеевич", "Сергеевна"),
    ("Станислав", "Станиславович", "Станиславовна"), ("Степан", "Степанович", "Степановна"),
    ("Тимур", "Тимурович", "Тимуровна"), ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Эдуард", "Эдуардович", "Эдуардовна"), ("Юрий", "Юрьевич", "Юрьевна"),
    ("Ярослав", "Ярославович", "Ярославовна"),
)  # fmt: skip
_FEMALE = (
    "Александра", "Алина", "Алла", "Анастасия", "Анна", "Валентина", "Валерия", "Вера", "Виктория",
    "Галина", "Дарья", "Диана", "Евгения", "Екатерина", "Елена", "Елизавета", "Жанна", "Зоя", "Инна",
    "Ирина", "Карина", "Кристина", "Ксения", "Лариса", "Лидия", "Любовь", "Людмила", "Маргарита",
    "Марина", "Мария", "Надежда", "Наталья", "Нина", "Оксана", "Ольга", "Полина", "Светлана", "София",
    "Таисия", "Тамара", "Татьяна", "Ульяна", "Юлия", "Яна",
)  # fmt: skip
_SURNAME_ROOTS = (
    "Иван", "Смирн", "Кузнец", "Попов", "Васил", "Петр", "Соколов", "Михайл", "Новик", "Фёдор",
    "Морозов", "Волков", "Алексе", "Лебед", "Семён", "Егор", "Павл", "Козлов", "Степан", "Николае",
    "Орлов", "Андре", "Макар", "Никит", "Захар", "Зайц", "Солов", "Борис", "Яковл", "Григор",
    "Роман", "Воробь", "Серге", "Кузьмин", "Фрол", "Александр", "Дмитри", "Корол", "Гусев", "Киселёв",
    "Ильин", "Максим", "Поляк", "Сорокин", "Виноград", "Ковал", "Белов", "Медвед", "Антон", "Тарас",
    "Жуков", "Баран", "Филипп", "Комаров", "Давыд", "Беляев", "Герасим", "Богдан", "Осипов", "Сидор",
    "Матве", "Титов", "Марк", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельник", "Денис",
    "Гаврил", "Тихонов", "Казаков", "Афанас", "Данилов", "Савельев", "Тимофе", "Фомин", "Чернов",
    "Абрам", "Мартын", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Чернышёв",
    "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов",
    "Пономарёв", "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв", "Овчинников",
    "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров",
    "Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев", "Панов",
    "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов", "Ерёмин",
    "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов", "Нестеров",
    "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков", "Левин", "Митрофанов", "Воронов",
    "Аксёнов", "Софронов", "Мальцев", "Логинов", "Горшков", "Савин", "Краснов", "Майоров",
    "Демидов", "Елисеев", "Рыбаков", "Сафонов", "Плотников", "Демин", "Хохлов", "Жданов", "Хабибуллин",
    "Шубин", "Ширяев", "Зуев", "Шестаков", "Юсупов", "Ахметов", "Гарипов", "Шевчук", "Бондаренко",
)  # fmt: skip
_SUFFIXES = ("ов", "ов", "ев", "ин", "ский", "енко", "ых")
_COMPANY_WORDS = (
    "Ромашка", "Вектор", "Альфа", "Гарант", "Строймонтаж", "Техносервис", "Меридиан", "Спектр",
    "Логистик", "Автотрейд", "Снабжение", "Инвест", "Партнёр", "Прогресс", "Северный ветер", "Эталон",
    "Горизонт", "Союз", "Феникс", "Орион", "Агрохолдинг", "Медиагрупп", "Волга", "Урал", "Сибирь",
    "Капитал", "Стандарт", "Профиль", "Электрон", "Теплосеть", "Мегаполис", "Интеграл", "Форвард",
)  # fmt: skip
_FORMS = ("ООО", "АО", "ПАО", "ИП", "ЗАО")
_MAIL = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "ya.ru")
_CODES = ("916", "903", "905", "909", "915", "925", "926", "985", "977", "999", "912", "921", "931",
          "950", "952", "960", "961", "964", "981", "987", "917", "919", "927", "937", "953")  # fmt: skip

_COMMON = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
           "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
           "т": "t", "у": "u", "ф": "f", "ш": "sh", "ъ": "", "ь": "", "э": "e"}  # fmt: skip
# Latin spellings people really use: ICAO 9303 (passports since 2014), the old passport system,
# and "simple translit" from web forms.
_SYSTEMS = (
    {**_COMMON, "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "щ": "shch", "ы": "y", "ю": "iu", "я": "ia",
     "ъ": "ie"},
    {**_COMMON, "й": "y", "х": "kh", "ц": "ts", "ч": "ch", "щ": "shch", "ы": "y", "ю": "yu", "я": "ya",
     "ё": "yo"},
    {**_COMMON, "й": "j", "х": "h", "ц": "c", "ч": "ch", "щ": "sch", "ы": "y", "ю": "ju", "я": "ja"},
)  # fmt: skip
_NEIGHBOURS = {}
for _row in ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "qwertyuiop", "asdfghjkl", "zxcvbnm"):
    for _i, _c in enumerate(_row):
        _NEIGHBOURS[_c] = _row[max(0, _i - 1) : _i] + _row[_i + 1 : _i + 2]


@dataclass(frozen=True)
class LinkageScore:
    """Pairwise quality of predicted duplicate clusters."""

    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


@dataclass(frozen=True)
class ContactSet:
    """Generated records and their ground truth.

    Attributes
    ----------
    rows
        The records (dicts with the columns of :data:`CONTACT_COLUMNS` or the company columns).
    truth
        Record id → id of the person (or company) it describes.
    """

    entity: str
    rows: list[dict[str, Any]]
    truth: dict[int, int]

    def true_pairs(self) -> set[tuple[int, int]]:
        """All pairs of record ids (smaller first) that describe the same person or company."""
        groups: dict[int, list[int]] = defaultdict(list)
        for rid, eid in self.truth.items():
            groups[eid].append(rid)
        return {pair for ids in groups.values() for pair in combinations(sorted(ids), 2)}

    def true_clusters(self) -> list[list[int]]:
        """Clusters of two or more records, each sorted, sorted."""
        groups: dict[int, list[int]] = defaultdict(list)
        for rid, eid in self.truth.items():
            groups[eid].append(rid)
        return sorted(sorted(ids) for ids in groups.values() if len(ids) > 1)

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows)

    def load(self, store: EventStore, table: str) -> None:
        """Write the rows into ``table`` of ``store`` (replacing it)."""
        view = f"{table}_arrow_view"
        store.con.register(view, self.to_arrow())
        try:
            store.sql(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM "{view}"')
        finally:
            store.con.unregister(view)

    def score(self, clusters: list[list[str]]) -> LinkageScore:
        """Pairwise precision, recall and F1 of predicted ``clusters`` against the truth."""
        predicted = {tuple(sorted(p)) for c in clusters for p in combinations(sorted(int(i) for i in c), 2)}
        true = self.true_pairs()
        hits = len(predicted & true)
        precision = hits / len(predicted) if predicted else 1.0
        recall = hits / len(true) if true else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return LinkageScore(
            precision=precision, recall=recall, f1=f1, true_pairs=len(true), predicted_pairs=len(predicted), correct_pairs=hits
        )


def inn10(rng: random.Random) -> str:
    """A random organisation INN (10 digits) with a valid check digit."""
    digits = [rng.randint(0, 9) for _ in range(9)]
    digits[0] = rng.randint(1, 9)
    check = sum(d * w for d, w in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    return "".join(map(str, [*digits, check]))


def inn12(rng: random.Random) -> str:
    """A random personal INN (12 digits) with valid check digits."""
    digits = [rng.randint(0, 9) for _ in range(10)]
    digits[0] = rng.randint(1, 9)
    digits.append(sum(d * w for d, w in zip(digits, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10)
    digits.append(sum(d * w for d, w in zip(digits, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10)
    return "".join(map(str, digits))


def _latin(text: str, system: dict[str, str]) -> str:
    out = []
    for ch in text:
        rep = system.get(ch.lower(), ch)
        out.append(rep.capitalize() if ch.isupper() else rep)
    return "".join(out)


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)  # people rarely mistype the first letter
    kind = rng.choice(("insert", "delete", "swap", "neighbour"))
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = _NEIGHBOURS.get(word[i].lower()) or word[i]
    if kind == "insert":
        return word[:i] + rng.choice(near) + word[i:]
    return word[:i] + rng.choice(near) + word[i + 1 :]


def _female_surname(root: str, suffix: str) -> str:
    name = root + suffix
    if name.endswith("ский"):
        return name[:-4] + "ская"
    if name.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return name + "а"
    return name


def _phone_format(rng: random.Random, e164: str) -> str:
    d = e164[2:]
    return rng.choice((
        f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}", f"+7 {d[:3]} {d[3:]}", f"7{d}", f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
        f"8-{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}", f"8{d}", f"+7{d}",
    ))  # fmt: skip


def _company_email(rng: random.Random, word: str, used: set[str]) -> str:
    """``info@`` a domain made from the company name, unique to the company."""
    stem = _latin(word, _SYSTEMS[0]).lower().replace(" ", "-").replace("'", "")
    domain = f"{stem}.ru"
    while domain in used:
        domain = f"{stem}{rng.randrange(1000)}.ru"
    used.add(domain)
    return f"{rng.choice(('info', 'office', 'sales', 'mail'))}@{domain}"


def _company_name(rng: random.Random, word: str, form: str) -> str:
    return rng.choice((f"{form} «{word}»", f'{form} "{word}"', f"{word}, {form}", f"{form} {word}"))


class _People:
    """Draws people; remembers names, phones and companies to plant hard negatives."""

    def __init__(self, rng: random.Random, n_companies: int) -> None:
        self.rng = rng
        self.used_phones: set[str] = set()
        self.companies = [
            (
                f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_WORDS)}"
                if rng.random() < 0.6
                else rng.choice(_COMPANY_WORDS),
                rng.choice(_FORMS),
                inn10(rng),
            )
            for _ in range(n_companies)
        ]
        self.start = datetime(2022, 1, 1)

    def phone(self) -> str:
        while True:
            p = "+7" + self.rng.choice(_CODES) + f"{self.rng.randrange(10**7):07d}"
            if p not in self.used_phones:
                self.used_phones.add(p)
                return p

    def email(self, first: str, last: str, company: tuple[str, str, str] | None) -> str:
        rng = self.rng
        f, ln = (_latin(x, rng.choice(_SYSTEMS)).lower() for x in (first, last))
        local = rng.choice(
            (
                f"{f}.{ln}",
                f"{f[0]}.{ln}",
                f"{ln}.{f}",
                f"{ln}{rng.randrange(100)}",
                f"{f}{ln[0]}{rng.randrange(1970, 2005)}",
                f"{f}_{ln}{rng.randrange(10)}",
            )
        )
        local = local.replace("'", "")
        if company is not None and rng.random() < 0.35:
            domain = _latin(company[0].split()[0], _SYSTEMS[0]).lower() + ".ru"
        else:
            domain = rng.choice(_MAIL)
        return f"{local}{rng.randrange(1000)}@{domain}"

    def person(
        self, *, last: str | None = None, female: bool | None = None, first: str | None = None, phone: str | None = None
    ) -> dict[str, Any]:
        rng = self.rng
        female = rng.random() < 0.5 if female is None else female
        father = rng.choice(_MALE)
        if first is None:
            first = rng.choice(_FEMALE) if female else rng.choice(_MALE)[0]
        if last is None:
            root = rng.choice(_SURNAME_ROOTS)
            if root.endswith(("ов", "ев", "ёв", "ин", "ын", "ко", "ук")):
                suffix = rng.choice(("", "", "", "ский")) if root.endswith(("ов", "ев", "ин")) else ""
            elif root.endswith(("е", "и")):
                suffix = rng.choice(("в", "в", "нко"))
            else:
                suffix = rng.choice(_SUFFIXES)
            last = _female_surname(root, suffix) if female else root + suffix
        company = rng.choice(self.companies) if rng.random() < 0.7 else None
        return {
            "first_name": first, "last_name": last, "middle_name": father[2] if female else father[1],
            "phone": phone or self.phone(), "email": self.email(first, last, company),
            "company": None if company is None else _company_name(rng, company[0], company[1]),
            "company_inn": None if company is None else company[2],
            "inn": inn12(rng) if rng.random() < 0.3 else None,
            "updated_at": self.start + timedelta(minutes=rng.randrange(60 * 24 * 700)),
        }  # fmt: skip


def _duplicate(rng: random.Random, p: dict[str, Any], people: _People) -> dict[str, Any]:
    """One more record of person ``p`` as another CRM user would have typed it."""
    r = dict(p)
    if rng.random() < 0.3:  # written in Latin letters
        system = rng.choice(_SYSTEMS)
        for k in ("first_name", "last_name", "middle_name"):
            r[k] = _latin(r[k], system)
    if rng.random() < 0.25:
        r["last_name"] = _typo(rng, r["last_name"])
    if rng.random() < 0.15:
        r["first_name"] = _typo(rng, r["first_name"])
    if rng.random() < 0.15:
        r["first_name"], r["last_name"] = r["last_name"], r["first_name"]
    if rng.random() < 0.4:
        r["middle_name"] = None
    # identifiers: keep at least one of phone / e-mail / INN
    keep = rng.choice(("phone", "email", "both", "both", "both", "inn" if p["inn"] else "both"))
    if keep in ("email", "inn"):
        r["phone"] = people.phone() if rng.random() < 0.5 else None
    if keep in ("phone", "inn"):
        r["email"] = people.email(p["first_name"], p["last_name"], None) if rng.random() < 0.5 else None
    if r["email"] and keep != "email" and rng.random() < 0.1:
        local, _, domain = r["email"].partition("@")
        r["email"] = _typo(rng, local) + "@" + domain
    if r["email"] and rng.random() < 0.15:
        r["email"] = r["email"].upper() if rng.random() < 0.3 else r["email"].capitalize()
    if r["email"] and r["email"].endswith("@gmail.com") and rng.random() < 0.5:
        local, _, domain = r["email"].partition("@")
        r["email"] = (local.replace(".", "") if "." in local else local + "+crm") + "@" + domain
    if keep != "inn" and r["inn"] and rng.random() < 0.5:
        r["inn"] = None
    if rng.random() < 0.3:
        r["company"] = None
    r["updated_at"] = p["updated_at"] + timedelta(hours=rng.randrange(1, 24 * 200))
    return r


class _Company:
    """A B2B client: name, legal form, INN, e-mail domain and office line, shared by its contacts."""

    def __init__(self, rng: random.Random, people: _People, used: set[str]) -> None:
        two = rng.random() < 0.7
        self.word = f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_WORDS)}" if two else rng.choice(_COMPANY_WORDS)
        self.form = rng.choice(("ООО", "ООО", "АО", "ПАО", "ЗАО"))
        self.inn = inn10(rng)
        self.domain = _company_email(rng, self.word, used).split("@", 1)[1]
        self.office = people.phone()
        self.size = rng.randint(2, 10)


def _colleague(rng: random.Random, people: _People, company: _Company) -> dict[str, Any]:
    """A contact of ``company``: own name and mobile (or the office line), the company's INN and name."""
    p = people.person()
    local = p["email"].split("@", 1)[0]
    roll = rng.random()
    p["email"] = f"{local}@{company.domain}" if roll < 0.6 else p["email"] if roll < 0.8 else f"info@{company.domain}"
    p["mobile"] = p["phone"]  # the personal phone, kept for the duplicates
    if rng.random() < 0.2 and not p["email"].startswith("info@"):
        p["phone"] = company.office  # the office line instead of the mobile
    p["company"] = _company_name(rng, company.word, company.form)
    p["inn"] = company.inn if rng.random() < 0.9 else None
    p["colleague"] = True
    return p


def _personal_email(p: dict[str, Any]) -> bool:
    return bool(p["email"]) and not p["email"].startswith("info@")


def _keeps_personal(r: dict[str, Any], p: dict[str, Any]) -> bool:
    """Whether duplicate ``r`` shares a personal identifier with the record ``p`` (mobile or own e-mail)."""
    same_mobile = p["phone"] == p["mobile"] and r["phone"] == p["phone"]
    same_email = _personal_email(p) and bool(r["email"]) and r["email"].lower() == p["email"].lower()
    return same_mobile or same_email


def _colleague_duplicate(rng: random.Random, p: dict[str, Any], people: _People) -> dict[str, Any]:
    """Another record of colleague ``p``, always with their mobile or their own e-mail."""
    r = _duplicate(rng, p, people)
    r["company"] = _company_name(rng, *(p["company_parts"])) if rng.random() < 0.8 else None
    if not _keeps_personal(r, p):
        if p["phone"] == p["mobile"]:
            r["phone"] = p["phone"]
        else:  # the record has the office line: its own e-mail is the personal identifier
            r["email"] = p["email"]
    return r


def generate_contacts(
    *,
    n_records: int = 2000,
    seed: int = 42,
    duplicate_share: float = 0.3,
    hard_negative_share: float = 0.1,
    company_contacts: float = 0.0,
) -> ContactSet:
    """Generate ``n_records`` contacts with known duplicate clusters.

    Parameters
    ----------
    n_records
        Number of records written.
    seed
        Random seed (the same seed gives the same records).
    duplicate_share
        Share of records that belong to a cluster of two or more records.
    hard_negative_share
        Share of people drawn as a namesake, a family member (same phone and surname) or a colleague
        of someone already drawn.
    company_contacts
        Share of people drawn as contacts of a B2B client company with 2–10 contacts, all sharing
        the company's INN, name, e-mail domain and office line (see the module docstring).

    Returns
    -------
    ContactSet
        Rows with ``id, last_name, first_name, middle_name, phone, email, company, inn, updated_at``
        (phones formatted, e-mails as typed, ``updated_at`` a timestamp) and the true person per id.
    """
    rng = random.Random(seed)
    people = _People(rng, max(5, n_records // 25))
    records: list[tuple[dict[str, Any], int]] = []
    persons: list[dict[str, Any]] = []
    domains: set[str] = set()
    pending: list[dict[str, Any]] = []  # the remaining contacts of the current client company
    while len(records) < n_records:
        pid = len(persons)
        roll = rng.random()
        if not pending and company_contacts and rng.random() < company_contacts / 5:
            company = _Company(rng, people, domains)  # ~5 contacts each on average
            pending = []
            for _ in range(company.size):
                c = _colleague(rng, people, company)
                c["company_parts"] = (company.word, company.form)
                pending.append(c)
        if pending:
            p = pending.pop()
        elif persons and roll < hard_negative_share:
            other = rng.choice(persons)
            female = other["first_name"] in _FEMALE
            kind = rng.choice(("namesake", "family", "family"))
            if kind == "namesake":
                p = people.person(last=other["last_name"], first=other["first_name"], female=female)
            else:  # a spouse or a child: shared home phone, surname in its gender form
                spouse_female = rng.random() < 0.5
                last = other["last_name"]
                if spouse_female and not female:
                    last = _female_surname(last, "")
                elif not spouse_female and female:
                    last = last[:-1] if last.endswith(("ова", "ева", "ина")) else last
                    last = last[:-4] + "ский" if last.endswith("ская") else last
                p = people.person(last=last, female=spouse_female, phone=other["phone"])
                while p["first_name"] == other["first_name"]:
                    p["first_name"] = rng.choice(_FEMALE) if spouse_female else rng.choice(_MALE)[0]
        else:
            p = people.person()
        persons.append(p)
        size = 1
        if rng.random() < duplicate_share / (2 - duplicate_share):
            size = rng.choice((2, 2, 2, 3, 3, 4))
        size = min(size, n_records - len(records))
        records.append((p, pid))
        twin = _colleague_duplicate if p.get("colleague") else _duplicate
        records.extend((twin(rng, p, people), pid) for _ in range(size - 1))
    rng.shuffle(records)
    rows, truth = [], {}
    for i, (rec, pid) in enumerate(records, start=1):
        rid = 100_000 + i
        row = {"id": rid, "last_name": rec["last_name"], "first_name": rec["first_name"],
               "middle_name": rec["middle_name"],
               "phone": None if rec["phone"] is None else _phone_format(rng, rec["phone"]),
               "email": rec["email"], "company": rec["company"], "inn": rec["inn"],
               "updated_at": rec["updated_at"]}  # fmt: skip
        rows.append(row)
        truth[rid] = pid
    return ContactSet(entity="contact", rows=rows, truth=truth)


def generate_companies(*, n_records: int = 1000, seed: int = 42, duplicate_share: float = 0.3) -> ContactSet:
    """Generate ``n_records`` companies (``id, name, inn, phone, email, updated_at``) with known duplicates.

    Duplicates have the legal form written differently or dropped, quotes changed, a typo, the
    name in Latin letters, the INN or the phone missing — but keep the INN or the phone or the e-mail.
    Hard negatives: companies with the same name in different cities (other INN and phone).
    """
    rng = random.Random(seed)
    people = _People(rng, 1)
    records: list[tuple[dict[str, Any], int]] = []
    used_domains: set[str] = set()
    cid = 0
    while len(records) < n_records:
        word = f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_WORDS)}" if rng.random() < 0.7 else rng.choice(_COMPANY_WORDS)
        if rng.random() < 0.3:
            word = f"{word}-{rng.choice(('М', 'Центр', 'Юг', 'Север', 'Плюс', 'Групп', 'Трейд', 'Сервис'))}"
        form = rng.choice(_FORMS)
        base: dict[str, Any] = {"name": _company_name(rng, word, form), "inn": inn10(rng), "phone": people.phone(),
                "email": _company_email(rng, word, used_domains),
                "updated_at": people.start + timedelta(minutes=rng.randrange(60 * 24 * 700))}  # fmt: skip
        size = rng.choice((2, 2, 3)) if rng.random() < duplicate_share / (2 - duplicate_share) else 1
        records.append((base, cid))
        for _ in range(min(size, n_records - len(records) + 1) - 1):
            d = dict(base)
            w = _latin(word, rng.choice(_SYSTEMS)) if rng.random() < 0.2 else word
            w = _typo(rng, w) if rng.random() < 0.25 else w
            d["name"] = _company_name(rng, w, rng.choice((form, form, form.lower()))) if rng.random() < 0.7 else w
            keep = rng.choice(("inn", "phone", "all", "all"))
            if keep == "phone" and rng.random() < 0.7:
                d["inn"] = None
            if keep == "inn" and rng.random() < 0.5:
                d["phone"] = None
            if rng.random() < 0.3 and keep != "all":
                d["email"] = None
            d["updated_at"] = base["updated_at"] + timedelta(hours=rng.randrange(1, 24 * 200))
            records.append((d, cid))
        cid += 1
    rng.shuffle(records)
    rows, truth = [], {}
    for i, (rec, c) in enumerate(records, start=1):
        rid = 500_000 + i
        rows.append({"id": rid, "name": rec["name"], "inn": rec["inn"],
                     "phone": None if rec["phone"] is None else _phone_format(rng, rec["phone"]),
                     "email": rec["email"], "updated_at": rec["updated_at"]})  # fmt: skip
        truth[rid] = c
    return ContactSet(entity="company", rows=rows, truth=truth)
