"""The audit against an independent messy B2B log (tests/findings/messy.py): events after closing,
a real hero at 2x the fair share, two lawyers at 51/49, more than 200 cases in one finding."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import crmflow
from crmflow.findings.detect import detect_findings
from crmflow.findings.rules import load_rules
from crmflow.findings.workload import find_hero, find_workload_concentration
from tests.findings import messy
from tests.findings.logs import make_log


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("messy")
    log = messy.generate()
    path = log.write_csv(out / "deals.csv")
    result = crmflow.audit(path, rules=messy.RULES, timezone_name="UTC")
    outputs = result.write(out / "audit")
    evidence: dict[int, list[dict[str, str]]] = defaultdict(list)
    with Path(outputs.findings_csv or "").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            evidence[int(row["finding"])].append(row)
    return {"truth": log.truth, "result": result, "evidence": evidence, "out": out}


def _one(result, kind: str, key: str | None = None) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    hits = [(i, f) for i, f in enumerate(result.data["findings"], start=1) if f["kind"] == kind and key in (None, f["key"])]
    assert len(hits) == 1, [f["key"] for _, f in hits]
    return hits[0]


def test_paid_deals_with_support_after_payment_are_not_stuck(audited) -> None:  # type: ignore[no-untyped-def]
    truth, result, evidence = audited["truth"], audited["result"], audited["evidence"]
    assert truth["cases_after_closing"] > 200 and len(truth["naive_stuck"]) > len(truth["stuck"]) + 100
    no, stuck = _one(result, "stuck_case")
    assert stuck["metrics"]["stuck_cases"] == len(truth["stuck"])
    assert stuck["metrics"]["open_cases"] == truth["open"]
    assert stuck["metrics"]["closed_cases"] == truth["closed"]
    rows = evidence[no]
    assert sorted(r["case_id"] for r in rows) == truth["stuck"]
    for r in rows:  # each row carries the idle time that made it evidence
        assert r["measure"] == "idle_s"
        assert float(r["value"]) == pytest.approx(truth["stuck_idle_s"][r["case_id"]], abs=1)
    report = detect_findings(result.log, load_rules(messy.RULES))
    assert (report.events_after_closing, report.cases_after_closing) == (
        truth["events_after_closing"],
        truth["cases_after_closing"],
    )
    assert any(str(truth["events_after_closing"]) in w for w in report.warnings)


def test_closing_activities_give_the_same_truth(audited) -> None:  # type: ignore[no-untyped-def]
    # the support desk's last step as the end activity, the payment as a closing activity
    truth, log = audited["truth"], audited["result"].log
    rules = {**messy.RULES, "end_activities": [messy.LOST, messy.TICKET_DONE], "closing_activities": ["Payment received"]}
    report = detect_findings(log, load_rules(rules))
    (stuck,) = [f for f in report.findings if f.kind == "stuck_case"]
    assert stuck.evidence.case_count == len(truth["stuck"])
    assert report.closed_cases == truth["closed"]


def test_nothing_after_closing_counts_as_waiting_or_rework(audited) -> None:  # type: ignore[no-untyped-def]
    after = {messy.TICKET, messy.TICKET_DONE, messy.REMINDER}
    for f in audited["result"].data["findings"]:
        if f["kind"] in ("bottleneck", "rework", "funnel_drop"):
            assert not after & set(f["evidence"]["activities"]), f["key"]


def test_the_hero_is_named_and_51_49_is_not_a_finding(audited) -> None:  # type: ignore[no-untyped-def]
    truth, result = audited["truth"], audited["result"]
    shares = truth["shares"]
    for activity in ("Qualification", "Negotiation"):
        _, f = _one(result, "workload_concentration", activity)
        m = f["metrics"]
        assert m["top_resource"] == messy.HERO
        assert m["top_share"] == pytest.approx(shares[activity][messy.HERO])
        assert m["fair_share"] == pytest.approx(0.25) and m["share_to_fair"] >= 1.8
        assert m["bus_factor"] == 1 and 0 < m["gini"] < 1 and m["hhi"] > 0.25
    flagged = {f["key"] for f in result.data["findings"] if f["kind"] == "workload_concentration"}
    assert 0.49 < shares["Contract signed"][messy.LAWYERS[0]] < 0.55  # the lawyers split about 51/49
    assert flagged == {"Qualification", "Negotiation"}
    _, hero = _one(result, "workload_hero")
    assert hero["key"] == messy.HERO and hero["metrics"]["role"] == "Account executive"
    assert hero["metrics"]["share_to_fair"] >= 1.5 and hero["metrics"]["role_people"] == 4
    assert "Anna Hero" in hero["title"]


def test_more_than_200_cases_are_all_listed(audited) -> None:  # type: ignore[no-untyped-def]
    truth, result, evidence = audited["truth"], audited["result"], audited["evidence"]
    no, f = _one(result, "rework", "Negotiation")
    assert f["evidence"]["case_count"] == len(truth["rework"]) == 287
    assert len(f["evidence"]["case_ids"]) == 200  # the JSON/HTML sample
    assert f["evidence"]["full_list"] == "findings.csv" and f["evidence"]["full_list_rows"] == 287
    rows = evidence[no]
    assert sorted(r["case_id"] for r in rows) == truth["rework"]
    assert all(r["measure"] == "executions" and float(r["value"]) == 2 for r in rows)
    html = (audited["out"] / "audit" / "report.html").read_text(encoding="utf-8")
    assert 'href="findings.csv"' in html
    # every finding's full list has exactly its cases
    for i, g in enumerate(result.data["findings"], start=1):
        assert len(evidence[i]) == g["evidence"]["case_count"], g["key"]


def test_sla_clock_stops_when_a_deal_is_lost(audited) -> None:  # type: ignore[no-untyped-def]
    truth, result, evidence = audited["truth"], audited["result"], audited["evidence"]
    no, f = _one(result, "sla_violation", "invoice")
    assert f["metrics"]["violations"] == len(truth["sla_violations"])
    got = {r["case_id"]: float(r["value"]) for r in evidence[no]}
    assert got.keys() == truth["sla_violations"].keys()
    for case, seconds in truth["sla_violations"].items():
        assert got[case] == pytest.approx(seconds, abs=1)


# --------------------------------------------------------------------------- small crafted logs


def _split_log(counts: dict[str, dict[str, int]], role: str | None = None):  # type: ignore[no-untyped-def]
    rows, k = [], 0
    for activity, people in counts.items():
        for person, n in people.items():
            for _ in range(n):
                k += 1
                rows.append((f"c{k}", activity, f"2024-03-01 {9 + k % 9:02d}:{k % 60:02d}", person, role))
    return make_log(rows)


def test_two_people_at_51_49_and_one_per_activity_are_not_findings() -> None:
    log = _split_log({"Contract": {"Lena": 51, "Mark": 49}, "Invoice": {"Olga": 60}, "Payment": {"Petr": 60}})
    rules = load_rules(None)
    assert find_workload_concentration(log, rules) == []
    assert find_hero(log, rules) == []


def test_a_stand_in_does_not_shrink_the_fair_share() -> None:
    # two regulars at 49/47 and a stand-in with 4 %: fair share 1/2, not 1/3
    log = _split_log({"Contract": {"Lena": 49, "Mark": 47, "Zoe": 4}})
    assert find_workload_concentration(log, load_rules(None)) == []
    # three real people at 49/47/24 would be different: 49 % is 1.5x a third... of the regulars
    log = _split_log({"Contract": {"Lena": 60, "Mark": 20, "Zoe": 20}})
    (f,) = find_workload_concentration(log, load_rules(None))
    assert f.metrics["regular_resources"] == 3 and f.metrics["share_to_fair"] == pytest.approx(1.8)


def test_a_hero_at_twice_the_fair_share() -> None:
    log = _split_log({"Квалификация": {"Анна Смирнова": 100, "Борис": 34, "Clara": 33, "Dmitri": 33}})
    (f,) = find_workload_concentration(log, load_rules(None))
    assert f.metrics["top_resource"] == "Анна Смирнова" and f.metrics["share_to_fair"] == pytest.approx(2.0)
    assert f.severity == "high"
    (h,) = find_hero(log, load_rules(None))
    assert h.kind == "workload_hero" and h.key == "Анна Смирнова" and h.metrics["share_to_fair"] == pytest.approx(2.0)
    assert "fair share" in h.title
    (ru,) = find_hero(log, load_rules(None), lang="ru")
    assert "справедливой доли" in ru.title and "Анна Смирнова" in ru.title


def test_system_resources_are_not_people() -> None:
    log = _split_log({"Qualification": {"robot": 100, "Boris": 34, "Clara": 33, "Dmitri": 33}})
    rules = load_rules({"system_resources": ["robot"]})
    assert rules.system_resources == ("robot",) and rules.echo()["system_resources"] == ["robot"]
    assert find_workload_concentration(log, rules) == [] and find_hero(log, rules) == []
    log = _split_log({"Qualification": {"-": 100, "Boris": 34, "Clara": 33, "Dmitri": 33}})  # a placeholder
    assert find_workload_concentration(log, load_rules(None)) == []


def test_a_reopened_case_is_rework_a_ticket_after_closing_is_not() -> None:
    log = make_log(
        [
            ("r1", "Work", "2024-03-01 09:00"),
            ("r1", "Closed", "2024-03-02 09:00"),
            ("r1", "Work", "2024-03-05 09:00"),  # reopened: the process again
            ("r1", "Closed", "2024-03-06 09:00"),
            ("p1", "Work", "2024-03-01 09:00"),
            ("p1", "Closed", "2024-03-02 09:00"),
            ("p1", "Ticket", "2024-04-01 09:00"),  # another process after closing
            ("p1", "Ticket", "2024-05-01 09:00"),
        ]
    )
    report = detect_findings(log, load_rules({"end_activities": ["Closed"], "thresholds": {"rework_min_share": 0}}))
    assert (report.events_after_closing, report.other_events_after_closing) == (4, 2)
    rework = {f.key: f for f in report.findings if f.kind == "rework"}
    assert set(rework) == {"Work", "Closed"} and rework["Work"].evidence.case_ids == ("r1",)
    assert not any("Ticket" in f.key for f in report.findings)
    assert not [f for f in report.findings if f.kind == "stuck_case"]


def test_funnel_counts_cases_in_progress_apart() -> None:
    from crmflow.findings.funnel import measure_funnel

    log = make_log(
        [
            ("lost", "A", "2024-01-01"),
            ("lost", "Deal lost", "2024-01-02"),
            ("lost", "Reminder", "2024-03-01"),  # after closing: still lost
            ("silent", "A", "2024-01-05"),  # open, 60+ days without an event: lost in practice
            ("busy", "A", "2024-03-20"),  # open, recent: in progress
            ("won", "A", "2024-01-01"),
            ("won", "B", "2024-01-10"),
            ("won", "C", "2024-03-31"),
        ]
    )
    rules = load_rules({"stages": ["A", "B", "C"], "end_activities": ["C", "Deal lost"], "stuck_after": "30d"})
    result, (f,) = measure_funnel(log, rules)
    assert result is not None
    a = result.stages[0]
    assert (a.cases, a.lost_here, a.open_here) == (4, 3, 1)
    assert f.key == "A -> B" and f.metrics["lost"] == 2 and f.metrics["still_open"] == 1
    assert f.evidence.case_ids == ("lost", "silent")
