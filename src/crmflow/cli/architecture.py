"""``crmflow erd | dfd | journey``: data and integration architecture, customer journeys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from crmflow.cli.main import LangOpt, MappingOpt, TimezoneOpt, _fail, _set_lang, app, console, out, read_inputs, state
from crmflow.cli.progress import step_progress
from crmflow.errors import CrmflowError
from crmflow.i18n import text

MSG: dict[str, dict[str, str]] = {
    "entities": {"en": "Entities", "ru": "Сущности"},
    "relations": {"en": "Relations", "ru": "Связи"},
    "entity": {"en": "entity", "ru": "сущность"},
    "rows": {"en": "rows", "ru": "строк"},
    "pk": {"en": "primary key", "ru": "первичный ключ"},
    "fk": {"en": "foreign key", "ru": "внешний ключ"},
    "refs": {"en": "references", "ru": "ссылается на"},
    "card": {"en": "cardinality", "ru": "кратность"},
    "orphans": {"en": "orphans (values / rows)", "ru": "висячие (значений / строк)"},
    "erd_written": {"en": "ERD written: {mmd}, {svg}, {json}", "ru": "ERD записана: {mmd}, {svg}, {json}"},
    "dfd_written": {"en": "DFD written: {svg}, {json}", "ru": "DFD записана: {svg}, {json}"},
    "flows": {"en": "Flows that need attention", "ru": "Потоки, требующие внимания"},
    "from": {"en": "from", "ru": "откуда"},
    "to": {"en": "to", "ru": "куда"},
    "status": {"en": "status", "ru": "статус"},
    "events": {"en": "events", "ru": "событий"},
    "undocumented": {"en": "in data, not in inventory", "ru": "есть в данных, нет в реестре"},
    "not_seen": {"en": "in inventory, not in data", "ru": "есть в реестре, нет в данных"},
    "all_match": {"en": "Every checkable flow matches the data.", "ru": "Все проверяемые потоки совпадают с данными."},
    "journey_title": {"en": "Customer journey ({n} customers: {anchor})", "ru": "Путь клиента ({n} клиентов: {anchor})"},
    "stage": {"en": "stage", "ru": "этап"},
    "reached": {"en": "reached", "ru": "дошли"},
    "conversion": {"en": "conversion", "ru": "конверсия"},
    "dropped": {"en": "dropped", "ru": "отвалились"},
    "median_days": {"en": "median days (from previous)", "ru": "медиана дней (от предыдущего)"},
    "journey_written": {
        "en": "Journey written: {journey}; OCEL 2.0: {ocel}",
        "ru": "Путь клиента записан: {journey}; OCEL 2.0: {ocel}",
    },
    "orphan_refs": {
        "en": "{type}.{column} → {target}: {n} reference(s) to missing objects, e.g. {sample}",
        "ru": "{type}.{column} → {target}: ссылок на несуществующие объекты: {n}, например {sample}",
    },
}


def _t(key: str, **kw: object) -> str:
    return text(MSG, key, state.lang, **kw)


@app.command()
def erd(
    tables: Annotated[
        list[Path], typer.Argument(help="Tables: CSV/TSV, XLSX, Parquet (one entity each).", exists=True, dir_okay=False)
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder for erd.mmd, erd.svg, erd.json.")] = Path("out/erd"),
    lang: LangOpt = None,
) -> None:
    """Infer an ERD from the data: entities, keys, relations (with orphans) and cardinalities."""
    _set_lang(lang)
    from crmflow.architecture.erd import infer_erd, write_erd

    try:
        with step_progress(console, total=2, enabled=console.is_terminal) as step:
            step("profiling")
            result = infer_erd(tables)
            step("drawing")
            paths = write_erd(result, out_dir, lang=state.lang)
        ent = Table(title=_t("entities"), title_justify="left")
        for k in ("entity", "rows", "pk"):
            ent.add_column(_t(k), justify="right" if k == "rows" else "left")
        for e in result.entities:
            ent.add_row(e.name, f"{e.rows:,}", e.primary_key or "—")
        out.print(ent)
        rel = Table(title=_t("relations"), title_justify="left")
        for k in ("fk", "refs", "card", "orphans"):
            rel.add_column(_t(k))
        for r in result.relations:
            orphans = f"[red]{r.orphans} / {r.orphan_rows:,}: {', '.join(r.orphan_sample[:3])}[/]" if r.orphans else "0"
            rel.add_row(f"{r.child}.{r.child_column}", f"{r.parent}.{r.parent_column}", r.label, orphans)
        out.print(rel)
        out.print(_t("erd_written", mmd=paths["mermaid"], svg=paths["svg"], json=paths["json"]))
    except CrmflowError as exc:
        _fail(exc)


@app.command()
def dfd(
    inventory: Annotated[Path, typer.Argument(help="Integration inventory YAML.", exists=True, dir_okay=False)],
    inputs: Annotated[
        list[Path] | None, typer.Argument(help="Event logs or CRM tables (with --model).", exists=True, dir_okay=False)
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder for dfd.svg and dfd.json.")] = Path("out/dfd"),
    model: Annotated[
        Path | None, typer.Option("--model", help="Object model YAML: read INPUTs as CRM tables.", exists=True, dir_okay=False)
    ] = None,
    attribute: Annotated[str | None, typer.Option("--attribute", help="Event attribute naming the producing system.")] = None,
    mapping: MappingOpt = None,
    timezone: TimezoneOpt = None,
    lang: LangOpt = None,
) -> None:
    """Draw the data-flow diagram: the inventory checked against the systems seen in the data."""
    _set_lang(lang)
    from crmflow.architecture.dfd import discover_dfd, write_dfd

    try:
        with step_progress(console, total=3, enabled=console.is_terminal) as step:
            sources = []
            if inputs and model is not None:
                from crmflow.sources.object_model import build_object_log

                sources.append(build_object_log(model, inputs, timezone=timezone, progress=step).log)
            elif inputs:
                sources.append(read_inputs(inputs, mapping=mapping, timezone=timezone, step=step))
            step("comparing")
            result = discover_dfd(inventory, sources, attribute=attribute)
            paths = write_dfd(result, out_dir, lang=state.lang)
        flagged = [*result.undocumented, *result.not_seen]
        if flagged:
            table = Table(title=_t("flows"), title_justify="left")
            for k in ("from", "to", "status", "events"):
                table.add_column(_t(k), justify="right" if k == "events" else "left")
            for f in flagged:
                colour = "red" if f.status == "undocumented" else "yellow"
                table.add_row(f.source, f.target, f"[{colour}]{_t(f.status)}[/]", "—" if f.events is None else f"{f.events:,}")
            out.print(table)
        else:
            out.print(_t("all_match"))
        out.print(_t("dfd_written", svg=paths["svg"], json=paths["json"]))
    except CrmflowError as exc:
        _fail(exc)


@app.command()
def journey(
    inputs: Annotated[list[Path], typer.Argument(help="CRM tables: CSV/TSV, XLSX, Parquet.", exists=True, dir_okay=False)],
    model: Annotated[
        Path, typer.Option("--model", help="Object model YAML with a `journey:` section.", exists=True, dir_okay=False)
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out/journey"),
    lang: LangOpt = None,
) -> None:
    """Follow each customer across lead → deal → invoice/payment → tickets: stages, conversion, drop-offs, times."""
    _set_lang(lang)
    from crmflow.mining.journey import journey_from_tables

    try:
        with step_progress(console, total=len(inputs) + 3, enabled=console.is_terminal) as step:
            run = journey_from_tables(inputs, model=model, out_dir=out_dir, progress=step)
        j = run.journey
        table = Table(title=_t("journey_title", n=f"{j.customers:,}", anchor=j.anchor_type), title_justify="left")
        for k in ("stage", "reached", "conversion", "dropped", "median_days"):
            table.add_column(_t(k), justify="left" if k == "stage" else "right")
        for s in j.stages:
            conv = "—" if s.conversion is None else f"{100 * s.conversion:.1f} %"
            med = s.days_from_previous.median
            table.add_row(s.name, f"{s.reached:,}", conv, f"{s.dropped:,}", "—" if med is None else f"{med:.1f}")
        out.print(table)
        for r in run.build.references:
            if r.orphans:
                console.print(
                    "[yellow]"
                    + _t(
                        "orphan_refs",
                        type=r.object_type,
                        column=r.column,
                        target=r.target_type,
                        n=r.orphans,
                        sample=", ".join(r.orphan_sample[:3]),
                    )
                    + "[/]"
                )
        out.print(_t("journey_written", journey=run.outputs["journey"], ocel=run.outputs["ocel"]))
    except CrmflowError as exc:
        _fail(exc)
