"""Reading audit rules: durations, weekdays, defaults, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import RulesError
from crmflow.findings.detect import check_rules
from crmflow.findings.rules import AuditRules, Thresholds, grade, load_rules, parse_duration
from tests.findings.logs import make_log

EXAMPLE = """
calendar: {timezone: Europe/Moscow, working_hours: "09:00-19:00", weekdays: [mon, tue, wed, thu, fri], holidays: RU}
sla:
  - {name: first-contact, from: Lead created, to: First contact attempt, within: 10m, time: working}
  - {name: proposal, from: Qualification, to: Proposal sent, within: 2d, time: working}
  - {from: Contract signed, to: Payment received, within: P30D}
stuck_after: 30d
end_activities: [Deal lost, Payment received]
stages: [Lead created, Contact established, Qualification, Proposal sent, Negotiation, Contract signed, Payment received]
thresholds: {bottleneck_top: 3, workload_share: 0.6, ping_pong_min: 2}
"""


def test_example_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    r = load_rules(path)
    assert r.calendar.timezone == "Europe/Moscow"
    assert (r.calendar.start_s, r.calendar.end_s) == (9 * 3600, 19 * 3600)
    assert r.calendar.weekdays == (0, 1, 2, 3, 4) and r.calendar.holidays == "RU"
    first, proposal, pay = r.sla
    assert (first.name, first.from_activity, first.to_activity, first.within_s, first.time) == (
        "first-contact",
        "Lead created",
        "First contact attempt",
        600.0,
        "working",
    )
    assert proposal.within_s == 2 * 10 * 3600  # two working days of 10 hours
    assert (pay.name, pay.within_s, pay.time) == ("Contract signed -> Payment received", 30 * 86400.0, "calendar")
    assert r.stuck_after_s == 30 * 86400
    assert r.end_activities == ("Deal lost", "Payment received")
    assert r.stages[0] == "Lead created" and len(r.stages) == 7
    assert r.thresholds == Thresholds(bottleneck_top=3, workload_share=0.6, ping_pong_min=2)
    assert str(path) not in str(r.echo()) and r.echo()["calendar"]["working_hours"] == "09:00-19:00"


def test_defaults() -> None:
    r = load_rules(None)
    assert r == AuditRules() == load_rules({})
    assert r.calendar.always and r.calendar.timezone == "UTC"
    assert r.sla == () and r.stages == () and r.end_activities is None and r.stuck_after_s == 30 * 86400


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45),
        ("10m", 600),
        ("2h", 7200),
        ("1d", 86400),
        ("30d", 2592000),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1.5h", 5400),
        ("2w", 14 * 86400),
        ("PT10M", 600),
        ("P30D", 2592000),
        ("P1DT2H30M", 95400),
        ("pt45s", 45),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "within") == seconds


@pytest.mark.parametrize("bad", ["", "10", "10x", "m10", "P", "PT", "1h30", "P1M", 600, None, "-5m"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(RulesError, match="`stuck_after`"):
        load_rules({"stuck_after": bad} if bad is not None else {"stuck_after": []})


def test_russian_weekdays() -> None:
    r = load_rules({"calendar": {"weekdays": ["пн", "Вт", "среда", "чт", "пт", "сб"]}})
    assert r.calendar.weekdays == (0, 1, 2, 3, 4, 5)


@pytest.mark.parametrize("value", ["none", None, False, "no"])
def test_no_holidays(value: object) -> None:
    assert load_rules({"calendar": {"holidays": value}}).calendar.holidays is None


@pytest.mark.parametrize(
    ("rules", "needles"),
    [
        ({"slas": []}, ["`slas`", "allowed keys", "calendar", "sla", "stuck_after"]),
        ({"calendar": {"tz": "UTC"}}, ["`calendar.tz`", "timezone", "working_hours"]),
        ({"calendar": {"timezone": "Mars/Olympus"}}, ["`calendar.timezone`", "'Mars/Olympus'", "IANA"]),
        ({"calendar": {"working_hours": "9-19"}}, ["`calendar.working_hours`", "'9-19'", "09:00-19:00"]),
        ({"calendar": {"working_hours": "19:00-09:00"}}, ["`calendar.working_hours`", "start before end"]),
        ({"calendar": {"working_hours": 540}}, ["`calendar.working_hours`", "540", "quoted"]),
        ({"calendar": {"weekdays": ["mon", "funday"]}}, ["`calendar.weekdays`", "'funday'", "пн"]),
        ({"calendar": {"holidays": "XX"}}, ["`calendar.holidays`", "'XX'", "RU"]),
        ({"sla": {"from": "A"}}, ["`sla`", "list"]),
        ({"sla": [{"from": "A", "to": "B"}]}, ["`sla[0]`", "`within`"]),
        ({"sla": [{"from": "A", "to": "B", "within": "soon"}]}, ["`sla[0].within`", "'soon'", "10m"]),
        ({"sla": [{"from": "A", "to": "B", "within": "0m"}]}, ["`sla[0].within`", "longer than zero"]),
        (
            {"sla": [{"from": "A", "to": "B", "within": "1h", "time": "business"}]},
            ["`sla[0].time`", "'business'", "working or calendar"],
        ),
        ({"sla": [{"from": "A", "to": "B", "within": "1h", "limit": 3}]}, ["`sla[0].limit`", "within"]),
        (
            {"sla": [{"from": "A", "to": "B", "within": "1h"}, {"from": "A", "to": "B", "within": "2h"}]},
            ["`sla[1].name`", "unique"],
        ),
        ({"sla": [{"from": 5, "to": "B", "within": "1h"}]}, ["`sla[0].from`", "5"]),
        ({"end_activities": "Closed"}, ["`end_activities`", "list", "'Closed'"]),
        ({"stages": ["A", "B", "A"]}, ["`stages`", "'A'", "twice"]),
        ({"thresholds": {"bottleneck_top": 2.5}}, ["`thresholds.bottleneck_top`", "2.5", "whole number"]),
        ({"thresholds": {"workload_share": 1.5}}, ["`thresholds.workload_share`", "1.5", "between 0 and 1"]),
        ({"thresholds": {"bus": 1}}, ["`thresholds.bus`", "workload_share"]),
        ({"calendar": "Moscow"}, ["`calendar`", "mapping"]),
    ],
)
def test_errors_name_key_value_and_expectation(rules: dict, needles: list[str]) -> None:
    with pytest.raises(RulesError) as err:
        load_rules(rules)
    for n in needles:
        assert n in str(err.value)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read the rules file"):
        load_rules(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sla: [\n  {from: A\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML at line"):
        load_rules(bad)
    lst = tmp_path / "list.yaml"
    lst.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(RulesError, match="must be a mapping"):
        load_rules(lst)


def test_activities_missing_from_the_log_are_warnings() -> None:
    log = make_log([("c1", "Lead created", "2024-03-01 09:00"), ("c1", "Won", "2024-03-01 10:00")])
    r = load_rules(
        {
            "sla": [{"name": "first-contact", "from": "Lead created", "to": "First contact", "within": "10m"}],
            "end_activities": ["Won", "Lost"],
            "stages": ["Lead created", "Qualified", "Won"],
        }
    )
    assert check_rules(log, r) == [
        "SLA rule “first-contact”: activity “First contact” never occurs in the log",
        "End activity “Lost” never occurs in the log",
        "Stage “Qualified” never occurs in the log",
    ]
    assert check_rules(log, r, lang="ru")[0] == (
        "Правило SLA «first-contact»: действие «First contact» ни разу не встречается в журнале"
    )


def test_grade() -> None:
    assert [grade(x) for x in (0.0, 0.049, 0.05, 0.199, 0.2, 1.0)] == ["low", "low", "medium", "medium", "high", "high"]
