"""Render a :class:`~crmflow.deliverables.document.Document` as a Word file (python-docx).

Headings use Word's built-in heading styles, so the table of contents (a real ``TOC`` field that
Word fills on opening) and the navigation pane work; tables use a built-in table style; images are
PNG (python-docx cannot embed SVG).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from crmflow.deliverables.document import BulletList, Code, Document, Image, PageBreak, Paragraph, Section, Table
from crmflow.deliverables.error_messages import ERRORS
from crmflow.errors import PackError
from crmflow.i18n import error

#: The built-in style of every table (header row shaded, banded rows).
TABLE_STYLE = "Light Grid Accent 1"
#: Characters XML 1.0 cannot hold (CRM text exported from Excel carries \x0b line breaks); python-docx refuses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    """``value`` (text, a tuple or a document block) with the characters XML cannot hold replaced by spaces."""
    if isinstance(value, str):
        return _NOT_XML.sub(" ", value)
    if isinstance(value, tuple):
        return tuple(_xml_safe(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value,
            **{
                f.name: _xml_safe(getattr(value, f.name))  # type: ignore[misc]
                for f in dataclasses.fields(value)
                if f.init
            },
        )
    return value


def _toc(doc, title: str) -> None:  # type: ignore[no-untyped-def]
    heading = doc.add_paragraph()
    heading_run = heading.add_run(title)
    heading_run.bold = True
    heading_run.font.size = Pt(16)
    paragraph = doc.add_paragraph()
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")  # ask Word to update the field when the file is opened
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-3" \\h \\z \\u'
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = title
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, separate, shown, end):
        run._r.append(el)
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _set_language(doc, lang: str) -> None:  # type: ignore[no-untyped-def]
    tag = "ru-RU" if lang == "ru" else "en-US"
    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    el = OxmlElement("w:lang")
    el.set(qn("w:val"), tag)
    el.set(qn("w:eastAsia"), tag)
    rpr.append(el)
    doc.core_properties.language = tag


def _table(doc, table: Table) -> None:  # type: ignore[no-untyped-def]
    if table.caption:
        doc.add_paragraph(table.caption, style="Caption")
    t = doc.add_table(rows=1 + len(table.rows), cols=len(table.header))
    t.style = doc.styles[TABLE_STYLE]
    for j, text in enumerate(table.header):
        cell = t.rows[0].cells[j]
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    # repeat the header row on every page
    trpr = t.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)
    for i, row in enumerate(table.rows, start=1):
        cells = t.rows[i].cells
        for j, text in enumerate(row):
            cells[j].text = text
    doc.add_paragraph()


def _turn(section, landscape: bool) -> None:  # type: ignore[no-untyped-def]
    width, height = section.page_width, section.page_height
    if landscape != (width > height):
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def _landscape_picture(doc, block: Image) -> None:  # type: ignore[no-untyped-def]
    """A wide diagram on a landscape page of its own, then back to portrait."""
    _turn(doc.add_section(WD_SECTION.NEW_PAGE), True)
    section = doc.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    doc.add_picture(str(block.png), width=usable)
    doc.add_paragraph(block.caption, style="Caption")
    _turn(doc.add_section(WD_SECTION.NEW_PAGE), False)


def _block(doc, block, level: int) -> None:  # type: ignore[no-untyped-def]
    if isinstance(block, Section):
        doc.add_heading(block.title, level=min(level, 9))
        for inner in block.blocks:
            _block(doc, inner, level + 1)
    elif isinstance(block, Paragraph):
        p = doc.add_paragraph(block.text)
        if block.style == "note":
            for run in p.runs:
                run.italic = True
                run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        elif block.style == "lead":
            for run in p.runs:
                run.font.size = Pt(12)
    elif isinstance(block, BulletList):
        style = "List Number" if block.ordered else "List Bullet"
        for item in block.items:
            doc.add_paragraph(item, style=style)
    elif isinstance(block, Table):
        _table(doc, block)
    elif isinstance(block, Image):
        if not block.png.exists():
            raise error(PackError, ERRORS, "docx.docx_image_does_not", png=block.png)
        if block.landscape:
            _landscape_picture(doc, block)
        else:
            doc.add_picture(str(block.png), width=Cm(block.width_cm))
            doc.add_paragraph(block.caption, style="Caption")
    elif isinstance(block, Code):
        for line in block.text.splitlines() or [""]:
            p = doc.add_paragraph()
            p.paragraph_format.space_after = Pt(0)
            run = p.add_run(line)
            run.font.name = "Consolas"
            run.font.size = Pt(9)
    elif isinstance(block, PageBreak):
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    else:  # pragma: no cover - the Block union is closed
        raise error(PackError, ERRORS, "docx.docx_unknown_block", kind=type(block).__name__)


def write_docx(document: Document, path: str | Path) -> Path:
    """Write ``document`` as a ``.docx`` file and return its path.

    Parameters
    ----------
    document
        The neutral document.
    path
        Where to write.
    """
    target = Path(path)
    document = _xml_safe(document)
    doc = new_docx()
    first = doc.sections[0]  # A4 with 2 cm margins, as the PDF
    first.page_width, first.page_height = Cm(21), Cm(29.7)
    first.left_margin = first.right_margin = first.top_margin = first.bottom_margin = Cm(2)
    _set_language(doc, document.lang)
    doc.core_properties.title = document.title
    doc.core_properties.subject = document.subtitle
    doc.add_heading(document.title, level=0)
    doc.add_paragraph(document.subtitle)
    _toc(doc, document.toc_title)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section in document.sections:
        _block(doc, section, 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target


__all__ = ["TABLE_STYLE", "write_docx"]
