"""The trigger table: YAML with line-precise errors, routing to commands, parking, dispatch to an inbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.engine.contracts import CorrelateMessage, InboundEvent, StartProcess
from crmflow.engine.triggers import MemoryInbox, MemoryParkedEvents, dispatch, read_triggers, read_triggers_text
from crmflow.errors import TriggerTableError

from .triggers_fixture import TABLE


def test_start_and_message_commands_carry_keys_variables_and_per_rule_dedupe_keys() -> None:
    table = read_triggers_text(TABLE, where="t.yaml")
    start = table.route(InboundEvent("bitrix24", "oncrmleadadd", "bitrix24:abc", {"lead_id": "17"})).commands
    assert start == (StartProcess("lead_processing", "17", "bitrix24:abc/lead_from_bitrix24", {"lead_id": "17"}),)
    call = InboundEvent("bus", "call.logged", "bus:m1", {"phone": "+79161234567"}, {"duration": 95})
    (cmd,) = table.route(call).commands
    assert isinstance(cmd, CorrelateMessage)
    assert (cmd.message_name, cmd.correlation_key, cmd.correlation_value) == ("call_logged", "phone", "+79161234567")
    assert cmd.variables == {"phone": "+79161234567", "duration_s": 95}
    assert cmd.dedupe_key == "bus:m1/call_logged"


def test_condition_false_parks_with_the_rules_tried_and_unknown_event_suggests_a_name() -> None:
    table = read_triggers_text(TABLE, where="t.yaml")
    lost = InboundEvent("amocrm", "leads.status", "amocrm:x", {"lead_id": "5", "status_id": "143"})
    routing = table.route(lost)
    assert routing.commands == () and routing.parked is not None
    assert routing.parked.reason == "no_trigger" and "lead_won_in_amocrm" in routing.parked.detail
    typo = table.route(InboundEvent("amocrm", "leads.ad", "amocrm:y", {"lead_id": "5"})).parked
    assert typo is not None and "did you mean `leads.add`" in typo.detail
    assert "не подходит ни под один триггер" in typo.message("ru")


def test_missing_business_key_and_condition_errors_park_the_event() -> None:
    table = read_triggers_text(TABLE, where="t.yaml")
    parked = table.route(InboundEvent("bitrix24", "ONCRMLEADADD", "b:1", {"id": "3"})).parked
    assert parked is not None and parked.reason == "missing_key" and "needs key `lead_id`" in parked.detail
    # the condition reads keys.status_id, which this event lacks: not silently false, parked with the reason
    odd = table.route(InboundEvent("amocrm", "leads.status", "a:1", {"lead_id": "5"})).parked
    assert odd is not None and odd.reason == "condition_error" and "status_id" in odd.detail


def test_dispatch_persists_once_and_parks_once() -> None:
    table = read_triggers_text(TABLE, where="t.yaml")
    inbox, sink = MemoryInbox(), MemoryParkedEvents()
    events = [
        InboundEvent("bitrix24", "ONCRMLEADADD", "b:1", {"lead_id": "1"}),
        InboundEvent("json", "unknown.event", "j:1"),
    ]
    first = dispatch(events, table, inbox, sink)
    again = dispatch(events, table, inbox, sink)
    assert (first.accepted, first.parked, first.duplicates) == (1, 1, 0)
    assert (again.accepted, again.parked, again.duplicates) == (0, 0, 2) and again.only_duplicates
    assert len(inbox.commands) == 1 and len(sink.items) == 1


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            "triggers: 1\nrules:\n  - id: a\n    source: bitrix\n    event: X\n    start: {process: p, business_key: k}\n",
            "t.yaml:4: `rules[0].source`: 'bitrix' is not allowed",
        ),
        (
            "triggers: 1\nrules:\n  - id: a\n    source: json\n    event: X\n    strat: {process: p, business_key: k}\n",
            "t.yaml:6: `rules[0].strat`: unknown key `strat` (did you mean `start`?)",
        ),
        (
            "triggers: 1\nrules:\n  - id: a\n    source: json\n    event: X\n",
            "t.yaml:3: `rules[0]`: say what the rule does: exactly one of `start:` or `message:`",
        ),
        (
            "triggers: 1\nrules:\n  - id: a\n    source: json\n    event: X\n    when: 'keys.a =='\n"
            "    start: {process: p, business_key: k}\n",
            "t.yaml:6: `rules[0].when`: 'keys.a ==': column 8: unexpected end of the expression",
        ),
        (
            "triggers: 1\nrules:\n  - id: a\n    source: json\n    event: X\n    start: {process: p}\n",
            "t.yaml:6: `rules[0].start`: missing key `business_key`",
        ),
        (
            "triggers: 1\nrules:\n  - {id: a, source: json, event: X, start: {process: p, business_key: k}}\n"
            "  - {id: a, source: json, event: Y, start: {process: p, business_key: k}}\n",
            "t.yaml:4: `rules[1].id`: rule id `a` is used twice",
        ),
        ("triggers: 2\nrules: []\n", "t.yaml:1: `triggers`: 2 is not allowed (expected 1)"),
        ("rules: [a, &x b, *x]\n", "anchors and aliases"),
    ],
)
def test_bad_tables_name_line_and_key(yaml_text: str, expected: str) -> None:
    with pytest.raises(TriggerTableError) as err:
        read_triggers_text(yaml_text, where="t.yaml")
    assert expected in str(err.value)


def test_read_triggers_from_a_file_goes_through_the_safe_reader(tmp_path: Path) -> None:
    good = tmp_path / "triggers.yaml"
    good.write_text(TABLE, encoding="utf-8")
    assert len(read_triggers(good).triggers) == 6
    bad = tmp_path / "bad.yaml"
    bad.write_text("triggers: 1\nrules: [&a {id: x}]\nmore: *a\n", encoding="utf-8")
    with pytest.raises(TriggerTableError, match="anchors and aliases"):
        read_triggers(bad)
    with pytest.raises(TriggerTableError, match="empty"):
        read_triggers_text("  \n", where="e.yaml")
