"""``crmflow pull VENDOR RESOURCE --out DIR``: page through a CRM API into JSON files (a thin shell)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmflow.cli.main import LangOpt, _fail, _set_lang, app, console, out, state
from crmflow.cli.progress import step_progress
from crmflow.errors import CrmflowError
from crmflow.i18n import error, text

MSG: dict[str, dict[str, str]] = {
    "done": {
        "en": "{vendor} {resource}: {records} records in {pages} pages written to {out}{resumed} "
        "(watermark {watermark}; {retries} retries, {waited:.1f} s waited)",
        "ru": "{vendor} {resource}: записей {records}, страниц {pages}, записано в {out}{resumed} "
        "(отметка времени {watermark}; повторов {retries}, ожидание {waited:.1f} с)",
    },
    "resumed": {"en": ", continuing the interrupted pull", "ru": ", продолжена прерванная выгрузка"},
    "partial": {
        "en": "Stopped after {pages} pages as asked; run the same command to continue.",
        "ru": "Остановлено после {pages} страниц, как указано; запустите ту же команду, чтобы продолжить.",
    },
    "bad_param": {
        "en": "--param {value!r}: write it as KEY=VALUE, e.g. entityTypeId=1",
        "ru": "--param {value!r}: укажите в виде КЛЮЧ=ЗНАЧЕНИЕ, например entityTypeId=1",
    },
}


def _t(key: str, **kw: object) -> str:
    return text(MSG, key, state.lang, **kw)


@app.command()
def pull(
    vendor: Annotated[str, typer.Argument(help="bitrix24 | amocrm | hubspot | salesforce")],
    resource: Annotated[str, typer.Argument(help="crm.stagehistory.list, events, deals, OpportunityHistory, …")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder of the page files (and the state file).")],
    since: Annotated[str | None, typer.Option("--since", help="Only records changed at/after this ISO time.")] = None,
    state_file: Annotated[Path | None, typer.Option("--state", help="State file (default OUT/<resource>.pullstate).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="Extra request parameter KEY=VALUE (repeatable).")] = None,
    max_pages: Annotated[int | None, typer.Option("--max-pages", help="Stop after this many pages.")] = None,
    lang: LangOpt = None,
) -> None:
    """Pull a CRM resource page by page (incremental, resumable); credentials only from CRMFLOW_* variables."""
    from crmflow.settings import get_settings
    from crmflow.sources.pull import pull as pull_resource

    _set_lang(lang)
    try:
        params: dict[str, str] = {}
        for p in param or []:
            key, sep, value = p.partition("=")
            if not sep or not key:
                raise error(CrmflowError, MSG, "bad_param", state.lang, value=p)
            params[key] = value
        with step_progress(console, 1) as step:
            res = pull_resource(
                vendor,
                resource,
                out_dir=out_dir,
                since=since,
                state_path=state_file,
                params=params,
                max_pages=max_pages,
                progress=step,
                settings=get_settings().model_copy(update={"lang": state.lang}),  # the API's messages in --lang
            )
    except CrmflowError as exc:
        _fail(exc)
        return
    out.print(
        _t(
            "done",
            vendor=res.vendor,
            resource=res.resource,
            records=res.records,
            pages=res.pages,
            out=out_dir,
            resumed=_t("resumed") if res.resumed else "",
            watermark=res.watermark or "—",
            retries=res.retries,
            waited=res.waited_s,
        ),
        highlight=False,
    )
    if not res.complete:
        out.print(_t("partial", pages=res.pages), highlight=False)
