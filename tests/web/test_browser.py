"""Browser tests: the main flows in Debian's headless Chromium (Playwright; no browser is downloaded).

Screenshots of the main screens go to ``$CRMFLOW_WEB_SCREENSHOTS`` (``docs/img`` for the docs) or a
temporary folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crmflow.demo.bitrix import BitrixDemo
from crmflow.report.messages import format_number
from tests.web.browser import ARGS, CHROMIUM, missing, serve
from tests.web.helpers import PASSWORD, Site, make_site

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("CRMFLOW_WEB_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    site = make_site(tmp_path_factory.mktemp("web"))
    with serve(site.app) as url:
        yield site, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _page(browser: Any, url: str, user: str, *, lang: str = "en") -> Any:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU" if lang == "ru" else "en-GB")
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    if page.get_attribute("body", "data-lang") != lang:  # the browser's Accept-Language chose the other one
        page.click("#lang-switch")
        page.wait_for_load_state()
    assert page.get_attribute("body", "data-lang") == lang
    return page


def _project(page: Any, url: str, name: str, files: list[Path]) -> None:
    page.goto(url + "/")
    page.fill("#project-name", name)
    page.click("#project-create")
    page.wait_for_url(f"**/p/{name}")
    for f in files:
        page.set_input_files("#upload-file", str(f))
        page.click("#upload-submit")
        page.wait_for_url(f"**/p/{name}")
    page.click("#audit-submit")
    page.wait_for_url(f"**/p/{name}")


def test_upload_audit_open_the_top_bottleneck_and_its_cases(
    served: tuple[Site, str], browser: Any, bitrix: BitrixDemo, shots: Path
) -> None:
    site, url = served
    page = _page(browser, url, "alice", lang="ru")
    _project(page, url, "bitrix", [bitrix.csv_path, bitrix.rules_path])
    assert page.locator("#n-cases").inner_text() == format_number(bitrix.n_deals, "ru")
    assert page.locator("#mapping select[data-field=case_id]").input_value() == "ID сделки"
    assert page.locator("#quarantine-reasons tbody tr").count() >= 3
    page.screenshot(path=str(shots / "web-project.png"), full_page=True)
    top = page.locator("#top-bottleneck")
    assert "Договор подписан" in top.inner_text()
    top.click()
    page.wait_for_url("**/cases?finding=*")
    doc = json.loads((site.data / "projects" / "bitrix" / "audit" / "audit.json").read_text(encoding="utf-8"))
    finding = next(f for f in doc["findings"] if f["kind"] == "bottleneck" and f["severity"] == "high")
    shown = page.locator("#cases tbody tr td:first-child").all_inner_texts()
    assert set(shown) == set(finding["evidence"]["case_ids"])
    page.screenshot(path=str(shots / "web-cases.png"))
    page.locator("#cases tbody tr a").first.click()
    page.wait_for_url("**/case/*")
    assert "Счёт выставлен" in page.locator("#timeline").inner_text()
    page.screenshot(path=str(shots / "web-case.png"), full_page=True)
    assert page.errors == []


def test_explorer_sliders_and_filters(served: tuple[Site, str], browser: Any, shots: Path) -> None:
    site, url = served
    page = _page(browser, url, "alice")
    page.goto(url + "/p/bitrix/explorer")
    page.wait_for_function("() => document.getElementById('explorer').dataset.nodes !== undefined")
    full = int(page.get_attribute("#explorer", "data-nodes"))
    assert full == 9
    page.wait_for_selector("#variants tbody tr")
    page.screenshot(path=str(shots / "web-explorer.png"))
    page.fill("#activities", "40")
    page.dispatch_event("#activities", "input")
    page.wait_for_function("() => document.getElementById('explorer').dataset.nodes === '4'")
    page.fill("#activities", "100")
    page.dispatch_event("#activities", "input")
    page.select_option("select[name=attribute]", "Источник")
    page.fill("input[name=values]", "Рекомендация")
    page.click("#filters-apply")
    page.wait_for_function("() => document.getElementById('totals').textContent.includes('Cases')")
    page.wait_for_function("() => !document.getElementById('totals').textContent.startsWith('Cases: 300 ')")
    page.click("input[name=mode][value=performance]")
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "web-explorer-performance.png"))
    assert page.errors == []


def test_asis_bpmn_with_overlays(served: tuple[Site, str], browser: Any, shots: Path) -> None:
    site, url = served
    page = _page(browser, url, "alice")
    page.goto(url + "/p/bitrix/bpmn")
    page.wait_for_function("() => document.getElementById('bpmn').dataset.overlays !== undefined", timeout=30000)
    assert int(page.get_attribute("#bpmn", "data-overlays")) >= 8
    page.screenshot(path=str(shots / "web-bpmn.png"))
    assert page.errors == []


def test_dashboard_numbers_equal_audit_json(served: tuple[Site, str], browser: Any, shots: Path) -> None:
    site, url = served
    doc = json.loads((site.data / "projects" / "bitrix" / "audit" / "audit.json").read_text(encoding="utf-8"))
    page = _page(browser, url, "admin")
    page.goto(url + "/p/bitrix/dashboard")
    kpi = lambda k: page.locator(f"[data-kpi={k}]")  # noqa: E731
    assert kpi("cases").inner_text() == format_number(doc["log"]["cases"], "en")
    assert kpi("events").inner_text() == format_number(doc["log"]["events"], "en")
    assert kpi("variants").inner_text() == format_number(doc["log"]["variants"], "en")
    assert kpi("quarantined").inner_text() == format_number(doc["log"]["quarantined"], "en")
    assert float(kpi("median_cycle_s").get_attribute("data-value")) == doc["case_durations"]["median_s"]
    assert float(kpi("p90_cycle_s").get_attribute("data-value")) == doc["case_durations"]["p90_s"]
    for s in doc["sla"]:
        assert float(page.get_attribute(f"[data-sla-compliance='{s['name']}']", "data-value")) == s["compliance"]
        assert page.locator(f"[data-sla-violations='{s['name']}']").inner_text() == format_number(s["violations"], "en")
    for st in doc["funnel"]["stages"]:
        assert page.locator(f"[data-funnel-stage='{st['stage']}']").inner_text() == format_number(st["cases"], "en")
    open_tasks = len(site.tasks.list_tasks())
    page.wait_for_function(f"() => document.getElementById('live-open').textContent === '{open_tasks}'")
    page.wait_for_selector("#funnel-chart svg")
    page.wait_for_selector("#imr-chart svg")
    assert int(page.get_attribute("#imr-chart", "data-points")) >= 20
    assert page.locator(".p-chart svg").count() == len(doc["sla"])
    page.screenshot(path=str(shots / "web-dashboard.png"), full_page=True)
    assert page.errors == []


def test_cost_to_serve_on_the_dashboard_and_an_alert_acknowledged(served: tuple[Site, str], browser: Any, shots: Path) -> None:
    from tests.web.helpers import signed_in

    site, url = served
    c, _ = signed_in(site, "alice")
    log = site.app.state.workspace.log("bitrix")
    roles = sorted(r["role"] for r in log.store.rows(f"SELECT DISTINCT role FROM {log.events_table} WHERE role IS NOT NULL"))
    assert (
        c.put("/api/projects/bitrix/costs", json={"rates": {r: 1200.0 + 300 * i for i, r in enumerate(roles)}}).status_code == 200
    )
    rule = {"id": "sla-breaches", "kind": "sla_breach_share", "threshold": 0.0}
    assert c.put("/api/projects/bitrix/alerts/rules", json=rule).status_code == 200
    costs = c.get("/api/projects/bitrix/costs").json()
    page = _page(browser, url, "alice")
    page.goto(url + "/p/bitrix/dashboard")
    assert page.inner_text("#cost-per-case") == format_number(costs["cost_per_case"], "en")
    page.wait_for_selector("#cost-chart svg")
    page.locator("#costs").screenshot(path=str(shots / "web-dashboard-costs.png"))
    page.goto(url + "/p/bitrix/alerts")
    page.click("#alert-evaluate")
    page.wait_for_selector("#alert-log tr[data-alert] button.ack")
    page.click("#alert-log tr[data-alert] button.ack")
    page.wait_for_load_state()
    assert "alice ·" in page.inner_text("#alert-log")
    page.screenshot(path=str(shots / "web-alerts.png"))
    assert page.errors == []


def test_complete_a_task_in_the_inbox(served: tuple[Site, str], browser: Any, shots: Path) -> None:
    site, url = served
    page = _page(browser, url, "anna", lang="ru")
    assert page.url.endswith("/inbox")
    queue = next(t for t in site.tasks.list_tasks() if t.assignee is None and t.candidate_group == "north")
    row = page.locator(f"tr[data-task='{queue.id}']")
    row.locator("button.claim").click()
    page.wait_for_url("**/inbox")
    page.screenshot(path=str(shots / "web-inbox.png"))
    row = page.locator(f"tr[data-task='{queue.id}']")
    row.locator("input[name=comment]").fill("дозвонились")
    row.locator("button.complete").click()
    page.wait_for_url("**/inbox")
    assert page.locator(f"tr[data-task='{queue.id}']").count() == 0
    done = site.tasks.get_task(queue.id)
    assert (done.state, done.assignee, done.variables) == ("completed", "anna", {"comment": "дозвонились"})
    assert page.errors == []


def test_an_agent_gets_403_on_another_agents_task(served: tuple[Site, str], browser: Any) -> None:
    site, url = served
    page = _page(browser, url, "anna")
    other = next(t for t in site.tasks.list_tasks() if t.assignee == "boris")
    response = page.goto(f"{url}/api/tasks/{other.id}")
    assert response.status == 403
    assert page.locator(f"tr[data-task='{other.id}']").count() == 0


def test_a_script_in_a_crm_value_is_shown_as_text(served: tuple[Site, str], browser: Any, tmp_path: Path, shots: Path) -> None:
    site, url = served
    csv = tmp_path / "xss.csv"
    rows = ["case_id,activity,timestamp,resource"]
    for i in range(1, 4):
        rows += [
            f"C{i},Created,2025-03-0{i} 10:00,ann",
            f'C{i},"{XSS.replace(chr(34), chr(34) * 2)}",2025-03-0{i} 12:00,"{XSS.replace(chr(34), chr(34) * 2)}"',
        ]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page = _page(browser, url, "alice")
    _project(page, url, "xss", [csv])
    for path in ("/p/xss", "/p/xss/explorer", "/p/xss/case/C1", "/p/xss/dashboard"):
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, path
    page.goto(url + "/p/xss/case/C1")
    assert XSS in page.locator("#timeline").inner_text()
    page.goto(url + "/p/xss/explorer")
    page.wait_for_selector("#variants tbody tr")
    assert XSS in page.locator("#variants").inner_text()
    assert page.evaluate("window.__xss") is None
    csp_violations = [e for e in page.errors if "Content Security Policy" in e]
    assert [e for e in page.errors if e not in csp_violations] == []
