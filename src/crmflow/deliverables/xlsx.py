"""Write a :class:`~crmflow.deliverables.document.Workbook` as a formatted Excel file (openpyxl).

Every sheet gets a bold shaded header, frozen panes under the header, an autofilter, column widths
from the content, list validation for columns with fixed choices, and RACI letters coloured by value
(conditional formatting, so colours follow edits in Excel).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook as XlWorkbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from crmflow.deliverables.document import Sheet, Workbook

HEADER_FILL = PatternFill("solid", start_color="1F4E79", end_color="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
#: Fill colour of each RACI letter.
RACI_COLOURS = {"A": "FFC7CE", "R": "C6EFCE", "C": "FFEB9C", "I": "DDEBF7"}
#: Excel's limit on a sheet name.
SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = set("[]:*?/\\")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name for ``name`` (≤ 31 characters, no ``[]:*?/\\``)."""
    clean = "".join("_" if ch in _BAD_SHEET_CHARS else ch for ch in name).strip() or "Sheet"
    title = clean[:SHEET_NAME_MAX]
    n = 2
    while title.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        title = clean[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(title)
    return title


def _width(values: list[object]) -> float:
    longest = max((max((len(line) for line in str(v).splitlines()), default=0) for v in values if v is not None), default=8)
    return float(min(max(longest + 2, 8), 60))


def _write_sheet(ws, sheet: Sheet) -> None:  # type: ignore[no-untyped-def]
    ws.append([_cell(h) for h in sheet.header])
    for row in sheet.rows:
        ws.append([_cell(v) for v in row])
    ncols = len(sheet.header)
    last = get_column_letter(ncols)
    nrows = len(sheet.rows) + 1
    for cell in ws[1]:
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "B2" if sheet.raci else "A2"
    ws.auto_filter.ref = f"A1:{last}{nrows}"
    for j in range(ncols):
        letter = get_column_letter(j + 1)
        width = sheet.widths[j] if j < len(sheet.widths) else _width([sheet.header[j], *(r[j] for r in sheet.rows)])
        ws.column_dimensions[letter].width = width
    for j, name in enumerate(sheet.header):
        letter = get_column_letter(j + 1)
        rng = f"{letter}2:{letter}{max(nrows, 2)}"
        if name in sheet.choices:
            values = ",".join(v.replace(",", " ") for v in sheet.choices[name])
            dv = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True, showErrorMessage=True)
            dv.error = ", ".join(sheet.choices[name])
            ws.add_data_validation(dv)
            dv.add(rng)
        if name in sheet.raci:
            # A cell may hold several letters ("RA"): the first matching rule, in RACI_COLOURS order, colours it.
            for letter_value, colour in RACI_COLOURS.items():
                fill = PatternFill("solid", start_color=colour, end_color=colour)
                rule = FormulaRule(formula=[f'ISNUMBER(SEARCH("{letter_value}",{letter}2))'], fill=fill, stopIfTrue=True)
                ws.conditional_formatting.add(rng, rule)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str) and "\n" in cell.value)


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"); the
#: same six the backlog CSV writer neutralises (:data:`crmflow.deliverables.backlog.FORMULA_STARTS`).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | int | float | None) -> str | int | float | None:
    """A cell value that stays text in Excel, also after the user edits the cell.

    Text beginning with one of :data:`FORMULA_STARTS` gets a ``'`` before it (as the CSV writer
    does); a lone character is kept, it cannot form a formula. Control characters Excel refuses
    (``\x0b`` from Excel exports) become spaces, after the check, so a leading one is caught too.

    >>> _cell("+7 900 000-00-00"), _cell("-"), _cell("=1+1"), _cell(5)
    ("'+7 900 000-00-00", '-', "'=1+1", 5)
    """
    if not isinstance(value, str):
        return value
    if len(value) > 1 and value.startswith(FORMULA_STARTS):
        value = "'" + value
    return ILLEGAL_CHARACTERS_RE.sub(" ", value)


def write_xlsx(workbook: Workbook, path: str | Path) -> Path:
    """Write ``workbook`` to ``path`` (``.xlsx``) and return the path.

    Parameters
    ----------
    workbook
        The neutral workbook (sheets with header rows).
    path
        Where to write.
    """
    target = Path(path)
    wb = XlWorkbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for sheet in workbook.sheets:
        ws = wb.create_sheet(sheet_title(sheet.name, taken))
        _write_sheet(ws, sheet)
    wb.properties.title = workbook.name
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(target))
    return target


__all__ = ["FORMULA_STARTS", "RACI_COLOURS", "sheet_title", "write_xlsx"]
