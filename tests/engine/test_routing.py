"""Routing by each person's own working hours and weekdays (the staff file), on top of the To-Be's strategies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmflow.design.model import RoutingPolicy
from crmflow.engine.routing import Person, Staff, choose_assignee, load_staff
from crmflow.errors import EngineError
from crmflow.findings.calendar import WorkCalendar

MSK = WorkCalendar(timezone="Europe/Moscow", start_s=9 * 3600, end_s=18 * 3600, weekdays=(0, 1, 2, 3, 4), holidays="RU")
LEAST = RoutingPolicy(strategy="least_loaded", roles=("sm",))


def _staff() -> Staff:
    return Staff(
        (
            Person(id="early", roles=("sm",), hours=(8 * 3600, 17 * 3600)),
            Person(id="model", roles=("sm",)),  # the model's 09:00-18:00, Monday to Friday
            Person(id="late", roles=("sm",), hours=(12 * 3600, 21 * 3600), weekdays=(1, 2, 3, 4, 5)),
        )
    )


def _who(local: str, load: dict[str, int] | None = None, sticky: str | None = None) -> str | None:
    now = datetime.fromisoformat(local).astimezone(UTC)
    return choose_assignee(_staff(), LEAST, "sm", {}, now=now, load=load or {}, cursor={}, sticky=sticky, calendar=MSK)


def test_the_task_goes_to_who_is_at_work_now() -> None:
    # Tuesday 5 March 2024, Moscow time; "model" has the fewest open tasks but is not at work yet at 08:30
    assert _who("2024-03-05T08:30:00+03:00", {"early": 5, "model": 0, "late": 0}) == "early"
    # 19:30: only "late" is still at work, although the others have fewer tasks
    assert _who("2024-03-05T19:30:00+03:00", {"early": 0, "model": 0, "late": 9}) == "late"
    # 10:00: "early" and "model" are at work ("late" starts at 12:00): the least loaded of the two
    assert _who("2024-03-05T10:00:00+03:00", {"early": 3, "model": 1, "late": 0}) == "model"


def test_else_who_starts_later_today_else_anyone_of_the_role() -> None:
    # Saturday 9 March 2024, 07:00: only "late" works on Saturdays (from 12:00)
    assert _who("2024-03-09T07:00:00+03:00", {"late": 9}) == "late"
    # Sunday 22:00: nobody works today any more: anyone of the role, least loaded first
    assert _who("2024-03-10T22:00:00+03:00", {"early": 2, "model": 1, "late": 3}) == "model"
    # 8 March is a public holiday in Russia: the model's calendar (holidays included) applies to everyone
    assert _who("2024-03-08T10:00:00+03:00", {"early": 2, "model": 1, "late": 3}) == "model"


def test_the_case_stays_with_its_person_while_they_are_at_work() -> None:
    assert _who("2024-03-05T13:00:00+03:00", {"late": 9}, sticky="late") == "late"
    # at 08:30 "late" is not at work and "early" is: the next task of the case goes to who can do it now
    assert _who("2024-03-05T08:30:00+03:00", {"late": 0, "early": 4}, sticky="late") == "early"


def test_the_staff_file_reads_hours_and_weekdays_and_names_a_bad_entry(tmp_path: Path) -> None:
    path = tmp_path / "staff.yaml"
    path.write_text(
        "people:\n"
        "  - {id: anna, roles: [sm]}\n"
        '  - {id: vera, roles: [sm], working_hours: "12:00-21:00", weekdays: [tue, wed, thu, fri, sat]}\n'
        '  - {id: ivan, roles: [sm], working_hours: "16:00-00:00"}\n',
        encoding="utf-8",
    )
    staff = load_staff(path)
    vera, ivan = staff.person("vera"), staff.person("ivan")
    assert staff.person("anna").hours is None  # type: ignore[union-attr]
    assert vera is not None and vera.hours == (12 * 3600, 21 * 3600) and vera.weekdays == (1, 2, 3, 4, 5)
    assert ivan is not None and ivan.hours == (16 * 3600, 86400)
    for bad, said in (
        ('working_hours: "9-18"', "not a window such as 10:00-19:00"),
        ('working_hours: "18:00-09:00"', "must start before it ends"),
        ("weekdays: [monday]", "`weekdays` must be a list of mon, tue"),
    ):
        path.write_text(f"people:\n  - {{id: anna, roles: [sm]}}\n  - {{id: vera, roles: [sm], {bad}}}\n", encoding="utf-8")
        with pytest.raises(EngineError) as err:
            load_staff(path)
        assert str(path) in str(err.value) and "2" in str(err.value) and said in str(err.value)
