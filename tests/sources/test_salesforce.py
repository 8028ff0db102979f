"""Salesforce exports (Data Export CSV, REST query JSON) into canonical events, broken rows quarantined."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import SourceError
from crmflow.settings import Settings
from crmflow.sources.reader import read_log
from crmflow.sources.registry import detect_adapter, get_adapter
from crmflow.sources.salesforce import read_opportunity_history
from crmflow.sources.salesforce_ids import sf_id18
from crmflow.store.store import EventStore

DATA = Path(__file__).resolve().parents[1] / "data" / "crm" / "salesforce"
OPP = {k: sf_id18(f"0065g00000{k}") for k in ("AbCdE", "FgHiJ", "KlMnO", "PqRsT", "UvWxY")}


def _events(store: EventStore, table: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for case, act in store.sql(
        f'SELECT "case:concept:name", "concept:name" FROM {table} ORDER BY "time:timestamp", row_no'
    ).fetchall():
        out.setdefault(case, []).append(act)
    return out


def _quarantine(store: EventStore) -> dict[int, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in store.sql("SELECT row_no, kind, reason FROM quarantine").fetchall()}


def test_id18_checksum_matches_salesforce() -> None:
    assert sf_id18("0015000000Gv7qJ") == "0015000000Gv7qJAAR"  # the example in Salesforce's docs
    assert sf_id18("0015000000Gv7qJAAR") == "0015000000Gv7qJAAR"


@pytest.mark.parametrize(
    ("name", "adapter"),
    [
        ("OpportunityHistory.csv", "salesforce-opportunity-history"),
        ("OpportunityHistory.query.json", "salesforce-opportunity-history"),
        ("OpportunityFieldHistory.csv", "salesforce-opportunity-field-history"),
        ("LeadHistory.csv", "salesforce-lead-history"),
        ("Task.csv", "salesforce-task"),
        ("Event.csv", "salesforce-event"),
    ],
)
def test_detection(name: str, adapter: str) -> None:
    found = detect_adapter(DATA / name)
    assert found is not None and found.name == adapter


def test_opportunity_history_stage_changes_and_quarantine() -> None:
    store = EventStore()
    raw = read_opportunity_history(store, DATA / "OpportunityHistory.csv", "log")
    assert raw.rows_read == 20
    ev = _events(store, raw.table)
    assert ev[OPP["AbCdE"]] == ["Prospecting", "Qualification", "Proposal/Price Quote", "Closed Won"]
    assert ev[OPP["FgHiJ"]] == ["Prospecting", "Qualification", "Closed Lost"]
    # written with 15-character ids: normalised to 18 so they join the other exports
    assert ev[OPP["KlMnO"]] == [
        "Prospecting",
        "Qualification",
        "Proposal/Price Quote",
        "Qualification",
        "Proposal/Price Quote",
        "Closed Won",
    ]
    q = _quarantine(store)
    assert {k: v[0] for k, v in q.items()} == {
        3: "not_a_stage_change",  # only the Amount changed
        16: "bad_case_id",  # upper-cased 18-character id: the checksum no longer matches
        17: "bad_timestamp",
        18: "missing_activity",
        19: "csv_too_many_columns",
        20: "missing_case_id",
    }
    assert "'31/02/2024 10:00' as a date-time" in q[17][1] and "column `CreatedDate` row 17" in q[17][1]
    assert "0065G00000ABCDEAAL" in q[16][1]
    n_events = store.scalar(f"SELECT count(*) FROM {raw.table}")
    assert n_events + raw.quarantined == raw.rows_read == 20


def test_read_log_counts_every_row_and_keeps_attributes() -> None:
    log = read_log(DATA / "OpportunityHistory.csv", DATA / "OpportunityHistory.query.json")
    assert log.rows_read == 25 and log.n_events + log.quarantined == 25 and log.quarantined == 7
    assert log.n_cases == 6
    row = log.store.rows(
        f"SELECT resource, entity, amount FROM {log.events_table} WHERE activity = 'Closed Won' ORDER BY ts LIMIT 1"
    )[0]
    assert row == {"resource": sf_id18("0055g00000PeTrB"), "entity": "opportunity", "amount": 12000}
    # the JSON page: +0300 offsets converted to UTC
    ts = log.store.scalar(f"SELECT max(ts) FROM {log.events_table} WHERE case_id = ?", [OPP["UvWxY"]])
    assert ts.isoformat() == "2024-03-14T07:00:00+00:00"


def test_lead_history_created_and_converted() -> None:
    store = EventStore()
    raw = get_adapter("salesforce-lead-history").read(store, DATA / "LeadHistory.csv", "log", None)
    ev = _events(store, raw.table)
    lead = {k: sf_id18(f"00Q5g00000{k}") for k in ("LeAdA", "LeAdB", "LeAdC")}
    # `created` enters the stage the first Status change leaves
    assert ev[lead["LeAdA"]] == ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Converted"]
    assert ev[lead["LeAdB"]] == ["Open - Not Contacted", "Closed - Not Converted"]
    assert ev[lead["LeAdC"]] == ["Created"]  # its only Status change has no NewValue (quarantined)
    assert {v[0] for v in _quarantine(store).values()} == {"not_a_stage_field", "missing_activity", "bad_case_id"}
    assert raw.rows_read == 10 and raw.quarantined == 3


def test_opportunity_field_history_matches_opportunity_history() -> None:
    store = EventStore()
    fh = get_adapter("salesforce-opportunity-field-history").read(store, DATA / "OpportunityFieldHistory.csv", "log", None)
    oh = read_opportunity_history(store, DATA / "OpportunityHistory.csv", "log")
    fh_ev, oh_ev = _events(store, fh.table), _events(store, oh.table)
    for opp in (OPP["AbCdE"], OPP["FgHiJ"]):
        assert fh_ev[opp] == oh_ev[opp]


def test_tasks_and_events_link_to_the_opportunity() -> None:
    log = read_log(DATA / "Task.csv", DATA / "Event.csv", DATA / "OpportunityHistory.csv")
    acts = log.store.rows(
        f"SELECT activity, entity, subject FROM {log.events_table} WHERE case_id = ? ORDER BY ts", [OPP["AbCdE"]]
    )
    assert [(a["activity"], a["entity"]) for a in acts] == [
        ("Prospecting", "opportunity"),
        ("Call", "task"),
        ("Qualification", "opportunity"),
        ("Event", "event"),
        ("Proposal/Price Quote", "opportunity"),
        ("Email", "task"),
        ("Closed Won", "opportunity"),
    ]
    # the ISO-8859-1 export is decoded, not mangled
    assert acts[1]["subject"] == "Llamada de presentación"
    kinds = {(r["source"], r["kind"]) for r in log.quarantine()}
    assert ("Task.csv", "missing_case_id") in kinds and ("Task.csv", "bad_timestamp") in kinds
    assert ("Event.csv", "bad_case_id") in kinds
    assert log.n_events + log.quarantined == log.rows_read


def test_missing_columns_and_bad_json_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "OpportunityHistory.csv"
    bad.write_text("OpportunityId,StageName\n0065g00000AbCdE,Prospecting\n", encoding="utf-8")
    with pytest.raises(
        SourceError, match="needs the columns `OpportunityId`, `StageName`, `CreatedDate`; it has `OpportunityId`, `StageName`"
    ):
        read_opportunity_history(EventStore(), bad, "log")
    broken = tmp_path / "q.json"
    broken.write_text('{"records": [', encoding="utf-8")
    with pytest.raises(SourceError, match="not a Salesforce query result"):
        read_opportunity_history(EventStore(), broken, "log")


def test_reasons_in_russian() -> None:
    store = EventStore(settings=Settings(lang="ru"))
    read_opportunity_history(store, DATA / "OpportunityHistory.csv", "log")
    reasons = dict(store.sql("SELECT row_no, reason FROM quarantine").fetchall())
    assert reasons[17].startswith("столбец `CreatedDate` строка 17: не удаётся прочитать '31/02/2024 10:00'")
    assert "стадия не изменилась" in reasons[3]


def test_regression_large_utf8_export_is_not_taken_for_cp1252(tmp_path: Path) -> None:
    """A UTF-8 export larger than the 1 MB sample was decoded as cp1252 when the sample ended on a
    multi-byte letter: every Cyrillic row was quarantined as invalid encoding."""
    path = tmp_path / "OpportunityHistory.csv"
    opp = OPP["AbCdE"]
    lines = ['"Id","OpportunityId","CreatedById","CreatedDate","StageName","Amount"']
    for i in range(12000):
        stage = ("Квалификация", "Переговоры")[i % 2]
        lines.append(
            f'"{sf_id18(f"0085g{i:010d}")}","{opp}","","2024-03-01 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:'
            f'{i % 60:02d}","{stage}","1"'
        )
    for shift in range(4):  # move the 1 MB sample's end across every byte of a two-byte letter and beyond
        data = ("\n".join(lines).replace('"1"', '"1' + "0" * shift + '"', 1) + "\n").encode("utf-8")
        assert len(data) > 1 << 20
        path.write_bytes(data)
        store = EventStore()
        raw = read_opportunity_history(store, path, "log")
        assert raw.quarantined == 0 and raw.info["encoding"] == "utf-8"


def test_query_json_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    # A saved query answer was read whole whatever its size; it now has the JSON page limit.
    from crmflow.errors import UnsafeInputError

    p = tmp_path / "OpportunityHistory.json"
    rows = ",".join(
        '{"OpportunityId": "006000000000001", "StageName": "Prospecting", "CreatedDate": "2024-01-01T00:00:00.000+0000"}'
        for _ in range(20)
    )
    p.write_text('{"totalSize": 20, "done": true, "records": [' + rows + "]}", encoding="utf-8")
    with pytest.raises(UnsafeInputError, match="limit"):
        read_opportunity_history(EventStore(settings=Settings(max_ocel_json_bytes=300)), p, "log")
    assert read_opportunity_history(EventStore(), p, "log").rows_read == 20
