"""Duplicate clusters a person can check: the records' fields side by side, each pair's score and why.

``quality.json`` keeps, per entity, the clusters (record ids), the scored pairs behind them (match
probability, the level of agreement and the weight of every compared field), the merge proposals and
the values of every clustered record (:attr:`crmflow.quality.duplicates.DuplicateReport.record_values`).
:func:`duplicate_clusters` turns that into typed clusters worded in one language, for the quality page
(:mod:`crmflow.quality.html`) and the pack (``deliverables/``), so that both show the same evidence.

>>> dup = {"clusters": [["1", "2"]], "fields": {"name": "ФИО", "phone": "Телефон"},
...        "record_values": {"1": {"name": "Петров Иван", "phone": "8 916 123-45-67"},
...                    "2": {"name": "Petrov Ivan", "phone": "+79161234567"}},
...        "pairs": [{"id_a": "1", "id_b": "2", "match_weight": 11.2, "probability": 0.9996,
...                   "agreements": {"name": "typo", "phone": "exact"}, "field_weights": {"name": 3.1, "phone": 8.1}}],
...        "merges": [{"survivor": "2", "merged": ["1"], "reason_en": "2 survives.", "reason_ru": "Остаётся 2."}]}
>>> c = duplicate_clusters(dup, entity="contacts", lang="ru")[0]
>>> [r.id for r in c.records], c.records[0].survivor, c.records[0].values
(['2', '1'], True, ('Petrov Ivan', '+79161234567'))
>>> c.headers, c.pairs[0].score
(('ФИО', 'телефон'), '>99,9\\xa0%')
>>> c.pairs[0].reasons
('телефон: совпадает (+8,1)', 'ФИО: совпадает с точностью до опечатки или написания (+3,1)')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crmflow.base.numbers import format_number, format_percent
from crmflow.i18n import check_lang
from crmflow.quality.duplicate_messages import field_name, report_text
from crmflow.quality.duplicates import DuplicatePair

#: The order fields are shown in (who, how to reach them, which organisation, when updated).
FIELD_ORDER = ("name", "last_name", "first_name", "middle_name", "phone", "email", "inn", "company", "updated_at")


@dataclass(frozen=True)
class ClusterRecord:
    """One record of a cluster: its id, whether it survives the proposed merge, its values by field."""

    id: str
    survivor: bool
    #: One value per field of the cluster (``DuplicateCluster.fields``), as read; "" when empty.
    values: tuple[str, ...]


@dataclass(frozen=True)
class ClusterPair:
    """Two records of a cluster judged to be one, with the score and the fields that made it."""

    id_a: str
    id_b: str
    probability: float
    #: The match probability in the language's notation (``99,8 %``).
    score: str
    #: Each field compared (filled in both records) with its level of agreement and weight, the heaviest first.
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DuplicateCluster:
    """A duplicate cluster of one entity, ready to be checked by a person."""

    entity: str
    number: int
    #: The logical fields shown (``name``, ``phone``…), and their column names in the source.
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    #: The field names in the page's language (``ФИО``, ``телефон``…).
    headers: tuple[str, ...]
    #: The survivor first, then the records merged into it.
    records: tuple[ClusterRecord, ...]
    pairs: tuple[ClusterPair, ...]
    #: Why the survivor was chosen ("" when the document has no merge proposal).
    merge_reason: str

    @property
    def lowest(self) -> float | None:
        """The lowest match probability of the pairs that hold the cluster together."""
        return min((p.probability for p in self.pairs), default=None)

    def title(self, lang: str) -> str:
        """``Кластер 3: записей — 2, вероятность совпадения 99,8 %`` (a range when its pairs differ)."""
        n, records = format_number(self.number, lang), format_number(len(self.records), lang)
        if not self.pairs:
            return report_text("cluster.title_unscored", lang, n=n, records=records)
        high, low = self.pairs[0].score, self.pairs[-1].score
        if high == low:
            return report_text("cluster.title", lang, n=n, records=records, score=high)
        return report_text("cluster.title_range", lang, n=n, records=records, low=low, high=high)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    if len(text) >= 19 and text[10] == "T" and text[:4].isdigit():  # an ISO timestamp written by to_jsonable
        return text.replace("T", " ", 1)
    return text


def score(probability: float, lang: str) -> str:
    """A match probability as a percentage; one just under 1 is not rounded up to a certain 100 %.

    >>> score(0.98765, "ru"), score(0.99999, "en"), score(1.0, "en")
    ('98,8\xa0%', '>99.9%', '100%')
    """
    if 0.999 < probability < 1:
        return ">" + format_percent(0.999, lang)
    return format_percent(probability, lang)


def _pair(raw: Mapping[str, Any]) -> DuplicatePair:
    return DuplicatePair(
        id_a=str(raw["id_a"]),
        id_b=str(raw["id_b"]),
        match_weight=float(raw.get("match_weight") or 0.0),
        probability=float(raw.get("probability") or 0.0),
        agreements=dict(raw.get("agreements") or {}),
        field_weights=dict(raw.get("field_weights") or {}),
    )


def _reasons(pair: DuplicatePair, lang: str) -> tuple[str, ...]:
    """The fields that were compared (a field empty in either record adds nothing), the heaviest first."""
    compared = {f: level for f, level in pair.agreements.items() if level != "missing"}
    weighed = DuplicatePair(pair.id_a, pair.id_b, pair.match_weight, pair.probability, compared, pair.field_weights)
    worded = dict(zip(compared, weighed.reasons(lang), strict=True))
    return tuple(worded[f] for f in sorted(compared, key=lambda f: -pair.field_weights.get(f, 0.0)))


def duplicate_clusters(
    duplicates: Mapping[str, Any], *, entity: str, lang: str, limit: int | None = None
) -> tuple[DuplicateCluster, ...]:
    """The clusters of one entity's ``duplicates`` section of ``quality.json``, worded in ``lang``.

    ``limit`` keeps the first clusters (the document keeps them all). A document written before the
    records' values were kept shows the ids and the scores with empty values.
    """
    lang = check_lang(lang)
    mapping: Mapping[str, str] = duplicates.get("fields") or {}
    values: Mapping[str, Mapping[str, Any]] = duplicates.get("record_values") or {}
    seen = {f for rec in values.values() for f in rec} | set(mapping)
    fields = tuple(f for f in FIELD_ORDER if f in seen) + tuple(sorted(seen - set(FIELD_ORDER)))
    headers = tuple(field_name(f, lang) for f in fields)
    columns = tuple(str(mapping.get(f, f)) for f in fields)
    merges = {str(m["survivor"]): m for m in duplicates.get("merges") or []}
    by_id: dict[str, list[DuplicatePair]] = {}
    for raw in duplicates.get("pairs") or []:
        pair = _pair(raw)
        by_id.setdefault(pair.id_a, []).append(pair)
    clusters = list(duplicates.get("clusters") or [])
    out = []
    for number, ids in enumerate(clusters[:limit] if limit is not None else clusters, start=1):
        members = [str(i) for i in ids]
        survivor = next((i for i in members if i in merges), members[0])
        order = [survivor, *(i for i in members if i != survivor)]
        inside = set(members)
        pairs = sorted(
            (p for i in members for p in by_id.get(i, ()) if p.id_b in inside), key=lambda p: (-p.probability, p.id_a, p.id_b)
        )
        merge = merges.get(survivor)
        out.append(
            DuplicateCluster(
                entity=entity,
                number=number,
                fields=fields,
                columns=columns,
                headers=headers,
                records=tuple(
                    ClusterRecord(id=i, survivor=i == survivor, values=tuple(_shown(values.get(i, {}).get(f)) for f in fields))
                    for i in order
                ),
                pairs=tuple(
                    ClusterPair(
                        id_a=p.id_a,
                        id_b=p.id_b,
                        probability=p.probability,
                        score=score(p.probability, lang),
                        reasons=_reasons(p, lang),
                    )
                    for p in pairs
                ),
                merge_reason=str(merge.get(f"reason_{lang}") or merge.get("reason_en") or "") if merge else "",
            )
        )
    return tuple(out)


def quality_clusters(quality: Mapping[str, Any], *, lang: str, limit: int | None = None) -> tuple[DuplicateCluster, ...]:
    """The duplicate clusters of every entity of a ``quality.json`` document (``limit`` per entity)."""
    entities: Sequence[Mapping[str, Any]] = quality.get("entities") or []
    out: list[DuplicateCluster] = []
    for e in entities:
        dup = e.get("duplicates") or {}
        if dup.get("clusters"):
            out += duplicate_clusters(dup, entity=str(e.get("name") or ""), lang=lang, limit=limit)
    return tuple(out)


__all__ = ["ClusterPair", "ClusterRecord", "DuplicateCluster", "duplicate_clusters", "quality_clusters", "score"]
