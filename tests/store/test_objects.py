"""The object-centric store: OCEL 2.0 import, flattening on any object type, export and round trip."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmflow.errors import InputError
from crmflow.ingest.ocel import read_ocel
from crmflow.mining.dfg import discover_dfg
from crmflow.store.objects import ObjectCentricLog
from crmflow.store.ocel_export import to_ocel_json, write_ocel
from crmflow.store.store import EventStore
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "ocel"
JSON_LOG = DATA / "orders.jsonocel"
SCHEMA = json.loads((DATA / "ocel20-schema-json.json").read_text(encoding="utf-8"))


@pytest.fixture
def sqlite_log(tmp_path: Path) -> Path:
    p = tmp_path / "orders.sqlite"
    con = sqlite3.connect(p)
    con.executescript((DATA / "orders.sql").read_text(encoding="utf-8"))
    con.commit()
    con.close()
    return p


def test_import_keeps_objects_relations_and_changes() -> None:
    ocl = read_ocel(JSON_LOG, name="orders")
    c = ocl.counts()
    assert (c.events, c.objects, c.e2o, c.o2o, c.object_changes) == (8, 8, 20, 7, 6)
    assert (c.event_types, c.object_types, c.dangling_e2o, c.dangling_o2o) == (4, 4, 0, 0)
    assert ocl.object_types() == {"item": 4, "order": 2, "package": 1, "клиент": 1}
    assert ocl.activities() == {"pick item": 3, "pay order": 2, "Создать заказ": 2, "Отправить посылку": 1}
    # the status change of o1 is kept with its time; the latest value is the object's attribute
    snap = ocl.snapshot()
    assert ("o1", "статус", "оплачен", "2024-03-02T09:00:00Z") in snap["object_values"]
    assert [o.attributes for o in ocl.objects_of("order")] == [{"статус": "оплачен"}, {"статус": "новый"}]
    # the times are read with their offsets
    assert ("e1", "Создать заказ", "2024-03-01T07:00:00Z") in snap["events"]
    # O2O either way and shared events
    assert [o.oid for o in ocl.objects_of(related_to="p1")] == ["o1", "i1", "i2"]
    assert [o.oid for o in ocl.objects_of("order", related_to="c1")] == ["o1", "o2"]


def test_json_and_sqlite_give_the_same_store(sqlite_log: Path) -> None:
    store = EventStore()
    a = read_ocel(JSON_LOG, store=store, name="a")
    b = read_ocel(sqlite_log, store=store, name="b")
    assert a.snapshot() == b.snapshot()


@pytest.mark.parametrize(("object_type", "events", "cases"), [("order", 8, 2), ("item", 9, 4), ("клиент", 2, 1)])
def test_any_object_type_is_a_case_notion(object_type: str, events: int, cases: int) -> None:
    ocl = read_ocel(JSON_LOG, name="orders")
    log = ocl.flatten(object_type)
    assert (log.n_events, log.n_cases) == (events, cases)
    # the foundation's mining runs on it: directly-follows counts add up to events minus cases
    dfg = discover_dfg(log)
    assert sum(e.count for e in dfg.edges) == events - cases
    assert {"ocel:eid", "ocel:qualifier", "канал", "qty"} <= set(log.attributes)


def test_event_related_to_two_objects_appears_in_both_cases() -> None:
    log = read_ocel(JSON_LOG, name="orders").flatten("item")
    rows = log.store.rows(f'SELECT case_id FROM {log.events_table} WHERE "ocel:eid" = ? ORDER BY case_id', ["e1"])
    assert [r["case_id"] for r in rows] == ["i1", "i2"]
    typed = log.store.rows(f"SELECT qty FROM {log.events_table} WHERE \"ocel:eid\" = 'e3'")
    assert typed == [{"qty": 2}]


def test_unknown_object_type_lists_the_types() -> None:
    with pytest.raises(InputError, match=r"no object type 'invoice'.*'item' \(4\)"):
        read_ocel(JSON_LOG, name="orders").flatten("invoice")


def test_bad_times_are_quarantined_and_counted(tmp_path: Path) -> None:
    doc = json.loads(JSON_LOG.read_text(encoding="utf-8"))
    doc["events"][1]["time"] = "31.02.2024"
    doc["events"][2]["id"] = "e1"
    p = tmp_path / "bad.jsonocel"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    store = EventStore()
    ocl = read_ocel(p, store=store, name="bad")
    assert ocl.counts().events == 6
    q = store.rows("SELECT kind, value, reason FROM quarantine WHERE log_name = 'bad' ORDER BY row_no")
    assert [r["kind"] for r in q] == ["bad_timestamp", "duplicate_id"]
    assert "'31.02.2024'" in q[0]["reason"] and "ISO 8601" in q[0]["reason"]
    ing = store.rows("SELECT rows_read, parsed, quarantined FROM ingestions WHERE log_name = 'bad'")[0]
    assert ing["rows_read"] == ing["parsed"] + ing["quarantined"] and ing["quarantined"] == 2


def test_export_validates_against_the_ocel2_schema() -> None:
    doc = to_ocel_json(read_ocel(JSON_LOG, name="orders"))
    jsonschema.validate(doc, SCHEMA)
    broken = json.loads(json.dumps(doc))
    del broken["events"][0]["time"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)
    price = [a for o in doc["objects"] if o["id"] == "i2" for a in o["attributes"]]
    assert price == [{"name": "price", "time": "1970-01-01T00:00:00Z", "value": 99.0}]


@pytest.mark.parametrize("suffix", ["jsonocel", "sqlite"])
def test_round_trip_of_the_fixture(tmp_path: Path, suffix: str) -> None:
    store = EventStore()
    a = read_ocel(JSON_LOG, store=store, name="a")
    b = read_ocel(write_ocel(a, tmp_path / f"out.{suffix}"), store=store, name="b")
    assert a.snapshot() == b.snapshot()


def test_sqlite_export_refuses_to_overwrite(tmp_path: Path) -> None:
    p = tmp_path / "x.sqlite"
    p.write_bytes(b"")
    with pytest.raises(InputError, match="exists"):
        write_ocel(read_ocel(JSON_LOG), p)


# ---------------------------------------------------------------------------- property: import→export→import

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)
_VALUES = {
    "string": _TEXT,
    "integer": st.integers(-(2**53), 2**53),
    "float": st.floats(allow_nan=False, allow_infinity=False, width=64),
    "boolean": st.booleans(),
    "time": st.datetimes(datetime(1990, 1, 1), datetime(2040, 1, 1)).map(lambda d: d.isoformat() + "Z"),
}
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-5, minutes=-30))])


@st.composite
def ocel_docs(draw: st.DrawFn) -> dict:
    kinds = list(_VALUES)
    etypes = {f"E{i}": draw(st.lists(st.sampled_from(kinds), max_size=3)) for i in range(draw(st.integers(1, 3)))}
    otypes = {f"тип{i}": draw(st.lists(st.sampled_from(kinds), max_size=2)) for i in range(draw(st.integers(1, 3)))}
    objects = []
    for i in range(draw(st.integers(1, 6))):
        ot = draw(st.sampled_from(sorted(otypes)))
        attrs = []
        for j, kind in enumerate(otypes[ot]):
            for k in range(draw(st.integers(0, 2))):
                when = "1970-01-01T00:00:00Z" if k == 0 else f"2024-01-0{k}T10:00:00Z"
                attrs.append({"name": f"a{j}", "time": when, "value": draw(_VALUES[kind])})
        objects.append({"id": f"o{i}", "type": ot, "attributes": attrs, "relationships": []})
    ids = [o["id"] for o in objects]
    for o in objects:
        for target in draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)):
            o["relationships"].append({"objectId": target, "qualifier": draw(st.sampled_from(["", "has", "связан"]))})
    events = []
    for i in range(draw(st.integers(0, 8))):
        et = draw(st.sampled_from(sorted(etypes)))
        when = draw(st.datetimes(datetime(2000, 1, 1), datetime(2030, 1, 1))).replace(tzinfo=draw(_ZONES))
        rels = [
            {"objectId": oid, "qualifier": draw(st.sampled_from(["", "q"]))}
            for oid in draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
        ]
        attrs = [{"name": f"b{j}", "value": draw(_VALUES[kind])} for j, kind in enumerate(etypes[et]) if draw(st.booleans())]
        events.append({"id": f"e{i}", "type": et, "time": when.isoformat(), "attributes": attrs, "relationships": rels})
    return {
        "objectTypes": [
            {"name": k, "attributes": [{"name": f"a{j}", "type": t} for j, t in enumerate(v)]} for k, v in otypes.items()
        ],
        "eventTypes": [
            {"name": k, "attributes": [{"name": f"b{j}", "type": t} for j, t in enumerate(v)]} for k, v in etypes.items()
        ],
        "objects": objects,
        "events": events,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=ocel_docs(), suffix=st.sampled_from(["jsonocel", "sqlite"]))
def test_round_trip_is_identity(tmp_path_factory: pytest.TempPathFactory, doc: dict, suffix: str) -> None:
    d = tmp_path_factory.mktemp("rt")
    src = d / "in.jsonocel"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    store = EventStore()
    a = read_ocel(src, store=store, name="a")
    b = read_ocel(write_ocel(a, d / f"out.{suffix}"), store=store, name="b")
    assert a.snapshot() == b.snapshot()
    assert a.counts().events == len(doc["events"])
    jsonschema.validate(to_ocel_json(b), SCHEMA)


def test_negative_zero_survives_the_sqlite_round_trip(tmp_path: Path) -> None:
    # found by hypothesis: SQLite stores -0.0 as 0, so the JSON import now reads -0.0 as 0.0 too
    doc = {
        "objectTypes": [{"name": "t", "attributes": [{"name": "a0", "type": "float"}]}],
        "eventTypes": [{"name": "E0", "attributes": []}],
        "objects": [{"id": "o1", "type": "t", "attributes": [{"name": "a0", "time": "1970-01-01T00:00:00Z", "value": -0.0}]}],
        "events": [],
    }
    src = tmp_path / "in.jsonocel"
    src.write_text(json.dumps(doc), encoding="utf-8")
    store = EventStore()
    a = read_ocel(src, store=store, name="a")
    b = read_ocel(write_ocel(a, tmp_path / "out.sqlite"), store=store, name="b")
    assert a.snapshot() == b.snapshot()
    assert a.snapshot()["object_values"][0][2] == "0.0"


def test_empty_log_is_created_empty() -> None:
    ocl = ObjectCentricLog.create(EventStore(), name="empty")
    assert ocl.counts().events == 0 and ocl.object_types() == {}


@pytest.mark.parametrize("suffix", ["jsonocel", "sqlite"])
def test_pm4py_reads_the_export(tmp_path: Path, suffix: str) -> None:
    pm4py = pytest.importorskip("pm4py")
    ocl = read_ocel(JSON_LOG)
    path = str(write_ocel(ocl, tmp_path / f"out.{suffix}"))
    theirs = pm4py.read_ocel2_json(path) if suffix == "jsonocel" else pm4py.read_ocel2_sqlite(path)
    c = ocl.counts()
    assert (len(theirs.events), len(theirs.objects), len(theirs.relations), len(theirs.o2o)) == (
        c.events,
        c.objects,
        c.e2o,
        c.o2o,
    )
    assert sorted(theirs.objects["ocel:oid"]) == sorted(o.oid for o in ocl.objects_of())


def test_flatten_agrees_with_the_flattening_reader() -> None:
    from crmflow.sources.reader import read_log

    store = EventStore()
    ours = read_ocel(JSON_LOG, store=store, name="o").flatten("item", log_name="a")
    reader = read_log(JSON_LOG, object_type="item", store=store, log_name="b")
    cols = 'case_id, activity, ts, "ocel:eid", "ocel:qualifier"'
    a = store.sql(f"SELECT {cols} FROM {ours.events_table} ORDER BY case_id, pos").fetchall()
    b = store.sql(f"SELECT {cols} FROM {reader.events_table} ORDER BY case_id, pos").fetchall()
    assert a == b and len(a) == 9
