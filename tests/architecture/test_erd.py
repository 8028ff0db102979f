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


def test_demo_journey_tables_dirty_key(tmp_path: Path) -> None:
    """Regression: one deal row without an id hid invoices → deals and tickets → deals."""
    from crmflow.demo.journeys import generate_journeys

    demo = generate_journeys(tmp_path / "crm", customers=400, seed=7)
    erd = infer_erd(list(demo.tables.values()))
    got = {(r.child, r.child_column): (r.parent, r.parent_column) for r in erd.relations}
    assert got == {
        ("deals", "lead_id"): ("leads", "lead_id"),
        ("invoices", "deal_id"): ("deals", "deal_id"),
        ("payments", "invoice_id"): ("invoices", "invoice_id"),
        ("tickets", "deal_id"): ("deals", "deal_id"),
    }
    deals = erd.entity("deals")
    assert deals.primary_key == "deal_id" and "deal_id" not in deals.key_candidates
    q = deals.key_quality
    assert q is not None and (q.empty_rows, q.duplicate_values, q.violations) == (demo.rows_without_id, 0, 1)
    # the planted row is the last data row of deals.csv (line = row + 1 for the header)
    assert q.empty_sample == (deals.rows,) and q.empty_lines == (deals.rows + 1,)
    assert q.share == pytest.approx((deals.rows - 1) / deals.rows)
    assert [e.key_quality for e in erd.entities if e.name != "deals"] == [None] * 4
    lead = erd.relation("deals", "lead_id")
    assert lead is not None and lead.orphan_sample == demo.orphan_deal_leads
    doc = json.loads(erd.to_json())
    assert [(f["entity"], f["column"], f["empty_rows"], f["violations"]) for f in doc["key_findings"]] == [
        ("deals", "deal_id", 1, 1)
    ]
    assert doc["settings"]["key_min_share"] == 0.99
    assert "%% key deals.deal_id: 1 row(s) without an id" in erd.to_mermaid()
    paths = write_erd(erd, tmp_path / "out", lang="ru")
    svg = paths["svg"].read_text(encoding="utf-8")
    assert "Качество ключей" in svg and f"строк без идентификатора: 1, строка {deals.rows}" in svg
    # a strict threshold gives the old behaviour back: no deal key, the two relations lost
    strict = infer_erd(list(demo.tables.values()), key_min_share=1.0)
    assert strict.entity("deals").primary_key != "deal_id" and strict.relation("invoices", "deal_id") is None
    assert not strict.key_findings


def test_duplicate_ids_reported_with_rows(tmp_path: Path) -> None:
    ids = [f"C{i:03d}" for i in range(1, 201)]
    ids[150] = "C007"  # written twice: rows 7 and 151
    ids[199] = None  # type: ignore[call-overload]
    pq.write_table(pa.table({"client_id": ids, "email": [f"u{i}@x.ru" for i in range(200)]}), tmp_path / "clients.parquet")
    pq.write_table(pa.table({"order_id": ["o1", "o2", "o3"], "client_id": ["C001", "C007", "C200"]}), tmp_path / "orders.parquet")
    erd = infer_erd([tmp_path / "clients.parquet", tmp_path / "orders.parquet"])
    clients = erd.entity("clients")
    # e-mail is strictly unique, but the id-like near key wins: 198 ids tell 99 % of 200 rows apart
    assert clients.primary_key == "client_id" and clients.key_candidates == ("email",)
    q = clients.key_quality
    assert q is not None
    assert (q.empty_rows, q.empty_sample, q.duplicate_values, q.duplicate_rows) == (1, (200,), 1, 2)
    assert [(d.value, d.rows) for d in q.duplicate_sample] == [("C007", (7, 151))]
    assert q.share == pytest.approx(198 / 200) and q.violations == 3
    r = erd.relation("orders", "client_id")
    assert r is not None and (r.parent, r.orphans, r.orphan_sample) == ("clients", 1, ("C200",))
    svg = write_erd(erd, tmp_path / "out")["svg"].read_text(encoding="utf-8")
    assert "C007 (7, 151)" in svg and "1 row(s) without an id: row 200" in svg
    # asking for 99.5 %: the id is no longer the key, and the relation is not claimed
    stricter = infer_erd([tmp_path / "clients.parquet", tmp_path / "orders.parquet"], key_min_share=0.995)
    assert stricter.entity("clients").primary_key == "email" and stricter.relation("orders", "client_id") is None


def test_near_key_needs_an_id_name_and_store_rows() -> None:
    store = EventStore()
    # `code` is 99.5 % unique but not id-like: never a key; `ID` is, and store rows are numbered by position
    vals = ", ".join(f"('{i}', 'k{i}')" for i in range(1, 200))
    store.sql(f"CREATE TABLE t_c AS SELECT * FROM (VALUES {vals}, ('5', NULL)) v(\"ID\", code)")
    erd = infer_erd([("c", "t_c")], store=store)
    e = erd.entity("c")
    assert e.primary_key == "ID" and e.key_quality is not None
    assert [(d.value, d.rows, d.lines) for d in e.key_quality.duplicate_sample] == [("5", (5, 200), ())]
    with pytest.raises(InputError, match="key_min_share"):
        infer_erd([("c", "t_c")], store=store, key_min_share=0)
