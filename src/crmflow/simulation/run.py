"""``run_simulation``: a log (or project) → the As-Is model, its validation, the To-Be and scenarios, the P&L.

The one library call behind ``crmflow simulate``. It writes ``simulation.json`` (everything, JSON) and
``simulation.html`` (one offline page with SVG charts) into ``out_dir``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmflow.i18n import LANGS, check_lang
from crmflow.simulation.discover import discover_simulation_model
from crmflow.simulation.document import KpiCheck, Note, ScenarioSummary, SimulationDocument
from crmflow.simulation.economics import EconomicsSpec, PnL, profit_and_loss
from crmflow.simulation.kpis import KPI_NAMES, Kpis, log_kpis
from crmflow.simulation.messages import t
from crmflow.simulation.model import SimulationModel
from crmflow.simulation.scenarios import (
    ScenarioFile,
    ScenarioResult,
    apply_changes,
    load_scenarios,
    run_model,
    run_scenarios,
)

#: Replications when no scenario file says otherwise.
DEFAULT_REPLICATIONS = 10
#: The longest simulated span when it is taken from the log.
MAX_DAYS = 365.0


@dataclass(frozen=True)
class SimulationReport:
    """What ``run_simulation`` computed (and wrote)."""

    source: str
    model: SimulationModel
    log: Kpis
    results: tuple[ScenarioResult, ...]
    pnl: tuple[PnL, ...]
    economics: EconomicsSpec | None
    replications: int
    days: float
    seed: int
    lang: str
    json_path: Path
    html_path: Path
    #: Each result's name per language (``{"baseline": {"en": "As-Is", "ru": "Как есть"}}``).
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def baseline(self) -> ScenarioResult:
        """The discovered As-Is as it is (what the validation compares with the log)."""
        return self.results[0]

    def validation(self) -> dict[str, KpiCheck]:
        """Per KPI: the log's value, the simulated As-Is mean, and the difference in % of the log's value."""
        out: dict[str, KpiCheck] = {}
        for name in KPI_NAMES:
            lv, est = self.log.value(name), self.baseline.estimates.get(name)
            sim = None if est is None else est.mean
            err = None if lv is None or lv == 0 or sim is None else 100 * (sim - lv) / lv
            out[name] = KpiCheck(log=lv, sim=sim, error_pct=err)
        return out

    def document(self) -> SimulationDocument:
        """What ``simulation.json`` holds (:mod:`crmflow.simulation.document`)."""
        return SimulationDocument(
            source=self.source,
            replications=self.replications,
            days=self.days,
            seed=self.seed,
            lang=self.lang,
            log_kpis=self.log,
            validation=self.validation(),
            results=tuple(
                ScenarioSummary(
                    id=r.id,
                    name=r.name,
                    estimates=r.estimates,
                    people=r.people,
                    busy_hours=r.busy_hours,
                    paid_hours_per_week=r.paid_hours_per_week,
                    cycle_quantiles_h=r.runs[0].cycle_quantiles_h if r.runs else (),
                    names=dict(self.names.get(r.id, {})),
                )
                for r in self.results
            ),
            economics=self.economics,
            pnl=self.pnl,
            model=self.model.to_dict(),
            notes=tuple(t(k, self.lang, **dict(v)) for k, v in self.model.notes),
            note_keys=tuple(Note(key=k, values=dict(v)) for k, v in self.model.notes),
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``simulation.json`` document (plain JSON values)."""
        return self.document().to_dict()


def _read(source: str | Path, *, mapping: str | Path | None, timezone: str | None) -> Any:
    p = Path(source)
    if p.suffix == ".duckdb":
        from crmflow.sources.project import open_project_log

        return open_project_log(p)
    from crmflow.sources.reader import read_log

    return read_log(p, mapping=mapping, timezone=timezone)


def run_simulation(
    source: str | Path,
    *,
    out_dir: str | Path,
    tobe: str | Path | None = None,
    scenarios: str | Path | None = None,
    rules: str | Path | None = None,
    mapping: str | Path | None = None,
    timezone: str | None = None,
    won: Sequence[str] | None = None,
    replications: int | None = None,
    days: float | None = None,
    seed: int = 0,
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
) -> SimulationReport:
    """Discover, validate, simulate the To-Be and the scenarios, and write ``simulation.json`` + ``.html``.

    Parameters
    ----------
    source
        An event log file (any format ``read_log`` reads) or a project store (``.duckdb``).
    out_dir
        The folder to write into (created).
    tobe
        A To-Be YAML: simulated as one more scenario, on the As-Is arrivals and mapped durations.
    scenarios
        A scenario file (:mod:`crmflow.simulation.scenarios`), with the ``economics`` inputs of the P&L.
    rules
        Audit rules (calendar, SLA, end activities) that define the SLA and conversion KPIs.
    mapping, timezone
        How to read the log (as ``crmflow audit``).
    won
        Activities that make a case won (default: the rules' first end activity).
    replications, days, seed
        Overrides of the scenario file (default 10 replications over the log's span, at most a year).
    lang
        ``ru`` or ``en``: names and notes.
    progress
        Called with a short description before each step.

    Raises
    ------
    SimulationError
        When the scenario file is invalid.
    InputError, RulesError, ToBeError
        When the log, rules or To-Be cannot be read (from their readers).
    """
    lang = check_lang(lang)
    step = progress or (lambda _m: None)
    from crmflow.findings.rules import load_rules

    step(t("progress.read", lang))
    audit_rules = load_rules(rules) if rules is not None else None
    tz = timezone or (audit_rules.calendar.timezone if audit_rules is not None else "UTC")
    log = _read(source, mapping=mapping, timezone=timezone)
    step(t("progress.discover", lang))
    model = discover_simulation_model(log, rules=audit_rules, timezone=tz, won=won)
    real = log_kpis(log, model.kpis)
    spec = load_scenarios(scenarios) if scenarios is not None else ScenarioFile(scenarios=())
    reps = replications or (spec.replications if scenarios is not None else DEFAULT_REPLICATIONS)
    span = real.cases / real.cases_per_day if real.cases_per_day > 0 else 30.0
    sim_days = float(days or spec.days or min(span, MAX_DAYS))

    step(t("progress.simulate", lang, name=model.name))
    results: list[ScenarioResult] = []
    base_model = model
    if spec.assumptions is not None:  # the discovered As-Is is validated as it is; scenarios compare with the assumed one
        name = t("name.discovered", lang)
        results.append(run_model(model, sid="as-discovered", name=name, replications=reps, days=sim_days, seed=seed))
        base_model = apply_changes(model, spec.assumptions, where=spec.source)
    base_name = spec.assumptions.name(lang) if spec.assumptions is not None else None
    results += run_scenarios(
        base_model,
        spec.scenarios,
        replications=reps,
        days=sim_days,
        seed=seed,
        lang=lang,
        where=spec.source,
        base_name=base_name,
    )
    names: dict[str, dict[str, str]] = {"as-discovered": {lg: t("name.discovered", lg) for lg in LANGS}}
    names["baseline"] = {
        lg: spec.assumptions.name(lg) if spec.assumptions is not None else t("name.baseline", lg) for lg in LANGS
    }
    names |= {s.id: {lg: s.name(lg) for lg in LANGS} for s in spec.scenarios}
    if tobe is not None:
        from crmflow.design.loader import load_tobe
        from crmflow.simulation.tobe import tobe_simulation_model

        definition = load_tobe(tobe, lang=lang)
        to_model = tobe_simulation_model(definition, asis=base_model)
        names["to-be"] = {lg: definition.name.get(lg) for lg in LANGS}
        step(t("progress.simulate", lang, name=to_model.name))
        results.append(
            run_model(to_model, sid="to-be", name=definition.name.get(lang), replications=reps, days=sim_days, seed=seed)
        )
    economics = EconomicsSpec.from_mapping(spec.economics, where=spec.source) if spec.economics else None
    compared = results[1:] if spec.assumptions is not None else results
    pnl = profit_and_loss(compared, economics, spec.scenarios) if economics is not None else ()
    log.store.close()

    step(t("progress.write", lang))
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    report = SimulationReport(
        source=str(source),
        model=model,
        log=real,
        results=tuple(results),
        pnl=pnl,
        economics=economics,
        replications=reps,
        days=sim_days,
        seed=seed,
        lang=lang,
        json_path=folder / "simulation.json",
        html_path=folder / "simulation.html",
        names=names,
    )
    import json

    from crmflow.simulation.html import simulation_html

    document = report.document()
    report.json_path.write_text(json.dumps(document.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    report.html_path.write_text(simulation_html(document), encoding="utf-8")
    return report


#: How many progress steps ``run_simulation`` reports (one more with a To-Be).
SIMULATION_STEPS = 4

__all__ = ["DEFAULT_REPLICATIONS", "SIMULATION_STEPS", "SimulationReport", "run_simulation"]
