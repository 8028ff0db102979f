"""Retries with exponential backoff, and incidents when they are exhausted.

A relay hands each :class:`~crmflow.engine.contracts.ActionRequest` to :class:`ActionRunner`, which picks
the connector by name and calls it. A retryable failure (429, 5xx, no answer, an SMTP 4xx) is tried again
after ``policy.delay_s(attempt)`` -- 2 s, 4 s, 8 s… capped at ``max_delay_s`` -- with the **same
idempotency key**; a failure that is not retryable (a 4xx refusal, a missing parameter), or the last
allowed attempt, opens an :class:`Incident`. Incidents are listed and retried by hand
(:meth:`IncidentRegistry.retry`): a retry starts a fresh series of attempts, still under the same key,
so a receiver that honours the key never performs the action twice.

The durable engine schedules the retry as a timer instead of sleeping: it calls :meth:`ActionRunner.attempt`
once, stores the returned delay, and calls :func:`incident_for` to build the record it persists.
:class:`IncidentRegistry` here is the in-memory registry (tests, the embedded runner).

>>> RetryPolicy(first_delay_s=2, max_delay_s=30).delay_s(1), RetryPolicy(first_delay_s=2, max_delay_s=30).delay_s(5)
(2.0, 30.0)
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from crmflow.engine.contracts import ActionRequest, ActionResult, Connector
from crmflow.engine.edge_messages import MESSAGES
from crmflow.engine.error_messages import ERRORS
from crmflow.errors import ConnectorError, CrmflowError
from crmflow.i18n import error, text

log = logging.getLogger("crmflow.engine.connectors")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried before it becomes an incident."""

    max_attempts: int = 5
    first_delay_s: float = 2.0
    factor: float = 2.0
    max_delay_s: float = 600.0

    def delay_s(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based) before the next one."""
        return float(min(self.first_delay_s * self.factor ** (attempt - 1), self.max_delay_s))

    def exhausted(self, attempt: int) -> bool:
        """Whether attempt number ``attempt`` was the last one allowed."""
        return attempt >= self.max_attempts


@dataclass(frozen=True)
class Incident:
    """A side effect that could not be performed: what, for which instance, how often tried, the last error."""

    id: str
    request: ActionRequest
    attempts: int
    error: str
    retryable: bool
    opened_at: datetime
    resolved_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def summary(self, lang: str = "en") -> str:
        """One sentence for the incidents list (ru/en)."""
        r = self.request
        return text(
            MESSAGES,
            "incident.summary",
            lang,
            connector=r.connector,
            operation=r.operation,
            instance=r.instance_id,
            element=r.element_id,
            attempts=self.attempts,
            error=self.error,
        )


def incident_for(request: ActionRequest, result: ActionResult, *, attempts: int, now: datetime | None = None) -> Incident:
    """The incident record for ``request`` whose last attempt returned ``result`` (for the durable registry too).

    Its id is stable for a given request and attempt count, so recording it twice is harmless.

    >>> r = ActionRequest("bitrix24", "crm.deal.update", "k1", "i1", "update_deal")
    >>> inc = incident_for(r, ActionResult(ok=False, detail="HTTP 400"), attempts=1, now=datetime(2026, 1, 1, tzinfo=UTC))
    >>> inc.id.startswith("inc-"), inc.retryable, inc.summary()
    (True, False, 'bitrix24 crm.deal.update for instance i1 (step update_deal) failed 1 time(s): HTTP 400')
    """
    digest = hashlib.sha256(f"{request.idempotency_key}|{request.attempt}|{attempts}".encode()).hexdigest()[:16]
    return Incident(f"inc-{digest}", request, attempts, result.detail, result.retryable, now or datetime.now(UTC))


@dataclass(frozen=True)
class ActionOutcome:
    """The end of a series of attempts: the last result, how many attempts, the incident if one was opened."""

    result: ActionResult
    attempts: int
    incident: Incident | None = None


@dataclass(frozen=True)
class Attempt:
    """One attempt: its result, and either the delay before the next try or the incident."""

    result: ActionResult
    retry_in_s: float | None = None
    incident: Incident | None = None


class IncidentRegistry:
    """Incidents in memory: open, list, retry, resolve (thread-safe)."""

    def __init__(self) -> None:
        self._items: dict[str, Incident] = {}
        self._lock = threading.Lock()

    def open(self, incident: Incident) -> Incident:
        with self._lock:
            self._items.setdefault(incident.id, incident)
            log.error("incident %s: %s", incident.id, incident.summary())
            return self._items[incident.id]

    def list(self, *, include_resolved: bool = False) -> list[Incident]:
        """Incidents, oldest first (open ones only unless asked)."""
        with self._lock:
            items = sorted(self._items.values(), key=lambda i: i.opened_at)
        return [i for i in items if include_resolved or i.open]

    def get(self, incident_id: str) -> Incident:
        with self._lock:
            if incident_id not in self._items:
                known = ", ".join(sorted(self._items)[:10]) or "none"
                raise error(ConnectorError, ERRORS, "retry.no_incident_open_incidents", incident_id=incident_id, known=known)
            return self._items[incident_id]

    def resolve(self, incident_id: str, *, now: datetime | None = None) -> Incident:
        with self._lock:
            inc = self._items[incident_id]
            done = replace(inc, resolved_at=now or datetime.now(UTC))
            self._items[incident_id] = done
            return done

    def retry(self, incident_id: str, runner: ActionRunner) -> ActionOutcome:
        """Run the incident's request again (a fresh series of attempts, the same idempotency key).

        On success the incident is resolved; on failure it stays open and a new incident records the new series.
        """
        inc = self.get(incident_id)
        outcome = runner.run(replace(inc.request, attempt=inc.request.attempt + inc.attempts))
        if outcome.result.ok:
            self.resolve(incident_id)
        return outcome


class ActionRunner:
    """Performs action requests through their connectors, with retries and incidents.

    Parameters
    ----------
    connectors
        The connectors, looked up by their ``name`` (``bitrix24``, ``amocrm``, ``email``, ``webhook``, ``bus``).
    policy
        Retries and backoff.
    incidents
        Where exhausted requests go (an in-memory registry by default).
    sleep, now
        Injected in tests (no real waiting).
    """

    def __init__(
        self,
        connectors: Iterable[Connector] | Mapping[str, Connector],
        *,
        policy: RetryPolicy | None = None,
        incidents: IncidentRegistry | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        items = connectors.values() if isinstance(connectors, Mapping) else connectors
        self.connectors = {c.name: c for c in items}
        self.policy = policy or RetryPolicy()
        self.incidents = incidents if incidents is not None else IncidentRegistry()
        self.sleep = sleep
        self.now = now

    def _perform(self, request: ActionRequest) -> ActionResult:
        connector = self.connectors.get(request.connector)
        if connector is None:
            known = ", ".join(sorted(self.connectors)) or "none"
            return ActionResult(ok=False, detail=f"no connector `{request.connector}` is configured (configured: {known})")
        try:
            return connector.perform(request)
        except CrmflowError as exc:  # a configuration problem: retrying will not help
            return ActionResult(ok=False, retryable=False, detail=f"{type(exc).__name__}: {exc}")
        except OSError as exc:  # a network problem the connector did not classify
            return ActionResult(ok=False, retryable=True, detail=f"{type(exc).__name__}: {exc}")

    def attempt(self, request: ActionRequest, *, series_attempt: int = 1) -> Attempt:
        """One attempt: the result and, on failure, the delay before the next one or the incident.

        ``series_attempt`` counts the attempts of this series (1 for the first); the durable engine keeps it.
        """
        result = self._perform(request)
        if result.ok:
            return Attempt(result)
        if result.retryable and not self.policy.exhausted(series_attempt):
            return Attempt(result, retry_in_s=self.policy.delay_s(series_attempt))
        return Attempt(
            result, incident=self.incidents.open(incident_for(request, result, attempts=series_attempt, now=self.now()))
        )

    def run(self, request: ActionRequest) -> ActionOutcome:
        """Attempt ``request`` until it succeeds, fails for good, or the attempts are used up (sleeping between)."""
        n = 0
        while True:
            n += 1
            step = self.attempt(replace(request, attempt=request.attempt + n - 1), series_attempt=n)
            if step.retry_in_s is None:
                return ActionOutcome(step.result, n, step.incident)
            log.warning(
                "%s %s (%s): %s; retry %d in %.1f s",
                request.connector,
                request.operation,
                request.idempotency_key,
                step.result.detail,
                n + 1,
                step.retry_in_s,
            )
            self.sleep(step.retry_in_s)


__all__ = ["ActionOutcome", "ActionRunner", "Attempt", "Incident", "IncidentRegistry", "RetryPolicy", "incident_for"]
