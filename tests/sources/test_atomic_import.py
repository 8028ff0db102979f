"""Atomic imports: a kill -9 at a random moment of `crmflow import --into` leaves the old or the new project."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.errors import StoreError, StoreInconsistentError
from crmflow.sources.project import import_sources, open_project_log
from crmflow.store.store import EventStore
from tests.sources.crash_harness import Harness, write_log

#: Trials here; bench/crash_import.py runs 100.
TRIALS = 4


def test_kill_9_at_random_moments_leaves_the_old_or_the_new_state(tmp_path: Path) -> None:
    h = Harness.build(tmp_path / "h", new_cases=6000)
    assert "error" not in h.old_ref and "error" not in h.new_ref and h.old_ref != h.new_ref
    trials = list(h.trials(TRIALS, seed=18))
    assert [t.state for t in trials if t.state not in ("old", "new")] == []
    assert all(t.state == "new" for t in trials if not t.killed)
    assert [t.leftovers for t in trials] == [0] * TRIALS  # staging folders of killed imports are removed


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "p.duckdb"
    import_sources([write_log(tmp_path / "a.csv", 50, 1)], into=project)
    return project


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("DELETE FROM ingestions", "has events but no ingestion records"),
        ("UPDATE ingestions SET parsed = parsed + 1, rows_read = rows_read + 1", "the log has"),
        ("DELETE FROM quarantine", "the quarantine has 0"),
        ("DROP TABLE ev_log", "no events table"),
    ],
)
def test_a_store_that_does_not_add_up_is_refused_with_the_fix(tmp_path: Path, damage: str, message: str) -> None:
    project = _project(tmp_path)
    with EventStore(project) as store:
        store.sql(damage)
    with pytest.raises(StoreInconsistentError, match=message) as e:
        EventStore(project)
    assert "crmflow import SOURCE... --into p.duckdb" in str(e.value)
    with pytest.raises(StoreError, match=message if "DROP" not in damage else "no log named 'log'"):
        open_project_log(project)  # the read-only path of `crmflow audit` refuses too
    # the fix works: importing the log again replaces it and its records
    import_sources([write_log(tmp_path / "b.csv", 40, 2)], into=project)
    assert open_project_log(project).n_events > 0


def test_refusal_speaks_russian(tmp_path: Path) -> None:
    from crmflow.settings import Settings

    project = _project(tmp_path)
    with EventStore(project) as store:
        store.sql("DELETE FROM ingestions")
    with pytest.raises(StoreInconsistentError, match="числа хранилища проекта не сходятся"):
        EventStore(project, settings=Settings(lang="ru"))


def test_a_failed_import_leaves_the_project_as_it_was(tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = open_project_log(project).n_events
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02 not a csv \xff\xfe" * 50)
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is the state after it
        import_sources([bad], into=project)
    assert open_project_log(project).n_events == before
    assert not list(tmp_path.glob("crmflow-import-*"))
