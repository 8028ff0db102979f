"""A project store checks its own numbers: ingestions against events against the quarantine.

Every imported log ``L`` has, in the same DuckDB file, its events (``ev_L``), its cases
(``cs_L``), its activity dictionary (``ac_L``), one ``ingestions`` row per source and the
quarantine rows of those sources. A store is consistent when, for every log:

- the ingestion rows add up (``parsed + quarantined = rows_read``, as :meth:`record_ingestion` checks);
- the events table holds ``sum(parsed)`` events, and the quarantine ``sum(quarantined)`` rows;
- a log with events has ingestion rows and its other tables, and ingestion rows have their events.

An import that stops half-way (before crmflow made imports atomic) leaves exactly the states this
catches: old events without their ingestion rows, or new ingestion rows over old events. The
check costs one ``count(*)`` per log table (DuckDB keeps table cardinalities, so it is quick).

>>> from crmflow.store.store import EventStore
>>> store = EventStore()
>>> check_consistency(store)
[]
>>> store.record_ingestion(log_name="log", source="a.csv", format="csv", rows_read=3, parsed=2, quarantined=1)
>>> [p.problem for p in check_consistency(store)]
['no_events']
>>> ensure_consistent(store)
Traceback (most recent call last):
...
crmflow.errors.StoreInconsistentError: the store: the project store does not add up, so it is not used: log 'log': \
ingestions record 2 events but there is no events table. ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmflow.errors import StoreInconsistentError
from crmflow.i18n import error
from crmflow.store import queries as q

_TEXT = {
    "refused": {
        "en": "{path}: the project store does not add up, so it is not used: {problems}. It was probably left by an "
        "import that was stopped half-way (before imports were atomic). Fix: import the log's sources again "
        "(`crmflow import SOURCE... --into {name}` replaces the log and its records), or delete {name} and import anew",
        "ru": "{path}: числа хранилища проекта не сходятся, поэтому оно не используется: {problems}. Вероятно, его "
        "оставил прерванный импорт (до того как импорт стал атомарным). Что сделать: импортируйте источники журнала "
        "заново (`crmflow import ИСТОЧНИК... --into {name}` заменяет журнал и его записи) или удалите {name} и "
        "импортируйте с начала",
    },
}


@dataclass(frozen=True)
class Inconsistency:
    """One number that does not add up, for one log."""

    log_name: str
    problem: str  # "no_events", "no_ingestions", "events", "quarantine", "missing_table"
    expected: int | None
    found: int | None
    detail: str

    def describe(self) -> str:
        """One line for people (English; the error adds the fix)."""
        return f"log {self.log_name!r}: {self.detail}"


def _tables(store: Any) -> set[str]:
    # views too: a project read in place has its log's tables as views on the attached file
    return {
        r[0]
        for r in store.sql(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary "
            "UNION ALL SELECT view_name FROM duckdb_views() "
            "WHERE database_name = current_database() AND NOT temporary AND NOT internal"
        ).fetchall()
    }


def check_consistency(store: Any, *, skip: frozenset[str] = frozenset()) -> list[Inconsistency]:
    """Every way the store's logs, ingestions and quarantine disagree (empty when they agree).

    Parameters
    ----------
    store
        An :class:`~crmflow.store.store.EventStore`.
    skip
        Logs not to check (the one an import is about to replace).
    """
    tables = _tables(store)
    ingested = {
        r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4]))
        for r in store.sql(
            "SELECT log_name, sum(rows_read), sum(parsed), sum(quarantined), "
            "count(*) FILTER (WHERE parsed + quarantined != rows_read) FROM ingestions GROUP BY log_name"
        ).fetchall()
    }
    quarantined = dict(store.sql("SELECT log_name, count(*) FROM quarantine GROUP BY log_name").fetchall())
    logs = {t[3:] for t in tables if t.startswith("ev_")}
    out: list[Inconsistency] = []
    for log in sorted((set(ingested) | logs) - skip):
        if log not in ingested:
            out.append(Inconsistency(log, "no_ingestions", None, None, "has events but no ingestion records"))
            continue
        read, parsed, quar, bad_rows = ingested[log]
        if bad_rows:
            out.append(
                Inconsistency(log, "ingestions", None, None, f"{bad_rows} ingestion record(s) where parsed + quarantined != read")
            )
        if log not in logs:
            if parsed:
                out.append(
                    Inconsistency(
                        log, "no_events", parsed, None, f"ingestions record {parsed} events but there is no events table"
                    )
                )
            continue
        missing = [t for t in (q.ac(log), q.cs(log)) if t not in tables]
        if missing:
            out.append(Inconsistency(log, "missing_table", None, None, f"tables {', '.join(missing)} are missing"))
        events = int(store.sql(f"SELECT count(*) FROM {q.ev(log)}").fetchall()[0][0])
        if events != parsed:
            out.append(Inconsistency(log, "events", parsed, events, f"ingestions record {parsed} events, the log has {events}"))
        found = int(quarantined.get(log, 0))
        if found != quar:
            out.append(
                Inconsistency(
                    log, "quarantine", quar, found, f"ingestions record {quar} quarantined rows, the quarantine has {found}"
                )
            )
    return out


def ensure_consistent(store: Any, *, skip: frozenset[str] = frozenset()) -> None:
    """Raise :class:`~crmflow.errors.StoreInconsistentError` (naming every problem and the fix) unless consistent."""
    problems = check_consistency(store, skip=skip)
    if problems:
        path = getattr(store, "path", None) or "the store"
        name = getattr(path, "name", str(path))
        raise error(
            StoreInconsistentError,
            _TEXT,
            "refused",
            store.settings.lang,
            path=path,
            name=name,
            problems="; ".join(p.describe() for p in problems),
        )


__all__ = ["Inconsistency", "check_consistency", "ensure_consistent"]
