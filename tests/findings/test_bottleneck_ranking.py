"""The bottleneck ranking read from the mined DFG and activity statistics equals the ranking queried from the events.

The audit passes its DFG and activity statistics to the findings (``detect_findings(mined=...)``) so that the
bottlenecks do not group the events twice more; on real logs and on a log with ties and repeats, both ways
give the same findings with the same numbers.
"""

from __future__ import annotations

from typing import Any

import pytest

from crmflow.findings.bottleneck import find_bottlenecks
from crmflow.findings.rules import AuditRules, load_rules
from crmflow.mining.dfg import discover_dfg
from crmflow.mining.statistics import activity_statistics
from crmflow.sources.reader import read_log
from crmflow.store.store import EventLog
from tests.conftest import make_log, real


def _same(a: list[Any], b: list[Any]) -> None:
    assert [(f.key, f.severity, f.title) for f in a] == [(f.key, f.severity, f.title) for f in b]
    for x, y in zip(a, b, strict=True):
        assert x.metrics.keys() == y.metrics.keys()
        for k, v in x.metrics.items():
            w = y.metrics[k]
            assert v == (pytest.approx(w, rel=1e-9) if isinstance(w, float) else w), k
        assert x.evidence == y.evidence


def _both(log: EventLog, rules: AuditRules) -> tuple[list[Any], list[Any]]:
    mined = (discover_dfg(log), activity_statistics(log))
    return find_bottlenecks(log, rules, mined=mined), find_bottlenecks(log, rules)


@pytest.mark.parametrize("name", ["helpdesk.xes.gz", "receipt.xes", "bpic2012.xes.gz"])
def test_the_ranking_from_the_mined_summaries_equals_the_queried_one_on_real_logs(name: str) -> None:
    log = read_log(real(name))
    for top in (5, 50):
        rules = load_rules({"thresholds": {"bottleneck_top": top, "bottleneck_min_share": 0.0}})
        fast, slow = _both(log, rules)
        assert fast, name
        _same(fast, slow)


def test_ties_repeats_and_an_activity_that_only_starts_cases() -> None:
    events = [
        ("c1", "A", "2024-01-01 09:00", "ann"),
        ("c1", "B", "2024-01-01 10:00", "bob"),
        ("c1", "B", "2024-01-01 11:00", "bob"),  # a repeat
        ("c2", "A", "2024-01-02 09:00", "ann"),
        ("c2", "C", "2024-01-02 10:00", "bob"),  # the same total as c1's A -> B: a tie, broken by name
        ("c3", "S", "2024-01-03 09:00", "ann"),  # S only starts cases: no wait before it
        ("c3", "B", "2024-01-03 09:30", "ann"),
    ]
    log = make_log(events)
    rules = load_rules({"thresholds": {"bottleneck_top": 10, "bottleneck_min_share": 0.0}})
    fast, slow = _both(log, rules)
    _same(fast, slow)
    assert "-> S" not in {f.key for f in fast}
