"""Import from a CRM with the environment's credentials, against a local fake CRM (a real HTTP server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmflow.settings import Settings
from crmflow.sources.reader import read_log
from crmflow.web.crm_pull import connections
from tests.sources.fake_crm import serve
from tests.web.helpers import Site, csrf_of, signed_in

UPLOADS_HS = ["deals.00001.json", "deals.00002.json", "owners.00001.json", "pipelines.00001.json"]
TOKEN = "pat-eu1-7f3c9a2e-51b4-4c8e-9d0f-WEBTOKEN"


def _all_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_import_from_amocrm_goes_through_the_upload_flow_and_keeps_no_secret(
    site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    c, _ = signed_in(site, "alice")
    assert c.post("/api/projects", json={"name": "amo"}).status_code == 201
    before = {x["vendor"]: x for x in c.get("/api/crm").json()}
    assert not before["amocrm"]["configured"] and before["amocrm"]["variables"] == [
        "CRMFLOW_AMOCRM_BASE_URL",
        "CRMFLOW_AMOCRM_TOKEN",
    ]
    r = c.post("/api/projects/amo/pull", json={"vendor": "amocrm"})
    assert r.status_code == 400 and "CRMFLOW_AMOCRM_BASE_URL" in r.json()["detail"]
    assert list((site.data / "projects" / "amo" / "uploads").iterdir()) == []  # nothing written
    with serve("amocrm/events", secret=TOKEN) as crm:
        monkeypatch.setenv("CRMFLOW_AMOCRM_BASE_URL", crm.url)
        monkeypatch.setenv("CRMFLOW_AMOCRM_TOKEN", TOKEN)
        assert {x["vendor"]: x for x in c.get("/api/crm").json()}["amocrm"]["configured"]
        r = c.post("/api/projects/amo/pull", json={"vendor": "amocrm"})
        assert r.status_code == 200, r.text
        first = r.json()
        again = c.post("/api/projects/amo/pull", json={"vendor": "amocrm"}).json()  # incremental: from the watermark
        seen = list(crm.seen)
    (pulled,) = first["pulls"]
    assert pulled["vendor"] == "amocrm" and pulled["records"] == 5 and pulled["complete"]
    assert again["pulls"][0]["records"] == 0 and again["pulls"][0]["files"] == []
    assert seen[-1].query["filter[created_at][from]"] == "1714042800"  # the second import asked from the watermark
    assert all(s.headers["authorization"] == f"Bearer {TOKEN}" for s in seen)
    # the same import as an upload of the pulled pages: the events equal a read of those files
    uploads = sorted((site.data / "projects" / "amo" / "uploads").glob("events.*.json"))
    assert [p.name for p in uploads] == pulled["files"]
    reference = read_log(*uploads)
    info = c.get("/api/projects/amo").json()
    assert info["events"] == reference.n_events and info["cases"] == reference.n_cases and info["events"] > 0
    assert sum(s["parsed"] + s["quarantined"] for s in info["sources"]) == sum(s["rows_read"] for s in info["sources"])
    assert [s["format"] for s in info["sources"]] == [s["format"] for s in first["import"]["sources"]]
    assert c.post("/api/projects/amo/audit").status_code == 200  # then the audit, as after an upload
    change = next(x for x in c.get("/api/changes").json() if x["action"] == "project.pull")
    assert change["target"] == "amo" and change["user"] == "alice"
    assert "amocrm" in json.dumps(change["detail"]) and "CRMFLOW" not in json.dumps(change)
    # the token is nowhere: not in the project folder, the app's databases or any answer
    assert TOKEN not in _all_text(site.data) and TOKEN not in json.dumps(first) + json.dumps(again)
    page = c.get("/p/amo").text
    assert '<option value="amocrm">' in page and TOKEN not in page
    monkeypatch.delenv("CRMFLOW_AMOCRM_TOKEN")
    assert 'id="pull-none"' in c.get("/p/amo").text  # read when used: without the token nothing is offered


def test_the_project_page_offers_the_configured_crms_and_imports_hubspot(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    c, _ = signed_in(site, "alice")
    c.post("/api/projects", json={"name": "hs"})
    with serve("hubspot/deals", secret=TOKEN) as crm:
        monkeypatch.setenv("CRMFLOW_HUBSPOT_BASE_URL", crm.url)
        monkeypatch.setenv("CRMFLOW_HUBSPOT_TOKEN", TOKEN)
        page = c.get("/p/hs").text
        assert (
            'id="pull-form"' in page
            and '<option value="hubspot">' in page
            and "amocrm" not in page.split('id="pull-form"')[1][:600]
        )
        assert TOKEN not in page and crm.url not in page
        r = c.post("/p/hs/pull", data={"csrf": csrf_of(page), "vendor": "hubspot"}, follow_redirects=False)
        assert r.status_code == 303
        # a viewer may not import; a missing CSRF token is refused
        v, _ = signed_in(site, "vera")
        assert v.post("/api/projects/hs/pull", json={"vendor": "hubspot"}).status_code == 403
        del c.headers["x-csrf-token"]
        assert c.post("/api/projects/hs/pull", json={"vendor": "hubspot"}).status_code == 403
    uploads = sorted(p.name for p in (site.data / "projects" / "hs" / "uploads").iterdir())
    assert uploads == UPLOADS_HS, uploads
    info = c.get("/api/projects/hs").json()
    assert info["events"] > 0
    ru = c.get("/p/hs", headers={"accept-language": "ru"}).text
    assert "Импорт из CRM" in ru


def test_connections_name_the_variables_never_the_values() -> None:
    s = Settings(bitrix24_webhook_url="https://portal.bitrix24.ru/rest/1/secret-hook-value/")
    (b24,) = [c for c in connections(s) if c.configured]
    assert b24.vendor == "bitrix24" and b24.variables == ("CRMFLOW_BITRIX24_WEBHOOK_URL",)
    assert "secret-hook-value" not in repr(connections(s))
