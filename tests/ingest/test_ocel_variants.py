"""OCEL 2.0 as other tools write it: SQLite with optional columns left out, the XML layout, and
``--object-type`` on the commands that flatten an object-centric log.

pm4py's OCEL examples (``tests/input_data/ocel`` of process-intelligence-solutions/pm4py, AGPL-3.0,
not copied here) are compared across their three layouts when a fetched copy is at hand.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.errors import InputError, UnsafeInputError
from crmflow.ingest.ocel import read_ocel, read_ocel_raw
from crmflow.store.store import EventStore
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "ocel"
JSON_LOG = DATA / "orders.jsonocel"
_MIRROR = Path("/work/.mirror/process-intelligence-solutions+pm4py/repo")


def _sqlite(tmp_path: Path, *edits: str) -> Path:
    p = tmp_path / "orders.sqlite"
    con = sqlite3.connect(p)
    con.executescript((DATA / "orders.sql").read_text(encoding="utf-8"))
    for sql in edits:
        con.execute(sql)
    con.commit()
    con.close()
    return p


def _rows(store: EventStore, table: str) -> list[tuple]:
    return store.sql(f"SELECT * EXCLUDE (row_no) FROM {table} ORDER BY row_no").fetchall()


def to_xml(doc: dict, path: Path) -> Path:
    """The OCEL 2.0 JSON document written in the OCEL 2.0 XML layout (as the standard's examples are)."""
    log = etree.Element("log")
    for key, tag in (("objectTypes", "object-type"), ("eventTypes", "event-type")):
        holder = etree.SubElement(log, tag + "s")
        for t in doc[key]:
            el = etree.SubElement(holder, tag, name=t["name"])
            attrs = etree.SubElement(el, "attributes")
            for a in t.get("attributes") or []:
                etree.SubElement(attrs, "attribute", name=a["name"], type=a["type"])
    objects = etree.SubElement(log, "objects")
    for o in doc["objects"]:
        el = etree.SubElement(objects, "object", id=o["id"], type=o["type"])
        attrs = etree.SubElement(el, "attributes")
        for a in o.get("attributes") or []:
            etree.SubElement(attrs, "attribute", name=a["name"], time=a["time"]).text = str(a["value"])
        rels = etree.SubElement(el, "objects")
        for r in o.get("relationships") or []:
            etree.SubElement(rels, "relationship", {"object-id": r["objectId"], "qualifier": r.get("qualifier") or ""})
    events = etree.SubElement(log, "events")
    for e in doc["events"]:
        el = etree.SubElement(events, "event", id=e["id"], type=e["type"], time=e["time"])
        attrs = etree.SubElement(el, "attributes")
        for a in e.get("attributes") or []:
            value = a["value"]
            etree.SubElement(attrs, "attribute", name=a["name"]).text = (
                ("true" if value else "false") if isinstance(value, bool) else str(value)
            )
        rels = etree.SubElement(el, "objects")
        for r in e.get("relationships") or []:
            etree.SubElement(rels, "relationship", {"object-id": r["objectId"], "qualifier": r.get("qualifier") or ""})
    path.write_bytes(etree.tostring(log, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path


@pytest.mark.parametrize("object_type", ["order", "item", "клиент"])
def test_xml_flattens_like_json(tmp_path: Path, object_type: str) -> None:
    xml = to_xml(json.loads(JSON_LOG.read_text(encoding="utf-8")), tmp_path / "orders.xmlocel")
    store = EventStore()
    a = read_ocel_raw(store, JSON_LOG, log_name="log", object_type=object_type)
    b = read_ocel_raw(store, xml, log_name="log", object_type=object_type)
    assert b.format == "ocel-xml"
    assert a.rows_read == b.rows_read and a.info["cases"] == b.info["cases"]
    assert a.info["object_types"] == b.info["object_types"]
    assert _rows(store, a.table) == _rows(store, b.table)


def test_xml_object_centric_store_matches_json(tmp_path: Path) -> None:
    xml = to_xml(json.loads(JSON_LOG.read_text(encoding="utf-8")), tmp_path / "orders.xml")
    a, b = read_ocel(JSON_LOG), read_ocel(xml)
    assert a.counts() == b.counts()


def test_xml_is_screened_like_xes(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xmlocel"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "aaaa">]><log>&a;</log>', encoding="utf-8")
    with pytest.raises(UnsafeInputError):
        read_ocel(bomb)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<log><global scope='log'/><events/></log>", "this is OCEL 1.0 XML"),
        ("<ocel><events/></ocel>", "the root element is <ocel>"),
        ("<log><events><event type='pay' time='2024-01-01T00:00:00Z'/></events></log>", "<event> has no id attribute"),
        ("<log><events><event id='e1'", "not well-formed OCEL 2.0 XML"),
    ],
)
def test_broken_xml_is_refused_with_the_reason(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.xmlocel"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_ocel(path)


def test_sqlite_without_optional_columns_of_other_writers(tmp_path: Path) -> None:
    """Object tables without ocel_time/ocel_changed_field, relations without ocel_qualifier."""
    edits = [f"ALTER TABLE object_{t} DROP COLUMN {c}" for t in ("order", "item", "package", "Customer")
             for c in ("ocel_changed_field", "ocel_time")]  # fmt: skip
    for table, ends in (("event_object", "ocel_event_id, ocel_object_id"), ("object_object", "ocel_source_id, ocel_target_id")):
        edits += [f"CREATE TABLE lean AS SELECT {ends} FROM {table} ORDER BY rowid", f"DROP TABLE {table}",
                  f"ALTER TABLE lean RENAME TO {table}"]  # fmt: skip
    lean = _sqlite(tmp_path, *edits)
    store = EventStore()
    a = read_ocel_raw(store, JSON_LOG, log_name="log", object_type="order")
    b = read_ocel_raw(store, lean, log_name="log", object_type="order")
    assert a.rows_read == b.rows_read and a.info["cases"] == b.info["cases"]
    assert store.sql(f'SELECT count(*) FROM {b.table} WHERE "ocel:qualifier" IS NOT NULL').fetchall() == [(0,)]
    log = read_ocel(lean)
    full = read_ocel(JSON_LOG).counts()
    assert (log.counts().objects, log.counts().o2o) == (full.objects, full.o2o)


def test_sqlite_event_table_without_time_is_refused_naming_it(tmp_path: Path) -> None:
    broken = _sqlite(tmp_path, "ALTER TABLE event_pickitem DROP COLUMN ocel_time")
    with pytest.raises(InputError, match="table 'event_pickitem' of event type .* has no ocel_time column"):
        read_ocel(broken)


def test_pm4py_ocel1_sqlite_is_named(tmp_path: Path) -> None:
    p = tmp_path / "old.sqlite"
    con = sqlite3.connect(p)
    con.executescript("CREATE TABLE EVENTS (x); CREATE TABLE OBJECTS (x); CREATE TABLE RELATIONS (x);")
    con.close()
    with pytest.raises(InputError, match="pm4py's OCEL 1.0 SQLite layout"):
        read_ocel(p)


def test_object_type_option_on_the_commands_that_flatten() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["inspect", str(JSON_LOG)])
    assert res.exit_code != 0 and "--object-type" in res.output
    res = runner.invoke(app, ["inspect", str(JSON_LOG), "--object-type", "order"])
    assert res.exit_code == 0, res.output
    for command in ("audit", "discover", "check", "dfd"):
        help_text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        assert "--object-type" in help_text, command


def _pm4py_ocel(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    named = os.environ.get("CRMFLOW_PM4PY_OCEL")
    if named:
        return Path(named)
    if not _MIRROR.is_dir() or shutil.which("git") is None:
        return None
    out = tmp_path_factory.mktemp("pm4py_ocel")
    archive = subprocess.run(
        ["git", "--git-dir", str(_MIRROR), "archive", "HEAD", "tests/input_data/ocel"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out / "tests" / "input_data" / "ocel"


def test_pm4py_ocel2_example_reads_alike_in_three_layouts(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = _pm4py_ocel(tmp_path_factory)
    if folder is None or not (folder / "ocel20_example.xmlocel").is_file():
        pytest.skip("pm4py's tests/input_data/ocel not available (set CRMFLOW_PM4PY_OCEL or fetch the repository)")
    counts = [read_ocel(folder / f"ocel20_example.{ext}").counts() for ext in ("jsonocel", "sqlite", "xmlocel")]
    assert counts[0] == counts[1] == counts[2]
    for old in ("example_log.jsonocel", "example_log.sqlite", "example_log.xmlocel"):
        with pytest.raises(InputError, match="OCEL 1.0"):
            read_ocel(folder / old)
