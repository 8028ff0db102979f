"""Typed conformance results shared by token replay and alignments, and the combined report.

Both checkers work on *variants* (distinct activity sequences with their counts) and weight each
variant's result by its count. This module holds what they share:

* :func:`variant_counts` -- ``{activity tuple: count}`` from an :class:`~crmflow.store.store.EventLog`
  or from a mapping you already have;
* :class:`ActivityDeviation` -- per activity, how often it was inserted (done although the model
  did not allow it), skipped (required by the model but not done) or done with missing tokens;
* :class:`CaseVerdict` -- one case: its variant, fitness and whether it fits;
* :class:`ConformanceReport` and :func:`check_conformance` -- both checkers on one log, with
  per-case verdicts carrying the case ids (the JSON behind ``crmflow check``).

>>> d = ActivityDeviation(activity="Approve", skipped=3, cases=2)
>>> d.to_dict()["skipped"]
3
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmflow.jsonable import JsonMixin
from crmflow.mining.variants import get_variants
from crmflow.store import queries as q

if TYPE_CHECKING:  # pragma: no cover
    from crmflow.conformance.alignments import AlignmentResult
    from crmflow.conformance.petrinet import PetriNet
    from crmflow.conformance.token_replay import TokenReplayResult
    from crmflow.store.store import EventLog

Variants = Mapping[tuple[str, ...], int]


@dataclass(frozen=True)
class ActivityDeviation(JsonMixin):
    """How one activity deviates from the model, over all cases (weighted by variant counts).

    ``inserted``: executions the model did not allow (alignment log moves; for token replay,
    executions of an activity that has no transition in the model). ``skipped``: executions the
    model required but the case did not do (alignment model moves on visible transitions).
    ``missing_tokens``: token replay only -- tokens that had to be created to fire the activity
    (it was done out of order or after a skipped step). ``cases``: cases with at least one of these.
    """

    activity: str
    inserted: int = 0
    skipped: int = 0
    missing_tokens: int = 0
    cases: int = 0


@dataclass(frozen=True)
class CaseVerdict(JsonMixin):
    """One case: the index of its variant in the result's ``variants``, its fitness, whether it fits."""

    case_id: str
    variant: int
    fitness: float
    is_fit: bool


def variant_counts(log: EventLog | Variants) -> dict[tuple[str, ...], int]:
    """``{activity tuple: count}`` of a log (grouped in DuckDB) or a copy of a given mapping.

    >>> variant_counts({("a", "b"): 2})
    {('a', 'b'): 2}
    """
    if isinstance(log, Mapping):
        return {tuple(k): int(v) for k, v in log.items()}
    return get_variants(log).counts()


def case_ids_by_variant(log: EventLog) -> dict[tuple[str, ...], list[str]]:
    """The case ids of each variant of ``log``, sorted (one SQL query on the per-case table)."""
    names = log.store.activity_names(log.name)
    rows = log.store.sql(f"SELECT variant, list(case_id ORDER BY case_id) FROM {q.cs(log.name)} GROUP BY variant").fetchall()
    return {tuple(names[a] for a in codes): [str(c) for c in cases] for codes, cases in rows}


def aggregate_deviations(
    rows: Iterable[tuple[int, Mapping[str, int], Mapping[str, int], Mapping[str, int]]],
) -> tuple[ActivityDeviation, ...]:
    """Sum per-variant ``(count, inserted, skipped, missing_tokens)`` maps into per-activity rows.

    Each map counts occurrences in *one* trace of the variant; the totals are weighted by ``count``.
    Rows come out sorted by total deviation (largest first), then by activity.

    >>> aggregate_deviations([(2, {"x": 1}, {}, {}), (1, {"x": 2}, {"y": 1}, {})])[0]
    ActivityDeviation(activity='x', inserted=4, skipped=0, missing_tokens=0, cases=3)
    """
    acc: dict[str, list[int]] = {}
    for count, inserted, skipped, missing in rows:
        touched: set[str] = set()
        for col, m in enumerate((inserted, skipped, missing)):
            for act, k in m.items():
                if k:
                    acc.setdefault(act, [0, 0, 0, 0])[col] += k * count
                    touched.add(act)
        for act in touched:
            acc[act][3] += count
    out = [ActivityDeviation(a, inserted=v[0], skipped=v[1], missing_tokens=v[2], cases=v[3]) for a, v in acc.items()]
    return tuple(sorted(out, key=lambda d: (-(d.inserted + d.skipped + d.missing_tokens), d.activity)))


def case_verdicts(
    variants: Iterable[tuple[tuple[str, ...], float, bool]], case_ids: Mapping[tuple[str, ...], list[str]]
) -> tuple[CaseVerdict, ...]:
    """Expand per-variant ``(activities, fitness, is_fit)`` into one verdict per case id."""
    out: list[CaseVerdict] = []
    for i, (acts, fitness, fit) in enumerate(variants):
        out.extend(CaseVerdict(case_id=c, variant=i, fitness=fitness, is_fit=fit) for c in case_ids.get(acts, ()))
    out.sort(key=lambda v: v.case_id)
    return tuple(out)


@dataclass(frozen=True)
class ConformanceReport(JsonMixin):
    """Token replay and alignments of one log against one model, with per-case verdicts.

    ``to_dict()`` gives the ``conformance.json`` layout: a ``token_replay`` and an ``alignments``
    section, each with ``log_fitness``, its per-activity deviations, variants and cases.
    """

    token_replay: TokenReplayResult
    alignments: AlignmentResult | None
    token_replay_cases: tuple[CaseVerdict, ...]
    alignment_cases: tuple[CaseVerdict, ...]

    def to_dict(self) -> dict[str, Any]:
        tbr = self.token_replay.to_dict()
        tbr["cases"] = [c.to_dict() for c in self.token_replay_cases]
        out: dict[str, Any] = {"token_replay": tbr, "alignments": None}
        if self.alignments is not None:
            ali = self.alignments.to_dict()
            ali["cases"] = [c.to_dict() for c in self.alignment_cases]
            out["alignments"] = ali
        return out


def check_conformance(log: EventLog, net: PetriNet, *, alignments: bool = True, max_states: int = 1_000_000) -> ConformanceReport:
    """Replay ``log`` on ``net`` with token replay and (unless ``alignments=False``) optimal alignments.

    Both run once per variant; the verdicts are then expanded to every case id of the log.
    """
    from crmflow.conformance.alignments import align
    from crmflow.conformance.token_replay import token_replay

    counts = variant_counts(log)
    ids = case_ids_by_variant(log)
    tbr = token_replay(counts, net)
    tbr_cases = case_verdicts(((v.activities, v.fitness, v.is_fit) for v in tbr.variants), ids)
    ali = align(counts, net, max_states=max_states) if alignments else None
    ali_cases: tuple[CaseVerdict, ...] = ()
    if ali is not None:
        ali_cases = case_verdicts(((v.activities, v.fitness, v.is_fit) for v in ali.variants), ids)
    return ConformanceReport(token_replay=tbr, alignments=ali, token_replay_cases=tbr_cases, alignment_cases=ali_cases)
