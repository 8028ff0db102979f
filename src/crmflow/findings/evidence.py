"""Complete evidence: every case behind every finding, with the values that made it evidence.

A finding in ``audit.json`` and the HTML report carries a *sample* of its cases
(:data:`crmflow.findings.model.EVIDENCE_LIMIT`, 200) and the exact total; the sales head who must act
on 287 reworked deals needs all 287. :func:`record_evidence` writes the full list of every finding
into a store table (``fe_<log>``, in report order) — one row per (finding, case), beside each
finding's kind, key and measure (``fm_<log>``) — and :func:`write_findings_csv` exports it as
``findings.csv`` next to ``audit.json``. Nothing is held in memory: the rows go from the log to the
table in SQL.

Columns: ``finding`` (the finding's position in the audit, 1-based), ``kind``, ``key``, ``case_id``,
``measure`` (what ``value`` is), ``value``, ``count``, ``detail``. Per kind:

===========================  ==================  ====================================  ============================
kind                         measure             value / count                         detail
===========================  ==================  ====================================  ============================
``bottleneck``               ``max_wait_s``      longest wait there / times it occurs  —
``rework`` (repeat)          ``executions``      executions / extra executions         —
``rework`` (stage return)    ``returns``         returns / returns                     who did the earlier stage
``ping_pong``                ``bounces``         bounces / bounces                     the pairs (``A ↔ B``) of the case
``workload_concentration``   ``person_share``    the person's share of the activity    the person
                                                 in the case / their events
``workload_hero``            ``person_share``    the person's share of the case's      their most frequent activity
                                                 events / their events
``stuck_case``               ``idle_s``          time since the last event / —         last activity
``sla_violation``            ``elapsed_s``       time taken or waited / —              ``late``, ``open``, ``closed``
``funnel_drop``              ``idle_s``          time since the last event / events    closing activity or ``silent``
===========================  ==================  ====================================  ============================
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from crmflow.findings.bottleneck import waits
from crmflow.findings.calendar import CalendarTable
from crmflow.findings.closing import Closing
from crmflow.findings.funnel import funnel_cases
from crmflow.findings.model import Finding
from crmflow.findings.ping_pong import bounces, counts_every_pair
from crmflow.findings.rework import repeats, stage_returns
from crmflow.findings.rules import AuditRules
from crmflow.findings.sla import sla_cases
from crmflow.findings.stuck import open_cases
from crmflow.findings.tables import SharedTables, activity_codes
from crmflow.jsonable import JsonMixin
from crmflow.store import evidence_queries as eq
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog, EventStore

#: The file the complete evidence is exported to, next to ``audit.json``.
FINDINGS_CSV = "findings.csv"
#: A workbook sheet lists at most this many evidence rows (``findings.csv`` has them all).
SHEET_ROWS = 200_000
#: The columns of ``findings.csv``.
COLUMNS = ("finding", "kind", "key", "case_id", "measure", "value", "count", "detail")


@dataclass(frozen=True)
class EvidenceTable(JsonMixin):
    """Where the complete evidence is: the store table, its rows, rows per finding (1-based)."""

    table: str
    rows: int
    per_finding: dict[int, int]
    file: str = FINDINGS_CSV


def evidence_table_name(log: EventLog) -> str:
    """The evidence table of ``log``."""
    return f"fe_{log.name}"[:63]


def evidence_meta_name(table: str) -> str:
    """The table of each finding's kind, key and measure beside the evidence table ``table``."""
    return "fm" + table[2:]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class _Families:
    """The per-case tables the evidence of ``findings`` reads, made for every finding of a family at once.

    The bottleneck and repeat checks key their tables by the set of keys they report (one pass over the
    events for all of them); the evidence asks for the table of the same set and finds it made.
    """

    def __init__(self, findings: Sequence[Finding], process: EventLog, tables: SharedTables) -> None:
        self.process, self.tables = process, tables
        self.waits = [(_text(f.metrics.get("source")), str(f.metrics["target"])) for f in findings if f.kind == "bottleneck"]
        self.repeated = [str(f.metrics["activity"]) for f in findings if f.kind == "rework" and f.metrics.get("type") == "repeat"]
        self._codes: dict[str, int] | None = None

    @property
    def codes(self) -> dict[str, int]:
        if self._codes is None:
            self._codes = activity_codes(self.process)
        return self._codes

    def code(self, activity: object) -> int:
        """The code of a finding's activity (``None``: any source of a bottleneck)."""
        return fq.ANY_SOURCE if activity is None else self.codes[str(activity)]


def _plan(
    f: Finding,
    log: EventLog,
    families: _Families,
    closing: Closing,
    rules: AuditRules,
    calendar: CalendarTable | None,
    tables: SharedTables,
) -> tuple[str, str, dict[str, Any], bool] | None:
    """(measure, SELECT, the finding's parameters, batched) of one finding's full list.

    A batched SELECT takes its parameters as lists (one element per finding of the family) and reads
    one table (or the log once) for all of them; the others read a check's own table (:mod:`crmflow.findings.tables`).
    """
    m = f.metrics
    process = families.process
    if f.kind == "bottleneck":
        select = eq.wait_rows(process.name, waits(tables, process, families.waits))
        return "max_wait_s", select, {"src": families.code(m.get("source")), "dst": families.code(m["target"])}, True
    if f.kind == "rework" and m.get("type") == "repeat":
        select = eq.repeat_rows(process.name, repeats(tables, process, families.repeated))
        return "executions", select, {"act": families.code(m["activity"])}, True
    if f.kind == "rework" and m.get("type") == "stage_return":
        tmp = stage_returns(tables, process, rules)
        return "returns", eq.stage_return_rows(tmp), {"src": m["from_stage"], "dst": m["to_stage"]}, True
    if f.kind == "ping_pong":
        tmp = bounces(tables, process, str(m["level"]))  # one finding per level: the level's own table
        every = counts_every_pair(rules)
        counted = {} if every else {"min": rules.thresholds.ping_pong_min}
        return "bounces", eq.ping_pong_rows(process.name, tmp, every=every), counted, False
    if f.kind == "workload_concentration":
        p = {"res": m["top_resource"], "act": m["activity"], "role": m.get("role")}
        return "person_share", eq.person_activity_rows(log.name), p, True
    if f.kind == "workload_hero":
        return "person_share", eq.person_rows(log.name), {"res": m["resource"]}, False
    if f.kind == "stuck_case":
        return "idle_s", eq.stuck_rows(open_cases(tables, log, closing)), {"after": rules.stuck_after_s}, False
    if f.kind == "sla_violation":
        rule = next((r for r in rules.sla if r.name == f.key), None)
        if rule is None:
            return None
        tmp = sla_cases(tables, log, rule, calendar, closing)
        return "elapsed_s", eq.sla_rows(tmp), {"within": rule.within_s}, False
    if f.kind == "funnel_drop":
        stages = list(rules.stages)
        if m.get("stage") not in stages:
            return None
        tmp = funnel_cases(tables, log, rules, closing)
        return "idle_s", eq.funnel_rows(log.name, tmp), {"idx": stages.index(str(m["stage"]))}, False
    return None


def _renamed(select: str, params: dict[str, Any], prefix: str) -> tuple[str, dict[str, Any]]:
    """``select`` with each of its parameters ``$name`` renamed ``$<prefix>name``, and the parameters so named.

    >>> _renamed("SELECT $a, $ab FROM t WHERE x = $a", {"a": 1, "ab": 2}, "p0_")
    ('SELECT $p0_a, $p0_ab FROM t WHERE x = $p0_a', {'p0_a': 1, 'p0_ab': 2})
    """
    if not params:
        return select, {}
    names = "|".join(re.escape(k) for k in sorted(params, key=len, reverse=True))
    return re.sub(rf"\$({names})\b", lambda m: f"${prefix}{m.group(1)}", select), {prefix + k: v for k, v in params.items()}


def record_evidence(
    log: EventLog,
    findings: Sequence[Finding],
    rules: AuditRules,
    *,
    closing: Closing,
    calendar: CalendarTable | None = None,
    tables: SharedTables | None = None,
) -> EvidenceTable:
    """Write every case behind each of ``findings`` (in their order) into the evidence table.

    The findings of one family (all bottlenecks, all repeated activities, all workload findings) are
    written by one statement, from the per-case table their check made or in one pass over the events;
    the rows are then put in report order once.

    Parameters
    ----------
    log
        The audited log.
    findings
        The findings, in the order the audit lists them (``finding`` = position + 1).
    rules
        The rules the findings were measured with.
    closing
        The installed closing events (:func:`crmflow.findings.stuck.install_closing`).
    calendar
        The installed working-time calendar, when an SLA counts working time.
    tables
        The checks' shared temporary tables (:mod:`crmflow.findings.tables`): the rows the checks
        counted are read again from there instead of from the log.

    Returns
    -------
    EvidenceTable
        The table's name, its rows and rows per finding.
    """
    store = log.store
    table = evidence_table_name(log)
    meta: dict[str, list[Any]] = {"m_finding": [], "m_kind": [], "m_key": [], "m_measure": []}
    families: dict[str, dict[str, list[Any]]] = {}
    singles: list[tuple[str, dict[str, Any]]] = []
    with SharedTables.scope(store, tables) as shared:
        family = _Families(findings, closing.process_log(), shared)
        for no, f in enumerate(findings, start=1):
            plan = _plan(f, log, family, closing, rules, calendar, shared)
            if plan is None:
                continue
            measure, select, params, batched = plan
            for k, v in (("m_finding", no), ("m_kind", f.kind), ("m_key", f.key), ("m_measure", measure)):
                meta[k].append(v)
            if not batched:
                singles.append((select, {**params, "finding": no}))
                continue
            lists = families.setdefault(select, {"finding": [], **{k: [] for k in params}})
            lists["finding"].append(no)
            for k, v in params.items():
                lists[k].append(v)
        # every family's select in one statement (each with its parameters renamed), sorted once
        selects, values = [], {}
        for i, (select, params) in enumerate([*families.items(), *singles]):
            renamed, bound = _renamed(select, params, f"p{i}_")
            selects.append(renamed)
            values.update(bound)
        store.sql(eq.create_table(table, selects), values)
    store.sql(eq.create_meta(evidence_meta_name(table)))
    if meta["m_finding"]:
        store.sql(eq.insert_meta(evidence_meta_name(table)), meta)
    per = {int(r["finding"]): int(r["n"]) for r in store.rows(eq.counts(table))}
    return EvidenceTable(table=table, rows=sum(per.values()), per_finding=per)


def write_audit_evidence(result: Any, out_dir: Path) -> Path | None:
    """``findings.csv`` of an :class:`crmflow.asis.AuditResult` into ``out_dir``.

    None when the audit has no evidence section or no live log (an audit read back from ``audit.json``).
    """
    full: EvidenceTable | None = result.evidence
    log: EventLog | None = result.log
    if full is None or log is None or not log.store.has_table(full.table):
        return None
    return write_findings_csv(log.store, full.table, out_dir / (full.file or FINDINGS_CSV))


def evidence_sheet_rows(
    csv_path: str | Path, *, lang: str = "en", limit: int = SHEET_ROWS
) -> tuple[tuple[str, ...], tuple[tuple[str | int | float | None, ...], ...], int]:
    """A ``findings.csv`` as a worksheet: headers in ``lang``, typed cells, the first ``limit`` rows.

    Returns
    -------
    tuple
        ``(header, rows, total)`` where ``total`` counts every data row of the file.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "findings.csv"
    >>> _ = p.write_text("finding,kind,key,case_id,measure,value,count,detail\\n1,stuck_case,stuck,c1,idle_s,90.0,,A\\n")
    >>> evidence_sheet_rows(p, lang="ru")[1:]
    (((1, 'Зависшие случаи', 'Зависшие случаи', 'c1', 'Время с последнего события, с', 90.0, None, 'A'),), 1)
    """
    import csv

    from crmflow.findings.kinds import kind_label
    from crmflow.findings.messages import MESSAGES
    from crmflow.i18n import text

    def words(prefix: str, value: str) -> str:
        key = f"evidence.{prefix}.{value}"
        return text(MESSAGES, key, lang) if key in MESSAGES else value

    header = tuple(text(MESSAGES, f"evidence.col.{c}", lang) for c in COLUMNS)
    rows: list[tuple[str | int | float | None, ...]] = []
    total = 0
    with Path(csv_path).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for rec in reader:
            total += 1
            if len(rows) >= limit or len(rec) != len(COLUMNS):
                continue
            no, kind, key, case_id, measure, value, count, detail = rec
            rows.append(
                (
                    int(no),
                    kind_label(kind, lang),
                    _subject(kind, key, lang),
                    case_id,
                    words("measure", measure),
                    float(value) if value else None,
                    int(count) if count else None,
                    words("detail", detail) if detail else None,
                )
            )
    return header, tuple(rows), total


def _subject(kind: str, key: str, lang: str) -> str:
    """A finding's key as the sheet shows it: ``A → B``, ``X ↔ Y``; a key that only names the kind, by the kind."""
    from crmflow.findings.kinds import kind_label

    if key == "stuck":
        return kind_label(kind, lang)
    if kind == "ping_pong" and ": " in key:
        key = key.split(": ", 1)[1]
    return key.replace(" <-> ", " ↔ ").replace(" -> ", " → ").removeprefix("-> ").strip()


def write_findings_csv(store: EventStore, table: str, path: str | Path) -> Path:
    """Export the evidence table to a UTF-8 CSV with a header (``findings.csv``).

    >>> import tempfile
    >>> store = EventStore()
    >>> row = "SELECT 1 AS finding, 'c1' AS case_id, 90.0 AS value, NULL AS count, 'A' AS detail"
    >>> _ = store.sql(eq.create_table("fe_x", [row]))
    >>> meta = {"m_finding": [1], "m_kind": ["stuck_case"], "m_key": ["stuck"], "m_measure": ["idle_s"]}
    >>> _ = store.sql(eq.create_meta(evidence_meta_name("fe_x")))
    >>> _ = store.sql(eq.insert_meta(evidence_meta_name("fe_x")), meta)
    >>> out = write_findings_csv(store, "fe_x", Path(tempfile.mkdtemp()) / "findings.csv")
    >>> out.read_text(encoding="utf-8").splitlines()[1]
    '1,stuck_case,stuck,c1,idle_s,90.0,,A'
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    escaped = str(out).replace("'", "''")
    meta = evidence_meta_name(table)
    if store.engine.name == "duckdb":  # the table is in report order already (evidence_queries.create_table)
        by_no = {int(r["finding"]): r for r in store.rows(eq.meta_rows(meta))}
        size = max(by_no, default=0)
        # a finding without evidence has no row to name ("")
        words = {c: [str(by_no[i][c]) if i in by_no else "" for i in range(1, size + 1)] for c in ("kind", "key", "measure")}
        store.sql(f"COPY ({eq.export_in_order(table, words)}) TO '{escaped}' (HEADER, DELIMITER ',')")
        return out
    # another engine (Spark): the rows come back as Arrow, a few findings at a time, and DuckDB writes the same CSV
    export_slices(store, table, escaped)
    return out


#: At most this many evidence rows come back to this process at once when another engine holds them: the
#: evidence of a 100 M-event log is some 45 M rows, of which one finding has a few million.
EXPORT_SLICE_ROWS = 2_000_000


def _slices(store: EventStore, table: str, limit: int) -> list[tuple[int, int]]:
    """Consecutive ranges of finding numbers whose evidence holds at most ``limit`` rows (a larger finding alone)."""
    out: list[tuple[int, int]] = []
    rows = 0
    for r in store.rows(eq.counts(table)):
        no, n = int(r["finding"]), int(r["n"])
        if out and rows + n <= limit:
            out[-1], rows = (out[-1][0], no), rows + n
        else:
            out.append((no, no))
            rows = n
    return out


def export_slices(store: EventStore, table: str, escaped_path: str, *, limit: int | None = None) -> None:
    """Write the evidence table ``table`` of ``store`` (any engine) to the CSV at ``escaped_path`` (quotes doubled).

    The rows are fetched by ranges of findings of at most ``limit`` rows (:data:`EXPORT_SLICE_ROWS`), each sorted on
    the engine, and streamed into a local DuckDB's CSV writer: this process holds one range, not the whole table.
    """
    meta = evidence_meta_name(table)
    query = eq.export_sorted(table, meta, ranged=True)
    ranges = _slices(store, table, EXPORT_SLICE_ROWS if limit is None else limit)
    parts = (store.arrow(query, {"lo": lo, "hi": hi}) for lo, hi in ranges)
    first = next(parts, None)
    if first is None:  # no evidence: the header alone
        first = store.arrow(query, {"lo": 0, "hi": -1})
    schema = first.schema
    rest = (batch for part in parts for batch in part.cast(schema).to_batches())
    reader = pa.RecordBatchReader.from_batches(schema, itertools.chain(first.to_batches(), rest))
    with EventStore() as local:
        local.con.register("fe_export", reader)
        local.sql(f"COPY (SELECT * FROM fe_export) TO '{escaped_path}' (HEADER, DELIMITER ',')")
