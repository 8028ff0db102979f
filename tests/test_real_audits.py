"""The three real CRM data sets through ``crmflow audit`` (library and CLI), checked against pandas.

Maven CRM pipeline and Olist marketing funnel are plain tables audited through an object model
(``crmflow audit --model``); BPIC 2013 closed problems is an event log with a column mapping. Every
expected number is computed here from the CSV files with pandas, independently of crmflow.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from crmflow.asis import audit
from crmflow.asis_objects import audit_tables
from crmflow.cli.main import app
from crmflow.errors import InputError
from tests.conftest import real

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = jsonschema.Draft202012Validator(json.loads((ROOT / "docs" / "audit.schema.json").read_text("utf-8")))
DEMO = Path(str(files("crmflow.demo") / "real"))
OLIST_MODEL = Path(str(files("crmflow.architecture") / "examples" / "olist-objects.yaml"))
DAY = 86_400.0


def _maven() -> list[Path]:
    folder = real("maven-crm-sales-opportunities")
    return [folder / f for f in ("sales_pipeline.csv", "sales_teams.csv", "products.csv", "accounts.csv")]


def _olist() -> list[Path]:
    folder = real("olist-marketing-funnel")
    return [folder / "olist_marketing_qualified_leads_dataset.csv", folder / "olist_closed_deals_dataset.csv"]


def _bpic() -> Path:
    return real("bpic2013-volvo-itsm") / "BPI_Challenge_2013_closed_problems.csv"


def _edge(data: dict[str, Any], source: str, target: str) -> int:
    return next((e["count"] for e in data["dfg"] if e["source"] == source and e["target"] == target), 0)


def _finding(data: dict[str, Any], kind: str, key: str | None = None) -> dict[str, Any]:
    return next(f for f in data["findings"] if f["kind"] == kind and (key is None or f["key"] == key))


def _activity_counts(data: dict[str, Any]) -> dict[str, int]:
    return {a["activity"]: a["events"] for a in data["activities"]}


def _cli(tmp: Path, args: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--out", str(tmp)])
    assert result.exit_code == 0, result.output
    return json.loads((tmp / "audit.json").read_text("utf-8"))


# ----------------------------------------------------------------------------------- Maven


@pytest.fixture(scope="module")
def maven() -> dict[str, Any]:
    return audit_tables(
        _maven(),
        model=DEMO / "maven-objects.yaml",
        case="deal",
        role="agent.manager",
        segment="deal_stage",
        rules=DEMO / "rules_maven.yaml",
    ).data


@pytest.fixture(scope="module")
def maven_pd() -> pd.DataFrame:
    p = pd.read_csv(_maven()[0])
    p["engage"] = pd.to_datetime(p["engage_date"])
    p["close"] = pd.to_datetime(p["close_date"])
    return p


def test_maven_counts_follow_the_table(maven: dict[str, Any], maven_pd: pd.DataFrame) -> None:
    p = maven_pd
    engaged, closed = p["engage"].notna(), p["close"].notna()
    assert maven["log"]["cases"] == int(engaged.sum()) == 8300
    # Engage per engaged deal; Close + the outcome (Won/Lost) per closed deal
    assert maven["log"]["events"] == int(engaged.sum() + 2 * closed.sum())
    counts = _activity_counts(maven)
    outcome = p.loc[closed, "deal_stage"].value_counts()
    assert counts == {
        "Engage": int(engaged.sum()),
        "Close": int(closed.sum()),
        "Won": int(outcome["Won"]),
        "Lost": int(outcome["Lost"]),
    }
    assert (counts["Won"], counts["Lost"]) == (4238, 2473)
    assert maven["log"]["resources"] == p.loc[engaged, "sales_agent"].nunique()
    assert _edge(maven, "Engage", "Close") == int(closed.sum())
    assert _edge(maven, "Close", "Won") == int(outcome["Won"])
    assert _edge(maven, "Close", "Lost") == int(outcome["Lost"])
    top = maven["variants"][0]
    assert (top["activities"], top["count"]) == (["Engage", "Close", "Won"], int(outcome["Won"]))
    SCHEMA.validate(maven)


def test_maven_funnel_objects_and_orphans(maven: dict[str, Any], maven_pd: pd.DataFrame) -> None:
    p = maven_pd
    funnel = {s["stage"]: s["cases"] for s in maven["funnel"]["stages"]}
    assert funnel == {
        "Engage": int(p["engage"].notna().sum()),
        "Close": int(p["close"].notna().sum()),
        "Won": int((p["deal_stage"] == "Won").sum()),
    }
    objects = maven["objects"]
    assert (objects["objects"], objects["cases"], objects["without_events"]) == (len(p), 8300, 500)
    by_stage = {s["value"]: s for s in objects["segments"]}
    stages = p["deal_stage"].value_counts()
    assert {k: v["objects"] for k, v in by_stage.items()} == {k: int(v) for k, v in stages.items()}
    # the deals still in Prospecting have no date at all: objects, but no case
    assert by_stage["Prospecting"]["cases"] == 0
    assert by_stage["Prospecting"]["without_events"] == int(stages["Prospecting"])
    products = set(pd.read_csv(_maven()[2])["product"])
    orphans = sorted(set(p["product"].dropna()) - products)
    ref = next(r for r in objects["references"] if r["column"] == "product")
    assert orphans == ["GTXPro"]
    assert (ref["orphans"], ref["orphan_sample"]) == (len(orphans), orphans)


def test_maven_sla_and_stuck_deals(maven: dict[str, Any], maven_pd: pd.DataFrame) -> None:
    p = maven_pd
    end = max(p["engage"].max(), p["close"].max())
    limit = pd.Timedelta(days=90)
    late = int(((p["close"] - p["engage"]) > limit).sum())
    open_old = int((p["close"].isna() & p["engage"].notna() & ((end - p["engage"]) > limit)).sum())
    sla = _finding(maven, "sla_violation", "engage-to-close")["metrics"]
    assert (sla["late"], sla["open_breaches"], sla["violations"]) == (late, open_old, late + open_old)
    stuck = _finding(maven, "stuck_case")["metrics"]
    assert stuck["open_cases"] == int((p["engage"].notna() & p["close"].isna()).sum()) == 1589
    assert stuck["stuck_cases"] == open_old


def test_maven_roles_are_the_agents_managers(maven_pd: pd.DataFrame) -> None:
    result = audit_tables(_maven(), model=DEMO / "maven-objects.yaml", case="deal", role="agent.manager")
    events = result.log.to_arrow().to_pandas()
    teams = pd.read_csv(_maven()[1])
    p = maven_pd.merge(teams, on="sales_agent", how="left")
    expected = Counter()
    for _, row in p.iterrows():
        n = int(pd.notna(row["engage"])) + 2 * int(pd.notna(row["close"]))
        expected[row["manager"]] += n
    assert Counter(events["org:role"].value_counts().to_dict()) == +expected
    assert events["org:role"].notna().all()


def test_maven_cli_gives_the_same_audit(tmp_path: Path, maven: dict[str, Any]) -> None:
    files_ = [str(f) for f in _maven()]
    data = _cli(
        tmp_path,
        [
            "audit",
            *files_,
            "--model",
            str(DEMO / "maven-objects.yaml"),
            "--case",
            "deal",
            "--role",
            "agent.manager",
            "--segment",
            "deal_stage",
            "--rules",
            str(DEMO / "rules_maven.yaml"),
        ],
    )
    for key in ("log", "funnel", "dfg", "objects", "sla"):
        assert data[key] == maven[key], key
    assert (tmp_path / "report.html").stat().st_size > 0
    SCHEMA.validate(data)


def test_table_audit_errors_name_what_to_give() -> None:
    with pytest.raises(InputError, match="declares no object type 'opportunity'.*deal, agent, product, account"):
        audit_tables(_maven(), model=DEMO / "maven-objects.yaml", case="opportunity")
    with pytest.raises(InputError, match="no attribute 'nope'.*manager, regional_office"):
        audit_tables(_maven(), model=DEMO / "maven-objects.yaml", case="deal", role="agent.nope")
    with pytest.raises(InputError, match="no attribute 'region' to segment by.*deal_stage"):
        audit_tables(_maven(), model=DEMO / "maven-objects.yaml", case="deal", segment="region")
    runner = CliRunner()
    result = runner.invoke(app, ["audit", str(_maven()[0]), "--model", str(DEMO / "maven-objects.yaml")])
    assert result.exit_code == 2 and "--case" in result.output and "deal, agent" in result.output
    result = runner.invoke(app, ["audit", str(_maven()[0]), "--case", "deal"])
    assert result.exit_code == 2 and "--model" in result.output


# ----------------------------------------------------------------------------------- Olist


@pytest.fixture(scope="module")
def olist() -> dict[str, Any]:
    return audit_tables(_olist(), model=OLIST_MODEL, case="mql", segment="origin", rules=DEMO / "rules_olist.yaml").data


def test_olist_funnel_and_channels(olist: dict[str, Any]) -> None:
    mql = pd.read_csv(_olist()[0])
    deals = pd.read_csv(_olist()[1])
    assert olist["log"]["cases"] == len(mql) == 8000
    assert olist["log"]["events"] == len(mql) + len(deals)
    funnel = olist["funnel"]["stages"]
    assert [s["cases"] for s in funnel] == [len(mql), deals["mql_id"].nunique()]
    drop = _finding(olist, "funnel_drop")["metrics"]
    assert drop["lost"] == len(mql) - len(deals)
    assert round(drop["drop_rate"] * 100, 1) == 89.5
    won = mql.merge(deals[["mql_id"]], on="mql_id").fillna({"origin": ""})["origin"].value_counts()
    total = mql.fillna({"origin": ""})["origin"].value_counts()
    seg = {s["value"]: s for s in olist["objects"]["segments"]}
    assert {k: v["objects"] for k, v in seg.items()} == {k: int(v) for k, v in total.items()}
    assert {k: v["reached"][-1] for k, v in seg.items()} == {k: int(won.get(k, 0)) for k in total.index}
    assert seg["email"]["conversion"] == pytest.approx(won["email"] / total["email"])
    SCHEMA.validate(olist)


def test_olist_order_anomaly_and_variants(olist: dict[str, Any]) -> None:
    mql = pd.read_csv(_olist()[0], parse_dates=["first_contact_date"])
    deals = pd.read_csv(_olist()[1], parse_dates=["won_date"]).merge(mql, on="mql_id")
    before = int((deals["won_date"] < deals["first_contact_date"]).sum())
    assert before == 1
    assert _edge(olist, "First contact", "Win deal") == len(deals) - before
    assert _edge(olist, "Win deal", "First contact") == before
    top = olist["variants"][0]
    assert (top["activities"], top["count"]) == (["First contact"], len(mql) - len(deals))
    wait = (deals["won_date"] - deals["first_contact_date"]).dt.total_seconds()
    edge = next(e for e in olist["dfg"] if e["source"] == "First contact" and e["target"] == "Win deal")
    assert edge["median_s"] == pytest.approx(wait[wait > 0].median())


def test_olist_cli(tmp_path: Path, olist: dict[str, Any]) -> None:
    data = _cli(
        tmp_path,
        [
            "audit",
            *map(str, _olist()),
            "--model",
            str(OLIST_MODEL),
            "--case",
            "mql",
            "--segment",
            "origin",
            "--rules",
            str(DEMO / "rules_olist.yaml"),
        ],
    )
    for key in ("log", "funnel", "dfg", "objects"):
        assert data[key] == olist[key], key


# ----------------------------------------------------------------------------------- BPIC 2013


@pytest.fixture(scope="module")
def bpic() -> dict[str, Any]:
    return audit(_bpic(), mapping=DEMO / "bpic2013-mapping.yaml", rules=DEMO / "rules_bpic2013.yaml").data


@pytest.fixture(scope="module")
def bpic_pd() -> pd.DataFrame:
    df = pd.read_csv(_bpic())
    df["ts"] = pd.to_datetime(df["Complete Timestamp"])
    df["row"] = range(len(df))
    return df.sort_values(["Case ID", "ts", "row"], kind="stable")


def test_bpic_log_dfg_and_variants(bpic: dict[str, Any], bpic_pd: pd.DataFrame) -> None:
    df = bpic_pd
    assert (bpic["log"]["cases"], bpic["log"]["events"]) == (df["Case ID"].nunique(), len(df)) == (1487, 6660)
    assert _activity_counts(bpic) == df["Activity"].value_counts().to_dict()
    nxt = df.groupby("Case ID")["Activity"].shift(-1)
    edges = Counter(zip(df["Activity"][nxt.notna()], nxt[nxt.notna()], strict=True))
    assert _edge(bpic, "Accepted-In Progress", "Completed-Closed") == edges[("Accepted-In Progress", "Completed-Closed")]
    assert len(bpic["dfg"]) == len(edges)
    variants = Counter(tuple(v) for v in df.groupby("Case ID")["Activity"].agg(list))
    ((top, n),) = variants.most_common(1)
    assert (tuple(bpic["variants"][0]["activities"]), bpic["variants"][0]["count"]) == (top, n)
    assert bpic["variants_total"] == len(variants)
    assert bpic["bpmn"] is None or set(bpic["bpmn"]["lanes"]) <= set(df["org:group"])
    SCHEMA.validate(bpic)


def test_bpic_rework_ping_pong_and_sla(bpic: dict[str, Any], bpic_pd: pd.DataFrame) -> None:
    df = bpic_pd
    per_case = df[df["Activity"] == "Accepted-In Progress"].groupby("Case ID").size()
    rework = _finding(bpic, "rework", "Accepted-In Progress")["metrics"]
    assert (rework["cases"], rework["extra_executions"]) == (int((per_case > 1).sum()), int((per_case - 1).sum()))
    # ping-pong between support groups: runs of the same group, then A -> B -> A
    pairs: Counter[frozenset[str]] = Counter()
    bouncing_cases = 0
    for _, groups in df.groupby("Case ID")["org:group"]:
        seq = list(groups.dropna())
        runs = [g for i, g in enumerate(seq) if i == 0 or g != seq[i - 1]]
        bounced = {frozenset((runs[i], runs[i + 1])) for i in range(len(runs) - 2) if runs[i] == runs[i + 2]}
        pairs.update(bounced)
        bouncing_cases += bool(bounced)
    # one finding for the role level, its pairs inside (issue 17): every pair's cases, the level's totals
    (role,) = [f for f in bpic["findings"] if f["kind"] == "ping_pong" and f["metrics"]["level"] == "role"]
    listed = {frozenset((r["a"], r["b"])): r["cases"] for r in role["evidence"]["rows"]}
    assert listed
    for pair, cases in listed.items():
        assert pairs[pair] == cases
    m = role["metrics"]
    assert (m["cases"], m["pairs"]) == (bouncing_cases, len(pairs))  # ping_pong_min is 1: every bouncing pair counts
    assert m["top_pair_cases"] == max(pairs.values()) == max(listed.values())
    # SLA: first "Accepted-In Progress" to the first "Completed-Closed" after it, within 30 days
    late = checked = 0
    for _, case in df.groupby("Case ID"):
        acts, ts = list(case["Activity"]), list(case["ts"])
        if "Accepted-In Progress" not in acts:
            continue
        i = acts.index("Accepted-In Progress")
        checked += 1
        j = next((k for k in range(i + 1, len(acts)) if acts[k] == "Completed-Closed"), None)
        assert j is not None  # closed problems: every case is closed
        late += (ts[j] - ts[i]).total_seconds() > 30 * DAY
    sla = _finding(bpic, "sla_violation")["metrics"]
    assert (sla["cases_checked"], sla["late"], sla["open_breaches"]) == (checked, late, 0)


def test_bpic_cli(tmp_path: Path, bpic: dict[str, Any]) -> None:
    data = _cli(
        tmp_path,
        ["audit", str(_bpic()), "--mapping", str(DEMO / "bpic2013-mapping.yaml"), "--rules", str(DEMO / "rules_bpic2013.yaml")],
    )
    for key in ("log", "dfg", "sla", "variants_total"):
        assert data[key] == bpic[key], key
    assert data["input"]["sources"][0]["mapping"]["activity"] == "Activity"
    assert data["input"]["sources"][0]["mapping"]["role"] == "org:group"
