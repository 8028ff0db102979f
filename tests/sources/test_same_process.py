"""The same deals exported as a generic event log, a Bitrix24 stage history and amoCRM events give
the same process: directly-follows graph, variants and case durations (issue 4, "same process")."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.demo.crm_exports import (
    generate_deals,
    write_amocrm_exports,
    write_bitrix24_exports,
    write_event_log_csv,
)
from crmflow.mining.dfg import discover_dfg
from crmflow.mining.durations import get_case_durations
from crmflow.mining.variants import get_variants
from crmflow.sources.reader import read_log
from crmflow.store.store import EventLog


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EventLog]:
    out: Path = tmp_path_factory.mktemp("same")
    deals = generate_deals(n_deals=200, seed=11)
    csv_path = write_event_log_csv(deals, out / "deals_event_log.csv")
    bitrix = write_bitrix24_exports(deals, out / "bitrix24")
    amo = write_amocrm_exports(deals, out / "amocrm")
    return {
        "generic": read_log(csv_path, timezone="UTC"),
        # dictionary given after the history: the reader loads dictionaries first
        "bitrix24": read_log(bitrix.stagehistory, bitrix.statuses, timezone="Europe/Moscow"),
        "amocrm": read_log(amo.events, amo.pipelines, amo.users, timezone="Asia/Vladivostok"),
    }


def _dfg(log: EventLog) -> dict[tuple[str, str], tuple[int, int, float | None, float | None, float | None]]:
    g = discover_dfg(log)
    return {(e.source, e.target): (e.count, e.cases, e.mean_s, e.median_s, e.max_s) for e in g.edges}


def _durations(log: EventLog) -> dict[str, float]:
    t = get_case_durations(log)
    return dict(zip(t["case_id"].to_pylist(), t["duration_s"].to_pylist(), strict=True))


def test_the_generated_process_has_rework_losses_and_open_deals(logs: dict[str, EventLog]) -> None:
    log = logs["generic"]
    g = discover_dfg(log)
    edges = {(e.source, e.target) for e in g.edges}
    assert ("Переговоры", "Коммерческое предложение") in edges  # rework: sent back a stage
    assert "Закрыто и не реализовано" in g.end_activities  # lost deals
    assert any(a not in ("Успешно реализовано", "Закрыто и не реализовано") for a in g.end_activities)  # open deals
    assert log.n_cases == 200 and log.quarantined == 0


@pytest.mark.parametrize("vendor", ["bitrix24", "amocrm"])
def test_same_dfg(logs: dict[str, EventLog], vendor: str) -> None:
    want, got = discover_dfg(logs["generic"]), discover_dfg(logs[vendor])
    assert _dfg(logs[vendor]) == _dfg(logs["generic"])
    assert got.start_activities == want.start_activities
    assert got.end_activities == want.end_activities
    assert got.activities == want.activities


@pytest.mark.parametrize("vendor", ["bitrix24", "amocrm"])
def test_same_variants(logs: dict[str, EventLog], vendor: str) -> None:
    want = get_variants(logs["generic"]).counts()
    assert len(want) > 10
    assert get_variants(logs[vendor]).counts() == want


@pytest.mark.parametrize("vendor", ["bitrix24", "amocrm"])
def test_same_case_durations(logs: dict[str, EventLog], vendor: str) -> None:
    want = _durations(logs["generic"])
    assert len(want) == 200
    assert _durations(logs[vendor]) == want


@pytest.mark.parametrize("vendor", ["bitrix24", "amocrm"])
def test_nothing_lost(logs: dict[str, EventLog], vendor: str) -> None:
    log = logs[vendor]
    assert log.n_events == logs["generic"].n_events
    assert log.quarantined == 0
    assert log.rows_read == log.n_events
