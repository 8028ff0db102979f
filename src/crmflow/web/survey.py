"""NPS and CES from an uploaded survey CSV, joined to the project's cases by deal (case) id.

The survey is read as UTF-8 or cp1251 text with the delimiter sniffed (``;``, ``,``, tab, ``|``). Its columns are found
by their headers: the key (``case_id``, ``deal_id``, ``ID сделки``, ``сделка``…), the NPS score
(``nps``, ``оценка``, ``рекомендац…``: 0–10) and the CES score (``ces``, ``усили…``: 1–7). Every row
is either used or listed with its reason (``kind``, named in :mod:`crmflow.web.messages`): no key, a
score that is not a number in range, a key that matches no case — never silently dropped.
NPS = % promoters (9–10) − % detractors (0–6); CES = mean.
Per outcome (each case's last activity) the NPS is shown too.

>>> nps([10, 9, 8, 3])
25.0
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmflow.errors import WebError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.store.store import EventLog
from crmflow.web.error_messages import ERRORS

_KEY = re.compile(r"^(case[ _]?id|deal[ _]?id|deal|id сделки|сделка|номер сделки|case)$", re.I)
_NPS = re.compile(r"(^nps)|(nps$)|оценк|рекоменд|likelihood", re.I)
_CES = re.compile(r"(^ces)|(ces$)|усили|effort", re.I)
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class SurveyResult(JsonMixin):
    """What a survey gave: responses used and refused (with reasons), NPS, CES, NPS per outcome."""

    rows: int
    matched: int
    nps: float | None
    nps_responses: int
    ces: float | None
    ces_responses: int
    by_outcome: tuple[dict[str, Any], ...]
    problems: tuple[dict[str, Any], ...]
    problem_count: int
    columns: dict[str, str | None]


def nps(scores: list[float]) -> float | None:
    """Net promoter score of 0–10 answers (percent promoters minus percent detractors)."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return 100.0 * (promoters - detractors) / len(scores)


def _score(raw: Any, low: float, high: float) -> float | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = float(str(raw).strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None
    if not low <= value <= high:
        raise ValueError(f"{raw!r} is outside {low:g}–{high:g}")
    return value


def read_survey(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The survey's header and rows (all values as text).

    Raises
    ------
    WebError
        The file is not UTF-8 or cp1251 text, or has no header line.
    """
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes almost any byte string
        raise error(WebError, ERRORS, "survey.not_text", file=path.name)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=";,\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [tuple(r) for r in reader if any(v.strip() for v in r)]
    if not rows:
        raise error(WebError, ERRORS, "survey.empty", file=path.name)
    width = len(rows[0])
    return [h.strip() for h in rows[0]], [r + ("",) * (width - len(r)) for r in rows[1:]]


def assess(log: EventLog, path: Path) -> SurveyResult:
    """NPS and CES of the survey at ``path`` joined to the log's cases.

    Raises
    ------
    WebError
        No key column or neither an NPS nor a CES column (the message lists the headers seen).
    """
    header, rows = read_survey(path)
    key = next((c for c in header if _KEY.match(c.strip())), None)
    nps_col = next((c for c in header if _NPS.search(c.strip())), None)
    ces_col = next((c for c in header if _CES.search(c.strip())), None)
    if key is None or (nps_col is None and ces_col is None):
        raise error(WebError, ERRORS, "survey.no_columns", file=path.name, value=", ".join(header))
    outcome = {
        r["case_id"]: r["activity"]
        for r in log.store.rows(f"SELECT case_id, activity FROM {log.events_table} WHERE is_last")  # noqa: S608 (internal name)
    }
    problems: list[dict[str, Any]] = []
    nps_scores: list[tuple[str, float]] = []
    ces_scores: list[float] = []
    matched = 0
    index = {c: i for i, c in enumerate(header)}
    for row_no, row in enumerate(rows, start=2):
        case = (row[index[key]] or "").strip()
        if not case:
            problems.append({"line": row_no, "column": key, "value": "", "kind": "survey_no_key", "detail": ""})
            continue
        if case not in outcome:
            problems.append({"line": row_no, "column": key, "value": case, "kind": "survey_no_case", "detail": ""})
            continue
        try:
            n = _score(row[index[nps_col]], 0, 10) if nps_col else None
            c = _score(row[index[ces_col]], 1, 7) if ces_col else None
        except ValueError as exc:
            problems.append(
                {"line": row_no, "column": nps_col or ces_col, "value": "", "kind": "survey_bad_score", "detail": str(exc)}
            )
            continue
        matched += 1
        if n is not None:
            nps_scores.append((case, n))
        if c is not None:
            ces_scores.append(c)
    groups: dict[str, list[float]] = {}
    for case, n in nps_scores:
        groups.setdefault(outcome[case], []).append(n)
    by_outcome = tuple(
        {"outcome": o, "responses": len(v), "nps": nps(v)} for o, v in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    return SurveyResult(
        rows=len(rows),
        matched=matched,
        nps=nps([s for _, s in nps_scores]),
        nps_responses=len(nps_scores),
        ces=sum(ces_scores) / len(ces_scores) if ces_scores else None,
        ces_responses=len(ces_scores),
        by_outcome=by_outcome,
        problems=tuple(problems[:MAX_PROBLEMS]),
        problem_count=len(problems),
        columns={"key": key, "nps": nps_col, "ces": ces_col},
    )
