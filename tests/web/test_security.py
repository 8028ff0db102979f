"""Accounts and security: sessions, CSRF, sign-in limits, roles and data scope, headers, escaping, change log."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.web.helpers import PASSWORD, Site, client, csrf_of, signed_in


def test_pages_need_a_session(site: Site) -> None:
    c = client(site)
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert c.get("/api/tasks").status_code == 401


def test_session_cookie_is_httponly_samesite_secure(site: Site) -> None:
    c = client(site)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"csrf": token, "username": "anna", "password": PASSWORD}, follow_redirects=False)
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("crmflow_session="))
    flags = {p.strip().lower() for p in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict"} <= flags


def test_passwords_are_stored_as_argon2id_hashes(site: Site) -> None:
    db = sqlite3.connect(site.data / "web.sqlite")
    hashes = [h for (h,) in db.execute("SELECT password_hash FROM users")]
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    sessions = db.execute("SELECT token_sha256 FROM sessions").fetchall()
    assert sessions == []  # nobody signed in yet; tokens are only ever stored hashed


def test_unsafe_requests_without_the_csrf_token_are_refused(site: Site) -> None:
    c, token = signed_in(site, "alice")
    del c.headers["x-csrf-token"]
    assert c.post("/api/projects", json={"name": "p1"}).status_code == 403
    assert c.post("/api/projects", json={"name": "p1"}, headers={"x-csrf-token": token + "x"}).status_code == 403
    assert c.post("/projects", data={"name": "p1"}, follow_redirects=False).status_code == 403
    assert c.post("/api/projects", json={"name": "p1"}, headers={"x-csrf-token": token}).status_code == 201
    # a token this app did not sign is refused even when cookie and header agree
    forged = "abc.def"
    c.cookies.set("crmflow_csrf", forged, domain="testserver.local")
    other = client(site)
    other.cookies.set("crmflow_csrf", forged)
    assert other.post("/login", data={"csrf": forged, "username": "alice", "password": PASSWORD}).status_code == 403


def test_login_is_rate_limited(site: Site) -> None:
    c = client(site)
    token = csrf_of(c.get("/login").text)
    for _ in range(5):
        r = c.post("/login", data={"csrf": token, "username": "anna", "password": "wrong-password!"})
        assert r.status_code == 401
    r = c.post("/login", data={"csrf": token, "username": "anna", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_security_headers_and_no_inline_script(site: Site) -> None:
    c, _ = signed_in(site, "admin")
    c.post("/api/projects", json={"name": "demo"})
    for url in ("/login", "/", "/inbox", "/operations", "/changes", "/p/demo"):
        r = c.get(url)
        assert r.status_code == 200, url
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", r.text, flags=re.S):
            assert 'src="/' in attrs and body.strip() == "", f"inline script on {url}"
        assert not re.search(r"\son[a-z]+=", r.text), f"inline event handler on {url}"
        assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text, (
            f"external reference on {url}"
        )


def test_roles_have_permissions_per_action(site: Site) -> None:
    viewer, _ = signed_in(site, "vera")
    assert viewer.post("/api/projects", json={"name": "p"}).status_code == 403
    assert viewer.get("/api/projects").status_code == 200
    assert viewer.get("/api/tasks").status_code == 403
    agent, _ = signed_in(site, "anna")
    assert agent.get("/api/projects").status_code == 403
    assert agent.get("/api/instances").status_code == 403
    manager, _ = signed_in(site, "olga")
    assert manager.post("/api/projects", json={"name": "p"}).status_code == 403
    assert manager.get("/api/instances").status_code == 200


def test_an_agent_gets_403_on_another_agents_task(site: Site) -> None:
    anna, _ = signed_in(site, "anna")
    boris_task = next(t for t in site.tasks.list_tasks() if t.assignee == "boris")
    assert anna.get(f"/api/tasks/{boris_task.id}").status_code == 403
    assert anna.post(f"/api/tasks/{boris_task.id}/complete", json={"variables": {}}).status_code == 403
    assert anna.post(f"/api/tasks/{boris_task.id}/claim").status_code == 403
    page = anna.get(f"/inbox/{boris_task.id}/claim")  # no GET route that changes anything
    assert page.status_code in (404, 405)
    seen = {t["business_key"] for t in anna.get("/api/tasks").json()}
    assert seen == {"L-1", "L-3"}  # her own and her team's unassigned queue; not boris's, not the south team's


def test_a_manager_sees_the_team_only(site: Site) -> None:
    olga, _ = signed_in(site, "olga")
    assert {t["business_key"] for t in olga.get("/api/tasks").json()} == {"L-1", "L-2", "L-3"}
    south = next(t for t in site.tasks.list_tasks() if t.assignee == "sam")
    assert olga.get(f"/api/tasks/{south.id}").status_code == 403
    task = next(t for t in site.tasks.list_tasks() if t.assignee == "anna")
    assert olga.post(f"/api/tasks/{task.id}/delegate", json={"to": "boris"}).json()["assignee"] == "boris"
    assert olga.post(f"/api/tasks/{task.id}/delegate", json={"to": "sam"}).status_code == 403


def test_changes_are_logged_with_who_and_what(site: Site) -> None:
    anna, _ = signed_in(site, "anna")
    queue = next(t for t in site.tasks.list_tasks() if t.assignee is None)
    assert anna.post(f"/api/tasks/{queue.id}/claim").json()["assignee"] == "anna"
    assert anna.post(f"/api/tasks/{queue.id}/complete", json={"variables": {"reached": True}}).json()["state"] == "completed"
    admin, _ = signed_in(site, "admin")
    log = admin.get("/api/changes").json()
    actions = [(c["user"], c["action"], c["target"]) for c in log]
    assert ("anna", "task.claim", queue.id) in actions and ("anna", "task.complete", queue.id) in actions
    done = next(c for c in log if c["action"] == "task.complete")
    assert done["detail"]["variables"] == {"reached": True}
    assert anna.get("/api/changes").status_code == 403


def test_language_switch_and_locale(site: Site) -> None:
    c, token = signed_in(site, "anna")
    assert "Входящие задачи" not in c.get("/inbox").text
    r = c.post("/lang", data={"csrf": token, "lang": "ru", "next": "/inbox"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    assert "Входящие задачи" in c.get("/inbox").text
    r = c.post("/lang", data={"csrf": token, "lang": "ru", "next": "//evil.example"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_an_upload_over_the_limit_is_refused_and_not_kept(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import crmflow.web.projects as projects

    c, _ = signed_in(site, "alice")
    c.post("/api/projects", json={"name": "big"})
    monkeypatch.setattr(projects, "MAX_UPLOAD", 1000)
    r = c.post("/api/projects/big/upload", files={"file": ("../../big.csv", b"x" * 5000)})
    assert r.status_code == 400 and "upload limit of 1000 bytes" in r.json()["detail"]
    assert list((site.data / "projects" / "big" / "uploads").iterdir()) == []
    assert not (site.data / "big.csv").exists()
