"""``run_demo``: the whole crmflow job on shipped and generated data, behind ``crmflow demo``.

One call writes, into one folder::

    data/                     the generated inputs (Bitrix24 export, CRM records, journey tables) and their truth
    bitrix24/                 the As-Is audit of the Bitrix24 stage history (report.html, audit.json, asis.bpmn)
    helpdesk/                 the As-Is audit of the shipped helpdesk log
    quality/                  data quality of contacts, companies and deals (quality.html, quality.json)
    journey/                  the customer journey across lead → deal → invoice → payment → ticket
    architecture/             ERD (SVG, Mermaid, JSON) and DFD (SVG, JSON) from the data and the inventory
    pack/                     the audit pack of a To-Be example with the Bitrix24 audit, quality and journey
    index.html                one page linking all of it — the file to open first

Each step is a library call (:func:`crmflow.asis.audit`, :func:`crmflow.quality.run.assess_quality`,
:func:`crmflow.mining.journey.journey_from_tables`, :func:`crmflow.architecture.erd.infer_erd`,
:func:`crmflow.architecture.dfd.discover_dfd`, :func:`crmflow.deliverables.pack.build_pack`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from crmflow.demo.index import DemoOutput, write_demo_index
from crmflow.demo.messages import DEMO, t
from crmflow.errors import PackError
from crmflow.findings.model import Finding
from crmflow.i18n import check_lang, error

__all__ = ["DEMO_STEPS", "DEMO_TOBES", "DemoResult", "DemoTobe", "run_demo"]

#: How many progress steps :func:`run_demo` reports.
DEMO_STEPS = 9
#: The To-Be examples that speak the Bitrix24 demo's stage names.
DemoTobe = Literal["incoming_lead", "b2b_deal"]
DEMO_TOBES: tuple[str, ...] = ("incoming_lead", "b2b_deal")

StepFn = Callable[[str], None]
OutputFn = Callable[[DemoOutput], None]


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` wrote.

    Attributes
    ----------
    folder
        The demo folder.
    index_path
        ``folder/index.html`` — the one page to open first.
    outputs
        Every result in the order written (see :class:`~crmflow.demo.index.DemoOutput`).
    seconds
        Wall-clock seconds per step key.
    findings
        The Bitrix24 audit's findings (for a summary on the terminal).
    """

    folder: Path
    index_path: Path
    outputs: tuple[DemoOutput, ...]
    seconds: dict[str, float] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    def output(self, key: str) -> DemoOutput:
        """The output a step wrote (``KeyError`` if the step did not run)."""
        for o in self.outputs:
            if o.key == key:
                return o
        raise KeyError(key)


def _audit_detail(data: dict[str, Any], lang: str) -> str:
    log = data.get("log") or {}
    found = data.get("findings") or []
    return t(
        "out.audit.detail",
        lang,
        cases=log.get("cases", 0),
        events=log.get("events", 0),
        findings=len(found),
        high=sum(1 for f in found if f.get("severity") == "high"),
    )


def run_demo(
    out_dir: str | Path,
    *,
    lang: str = "en",
    tobe: DemoTobe | str = "incoming_lead",
    n_deals: int = 1500,
    progress: StepFn | None = None,
    on_output: OutputFn | None = None,
) -> DemoResult:
    """Run the whole job: generate, audit two processes, measure data quality, journey, ERD, DFD, pack.

    Parameters
    ----------
    out_dir
        The folder to write (created; files of an earlier run are overwritten).
    lang
        ``"ru"`` or ``"en"``: the language of every report, document and message.
    tobe
        The shipped To-Be example of the pack: ``incoming_lead`` or ``b2b_deal`` (both use the Bitrix24
        demo's stage names, so the pack links its measured findings).
    n_deals
        Deals in the generated Bitrix24 export.
    progress
        Called with a short description before each of the :data:`DEMO_STEPS` steps.
    on_output
        Called with each result as soon as it is written (to print where it is).

    Returns
    -------
    DemoResult
        The folder, ``index.html`` and every output.

    Raises
    ------
    crmflow.errors.PackError
        When ``tobe`` is not one of :data:`DEMO_TOBES`.
    crmflow.errors.CrmflowError
        When a step fails (its own error: the demo does not hide it).
    """
    from crmflow.architecture.dfd import discover_dfd, write_dfd
    from crmflow.architecture.erd import infer_erd, write_erd
    from crmflow.asis import AuditResult, audit
    from crmflow.deliverables.pack import build_pack
    from crmflow.demo.bitrix import generate_bitrix_demo
    from crmflow.demo.journeys import generate_journeys
    from crmflow.demo.quality_set import generate_quality_demo
    from crmflow.mining.journey import journey_from_tables
    from crmflow.quality.run import assess_quality

    lang = check_lang(lang)
    if tobe not in DEMO_TOBES:
        raise error(PackError, DEMO, "err.tobe", lang, value=tobe, choices=", ".join(DEMO_TOBES))
    step = progress or (lambda _m: None)
    folder = Path(out_dir)
    data_dir = folder / "data"
    outputs: list[DemoOutput] = []
    seconds: dict[str, float] = {}
    demo_pkg = files("crmflow.demo")

    def emit(o: DemoOutput, started: float) -> None:
        seconds[o.key] = round(time.perf_counter() - started, 2)
        outputs.append(o)
        if on_output is not None:
            on_output(o)

    started = time.perf_counter()
    step(t("step.bitrix_data", lang))
    bitrix = generate_bitrix_demo(data_dir, n_deals=n_deals)
    emit(
        DemoOutput(
            "bitrix_data",
            "data",
            t("out.bitrix_data", lang),
            t(
                "out.bitrix_data.detail",
                lang,
                rows=bitrix.n_data_rows,
                deals=bitrix.n_deals,
                broken=len(bitrix.planted["broken_rows"]),
            ),
            bitrix.csv_path,
            ((t("link.truth", lang), bitrix.ground_truth_path), (t("link.rules", lang), bitrix.rules_path)),
        ),
        started,
    )

    def audit_step(key: str, log: Path, rules: Path, sub: str) -> AuditResult:
        started = time.perf_counter()
        step(t(f"step.{key}", lang))
        result = audit(log, rules=rules, lang=lang)
        written = result.write(folder / sub, lang=lang)
        emit(
            DemoOutput(
                key,
                "audits",
                t(f"out.{key}", lang),
                _audit_detail(result.data, lang),
                written.html_path,
                ((t("link.audit_json", lang), written.json_path), (t("link.asis_bpmn", lang), folder / sub / "asis.bpmn")),
            ),
            started,
        )
        return result

    bitrix_audit = audit_step("bitrix_audit", bitrix.csv_path, bitrix.rules_path, "bitrix24")
    helpdesk = Path(str(demo_pkg / "data" / "helpdesk.xes.gz"))
    audit_step("helpdesk_audit", helpdesk, Path(str(demo_pkg / "rules_helpdesk.yaml")), "helpdesk")

    started = time.perf_counter()
    step(t("step.quality", lang))
    records = generate_quality_demo(data_dir / "crm")
    report = assess_quality(records.inputs, rules=records.rules_path, lang=lang)
    q_out = report.write(folder / "quality", lang=lang)
    q = report.data
    inns = sum(len((e.get("validity") or {}).get("inn", {}).get("invalid_ids") or []) for e in q["entities"])
    clusters = sum(len((e.get("duplicates") or {}).get("clusters") or []) for e in q["entities"])
    emit(
        DemoOutput(
            "quality",
            "quality",
            t("out.quality", lang),
            t(
                "out.quality.detail",
                lang,
                records=sum(int(e["records"]) for e in q["entities"]),
                phones=len(q["validity"]["phone"]["invalid_ids"]),
                inns=inns,
                clusters=clusters,
            ),
            q_out.html_path,
            ((t("link.quality_json", lang), q_out.json_path), (t("link.truth", lang), records.ground_truth_path)),
        ),
        started,
    )

    started = time.perf_counter()
    step(t("step.journey", lang))
    journeys = generate_journeys(data_dir / "journeys")
    tables = list(journeys.tables.values())
    run = journey_from_tables(tables, model=journeys.model, out_dir=folder / "journey")
    j = run.journey
    emit(
        DemoOutput(
            "journey",
            "architecture",
            t("out.journey", lang),
            t("out.journey.detail", lang, customers=j.customers, stages=" → ".join(f"{s.name} {s.reached}" for s in j.stages)),
            run.outputs["journey"],
            ((t("link.ocel", lang), run.outputs["ocel"]),),
        ),
        started,
    )

    started = time.perf_counter()
    step(t("step.erd", lang))
    erd = infer_erd(tables)
    erd_paths = write_erd(erd, folder / "architecture", lang=lang)
    emit(
        DemoOutput(
            "erd",
            "architecture",
            t("out.erd", lang),
            t(
                "out.erd.detail",
                lang,
                entities=len(erd.entities),
                relations=len(erd.relations),
                orphans=sum(r.orphans for r in erd.relations),
            ),
            erd_paths["svg"],
            ((t("link.erd_mmd", lang), erd_paths["mermaid"]), ("erd.json", erd_paths["json"])),
        ),
        started,
    )

    started = time.perf_counter()
    step(t("step.dfd", lang))
    inventory = Path(str(files("crmflow.architecture") / "examples" / "inventory.yaml"))
    dfd = discover_dfd(inventory, [run.build.log])
    dfd_paths = write_dfd(dfd, folder / "architecture", lang=lang)
    emit(
        DemoOutput(
            "dfd",
            "architecture",
            t("out.dfd", lang),
            t("out.dfd.detail", lang, flows=len(dfd.flows), undocumented=len(dfd.undocumented), not_seen=len(dfd.not_seen)),
            dfd_paths["svg"],
            (("dfd.json", dfd_paths["json"]),),
        ),
        started,
    )

    started = time.perf_counter()
    example = Path(str(files("crmflow.design") / "examples" / f"{tobe}.yaml"))
    step(t("step.pack", lang, tobe=example.name))
    pack = build_pack(
        example,
        out_dir=folder / "pack",
        audit=folder / "bitrix24",
        quality=folder / "quality",
        journey=run.outputs["journey"],
        lang=lang,
    )
    emit(
        DemoOutput(
            "pack",
            "pack",
            pack.document.title,
            t("out.pack.detail", lang, files=len(pack.written), coverage=pack.coverage_percent / 100),
            pack.path("index.html"),
            ((t("link.report_pdf", lang), pack.path("report.pdf")), (t("link.report_docx", lang), pack.path("report.docx"))),
        ),
        started,
    )

    started = time.perf_counter()
    step(t("step.index", lang))
    index = write_demo_index(folder, outputs, lang=lang)
    emit(DemoOutput("index", "index", t("out.index", lang), "", index), started)
    return DemoResult(
        folder=folder,
        index_path=index,
        outputs=tuple(outputs),
        seconds=seconds,
        findings=tuple(bitrix_audit.findings),
    )
