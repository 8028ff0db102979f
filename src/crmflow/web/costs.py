"""Cost-to-serve on the dashboard: work time per role from the log × a cost-per-role table, weekly trend.

Work time is read from the event log in the store (one SQL query, nothing materialised):

* with ``start``/``complete`` lifecycle pairs, an activity instance's work is start → complete;
* otherwise an event's work is the time since the case's previous event, capped at ``cap_hours``
  (default 8 h: longer gaps are waiting, not work) — an estimate, said so on the screen.

Each event's work goes to its role (its resource when the role is empty). The cost table maps a
role to a cost per hour; roles without a rate are listed with their hours as *unpriced*, never
dropped. The weekly trend is the cost per case by the ISO week in which the case started. The
To-Be's KPI targets and their measured values are :mod:`crmflow.web.targets`.

>>> CostTable.of({"sales_manager": 1500, "head_of_sales": "3000"}).rates["head_of_sales"]
3000.0
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmflow.errors import WebError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.store.store import EventLog
from crmflow.web.error_messages import ERRORS


@dataclass(frozen=True)
class CostTable:
    """Role → cost per hour (in the project's currency)."""

    rates: dict[str, float]
    currency: str = "RUB"

    @classmethod
    def of(cls, data: dict[str, Any], currency: str = "RUB") -> CostTable:
        """A checked table; the error names the role and the value."""
        rates: dict[str, float] = {}
        for role, value in data.items():
            try:
                rate = float(value)
            except (TypeError, ValueError):
                raise error(WebError, ERRORS, "costs.not_number", role=role, value=value) from None
            if not 0 <= rate < 1e9 or not str(role).strip():
                raise error(WebError, ERRORS, "costs.negative", role=role, value=value)
            rates[str(role).strip()] = rate
        return cls(rates, currency)


@dataclass(frozen=True)
class RoleCost(JsonMixin):
    role: str
    hours: float
    rate: float | None
    cost: float | None  # None: no rate for this role (unpriced)


@dataclass(frozen=True)
class WeekCost(JsonMixin):
    week: str  # ISO week of the case start, 2026-W05
    cases: int
    cost: float
    cost_per_case: float


@dataclass(frozen=True)
class CostToServe(JsonMixin):
    method: str  # "lifecycle" or "gap-capped"
    cap_hours: float
    cases: int
    total_cost: float
    cost_per_case: float | None
    unpriced_hours: float
    roles: tuple[RoleCost, ...]
    weeks: tuple[WeekCost, ...]
    currency: str


def _work_sql(log: EventLog, lifecycle: bool) -> str:
    ev = log.events_table
    who = "coalesce(nullif(role, ''), nullif(resource, ''), '?')"
    if lifecycle:
        return f"""
        WITH s AS (
          SELECT case_id, activity, {who} AS who, ts, lower(lifecycle) AS lc,
                 lead(ts) OVER (PARTITION BY case_id, activity ORDER BY ts, row_no) AS nts,
                 lead(lower(lifecycle)) OVER (PARTITION BY case_id, activity ORDER BY ts, row_no) AS nlc
          FROM {ev})
        SELECT case_id, who, epoch(nts) - epoch(ts) AS work_s FROM s WHERE lc = 'start' AND nlc = 'complete'"""
    return f"""
        SELECT case_id, {who} AS who,
               least(coalesce(epoch(ts) - epoch(lag(ts) OVER (PARTITION BY case_id ORDER BY ts, row_no)), 0), ?) AS work_s
        FROM {ev}"""


def cost_to_serve(log: EventLog, table: CostTable, *, cap_hours: float = 8.0) -> CostToServe:
    """Cost-to-serve of the log's cases (see the module docstring)."""
    store = log.store
    ev = log.events_table
    lifecycle = bool(
        store.scalar(f"SELECT count(*) FROM {ev} WHERE lower(coalesce(lifecycle, '')) = 'start'")
        if "lifecycle" in store.columns(ev)
        else 0
    )
    params = [] if lifecycle else [cap_hours * 3600.0]
    work = _work_sql(log, lifecycle)
    per_role = store.rows(f"SELECT who, sum(work_s) / 3600.0 AS h FROM ({work}) GROUP BY who ORDER BY h DESC, who", params)
    roles: list[RoleCost] = []
    total, unpriced = 0.0, 0.0
    for r in per_role:
        hours = float(r["h"] or 0.0)
        rate = table.rates.get(r["who"])
        cost = hours * rate if rate is not None else None
        if cost is None:
            unpriced += hours
        else:
            total += cost
        roles.append(RoleCost(r["who"], hours, rate, cost))
    case_cost = store.rows(
        f"""WITH w AS ({work}), starts AS (SELECT case_id, min(ts) AS t0 FROM {ev} GROUP BY case_id)
        SELECT strftime(s.t0, '%G-W%V') AS week, w.case_id, w.who, sum(w.work_s) / 3600.0 AS h
        FROM w JOIN starts s USING (case_id) GROUP BY 1, 2, 3""",
        params,
    )
    weeks: dict[str, tuple[set[str], float]] = {}
    for r in case_cost:
        cases, cost = weeks.get(r["week"], (set(), 0.0))
        cases.add(r["case_id"])
        weeks[r["week"]] = (cases, cost + float(r["h"] or 0.0) * table.rates.get(r["who"], 0.0))
    n_cases = log.n_cases
    return CostToServe(
        method="lifecycle" if lifecycle else "gap-capped",
        cap_hours=cap_hours,
        cases=n_cases,
        total_cost=total,
        cost_per_case=total / n_cases if n_cases else None,
        unpriced_hours=unpriced,
        roles=tuple(roles),
        weeks=tuple(WeekCost(w, len(c), cost, cost / len(c)) for w, (c, cost) in sorted(weeks.items())),
        currency=table.currency,
    )


def load_table(path: Path) -> CostTable | None:
    """The project's saved cost table (``costs.json``), or None."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return CostTable.of(data["rates"], data.get("currency", "RUB"))


def save_table(path: Path, table: CostTable) -> None:
    path.write_text(json.dumps({"rates": table.rates, "currency": table.currency}, ensure_ascii=False), encoding="utf-8")
