"""A large generated CRM event log for the benchmarks (``bench/run.py --scaled``, ``bench/spark.py``, ``bench/web.py``).

Vectorised: 10 M rows in seconds. Cases follow a Markov chain over 20 Bitrix24-like sales activities
with loops (calls/e-mails, re-quotes, payment reminders), about 10 events per case.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

__all__ = ["write_scaled_event_csv"]

_SCALED_ACTIVITIES = (
    "Лид создан", "Лид квалифицирован", "Звонок клиенту", "Письмо отправлено", "Встреча назначена",
    "Встреча проведена", "Демонстрация продукта", "КП подготовлено", "КП отправлено", "Переговоры",
    "Скидка согласована", "Договор на согласовании", "Договор подписан", "Счёт выставлен",
    "Напоминание об оплате", "Оплата получена", "Отгрузка", "Сделка закрыта", "Сделка проиграна",
    "Лид отклонён",
)  # fmt: skip
_SCALED_NEXT = {
    0: {1: 0.8, 19: 0.1, 2: 0.1}, 1: {2: 0.7, 3: 0.3}, 2: {3: 0.25, 4: 0.45, 2: 0.1, 18: 0.1, 7: 0.1},
    3: {2: 0.4, 4: 0.3, 7: 0.2, 18: 0.1}, 4: {5: 0.85, 2: 0.15}, 5: {6: 0.4, 7: 0.5, 18: 0.1},
    6: {7: 0.8, 4: 0.1, 18: 0.1}, 7: {8: 1.0}, 8: {9: 0.7, 2: 0.15, 18: 0.15},
    9: {10: 0.3, 11: 0.4, 7: 0.2, 18: 0.1}, 10: {11: 0.9, 9: 0.1}, 11: {12: 0.8, 9: 0.15, 18: 0.05},
    12: {13: 1.0}, 13: {15: 0.7, 14: 0.3}, 14: {15: 0.6, 14: 0.3, 18: 0.1}, 15: {16: 0.9, 17: 0.1},
    16: {17: 1.0},
}  # fmt: skip
_SCALED_END = (17, 18, 19)
_SCALED_MINUTES = (0, 60, 240, 120, 600, 1440, 1440, 720, 60, 1440, 480, 1440, 2880, 1440, 4320, 2880,
                   1440, 60, 2880, 120)  # fmt: skip
_SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов")
_FIRST = ("Алексей", "Мария", "Сергей", "Анна", "Дмитрий", "Елена")


def write_scaled_event_csv(path: str | Path, *, n_events: int, seed: int = 1) -> Path:
    """Write a large CRM-like event log as UTF-8 CSV, vectorised (10M rows in seconds).

    Columns ``case_id,activity,timestamp,resource`` (LF line ends, ISO ``YYYY-MM-DDTHH:MM:SS``
    timestamps, no quoting needed). Cases follow a Markov chain over 20 CRM activities with loops
    (calls/e-mails, re-quotes, payment reminders), about 10 events per case; rows are grouped by
    case and time-ordered within it. Exactly ``n_events`` rows are written (the last case may be
    cut short).

    Parameters
    ----------
    path
        File to write.
    n_events
        Number of data rows.
    seed
        Seed of the random generator.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, os
    >>> p = write_scaled_event_csv(os.path.join(tempfile.mkdtemp(), "log.csv"), n_events=50)
    >>> p.read_text(encoding="utf-8").splitlines()[0]
    'case_id,activity,timestamp,resource'
    """
    if n_events < 0:
        raise ValueError(f"n_events cannot be negative, got {n_events}")
    out = Path(path)
    rng = np.random.default_rng(seed)
    n_act = len(_SCALED_ACTIVITIES)
    cum = np.zeros((n_act, n_act))
    for src, row in _SCALED_NEXT.items():
        for dst, p in row.items():
            cum[src, dst] = p
    cum = np.cumsum(cum, axis=1)
    is_end = np.zeros(n_act, dtype=bool)
    is_end[list(_SCALED_END)] = True
    case_parts: list[np.ndarray] = []
    act_parts: list[np.ndarray] = []
    made, first_case = 0, 0
    while made < n_events:  # simulate batches of cases until enough events exist
        n_cases = max(16, (n_events - made) // 9 + 16)
        case = np.arange(first_case, first_case + n_cases, dtype=np.int64)
        state = np.zeros(n_cases, dtype=np.int64)
        step_cases, step_acts = [case], [state]
        for _ in range(60):  # a case that has not ended after 60 steps stays open
            alive = ~is_end[state]
            case, state = case[alive], state[alive]
            if not len(case):
                break
            u = rng.random(len(case))
            nxt = np.empty_like(state)
            for src in np.unique(state):
                mask = state == src
                nxt[mask] = np.searchsorted(cum[src], u[mask], side="right")
            state = nxt.clip(max=n_act - 1)
            step_cases.append(case)
            step_acts.append(state)
        cases, acts = np.concatenate(step_cases), np.concatenate(step_acts)
        order = np.argsort(cases, kind="stable")  # step-major → case-major, steps stay in order
        case_parts.append(cases[order])
        act_parts.append(acts[order])
        made += len(cases)
        first_case += n_cases
    cases = np.concatenate(case_parts)[:n_events]
    acts = np.concatenate(act_parts)[:n_events].astype(np.int32)
    first = np.ones(n_events, dtype=bool)
    first[1:] = cases[1:] != cases[:-1]
    minutes = np.asarray(_SCALED_MINUTES, dtype=np.float64)[acts]
    delta = (minutes * 60 * rng.lognormal(0.0, 0.8, n_events)).astype(np.int64) + 1
    delta[first] = 0
    total = np.cumsum(delta)
    starts = np.flatnonzero(first)
    offset = total[starts][np.cumsum(first) - 1]
    begin = np.datetime64("2025-01-01T00:00:00", "s").astype(np.int64)
    case_start = begin + rng.integers(0, 365 * 86400, first_case, dtype=np.int64)
    ts = case_start[cases] + total - offset
    names = [f"{s}{'а' if f in ('Мария', 'Анна', 'Елена') else ''} {f}" for s in _SURNAMES for f in _FIRST]
    pool = np.asarray([0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 2, 2, 1, 0])[acts]  # team per activity
    size = len(names) // 5
    who = pool * size + rng.integers(0, size, n_events)
    case_ids = pc.binary_join_element_wise("D", pa.array(np.arange(first_case) + 100000).cast(pa.string()), "")
    table = pa.table({
        "case_id": pc.take(case_ids, pa.array(cases)),
        "activity": pc.take(pa.array(_SCALED_ACTIVITIES), pa.array(acts)),
        "timestamp": pc.strftime(pa.array(ts, type=pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S"),
        "resource": pc.take(pa.array(names), pa.array(who)),
    })  # fmt: skip
    with out.open("wb") as fh:
        fh.write(b"case_id,activity,timestamp,resource\n")
        pa_csv.write_csv(table, fh, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    return out
