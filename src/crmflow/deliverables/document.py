"""The neutral document model every deliverable is written in, and that DOCX, PDF and HTML render.

A deliverable builds a :class:`Section` (headings nest with sections) out of a few block types;
workbooks are a list of :class:`Sheet`. Renderers never see the To-Be model or the audit, only this.

>>> s = Section(title="RACI", blocks=(Paragraph("One A per task."), Table(header=("Task", "A"), rows=(("Call", "Head"),))))
>>> [type(b).__name__ for b in s.blocks]
['Paragraph', 'Table']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Union

from crmflow.deliverables.error_messages import ERRORS
from crmflow.errors import PackError
from crmflow.i18n import error


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (never markup: renderers escape it)."""

    text: str
    style: Literal["body", "note", "lead"] = "body"


@dataclass(frozen=True)
class BulletList:
    """A list of items, bulleted or numbered."""

    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    """A table with one header row; every row has as many cells as the header."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows, start=1):
            if len(row) != len(self.header):
                raise error(
                    PackError,
                    ERRORS,
                    "document.table_row_has_cells",
                    value=self.caption or self.header,
                    i=i,
                    n_row=len(row),
                    n_header=len(self.header),
                )


@dataclass(frozen=True)
class Image:
    """A diagram: a PNG (for DOCX and PDF) and, when there is one, its SVG (for HTML)."""

    png: Path
    caption: str
    svg: Path | None = None
    width_cm: float = 16.0
    landscape: bool = False  # PDF: on a page of its own, turned sideways


@dataclass(frozen=True)
class Code:
    """Preformatted text (Gherkin, YAML) shown in a monospace font."""

    text: str
    language: str = ""


@dataclass(frozen=True)
class PageBreak:
    """Start a new page (DOCX, PDF)."""


Block = Union[Paragraph, BulletList, Table, Image, Code, PageBreak, "Section"]


@dataclass(frozen=True)
class Section:
    """A titled section; nested sections are subheadings."""

    title: str
    blocks: tuple[Block, ...] = ()
    key: str = ""

    def subsections(self) -> list[Section]:
        return [b for b in self.blocks if isinstance(b, Section)]


@dataclass(frozen=True)
class Document:
    """A whole report: title page lines and top-level sections."""

    title: str
    subtitle: str
    lang: str
    sections: tuple[Section, ...]
    toc_title: str = "Contents"


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row and data rows.

    ``choices`` maps a column (header text) to the allowed values (list validation in Excel);
    ``raci`` names the columns whose cells are RACI letters (coloured by value);
    ``widths`` are column widths in characters (computed from the content when empty).
    """

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str | int | float | None, ...], ...]
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    raci: tuple[str, ...] = ()
    widths: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows, start=2):
            if len(row) != len(self.header):
                raise error(
                    PackError,
                    ERRORS,
                    "document.sheet_row_has_cells",
                    name=self.name,
                    i=i,
                    n_row=len(row),
                    n_header=len(self.header),
                )


@dataclass(frozen=True)
class Workbook:
    """A named workbook (one XLSX file)."""

    name: str
    sheets: tuple[Sheet, ...]


def walk(section: Section, level: int = 1):  # type: ignore[no-untyped-def]
    """Yield ``(level, block)`` for a section and everything inside it, depth first (the section itself first)."""
    yield level, section
    for block in section.blocks:
        if isinstance(block, Section):
            yield from walk(block, level + 1)
        else:
            yield level, block


def plain_text(document: Document) -> str:
    """All the text of a document, one block per line (used to check that nothing is placeholder text)."""
    lines = [document.title, document.subtitle]
    for top in document.sections:
        for _level, block in walk(top):
            if isinstance(block, Section):
                lines.append(block.title)
            elif isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, BulletList):
                lines.extend(block.items)
            elif isinstance(block, Table):
                lines.append(" | ".join(block.header))
                lines.extend(" | ".join(r) for r in block.rows)
                if block.caption:
                    lines.append(block.caption)
            elif isinstance(block, Image):
                lines.append(block.caption)
            elif isinstance(block, Code):
                lines.append(block.text)
    return "\n".join(lines)


__all__ = [
    "Block",
    "BulletList",
    "Code",
    "Document",
    "Image",
    "PageBreak",
    "Paragraph",
    "Section",
    "Sheet",
    "Table",
    "Workbook",
    "plain_text",
    "walk",
]
