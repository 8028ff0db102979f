"""The As-Is audit: from a log (or a file) to the audit document and its report.

``audit()`` runs the mining and the findings over one log and returns an :class:`AuditResult`: every
section typed (:class:`crmflow.results.audit.AuditDocument`), written as ``audit.json`` (documented
by ``docs/audit.schema.json``) by ``write()`` together with ``asis.bpmn`` and the self-contained
``report.html``. ``AuditResult.from_json(folder)`` reads a written audit back, typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmflow.base.profile import StageProfile, print_stage
from crmflow.base.version import __version__
from crmflow.bpmn.annotate import annotate_bpmn, mark_discovery
from crmflow.bpmn.from_tree import dominant_lanes, tree_to_bpmn
from crmflow.bpmn.layout import layout
from crmflow.bpmn.render import render_svg
from crmflow.bpmn.writer import write_bpmn
from crmflow.discovery.inductive import discover_process_tree
from crmflow.errors import GraphvizNotFoundError
from crmflow.findings.detect import detect_findings
from crmflow.findings.evidence import write_audit_evidence
from crmflow.findings.rules import AuditRules, load_rules
from crmflow.findings.sla import Histogram
from crmflow.i18n import check_lang
from crmflow.ingest.problems import problem_label
from crmflow.jsonable import to_jsonable
from crmflow.mining.dfg import DirectlyFollowsGraph, discover_dfg
from crmflow.mining.durations import case_duration_stats
from crmflow.mining.handover import discover_handover
from crmflow.mining.statistics import ActivityStats, activity_statistics, resource_statistics
from crmflow.mining.variants import VariantTable, get_variants
from crmflow.quality.summary import quality_summary
from crmflow.report.html import write_report
from crmflow.results.audit import SECTIONS, AuditDocument
from crmflow.results.sections import (
    BpmnSection,
    CaseDurations,
    HandoverSection,
    LogSummary,
    QuarantinedRow,
    QuarantineReason,
    QuarantineSection,
    SourceSummary,
)
from crmflow.settings import get_settings
from crmflow.sources.reader import read_log
from crmflow.store.store import EventLog

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.bpmn.model import Definitions
    from crmflow.discovery.process_tree import ProcessTree

#: How many variants the audit document lists (the total is always given).
TOP_VARIANTS = 50
#: How many quarantined rows the audit document shows as a sample (the count is exact).
QUARANTINE_SAMPLE = 50

StepFn = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class AuditOutputs:
    """Where ``write`` put the audit."""

    json_path: Path
    html_path: Path
    findings_csv: Path | None = None  # every case behind every finding (crmflow.findings.evidence)


@dataclass(frozen=True, eq=False)
class AuditResult(AuditDocument):
    """The audit of one log: every section typed (:class:`~crmflow.results.audit.AuditDocument`), and the log.

    ``log`` is the audited :class:`EventLog` (None for an audit read back with :meth:`from_json`; the
    document's ``log`` section is ``log_summary``);
    ``data`` is the ``audit.json`` document written from the typed sections; ``profile`` the stage
    profile of the run (:mod:`crmflow.base.profile`; disabled unless asked for), which
    :meth:`write` goes on recording into.
    """

    log: EventLog | None = None
    profile: StageProfile = field(default_factory=StageProfile.disabled)

    @cached_property
    def data(self) -> dict[str, Any]:
        """The ``audit.json`` document (:meth:`to_json`)."""
        return self.to_json()

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def write(self, out_dir: str | Path, *, lang: str | None = None) -> AuditOutputs:
        """Write ``audit.json``, ``asis.bpmn`` (when there is a model), ``report.html`` and ``findings.csv`` into ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        stage = self.profile.stage
        with stage("write"):
            with stage("audit.json"):
                json_path = self.write_json(out / "audit.json")
                if self.bpmn is not None and self.bpmn.xml:
                    (out / "asis.bpmn").write_text(self.bpmn.xml, encoding="utf-8")
            html_path = out / "report.html"
            # The evidence export runs in DuckDB while the report renders from the typed results alone (Python and
            # `dot` processes, never the store): side by side; "findings.csv" is the wait for it after the report.
            with ThreadPoolExecutor(max_workers=1) as pool:
                evidence = pool.submit(write_audit_evidence, self, out)
                with stage("report.html"):
                    write_report(self, html_path, lang=check_lang(lang or self.lang))
                with stage("findings.csv"):
                    findings_csv = evidence.result()
        return AuditOutputs(json_path=json_path, html_path=html_path, findings_csv=findings_csv)


#: Noise threshold of the inductive miner for the As-Is BPMN in the audit.
ASIS_NOISE = 0.2


def asis_model(
    log: EventLog,
    *,
    noise_threshold: float = ASIS_NOISE,
    process_name: str = "As-Is",
    annotate: bool = True,
    findings: Any = None,
    lang: str = "en",
    variants: VariantTable | None = None,
    dfg: DirectlyFollowsGraph | None = None,
    activities: Sequence[ActivityStats] | None = None,
    profile: StageProfile | None = None,
    tree: Callable[[], ProcessTree] | None = None,
) -> Definitions:
    """The As-Is BPMN model of a log, laid out: inductive miner, lanes by dominant role/resource.

    With ``annotate`` the tasks carry frequencies and waiting times, the flows their directly-follows
    frequencies, and tasks hit by bottleneck or rework findings are flagged with a note
    (:func:`crmflow.bpmn.annotate.annotate_bpmn`); ``findings`` are those findings (a sequence of
    ``Finding`` or their dicts), detected here with the default rules when None. ``variants``,
    ``dfg`` and ``activities`` are the log's, when the caller has them already (the audit): the
    model is mined from the variants, never from the events again. ``tree``, when given, returns the process
    tree mined already with ``noise_threshold`` (the audit mines it beside the findings; calling it waits for it).

    Raises
    ------
    GraphvizNotFoundError
        If Graphviz (needed for the layout) is missing.
    """
    lang = check_lang(lang)
    stage = (profile or StageProfile.disabled()).stage
    with stage("lanes"):
        lanes = dominant_lanes(log)
    with stage("discovery"):
        if tree is not None:
            mined = tree()
        else:
            mined = discover_process_tree(variants if variants is not None else log, noise_threshold=noise_threshold)
        definitions = tree_to_bpmn(mined, process_name=process_name, lanes=lanes or None)
    if annotate:
        if findings is None:
            findings = detect_findings(log, lang=lang).findings
        with stage("annotate"):
            definitions = annotate_bpmn(
                definitions,
                activities=activity_statistics(log) if activities is None else activities,
                dfg=discover_dfg(log) if dfg is None else dfg,
                findings=findings,
                lang=lang,
            )
    definitions = mark_discovery(definitions, noise_threshold=noise_threshold)  # `crmflow check` says what it left out
    with stage("layout"):
        return layout(definitions, lane_order="flow")  # discovered lanes have no given order


def asis_bpmn(
    log: EventLog,
    *,
    noise_threshold: float = ASIS_NOISE,
    findings: Any = None,
    lang: str = "en",
    variants: VariantTable | None = None,
    dfg: DirectlyFollowsGraph | None = None,
    activities: Sequence[ActivityStats] | None = None,
    profile: StageProfile | None = None,
    tree: Callable[[], ProcessTree] | None = None,
) -> dict[str, Any] | None:
    """The annotated As-Is BPMN (see :func:`asis_model`) for the audit document: XML, SVG and lane names.

    ``None`` when Graphviz (needed for the layout) is missing -- the rest of the audit still runs.
    """
    try:
        definitions = asis_model(
            log,
            noise_threshold=noise_threshold,
            findings=findings,
            lang=lang,
            variants=variants,
            dfg=dfg,
            activities=activities,
            profile=profile,
            tree=tree,
        )
    except GraphvizNotFoundError:
        return None
    lanes = sorted({lane.name for p in definitions.processes for lane in p.all_lanes()})
    with (profile or StageProfile.disabled()).stage("xml+svg"):
        return {
            "noise_threshold": noise_threshold,
            "lanes": lanes,
            "xml": write_bpmn(definitions).decode("utf-8"),
            "svg": render_svg(definitions),
        }


_FIELDS = ("case_id", "activity", "timestamp", "resource", "role", "lifecycle")


def source_summaries(log: EventLog) -> list[dict[str, Any]]:
    """Per source: counts, the column mapping (field -> column) and what was detected, in short words."""
    out = []
    for ing in log.ingestions():
        recorded = ing["mapping"] or {}
        info = dict(recorded.get("info") or {})
        details: dict[str, Any] = {}
        for key in ("encoding", "delimiter", "sheet", "engine", "object_type"):
            if info.get(key) not in (None, ""):
                details[key] = info[key]
        if recorded.get("timestamp_format_words"):
            details["timestamp_format"] = recorded["timestamp_format_words"]
        if recorded.get("timezone"):
            details["timezone"] = recorded["timezone"]
        if recorded.get("numeric_attributes"):
            details["numeric_columns"] = ", ".join(recorded["numeric_attributes"])
        if recorded.get("renamed_attributes"):
            details["renamed_columns"] = ", ".join(f"{a} → {b}" for a, b in recorded["renamed_attributes"].items())
        out.append(
            {
                "source": ing["source"],
                "format": ing["format"],
                "rows_read": ing["rows_read"],
                "parsed": ing["parsed"],
                "quarantined": ing["quarantined"],
                "mapping": {f: recorded.get(f) for f in _FIELDS},
                "info": details,
            }
        )
    return out


def audit(
    source: EventLog | str | Path,
    *,
    rules: Any = None,
    mapping: Any = None,
    timezone_name: str | None = None,
    lang: str = "en",
    progress: StepFn | None = None,
    quality: Any = None,
    profile: StageProfile | None = None,
) -> AuditResult:
    """Audit a log: process map, variants, durations, hand-overs, findings, SLAs, funnel.

    ``source`` is an :class:`EventLog` or a path that :func:`crmflow.read_log` understands;
    ``rules`` is a rules YAML path, a dict, an ``AuditRules`` or ``None`` (defaults). ``profile``
    records the time and peak memory of every stage (:mod:`crmflow.base.profile`); with none given
    and ``CRMFLOW_PROFILE=1``, each stage's line is printed to standard error as it ends.
    """
    lang = check_lang(lang)
    step = progress or (lambda _msg: None)
    if profile is None:
        profile = StageProfile(on_stage=print_stage) if get_settings().profile else StageProfile.disabled()
    stage = profile.stage
    audit_rules = rules if isinstance(rules, AuditRules) else load_rules(rules) if rules is not None else None
    if isinstance(source, EventLog):
        log = source
    else:
        tz = timezone_name or (audit_rules.calendar.timezone if audit_rules is not None else None)
        with stage("read"):
            log = read_log(source, mapping=mapping, timezone=tz, progress=step, lang=lang)

    step("mining")
    with stage("mining"):
        with stage("summary"):
            summary = log.summary()
        with stage("dfg"):
            dfg = discover_dfg(log)
        with stage("variants"):
            variants = get_variants(log)
        with stage("durations"):
            durations = case_duration_stats(log)
        with stage("activities"):
            activities = activity_statistics(log)
        with stage("resources"):
            resources = resource_statistics(log)
        with stage("handover"):
            handover = HandoverSection(
                resource=discover_handover(log, level="resource").edges[:200],
                role=discover_handover(log, level="role").edges[:200],
            )
    step("findings")
    # The As-Is model is mined from the variants alone (Python and numpy, never the store) while the findings
    # run in DuckDB; "bpmn/discovery" is what is left of it to wait for, and the tree's translation.
    with ThreadPoolExecutor(max_workers=1) as pool:
        tree = pool.submit(discover_process_tree, variants, noise_threshold=ASIS_NOISE)
        with stage("findings"):
            found = detect_findings(log, audit_rules, lang=lang, evidence=True, profile=profile, mined=(dfg, activities))
        step("bpmn")
        with stage("bpmn"):
            bpmn = asis_bpmn(
                log,
                findings=found.findings,
                lang=lang,
                variants=variants,
                dfg=dfg,
                activities=activities,
                profile=profile,
                tree=tree.result,
            )
    step("report")
    with stage("document"):
        present = set(SECTIONS) - {"objects"} - ({"quality"} if quality is None else set())
        result = AuditResult(
            crmflow_version=__version__,
            generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            lang=lang,
            sources=tuple(SourceSummary(**s) for s in source_summaries(log)),
            log_summary=LogSummary(
                cases=summary.cases,
                events=summary.events,
                activities=summary.activities,
                variants=summary.variants,
                resources=summary.resources,
                start=summary.first_ts.isoformat() if summary.first_ts else None,
                end=summary.last_ts.isoformat() if summary.last_ts else None,
                rows_read=summary.rows_read,
                quarantined=summary.quarantined,
            ),
            dfg=dfg.edges,
            start_activities=dfg.start_activities,
            end_activities=dfg.end_activities,
            activities=tuple(activities),
            resources=tuple(resources),
            variants=tuple(variants.top(TOP_VARIANTS)),
            variants_total=len(variants),
            case_durations=CaseDurations(
                cases=durations.cases,
                mean_s=durations.mean_s,
                median_s=durations.median_s,
                p90_s=durations.p90_s,
                min_s=durations.min_s,
                max_s=durations.max_s,
                histogram=Histogram(edges_s=tuple(durations.histogram_edges_s), counts=tuple(durations.histogram_counts)),
            ),
            handover=handover,
            findings=found.findings,
            sla=found.sla,
            funnel=found.funnel,
            quarantine=QuarantineSection(
                count=summary.quarantined,
                by_reason=tuple(QuarantineReason(**r, label=problem_label(r["kind"], lang)) for r in log.quarantine_reasons()),
                sample=tuple(QuarantinedRow(**r) for r in log.quarantine(limit=QUARANTINE_SAMPLE)),
            ),
            bpmn=BpmnSection(**bpmn) if bpmn else None,
            rules=to_jsonable(found.rules),
            warnings=found.warnings,
            evidence=found.evidence,
            quality=quality_summary(quality) if quality is not None else None,
            present=frozenset(present),
            log=log,
            profile=profile,
        )
    return result
