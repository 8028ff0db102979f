"""Object-centric logs from plain CRM tables and a YAML object model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from crmflow.demo.journeys import generate_journeys
from crmflow.errors import ObjectModelError
from crmflow.ingest.ocel import read_ocel
from crmflow.sources.object_model import build_object_log, load_object_model, parse_object_model
from crmflow.store.ocel_export import write_ocel
from crmflow.store.store import EventStore
from tests.conftest import ROOT, real

OLIST_MODEL = ROOT / "src" / "crmflow" / "architecture" / "examples" / "olist-objects.yaml"


def _olist() -> list[Path]:
    d = real("olist-marketing-funnel")
    return [d / "olist_marketing_qualified_leads_dataset.csv", d / "olist_closed_deals_dataset.csv"]


def test_olist_tables_become_objects_events_and_relations() -> None:
    b = build_object_log(OLIST_MODEL, _olist(), name="olist")
    assert b.log.object_types() == {"mql": 8000, "deal": 842, "seller": 842, "sdr": 32, "sr": 22}
    assert b.log.activities() == {"First contact": 8000, "Win deal": 842}
    refs = {r.column: (r.relations, r.orphans) for r in b.references}
    assert refs == {"mql_id": (842, 0), "seller_id": (842, 0), "sr_id": (842, 0), "sdr_id": (842, 0)}
    assert (b.rows_read, b.rows_without_id, b.bad_timestamps) == (8842, 0, 0)
    # each won deal relates to its deal, its MQL, seller, SDR and SR
    c = b.log.counts()
    assert c.e2o == 8000 + 842 * 5 and c.o2o == 842 * 4
    # deals as cases: one event each; MQLs as cases: 8,000 cases, 842 with two events
    assert b.log.flatten("deal").n_events == 842
    log = b.log.flatten("mql")
    assert (log.n_cases, log.n_events) == (8000, 8842)


def test_an_id_shared_by_two_types_needs_a_prefix() -> None:
    doc = load_object_model(OLIST_MODEL)
    plain = tuple(replace(r, id_prefix="") for r in doc.objects[1].references)
    model = replace(doc, objects=(doc.objects[0], replace(doc.objects[1], references=plain)))
    with pytest.raises(ObjectModelError, match=r"already an object of type 'sr'.*id_prefix: \"sdr:\""):
        build_object_log(model, _olist())


def test_synthetic_tables_orphans_quarantine_and_round_trip(tmp_path: Path) -> None:
    demo = generate_journeys(tmp_path / "crm", customers=120, seed=3)
    store = EventStore()
    b = build_object_log(demo.model, list(demo.tables.values()), store=store, name="crm")
    deal_refs = next(r for r in b.references if r.object_type == "deal")
    assert (deal_refs.orphans, deal_refs.orphan_sample) == (1, demo.orphan_deal_leads)
    assert (b.rows_without_id, b.bad_timestamps) == (demo.rows_without_id, demo.bad_dates)
    q = store.rows("SELECT kind, column_name, value, reason FROM quarantine WHERE log_name = 'crm' ORDER BY kind")
    assert [(r["kind"], r["column_name"]) for r in q] == [("bad_timestamp", "opened_at"), ("missing_id", "deal_id")]
    assert "'31.02.2024 10:00'" in q[0]["reason"]
    ing = store.rows(
        "SELECT sum(rows_read) AS r, sum(parsed) AS p, sum(quarantined) AS q FROM ingestions WHERE log_name = 'crm'"
    )[0]
    assert ing["r"] == ing["p"] + ing["q"] and ing["q"] == 1
    # events per producing system, as planted
    got = dict(
        store.sql(
            f"SELECT value, count(*) FROM {b.log.table('event_attributes')} WHERE name = 'system' GROUP BY value"
        ).fetchall()
    )
    assert got == demo.events_by_system
    # the built log exports to OCEL 2.0 and reads back identically
    again = read_ocel(write_ocel(b.log, tmp_path / "crm.jsonocel"), store=store, name="again")
    assert again.snapshot() == b.log.snapshot()


def test_model_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ObjectModelError, match=r"objects.deal has no 'id' \(expected e.g. `id: deal_id`\)"):
        parse_object_model({"objects": {"deal": {"table": "deals.csv"}}})
    with pytest.raises(ObjectModelError, match="unknown key"):
        parse_object_model({"objects": {"deal": {"table": "d", "id": "x", "colour": 1}}})
    bad = tmp_path / "m.yaml"
    bad.write_text("objects:\n  deal: [\n", encoding="utf-8")
    with pytest.raises(ObjectModelError, match=r"m\.yaml: not valid YAML at line 3, column 1"):
        load_object_model(bad)
    with pytest.raises(ObjectModelError, match=r"no column\(s\) 'nope'.*columns: mql_id"):
        build_object_log(
            parse_object_model(
                {"objects": {"mql": {"table": "olist_marketing_qualified_leads_dataset", "id": "mql_id", "attributes": ["nope"]}}}
            ),
            _olist(),
        )
    with pytest.raises(ObjectModelError, match="no input file matches 'leads.csv'"):
        build_object_log(parse_object_model({"objects": {"lead": {"table": "leads.csv", "id": "id"}}}), _olist())


def test_olist_check_against_plain_sql() -> None:
    mql, deals = _olist()
    n = duckdb.sql(f"SELECT count(*) FROM '{deals}' d JOIN '{mql}' m USING (mql_id)").fetchall()[0][0]
    assert n == 842
