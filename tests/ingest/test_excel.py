"""Excel workbooks: cell values as text, sheets, empty rows, and staging of the result."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from crmflow.errors import InputError
from crmflow.ingest.excel import read_excel_raw
from crmflow.sources.reader import read_log
from crmflow.store.store import EventStore


def _book(tmp_path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Сделки"
    ws.append([])  # an empty first row: the header is the first non-empty row
    ws.append(["ID сделки", "Стадия", "Дата изменения", "Ответственный", "Сумма", None])
    ws.append([101, "Новая", datetime(2024, 3, 1, 10, 0), "Иванов", 1234.5])
    ws.append([101, "Счёт", "02.03.2024 11:30", "Петров", 100])
    ws.append([])
    ws.append([102, "Новая", datetime(2024, 3, 3, 9, 0), None, None, "лишняя ячейка"])
    ws.append([None, "Счёт", datetime(2024, 3, 4, 9, 0), "Иванов", 5])
    other = wb.create_sheet("Справка")
    other.append(["x"])
    p = tmp_path / "deals.xlsx"
    wb.save(p)
    return p


def test_read_excel_raw(tmp_path: Path) -> None:
    store = EventStore()
    raw = read_excel_raw(store, _book(tmp_path), log_name="log")
    assert (raw.rows_read, raw.quarantined, raw.format) == (4, 0, "xlsx")
    assert raw.info["sheet"] == "Сделки" and raw.info["header_row"] == 2
    assert raw.info["columns"] == ["ID сделки", "Стадия", "Дата изменения", "Ответственный", "Сумма", "column_6"]
    rows = store.sql(
        f'SELECT row_no, line, "ID сделки", "Дата изменения", "Сумма", column_6 FROM {raw.table} ORDER BY row_no'
    ).fetchall()
    assert rows == [
        (1, 3, "101", "2024-03-01 10:00:00", "1234.5", None),
        (2, 4, "101", "02.03.2024 11:30", "100", None),
        (4, 6, "102", "2024-03-03 09:00:00", None, "лишняя ячейка"),
        (5, 7, None, "2024-03-04 09:00:00", "5", None),
    ]


def test_read_log_from_excel(tmp_path: Path) -> None:
    store = EventStore()
    log = read_log(_book(tmp_path), store=store, timezone="Europe/Moscow")
    ing = log.ingestions()[0]
    # mixed date formats: ISO cells from Excel dates win, the dd.mm text cell is quarantined, as is the row without id
    assert (ing["rows_read"], ing["parsed"], ing["quarantined"]) == (4, 2, 2)
    assert ing["mapping"]["resource"] == "Ответственный"
    ev = store.rows(f'SELECT case_id, ts, resource, "Сумма" FROM {log.events_table} ORDER BY row_no')
    assert ev[0] == {"case_id": "101", "ts": datetime(2024, 3, 1, 7, tzinfo=UTC), "resource": "Иванов", "Сумма": 1234.5}
    q = {r["row_no"]: r for r in log.quarantine()}
    assert q[2]["line"] == 4 and "'02.03.2024 11:30'" in q[2]["reason"]
    assert q[5]["line"] == 7 and q[5]["column_name"] == "ID сделки"


def test_sheet_selection(tmp_path: Path) -> None:
    p = _book(tmp_path)
    store = EventStore()
    assert read_excel_raw(store, p, log_name="log", sheet="Справка").rows_read == 0
    assert read_excel_raw(store, p, log_name="log", sheet=1).info["sheet"] == "Справка"
    with pytest.raises(InputError, match="the sheets are: Сделки, Справка"):
        read_excel_raw(store, p, log_name="log", sheet="Лиды")
    with pytest.raises(InputError, match="no sheet number 5"):
        read_excel_raw(store, p, log_name="log", sheet=5)


def test_not_a_workbook(tmp_path: Path) -> None:
    p = tmp_path / "fake.xlsx"
    p.write_text("not a zip", encoding="utf-8")
    with pytest.raises(InputError, match="fake.xlsx: cannot open as an Excel workbook"):
        read_excel_raw(EventStore(), p, log_name="log")


def test_many_rows_are_batched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crmflow.ingest.excel as excel

    monkeypatch.setattr(excel, "BATCH_ROWS", 7)
    wb = Workbook()
    ws = wb.active
    ws.append(["case", "activity", "timestamp"])
    for i in range(30):
        ws.append([f"c{i % 4}", "A" if i % 2 else "B", datetime(2024, 1, 1, i % 24)])
    ws.append(["c9", "B", datetime(2024, 1, 2), "late extra"])
    p = tmp_path / "many.xlsx"
    wb.save(p)
    store = EventStore()
    raw = read_excel_raw(store, p, log_name="log")
    assert raw.rows_read == 31
    assert store.sql(f"SELECT count(*), count(column_4), max(row_no) FROM {raw.table}").fetchall() == [(31, 1, 31)]


# --------------------------------------------------------------------------- hostile workbooks


def _workbook_with_sheet_xml(path, transform) -> None:  # type: ignore[no-untyped-def]
    """Write a small valid workbook, then rewrite its first sheet's XML with ``transform``."""
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["case", "activity", "timestamp"])
    ws.append(["c1", "A", "2024-01-01 10:00:00"])
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = transform(data)
            dst.writestr(item, data)


def test_entity_declarations_in_a_workbook_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from crmflow.errors import UnsafeInputError
    from crmflow.store.store import EventStore

    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    path = tmp_path / "laughs.xlsx"
    _workbook_with_sheet_xml(path, lambda xml: bomb + (xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml))
    with pytest.raises(UnsafeInputError, match="laughs.xlsx"):
        read_excel_raw(EventStore(), path, log_name="log")


def test_a_workbook_that_inflates_too_far_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from crmflow.errors import UnsafeInputError
    from crmflow.settings import Settings
    from crmflow.store.store import EventStore

    path = tmp_path / "bomb.xlsx"
    # 64 MiB of spaces inside the sheet compresses to well under 1 MiB
    _workbook_with_sheet_xml(path, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * (64 * 1024**2)))
    store = EventStore(settings=Settings(max_compression_ratio=20))
    with pytest.raises(UnsafeInputError, match="decompression bomb"):
        read_excel_raw(store, path, log_name="log")


def _small_book(tmp_path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["case", "activity", "ts"])
    for i in range(200):
        ws.append([f"c{i}", f"act {i}", "2024-03-01 10:00"])
    path = tmp_path / "ok.xlsx"
    wb.save(path)
    return path


def _rezip(src: Path, dst: Path, change: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, change.pop(info.filename, zin.read(info.filename)))
        for name, data in change.items():
            zout.writestr(name, data)
    return dst


def test_malformed_sheet_xml_is_a_clear_error(tmp_path: Path) -> None:
    import zipfile

    ok = _small_book(tmp_path)
    sheet = zipfile.ZipFile(ok).read("xl/worksheets/sheet1.xml")
    bad = _rezip(ok, tmp_path / "bad.xlsx", {"xl/worksheets/sheet1.xml": sheet[: len(sheet) // 2] + b'<row><c r="A9"><v>1</c>'})
    with pytest.raises(InputError, match=r"bad\.xlsx: sheet 'Sheet' cannot be read \(ParseError.*save it again"):
        read_excel_raw(EventStore(), bad, log_name="log")


def test_bad_crc_is_a_clear_error(tmp_path: Path) -> None:
    import zipfile

    ok = _small_book(tmp_path)
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(ok) as zin, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
    data = bytearray(stored.read_bytes())
    at = data.find(b"act 150")  # a byte inside the stored sheet: its CRC no longer matches
    data[at] = ord("X")
    stored.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"stored\.xlsx: .*(CRC|cannot)"):
        read_excel_raw(EventStore(), stored, log_name="log")


def test_huge_shared_string_table_is_refused_before_it_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crmflow.ingest.excel as excel

    monkeypatch.setattr(excel, "MAX_SHARED_STRINGS", 1000)
    n = 5000
    sst = (
        (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{n}" uniqueCount="{n}">'
        ).encode()
        + b"".join(b"<si><t>s%d</t></si>" % i for i in range(n))
        + b"</sst>"
    )
    big = _rezip(_small_book(tmp_path), tmp_path / "big.xlsx", {"xl/sharedStrings.xml": sst})
    with pytest.raises(InputError, match=r"big\.xlsx: the workbook has 5,000 distinct texts .* save the sheet as CSV"):
        read_excel_raw(EventStore(), big, log_name="log")


def test_a_workbook_whose_sheet_part_is_missing_is_a_clear_error(tmp_path: Path) -> None:
    """Found by bench/fuzz.py (xlsx, seed 18, input 1468): a sheet part renamed inside the zip left
    openpyxl with no sheets, and ``wb[names[0]]`` ended in ``IndexError``."""
    import zipfile

    ok = _small_book(tmp_path)
    sheet = zipfile.ZipFile(ok).read("xl/worksheets/sheet1.xml")
    renamed = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(ok) as zin, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, zin.read(info.filename))
        zout.writestr("xl/worksheets/sheet1_xml", sheet)
    with pytest.raises(InputError, match=r"renamed\.xlsx: the workbook has no sheet that can be read"):
        read_excel_raw(EventStore(), renamed, log_name="log")
    with pytest.raises(InputError, match="no sheet that can be read"):
        read_excel_raw(EventStore(), renamed, log_name="log", sheet=0)


def test_a_zip_of_an_unknown_version_is_a_clear_error(tmp_path: Path) -> None:
    """Found by bench/fuzz.py (xlsx, seed 18, input 726): a central directory asking for "zip file
    version 19.3" made :mod:`zipfile` raise ``NotImplementedError`` in the file-type sniff."""
    data = bytearray(_small_book(tmp_path).read_bytes())
    at = data.find(b"PK\x01\x02")  # the first central directory entry: its "version needed to extract"
    data[at + 6 : at + 8] = (193).to_bytes(2, "little")
    odd = tmp_path / "odd.xlsx"
    odd.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"odd\.xlsx"):
        read_excel_raw(EventStore(), odd, log_name="log")
