"""DFD: the integration inventory compared with the systems seen in the data."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from lxml import etree

from crmflow.architecture.dfd import discover_dfd, load_inventory, parse_inventory, write_dfd
from crmflow.demo.journeys import generate_journeys
from crmflow.errors import ObjectModelError
from crmflow.sources.object_model import build_object_log
from crmflow.sources.reader import read_log
from tests.conftest import ROOT

INVENTORY = ROOT / "src" / "crmflow" / "architecture" / "examples" / "inventory.yaml"


def test_example_inventory_reads() -> None:
    inv = load_inventory(INVENTORY)
    assert inv.recorded_in == "crm"
    assert {s.id for s in inv.systems} >= {"website", "telephony", "crm", "erp", "billing"}
    assert inv.system("1C") is not None and inv.system("1C").id == "erp"  # type: ignore[union-attr]


def test_synthetic_crm_flows_against_inventory(tmp_path: Path) -> None:
    demo = generate_journeys(tmp_path / "crm", customers=150, seed=11)
    ocl = build_object_log(demo.model, list(demo.tables.values())).log
    dfd = discover_dfd(INVENTORY, [ocl])
    status = {(f.source, f.target): (f.status, f.events) for f in dfd.flows}
    truth = demo.events_by_system
    assert status[("website", "crm")] == ("confirmed", truth["website"])
    assert status[("telephony", "crm")] == ("confirmed", truth["telephony"])
    assert status[("erp", "crm")] == ("confirmed", truth["1c"])
    assert status[("billing", "crm")] == ("confirmed", truth["billing"])
    assert status[("mailing", "crm")] == ("not_seen", None)
    assert status[("erp", "billing")] == ("not_checkable", None)
    assert status[("crm", "crm_db")] == ("not_checkable", None)
    # the helpdesk writes tickets into the CRM but is missing from the inventory
    assert [(f.source, f.status, f.events) for f in dfd.undocumented] == [("unknown:helpdesk", "undocumented", truth["helpdesk"])]
    assert dfd.unknown_systems == ("helpdesk",) and dfd.attribute == "system"
    assert set(dfd.undocumented[0].data) == {"Open ticket", "Close ticket"}
    paths = write_dfd(dfd, tmp_path / "out", lang="ru")
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [f["source"] for f in doc["undocumented"]] == ["unknown:helpdesk"]
    assert [f["source"] for f in doc["not_seen"]] == ["mailing"]
    svg = paths["svg"].read_text(encoding="utf-8")
    etree.fromstring(svg.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    assert "есть в данных, нет в реестре" in svg


def test_event_log_attribute_and_escaping(tmp_path: Path) -> None:
    t = pa.table(
        {
            "case:concept:name": ["1", "1", "2", "2"],
            "concept:name": ["Create", "Call", "Create", "Pay"],
            "time:timestamp": ["2024-03-01 10:00", "2024-03-01 11:00", "2024-03-02 10:00", "2024-03-03 10:00"],
            "source": ["Bitrix24", "PBX", "bitrix24", "<script>x</script>"],
        }
    )
    dfd = discover_dfd(INVENTORY, [read_log(t)])
    got = {(f.source, f.status): f.events for f in dfd.flows if f.events is not None}
    assert got == {("telephony", "confirmed"): 1, ("unknown:<script>x</script>", "undocumented"): 1}
    svg = write_dfd(dfd, tmp_path)["svg"].read_text(encoding="utf-8")
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_ingestion_sources_when_no_attribute(tmp_path: Path) -> None:
    calls = tmp_path / "calls_march.csv"
    calls.write_text("case,activity,time\n1,Call,2024-03-01 10:00\n2,Call,2024-03-01 11:00\n", encoding="utf-8")
    other = tmp_path / "tasks.csv"
    other.write_text("case,activity,time\n1,Task,2024-03-02 10:00\n", encoding="utf-8")
    dfd = discover_dfd(INVENTORY, [read_log(calls, other)])
    assert dfd.attribute is None
    assert {(f.source, f.status, f.events) for f in dfd.flows if f.target == "crm" and f.status != "not_checkable"} == {
        ("telephony", "confirmed", 2),
        ("website", "not_seen", None),
        ("mailing", "not_seen", None),
        ("erp", "not_seen", None),
        ("billing", "not_seen", None),
    }
    assert dfd.unattributed_events == 1  # tasks.csv matches no system


def test_inventory_errors_name_the_key() -> None:
    base = {"recorded_in": "crm", "systems": [{"id": "crm", "kind": "process"}]}
    with pytest.raises(ObjectModelError, match=r"flows\[0\].to is 'erp', not a system id"):
        parse_inventory({**base, "flows": [{"from": "crm", "to": "erp"}]})
    with pytest.raises(ObjectModelError, match=r"systems\[0\].kind is 'db'"):
        parse_inventory({"recorded_in": "crm", "systems": [{"id": "crm", "kind": "db"}]})
    with pytest.raises(ObjectModelError, match="`recorded_in` is None"):
        parse_inventory({"systems": [{"id": "crm"}]})
    with pytest.raises(ObjectModelError, match="direction is 'both'"):
        parse_inventory({**base, "flows": [{"from": "crm", "to": "crm", "direction": "both"}]})
