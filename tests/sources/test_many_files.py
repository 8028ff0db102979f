"""Several HubSpot page files are read as one source and staged once, and nothing of them is lost."""

from __future__ import annotations

import json
from pathlib import Path

from crmflow.demo.crm_exports import generate_deals
from crmflow.demo.crm_exports_sf_hs import write_hubspot_exports
from crmflow.sources.reader import read_log


def test_page_files_are_one_source_and_keep_their_names_in_the_quarantine(tmp_path: Path) -> None:
    hs = write_hubspot_exports(generate_deals(n_deals=12, seed=3), tmp_path, page_size=4)
    assert len(hs.deals) == 3
    page = json.loads(hs.deals[1].read_text(encoding="utf-8"))
    del page["results"][1]["propertiesWithHistory"]  # the second deal of the second file has no stage history
    hs.deals[1].write_text(json.dumps(page), encoding="utf-8")
    single = read_log(hs.deals[0], hs.pipelines, hs.owners)

    log = read_log(*hs.deals, hs.pipelines, hs.owners)

    sources = [(i["source"], i["rows_read"], i["parsed"], i["quarantined"]) for i in log.ingestions()]
    events = [s for s in sources if s[1]]
    assert events == [("deals.00001.json … deals.00003.json (3 files)", log.rows_read, log.n_events, 1)]
    (q,) = log.quarantine()
    assert (q["source"], q["kind"]) == ("deals.00002.json", "no_stage_history")
    assert q["reason"].startswith(f"deal {page['results'][1]['id']}: no stage history")
    assert q["row_no"] == _entries(page["results"][0]) + 1  # its number within its own file
    assert log.n_events + log.quarantined == log.rows_read and log.rows_read > single.n_events
    assert log.store.scalar(f"SELECT count(DISTINCT row_no) FROM {log.events_table}") == log.n_events


def _entries(deal: dict[str, object]) -> int:
    hist = deal.get("propertiesWithHistory")
    return len(hist["dealstage"]) if isinstance(hist, dict) else 1
