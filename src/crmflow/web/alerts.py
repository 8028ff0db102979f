"""Alerts: rules on the KPIs and on the conformance of the running process, an alert log with acknowledge.

A project's rules live in ``alerts/rules.json``; :meth:`Alerts.evaluate` computes each rule's value
and raises an alert when it is breached and no unacknowledged alert of the same rule is open. The
kinds:

* ``kpi`` — a dashboard KPI of ``audit.json`` (:func:`crmflow.web.audit_view.kpis`):
  ``median_cycle_s``, ``p90_cycle_s``, ``quality_score`` or ``sla_compliance`` (the lowest SLA
  compliance), ``above`` or ``below`` the threshold;
* ``sla_breach_share`` — the largest share of an SLA's checked cases that broke it, above the threshold;
* ``stuck`` — open tasks of the task service (the engine seam) older than ``hours``, more than the threshold;
* ``fitness`` — token-replay log fitness (:func:`crmflow.conformance.token_replay.token_replay`) of the
  last ``cases`` instances of the engine's event trail on the project's compiled To-Be, below the threshold.

Alerts are delivered by a :class:`Notifier` (one method): :class:`WebhookNotifier` (JSON POST),
:class:`EmailNotifier` (SMTP), :class:`~crmflow.web.alert_delivery.BusNotifier` (the engine's bus),
:class:`MemoryNotifier` (tests); configured from the environment by :func:`notifier_from_env`.
:mod:`crmflow.web.alert_schedule` evaluates every project's rules periodically.

>>> Rule.of({"id": "cycle", "kind": "kpi", "metric": "median_cycle_s", "op": "above", "threshold": 3600}).metric
'median_cycle_s'
"""

from __future__ import annotations

import json
import os
import smtplib
import sqlite3
import threading
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol

from crmflow.errors import WebError, WebNotFoundError
from crmflow.i18n import error
from crmflow.web import audit_view
from crmflow.web.error_messages import ERRORS
from crmflow.web.projects import Workspace
from crmflow.web.tasks import TaskService

Kind = Literal["kpi", "sla_breach_share", "stuck", "fitness"]
KINDS: tuple[str, ...] = ("kpi", "sla_breach_share", "stuck", "fitness")
METRICS: tuple[str, ...] = ("median_cycle_s", "p90_cycle_s", "quality_score", "sla_compliance")


@dataclass(frozen=True)
class Rule:
    """One alert rule (see the module docstring for the kinds)."""

    id: str
    kind: str
    threshold: float
    metric: str = ""
    op: str = "above"
    hours: float = 24.0
    cases: int = 50

    @classmethod
    def of(cls, data: dict[str, Any]) -> Rule:
        """A checked rule from JSON; the error names the field and the allowed values."""
        kind = str(data.get("kind", ""))
        if kind not in KINDS:
            raise error(WebError, ERRORS, "alerts.bad_kind", rule_id=data.get("id"), kind=kind, value=", ".join(KINDS))
        rule = cls(
            id=str(data.get("id") or "").strip(),
            kind=kind,
            threshold=float(data.get("threshold", 0)),
            metric=str(data.get("metric") or ""),
            op=str(data.get("op") or "above"),
            hours=float(data.get("hours", 24.0)),
            cases=int(data.get("cases", 50)),
        )
        if not rule.id or len(rule.id) > 64:
            raise error(WebError, ERRORS, "alerts.bad_id")
        if kind == "kpi" and rule.metric not in METRICS:
            raise error(WebError, ERRORS, "alerts.bad_metric", rule_id=rule.id, rule_metric=rule.metric, value=", ".join(METRICS))
        if rule.op not in ("above", "below"):
            raise error(WebError, ERRORS, "alerts.bad_op", rule_id=rule.id, rule_op=rule.op)
        if rule.hours <= 0 or not 1 <= rule.cases <= 100_000:
            raise error(WebError, ERRORS, "alerts.bad_limits", rule_id=rule.id)
        return rule


@dataclass(frozen=True)
class Alert:
    """A raised alert as the log keeps it."""

    id: int
    project: str
    rule: str
    kind: str
    value: float
    threshold: float
    detail: str
    raised_at: str
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """One rule's value at evaluation time (None: not computable yet, e.g. no audit) and whether it fired."""

    rule: str
    value: float | None
    breached: bool
    raised: int | None  # the new alert's id
    detail: str


class Notifier(Protocol):
    """Delivers a raised alert (webhook, e-mail, the engine's bus: :mod:`crmflow.web.alert_delivery`)."""

    def deliver(self, alert: Alert) -> None:
        """Send the alert; raise on failure (the alert stays in the log)."""
        ...


class MemoryNotifier:
    """Keeps the delivered alerts (tests)."""

    def __init__(self) -> None:
        self.delivered: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.delivered.append(alert)


class WebhookNotifier:
    """POSTs the alert as JSON to a URL (``$CRMFLOW_ALERT_WEBHOOK``)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise error(WebError, ERRORS, "alerts.bad_webhook", url=url)
        self.url, self.timeout = url, timeout

    def deliver(self, alert: Alert) -> None:
        body = json.dumps(asdict(alert), ensure_ascii=False).encode()
        req = urllib.request.Request(self.url, data=body, headers={"content-type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=self.timeout) as r:  # noqa: S310 (scheme checked above)
            r.read()


class EmailNotifier:
    """Sends the alert by SMTP (``$CRMFLOW_ALERT_SMTP`` host:port, ``$CRMFLOW_ALERT_EMAIL`` recipient)."""

    def __init__(self, host: str, port: int, to: str, *, sender: str = "crmflow@localhost") -> None:
        self.host, self.port, self.to, self.sender = host, port, to, sender

    def deliver(self, alert: Alert) -> None:
        msg = EmailMessage()
        msg["Subject"] = f"crmflow alert: {alert.project} / {alert.rule}"
        msg["From"], msg["To"] = self.sender, self.to
        msg.set_content(f"{alert.detail}\nvalue {alert.value:g}, threshold {alert.threshold:g}, raised {alert.raised_at}")
        with smtplib.SMTP(self.host, self.port, timeout=10) as s:
            s.send_message(msg)


def notifier_from_env(env: dict[str, str] | None = None) -> Notifier | None:
    """The configured notifiers: the engine's bus, a webhook, e-mail — each that is set; None: the log only.

    >>> notifier_from_env({}) is None
    True
    """
    env = dict(os.environ) if env is None else env
    found: list[Notifier] = []
    if env.get("CRMFLOW_ALERT_BUS_URL"):
        from crmflow.web.alert_delivery import BusNotifier

        stream = env.get("CRMFLOW_ALERT_BUS_STREAM", "crmflow_alerts") or None
        found.append(BusNotifier(env["CRMFLOW_ALERT_BUS_URL"], prefix=env.get("CRMFLOW_BUS_PREFIX", ""), stream=stream))
    if env.get("CRMFLOW_ALERT_WEBHOOK"):
        found.append(WebhookNotifier(env["CRMFLOW_ALERT_WEBHOOK"]))
    if env.get("CRMFLOW_ALERT_SMTP") and env.get("CRMFLOW_ALERT_EMAIL"):
        host, _, port = env["CRMFLOW_ALERT_SMTP"].partition(":")
        found.append(EmailNotifier(host, int(port or 25), env["CRMFLOW_ALERT_EMAIL"]))
    if len(found) > 1:
        from crmflow.web.alert_delivery import FanoutNotifier

        return FanoutNotifier(found)
    return found[0] if found else None


_SCHEMA = """CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY, project TEXT NOT NULL, rule TEXT NOT NULL, kind TEXT NOT NULL, value REAL NOT NULL,
    threshold REAL NOT NULL, detail TEXT NOT NULL, raised_at TEXT NOT NULL, acknowledged_by TEXT, acknowledged_at TEXT)"""
#: each rule's last known state: an alert is raised when a rule *goes* into breach, not on every
#: evaluation it stays there (acknowledged or not); a value that cannot be computed keeps the state
_STATE = """CREATE TABLE IF NOT EXISTS rule_state (
    project TEXT NOT NULL, rule TEXT NOT NULL, breached INTEGER NOT NULL, since TEXT NOT NULL,
    PRIMARY KEY (project, rule))"""


def _breach(value: float, threshold: float, op: str) -> bool:
    return value > threshold if op == "above" else value < threshold


class Alerts:
    """Rules per project, evaluation, the alert log (``alerts.sqlite``) and delivery."""

    def __init__(self, data_dir: Path, workspace: Workspace, tasks: TaskService, notifier: Notifier | None = None) -> None:
        self.workspace, self.tasks, self.notifier = workspace, tasks, notifier
        self._db = sqlite3.connect(str(Path(data_dir) / "alerts.sqlite"), check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 10000")  # several workers of one app share the file
        self._db.execute(_SCHEMA)
        self._db.execute(_STATE)
        self._db.commit()
        self.path = Path(data_dir) / "alerts.sqlite"
        self._lock = threading.Lock()
        self.delivery_errors: list[str] = []

    def _rules_file(self, project: str) -> Path:
        self.workspace.project(project)
        return self.workspace.folder(project) / "alerts" / "rules.json"

    def rules(self, project: str) -> list[Rule]:
        path = self._rules_file(project)
        return [Rule.of(d) for d in json.loads(path.read_text(encoding="utf-8"))] if path.is_file() else []

    def set_rule(self, project: str, data: dict[str, Any]) -> Rule:
        """Add or replace (by id) a rule."""
        rule = Rule.of(data)
        rules = [r for r in self.rules(project) if r.id != rule.id] + [rule]
        path = self._rules_file(project)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([asdict(r) for r in rules], ensure_ascii=False), encoding="utf-8")
        return rule

    def delete_rule(self, project: str, rule_id: str) -> None:
        rules = self.rules(project)
        if not any(r.id == rule_id for r in rules):
            raise error(WebNotFoundError, ERRORS, "alerts.no_rule", rule_id=rule_id, project=project)
        self._rules_file(project).write_text(json.dumps([asdict(r) for r in rules if r.id != rule_id]), encoding="utf-8")
        with self._lock:  # a rule added again under the same id starts from "not breached"
            self._db.execute("DELETE FROM rule_state WHERE project=? AND rule=?", (project, rule_id))
            self._db.commit()

    # values ---------------------------------------------------------------------------------
    def value(self, project: str, rule: Rule, *, now: datetime | None = None) -> tuple[float | None, str]:
        """The rule's current value and a sentence saying what it is."""
        if rule.kind in ("kpi", "sla_breach_share"):
            doc = self.workspace.audit_document(project)
            if doc is None:
                return None, "no audit yet"
            k = audit_view.kpis(doc)
            if rule.kind == "sla_breach_share":
                shares = [(s.violations / s.cases_checked, s.name) for s in k.sla if s.cases_checked]
                if not shares:
                    return None, "no SLA checked"
                share, name = max(shares)
                return share, f"SLA {name}: {share:.1%} of the checked cases breached it"
            if rule.metric == "sla_compliance":
                vals = [s.compliance for s in k.sla if s.compliance is not None]
                return (min(vals), "lowest SLA compliance") if vals else (None, "no SLA checked")
            v = getattr(k, rule.metric)
            return (float(v), rule.metric) if v is not None else (None, f"{rule.metric} is not known")
        if rule.kind == "stuck":
            at = now or datetime.now(UTC)
            old = [t for t in self.tasks.list_tasks() if t.state == "open" and t.created < at - timedelta(hours=rule.hours)]
            keys = ", ".join(sorted(t.business_key for t in old)[:10])
            return float(len(old)), f"{len(old)} open task(s) older than {rule.hours:g} h" + (f": {keys}" if keys else "")
        return self._fitness(project, rule)

    def _fitness(self, project: str, rule: Rule) -> tuple[float | None, str]:
        from crmflow.bpmn.reader import read_bpmn
        from crmflow.bpmn.to_petri import bpmn_to_petri
        from crmflow.conformance.token_replay import token_replay

        compiled = self.workspace.folder(project) / "tobe" / "compiled.bpmn"
        if not compiled.is_file():
            return None, "the To-Be is not compiled"
        trail = getattr(self.tasks, "event_log", None)
        events = [e for e in (trail() if trail else []) if e.get("lifecycle") == "complete"]
        by_case: dict[str, list[dict[str, Any]]] = {}
        for e in sorted(events, key=lambda e: e["timestamp"]):
            by_case.setdefault(str(e["case_id"]), []).append(e)
        if not by_case:
            return None, "no completed work in the engine's event trail"
        last = sorted(by_case.values(), key=lambda evs: evs[-1]["timestamp"])[-rule.cases :]
        variants: dict[tuple[str, ...], int] = {}
        for evs in last:
            trace = tuple(str(e["activity"]) for e in evs)
            variants[trace] = variants.get(trace, 0) + 1
        defs = read_bpmn(compiled.read_bytes())
        process = next(p for p in defs.processes if p.nodes)
        result = token_replay(variants, bpmn_to_petri(defs, process.id))
        return result.log_fitness, f"fitness of the last {len(last)} case(s) on {process.id}: {result.log_fitness:.3f}"

    # evaluation and the log --------------------------------------------------------------------
    def evaluate(self, project: str, *, now: datetime | None = None) -> list[Evaluation]:
        """Evaluate every rule of the project; raise (and deliver) the ones that went into breach.

        A rule raises once when it goes from "not breached" (or never evaluated) to "breached"; while
        it stays breached no new alert is raised, whether the alert is acknowledged or not. It
        re-opens when its value has been back within the threshold at an evaluation and then
        breaches again. A value that cannot be computed (no audit yet) leaves the state as it was.
        """
        at = now or datetime.now(UTC)
        out: list[Evaluation] = []
        for rule in self.rules(project):
            value, detail = self.value(project, rule, now=now)
            op = "below" if rule.kind == "fitness" else ("above" if rule.kind != "kpi" else rule.op)
            breached = value is not None and _breach(value, rule.threshold, op)
            raised = None
            if value is not None:
                went_in = self._set_state(project, rule.id, breached, at)
                if breached and went_in and not self._open(project, rule.id):
                    raised = self._raise(project, rule, value, detail, at)
            out.append(Evaluation(rule.id, value, breached, raised, detail))
        return out

    def _set_state(self, project: str, rule: str, breached: bool, at: datetime) -> bool:
        """Record the rule's state; True when it went into breach now."""
        with self._lock:
            self._db.commit()
            self._db.execute("BEGIN IMMEDIATE")  # read and write under the write lock: one worker sees the transition
            try:
                row = self._db.execute("SELECT breached FROM rule_state WHERE project=? AND rule=?", (project, rule)).fetchone()
                was = bool(row[0]) if row is not None else False
                if row is None or was != breached:
                    self._db.execute(
                        "INSERT OR REPLACE INTO rule_state (project, rule, breached, since) VALUES (?,?,?,?)",
                        (project, rule, int(breached), at.isoformat(timespec="seconds")),
                    )
                self._db.commit()
            except BaseException:
                self._db.rollback()
                raise
        return breached and not was

    def _open(self, project: str, rule: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM alerts WHERE project=? AND rule=? AND acknowledged_at IS NULL", (project, rule)
            ).fetchone()
        return row is not None

    def _raise(self, project: str, rule: Rule, value: float, detail: str, at: datetime) -> int:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO alerts (project, rule, kind, value, threshold, detail, raised_at) VALUES (?,?,?,?,?,?,?)",
                (project, rule.id, rule.kind, value, rule.threshold, detail, at.isoformat(timespec="seconds")),
            )
            self._db.commit()
            alert_id = int(cur.lastrowid or 0)
        if self.notifier is not None:
            try:
                self.notifier.deliver(self.alert(alert_id))
            except Exception as exc:  # noqa: BLE001 (delivery failure must not lose the alert)
                self.delivery_errors.append(f"alert {alert_id}: {exc}")
        return alert_id

    def alert(self, alert_id: int) -> Alert:
        with self._lock:
            row = self._db.execute("SELECT * FROM alerts WHERE id=?", (alert_id,)).fetchone()
        if row is None:
            raise error(WebNotFoundError, ERRORS, "alerts.no_alert", alert_id=alert_id)
        return Alert(*row)

    def log(self, project: str | None = None, *, limit: int = 200) -> list[Alert]:
        """The alert log, newest first."""
        q, args = "SELECT * FROM alerts", tuple[str, ...]()
        if project is not None:
            q, args = q + " WHERE project=?", (project,)
        with self._lock:
            rows = self._db.execute(q + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [Alert(*r) for r in rows]

    def acknowledge(self, alert_id: int, user: str) -> Alert:
        """Acknowledge an alert (idempotent: the first acknowledgement is kept)."""
        self.alert(alert_id)
        with self._lock:
            self._db.execute(
                "UPDATE alerts SET acknowledged_by=?, acknowledged_at=? WHERE id=? AND acknowledged_at IS NULL",
                (user, datetime.now(UTC).isoformat(timespec="seconds"), alert_id),
            )
            self._db.commit()
        return self.alert(alert_id)
