"""Column-mapping detection, mapping files and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import ColumnMappingError
from crmflow.ingest.columns import (
    ColumnMapping,
    describe_mapping,
    detect_mapping,
    load_mapping_file,
    normalize,
    validate_mapping,
)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        # Bitrix24 stage history, UI export: the specific `ID сделки` beats the generic `ID`.
        (["ID", "Тип", "ID сделки", "Воронка", "Стадия", "Группа стадии", "Дата"], ("ID сделки", "Стадия", "Дата", None)),
        # Bitrix24 crm.stagehistory.list (deals and leads)
        (
            ["ID", "TYPE_ID", "OWNER_ID", "CATEGORY_ID", "STAGE_ID", "STAGE_SEMANTIC_ID", "CREATED_TIME"],
            ("OWNER_ID", "STAGE_ID", "CREATED_TIME", None),
        ),
        (
            ["ID", "TYPE_ID", "OWNER_ID", "STATUS_ID", "STATUS_SEMANTIC_ID", "CREATED_TIME"],
            ("OWNER_ID", "STATUS_ID", "CREATED_TIME", None),
        ),
        # amoCRM events
        (
            ["id", "type", "entity_id", "entity_type", "created_by", "created_at"],
            ("entity_id", "type", "created_at", "created_by"),
        ),
        # Salesforce OpportunityHistory: OwnerId is a user, not the case
        (
            ["Id", "OpportunityId", "CreatedById", "CreatedDate", "StageName", "Amount", "OwnerId"],
            ("OpportunityId", "StageName", "CreatedDate", "CreatedById"),
        ),
        # XES names win over synonyms
        (
            ["Case ID", "Activity", "Resource", "Complete Timestamp", "org:role", "concept:name"],
            ("Case ID", "concept:name", "Complete Timestamp", "Resource"),
        ),
        (
            ["case:concept:name", "concept:name", "time:timestamp", "org:resource"],
            ("case:concept:name", "concept:name", "time:timestamp", "org:resource"),
        ),
        # Russian generic export; ё and underscores normalised
        (
            ["Номер_заявки", "Статус", "Дата изменения", "Ответственный", "Отдел"],
            ("Номер_заявки", "Статус", "Дата изменения", "Ответственный"),
        ),
        (["Сделка", "Этап", "Дата и время", "Кем изменено", "Дата создания"], ("Сделка", "Этап", "Дата и время", "Кем изменено")),
        (["CaseID", "ActivityID", "CompleteTimestamp"], ("CaseID", "ActivityID", "CompleteTimestamp", None)),
    ],
)
def test_detect_mapping(columns: list[str], expected: tuple) -> None:
    m = detect_mapping(columns)
    assert (m.case_id, m.activity, m.timestamp, m.resource) == expected


def test_detect_mapping_role_and_lifecycle() -> None:
    m = detect_mapping(["case_id", "activity", "timestamp", "Исполнитель", "Роль", "lifecycle:transition"])
    assert (m.resource, m.role, m.lifecycle) == ("Исполнитель", "Роль", "lifecycle:transition")


def test_each_column_used_once() -> None:
    m = detect_mapping(["Дата", "Время"])
    assert m.timestamp == "Дата"
    assert m.case_id is None and m.activity is None


def test_normalize() -> None:
    assert normalize("  Кем_Изменено ") == normalize("кем изменено") == "кемизменено"
    assert normalize("Счёт") == "счет"


def test_missing_timestamp_lists_columns_and_date_like_ones() -> None:
    cols = ["opportunity_id", "sales_agent", "deal_stage", "engage_date", "close_date"]
    with pytest.raises(ColumnMappingError) as err:
        validate_mapping(detect_mapping(cols), cols, source="sales_pipeline.csv")
    msg = str(err.value)
    assert "timestamp" in msg and "sales_pipeline.csv" in msg
    assert "`opportunity_id`, `sales_agent`, `deal_stage`, `engage_date`, `close_date`" in msg
    assert "look like dates: `engage_date`, `close_date`" in msg


def test_missing_column_in_russian() -> None:
    with pytest.raises(ColumnMappingError, match="нет; есть столбцы: `a`, `b`"):
        validate_mapping(ColumnMapping(case_id="x", activity="a", timestamp="b"), ["a", "b"], source="f.csv", lang="ru")


def test_same_column_for_two_required_fields() -> None:
    with pytest.raises(ColumnMappingError, match="both"):
        validate_mapping(ColumnMapping(case_id="a", activity="a", timestamp="b"), ["a", "b"], source="f")


def test_load_mapping_file(tmp_path: Path) -> None:
    p = tmp_path / "map.yaml"
    p.write_text(
        "case_id: ID сделки\nactivity: Стадия\ntimestamp: Дата\ntimestamp_format: dd.mm.yyyy hh:mm\n"
        "timezone: Europe/Moscow\ndayfirst: true\n",
        encoding="utf-8",
    )
    m = load_mapping_file(p)
    assert m == ColumnMapping(
        case_id="ID сделки", activity="Стадия", timestamp="Дата", timestamp_format="dd.mm.yyyy hh:mm", timezone="Europe/Moscow"
    )


def test_load_mapping_file_unknown_key(tmp_path: Path) -> None:
    p = tmp_path / "map.yaml"
    p.write_text("case: ID\nactivity: Стадия\n", encoding="utf-8")
    with pytest.raises(ColumnMappingError) as err:
        load_mapping_file(p)
    assert "unknown key `case`" in str(err.value)
    assert "case_id, activity, timestamp" in str(err.value)


@pytest.mark.parametrize("content", ["- a\n- b\n", "case_id: [1, 2]\n", "dayfirst: maybe\n", "a: [\n"])
def test_load_mapping_file_bad_content(tmp_path: Path, content: str) -> None:
    p = tmp_path / "map.yaml"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ColumnMappingError, match="map.yaml"):
        load_mapping_file(p)


def test_describe_mapping() -> None:
    m = ColumnMapping(case_id="ID сделки", activity="Стадия", timestamp="Дата", timezone="Europe/Moscow")
    en = describe_mapping(m, "en")
    assert "case id: ID сделки" in en and "resource: (not mapped)" in en and "Europe/Moscow" in en
    assert "ID кейса: ID сделки" in describe_mapping(m, "ru")
