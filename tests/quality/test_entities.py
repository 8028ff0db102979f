"""Loading entity files (cp1251 with broken rows, XLSX, Parquet, JSON) and detecting their columns."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crmflow.errors import InputError
from crmflow.quality.entities import detect_spec, load_entity
from crmflow.quality.run import assess_quality
from crmflow.store.store import EventStore


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ["ID", "Имя", "Фамилия", "Рабочий телефон", "Мобильный телефон", "E-mail", "ИНН", "Дата создания"],
            {
                "id": "ID",
                "phone": ("Рабочий телефон", "Мобильный телефон"),
                "email": ("E-mail",),
                "inn": ("ИНН",),
                "date": ("Дата создания",),
                "first_name": ("Имя",),
                "last_name": ("Фамилия",),
            },
        ),
        (
            ["ID", "NAME", "LAST_NAME", "PHONE", "EMAIL", "DATE_CREATE", "STAGE_ID", "OPPORTUNITY", "COMPANY_TITLE"],
            {
                "id": "ID",
                "first_name": ("NAME",),
                "last_name": ("LAST_NAME",),
                "phone": ("PHONE",),
                "email": ("EMAIL",),
                "date": ("DATE_CREATE",),
                "stage": ("STAGE_ID",),
                "amount": ("OPPORTUNITY",),
                "company": ("COMPANY_TITLE",),
            },
        ),
        (
            ["Id", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "CreatedDate"],
            {"id": "Id", "phone": ("Phone", "MobilePhone"), "email": ("Email",), "date": ("CreatedDate",)},
        ),
        (
            ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Create Date", "Deal Stage", "Amount"],
            {
                "id": "Record ID",
                "phone": ("Phone Number",),
                "email": ("Email",),
                "date": ("Create Date",),
                "stage": ("Deal Stage",),
                "amount": ("Amount",),
            },
        ),
        (
            [
                "ID",
                "Название сделки",
                "Бюджет ",
                "Этап сделки",
                "Полное имя контакта",
                "Компания контакта",
                "Рабочий телефон (контакт)",
                "Рабочий email (контакт)",
                "Дата создания сделки",
            ],
            {
                "id": "ID",
                "amount": ("Бюджет ",),
                "stage": ("Этап сделки",),
                "name": ("Полное имя контакта",),
                "company": ("Компания контакта",),
                "phone": ("Рабочий телефон (контакт)",),
                "email": ("Рабочий email (контакт)",),
                "date": ("Дата создания сделки",),
            },
        ),
        (
            ["ИНН", "КПП", "ОГРН", "Название компании"],
            {"id": None, "inn": ("ИНН",), "kpp": ("КПП",), "ogrn": ("ОГРН",), "company": ("Название компании",)},
        ),
    ],
)
def test_detects_columns_in_vendor_naming(header: list[str], expected: dict[str, object]) -> None:
    spec = detect_spec("e", header)
    assert spec.id_column == expected.pop("id")
    for kind, cols in expected.items():
        assert spec.of(kind) == cols, kind


def test_cp1251_with_broken_rows_loses_nothing(tmp_path: Path) -> None:
    lines = ["ID;Фамилия;Телефон;E-mail"]
    lines += [f"{i};Иванов{i};8 916 123-45-{i:02d};user{i}@mail.ru" for i in range(1, 21)]
    lines.insert(6, "x1;Сломанная;строка;с;лишними;полями")  # physical line 7
    lines.insert(15, "x2;Короткая")  # physical line 16
    p = tmp_path / "contacts.csv"
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    d = assess_quality([p], duplicates=False).data
    e = d["entities"][0]
    assert e["encoding"] == "cp1251" and e["delimiter"] == ";"
    assert (e["rows_read"], e["records"], e["quarantined"]) == (22, 20, 2)
    assert sorted(q["line"] for q in e["quarantine_sample"]) == [7, 16]
    assert d["validity"]["phone"]["valid"] == 20
    assert d["validity"]["phone"]["invalid_ids"] == []


def test_json_api_page_and_bitrix_multifields(tmp_path: Path) -> None:
    page = {
        "result": [
            {"ID": "1", "NAME": "Иван", "PHONE": [{"VALUE": "8 (916) 123-45-67", "VALUE_TYPE": "WORK"}], "EMAIL": "a@b.ru"},
            {"ID": "2", "NAME": "Олег", "PHONE": [{"VALUE": "123", "VALUE_TYPE": "WORK"}], "EMAIL": "bad@"},
        ],
        "total": 2,
    }
    p = tmp_path / "contacts.json"
    p.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    d = assess_quality([p], duplicates=False).data
    assert d["entities"][0]["format"] == "json"
    assert d["validity"]["phone"]["invalid_ids"] == ["2"]
    assert d["validity"]["email"]["invalid_ids"] == ["2"]


def test_json_that_is_not_a_list(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="x.json: expected a JSON list of records"):
        load_entity(EventStore(), p, name="x")


def test_xlsx_and_parquet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "ИНН", "Телефон"])
    ws.append([1, 7707083893, "8 916 123 45 67"])
    ws.append([2, 7707083894, "+7 701 234 56 78"])
    xlsx = tmp_path / "companies.xlsx"
    wb.save(xlsx)
    pq.write_table(
        pa.table({"id": ["a", "b"], "inn": ["500100732259", "123456789037"], "amount": [10.5, -1.0]}),
        tmp_path / "clients.parquet",
    )
    d = assess_quality([xlsx, tmp_path / "clients.parquet"], duplicates=False).data
    assert d["primary"] == "companies"
    assert d["validity"]["inn"]["invalid_ids"] == ["2"]
    clients = next(e for e in d["entities"] if e["name"] == "clients")
    assert clients["validity"]["inn"]["invalid_ids"] == ["b"]
    assert clients["validity"]["amount"]["invalid_ids"] == ["b"]


def test_unsupported_file(tmp_path: Path) -> None:
    p = tmp_path / "a.docx"
    p.write_bytes(b"x")
    with pytest.raises(InputError, match="a.docx: no reader"):
        load_entity(EventStore(), p, name="a")


def test_json_entity_file_above_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    # The JSON loader read any size into memory; it now honours CRMFLOW_MAX_OCEL_JSON_BYTES like the OCEL reader.
    from crmflow.errors import UnsafeInputError
    from crmflow.settings import Settings

    p = tmp_path / "contacts.json"
    p.write_text(json.dumps([{"ID": i, "Телефон": "+7 900 000-00-00"} for i in range(50)]), encoding="utf-8")
    store = EventStore(settings=Settings(max_ocel_json_bytes=500))
    with pytest.raises(UnsafeInputError, match="more than the limit of 500 bytes"):
        load_entity(store, p, name="contacts")
    assert load_entity(EventStore(), p, name="contacts").rows == 50
