"""Pull a CRM resource page by page into JSON files: incremental, resumable, within rate limits.

:func:`pull` follows each vendor's pagination (Bitrix24 ``start``/``next``, amoCRM
``_links.next``, HubSpot ``paging.next.after``, Salesforce ``nextRecordsUrl``) and writes every page,
as the API answered it, to ``OUT/<resource>.<nnnnn>.json`` -- the files the source adapters read.

State. After each page a small JSON state file (default ``OUT/<resource>.pullstate``) records the
request for the next page, the page number and the *watermark*: the latest record time seen and the
ids of the records at that time. The page is written before the state, both atomically, so:

* **resumable** -- an interrupted pull (error, Ctrl-C, a crash) continues from the stored request
  when run again; a page fetched again after a crash overwrites its own file, so no record is
  written twice and none is skipped;
* **incremental** -- once a pull has finished, the next one asks only for records changed at or after
  the watermark (``--since`` overrides it) and drops the records already written at exactly the
  watermark time.

Credentials come only from the environment (``CRMFLOW_*`` settings) and never reach the files:
the state holds paths relative to the API address, not URLs with tokens.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from crmflow.errors import CrmApiError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.settings import Settings, get_settings
from crmflow.sources.http import ApiClient, Transport, require_ascii
from crmflow.sources.pull_apis import TEXT, VENDORS, PageApi, build_api, parse_time

Vendor = Literal["bitrix24", "amocrm", "hubspot", "salesforce"]


@dataclass(frozen=True)
class PullResult(JsonMixin):
    """What one :func:`pull` call did."""

    vendor: str
    resource: str
    pages: int  # pages fetched by this call
    records: int  # records written by this call
    files: list[str]  # page files written by this call
    since: str | None  # lower bound of the records asked for (ISO 8601 UTC)
    watermark: str | None  # latest record time written so far
    resumed: bool  # continued an interrupted pull
    complete: bool  # the last page was reached (False: stopped by max_pages)
    state_path: str
    skipped_duplicates: int = 0  # records at the old watermark already written before
    requests: int = 0
    retries: int = 0
    waited_s: float = 0.0


@dataclass
class _State:
    vendor: str
    resource: str
    params: dict[str, str]
    since: str | None = None  # lower bound of the current run
    cursor: dict[str, Any] | None = None  # the next request of the current run (None: run finished)
    page_no: int = 0  # page files written so far, all runs
    watermark: str | None = None
    watermark_ids: list[str] = field(default_factory=list)
    #: The run started at the last watermark: records at exactly ``skip_at`` with these ids were written before.
    skip_at: str | None = None
    skip_ids: list[str] = field(default_factory=list)
    records: int = 0  # records written, all runs
    done: bool = False

    @classmethod
    def load(cls, path: Path, lang: str) -> _State | None:
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise error(CrmApiError, TEXT, "state_damaged", lang, path=path, error=exc) from exc

    def save(self, path: Path) -> None:
        _atomic_write(path, json.dumps(self.__dict__, ensure_ascii=False, indent=1))


def _atomic_write(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def _slug(resource: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in resource).strip("._") or "resource"


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def make_client(
    vendor: str,
    *,
    settings: Settings | None = None,
    transport: Transport | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> ApiClient:
    """An :class:`ApiClient` for ``vendor`` with the address and credentials from the settings.

    Raises
    ------
    CrmApiError
        The address or token is not set (the message names the ``CRMFLOW_*`` variable).
    """
    s = settings or get_settings()

    def need(value: Any, var: str, example: str) -> Any:
        if not value:
            raise error(CrmApiError, TEXT, "no_secret", s.lang, vendor=vendor, var=var, example=example)
        shown = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
        require_ascii(shown, var, s.lang)  # a token or address HTTP cannot send is refused before any request
        return value

    headers: dict[str, str] = {}
    secrets: list[str] = []
    if vendor == "bitrix24":
        hook = need(
            s.bitrix24_webhook_url, "CRMFLOW_BITRIX24_WEBHOOK_URL", "https://<portal>.bitrix24.ru/rest/<user_id>/<secret>/"
        ).get_secret_value()
        base = hook if hook.endswith("/") else hook + "/"
        secrets += [hook, base, *[p for p in base.rstrip("/").split("/")[-1:] if len(p) >= 6]]
    elif vendor == "amocrm":
        base = need(s.amocrm_base_url, "CRMFLOW_AMOCRM_BASE_URL", "https://<subdomain>.amocrm.ru")
        token = need(s.amocrm_token, "CRMFLOW_AMOCRM_TOKEN", "a long-lived token").get_secret_value()
        headers["Authorization"] = f"Bearer {token}"
        secrets.append(token)
    elif vendor == "hubspot":
        base = s.hubspot_base_url
        token = need(s.hubspot_token, "CRMFLOW_HUBSPOT_TOKEN", "a private-app access token").get_secret_value()
        headers["Authorization"] = f"Bearer {token}"
        secrets.append(token)
    elif vendor == "salesforce":
        base = need(s.salesforce_instance_url, "CRMFLOW_SALESFORCE_INSTANCE_URL", "https://<org>.my.salesforce.com")
        token = need(s.salesforce_token, "CRMFLOW_SALESFORCE_TOKEN", "an OAuth access token").get_secret_value()
        headers["Authorization"] = f"Bearer {token}"
        secrets.append(token)
    else:
        raise error(CrmApiError, TEXT, "unknown_vendor", s.lang, vendor=vendor, known=", ".join(VENDORS))
    headers["Accept"] = "application/json"
    extra: dict[str, Any] = {}
    if clock is not None:
        extra["clock"] = clock
    if sleep is not None:
        extra["sleep"] = sleep
    return ApiClient(
        vendor=vendor,
        base_url=base,
        transport=transport,
        headers=headers,
        secrets=secrets,
        max_attempts=s.api_max_attempts,
        max_wait_s=s.api_max_wait_s,
        lang=s.lang,
        **extra,
    )


def pull(
    vendor: Vendor | str,
    resource: str,
    *,
    out_dir: str | Path,
    since: str | datetime | None = None,
    state_path: str | Path | None = None,
    params: Mapping[str, str] | None = None,
    max_pages: int | None = None,
    client: ApiClient | None = None,
    settings: Settings | None = None,
    progress: Callable[[str], None] | None = None,
) -> PullResult:
    """Pull one resource of a CRM API into page files, continuing or extending the last pull.

    Parameters
    ----------
    vendor
        ``bitrix24``, ``amocrm``, ``hubspot`` or ``salesforce``.
    resource
        What to pull: Bitrix24 method (``crm.stagehistory.list``, ``crm.deal.list``, …), amoCRM path
        (``events``, ``leads``, ``tasks``, ``leads/pipelines``, …), HubSpot object (``deals``, ``calls``,
        ``owners``, ``pipelines``, …) or Salesforce object (``OpportunityHistory``, ``Task``, …);
        :data:`crmflow.sources.pull_apis.RESOURCES` lists them.
    out_dir
        Folder of the page files (created when missing).
    since
        Only records changed at or after this time (ISO 8601; naive = UTC). Default: the watermark of
        the last finished pull, or everything.
    state_path
        The state file; ``OUT/<resource>.pullstate`` by default.
    params
        Extra request parameters (e.g. ``entityTypeId=1`` for Bitrix24 lead stage history).
    max_pages
        Stop after this many pages (the next call continues).
    client
        The API client; one from the ``CRMFLOW_*`` settings when None.
    settings
        Settings to use instead of the environment.
    progress
        Called with a short line after each page.

    Returns
    -------
    PullResult

    Raises
    ------
    CrmApiError
        Missing credentials, a refused request, an API that keeps failing (the state is kept: run
        again to resume), or ``since`` given while another pull of the resource is unfinished.
    """
    s = settings or get_settings()
    if vendor not in VENDORS:
        raise error(CrmApiError, TEXT, "unknown_vendor", s.lang, vendor=vendor, known=", ".join(VENDORS))
    out = Path(out_dir)
    slug = _slug(resource)
    spath = Path(state_path) if state_path else out / f"{slug}.pullstate"
    extra = {str(k): str(v) for k, v in (params or {}).items()}
    api: PageApi = build_api(vendor, resource, extra, api_version=s.salesforce_api_version, lang=s.lang)
    since_dt = parse_time(since) if since is not None else None
    if since is not None and since_dt is None:
        raise error(CrmApiError, TEXT, "bad_since", s.lang, value=since)

    cl = client or make_client(vendor, settings=s)  # missing credentials fail before anything is written
    out.mkdir(parents=True, exist_ok=True)
    state = _State.load(spath, s.lang)
    if state is not None and (state.vendor != vendor or state.resource != resource):
        raise error(CrmApiError, TEXT, "state_other", s.lang, path=spath, other=f"{state.vendor} {state.resource}")
    resumed = state is not None and not state.done and state.cursor is not None
    if resumed:
        assert state is not None
        if since_dt is not None and state.since != _iso(since_dt):
            raise error(
                CrmApiError,
                TEXT,
                "unfinished",
                s.lang,
                vendor=vendor,
                resource=resource,
                page=state.page_no + 1,
                since=state.since or "—",
                path=spath,
            )
    else:
        lower = since_dt or (parse_time(state.watermark) if state and state.watermark else None)
        state = state or _State(vendor=vendor, resource=resource, params=extra)
        state.since = _iso(lower) if lower else None
        from_mark = since_dt is None and lower is not None
        state.skip_at = state.watermark if from_mark else None
        state.skip_ids = list(state.watermark_ids) if from_mark else []
        state.cursor = api.first(lower)
        state.done = False
        state.params = extra
        state.save(spath)
    assert state is not None and state.cursor is not None

    skip_ids = set(state.skip_ids)
    files: list[str] = []
    written = skipped = pages = 0
    while state.cursor is not None:
        if max_pages is not None and pages >= max_pages:
            break
        doc = api.fetch(cl, state.cursor)
        pages += 1
        records = api.records(doc)
        keep = []
        for rec in records:
            t, rid = api.time_of(rec), api.id_of(rec)
            if state.skip_at and t is not None and _iso(t) == state.skip_at and rid in skip_ids:
                skipped += 1
                continue
            keep.append(rec)
            if t is not None:
                ti = _iso(t)
                if state.watermark is None or parse_time(ti) > parse_time(state.watermark):  # type: ignore[operator]
                    state.watermark, state.watermark_ids = ti, []
                if ti == state.watermark and rid is not None and rid not in state.watermark_ids:
                    state.watermark_ids.append(rid)
        nxt = api.next(cl, doc, state.cursor)
        if keep:
            state.page_no += 1
            name = f"{slug}.{state.page_no:05d}.json"
            _atomic_write(out / name, json.dumps(api.with_records(doc, keep), ensure_ascii=False, indent=1))
            files.append(name)
            written += len(keep)
            state.records += len(keep)
        state.cursor = nxt
        state.done = nxt is None
        state.save(spath)
        if progress:
            progress(f"{vendor} {resource}: page {pages}, {len(keep)} records")
    return PullResult(
        vendor=vendor,
        resource=resource,
        pages=pages,
        records=written,
        files=files,
        since=state.since,
        watermark=state.watermark,
        resumed=resumed,
        complete=state.done,
        state_path=str(spath),
        skipped_duplicates=skipped,
        requests=cl.stats.requests,
        retries=cl.stats.retries,
        waited_s=round(cl.stats.waited_s, 3),
    )
