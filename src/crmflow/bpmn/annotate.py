"""The As-Is BPMN annotated with what the log says: frequencies, waiting times, findings.

:func:`annotate_bpmn` takes a discovered model (task names are activity names) and adds

* per task, an extension element ``<crmflow:statistics events cases repeats medianWaitS
  meanWaitS p90WaitS/>`` (waiting time = time since the previous event of the same case);
* per sequence flow that stands for exactly one directly-follows relation -- a single task (or
  the start) before it and a single task (or the end) after it, gateways in between --
  ``<crmflow:frequency count cases/>`` with that DFG edge's counts;
* per task hit by a bottleneck or rework finding, ``<crmflow:finding kind severity key/>`` and a
  text annotation linked by an association ("⚠ Bottleneck: median wait 2.2 d").

The extensions live in the namespace :data:`CRMFLOW_NS` (prefix ``crmflow``), so they survive
a write→read round trip and bpmn-js ignores them; :func:`task_annotation` reads them back (the
SVG renderer draws the frequency under the task name and flags the task).

>>> from crmflow.bpmn.model import Definitions, Event, Process, SequenceFlow, Task
>>> from crmflow.mining.statistics import ActivityStats
>>> p = Process(id="P", nodes=(Event(id="S"), Task(id="A", name="Call"), Event(id="E", position="end")),
...     flows=(SequenceFlow(id="f1", source="S", target="A"), SequenceFlow(id="f2", source="A", target="E")))
>>> stats = ActivityStats(activity="Call", events=12, cases=10, repeats=2, resources=3, mean_wait_s=60.0,
...     median_wait_s=30.0, p90_wait_s=90.0, max_wait_s=100.0, total_wait_s=600.0)
>>> d = annotate_bpmn(Definitions(id="D", processes=(p,)), activities=[stats])
>>> task_annotation(d.process().node("A")).events
12
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree

from crmflow.base.numbers import format_duration_compact as fmt_duration
from crmflow.base.numbers import format_number
from crmflow.base.xml import safe_xml_parser
from crmflow.bpmn.error_messages import ERRORS
from crmflow.bpmn.model import (
    Association,
    BpmnError,
    Definitions,
    Event,
    FlowNode,
    Gateway,
    Process,
    SequenceFlow,
    Task,
    TextAnnotation,
)
from crmflow.bpmn.reader import canonical_xml, document_nsmap
from crmflow.findings.kinds import KINDS
from crmflow.findings.model import Finding
from crmflow.i18n import check_lang, error, text
from crmflow.mining.dfg import DirectlyFollowsGraph
from crmflow.mining.statistics import ActivityStats

#: Namespace of crmflow's BPMN extension elements.
CRMFLOW_NS = "https://crmflow.dev/schema/bpmn/1.0"
CRMFLOW_PREFIX = "crmflow"
#: Finding kinds that flag a task on the diagram.
FLAGGING_KINDS = tuple(k.kind for k in KINDS if "asis_bpmn" in k.deliverables)
_START, _END = "\x00start", "\x00end"
_SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3}

MESSAGES: dict[str, dict[str, str]] = {
    "bottleneck": {"en": "⚠ Bottleneck: median wait {median}", "ru": "⚠ Узкое место: медиана ожидания {median}"},
    "rework.repeat": {
        "en": "⚠ Rework: repeated in {cases:# case|cases}",
        "ru": "⚠ Переделка: повторяется в {cases:# случае|случаях|случаях}",
    },
    "rework.stage_return": {
        "en": "⚠ Rework: {cases:# case returns|cases return} here from {source}",
        "ru": "⚠ Переделка: {cases:# случай возвращается|случая возвращаются|случаев возвращаются} сюда из {source}",
    },
    "arrivals": {
        "en": "↪ Also moves here (paths not drawn, noise filter):",
        "ru": "↪ Также переходят сюда (путей нет на схеме, фильтр шума):",
    },
    "arrivals.more": {"en": "others: {count}", "ru": "прочие: {count}"},
}
#: A task gets an "also arrives here" note when moves into it that the model does not draw make up
#: at least this share of its events (lost deals from early stages, rework returns the filter dropped).
ARRIVALS_MIN_SHARE = 0.05
ARRIVALS_LISTED = 4


@dataclass(frozen=True)
class TaskAnnotation:
    """What the crmflow extensions of a task say (None/empty where absent)."""

    events: int | None = None
    cases: int | None = None
    median_wait_s: float | None = None
    mean_wait_s: float | None = None
    findings: tuple[tuple[str, str], ...] = ()  # (kind, severity)

    @property
    def flagged(self) -> bool:
        """Whether a bottleneck or rework finding hits the task."""
        return bool(self.findings)


def _q(local: str) -> str:
    return f"{{{CRMFLOW_NS}}}{local}"


def _num(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else f"{float(value):.3f}".rstrip("0").rstrip(".")


def _ext(nsmap: dict[str | None, str], local: str, attrs: Mapping[str, float | int | str | None]) -> str:
    el = etree.Element(_q(local), nsmap={CRMFLOW_PREFIX: CRMFLOW_NS})
    for key, value in attrs.items():
        if value is not None:
            el.set(key, value if isinstance(value, str) else _num(value))
    return canonical_xml(el, nsmap)


def _strip(extensions: tuple[str, ...]) -> tuple[str, ...]:
    """The extensions that are not crmflow's (so annotating twice replaces, never duplicates)."""
    return tuple(x for x in extensions if not any(True for _ in _crmflow_elements([x])))


def _neighbours(process: Process, flow: SequenceFlow, forward: bool) -> set[str]:
    """Activities (or the start/end sentinel) reached from a flow through gateways only."""
    nodes = {n.id: n for n in process.all_nodes()}
    out: set[str] = set()
    seen: set[str] = set()
    todo = [flow.target if forward else flow.source]
    while todo:
        node_id = todo.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        node = nodes.get(node_id)
        if isinstance(node, Gateway):
            nxt = process.outgoing(node_id) if forward else process.incoming(node_id)
            todo += [f.target if forward else f.source for f in nxt]
        elif isinstance(node, Task):
            out.add(node.name)
        elif isinstance(node, Event) and node.position == ("end" if forward else "start"):
            out.add(_END if forward else _START)
        else:
            out.add(f"\x00other:{node_id}")  # another kind of node: no single DFG edge
    return out


def _finding_fields(f: Finding | Mapping[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    if isinstance(f, Finding):
        return f.kind, f.key, f.severity, dict(f.metrics)
    return str(f["kind"]), str(f["key"]), str(f["severity"]), dict(f.get("metrics") or {})


def _flags(
    findings: Iterable[Finding | Mapping[str, Any]], lang: str, min_severity: str
) -> dict[str, list[tuple[str, str, str, str]]]:
    """Activity → (kind, severity, key, note text) of the findings that flag it."""
    out: dict[str, list[tuple[str, str, str, str]]] = {}
    fields = sorted((_finding_fields(f) for f in findings), key=lambda x: -_SEVERITY_RANK.get(x[2], 0))
    for kind, key, severity, m in fields:  # most severe first (a stable sort keeps the given order within)
        if kind not in FLAGGING_KINDS or _SEVERITY_RANK.get(severity, 0) < _SEVERITY_RANK[min_severity]:
            continue
        if kind == "bottleneck" and m.get("target"):
            activity, note = (
                str(m["target"]),
                text(MESSAGES, "bottleneck", lang, median=fmt_duration(m.get("median_wait_s"), lang)),
            )
        elif kind == "rework" and m.get("type") == "repeat" and m.get("activity"):
            activity, note = str(m["activity"]), text(MESSAGES, "rework.repeat", lang, cases=int(m.get("cases") or 0))
        elif kind == "rework" and m.get("type") == "stage_return" and m.get("to_stage"):
            activity = str(m["to_stage"])
            note = text(MESSAGES, "rework.stage_return", lang, cases=int(m.get("cases") or 0), source=m.get("from_stage"))
        else:
            continue
        hits = out.setdefault(activity, [])
        if kind == "bottleneck" and any(h[0] == kind for h in hits):
            continue  # the first (most severe) waiting finding of a task says it; the others add only noise
        hits.append((kind, severity, key, note))
    return out


def annotate_bpmn(
    definitions: Definitions,
    *,
    activities: Sequence[ActivityStats],
    dfg: DirectlyFollowsGraph | None = None,
    findings: Iterable[Finding | Mapping[str, Any]] = (),
    min_severity: str = "medium",
    lang: str = "en",
) -> Definitions:
    """Add frequencies, waiting times and finding flags to the tasks and flows of every process.

    Parameters
    ----------
    definitions
        The model, before layout (annotations added here are placed by :func:`crmflow.bpmn.layout.layout`).
        Tasks are matched to activities by name.
    activities
        Per-activity statistics of the log (:func:`crmflow.mining.statistics.activity_statistics`).
    dfg
        The log's directly-follows graph; flows get frequencies from it (None: no flow frequencies).
    findings
        Findings (objects or their ``to_dict()`` form); bottleneck and rework findings flag tasks.
    min_severity
        The least severity that flags a task (``"low"``, ``"medium"`` or ``"high"``): by default the
        low ones are left out, so the diagram points at what matters.
    lang
        Language of the notes (``"en"`` or ``"ru"``).

    Returns
    -------
    Definitions
        The model with ``crmflow`` extensions, one note per flagged task and the ``crmflow`` namespace
        declared; crmflow extensions already present are replaced.
    """
    lang = check_lang(lang)
    if min_severity not in _SEVERITY_RANK:
        raise error(
            BpmnError,
            ERRORS,
            "annotate.min_severity_must_one",
            value=", ".join(_SEVERITY_RANK),
            min_severity=min_severity,
        )
    namespaces = definitions.namespaces
    if (CRMFLOW_PREFIX, CRMFLOW_NS) not in namespaces:
        namespaces = (*namespaces, (CRMFLOW_PREFIX, CRMFLOW_NS))
    nsmap = document_nsmap(namespaces)
    stats = {a.activity: a for a in activities}
    flags = _flags(findings, lang, min_severity)
    processes = tuple(_annotate_process(p, nsmap, stats, dfg, flags, lang) for p in definitions.processes)
    return replace(definitions, namespaces=namespaces, processes=processes)


def _annotate_process(
    p: Process,
    nsmap: dict[str | None, str],
    stats: Mapping[str, ActivityStats],
    dfg: DirectlyFollowsGraph | None,
    flags: Mapping[str, list[tuple[str, str, str, str]]],
    lang: str = "en",
) -> Process:
    arrivals = _unmodelled_arrivals(p, dfg, stats) if dfg is not None else {}
    nodes: list[FlowNode] = []
    notes = [t for t in p.text_annotations if not t.id.startswith("crmflow_note_")]
    links = [a for a in p.associations if not a.id.startswith("crmflow_link_")]
    for node in p.nodes:
        if not isinstance(node, Task):
            nodes.append(node)
            continue
        ext = list(_strip(node.extensions))
        s = stats.get(node.name)
        if s is not None:
            ext.append(
                _ext(
                    nsmap,
                    "statistics",
                    {
                        "events": s.events,
                        "cases": s.cases,
                        "repeats": s.repeats,
                        "medianWaitS": s.median_wait_s,
                        "meanWaitS": s.mean_wait_s,
                        "p90WaitS": s.p90_wait_s,
                    },
                )
            )
        hits = flags.get(node.name, [])
        for kind, severity, key, _note in hits:
            ext.append(_ext(nsmap, "finding", {"kind": kind, "severity": severity, "key": key}))
        moves = arrivals.get(node.name, [])
        ext.extend(_ext(nsmap, "arrival", {"source": source, "count": count}) for source, count in moves)
        lines = [h[3] for h in hits] + _arrivals_note(moves, lang)
        if lines:
            note_id = f"crmflow_note_{node.id}"
            notes.append(TextAnnotation(id=note_id, text="\n".join(lines)))
            links.append(Association(id=f"crmflow_link_{node.id}", source=node.id, target=note_id))
        nodes.append(replace(node, extensions=tuple(ext)))
    flows: list[SequenceFlow] = []
    for f in p.flows:
        ext = list(_strip(f.extensions))
        edge = _dfg_edge(p, f, dfg) if dfg is not None else None
        if edge is not None:
            ext.append(_ext(nsmap, "frequency", {"count": edge[0], "cases": edge[1]}))
        flows.append(replace(f, extensions=tuple(ext)))
    return replace(p, nodes=tuple(nodes), flows=tuple(flows), text_annotations=tuple(notes), associations=tuple(links))


def _unmodelled_arrivals(
    p: Process, dfg: DirectlyFollowsGraph, stats: Mapping[str, ActivityStats]
) -> dict[str, list[tuple[str, int]]]:
    """Per task, the moves into it that no flow of the model draws: (source activity, count), most first.

    A discovered model drops rare paths (its noise filter), so a lost stage reached from five
    earlier stages may show one way in: the task's note names the others with their counts, so that
    the diagram hides no loss and no return. Repeats of the task itself are left to the rework note.
    Only tasks where such moves are at least :data:`ARRIVALS_MIN_SHARE` of their events are listed.
    """
    drawn: set[tuple[str, str]] = set()
    for f in p.flows:
        before, after = _neighbours(p, f, forward=False), _neighbours(p, f, forward=True)
        drawn |= {(a, b) for a in before for b in after}
    names = {n.name for n in p.all_nodes() if isinstance(n, Task)}
    out: dict[str, list[tuple[str, int]]] = {}
    for name in sorted(names):
        events = stats[name].events if name in stats else 0
        missing = sorted(
            ((e.source, e.count) for e in dfg.edges if e.target == name and e.source != name and (e.source, name) not in drawn),
            key=lambda x: (-x[1], x[0]),
        )
        if events and sum(c for _, c in missing) >= ARRIVALS_MIN_SHARE * events:
            out[name] = missing
    return out


def _arrivals_note(moves: list[tuple[str, int]], lang: str) -> list[str]:
    """The lines of a task's "also moves here" note in ``lang`` (none when there are no such moves)."""
    if not moves:
        return []
    lines = [text(MESSAGES, "arrivals", lang)]
    lines += [f"{source} — {format_number(count, lang)}" for source, count in moves[:ARRIVALS_LISTED]]
    if len(moves) > ARRIVALS_LISTED:
        rest = sum(c for _, c in moves[ARRIVALS_LISTED:])
        lines.append(text(MESSAGES, "arrivals.more", lang, count=format_number(rest, lang)))
    return lines


def _recorded_arrivals(node: FlowNode) -> list[tuple[str, int]]:
    """The undrawn moves :func:`annotate_bpmn` recorded on a task (``<crmflow:arrival source= count=/>``)."""
    out = []
    for el in _crmflow_elements(node.extensions):
        if el.tag == _q("arrival") and (count := _attr(el, "count")) is not None:
            out.append((el.get("source", ""), int(count)))
    return out


def reword_notes(
    definitions: Definitions,
    findings: Iterable[Finding | Mapping[str, Any]],
    *,
    lang: str,
    min_severity: str = "medium",
) -> Definitions:
    """The notes :func:`annotate_bpmn` attached to flagged tasks, written again in ``lang``.

    A model annotated by an audit in one language can go into a pack in another: the notes are made
    anew from the findings, the rest of the model (ids, layout) stays as it is.
    """
    flags = _flags(findings, check_lang(lang), min_severity)
    processes = []
    for p in definitions.processes:
        tasks = {n.id: n for n in p.nodes if isinstance(n, Task)}
        notes = []
        for note in p.text_annotations:
            task = tasks.get(note.id.removeprefix("crmflow_note_")) if note.id.startswith("crmflow_note_") else None
            if task is None:
                notes.append(note)
                continue
            # the findings' lines, then the undrawn moves the task's extensions record (from the log); a model
            # annotated before they were recorded keeps its note's "↪" lines as written
            recorded = _recorded_arrivals(task)
            old = note.text.split("\n")
            kept = old[next((i for i, line in enumerate(old) if line.startswith("↪")), len(old)) :]
            lines = [h[3] for h in flags.get(task.name, [])] + (_arrivals_note(recorded, lang) if recorded else kept)
            notes.append(replace(note, text="\n".join(lines)) if lines else note)
        processes.append(replace(p, text_annotations=tuple(notes)))
    return replace(definitions, processes=tuple(processes))


def _dfg_edge(p: Process, f: SequenceFlow, dfg: DirectlyFollowsGraph) -> tuple[int, int | None] | None:
    """(count, cases) of the one DFG relation a flow stands for, or None."""
    before, after = _neighbours(p, f, forward=False), _neighbours(p, f, forward=True)
    if len(before) != 1 or len(after) != 1:
        return None
    (a,), (b,) = before, after
    if a == _START and b in dfg.start_activities:
        return dfg.start_activities[b], None
    if b == _END and a in dfg.end_activities:
        return dfg.end_activities[a], None
    edge = dfg.edge(a, b)
    return (edge.count, edge.cases) if edge is not None else None


def _attr(el: etree._Element, name: str) -> float | None:
    raw = el.get(name)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _crmflow_elements(extensions: Iterable[str]) -> Iterable[etree._Element]:
    for raw in extensions:
        if CRMFLOW_NS in raw:
            el = etree.fromstring(raw, parser=safe_xml_parser())  # the model may come from anywhere, not only our reader
            if isinstance(el.tag, str) and el.tag.startswith(f"{{{CRMFLOW_NS}}}"):
                yield el


def task_annotation(node: FlowNode) -> TaskAnnotation:
    """The statistics and findings the crmflow extensions of a node record (empty when none)."""
    events = cases = None
    median = mean = None
    found: list[tuple[str, str]] = []
    for el in _crmflow_elements(node.extensions):
        if el.tag == _q("statistics"):
            ev, cs = _attr(el, "events"), _attr(el, "cases")
            events = int(ev) if ev is not None else None
            cases = int(cs) if cs is not None else None
            median, mean = _attr(el, "medianWaitS"), _attr(el, "meanWaitS")
        elif el.tag == _q("finding"):
            found.append((el.get("kind", ""), el.get("severity", "")))
    return TaskAnnotation(events=events, cases=cases, median_wait_s=median, mean_wait_s=mean, findings=tuple(found))


def flow_frequency(flow: SequenceFlow) -> int | None:
    """The DFG count a flow's crmflow extension records, or None."""
    for el in _crmflow_elements(flow.extensions):
        if el.tag == _q("frequency") and (count := _attr(el, "count")) is not None:
            return int(count)
    return None


__all__ = [
    "CRMFLOW_NS",
    "FLAGGING_KINDS",
    "TaskAnnotation",
    "annotate_bpmn",
    "reword_notes",
    "flow_frequency",
    "task_annotation",
]


def mark_discovery(definitions: Definitions, *, noise_threshold: float, miner: str = "inductive") -> Definitions:
    """The model with ``<crmflow:discovery miner=… noiseThreshold=…/>`` on each process (replacing one there).

    ``crmflow check`` reads it back (:func:`discovery_noise`) to say why cases do not fit a model that
    was discovered with a noise filter.
    """
    namespaces = definitions.namespaces
    if (CRMFLOW_PREFIX, CRMFLOW_NS) not in namespaces:
        namespaces = (*namespaces, (CRMFLOW_PREFIX, CRMFLOW_NS))
    nsmap = document_nsmap(namespaces)
    mark = _ext(nsmap, "discovery", {"miner": miner, "noiseThreshold": noise_threshold})
    processes = tuple(
        replace(p, extensions=(*(x for x in p.extensions if not _is_discovery(x)), mark)) for p in definitions.processes
    )
    return replace(definitions, namespaces=namespaces, processes=processes)


def _is_discovery(raw: str) -> bool:
    return any(el.tag == _q("discovery") for el in _crmflow_elements([raw]))


def discovery_noise(definitions: Definitions) -> float | None:
    """The noise threshold a crmflow discovery recorded in the model (:func:`mark_discovery`), or None."""
    for p in definitions.processes:
        for el in _crmflow_elements(p.extensions):
            if el.tag == _q("discovery"):
                return _attr(el, "noiseThreshold")
    return None
