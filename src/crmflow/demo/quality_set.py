"""Demo CRM records for ``crmflow quality``: contacts, companies and deals with planted problems.

:func:`generate_quality_demo` writes three files and the rules that check them:

* ``contacts.csv`` — people from :func:`crmflow.demo.contacts.generate_contacts` (duplicate clusters a
  CRM would not recognise: transliterated names, typos, re-formatted phones), plus invalid phones
  (too short, placeholders, letters, too long), e-mails that are not addresses, and records without
  a last name;
* ``companies.csv`` — companies from :func:`~crmflow.demo.contacts.generate_companies` (duplicate
  clusters) with INNs that fail the checksum or have the wrong length;
* ``deals.csv`` — a Bitrix24-style deal list (cp1251, ``;``, Russian headers, amounts as
  ``125 000,50``) with deals in a late stage without an amount, unreadable amounts, references to
  companies that do not exist, and deals closed before they were created;

and ``rules_quality.yaml`` next to them. The problems are planted on records outside any duplicate
cluster (so the duplicate truth stays exact), and the ground truth is computed from the rows
written: it is what ``quality.json`` must report (``validity.phone.invalid_ids`` …,
``duplicates.clusters``, per entity under ``entities[]``).
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crmflow.demo.bitrix import STAGES
from crmflow.demo.contacts import ContactSet, generate_companies, generate_contacts

__all__ = ["BAD_EMAILS", "BAD_INNS", "BAD_PHONES", "QualityDemo", "generate_quality_demo"]

RULES_PATH = Path(__file__).with_name("rules_quality.yaml")

#: Phones a CRM accepts but no one can call (each is judged invalid for the reason in the comment).
BAD_PHONES = (
    "123-45",  # too short
    "+7 000 000-00-00",  # placeholder
    "8 (916) ABC-12-34",  # letters
    "+7 916 123 45 67 89",  # too long
    "не указан",  # letters
    "8-916-12-34",  # too short
    "7777777777",  # placeholder
    "8 (800) 00",  # too short
)
#: E-mail cells that are not addresses.
BAD_EMAILS = ("ivanov@", "olga@@mail.ru", "petrov mail.ru", "anna.smirnova@mail", "нет", "sales@ya ru")
#: INNs with a wrong check digit or length.
BAD_INNS = ("7707083894", "12345", "770708389301", "77070838930", "5024051234", "0000000000")

_DEAL_HEADER = (
    "ID",
    "Название сделки",
    "ID компании",
    "Стадия сделки",
    "Сумма",
    "Дата создания",
    "Дата закрытия",
    "Ответственный",
)
_MANAGERS = ("Иванова Мария", "Петров Сергей", "Кузнецова Анна", "Соколов Дмитрий", "Смирнов Алексей", "Волкова Ольга")
_TITLES = ("Поставка оборудования", "Лицензии 1С", "Внедрение CRM", "Сервисный договор", "Обучение персонала", "Аренда серверов")
_AMOUNT_STAGES = set(STAGES[3:8])  # Коммерческое предложение … Оплата получена need an amount
_CLOSED_STAGES = (STAGES[7], STAGES[8])  # Оплата получена, Сделка проиграна


@dataclass(frozen=True)
class QualityDemo:
    """What :func:`generate_quality_demo` wrote, and the ground truth planted in it.

    Attributes
    ----------
    files
        ``contacts``, ``companies``, ``deals`` → path (the order is the order to pass to
        ``assess_quality``: contacts first, so they are the primary entity of ``quality.json``).
    rules_path
        ``rules_quality.yaml`` copied next to the files.
    ground_truth_path
        ``planted`` as UTF-8 JSON.
    planted
        ``contacts``: ``invalid_phone_ids``, ``invalid_email_ids``, ``missing_ids``, ``clusters``;
        ``companies``: ``invalid_inn_ids``, ``clusters``; ``deals``: ``missing_amount_ids``,
        ``bad_amount_ids``, ``orphan_company_ids``, ``closed_before_created_ids`` (ids as ints).
    """

    files: dict[str, Path]
    rules_path: Path
    ground_truth_path: Path
    planted: dict[str, Any]

    @property
    def inputs(self) -> list[Path]:
        """The files in the order ``assess_quality`` should read them."""
        return [self.files["contacts"], self.files["companies"], self.files["deals"]]


def _singletons(
    data: ContactSet, rng: random.Random, k: int, *, needs: str | None = None, taken: set[int] | None = None
) -> list[dict[str, Any]]:
    """``k`` records outside any duplicate cluster (with a value in ``needs``), none already taken."""
    sizes: dict[int, int] = {}
    for eid in data.truth.values():
        sizes[eid] = sizes.get(eid, 0) + 1
    used = taken if taken is not None else set()
    pool = [r for r in data.rows if sizes[data.truth[r["id"]]] == 1 and r["id"] not in used and (needs is None or r.get(needs))]
    chosen = rng.sample(pool, k)
    used.update(r["id"] for r in chosen)
    return chosen


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _money(rubles: int) -> str:
    return f"{rubles:,}".replace(",", " ") + ",00"


def _deals(rng: random.Random, company_ids: list[int], n: int) -> tuple[list[list[str]], dict[str, list[int]]]:
    """Deal rows (as written) and the planted problems by kind."""
    start = datetime(2025, 9, 1, 9, 0)
    rows: list[list[str]] = []
    for i in range(n):
        deal_id = 70_001 + i
        stage = rng.choice(STAGES)
        created = start + timedelta(days=rng.randrange(150), minutes=rng.randrange(600))
        closed = created + timedelta(days=rng.randrange(1, 40)) if stage in _CLOSED_STAGES else None
        rows.append(
            [
                str(deal_id),
                f"{rng.choice(_TITLES)} №{deal_id}",
                str(rng.choice(company_ids)),
                stage,
                _money(rng.randrange(20, 3000) * 1000),
                created.strftime("%d.%m.%Y %H:%M"),
                closed.strftime("%d.%m.%Y %H:%M") if closed else "",
                rng.choice(_MANAGERS),
            ]
        )
    planted: dict[str, list[int]] = {}
    order = list(range(n))
    rng.shuffle(order)
    late = [i for i in order if rows[i][3] in _AMOUNT_STAGES]
    planted["missing_amount_ids"] = [int(rows[i][0]) for i in late[:7]]
    for i in late[:7]:
        rows[i][4] = ""
    rest = [i for i in order if i not in set(late[:7])]
    for i, bad in zip(rest[:3], ("12 5OO,00", "сто тысяч", "1 250 000,50 руб. + НДС"), strict=True):
        rows[i][4] = bad
    planted["bad_amount_ids"] = [int(rows[i][0]) for i in rest[:3]]
    for j, i in enumerate(rest[3:7]):
        rows[i][2] = str(599_901 + j)  # no such company
    planted["orphan_company_ids"] = [int(rows[i][0]) for i in rest[3:7]]
    closed_rows = [i for i in rest[7:] if rows[i][6]]
    for i in closed_rows[:4]:
        created = datetime.strptime(rows[i][5], "%d.%m.%Y %H:%M")
        rows[i][6] = (created - timedelta(days=rng.randrange(2, 20))).strftime("%d.%m.%Y %H:%M")
    planted["closed_before_created_ids"] = [int(rows[i][0]) for i in closed_rows[:4]]
    return rows, {k: sorted(v) for k, v in planted.items()}


def generate_quality_demo(
    out_dir: str | Path, *, n_contacts: int = 500, n_companies: int = 200, n_deals: int = 240, seed: int = 11
) -> QualityDemo:
    """Write the demo contacts, companies and deals with planted problems, and their rules.

    Parameters
    ----------
    out_dir
        Folder to write (created).
    n_contacts, n_companies, n_deals
        Records per entity.
    seed
        Random seed (the same seed writes the same files).

    Returns
    -------
    QualityDemo
        The files, the rules and the ground truth.

    Examples
    --------
    >>> import tempfile
    >>> demo = generate_quality_demo(tempfile.mkdtemp(), n_contacts=120, n_companies=60, n_deals=60)
    >>> len(demo.planted["contacts"]["invalid_phone_ids"]), len(demo.planted["companies"]["invalid_inn_ids"])
    (8, 6)
    """
    rng = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    contacts = generate_contacts(n_records=n_contacts, seed=seed)
    taken: set[int] = set()
    for row, bad in zip(_singletons(contacts, rng, len(BAD_PHONES), needs="phone", taken=taken), BAD_PHONES, strict=True):
        row["phone"] = bad
    for row, bad in zip(_singletons(contacts, rng, len(BAD_EMAILS), needs="email", taken=taken), BAD_EMAILS, strict=True):
        row["email"] = bad
    for row in _singletons(contacts, rng, 6, needs="last_name", taken=taken):
        row["last_name"] = None
    companies = generate_companies(n_records=n_companies, seed=seed)
    for row, bad in zip(_singletons(companies, rng, len(BAD_INNS), needs="inn"), BAD_INNS, strict=True):
        row["inn"] = bad
    deal_rows, deal_truth = _deals(rng, [r["id"] for r in companies.rows], n_deals)

    files = {"contacts": out / "contacts.csv", "companies": out / "companies.csv", "deals": out / "deals.csv"}
    _write_csv(files["contacts"], contacts.rows)
    _write_csv(files["companies"], companies.rows)
    with open(files["deals"], "w", encoding="cp1251", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        w.writerow(_DEAL_HEADER)
        w.writerows(deal_rows)
    rules = out / RULES_PATH.name
    shutil.copyfile(RULES_PATH, rules)

    # the truth, read back from the rows as written
    planted = {
        "contacts": {
            "invalid_phone_ids": sorted(r["id"] for r in contacts.rows if r["phone"] in BAD_PHONES),
            "invalid_email_ids": sorted(r["id"] for r in contacts.rows if r["email"] in BAD_EMAILS),
            "missing_ids": sorted(r["id"] for r in contacts.rows if not r["last_name"] or not r["first_name"]),
            "clusters": contacts.true_clusters(),
        },
        "companies": {
            "invalid_inn_ids": sorted(r["id"] for r in companies.rows if r["inn"] in BAD_INNS),
            "clusters": companies.true_clusters(),
        },
        "deals": deal_truth,
    }
    truth_path = out / "quality_ground_truth.json"
    truth_path.write_text(json.dumps(planted, ensure_ascii=False, indent=1), encoding="utf-8")
    return QualityDemo(files=files, rules_path=rules, ground_truth_path=truth_path, planted=planted)
