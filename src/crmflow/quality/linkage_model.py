"""The Fellegi–Sunter linkage model for CRM duplicates, run by splink 5 on DuckDB.

Each mapped field is one *comparison* with ordered *levels* (the first level whose SQL condition is
true for a pair is that pair's level). Every level has ``m`` (how often two records of one person
land on it) and ``u`` (how often two records of different people do); ``log2(m/u)`` is the level's
match weight, and the pair's weight is the prior's plus the sum over fields. The ``m``/``u`` values
in :data:`COMPARISONS` are only *starting points* (the model for sets too small to learn from): on a
table of at least :data:`MIN_RECORDS_TO_TRAIN` records ``u`` is re-estimated by random sampling of
record pairs, ``m`` by expectation maximisation on pairs blocked on phone, on name and on e-mail
(each EM round learns the fields it did not block on), and the prior by the deterministic-rules
method. Candidate pairs come from blocking rules (same phone, e-mail, INN, name key, e-mail local
part, surname plus company, or the first letters of surname and first name plus the patronymic), so
the cost grows with the number of candidate pairs, not with the square of the records; keys shared by
too many records and the total of candidate pairs are capped (:mod:`crmflow.quality.linkage_blocking`).

If splink cannot train on the data (too few candidate pairs, all of them alike…), the starting values
are used and :attr:`LinkageResult.warnings` says so; a failure while scoring raises
:class:`crmflow.errors.DuplicateDetectionError`, never a raw splink exception.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from crmflow.errors import DuplicateDetectionError
from crmflow.i18n import error
from crmflow.quality.error_messages import ERRORS
from crmflow.quality.linkage_blocking import BlockingPlan, FrequentValue, plan_blocking
from crmflow.quality.linkage_prepare import build_records
from crmflow.settings import Settings, get_settings

__all__ = ["COMPARISONS", "MIN_RECORDS_TO_TRAIN", "LinkageResult", "Level", "run_linkage"]

#: Below this many records the starting values are used as they are (EM needs data to learn from).
MIN_RECORDS_TO_TRAIN = 800
#: Record pairs sampled to estimate the u probabilities.
U_SAMPLE_PAIRS = 5e5


@dataclass(frozen=True)
class Level:
    """One comparison level: its name, SQL condition (``_l``/``_r`` columns) and starting m/u."""

    name: str
    sql: str
    m: float
    u: float


def _jw(a: str, b: str, at: float = 0.88) -> str:
    return f"jaro_winkler_similarity({a}, {b}) >= {at}"


def _alike(a: str, b: str) -> str:
    """Two name keys that differ by a typo: one edit, or Jaro–Winkler similarity of at least 0.88."""
    return f"(damerau_levenshtein({a}, {b}) <= 1 OR {_jw(a, b)})"


# field → (columns needed, null condition, levels best first; the last level is "different")
COMPARISONS: dict[str, tuple[tuple[str, ...], str, tuple[Level, ...]]] = {
    "phone": (("phone",), "phone_n_l IS NULL OR phone_n_r IS NULL", (
        Level("exact", "phone_n_l = phone_n_r", 0.8, 1e-5),
        Level("different", "ELSE", 0.1, 1 - 1e-5),
    )),
    "email": (("email",), "email_n_l IS NULL OR email_n_r IS NULL", (
        Level("exact", "email_n_l = email_n_r", 0.7, 1e-5),
        Level("same_local_part", "email_local_l = email_local_r AND length(email_local_l) >= 6", 0.05, 1e-5),
        Level("typo", "damerau_levenshtein(email_n_l, email_n_r) <= 2 AND email_digits_l = email_digits_r",
              0.05, 1e-4),
        Level("different", "ELSE", 0.3, 1 - 1e-4),
    )),
    "inn": (("inn",), "inn_n_l IS NULL OR inn_n_r IS NULL", (
        Level("exact", "inn_n_l = inn_n_r", 0.9, 1e-6),
        Level("different", "ELSE", 0.02, 1 - 1e-6),
    )),
    "name": (("name", "first_name", "last_name"), "name_full_k_l IS NULL OR name_full_k_r IS NULL", (
        Level("exact", "coalesce(first_k_l, '') = coalesce(first_k_r, '') AND "
              "coalesce(last_k_l, '') = coalesce(last_k_r, '')", 0.6, 2e-3),
        Level("swapped", "first_k_l = last_k_r AND last_k_l = first_k_r", 0.05, 1e-4),
        Level("same_words", "name_full_k_l = name_full_k_r", 0.02, 1e-5),
        Level("typo", f"({_alike('first_k_l', 'first_k_r')} AND {_alike('last_k_l', 'last_k_r')}) OR "
              f"({_alike('first_k_l', 'last_k_r')} AND {_alike('last_k_l', 'first_k_r')})", 0.25, 1e-3),
        Level("surname_only", _jw("last_k_l", "last_k_r"), 0.05, 0.01),
        Level("different", "ELSE", 0.03, 0.99),
    )),
    "middle_name": (("middle_name", "name"), "middle_k_l IS NULL OR middle_k_r IS NULL", (
        Level("exact", "middle_k_l = middle_k_r", 0.8, 0.05),
        Level("typo", "damerau_levenshtein(middle_k_l, middle_k_r) <= 1", 0.1, 0.01),
        Level("different", "ELSE", 0.1, 0.94),
    )),
    # the company of a person: its name, or on a table of people its INN or e-mail domain (org_*)
    "company": (("company",), "(company_k_l IS NULL AND org_inn_l IS NULL AND org_domain_l IS NULL) OR "
                "(company_k_r IS NULL AND org_inn_r IS NULL AND org_domain_r IS NULL)", (
        Level("exact", "company_k_l = company_k_r OR org_inn_l = org_inn_r OR org_domain_l = org_domain_r", 0.6, 0.01),
        Level("typo", _jw("company_k_l", "company_k_r", 0.92), 0.1, 0.01),
        Level("different", "ELSE", 0.3, 0.98),
    )),
}  # fmt: skip


#: Pairs that are duplicates almost surely, used to estimate the prior (their share of all duplicates
#: is :data:`PRIOR_RULES_RECALL`).
_SURE: tuple[tuple[str, str], ...] = (
    ("email", "l.email_n = r.email_n"),
    ("inn", "l.inn_n = r.inn_n"),
    ("name", "l.phone_n = r.phone_n AND l.name_full_k = r.name_full_k"),
)
PRIOR_RULES_RECALL = 0.8


@dataclass(frozen=True)
class LinkageResult:
    """Scored candidate pairs at or above the threshold, and the clusters they form."""

    pairs: pa.Table  # unique_id_l, unique_id_r, match_weight, match_probability, gamma_*, mw_*
    clusters: pa.Table  # unique_id, cluster_id (records in clusters of two or more only)
    levels: dict[str, list[str]]  # field → level names, index = gamma value (best last); -1 = missing
    trained: bool
    prior: float
    plan: BlockingPlan | None = None
    warnings: tuple[str, ...] = ()  # codes of duplicate_messages.MESSAGES, e.g. "training_failed"
    training_error: str | None = None
    #: Pairs at or above the threshold that were rejected, with ``crmflow_rejected`` the reason
    #: (``different_people``: unlike first names, ``company_only``: only the company agrees).
    rejected: pa.Table | None = None

    @property
    def frequent(self) -> list[FrequentValue]:
        return self.plan.frequent if self.plan else []


_PERSON = ("name", "first_name", "last_name")


def active_fields(mapped: Sequence[str], *, people: bool | None = None) -> list[str]:
    """The comparisons that apply, given the mapped logical fields.

    On a table of people the company comparison also applies without a company column when an INN
    or an e-mail is mapped: a 10-digit INN and a corporate e-mail domain name the employer.
    """
    person = any(n in mapped for n in _PERSON) if people is None else people
    out = []
    for f, (needs, _, _) in COMPARISONS.items():
        if any(n in mapped for n in needs) or (f == "company" and person and any(n in mapped for n in ("inn", "email"))):
            out.append(f)
    return out


def _settings(fields: list[str], prior: float, blocks: list[str]) -> dict[str, Any]:
    comparisons = []
    for f in fields:
        _, null_sql, levels = COMPARISONS[f]
        lv: list[dict[str, Any]] = [{"sql_condition": null_sql, "label_for_charts": "missing", "is_null_level": True}]
        lv += [{"sql_condition": x.sql, "label_for_charts": x.name, "m_probability": x.m, "u_probability": x.u} for x in levels]
        comparisons.append({"output_column_name": f, "comparison_levels": lv,
                            "comparison_description": f})  # fmt: skip
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": blocks,
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": True,  # keeps the gamma_* (level) columns
        "additional_columns_to_retain": [],
    }


def _train(linker: Any, fields: list[str], n: int, plan: BlockingPlan) -> None:
    # one pass over a seeded sample; splink's chunked early-stopping mode took 27 of 45 s on 30 k records
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(U_SAMPLE_PAIRS, n * (n - 1) / 2), seed=7, num_chunks=1, min_count_per_level=None
    )
    # blocked on the capped keys, and only on rules that make pairs (EM cannot learn from none)
    rules = [r for r in (plan.training_rule(name) for name in ("phone", "name", "email") if name in fields) if r]
    for rule in rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, fix_u_probabilities=True)
    # the prior from pairs that are almost surely duplicates; the rules find ~80 % of them (docs)
    sure = [rule for f, rule in _SURE if f in fields]
    if sure:
        linker.training.estimate_probability_two_random_records_match(sure, recall=PRIOR_RULES_RECALL)


def _level_names(linker: Any) -> dict[str, list[str]]:
    levels = {}
    for comparison in linker._settings_obj.comparisons:
        names: dict[int, str] = {}
        for level in comparison.comparison_levels:
            if not level.is_null_level:
                names[level.comparison_vector_value] = level.label_for_charts
        levels[comparison.output_column_name] = [names[i] for i in sorted(names)]
    return levels


#: Levels at which a personal field agrees (the company comparison is not personal).
_PERSONAL_AGREEMENT = {
    "name": ("exact", "swapped", "same_words", "typo"),
    "phone": ("exact",),
    "email": ("exact", "same_local_part", "typo"),
    "inn": ("exact",),
}


def _company_only_sql(levels: dict[str, list[str]], people: bool = True) -> str | None:
    """Pairs of people whose only agreement is their company (name, INN, e-mail domain).

    Colleagues share the company's INN, name, domain and often an office line; none of that says two
    records are one *person*. On a table of people a pair is a duplicate only when a personal field
    agrees too: the name (exactly, swapped, same words or with a typo), the phone, the e-mail or a
    personal (12-digit) INN.
    """
    if "name" not in levels or "company" not in levels or not people:
        return None
    agree = []
    for f, names in _PERSONAL_AGREEMENT.items():
        if f in levels:
            idx = ", ".join(str(levels[f].index(x)) for x in names)
            agree.append(f"coalesce(gamma_{f} IN ({idx}), FALSE)")
    return "NOT (" + " OR ".join(agree) + ")"


def _conflicting_names_sql(levels: dict[str, list[str]]) -> str | None:
    """Pairs of two different people who share a phone or company: both first names given and unlike.

    Family members share a home phone and colleagues an office line or a company; the independence
    assumption of the model over-counts such agreement, so a pair whose first names are clearly unlike
    (Jaro–Winkler below 0.8 wherever the surnames line up, in either word order) is a duplicate only
    if an e-mail or the INN agrees too.
    """
    if "name" not in levels:
        return None
    name = levels["name"]
    conflict = [name.index(x) for x in ("surname_only", "different")]
    rescue = []
    if "email" in levels:
        agree = ", ".join(str(levels["email"].index(x)) for x in ("exact", "same_local_part", "typo"))
        rescue.append(f"gamma_email IN ({agree})")
    if "inn" in levels:
        rescue.append(f"gamma_inn = {levels['inn'].index('exact')}")
    # (surname, surname, first name, first name) as written, and with either record's words swapped
    orientations = (
        ("last_k_l", "last_k_r", "first_k_l", "first_k_r"),
        ("first_k_l", "last_k_r", "last_k_l", "first_k_r"),
        ("last_k_l", "first_k_r", "first_k_l", "last_k_r"),
    )
    same_person = " OR ".join(
        f"coalesce({_jw(s1, s2)} AND jaro_winkler_similarity({f1}, {f2}) >= 0.8, FALSE)" for s1, s2, f1, f2 in orientations
    )
    sql = (
        f"gamma_name IN ({conflict[0]}, {conflict[1]}) AND first_k_l IS NOT NULL AND first_k_r IS NOT NULL "
        f"AND NOT ({same_person})"
    )
    return sql + "".join(f" AND NOT coalesce({r}, FALSE)" for r in rescue)


def _describe(exc: BaseException) -> str:
    """``Type: first line`` of the innermost cause (splink wraps DuckDB's error in a long SQL dump)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    lines = [x for x in str(exc).splitlines() if x.strip()]
    return f"{type(exc).__name__}: {lines[0][:300]}" if lines else type(exc).__name__


def run_linkage(
    raw: pa.Table,
    *,
    fields: list[str],
    threshold: float,
    settings: Settings | None = None,
    max_key_records: int = 50,
    max_pairs_per_record: int = 50,
    people: bool | None = None,
) -> LinkageResult:
    """Normalise ``raw`` (from :func:`read_records`), score candidate pairs and cluster them at ``threshold``.

    Runs in a private in-memory DuckDB database (with the store's memory limit and threads), so the
    project store is never written to. Key values shared by more than ``max_key_records`` records are
    not blocked on, and the estimated candidate pairs are kept under ``max_pairs_per_record`` × records
    (:func:`crmflow.quality.linkage_blocking.plan_blocking`).

    Raises
    ------
    DuplicateDetectionError
        If splink fails to score the pairs (training failures fall back to the starting values).
    """
    from splink import DuckDBAPI, Linker
    from splink.internals.exceptions import SplinkException

    logging.getLogger("splink").setLevel(logging.ERROR)
    settings = settings or get_settings()
    con = duckdb.connect(":memory:")
    spill = tempfile.TemporaryDirectory(prefix="crmflow-linkage-")
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{settings.memory_limit}'")
        con.execute(f"SET temp_directory = '{spill.name}'")
        if settings.threads > 0:
            con.execute(f"SET threads = {int(settings.threads)}")
        n = build_records(con, raw, table="crmflow_records", people=people)
        plan = plan_blocking(
            con, table="crmflow_records", fields=fields, max_key_records=max_key_records, max_pairs=max_pairs_per_record * n
        )
        prior = min(0.5, 0.1 / max(1, n - 1))  # ≈ one record in twenty has one duplicate, before learning
        db_api = DuckDBAPI(connection=con)
        sdf = db_api.register("crmflow_records", table_name="crmflow_records_input")
        blocks = list(plan.rules.values())

        def linker_with(p: float) -> Any:
            return Linker(sdf, _settings(fields, p, blocks), log_level=None)

        linker = linker_with(prior)
        trained = n >= MIN_RECORDS_TO_TRAIN
        warnings: list[str] = []
        training_error = None
        if trained:
            try:
                _train(linker, fields, n, plan)
                learnt = float(linker._settings_obj._probability_two_random_records_match)
            except (SplinkException, duckdb.Error, ArithmeticError, ValueError) as exc:
                # e.g. EM with too few or only identical pairs: score with the generic starting values
                trained, training_error = False, _describe(exc)
                warnings.append("training_failed")
                linker = linker_with(prior)
            else:
                if 0 < learnt < 1:
                    prior = learnt
                else:  # no sure pair in the data: keep the starting prior
                    linker._settings_obj._probability_two_random_records_match = prior
        levels = _level_names(linker)
        try:
            predictions = linker.inference.predict(threshold_match_probability=threshold)
            checks = (
                ("different_people", _conflicting_names_sql(levels)),
                ("company_only", _company_only_sql(levels, people is not False)),
            )
            vetoes = [(code, sql) for code, sql in checks if sql]
            rejected = None
            if vetoes:
                reason = "CASE " + " ".join(f"WHEN coalesce({sql}, FALSE) THEN '{code}'" for code, sql in vetoes) + " END"
                judged = predictions.query_sql(f"SELECT *, {reason} AS crmflow_rejected FROM {{this}}")
                rejected = judged.query_sql("SELECT * FROM {this} WHERE crmflow_rejected IS NOT NULL").as_pyarrow_table()
                predictions = judged.query_sql("SELECT * EXCLUDE (crmflow_rejected) FROM {this} WHERE crmflow_rejected IS NULL")
            clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=threshold
            )
            pairs = predictions.as_pyarrow_table()
        except (SplinkException, duckdb.Error) as exc:
            raise error(
                DuplicateDetectionError,
                ERRORS,
                "linkage_model.duplicate_detection_could_not",
                candidate_pairs=plan.candidate_pairs,
                n=n,
                value=_describe(exc),
            ) from exc
        if plan.frequent_total:
            warnings.append("frequent_values")
        if any(v.reason == "pair_budget" for v in plan.frequent):
            warnings.append("pair_budget")
        con.register("all_clusters", clusters.as_pyarrow_table().select(["unique_id", "cluster_id"]))
        cluster_table = con.sql(
            "SELECT unique_id, cluster_id FROM all_clusters WHERE cluster_id IN "
            "(SELECT cluster_id FROM all_clusters GROUP BY cluster_id HAVING count(*) > 1)"
        ).to_arrow_table()
        return LinkageResult(
            pairs=pairs,
            rejected=rejected,
            clusters=cluster_table,
            levels=levels,
            trained=trained,
            prior=prior,
            plan=plan,
            warnings=tuple(warnings),
            training_error=training_error,
        )
    finally:
        con.close()
        spill.cleanup()
