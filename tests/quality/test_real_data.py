"""The quality checks on real data: Maven CRM pipeline, Olist marketing funnel, BPIC 2013 problems.

Every count asserted here is recomputed independently with pandas from the same files.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmflow.quality.run import assess_quality
from tests.conftest import real
from tests.quality.test_run import validate


@pytest.fixture(scope="module")
def maven():  # type: ignore[no-untyped-def]
    root = real("maven-crm-sales-opportunities")
    rules = {
        "validity": {"min_date": "2016-01-01", "as_of": "2018-01-01"},
        "entities": {
            "deals": {
                "source": "sales_pipeline.csv",
                "id": "opportunity_id",
                "required": ["sales_agent", "product", "account"],
                "stages": {
                    "Won": {"required": ["close_value", "close_date", "engage_date"]},
                    "Lost": {"required": ["close_date"]},
                    "Engaging": {"required": ["engage_date"], "empty": ["close_date", "close_value"]},
                    "Prospecting": {"empty": ["engage_date", "close_date"]},
                },
                "references": [
                    {"column": "product", "entity": "products", "key": "product"},
                    {"column": "account", "entity": "accounts", "key": "account"},
                    {"column": "sales_agent", "entity": "teams", "key": "sales_agent"},
                ],
            },
            "products": {"source": "products.csv", "id": "product"},
            "accounts": {
                "source": "accounts.csv",
                "id": "account",
                "references": [{"column": "subsidiary_of", "entity": "accounts", "key": "account"}],
            },
            "teams": {"source": "sales_teams.csv", "id": "sales_agent"},
        },
        "reconciliation": [
            {
                "name": "won close_value vs list price",
                "left": {
                    "entity": "deals",
                    "amount": "close_value",
                    "date": "close_date",
                    "by": "sales_agent",
                    "where": {"deal_stage": "Won"},
                },
                "right": {
                    "entity": "deals",
                    "date": "close_date",
                    "by": "sales_agent",
                    "where": {"deal_stage": "Won"},
                    "lookup": {"entity": "products", "column": "product", "key": "product", "value": "sales_price"},
                },
                "period": "month",
                "tolerance": {"relative": 0.05},
            }
        ],
        "date_order": [
            {"earlier": {"entity": "deals", "column": "engage_date"}, "later": {"entity": "deals", "column": "close_date"}}
        ],
    }
    files = [root / "sales_pipeline.csv", root / "products.csv", root / "accounts.csv", root / "sales_teams.csv"]
    doc = assess_quality(files, rules=rules).data
    frame = pd.read_csv(root / "sales_pipeline.csv", dtype=str)
    products = pd.read_csv(root / "products.csv", dtype={"product": str, "sales_price": float})
    return doc, frame, products


def test_maven_completeness_and_stages(maven) -> None:  # type: ignore[no-untyped-def]
    doc, p, _ = maven
    validate(doc)
    rules = {(r["kind"], r["stage"], r["column"]): r for r in doc["completeness"]["rules"]}
    no_account = sorted(p.loc[p.account.isna(), "opportunity_id"])
    assert len(no_account) == 1425
    assert rules[("required", None, "account")]["missing_ids"] == no_account
    assert doc["completeness"]["missing_ids"] == no_account  # nothing else is missing
    won = p[p.deal_stage == "Won"]
    assert rules[("stage_required", "Won", "close_value")]["checked"] == len(won) == 4238
    assert rules[("stage_required", "Won", "close_value")]["missing"] == int(won.close_value.isna().sum()) == 0
    assert rules[("stage_required", "Won", "close_date")]["missing"] == int(won.close_date.isna().sum()) == 0
    engaging = p[p.deal_stage == "Engaging"]
    assert rules[("stage_empty", "Engaging", "close_date")]["missing"] == int(engaging.close_date.notna().sum()) == 0
    assert rules[("stage_empty", "Prospecting", "engage_date")]["checked"] == 500
    assert doc["completeness"]["stage_empty_ids"] == []
    order = doc["consistency"]["date_order"][0]
    both = p[p.engage_date.notna() & p.close_date.notna()]
    assert order["checked"] == len(both) == 6711
    assert order["violations"] == int((both.close_date < both.engage_date).sum()) == 0


def test_maven_references_find_the_product_name_mismatch(maven) -> None:  # type: ignore[no-untyped-def]
    doc, p, products = maven
    refs = {r["column"]: r for r in doc["entities"][0]["references"]}
    orphans = p[~p["product"].isin(products["product"])]
    assert refs["product"]["orphans"] == len(orphans) == 1480
    assert refs["product"]["missing_values"] == [{"value": "GTXPro", "rows": 1480}]
    assert refs["product"]["orphan_ids"] == sorted(orphans.opportunity_id)
    assert refs["account"]["orphans"] == 0 and refs["sales_agent"]["orphans"] == 0
    score = doc["score"]
    failing = set(orphans.opportunity_id) | set(p.loc[p.account.isna(), "opportunity_id"])
    assert score["failing_records"] == len(failing)
    assert score["overall"] == round(1 - len(failing) / len(p), 6)
    assert score["dimensions"]["validity"] == 1.0  # dates and amounts are all well formed


def test_maven_reconciliation_against_list_prices(maven) -> None:  # type: ignore[no-untyped-def]
    doc, p, products = maven
    r = doc["reconciliation"][0]
    won = p[p.deal_stage == "Won"].copy()
    won["month"] = won.close_date.str[:7]
    won["value"] = won.close_value.astype(float)
    won = won.merge(products[["product", "sales_price"]], on="product", how="left")
    assert r["left_total"] == pytest.approx(won.value.sum())
    assert r["right_total"] == pytest.approx(won.sales_price.sum())
    assert r["lookup_unmatched"] == {"right": [{"value": "GTXPro", "rows": int(won.sales_price.isna().sum())}]}
    by_month = won.groupby("month").agg(left=("value", "sum"), right=("sales_price", "sum"))
    got = {d["period"]: (d["left"], d["right"]) for d in r["by_period"]}
    assert set(got) == set(by_month.index)
    for month, row in by_month.iterrows():
        assert got[month] == (pytest.approx(row.left), pytest.approx(row.right))
    cells = won.groupby(["month", "sales_agent"]).agg(left=("value", "sum"), right=("sales_price", "sum"))
    differing = cells[(cells.left - cells.right).abs() > 0.05 * cells[["left", "right"]].abs().max(axis=1)]
    assert len(r["cells"]) == len(differing)
    assert r["matches"] is False


def test_olist_closed_deals_vs_mqls() -> None:
    root = real("olist-marketing-funnel")
    deals_f, mqls_f = root / "olist_closed_deals_dataset.csv", root / "olist_marketing_qualified_leads_dataset.csv"
    rules = {
        "validity": {"min_date": "2017-01-01", "as_of": "2019-01-01"},
        "entities": {
            "deals": {
                "source": deals_f.name,
                "id": "mql_id",
                "required": ["business_segment", "lead_type", "business_type"],
                "references": [{"column": "mql_id", "entity": "mqls", "key": "mql_id"}],
            },
            "mqls": {"source": mqls_f.name, "id": "mql_id", "required": ["origin"]},
        },
        "reconciliation": [
            {
                "name": "closed deals vs MQLs",
                "period": "none",
                "left": {"entity": "mqls", "key": "mql_id"},
                "right": {"entity": "deals", "key": "mql_id"},
            }
        ],
        "date_order": [
            {
                "name": "won after first contact",
                "earlier": {"entity": "mqls", "column": "first_contact_date"},
                "later": {"entity": "deals", "column": "won_date"},
                "join": "mql_id",
            }
        ],
    }
    doc = assess_quality([deals_f, mqls_f], rules=rules).data
    validate(doc)
    deals, mqls = pd.read_csv(deals_f, dtype=str), pd.read_csv(mqls_f, dtype=str)
    missing = deals[deals[["business_segment", "lead_type", "business_type"]].isna().any(axis=1)]
    assert doc["completeness"]["missing_ids"] == sorted(missing.mql_id)
    assert len(missing) == 17  # 10 without business_type, 6 without lead_type, 1 without a segment
    m = next(e for e in doc["entities"] if e["name"] == "mqls")
    assert m["completeness"]["missing_ids"] == sorted(mqls.loc[mqls.origin.isna(), "mql_id"])
    assert len(m["completeness"]["missing_ids"]) == 60
    assert doc["entities"][0]["references"][0]["orphans"] == 0
    r = doc["reconciliation"][0]
    assert (r["left_total"], r["right_total"]) == (len(mqls), len(deals)) == (8000, 842)
    assert r["only_right_count"] == 0
    assert r["only_left_count"] == len(set(mqls.mql_id) - set(deals.mql_id)) == 7158
    joined = deals.merge(mqls, on="mql_id")
    early = joined[pd.to_datetime(joined.won_date).dt.normalize() < pd.to_datetime(joined.first_contact_date)]
    order = doc["consistency"]["date_order"][0]
    assert (order["checked"], order["violation_ids"]) == (len(joined), sorted(early.mql_id))
    assert len(early) == 1
    assert doc["score"]["failing_records"] == len(set(missing.mql_id) | set(early.mql_id)) == 18
    assert doc["validity"]["date"]["invalid"] == 0
    assert doc["validity"]["amount"]["checked"] == int(deals.declared_monthly_revenue.notna().sum())


def test_bpic2013_status_matrix_and_sequences() -> None:
    path = real("bpic2013-volvo-itsm/BPI_Challenge_2013_closed_problems.csv")
    rules = {
        "entities": {
            "problems": {
                "source": path.name,
                "id": "Case ID",
                "duplicates": False,
                "required": ["Resource", "product"],
                "matrices": [
                    {
                        "name": "status × sub-status",
                        "columns": ["concept:name", "lifecycle:transition"],
                        "allowed": [
                            ["Queued", "Awaiting Assignment"],
                            ["Accepted", "In Progress"],
                            ["Accepted", "Assigned"],
                            ["Accepted", "Wait"],
                            ["Completed", "Closed"],
                            ["Completed", "Cancelled"],
                        ],
                    }
                ],
            }
        },
        "sequences": [
            {
                "name": "no work after completion",
                "log": str(path),
                "entity": "problems",
                "forbidden": [["Completed", "Accepted"], ["Completed", "Queued"]],
            }
        ],
    }
    doc = assess_quality([path], rules=rules).data
    validate(doc)
    f = pd.read_csv(path, dtype=str)
    m = doc["consistency"]["matrices"][0]
    bad = f[f["concept:name"] == "Unmatched"]
    assert m["violations"] == len(bad) == 10
    assert m["violation_ids"] == sorted(set(bad["Case ID"]))
    # Directly-follows in each case, ordered by time then file order (as the store does).
    f["row"] = range(len(f))
    f = f.sort_values(["Case ID", "Complete Timestamp", "row"], kind="mergesort")
    f["next"] = f.groupby("Case ID")["concept:name"].shift(-1)
    pairs = f[f["concept:name"].eq("Completed") & f["next"].isin(["Accepted", "Queued"])]
    seq = doc["consistency"]["sequences"][0]
    got = {(v["source"], v["target"]): v["count"] for v in seq["violations"]}
    want = pairs.groupby(["concept:name", "next"]).size().to_dict()
    assert got == want
    assert seq["violating_case_ids"] == sorted(set(pairs["Case ID"]))
    assert seq["transitions"] == len(f) - f["Case ID"].nunique()
    s = doc["score"]
    assert s["failing_by_dimension"]["consistency"] == len(set(bad["Case ID"]) | set(pairs["Case ID"]))
