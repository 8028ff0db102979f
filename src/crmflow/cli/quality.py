"""``crmflow quality``: data-quality checks of CRM entities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from crmflow.base.numbers import format_percent
from crmflow.cli.main import LangOpt, _fail, _set_lang, app, console, out, state
from crmflow.cli.progress import step_progress
from crmflow.errors import CrmflowError
from crmflow.i18n import error
from crmflow.quality.messages import MESSAGES as QUALITY_TEXT
from crmflow.quality.messages import t as qt


@app.command()
def quality(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(help="Entity files: CSV/TSV, XLSX, Parquet, JSON lists (one entity each).", exists=True, dir_okay=False),
    ] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Quality rules YAML.", exists=True, dir_okay=False)] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder for quality.json and quality.html.")] = Path(
        "out/quality"
    ),
    no_duplicates: Annotated[bool, typer.Option("--no-duplicates", help="Skip duplicate detection.")] = False,
    lang: LangOpt = None,
) -> None:
    """Check the data quality of CRM entities: writes OUT/quality.json and OUT/quality.html."""
    _set_lang(lang)
    from crmflow.quality.run import assess_quality

    try:
        if not inputs and rules is None:
            raise error(CrmflowError, QUALITY_TEXT, "cli.no_inputs", state.lang)
        with step_progress(console, total=4, enabled=console.is_terminal) as step:
            report = assess_quality(list(inputs or []), rules=rules, lang=state.lang, duplicates=not no_duplicates, progress=step)
            outputs = report.write(out_dir, lang=state.lang)
        table = Table(title=qt("section.scores", state.lang), title_justify="left")
        for key in (
            "col.entity",
            "col.records",
            "dim.overall",
            "dim.validity",
            "dim.completeness",
            "dim.uniqueness",
            "dim.consistency",
        ):
            table.add_column(qt(key, state.lang), justify="left" if key == "col.entity" else "right")
        for e in report.data["entities"]:
            s = e["score"]
            table.add_row(
                e["name"],
                str(s["records"]),
                format_percent(s["overall"], state.lang),
                *(
                    format_percent(s["dimensions"][d], state.lang)
                    for d in ("validity", "completeness", "uniqueness", "consistency")
                ),
            )
        out.print(table)
        out.print(qt("cli.written", state.lang, json=outputs.json_path, html=outputs.html_path))
    except CrmflowError as exc:
        _fail(exc)
