"""HubSpot API pages (deals with stage history or stage times, engagements) into canonical events."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crmflow.errors import SourceError
from crmflow.sources.hubspot import parse_time, read_deals, read_engagements
from crmflow.sources.reader import read_log
from crmflow.sources.registry import detect_adapter
from crmflow.store.store import EventStore

DATA = Path(__file__).resolve().parents[1] / "data" / "crm" / "hubspot"


def _events(store: EventStore, table: str) -> dict[str, list[tuple[str, str | None]]]:
    out: dict[str, list[tuple[str, str | None]]] = {}
    for case, act, res in store.sql(
        f'SELECT "case:concept:name", "concept:name", "org:resource" FROM {table} ORDER BY "time:timestamp"'
    ).fetchall():
        out.setdefault(case, []).append((act, res))
    return out


def _kinds(store: EventStore) -> list[tuple[int, str, str]]:
    return [tuple(r) for r in store.sql("SELECT row_no, kind, column_name FROM quarantine ORDER BY source, row_no").fetchall()]


@pytest.mark.parametrize(
    ("name", "adapter"),
    [
        ("deals-history.json", "hubspot-deals-json"),
        ("deals-date-entered.json", "hubspot-deals-json"),
        ("calls.json", "hubspot-engagements-json"),
        ("engagements-v1.json", "hubspot-engagements-json"),
        ("pipelines.json", "hubspot-pipelines-json"),
        ("owners.json", "hubspot-owners-json"),
        ("deals-export.csv", "hubspot-deals-csv"),
    ],
)
def test_detection(name: str, adapter: str) -> None:
    found = detect_adapter(DATA / name)
    assert found is not None and found.name == adapter


def test_property_history_gives_every_stage_entry_with_names() -> None:
    store = EventStore()
    raw = read_deals(store, DATA / "deals-history.json", "log")
    ev = _events(store, raw.table)
    assert ev["10001"] == [
        ("Appointment Scheduled", "Anna Smirnova"),
        ("Qualified To Buy", "Anna Smirnova"),
        ("Presentation Scheduled", "Anna Smirnova"),
        ("Contract Sent", "Boris Ivanov"),
        ("Closed Won", "Boris Ivanov"),
    ]
    # a workflow moved the deal: no user, so no resource (the owner did not do it)
    assert ev["10002"][-1] == ("Closed Lost", None)
    assert ev["10003"] == [("Заявка", "Anna Smirnova"), ("Договор", "Anna Smirnova")]  # custom pipeline, Cyrillic
    assert _kinds(store) == [
        (10, "bad_timestamp", "propertiesWithHistory.dealstage[1]"),
        (12, "missing_activity", "propertiesWithHistory.dealstage[3]"),
        (13, "no_stage_history", "propertiesWithHistory"),
        (14, "missing_case_id", "id"),
    ]
    assert raw.rows_read == 14 and raw.quarantined == 4 and raw.info["deals"] == 5
    pipeline = store.scalar(f"SELECT DISTINCT pipeline FROM {raw.table} WHERE \"case:concept:name\" = '10003'")
    assert pipeline == "Партнёры"


def test_date_entered_properties_one_event_per_stage() -> None:
    store = EventStore()
    raw = read_deals(store, DATA / "deals-date-entered.json", "log")
    ev = _events(store, raw.table)
    # hs_v2_* wins over the older hs_date_entered_* of the same stage; null stages and current_stage ignored
    assert [a for a, _ in ev["20001"]] == ["Appointment Scheduled", "Qualified To Buy", "Contract Sent", "Closed Won"]
    assert ev["20001"][0][1] == "Boris Ivanov"  # no mover recorded: the deal owner stands in
    # Unix milliseconds read; an unreadable date quarantined with the deal id and the property
    assert [a for a, _ in ev["20002"]] == ["Appointment Scheduled", "Qualified To Buy"]
    reason = store.scalar("SELECT reason FROM quarantine")
    assert reason.startswith("deal 20002 `properties.hs_date_entered_closedlost`: cannot read '31.04.2024'")


def test_engagements_v3_and_v1() -> None:
    store = EventStore()
    calls = read_engagements(store, DATA / "calls.json", "log")
    ev = _events(store, calls.table)
    assert ev == {"10001": [("Call", "Anna Smirnova")], "302": [("Call", "Boris Ivanov")]}
    assert store.scalar(f"SELECT list(entity ORDER BY row_no) FROM {calls.table}") == ["deal", "contact"]
    v1 = read_engagements(store, DATA / "engagements-v1.json", "log")
    assert _events(store, v1.table) == {"10001": [("Meeting", "Anna Smirnova")], "302": [("Email", "Boris Ivanov")]}
    assert [k for _, k, _ in _kinds(store)] == ["missing_timestamp", "missing_case_id", "bad_timestamp"]


def test_read_log_nothing_lost_and_names_from_the_store(tmp_path: Path) -> None:
    log = read_log(DATA / "deals-history.json", DATA / "calls.json")
    assert log.rows_read == 18 and log.n_events + log.quarantined == 18 and log.quarantined == 6
    # dictionaries imported in the same call are kept in the store, so deal pages elsewhere still get names
    alone = tmp_path / "deals-history.json"
    shutil.copy(DATA / "deals-history.json", alone)
    store = EventStore()
    without = read_deals(store, alone, "log")
    assert store.scalar(f'SELECT min("concept:name") FROM {without.table}') == "3206386938"  # ids only
    adapter = detect_adapter(DATA / "pipelines.json")
    assert adapter is not None
    adapter.read(store, DATA / "pipelines.json", "log", None)
    named = read_deals(store, alone, "log")
    assert store.scalar(f'SELECT min("concept:name") FROM {named.table}') == "Appointment Scheduled"


def test_parse_time_forms() -> None:
    assert parse_time("2024-03-01T10:15:00Z").isoformat() == "2024-03-01T10:15:00+00:00"  # type: ignore[union-attr]
    assert parse_time("1709288100000").isoformat() == "2024-03-01T10:15:00+00:00"  # type: ignore[union-attr]
    assert parse_time("01.03.2024") is None and parse_time(None) is None and parse_time(True) is None


def test_not_json_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "deals.json"
    bad.write_text("<html>rate limited</html>", encoding="utf-8")
    with pytest.raises(SourceError, match="deals.json: not a HubSpot API response"):
        read_deals(EventStore(), bad, "log")


def test_list_of_pages_is_read_whole(tmp_path: Path) -> None:
    page = json.loads((DATA / "deals-history.json").read_text(encoding="utf-8"))
    both = tmp_path / "deals.json"
    both.write_text(json.dumps([page, {"results": page["results"][:1]}]), encoding="utf-8")
    raw = read_deals(EventStore(), both, "log")
    assert raw.info["deals"] == 6 and raw.rows_read == 19


def test_ui_csv_export_with_date_entered_columns() -> None:
    log = read_log(DATA / "deals-export.csv", timezone="Europe/Moscow")
    rows = log.store.sql(
        f"SELECT case_id, activity, strftime(ts, '%d %H:%M'), resource, pipeline FROM {log.events_table} ORDER BY case_id, pos"
    ).fetchall()
    assert rows[:3] == [
        ("30001", "Appointment Scheduled", "01 09:00", "Anna Smirnova", "Sales Pipeline"),  # Moscow wall clock -> UTC
        ("30001", "Qualified To Buy", "04 10:30", "Anna Smirnova", "Sales Pipeline"),
        ("30001", "Closed Won", "20 12:00", "Anna Smirnova", "Sales Pipeline"),
    ]
    assert [r[1] for r in rows if r[0] == "30002"] == ["Appointment Scheduled", "Closed Lost"]  # Date exited ignored
    q = {r["kind"]: r for r in log.quarantine()}
    assert set(q) == {"bad_timestamp", "no_stage_history"}
    assert q["bad_timestamp"]["line"] == 4 and "'31.04.2024 10:00'" in q["bad_timestamp"]["reason"]
    assert q["no_stage_history"]["line"] == 5 and "deal 30004" in q["no_stage_history"]["reason"]
    assert log.rows_read == 9 and log.n_events == 7 and log.quarantined == 2


def test_deal_page_above_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Saved HubSpot pages were read whole whatever their size; they now have the JSON page limit.
    from crmflow.errors import UnsafeInputError

    p = tmp_path / "deals.json"
    p.write_text(
        json.dumps({"results": [{"id": str(i), "properties": {"dealstage": "x" * 100}} for i in range(20)]}), encoding="utf-8"
    )
    monkeypatch.setenv("CRMFLOW_MAX_OCEL_JSON_BYTES", "300")
    with pytest.raises(UnsafeInputError, match="limit"):
        read_deals(EventStore(), p, "log")
