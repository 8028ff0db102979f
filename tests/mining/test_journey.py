"""Customer journeys: the numbers equal the generator's truth and plain SQL on Olist."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from crmflow.demo.journeys import STAGES, generate_journeys
from crmflow.errors import InputError
from crmflow.mining.journey import StageSpec, discover_customer_journey, parse_journey_spec
from crmflow.sources.object_model import build_object_log, load_object_model
from tests.conftest import ROOT, real

OLIST_MODEL = ROOT / "src" / "crmflow" / "architecture" / "examples" / "olist-objects.yaml"


@pytest.mark.parametrize("seed", [1, 7])
def test_synthetic_journey_equals_the_truth(tmp_path: Path, seed: int) -> None:
    demo = generate_journeys(tmp_path, customers=300, seed=seed)
    model = load_object_model(demo.model)
    ocl = build_object_log(model, list(demo.tables.values()), name="crm").log
    journey = discover_customer_journey(ocl, **parse_journey_spec(model.journey))
    assert journey.customers == demo.customers
    assert [s.name for s in journey.stages] == [s[0] for s in STAGES]
    previous = demo.customers
    for stage in journey.stages:
        truth = demo.truth[stage.name]
        assert (stage.reached, stage.dropped, stage.skipped) == (truth.reached, truth.dropped, truth.skipped), stage.name
        assert stage.conversion == pytest.approx(truth.reached / previous)
        previous = truth.reached
        for got, want in (
            (stage.days_from_start, truth.days_from_start),
            (stage.days_from_previous, truth.days_from_previous),
            (stage.touchpoints, truth.touchpoints),
        ):
            assert got.n == want[0]
            assert got.median == pytest.approx(want[1]) and got.p90 == pytest.approx(want[2])
        assert {c.channel: c.customers for c in stage.channels} == truth.channels
        assert len(stage.dropped_sample) == min(10, truth.dropped)
    assert demo.truth["Ticket"].skipped > 0  # tickets of customers who never paid are reported, not hidden
    json.loads(journey.to_json())  # JSON-serialisable


def test_unordered_journey_counts_each_stage_on_its_own(tmp_path: Path) -> None:
    demo = generate_journeys(tmp_path, customers=200, seed=5)
    model = load_object_model(demo.model)
    ocl = build_object_log(model, list(demo.tables.values()), name="crm").log
    spec = parse_journey_spec({**model.journey, "ordered": False})
    journey = discover_customer_journey(ocl, **spec)
    t = demo.truth["Ticket"]
    assert journey.stage("Ticket").reached == t.reached + t.skipped
    assert journey.stage("Ticket").skipped == 0


def test_olist_funnel_matches_plain_sql() -> None:
    d = real("olist-marketing-funnel")
    mql, deals = d / "olist_marketing_qualified_leads_dataset.csv", d / "olist_closed_deals_dataset.csv"
    ocl = build_object_log(OLIST_MODEL, [mql, deals], name="olist").log
    journey = discover_customer_journey(ocl, **parse_journey_spec(load_object_model(OLIST_MODEL).journey))
    lead, won = journey.stages
    assert (journey.customers, lead.reached, won.reached, won.dropped) == (8000, 8000, 842, 7158)
    assert won.conversion == pytest.approx(842 / 8000)
    days = "(epoch(d.won_date::TIMESTAMP) - epoch(m.first_contact_date::TIMESTAMP)) / 86400"
    med, p90 = duckdb.sql(
        f"SELECT quantile_cont({days}, 0.5), quantile_cont({days}, 0.9) FROM '{deals}' d JOIN '{mql}' m USING (mql_id)"
    ).fetchall()[0]
    assert won.days_from_previous.median == pytest.approx(med) and won.days_from_previous.p90 == pytest.approx(p90)
    assert round(won.days_from_previous.median, 2) == 14.65
    by_origin = dict(
        duckdb.sql(f"SELECT coalesce(origin, ''), count(*) FROM '{deals}' d JOIN '{mql}' m USING (mql_id) GROUP BY 1").fetchall()
    )
    assert {c.channel: c.customers for c in won.channels} == by_origin


def test_bad_stage_definitions_are_explained(tmp_path: Path) -> None:
    demo = generate_journeys(tmp_path, customers=20)
    ocl = build_object_log(demo.model, list(demo.tables.values())).log
    with pytest.raises(InputError, match="no object type 'contract'"):
        discover_customer_journey(ocl, anchor_type="lead", stages=[StageSpec("X", ("contract",))])
    with pytest.raises(InputError, match="no activity 'Sign'"):
        discover_customer_journey(ocl, anchor_type="lead", stages=[StageSpec("X", activities=("Sign",))])
    with pytest.raises(InputError, match="give an object type or activities"):
        StageSpec("empty")
    with pytest.raises(InputError, match="unknown key"):
        parse_journey_spec({"anchor": "lead", "stages": [], "colour": 1})


def test_links_through_shared_events_and_depth() -> None:
    from crmflow.ingest.ocel import read_ocel

    ocl = read_ocel(ROOT / "tests" / "data" / "ocel" / "orders.jsonocel")
    stages = [StageSpec("Order", ("order",)), StageSpec("Item", ("item",))]
    shallow = discover_customer_journey(ocl, anchor_type="клиент", stages=stages, max_depth=1)
    assert [s.reached for s in shallow.stages] == [1, 0]  # c1 → o1 by O2O; items are two links away
    deep = discover_customer_journey(ocl, anchor_type="клиент", stages=stages, max_depth=2)
    assert [s.reached for s in deep.stages] == [1, 1]
    assert deep.stages[1].touchpoints.median == 1.0  # e1 created the order with its items at once
    shared = discover_customer_journey(ocl, anchor_type="клиент", stages=stages, max_depth=1, via_events=True)
    assert [s.reached for s in shared.stages] == [1, 1]
    assert shared.customers == deep.customers == 1
