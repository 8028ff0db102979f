"""``build_pack``: the whole audit pack from a To-Be definition and (optionally) an As-Is audit.

Writes, into one folder::

    index.html                     links everything (offline)
    report.docx, report.pdf        the report (TOC, diagrams, tables)
    workbooks/raci.xlsx            RACI matrix (coloured letters, validation)
    workbooks/backlog.xlsx         user stories and functional requirements
    workbooks/uat.xlsx             UAT scenarios with a status column
    workbooks/roadmap.xlsx         quick wins, training, KPIs
    workbooks/evidence.xlsx        every case behind every finding (when the audit has findings.csv)
    bpmn/tobe.bpmn, bpmn/asis.bpmn the To-Be compiled from the definition (all processes); the audit's As-Is
    diagrams/*.svg, *.png          the BPMN diagrams
    uat/<process>.feature          Gherkin scenarios (``# language: ru|en``)
    backlog_jira.csv, backlog_youtrack.csv
    asyncapi.yaml                  the event catalogue (AsyncAPI 3.0)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crmflow.bpmn.annotate import reword_notes
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.render import render_png, render_svg
from crmflow.bpmn.writer import write_bpmn
from crmflow.deliverables.asyncapi import asyncapi_yaml
from crmflow.deliverables.audit_input import AuditInput, load_audit, with_extras
from crmflow.deliverables.backlog import backlog_sheets, write_backlog_csv
from crmflow.deliverables.document import Document, Paragraph, Sheet, Workbook
from crmflow.deliverables.docx import write_docx
from crmflow.deliverables.gherkin import feature_text
from crmflow.deliverables.html import PackFile, write_index
from crmflow.deliverables.journey import check_measured_stages
from crmflow.deliverables.kpi import kpi_sheet
from crmflow.deliverables.messages import MSG, t
from crmflow.deliverables.pdf import write_pdf
from crmflow.deliverables.raci import check_raci, raci_sheet
from crmflow.deliverables.report import Diagram, build_report
from crmflow.deliverables.roadmap import roadmap_sheets
from crmflow.deliverables.sla import calendar_warning
from crmflow.deliverables.tobe_bpmn import compile_definitions, compiled_targets
from crmflow.deliverables.uat import Target, UatSuite, build_uat, uat_sheet
from crmflow.deliverables.xlsx import write_xlsx
from crmflow.design.loader import load_tobe
from crmflow.design.model import ToBeDefinition
from crmflow.errors import CrmflowError, PackError
from crmflow.findings.evidence import FINDINGS_CSV, evidence_sheet_rows
from crmflow.i18n import check_lang, error

StepFn = Callable[[str], None]
#: How many progress steps ``build_pack`` reports (for a progress bar's total).
PACK_STEPS = 7


@dataclass(frozen=True)
class PackResult:
    """What ``build_pack`` wrote: the folder, every file (grouped as in the index) and the UAT coverage."""

    folder: Path
    files: tuple[PackFile, ...]
    document: Document
    uat: UatSuite
    lang: str
    #: What the consultant must know before handing the pack over (the To-Be's calendar differs from the audit's…).
    warnings: tuple[str, ...] = ()

    def path(self, name: str) -> Path:
        """The absolute path of a pack file given its relative path (``"report.pdf"``)."""
        return self.folder / name

    @property
    def coverage_percent(self) -> float:
        return self.uat.coverage.percent()

    @property
    def written(self) -> tuple[Path, ...]:
        """Every file of the pack on disk, each once, ``index.html`` included: what "the pack has N files" counts.

        The index may list one file under several entries (the sheets of ``economics.xlsx``), so
        ``len(files)`` is not the number of files.
        """
        paths = dict.fromkeys([*(self.folder / f.path for f in self.files), self.folder / "index.html"])
        return tuple(p for p in paths if p.is_file())


def _load(tobe: ToBeDefinition | str | Path, lang: str) -> ToBeDefinition:
    if isinstance(tobe, ToBeDefinition):
        return tobe
    path = Path(tobe)
    if not path.exists():
        raise error(PackError, MSG, "err.tobe_missing", lang, path=path)
    return load_tobe(path)


def _diagrams(
    tobe: ToBeDefinition, audit: AuditInput | None, folder: Path, lang: str, files: list[PackFile], targets: list[Target]
) -> list[Diagram]:
    """Compile and draw the To-Be, copy and draw the As-Is; ``targets`` receives the compiled model's UAT targets."""
    (folder / "bpmn").mkdir(parents=True, exist_ok=True)
    (folder / "diagrams").mkdir(parents=True, exist_ok=True)
    out: list[Diagram] = []
    try:
        compiled = compile_definitions(tobe, lang=lang)
    except CrmflowError as exc:
        raise error(PackError, MSG, "err.compile", lang, source=tobe.source or tobe.id, error=exc) from exc
    definitions = compiled.definitions
    (folder / "bpmn" / "tobe.bpmn").write_bytes(write_bpmn(definitions))
    files.append(PackFile("models", t("file.tobe_bpmn", lang, process=tobe.name.get(lang)), "bpmn/tobe.bpmn"))
    svg, png = folder / "diagrams" / "tobe.svg", folder / "diagrams" / "tobe.png"
    svg.write_text(render_svg(definitions), encoding="utf-8")
    render_png(definitions, png)
    caption = t("doc.tobe_caption", lang, process=tobe.name.get(lang))
    files += [PackFile("diagrams", caption, "diagrams/tobe.svg"), PackFile("diagrams", caption + " (PNG)", "diagrams/tobe.png")]
    out.append(Diagram(png=png, svg=svg, caption=caption))
    targets.extend(compiled_targets(definitions, tobe, lang))
    if audit is not None and audit.asis_bpmn is not None:
        shutil.copyfile(audit.asis_bpmn, folder / "bpmn" / "asis.bpmn")
        files.append(PackFile("models", t("file.asis_bpmn", lang), "bpmn/asis.bpmn"))
        # the notes on flagged tasks were written in the audit's language: write them in the pack's
        definitions = reword_notes(read_bpmn(audit.asis_bpmn), audit.findings, lang=lang)
        (folder / "bpmn" / "asis.bpmn").write_bytes(write_bpmn(definitions))
        svg, png = folder / "diagrams" / "asis.svg", folder / "diagrams" / "asis.png"
        svg.write_text(render_svg(definitions), encoding="utf-8")
        render_png(definitions, png)
        caption = t("doc.asis_caption", lang)
        files += [
            PackFile("diagrams", caption, "diagrams/asis.svg"),
            PackFile("diagrams", caption + " (PNG)", "diagrams/asis.png"),
        ]
        out.append(Diagram(png=png, svg=svg, caption=caption))
    return out


def build_pack(
    tobe: ToBeDefinition | str | Path,
    *,
    out_dir: str | Path,
    audit: AuditInput | str | Path | None = None,
    lang: str = "en",
    quality: str | Path | None = None,
    journey: str | Path | None = None,
    progress: StepFn | None = None,
    simulation: str | Path | None = None,
) -> PackResult:
    """Generate the audit pack (see the module docstring for the files).

    Parameters
    ----------
    tobe
        A To-Be definition or the path of its YAML file.
    out_dir
        The folder to write (created; existing pack files are overwritten).
    audit
        An As-Is audit folder (``crmflow audit --out``) or a loaded :class:`AuditInput`, or None.
    lang
        ``"ru"`` or ``"en"``: the language of every document.
    quality, journey
        ``quality.json`` (data quality) and ``journey.json`` (customer journey), or the folders holding
        them, when they are not in the audit folder; both optional.
    progress
        Called with a short description before each of the :data:`PACK_STEPS` steps.
    simulation
        ``simulation.json`` of ``crmflow simulate`` (or its folder): adds the "Simulation and economic
        effect" section to the report and ``workbooks/economics.xlsx``; optional.

    Raises
    ------
    PackError
        When the To-Be is missing, its RACI is invalid, a journey stage's ``measured_stage`` is not in
        ``journey.json``, the To-Be cannot be compiled, or a document cannot be written.
    ToBeError
        When the To-Be file is invalid (from the loader: file, line and key).
    """
    lang = check_lang(lang)
    step = progress or (lambda _m: None)
    step(t("progress.load", lang))
    definition = _load(tobe, lang)
    check_raci(definition, lang=lang)
    step(t("progress.audit", lang))
    loaded = with_extras(
        audit if isinstance(audit, AuditInput) or audit is None else load_audit(audit), quality=quality, journey=journey
    )
    loaded = loaded.in_language(lang) if loaded is not None else None
    log_audit = loaded if loaded is not None and loaded.has_log else None
    check_measured_stages(definition, loaded.journey if loaded is not None else None, lang=lang)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[PackFile] = []

    step(t("progress.bpmn", lang))
    targets: list[Target] = []
    diagrams = _diagrams(definition, log_audit, folder, lang, files, targets)

    step(t("progress.uat", lang))
    suite = build_uat(definition, lang=lang, targets=targets)
    (folder / "uat").mkdir(exist_ok=True)
    for process in definition.processes:
        rel = f"uat/{process.id}.feature"
        (folder / rel).write_text(feature_text(definition, process, suite, lang=lang), encoding="utf-8")
        files.append(PackFile("uat", t("file.feature", lang, process=process.name.get(lang)), rel))

    step(t("progress.docs", lang))
    document = build_report(definition, loaded, suite, lang=lang, diagrams=tuple(diagrams))
    if simulation is not None:  # issue 14: the simulated scenarios and their P&L
        from dataclasses import replace

        from crmflow.deliverables.economics import build_economics, economics_sheet, load_simulation

        sim_data = load_simulation(simulation)
        document = replace(document, sections=(*document.sections, build_economics(sim_data, lang=lang)))
    write_docx(document, folder / "report.docx")
    write_pdf(document, folder / "report.pdf", root=folder)
    files[:0] = [
        PackFile("documents", t("file.report_docx", lang), "report.docx"),
        PackFile("documents", t("file.report_pdf", lang), "report.pdf"),
    ]

    step(t("progress.books", lang))
    books: list[tuple[str, Workbook]] = [
        ("raci", Workbook(name="RACI", sheets=(raci_sheet(definition, lang=lang),))),
        ("backlog", Workbook(name="Backlog", sheets=backlog_sheets(definition, lang=lang))),
        (
            "uat",
            Workbook(
                name="UAT",
                sheets=(uat_sheet(suite, lang=lang, processes={p.id: p.name.get(lang) for p in definition.processes}),),
            ),
        ),
        (
            "roadmap",
            Workbook(
                name="Roadmap",
                sheets=(*roadmap_sheets(definition, log_audit, lang=lang), kpi_sheet(definition, log_audit, lang=lang)),
            ),
        ),
    ]
    evidence_csv = None
    if loaded is not None and loaded.folder is not None:  # the file the audit's evidence section names
        full = loaded.audit.evidence
        evidence_csv = loaded.folder / (full.file if full is not None else FINDINGS_CSV)
    if evidence_csv is not None and evidence_csv.is_file():  # every case behind every finding
        header, rows, _total = evidence_sheet_rows(evidence_csv, lang=lang)
        sheet = Sheet(name=t("sheet.evidence", lang), header=header, rows=rows)
        books.append(("evidence", Workbook(name="Evidence", sheets=(sheet,))))
    for name, book in books:
        write_xlsx(book, folder / "workbooks" / f"{name}.xlsx")
        files.append(PackFile("workbooks", t(f"file.{name}_xlsx", lang), f"workbooks/{name}.xlsx"))
    if simulation is not None:
        sheet = economics_sheet(sim_data, lang=lang)
        write_xlsx(Workbook(name=sheet.name, sheets=(sheet,)), folder / "workbooks" / "economics.xlsx")
        files.append(PackFile("workbooks", sheet.name, "workbooks/economics.xlsx"))
    (folder / "asyncapi.yaml").write_text(asyncapi_yaml(definition, lang=lang), encoding="utf-8")
    files.append(PackFile("integration", t("file.asyncapi", lang), "asyncapi.yaml"))
    for path in write_backlog_csv(definition, folder, lang=lang):
        tracker = "jira" if "jira" in path.name else "youtrack"
        files.append(PackFile("integration", t(f"file.{tracker}", lang), path.name))

    step(t("progress.index", lang))
    cov = suite.coverage
    summary: list[str] = [b.text for b in document.sections[0].blocks if isinstance(b, Paragraph)]
    summary.append(
        t(
            "html.coverage",
            lang,
            percent=cov.percent() / 100,
            covered=sum(cov.covered.values()),
            targets=sum(cov.totals.values()),
        )
    )
    write_index(folder, title=t("html.title", lang, name=definition.name.get(lang)), summary=summary, files=files, lang=lang)
    warning = calendar_warning(definition, log_audit, lang)
    return PackResult(
        folder=folder, files=tuple(files), document=document, uat=suite, lang=lang, warnings=(warning,) if warning else ()
    )


__all__ = ["PACK_STEPS", "PackResult", "build_pack"]
