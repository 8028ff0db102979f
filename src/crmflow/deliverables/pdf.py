"""Render a :class:`~crmflow.deliverables.document.Document` as a typeset PDF (Typst).

All document text reaches Typst as string literals (:func:`typst_string`), never as markup, so CRM
data such as ``*VIP* #1 <b>`` prints as written. Only Typst's embedded fonts are used
(``ignore_system_fonts``: Libertinus Serif has Cyrillic), and the creation time is fixed, so the
same document gives the same PDF on every machine.

>>> typst_string('Сделка "А" #1 \\\\ *VIP*')
'"Сделка \\\\"А\\\\" #1 \\\\\\\\ *VIP*"'
"""

from __future__ import annotations

from pathlib import Path

from crmflow.deliverables.document import BulletList, Code, Document, Image, PageBreak, Paragraph, Section, Table
from crmflow.deliverables.error_messages import ERRORS
from crmflow.errors import PackError
from crmflow.i18n import error

#: Creation time written into every PDF (Unix seconds) so output is reproducible.
FIXED_TIMESTAMP = 1_767_225_600  # 2026-01-01T00:00:00Z


def typst_string(value: str) -> str:
    """``value`` as a Typst string literal (backslash, quote and control characters escaped)."""
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            continue
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _text(value: str) -> str:
    """Plain text placed in markup: a string expression, so nothing in it is interpreted."""
    return "#" + typst_string(value)


_PREAMBLE = """#set document(title: {title})
#set text(lang: "{lang}", font: "Libertinus Serif", size: 10.5pt)
#set page(paper: "a4", margin: (x: 2cm, y: 2cm), numbering: "1")
#set heading(numbering: "1.1.")
#set par(justify: false)
#set text(hyphenate: true)
#show figure: set block(breakable: true)
#show table: set text(size: 8.5pt)
#show table: set par(justify: false)
#show raw: set text(font: "DejaVu Sans Mono", size: 8pt)
#show table.cell.where(y: 0): set text(weight: "bold")
#align(center)[#v(4cm)#text(size: 22pt, weight: "bold")[{title_markup}]#v(1em)#text(size: 13pt)[{subtitle_markup}]]
#pagebreak()
#outline(title: {toc_title}, depth: 3)
#pagebreak()
"""


def _table(table: Table) -> str:
    cols = len(table.header)
    cells = ", ".join(f"[{_text(h)}]" for h in table.header)
    body = ",\n  ".join(", ".join(f"[{_text(c)}]" for c in row) for row in table.rows)
    grid = (
        f"#table(columns: {cols}, stroke: 0.4pt + gray, inset: 4pt, align: left + top,\n"
        f"  fill: (x, y) => if y == 0 {{ luma(225) }},\n"
        f"  table.header({cells}),\n  {body}\n)"
    )
    if table.caption:
        return f"#figure(kind: table, caption: [{_text(table.caption)}], supplement: none)[\n{grid}\n]\n"
    return grid + "\n"


def _block(block, level: int, root: Path) -> str:  # type: ignore[no-untyped-def]
    if isinstance(block, Section):
        parts = [f"#heading(level: {min(level, 6)}, {typst_string(block.title)})\n"]
        parts += [_block(b, level + 1, root) for b in block.blocks]
        return "\n".join(parts)
    if isinstance(block, Paragraph):
        if block.style == "note":
            return f'#text(style: "italic", fill: luma(90))[{_text(block.text)}]\n'
        if block.style == "lead":
            return f"#text(size: 12pt)[{_text(block.text)}]\n"
        return _text(block.text) + "\n"
    if isinstance(block, BulletList):
        mark = "+" if block.ordered else "-"
        return "\n".join(f"{mark} {_text(item)}" for item in block.items) + "\n"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Image):
        try:
            rel = block.png.resolve().relative_to(root.resolve())
        except ValueError as exc:
            raise error(PackError, ERRORS, "pdf.pdf_image_outside_pack", png=block.png, root=root) from exc
        if block.landscape:  # a wide diagram gets a page of its own, turned sideways
            return (
                f"#page(flipped: true)[#figure(image({typst_string(rel.as_posix())}, width: 100%, height: 85%, "
                f'fit: "contain"), caption: [{_text(block.caption)}])]\n'
            )
        return (
            f"#figure(image({typst_string(rel.as_posix())}, width: {min(block.width_cm, 17.0):.1f}cm), "
            f"caption: [{_text(block.caption)}])\n"
        )
    if isinstance(block, Code):
        return f"#block(fill: luma(245), inset: 6pt, width: 100%, raw({typst_string(block.text)}, block: true))\n"
    if isinstance(block, PageBreak):
        return "#pagebreak(weak: true)\n"
    raise error(PackError, ERRORS, "pdf.pdf_unknown_block", kind=type(block).__name__)  # pragma: no cover


def typst_source(document: Document, *, root: Path) -> str:
    """The Typst markup of ``document`` (images are referenced relative to ``root``)."""
    head = _PREAMBLE.format(
        title=typst_string(document.title),
        lang="ru" if document.lang == "ru" else "en",
        title_markup=_text(document.title),
        subtitle_markup=_text(document.subtitle),
        toc_title=f"[{_text(document.toc_title)}]",
    )
    return head + "\n".join(_block(s, 1, root) for s in document.sections)


def write_pdf(document: Document, path: str | Path, *, root: str | Path | None = None) -> Path:
    """Typeset ``document`` into a PDF at ``path``.

    Parameters
    ----------
    document
        The neutral document.
    path
        Where to write the PDF.
    root
        The folder that holds the document's images (default: the PDF's folder).
    """
    import typst

    target = Path(path)
    base = Path(root) if root is not None else target.parent
    source = typst_source(document, root=base)
    try:
        compiler = typst.Compiler(root=str(base.resolve()), ignore_system_fonts=True)
        pdf = compiler.compile(input=source.encode("utf-8"), format="pdf", timestamp=FIXED_TIMESTAMP)
    except Exception as exc:  # typst raises its own TypstError (a RuntimeError)
        raise error(PackError, ERRORS, "pdf.pdf_typst_could_not", name=target.name, exc=exc) from exc
    if not isinstance(pdf, bytes):  # pragma: no cover - PDF is always one file
        raise error(PackError, ERRORS, "pdf.pdf_typst_returned_no", name=target.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf)
    return target


__all__ = ["FIXED_TIMESTAMP", "typst_source", "typst_string", "write_pdf"]
