"""``crmflow tobe validate | compile``: To-Be definitions (YAML) from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmflow.cli.main import LangOpt, _fail, _set_lang, app, console, out, state
from crmflow.cli.progress import step_progress
from crmflow.errors import CrmflowError
from crmflow.i18n import text

TOBE_HELP = "To-Be definition: YAML, or a BPMN drawn in bpmn.io, Camunda Modeler, Signavio or Bizagi."

MSG: dict[str, dict[str, str]] = {
    "help": {
        "en": "To-Be definitions: validate a YAML file, compile it to BPMN.",
        "ru": "Целевые модели (To-Be): проверить YAML, собрать BPMN.",
    },
    "valid": {
        "en": "{path}: valid — {processes} process(es), {steps} steps, {roles} roles, {slas} SLAs, {events} events, "
        "{warnings} warning(s).",
        "ru": "{path}: корректен — процессов: {processes}, шагов: {steps}, ролей: {roles}, SLA: {slas}, событий: "
        "{events}, предупреждений: {warnings}.",
    },
    "warning": {"en": "warning: {message}", "ru": "предупреждение: {message}"},
    "compiled": {
        "en": "BPMN written: {path} ({nodes} nodes, {flows} flows; lint: {lint_errors} errors, {lint_warnings} warnings; "
        "sound: {sound})",
        "ru": "BPMN записан: {path} (узлов: {nodes}, потоков: {flows}; проверка: ошибок {lint_errors}, предупреждений "
        "{lint_warnings}; корректен: {sound})",
    },
    "picture": {"en": "Diagram written: {path}", "ru": "Диаграмма записана: {path}"},
    "yes": {"en": "yes", "ru": "да"},
}

tobe_app = typer.Typer(no_args_is_help=True, help=MSG["help"]["en"] + " / " + MSG["help"]["ru"])
app.add_typer(tobe_app, name="tobe")


def _t(key: str, **kw: object) -> str:
    return text(MSG, key, state.lang, **kw)


@tobe_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help=TOBE_HELP, dir_okay=False)],
    lang: LangOpt = None,
) -> None:
    """Check a To-Be definition: the schema (with line numbers), references, RACI, reachability, gateways."""
    _set_lang(lang)
    from crmflow.design.loader import validate_tobe

    try:
        result = validate_tobe(file, lang=state.lang)
    except CrmflowError as exc:
        _fail(exc)
        return
    d = result.definition
    for problem in result.warnings:
        console.print(_t("warning", message=problem.message(state.lang)), markup=False, highlight=False)
    out.print(
        _t(
            "valid",
            path=file,
            processes=len(d.processes),
            steps=sum(1 for _ in d.steps()),
            roles=len(d.roles),
            slas=sum(len(s.slas) for _, s in d.steps()),
            events=len(d.events),
            warnings=len(result.warnings),
        ),
        markup=False,
        highlight=False,
    )


@tobe_app.command("compile")
def compile_(
    file: Annotated[Path, typer.Argument(help=TOBE_HELP, dir_okay=False)],
    out_path: Annotated[Path, typer.Option("--out", help="BPMN file to write.")] = Path("model.bpmn"),
    svg: Annotated[Path | None, typer.Option("--svg", help="Also draw the diagram as SVG.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Also draw the diagram as PNG.")] = None,
    lang: LangOpt = None,
) -> None:
    """Compile a To-Be definition to BPMN 2.0 (pools, lanes, SLA timers), lint and check soundness, lay out."""
    _set_lang(lang)
    from crmflow.design.compile import compile_file

    try:
        with step_progress(console, total=1, enabled=console.is_terminal) as step:
            step("compiling")
            result = compile_file(file, out=out_path, svg=svg, png=png, lang=state.lang)
    except CrmflowError as exc:
        _fail(exc)
        return
    defs = result.model.definitions
    out.print(
        _t(
            "compiled",
            path=result.bpmn,
            nodes=sum(1 for _ in defs.flow_nodes()),
            flows=sum(len(tuple(p.all_flows())) for p in defs.processes),
            lint_errors=len(result.model.lint.errors),
            lint_warnings=len(result.model.lint.warnings),
            sound=_t("yes"),
        ),
        markup=False,
        highlight=False,
    )
    for picture in result.pictures:
        out.print(_t("picture", path=picture), markup=False, highlight=False)
