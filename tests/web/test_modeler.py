"""The To-Be modeler's API: save → problems by element id → fix → compile → pack → deploy; roles."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from crmflow.bpmn.reader import read_bpmn
from crmflow.web.modeler import Deployment, ToBeModels, check_model, node_properties
from tests.web.helpers import Site, make_site, signed_in

ORPHAN = b'<bpmn:task id="orphan" name="Orphan"/></bpmn:process>'


class MemoryDeployer:
    """A deployer that keeps what it got (the engine adapter implements the same one method)."""

    def __init__(self) -> None:
        self.got: list[tuple[str, bytes, str]] = []

    def deploy(self, project: str, bpmn: bytes, *, user: str) -> Deployment:
        self.got.append((project, bpmn, user))
        return Deployment(f"mem-{len(self.got)}", project, ("p",), "0" * 64, user, "2026-01-01T00:00:00+00:00")


@pytest.fixture()
def tobe_site(tmp_path: Path) -> Site:
    s = make_site(tmp_path / "web")
    s.app.state.workspace.create("crm")
    return s


def test_save_shows_lint_and_soundness_problems_on_the_element_then_fix_compile_deploy(tobe_site: Site) -> None:
    c, _ = signed_in(tobe_site, "alice")
    xml = c.get("/api/projects/crm/tobe").content
    assert b"crmflow:node" in xml and check_model(xml).ok
    broken = xml.replace(b"</bpmn:process>", ORPHAN, 1)
    r = c.put("/api/projects/crm/tobe", content=broken, headers={"content-type": "application/xml"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is False
    on_orphan = {(p["code"], p["source"]) for p in body["problems"] if p["elements"] == ["orphan"]}
    assert ("unreachable", "lint") in on_orphan and ("dead", "soundness") in on_orphan
    # the broken model is kept (work is not lost) but not compiled
    assert c.get("/api/projects/crm/tobe/check").json()["ok"] is False
    r = c.post("/api/projects/crm/tobe/compile")
    assert r.status_code == 400 and "orphan" in r.json()["detail"]
    assert c.post("/api/projects/crm/tobe/deploy").status_code == 400
    # fix: the original model again
    assert c.put("/api/projects/crm/tobe", content=xml, headers={"content-type": "application/xml"}).json() == {
        "ok": True,
        "problems": [],
    }
    out = c.post("/api/projects/crm/tobe/compile").json()
    assert out["processes"] == ["lead_processing"] and out["nodes"] > 5
    z = zipfile.ZipFile(io.BytesIO(c.get("/api/projects/crm/tobe/pack.zip").content))
    assert set(out["pack_files"]) <= set(z.namelist()) and any(n.endswith(".bpmn") for n in z.namelist())
    dep = c.post("/api/projects/crm/tobe/deploy").json()
    assert dep["id"] == "crm:1" and dep["deployed_by"] == "alice" and dep["processes"] == ["lead_processing"]
    assert [d["id"] for d in c.get("/api/projects/crm/tobe/deployments").json()] == ["crm:1"]
    actions = [ch.action for ch in tobe_site.app.state.accounts.changes(50)]
    assert {"tobe.save", "tobe.compile", "tobe.deploy"} <= set(actions)


def test_properties_panel_reads_and_writes_raci(tobe_site: Site) -> None:
    c, _ = signed_in(tobe_site, "alice")
    props = c.get("/api/projects/crm/tobe/elements/qualify").json()
    assert props["crmflow"] is True and props["raci"]["R"] == ["sales_manager"]
    r = c.put(
        "/api/projects/crm/tobe/elements/qualify/raci", json={"R": ["sales_manager"], "A": ["head_of_sales"], "I": ["customer"]}
    )
    assert r.status_code == 200 and r.json()["ok"] is True
    assert c.get("/api/projects/crm/tobe/elements/qualify").json()["raci"]["I"] == ["customer"]
    # an unknown role is an error of the To-Be checks (and the saved model says so)
    r = c.put("/api/projects/crm/tobe/elements/qualify/raci", json={"R": ["nobody"], "A": ["head_of_sales"]})
    assert r.json()["ok"] is False and "nobody" in r.json()["problems"][0]["message"]
    # ... and it names the element whose RACI has it, so the page marks it there
    (problem,) = r.json()["problems"]
    assert problem["elements"] == ["qualify"] and problem["source"] == "tobe" and problem["code"] == "unknown_ref"
    assert c.get("/api/projects/crm/tobe/elements/no_such").status_code == 404


def test_properties_panel_edits_slas_and_rules_and_their_problems_are_on_the_element(tobe_site: Site) -> None:
    c, _ = signed_in(tobe_site, "alice")
    before = c.get("/api/projects/crm/tobe/elements/first_contact").json()
    (sla,) = before["slas"]
    assert before["task"] and sla["within"] == "10m" and len(sla["escalations"]) == 3
    edited = {**{k: sla.get(k, "") for k in ("id", "time", "resolved_when", "resume_at")}, "interrupting": True}
    # a duration the To-Be cannot read: saved (work is not lost), refused by the checks, marked on the task
    r = c.put("/api/projects/crm/tobe/elements/first_contact/slas", json=[{**edited, "within": "ten minutes"}])
    assert r.status_code == 200 and r.json()["ok"] is False
    (problem,) = r.json()["problems"]
    assert problem["elements"] == ["first_contact"] and problem["code"] == "schema" and "within" in problem["message"]
    assert c.post("/api/projects/crm/tobe/compile").status_code == 400
    # fixed: 15 working minutes, the escalation chain kept; a second SLA added
    second = {
        "id": "first_contact_big",
        "name": "Large leads in 5 minutes",
        "within": "5m",
        "applies_when": "lead.expected_amount >= 1000000",
    }
    r = c.put("/api/projects/crm/tobe/elements/first_contact/slas", json=[{**edited, "within": "15m"}, second])
    assert r.json() == {"ok": True, "problems": []}
    after = {s["id"]: s for s in c.get("/api/projects/crm/tobe/elements/first_contact").json()["slas"]}
    assert after["first_contact_10m"]["within"] == "15m" and after["first_contact_10m"]["escalations"] == sla["escalations"]
    assert after["first_contact_10m"]["name"]["ru"] == sla["name"]["ru"]  # the other language is kept
    assert after["first_contact_big"]["name"] == "Large leads in 5 minutes"
    c.post("/api/projects/crm/tobe/compile").raise_for_status()
    compiled = (tobe_site.data / "projects" / "crm" / "tobe" / "compiled.bpmn").read_text(encoding="utf-8")
    assert ">PT15M<" in compiled and ">PT5M<" in compiled and ">PT10M<" not in compiled  # the timers follow the SLAs
    # rules: a check whose expression does not parse is marked on its task; then fixed
    rules = {
        "mandatory_fields": ["lead.budget", "lead.need"],
        "checks": [{"id": "budget_positive", "expression": "lead.budget >"}],
    }
    r = c.put("/api/projects/crm/tobe/elements/qualify/rules", json=rules)
    (problem,) = r.json()["problems"]
    assert problem["elements"] == ["qualify"] and problem["code"] == "expression" and "checks[0].expression" in problem["message"]
    rules["checks"][0] |= {"expression": "lead.budget > 0", "severity": "warning", "message": "Budget above zero"}
    assert c.put("/api/projects/crm/tobe/elements/qualify/rules", json=rules).json()["ok"] is True
    got = c.get("/api/projects/crm/tobe/elements/qualify").json()["rules"]
    assert got["mandatory_fields"] == ["lead.budget", "lead.need"]
    assert got["checks"] == [
        {
            "id": "budget_positive",
            "expression": "lead.budget > 0",
            "message": {"en": "Budget above zero", "ru": "Бюджет должен быть больше нуля"},
            "severity": "warning",
        }
    ]
    routed = c.get("/api/projects/crm/tobe/elements/assign_lead").json()["rules"]
    c.put("/api/projects/crm/tobe/elements/assign_lead/rules", json={"mandatory_fields": [], "checks": []})
    assert c.get("/api/projects/crm/tobe/elements/assign_lead").json()["rules"]["routing"] == routed["routing"]  # kept
    # SLAs belong to tasks; viewers may not edit
    r = c.put("/api/projects/crm/tobe/elements/qualified/slas", json=[{"id": "x", "within": "1h"}])
    assert r.status_code == 400 and "not a task" in r.json()["detail"]
    assert c.put("/api/projects/crm/tobe/elements/first_contact/slas", json=[second, second]).status_code == 400
    v, _ = signed_in(tobe_site, "vera")
    assert v.put("/api/projects/crm/tobe/elements/first_contact/slas", json=[]).status_code == 403
    assert v.put("/api/projects/crm/tobe/elements/qualify/rules", json={}).status_code == 403
    actions = [ch.action for ch in tobe_site.app.state.accounts.changes(50)]
    assert {"tobe.sla", "tobe.rules"} <= set(actions)


def test_only_analyst_and_admin_may_edit_the_tobe(tobe_site: Site) -> None:
    xml = signed_in(tobe_site, "admin")[0].get("/api/projects/crm/tobe").content
    for user in ("vera", "olga"):
        c, _ = signed_in(tobe_site, user)
        assert c.get("/api/projects/crm/tobe").status_code == 200  # may read
        assert c.put("/api/projects/crm/tobe", content=xml).status_code == 403
        assert c.post("/api/projects/crm/tobe/compile").status_code == 403
        assert c.post("/api/projects/crm/tobe/deploy").status_code == 403
        assert c.put("/api/projects/crm/tobe/elements/qualify/raci", json={"R": ["x"]}).status_code == 403
        assert 'id="tobe-save"' not in c.get("/p/crm/modeler").text
    agent, _ = signed_in(tobe_site, "anna")
    assert agent.get("/api/projects/crm/tobe").status_code == 403
    assert signed_in(tobe_site, "admin")[0].put("/api/projects/crm/tobe", content=xml).status_code == 200
    assert 'id="tobe-save"' in signed_in(tobe_site, "alice")[0].get("/p/crm/modeler").text


def test_unreadable_or_hostile_xml_is_refused_and_not_saved(tobe_site: Site) -> None:
    c, _ = signed_in(tobe_site, "alice")
    before = c.get("/api/projects/crm/tobe").content
    assert c.put("/api/projects/crm/tobe", content=b"<not xml").status_code == 400
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    assert c.put("/api/projects/crm/tobe", content=xxe).status_code == 400
    assert c.get("/api/projects/crm/tobe").content == before
    del c.headers["x-csrf-token"]
    assert c.put("/api/projects/crm/tobe", content=before).status_code == 403  # no CSRF token


def test_a_deployer_behind_the_one_method_protocol(tmp_path: Path) -> None:
    s = make_site(tmp_path / "web")
    s.app.state.workspace.create("crm")
    mem = MemoryDeployer()
    models = ToBeModels(s.app.state.workspace, mem)
    models.compile("crm")
    dep = models.deploy("crm", user="alice")
    assert dep.id == "mem-1" and mem.got[0][0] == "crm"
    assert [p.id for p in read_bpmn(mem.got[0][1]).processes if p.nodes] == ["lead_processing"]
    assert node_properties(models.xml("crm"), "qualify")["name"]
