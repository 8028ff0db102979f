"""Random runs of every shipped To-Be: the engine's own log replays on the same model with fitness 1.0."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crmflow.bpmn.to_petri import bpmn_to_petri
from crmflow.conformance.alignments import align
from crmflow.conformance.token_replay import token_replay
from crmflow.design.expression_tree import Binary, Literal, Logical, Unary
from crmflow.design.expression_tree import Path as PathNode
from crmflow.engine.contracts import CorrelateMessage
from crmflow.engine.deploy import load_model
from crmflow.engine.eventlog import event_rows
from crmflow.engine.tasks import TaskService
from crmflow.engine.timing import ManualClock
from crmflow.engine.worker import Engine
from crmflow.sources.reader import read_log

from .conftest import MemoryConnector
from .test_deploy import EXAMPLES


def _pairs(node: Any) -> list[tuple[tuple[str, ...], Any]]:
    """(path, literal) pairs of the comparisons in a condition."""
    out: list[tuple[tuple[str, ...], Any]] = []
    if isinstance(node, Binary):
        if isinstance(node.left, PathNode) and isinstance(node.right, Literal):
            out.append((node.left.parts, node.right.value))
        elif isinstance(node.left, PathNode) and isinstance(node.right, PathNode):  # field against field: numbers
            out += [(node.left.parts, 100), (node.right.parts, 100)]
        out += [p for side in (node.left, node.right) if not isinstance(side, PathNode) for p in _pairs(side)]
    elif isinstance(node, Logical):
        for item in node.items:
            out += _pairs(item)
    elif isinstance(node, Unary):
        out += _pairs(node.operand)
    elif isinstance(node, PathNode):
        out.append((node.parts, True))
    return out


def _random_variables(engine: Engine, process_id: str, rng: random.Random) -> dict[str, Any]:
    values: dict[tuple[str, ...], list[Any]] = {}
    for n in engine.process(process_id).nodes.values():
        for f in n.outgoing:
            if f.condition is not None:
                for path, value in _pairs(f.condition.tree):
                    options = values.setdefault(path, [])
                    options.append(value)
                    if isinstance(value, bool):
                        options.append(not value)
                    elif isinstance(value, int | float):
                        options += [value - 1, value + 1]
    out: dict[str, Any] = {}
    for path, options in values.items():
        target = out
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = rng.choice(options)
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_random_runs_replay_with_fitness_one(path: Path, tmp_path: Path) -> None:
    rng = random.Random(path.stem)
    clock = ManualClock(datetime(2024, 3, 4, 7, 0, tzinfo=UTC))
    engine = Engine(str(tmp_path / "e.sqlite"), clock=clock, connectors=[MemoryConnector()])
    deployment = engine.deploy(path)
    process = deployment.process()
    message = next(iter(process.message_starts))
    cases = 30
    for i in range(cases):
        engine.accept(
            CorrelateMessage(
                message_name=message,
                correlation_key="case",
                correlation_value=f"C{i}",
                dedupe_key=f"start:{i}",
                variables=_random_variables(engine, process.id, rng),  # a condition on a missing field is an incident
            )
        )
    tasks = TaskService(engine)
    for _ in range(100):
        engine.run_until_idle()
        for task in tasks.list(limit=1000):
            if rng.random() < 0.7:
                tasks.complete(task.id, _random_variables(engine, process.id, rng))
        with engine.store.tx():
            subs = engine.store.q(
                "SELECT s.message, i.business_key FROM subscriptions s JOIN instances i ON i.id = s.instance_id"
            )
        for message_name, key in subs:
            if rng.random() < 0.4:
                engine.accept(
                    CorrelateMessage(
                        message_name=message_name,
                        correlation_key="business_key",
                        correlation_value=str(key),
                        dedupe_key=f"m:{key}:{message_name}:{rng.random()}",
                        variables=_random_variables(engine, process.id, rng),
                    )
                )
        clock.advance(rng.choice([600, 3600, 4 * 3600, 86400]))
    engine.run_until_idle()
    statuses = dict(engine.store.q("SELECT status, COUNT(*) FROM instances GROUP BY status"))
    assert statuses.get("completed", 0) >= cases // 3, statuses
    rows = event_rows(engine.store, completed_only=True)
    assert rows.num_rows > 0
    log = read_log(rows.select(["case_id", "activity", "timestamp", "resource", "role"]))
    net = bpmn_to_petri(load_model(path), process.id)
    aligned = align(log, net)
    assert aligned.unaligned_variants == 0
    # every trace fits: no log or model move; the log fitness counts silent moves at a tiny cost (as pm4py does)
    assert [v for v in aligned.variants if v.deviations] == []
    assert aligned.fitting_cases == aligned.cases and aligned.average_trace_fitness == 1.0
    assert aligned.log_fitness == pytest.approx(1.0, abs=1e-3)
    if not any(n.kind == "boundary" and not n.interrupting for n in process.nodes.values()):
        # token replay fires silent steps only on demand, so it cannot fork a non-interrupting branch
        # ahead of its host; without such branches it agrees with the alignments
        assert token_replay(log, net).log_fitness == 1.0
