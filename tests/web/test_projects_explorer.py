"""Import → mapping → quarantine → audit through the API, and the explorer cross-checked against the library."""

from __future__ import annotations

import json

import pytest

import crmflow
from crmflow.demo.bitrix import BitrixDemo
from crmflow.mining.filters import filter_attribute_values, filter_case_performance, filter_time_range, filter_variants_top_k
from crmflow.web.explorer import CaseFilter, process_map
from tests.web.helpers import Site, signed_in


def test_upload_shows_mapping_and_quarantine_with_reasons(audited: Site, bitrix: BitrixDemo) -> None:
    c, _ = signed_in(audited, "alice")
    p = c.get("/api/projects/demo").json()
    assert p["events"] == bitrix.n_valid_rows and p["cases"] == bitrix.n_deals
    (src,) = p["sources"]
    assert (
        src["mapping"]["case_id"] == "ID сделки"
        and src["mapping"]["activity"] == "Стадия"
        and src["mapping"]["timestamp"] == "Дата"
    )
    assert src["info"]["encoding"] == "cp1251" and src["info"]["delimiter"] == ";"
    assert sum(r["rows"] for r in p["quarantine"]) == bitrix.n_data_rows - bitrix.n_valid_rows
    assert all(r["reason"] for r in p["quarantine"])
    page = c.get("/p/demo").text
    assert "ID сделки" in page and "quarantine-reasons" in page and "31.02.2025" in page  # a bad date shown with its value


def test_kpis_equal_audit_json(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    doc = c.get("/api/projects/demo/audit").json()
    written = json.loads((audited.data / "projects" / "demo" / "audit" / "audit.json").read_text(encoding="utf-8"))
    assert doc == written
    k = c.get("/api/projects/demo/kpis").json()
    assert (k["cases"], k["events"], k["variants"]) == (doc["log"]["cases"], doc["log"]["events"], doc["log"]["variants"])
    assert k["median_cycle_s"] == doc["case_durations"]["median_s"] and k["p90_cycle_s"] == doc["case_durations"]["p90_s"]
    assert [(s["name"], s["compliance"], s["violations"]) for s in k["sla"]] == [
        (s["name"], s["compliance"], s["violations"]) for s in doc["sla"]
    ]
    assert [f["cases"] for f in k["funnel"]] == [s["cases"] for s in doc["funnel"]["stages"]]
    assert k["quarantined"] == doc["log"]["quarantined"]


def test_a_findings_cases_are_the_audits_evidence(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    doc = c.get("/api/projects/demo/audit").json()
    findings = c.get("/api/projects/demo/findings").json()
    i = next(f["index"] for f in findings if f["kind"] == "bottleneck")
    rows = c.get(f"/api/projects/demo/cases?finding={i}").json()
    assert {r["case_id"] for r in rows} == set(doc["findings"][i]["evidence"]["case_ids"])


def test_edge_cases_and_timeline(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    rows = c.get("/api/projects/demo/cases", params={"source": "Договор подписан", "target": "Счёт выставлен"}).json()
    assert rows and all(r["wait_s"] >= 0 for r in rows)
    assert [r["wait_s"] for r in rows] == sorted((r["wait_s"] for r in rows), reverse=True)
    events = c.get(f"/api/projects/demo/cases/{rows[0]['case_id']}").json()
    acts = [e["activity"] for e in events]
    i = acts.index("Договор подписан")
    assert acts[i + 1] == "Счёт выставлен"
    assert c.get("/api/projects/demo/cases/no-such-case").status_code == 404


def test_map_at_full_sliders_is_the_dfg(bitrix: BitrixDemo) -> None:
    log = crmflow.read_log(bitrix.csv_path)
    m = process_map(log, CaseFilter())
    names = {n.id: n.label for n in m.nodes}
    got = {(names[e.source], names[e.target]): e.count for e in m.edges if e.source in names and e.target in names}
    assert got == crmflow.discover_dfg(log).counts()
    assert {names[e.target]: e.count for e in m.edges if e.source == "__start__"} == crmflow.get_start_activities(log)
    assert {names[e.source]: e.count for e in m.edges if e.target == "__end__"} == crmflow.get_end_activities(log)


def test_activity_slider_reconnects_like_an_event_filter(bitrix: BitrixDemo) -> None:
    log = crmflow.read_log(bitrix.csv_path)
    m = process_map(log, CaseFilter(), activities=50)
    kept = [n.label for n in m.nodes]
    assert 0 < len(kept) < m.activities_total
    names = {n.id: n.label for n in m.nodes}
    got = {(names[e.source], names[e.target]): e.count for e in m.edges if e.source in names and e.target in names}
    expected = crmflow.discover_dfg(filter_attribute_values(log, "activity", kept, level="event")).counts()
    assert got == expected


def test_path_slider_keeps_every_activity_connected(bitrix: BitrixDemo) -> None:
    log = crmflow.read_log(bitrix.csv_path)
    full = process_map(log, CaseFilter())
    thin = process_map(log, CaseFilter(), paths=0)
    assert len(thin.edges) < len(full.edges)
    for n in thin.nodes:
        assert any(e.target == n.id for e in thin.edges) and any(e.source == n.id for e in thin.edges)


@pytest.mark.parametrize(
    ("f", "library"),
    [
        (
            CaseFilter(start="2025-10-01", end="2026-01-15"),
            lambda log: filter_time_range(log, "2025-10-01", "2026-01-15", mode="contained"),
        ),
        (CaseFilter(top_variants=3), lambda log: filter_variants_top_k(log, 3)),
        (
            CaseFilter(min_duration_s=86400, max_duration_s=10 * 86400),
            lambda log: filter_case_performance(log, 86400, 10 * 86400),
        ),
        (
            CaseFilter(attribute="Источник", values=("Рекомендация", "Сайт")),
            lambda log: filter_attribute_values(log, "Источник", ["Рекомендация", "Сайт"]),
        ),
    ],
)
def test_filters_select_the_cases_the_library_filters_select(bitrix: BitrixDemo, f: CaseFilter, library: object) -> None:
    log = crmflow.read_log(bitrix.csv_path)
    m = process_map(log, f)
    ref = library(log)  # type: ignore[operator]
    assert 0 < m.cases < log.n_cases
    assert (m.cases, m.events) == (ref.n_cases, ref.n_events)
    names = {n.id: n.label for n in m.nodes}
    got = {(names[e.source], names[e.target]): e.count for e in m.edges if e.source in names and e.target in names}
    assert got == crmflow.discover_dfg(ref).counts()


def test_bad_filter_values_are_clear_errors(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    r = c.get("/api/projects/demo/map", params={"attribute": "no_such_column", "values": "x"})
    assert r.status_code == 400 and "no attribute 'no_such_column'" in r.json()["detail"]
    assert c.get("/api/projects/demo/map", params={"activities": 101}).status_code == 422
    assert c.get("/api/projects/nope/map").status_code == 404


def test_an_edited_mapping_reimports_the_source(site: Site) -> None:
    c, _ = signed_in(site, "alice")
    c.post("/api/projects", json={"name": "odd"})
    rows = [
        "Ticket;Step;Moment;Who",
        "T1;Opened;2025-03-03 10:00;ann",
        "T1;Closed;2025-03-04 10:00;bob",
        "T2;Opened;2025-03-05 09:00;ann",
    ]
    csv = ("\n".join(rows) + "\n").encode()
    r = c.post("/api/projects/odd/upload", files={"file": ("odd.csv", csv)})
    assert r.status_code == 400 and "Ticket" in r.json()["detail"]  # the error names the columns it saw
    r = c.put(
        "/api/projects/odd/mapping",
        json={"mapping": {"case_id": "Ticket", "activity": "Step", "timestamp": "Moment", "resource": "Who"}},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["events"], r.json()["cases"]) == (3, 2)
    (src,) = c.get("/api/projects/odd").json()["sources"]
    assert src["mapping"]["activity"] == "Step"
    assert c.put("/api/projects/odd/mapping", json={"mapping": {"colour": "Step"}}).status_code == 400


def test_control_chart_limits_and_sigma_levels(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    out = c.get("/api/projects/demo/control").json()
    chart = out["cycle_time_imr"]
    values = [p["value"] for p in chart["points"]]
    assert len(values) >= 20  # ~170 days of the demo export, by week
    mr = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    assert chart["centre"] == pytest.approx(sum(values) / len(values))
    assert chart["ucl"] == pytest.approx(chart["centre"] + 2.66 * sum(mr) / len(mr))
    assert [p["out"] for p in chart["points"]] == [not chart["lcl"] <= v <= chart["ucl"] for v in values]
    doc = c.get("/api/projects/demo/audit").json()
    first = next(s for s in doc["sla"] if s["name"] == "first-contact")
    from statistics import NormalDist

    assert out["sla_sigma"]["first-contact"] == pytest.approx(NormalDist().inv_cdf(first["compliance"]) + 1.5)
    charts = {c["sla"]: c for c in out["sla_p_charts"]}
    assert set(charts) == {s["name"] for s in doc["sla"]}  # both lists of violating cases are complete in the demo
    for s in doc["sla"]:
        pts = charts[s["name"]]["points"]
        assert sum(p["n"] for p in pts) == s["cases_checked"] and sum(p["breaches"] for p in pts) == s["violations"]
        assert charts[s["name"]]["p_bar"] == pytest.approx(1 - s["compliance"])


def test_nps_and_ces_from_a_survey_joined_by_deal_id(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    doc = c.get("/api/projects/demo/audit").json()
    cases = [r["case_id"] for r in c.get("/api/projects/demo/cases", params={"finding": 0}).json()][:6]
    lines = ["ID сделки;Оценка NPS;CES"]
    scores = [10, 9, 8, 6, 3, 10]
    lines += [f"{case};{s};{1 + i % 7}" for i, (case, s) in enumerate(zip(cases, scores, strict=True))]
    lines += [";9;2", "no-such-deal;9;2", f"{cases[0]};11;2", f"{cases[1]};abc;2"]
    r = c.post("/api/projects/demo/survey", files={"file": ("survey.csv", ("\n".join(lines) + "\n").encode("cp1251"))})
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["rows"], s["matched"], s["problem_count"]) == (10, 6, 4)
    assert s["nps"] == pytest.approx(100 * (3 - 2) / 6)
    assert s["ces"] == pytest.approx(sum(1 + i % 7 for i in range(6)) / 6)
    assert {p["kind"] for p in s["problems"]} == {"survey_no_key", "survey_no_case", "survey_bad_score"}
    assert sum(o["responses"] for o in s["by_outcome"]) == 6
    assert c.get("/api/projects/demo/survey").json() == s
    bad = c.post("/api/projects/demo/survey", files={"file": ("x.csv", b"a;b\n1;2\n")})
    assert bad.status_code == 400 and "headers are a, b" in bad.json()["detail"]
    assert doc  # the audit is untouched by a survey


def test_a_library_error_is_worded_in_the_users_language(site: Site) -> None:
    """The app's error handler words a crmflow error in the UI's language (from its key and parameters)."""
    c, _ = signed_in(site, "alice")
    c.post("/api/projects", json={"name": "odd"})
    csv = b"Ticket;Step;Moment\nT1;Opened;2025-03-03 10:00\nT1;Closed;2025-03-04 10:00\n"
    c.post("/api/projects/odd/upload", files={"file": ("odd.csv", csv)})
    bad = {"mapping": {"case_id": "Ticket", "activity": "Step", "timestamp": "Moment", "colour": "Step"}}
    en = c.put("/api/projects/odd/mapping", json=bad, headers={"Accept-Language": "en"})
    ru = c.put("/api/projects/odd/mapping", json=bad, headers={"Accept-Language": "ru-RU"})
    assert en.status_code == ru.status_code == 400, (en.text, ru.text)
    assert en.json()["detail"] != ru.json()["detail"], en.text
    assert any("а" <= ch <= "я" for ch in ru.json()["detail"].lower()), ru.text
    assert not any("а" <= ch <= "я" for ch in en.json()["detail"].lower()), en.text
