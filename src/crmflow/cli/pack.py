"""``crmflow pack``: the audit pack generated from a To-Be definition."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crmflow.cli.design import TOBE_HELP
from crmflow.cli.main import LangOpt, _fail, _set_lang, app, console, out, state
from crmflow.cli.progress import step_progress
from crmflow.errors import CrmflowError
from crmflow.i18n import text

MSG: dict[str, dict[str, str]] = {
    "written": {"en": "Audit pack written: {index} ({n} files)", "ru": "Пакет аудита записан: {index} (файлов: {n})"},
    "coverage": {
        "en": "UAT: {scenarios} scenarios, coverage {percent:.1%} ({covered} of {targets} branches, escalations, rules)",
        "ru": "UAT: сценариев {scenarios}, покрытие {percent:.1%} ({covered} из {targets} ветвей, эскалаций, правил)",
    },
}


@app.command()
def pack(
    tobe: Annotated[Path, typer.Option("--tobe", help=TOBE_HELP, exists=True, dir_okay=False)],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the pack into.")] = Path("out/pack"),
    audit: Annotated[Path | None, typer.Option("--audit", help="As-Is audit folder (crmflow audit --out).", exists=True)] = None,
    quality: Annotated[
        Path | None, typer.Option("--quality", help="quality.json (crmflow quality), if not in --audit.", exists=True)
    ] = None,
    journey: Annotated[
        Path | None, typer.Option("--journey", help="journey.json (customer journey), if not in --audit.", exists=True)
    ] = None,
    simulation: Annotated[
        Path | None, typer.Option("--simulation", help="simulation.json (crmflow simulate): adds the P&L section.", exists=True)
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Generate the audit pack: DOCX, PDF, XLSX, BPMN, diagrams, Gherkin, backlog CSV, AsyncAPI, index.html."""
    _set_lang(lang)
    from crmflow.deliverables.pack import PACK_STEPS, build_pack

    try:
        with step_progress(console, total=PACK_STEPS, enabled=console.is_terminal) as step:
            result = build_pack(
                tobe,
                out_dir=out_dir,
                audit=audit,
                lang=state.lang,
                quality=quality,
                journey=journey,
                progress=step,
                simulation=simulation,
            )
        cov = result.uat.coverage
        out.print(text(MSG, "written", state.lang, index=result.folder / "index.html", n=len(result.written)))
        for warning in result.warnings:
            out.print(f"[yellow]{escape(warning)}[/]", highlight=False)
        out.print(
            text(
                MSG,
                "coverage",
                state.lang,
                scenarios=len(result.uat.scenarios),
                percent=cov.percent() / 100,
                covered=sum(cov.covered.values()),
                targets=sum(cov.totals.values()),
            )
        )
    except CrmflowError as exc:
        _fail(exc)
