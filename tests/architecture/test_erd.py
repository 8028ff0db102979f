"""ERD from data: keys, inclusion dependencies with orphans, cardinalities; Mermaid, SVG, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lxml import etree

from crmflow.architecture.erd import infer_erd, write_erd
from crmflow.errors import InputError
from crmflow.store.store import EventStore
from tests.conftest import real


def _maven() -> list[Path]:
    d = real("maven-crm-sales-opportunities")
    return [d / f"{n}.csv" for n in ("accounts", "products", "sales_pipeline", "sales_teams")]


def test_maven_keys_and_relations() -> None:
    erd = infer_erd(_maven())
    pks = {e.name: e.primary_key for e in erd.entities}
    assert pks == {"accounts": "account", "products": "product", "sales_pipeline": "opportunity_id", "sales_teams": "sales_agent"}
    got = {(r.child, r.child_column): (r.parent, r.parent_column) for r in erd.relations}
    assert got == {
        ("sales_pipeline", "account"): ("accounts", "account"),
        ("sales_pipeline", "product"): ("products", "product"),
        ("sales_pipeline", "sales_agent"): ("sales_teams", "sales_agent"),
        ("accounts", "subsidiary_of"): ("accounts", "account"),
    }
    product = erd.relation("sales_pipeline", "product")
    assert product is not None
    # "GTXPro" in the pipeline vs "GTX Pro" in products: reported, not hidden
    assert (product.orphans, product.orphan_rows, product.orphan_sample) == (1, 1480, ("GTXPro",))
    assert product.coverage == pytest.approx(6 / 7) and product.cardinality == "1:N"
    account = erd.relation("sales_pipeline", "account")
    assert account is not None and account.parent_optional and account.empty == 1425  # open deals without account
    agent = erd.relation("sales_pipeline", "sales_agent")
    assert agent is not None and agent.children_optional  # 35 agents, 30 with deals
    sub = erd.relation("accounts", "subsidiary_of")
    assert sub is not None and sub.label == "0..1:0..N" and not sub.named


def test_olist_one_to_zero_or_one() -> None:
    d = real("olist-marketing-funnel")
    erd = infer_erd(
        [("mqls", d / "olist_marketing_qualified_leads_dataset.csv"), ("closed_deals", d / "olist_closed_deals_dataset.csv")]
    )
    assert [(r.child, r.child_column, r.parent, r.parent_column) for r in erd.relations] == [
        ("closed_deals", "mql_id", "mqls", "mql_id")
    ]
    r = erd.relations[0]
    assert (r.cardinality, r.parent_optional, r.children_optional, r.label, r.notation) == (
        "1:1",
        False,
        True,
        "1:0..1",
        "||--o|",
    )
    assert "mqls ||--o| closed_deals" in erd.to_mermaid()


def test_outputs_are_valid_and_escaped(tmp_path: Path) -> None:
    leads = pa.table({"lead_id": ["1", "2", "3"], "name<script>": ["a", "b", "c"]})
    deals = pa.table({"deal_id": ["d1", "d2", "d3", "d4"], "lead_id": ["1", "1", "2", "9"], "amount": [1.5, 2.5, 3.5, 4.5]})
    pq.write_table(leads, tmp_path / "leads.parquet")
    pq.write_table(deals, tmp_path / "deals.parquet")
    erd = infer_erd([tmp_path / "leads.parquet", tmp_path / "deals.parquet"])
    r = erd.relation("deals", "lead_id")
    assert r is not None and (r.orphans, r.orphan_sample, r.cardinality, r.children_optional) == (1, ("9",), "1:N", True)
    paths = write_erd(erd, tmp_path / "out", lang="ru")
    svg = paths["svg"].read_text(encoding="utf-8")
    root = etree.fromstring(svg.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag.endswith("svg") and not root.findall(".//{http://www.w3.org/2000/svg}script")
    assert "name&lt;script&gt;" in svg and "висячих значений: 1" in svg
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["relations"][0]["orphan_sample"] == ["9"] and doc["relations"][0]["label"] == "1:0..N"
    mmd = paths["mermaid"].read_text(encoding="utf-8")
    assert mmd.startswith("erDiagram") and "name_script_" in mmd and "<script>" not in mmd.split("\n")[3]


def test_store_tables_and_errors() -> None:
    store = EventStore()
    store.sql("CREATE TABLE t_a AS SELECT * FROM (VALUES ('x'), ('y')) v(code)")
    store.sql("CREATE TABLE t_b AS SELECT * FROM (VALUES (1, 'x'), (2, 'x'), (3, 'y')) v(id, code)")
    erd = infer_erd([("a", "t_a"), ("b", "t_b")], store=store)
    assert [(r.child, r.child_column, r.parent) for r in erd.relations] == [("b", "code", "a")]
    with pytest.raises(InputError, match="at least one table"):
        infer_erd([])
    with pytest.raises(InputError, match="both named 'a'"):
        infer_erd([("a", "t_a"), ("a", "t_b")], store=store)
