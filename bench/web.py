"""Benchmark: latency of the web explorer's interactions on a big project (p50/p95 per interaction).

Run by hand (never in the test suite):

    .venv/bin/python bench/web.py                      # 1,000,000 events
    .venv/bin/python bench/web.py --events 10000000 --repeat 5

:func:`crmflow.demo.scaled.write_scaled_event_csv` writes the log (about 10 events per case, 20
activities with loops); ``crmflow import`` puts it into ``bench/data/web_<n>/project.duckdb`` (kept
for later runs). The app is then created in this process and every interaction is one HTTP request
through the ASGI stack (FastAPI's test client, signed in as an analyst: routing, session and JSON
included; no network). Interactions: the map at several activity/path slider positions, frequency
and performance, each filter (time window, resource values, top variants, duration), a filter with
the activity slider and one in performance mode, variants, a case timeline and the cases of an edge.
The first request of each kind is a warm-up and not counted. Wall and CPU time (``process_time``:
every thread of the process, DuckDB's included) per request.

Peer in the same run: the same filter answered the library's way before the explorer existed —
``crmflow.mining.filters`` materialising a filtered log, then ``discover_dfg`` on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
sys.path.insert(0, str(ROOT))


def project(n_events: int) -> Path:
    from crmflow.demo.scaled import write_scaled_event_csv
    from crmflow.sources.project import import_sources

    folder = DATA / f"web_{n_events}"
    store = folder / "project.duckdb"
    if store.exists():
        return store
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    csv = write_scaled_event_csv(folder / "log.csv", n_events=n_events)
    print(f"generated {n_events:,} events in {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    import_sources([csv], into=store)
    print(f"imported in {time.perf_counter() - t:.1f} s", flush=True)
    csv.unlink()
    return store


def interactions(c: object, name: str, sample_case: str, edge: tuple[str, str], resources: list[str]) -> dict[str, str]:
    base = f"/api/projects/{name}"
    res = ",".join(resources[:3])
    return {
        "map 100/100": f"{base}/map?activities=100&paths=100",
        "map 100/30 (path slider)": f"{base}/map?activities=100&paths=30",
        "map 60/100 (activity slider)": f"{base}/map?activities=60&paths=100",
        "map 30/10 (both sliders)": f"{base}/map?activities=30&paths=10",
        "map performance": f"{base}/map?mode=performance",
        "filter time window": f"{base}/map?start=2025-02-01&end=2025-03-15",
        "filter resource values": f"{base}/map?attribute=resource&values={res}",
        "filter top 5 variants": f"{base}/map?top_variants=5",
        "filter duration 1-10 d": f"{base}/map?min_hours=24&max_hours=240",
        "filter time window + activity slider 60": f"{base}/map?start=2025-02-01&end=2025-03-15&activities=60",
        "filter resources + performance": f"{base}/map?attribute=resource&values={res}&mode=performance",
        "variants (top 50)": f"{base}/variants?limit=50",
        "case timeline": f"{base}/cases/{sample_case}",
        "cases of an edge": f"{base}/cases?source={edge[0]}&target={edge[1]}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()

    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    import crmflow
    from crmflow.mining.filters import filter_attribute_values, filter_case_performance, filter_time_range, filter_variants_top_k
    from crmflow.web.app import AppConfig, create_app
    from crmflow.web.explorer import clear_cache

    store = project(args.events)
    data = DATA / f"web_{args.events}" / "app"
    if data.exists():
        import shutil

        shutil.rmtree(data)
    app = create_app(AppConfig(data_dir=data, project=store, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024)))
    app.state.accounts.add_user("bench", "bench-password-long", role="analyst")
    c = TestClient(app, base_url="https://testserver")
    token = c.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    c.post("/login", data={"csrf": token, "username": "bench", "password": "bench-password-long"})
    name = store.stem
    t = time.perf_counter()
    log = app.state.workspace.log(name)
    load_s = time.perf_counter() - t
    print(f"{log.n_events:,} events, {log.n_cases:,} cases; log opened in {load_s:.1f} s", flush=True)
    sample = log.store.scalar(f"SELECT case_id FROM {log.cases_table} ORDER BY n_events DESC LIMIT 1")
    edge = log.store.rows(
        f"SELECT activity, next_activity FROM {log.events_table} WHERE next_activity IS NOT NULL "
        "GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
    )[0]
    resources = [
        r["resource"]
        for r in log.store.rows(f"SELECT resource FROM {log.events_table} GROUP BY 1 ORDER BY count(*) DESC LIMIT 3")
    ]

    results: dict[str, dict[str, float]] = {}
    every: list[float] = []
    every_cpu: list[float] = []
    for label, url in interactions(c, name, sample, (edge["activity"], edge["next_activity"]), resources).items():
        r = c.get(url)
        assert r.status_code == 200, (label, r.status_code, r.text[:300])
        cold, warm, cpu = [], [], []
        for _ in range(args.repeat):
            clear_cache()  # a new filter: nothing cached
            t, p = time.perf_counter(), time.process_time()
            r = c.get(url)
            cold.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - p) * 1000)  # every thread of the process (DuckDB's too)
            assert r.status_code == 200
            t = time.perf_counter()
            r = c.get(_moved(url))
            warm.append((time.perf_counter() - t) * 1000)  # the path slider moved, the filter unchanged
        every += cold
        every_cpu += cpu
        results[label] = {
            "p50_ms": statistics.median(cold),
            "p95_ms": _p95(cold),
            "max_ms": max(cold),
            "cpu_p50_ms": statistics.median(cpu),
            "cpu_p95_ms": _p95(cpu),
            "path_slider_moved_p95_ms": _p95(warm),
        }
        print(
            f"{label:40} p50 {results[label]['p50_ms']:8.1f} ms   p95 {results[label]['p95_ms']:8.1f} ms"
            f"   CPU p50 {results[label]['cpu_p50_ms']:7.1f} ms"
            f"   path slider moved p95 {results[label]['path_slider_moved_p95_ms']:8.1f} ms",
            flush=True,
        )

    peers: dict[str, float] = {}
    for label, fn in {
        "filter time window": lambda: filter_time_range(log, "2025-02-01", "2025-03-15", mode="contained"),
        "filter resource values": lambda: filter_attribute_values(log, "resource", resources),
        "filter top 5 variants": lambda: filter_variants_top_k(log, 5),
        "filter duration 1-10 d": lambda: filter_case_performance(log, 86400, 864000),
    }.items():
        times = []
        for _ in range(max(2, args.repeat // 3)):
            t = time.perf_counter()
            crmflow.discover_dfg(fn())
            times.append((time.perf_counter() - t) * 1000)
        peers[label] = statistics.median(times)
        print(f"  peer (materialised filter + discover_dfg) {label:24} p50 {peers[label]:8.1f} ms", flush=True)

    summary = {
        "events": log.n_events,
        "cases": log.n_cases,
        "repeat": args.repeat,
        "open_s": load_s,
        "overall_p95_ms": _p95(every),
        "overall_cpu_p95_ms": _p95(every_cpu),
        "interactions": results,
        "peer_materialised_p50_ms": peers,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, shared with parallel work",
    }
    print(
        f"overall p95 over {len(every)} interactions: {summary['overall_p95_ms']:.1f} ms "
        f"(CPU p95 {summary['overall_cpu_p95_ms']:.1f} ms); load average {os.getloadavg()[0]:.1f}"
    )
    out = HERE / "results" / f"web_{args.events}.json"
    out.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(f"wrote {out}")


def _moved(url: str) -> str:
    """The same request with the path slider at another position."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    parts = urlsplit(url)
    q = dict(parse_qsl(parts.query))
    q["paths"] = "55" if q.get("paths") != "55" else "45"
    return f"{parts.path}?{urlencode(q)}"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


if __name__ == "__main__":
    main()
