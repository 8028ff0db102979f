"""No record is lost: for any mix of good and broken API records, events + quarantined = records read,
and exactly the broken records are quarantined (hypothesis)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmflow.sources.reader import read_log
from crmflow.store.store import EventLog

_BREAK = ("ok", "drop_case", "drop_stage", "drop_time", "bad_time", "not_object")


def _read(doc: Any, name: str) -> EventLog:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return read_log(p)


def _bitrix_item(i: int, how: str) -> Any:
    item: dict[str, Any] = {"ID": i, "TYPE_ID": 2, "OWNER_ID": 100 + i % 7, "CATEGORY_ID": 1,
                            "CREATED_TIME": f"2024-05-{1 + i % 28:02d}T10:{i % 60:02d}:00+03:00",
                            "STAGE_SEMANTIC_ID": "P", "STAGE_ID": f"C1:S{i % 4}"}  # fmt: skip
    if how == "drop_case":
        del item["OWNER_ID"]
    elif how == "drop_stage":
        del item["STAGE_ID"]
    elif how == "drop_time":
        del item["CREATED_TIME"]
    elif how == "bad_time":
        item["CREATED_TIME"] = "01.05.2024"
    elif how == "not_object":
        return [item]
    return item


def _amo_event(i: int, how: str) -> Any:
    ev: dict[str, Any] = {"id": f"e{i}", "type": "lead_status_changed", "entity_id": 100 + i % 7,
                          "entity_type": "lead", "created_by": 1, "created_at": 1714550400 + 60 * i,
                          "value_before": [{"lead_status": {"id": 10, "pipeline_id": 5}}],
                          "value_after": [{"lead_status": {"id": 11 + i % 3, "pipeline_id": 5}}]}  # fmt: skip
    if how == "drop_case":
        del ev["entity_id"]
    elif how == "drop_stage":
        ev["value_after"] = []
    elif how == "drop_time":
        del ev["created_at"]
    elif how == "bad_time":
        ev["created_at"] = "2024-05-01"
    elif how == "not_object":
        return None
    return ev


plans = st.lists(st.sampled_from(_BREAK), min_size=1, max_size=60).filter(lambda p: "ok" in p)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans, page_size=st.integers(min_value=1, max_value=50))
def test_bitrix_stagehistory(plan: list[str], page_size: int) -> None:
    items = [_bitrix_item(i, how) for i, how in enumerate(plan)]
    pages = [{"result": {"items": items[k : k + page_size]}, "total": len(items)} for k in range(0, len(items), page_size)]
    log = _read(pages, "history.json")
    broken = sum(how != "ok" for how in plan)
    assert log.rows_read == len(plan)
    assert log.quarantined == broken
    assert log.n_events == len(plan) - broken
    rows = sorted(r["row_no"] for r in log.quarantine())
    assert rows == [i + 1 for i, how in enumerate(plan) if how != "ok"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans, page_size=st.integers(min_value=1, max_value=50))
def test_amocrm_events(plan: list[str], page_size: int) -> None:
    events = [_amo_event(i, how) for i, how in enumerate(plan)]
    pages = [{"_page": n, "_links": {}, "_embedded": {"events": events[k : k + page_size]}}
             for n, k in enumerate(range(0, len(events), page_size), start=1)]  # fmt: skip
    log = _read(pages, "events.json")
    broken = sum(how != "ok" for how in plan)
    assert (log.rows_read, log.quarantined, log.n_events) == (len(plan), broken, len(plan) - broken)
    rows = sorted(r["row_no"] for r in log.quarantine())
    assert rows == [i + 1 for i, how in enumerate(plan) if how != "ok"]
    for r in log.quarantine():
        page, record = divmod(int(r["row_no"]) - 1, page_size)
        assert f"events.json page {page + 1}, record {record + 1}" in r["reason"]
