"""Closed cases: where each case's process ends, even when its log goes on.

A CRM log often continues after the deal is done: a support ticket after ``Payment received``, a
reminder after ``Deal lost``. Judging "open" by the *last* event would call such a paid deal open
and, after a month of silence, stuck. So a case is **closed from its closing event on**:

* the first event of a *declared* end activity (``end_activities`` in the rules) or of a
  ``closing_activities`` activity (activities that close a case although more events follow);
* without declared end activities, the inferred end activities (those that end at least
  ``end_activity_share`` of the cases) close a case only when the case *ends* with one: an inferred
  end may also be an ordinary step in the middle of other cases.

Everything after the closing event is *after closing*: the stuck, funnel and SLA checks use the
closing event (the SLA clock stops only at a declared one: ``declared`` in the table). The waiting,
rework and ping-pong checks look at the *process* (:meth:`Closing.process_log`): the events up to
the closing event, and after it only repeats of an activity the case did up to closing — a ticket
reopened after ``Closed`` is the process again (rework), a support ticket after the payment is
another process and is left out. The events after closing, and those left out, are counted.

>>> from crmflow.store.store import EventStore
>>> store = EventStore()
>>> _ = store.sql("CREATE TABLE st AS SELECT * FROM (VALUES "
...     "(1::BIGINT, 'c1', 'Paid', TIMESTAMPTZ '2024-03-01 09:00:00+00', 'u1', NULL, NULL), "
...     "(2, 'c1', 'Ticket', TIMESTAMPTZ '2024-04-01 10:00:00+00', 'u2', NULL, NULL), "
...     "(3, 'c2', 'Offer', TIMESTAMPTZ '2024-03-01 10:00:00+00', 'u1', NULL, NULL)) "
...     "t(row_no, case_id, activity, ts, resource, role, lifecycle)")
>>> log = store.materialize(["st"])
>>> closing = Closing.install(log, first=("Paid",), last=())
>>> closing.closed_cases, closing.events_after, closing.cases_after, closing.other_events
(1, 1, 1, 1)
>>> closing.drop()
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crmflow.findings.tables import activity_codes
from crmflow.store import finding_queries as fq
from crmflow.store.store import EventLog


@dataclass(frozen=True, eq=False)
class Closing:
    """The closing event of every closed case of a log, installed as a temporary table.

    ``table`` has one row per closed case: ``case_id``, ``cid``, ``close_pos``, ``close_ts``,
    ``close_activity``, ``declared`` (closed by an activity of ``first``). ``first`` are the
    activities whose first event closes a case, ``last`` those that close it only as its last event
    (inferred end activities).
    """

    log: EventLog
    table: str
    first: tuple[str, ...]
    last: tuple[str, ...]
    closed_cases: int
    events_after: int
    cases_after: int
    #: Events after closing of activities the case had not done up to closing (left out of the process).
    other_events: int = 0
    other_cases: int = 0
    _derived: list[EventLog] = field(default_factory=list)

    @classmethod
    def install(cls, log: EventLog, *, first: tuple[str, ...], last: tuple[str, ...]) -> Closing:
        """Find the closing event of each case of ``log`` (see the module docstring)."""
        store = log.store
        table = store.new_name("cl")
        code = activity_codes(log)
        codes = {k: [code[a] for a in v if a in code] for k, v in (("first", first), ("last", last))}
        if codes["first"]:
            store.sql(fq.closing_table(log.name, table), codes)
        else:  # closed only by their last event: no grouping by case
            store.sql(fq.closing_by_last_table(log.name, table), {"last": codes["last"]})
        s = store.rows(fq.closing_summary(log.name, table))[0]
        o = store.rows(fq.after_closing_other(log.name, table))[0] if s["events_after"] else {"events": 0, "cases": 0}
        return cls(
            log=log,
            table=table,
            first=first,
            last=last,
            closed_cases=int(s["closed"]),
            events_after=int(s["events_after"]),
            cases_after=int(s["cases_after"]),
            other_events=int(o["events"]),
            other_cases=int(o["cases"]),
        )

    def process_log(self) -> EventLog:
        """The process: the log without the events after closing of activities the case had not done up
        to closing (the log itself when there are none)."""
        if not self.other_events:
            return self.log
        if not self._derived:
            self._derived.append(self.log.store.derive(self.log, fq.before_closing(self.log.name, self.table), suffix="pc"))
        return self._derived[0]

    def drop(self) -> None:
        """Remove the temporary table and the derived log."""
        store = self.log.store
        store.sql(fq.drop_table(self.table))
        for d in self._derived:
            for statement in fq.drop_log(d.name):
                store.sql(statement)
        self._derived.clear()
