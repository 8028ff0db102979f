"""Cost-to-serve: work time per role from the log × the cost table, weekly trend; the To-Be's KPI targets."""

from __future__ import annotations

import pytest

from crmflow.errors import WebError
from crmflow.web.costs import CostTable
from tests.web.helpers import Site, signed_in


def _reference(df, rates: dict[str, float], cap_s: float) -> tuple[dict[str, float], float]:  # type: ignore[no-untyped-def]
    """The same numbers computed in pandas, independently of the SQL."""
    # to_arrow is sorted by case and position already
    gap = df.groupby("case_id")["ts"].diff().dt.total_seconds().fillna(0).clip(upper=cap_s)
    who = df["role"].where(df["role"].fillna("") != "", df["resource"]).fillna("?")
    hours = (gap / 3600).groupby(who).sum().to_dict()
    return hours, sum(h * rates[r] for r, h in hours.items() if r in rates)


def test_cost_to_serve_equals_an_independent_computation(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    assert c.get("/api/projects/demo/costs").status_code == 404  # no table yet: says how to add one
    log = audited.app.state.workspace.log("demo")
    df = log.to_pandas(xes_names=False)
    roles = sorted({r for r in df["role"].dropna().unique() if r})
    rates = {r: 1000.0 + 500 * i for i, r in enumerate(roles[:-1])}  # the last role has no rate: unpriced
    assert c.put("/api/projects/demo/costs", json={"rates": rates}).status_code == 200
    out = c.get("/api/projects/demo/costs").json()
    hours, total = _reference(df, rates, 8 * 3600)
    assert out["method"] == "gap-capped"
    assert {r["role"]: r["hours"] for r in out["roles"]} == pytest.approx(hours)
    assert out["total_cost"] == pytest.approx(total)
    assert out["cost_per_case"] == pytest.approx(total / log.n_cases)
    assert out["unpriced_hours"] == pytest.approx(sum(h for r, h in hours.items() if r not in rates))
    assert sum(w["cost"] for w in out["weeks"]) == pytest.approx(total)
    assert sum(w["cases"] for w in out["weeks"]) == log.n_cases
    assert [w["week"] for w in out["weeks"]] == sorted(w["week"] for w in out["weeks"])
    v, _ = signed_in(audited, "vera")
    assert v.get("/api/projects/demo/costs").status_code == 200
    assert v.put("/api/projects/demo/costs", json={"rates": {"x": 1}}).status_code == 403


def test_targets_come_from_the_tobe_kpis(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    targets = {t["id"]: t for t in c.get("/api/projects/demo/targets").json()}
    assert targets["first_contact_in_sla"]["target"] == 90.0 and targets["first_contact_in_sla"]["direction"] == "at_least"


def test_cost_table_is_checked() -> None:
    with pytest.raises(WebError, match="sdr"):
        CostTable.of({"sdr": "a lot"})
    with pytest.raises(WebError, match="≥ 0"):
        CostTable.of({"sdr": -1})


def test_the_dashboard_shows_cost_to_serve_and_targets(audited: Site) -> None:
    c, _ = signed_in(audited, "alice")
    page = c.get("/p/demo/dashboard").text
    assert 'id="targets"' in page and "First contact within SLA" in page
    if 'id="cost-per-case"' in page:  # the other test saved a table in this module's site
        import re

        from crmflow.report.messages import format_number

        out = c.get("/api/projects/demo/costs").json()
        shown = re.search(r'id="cost-per-case">([^<]+)<', page)
        assert shown and shown.group(1) == format_number(out["cost_per_case"], "en")
