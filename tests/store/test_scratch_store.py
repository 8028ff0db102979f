"""A log larger than the memory limit allows is built in a scratch database file, not in memory:
same log, same audit, and the file is gone when the store closes."""

from __future__ import annotations

from pathlib import Path

import pytest

import crmflow
from crmflow.demo.scaled import write_scaled_event_csv
from crmflow.settings import Settings
from crmflow.sources.reader import on_disk
from crmflow.store.store import SCRATCH_BYTES_PER_GB


@pytest.fixture(scope="module")
def csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scratch") / "log.csv"
    write_scaled_event_csv(path, n_events=30_000)
    return path


def test_the_choice_follows_the_input_size_and_the_memory_limit(csv: Path) -> None:
    size = csv.stat().st_size
    assert size < SCRATCH_BYTES_PER_GB  # the default 1 GB limit keeps this log in memory
    assert not on_disk((csv,), Settings())
    assert on_disk((csv,), Settings(memory_limit="1MB"))  # 1 MiB of input per MB of limit
    assert not on_disk((csv,), Settings(memory_limit="80%"))  # not a size: read as 1 GB
    assert not on_disk((object(),), Settings(memory_limit="1MB"))  # frames are in memory already


def test_a_scratch_store_gives_the_same_audit_and_leaves_nothing(csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_memory = crmflow.audit(crmflow.read_log(csv))
    monkeypatch.setattr("crmflow.sources.reader.SCRATCH_BYTES_PER_GB", 2**20)  # this 2.6 MB log is on disk
    log = crmflow.read_log(csv)
    scratch = Path(log.store._tmp.name) / "scratch.duckdb"
    assert log.store.path is None and scratch.is_file()  # not a project; the tables are in the file
    on_file = crmflow.audit(log)
    assert on_file.log_summary == in_memory.log_summary
    assert [(f.kind, f.key, f.metrics) for f in on_file.findings] == [(f.kind, f.key, f.metrics) for f in in_memory.findings]
    log.store.close()
    assert not scratch.exists() and not scratch.parent.exists()
