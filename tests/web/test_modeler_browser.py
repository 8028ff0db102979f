"""Browser test of the To-Be modeler in Debian's Chromium: edit → save → lint error on the element → fix → compile → deploy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import ARGS, CHROMIUM, missing, serve
from tests.web.helpers import PASSWORD, Site, make_site, signed_in

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")

ADD_TASK = """(box) => {
  const m = box.bpmnjs;
  const reg = m.get('elementRegistry');
  const anchor = reg.get('qualify');
  const bo = m.get('bpmnFactory').create('bpmn:Task', { id: 'new_step', name: 'New step' });
  const shape = m.get('elementFactory').createShape({ type: 'bpmn:Task', businessObject: bo });
  m.get('modeling').createShape(shape, { x: anchor.x + anchor.width / 2, y: anchor.y + anchor.height + 60 }, anchor.parent);
  return reg.get('new_step') ? 'ok' : 'missing';
}"""
REMOVE_TASK = """(box) => {
  const m = box.bpmnjs;
  m.get('modeling').removeElements([m.get('elementRegistry').get('new_step')]);
  return 'ok';
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    site = make_site(tmp_path_factory.mktemp("web"))
    site.app.state.workspace.create("crm")
    with serve(site.app) as url:
        yield site, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _page(browser: Any, url: str, user: str) -> Any:
    page = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="en-GB").new_page()
    page.set_default_timeout(120000)  # the machine is shared; the waits are for events, not speed
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    if page.get_attribute("body", "data-lang") != "en":
        page.click("#lang-switch")
        page.wait_for_load_state()
    return page


def _shots() -> Path | None:
    folder = os.environ.get("CRMFLOW_WEB_SCREENSHOTS")
    return Path(folder) if folder else None


def test_edit_save_lint_error_on_the_element_fix_compile_deploy(served: tuple[Site, str], browser: Any) -> None:
    site, url = served
    page = _page(browser, url, "alice")
    page.goto(url + "/p/crm/modeler")
    page.wait_for_function("() => document.getElementById('modeler-root').dataset.ready === 'yes'", timeout=60000)
    assert page.get_attribute("#modeler-root", "data-errors") == "0"
    # the properties panel: select a task, edit its name and RACI, apply (saves)
    page.click("g[data-element-id=qualify]")
    page.wait_for_function("() => document.getElementById('prop-raci-R').value !== ''")
    assert page.input_value("#prop-raci-R") == "sales_manager"
    page.fill("#prop-name", "Qualify the lead <b>now</b>")
    page.fill("#prop-raci-I", "customer")
    page.click("#prop-apply")
    page.wait_for_function("() => document.getElementById('tobe-status').textContent.startsWith('Saved')")
    assert page.text_content("#tobe-status") == "Saved: no errors."
    c, _ = signed_in(site, "admin")
    props = c.get("/api/projects/crm/tobe/elements/qualify").json()
    assert props["raci"]["I"] == ["customer"] and props["name"] == "Qualify the lead <b>now</b>"
    # edit the diagram: a task nobody reaches → save → the lint error is on that element
    assert page.eval_on_selector("#modeler", ADD_TASK) == "ok"
    page.click("#tobe-save")
    page.wait_for_selector(".badge[data-element=new_step]")
    assert page.locator("g[data-element-id=new_step].crmflow-error").count() == 1
    badges = page.locator(".badge[data-element=new_step]").all_text_contents()
    assert any("unreachable" in b for b in badges), badges
    assert page.locator("#tobe-problems li[data-elements='new_step'][data-code=unreachable]").count() == 1
    if (shots := _shots()) is not None:
        page.screenshot(path=str(shots / "web-modeler-problem.png"))
    # compile is refused while the error is there
    page.click("#tobe-compile")
    page.wait_for_function("() => document.getElementById('tobe-deploy').disabled === true")
    # fix → compile → pack → deploy
    assert page.eval_on_selector("#modeler", REMOVE_TASK) == "ok"
    page.click("#tobe-compile")
    page.wait_for_function("() => document.getElementById('tobe-status').textContent.startsWith('Compiled')", timeout=120000)
    assert page.get_attribute("#modeler-root", "data-errors") == "0"
    assert page.locator(".crmflow-error").count() == 0
    assert page.is_visible("#tobe-pack")
    page.click("#tobe-deploy")
    page.wait_for_function("() => document.querySelectorAll('#tobe-deployments tr').length === 1")
    assert page.locator("#tobe-deployments td").first.text_content() == "crm:1"
    assert page.evaluate("() => document.querySelectorAll('#modeler b').length") == 0  # the name stayed text
    if (shots := _shots()) is not None:
        page.click("g[data-element-id=qualify]")
        page.wait_for_function("() => document.getElementById('prop-raci-R').value !== ''")
        page.screenshot(path=str(shots / "web-modeler.png"))
    assert page.errors == []


def test_a_viewer_sees_the_model_without_editing(served: tuple[Site, str], browser: Any) -> None:
    _, url = served
    page = _page(browser, url, "vera")
    page.goto(url + "/p/crm/modeler")
    page.wait_for_function("() => document.getElementById('modeler-root').dataset.ready === 'yes'", timeout=60000)
    assert page.locator("#tobe-save").count() == 0
    r = page.request.put(url + "/api/projects/crm/tobe", data="<x/>", headers={"content-type": "application/xml"})
    assert r.status == 403
    assert page.errors == []


def _apply(page: Any) -> None:
    page.evaluate("() => { document.getElementById('tobe-status').textContent = ''; }")
    page.click("#prop-apply")
    page.wait_for_function("() => document.getElementById('tobe-status').textContent.startsWith('Saved')")


def test_slas_and_rules_in_the_panel_and_tobe_problems_on_the_element(served: tuple[Site, str], browser: Any) -> None:
    site, url = served
    page = _page(browser, url, "alice")
    page.goto(url + "/p/crm/modeler")
    page.wait_for_function("() => document.getElementById('modeler-root').dataset.ready === 'yes'", timeout=60000)
    page.click("g[data-element-id=first_contact]")
    page.wait_for_selector("#prop-slas .sla-row[data-sla=first_contact_10m]")
    row = "#prop-slas .sla-row[data-sla=first_contact_10m]"
    assert page.input_value(f"{row} [data-key=within]") == "10m"
    assert page.is_disabled(f"{row} [data-key=id]")  # an existing SLA keeps its id (its escalations hang on it)
    # a duration the To-Be cannot read: saved, and the To-Be check's problem is marked on the task
    page.fill(f"{row} [data-key=within]", "ten minutes")
    _apply(page)
    page.wait_for_selector(".badge[data-element=first_contact]")
    assert page.locator("g[data-element-id=first_contact].crmflow-error").count() == 1
    assert any("schema" in b for b in page.locator(".badge[data-element=first_contact]").all_text_contents())
    assert page.locator("#tobe-problems li[data-elements='first_contact'][data-code=schema]").count() == 1
    # fixed, plus a new SLA and a data check whose message is CRM-like markup (stays text)
    page.fill(f"{row} [data-key=within]", "15m")
    page.click("#prop-sla-add")
    new = "#prop-slas .sla-row:last-child"
    page.fill(f"{new} [data-key=id]", "first_contact_vip")
    page.fill(f"{new} [data-key=within]", "5m")
    page.fill(f"{new} [data-key=applies_when]", 'lead.source == "partner"')
    page.fill("#prop-mandatory", "lead.phone")
    page.click("#prop-check-add")
    check = "#prop-checks .check-row:last-child"
    page.fill(f"{check} [data-key=id]", "phone_given")
    page.fill(f"{check} [data-key=expression]", "not is_empty(lead.phone)")
    page.fill(f"{check} [data-key=message]", "<img src=x onerror=alert(1)>")
    _apply(page)
    assert page.text_content("#tobe-status") == "Saved: no errors."
    assert page.locator(".crmflow-error").count() == 0
    c, _ = signed_in(site, "admin")
    props = c.get("/api/projects/crm/tobe/elements/first_contact").json()
    assert {s["id"]: s["within"] for s in props["slas"]} == {"first_contact_10m": "15m", "first_contact_vip": "5m"}
    assert props["rules"]["mandatory_fields"] == ["lead.phone"]
    assert props["rules"]["checks"][0]["message"] == "<img src=x onerror=alert(1)>"
    # the panel shows the saved values again (the new rows are now existing ones)
    page.wait_for_selector("#prop-checks .check-row[data-check=phone_given]")
    shown = page.input_value("#prop-checks .check-row[data-check=phone_given] [data-key=message]")
    assert shown == "<img src=x onerror=alert(1)>"
    assert page.evaluate("() => document.querySelectorAll('#properties img').length") == 0
    # an unknown role is a To-Be check's problem: marked on the task whose RACI names it
    page.fill("#prop-raci-C", "nobody")
    _apply(page)
    page.wait_for_selector(".badge[data-element=first_contact]")
    assert any("unknown_ref" in b for b in page.locator(".badge[data-element=first_contact]").all_text_contents())
    page.fill("#prop-raci-C", "")
    _apply(page)
    assert page.text_content("#tobe-status") == "Saved: no errors."
    if (shots := _shots()) is not None:
        page.screenshot(path=str(shots / "web-modeler-sla.png"))
    assert page.errors == []
