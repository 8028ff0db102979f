"""The ``crmflow`` command: a thin shell over the library (parse, call one function, render)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from crmflow.base.numbers import format_number
from crmflow.base.profile import StageProfile
from crmflow.cli.messages import CLI
from crmflow.cli.progress import step_progress
from crmflow.cli.usage import is_usage_error, requested_lang, show_usage_error
from crmflow.errors import CrmflowError
from crmflow.findings.kinds import kind_info
from crmflow.findings.model import Finding
from crmflow.i18n import check_lang, error, text
from crmflow.ingest.problems import problem_label
from crmflow.report.messages import t as report_text


class _Commands(TyperGroup):
    """The command group; a file-system error in any command ends as a one-line error, like the others, and
    Click's usage errors are written in the language the command line asks for (:mod:`crmflow.cli.usage`)."""

    usage_lang: str = "en"

    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        self.usage_lang = requested_lang(argv)
        return super().main(argv, *a, **kw)

    def make_context(self, *a: Any, **kw: Any) -> Any:
        with self._usage_errors():
            return super().make_context(*a, **kw)

    def invoke(self, ctx: Any) -> Any:  # click's Context; typer keeps its click private
        try:
            with self._usage_errors():
                return super().invoke(ctx)
        except OSError as exc:  # an output path that is a file, a missing folder, no permission…
            if state.debug:
                raise
            reason = exc.strerror or str(exc)
            _fail(
                error(CrmflowError, CLI, "os_error", path=exc.filename, reason=reason) if exc.filename else CrmflowError(reason)
            )
            raise  # not reached: _fail exits

    @contextmanager
    def _usage_errors(self) -> Iterator[None]:
        """A usage error in a language other than English drawn in that language (Typer's frame is English)."""
        try:
            yield
        except typer.TyperException as exc:
            if self.usage_lang == "en" or not is_usage_error(exc):
                raise
            show_usage_error(exc, self.usage_lang)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Commands, add_completion=False, no_args_is_help=True, help=CLI["app_help"]["en"] + " / " + CLI["app_help"]["ru"]
)
console = Console(stderr=True)
out = Console()


class _State:
    lang: str = "en"
    debug: bool = False


state = _State()


def t(key: str, **kw: object) -> str:
    return text(CLI, key, state.lang, **kw)


def _num(value: int) -> str:
    return format_number(value, state.lang)


def _fail(exc: BaseException) -> None:
    if state.debug:
        raise exc
    message = exc.in_language(state.lang) if isinstance(exc, CrmflowError) else str(exc)
    console.print(f"[bold red]{t('error', message=escape(message))}[/]", highlight=False, markup=True, soft_wrap=True)
    console.print(f"[dim]{t('debug_hint')}[/]")
    raise typer.Exit(2)


LangOpt = Annotated[str | None, typer.Option("--lang", help="ru | en: language of everything printed and written.")]
MappingOpt = Annotated[
    Path | None, typer.Option("--mapping", help="Column mapping YAML (event logs; CRM exports are mapped by their adapter).")
]
TimezoneOpt = Annotated[str | None, typer.Option("--timezone", help="Timezone of naive timestamps.")]
ObjectTypeOpt = Annotated[
    str | None,
    typer.Option("--object-type", help="OCEL 2.0 inputs: the object type whose objects are the cases (e.g. order)."),
]


@app.callback()
def main(
    lang: Annotated[
        str, typer.Option("--lang", envvar="CRMFLOW_LANG", help="ru | en: language of everything printed and written.")
    ] = "en",
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """crmflow: audit CRM processes from the CRM's own data."""
    state.debug = debug
    try:
        state.lang = check_lang(lang)
    except CrmflowError as exc:
        _fail(exc)


def _set_lang(lang: str | None) -> None:
    if lang:
        try:
            state.lang = check_lang(lang)
        except CrmflowError as exc:
            _fail(exc)


def read_inputs(inputs: list[Path], *, mapping: Path | None, timezone: str | None, step, source_kind: str | None = None,  # type: ignore[no-untyped-def]
                object_type: str | None = None):  # fmt: skip
    """Read the command's input files (or a project store) into one log, in the chosen language, showing progress.

    ``object_type`` flattens OCEL 2.0 inputs on that object type (``--object-type``).
    """
    from crmflow.sources.reader import read_log

    return read_log(*inputs, mapping=mapping, timezone=timezone, progress=step, lang=state.lang, source_kind=source_kind,
                    object_type=object_type)  # fmt: skip


def _print_mapping(log) -> None:  # type: ignore[no-untyped-def]
    from crmflow.asis import source_summaries
    from crmflow.ingest.columns import field_label

    for src in source_summaries(log):
        table = Table(title=f"{t('mapping_title')}: {src['source']}", title_justify="left")
        table.add_column(t("field"))
        table.add_column(t("column"))
        for field, col in src["mapping"].items():
            table.add_row(field_label(field, state.lang), col or "—")
        for k, v in src["info"].items():
            table.add_row(f"[dim]{t('info_' + k) if 'info_' + k in CLI else k}[/]", f"[dim]{v}[/]")
        out.print(table)


def _print_summary(log) -> None:  # type: ignore[no-untyped-def]
    s = log.summary()
    table = Table(title=t("summary_title"), title_justify="left", show_header=False)
    table.add_column()
    table.add_column(justify="right")
    span = f"{s.first_ts:%Y-%m-%d %H:%M} … {s.last_ts:%Y-%m-%d %H:%M} UTC" if s.first_ts else "—"
    n = _num
    for key, value in [
        ("cases", n(s.cases)),
        ("events", n(s.events)),
        ("activities", n(s.activities)),
        ("variants", n(s.variants)),
        ("resources", n(s.resources)),
        ("time_span", span),
        ("rows_read", n(s.rows_read)),
        ("parsed", n(s.rows_read - s.quarantined)),
        ("quarantined", n(s.quarantined)),
    ]:
        table.add_row(t(key), value)
    out.print(table)
    reasons = log.quarantine_reasons()
    if reasons:
        qt = Table(title=t("quarantine_title"), title_justify="left")
        qt.add_column(t("reason"))
        qt.add_column(t("column"))
        qt.add_column(t("rows"), justify="right")
        qt.add_column(t("example"))
        for r in reasons[:20]:
            qt.add_row(
                problem_label(r["kind"], state.lang), str(r["column_name"] or "—"), _num(r["rows"]), f"[dim]{r['reason']}[/]"
            )
        out.print(qt)


@app.command()
def inspect(
    inputs: Annotated[list[Path], typer.Argument(help="Event log or CRM export files.", exists=True, dir_okay=False)],
    mapping: MappingOpt = None,
    timezone: TimezoneOpt = None,
    object_type: ObjectTypeOpt = None,
    lang: LangOpt = None,
) -> None:
    """Print a summary: cases, events, activities, time span, mapping, quarantined rows."""
    _set_lang(lang)

    try:
        with step_progress(console, total=3, enabled=console.is_terminal) as step:
            log = read_inputs(inputs, mapping=mapping, timezone=timezone, step=step, object_type=object_type)
        _print_mapping(log)
        _print_summary(log)
    except CrmflowError as exc:
        _fail(exc)


@app.command()
def audit(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="Event log or CRM export files, a project .duckdb, or a Parquet dataset folder.", exists=True),
    ],
    mapping: MappingOpt = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Audit rules YAML (calendar, SLAs, stages…).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder for audit.json and report.html.")] = Path("out"),
    timezone: TimezoneOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="CRM source kind of every file (crmflow import --list).")] = None,
    quality: Annotated[
        Path | None,
        typer.Option(
            "--quality",
            help="quality.json written by `crmflow quality`: the report includes its summary.",
            exists=True,
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Object model YAML: the inputs are plain CRM tables (see docs/real-data.md).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    case: Annotated[str | None, typer.Option("--case", help="With --model: the object type of the cases (e.g. deal).")] = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="With --model: event attribute or <object type>.<attribute> giving the role (e.g. agent.manager).",
        ),
    ] = None,
    segment: Annotated[
        str | None,
        typer.Option(
            "--segment",
            help="With --model: attribute of the case objects to break the funnel down by (e.g. origin).",
        ),
    ] = None,
    object_type: ObjectTypeOpt = None,
    lang: LangOpt = None,
    engine: Annotated[
        str,
        typer.Option("--engine", help="Where the log-sized work runs: duckdb (embedded) or spark (a Parquet dataset)."),
    ] = "duckdb",
    spark_master: Annotated[
        str, typer.Option("--spark-master", help="With --engine spark: local[*], spark://host:7077, yarn or sc://host (Connect).")
    ] = "local[*]",
    profile: Annotated[
        bool,
        typer.Option("--profile", help="Print the seconds and peak memory of every stage (also CRMFLOW_PROFILE=1)."),
    ] = False,
) -> None:
    """Audit the As-Is process (event logs, CRM exports or a project .duckdb): writes OUT/audit.json and OUT/report.html."""
    _set_lang(lang)
    try:
        if model is not None or case or role or segment:
            from crmflow.cli.audit_tables import run_table_audit

            outputs = run_table_audit(
                inputs,
                model=model,
                case=case,
                role=role,
                segment=segment,
                rules=rules,
                out_dir=out_dir,
                timezone=timezone,
                quality=quality,
                mapping=mapping,
                source=source,
            )
            out.print(t("written", json=outputs.json_path, html=outputs.html_path))
            return
        if engine not in ("duckdb", "spark"):
            raise error(CrmflowError, CLI, "bad_engine", state.lang, engine=engine)
        outputs = _run_audit(
            inputs,
            mapping=mapping,
            rules=rules,
            out_dir=out_dir,
            timezone=timezone,
            source_kind=source,
            quality=quality,
            object_type=object_type,
            engine=engine,
            spark_master=spark_master,
            profile=profile,
        )
        out.print(t("written", json=outputs.json_path, html=outputs.html_path))
    except CrmflowError as exc:
        _fail(exc)


def _run_audit(  # type: ignore[no-untyped-def]
    inputs,
    *,
    mapping,
    rules,
    out_dir,
    timezone,
    source_kind=None,
    quality=None,
    object_type=None,
    engine="duckdb",
    spark_master="local[*]",
    profile=False,
):
    from crmflow.asis import audit as run_audit
    from crmflow.findings.rules import load_rules
    from crmflow.settings import get_settings

    stages = StageProfile(enabled=profile or get_settings().profile)
    audit_rules = load_rules(rules) if rules else None
    tz = timezone or (audit_rules.calendar.timezone if audit_rules else None)
    with step_progress(console, total=6, enabled=console.is_terminal) as step:
        step(t("reading", source=", ".join(p.name for p in inputs)))
        with stages.stage("read"):
            if engine == "spark" or any(p.is_dir() for p in inputs):
                log = _open_dataset(inputs, engine=engine, spark_master=spark_master, step=step)
            else:
                log = read_inputs(
                    inputs, mapping=mapping, timezone=tz, step=step, source_kind=source_kind, object_type=object_type
                )
        result = run_audit(
            log, rules=audit_rules, lang=state.lang, progress=lambda m: step(t(m)), quality=quality, profile=stages
        )
        outputs = result.write(out_dir, lang=state.lang)
    _print_mapping(log)
    _print_summary(log)
    _print_findings(result.findings, outputs.html_path)
    if stages.enabled:
        _print_profile(stages)
    return outputs


def _print_profile(stages: StageProfile) -> None:
    """One row per stage of the audit: seconds and peak memory (``--profile``)."""
    table = Table(title=t("profile_title"), title_justify="left")
    table.add_column(t("profile_stage"))
    table.add_column(t("profile_seconds"), justify="right")
    table.add_column(t("profile_peak"), justify="right")
    for s in stages.stages:
        name = "  " * s.depth + s.name.rsplit("/", 1)[-1]
        table.add_row(name if s.depth else f"[bold]{name}[/]", f"{s.seconds:.2f}", _num(round(s.peak_rss_mb)))
    out.print(table)


def _open_dataset(inputs: list[Path], *, engine: str, spark_master: str, step):  # type: ignore[no-untyped-def]
    """A Parquet dataset folder (or file) materialised on DuckDB or Spark; Spark jobs named in the progress line."""
    from crmflow.cli.progress import note_progress
    from crmflow.store.dataset import open_event_dataset
    from crmflow.store.store import EventStore

    if len(inputs) != 1:
        raise error(CrmflowError, CLI, "one_dataset", state.lang)
    if engine == "spark":
        from crmflow.store.spark_engine import SparkEngine

        step(t("spark_start", master=spark_master))
        spark = SparkEngine.start(spark_master)
        spark.on_job = lambda head: note_progress(step, t("spark_job", n=spark.statements + 1, query=head))
        return open_event_dataset(inputs[0], store=EventStore(engine=spark))
    return open_event_dataset(inputs[0])


#: Findings the terminal table shows; the rest are counted under it, with the file that holds them all.
FINDINGS_SHOWN = 15


def _print_findings(findings: Sequence[Finding], where: Path | str | None = None) -> None:
    """The findings table (the first :data:`FINDINGS_SHOWN`, most severe first) and how many it left out."""
    if not findings:
        return
    table = Table(title=t("findings_title"), title_justify="left")
    table.add_column(t("severity"))
    table.add_column(t("kind"))
    table.add_column(t("title"))
    colour = {"high": "red", "medium": "yellow", "low": "green"}
    for f in findings[:FINDINGS_SHOWN]:
        sev = report_text(f"severity.{f.severity}", state.lang)
        table.add_row(f"[{colour.get(f.severity, 'white')}]{sev}[/]", kind_info(f.kind).label(state.lang), f.title)
    out.print(table)
    if len(findings) > FINDINGS_SHOWN:
        out.print(
            t(
                "findings_left_out",
                shown=FINDINGS_SHOWN,
                total=len(findings),
                left=len(findings) - FINDINGS_SHOWN,
                where=where if where is not None else "audit.json",
            ),
            highlight=False,
        )


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out/demo"),
    lang: LangOpt = None,
    tobe: Annotated[str, typer.Option("--tobe", help="To-Be of the pack: incoming_lead | b2b_deal.")] = "incoming_lead",
) -> None:
    """The whole job on demo data: two audits, data quality, journey, ERD, DFD, the audit pack, index.html."""
    _set_lang(lang)
    import time

    from rich.markup import escape

    from crmflow.demo.messages import t as dt
    from crmflow.demo.pipeline import DEMO_STEPS, run_demo

    def written(o) -> None:  # type: ignore[no-untyped-def]
        out.print(f"[green]✓[/] {escape(o.label)}: {escape(str(o.path))}", highlight=False)

    try:
        started = time.perf_counter()
        with step_progress(console, total=DEMO_STEPS, enabled=console.is_terminal) as step:
            result = run_demo(out_dir, lang=state.lang, tobe=tobe, progress=step, on_output=written)
        _print_findings(list(result.findings), out_dir / "bitrix24" / "report.html")
        table = Table(title=dt("summary.title", state.lang), title_justify="left")
        for key in ("summary.what", "summary.path", "summary.found", "summary.seconds"):
            table.add_column(dt(key, state.lang), justify="right" if key == "summary.seconds" else "left", overflow="fold")
        for o in result.outputs:
            table.add_row(escape(o.label), escape(str(o.path)), escape(o.detail), f"{result.seconds.get(o.key, 0):.1f}")
        out.print(table)
        out.print(f"[dim]{t('helpdesk_attr')}[/]")
        out.print(dt("summary.total", state.lang, seconds=f"{time.perf_counter() - started:.1f}"))
        out.print(f"[bold]{escape(dt('open_first', state.lang, path=result.index_path.resolve()))}[/]", highlight=False)
    except CrmflowError as exc:
        _fail(exc)


# The model commands register themselves on `app` (kept in their own module).
from crmflow.cli import architecture as _architecture  # noqa: E402,F401
from crmflow.cli import design as _design  # noqa: E402,F401
from crmflow.cli import engine as _engine  # noqa: E402,F401
from crmflow.cli import models as _models  # noqa: E402,F401
from crmflow.cli import pack as _pack  # noqa: E402,F401
from crmflow.cli import pull as _pull  # noqa: E402,F401
from crmflow.cli import quality as _quality  # noqa: E402,F401
from crmflow.cli import serve as _serve  # noqa: E402,F401
from crmflow.cli import simulate as _simulate  # noqa: E402,F401
from crmflow.cli import sources as _sources  # noqa: E402,F401


def run() -> None:  # pragma: no cover - entry point helper
    app(prog_name="crmflow")


if __name__ == "__main__":  # pragma: no cover
    run()
