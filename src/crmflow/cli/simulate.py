"""``crmflow simulate``: the As-Is simulated from a log, the To-Be and what-if scenarios, with their P&L."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmflow.base.numbers import format_percent, format_significant
from crmflow.cli.main import LangOpt, MappingOpt, TimezoneOpt, _fail, _set_lang, app, console, out, state
from crmflow.cli.progress import step_progress
from crmflow.errors import CrmflowError
from crmflow.i18n import text

MSG: dict[str, dict[str, str]] = {
    "written": {"en": "Simulation written: {html} and {json}", "ru": "Симуляция записана: {html} и {json}"},
    "kpi": {
        "en": "{name}: {kpi} log {log}, simulated {sim} ({err})",
        "ru": "{name}: {kpi} журнал {log}, симуляция {sim} ({err})",
    },
}


@app.command()
def simulate(
    source: Annotated[
        Path, typer.Argument(help="An event log (CSV, XLSX, XES, Parquet…) or a project store (.duckdb).", exists=True)
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write simulation.json and simulation.html into.")] = Path(
        "out/simulation"
    ),
    tobe: Annotated[
        Path | None, typer.Option("--tobe", help="To-Be YAML to simulate on the As-Is arrivals.", exists=True, dir_okay=False)
    ] = None,
    scenarios: Annotated[
        Path | None, typer.Option("--scenarios", help="What-if scenarios YAML (with economics).", exists=True, dir_okay=False)
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Audit rules YAML (calendar, SLA, end activities).", exists=True)
    ] = None,
    mapping: MappingOpt = None,
    timezone: TimezoneOpt = None,
    replications: Annotated[
        int | None, typer.Option("--replications", help="Replications per scenario (default 10).", min=2)
    ] = None,
    days: Annotated[
        float | None, typer.Option("--days", help="Simulated days per replication (default: the log's span, ≤ 365).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same result.")] = 0,
    lang: LangOpt = None,
) -> None:
    """Simulate the As-Is discovered from the log, the To-Be and scenarios; KPIs with intervals and the P&L."""
    _set_lang(lang)
    from crmflow.simulation.messages import t
    from crmflow.simulation.run import SIMULATION_STEPS, run_simulation

    try:
        with step_progress(console, total=SIMULATION_STEPS + (1 if tobe else 0), enabled=console.is_terminal) as step:
            report = run_simulation(
                source,
                out_dir=out_dir,
                tobe=tobe,
                scenarios=scenarios,
                rules=rules,
                mapping=mapping,
                timezone=timezone,
                replications=replications,
                days=days,
                seed=seed,
                lang=state.lang,
                progress=step,
            )
    except CrmflowError as exc:
        _fail(exc)
        return
    for name, v in report.validation().items():
        if v.log is None:
            continue
        lang = state.lang
        err = "—" if v.error_pct is None else ("+" if v.error_pct > 0 else "") + format_percent(v.error_pct / 100, lang)
        sim = format_significant(v.sim, lang)
        out.print(
            text(
                MSG,
                "kpi",
                state.lang,
                name=report.baseline.name,
                kpi=t("kpi." + name, state.lang),
                log=format_significant(v.log, lang),
                sim=sim,
                err=err,
            ),
            highlight=False,
        )
    out.print(text(MSG, "written", state.lang, html=report.html_path, json=report.json_path), highlight=False)
