"""CPU seconds of the audit's mining statistics and As-Is lanes/discovery on a log imported into a project.

Run by hand (never in the test suite), on the log of a project built once with ``crmflow import``::

    .venv/bin/crmflow import bench/data/scaled_10000000.csv --into /tmp/p10m.duckdb
    .venv/bin/python bench/mining_cpu.py /tmp/p10m.duckdb --repeat 5
    PYTHONPATH=/tmp/other/src .venv/bin/python bench/mining_cpu.py /tmp/p10m.duckdb   # another checkout

The log is copied into an in-memory store laid out as ``read_log`` builds it (activity and resource names
computed from their codes), so that the figures are those of an audit of the file. Each function runs
``--repeat`` times; the minimum and the median CPU seconds of the process (all DuckDB threads included) are
printed, then the statements that took the most CPU in the last round. CPU seconds, not wall seconds: on a
shared machine the wall time says more about the neighbours.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load(project: Path, name: str = "log") -> Any:
    """The project's log in a new in-memory store, its name columns virtual as ``read_log`` makes them."""
    from crmflow.store import queries as q
    from crmflow.store.store import EventLog, EventStore

    store = EventStore()
    store.sql(f"ATTACH '{str(project.resolve()).replace(chr(39), chr(39) * 2)}' AS proj (READ_ONLY)")
    ev, ac, cs = q.ev(name), q.ac(name), q.cs(name)
    store.sql(f"CREATE TABLE {ac} AS SELECT * FROM proj.{ac}")
    columns = [(str(r[0]), str(r[1])) for r in store.sql(f"DESCRIBE SELECT * FROM proj.{ev}").fetchall()]
    names = {
        "activity": [r[0] for r in store.sql(f"SELECT activity FROM {ac} ORDER BY act").fetchall()],
        "resource": [
            r[0]
            for r in store.sql(
                f"SELECT resource FROM (SELECT DISTINCT res, resource FROM proj.{ev} WHERE res IS NOT NULL) ORDER BY res"
            ).fetchall()
        ],
    }
    store.sql(q.events_table(name, columns, names))
    virtual = {n for n, (_, d) in q.NAMED_BY_CODE.items() if d in names}
    stored = ", ".join(q.ident(n) for n, _ in columns if n not in virtual)
    store.sql(f"INSERT INTO {ev} ({stored}) SELECT {stored} FROM proj.{ev}")
    store.sql(f"CREATE TABLE {cs} AS SELECT * FROM proj.{cs}")
    store.sql("INSERT INTO ingestions SELECT * FROM proj.ingestions WHERE log_name = ?", [name])
    store.sql("DETACH proj")
    return EventLog(store, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import crmflow
    from crmflow.bpmn.from_tree import dominant_lanes
    from crmflow.discovery.inductive import discover_process_tree

    t0 = cpu()
    log = load(args.project)
    print(f"# {crmflow.__file__}: {log.n_events:,} events copied in {cpu() - t0:.1f} CPU s", flush=True)
    variants = crmflow.get_variants(log)
    statements: list[tuple[float, str]] = []
    run = log.store.sql

    def timed_sql(query: str, params: Any = None) -> Any:
        c0 = cpu()
        out = run(query, params)
        statements.append((cpu() - c0, " ".join(query.split())[:110]))
        return out

    log.store.sql = timed_sql
    jobs: dict[str, Callable[[], object]] = {
        "summary": log.summary,
        "dfg": lambda: crmflow.discover_dfg(log),
        "variants": lambda: crmflow.get_variants(log),
        "durations": lambda: crmflow.case_duration_stats(log),
        "activities": lambda: crmflow.activity_statistics(log),
        "resources": lambda: crmflow.resource_statistics(log),
        "handover (resource + role)": lambda: (
            crmflow.discover_handover(log, level="resource"),
            crmflow.discover_handover(log, level="role"),
        ),
        "bpmn lanes": lambda: dominant_lanes(log),
        "bpmn discovery (IMf 0.2)": lambda: discover_process_tree(variants, noise_threshold=0.2),
    }
    print("| stage | CPU s min | CPU s median |\n|---|---:|---:|")
    for label, job in jobs.items():
        times = []
        for _ in range(args.repeat):
            statements.clear()
            c0 = cpu()
            job()
            times.append(cpu() - c0)
        print(f"| {label} | {min(times):.2f} | {statistics.median(times):.2f} |", flush=True)
        for seconds, text in sorted(statements, reverse=True)[:2]:
            if seconds >= 0.05:
                print(f"#   {seconds:5.2f}  {text}", file=sys.stderr)


if __name__ == "__main__":
    main()
