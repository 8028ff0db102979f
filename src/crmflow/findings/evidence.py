"""Complete evidence: every case behind every finding, with the values that made it evidence.

A finding in ``audit.json`` and the HTML report carries a *sample* of its cases
(:data:`crmflow.findings.model.EVIDENCE_LIMIT`, 200) and the exact total; the sales head who must act
on 287 reworked deals needs all 287. :func:`record_evidence` writes the full list of every finding
into a store table (``fe_<log>``) — one row per (finding, case) — and :func:`write_findings_csv`
exports it as ``findings.csv`` next to ``audit.json``. Nothing is held in memory: the rows go from
the log to the table in SQL.

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

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmflow.findings.calendar import CalendarTable
from crmflow.findings.closing import Closing
from crmflow.findings.model import Finding
from crmflow.findings.rules import AuditRules
from crmflow.jsonable import JsonMixin
from crmflow.store import evidence_queries as eq
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog, EventStore

#: The file the complete evidence is exported to, next to ``audit.json``.
FINDINGS_CSV = "findings.csv"
#: A workbook sheet lists at most this many evidence rows (``findings.csv`` has them all).
SHEET_ROWS = 200_000
#: The columns of the evidence table and file.
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


class _Temps:
    """Temporary tables shared by the findings of one kind (one ping-pong table per level, …)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.made: dict[tuple[str, str], str] = {}

    def get(self, key: tuple[str, str], sql: Any, params: dict[str, Any] | None = None) -> str:
        """The table for ``key``, created by ``sql(name)`` with ``params`` the first time."""
        if key not in self.made:
            name = self.store.new_name("ev" + key[0][:6])
            self.store.sql(sql(name), params)
            self.made[key] = name
        return self.made[key]

    def drop(self) -> None:
        for name in self.made.values():
            self.store.sql(fq.drop_table(name))
        self.made.clear()


def _select(
    f: Finding,
    log: EventLog,
    process: EventLog,
    closing: Closing,
    rules: AuditRules,
    calendar: CalendarTable | None,
    temps: _Temps,
) -> tuple[str, str, dict[str, Any]] | None:
    """(measure, SELECT, parameters) of one finding's full list."""
    m = f.metrics
    if f.kind == "bottleneck":
        if m.get("source") is not None:
            return "max_wait_s", eq.transition_wait_rows(process.name), {"src": m["source"], "dst": m["target"]}
        return "max_wait_s", eq.activity_wait_rows(process.name), {"dst": m["target"]}
    if f.kind == "rework" and m.get("type") == "repeat":
        return "executions", eq.repeat_rows(process.name), {"act": m["activity"]}
    if f.kind == "rework" and m.get("type") == "stage_return":
        order = {"stages": list(rules.stages)}
        tmp = temps.get(("returns", ""), lambda n: fq.stage_returns_table(process.name, n), order)
        return "returns", eq.stage_return_rows(tmp), {"src": m["from_stage"], "dst": m["to_stage"]}
    if f.kind == "ping_pong":
        level = str(m["level"])
        tmp = temps.get(("pingpong", level), lambda n: fq.ping_pong_table(process.name, n, level))
        return "bounces", eq.ping_pong_rows(tmp), {"min": max(rules.thresholds.ping_pong_min, 1)}
    if f.kind == "workload_concentration":
        p = {"res": m["top_resource"], "act": m["activity"], "role": m.get("role")}
        return "person_share", eq.person_activity_rows(log.name), p
    if f.kind == "workload_hero":
        return "person_share", eq.person_rows(log.name), {"res": m["resource"]}
    if f.kind == "stuck_case":
        tmp = temps.get(("stuck", ""), lambda n: fq.open_cases_table(log.name, n, closing.table))
        return "idle_s", eq.stuck_rows(tmp), {"after": rules.stuck_after_s}
    if f.kind == "sla_violation":
        rule = next((r for r in rules.sla if r.name == f.key), None)
        if rule is None:
            return None
        if rule.time == "working" and calendar is not None:
            duration = calendar.working_seconds_sql("from_ts", "to_ts")
            open_duration = calendar.working_seconds_sql("from_ts", "log_end")
        else:
            duration = fq.elapsed_seconds("from_ts", "to_ts")
            open_duration = fq.elapsed_seconds("from_ts", "log_end")
        tmp = temps.get(
            ("sla", rule.name),
            lambda n: fq.sla_table(log.name, n, duration, open_duration, closing.table),
            {"from": rule.from_activity, "to": rule.to_activity},
        )
        return "elapsed_s", eq.sla_rows(tmp), {"within": rule.within_s}
    if f.kind == "funnel_drop":
        stages = list(rules.stages)
        if m.get("stage") not in stages:
            return None
        tmp = temps.get(
            ("funnel", ""),
            lambda n: fq.funnel_table(log.name, n, closing.table),
            {"stages": stages, "after": rules.stuck_after_s},
        )
        return "idle_s", eq.funnel_rows(log.name, tmp), {"idx": stages.index(str(m["stage"]))}
    return None


def record_evidence(
    log: EventLog,
    findings: Sequence[Finding],
    rules: AuditRules,
    *,
    closing: Closing,
    calendar: CalendarTable | None = None,
) -> EvidenceTable:
    """Write every case behind each of ``findings`` (in their order) into the evidence table.

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

    Returns
    -------
    EvidenceTable
        The table's name, its rows and rows per finding.
    """
    store = log.store
    table = evidence_table_name(log)
    store.sql(eq.create_table(table))
    process = closing.process_log()
    temps = _Temps(store)
    try:
        for no, f in enumerate(findings, start=1):
            plan = _select(f, log, process, closing, rules, calendar, temps)
            if plan is None:
                continue
            measure, select, params = plan
            store.sql(eq.insert(table, select), {**params, "finding": no, "kind": f.kind, "key": f.key, "measure": measure})
    finally:
        temps.drop()
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
    >>> _ = store.sql(eq.create_table("fe_x"))
    >>> _ = store.sql("INSERT INTO fe_x VALUES (1, 'stuck_case', 'stuck', 'c1', 'idle_s', 90.0, NULL, 'A')")
    >>> out = write_findings_csv(store, "fe_x", Path(tempfile.mkdtemp()) / "findings.csv")
    >>> out.read_text(encoding="utf-8").splitlines()[1]
    '1,stuck_case,stuck,c1,idle_s,90.0,,A'
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    escaped = str(out).replace("'", "''")
    if store.engine.name == "duckdb":
        store.sql(f"COPY ({eq.export_csv(table)}) TO '{escaped}' (HEADER, DELIMITER ',')")
        return out
    # another engine (Spark): the rows come back as Arrow and DuckDB writes the same CSV
    rows = store.arrow(eq.export_csv(table))
    with EventStore() as local:
        local.register_arrow("fe_export", rows)
        local.sql(f"COPY (SELECT * FROM fe_export) TO '{escaped}' (HEADER, DELIMITER ',')")
    return out
