"""Salesforce OpportunityHistory and HubSpot propertiesWithHistory of the same deals give the same
process as the generic event log: directly-follows graph, variants and case durations."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.demo.crm_exports import generate_deals, write_event_log_csv
from crmflow.demo.crm_exports_sf_hs import opportunity_id, write_hubspot_exports, write_salesforce_exports
from crmflow.mining.dfg import discover_dfg
from crmflow.mining.durations import get_case_durations
from crmflow.mining.variants import get_variants
from crmflow.sources.reader import read_log
from crmflow.store.store import EventLog

N_DEALS = 150


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EventLog]:
    out: Path = tmp_path_factory.mktemp("same_sf_hs")
    deals = generate_deals(n_deals=N_DEALS, seed=23)
    sf = write_salesforce_exports(deals, out / "salesforce")
    hs = write_hubspot_exports(deals, out / "hubspot", page_size=40)
    return {
        "generic": read_log(write_event_log_csv(deals, out / "log.csv"), timezone="UTC"),
        "salesforce": read_log(sf.opportunity_history, timezone="Europe/Moscow"),
        # dictionaries given after the deal pages, in another folder's order: the reader loads them first
        "hubspot": read_log(*hs.deals, hs.pipelines, hs.owners, timezone="Asia/Vladivostok"),
    }


def _dfg(log: EventLog) -> dict[tuple[str, str], tuple[int, int, float | None, float | None]]:
    return {(e.source, e.target): (e.count, e.cases, e.mean_s, e.median_s) for e in discover_dfg(log).edges}


def _durations(log: EventLog, key: dict[str, str] | None = None) -> dict[str, float]:
    t = get_case_durations(log)
    ids = [key.get(c, c) if key else c for c in t["case_id"].to_pylist()]
    return dict(zip(ids, t["duration_s"].to_pylist(), strict=True))


@pytest.mark.parametrize("vendor", ["salesforce", "hubspot"])
def test_same_dfg_and_variants(logs: dict[str, EventLog], vendor: str) -> None:
    want, got = discover_dfg(logs["generic"]), discover_dfg(logs[vendor])
    assert len(want.edges) > 10
    assert _dfg(logs[vendor]) == _dfg(logs["generic"])
    assert got.start_activities == want.start_activities and got.end_activities == want.end_activities
    assert get_variants(logs[vendor]).counts() == get_variants(logs["generic"]).counts()


def test_same_case_durations(logs: dict[str, EventLog]) -> None:
    want = _durations(logs["generic"])
    back = {opportunity_id(int(c)): c for c in want}
    assert _durations(logs["salesforce"], back) == want
    assert _durations(logs["hubspot"]) == want


def test_amount_only_rows_are_counted_not_lost(logs: dict[str, EventLog]) -> None:
    sf = logs["salesforce"]
    reasons = {r["kind"]: r["rows"] for r in sf.quarantine_reasons()}
    assert set(reasons) == {"not_a_stage_change"} and reasons["not_a_stage_change"] > 10
    assert sf.n_events + sf.quarantined == sf.rows_read
    assert sf.n_events == logs["generic"].n_events
    hs = logs["hubspot"]
    assert hs.quarantined == 0 and hs.n_events == logs["generic"].n_events
    # updatedByUserId resolved through the owners file: "First Last" of the generic log's "Last First"
    generic = logs["generic"].store.scalar(f"SELECT list(DISTINCT resource) FROM {logs['generic'].events_table}")
    got = hs.store.scalar(f"SELECT list(DISTINCT resource) FROM {hs.events_table}")
    assert set(got) == {" ".join(reversed(u.split())) for u in generic}
