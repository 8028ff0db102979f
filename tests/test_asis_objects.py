"""Audits of plain CRM tables through an object model, on small hand-made tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.asis_objects import TOP_SEGMENTS, audit_tables
from crmflow.errors import InputError, ObjectModelError

MODEL = """
objects:
  deal:
    table: deals
    id: deal_id
    attributes: [stage, channel]
    events:
      - {column: opened, activity: Open, resource: agent}
      - {column: closed, activity: "Close: {stage}", resource: agent}
    references:
      - {column: agent, type: agent, qualifier: owner}
  agent:
    table: agents
    id: agent
    id_prefix: "agent:"
    attributes: [team]
"""
DEALS = """deal_id,agent,stage,channel,opened,closed
d1,ann,Won,web,2024-01-01,2024-01-05
d2,bob,Lost,web,2024-01-02,2024-01-03
d3,ann,,mail,2024-01-03,2024-01-04
d4,bob,Open,web,2024-01-04,
d5,cid,New,mail,,
"""
AGENTS = "agent,team\nann,North\nbob,South\ncid,South\n"
RULES = {"stages": ["Open", "Close: Won"], "end_activities": ["Close: Won", "Close: Lost"]}


@pytest.fixture
def tables(tmp_path: Path) -> tuple[list[Path], Path]:
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    (tmp_path / "agents.csv").write_text(AGENTS, encoding="utf-8")
    (tmp_path / "objects.yaml").write_text(MODEL, encoding="utf-8")
    return [tmp_path / "deals.csv", tmp_path / "agents.csv"], tmp_path / "objects.yaml"


def test_activity_template_role_and_segments(tables: tuple[list[Path], Path]) -> None:
    inputs, model = tables
    result = audit_tables(inputs, model=model, case="deal", role="agent.team", segment="channel", rules=RULES)
    events = result.log.to_arrow().to_pandas()
    by_case = {c: list(g["concept:name"]) for c, g in events.groupby("case:concept:name")}
    assert by_case == {
        "d1": ["Open", "Close: Won"],
        "d2": ["Open", "Close: Lost"],
        "d3": ["Open", "Close: (empty)"],
        "d4": ["Open"],
    }
    roles = dict(zip(events["org:resource"], events["org:role"], strict=True))
    assert roles == {"ann": "North", "bob": "South"}
    objects = result.data["objects"]
    assert (objects["objects"], objects["cases"], objects["without_events"]) == (5, 4, 1)
    assert objects["reached"] == [4, 1]
    seg = {s["value"]: (s["objects"], s["cases"], s["reached"]) for s in objects["segments"]}
    assert seg == {"web": (3, 3, [3, 1]), "mail": (2, 1, [1, 0])}
    assert result.data["log"]["cases"] == 4


def test_role_from_an_event_attribute_and_no_role(tables: tuple[list[Path], Path]) -> None:
    inputs, model = tables
    plain = audit_tables(inputs, model=model, case="deal")
    assert plain.log.to_arrow().to_pandas()["org:role"].isna().all()
    assert plain.data["objects"]["segments"] == [] and plain.data["objects"]["reached"] == []
    by_agent = audit_tables(inputs, model=model, case="deal", role="org:resource")
    events = by_agent.log.to_arrow().to_pandas()
    assert (events["org:role"] == events["org:resource"]).all()


def test_bad_options_name_the_fix(tables: tuple[list[Path], Path]) -> None:
    inputs, model = tables
    with pytest.raises(InputError, match="declares no object type 'lead'.*deal, agent"):
        audit_tables(inputs, model=model, case="lead")
    with pytest.raises(InputError, match="role 'region' is neither an event attribute"):
        audit_tables(inputs, model=model, case="deal", role="region")
    with pytest.raises(InputError, match="objects of type 'agent' have no attribute 'office'.*team"):
        audit_tables(inputs, model=model, case="deal", role="agent.office")
    with pytest.raises(InputError, match="no attribute 'team' to segment by.*channel, stage"):
        audit_tables(inputs, model=model, case="deal", segment="team")


def test_activity_template_names_a_missing_column(tables: tuple[list[Path], Path]) -> None:
    inputs, model = tables
    model.write_text(MODEL.replace("{stage}", "{status}"), encoding="utf-8")
    with pytest.raises(ObjectModelError, match="has no column.*'status'"):
        audit_tables(inputs, model=model, case="deal")


def test_many_segment_values_are_summed_beyond_the_top(tmp_path: Path) -> None:
    n = TOP_SEGMENTS + 5
    rows = "\n".join(f"d{i},c{i:03d},2024-01-01" for i in range(n))
    (tmp_path / "deals.csv").write_text("deal_id,channel,opened\n" + rows + "\n", encoding="utf-8")
    model = tmp_path / "m.yaml"
    model.write_text(
        "objects:\n  deal:\n    table: deals\n    id: deal_id\n    attributes: [channel]\n"
        "    events:\n      - {column: opened, activity: Open}\n",
        encoding="utf-8",
    )
    objects = audit_tables([tmp_path / "deals.csv"], model=model, case="deal", segment="channel").data["objects"]
    assert objects["segments_total"] == n
    assert len(objects["segments"]) == TOP_SEGMENTS + 1
    other = objects["segments"][-1]
    assert other["other"] and other["objects"] == 5
    assert sum(s["objects"] for s in objects["segments"]) == n
