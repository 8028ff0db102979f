"""A file whose content is not what its name says is named for what it is, before any parser sees it."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.errors import UnsupportedFormatError
from crmflow.ingest.sniff import check_file_type, file_kind
from crmflow.sources.reader import read_log

REPO = Path(__file__).resolve().parents[2]
CSV = "ID сделки;Стадия;Дата\n1;Новая;01.03.2025 10:00\n1;Счёт;02.03.2025 11:00\n"


def _png(path: Path) -> Path:
    shutil.copy(REPO / "docs" / "img" / "web-explorer.png", path)  # a real screenshot
    return path


def _pdf(path: Path) -> Path:
    import typst

    src = path.with_suffix(".typ")
    src.write_text("= Отчёт\nТекст.", encoding="utf-8")
    path.write_bytes(typst.compile(str(src)))
    return path


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("deals.csv", CSV)
    return path


def _xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for row in (line.split(";") for line in CSV.splitlines()):
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def _docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("Сделки")
    d.save(str(path))
    return path


@pytest.mark.parametrize(
    ("make", "kind", "said", "fix"),
    [
        (_png, "png", "this is a PNG image, not a CSV file", "export the data from the CRM as CSV"),
        (_pdf, "pdf", "this is a PDF document, not a CSV file", "export the data"),
        (_zip, "zip", "this is a ZIP archive, not a CSV file", "unpack it"),
        (_xlsx, "xlsx", "this is an Excel workbook (XLSX), not a CSV file", "rename it to .xlsx"),
        (_docx, "docx", "this is a Word document (DOCX), not a CSV file", "export the data"),
    ],
)
def test_a_file_named_csv_is_named_for_what_it_is(tmp_path: Path, make, kind: str, said: str, fix: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path / "deals.csv")
    assert file_kind(path) == kind
    with pytest.raises(UnsupportedFormatError) as err:
        read_log(path)
    assert str(err.value).startswith(f"deals.csv: {said}; ") and fix in str(err.value)
    res = CliRunner().invoke(app, ["inspect", str(path)])
    out = " ".join(res.output.split())
    assert res.exit_code == 2 and said in out and "Traceback" not in out and "sniff" not in out.lower()


def test_in_russian_and_for_the_other_readers(tmp_path: Path) -> None:
    png = _png(tmp_path / "deals.csv")
    res = CliRunner().invoke(app, ["--lang", "ru", "inspect", str(png)])
    assert "deals.csv: это изображение PNG, а не файл CSV" in " ".join(res.output.split())
    for name, want in (("log.xlsx", "an XLSX workbook"), ("log.parquet", "a Parquet file"), ("log.xes", "an XES event log")):
        with pytest.raises(UnsupportedFormatError, match=f"{name}: this is a PDF document, not {want}"):
            read_log(_pdf(tmp_path / name))
    with pytest.raises(UnsupportedFormatError, match="log.xlsx: this is a ZIP archive, not an XLSX workbook; unpack it"):
        read_log(_zip(tmp_path / "log.xlsx"))
    with pytest.raises(UnsupportedFormatError, match="log.parquet: this is an Excel workbook .XLSX., not a Parquet file; rename"):
        read_log(_xlsx(tmp_path / "log.parquet"))


def test_what_fits_passes(tmp_path: Path) -> None:
    good = tmp_path / "deals.csv"
    good.write_text(CSV, encoding="cp1251")
    check_file_type(good, "csv")
    check_file_type(_xlsx(tmp_path / "deals.xlsx"), "excel")
    log = read_log(_xlsx(tmp_path / "deals.xlsx"))
    assert log.n_events == 2
    assert read_log(good).n_events == 2
