"""Bitrix24 UI exports: the "Excel" download (an HTML table saved as ``.xls``) and list CSVs.

The UI's deal and lead lists hold one row per record with Russian column titles (``Стадия
сделки``, ``Дата создания``, ``Закрыта``…; cp1251 or UTF-8 with BOM, ``;``) -- a snapshot, not a
history. They become events in SQL, as the API lists do: the creation (``Дата создания``, by
``Кем создана``/``Кем создан``) and, for closed records, the final stage (at ``Дата завершения``,
else ``Дата изменения``, by ``Ответственный``); the current stage is kept as the ``stage``
attribute of every event. Any other HTML-table export (a stage-history report, a custom report) is
handed to the ordinary staging as it is, with its headers mapped like a CSV's. A genuine workbook
(zip, starting with ``PK``) that was given an ``.xls`` name is read as the ``.xlsx`` it is.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from crmflow.ingest.columns import normalize
from crmflow.ingest.encoding import detect_encoding
from crmflow.ingest.raw import ProgressFn, RawTable, drop_raw
from crmflow.sources.html_table import looks_like_html, read_html_table_raw
from crmflow.sources.messages import msg
from crmflow.sources.registry import SourceAdapter, register
from crmflow.sources.rows import ACTIVITY, CASE, RESOURCE, TIME
from crmflow.store.queries import ident, table_name
from crmflow.store.store import EventStore

_LIST_COLUMNS = {
    "id": ("ID",),
    "stage": ("Стадия сделки", "Стадия", "Статус", "Этап сделки"),
    "pipeline": ("Воронка", "Направление"),
    "created": ("Дата создания",),
    "modified": ("Дата изменения",),
    "closed_at": ("Дата завершения", "Дата закрытия"),
    "closed": ("Закрыта", "Закрыт", "Сделка закрыта"),
    "creator": ("Кем создана", "Кем создан"),
    "assigned": ("Ответственный",),
    "amount": ("Сумма", "Сумма/Валюта"),
    "currency": ("Валюта",),
}


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    by_norm = {normalize(c): c for c in columns}
    for n in names:
        if normalize(n) in by_norm:
            return by_norm[normalize(n)]
    return None


def list_entity(columns: list[str]) -> str | None:
    """``deal`` or ``lead`` when the headers are a Bitrix24 UI list export, else None.

    >>> list_entity(["ID", "Название сделки", "Стадия сделки", "Дата создания", "Закрыта"])
    'deal'
    >>> list_entity(["ID", "ID сделки", "Стадия", "Дата"]) is None
    True
    """
    norm = {normalize(c) for c in columns}
    if normalize("ID сделки") in norm or "id" not in norm or normalize("Дата создания") not in norm:
        return None
    if normalize("Стадия сделки") in norm and normalize("Название сделки") in norm:
        return "deal"
    if normalize("Название лида") in norm and (normalize("Стадия") in norm or normalize("Статус") in norm):
        return "lead"
    return None


def list_to_events(store: EventStore, raw: RawTable, *, entity: str) -> RawTable:
    """A UI list export (raw text table) → creation and closing events, in SQL."""
    lang = store.settings.lang
    cols = [c for c in store.columns(raw.table) if c not in ("row_no", "line")]
    col = {k: _find(cols, names) for k, names in _LIST_COLUMNS.items()}

    def c(key: str) -> str:
        name = col[key]
        return f"nullif(trim({ident(name)}), '')" if name else "NULL::VARCHAR"

    case = c("id") if entity == "deal" else f"('lead:' || {c('id')})"
    created = msg(f"{entity}_created", lang).replace("'", "''")
    closed = f"lower(coalesce({c('closed')}, '')) IN ('да', 'y', 'yes', 'true', '1')"
    attrs = (f"'{entity}' AS entity, {c('pipeline')} AS pipeline, {c('stage')} AS stage, {c('amount')} AS amount, "
             f"{c('currency')} AS currency, {c('id')} AS record_id")  # fmt: skip
    name = store.new_name("raw_b24ui")
    src = table_name(raw.table)
    store.sql(
        f"""CREATE TEMP TABLE {name} AS
        SELECT row_number() OVER (ORDER BY row_no, k)::BIGINT AS row_no, line,
               "{CASE}", "{ACTIVITY}", "{TIME}", "{RESOURCE}", entity, pipeline, stage, amount, currency, record_id
        FROM (
            SELECT row_no, line, 0 AS k, {case} AS "{CASE}", '{created}' AS "{ACTIVITY}", {c("created")} AS "{TIME}",
                   coalesce({c("creator")}, {c("assigned")}) AS "{RESOURCE}", {attrs}
            FROM {src}
            UNION ALL
            SELECT row_no, line, 1, {case}, {c("stage")}, coalesce({c("closed_at")}, {c("modified")}), {c("assigned")}, {attrs}
            FROM {src} WHERE {closed}
        ) ORDER BY row_no"""
    )
    events = int(store.scalar(f"SELECT count(*) FROM {name}"))
    drop_raw(store, raw)
    return RawTable(
        table=name,
        source=raw.source,
        format=f"bitrix24-ui-{entity}-list",
        rows_read=events + raw.quarantined,
        quarantined=raw.quarantined,
        info={**raw.info, "canonical": True, "records": raw.rows_read, "events": events},
    )


def read_ui_xls(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """An HTML-table ``.xls`` export: a list export becomes events, anything else is staged as it is."""
    label = Path(path).name
    if progress:
        progress(f"{label}: Bitrix24 HTML export")
    raw = read_html_table_raw(store, path, source=label, log_name=log_name, lang=store.settings.lang)
    entity = list_entity(store.columns(raw.table))
    return list_to_events(store, raw, entity=entity) if entity else raw


def read_ui_xlsx_as_xls(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """A genuine workbook (zip, ``PK``) saved as ``.xls``: read as ``.xlsx``; list exports become events."""
    from crmflow.ingest.excel import read_excel_raw

    with tempfile.TemporaryDirectory(prefix="crmflow-xls-") as tmp:
        link = Path(tmp) / f"{Path(path).stem}.xlsx"
        link.symlink_to(Path(path).resolve())
        raw = replace(read_excel_raw(store, link, log_name=log_name, progress=progress), source=Path(path).name)
    entity = list_entity(store.columns(raw.table))
    return list_to_events(store, raw, entity=entity) if entity else raw


def read_ui_list_csv(store: EventStore, path: Path, log_name: str, progress: ProgressFn | None = None) -> RawTable:
    """A deal/lead list CSV from the Bitrix24 UI → creation and closing events."""
    from crmflow.ingest.csv import read_csv_raw

    raw = read_csv_raw(store, path, log_name=log_name, progress=progress)
    entity = list_entity(store.columns(raw.table))
    if entity is None:  # detection saw a list header; the full read disagrees -> stage it as it is
        return raw
    return list_to_events(store, raw, entity=entity)


def _detect_xls(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".xls", ".htm", ".html") and looks_like_html(head)


def _detect_xlsx_as_xls(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".xls" and head.startswith(b"PK\x03\x04")


def _detect_list_csv(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in (".csv", ".txt") or not head:
        return False
    try:
        first = head.decode(detect_encoding(head), errors="replace").lstrip("\ufeff").splitlines()[0]
    except (LookupError, IndexError):
        return False
    for sep in (";", ",", "\t"):
        names = [n.strip().strip('"') for n in first.split(sep)]
        if len(names) > 2 and list_entity(names):
            return True
    return False


register(SourceAdapter(
    name="bitrix24-ui-xls", vendor="bitrix24",
    description='UI "Excel" export that is an HTML table (.xls); deal/lead lists become events',
    detect=_detect_xls, read=read_ui_xls,
))  # fmt: skip
register(SourceAdapter(
    name="bitrix24-ui-xlsx-as-xls", vendor="bitrix24",
    description="UI export that is a real workbook (zip) named .xls; deal/lead lists become events",
    detect=_detect_xlsx_as_xls, read=read_ui_xlsx_as_xls,
))  # fmt: skip
register(SourceAdapter(
    name="bitrix24-ui-list-csv", vendor="bitrix24",
    description="UI deal/lead list CSV (cp1251 or UTF-8, Russian headers) → creation and closing events",
    detect=_detect_list_csv, read=read_ui_list_csv,
))  # fmt: skip
