"""The To-Be model: bilingual text, RACI letters, successors."""

from __future__ import annotations

import dataclasses

import pytest

from crmflow.design.loader import load_tobe
from crmflow.design.model import Raci, Text
from tests.design.conftest import example


def test_text_falls_back_to_the_other_language() -> None:
    assert Text(ru="Да", en="Yes").get("ru") == "Да"
    assert Text(ru="Да").get("en") == "Да"
    assert Text(en="Yes").get("ru") == "Yes"
    assert not Text() and Text.of("CRM").get("ru") == "CRM"


def test_raci_letters_and_the_single_accountable() -> None:
    r = Raci(responsible=("sdr", "bot"), accountable=("head",), consulted=("sdr",), informed=("mkt",))
    assert r.letters("sdr") == "RC" and r.letters("head") == "A" and r.letters("x") == ""
    assert r.accountable_role == "head"
    assert Raci(accountable=("a", "b")).accountable_role is None


def test_model_is_frozen_and_navigable() -> None:
    d = load_tobe(example("incoming_lead"))
    p = d.processes[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.id = "x"  # type: ignore[misc]
    assert p.successors("lead_received") == ("register_lead",)  # implicit next-in-list
    assert p.successors("qualified") == ("create_deal", "nurture", "disqualify")
    assert p.successors("lead_closed") == ()
    assert d.party_name("head_of_sales", "ru") == "Руководитель отдела продаж"
    assert d.party_name("website", "en") == "Website and request forms"
    first = p.node("first_contact")
    assert first is not None and first.slas[0].within.seconds == 600 and first.slas[0].within.iso == "PT10M"
    # "1d" of working time is one working day of the calendar (09:00-18:00)
    assert first.slas[0].escalations[1].after.seconds == 9 * 3600
    assert [s.id for s in p.steps if s.critical] == ["qualify"]
    assert d.kpi("first_contact_in_sla") is not None and d.kpi("first_contact_in_sla").target == 90.0  # type: ignore[union-attr]
