"""End to end: `crmflow demo` runs the whole job, and its outputs carry the planted truth.

One run of the command (in Russian) per module: two audits, data quality, customer journey, ERD,
DFD, the audit pack of the incoming-lead To-Be, and `index.html` linking all of it. The To-Be
examples are checked against the demo audits: every As-Is activity, finding reference and KPI
measure they name exists in the audit they correspond to.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from itertools import combinations
from pathlib import Path

import pytest
from docx import Document as read_docx
from openpyxl import load_workbook
from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.deliverables.audit_input import load_audit
from crmflow.deliverables.kpi import baseline
from crmflow.deliverables.messages import t
from crmflow.design.loader import load_tobe

EXAMPLES = Path(str(files("crmflow.design") / "examples"))
#: Which demo audit each To-Be example speaks the language of.
EXAMPLE_AUDIT = {"incoming_lead": "bitrix24", "b2b_deal": "bitrix24", "service_ticket": "helpdesk"}
MEASURES = (
    "sla_compliance",
    "conversion",
    "median_wait",
    "median_case_duration",
    "p90_case_duration",
    "rework_share",
    "stuck_share",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo_full") / "demo"
    res = CliRunner().invoke(app, ["--lang", "ru", "demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def _links(html_file: Path) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html_file.read_text(encoding="utf-8")))


def test_one_index_links_every_result(demo: tuple[Path, str]) -> None:
    out, output = demo
    index = out / "index.html"
    assert f"Откройте первым: {index.resolve()}" in output.replace("\n", "")
    links = _links(index)
    assert {
        "bitrix24/report.html",
        "helpdesk/report.html",
        "quality/quality.html",
        "architecture/erd.svg",
        "architecture/dfd.svg",
        "journey/journey.json",
        "pack/index.html",
        "pack/report.pdf",
    } <= links
    assert all((out / link).is_file() for link in links), [link for link in links if not (out / link).is_file()]
    html = index.read_text(encoding="utf-8")
    assert '<html lang="ru">' in html and "Качество данных" in html and "<script" not in html
    # the pack's own index resolves too
    pack_links = _links(out / "pack" / "index.html")
    assert "report.docx" in pack_links and all((out / "pack" / link).exists() for link in pack_links)
    # every step printed where its result is, as it was written
    flat = output.replace("\n", "")
    assert output.count("✓") == 9
    for rel in (
        "bitrix24/report.html",
        "helpdesk/report.html",
        "quality/quality.html",
        "architecture/erd.svg",
        "architecture/dfd.svg",
        "pack/index.html",
    ):
        assert str(out / rel) in flat, rel


def test_the_demo_counts_the_pack_files_it_wrote(demo: tuple[Path, str]) -> None:
    out, output = demo
    on_disk = sum(1 for p in (out / "pack").rglob("*") if p.is_file())
    start = (out / "index.html").read_text(encoding="utf-8")  # the terminal table wraps its cells; the page does not
    assert f"файлов: {on_disk}, покрытие UAT" in start  # counted, as `crmflow pack` counts
    total = len(json.loads((out / "bitrix24" / "audit.json").read_text(encoding="utf-8"))["findings"])
    if total > 15:  # the demo's findings table says how many it left out and where the rest are
        assert f"остальные ({total - 15})" in " ".join(output.split())


def test_quality_names_the_planted_records(demo: tuple[Path, str]) -> None:
    out, _ = demo
    truth = json.loads((out / "data" / "crm" / "quality_ground_truth.json").read_text(encoding="utf-8"))
    q = json.loads((out / "quality" / "quality.json").read_text(encoding="utf-8"))

    def ids(values: list[str]) -> list[int]:
        return sorted(int(v) for v in values)

    contacts = truth["contacts"]
    assert q["primary"] == "contacts"
    assert ids(q["validity"]["phone"]["invalid_ids"]) == contacts["invalid_phone_ids"]
    assert set(q["validity"]["phone"]["by_reason"]) == {"too_short", "placeholder", "letters", "too_long"}
    assert ids(q["validity"]["email"]["invalid_ids"]) == contacts["invalid_email_ids"]
    assert ids(q["completeness"]["missing_ids"]) == contacts["missing_ids"]

    def pairs(clusters: list[list[int]]) -> set[tuple[int, int]]:
        return {p for c in clusters for p in combinations(sorted(int(i) for i in c), 2)}

    entities = {e["name"]: e for e in q["entities"]}
    for name in ("contacts", "companies"):
        true, found = pairs(truth[name]["clusters"]), pairs(entities[name]["duplicates"]["clusters"])
        assert len(true) > 20
        assert len(true & found) / len(found) >= 0.95 and len(true & found) / len(true) >= 0.95, name
    assert pairs(q["duplicates"]["clusters"]) == pairs(entities["contacts"]["duplicates"]["clusters"])
    assert ids(entities["companies"]["validity"]["inn"]["invalid_ids"]) == truth["companies"]["invalid_inn_ids"]

    deals = entities["deals"]
    assert deals["records"] == 240 and deals["quarantined"] == 0  # the cp1251 `;` export is read whole
    assert ids(deals["validity"]["amount"]["invalid_ids"]) == truth["deals"]["bad_amount_ids"]
    assert ids(deals["completeness"]["missing_ids"]) == truth["deals"]["missing_amount_ids"]
    assert ids(deals["references"][0]["orphan_ids"]) == truth["deals"]["orphan_company_ids"]
    order = next(d for d in q["consistency"]["date_order"] if d["name"] == "closed after created")
    assert ids(order["violation_ids"]) == truth["deals"]["closed_before_created_ids"]


def test_pack_links_measured_findings_and_baselines(demo: tuple[Path, str]) -> None:
    out, _ = demo
    audit = json.loads((out / "bitrix24" / "audit.json").read_text(encoding="utf-8"))
    doc = read_docx(str(out / "pack" / "report.docx"))
    cells = [[c.text.replace("\u00a0", " ") for c in row.cells] for tb in doc.tables for row in tb.rows]
    sla = next(f for f in audit["findings"] if f["kind"] == "sla_violation" and f["key"] == "first-contact")
    # the As-Is vs To-Be table links the measured finding to the step that addresses it
    title = sla["title"].replace("\u00a0", " ")[:40]  # numbers are grouped with a no-break space, as the cells
    contact = next(r for r in cells if "Первый контакт" in r and any(title in c for c in r))
    assert contact
    # the CJM measures waiting and drop-off at the demo's stages
    cjm = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == t("cjm.stage", "ru"))
    rows = [[c.text for c in r.cells] for r in cjm.rows[1:]]
    measured = [r for r in rows if r[4] != t("cjm.not_measured", "ru")]
    assert len(measured) >= 3
    first = next(s for s in audit["funnel"]["stages"] if s["stage"] == "Первый контакт")
    assert any(f"{first['lost_here']} из {first['cases']}" in r[5] for r in rows)
    # ... and shows the measured customer journey at the stages the To-Be maps to it (measured_stage)
    journey = {s["name"]: s for s in json.loads((out / "journey" / "journey.json").read_text(encoding="utf-8"))["stages"]}
    by_stage = {r[0]: r for r in rows}
    for stage, name, prev in (("Заявка", "Lead", None), ("Квалификация", "Deal", "Lead"), ("Решение", "Won", "Deal")):
        m, row = journey[name], by_stage[stage]
        entered = journey[prev]["reached"] if prev else m["reached"] + m["dropped"]
        assert row[7].startswith(f"{name}: {m['reached']} (") and "конверсия" in row[7], row
        assert row[5].replace("\u00a0", " ").startswith(f"{m['dropped']} из {entered} ("), row
    # no measured journey stage: the reach is the Bitrix24 funnel's count of cases, said so (was a bare "—")
    assert by_stage["Первый контакт"][7] == t("cjm.reach_cases", "ru", reached=first["cases"])
    # the KPI dashboard shows the As-Is baseline computed from the audit
    kpis = load_workbook(out / "pack" / "workbooks" / "roadmap.xlsx")["KPI"]
    # the formula is kept beside the words in brackets; numbers are written the Russian way (issue 17)
    by_formula = {str(r[2]).strip("[]"): r for r in kpis.iter_rows(min_row=2, values_only=True)}
    rule = next(s for s in audit["sla"] if s["name"] == "first-contact")

    def ru(x: float) -> str:
        return f"{x:.1f}".replace(".", ",")

    assert by_formula["sla_compliance(first-contact)"][5] == ru(rule["compliance"] * 100)
    stuck = next(f for f in audit["findings"] if f["kind"] == "stuck_case")
    assert by_formula["stuck_share"][5] == ru(stuck["metrics"]["stuck_cases"] / audit["log"]["cases"] * 100)
    # data quality is in the pack too
    quality = next(tb for tb in doc.tables if len(tb.rows) > 1 and tb.rows[1].cells[0].text == "contacts")
    assert quality.rows[1].cells[1].text == "500"


@pytest.mark.parametrize("example", sorted(EXAMPLE_AUDIT))
def test_examples_speak_the_demo_language(demo: tuple[Path, str], example: str) -> None:
    out, _ = demo
    audit = load_audit(out / EXAMPLE_AUDIT[example])
    tobe = load_tobe(EXAMPLES / f"{example}.yaml")
    activities = {a.activity for a in audit.audit.activities}
    steps = [s for _p, s in tobe.steps()]
    named = {a for s in steps for a in s.as_is}
    assert named and named <= activities, named - activities
    refs = [r for s in steps for r in s.findings_addressed]
    assert len(refs) >= 5
    for ref in refs:
        assert audit.findings_for((ref,)), f"{example}: {ref} matches no finding of the demo audit"
    measured = [k for k in tobe.kpis if (k.formula or "").split("(")[0].strip() in MEASURES]
    assert len(measured) >= 3
    for kpi in measured:
        b = baseline(kpi, audit, "en")
        assert b.value is not None, f"{example}: KPI {kpi.id} ({kpi.formula}): {b.reason}"


def test_unknown_tobe_is_a_clear_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "d"), "--tobe", "nope"])
    assert res.exit_code == 2
    assert "--tobe nope" in res.output and "incoming_lead, b2b_deal" in res.output
    assert not (tmp_path / "d").exists()


def test_erd_finds_every_journey_relation_despite_the_dirty_key(demo: tuple[Path, str]) -> None:
    out, _ = demo
    erd = json.loads((out / "architecture" / "erd.json").read_text(encoding="utf-8"))
    assert {(r["child"], r["child_column"], r["parent"]) for r in erd["relations"]} == {
        ("deals", "lead_id", "leads"),
        ("invoices", "deal_id", "deals"),
        ("payments", "invoice_id", "invoices"),
        ("tickets", "deal_id", "deals"),
    }
    (finding,) = erd["key_findings"]
    deals = next(e for e in erd["entities"] if e["name"] == "deals")
    assert (finding["entity"], finding["column"], finding["empty_rows"]) == ("deals", "deal_id", 1)
    assert finding["empty_sample"] == [deals["rows"]]  # the planted row, the last of deals.csv
    assert "Качество ключей" in (out / "architecture" / "erd.svg").read_text(encoding="utf-8")
