"""Temporary tables shared by the checks of one audit and by their complete evidence.

Several checks first write their per-case occurrences into a temporary table (every ping-pong
bounce, every stage return, every open case, each SLA's clock per case, each case's furthest funnel
stage) and read their summary and sample from it; the complete evidence
(:mod:`crmflow.findings.evidence`) reads the same rows again. :class:`SharedTables` makes each such
table once per audit: the check creates it, the evidence finds it, and
:func:`crmflow.findings.detect.detect_findings` drops them all at the end. A check called on its own
(``tables=None``) gets a registry of its own, dropped when it returns.

>>> from crmflow.store.store import EventStore
>>> store = EventStore()
>>> tables = SharedTables(store)
>>> name = tables.get(("demo",), lambda n: f"CREATE TEMP TABLE {n} AS SELECT 42 AS x")
>>> tables.get(("demo",), lambda n: "not run again") == name
True
>>> store.scalar(f"SELECT x FROM {name}")
42
>>> tables.drop(); store.has_table(name)
False
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog, EventStore


class SharedTables:
    """The temporary tables of one audit's checks, by key (kind, log, detail)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.made: dict[tuple[str, ...], str] = {}

    def get(self, key: tuple[str, ...], sql: Callable[[str], str], params: dict[str, Any] | None = None) -> str:
        """The table for ``key``, created by ``sql(name)`` with ``params`` the first time it is asked for."""
        if key not in self.made:
            name = self.store.new_name("t" + "".join(ch for ch in key[0] if ch.isalnum())[:8])
            self.store.sql(sql(name), params)
            self.made[key] = name
        return self.made[key]

    def drop(self) -> None:
        """Drop every table made here."""
        for name in self.made.values():
            self.store.sql(fq.drop_table(name))
        self.made.clear()

    @classmethod
    @contextmanager
    def scope(cls, store: EventStore, shared: SharedTables | None) -> Iterator[SharedTables]:
        """``shared`` when given (kept for the evidence), else a registry dropped when the block ends."""
        if shared is not None:
            yield shared
            return
        own = cls(store)
        try:
            yield own
        finally:
            own.drop()


def activity_codes(log: EventLog) -> dict[str, int]:
    """Each activity of ``log`` and its integer code (``ac_<log>``): the checks' log-sized queries group
    and join on the codes, and are given codes rather than names."""
    return {str(r["activity"]): int(r["act"]) for r in log.store.rows(fq.activity_codes(log.name))}


__all__ = ["SharedTables", "activity_codes"]
