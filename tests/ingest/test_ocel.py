"""OCEL 2.0: the JSON and SQLite layouts flatten to the same log; hostile and broken files."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import UTC
from pathlib import Path

import pytest

from crmflow.errors import InputError, UnsafeInputError
from crmflow.ingest.ocel import read_ocel_raw
from crmflow.settings import Settings
from crmflow.store.store import EventStore
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "ocel"
JSON_LOG = DATA / "orders.jsonocel"


@pytest.fixture
def sqlite_log(tmp_path: Path) -> Path:
    """The same log in the OCEL 2.0 SQLite layout, built from the checked-in SQL script."""
    p = tmp_path / "orders.sqlite"
    con = sqlite3.connect(p)
    con.executescript((DATA / "orders.sql").read_text(encoding="utf-8"))
    con.commit()
    con.close()
    return p


def _rows(store: EventStore, table: str) -> list[tuple]:
    return store.sql(f"SELECT * FROM {table} ORDER BY row_no").fetchall()


@pytest.mark.parametrize(("object_type", "rows", "cases"), [("order", 8, 2), ("item", 9, 4), ("клиент", 2, 1)])
def test_json_and_sqlite_flatten_identically(sqlite_log: Path, object_type: str, rows: int, cases: int) -> None:
    store = EventStore()
    a = read_ocel_raw(store, JSON_LOG, log_name="log", object_type=object_type)
    b = read_ocel_raw(store, sqlite_log, log_name="log", object_type=object_type)
    assert (a.format, b.format) == ("ocel-json", "ocel-sqlite")
    assert a.rows_read == b.rows_read == rows and a.info["cases"] == b.info["cases"] == cases
    assert store.sql(f"DESCRIBE {a.table}").fetchall() == store.sql(f"DESCRIBE {b.table}").fetchall()
    assert _rows(store, a.table) == _rows(store, b.table)
    assert a.info["object_types"] == {"item": 4, "order": 2, "package": 1, "клиент": 1}


def test_flattened_order_rows(sqlite_log: Path) -> None:
    store = EventStore()
    raw = read_ocel_raw(store, JSON_LOG, log_name="log", object_type="order")
    got = store.rows(f"SELECT * FROM {raw.table} ORDER BY row_no")
    assert [(r["row_no"], r["case:concept:name"], r["concept:name"], r["ocel:eid"]) for r in got] == [
        (1, "o1", "Создать заказ", "e1"),
        (2, "o2", "Создать заказ", "e2"),
        (3, "o1", "pick item", "e3"),
        (4, "o1", "pick item", "e4"),
        (5, "o1", "pay order", "e5"),
        (6, "o1", "Отправить посылку", "e6"),
        (7, "o2", "pick item", "e7"),
        (8, "o2", "pay order", "e8"),
    ]
    r1, r3, r5 = got[0], got[2], got[4]
    assert r1["time:timestamp"].isoformat() == "2024-03-01T07:00:00+00:00"  # +03:00 converted
    assert r1["ocel:type"] == "order" and r1["ocel:qualifier"] == "заказ"
    assert r1["канал"] == "сайт" and r1["сумма"] == 1299.5
    assert r3["ocel:qualifier"] is None and r3["qty"] == 2 and r3["склад"] == "Москва"
    assert r5["online"] is True and r5["due"].isoformat() == "2024-03-10T00:00:00+00:00"
    types = {r[0]: r[1] for r in store.sql(f"DESCRIBE {raw.table}").fetchall()}
    assert types["qty"] == "BIGINT" and types["сумма"] == "DOUBLE" and types["online"] == "BOOLEAN"


def test_agrees_with_r4pm_relations(sqlite_log: Path) -> None:
    r4pm = pytest.importorskip("r4pm")
    store = EventStore()
    for path in (JSON_LOG, sqlite_log):
        theirs = r4pm.df.import_ocel(str(path))["relations"]
        for object_type in ("order", "item", "package"):
            raw = read_ocel_raw(store, path, log_name="log", object_type=object_type)
            ours = sorted(
                store.sql(
                    f'SELECT "ocel:eid", "case:concept:name", "concept:name", epoch_us("time:timestamp") FROM {raw.table}'
                ).fetchall()
            )
            sub = theirs.filter(theirs["ocel:type"] == object_type)
            expected = sorted(
                (e, o, a, int(t.timestamp() * 1_000_000))
                for e, o, a, t in zip(
                    sub["ocel:eid"],
                    sub["ocel:oid"],
                    sub["ocel:activity"],
                    [t.replace(tzinfo=UTC) for t in sub["ocel:timestamp"]],
                    strict=True,
                )
            )
            assert ours == expected


def test_object_type_must_be_chosen_when_there_are_several() -> None:
    with pytest.raises(InputError) as err:
        read_ocel_raw(EventStore(), JSON_LOG, log_name="log", object_type=None)
    msg = str(err.value)
    assert "orders.jsonocel" in msg and "4 object types" in msg
    assert "'item' (4 objects)" in msg and "'клиент' (1 object)" in msg
    with pytest.raises(InputError, match="there is no object type 'invoice'"):
        read_ocel_raw(EventStore(), JSON_LOG, log_name="log", object_type="invoice")


def _edit_json(tmp_path: Path, edit, name: str = "x.jsonocel") -> Path:
    doc = json.loads(JSON_LOG.read_text(encoding="utf-8"))
    edit(doc)
    p = tmp_path / name
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def test_single_object_type_needs_no_choice(tmp_path: Path) -> None:
    def only_orders(doc: dict) -> None:
        doc["objects"] = [o for o in doc["objects"] if o["type"] == "order"]

    raw = read_ocel_raw(EventStore(), _edit_json(tmp_path, only_orders), log_name="log", object_type=None)
    assert raw.info["object_type"] == "order" and raw.rows_read == 8
    assert raw.info["dangling_relations"] == 12  # items, package and customer are no longer declared


def test_bad_and_naive_times(tmp_path: Path) -> None:
    def times(doc: dict) -> None:
        doc["events"][1]["time"] = "вчера"
        doc["events"][2]["time"] = "2024-03-02 09:00:00"  # no offset: read in settings.timezone
        del doc["events"][3]["time"]

    store = EventStore(settings=Settings(timezone="Europe/Moscow"))
    raw = read_ocel_raw(store, _edit_json(tmp_path, times), log_name="ocel", object_type="order")
    assert (raw.rows_read, raw.quarantined) == (8, 1)
    got = {r[0]: r[1] for r in store.sql(f'SELECT "ocel:eid", "time:timestamp" FROM {raw.table}').fetchall()}
    assert "e2" not in got and got["e4"] is None
    assert got["e3"].isoformat() == "2024-03-02T06:00:00+00:00"
    q = store.rows("SELECT * FROM quarantine WHERE log_name = 'ocel'")
    assert len(q) == 1 and q[0]["value"] == "вчера" and q[0]["row_no"] == 2 and "'e2'" in q[0]["reason"]


def test_values_that_contradict_the_declared_type_keep_their_text(tmp_path: Path) -> None:
    def bad_qty(doc: dict) -> None:
        doc["events"][2]["attributes"][1]["value"] = "два"

    store = EventStore()
    raw = read_ocel_raw(store, _edit_json(tmp_path, bad_qty), log_name="log", object_type="order")
    assert raw.info["text_attributes"] == ["qty"]
    assert store.sql(f"SELECT qty FROM {raw.table} WHERE row_no = 3").fetchall()[0][0] == "два"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"events": [', r"line 1 column 13: invalid JSON"),
        ('{"ocel:global-log": {}, "ocel:events": {}}', "this is OCEL 1.0 JSON"),
        ('{"objects": []}', "no 'events' list"),
        ('{"events": [{"id": "e1", "time": "2024-01-01T00:00:00Z"}]}', r"events\[0\] has no valid 'type'"),
    ],
)
def test_broken_json(tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "bad.json"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=f"bad.json.*{message}"):
        read_ocel_raw(EventStore(), p, log_name="log", object_type="order")


def test_oversized_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeInputError, match="orders.jsonocel: refused .* larger than 1,000 bytes"):
        read_ocel_raw(EventStore(), JSON_LOG, log_name="log", object_type="order", max_json_bytes=1_000)
    p = tmp_path / "orders.jsonocel.gz"
    p.write_bytes(gzip.compress(JSON_LOG.read_bytes()))
    with pytest.raises(UnsafeInputError, match="larger than 1,000 bytes"):
        read_ocel_raw(EventStore(), p, log_name="log", object_type="order", max_json_bytes=1_000)


def test_gzipped_json(tmp_path: Path) -> None:
    p = tmp_path / "orders.jsonocel.gz"
    p.write_bytes(gzip.compress(JSON_LOG.read_bytes()))
    store = EventStore()
    a = read_ocel_raw(store, p, log_name="log", object_type="item")
    b = read_ocel_raw(store, JSON_LOG, log_name="log", object_type="item")
    assert _rows(store, a.table) == _rows(store, b.table)


def test_sqlite_is_opened_read_only(sqlite_log: Path) -> None:
    before = sqlite_log.read_bytes()
    read_ocel_raw(EventStore(), sqlite_log, log_name="log", object_type="order")
    assert sqlite_log.read_bytes() == before
    assert sorted(p.name for p in sqlite_log.parent.iterdir()) == ["orders.sqlite"]


def test_sqlite_that_is_not_ocel(tmp_path: Path) -> None:
    p = tmp_path / "crm.sqlite"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE deals (id TEXT)")
    con.commit()
    con.close()
    with pytest.raises(InputError, match=r"crm.sqlite: not an OCEL 2.0 SQLite log: missing table\(s\) event, "):
        read_ocel_raw(EventStore(), p, log_name="log", object_type="order")
    q = tmp_path / "fake.sqlite"
    q.write_bytes(b"not a database")
    with pytest.raises(InputError, match="fake.sqlite: this is not an SQLite database"):
        read_ocel_raw(EventStore(), q, log_name="log", object_type="order")


def test_unknown_suffix(tmp_path: Path) -> None:
    p = tmp_path / "log.yaml"  # (.xml is OCEL 2.0 XML now)
    p.write_text("<log/>", encoding="utf-8")
    with pytest.raises(InputError, match="unknown OCEL file type '.yaml'"):
        read_ocel_raw(EventStore(), p, log_name="log", object_type="order")


def test_explicit_timezone_for_times_without_offset(tmp_path: Path) -> None:
    def naive(doc: dict) -> None:
        doc["events"][0]["time"] = "2024-03-01 10:00:00"

    raw_store = EventStore()
    raw = read_ocel_raw(
        raw_store, _edit_json(tmp_path, naive), log_name="log", object_type="order", timezone="Asia/Yekaterinburg"
    )
    first = raw_store.sql(f'SELECT "time:timestamp" FROM {raw.table} WHERE row_no = 1').fetchall()[0][0]
    assert first.isoformat() == "2024-03-01T05:00:00+00:00" and raw.info["timezone"] == "Asia/Yekaterinburg"


def test_deeply_nested_json_is_a_clear_error_not_a_recursion_crash(tmp_path: Path) -> None:
    p = tmp_path / "deep.jsonocel"
    p.write_text('{"objectTypes": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(UnsafeInputError, match="nested too deeply"):
        read_ocel_raw(EventStore(), p, log_name="log", object_type="order")


def test_a_pair_related_twice_is_one_row_with_its_qualifiers_in_order(tmp_path: Path) -> None:
    """The (event, object) pairs related more than once keep the first relation's place and join the
    non-empty qualifiers in file order; an object listed twice does not double its rows."""
    doc = {
        "objectTypes": [{"name": "order", "attributes": []}],
        "eventTypes": [],
        "objects": [{"id": "o1", "type": "order"}, {"id": "o2", "type": "order"}, {"id": "o1", "type": "order"}],
        "events": [
            {"id": "e1", "type": "pay", "time": "2024-01-01T10:00:00Z", "relationships": [
                {"objectId": "o2", "qualifier": "x"}, {"objectId": "o1", "qualifier": "a"},
                {"objectId": "o1", "qualifier": ""}, {"objectId": "o1", "qualifier": "b"}]},
            {"id": "e2", "type": "pay", "time": "2024-01-01T11:00:00Z", "relationships": [{"objectId": "o1", "qualifier": ""}]},
        ],
    }  # fmt: skip
    path = tmp_path / "twice.jsonocel"
    path.write_text(json.dumps(doc))
    store = EventStore()
    raw = read_ocel_raw(store, path, log_name="log", object_type="order")
    rows = store.sql(
        f'SELECT row_no, "case:concept:name", "ocel:eid", "ocel:type", "ocel:qualifier" FROM {raw.table} ORDER BY row_no'
    ).fetchall()
    assert rows == [(1, "o2", "e1", "order", "x"), (2, "o1", "e1", "order", "a; b"), (3, "o1", "e2", "order", None)]
    assert raw.rows_read == 3
