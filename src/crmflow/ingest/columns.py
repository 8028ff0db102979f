"""Which source column is the case, the activity, the timestamp…: detection and mapping files.

Header names are compared after normalisation (lowercase, ``ё`` → ``е``, spaces, underscores,
hyphens and dots removed), so ``Case ID``, ``case_id`` and ``CaseID`` are the same name. Every
known name carries a score: XES names score highest, then specific names (``ID сделки``,
``OWNER_ID``, ``Стадия сделки``), then generic ones (``ID``). Columns are assigned greedily, best
score first, and a column serves one field only -- so in a Bitrix24 stage-history export with
``ID``, ``ID сделки``, ``Стадия``, ``Дата`` the case is ``ID сделки``.

>>> m = detect_mapping(["ID", "Тип", "ID сделки", "Воронка", "Стадия", "Группа стадии", "Дата"])
>>> (m.case_id, m.activity, m.timestamp)
('ID сделки', 'Стадия', 'Дата')
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from functools import partial
from pathlib import Path
from typing import Any

from crmflow.errors import ColumnMappingError, InputError
from crmflow.i18n import Phrase, error, text
from crmflow.ingest.messages import ERRORS
from crmflow.store.schema import EventLogSchema
from crmflow.yamlfile import read_yaml

FIELDS: tuple[str, ...] = ("case_id", "activity", "timestamp", "resource", "role", "lifecycle")
REQUIRED: tuple[str, ...] = ("case_id", "activity", "timestamp")
OPTIONS: tuple[str, ...] = ("timestamp_format", "timezone", "dayfirst")


@dataclass(frozen=True)
class ColumnMapping:
    """Source column of each canonical field (None when absent) and how to read the timestamp.

    >>> ColumnMapping(case_id="ID сделки", activity="Стадия", timestamp="Дата").as_dict()["case_id"]
    'ID сделки'
    """

    case_id: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    resource: str | None = None
    role: str | None = None
    lifecycle: str | None = None
    timestamp_format: str | None = None  # family key, words (dd.mm.yyyy hh:mm) or %-codes
    timezone: str | None = None  # zone of naive timestamps; overrides the reader's default
    dayfirst: bool = True  # 01/02/2024 is 1 February unless False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def columns(self) -> dict[str, str]:
        """``{field: column}`` for the mapped fields."""
        return {f: getattr(self, f) for f in FIELDS if getattr(self, f) is not None}

    def to_schema(self) -> EventLogSchema:
        """The store's column map for this mapping."""
        return EventLogSchema(**{f: getattr(self, f) for f in FIELDS})


def normalize(name: str) -> str:
    """Comparable form of a header name.

    >>> normalize(" Дата_изменения ")
    'датаизменения'
    >>> normalize("Case ID")
    'caseid'
    """
    return re.sub(r"[\s_\-.\u00a0]+", "", name.strip().lower().replace("ё", "е"))


def _names(score: int, *names: str) -> dict[str, int]:
    return {normalize(n): score for n in names}


#: Known header names per field, normalised, with their score.
SYNONYMS: dict[str, dict[str, int]] = {
    "case_id": {
        **_names(100, "case:concept:name"),
        **_names(
            92,
            "ID сделки",
            "ID лида",
            "Номер заявки",
            "ID заявки",
            "Номер сделки",
            "ID обращения",
            "Номер обращения",
            "OpportunityId",
            "entity_id",
            "LeadId",
            "DealId",
        ),
        **_names(
            90,
            "Case ID",
            "case_id",
            "Case",
            "Кейс",
            "ID кейса",
            "Номер кейса",
            "ticket_id",
            "incident_id",
            "order_id",
            "Номер заказа",
            "ID заказа",
            "deal_id",
            "lead_id",
            "opportunity_id",
            "process_id",
            "trace_id",
            "Идентификатор сделки",
        ),
        **_names(70, "Сделка", "Лид", "Заявка", "Обращение", "Заказ", "Opportunity", "Deal", "Lead", "Ticket", "Incident"),
        **_names(10, "ID", "Идентификатор", "Номер"),
    },
    "activity": {
        **_names(100, "concept:name"),
        **_names(92, "Стадия сделки", "Стадия лида", "STAGE_ID", "STATUS_ID", "StageName"),
        **_names(
            90,
            "Activity",
            "Activity name",
            "Activity_name",
            "Событие",
            "Действие",
            "Стадия",
            "deal_stage",
            "lead_status",
            "Event",
            "Event name",
        ),
        **_names(85, "Этап", "Операция", "Stage", "Task", "Action", "Activity ID", "ActivityID"),
        **_names(80, "Статус", "Status", "Шаг", "Step"),
        **_names(60, "type", "event_type", "Тип события"),
    },
    "timestamp": {
        **_names(100, "time:timestamp"),
        **_names(
            92, "Complete Timestamp", "CompleteTimestamp", "CREATED_TIME", "Дата и время", "Дата/время", "event_time", "EventTime"
        ),
        **_names(
            90,
            "Timestamp",
            "Дата",
            "Datetime",
            "Date time",
            "created_at",
            "CreatedDate",
            "Время события",
            "Дата события",
            "Дата перехода",
            "Дата изменения статуса",
            "Дата смены стадии",
            "Дата изменения стадии",
        ),
        **_names(85, "Date", "Дата изменения", "Changed at", "ChangeDate", "Start Timestamp", "StartTimestamp"),
        **_names(85, "time", "ts", "event_ts"),
        **_names(80, "Время", "Дата создания", "DATE_CREATE", "DATE_MODIFY", "MOVED_TIME", "updated_at", "LastModifiedDate"),
    },
    "resource": {
        **_names(100, "org:resource"),
        **_names(
            92,
            "Ответственный",
            "Исполнитель",
            "ASSIGNED_BY_ID",
            "responsible_user_id",
            "Кем изменено",
            "Кем изменена",
            "Кем изменен",
            "MOVED_BY_ID",
            "Resource",
        ),
        **_names(
            88,
            "Менеджер",
            "Сотрудник",
            "Оператор",
            "User",
            "Пользователь",
            "Assigned to",
            "AssignedTo",
            "Agent",
            "sales_agent",
            "Employee",
            "Performer",
            "Owner",
            "OwnerId",
            "Автор",
            "Кем создано",
            "Кем создана",
            "Кем создан",
        ),
        **_names(89, "created_by", "CreatedById"),
        **_names(70, "user_id", "modified_by", "MODIFY_BY_ID"),
    },
    "role": {
        **_names(100, "org:role"),
        **_names(90, "Роль", "Role", "Должность"),
        **_names(80, "Отдел", "Подразделение", "Department", "Team", "Группа", "org:group", "Group"),
    },
    "lifecycle": {
        **_names(100, "lifecycle:transition"),
        **_names(80, "Lifecycle", "Transition"),
    },
}

#: Names matched exactly (case-sensitive) before normalisation: Bitrix24's ``OWNER_ID`` is the deal,
#: while Salesforce's ``OwnerId`` is a user.
EXACT: dict[str, dict[str, int]] = {"case_id": {"OWNER_ID": 93}}

_DATE_LIKE = re.compile(r"(date|time|дата|время|_at$|timestamp)", re.IGNORECASE)

_TEXT = {
    "missing_required": {
        "en": "no column found for {fields}; columns in {source}: {columns}.{hint} "
        "Write a mapping file (YAML with keys case_id, activity, timestamp…) and pass it with --mapping.",
        "ru": "не найден столбец для: {fields}; столбцы в {source}: {columns}.{hint} "
        "Задайте соответствие в YAML-файле (ключи `case_id`, `activity`, `timestamp`…) и передайте его через --mapping.",
    },
    "date_hint": {
        "en": " Columns that look like dates: {columns}.",
        "ru": " Похожие на даты столбцы: {columns}.",
    },
    "missing_column": {
        "en": "the mapping names column `{column}` for {field}, but {source} has no such column; its columns are: {columns}",
        "ru": "в соответствии столбцов для {field} указан столбец `{column}`, но в {source} его нет; есть столбцы: {columns}",
    },
    "same_column": {
        "en": "column `{column}` is mapped to both {a} and {b}; each required field needs its own column",
        "ru": "столбец `{column}` указан и для {a}, и для {b}; у каждого обязательного поля свой столбец",
    },
    "field_case_id": {"en": "case id", "ru": "ID кейса"},
    "field_activity": {"en": "activity", "ru": "действие (стадия)"},
    "field_timestamp": {"en": "timestamp", "ru": "время"},
    "field_resource": {"en": "resource", "ru": "исполнитель"},
    "field_role": {"en": "role", "ru": "роль"},
    "field_lifecycle": {"en": "lifecycle", "ru": "жизненный цикл"},
    "not_mapped": {"en": "(not mapped)", "ru": "(не задано)"},
    "format": {"en": "timestamp format", "ru": "формат времени"},
    "zone": {"en": "time zone of naive times", "ru": "часовой пояс времени без смещения"},
    "auto": {"en": "detected from the values", "ru": "определяется по значениям"},
}


def field_label(name: str, lang: str = "en") -> str:
    """The field's name for people (``case id`` / ``ID кейса``)."""
    return text(_TEXT, f"field_{name}", lang)


def _score(field: str, column: str) -> int:
    exact = EXACT.get(field, {}).get(column.strip())
    return exact if exact is not None else SYNONYMS[field].get(normalize(column), 0)


def detect_mapping(columns: list[str]) -> ColumnMapping:
    """Guess the mapping from header names (English, Russian, XES, Bitrix24, amoCRM, Salesforce).

    Fields without a matching header are None; :func:`validate_mapping` reports missing required
    ones. The best-scoring (field, column) pair is assigned first and each column is used once.

    >>> detect_mapping(["ID", "TYPE_ID", "OWNER_ID", "CATEGORY_ID", "STAGE_ID", "CREATED_TIME"]).case_id
    'OWNER_ID'
    >>> detect_mapping(["Case ID", "Activity", "Complete Timestamp", "concept:name"]).activity
    'concept:name'
    """
    pairs = [(_score(f, c), -fi, -ci, f, c) for fi, f in enumerate(FIELDS) for ci, c in enumerate(columns) if _score(f, c) > 0]
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for _, _, _, f, c in sorted(pairs, reverse=True):
        if f not in chosen and c not in used:
            chosen[f] = c
            used.add(c)
    return ColumnMapping(**chosen)  # type: ignore[arg-type]  # keys are the str fields of FIELDS


def validate_mapping(mapping: ColumnMapping, columns: list[str], *, source: str, lang: str = "en") -> ColumnMapping:
    """Check that the required fields are mapped, to distinct columns that exist.

    Raises
    ------
    ColumnMappingError
        Naming the field, the column and listing the columns that do exist.
    """
    listed = ", ".join(f"`{c}`" for c in columns)
    for f, col in mapping.columns().items():
        if col not in columns:
            label = Phrase.using(partial(field_label, f))
            raise error(ColumnMappingError, _TEXT, "missing_column", lang, column=col, field=label, source=source, columns=listed)
    missing = [f for f in REQUIRED if getattr(mapping, f) is None]
    if missing:
        dates = [c for c in columns if _DATE_LIKE.search(c) and c not in mapping.columns().values()]
        hint = Phrase(_TEXT, "date_hint", columns=", ".join(f"`{c}`" for c in dates)) if dates else ""
        fields_ = Phrase.using(lambda lg: ", ".join(field_label(f, lg) for f in missing))
        raise error(ColumnMappingError, _TEXT, "missing_required", lang, fields=fields_, source=source, columns=listed, hint=hint)
    seen: dict[str, str] = {}
    for f in REQUIRED:
        col = getattr(mapping, f)
        if col in seen:
            a = Phrase.using(partial(field_label, seen[col]))
            b = Phrase.using(partial(field_label, f))
            raise error(ColumnMappingError, _TEXT, "same_column", lang, column=col, a=a, b=b)
        seen[col] = f
    return mapping


def mapping_from_dict(data: dict[str, Any], *, source: str = "mapping") -> ColumnMapping:
    """Build a mapping from a dict, rejecting unknown keys and wrong types."""
    allowed = [f.name for f in fields(ColumnMapping)]
    for key in data:
        if key not in allowed:
            raise error(
                ColumnMappingError, ERRORS, "columns.unknown_key_allowed_keys", source=source, key=key, value=", ".join(allowed)
            )
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            out[key] = None
        elif key == "dayfirst":
            if not isinstance(value, bool):
                raise error(ColumnMappingError, ERRORS, "columns.dayfirst_must_true_false", source=source, value=value)
            out[key] = value
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            out[key] = str(value)
        else:
            raise error(
                ColumnMappingError,
                ERRORS,
                "columns.must_column_name_text",
                source=source,
                key=key,
                kind=type(value).__name__,
                value=value,
            )
    return ColumnMapping(**out)


def load_mapping_file(path: str | Path) -> ColumnMapping:
    """Read a mapping from YAML.

    Example file::

        case_id: ID сделки
        activity: Стадия
        timestamp: Дата
        timestamp_format: dd.mm.yyyy hh:mm
        timezone: Europe/Moscow
    """
    p = Path(path)
    data = read_yaml(p, what="mapping file", error=ColumnMappingError, read_error=InputError)
    if not isinstance(data, dict):
        raise error(ColumnMappingError, ERRORS, "columns.expected_keys_such_case", name=p.name, kind=type(data).__name__)
    return mapping_from_dict(data, source=p.name)


def describe_mapping(mapping: ColumnMapping, lang: str = "en") -> str:
    """The mapping as lines a person reads.

    >>> print(describe_mapping(ColumnMapping(case_id="ID сделки", activity="Стадия", timestamp="Дата"), "ru"))
    ID кейса: ID сделки
    действие (стадия): Стадия
    время: Дата
    исполнитель: (не задано)
    роль: (не задано)
    жизненный цикл: (не задано)
    формат времени: определяется по значениям
    """
    lines = [f"{field_label(f, lang)}: {getattr(mapping, f) or text(_TEXT, 'not_mapped', lang)}" for f in FIELDS]
    lines.append(f"{text(_TEXT, 'format', lang)}: {mapping.timestamp_format or text(_TEXT, 'auto', lang)}")
    if mapping.timezone:
        lines.append(f"{text(_TEXT, 'zone', lang)}: {mapping.timezone}")
    return "\n".join(lines)
