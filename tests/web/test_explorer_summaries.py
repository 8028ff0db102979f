"""The explorer's summary path gives the event path's numbers (demo and a real log), and the import persists it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import crmflow
from crmflow.demo.bitrix import BitrixDemo
from crmflow.sources.project import attach_project_log, import_sources
from crmflow.store import explorer_summaries as xs
from crmflow.store.store import EventLog
from crmflow.web import explorer
from crmflow.web.explorer import CaseFilter
from tests.conftest import make_log


def _real(name: str) -> Path:
    """A real log from ``shared/data/real`` beside the checkout or one of its parents (worktrees sit deeper)."""
    for parent in Path(__file__).resolve().parents:
        path = parent / "shared" / "data" / "real" / name
        if path.exists():
            return path
    pytest.skip(f"real data not present: {name}")


def _same(a: Any, b: Any, where: str) -> None:
    """Equal; floats to the last digits of a double (the summaries sum in another order)."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), (where, a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


def _both(monkeypatch: pytest.MonkeyPatch, fn: Any) -> tuple[Any, Any]:
    """``fn()`` on the summaries and on the events, nothing cached between."""
    out = []
    for summaries in (True, False):
        monkeypatch.setattr(explorer, "SUMMARIES", summaries)
        explorer.clear_cache()
        out.append(fn())
    explorer.clear_cache()
    return out[0], out[1]


def _map(m: explorer.ProcessMap) -> dict[str, Any]:
    d = m.to_dict()
    d["edges"] = sorted(d["edges"], key=lambda e: (e["source"], e["target"]))
    return d


def _filters(log: EventLog, attribute: str | None) -> list[CaseFilter]:
    first, last = log.store.rows(f"SELECT min(start_ts) AS a, max(end_ts) AS b FROM {log.cases_table}")[0].values()
    mid = first + (last - first) / 3
    res = [
        r["resource"]
        for r in log.store.rows(f"SELECT resource FROM {log.events_table} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2")
    ]
    out = [
        CaseFilter(),
        CaseFilter(start=first.isoformat(), end=(last - (last - first) / 4).isoformat()),
        CaseFilter(start=mid.isoformat()),
        CaseFilter(top_variants=3),
        CaseFilter(min_duration_s=3600, max_duration_s=30 * 86400),
        CaseFilter(attribute="resource", values=tuple(r for r in res if r)),
        CaseFilter(top_variants=10, min_duration_s=60),
    ]
    if attribute:
        value = log.store.scalar(f'SELECT "{attribute}" FROM {log.events_table} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1')
        out.append(CaseFilter(attribute=attribute, values=(str(value),)))
    return out


SLIDERS = [(100, 100, "frequency"), (100, 30, "frequency"), (60, 100, "frequency"), (30, 10, "frequency"),
           (100, 100, "performance"), (50, 100, "performance")]  # fmt: skip


@pytest.fixture(scope="module")
def logs(bitrix: BitrixDemo) -> Iterator[dict[str, tuple[EventLog, str | None]]]:
    yield {
        "demo": (crmflow.read_log(bitrix.csv_path), "Источник"),
        "helpdesk": (crmflow.read_log(_real("helpdesk.xes.gz")), None),
    }


@pytest.mark.parametrize("which", ["demo", "helpdesk"])
def test_summaries_answer_as_the_events_do(
    logs: dict[str, tuple[EventLog, str | None]], which: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, attribute = logs[which]
    case = log.store.scalar(f"SELECT case_id FROM {log.cases_table} ORDER BY n_events DESC, case_id LIMIT 1")
    edge = log.store.rows(
        f"SELECT activity, next_activity FROM {log.events_table} WHERE next_activity IS NOT NULL "
        "GROUP BY ALL ORDER BY count(*) DESC, 1, 2 LIMIT 1"
    )[0]
    checked = 0
    for f in _filters(log, attribute):
        for acts, paths, mode in SLIDERS:
            a, b = _both(
                monkeypatch,
                lambda f=f, acts=acts, paths=paths, mode=mode: _map(
                    explorer.process_map(log, f, activities=acts, paths=paths, mode=mode)
                ),
            )
            assert a["cases"] > 0 or f != CaseFilter()
            _same(a, b, f"{which} {f} {acts}/{paths} {mode}")
            checked += len(a["edges"])
        a, b = _both(monkeypatch, lambda f=f: [v.to_dict() for v in explorer.variants(log, f, limit=20)])
        _same(a, b, f"{which} variants {f}")
        a, b = _both(monkeypatch, lambda f=f: explorer.cases_on_edge(log, f, edge["activity"], edge["next_activity"]))
        _same(a, b, f"{which} cases on edge {f}")
    a, b = _both(monkeypatch, lambda: explorer.timeline(log, case))
    assert a == b and len(a) > 1
    assert checked > 100  # the comparison saw real maps, not empty ones


def test_reconnected_waits_on_the_variants_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    log = make_log([
        ("a", "A", "2025-01-01 00:00", "r"), ("a", "B", "2025-01-01 01:00", "r"), ("a", "C", "2025-01-01 03:00", "r"),
        ("b", "A", "2025-01-02 00:00", "r"), ("b", "C", "2025-01-02 02:00", "r"),
        ("c", "B", "2025-01-03 00:00", "r"), ("c", "B", "2025-01-03 00:30", "r"),
    ])  # fmt: skip
    monkeypatch.setattr(explorer, "SUMMARIES", True)
    explorer.clear_cache()
    m = explorer.process_map(log, CaseFilter(), activities=60)  # B (3 events) and A, C (2 each): A is kept by name order
    names = {n.id: n.label for n in m.nodes}
    assert sorted(names.values()) == ["A", "B"]
    got = {(names.get(e.source, e.source), names.get(e.target, e.target)): (e.count, e.mean_s) for e in m.edges}
    # C hidden: a = A→B (1 h), b = A alone, c = B→B (30 min)
    assert got == {
        ("A", "B"): (1, 3600.0), ("B", "B"): (1, 1800.0),
        ("__start__", "A"): (2, None), ("__start__", "B"): (1, None), ("A", "__end__"): (1, None), ("B", "__end__"): (2, None),
    }  # fmt: skip


def test_import_persists_the_summaries_and_the_web_reads_them_in_place(bitrix: BitrixDemo, tmp_path: Path) -> None:
    project = tmp_path / "p.duckdb"
    import_sources([bitrix.csv_path], into=project)
    log = attach_project_log(project)
    try:
        views = {r[0] for r in log.store.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert {xs.name(k, "log") for k in xs.TABLES} | {"ev_log", "cs_log"} <= views  # nothing copied
        assert xs.current(log.store, "log")
        m = explorer.process_map(log, CaseFilter(top_variants=2), activities=50)
        assert m.cases == sum(r["cases"] for r in log.store.rows("SELECT cases FROM xv_log ORDER BY vid LIMIT 2"))
        tables = {r[0] for r in log.store.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 'memory'").fetchall()}
        assert not tables & {xs.name(k, "log") for k in xs.TABLES}  # read from the file, not rebuilt
    finally:
        log.store.close()


def test_summaries_of_another_import_are_rebuilt_not_used(bitrix: BitrixDemo, tmp_path: Path) -> None:
    log = crmflow.read_log(bitrix.csv_path)
    xs.rebuild(log.store, log.name)
    assert xs.current(log.store, log.name)
    log.store.sql("UPDATE ingestions SET mapping = '{\"edited\": 1}' WHERE log_name = 'log'")  # as a re-import would
    assert not xs.current(log.store, log.name)
    log.store.sql(f"DELETE FROM {xs.name('xc', 'log')} WHERE cid = 0")
    xs._READY.pop(log.store, None)
    xs.ensure(log.store, log.name)
    assert xs.current(log.store, log.name)
    assert log.store.scalar(f"SELECT count(*) FROM {xs.name('xc', 'log')}") == log.n_cases


def test_resources_beyond_the_mask_bits_are_filtered_by_their_case_sets(
    bitrix: BitrixDemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = crmflow.read_log(bitrix.csv_path)
    monkeypatch.setattr(xs, "MASK_BITS", 1)  # only the busiest resource has a bit
    xs.rebuild(log.store, log.name)
    ranked = [r["resource"] for r in log.store.rows(f"SELECT resource, bit FROM {xs.name('xrd', 'log')} ORDER BY bit")]
    assert log.store.scalar(f"SELECT count(DISTINCT resource) FROM {xs.name('xr', 'log')}") == len(ranked) - 1
    for values in [(ranked[0],), (ranked[1],), (ranked[0], ranked[-1]), ("nobody",)]:
        f = CaseFilter(attribute="resource", values=values)
        a, b = _both(monkeypatch, lambda f=f: _map(explorer.process_map(log, f, activities=100, paths=100)))
        _same(a, b, f"resources {values}")
        assert (a["cases"] == 0) == (values == ("nobody",))


@pytest.mark.parametrize("limit", [1, 3, 20, 10_000])
def test_the_cases_of_an_edge_among_the_longest_waits_are_all_of_them(
    bitrix: BitrixDemo, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = crmflow.read_log(bitrix.csv_path)
    for edge in log.store.rows(
        f"SELECT activity, next_activity, count(*) AS n FROM {log.events_table} "
        "WHERE next_activity IS NOT NULL GROUP BY ALL ORDER BY n DESC, 1, 2"
    )[:6]:
        a, b = _both(
            monkeypatch, lambda e=edge: explorer.cases_on_edge(log, CaseFilter(), e["activity"], e["next_activity"], limit=limit)
        )
        assert a == b and len(a) == min(limit, len({r["case_id"] for r in b}))
    assert explorer.cases_on_edge(log, CaseFilter(), "no such activity", "Сделка создана") == []
