"""The shipped rules_deals.yaml runs end to end on a small Russian CRM export."""

from __future__ import annotations

from pathlib import Path

from crmflow.quality.run import assess_quality
from tests.quality.test_run import validate

RULES = Path(__file__).resolve().parents[2] / "src" / "crmflow" / "quality" / "examples" / "rules_deals.yaml"

DEALS = """ID;Название сделки;Стадия сделки;Статус оплаты;Сумма;Ответственный;Компания;Дата создания;Дата закрытия
1;Поставка;Сделка успешна;Оплачено;100 000,00;Иванов;ООО Ромашка;01.03.2024;20.03.2024
2;Монтаж;Предложение;Не оплачено;;Петров;ООО Берёзка;02.03.2024;
3;Сервис;В работе;Не оплачено;5000;Петров;ООО Ромашка;03.03.2024;10.03.2024
4;Лицензии;Сделка успешна;Оплачено;;Иванов;ИП Сидоров;04.03.2024;
5;Обучение;Новая;Оплачено;1000;;ООО Ромашка;05.03.2024;
6;Аудит;Сделка успешна;Оплачено;50000;Петров;ООО Ромашка;06.03.2024;25.04.2024
"""
COMPANIES = """ID;Название компании;ИНН;КПП;ОГРН
10;ООО Ромашка;7707083893;773601001;1027700132195
11;ООО Берёзка;7707083894;7736AB001;1027700132196
"""
PAYMENTS = """payment_id;deal_id;amount;paid_at;manager
p1;1;100000;21.03.2024;Иванов
p2;6;45000;26.04.2024;Петров
"""
HISTORY = """ID сделки;Стадия;Дата
1;Новая;01.03.2024 10:00
1;Предложение;05.03.2024 10:00
1;Сделка успешна;20.03.2024 10:00
4;Новая;04.03.2024 10:00
4;Сделка успешна;04.03.2024 12:00
6;Новая;06.03.2024 10:00
6;Сделка успешна;25.04.2024 10:00
"""


def test_rules_deals_example(tmp_path: Path) -> None:
    files = []
    for name, content in (
        ("deals.csv", DEALS),
        ("companies.csv", COMPANIES),
        ("payments.csv", PAYMENTS),
        ("stage_history.csv", HISTORY),
    ):
        (tmp_path / name).write_bytes(content.encode("cp1251"))
        files.append(tmp_path / name)
    doc = assess_quality(files, rules=RULES, duplicates=False).data
    validate(doc)
    assert [e["name"] for e in doc["entities"]] == ["deals", "companies", "payments"]
    c = doc["completeness"]
    assert c["missing_ids"] == ["2", "4", "5"]  # 2: Предложение without amount; 4: won, no amount/date; 5: no manager
    assert c["stage_empty_ids"] == ["3"]  # В работе with a close date
    m = doc["consistency"]["matrices"][0]
    assert m["violation_ids"] == ["5"]  # Новая but paid
    refs = doc["consistency"]["references"][0]
    assert refs["orphan_ids"] == ["4"] and refs["missing_values"] == [{"value": "ИП Сидоров", "rows": 1}]
    seq = doc["consistency"]["sequences"][0]
    assert seq["violating_case_ids"] == ["4", "6"]
    r = doc["reconciliation"][0]
    assert (r["left_total"], r["right_total"], r["matches"]) == (150000.0, 145000.0, False)
    assert r["undated"] == {"left": 1, "right": 0}  # deal 4 is won without a close date
    assert [(d["period"], d["difference"]) for d in r["by_period"]] == [("2024-03", 0.0), ("2024-04", 5000.0)]
    companies = next(e for e in doc["entities"] if e["name"] == "companies")
    assert companies["validity"]["inn"]["invalid_ids"] == ["11"]
    assert companies["validity"]["ogrn"]["invalid_ids"] == ["11"]
    assert companies["validity"]["kpp"]["invalid_ids"] == []
    s = doc["score"]
    assert s["failing_records"] == 5 and s["overall"] == round(1 / 6, 6)  # only deal 1 passes everything
