"""``crmflow audit TABLE... --model OBJECTS.yaml --case TYPE``: the audit of plain CRM tables.

A thin shell over :func:`crmflow.asis_objects.audit_tables`, called by ``crmflow audit`` when
``--model`` is given (kept here so that the ``audit`` command in :mod:`crmflow.cli.main` stays small).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from crmflow.asis import AuditOutputs
from crmflow.base.numbers import format_number, format_percent
from crmflow.cli.main import _print_findings, _print_summary, console, out, state
from crmflow.cli.main import t as cli_text
from crmflow.cli.messages import CLI
from crmflow.cli.progress import step_progress
from crmflow.errors import InputError
from crmflow.i18n import error, text

MSG: dict[str, dict[str, str]] = {
    "need_case": {
        "en": "--model needs --case: the object type whose objects are the cases (declared: {types})",
        "ru": "для --model нужен --case: тип объектов, которые считаются кейсами (в модели: {types})",
    },
    "no_model": {
        "en": "{option} only works with --model (an object model of plain CRM tables)",
        "ru": "{option} работает только вместе с --model (объектной моделью таблиц CRM)",
    },
    "not_with_model": {
        "en": "{option} cannot be combined with --model: the object model says how the tables are read",
        "ru": "{option} нельзя сочетать с --model: объектная модель сама описывает, как читать таблицы",
    },
    "building": {"en": "Building the objects and events ({note})", "ru": "Построение объектов и событий ({note})"},
    "title": {"en": "Objects of type “{otype}” (the cases)", "ru": "Объекты типа «{otype}» (кейсы)"},
    "all": {"en": "all", "ru": "все"},
    "empty": {"en": "(empty)", "ru": "(пусто)"},
    "other": {"en": "(other values)", "ru": "(прочие значения)"},
    "objects": {"en": "Objects", "ru": "Объектов"},
    "cases": {"en": "With events", "ru": "С событиями"},
    "conversion": {"en": "Reach “{stage}”", "ru": "Дошли до «{stage}»"},
    "orphans": {
        "en": "{otype}.{column}: {n} value(s) name no {target} object, e.g. {sample}",
        "ru": "{otype}.{column}: {n} знач. не найдено среди объектов {target}, напр. {sample}",
    },
}


def _t(key: str, **kw: object) -> str:
    return text(MSG, key, state.lang, **kw)


def check_table_options(
    *, model: Path | None, case: str | None, role: str | None, segment: str | None, mapping: Path | None, source: str | None
) -> None:
    """Errors for option combinations that cannot work (in the CLI's language)."""
    if model is None:
        for option, value in (("--case", case), ("--role", role), ("--segment", segment)):
            if value is not None:
                raise error(InputError, MSG, "no_model", state.lang, option=option)
        return
    if mapping is not None or source is not None:
        raise error(InputError, MSG, "not_with_model", state.lang, option="--mapping" if mapping is not None else "--source")
    if case is None:
        from crmflow.sources.object_model import load_object_model

        types = ", ".join(o.object_type for o in load_object_model(model).objects)
        raise error(InputError, MSG, "need_case", state.lang, types=types)


def run_table_audit(
    inputs: list[Path],
    *,
    model: Path | None,
    case: str | None,
    role: str | None,
    segment: str | None,
    rules: Path | None,
    out_dir: Path,
    timezone: str | None,
    quality: Path | None,
    mapping: Path | None = None,
    source: str | None = None,
) -> AuditOutputs:
    """Audit the tables, write audit.json and report.html, print the summaries."""
    from crmflow.asis_objects import audit_tables

    check_table_options(model=model, case=case, role=role, segment=segment, mapping=mapping, source=source)
    assert model is not None and case is not None
    with step_progress(console, total=8, enabled=console.is_terminal) as step:

        def note(msg: str) -> None:
            if msg in CLI:
                step(cli_text(msg))
            elif msg.startswith("reading "):
                step(cli_text("reading", source=msg.removeprefix("reading ")))
            else:
                step(_t("building", note=msg))

        result = audit_tables(
            inputs,
            model=model,
            case=case,
            role=role,
            segment=segment,
            rules=rules,
            timezone_name=timezone,
            lang=state.lang,
            progress=note,
            quality=quality,
        )
        outputs = result.write(out_dir, lang=state.lang)
    _print_summary(result.log)
    _print_objects(result.data["objects"])
    _print_findings(result.findings, outputs.html_path)
    return outputs


def _print_objects(summary: dict[str, Any]) -> None:
    stages = summary["stages"]
    table = Table(title=_t("title", otype=summary["object_type"]), title_justify="left")
    table.add_column(summary["segment"] or "")
    table.add_column(_t("objects"), justify="right")
    table.add_column(_t("cases"), justify="right")
    for stage in stages:
        table.add_column(_t("conversion", stage=stage), justify="right")
    rows = [(_t("all"), summary["objects"], summary["cases"], summary["reached"])]
    for seg in summary["segments"]:
        label = _t("other") if seg["other"] else seg["value"] or _t("empty")
        rows.append((label, seg["objects"], seg["cases"], seg["reached"]))
    lang = state.lang
    for label, objects, cases, reached in rows:
        cells = [
            f"{format_number(n, lang)} ({format_percent(n / objects, lang)})" if objects else format_number(n, lang)
            for n in reached
        ]
        table.add_row(label, format_number(objects, lang), format_number(cases, lang), *cells)
    out.print(table)
    for ref in summary["references"]:
        if ref["orphans"]:
            out.print(
                _t(
                    "orphans",
                    otype=ref["object_type"],
                    column=ref["column"],
                    target=ref["target_type"],
                    n=ref["orphans"],
                    sample=", ".join(ref["orphan_sample"][:3]),
                )
            )
