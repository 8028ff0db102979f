"""SLA measurement in working time across weekends, nights and holidays, and in calendar time."""

from __future__ import annotations

import pytest

from crmflow.findings.detect import detect_findings
from crmflow.findings.rules import load_rules
from crmflow.findings.sla import measure_sla, sla_finding
from tests.findings.logs import make_log

CAL = {
    "timezone": "Europe/Moscow",
    "working_hours": "09:00-19:00",
    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
    "holidays": "RU",
}
LEAD, CONTACT = "Lead created", "First contact"


@pytest.fixture
def leads():
    return make_log(
        [
            ("c1", LEAD, "2024-03-01 18:50+03"),
            ("c1", CONTACT, "2024-03-04 09:05+03"),  # Fri -> Mon: 15 min
            ("c2", LEAD, "2024-03-02 12:00+03"),
            ("c2", CONTACT, "2024-03-04 09:09+03"),  # Sat -> Mon: 9 min
            ("c3", LEAD, "2023-12-29 18:55+03"),
            ("c3", CONTACT, "2024-01-09 09:04+03"),  # New Year: 5 + 4 min
            ("c4", LEAD, "2024-03-05 10:00+03"),
            ("c4", LEAD, "2024-03-05 10:20+03"),
            ("c4", CONTACT, "2024-03-05 10:30+03"),  # first lead: 30 min
            ("c5", CONTACT, "2024-03-05 09:00+03"),
            ("c5", LEAD, "2024-03-05 09:30+03"),
            ("c5", CONTACT, "2024-03-05 09:35+03"),  # contact after: 5 min
            ("c6", LEAD, "2024-03-06 09:00+03"),  # open: 3 h by the end
            ("c7", LEAD, "2024-03-06 11:55+03"),
            ("c7", "Note", "2024-03-06 12:00+03"),  # open: 5 min
            ("c8", CONTACT, "2024-03-06 10:00+03"),  # no lead: not checked
        ]
    )


def _rules(time: str, within: str = "10m"):
    return load_rules(
        {"calendar": CAL, "sla": [{"name": "first-contact", "from": LEAD, "to": CONTACT, "within": within, "time": time}]}
    )


def test_working_time_sla(leads) -> None:
    report = detect_findings(leads, _rules("working"))
    (r,) = report.sla
    assert (r.cases_checked, r.completed, r.late, r.open_breaches, r.open_within) == (7, 5, 2, 1, 1)
    assert r.violations == 3 and r.compliance == pytest.approx(4 / 7)
    # completed durations 900, 540, 540, 1800, 300
    assert r.mean_s == pytest.approx(816) and r.median_s == 540 and r.max_s == 1800
    assert r.p90_s == pytest.approx(1440)
    assert r.histogram.edges_s == (0, 300, 600, 1200, 3000, 6000) and r.histogram.counts == (0, 3, 1, 1, 0)
    assert r.violating_case_ids == ("c6", "c4", "c1")
    assert [(w.case_id, w.elapsed_s, w.open) for w in r.worst] == [("c6", 10800, True), ("c4", 1800, False), ("c1", 900, False)]
    (f,) = [f for f in report.findings if f.kind == "sla_violation"]
    assert f.key == "first-contact" and f.severity == "high" and f.evidence.case_count == 3
    assert f.title == "SLA “first-contact” violated in 3 of 7 cases (42.9%)"
    assert f.evidence.case_ids == ("c6", "c4", "c1")


def test_calendar_time_sla(leads) -> None:
    (r,) = detect_findings(leads, _rules("calendar", "1h")).sla
    # c1 2 d 14 h 15 min, c2 1 d 21 h 9 min, c3 10 d 14 h 9 min late; c4 30 min, c5 5 min in time;
    # c6 open 3 h (late), c7 open 5 min
    assert (r.late, r.open_breaches, r.open_within) == (3, 1, 1)
    assert r.max_s == 10 * 86400 + 14 * 3600 + 9 * 60
    assert r.violating_case_ids == ("c3", "c1", "c2", "c6")
    assert r.histogram.edges_s[-1] == r.max_s and sum(r.histogram.counts) == 5


def test_working_day_unit(leads) -> None:
    # "1d" of working time is one 10-hour working day: every completed case is in time
    (r,) = detect_findings(leads, _rules("working", "1d")).sla
    assert r.within_s == 36000 and r.late == 0 and r.open_breaches == 0 and r.violations == 0
    assert sla_finding(r) is None


def test_measure_sla_needs_a_calendar_for_working_time(leads) -> None:
    with pytest.raises(ValueError, match="working time"):
        measure_sla(leads, _rules("working").sla[0])


def test_unknown_activity_gives_a_warning_and_no_cases(leads) -> None:
    rules = load_rules({"sla": [{"name": "x", "from": LEAD, "to": "Call back", "within": "1h"}]})
    report = detect_findings(leads, rules)
    assert report.warnings[0] == "SLA rule “x”: activity “Call back” never occurs in the log"
    (r,) = report.sla
    assert r.completed == 0 and r.cases_checked == 7 and r.histogram.counts == ()
