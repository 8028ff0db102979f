"""The trigger table: which inbound event starts which process or delivers which message.

A trigger table is a small YAML file, validated with line-precise errors::

    triggers: 1
    rules:
      - id: new_lead                      # unique, names the rule in dedupe keys and reports
        source: bitrix24                  # bitrix24 | amocrm | json | bus
        event: ONCRMLEADADD               # the event's name as the adapter reports it
        when: 'data.FIELDS.ID != ""'      # optional, in the safe expression language
        start: {process: lead_processing, business_key: lead_id}
      - id: call_logged
        source: bus
        event: call.logged
        message: {name: call_logged, correlation_key: phone}
        variables: {duration_s: data.duration}   # optional: name -> expression

Conditions and variables are evaluated on ``{"source", "event", "keys", "data"}`` of the
:class:`~crmflow.engine.contracts.InboundEvent` (``keys.lead_id``, ``data.status_id``). Every rule whose
source, event and condition match yields one command, in table order; its ``dedupe_key`` is the event's
plus ``/<rule id>``, so a redelivered event is recognised by the inbox and a second rule is not mistaken
for a duplicate of the first. An event for which no command can be built -- no rule matches, a condition
cannot be evaluated, the business or correlation key is missing -- is **parked**: a :class:`ParkedEvent`
with the reason goes to a :class:`ParkedSink`, never to the floor.

>>> table = read_triggers_text('''
... triggers: 1
... rules:
...   - {id: r1, source: json, event: lead.created, start: {process: p, business_key: lead_id}}
... ''', where="t.yaml")
>>> from crmflow.engine.contracts import InboundEvent
>>> table.route(InboundEvent("json", "lead.created", "json:e1", {"lead_id": "7"})).commands[0].business_key
'7'
>>> table.route(InboundEvent("json", "deal.won", "json:e2")).parked.reason
'no_trigger'
"""

from __future__ import annotations

import difflib
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crmflow.design.expression_tree import DurationValue
from crmflow.design.expressions import Expression, parse_expression
from crmflow.design.loader import Located, compose_located, dotted
from crmflow.engine.contracts import CorrelateMessage, EngineCommand, InboundEvent, Inbox, StartProcess
from crmflow.engine.edge_messages import MESSAGES
from crmflow.engine.error_messages import ERRORS
from crmflow.errors import ExpressionError, ToBeError, TriggerTableError
from crmflow.i18n import error, text
from crmflow.yamlfile import read_yaml

log = logging.getLogger("crmflow.engine.triggers")

#: The adapters that produce inbound events.
SOURCES = ("bitrix24", "amocrm", "json", "bus")
#: Why an event was parked (keys of the messages catalogue ``parked.<reason>``).
ParkReason = Literal["no_trigger", "condition_error", "missing_key", "no_instance", "malformed"]
#: How many problems one error message lists.
MAX_LISTED = 20
_NAME = r"^[A-Za-z_][A-Za-z0-9_.\-]*$"


# ----------------------------------------------------------------------------- the YAML shape


class _Start(BaseModel):
    model_config = ConfigDict(extra="forbid")
    process: str = Field(min_length=1, pattern=_NAME)
    business_key: str = Field(min_length=1, pattern=_NAME)


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=_NAME)
    correlation_key: str = Field(min_length=1, pattern=_NAME)
    value: str | None = Field(default=None, min_length=1, pattern=_NAME)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, pattern=_NAME)
    source: Literal["bitrix24", "amocrm", "json", "bus"]
    event: str = Field(min_length=1, max_length=200)
    when: str | None = None
    start: _Start | None = None
    message: _Message | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    description: str | None = None


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")
    triggers: Literal[1]
    rules: list[_Rule] = Field(min_length=1)


# ----------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Trigger:
    """One rule of the table: an event (source + name, optional condition) → a start or a message."""

    id: str
    source: str
    event: str
    when: Expression | None = None
    process_id: str | None = None
    business_key: str | None = None
    message_name: str | None = None
    correlation_key: str | None = None
    correlation_value_key: str | None = None
    variables: Mapping[str, Expression] = field(default_factory=dict)

    def matches_name(self, event: InboundEvent) -> bool:
        """Same source and event name (Bitrix24 event codes compare case-insensitively, as Bitrix24 does)."""
        if event.source != self.source:
            return False
        if self.source == "bitrix24":
            return event.name.upper() == self.event.upper()
        return event.name == self.event


@dataclass(frozen=True)
class ParkedEvent:
    """An inbound event that started nothing and delivered nothing, kept with the reason.

    ``reason`` is one of :data:`ParkReason`; ``detail`` says which rules were tried and why they did
    not apply (English, for logs); :meth:`message` gives it to people in ru/en.
    """

    event: InboundEvent
    reason: str
    detail: str
    parked_at: datetime

    def message(self, lang: str = "en") -> str:
        """The reason as a sentence in ``lang``."""
        return text(MESSAGES, f"parked.{self.reason}", lang, source=self.event.source, event=self.event.name, detail=self.detail)


class ParkedSink(Protocol):
    """Where parked events go (a durable table in the engine; a list in tests)."""

    def park(self, parked: ParkedEvent) -> bool:
        """Keep ``parked``; ``False`` when an event with the same dedupe key is parked already."""
        ...


class MemoryParkedEvents:
    """Parked events in memory, deduplicated on the event's dedupe key (thread-safe).

    >>> sink = MemoryParkedEvents()
    >>> e = ParkedEvent(InboundEvent("json", "x", "json:1"), "no_trigger", "", datetime(2026, 1, 1, tzinfo=UTC))
    >>> sink.park(e), sink.park(e), len(sink.items)
    (True, False, 1)
    """

    def __init__(self) -> None:
        self.items: list[ParkedEvent] = []
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def park(self, parked: ParkedEvent) -> bool:
        with self._lock:
            if parked.event.dedupe_key in self._keys:
                return False
            self._keys.add(parked.event.dedupe_key)
            self.items.append(parked)
            log.warning("parked %s %s (%s): %s", parked.event.source, parked.event.name, parked.reason, parked.detail)
            return True


class MemoryInbox:
    """An in-memory :class:`~crmflow.engine.contracts.Inbox` (tests, dry runs), deduplicated, thread-safe.

    >>> inbox = MemoryInbox()
    >>> cmd = StartProcess("p", "L-1", "k1")
    >>> inbox.accept(cmd), inbox.accept(cmd), len(inbox.commands)
    (True, False, 1)
    """

    def __init__(self) -> None:
        self.commands: list[EngineCommand] = []
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def accept(self, command: EngineCommand) -> bool:
        with self._lock:
            if command.dedupe_key in self._keys:
                return False
            self._keys.add(command.dedupe_key)
            self.commands.append(command)
            return True


@dataclass(frozen=True)
class Routing:
    """What the table makes of one event: the commands, and the parked record when it must be parked."""

    commands: tuple[EngineCommand, ...]
    parked: ParkedEvent | None = None


@dataclass(frozen=True)
class Dispatch:
    """What :func:`dispatch` did with a batch of events."""

    accepted: int = 0
    duplicates: int = 0
    parked: int = 0
    parked_events: tuple[ParkedEvent, ...] = ()

    @property
    def only_duplicates(self) -> bool:
        """Every command was seen before and nothing was parked (the sender retried a delivery)."""
        return self.accepted == 0 and self.parked == 0 and self.duplicates > 0


def _plain(value: Any) -> Any:
    """An expression value as plain JSON data (durations as ISO text, datetimes as ISO 8601)."""
    if isinstance(value, DurationValue):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class TriggerTable:
    """The rules, in order, and the file they came from."""

    triggers: tuple[Trigger, ...]
    source: str = "<triggers>"

    def unknown_processes(self, process_ids: Iterable[str]) -> list[str]:
        """Problems for rules that start a process the deployed model does not have (a deploy-time check).

        >>> t = read_triggers_text("triggers: 1\\nrules: [{id: r, source: json, event: a, "
        ...                        "start: {process: lead_procesing, business_key: k}}]", where="t.yaml")
        >>> t.unknown_processes(["lead_processing"])
        ['t.yaml: rule `r` starts process `lead_procesing`, which the model does not have (did you mean `lead_processing`?)']
        """
        known = list(process_ids)
        out = []
        for t in self.triggers:
            if t.process_id is not None and t.process_id not in known:
                close = difflib.get_close_matches(t.process_id, known, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else f" (it has: {', '.join(known) or 'none'})"
                out.append(f"{self.source}: rule `{t.id}` starts process `{t.process_id}`, which the model does not have{hint}")
        return out

    def route(self, event: InboundEvent, *, now: datetime | None = None) -> Routing:
        """The commands ``event`` yields (every matching rule, in order), or why it is parked.

        An event is parked when no command could be built, and also when a rule that matched could not
        build its command (a missing key): the commands that could be built still go to the inbox.
        """
        context = {"source": event.source, "event": event.name, "keys": dict(event.keys), "data": dict(event.payload)}
        commands: list[EngineCommand] = []
        problems: list[tuple[str, str]] = []
        tried = [t for t in self.triggers if t.matches_name(event)]
        for trig in tried:
            try:
                if trig.when is not None and not trig.when.holds(context):
                    continue
                variables = {**event.keys, **{k: _plain(e.evaluate(context)) for k, e in trig.variables.items()}}
            except ExpressionError as exc:
                problems.append(("condition_error", f"rule `{trig.id}`: {exc}"))
                continue
            dedupe = f"{event.dedupe_key}/{trig.id}"
            if trig.process_id is not None and trig.business_key is not None:
                key = str(event.keys.get(trig.business_key, "") or "")
                if not key:
                    problems.append(("missing_key", _missing(trig, trig.business_key, event)))
                    continue
                commands.append(StartProcess(trig.process_id, key, dedupe, variables))
            elif trig.message_name is not None and trig.correlation_key is not None:
                value_key = trig.correlation_value_key or trig.correlation_key
                value = str(event.keys.get(value_key, "") or "")
                if not value:
                    problems.append(("missing_key", _missing(trig, value_key, event)))
                    continue
                commands.append(CorrelateMessage(trig.message_name, trig.correlation_key, value, dedupe, variables))
        if commands and not problems:
            return Routing(tuple(commands))
        when = now or event.received_at or datetime.now(UTC)
        if problems:
            reason = problems[0][0] if len({p[0] for p in problems}) == 1 else "condition_error"
            return Routing(tuple(commands), ParkedEvent(event, reason, "; ".join(p[1] for p in problems), when))
        if tried:
            detail = "conditions false for rule(s) " + ", ".join(f"`{t.id}`" for t in tried)
        else:
            known = sorted({t.event for t in self.triggers if t.source == event.source})
            close = difflib.get_close_matches(event.name, known, n=1)
            detail = f"no rule for {event.source} `{event.name}`" + (f" (did you mean `{close[0]}`?)" if close else "")
            detail += f"; the table has for {event.source}: {', '.join(known) or 'nothing'}"
        return Routing((), ParkedEvent(event, "no_trigger", detail, when))


def _missing(trig: Trigger, key: str, event: InboundEvent) -> str:
    return f"rule `{trig.id}` needs key `{key}`, the event has: {', '.join(sorted(event.keys)) or 'no keys'}"


def dispatch(
    events: Iterable[InboundEvent], table: TriggerTable, inbox: Inbox, sink: ParkedSink, *, now: datetime | None = None
) -> Dispatch:
    """Route each event through ``table``; accept the commands into ``inbox``, park what yields nothing.

    The caller acknowledges the delivery only after this returns: an exception from the inbox or the
    sink propagates, the sender retries, and the dedupe keys make the retry harmless.

    >>> table = read_triggers_text(
    ...     "triggers: 1\\nrules: [{id: r, source: json, event: a, start: {process: p, business_key: k}}]", where="t")
    >>> inbox, sink = MemoryInbox(), MemoryParkedEvents()
    >>> ev = [InboundEvent("json", "a", "json:1", {"k": "1"}), InboundEvent("json", "b", "json:2")]
    >>> d = dispatch(ev, table, inbox, sink)
    >>> d.accepted, d.parked, dispatch(ev[:1], table, inbox, sink).duplicates
    (1, 1, 1)
    """
    accepted = duplicates = parked = 0
    parked_events: list[ParkedEvent] = []
    for event in events:
        routing = table.route(event, now=now)
        for cmd in routing.commands:
            if inbox.accept(cmd):
                accepted += 1
            else:
                duplicates += 1
        if routing.parked is not None:
            if sink.park(routing.parked):
                parked += 1
                parked_events.append(routing.parked)
            else:
                duplicates += 1
    return Dispatch(accepted, duplicates, parked, tuple(parked_events))


# ----------------------------------------------------------------------------- loading


def _problems_of(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            model: type[BaseModel] = _Table
            if len(loc) >= 3 and loc[0] == "rules":
                model = _Rule if len(loc) == 3 else (_Start if loc[2] == "start" else _Message)
            names = sorted(model.model_fields)
            close = difflib.get_close_matches(str(loc[-1]), names, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            out.append((loc, f"unknown key `{loc[-1]}`{hint}; allowed keys: {', '.join(names)}"))
        elif err["type"] == "missing":
            out.append((loc[:-1] or loc, f"missing key `{loc[-1]}` (add it)"))
        elif err["type"] == "literal_error":
            out.append((loc, f"{err['input']!r} is not allowed (expected {err['ctx']['expected']})"))
        elif err["type"] == "string_pattern_mismatch":
            out.append((loc, f"{err['input']!r} is not a name (letters, digits, `_`, `.`, `-`; not starting with a digit)"))
        else:
            out.append((loc, f"{err['msg']} (got {err['input']!r})"))
    return out


def _report(where: str, located: Located, problems: Sequence[tuple[tuple[str | int, ...], str]]) -> TriggerTableError:
    lines = []
    for path, message in problems[:MAX_LISTED]:
        line = located.line_of(path)
        lines.append(f"{where}{f':{line}' if line else ''}: `{dotted(path)}`: {message}")
    more = f"\n… and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    return TriggerTableError(f"{where} is not a valid trigger table ({len(problems)} problem(s)):\n" + "\n".join(lines) + more)


def _expression(source: str, path: tuple[str | int, ...], problems: list[tuple[tuple[str | int, ...], str]]) -> Expression | None:
    try:
        return parse_expression(source)
    except ExpressionError as exc:
        problems.append((path, str(exc)))
        return None


def build_table(located: Located, *, where: str) -> TriggerTable:
    """Validate plain data (with its line marks) and build the table.

    Raises
    ------
    TriggerTableError
        Listing every problem as ``file:line: `key`: what to do``.
    """
    if not isinstance(located.data, dict):
        raise error(TriggerTableError, ERRORS, "triggers.expected_mapping_starting_triggers", where=where)
    try:
        table = _Table.model_validate(located.data)
    except ValidationError as exc:
        raise _report(where, located, _problems_of(exc)) from None
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: dict[str, int] = {}
    triggers = []
    for i, rule in enumerate(table.rules):
        path: tuple[str | int, ...] = ("rules", i)
        if rule.id in seen:
            problems.append(((*path, "id"), f"rule id `{rule.id}` is used twice (also rules[{seen[rule.id]}]); keep ids unique"))
        seen.setdefault(rule.id, i)
        if (rule.start is None) == (rule.message is None):
            problems.append((path, "say what the rule does: exactly one of `start:` or `message:`"))
        when = _expression(rule.when, (*path, "when"), problems) if rule.when is not None else None
        variables = {}
        for name, source in rule.variables.items():
            expr = _expression(source, (*path, "variables", name), problems)
            if expr is not None:
                variables[name] = expr
        triggers.append(
            Trigger(
                id=rule.id,
                source=rule.source,
                event=rule.event,
                when=when,
                process_id=rule.start.process if rule.start else None,
                business_key=rule.start.business_key if rule.start else None,
                message_name=rule.message.name if rule.message else None,
                correlation_key=rule.message.correlation_key if rule.message else None,
                correlation_value_key=rule.message.value if rule.message else None,
                variables=variables,
            )
        )
    if problems:
        raise _report(where, located, problems)
    return TriggerTable(tuple(triggers), where)


def read_triggers_text(yaml_text: str, *, where: str) -> TriggerTable:
    """A trigger table from YAML text (``where`` names it in messages)."""
    if not yaml_text.strip():
        raise error(TriggerTableError, ERRORS, "triggers.file_empty_expected_triggers", where=where)
    try:
        located = compose_located(yaml_text, where=where)
    except ToBeError as exc:  # the composer's messages are generic YAML ones; only the class is To-Be's
        raise error(TriggerTableError, ERRORS, "triggers.yaml_invalid", cause=exc) from None
    return build_table(located, where=where)


def read_triggers(path: str | Path) -> TriggerTable:
    """Read and check a trigger table file.

    The file goes through :func:`crmflow.yamlfile.read_yaml` first (size cap, UTF-8, no anchors or aliases),
    then is composed again with line marks for the messages.

    Raises
    ------
    TriggerTableError
        If the file cannot be read, is not YAML, or breaks the format; each problem names the line.
    """
    read_yaml(path, what="trigger table", error=TriggerTableError)
    return read_triggers_text(Path(path).read_text(encoding="utf-8-sig"), where=str(path))


__all__ = [
    "SOURCES",
    "Dispatch",
    "MemoryInbox",
    "MemoryParkedEvents",
    "ParkReason",
    "ParkedEvent",
    "ParkedSink",
    "Routing",
    "Trigger",
    "TriggerTable",
    "build_table",
    "dispatch",
    "read_triggers",
    "read_triggers_text",
]
