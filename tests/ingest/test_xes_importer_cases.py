"""XES files other tools' importers are tested with: read or refused cleanly, never a traceback.

Our own small files reproduce each edge case of pm4py's importer tests (empty ``<event/>``, which
makes r4pm panic; elements in swapped order). pm4py's own files (``tests/xes_importer_tests`` of
``process-intelligence-solutions/pm4py``, AGPL-3.0, so not copied here) are run too when a copy is
at hand: ``CRMFLOW_PM4PY_XES_TESTS`` names the folder, or the fetched mirror is extracted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from crmflow.errors import CrmflowError
from crmflow.ingest.xes import read_xes_raw
from crmflow.store.store import EventStore

_MIRROR = Path("/work/.mirror/process-intelligence-solutions+pm4py/repo")

_EXT = '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext" />'
CASES = {
    # an empty event inside a trace: r4pm panics ("not yet implemented: Empty event not handled")
    "empty_event_in_trace": (
        '<log xes.version="1.0"><trace><string key="concept:name" value="c1"/><event/>'
        '<event><string key="concept:name" value="A"/></event></trace></log>',
        2,
    ),
    # pm4py attributeEventSwapped: an empty event before the log's attribute, outside any trace
    "attribute_event_swapped": (f'<log xes.version="1.0">{_EXT}<event /><string key="concept:name" value="name" /></log>', 1),
    # pm4py traceEventSwapped: the event comes before the trace
    "trace_event_swapped": ('<log xes.version="1.0"><event /><trace /></log>', 1),
    # pm4py extensionEventSwapped: the extension declared after the event
    "extension_event_swapped": (f'<log xes.version="1.0"><event />{_EXT}</log>', 1),
    # trace attributes written after the trace's events
    "attribute_after_events": (
        '<log xes.version="1.0"><trace><event><string key="concept:name" value="A"/></event>'
        '<string key="concept:name" value="c1"/></trace></log>',
        1,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_importer_edge_cases_are_read_on_the_safe_path(tmp_path: Path, name: str) -> None:
    text, events = CASES[name]
    path = tmp_path / f"{name}.xes"
    path.write_text(text, encoding="utf-8")
    raw = read_xes_raw(EventStore(), path, log_name="log")
    assert raw.rows_read == events
    if name != "attribute_after_events":  # r4pm reads that one itself
        assert raw.info["engine"] == "lxml"


def test_a_rust_panic_is_caught_and_named(tmp_path: Path) -> None:
    path = tmp_path / "panic.xes"
    path.write_text(CASES["empty_event_in_trace"][0], encoding="utf-8")
    raw = read_xes_raw(EventStore(), path, log_name="log")
    assert "r4pm panicked" in raw.info["fallback_reason"]
    store_rows = raw.rows_read
    assert store_rows == 2  # the empty event is kept (it has no activity: the mapping quarantines it)


def test_trace_attributes_after_the_events_still_name_the_case(tmp_path: Path) -> None:
    path = tmp_path / "late.xes"
    path.write_text(CASES["attribute_after_events"][0], encoding="utf-8")
    store = EventStore()
    raw = read_xes_raw(store, path, log_name="log")
    assert store.rows(f'SELECT "case:concept:name" AS c, "concept:name" AS a FROM {raw.table}') == [{"c": "c1", "a": "A"}]


def _pm4py_tests(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    named = os.environ.get("CRMFLOW_PM4PY_XES_TESTS")
    if named:
        return Path(named)
    if not _MIRROR.is_dir() or shutil.which("git") is None:
        return None
    out = tmp_path_factory.mktemp("pm4py")
    archive = subprocess.run(
        ["git", "--git-dir", str(_MIRROR), "archive", "HEAD", "tests/xes_importer_tests"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out / "tests" / "xes_importer_tests"


def test_pm4py_importer_test_files_give_no_traceback(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = _pm4py_tests(tmp_path_factory)
    if folder is None or not folder.is_dir():
        pytest.skip("pm4py's tests/xes_importer_tests not available (set CRMFLOW_PM4PY_XES_TESTS or fetch the repository)")
    files = sorted(folder.glob("*.xes"))
    assert len(files) >= 60
    outcomes: dict[str, str] = {}
    for path in files:
        try:
            read_xes_raw(EventStore(), path, log_name="log")
            outcomes[path.name] = "read"
        except CrmflowError as exc:  # a refusal must name the file
            assert path.name in str(exc)
            outcomes[path.name] = "refused"
    for swapped in ("attributeEventSwapped.xes", "extensionEventSwapped.xes", "traceEventSwapped.xes"):
        assert outcomes[swapped] == "read"
    assert outcomes["noLog.xes"] == "refused"  # an empty file is not an XES log
