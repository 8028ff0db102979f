"""Status matrices and stage-sequence rules."""

from __future__ import annotations

from crmflow.quality.consistency import check_sequences
from crmflow.quality.run import assess_quality
from crmflow.sources.reader import read_log
from tests.quality.conftest import HISTORY, MATRIX, MATRIX_VIOLATIONS, ORDERS


def test_status_matrix_violations(write) -> None:  # type: ignore[no-untyped-def]
    orders = write("orders.csv", ORDERS)
    d = assess_quality([orders], rules={"entities": {"orders": {"matrices": [MATRIX]}}}, duplicates=False).data
    m = d["consistency"]["matrices"][0]
    assert m["entity"] == "orders"
    assert m["violation_ids"] == MATRIX_VIOLATIONS
    assert m["violations"] == 2
    combos = {tuple(c["values"]): (c["rows"], c["allowed"]) for c in m["combinations"]}
    assert combos[("shipped", "unpaid")] == (1, False)
    assert combos[("cancelled", None)] == (1, True)  # `*` matches an empty value too
    assert d["score"]["failing_by_dimension"] == {"consistency": 2}


def test_forbidden_jump_and_whitelist(write) -> None:  # type: ignore[no-untyped-def]
    log = read_log(write("history.csv", HISTORY))
    res = check_sequences(log, name="no jump", forbidden=[["New", "Won"]])
    assert [(v.source, v.target, v.count, v.case_ids) for v in res.violations] == [("New", "Won", 2, ["d2", "d4"])]
    assert res.violating_case_ids == ["d2", "d4"]
    allowed = [["New", "Qualified"], ["Qualified", "Proposal"], ["Proposal", "Won"], ["Qualified", "Lost"]]
    res = check_sequences(log, name="whitelist", forbidden=[["New", "Won"]], allowed=allowed)
    got = {(v.source, v.target): (v.rule, v.case_ids) for v in res.violations}
    assert got == {("New", "Won"): ("forbidden", ["d2", "d4"]), ("Lost", "Won"): ("not_allowed", ["d3"])}
    assert res.violating_case_ids == ["d2", "d3", "d4"]
    assert res.transitions == 8


def test_sequence_rule_from_yaml_scores_its_entity(write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    write("history.csv", HISTORY)
    deals = write("deals.csv", "deal_id,stage\nd1,Won\nd2,Won\nd3,Won\nd4,Won\nd5,New\n")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "entities:\n  deals: {id: deal_id}\n"
        "sequences:\n  - {name: no jump, log: history.csv, entity: deals, forbidden: [[New, Won]]}\n",
        encoding="utf-8",
    )
    d = assess_quality([deals], rules=rules, duplicates=False).data
    seq = d["consistency"]["sequences"][0]
    assert seq["violating_case_ids"] == ["d2", "d4"]
    assert d["score"]["failing_by_dimension"] == {"consistency": 2}
    assert d["score"]["overall"] == 0.6


def test_date_order_within_and_across_entities(write) -> None:  # type: ignore[no-untyped-def]
    leads = write("leads.csv", "lead_id,created\nL1,01.03.2024\nL2,10.03.2024\nL3,\nL4,05.03.2024\n")
    deals = write(
        "deals.csv",
        "deal_id,lead_id,opened,closed\nD1,L1,02.03.2024,05.03.2024\n"
        "D2,L2,09.03.2024 23:00,08.03.2024\nD3,L3,01.03.2024,\nD4,L4,05.03.2024 08:00,06.03.2024\n",
    )
    rules = {
        "entities": {"deals": {"id": "deal_id"}, "leads": {"id": "lead_id"}},
        "date_order": [
            {
                "name": "opened after lead",
                "earlier": {"entity": "leads", "column": "created"},
                "later": {"entity": "deals", "column": "opened"},
                "join": {"earlier": "lead_id", "later": "lead_id"},
            },
            {"earlier": {"entity": "deals", "column": "opened"}, "later": {"entity": "deals", "column": "closed"}},
        ],
    }
    d = assess_quality([deals, leads], rules=rules, duplicates=False).data
    across, within = d["consistency"]["date_order"]
    # D2 opened on 9 March, its lead came on 10 March; D4 on the same day counts as in order.
    assert (across["checked"], across["violation_ids"]) == (3, ["D2"])
    assert within["name"] == "opened ≤ closed"
    assert (within["checked"], within["violation_ids"]) == (3, ["D2"])
    assert d["score"]["failing_by_dimension"] == {"consistency": 1}  # the columns are not named as dates


def test_date_order_needs_a_join_across_entities(write) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from crmflow.errors import QualityRulesError

    a, b = write("a.csv", "id,d\n1,01.01.2024\n"), write("b.csv", "id,d\n1,01.01.2024\n")
    rules = {"date_order": [{"earlier": {"entity": "a", "column": "d"}, "later": {"entity": "b", "column": "d"}}]}
    with pytest.raises(QualityRulesError, match=r"date_order\[0\]\.join: the two dates are in different entities"):
        assess_quality([a, b], rules=rules, duplicates=False)
