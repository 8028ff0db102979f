"""Live pulling against a local fake CRM (a real HTTP server replaying recorded responses)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from crmflow.errors import CrmApiError
from crmflow.settings import Settings
from crmflow.sources import pull as pull_mod
from crmflow.sources.http import ApiClient, HttpResponse, MemoryTransport, retry_after_s
from crmflow.sources.pull import make_client, pull
from crmflow.store.store import EventStore
from tests.sources.fake_crm import serve

TOKEN = "pat-eu1-7f3c9a2e-51b4-4c8e-9d0f-TOKEN"
HOOK_SECRET = "x7k2p9q4w1z8m3n6"


class FakeTime:
    """A clock that only moves when slept on; remembers every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def _settings(vendor: str, url: str, **extra: Any) -> Settings:
    base: dict[str, Any] = {"api_max_attempts": 4, "api_max_wait_s": 60.0}
    if vendor == "bitrix24":
        base["bitrix24_webhook_url"] = f"{url}/rest/1/{HOOK_SECRET}/"
    elif vendor == "amocrm":
        base.update(amocrm_base_url=url, amocrm_token=TOKEN)
    elif vendor == "hubspot":
        base.update(hubspot_base_url=url, hubspot_token=TOKEN)
    else:
        base.update(salesforce_instance_url=url, salesforce_token=TOKEN)
    return Settings(**{**base, **extra})


def _client(vendor: str, url: str, t: FakeTime, **extra: Any) -> ApiClient:
    return make_client(vendor, settings=_settings(vendor, url, **extra), clock=t.clock, sleep=t.sleep)


def _pages(out: Path, slug: str) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob(f"{slug}.0*.json"))]


def _bitrix_ids(out: Path) -> list[int]:
    return [it["ID"] for page in _pages(out, "crm.stagehistory.list") for it in page["result"]["items"]]


# ---------------------------------------------------------------------------------------- pagination


def test_bitrix24_follows_start_next_and_keeps_to_two_requests_a_second(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("bitrix24/stagehistory", secret=HOOK_SECRET) as crm:
        res = pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=_client("bitrix24", crm.url, t))
    assert res.complete and res.pages == 3 and res.records == 8
    assert _bitrix_ids(tmp_path) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [s.body["start"] for s in crm.seen] == [0, 3, 6]
    assert all(s.path == f"/rest/1/{HOOK_SECRET}/crm.stagehistory.list.json" for s in crm.seen)
    assert crm.seen[0].body["entityTypeId"] == 2 and crm.seen[0].body["order"] == {"ID": "ASC"}
    # The fake clock does not move by itself: every request after the first waits the 0.5 s interval.
    assert t.sleeps == [0.5, 0.5]
    assert res.watermark == "2024-04-26T09:00:00Z"


def test_amocrm_follows_links_next_and_sends_the_token_as_bearer(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("amocrm/events", secret=TOKEN) as crm:
        res = pull("amocrm", "events", out_dir=tmp_path, client=_client("amocrm", crm.url, t))
    assert res.complete and res.pages == 2 and res.records == 5
    assert [s.query.get("page") for s in crm.seen] == ["1", "2"]
    assert all(s.headers["authorization"] == f"Bearer {TOKEN}" for s in crm.seen)
    ids = [e["id"] for p in _pages(tmp_path, "events") for e in p["_embedded"]["events"]]
    assert ids == ["01hx0001", "01hx0002", "01hx0003", "01hx0004", "01hx0005"]
    assert t.sleeps == [0.143]  # 7 requests a second


def test_hubspot_follows_after_and_pulls_stage_history(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("hubspot/deals", secret=TOKEN) as crm:
        res = pull("hubspot", "deals", out_dir=tmp_path, client=_client("hubspot", crm.url, t))
    assert res.complete and res.pages == 2 and res.records == 3
    assert crm.seen[0].query["propertiesWithHistory"] == "dealstage"
    assert "after" not in crm.seen[0].query and crm.seen[1].query["after"] == "3"


def test_salesforce_follows_next_records_url(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("salesforce/opportunityhistory", secret=TOKEN) as crm:
        res = pull("salesforce", "OpportunityHistory", out_dir=tmp_path, client=_client("salesforce", crm.url, t))
    assert res.complete and res.pages == 2 and res.records == 6
    assert crm.seen[0].query["q"].endswith("FROM OpportunityHistory ORDER BY CreatedDate, Id")
    assert crm.seen[1].path == "/services/data/v59.0/query/01gD0000002HU6KIAW-4"
    assert res.watermark == "2024-03-20T12:00:00Z"


# ---------------------------------------------------------------------------------------- rate limits, retries


def test_429_waits_retry_after_then_retries(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("hubspot/deals", secret=TOKEN) as crm:
        crm.fault(
            "/crm/v3/objects/deals",
            429,
            headers={"Retry-After": "7"},
            body={"status": "error", "message": "You have reached your secondly limit.", "category": "RATE_LIMITS"},
        )
        res = pull("hubspot", "deals", out_dir=tmp_path, client=_client("hubspot", crm.url, t))
    assert res.complete and res.records == 3
    assert res.retries == 1 and res.requests == 3
    assert 7.0 in t.sleeps  # the Retry-After, slept on the injected clock, not for real
    assert res.waited_s >= 7.0


def test_5xx_is_retried_with_exponential_backoff(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("salesforce/opportunityhistory", secret=TOKEN) as crm:
        crm.fault("/query/01gD", 503, times=2, body=[{"message": "Service Unavailable", "errorCode": "SERVER_UNAVAILABLE"}])
        res = pull("salesforce", "OpportunityHistory", out_dir=tmp_path, client=_client("salesforce", crm.url, t))
    assert res.complete and res.records == 6 and res.retries == 2
    assert t.sleeps == [1.0, 2.0]


def test_bitrix24_query_limit_exceeded_is_retried(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("bitrix24/stagehistory", secret=HOOK_SECRET) as crm:
        crm.fault("crm.stagehistory.list", 503, body={"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"})
        res = pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=_client("bitrix24", crm.url, t))
    assert res.complete and res.records == 8 and res.retries == 1


def test_too_long_retry_after_is_an_error_and_the_pull_can_resume(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("hubspot/deals", secret=TOKEN) as crm:
        crm.fault("/crm/v3/objects/deals", 429, headers={"Retry-After": "86400"})
        with pytest.raises(CrmApiError, match="asks to wait 86400 s"):
            pull("hubspot", "deals", out_dir=tmp_path, client=_client("hubspot", crm.url, t))
        res = pull("hubspot", "deals", out_dir=tmp_path, client=_client("hubspot", crm.url, t))
    assert res.resumed and res.complete and res.records == 3
    assert 86400.0 not in t.sleeps


def test_retry_after_http_date() -> None:
    assert retry_after_s("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_s("soon") is None


# ---------------------------------------------------------------------------------------- resumption


def test_resume_after_api_failure_mid_pull_has_no_duplicate_and_no_gap(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("bitrix24/stagehistory", secret=HOOK_SECRET) as crm:
        client = _client("bitrix24", crm.url, t)
        first = pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=client, max_pages=1)
        assert not first.complete and first.records == 3
        crm.fault("crm.stagehistory.list", 500, times=4)  # page 2 fails every attempt
        with pytest.raises(CrmApiError, match="failed 4 times"):
            pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=client)
        state = json.loads((tmp_path / "crm.stagehistory.list.pullstate").read_text())
        assert state["cursor"]["json"]["start"] == 3 and not state["done"]
        res = pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=client)
    assert res.resumed and res.complete and res.records == 5
    assert _bitrix_ids(tmp_path) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_crash_after_page_written_before_state_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t = FakeTime()
    real_save = pull_mod._State.save
    calls = {"n": 0}

    def crashing_save(self: Any, path: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # 1: run start, 2: after page 1, 3: after page 2 -> the process dies here
            raise KeyboardInterrupt
        real_save(self, path)

    with serve("salesforce/opportunityhistory", secret=TOKEN) as crm:
        client = _client("salesforce", crm.url, t)
        monkeypatch.setattr(pull_mod._State, "save", crashing_save)
        with pytest.raises(KeyboardInterrupt):
            pull("salesforce", "OpportunityHistory", out_dir=tmp_path, client=client)
        monkeypatch.setattr(pull_mod._State, "save", real_save)
        assert len(list(tmp_path.glob("OpportunityHistory.0*.json"))) == 2  # page 2 on disk, state says page 1
        res = pull("salesforce", "OpportunityHistory", out_dir=tmp_path, client=client)
    assert res.resumed and res.complete
    ids = [r["Id"] for p in _pages(tmp_path, "OpportunityHistory") for r in p["records"]]
    assert len(ids) == 6 and len(set(ids)) == 6


# ---------------------------------------------------------------------------------------- incremental


def test_incremental_pull_starts_at_the_watermark_without_duplicates(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("bitrix24/stagehistory", secret=HOOK_SECRET) as crm:
        client = _client("bitrix24", crm.url, t)
        pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=client)
        res = pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=client)
    assert crm.seen[-1].body["filter"] == {">=CREATED_TIME": "2024-04-26T09:00:00+00:00"}
    # The API repeats record 8 (at the watermark); record 9 has the same time but is new.
    assert res.skipped_duplicates == 1 and res.records == 2
    assert res.files == ["crm.stagehistory.list.00004.json"]
    assert _bitrix_ids(tmp_path) == list(range(1, 11))
    assert res.watermark == "2024-04-27T06:00:00Z"


def test_incremental_pull_with_nothing_new_amocrm_204(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("amocrm/events", secret=TOKEN) as crm:
        client = _client("amocrm", crm.url, t)
        pull("amocrm", "events", out_dir=tmp_path, client=client)
        res = pull("amocrm", "events", out_dir=tmp_path, client=client)
    assert crm.seen[-1].query["filter[created_at][from]"] == "1714042800"
    assert res.complete and res.records == 0 and res.files == []


def test_incremental_salesforce_and_hubspot(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("salesforce/opportunityhistory", secret=TOKEN) as crm:
        client = _client("salesforce", crm.url, t)
        pull("salesforce", "OpportunityHistory", out_dir=tmp_path / "sf", client=client)
        res = pull("salesforce", "OpportunityHistory", out_dir=tmp_path / "sf", client=client)
    assert "WHERE CreatedDate >= 2024-03-20T12:00:00Z" in crm.seen[-1].query["q"]
    assert res.records == 1 and res.skipped_duplicates == 1
    with serve("hubspot/deals", secret=TOKEN) as crm:
        client = _client("hubspot", crm.url, t)
        pull("hubspot", "deals", out_dir=tmp_path / "hs", client=client)
        res = pull("hubspot", "deals", out_dir=tmp_path / "hs", client=client)
    search, batch = crm.seen[-2], crm.seen[-1]
    assert search.path.endswith("/search") and search.body["filterGroups"][0]["filters"][0]["value"] == "1711011600000"
    assert batch.path.endswith("/batch/read") and batch.body["inputs"] == [{"id": "4"}, {"id": "3"}]
    last = _pages(tmp_path / "hs", "deals")[-1]["results"]
    assert [d["id"] for d in last] == ["4", "3"] and len(last[1]["propertiesWithHistory"]["dealstage"]) == 3


def test_explicit_since_and_conflict_with_an_unfinished_pull(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("bitrix24/stagehistory", secret=HOOK_SECRET) as crm:
        client = _client("bitrix24", crm.url, t)
        pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=client, since="2024-04-26 09:00")
        assert crm.seen[0].body["filter"] == {">=CREATED_TIME": "2024-04-26T09:00:00+00:00"}
        pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path / "b", client=client, max_pages=1)
        with pytest.raises(CrmApiError, match="without --since"):
            pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path / "b", client=client, since="2024-01-01")
    with pytest.raises(CrmApiError, match="not a date-time"):
        pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=client, since="yesterday")


# ---------------------------------------------------------------------------------------- secrets


def test_token_never_in_files_logs_or_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    t = FakeTime()
    caplog.set_level(logging.DEBUG, logger="crmflow")
    with serve("bitrix24/stagehistory", secret=HOOK_SECRET) as crm:
        pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=_client("bitrix24", crm.url, t))
        crm.fault("crm.stagehistory.list", 401, body={"error": "expired_token", "error_description": f"bad {HOOK_SECRET}"})
        with pytest.raises(CrmApiError) as err:
            pull("bitrix24", "crm.stagehistory.list", out_dir=tmp_path, client=_client("bitrix24", crm.url, t))
    with serve("hubspot/deals", secret=TOKEN) as crm:
        crm.fault("/crm/v3/objects/deals", 503)
        pull("hubspot", "deals", out_dir=tmp_path, client=_client("hubspot", crm.url, t))
    assert "HTTP 401" in str(err.value) and "CRMFLOW_BITRIX24_WEBHOOK_URL" in str(err.value)
    assert "crm.stagehistory.list" in caplog.text  # requests are logged...
    for secret in (HOOK_SECRET, TOKEN):  # ...but never a secret
        assert secret not in caplog.text and secret not in str(err.value)
        for f in tmp_path.rglob("*"):
            if f.is_file():
                assert secret not in f.read_text(encoding="utf-8"), f


def test_next_link_to_another_host_is_refused(tmp_path: Path) -> None:
    t = FakeTime()
    with (
        serve("amocrm/events", secret=TOKEN) as crm,
        pytest.raises(CrmApiError, match="refusing to send the credentials to https://evil.example.com"),
    ):
        pull("amocrm", "leads", out_dir=tmp_path, client=_client("amocrm", crm.url, t))
    assert len(crm.seen) == 1


def test_missing_credentials_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(CrmApiError, match="CRMFLOW_HUBSPOT_TOKEN"):
        pull("hubspot", "deals", out_dir=tmp_path, settings=Settings(hubspot_token=None))
    with pytest.raises(CrmApiError, match="unknown resource 'crm.nothing.list'"):
        pull("bitrix24", "crm.nothing.list", out_dir=tmp_path)


def test_memory_transport_and_non_json_answer() -> None:
    t = FakeTime()
    transport = MemoryTransport(lambda r: HttpResponse(200, {}, b"<html>login</html>"))
    client = ApiClient(vendor="hubspot", base_url="https://api.example", transport=transport, clock=t.clock, sleep=t.sleep)
    with pytest.raises(CrmApiError, match="not JSON"):
        client.get_json("/crm/v3/owners")
    assert transport.requests[0].url == "https://api.example/crm/v3/owners"


# ---------------------------------------------------------------------------------------- adapters read the pages


def test_pulled_pages_are_read_by_the_adapters(tmp_path: Path) -> None:
    from crmflow.sources.registry import detect_adapter

    t = FakeTime()
    with serve("hubspot/deals", secret=TOKEN) as crm:
        client = _client("hubspot", crm.url, t)
        for resource in ("pipelines", "owners", "deals"):
            pull("hubspot", resource, out_dir=tmp_path / "hs", client=client)
    with serve("salesforce/opportunityhistory", secret=TOKEN) as crm:
        pull("salesforce", "OpportunityHistory", out_dir=tmp_path / "sf", client=_client("salesforce", crm.url, t))
    store = EventStore()
    stages: dict[str, list[str]] = {}
    for page in sorted((tmp_path / "hs").glob("deals.0*.json")) + sorted((tmp_path / "sf").glob("*.0*.json")):
        adapter = detect_adapter(page)
        assert adapter is not None, page
        raw = adapter.read(store, page, "log", None)
        for case, act in store.sql(
            f'SELECT "case:concept:name", "concept:name" FROM {raw.table} ORDER BY "time:timestamp"'
        ).fetchall():
            stages.setdefault(case, []).append(act)
    assert stages["1"] == ["Appointment Scheduled", "Qualified To Buy", "Closed Won"]
    assert stages["0065g00000AbCdEAAV"] == ["Prospecting", "Qualification", "Closed Won"]


def test_cli_pull_is_a_thin_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from crmflow.cli.main import app

    with serve("hubspot/deals", secret=TOKEN) as crm:
        monkeypatch.setenv("CRMFLOW_HUBSPOT_BASE_URL", crm.url)
        monkeypatch.setenv("CRMFLOW_HUBSPOT_TOKEN", TOKEN)
        first = CliRunner().invoke(app, ["pull", "hubspot", "deals", "--out", str(tmp_path), "--max-pages", "1"])
        second = CliRunner().invoke(app, ["--lang", "ru", "pull", "hubspot", "deals", "--out", str(tmp_path)])
    assert first.exit_code == 0, first.output
    said, said_ru = " ".join(first.output.split()), " ".join(second.output.split())  # Rich wraps lines
    assert "2 records in 1 pages" in said and "run the same command to continue" in said
    assert second.exit_code == 0, second.output
    assert "записей 1, страниц 1" in said_ru and "продолжена прерванная выгрузка" in said_ru
    assert TOKEN not in first.output + second.output
    monkeypatch.delenv("CRMFLOW_HUBSPOT_TOKEN")
    bad = CliRunner().invoke(app, ["pull", "hubspot", "deals", "--out", str(tmp_path / "none")])
    assert bad.exit_code == 2 and "CRMFLOW_HUBSPOT_TOKEN" in bad.output and not (tmp_path / "none").exists()


def test_api_errors_in_russian(tmp_path: Path) -> None:
    t = FakeTime()
    with serve("salesforce/opportunityhistory", secret=TOKEN) as crm:
        crm.fault("/query", 401, body=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
        client = make_client("salesforce", settings=_settings("salesforce", crm.url, lang="ru"), clock=t.clock, sleep=t.sleep)
        with pytest.raises(CrmApiError) as err:
            pull("salesforce", "OpportunityHistory", out_dir=tmp_path, client=client, settings=Settings(lang="ru"))
    assert "отклонён с HTTP 401 (INVALID_SESSION_ID: Session expired or invalid)" in str(err.value)
    assert "проверьте CRMFLOW_SALESFORCE_TOKEN" in str(err.value)
    with pytest.raises(CrmApiError, match="неизвестный ресурс 'Account'"):
        pull("salesforce", "Account", out_dir=tmp_path, settings=Settings(lang="ru"))


def _closed_port() -> int:
    """A local port nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("token", ["pat-…", "pat-eu1-тест", "pat-eu1-\u200bx"])
def test_cli_pull_refuses_a_non_ascii_token_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    from typer.testing import CliRunner

    from crmflow.cli.main import app

    monkeypatch.setenv("CRMFLOW_HUBSPOT_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("CRMFLOW_HUBSPOT_TOKEN", token)
    res = CliRunner().invoke(app, ["pull", "hubspot", "deals", "--out", str(tmp_path / "p")])
    said = " ".join(res.output.split())
    assert res.exit_code == 2, res.output
    assert "Traceback" not in said and "UnicodeEncodeError" not in said
    pos = next(i for i, ch in enumerate(token, 1) if ord(ch) > 127)
    assert f"CRMFLOW_HUBSPOT_TOKEN holds a character HTTP cannot send: character {pos} is U+" in said
    assert token not in said and "nothing was sent" in said
    ru = CliRunner().invoke(app, ["--lang", "ru", "pull", "hubspot", "deals", "--out", str(tmp_path / "p")])
    assert res.exit_code == 2 and "содержит символ, который нельзя передать по HTTP" in " ".join(ru.output.split())


def test_a_header_value_http_cannot_send_is_refused_by_the_client() -> None:
    with pytest.raises(CrmApiError, match="the Authorization header holds a character"):
        ApiClient(vendor="amocrm", base_url="https://x.example", headers={"Authorization": "Bearer ключ"})


def test_connection_refused_is_said_at_once_and_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from crmflow.cli.main import app
    from crmflow.errors import ApiConnectError

    t = FakeTime()
    url = f"http://127.0.0.1:{_closed_port()}"
    client = make_client("hubspot", settings=_settings("hubspot", url), clock=t.clock, sleep=t.sleep)
    with pytest.raises(ApiConnectError) as err:
        pull("hubspot", "deals", out_dir=tmp_path, client=client)
    assert err.value.reason == "refused" and client.stats.requests == 1 and t.sleeps == []
    msg = str(err.value)
    assert "cannot connect to 127.0.0.1: the connection was refused" in msg and "CRMFLOW_HUBSPOT_BASE_URL" in msg
    assert "overloaded" not in msg and TOKEN not in msg
    monkeypatch.setenv("CRMFLOW_HUBSPOT_BASE_URL", url)
    monkeypatch.setenv("CRMFLOW_HUBSPOT_TOKEN", TOKEN)
    res = CliRunner().invoke(app, ["--lang", "ru", "pull", "hubspot", "deals", "--out", str(tmp_path / "cli")])
    said = " ".join(res.output.split())
    assert res.exit_code == 2 and "не удаётся подключиться к 127.0.0.1: соединение отклонено" in said, said
    assert "повторов не было" in said and "Traceback" not in said


def test_a_name_that_does_not_resolve_is_told_apart(tmp_path: Path) -> None:
    from crmflow.errors import ApiConnectError

    t = FakeTime()  # .invalid never resolves (RFC 6761): no network needed
    client = make_client("hubspot", settings=_settings("hubspot", "http://crm.invalid"), clock=t.clock, sleep=t.sleep)
    with pytest.raises(ApiConnectError) as err:
        pull("hubspot", "deals", out_dir=tmp_path, client=client)
    assert err.value.reason == "dns" and t.sleeps == []
    assert "cannot connect to crm.invalid: the host name does not resolve (DNS)" in str(err.value)


def test_no_answer_is_retried_and_not_called_overloaded() -> None:
    from crmflow.errors import ApiRetryExhaustedError, ApiUnreachableError
    from crmflow.sources.http import HttpRequest

    def silent(_: HttpRequest) -> HttpResponse:
        raise ApiUnreachableError("ReadTimeout")

    t = FakeTime()
    client = ApiClient(vendor="hubspot", base_url="https://x.example", transport=MemoryTransport(silent), max_attempts=3,
                       clock=t.clock, sleep=t.sleep)  # fmt: skip
    with pytest.raises(ApiRetryExhaustedError) as err:
        client.get_json("/deals")
    assert client.stats.requests == 3 and t.sleeps == [1.0, 2.0]
    assert "got no answer 3 times (last: no answer (ReadTimeout))" in str(err.value)
    assert "overloaded" not in str(err.value)
