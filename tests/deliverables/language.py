"""Visible text of every kind of deliverable, and the checks that it is written in one language.

:func:`visible_text` reads what a person sees — HTML text nodes (not scripts, styles or attributes),
DOCX paragraphs and table cells (python-docx), XLSX cells (openpyxl), PDF text (pypdf), Gherkin and
Markdown lines — as :class:`Piece` objects that say where each came from and whether it is code (a
``<code>`` element, a footnote of an expression, a Gherkin tag), where ids are allowed.
:func:`problems` lists what breaks "one language": a Cyrillic word in English text, a Latin word in
Russian text outside the allow-list, an ASCII decimal point or an English unit in Russian text, a raw
identifier (``snake_case``) in prose. Words of the client's data (activity, person and rule names of
the audit; names of the To-Be) are data, not our sentences: they are taken out before the checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: Latin words a Russian deliverable may use: standards, formats, product names, the method's terms.
RU_ALLOWED = {
    *[
        "BPMN",
        "CRM",
        "SLA",
        "KPI",
        "RACI",
        "UAT",
        "SIPOC",
        "CJM",
        "DOCX",
        "PDF",
        "XLSX",
        "HTML",
        "JSON",
        "CSV",
        "SVG",
        "PNG",
        "XML",
        "YAML",
        "API",
        "REST",
        "ID",
    ],
    *[
        "BRD",
        "FRD",
        "NPS",
        "CES",
        "ERD",
        "DFD",
        "OCEL",
        "XES",
        "ICS",
        "SOP",
        "FAQ",
        "SMS",
        "URL",
        "UTC",
        "MSK",
        "HMAC",
        "SQL",
        "DMN",
        "FEEL",
        "HTTP",
        "HTTPS",
    ],
    *[
        "crmflow",
        "Bitrix24",
        "Bitrix",
        "amoCRM",
        "Kommo",
        "Salesforce",
        "HubSpot",
        "Jira",
        "YouTrack",
        "AsyncAPI",
        "Gherkin",
        "Camunda",
    ],
    *[
        "bpmn.io",
        "Signavio",
        "Bizagi",
        "DuckDB",
        "Excel",
        "Word",
        "Telegram",
        "WhatsApp",
        "Email",
        "E-mail",
        "e-mail",
        "CSAT",
        "ROI",
        "P&L",
    ],
    *[
        "As-Is",
        "To-Be",
        "As",
        "Is",
        "To",
        "Be",
        "Mermaid",
        "Verenich",
        "Mendeley",
        "Data",
        "CC",
        "BY",
        "doi",
        "Helpdesk",
        "MVP",
        "BANT",
        "INN",
        "KPP",
        "VIP",
        "HHI",
    ],
}
#: Abbreviations of English units written after a number.
_EN_UNIT = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?\s?(?:h|min|d|s|m)\b(?![\w-])")
#: A number with an ASCII decimal point — not a date (01.09.2025), a version (0.1.0) or a list number.
_ASCII_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")
_SNAKE = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.@/(-])")
_WORD = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё0-9&'’-]*")
#: What is not prose and is taken out before the checks: a reference in brackets (an expression kept beside
#: its words), code in backticks, quoted names («Счёт выставлен», “Invoice”), file names, versions.
_NOT_PROSE = re.compile(
    r"\[(?:[^\[\]]|\[[^\]]*\])*\]|`[^`]*`|«[^»]*»|“[^”]*”|\"[^\"]*\""
    r"|[\w.-]+\.(?:csv|yaml|yml|json|xlsx|docx|pdf|html|bpmn|svg|png|feature|mmd|duckdb)\b"
    r"|(?:версия|version|BPMN|AsyncAPI|OCEL|crmflow|XES)\s+\d+(?:\.\d+)+"
    # ids of requirements, stories, scenarios and coverage targets (FR-…, US-…, lead_processing-path-1, branch:…)
    r"|\b[A-Z]{2,4}-[\w-]+|\b[\w]+-(?:path|rule|escalation|sla|branch)-[\w-]+|\b(?:branch|escalation|rule|sla|path):\S+"
    r"|\+?\d*X{4,}|\bbpmn\.io\b"
    # a data contract (``lead_id: string, phone: string?``) and ids with hyphenated parts (``lead_processing-…``)
    r"|\b\w+: (?:string|number|integer|boolean|datetime|date|object|array)\??"
    r"|\b\w*_\w*(?:-\w+)+"
)
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Piece:
    """One visible text of a deliverable: where it is, the text, whether it is a code element."""

    where: str
    text: str
    code: bool = False


# ---------------------------------------------------------------------- extraction
def visible_text(path: Path) -> list[Piece]:
    """Every visible text of one file (by its suffix); an unknown suffix gives nothing."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".svg"):
        return list(_html(path))
    if suffix == ".docx":
        return list(_docx(path))
    if suffix == ".xlsx":
        return list(_xlsx(path))
    if suffix == ".pdf":
        return list(_pdf(path))
    if suffix in (".feature", ".md"):
        return [
            Piece(f"{path.name}:{n}", line, code=line.lstrip().startswith(("@", "#")))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if line.strip()
        ]
    return []


def _html(path: Path) -> Iterator[Piece]:
    from lxml import etree, html

    parser_root = html.fromstring(path.read_bytes()) if path.suffix != ".svg" else etree.fromstring(path.read_bytes())
    for element in parser_root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        local = tag.rsplit("}", 1)[-1].lower()
        if not tag or local in ("script", "style"):
            continue
        code = any(_is_code(a) for a in (element, *element.iterancestors()))
        if any(_hidden(a) for a in (element, *element.iterancestors())):
            continue
        for chunk, owner in ((element.text, element), (element.tail, element.getparent())):
            if chunk and chunk.strip() and owner is not None:
                owner_code = code if owner is element else any(_is_code(a) for a in (owner, *owner.iterancestors()))
                yield Piece(f"{path.name}:<{local}>", " ".join(chunk.split()), code=owner_code)


def _is_code(element: object) -> bool:
    tag = getattr(element, "tag", "")
    if not isinstance(tag, str):
        return False
    local = tag.rsplit("}", 1)[-1].lower()
    classes = (getattr(element, "get", lambda _k, _d=None: None)("class") or "").split()
    return local in ("code", "pre", "kbd", "samp") or "footnote" in classes or "expr" in classes


def _hidden(element: object) -> bool:
    tag = getattr(element, "tag", "")
    local = tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""
    return local in ("script", "style", "template")


def _docx(path: Path) -> Iterator[Piece]:
    from docx import Document

    doc = Document(str(path))
    for n, p in enumerate(doc.paragraphs):
        if p.text.strip():
            yield Piece(f"{path.name}:p{n}", p.text, code=p.style is not None and "code" in (p.style.name or "").lower())
    for k, table in enumerate(doc.tables):
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                if cell.text.strip():
                    yield Piece(f"{path.name}:table{k}[{r},{c}]", cell.text)


def _xlsx(path: Path) -> Iterator[Piece]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    for sheet in book.worksheets:
        yield Piece(f"{path.name}:{sheet.title}", sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip():
                    yield Piece(f"{path.name}:{sheet.title}!{cell.coordinate}", cell.value)


def _pdf(path: Path) -> Iterator[Piece]:
    from pypdf import PdfReader

    for n, page in enumerate(PdfReader(str(path)).pages, 1):
        # one piece per page: a word hyphenated at a line end is one word again, lines are joined
        page_text = re.sub(r"-\n(?=\w)", "-", page.extract_text() or "")
        if page_text.strip():
            yield Piece(f"{path.name}:page{n}", " ".join(page_text.split()))


# ---------------------------------------------------------------------- checks
def data_words(values: Iterable[str]) -> set[str]:
    """The words of the client's data (names of activities, people, rules…), as the checks skip them."""
    return {w.casefold() for v in values for w in _WORD.findall(str(v))}


def problems(pieces: Iterable[Piece], lang: str, data: set[str]) -> list[str]:
    """What breaks "one language" in ``pieces`` written in ``lang``; each entry names the place and the text."""
    out: list[str] = []
    for piece in pieces:
        if piece.code:
            continue
        text = _NOT_PROSE.sub(" ", piece.text)
        foreign = [
            w
            for w in _words(text)
            if w.casefold() not in data
            and (_CYRILLIC.search(w) if lang == "en" else _LATIN.search(w) and w not in RU_ALLOWED and not _id_like(w))
        ]
        if foreign:
            out.append(f"{piece.where}: other-language word(s) {foreign[:5]} in {text[:160]!r}")
        if lang == "ru":
            if _ASCII_DECIMAL.search(text):
                out.append(f"{piece.where}: ASCII decimal point in {text[:160]!r}")
            if _EN_UNIT.search(text):
                out.append(f"{piece.where}: English unit in {text[:160]!r}")
        for ident in _SNAKE.findall(text):
            if ident.casefold() not in data:
                out.append(f"{piece.where}: raw identifier {ident!r} in {text[:160]!r}")
    return out


def _words(text: str) -> list[str]:
    """The words of a text; a hyphenated word of both scripts (``IP-телефония``) is checked part by part."""
    out: list[str] = []
    for word in _WORD.findall(text):
        if _CYRILLIC.search(word) and _LATIN.search(word):
            out += [p for p in word.split("-") if p]
        else:
            out.append(word)
    return out


def _id_like(word: str) -> bool:
    """Codes rather than words: ``US-3``, ``BR-12``, ``A1``, ``v2`` (letters with digits)."""
    return bool(re.fullmatch(r"[A-Z]{1,4}-?\d+[\w-]*|[A-Za-z]\d+|[A-Za-z]", word))
