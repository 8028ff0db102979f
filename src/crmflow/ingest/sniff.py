"""What a file really is, from its first bytes, before a reader parses it.

A PNG, PDF or ZIP renamed ``.csv`` would otherwise reach DuckDB's CSV parser and come back as its
internal message about a "sniffed" dialect. :func:`check_file_type` reads the first bytes, names
what they are (a PNG image, a PDF document, a ZIP archive, an Excel workbook, a Word document, an old
binary ``.xls``…) and refuses, with the fix, a file whose content does not fit the reader its name
chose; a file with no known signature is left to the reader (text formats have none).

>>> identify(b"\\x89PNG\\r\\n\\x1a\\n....")
'png'
>>> identify(b"%PDF-1.7\\n")
'pdf'
>>> identify(b"ID;Stage;Date\\n") is None
True
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from crmflow.errors import UnsupportedFormatError
from crmflow.i18n import Phrase, error

#: Leading bytes of the file kinds told apart (checked in this order).
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"PAR1", "parquet"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
)

#: The content each reader accepts among the kinds above (a kind not listed is refused).
ACCEPTS: dict[str, frozenset[str]] = {
    "csv": frozenset(),
    "excel": frozenset({"xlsx"}),
    "parquet": frozenset({"parquet"}),
    "xes": frozenset({"gzip"}),
    "ocel": frozenset({"sqlite"}),
}

_TEXT: dict[str, dict[str, str]] = {
    "png": {"en": "a PNG image", "ru": "изображение PNG"},
    "jpeg": {"en": "a JPEG image", "ru": "изображение JPEG"},
    "gif": {"en": "a GIF image", "ru": "изображение GIF"},
    "pdf": {"en": "a PDF document", "ru": "документ PDF"},
    "zip": {"en": "a ZIP archive", "ru": "архив ZIP"},
    "xlsx": {"en": "an Excel workbook (XLSX)", "ru": "книга Excel (XLSX)"},
    "docx": {"en": "a Word document (DOCX)", "ru": "документ Word (DOCX)"},
    "pptx": {"en": "a PowerPoint presentation (PPTX)", "ru": "презентация PowerPoint (PPTX)"},
    "odf": {"en": "an OpenDocument file (ODS/ODT)", "ru": "файл OpenDocument (ODS/ODT)"},
    "ole2": {
        "en": "an old binary Office file (.xls/.doc)",
        "ru": "старый двоичный файл Office (.xls/.doc)",
    },
    "gzip": {"en": "a gzip-compressed file", "ru": "файл, сжатый gzip"},
    "7z": {"en": "a 7-Zip archive", "ru": "архив 7-Zip"},
    "rar": {"en": "a RAR archive", "ru": "архив RAR"},
    "bzip2": {"en": "a bzip2-compressed file", "ru": "файл, сжатый bzip2"},
    "xz": {"en": "an xz-compressed file", "ru": "файл, сжатый xz"},
    "sqlite": {"en": "an SQLite database", "ru": "база данных SQLite"},
    "parquet": {"en": "a Parquet file", "ru": "файл Parquet"},
    "executable": {"en": "a program (executable)", "ru": "программа (исполняемый файл)"},
    "want_csv": {"en": "a CSV file", "ru": "файл CSV"},
    "want_excel": {"en": "an XLSX workbook", "ru": "книга XLSX"},
    "want_parquet": {"en": "a Parquet file", "ru": "файл Parquet"},
    "want_xes": {"en": "an XES event log", "ru": "журнал событий XES"},
    "want_ocel": {"en": "an OCEL 2.0 log", "ru": "журнал OCEL 2.0"},
    "wrong": {
        "en": "{file}: this is {what}, not {want}; {fix}",
        "ru": "{file}: это {what}, а не {want}; {fix}",
    },
    "fix_rename": {
        "en": "rename it to .{ending} to read it as such",
        "ru": "переименуйте его в .{ending}, чтобы прочитать как есть",
    },
    "fix_old_office": {
        "en": "open it in Excel or LibreOffice and save it as XLSX or CSV (UTF-8 or Windows-1251)",
        "ru": "откройте его в Excel или LibreOffice и сохраните как XLSX или CSV (UTF-8 или Windows-1251)",
    },
    "fix_unpack": {
        "en": "unpack it and give the file inside",
        "ru": "распакуйте его и укажите файл из архива",
    },
    "fix_export": {
        "en": "export the data from the CRM as CSV, XLSX, XES, Parquet or OCEL 2.0 (see docs/formats.md)",
        "ru": "выгрузите данные из CRM в CSV, XLSX, XES, Parquet или OCEL 2.0 (см. docs/formats.md)",
    },
}

#: The file ending that reads a kind as it is (for the "rename it" fix).
_ENDING = {"xlsx": "xlsx", "parquet": "parquet", "sqlite": "sqlite"}
_HEAD_BYTES = 16


def identify(head: bytes) -> str | None:
    """The kind of file whose first bytes are ``head`` (a key of :data:`SIGNATURES`), or None (text, unknown)."""
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    return None


def _zip_kind(path: Path) -> str:
    """``xlsx``, ``docx``, ``pptx``, ``odf`` or ``zip`` from the names inside a ZIP file (its directory only)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):  # e.g. 'zip file version 19.3'
        return "zip"
    if "mimetype" in names:
        return "odf"
    for prefix, kind in (("xl/", "xlsx"), ("word/", "docx"), ("ppt/", "pptx")):
        if any(n.startswith(prefix) for n in names):
            return kind
    return "zip"


def file_kind(path: str | Path) -> str | None:
    """What ``path`` is from its first bytes (ZIP files looked into: XLSX, DOCX…), or None."""
    p = Path(path)
    with p.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    kind = identify(head)
    return _zip_kind(p) if kind == "zip" else kind


def check_file_type(path: str | Path, reader: str, lang: str = "en") -> None:
    """Refuse ``path`` when its content is a known kind ``reader`` (a key of :data:`ACCEPTS`) cannot read.

    Raises
    ------
    UnsupportedFormatError
        "deals.csv: this is a PNG image, not a CSV file; export the data …" (in ``lang``).
    """
    p = Path(path)
    if not p.is_file():
        return
    kind = file_kind(p)
    if kind is None or kind in ACCEPTS.get(reader, frozenset()):
        return
    if kind in _ENDING and _ENDING[kind] != p.name.lower().rsplit(".", 1)[-1]:
        fix = Phrase(_TEXT, "fix_rename", ending=_ENDING[kind])
    elif kind == "ole2":
        fix = Phrase(_TEXT, "fix_old_office")
    elif kind in ("zip", "gzip", "7z", "rar", "bzip2", "xz"):
        fix = Phrase(_TEXT, "fix_unpack")
    else:
        fix = Phrase(_TEXT, "fix_export")
    what, want = Phrase(_TEXT, kind), Phrase(_TEXT, f"want_{reader}")
    raise error(UnsupportedFormatError, _TEXT, "wrong", lang, file=p.name, what=what, want=want, fix=fix)


__all__ = ["ACCEPTS", "SIGNATURES", "check_file_type", "file_kind", "identify"]
