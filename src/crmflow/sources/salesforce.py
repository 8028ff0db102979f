"""Salesforce exports and saved REST query results as canonical events.

Four shapes, each from a Data Loader / weekly Data Export CSV (header = API field names, any
encoding the CSV reader detects) or from a saved REST ``query`` response (``records[]`` with
``attributes.type``, as :func:`crmflow.sources.pull.pull` writes them):

``OpportunityHistory``
    One row per change of Amount, Probability, StageName or CloseDate. A row is a **stage event**
    when its ``StageName`` differs from the previous row of the same opportunity (by
    ``CreatedDate``, then file order); the first row of an opportunity is its first stage.
    case = ``OpportunityId``, activity = ``StageName``, time = ``CreatedDate``,
    resource = ``CreatedById``.
``OpportunityFieldHistory`` / ``LeadHistory``
    Rows with ``Field`` = ``StageName`` / ``Status`` are stage events (activity = ``NewValue``);
    the ``created`` row is the first stage (the ``OldValue`` of the record's first stage change, or
    ``Created`` when it never changed); ``leadConverted`` becomes ``Converted``.
``Task`` / ``Event``
    Activities: case = ``WhatId`` (opportunity, account…) or else ``WhoId`` (lead, contact);
    activity = ``TaskSubtype``/``Type`` (``Call``, ``Email``, ``Task``) or ``EventSubtype``;
    time = ``CompletedDateTime`` or ``CreatedDate`` (tasks), ``StartDateTime`` or
    ``ActivityDateTime`` (events); resource = ``OwnerId``.

Ids are normalised to their 18-character form (15-character ids from reports get the checksum
suffix), so ``WhatId`` of a task joins ``OpportunityId`` of the history. Datetimes are ISO 8601 with
``Z`` or ``+0000`` or, in CSV exports, ``yyyy-mm-dd hh:mm:ss`` in UTC.

Rows that cannot be events go to the quarantine with their reasons: an id that is not a Salesforce
id (wrong length or characters, or an 18-character id whose checksum does not match -- typically
changed case in a spreadsheet), an empty stage, an unreadable date, an activity linked to nothing.
History rows that are not stage events (an Amount or CloseDate change, a tracked field other than
the stage) are counted in the quarantine too (kind ``not_a_stage_change`` / ``not_a_stage_field``),
so that parsed + quarantined = rows read.

>>> from crmflow.sources.salesforce_ids import sf_id18
>>> sf_id18("0065g00000ABcDe")
'0065g00000ABcDeAAL'
"""

from __future__ import annotations

import csv as pycsv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crmflow.errors import SourceError
from crmflow.i18n import error, text
from crmflow.ingest.raw import ProgressFn, RawTable, drop_raw
from crmflow.sources.registry import SourceAdapter, register
from crmflow.sources.salesforce_files import load_export
from crmflow.sources.salesforce_ids import id18_sql as _id18_sql
from crmflow.sources.salesforce_ids import id_ok_sql as _id_ok_sql
from crmflow.store.queries import ident, table_name
from crmflow.store.store import EventStore

_TEXT = {
    "bad_id": {
        "en": "column `{column}` row {row}: '{value}' is not a Salesforce id (expected 15 or 18 letters and digits, "
        "an 18-character id with a matching checksum)",
        "ru": "столбец `{column}` строка {row}: '{value}' — не идентификатор Salesforce (ожидается 15 или 18 букв "
        "и цифр, у 18-символьного — совпадающая контрольная часть)",
    },
    "no_id": {
        "en": "column `{column}` row {row}: empty, but the record id is required",
        "ru": "столбец `{column}` строка {row}: пусто, а идентификатор записи обязателен",
    },
    "no_link": {
        "en": "columns `WhatId`/`WhoId` row {row}: both empty; the activity belongs to no opportunity, lead or contact",
        "ru": "столбцы `WhatId`/`WhoId` строка {row}: оба пусты; активность не связана ни со сделкой, ни с лидом, ни с контактом",
    },
    "no_stage": {
        "en": "column `{column}` row {row}: empty, but the stage is required",
        "ru": "столбец `{column}` строка {row}: пусто, а стадия обязательна",
    },
    "bad_ts": {
        "en": "column `{column}` row {row}: cannot read '{value}' as a date-time (expected ISO 8601 such as "
        "2024-03-01T10:15:00.000+0000 or 2024-03-01T10:15:00Z, or 2024-03-01 10:15:00 in UTC)",
        "ru": "столбец `{column}` строка {row}: не удаётся прочитать '{value}' как дату и время (ожидается ISO 8601, "
        "например 2024-03-01T10:15:00.000+0000 или 2024-03-01T10:15:00Z, либо 2024-03-01 10:15:00 в UTC)",
    },
    "no_ts": {
        "en": "column `{column}` row {row}: empty, but the date is required",
        "ru": "столбец `{column}` строка {row}: пусто, а дата обязательна",
    },
    "same_stage": {
        "en": "row {row}: stage unchanged ('{value}'); only Amount, Probability or CloseDate changed, which is not a stage event",
        "ru": "строка {row}: стадия не изменилась ('{value}'); изменились только сумма, вероятность или дата "
        "закрытия — это не событие смены стадии",
    },
    "other_field": {
        "en": "row {row}: history of field '{value}', not of the stage; not an event of the stage log",
        "ru": "строка {row}: история поля '{value}', а не стадии; не событие журнала стадий",
    },
    "missing_columns": {
        "en": "{source}: a Salesforce {kind} export needs the columns {needed}; it has {columns}",
        "ru": "{source}: выгрузке Salesforce {kind} нужны столбцы {needed}; в файле есть {columns}",
    },
}


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _reason(template: str, **sql_values: str) -> str:
    out = _lit(template)
    for k, v in sql_values.items():
        out = f"replace({out}, '{{{k}}}', coalesce({v}, ''))"
    return out


# ---------------------------------------------------------------------------------------- shaping


@dataclass(frozen=True)
class _Check:
    kind: str  # machine-readable problem
    column: str  # column named in the quarantine
    bad: str  # SQL: true when the row has this problem
    reason: str  # SQL: the reason text
    value: str = "NULL"  # SQL: the offending value


class _Cols:
    """Case-insensitive access to the raw table's columns as trimmed text."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.by_lower = {n.lower(): n for n in names}

    def has(self, name: str) -> bool:
        return name.lower() in self.by_lower

    def name(self, name: str) -> str:
        return self.by_lower.get(name.lower(), name)

    def __call__(self, *names: str) -> str:
        found = [f"nullif(trim({ident(self.by_lower[n.lower()])}), '')" for n in names if n.lower() in self.by_lower]
        if not found:
            return "NULL::VARCHAR"
        return found[0] if len(found) == 1 else f"coalesce({', '.join(found)})"


def _require(cols: _Cols, needed: tuple[str, ...], kind: str, source: str, lang: str) -> None:
    missing = [n for n in needed if not cols.has(n)]
    if missing:
        raise error(
            SourceError,
            _TEXT,
            "missing_columns",
            lang,
            source=source,
            kind=kind,
            needed=", ".join(f"`{n}`" for n in needed),
            columns=", ".join(f"`{c}`" for c in cols.names),
        )


def _id_checks(cols: _Cols, column: str, lang: str, *, required: bool = True) -> list[_Check]:
    v = cols(column)
    name = cols.name(column)
    checks = [
        _Check(
            "bad_case_id",
            name,
            f"({v} IS NOT NULL AND NOT {_id_ok_sql(v)})",
            _reason(text(_TEXT, "bad_id", lang, column=name, row="{row}", value="{value}"), row="row_no::VARCHAR", value=v),
            v,
        ),
    ]
    if required:
        checks.append(
            _Check(
                "missing_case_id",
                name,
                f"({v} IS NULL)",
                _reason(text(_TEXT, "no_id", lang, column=name, row="{row}"), row="row_no::VARCHAR"),
            )
        )
    return checks


def _ts_checks(cols: _Cols, ts_columns: tuple[str, ...], lang: str) -> list[_Check]:
    v = cols(*ts_columns)
    name = "/".join(cols.name(c) for c in ts_columns if cols.has(c)) or ts_columns[0]
    return [
        _Check(
            "missing_timestamp",
            name,
            f"({v} IS NULL)",
            _reason(text(_TEXT, "no_ts", lang, column=name, row="{row}"), row="row_no::VARCHAR"),
        ),
        _Check(
            "bad_timestamp",
            name,
            f"({v} IS NOT NULL AND try_cast({v} AS TIMESTAMPTZ) IS NULL)",
            _reason(text(_TEXT, "bad_ts", lang, column=name, row="{row}", value="{value}"), row="row_no::VARCHAR", value=v),
            v,
        ),
    ]


def _resource(cols: _Cols, column: str) -> str:
    v = cols(column)
    return f"CASE WHEN {_id_ok_sql(v)} THEN {_id18_sql(v)} ELSE {v} END"


#: The fields of an ``OpportunityHistory`` row, in the order of a Data Export (and of ``crmflow pull``).
OPPORTUNITY_HISTORY_FIELDS: tuple[str, ...] = (
    "Id",
    "OpportunityId",
    "CreatedById",
    "CreatedDate",
    "StageName",
    "Amount",
    "ExpectedRevenue",
    "CloseDate",
    "Probability",
    "ForecastCategory",
    "SystemModstamp",
    "IsDeleted",
)
#: Canonical output columns, in order; attributes follow.
CANONICAL = ("case:concept:name", "concept:name", "time:timestamp", "org:resource")


def _build(
    store: EventStore,
    raw: RawTable,
    *,
    log_name: str,
    kind: str,
    select: dict[str, str],
    checks: list[_Check],
    post: Callable[[str], str] | None = None,
) -> RawTable:
    """Canonical table from ``raw``; problem rows (and rows ``post`` marks) to the quarantine."""
    src = table_name(raw.table)
    has_line = "line" in store.columns(raw.table)
    kinds = ", ".join(f"CASE WHEN {c.bad} THEN {_lit(c.kind)} END" for c in checks) or "NULL"
    reasons = ", ".join(f"CASE WHEN {c.bad} THEN {c.reason} END" for c in checks) or "NULL"
    cols = ", ".join(f"CASE WHEN {c.bad} THEN {_lit(c.column)} END" for c in checks) or "NULL"
    value = "coalesce(" + ", ".join([f"CASE WHEN {c.bad} THEN {c.value} END" for c in checks] + ["NULL"]) + ")"
    body = ", ".join(f"{expr} AS {ident(name)}" for name, expr in select.items())
    base = store.new_name("sf_base")
    store.sql(
        f"CREATE TEMP TABLE {base} AS SELECT row_no, {'line' if has_line else 'NULL::BIGINT AS line'}, {body}, "
        f"concat_ws('+', {kinds}) AS _kind, concat_ws('; ', {reasons}) AS _reason, "
        f"nullif(concat_ws(', ', {cols}), '') AS _col, {value}::VARCHAR AS _value FROM {src}"
    )
    if post is not None:
        marked = store.new_name("sf_marked")
        store.sql(f"CREATE TEMP TABLE {marked} AS {post(base)}")
        store.sql(f"DROP TABLE {base}")
        base = marked
    bad = int(store.scalar(f"SELECT count(*) FROM {base} WHERE _kind <> ''"))
    if bad:
        store.sql(
            f"""INSERT INTO quarantine
            SELECT ?, ?, b.row_no, b.line, b._col, b._value, b._reason, r._raw, b._kind
            FROM (SELECT * FROM {base} WHERE _kind <> '') b
            JOIN (SELECT row_no AS _rn, to_json(t)::VARCHAR AS _raw FROM {src} t) r ON r._rn = b.row_no
            ORDER BY b.row_no""",
            [log_name, raw.source],
        )
    out = store.new_name("sf_events")
    names = ", ".join(ident(n) for n in select)
    store.sql(f"CREATE TEMP TABLE {out} AS SELECT row_no, line, {names} FROM {base} WHERE _kind = '' ORDER BY row_no")
    store.sql(f"DROP TABLE {base}")
    rows_read, quarantined = raw.rows_read, raw.quarantined + bad
    drop_raw(store, raw)
    return RawTable(
        table=out,
        source=raw.source,
        format=raw.format if raw.format != "csv" else "salesforce-csv",
        rows_read=rows_read,
        quarantined=quarantined,
        info={**raw.info, "salesforce": kind},
    )


def _stage_change_post(lang: str) -> Callable[[str], str]:
    """Mark rows whose stage equals the previous good row of the same record."""
    reason = _reason(text(_TEXT, "same_stage", lang, row="{row}", value="{value}"), row="row_no::VARCHAR", value='"concept:name"')

    def post(base: str) -> str:
        prev = 'lag("concept:name") OVER (PARTITION BY "case:concept:name", _kind = \'\' ORDER BY "time:timestamp", row_no)'
        return (
            f"SELECT * EXCLUDE (_prev) REPLACE ("
            f"CASE WHEN _kind = '' AND _prev = \"concept:name\" THEN 'not_a_stage_change' ELSE _kind END AS _kind, "
            f"CASE WHEN _kind = '' AND _prev = \"concept:name\" THEN {reason} ELSE _reason END AS _reason, "
            f"CASE WHEN _kind = '' AND _prev = \"concept:name\" THEN 'StageName' ELSE _col END AS _col, "
            f'CASE WHEN _kind = \'\' AND _prev = "concept:name" THEN "concept:name" ELSE _value END AS _value'
            f") FROM (SELECT *, {prev} AS _prev FROM {base})"
        )

    return post


def _ts(cols: _Cols, *names: str) -> str:
    return f"try_cast({cols(*names)} AS TIMESTAMPTZ)"


def read_opportunity_history(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read an ``OpportunityHistory`` export: one event per stage entered.

    ``label`` is the log the quarantine rows belong to.
    """
    lang = store.settings.lang
    raw = load_export(store, Path(path), label, progress)
    cols = _Cols([c for c in store.columns(raw.table) if c not in ("row_no", "line")])
    _require(cols, ("OpportunityId", "StageName", "CreatedDate"), "OpportunityHistory", raw.source, lang)
    stage = cols("StageName")
    select = {
        "case:concept:name": _id18_sql(cols("OpportunityId")),
        "concept:name": stage,
        "time:timestamp": _ts(cols, "CreatedDate"),
        "org:resource": _resource(cols, "CreatedById"),
        "entity": "'opportunity'",
        "amount": cols("Amount"),
        "probability": cols("Probability"),
        "close_date": cols("CloseDate"),
        "forecast_category": cols("ForecastCategory"),
        "history_id": cols("Id"),
    }
    checks = [
        *_id_checks(cols, "OpportunityId", lang),
        _Check(
            "missing_activity",
            cols.name("StageName"),
            f"({stage} IS NULL)",
            _reason(text(_TEXT, "no_stage", lang, column=cols.name("StageName"), row="{row}"), row="row_no::VARCHAR"),
        ),
        *_ts_checks(cols, ("CreatedDate",), lang),
    ]
    if cols.has("IsDeleted"):
        select["is_deleted"] = cols("IsDeleted")
    return _build(
        store, raw, log_name=label, kind="OpportunityHistory", select=select, checks=checks, post=_stage_change_post(lang)
    )


def read_field_history(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read an ``OpportunityFieldHistory`` or ``LeadHistory`` export: stage (``Status``) changes as events."""
    lang = store.settings.lang
    raw = load_export(store, Path(path), label, progress)
    cols = _Cols([c for c in store.columns(raw.table) if c not in ("row_no", "line")])
    lead = cols.has("LeadId") and not cols.has("OpportunityId")
    key = "LeadId" if lead else "OpportunityId"
    kind = "LeadHistory" if lead else "OpportunityFieldHistory"
    _require(cols, (key, "Field", "NewValue", "CreatedDate"), kind, raw.source, lang)
    field, new, old = cols("Field"), cols("NewValue"), cols("OldValue")
    stage_field = f"lower({field}) IN ('stagename', 'status')"
    activity = (
        f"CASE WHEN {stage_field} THEN {new} WHEN lower({field}) = 'created' THEN '<created>' "
        f"WHEN lower({field}) = 'leadconverted' THEN 'Converted' END"
    )
    select = {
        "case:concept:name": _id18_sql(cols(key)),
        "concept:name": activity,
        "time:timestamp": _ts(cols, "CreatedDate"),
        "org:resource": _resource(cols, "CreatedById"),
        "entity": "'lead'" if lead else "'opportunity'",
        "field": field,
        "old_value": old,
        "history_id": cols("Id"),
    }
    relevant = f"({stage_field} OR lower({field}) IN ('created', 'leadconverted'))"
    checks = [
        *_id_checks(cols, key, lang),
        _Check(
            "not_a_stage_field",
            cols.name("Field"),
            f"(NOT coalesce({relevant}, false))",
            _reason(text(_TEXT, "other_field", lang, row="{row}", value="{value}"), row="row_no::VARCHAR", value=field),
            field,
        ),
        _Check(
            "missing_activity",
            cols.name("NewValue"),
            f"({stage_field} AND {new} IS NULL)",
            _reason(text(_TEXT, "no_stage", lang, column=cols.name("NewValue"), row="{row}"), row="row_no::VARCHAR"),
        ),
        *_ts_checks(cols, ("CreatedDate",), lang),
    ]
    same = _stage_change_post(lang)

    def post(base: str) -> str:
        # The `created` row enters the first stage: the OldValue of the record's first stage change.
        first_old = (
            "first_value(CASE WHEN \"concept:name\" <> '<created>' THEN old_value END IGNORE NULLS) OVER "
            '(PARTITION BY "case:concept:name", _kind = \'\' ORDER BY "time:timestamp", row_no '
            "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        )
        named = (
            f"SELECT * REPLACE (CASE WHEN \"concept:name\" = '<created>' THEN coalesce({first_old}, 'Created') "
            f'ELSE "concept:name" END AS "concept:name") FROM {base}'
        )
        return same(f"({named})")

    return _build(store, raw, log_name=label, kind=kind, select=select, checks=checks, post=post)


def _read_activity(store: EventStore, path: Path, label: str, progress: ProgressFn | None, *, event: bool) -> RawTable:
    lang = store.settings.lang
    raw = load_export(store, Path(path), label, progress)
    cols = _Cols([c for c in store.columns(raw.table) if c not in ("row_no", "line")])
    kind = "Event" if event else "Task"
    ts_cols = ("StartDateTime", "ActivityDateTime", "ActivityDate") if event else ("CompletedDateTime", "CreatedDate")
    _require(cols, ("Id", ts_cols[0]) if event else ("Id", "CreatedDate"), kind, raw.source, lang)
    if not (cols.has("WhatId") or cols.has("WhoId")):
        _require(cols, ("WhatId", "WhoId"), kind, raw.source, lang)
    what, who = cols("WhatId"), cols("WhoId")
    link = f"coalesce({what}, {who})"
    link_col = "WhatId" if cols.has("WhatId") else "WhoId"
    activity = f"coalesce({cols('EventSubtype')}, 'Event')" if event else (f"coalesce({cols('TaskSubtype', 'Type')}, 'Task')")
    select = {
        "case:concept:name": _id18_sql(link),
        "concept:name": activity,
        "time:timestamp": _ts(cols, *ts_cols),
        "org:resource": _resource(cols, "OwnerId"),
        "entity": f"'{kind.lower()}'",
        "activity_id": _id18_sql(cols("Id")),
        "linked_to": f"CASE WHEN {what} IS NOT NULL THEN 'what' ELSE 'who' END",
        "subject": cols("Subject"),
    }
    extra = (
        ("EndDateTime", "DurationInMinutes", "IsAllDayEvent")
        if event
        else ("Status", "Priority", "IsClosed", "ActivityDate", "CallType", "CallDurationInSeconds", "CallDisposition")
    )
    for c in extra:
        if cols.has(c):
            select[re.sub(r"(?<!^)(?=[A-Z])", "_", c).lower()] = cols(c)
    checks = [
        _Check(
            "missing_case_id",
            "WhatId/WhoId",
            f"({link} IS NULL)",
            _reason(text(_TEXT, "no_link", lang, row="{row}"), row="row_no::VARCHAR"),
        ),
        _Check(
            "bad_case_id",
            link_col,
            f"({link} IS NOT NULL AND NOT {_id_ok_sql(link)})",
            _reason(
                text(_TEXT, "bad_id", lang, column=link_col, row="{row}", value="{value}"), row="row_no::VARCHAR", value=link
            ),
            link,
        ),
        *_ts_checks(cols, ts_cols, lang),
    ]
    return _build(store, raw, log_name=label, kind=kind, select=select, checks=checks)


def read_task(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read a ``Task`` export: calls, e-mails and tasks as events of the opportunity (or lead/contact)."""
    return _read_activity(store, path, label, progress, event=False)


def read_event(store: EventStore, path: Path, label: str, progress: ProgressFn | None = None) -> RawTable:
    """Read an ``Event`` export: meetings as events of the opportunity (or lead/contact)."""
    return _read_activity(store, path, label, progress, event=True)


# ---------------------------------------------------------------------------------------- detection


def _header(head: bytes) -> set[str]:
    textual = head.decode("utf-8-sig", errors="replace")
    first = textual.splitlines()[0] if textual else ""
    delim = max((";", ",", "\t"), key=first.count)
    try:
        row = next(pycsv.reader(io.StringIO(first), delimiter=delim))
    except (StopIteration, pycsv.Error):
        return set()
    return {c.strip().lower() for c in row}


def _json_type(head: bytes) -> str | None:
    m = re.search(rb'"attributes"\s*:\s*\{\s*"type"\s*:\s*"(\w+)"', head)
    return m.group(1).decode() if m and b'"records"' in head else None


def _detector(sobject: str, columns: Callable[[set[str]], bool]) -> Callable[[Path, bytes], bool]:
    def detect(path: Path, head: bytes) -> bool:
        suffix = path.suffix.lower()
        if suffix == ".json":
            return _json_type(head) == sobject
        if suffix not in (".csv", ".txt"):
            return False
        return columns(_header(head))

    return detect


register(
    SourceAdapter(
        name="salesforce-opportunity-history",
        vendor="salesforce",
        description="Salesforce OpportunityHistory (CSV export or REST query JSON): stage changes",
        detect=_detector("OpportunityHistory", lambda h: {"opportunityid", "stagename", "createddate"} <= h and "field" not in h),
        read=read_opportunity_history,
    )
)
register(
    SourceAdapter(
        name="salesforce-opportunity-field-history",
        vendor="salesforce",
        description="Salesforce OpportunityFieldHistory (CSV or JSON): Field = StageName changes",
        detect=_detector("OpportunityFieldHistory", lambda h: {"opportunityid", "field", "newvalue"} <= h),
        read=read_field_history,
    )
)
register(
    SourceAdapter(
        name="salesforce-lead-history",
        vendor="salesforce",
        description="Salesforce LeadHistory (CSV or JSON): Field = Status changes",
        detect=_detector("LeadHistory", lambda h: {"leadid", "field", "newvalue"} <= h),
        read=read_field_history,
    )
)
register(
    SourceAdapter(
        name="salesforce-task",
        vendor="salesforce",
        description="Salesforce Task (CSV or JSON): calls, e-mails, tasks linked by WhatId/WhoId",
        detect=_detector(
            "Task",
            lambda h: (
                {"id", "createddate"} <= h
                and bool({"whatid", "whoid"} & h)
                and bool({"tasksubtype", "completeddatetime", "calltype"} & h)
            ),
        ),
        read=read_task,
    )
)
register(
    SourceAdapter(
        name="salesforce-event",
        vendor="salesforce",
        description="Salesforce Event (CSV or JSON): meetings linked by WhatId/WhoId",
        detect=_detector("Event", lambda h: {"id", "startdatetime"} <= h and bool({"whatid", "whoid"} & h)),
        read=read_event,
    )
)
