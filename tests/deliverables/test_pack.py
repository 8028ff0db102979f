"""`crmflow pack` end to end: every shipped example (and a small test model) with the demo audit,
in Russian and English; every generated file is opened again and checked."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from docx import Document as read_docx
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.deliverables.backlog import JIRA_COLUMNS, YOUTRACK_COLUMNS
from crmflow.deliverables.messages import t
from crmflow.deliverables.pack import PackResult, build_pack
from crmflow.design.loader import load_tobe
from crmflow.errors import PackError, ToBeError
from tests.deliverables.conftest import EXAMPLES, MINI

CASES = [pytest.param(p, lang, id=f"{p.stem}-{lang}") for p in [*EXAMPLES, MINI] for lang in ("ru", "en")]
PLACEHOLDER = re.compile(r"\b(TODO|TBD|XXX|FIXME|lorem|ipsum)\b", re.IGNORECASE)
#: The report's top-level sections, in order.
SECTIONS = (
    "doc.summary",
    "doc.diagrams",
    "cmp.title",
    "raci.title",
    "sla.title",
    "sop.title",
    "sipoc.title",
    "cjm.title",
    "kpi.title",
    "backlog.title",
    "uat.title",
    "plan.title",
    "api.section",
)


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def _outline_titles(path: Path) -> list[str]:
    reader = PdfReader(str(path))
    out: list[str] = []

    def walk(items) -> None:  # type: ignore[no-untyped-def]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(re.sub(r"^[\d.]+\s+", "", item.title))  # without the heading number

    walk(reader.outline)
    return out


def _all_text(result: PackResult) -> dict[str, str]:
    """Every generated file as text (documents and workbooks extracted)."""
    texts: dict[str, str] = {}
    for f in result.folder.rglob("*"):
        rel = f.relative_to(result.folder).as_posix()
        if f.suffix in (".html", ".feature", ".csv", ".yaml", ".svg", ".bpmn"):
            texts[rel] = f.read_text(encoding="utf-8-sig")
        elif f.suffix == ".docx":
            doc = read_docx(str(f))
            cells = [c.text for table in doc.tables for row in table.rows for c in row.cells]
            texts[rel] = "\n".join([p.text for p in doc.paragraphs] + cells)
        elif f.suffix == ".pdf":
            texts[rel] = _pdf_text(f)
        elif f.suffix == ".xlsx":
            wb = load_workbook(f)
            texts[rel] = "\n".join(
                str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
            )
    return texts


@pytest.mark.parametrize(("tobe_path", "lang"), CASES)
def test_pack_writes_every_deliverable(pack_factory, tobe_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    result = pack_factory(tobe_path, lang)
    tobe = load_tobe(tobe_path)
    folder = result.folder
    steps = [s for _p, s in tobe.steps()]
    expected = {
        "index.html",
        "report.docx",
        "report.pdf",
        "asyncapi.yaml",
        "backlog_jira.csv",
        "backlog_youtrack.csv",
        "bpmn/tobe.bpmn",
        "bpmn/asis.bpmn",
        "diagrams/tobe.svg",
        "diagrams/tobe.png",
        "diagrams/asis.svg",
        "diagrams/asis.png",
        "workbooks/raci.xlsx",
        "workbooks/backlog.xlsx",
        "workbooks/uat.xlsx",
        "workbooks/roadmap.xlsx",
        *(f"uat/{p.id}.feature" for p in tobe.processes),
    }
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert expected <= written

    # UAT: 100 % of the compiled model's branches and escalation levels, and of the rules
    cov = result.uat.coverage
    assert cov.totals["branch"] == sum(
        len(g.branches) for p in tobe.processes for g in p.gateways if len(g.branches) > 1
    ) + 2 * sum(1 for t_ in result.uat.targets if t_.id.endswith("_resolved->yes"))
    assert cov.totals["escalation"] >= sum(1 for s in steps for sla in s.slas)
    assert cov.percent("branch") == 100.0 and cov.percent("escalation") == 100.0 and cov.percent("rule") == 100.0
    assert cov.uncovered == ()

    # DOCX: headings in order, a TOC field, the RACI table with one row per task, both diagrams
    doc = read_docx(str(folder / "report.docx"))
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == [t(k, lang) for k in SECTIONS]
    assert 'TOC \\o "1-3"' in doc.element.xml
    raci = next(tb for tb in doc.tables if tb.rows[0].cells[1].text == t("col.task", lang))
    assert len(raci.rows) - 1 == len(steps)
    for row in raci.rows[1:]:
        letters = [c.text for c in row.cells[2:]]
        assert sum("A" in x for x in letters) == 1 and any("R" in x for x in letters)
    assert len(doc.inline_shapes) == 2
    assert [s.orientation for s in doc.sections] == [0, 1, 0, 1, 0]  # the diagrams on landscape pages

    # PDF: the headings are in the outline and in the text, in the pack's language
    titles = _outline_titles(folder / "report.pdf")
    for key in SECTIONS:
        assert t(key, lang) in titles
    pdf_text = _pdf_text(folder / "report.pdf")
    assert t("raci.title", lang) in pdf_text and t("uat.title", lang).split(" (")[0] in pdf_text
    if lang == "ru":
        assert "Сценарии приёмочного тестирования" in pdf_text and "Матрица RACI" in pdf_text

    # XLSX: RACI rows = tasks, UAT rows = scenarios, stories = tasks, roadmap rows = audit findings
    ws = load_workbook(folder / "workbooks" / "raci.xlsx").worksheets[0]
    assert ws.max_row - 1 == len(steps) and ws.freeze_panes == "B2"
    assert load_workbook(folder / "workbooks" / "uat.xlsx").worksheets[0].max_row - 1 == len(result.uat.scenarios)
    backlog = load_workbook(folder / "workbooks" / "backlog.xlsx")
    assert backlog.worksheets[0].max_row - 1 == len(steps)
    roadmap = load_workbook(folder / "workbooks" / "roadmap.xlsx")
    assert [w.title for w in roadmap.worksheets] == [t("plan.sheet", lang), t("plan.training", lang), "KPI"]
    assert roadmap.worksheets[2].max_row - 1 == len(tobe.kpis)

    # Gherkin: the language header and keywords of the pack's language
    for p in tobe.processes:
        feature = (folder / "uat" / f"{p.id}.feature").read_text(encoding="utf-8")
        assert feature.startswith(f"# language: {lang}\n")
        assert ("Функция:" in feature and "Сценарий:" in feature) if lang == "ru" else "Feature:" in feature

    # CSV for Jira and YouTrack: their column names, one epic per process, one story per task
    for name, columns in (("backlog_jira.csv", JIRA_COLUMNS), ("backlog_youtrack.csv", YOUTRACK_COLUMNS)):
        rows = list(csv.reader((folder / name).read_text(encoding="utf-8-sig").splitlines()))
        assert tuple(rows[0]) == columns
        kinds = [r[2] for r in rows[1:]]
        assert kinds.count("Epic") == len(tobe.processes) and kinds.count("Story") == len(steps)

    # index.html links every file, and every link exists
    html = (folder / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', html))
    assert expected - {"index.html"} <= links
    assert all((folder / link).exists() for link in links)

    # nothing is placeholder text
    for rel, body in _all_text(result).items():
        assert not PLACEHOLDER.search(body), f"{rel}: {PLACEHOLDER.search(body)}"


def test_numbers_come_from_the_audit(pack_factory, demo_audit: Path) -> None:  # type: ignore[no-untyped-def]
    audit = json.loads((demo_audit / "audit.json").read_text(encoding="utf-8"))
    result = pack_factory(MINI, "en")
    kpis = load_workbook(result.folder / "workbooks" / "roadmap.xlsx")["KPI"]
    rows = {r[0]: r for r in kpis.iter_rows(min_row=2, values_only=True)}
    median_h = audit["case_durations"]["median_s"] / 3600
    assert rows["Median duration"][5] == f"{median_h:.1f}"
    sla = next(s for s in audit["sla"] if s["name"] == "first-contact")
    assert rows["First contact in time"][5] == f"{sla['compliance'] * 100:.1f}"
    plan = load_workbook(result.folder / "workbooks" / "roadmap.xlsx").worksheets[0]
    assert plan.max_row - 1 == len(audit["findings"])
    doc = read_docx(str(result.folder / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{len(audit['findings'])} problems" in text


def test_pack_without_audit_says_so(tmp_path: Path) -> None:
    result = build_pack(MINI, out_dir=tmp_path, lang="ru")
    assert not (tmp_path / "bpmn" / "asis.bpmn").exists()
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Покрытие UAT: 100\u00a0%" in text  # the language's percent (issue 17: not "100.0 %")
    doc = read_docx(str(tmp_path / "report.docx"))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert t("cmp.no_audit", "ru") in body and t("plan.no_audit", "ru") in body
    assert len(result.files) == 13
    on_disk = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert sorted(result.written) == on_disk  # "N files" is what the folder holds, index.html included


def test_a_task_with_two_accountable_roles_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "two_a.yaml"
    broken.write_text(
        MINI.read_text(encoding="utf-8").replace(
            "raci: {R: expert, A: lead}, journey_stage: answer, next: join}",
            "raci: {R: expert, A: [lead, expert]}, next: join}",
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(ToBeError, match="A"):
        build_pack(broken, out_dir=tmp_path / "out", lang="en")
    assert not (tmp_path / "out" / "report.docx").exists()


def test_a_definition_built_in_code_is_checked_too(tmp_path: Path) -> None:
    from dataclasses import replace

    from crmflow.design.model import Raci

    tobe = load_tobe(MINI)
    process = tobe.processes[0]
    flow = tuple(
        replace(n, raci=Raci(responsible=("agent",), accountable=("lead", "expert"))) if n.id == "resolve" else n
        for n in process.flow
    )
    broken = replace(tobe, processes=(replace(process, flow=flow),))
    with pytest.raises(PackError, match="resolve"):
        build_pack(broken, out_dir=tmp_path, lang="ru")


def test_missing_inputs_are_clear_errors(tmp_path: Path, demo_audit: Path) -> None:
    with pytest.raises(PackError, match="does not exist"):
        build_pack(tmp_path / "nope.yaml", out_dir=tmp_path, lang="en")
    with pytest.raises(PackError, match="choose one of its audits: .*bitrix24"):
        build_pack(MINI, out_dir=tmp_path, audit=demo_audit.parent, lang="en")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "audit.json").write_text("{}", encoding="utf-8")
    with pytest.raises(PackError, match="not an audit document"):
        build_pack(MINI, out_dir=tmp_path, audit=bad, lang="en")


def test_cli_pack(tmp_path: Path, demo_audit: Path) -> None:
    res = CliRunner().invoke(
        app, ["pack", "--tobe", str(MINI), "--audit", str(demo_audit), "--out", str(tmp_path), "--lang", "ru"]
    )
    assert res.exit_code == 0, res.output
    assert "Пакет аудита записан" in res.output and "покрытие 100\u00a0%" in res.output
    res = CliRunner().invoke(app, ["pack", "--tobe", str(MINI), "--audit", str(demo_audit.parent), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "no audit.json there" in res.output


def test_asyncapi_is_a_valid_asyncapi_3_document(pack_factory) -> None:  # type: ignore[no-untyped-def]
    from jsonschema import Draft202012Validator

    result = pack_factory(MINI, "en")
    doc = yaml.safe_load((result.folder / "asyncapi.yaml").read_text(encoding="utf-8"))
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] and doc["info"]["version"] == "2"

    def resolve(ref: str):  # type: ignore[no-untyped-def]
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    assert set(doc["channels"]) == {"ticket_opened", "ticket_closed"}
    for channel in doc["channels"].values():
        assert channel["address"] in ("ticket.opened", "ticket.closed")
        for msg in channel["messages"].values():
            Draft202012Validator.check_schema(resolve(resolve(msg["$ref"])["payload"]["$ref"]))
    actions = sorted((op["action"], op["x-crmflow-party"]) for op in doc["operations"].values())
    assert actions == [("receive", "expert"), ("receive", "lead"), ("send", "crm"), ("send", "crm")]
    for op in doc["operations"].values():
        assert op["action"] in ("send", "receive")
        channel = resolve(op["channel"]["$ref"])
        for m in op["messages"]:
            assert m["$ref"].startswith(op["channel"]["$ref"] + "/messages/")
            assert resolve(m["$ref"]) in channel["messages"].values()
    opened = resolve("#/components/schemas/ticket_opened_payload")
    assert opened["required"] == ["ticket_id", "opened_at"]
    assert opened["properties"]["opened_at"] == {"type": "string", "format": "date-time"}


def test_quality_and_journey_results_are_used(tmp_path: Path, demo_audit: Path) -> None:
    from crmflow.mining.journey import ChannelCount, CustomerJourney, JourneyStage, Percentiles
    from crmflow.quality.run import assess_quality

    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "id,name,phone,email\n1,Иван Петров,+79161234567,ivan@example.ru\n"
        "2,Иван Петров,89161234567,ivan@example.ru\n3,Анна,123,not-an-email\n4,,+79031112233,\n",
        encoding="utf-8",
    )
    assess_quality([contacts], lang="en").write(tmp_path / "quality")

    def stage(name: str, reached: int, dropped: int, days: float) -> JourneyStage:
        return JourneyStage(
            name=name,
            object_types=("ticket",),
            activities=(),
            reached=reached,
            share=None,
            conversion=None,
            dropped=dropped,
            dropped_sample=(),
            skipped=0,
            days_from_start=Percentiles(reached, days, days),
            days_from_previous=Percentiles(reached, days, days),
            touchpoints=Percentiles(reached, 1, 2),
            channels=(ChannelCount("email", reached),),
        )

    journey = CustomerJourney(
        log="tickets",
        anchor_type="client",
        customers=100,
        ordered=True,
        channel_attribute="origin",
        via_events=False,
        max_depth=3,
        stages=(stage("Request", 90, 10, 0.5), stage("Answer", 60, 30, 2.0)),
    )
    (tmp_path / "journey.json").write_text(journey.to_json(), encoding="utf-8")

    result = build_pack(
        MINI,
        out_dir=tmp_path / "pack",
        audit=demo_audit,
        quality=tmp_path / "quality",
        journey=tmp_path / "journey.json",
        lang="en",
    )
    doc = read_docx(str(result.folder / "report.docx"))
    quality = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == "Entity")
    assert [c.text for c in quality.rows[1].cells[:4]] == ["contacts", "4", "2", "50%"]
    # the duplicate cluster with its records side by side, the score and why
    records = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == "record")
    header = [c.text for c in records.rows[0].cells]
    assert header[:2] == ["record", "name"] and "phone" in header and "e-mail" in header
    rows = [[c.text for c in row.cells] for row in records.rows[1:]]
    assert [r[0] for r in rows] == ["1 (survives)", "2 (merged into it)"]
    assert [r[header.index("phone")] for r in rows] == ["+79161234567", "89161234567"]
    notes = [p.text for p in doc.paragraphs]
    assert any(p.startswith("Cluster 1: 2 records, match probability") for p in notes)
    assert any(p.startswith("1 ↔ 2: ") and "phone agrees (+" in p for p in notes)
    cjm = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == t("cjm.stage", "en"))
    request, answer = ([c.text.replace("\u00a0", " ") for c in row.cells] for row in cjm.rows[1:])
    assert request[4] == "12h" and request[5] == "10 of 100 (10%)" and "measured: email: 90" in request[2]
    assert answer[4] == "2 calendar days" and answer[5] == "30 of 90 (33.3%)"
    with pytest.raises(PackError, match="no journey.json there"):
        build_pack(MINI, out_dir=tmp_path / "p2", journey=tmp_path / "quality", lang="en")


def test_a_to_be_calendar_that_differs_from_the_audits_is_said(demo_audit: Path, tmp_path: Path) -> None:
    from crmflow.deliverables.audit_input import load_audit
    from crmflow.deliverables.sla import calendar_differences

    lead = next(p for p in EXAMPLES if p.name == "incoming_lead.yaml")
    audit = load_audit(demo_audit)
    assert audit.audit.rules is not None and audit.audit.rules["calendar"]["working_hours"] == "09:00-19:00"
    assert calendar_differences(load_tobe(lead), audit) == [("hours", "09:00–18:00", "09:00–19:00")]
    res = CliRunner().invoke(app, ["pack", "--tobe", str(lead), "--audit", str(demo_audit), "--out", str(tmp_path)])
    said = " ".join(res.output.split())
    assert res.exit_code == 0, res.output
    assert "the To-Be's working calendar differs from the one the audit measured in" in said
    assert "working hours: 09:00–18:00 in the To-Be, 09:00–19:00 in the audit" in said
    body = "\n".join(p.text for p in read_docx(str(tmp_path / "report.docx")).paragraphs)
    assert "09:00–18:00 in the To-Be, 09:00–19:00 in the audit" in body  # in the SLA section of the document
    same = build_pack(lead, out_dir=tmp_path / "no_audit", lang="ru")
    assert same.warnings == ()  # nothing to compare without an audit
