"""The same audit on DuckDB and on Spark (local mode) over a generated Parquet event dataset.

    .venv/bin/python bench/spark.py --events 1000000 10000000 [--master local[2]] [--buckets 16]
        [--engines duckdb spark] [--keep cache|checkpoint]

For each size: write the scaled CRM log (bench/run.py's generator) as a Parquet dataset once (sizes
above 10 M that are multiples of it: copies of the 10 M log), then in fresh processes materialise + audit
it on DuckDB and on Spark; wall time, CPU seconds (this process plus Spark's JVM -- on a shared machine
they mean more than wall time), the number of Spark SQL statements, and the time per statement and per
million events (the figures docs/scale.md sizes clusters with). Results go to
bench/results/spark_<n>[_<engines>].json; docs/scale.md records them by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"

CHILD = r"""
import json, os, sys, time, resource
sys.path.insert(0, {src!r})
t0 = time.perf_counter()
import crmflow
from crmflow.store.dataset import open_event_dataset
from crmflow.store.store import EventStore
engine = {engine!r}
if engine == "spark":
    from crmflow.store.spark_engine import SparkEngine, spark_session
    eng = SparkEngine(spark_session({master!r}, conf={conf!r}), keep={keep!r})
    t_start = time.perf_counter() - t0
    store = EventStore(engine=eng)
else:
    eng = None
    t_start = 0.0
    store = EventStore()
def cpu_s():  # CPU seconds of this process (DuckDB's threads) and of Spark's JVM: wall time means little here
    jvm = 0.0
    if eng is not None:
        pid = eng.spark.sparkContext._gateway.proc.pid
        with open(f"/proc/{{pid}}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        jvm = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return time.process_time() + jvm
t1, c1 = time.perf_counter(), cpu_s()
log = open_event_dataset({path!r}, store=store)
t2, c2 = time.perf_counter(), cpu_s()
result = crmflow.audit(log)
t3, c3 = time.perf_counter(), cpu_s()
print(json.dumps({{
    "engine": engine, "startup_s": t_start, "materialise_s": t2 - t1, "audit_s": t3 - t2, "total_s": t3 - t0,
    "cpu_startup_s": c1, "cpu_materialise_s": c2 - c1, "cpu_audit_s": c3 - c2,
    "statements": getattr(eng, "statements", None), "events": result.log_summary.events,
    "findings": len(result.findings), "keep": getattr(eng, "keep", None),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}}))
"""


#: Sizes above this that are a multiple of it are copies of the BASE-event log (the generator holds a
#: whole log in memory: ~2.6 GB at 10 M events, too much at 100 M on a shared machine).
BASE = 10_000_000


def dataset(n_events: int, buckets: int) -> Path:
    out = DATA / f"scaled_{n_events}.parquet.d"
    if (out / "events").is_dir():
        return out
    if n_events > BASE and n_events % BASE == 0:
        return replicate(dataset(BASE, buckets), out, n_events // BASE, buckets)
    sys.path.insert(0, str(ROOT / "src"))
    from crmflow.demo.scaled import write_scaled_event_csv
    from crmflow.sources.reader import read_log
    from crmflow.store.dataset import write_event_dataset

    DATA.mkdir(parents=True, exist_ok=True)
    csv = DATA / f"scaled_{n_events}.csv"
    if not csv.exists():
        write_scaled_event_csv(csv, n_events=n_events)
    write_event_dataset(read_log(csv), out, buckets=buckets)
    return out


def replicate(base: Path, out: Path, copies: int, buckets: int) -> Path:
    """``copies`` copies of the dataset at ``base``, streamed by DuckDB (bounded memory).

    Copy ``k`` of a case is case ``<id>/<k>`` with the same events (so the log has ``copies`` times the
    cases, the same variants and durations); row numbers stay unique; the ingestion record is scaled.
    """
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET memory_limit = '3GB'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = '{DATA / 'duckdb_tmp'}'")
    src = str(base / "events" / "**" / "*.parquet")
    con.execute(
        f"COPY (SELECT row_no + k * {BASE} AS row_no, case_id || '/' || k AS case_id, activity, ts, resource, role, "
        f"lifecycle, (hash(case_id || '/' || k) % {buckets})::INTEGER AS bucket "
        f"FROM read_parquet('{src}', hive_partitioning = true) AS e, range({copies}) AS r(k)) "
        f"TO '{out / 'events'}' (FORMAT parquet, PARTITION_BY (bucket))"
    )
    con.execute(
        f"COPY (SELECT source, format, rows_read * {copies} AS rows_read, parsed * {copies} AS parsed, "
        f"quarantined * {copies} AS quarantined, mapping FROM '{base / 'ingestions.parquet'}') "
        f"TO '{out / 'ingestions.parquet'}' (FORMAT parquet)"
    )
    quarantine = f"SELECT q.* FROM '{base / 'quarantine.parquet'}' AS q, range({copies})"
    con.execute(f"COPY ({quarantine}) TO '{out / 'quarantine.parquet'}' (FORMAT parquet)")
    con.close()
    return out


def run(engine: str, path: Path, master: str, keep: str, conf: dict[str, str]) -> dict[str, object]:
    code = CHILD.format(src=str(ROOT / "src"), engine=engine, path=str(path), master=master, keep=keep, conf=conf)
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        # The whole stderr is kept (a JVM stack trace is long: the cause is near its top, not in its tail), and the
        # message lines -- not the stack frames -- are what the result row reports.
        log = RESULTS / f"spark_failed_{engine}_{int(time.time())}.stderr.txt"
        log.write_text(proc.stderr, encoding="utf-8")
        messages = [ln.strip() for ln in proc.stderr.splitlines() if not ln.lstrip().startswith("at ")]
        error = [ln for ln in messages if "Error" in ln or "Exception" in ln or ln.startswith("Caused by")][:6]
        took = time.perf_counter() - started
        print(f"{engine} failed after {took:.0f} s (stderr in {log}):\n" + "\n".join(error), file=sys.stderr)
        return {"engine": engine, "failed": " | ".join(error) or proc.stderr[-300:], "wall_s": time.perf_counter() - started}
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row["wall_s"] = time.perf_counter() - started
    row["load_avg_1m"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]  # before, after
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--buckets", type=int, default=16)
    ap.add_argument("--engines", nargs="+", default=["duckdb", "spark"], choices=["duckdb", "spark"])
    ap.add_argument("--keep", default="checkpoint", choices=["cache", "checkpoint"], help="how Spark keeps the store's tables")
    ap.add_argument("--driver-memory", default=None, help="spark.driver.memory (default: crmflow's local default)")
    ap.add_argument(
        "--partitions", type=int, default=None, help="spark.sql.shuffle.partitions (default: 1 per 250,000 events, >= 4)"
    )
    ap.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other Spark setting (repeatable), e.g. spark.network.timeout=10000s to let a long run be paused",
    )
    args = ap.parse_args()
    extra = dict(kv.split("=", 1) for kv in args.conf)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for n in args.events:
        path = dataset(n, args.buckets)
        conf = {
            "spark.sql.shuffle.partitions": str(args.partitions or max(4, n // 250_000)),
            # each result comes back over a socket the JVM opens and waits 15 s on (SocketAuthServer): on a loaded
            # machine the Python side may not connect in time
            "spark.python.authenticate.socketTimeout": "600s",
        }
        if args.driver_memory:
            conf["spark.driver.memory"] = args.driver_memory
        conf.update(extra)
        rows = [run(engine, path, args.master, args.keep, conf) for engine in args.engines]
        for r in rows:
            r["spark_conf"] = conf if r["engine"] == "spark" else None
            if "failed" in r:
                print(json.dumps({"events": n, **r}))
                continue
            per = float(r["audit_s"]) + float(r["materialise_s"])  # type: ignore[arg-type]
            cpu = float(r["cpu_audit_s"]) + float(r["cpu_materialise_s"])  # type: ignore[arg-type]
            r["s_per_million_events"] = round(per / (n / 1e6), 2)
            r["cpu_s_per_million_events"] = round(cpu / (n / 1e6), 2)
            if r.get("statements"):
                r["s_per_statement"] = round(per / int(r["statements"]), 3)  # type: ignore[call-overload]
                r["cpu_s_per_statement"] = round(cpu / int(r["statements"]), 3)  # type: ignore[call-overload]
            print(json.dumps({"events": n, **r}))
        name = f"spark_{n}" + ("" if args.engines == ["duckdb", "spark"] else "_" + "_".join(args.engines))
        (RESULTS / f"{name}.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
