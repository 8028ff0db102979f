"""The exception tree of crmflow.

Every error crmflow raises on purpose derives from :class:`CrmflowError`; the CLI turns
these into a readable message without a traceback (``--debug`` shows it)::

    CrmflowError
    ├── InputError              the user's file cannot be read as asked
    │   ├── UnsupportedFormatError   no reader for this file type
    │   ├── ColumnMappingError       a required column is missing or ambiguous
    │   ├── UnsafeInputError         XML entities, decompression bombs, oversize lines
    │   ├── EmptyLogError            nothing usable was left after ingestion
    │   ├── SourceError              a CRM export or API response is not what its adapter expects
    │   └── ObjectModelError         an object model / integration inventory YAML is invalid (names the key)
    ├── CrmApiError             (sources/) a CRM API call failed (status, method, what to do)
    │   └── ApiUnreachableError      no HTTP answer at all (reset, timeout); retried
    │       └── ApiConnectError      no connection (refused, DNS, TLS); not retried
    ├── QualityRulesError       the data-quality rules (YAML) are invalid (names the key and the fix)
    │   └── DuplicateDetectionError  (quality/linkage_model.py) the linkage model could not score the table
    ├── ToBeError               a To-Be definition is invalid (names the file, line and key)
    ├── ExpressionError         a condition/rule expression cannot be parsed or evaluated
    ├── DurationError           a duration (PT10M, 1h30m) cannot be read
    ├── PackError               the audit pack cannot be generated (names the document and the cause)
    ├── RulesError              the rules YAML is invalid (names the key and the fix)
    ├── StoreError              the project store cannot be opened or is inconsistent
    ├── BpmnError               a BPMN model or file is invalid (names the element id)
    ├── PetriNetError           (conformance/petrinet.py) a malformed Petri net
    ├── AlignmentError          (conformance/alignments.py) the model cannot reach its final marking
    ├── DiscoveryError          (discovery/inductive.py) nothing to discover, bad threshold
    ├── ProcessTreeError        (discovery/process_tree.py) a malformed process tree
    ├── ProcessMapError         the process map could not be drawn
    │   └── GraphvizNotFoundError    Graphviz's `dot` is missing (the message says how to install it)
    ├── SimulationError         (simulation/) a scenario file or a simulation request is invalid (names the key)
    └── EngineError             (engine/) the execution engine cannot do what was asked
        ├── DeployError              a BPMN element cannot be executed (element id and why)
        ├── EngineStoreError         the engine's SQLite/PostgreSQL store cannot be opened or written
        └── TaskError                a task operation is not allowed (wrong state, not the assignee)
            └── UnknownTaskError         no task has that id

Messages are sentences that name the file, row, column and value and say what was expected. An error
raised through :func:`crmflow.i18n.error` carries a message ``key`` of its area's catalogue and its typed
``params`` (file, line, column, expected…) and is worded at the point of display, in the language of the
CLI or the web app (:meth:`CrmflowError.in_language`); ``str(error)`` is the message in the language the
library was asked to speak (English unless told). Errors that still carry a finished sentence show it as is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Self


class CrmflowError(Exception):
    """Root of every error crmflow raises on purpose.

    ``texts`` (optional, keyword only) holds finished messages per language; an error made by
    :func:`crmflow.i18n.error` instead carries ``key`` and ``params`` and words itself in any language
    when shown (:meth:`in_language`).

    >>> e = CrmflowError("file missing", texts={"ru": "файла нет"})
    >>> str(e), e.in_language("ru"), e.in_language("en"), e.key
    ('file missing', 'файла нет', 'file missing', None)
    """

    #: The message's key in its area's catalogue (``None``: the message is a finished sentence).
    key: str | None = None
    #: The typed values the message is worded from (file, line, column, expected…), as raised.
    params: Mapping[str, object] = {}
    _render: Callable[[str], str] | None = None

    def __init__(self, *args: object, texts: Mapping[str, str] | None = None) -> None:
        super().__init__(*args)
        self.texts: dict[str, str] = dict(texts or {})

    @classmethod
    def localized(cls, catalog: Mapping[str, Mapping[str, str]], key: str, /, **kwargs: object) -> Self:
        """The error for ``catalog[key]`` worded in any language when shown (plain ``str.format``; the
        catalogues of the layers above use :func:`crmflow.i18n.error`, with number and plural rules).

        >>> e = CrmflowError.localized({"k": {"en": "no {f}", "ru": "нет {f}"}}, "k", f="a.yaml")
        >>> str(e), e.in_language("ru"), e.key, dict(e.params)
        ('no a.yaml', 'нет a.yaml', 'k', {'f': 'a.yaml'})
        """
        entry = catalog[key]

        def render(lang: str) -> str:
            template = entry.get(lang) or entry.get("en") or next(iter(entry.values()))
            return template.format(**{k: _in(v, lang) for k, v in kwargs.items()})

        return cls(render("en")).worded(key, kwargs, render)

    def worded(self, key: str, params: Mapping[str, object], render: Callable[[str], str]) -> Self:
        """This error, worded from ``key`` and ``params`` by ``render(lang)`` when shown; returns itself."""
        self.key, self.params, self._render = key, dict(params), render
        return self

    def in_language(self, lang: str) -> str:
        """The message in ``lang``: worded now from its key and params, else the finished text it carries."""
        if self._render is not None:
            return self._render(lang)
        return self.texts.get(lang) or str(self)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled (a forked simulation worker sends its error back) with its message worded in every language:
        the wording function stays behind, the key stays, parameters travel as text.

        >>> import pickle
        >>> e = CrmflowError.localized({"k": {"en": "no {f}", "ru": "нет {f}"}}, "k", f="a.yaml")
        >>> back = pickle.loads(pickle.dumps(e))
        >>> str(back), back.in_language("ru"), back.key, dict(back.params)
        ('no a.yaml', 'нет a.yaml', 'k', {'f': 'a.yaml'})
        """
        state = dict(self.__dict__)
        render = state.pop("_render", None)
        if render is not None:
            state["texts"] = {lang: render(lang) for lang in _LANGS}
            state["params"] = {k: v if isinstance(v, str | int | float | bool | None) else str(v) for k, v in self.params.items()}
        return (type(self), self.args, state)


#: The languages a pickled error keeps its message in (crmflow.i18n.LANGS, which sits above this module).
_LANGS = ("ru", "en")


def _in(value: object, lang: str) -> object:
    """A parameter as a message in ``lang`` shows it: an error or a phrase in that language, else as is."""
    in_language = getattr(value, "in_language", None)
    return in_language(lang) if callable(in_language) else value


class InputError(CrmflowError):
    """An input file cannot be read as asked."""


class UnsupportedFormatError(InputError):
    """No reader knows this file type."""


class ColumnMappingError(InputError):
    """A required column (case id, activity, timestamp) is missing or ambiguous."""


class UnsafeInputError(InputError):
    """The input is hostile or too large to read safely (XML entities, bombs, huge lines)."""


class EmptyLogError(InputError):
    """No event survived ingestion; every row went to the quarantine."""


class SourceError(InputError):
    """A CRM export or saved API response does not have the shape its adapter expects."""


class ObjectModelError(InputError):
    """An object-model or integration-inventory YAML file is invalid (names the file, key and fix)."""


class CrmApiError(CrmflowError):
    """A live CRM API call failed (HTTP status, method, and what to do about it)."""


class ApiUnreachableError(CrmApiError):
    """The CRM API gave no HTTP answer (connection reset, timeout): retried."""


class ApiConnectError(ApiUnreachableError):
    """No connection to the CRM API's host at all (refused, name not resolved, TLS): not retried.

    ``reason`` is ``refused``, ``dns``, ``tls`` or ``other``; ``host`` the host asked for.
    """

    def __init__(self, message: str, *, reason: str = "other", host: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.host = host


class QualityRulesError(CrmflowError):
    """The data-quality rules (YAML) are invalid."""


class DuplicateDetectionError(QualityRulesError):
    """Duplicate detection could not score an entity table (the message says why and what to change)."""


class ToBeError(CrmflowError):
    """A To-Be definition is invalid: the message names the file, line and key."""


class ExpressionError(CrmflowError):
    """A condition or rule expression cannot be parsed or evaluated (names the position)."""


class DurationError(CrmflowError):
    """A duration (``PT10M``, ``1h30m``) cannot be read (names the text and the expected form)."""


class PackError(CrmflowError):
    """The audit pack (documents, workbooks, diagrams) cannot be generated."""


class RulesError(CrmflowError):
    """The audit rules (YAML) are invalid."""


class StoreError(CrmflowError):
    """The DuckDB project store cannot be opened or is inconsistent."""


class BpmnError(CrmflowError):
    """A BPMN model or file is invalid: a dangling reference, a duplicate id, a bad element."""


class ProcessMapError(CrmflowError):
    """The process map could not be drawn (Graphviz failed or is missing)."""


class GraphvizNotFoundError(ProcessMapError):
    """Graphviz's ``dot`` program is not installed or not on ``PATH``."""


# --- web app (issue 13) ---------------------------------------------------------------------
class WebError(CrmflowError):
    """A request of the web app cannot be served as asked (bad account data, unknown project, …)."""


class AccessDeniedError(WebError):
    """The signed-in user's role or data scope does not allow this (HTTP 403)."""


class WebNotFoundError(WebError):
    """The project, case, task or file asked for does not exist (HTTP 404)."""


# --------------------------------------------------------------------------- simulation (issue 14)


class SimulationError(CrmflowError):
    """A what-if scenario file or a simulation request is invalid: the message names the file, scenario and key."""


__all__ = [
    "ApiUnreachableError",
    "ApiConnectError",
    "BpmnError",
    "ColumnMappingError",
    "DeployError",
    "EngineError",
    "EngineStoreError",
    "TaskError",
    "CrmApiError",
    "CrmflowError",
    "DurationError",
    "EmptyLogError",
    "ExpressionError",
    "GraphvizNotFoundError",
    "InputError",
    "ObjectModelError",
    "PackError",
    "ProcessMapError",
    "QualityRulesError",
    "RulesError",
    "SimulationError",
    "SourceError",
    "StoreError",
    "ToBeError",
    "UnknownTaskError",
    "UnsafeInputError",
    "UnsupportedFormatError",
    "WebError",
    "AccessDeniedError",
    "WebNotFoundError",
]


# --- the engine's edges (webhooks, triggers, connectors, bus): branch i12b ---------------------------------


class ApiRetryExhaustedError(CrmApiError):
    """A CRM API call kept failing with retryable answers (429, 5xx, no answer): worth retrying later.

    ``request`` (method and path, redacted), ``attempts`` and ``last`` (the last failure) let a caller word
    its own message (the engine's incidents do not speak of resuming a pull).
    """

    def __init__(self, message: str, *, request: str = "", attempts: int = 0, last: str = "") -> None:
        super().__init__(message)
        self.request = request
        self.attempts = attempts
        self.last = last


class WebhookRejectedError(InputError):
    """An incoming webhook is refused: ``status`` is the HTTP answer (400, 401, 413), ``field`` what was wrong."""

    def __init__(self, message: str, *, status: int, code: str, field: str = "", expected: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field
        self.expected = expected


class TriggerTableError(InputError):
    """The trigger table (YAML) is invalid: the message names the file, line and key."""


class ConnectorError(CrmflowError):
    """A connector cannot perform a request as configured (unknown operation, missing setting or secret)."""


class BusError(CrmflowError):
    """The event bus cannot be reached or refused a message (retried by the outbox relay)."""


class BusMessageError(BusError):
    """A message does not match its schema in the AsyncAPI document (``field`` names the offending field)."""

    def __init__(self, message: str, *, event: str, field: str = "") -> None:
        super().__init__(message)
        self.event = event
        self.field = field


__all__ += [
    "ApiRetryExhaustedError",
    "BusError",
    "BusMessageError",
    "ConnectorError",
    "TriggerTableError",
    "WebhookRejectedError",
]


# ------------------------------------------------------------------------------ engine (issue 12, core)


class EngineError(CrmflowError):
    """(engine/) The execution engine cannot do what was asked (names the instance, element or row)."""


class DeployError(EngineError):
    """(engine/deploy.py) A BPMN model cannot be executed: lists each refused element id and why."""


class EngineStoreError(EngineError):
    """(engine/store.py) The engine's durable store cannot be opened or written (names the database)."""


class TaskError(EngineError):
    """(engine/tasks.py) A task operation is not allowed (unknown task, wrong state, not the assignee)."""


class UnknownTaskError(TaskError):
    """(engine/tasks.py) No task has the id asked for."""


# --- issue 18 (nothing lost): row accounting and store consistency


class RowAccountingError(InputError):
    """(ingest/csv.py) the records a reader loaded do not add up to the records counted from the file's bytes."""


class StoreInconsistentError(StoreError):
    """(store/consistency.py) a project store's ingestions, events and quarantine do not add up (names the fix)."""


__all__ += ["RowAccountingError", "StoreInconsistentError"]
