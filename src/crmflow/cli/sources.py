"""``crmflow import``: CRM exports and API responses into a project store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from crmflow.cli.main import LangOpt, MappingOpt, TimezoneOpt, _fail, _num, _set_lang, app, console, out, state
from crmflow.cli.progress import step_progress
from crmflow.errors import CrmflowError
from crmflow.i18n import error, text

MSG: dict[str, dict[str, str]] = {
    "title": {"en": "Imported into {project} (log `{log}`)", "ru": "Импортировано в {project} (журнал `{log}`)"},
    "source": {"en": "Source", "ru": "Источник"},
    "adapter": {"en": "Adapter / format", "ru": "Адаптер / формат"},
    "rows_read": {"en": "Rows read", "ru": "Прочитано строк"},
    "events": {"en": "Events", "ru": "События"},
    "quarantined": {"en": "Quarantined", "ru": "В карантине"},
    "dictionary": {"en": "dictionary: {n} entries", "ru": "справочник, записей: {n}"},
    "total": {
        "en": "{events} events in {cases} cases. Audit it with: crmflow audit {project}",
        "ru": "Событий: {events}, кейсов: {cases}. Аудит: crmflow audit {project}",
    },
    "only_dicts": {
        "en": "Only dictionaries were imported; they stay in {project} for the next import of event files.",
        "ru": "Импортированы только справочники; они сохранены в {project} для следующего импорта файлов событий.",
    },
    "kinds": {"en": "Source kinds (--source)", "ru": "Виды источников (--source)"},
    "name": {"en": "Kind", "ru": "Вид"},
    "vendor": {"en": "Vendor", "ru": "Система"},
    "what": {"en": "What it reads", "ru": "Что читает"},
    "need_sources": {
        "en": "give the files to import (or --list to see the source kinds)",
        "ru": "укажите файлы для импорта (или --list, чтобы увидеть виды источников)",
    },
    "need_into": {
        "en": "give the project store with --into PROJECT.duckdb (or a Parquet dataset folder with --parquet DIR)",
        "ru": "укажите хранилище проекта: --into PROJECT.duckdb (или папку набора Parquet: --parquet DIR)",
    },
    "parquet": {
        "en": "Parquet dataset for a cluster: {path} ({events} events). Audit it with: crmflow audit {path} --engine spark",
        "ru": "Набор Parquet для кластера: {path} (событий: {events}). Аудит: crmflow audit {path} --engine spark",
    },
}


def _t(key: str, **kw: object) -> str:
    return text(MSG, key, state.lang, **kw)


def _print_kinds() -> None:
    from crmflow.sources.registry import adapters

    table = Table(title=_t("kinds"), title_justify="left")
    for col in ("name", "vendor", "what"):
        table.add_column(_t(col))
    for a in adapters():
        table.add_row(a.name, a.vendor, a.description)
    out.print(table)


@app.command("import")
def import_(
    sources: Annotated[
        list[Path] | None, typer.Argument(help="CRM exports / saved API responses.", exists=True, dir_okay=False)
    ] = None,
    into: Annotated[Path | None, typer.Option("--into", help="Project store (DuckDB file) to import into.")] = None,
    parquet: Annotated[
        Path | None,
        typer.Option("--parquet", help="Also (or only) write the log as a Parquet dataset folder for Spark (docs/scale.md)."),
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source kind for every file (see --list).")] = None,
    log_name: Annotated[str, typer.Option("--log", help="Name of the log in the project.")] = "log",
    list_kinds: Annotated[bool, typer.Option("--list", help="List the source kinds and exit.")] = False,
    mapping: MappingOpt = None,
    timezone: TimezoneOpt = None,
    lang: LangOpt = None,
) -> None:
    """Import CRM exports (Bitrix24, amoCRM/Kommo, Salesforce, HubSpot…) into a project store."""
    _set_lang(lang)
    if list_kinds:
        _print_kinds()
        return
    from crmflow.sources.project import import_sources

    try:
        if not sources:
            raise error(CrmflowError, MSG, "need_sources", state.lang)
        if into is None:
            if parquet is None:
                raise error(CrmflowError, MSG, "need_into", state.lang)
            _write_parquet_only(list(sources), parquet, source_kind=source, mapping=mapping, timezone=timezone)
            return
        # per source: read, stage; then materialise and build the explorer's summaries
        with step_progress(console, total=2 * len(sources) + 2, enabled=console.is_terminal) as step:
            result = import_sources(
                list(sources),
                into=into,
                source_kind=source,
                log_name=log_name,
                mapping=mapping,
                timezone=timezone,
                lang=state.lang,
                progress=step,
            )
    except CrmflowError as exc:
        _fail(exc)
        return
    table = Table(title=_t("title", project=result.project, log=result.log_name), title_justify="left")
    table.add_column(_t("source"))
    table.add_column(_t("adapter"))
    for col in ("rows_read", "events", "quarantined"):
        table.add_column(_t(col), justify="right")
    for s in result.sources:
        if s.info.get("dictionary"):
            table.add_row(s.source, s.format, f"[dim]{_t('dictionary', n=_num(int(s.info.get('entries', 0))))}[/]", "", "")
        else:
            table.add_row(s.source, s.format, _num(s.rows_read), _num(s.events), _num(s.quarantined))
    out.print(table)
    if result.events:
        out.print(_t("total", events=_num(result.events), cases=_num(result.cases), project=result.project))
    else:
        out.print(_t("only_dicts", project=result.project))
    if parquet is not None and into is not None and result.events:
        from crmflow.sources.project import open_project_log
        from crmflow.store.dataset import write_event_dataset

        try:
            write_event_dataset(open_project_log(into, log_name=log_name), parquet)
        except CrmflowError as exc:
            _fail(exc)
            return
        out.print(_t("parquet", path=parquet, events=_num(result.events)))


def _write_parquet_only(sources: list[Path], parquet: Path, *, source_kind, mapping, timezone) -> None:  # type: ignore[no-untyped-def]
    """``crmflow import SOURCE... --parquet DIR`` without a project store: read, then write the dataset."""
    from crmflow.sources.reader import read_log
    from crmflow.store.dataset import write_event_dataset

    try:
        with step_progress(console, total=len(sources) + 2, enabled=console.is_terminal) as step:
            log = read_log(*sources, mapping=mapping, timezone=timezone, progress=step, lang=state.lang, source_kind=source_kind)
            step(_t("parquet", path=parquet, events=_num(log.n_events)))
            write_event_dataset(log, parquet)
    except CrmflowError as exc:
        _fail(exc)
        return
    out.print(_t("parquet", path=parquet, events=_num(log.n_events)))
