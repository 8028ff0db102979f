"""The economic effect of a scenario: a yearly P&L from simulated KPIs, and the payback of its implementation.

Per replication (the baseline and a scenario share seeds, so their difference is paired):

* **margin** = won deals per year × ``margin_per_won`` (won per year = cases per day × 365 × conversion);
* **labour** = paid hours per year of each pool (people × the pool calendar's weekly hours × 52) ×
  ``cost_per_hour`` of the role (``default`` for roles not listed; system pools cost nothing) — people are
  paid for their hours, busy or not, so adding two SDRs costs their hours whatever they do;
* **cost of delay** = cases per year × mean cycle time in days × ``cost_of_delay_per_day`` (what a day of
  an open case costs: capital, lost interest, churn risk — the client's number);
* **result** = margin − labour − cost of delay; the scenario's **effect** is its result minus the
  baseline's, with a 95 % interval over the paired replications; **payback** = implementation cost /
  monthly effect (none when the effect is not positive).

>>> spec = EconomicsSpec.from_mapping({"margin_per_won": 1000, "cost_per_hour": {"default": 10}})
>>> spec.rate("sdr"), spec.currency
(10.0, 'RUB')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crmflow.errors import SimulationError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.simulation.error_messages import ERRORS
from crmflow.simulation.kpis import Estimate, Kpis
from crmflow.simulation.scenarios import Scenario, ScenarioResult


@dataclass(frozen=True)
class EconomicsSpec(JsonMixin):
    """Money inputs (the client's numbers; nothing here is guessed by crmflow)."""

    currency: str = "RUB"
    cost_per_hour: dict[str, float] = field(default_factory=dict)
    margin_per_won: float = 0.0
    cost_of_delay_per_day: float = 0.0
    implementation_cost: float = 0.0

    def rate(self, role: str) -> float:
        return float(self.cost_per_hour.get(role, self.cost_per_hour.get("default", 0.0)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str = "<economics>") -> EconomicsSpec:
        """Read the ``economics`` mapping of a scenario file.

        Raises
        ------
        SimulationError
            On an unknown key or a value that is not a number.
        """
        known = {"currency", "cost_per_hour", "margin_per_won", "cost_of_delay_per_day", "implementation_cost"}
        unknown = set(data) - known
        if unknown:
            raise error(
                SimulationError,
                ERRORS,
                "economics.economics_unknown_key_s",
                where=where,
                unknown=sorted(unknown),
                value=", ".join(sorted(known)),
            )
        try:
            rates = data.get("cost_per_hour") or {}
            if not isinstance(rates, Mapping):
                rates = {"default": float(rates)}
            return cls(
                currency=str(data.get("currency", "RUB")),
                cost_per_hour={str(k): float(v) for k, v in rates.items()},
                margin_per_won=float(data.get("margin_per_won", 0.0)),
                cost_of_delay_per_day=float(data.get("cost_of_delay_per_day", 0.0)),
                implementation_cost=float(data.get("implementation_cost", 0.0)),
            )
        except (TypeError, ValueError) as exc:
            raise error(SimulationError, ERRORS, "economics.economics_amounts_are_plain", where=where, exc=exc) from None


@dataclass(frozen=True)
class PnL(JsonMixin):
    """A yearly P&L of the baseline or a scenario, and its effect against the baseline."""

    id: str
    name: str
    margin: float
    labour: float
    delay: float
    result: float
    effect: Estimate | None
    implementation_cost: float
    payback_months: float | None


def _yearly(run: Kpis, spec: EconomicsSpec, res: ScenarioResult) -> tuple[float, float, float]:
    per_year = run.cases_per_day * 365.0
    margin = per_year * (run.conversion or 0.0) * spec.margin_per_won
    labour = sum(h * 52.0 * spec.rate(role) for role, h in res.paid_hours_per_week.items() if res.people.get(role, 0) > 0)
    delay = per_year * run.mean_cycle_h / 24.0 * spec.cost_of_delay_per_day
    return margin, labour, delay


def profit_and_loss(
    results: Sequence[ScenarioResult], spec: EconomicsSpec, scenarios: Sequence[Scenario] = ()
) -> tuple[PnL, ...]:
    """The P&L of the baseline (``results[0]``) and of each scenario (see the module docstring).

    A result without a conversion KPI when the baseline has one (a To-Be process that ends before the won
    outcome) is left out: its margin cannot be compared.
    """
    from scipy import stats

    if not results:
        return ()
    base = results[0]
    base_rows = [_yearly(r, spec, base) for r in base.runs]
    base_result = [m - lab - d for m, lab, d in base_rows]
    costs = {s.id: s.implementation_cost for s in scenarios}
    out = []
    for res in results:
        if base.estimates.get("conversion") is not None and res.estimates.get("conversion") is None:
            continue  # a To-Be that does not reach the won outcome: its margin is not comparable
        rows = [_yearly(r, spec, res) for r in res.runs]
        result = [m - lab - d for m, lab, d in rows]
        mean = np.asarray(rows).mean(axis=0) if rows else np.zeros(3)
        effect = None
        payback = None
        impl = 0.0
        if res is not base:
            diff = np.asarray(result[: len(base_result)]) - np.asarray(base_result[: len(result)])
            m = float(diff.mean())
            half = float(stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
            effect = Estimate(mean=m, low=m - half, high=m + half, n=len(diff))
            cost = costs.get(res.id)
            impl = spec.implementation_cost if cost is None else cost
            payback = impl / (m / 12.0) if m > 0 else None
        out.append(
            PnL(
                id=res.id,
                name=res.name,
                margin=float(mean[0]),
                labour=float(mean[1]),
                delay=float(mean[2]),
                result=float(np.mean(result)) if result else 0.0,
                effect=effect,
                implementation_cost=impl,
                payback_months=payback,
            )
        )
    return tuple(out)


__all__ = ["EconomicsSpec", "PnL", "profit_and_loss"]
