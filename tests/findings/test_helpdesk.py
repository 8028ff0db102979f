"""Smoke test on the real help-desk log, cross-checked with an independent pandas computation."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from crmflow.findings.detect import detect_findings
from crmflow.findings.rules import load_rules
from crmflow.store.store import EventStore
from tests.conftest import real

RULES = {
    "sla": [
        {
            "name": "take-in-charge",
            "from": "Assign seriousness",
            "to": "Take in charge ticket",
            "within": "1d",
            "time": "calendar",
        }
    ],
    "end_activities": ["Closed"],
    "stuck_after": "30d",
    "stages": ["Assign seriousness", "Take in charge ticket", "Resolve ticket", "Closed"],
}


@pytest.fixture(scope="module")
def helpdesk():
    r4pm = pytest.importorskip("r4pm")
    item = r4pm.import_item("EventLog", str(real("helpdesk.xes.gz")))
    df = r4pm.item_to_df(item)
    store = EventStore()
    store.con.register("hd_src", df.to_arrow() if hasattr(df, "to_arrow") else pa.Table.from_pandas(df))
    store.sql(
        'CREATE TABLE hd AS SELECT row_number() OVER ()::BIGINT AS row_no, "case:concept:name" AS case_id, '
        '"concept:name" AS activity, "time:timestamp"::TIMESTAMPTZ AS ts, "org:resource" AS resource, '
        "NULL::VARCHAR AS role, NULL::VARCHAR AS lifecycle FROM hd_src"
    )
    log = store.materialize(["hd"], log_name="helpdesk")
    pdf = log.to_pandas(xes_names=False)  # sorted by case and time, ties in input order
    return log, pdf


def test_helpdesk_findings(helpdesk) -> None:
    log, ev = helpdesk
    assert (log.n_events, log.n_cases) == (21348, 4580)
    report = detect_findings(log, load_rules(RULES))
    kinds = {f.kind for f in report.findings}
    assert {"bottleneck", "rework", "stuck_case", "sla_violation", "funnel_drop"} <= kinds

    # ---- closed: from the first "Closed" on; 17 tickets have events after it (a real log does that)
    ev = ev.assign(pos=ev.groupby("case_id").cumcount())
    close_pos = ev[ev.activity == "Closed"].groupby("case_id").pos.min()
    close_ts = ev[ev.activity == "Closed"].groupby("case_id").ts.min()
    after = ev[ev.pos > ev.case_id.map(close_pos).fillna(10**9)]
    assert (report.events_after_closing, report.cases_after_closing) == (len(after), after.case_id.nunique()) == (19, 17)
    assert len(report.warnings) == 1 and "19" in report.warnings[0]
    log_end = ev["ts"].max()
    frm = ev[ev.activity == "Assign seriousness"].groupby("case_id").first()[["pos", "ts"]]
    to = ev[ev.activity == "Take in charge ticket"].merge(frm, left_on="case_id", right_index=True, suffixes=("", "_from"))
    first_to = to[to.pos > to.pos_from].groupby("case_id").ts.min()
    took = (first_to - frm.loc[first_to.index, "ts"]).dt.total_seconds()
    open_ids = frm.index.difference(first_to.index)
    # the clock of a ticket closed without being taken in charge stops at its closing event
    stop = pd.Series(log_end, index=open_ids)
    closed_after = [i for i in open_ids if i in close_pos.index and close_pos[i] >= frm.loc[i, "pos"]]
    stop[closed_after] = close_ts[closed_after]
    open_s = (stop - frm.loc[open_ids, "ts"]).dt.total_seconds()
    (sla,) = report.sla
    assert sla.cases_checked == len(frm)
    assert sla.completed == len(first_to)
    assert sla.late == int((took > 86400).sum())
    assert sla.open_breaches == int((open_s > 86400).sum())
    assert sla.median_s == pytest.approx(took.median())
    assert sla.max_s == pytest.approx(took.max())
    assert sum(sla.histogram.counts) == sla.completed
    assert 0 < sla.violations < sla.cases_checked

    # ---- stuck: never Closed and idle for more than 30 days before the log's end
    last = ev.groupby("case_id").last()
    idle = (log_end - last.ts).dt.total_seconds()
    never_closed = ~last.index.isin(close_pos.index)
    stuck = last[never_closed & (idle > 30 * 86400)]
    (f,) = [f for f in report.findings if f.kind == "stuck_case"]
    assert f.evidence.case_count == len(stuck) > 0
    assert f.metrics["open_cases"] == int(never_closed.sum())
    assert set(f.evidence.case_ids) <= set(stuck.index)
    assert f.evidence.activities[0] == stuck.activity.value_counts().index[0]

    # ---- rework and waiting: the process -- after closing only repeats of the case's earlier steps
    cut = ev.case_id.map(close_pos).fillna(10**9)
    before = ev[ev.pos <= cut]
    seen = set(zip(before.case_id, before.activity, strict=True))
    keep = (ev.pos <= cut) | pd.Series([(c, a) in seen for c, a in zip(ev.case_id, ev.activity, strict=True)], index=ev.index)
    ev = ev[keep]
    per = ev.groupby(["case_id", "activity"]).size()
    repeated = per[per > 1]
    by_act = repeated.groupby(level="activity").size()
    for r in (f for f in report.findings if f.kind == "rework" and f.metrics["type"] == "repeat"):
        a = r.metrics["activity"]
        assert r.metrics["cases"] == by_act[a]
        assert r.metrics["extra_executions"] == int((repeated.xs(a, level="activity") - 1).sum())

    # ---- bottleneck: top transition by total waiting time
    nxt = ev.groupby("case_id").activity.shift(-1)
    wait = (ev.groupby("case_id").ts.shift(-1) - ev.ts).dt.total_seconds()
    tr = pd.DataFrame({"a": ev.activity, "b": nxt, "w": wait}).dropna().groupby(["a", "b"]).w.agg(["sum", "count"])
    top = tr["sum"].idxmax()
    (b,) = [f for f in report.findings if f.kind == "bottleneck" and f.key == f"{top[0]} -> {top[1]}"]
    assert b.metrics["count"] == tr.loc[top, "count"]
    assert b.metrics["share_of_waiting"] == pytest.approx(tr.loc[top, "sum"] / tr["sum"].sum())

    # ---- funnel: reaching a stage = having it or a later one
    idx = {s: i for i, s in enumerate(RULES["stages"])}
    furthest = ev[ev.activity.isin(idx)].assign(i=lambda d: d.activity.map(idx)).groupby("case_id").i.max()
    assert [s.cases for s in report.funnel.stages] == [int((furthest >= i).sum()) for i in range(4)]

    assert report.to_dict()["findings"]
    assert all(len(f.evidence.case_ids) <= 200 for f in report.findings)
