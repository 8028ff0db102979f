"""Duplicate contacts and companies: probabilistic record linkage with explanations and merge proposals.

:func:`find_duplicates` reads an entity table from the store, normalises phones, e-mails, names
(Cyrillic and Latin spellings meet, typos and swapped first/last names are tolerated), INNs and company
names (:mod:`crmflow.quality.linkage_prepare`), scores candidate pairs with a Fellegi–Sunter model
learnt from the data by splink (:mod:`crmflow.quality.linkage_model`), groups pairs at or above the
threshold into clusters (connected components) and proposes, for each cluster, which record survives
and which value of each field to keep. The source table is only read.

Real CRMs are full of shared values — placeholder phones (``+7 000 000-00-00``), an office line,
``info@company.ru``. Placeholders are treated as empty, a key shared by more than ``max_key_records``
records is neither blocked on nor (phone, e-mail, INN) counted as agreement, and the candidate pairs
are kept under ``max_pairs_per_record`` × records; what was left out is listed in
:attr:`DuplicateReport.frequent_values`, and a model that could not be trained falls back to the
starting values with a warning.

>>> from crmflow.store.store import EventStore
>>> store = EventStore()
>>> _ = store.sql("CREATE TABLE contacts AS SELECT * FROM (VALUES "
...     "(1, 'Щербаков Юрий', '8 (916) 123-45-67', 'yury@mail.ru'), "
...     "(2, 'Yuriy Shcherbakov', '+7 916 1234567', NULL), "
...     "(3, 'Щербаков Юрий', '+7 903 000-11-22', 'other@bk.ru')) t(id, fio, tel, mail)")
>>> report = find_duplicates(store, "contacts", entity="contact", id_column="id",
...                          fields=DuplicateFields(name="fio", phone="tel", email="mail"))
>>> report.clusters
[['1', '2']]
>>> report.merges[0].survivor, report.merges[0].merged
('1', ['2'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email

from crmflow.base.numbers import format_number, format_percent
from crmflow.errors import QualityRulesError
from crmflow.i18n import error, text
from crmflow.ingest.raw import ProgressFn
from crmflow.jsonable import JsonMixin
from crmflow.quality.duplicate_messages import MESSAGES, field_name, level_name
from crmflow.quality.error_messages import ERRORS
from crmflow.quality.identifiers import check_inn
from crmflow.quality.linkage_blocking import FrequentValue
from crmflow.quality.linkage_model import active_fields, run_linkage
from crmflow.quality.linkage_prepare import DuplicateFields, normalize_phone, read_records
from crmflow.store.store import EventStore

__all__ = [
    "DuplicateFields",
    "DuplicatePair",
    "DuplicateReport",
    "DuplicateWarning",
    "FieldChoice",
    "FrequentValue",
    "MergeProposal",
    "find_duplicates",
]

#: Default match-probability threshold: a pair at or above it is a duplicate.
DEFAULT_THRESHOLD = 0.9
#: Default cap: a key value (phone, e-mail, name…) shared by more records is not used to find pairs.
DEFAULT_MAX_KEY_RECORDS = 50
#: Default bound of the candidate pairs, per record of the table.
DEFAULT_MAX_PAIRS_PER_RECORD = 50


@dataclass(frozen=True)
class DuplicatePair(JsonMixin):
    """Two records judged to be one, with why.

    ``agreements`` maps each compared field to its comparison level (``exact``, ``swapped``,
    ``typo``, ``same_local_part``, ``surname_only``, ``different``, ``missing``…);
    ``field_weights`` maps it to its contribution to the match weight (log2 of its Bayes factor).
    """

    id_a: str
    id_b: str
    match_weight: float
    probability: float
    agreements: dict[str, str]
    field_weights: dict[str, float] = field(default_factory=dict)
    #: Why a pair scoring at or above the threshold is *not* a duplicate (``different_people``,
    #: ``company_only``); None for a duplicate.
    rejected: str | None = None

    def reasons(self, lang: str = "en") -> list[str]:
        """Each compared field: its level of agreement and its weight (``телефон: совпадает (+8,1)``)."""
        parts = []
        for f, level in self.agreements.items():
            w = self.field_weights.get(f)
            key = "field" if w is not None and level != "missing" else "field_no_weight"
            parts.append(
                text(MESSAGES, key, lang, field=field_name(f, lang), level=level_name(level, lang), w=signed(w or 0.0, lang))
            )
        return parts

    def explain(self, lang: str = "en") -> str:
        """One sentence: which fields agreed, at which level, with which weight — and, for a rejected
        pair, why it is not a duplicate.

        >>> DuplicatePair("1", "2", 12.5, 0.9993, {"phone": "exact"}, {"phone": 8.25}).explain("ru")
        '1 и 2 — вероятно, одна запись (вероятность 99,9\xa0%, вес совпадения +12,5): телефон: совпадает (+8,2)'
        """
        return text(
            MESSAGES,
            "pair" if self.rejected is None else f"rejected.{self.rejected}",
            lang,
            a=self.id_a,
            b=self.id_b,
            p=format_percent(self.probability, lang),
            w=signed(self.match_weight, lang),
            details="; ".join(self.reasons(lang)),
        )


def signed(value: float, lang: str) -> str:
    """A weight with its sign and one decimal in the language's notation (``+8,1``, ``−2.4``).

    >>> signed(8.06, "ru"), signed(-2.44, "en")
    ('+8,1', '−2.4')
    """
    return ("−" if value < 0 else "+") + format_number(abs(value), lang, digits=1)


@dataclass(frozen=True)
class FieldChoice(JsonMixin):
    """The value proposed for one field of the merged record, and the record it comes from."""

    value: Any
    from_id: str


@dataclass(frozen=True)
class MergeProposal(JsonMixin):
    """Which record of a cluster survives, why, and the best value of each field."""

    survivor: str
    merged: list[str]
    reason_en: str
    reason_ru: str
    field_values: dict[str, FieldChoice]


@dataclass(frozen=True)
class DuplicateWarning(JsonMixin):
    """Something the consultant should know about this run (``code``: ``frequent_values``,
    ``pair_budget``, ``training_failed``), in English and Russian."""

    code: str
    en: str
    ru: str


@dataclass(frozen=True)
class DuplicateReport(JsonMixin):
    """Duplicate clusters of one entity table, the scored pairs behind them and merge proposals.

    ``frequent_values`` lists (the 100 largest of) the ``frequent_values_total`` values left out of
    the linkage — placeholders, keys shared by more than ``max_key_records`` records, keys dropped to
    keep the ``candidate_pairs`` (an upper bound of the pairs scored) under ``pair_budget``.
    """

    entity: str
    records: int
    clusters: list[list[str]]
    pairs: list[DuplicatePair]
    merges: list[MergeProposal]
    threshold: float = DEFAULT_THRESHOLD
    trained: bool = False
    prior: float = 0.0
    frequent_values: list[FrequentValue] = field(default_factory=list)
    frequent_values_total: int = 0
    candidate_pairs: int = 0
    pair_budget: int = 0
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS
    warnings: list[DuplicateWarning] = field(default_factory=list)
    #: Pairs that scored at or above the threshold but are not duplicates, each with its reason
    #: (:attr:`DuplicatePair.rejected`): two people sharing a phone or only a company.
    rejected: list[DuplicatePair] = field(default_factory=list)
    #: The values of every record of a cluster, by record id and field (``name``, ``phone``, ``email``,
    #: ``inn``, ``company``…, ``updated_at``) as read from the table: what a person checks side by side.
    record_values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def duplicate_records(self) -> int:
        """Records that would disappear if every merge were applied."""
        return sum(len(c) - 1 for c in self.clusters)


#: Entity names of organisations (their name column is the company's name, their INN its own).
_COMPANY_WORDS = ("compan", "account", "organi", "firm", "legal", "компан", "организац", "контрагент", "юрлиц", "фирм")


def _is_company(entity: str) -> bool:
    """Whether an entity table holds organisations rather than people (by its name).

    >>> _is_company("companies"), _is_company("Компании"), _is_company("contact")
    (True, True, False)
    """
    name = entity.lower()
    return any(w in name for w in _COMPANY_WORDS)


def _id_key(value: str) -> tuple[int, int, str]:
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _valid(kind: str, value: Any) -> bool:
    return _filled(value) and _valid_text(kind, str(value))


@lru_cache(maxsize=100_000)
def _valid_text(kind: str, value: str) -> bool:
    if kind == "phone":
        return normalize_phone(value) is not None
    if kind == "email":
        try:
            validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError:
            return False
        return True
    if kind == "inn":
        return check_inn(value).valid
    return True


def _stamp(value: Any) -> datetime | str | None:
    return value if _filled(value) else None


def _recency(value: Any) -> tuple[int, str]:
    stamp = _stamp(value)
    return (0, "") if stamp is None else (1, stamp.isoformat() if isinstance(stamp, datetime) else str(stamp))


def _merge(cluster: list[str], rows: dict[str, dict[str, Any]], compared: list[str]) -> MergeProposal:
    total = len(compared)
    filled = {i: sum(_filled(rows[i].get(f)) for f in compared) for i in cluster}
    best_fill = max(filled.values())
    candidates = [i for i in cluster if filled[i] == best_fill]
    reason = "most_complete"
    if len(candidates) > 1:
        best_time = max(_recency(rows[i].get("updated_at")) for i in candidates)
        recent = [i for i in candidates if _recency(rows[i].get("updated_at")) == best_time]
        reason = "most_recent" if len(recent) == 1 else "smallest_id"
        candidates = recent
    survivor = min(candidates, key=_id_key)
    merged = sorted((i for i in cluster if i != survivor), key=_id_key)
    stamp = _stamp(rows[survivor].get("updated_at"))
    args = {
        "id": survivor,
        "others": ", ".join(merged),
        "filled": filled[survivor],
        "total": total,
        "updated": stamp.isoformat(sep=" ") if isinstance(stamp, datetime) else str(stamp),
    }
    values: dict[str, FieldChoice] = {}
    for f in compared:

        def rank(i: str, f: str = f) -> tuple[Any, ...]:
            if f in ("phone", "email", "inn"):  # the valid value of the most recent record; survivor's on a tie
                return (_valid(f, rows[i].get(f)), _filled(rows[i].get(f)), _recency(rows[i].get("updated_at")), i == survivor)
            return (_filled(rows[i].get(f)), i == survivor, _recency(rows[i].get("updated_at")))

        ranked = sorted(cluster, key=rank)
        pick = ranked[-1]
        values[f] = FieldChoice(value=rows[pick].get(f), from_id=pick)
    return MergeProposal(
        survivor=survivor,
        merged=merged,
        reason_en=text(MESSAGES, reason, "en", **args),
        reason_ru=text(MESSAGES, reason, "ru", **args),
        field_values=values,
    )


def _pairs(rows: list[dict[str, Any]], compared: list[str], levels: dict[str, list[str]]) -> list[DuplicatePair]:
    """Scored pairs (splink's rows) as explained pairs, sorted by ids."""
    pairs = []
    for row in rows:
        a, b = sorted((str(row["unique_id_l"]), str(row["unique_id_r"])))
        agreements, weights = {}, {}
        for f in compared:
            gamma = row.get(f"gamma_{f}")
            agreements[f] = "missing" if gamma is None or gamma < 0 else levels[f][gamma]
            w = row.get(f"mw_{f}")
            if w is not None and agreements[f] != "missing":
                weights[f] = round(float(w), 3)
        pairs.append(
            DuplicatePair(
                id_a=a,
                id_b=b,
                match_weight=round(float(row["match_weight"]), 3),
                probability=float(row["match_probability"]),
                agreements=agreements,
                field_weights=weights,
                rejected=row.get("crmflow_rejected"),
            )
        )
    pairs.sort(key=lambda p: (p.id_a, p.id_b))
    return pairs


def find_duplicates(
    store: EventStore,
    table: str,
    *,
    entity: str,
    id_column: str,
    fields: DuplicateFields,
    threshold: float = DEFAULT_THRESHOLD,
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS,
    max_pairs_per_record: int = DEFAULT_MAX_PAIRS_PER_RECORD,
    progress: ProgressFn | None = None,
) -> DuplicateReport:
    """Find duplicate records of ``table`` by probabilistic record linkage.

    Parameters
    ----------
    store
        The store holding the entity table (only read).
    table
        Name of the entity table (one row per contact or company).
    entity
        What a row is (``contact``, ``company``…), carried into the report.
    id_column
        The column naming each record; clusters and merges use its values as strings.
    fields
        Which columns hold the phone, e-mail, names, INN, company and last-update time.
    threshold
        Match probability (0–1) at or above which two records are judged the same.
    max_key_records
        A phone, e-mail, INN, name… shared by more records is not used to find pairs (and a shared
        phone, e-mail or INN is not counted as agreement); it is listed in ``frequent_values``.
    max_pairs_per_record
        The candidate pairs are kept under this many × records: the keys with most records are dropped
        first until the estimate fits.
    progress
        Called with the name of each step.

    Returns
    -------
    DuplicateReport
        Clusters (each sorted, sorted), the pairs at or above the threshold with their explanations,
        a merge proposal per cluster, the values left out and warnings.

    Raises
    ------
    QualityRulesError
        On a threshold or cap out of range.
    DuplicateDetectionError
        If the pairs cannot be scored (a subclass of QualityRulesError).
    """
    if not 0 < threshold < 1:
        raise error(QualityRulesError, ERRORS, "duplicates.duplicate_threshold_not_probability", threshold=threshold)
    for name, value, least in (("max_key_records", max_key_records, 2), ("max_pairs_per_record", max_pairs_per_record, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise error(
                QualityRulesError,
                ERRORS,
                "duplicates.duplicate_detection_must_whole",
                name=name,
                value=value,
                least=least,
            )
    step = progress or (lambda _msg: None)
    step(f"{entity}: normalising phones, e-mails, names, INN")
    records = read_records(store, table, id_column=id_column, fields=fields)
    mapped = fields.mapped()
    people = False if _is_company(entity) else None
    compared = active_fields(list(mapped), people=people)
    if records.num_rows < 2 or not compared:
        return DuplicateReport(entity=entity, records=records.num_rows, clusters=[], pairs=[], merges=[], threshold=threshold)
    step(f"{entity}: learning the linkage model and scoring pairs")
    result = run_linkage(
        records,
        fields=compared,
        threshold=threshold,
        settings=store.settings,
        max_key_records=max_key_records,
        max_pairs_per_record=max_pairs_per_record,
        people=people,
    )
    step(f"{entity}: clusters and merge proposals")
    groups: dict[Any, list[str]] = {}
    for uid, cid in zip(
        result.clusters.column("unique_id").to_pylist(), result.clusters.column("cluster_id").to_pylist(), strict=True
    ):
        groups.setdefault(cid, []).append(str(uid))
    clusters = sorted(sorted(g) for g in groups.values())
    pairs = _pairs(result.pairs.to_pylist(), compared, result.levels)
    rejected = _pairs(result.rejected.to_pylist() if result.rejected is not None else [], compared, result.levels)
    in_cluster = {i for c in clusters for i in c}
    raw_cols = [c for c in records.column_names if c.startswith("raw_")]
    rows: dict[str, dict[str, Any]] = {}
    ids = records.column("unique_id").to_pylist()
    columns = {c[4:]: records.column(c).to_pylist() for c in raw_cols}
    for k, uid in enumerate(ids):
        if uid in in_cluster:
            rows[uid] = {f: vals[k] for f, vals in columns.items()}
    merge_fields = [f for f in mapped if f != "updated_at"]
    merges = [_merge(c, rows, merge_fields) for c in clusters]
    plan = result.plan
    counts = {
        "n": plan.frequent_total if plan else 0,
        "k": max_key_records,
        "pairs": plan.candidate_pairs if plan else 0,
        "budget": plan.pair_budget if plan else 0,
    }

    def say(code: str, lang: str) -> str:
        numbers = {k: format_number(v, lang) for k, v in counts.items()}
        return text(MESSAGES, code, lang, **numbers, error=result.training_error or "")

    warnings = [DuplicateWarning(code=c, en=say(c, "en"), ru=say(c, "ru")) for c in result.warnings]
    return DuplicateReport(
        entity=entity,
        records=records.num_rows,
        clusters=clusters,
        pairs=pairs,
        merges=merges,
        threshold=threshold,
        trained=result.trained,
        prior=result.prior,
        frequent_values=result.frequent,
        frequent_values_total=plan.frequent_total if plan else 0,
        candidate_pairs=plan.candidate_pairs if plan else 0,
        pair_budget=plan.pair_budget if plan else 0,
        max_key_records=max_key_records,
        warnings=warnings,
        rejected=rejected,
        record_values={uid: rows[uid] for c in clusters for uid in c},
    )
