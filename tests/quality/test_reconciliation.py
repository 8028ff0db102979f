"""CRM deals won against billing payments, per month and per manager."""

from __future__ import annotations

from crmflow.quality.run import assess_quality
from tests.quality.conftest import DEALS, PAYMENTS

RECON = {
    "name": "won deals vs payments",
    "left": {
        "entity": "deals",
        "amount": "amount",
        "date": "close_date",
        "by": "manager",
        "key": "deal_id",
        "where": {"stage": "Won"},
    },
    "right": {"entity": "payments", "amount": "amount", "date": "paid_at", "by": "manager", "key": "deal_id"},
    "period": "month",
    "tolerance": {"absolute": 0.01},
}


def _run(write, **changes):  # type: ignore[no-untyped-def]
    deals, payments = write("deals.csv", DEALS), write("payments.csv", PAYMENTS)
    rules = {"entities": {"deals": {"id": "deal_id"}, "payments": {"id": "payment_id"}}, "reconciliation": [{**RECON, **changes}]}
    return assess_quality([deals, payments], rules=rules, duplicates=False).data["reconciliation"][0]


def test_totals_periods_groups_and_one_sided_keys(write) -> None:  # type: ignore[no-untyped-def]
    r = _run(write)
    assert (r["left_total"], r["right_total"], r["difference"], r["matches"]) == (275000.0, 250000.0, 25000.0, False)
    assert (r["left_records"], r["right_records"]) == (5, 5)
    periods = {p["period"]: (p["left"], p["right"], p["differs"]) for p in r["by_period"]}
    assert periods == {
        "2024-01": (150000.0, 150000.0, False),
        "2024-02": (125000.0, 30000.0, True),
        "2024-03": (0.0, 70000.0, True),
    }
    groups = {g["group"]: (g["left"], g["right"], g["differs"]) for g in r["by_group"]}
    assert groups == {"Иванов": (170000.0, 170000.0, False), "Петров": (105000.0, 80000.0, True)}
    cells = {(c["period"], c["group"]): c["difference"] for c in r["cells"]}
    assert cells == {("2024-02", "Иванов"): 70000.0, ("2024-02", "Петров"): 25000.0, ("2024-03", "Иванов"): -70000.0}
    assert (r["only_left"], r["only_right"]) == (["d5"], ["d9"])
    assert r["unreadable_amounts"] == {"left": 0, "right": 0}


def test_relative_tolerance_absorbs_small_differences(write) -> None:  # type: ignore[no-untyped-def]
    r = _run(write, period="none", tolerance={"relative": 0.1})
    assert r["matches"] is True  # 25,000 of 275,000 is within 10 %
    assert [p["period"] for p in r["by_period"]] == ["all"]


def test_counting_records_when_no_amount(write) -> None:  # type: ignore[no-untyped-def]
    r = _run(write, left={**RECON["left"], "amount": None}, right={**RECON["right"], "amount": None}, period="year")
    assert (r["left_total"], r["right_total"]) == (5.0, 5.0)
    assert r["matches"] is True
