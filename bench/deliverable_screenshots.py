"""The pictures of issue 17's fixes in docs/img/: the duplicates page, pack PDF pages, the English map.

Run by hand after ``make setup`` (Chromium, the playwright package, poppler's ``pdftoppm``):

    .venv/bin/python bench/deliverable_screenshots.py

It writes the demo's CRM tables (``generate_quality_demo``), assesses their quality in Russian and
saves the first duplicate clusters of the page (``quality-duplicates-ru.png``); audits the Bitrix24
demo export, builds the incoming-lead pack in Russian with that quality result and turns the PDF
pages of its "Duplicate records" section and its SLA policy into PNGs (``pack-duplicates-ru.png``,
``pack-sla-ru.png``); and saves the English report's map (``report-map-en.png``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMG = HERE.parent / "docs" / "img"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def _pdf_page(pdf: Path, needle: str, target: Path) -> None:
    """The first page of ``pdf`` whose text holds ``needle``, as a PNG."""
    from pypdf import PdfReader

    pages = PdfReader(str(pdf)).pages
    number = next(
        i for i, p in enumerate(pages, start=1) if needle in (p.extract_text() or "").replace("\xa0", " ").replace("\n", " ")
    )
    stem = target.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", "80", "-f", str(number), "-l", str(number), "-png", "-singlefile", str(pdf), str(stem)], check=True
    )


def main() -> int:
    from playwright.sync_api import sync_playwright

    import crmflow
    from crmflow.deliverables.pack import build_pack
    from crmflow.demo.bitrix import generate_bitrix_demo
    from crmflow.demo.quality_set import generate_quality_demo
    from crmflow.quality.run import assess_quality
    from crmflow.report.html import write_report

    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        q = generate_quality_demo(root / "crm")
        quality = assess_quality([q.files[k] for k in ("contacts", "companies", "deals")], rules=q.rules_path, lang="ru")
        page = quality.write(root / "quality").html_path
        demo = generate_bitrix_demo(root / "data")
        result = crmflow.audit(demo.csv_path, rules=demo.rules_path, lang="ru")
        result.write(root / "bitrix24", lang="ru")
        report_en = write_report(result, root / "report_en.html", lang="en")
        tobe = Path(str(files("crmflow.design") / "examples")) / "incoming_lead.yaml"
        pack = build_pack(tobe, out_dir=root / "pack", audit=root / "bitrix24", quality=root / "quality", lang="ru")
        _pdf_page(pack.folder / "report.pdf", "Кластер 1:", IMG / "pack-duplicates-ru.png")
        _pdf_page(pack.folder / "report.pdf", "рабочий", IMG / "pack-sla-ru.png")
        errors: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page.as_uri())
            tab.evaluate("document.querySelectorAll('details.cluster').forEach((d, i) => { if (i >= 3) d.remove(); })")
            tab.locator("details.cluster").first.evaluate("e => e.parentElement.scrollIntoView()")
            box = tab.locator("details.cluster").nth(0).bounding_box()
            last = tab.locator("details.cluster").nth(2).bounding_box()
            assert box is not None and last is not None
            tab.screenshot(
                path=str(IMG / "quality-duplicates-ru.png"),
                full_page=True,
                clip={"x": 0, "y": box["y"] - 40, "width": 1280, "height": last["y"] + last["height"] - box["y"] + 50},
            )
            tab.goto(report_en.as_uri())
            tab.locator("#map").screenshot(path=str(IMG / "report-map-en.png"))
            browser.close()
    if errors:
        print(f"the pages' scripts failed: {errors}", file=sys.stderr)
        return 1
    for name in ("quality-duplicates-ru", "pack-duplicates-ru", "pack-sla-ru", "report-map-en"):
        print(f"wrote {IMG / f'{name}.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
