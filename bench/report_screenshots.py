"""The pictures of the audit report in docs/img/: the process map, its sliders, the As-Is BPMN, the bar charts.

Run by hand after ``make setup`` (Chromium, the playwright package):

    .venv/bin/python bench/report_screenshots.py

It generates the Bitrix24 demo export (the one ``make demo`` audits), audits it in Russian, writes
``report.html`` into a temporary folder and opens it in headless Debian Chromium (Playwright with
``/usr/bin/chromium``). It saves ``docs/img/report-map-ru.png`` (the map as it opens),
``report-map-all-ru.png`` (both sliders at the right: every transition), ``report-map-low-ru.png``
(the activity slider at its second position, the caption saying what is hidden),
``report-bpmn-ru.png`` (the BPMN fitted in its box) and ``report-activities-ru.png``. It fails
when the page reports a script error.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMG = HERE.parent / "docs" / "img"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def main() -> int:
    from playwright.sync_api import sync_playwright

    import crmflow
    from crmflow.demo.bitrix import generate_bitrix_demo
    from crmflow.report.html import write_report

    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = generate_bitrix_demo(Path(tmp) / "data")
        result = crmflow.audit(demo.csv_path, rules=demo.rules_path, lang="ru")
        page_path = write_report(result, Path(tmp) / "report.html", lang="ru")
        errors: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_path.as_uri())
            page.locator("#map").screenshot(path=str(IMG / "report-map-ru.png"))
            page.click("#pm-all")
            page.locator("#map").screenshot(path=str(IMG / "report-map-all-ru.png"))
            page.eval_on_selector("#pm-activities", "e => { e.value = 1; e.dispatchEvent(new Event('input')); }")
            page.eval_on_selector("#pm-paths", "e => { e.value = e.min; e.dispatchEvent(new Event('input')); }")
            page.locator("#map").screenshot(path=str(IMG / "report-map-low-ru.png"))
            page.locator("#bpmn").screenshot(path=str(IMG / "report-bpmn-ru.png"))
            page.locator("#activities").screenshot(path=str(IMG / "report-activities-ru.png"))
            browser.close()
    if errors:
        print(f"the report's scripts failed: {errors}", file=sys.stderr)
        return 1
    for name in ("map", "map-all", "map-low", "bpmn", "activities"):
        print(f"wrote {IMG / f'report-{name}-ru.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
