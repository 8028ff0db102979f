"""Crafted CRM entities with known problems (ids of every planted problem are listed here)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONTACTS = """ID;Фамилия;Имя;Телефон;E-mail;ИНН;Компания;Стадия;Сумма;Дата создания
c1;Петров;Иван;8 (916) 123-45-67;ivan.petrov@mail.ru;7707083893;Ромашка;Новый;;01.03.2024
c2;Абенова;Айгуль;+7 701 234 56 78;aigul@mail.kz;7736207543;Алма;Предложение;150000;02.03.2024 10:15
c3;Сидоров;Олег;1234-5678;oleg@yandex.ru;1234567894;Берёзка;Предложение;;03.03.2024
c4;Ким;Анна;8916abc4567;anna@example.com;;Ромашка;Новый;;04.03.2024
c5;Ли;Виктор;+7 (495) 123-45-67;viktor@@mail.ru;500100732259;Ромашка;Сделка;99 000,50;05.03.2024
c6;Орлова;Мария;89261234567;maria@mail;7707083894;Берёзка;Сделка;;06.03.2024
c7;Зайцев;Пётр;9031234567;petr@mail.ru;500100732258;Алма;Предложение;-10;31.02.2024
c8;Волков;Игорь;;igor@mail.ru;123456789047;Ромашка;Новый;;07.03.2099
c9;;Светлана;+7 777 123 45 67;;;Алма;Сделка;5000;08.03.2024
"""
#: Planted problems (ids).
INVALID_PHONE = ["c3", "c4"]  # 8 digits; letters
INVALID_EMAIL = ["c5", "c6"]  # two @; no dot in the domain
INVALID_INN = ["c6", "c7"]  # wrong check digits (10 and 12 digits)
INVALID_DATE = ["c7", "c8"]  # 31 February; 2099
INVALID_AMOUNT = ["c7"]  # negative
#: Completeness: c9 has no last name (required everywhere); c3 is in Предложение without an amount;
#: c6 is in Сделка without an amount; c9 is in Сделка without an INN.
MISSING_IDS = ["c3", "c6", "c9"]
RULES = {
    "validity": {"as_of": "2024-06-01"},
    "entities": {
        "contacts": {
            "id": "ID",
            "required": ["Фамилия"],
            "stages": {
                "Предложение": {"required": ["Сумма"]},
                "Сделка": {"required": ["Сумма", "ИНН"]},
            },
        }
    },
}

ORDERS = """order_id,order_status,payment_status,manager
o1,new,unpaid,Ivanov
o2,paid,paid,Ivanov
o3,shipped,unpaid,Petrov
o4,cancelled,refunded,Petrov
o5,new,paid,Ivanov
o6,shipped,paid,
o7,cancelled,,Petrov
"""
MATRIX = {
    "name": "order × payment",
    "columns": ["order_status", "payment_status"],
    "allowed": [["new", "unpaid"], ["paid", "paid"], ["shipped", "paid"], ["cancelled", "*"]],
}
MATRIX_VIOLATIONS = ["o3", "o5"]  # shipped but unpaid; new but paid ("cancelled" allows anything, even empty)

HISTORY = """deal_id,stage,changed_at
d1,New,2024-03-01 10:00
d1,Qualified,2024-03-02 10:00
d1,Proposal,2024-03-03 10:00
d1,Won,2024-03-04 10:00
d2,New,2024-03-01 11:00
d2,Won,2024-03-01 12:00
d3,New,2024-03-01 09:00
d3,Qualified,2024-03-02 09:00
d3,Lost,2024-03-05 09:00
d3,Won,2024-03-06 09:00
d4,New,2024-03-02 09:00
d4,Won,2024-03-02 09:30
"""

DEALS = """deal_id;stage;amount;close_date;manager
d1;Won;100 000,00;15.01.2024;Иванов
d2;Won;50000;20.01.2024;Петров
d3;Won;70000;05.02.2024;Иванов
d4;Won;30000;10.02.2024;Петров
d5;Won;25000;11.02.2024;Петров
d6;Lost;90000;12.02.2024;Иванов
"""
PAYMENTS = """payment_id;deal_id;amount;paid_at;manager
p1;d1;100000;16.01.2024;Иванов
p2;d2;50000;25.01.2024;Петров
p3;d3;70000;01.03.2024;Иванов
p4;d4;29000;11.02.2024;Петров
p5;d9;1000;12.02.2024;Петров
"""


@pytest.fixture
def contacts_csv(tmp_path: Path) -> Path:
    p = tmp_path / "contacts.csv"
    p.write_text(CONTACTS, encoding="utf-8")
    return p


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _write(name: str, content: str, encoding: str = "utf-8") -> Path:
        p = tmp_path / name
        p.write_bytes(content.encode(encoding))
        return p

    return _write
