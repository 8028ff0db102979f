"""``crmflow discover | check | lint | render``: process models (BPMN) from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from crmflow.cli.main import (
    LangOpt,
    MappingOpt,
    ObjectTypeOpt,
    TimezoneOpt,
    _fail,
    _set_lang,
    app,
    console,
    out,
    read_inputs,
    state,
)
from crmflow.cli.progress import step_progress
from crmflow.errors import CrmflowError
from crmflow.i18n import error, text

MSG: dict[str, dict[str, str]] = {
    "discovered": {"en": "Model written: {path}", "ru": "Модель записана: {path}"},
    "rendered": {"en": "Diagram written: {path}", "ru": "Диаграмма записана: {path}"},
    "checked": {"en": "Conformance written: {json} and {html}", "ru": "Соответствие записано: {json} и {html}"},
    "fitness": {
        "en": "{method}: log fitness {fitness:.4f}, fitting cases {fit:.1f} %",
        "ru": "{method}: соответствие журнала {fitness:.4f}, полностью соответствующих случаев {fit:.1f} %",
    },
    "lint_ok": {"en": "No errors ({warnings} warnings).", "ru": "Ошибок нет (предупреждений: {warnings})."},
    "lint_bad": {"en": "{errors} errors, {warnings} warnings.", "ru": "Ошибок: {errors}, предупреждений: {warnings}."},
    "bad_ext": {
        "en": "{path}: choose an output ending in .svg or .png",
        "ru": "{path}: укажите файл с расширением .svg или .png",
    },
    "method.token_replay": {"en": "token replay", "ru": "воспроизведение фишек"},
    "method.alignments": {"en": "alignments", "ru": "выравнивания"},
    "noise_none": {
        "en": "Noise filter 0 (--noise): every path of the log is kept, so every case of it fits the model.",
        "ru": "Фильтр шума 0 (--noise): сохранены все пути журнала, поэтому каждый его случай соответствует модели.",
    },
    "noise_some": {
        "en": "Noise filter {noise} (--noise): paths followed less than {pct} as often as the strongest path from "
        "the same activity were left out; the cases taking them do not fit the model (crmflow check). "
        "--noise 0 keeps every path.",
        "ru": "Фильтр шума {noise} (--noise): пути, по которым шли реже, чем {pct} от самого частого пути из того же "
        "действия, не вошли в модель; случаи, идущие по ним, ей не соответствуют (crmflow check). "
        "--noise 0 сохраняет все пути.",
    },
    "check_noise": {
        "en": "The model was discovered with noise filter {noise}: paths followed less than {pct} as often as the "
        "strongest path from the same activity were left out of it, so the cases taking them do not fit. "
        "`crmflow discover --noise 0` gives a model every case of its log fits.",
        "ru": "Модель построена с фильтром шума {noise}: пути, по которым шли реже, чем {pct} от самого частого пути "
        "из того же действия, в неё не вошли, поэтому случаи, идущие по ним, не соответствуют. "
        "`crmflow discover --noise 0` строит модель, которой соответствует каждый случай журнала.",
    },
    "check_noise_none": {
        "en": "The model was discovered with noise filter 0 (every path of its log kept).",
        "ru": "Модель построена с фильтром шума 0 (сохранены все пути её журнала).",
    },
    "bad_noise": {
        "en": "--noise {value}: the noise threshold must be at least 0 and below 1 (e.g. 0.2)",
        "ru": "--noise {value}: порог шума должен быть не меньше 0 и меньше 1 (например, 0.2)",
    },
}


#: ``crmflow discover``'s noise filter: none, so ``crmflow check`` on the same log fits every case. Measured
#: (docs/bpmn.md): the demo export fits 57.7 % of its cases at 0.2, 78.9 % at 0.1, 100 % at 0; the helpdesk
#: log 85.8 %, 87.9 %, 100 %; the model grows from 17 to 27 nodes (demo) and 54 to 62 (helpdesk). The
#: audit's As-Is picture keeps :data:`crmflow.asis.ASIS_NOISE` (0.2) for a readable map, and says so.
DISCOVER_NOISE = 0.0


def _t(key: str, **kw: object) -> str:
    return text(MSG, key, state.lang, **kw)


def _write_picture(definitions, path: Path) -> None:  # type: ignore[no-untyped-def]
    from crmflow.bpmn.render import render_png, render_svg

    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(render_svg(definitions), encoding="utf-8")
    elif suffix == ".png":
        render_png(definitions, path)
    else:
        raise error(CrmflowError, MSG, "bad_ext", state.lang, path=path)


@app.command()
def discover(
    inputs: Annotated[list[Path], typer.Argument(help="Event log or CRM export files.", exists=True, dir_okay=False)],
    out_path: Annotated[Path, typer.Option("--out", help="BPMN file to write.")] = Path("model.bpmn"),
    svg: Annotated[Path | None, typer.Option("--svg", help="Also draw the diagram (.svg or .png).")] = None,
    noise: Annotated[
        float,
        typer.Option(
            "--noise",
            help="Inductive-miner noise filter, 0 ≤ x < 1: paths followed less than x times as often as the "
            "strongest path from the same activity are left out (0: every path kept, every case fits).",
        ),
    ] = DISCOVER_NOISE,
    annotate: Annotated[
        bool,
        typer.Option(
            "--annotate/--no-annotate",
            help="Annotate tasks and flows with frequencies and waiting times, and flag bottleneck and rework tasks.",
        ),
    ] = True,
    mapping: MappingOpt = None,
    timezone: TimezoneOpt = None,
    object_type: ObjectTypeOpt = None,
    lang: LangOpt = None,
) -> None:
    """Discover the As-Is BPMN (inductive miner), with lanes by each task's dominant role.

    By default tasks carry their frequency and waiting time and flows their directly-follows
    frequency (crmflow extension elements), and bottleneck and rework tasks are flagged with a note.
    """
    _set_lang(lang)
    from crmflow.asis import asis_model
    from crmflow.bpmn.writer import write_bpmn

    try:
        # Checked before the log is read: a wrong option should not cost a whole discovery.
        if not 0 <= noise < 1:
            raise error(CrmflowError, MSG, "bad_noise", state.lang, value=noise)
        if svg is not None and svg.suffix.lower() not in (".svg", ".png"):
            raise error(CrmflowError, MSG, "bad_ext", state.lang, path=svg)
        with step_progress(console, total=3, enabled=console.is_terminal) as step:
            log = read_inputs(inputs, mapping=mapping, timezone=timezone, step=step, object_type=object_type)
            step("discovering")
            definitions = asis_model(log, noise_threshold=noise, process_name=inputs[0].stem, annotate=annotate, lang=state.lang)
            out_path.write_bytes(write_bpmn(definitions))
            if svg is not None:
                _write_picture(definitions, svg)
        out.print(_t("discovered", path=out_path))
        out.print(_noise_sentence("noise", noise), highlight=False)
        if svg is not None:
            out.print(_t("rendered", path=svg))
    except CrmflowError as exc:
        _fail(exc)


def _noise_sentence(key: str, noise: float) -> str:
    """What the noise filter ``noise`` left out of a discovered model, in the CLI's language."""
    if noise <= 0:
        return _t("noise_none" if key == "noise" else "check_noise_none")
    from crmflow.base.numbers import format_number, format_percent

    digits = 1 if round(noise * 10, 9).is_integer() else 2
    shown, pct = format_number(noise, state.lang, digits=digits), format_percent(noise, state.lang, digits=0)
    return _t("noise_some" if key == "noise" else "check_noise", noise=shown, pct=pct)


@app.command()
def render(
    model: Annotated[Path, typer.Argument(help="BPMN file.", exists=True, dir_okay=False)],
    out_path: Annotated[Path, typer.Option("--out", help="Diagram to write: .svg or .png.")] = Path("model.svg"),
    lang: LangOpt = None,
) -> None:
    """Draw a BPMN file as SVG or PNG (laid out first when it has no diagram)."""
    _set_lang(lang)
    from crmflow.bpmn.layout import layout
    from crmflow.bpmn.reader import read_bpmn

    try:
        definitions = read_bpmn(model)
        if not definitions.diagrams:
            definitions = layout(definitions)
        _write_picture(definitions, out_path)
        out.print(_t("rendered", path=out_path))
    except CrmflowError as exc:
        _fail(exc)


@app.command()
def lint(
    model: Annotated[Path, typer.Argument(help="BPMN file.", exists=True, dir_okay=False)],
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the problems as JSON.")] = None,
    lang: LangOpt = None,
) -> None:
    """Check a BPMN model: structure and soundness. Exit status 0 only when there is no error."""
    _set_lang(lang)
    from crmflow.bpmn.lint import lint as run_lint
    from crmflow.bpmn.reader import read_bpmn

    try:
        report = run_lint(read_bpmn(model))
    except CrmflowError as exc:
        _fail(exc)
        return
    table = Table(title=str(model), title_justify="left")
    for col in ("severity", "code", "elements", "message"):
        table.add_column(col)
    colour = {"error": "red", "warning": "yellow"}
    for p in report.problems:
        table.add_row(f"[{colour.get(p.severity, 'white')}]{p.severity}[/]", p.code, ", ".join(p.elements), p.message(state.lang))
    if report.problems:
        out.print(table)
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    if report.ok:
        out.print(_t("lint_ok", warnings=len(report.warnings)))
    else:
        out.print(_t("lint_bad", errors=len(report.errors), warnings=len(report.warnings)))
        raise typer.Exit(1)


@app.command()
def check(
    log_path: Annotated[Path, typer.Argument(help="Event log or CRM export.", exists=True, dir_okay=False)],
    model: Annotated[Path, typer.Argument(help="BPMN model to check against.", exists=True, dir_okay=False)],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for conformance.json and conformance.html.")] = Path("out"),
    alignments: Annotated[bool, typer.Option("--alignments/--no-alignments", help="Also compute optimal alignments.")] = True,
    mapping: MappingOpt = None,
    timezone: TimezoneOpt = None,
    object_type: ObjectTypeOpt = None,
    lang: LangOpt = None,
) -> None:
    """Conformance of a log to a BPMN model: token replay and alignments, deviations per case and activity."""
    _set_lang(lang)
    from crmflow.bpmn.annotate import discovery_noise
    from crmflow.bpmn.reader import read_bpmn
    from crmflow.bpmn.to_petri import bpmn_to_petri
    from crmflow.conformance.report import check_conformance
    from crmflow.report.conformance import write_conformance

    try:
        with step_progress(console, total=4, enabled=console.is_terminal) as step:
            log = read_inputs([log_path], mapping=mapping, timezone=timezone, step=step, object_type=object_type)
            step("replaying")
            definitions = read_bpmn(model)
            noise = discovery_noise(definitions)  # recorded by `crmflow discover` and the audit
            report = check_conformance(log, bpmn_to_petri(definitions), alignments=alignments)
        doc = report.to_dict()
        out_dir.mkdir(parents=True, exist_ok=True)
        json_path = out_dir / "conformance.json"
        json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        html_path = write_conformance(doc, out_dir / "conformance.html", model=model.name, log=log_path.name, lang=state.lang)
        for key in ("token_replay", "alignments"):
            r = doc.get(key)
            if r:
                out.print(_t("fitness", method=_t(f"method.{key}"), fitness=r["log_fitness"], fit=r["perc_fit_traces"]))
        if noise is not None:
            out.print(_noise_sentence("check_noise", noise), highlight=False)
        out.print(_t("checked", json=json_path, html=html_path))
    except CrmflowError as exc:
        _fail(exc)
