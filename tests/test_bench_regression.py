"""The benchmark-regression guard (``bench/run.py --check``) judges stages by their ratio to the peer."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
_spec = importlib.util.spec_from_file_location("bench_regression", BENCH / "regression.py")
assert _spec and _spec.loader
regression = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = regression  # dataclasses look their module up
_spec.loader.exec_module(regression)


def _row(op: str, ours: float, peer: float | None, log: str = "scaled_1000000.csv") -> dict[str, object]:
    return {"log": log, "operation": op, "crmflow_s": ours, "pm4py_s": peer, "ratio": peer / ours if peer else None}


def test_a_machine_twice_as_slow_on_both_sides_is_no_regression() -> None:
    old = [_row("load", 1.0, 2.0), _row("variants", 0.03, 0.35)]
    new = [_row("load", 2.0, 4.1), _row("variants", 0.06, 0.70)]
    assert [v.verdict for v in regression.compare(old, new)] == ["ok", "ok"]
    assert regression.failures(regression.compare(old, new)) == []


def test_a_stage_that_lost_more_than_the_tolerance_fails_and_one_within_it_passes() -> None:
    old = [_row("load", 1.0, 2.0), _row("dfg+waits", 0.1, 2.0)]
    new = [_row("load", 1.25, 2.0), _row("dfg+waits", 0.14, 2.0)]  # 1.25× and 1.4× slower against the peer
    verdicts = {v.operation: v for v in regression.compare(old, new)}
    assert verdicts["load"].verdict == "ok"
    assert verdicts["dfg+waits"].verdict == "slower"
    assert verdicts["dfg+waits"].slowdown == pytest.approx(1.4)
    assert [v.operation for v in regression.failures(verdicts.values())] == ["dfg+waits"]


def test_a_stage_missing_or_crashed_in_the_new_run_fails_and_one_without_a_peer_never_does() -> None:
    old = [_row("load", 1.0, 2.0), _row("variants", 0.1, 1.0), _row("full audit", 3.0, None)]
    new = [{**_row("variants", 0.1, 1.0), "ratio": float("nan")}, _row("full audit", 30.0, None)]
    verdicts = {v.operation: v.verdict for v in regression.compare(old, new)}
    assert verdicts == {"load": "missing", "variants": "error", "full audit": "no peer"}
    assert sorted(v.operation for v in regression.failures(regression.compare(old, new))) == ["load", "variants"]


def test_the_newest_recorded_run_is_the_baseline(tmp_path: Path) -> None:
    for name in ("bench_2026-12-01T1000.json", "bench_2026-12-07T0100.json"):
        (tmp_path / name).write_text(json.dumps({"command": name, "rows": [_row("load", 1.0, 2.0)]}), encoding="utf-8")
    latest = regression.latest_record(tmp_path)
    assert latest.name == "bench_2026-12-07T0100.json"
    assert regression.load_record(latest)["command"] == "bench_2026-12-07T0100.json"
    with pytest.raises(FileNotFoundError, match="--record"):
        regression.latest_record(tmp_path / "empty")
    (tmp_path / "bad.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match="rows"):
        regression.load_record(tmp_path / "bad.json")
