"""The same audit on DuckDB and on Spark (local mode): every number, every finding, the As-Is BPMN.

The logs are written once as a Parquet dataset (the hand-over to a cluster) and materialised on both
engines from it. Spark starts once per test session (a few seconds on an idle 2-core machine); the
tests skip, saying why, where PySpark or Java is missing.
"""

from __future__ import annotations

import math
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

import crmflow
from crmflow.findings import evidence
from crmflow.findings.evidence import write_audit_evidence
from crmflow.store.dataset import open_event_dataset, write_event_dataset
from crmflow.store.spark_dialect import to_spark
from crmflow.store.store import EventStore
from tests.conftest import real

pytestmark = pytest.mark.spark


@pytest.fixture(scope="session")
def spark_engine():  # type: ignore[no-untyped-def]
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'crmflow[spark]')")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: Spark needs Java 17 or newer")
    from crmflow.store.spark_engine import SparkEngine

    engine = SparkEngine.start("local[2]")
    yield engine
    engine.close()


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _same_text(a: str, b: str) -> bool:
    """Texts equal but for numbers rounded at another place (the BPMN's waits have 3 decimals: a mean at
    exactly half a millisecond may round either way when the sum is taken in another order)."""
    if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
        return False
    xs, ys = _NUMBER.findall(a), _NUMBER.findall(b)
    return all(math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=2e-3) for x, y in zip(xs, ys, strict=True))


def _same(a: Any, b: Any, path: str, diffs: list[str]) -> None:
    if isinstance(a, str) and isinstance(b, str) and a != b and _same_text(a, b):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            _same(a.get(k), b.get(k), f"{path}.{k}", diffs)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]", diffs)
    elif isinstance(a, float) and isinstance(b, float):
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            diffs.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        diffs.append(f"{path}: {str(a)[:100]!r} != {str(b)[:100]!r}")


def _cross_check(log: crmflow.EventLog, tmp_path: Path, spark_engine: Any, *, rules: Any = None) -> dict[str, Any]:
    dataset = write_event_dataset(log, tmp_path / "ds", buckets=4)
    on_duckdb = open_event_dataset(dataset)
    on_spark = open_event_dataset(dataset, store=EventStore(engine=spark_engine), log_name=f"s{uuid.uuid4().hex[:12]}")
    res_a, res_b = crmflow.audit(on_duckdb, rules=rules), crmflow.audit(on_spark, rules=rules)
    a, b = res_a.to_json(), res_b.to_json()
    # the complete evidence, findings.csv: fetched from Spark by ranges of findings, the same bytes
    csv_a = write_audit_evidence(res_a, tmp_path / "duckdb")
    csv_b = write_audit_evidence(res_b, tmp_path / "spark")
    assert csv_a is not None and csv_b is not None
    assert csv_b.read_bytes() == csv_a.read_bytes()
    diffs: list[str] = []
    for key in a:
        if key in {"generated_at", "input"}:
            continue
        _same(a[key], b.get(key), key, diffs)
    # the evidence table is named after the log in its store (the two logs have different names here)
    diffs = [d for d in diffs if not d.startswith("evidence.table:")]
    assert not diffs, f"{len(diffs)} difference(s) between DuckDB and Spark, first: {diffs[:10]}"
    assert a["log"]["events"] == log.n_events
    return a


def test_receipt_same_audit_on_spark(tmp_path: Path, spark_engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence, "EXPORT_SLICE_ROWS", 2_000)  # findings.csv comes back in several ranges
    log = crmflow.read_log(real("receipt.xes"))
    audit = _cross_check(log, tmp_path, spark_engine)
    assert audit["log"]["cases"] == 1434
    assert audit["findings"], "the receipt log has findings (rework, ping-pong…) on both engines"


def test_helpdesk_same_audit_on_spark(tmp_path: Path, spark_engine: Any) -> None:
    log = crmflow.read_log(real("helpdesk.xes.gz"))
    audit = _cross_check(log, tmp_path, spark_engine)
    assert audit["log"]["cases"] == 4580


def test_demo_bitrix_export_same_audit_on_spark(tmp_path: Path, spark_engine: Any) -> None:
    """The demo's Bitrix24 export with its rules: SLAs, funnel, stuck deals and working-time calendars."""
    from crmflow.demo.bitrix import generate_bitrix_demo
    from crmflow.findings.rules import load_rules

    demo = generate_bitrix_demo(tmp_path / "data", n_deals=400, seed=7)
    rules = load_rules(demo.rules_path)
    log = crmflow.read_log(demo.csv_path, timezone=rules.calendar.timezone)
    audit = _cross_check(log, tmp_path, spark_engine, rules=rules)
    kinds = {f["kind"] for f in audit["findings"]}
    assert {"bottleneck", "sla_violation"} <= kinds


@pytest.mark.slow
def test_bpic2012_same_audit_on_spark(tmp_path: Path, spark_engine: Any) -> None:
    log = crmflow.read_log(real("bpic2012.xes.gz"))
    audit = _cross_check(log, tmp_path, spark_engine)
    assert audit["log"]["events"] == 262200


# ----------------------------------------------------------------------------- the rewrites, query by query

QUERIES = [
    # two subqueries defining the same CTE name (the evidence's families in one statement): kept nested, not
    # moved to one top-level WITH with the name twice (Spark: DUPLICATED_CTE_NAMES)
    (
        "SELECT * FROM (SELECT * FROM (WITH k AS (SELECT 1 AS a) SELECT a FROM k) "
        "UNION ALL SELECT * FROM (WITH k AS (SELECT 2 AS a) SELECT a FROM k)) ORDER BY a",
        None,
    ),
    # ordered aggregates with directions and NULLs where DuckDB puts them
    (
        "SELECT g, list(v ORDER BY k DESC, v) AS l, first(v ORDER BY k) AS f, last(v ORDER BY k) AS z "
        "FROM (VALUES (1, 'a', 2), (1, 'b', NULL), (1, 'c', 2), (2, 'd', 1)) t(g, v, k) GROUP BY g ORDER BY g",
        None,
    ),
    # DISTINCT inside an ordered string aggregate
    (
        "SELECT g, string_agg(DISTINCT v, ', ' ORDER BY v) AS s FROM (VALUES (1, 'b'), (1, 'a'), (1, 'b'), (2, 'c')) t(g, v) "
        "GROUP BY g ORDER BY g",
        None,
    ),
    # the top n as a list, and a FILTER on an ordered list
    (
        "SELECT g, max_by(v, (k, v), 2) AS top, list(v ORDER BY v) FILTER (WHERE k > 1) AS big "
        "FROM (VALUES (1, 'a', 2), (1, 'b', 3), (1, 'c', 1), (2, 'd', 5)) t(g, v, k) GROUP BY g ORDER BY g",
        None,
    ),
    # zipped unnest of bound lists, IN over an unnest, an empty list
    (
        "WITH k AS (SELECT unnest($xs::VARCHAR[]) AS x, unnest($ys::VARCHAR[]) AS y) "
        "SELECT x, y FROM k WHERE x IN (SELECT unnest($xs::VARCHAR[])) ORDER BY x",
        {"xs": ["a", "b'c"], "ys": ["p", "q"]},
    ),
    ("SELECT count(*) AS n FROM (SELECT 'a' AS x) WHERE x IN (SELECT unnest($e::VARCHAR[]))", {"e": []}),
    # an unnest of table columns is not a zipped list of literals (sqlglot 30 keeps FROM under `from_`)
    (
        "SELECT activity, count(*) AS n FROM (SELECT unnest([a, b]) AS activity FROM (VALUES ('x', 'y'), ('y', 'z')) t(a, b)) "
        "GROUP BY activity ORDER BY activity",
        None,
    ),
    # quantiles interpolate the same way; epoch keeps fractions of a second
    (
        "SELECT quantile_cont(w, [0.5, 0.9]) AS q, median(w) AS m, epoch(TIMESTAMP '2024-01-01 00:00:01.5') AS e "
        "FROM (VALUES (1.0::DOUBLE), (2.0::DOUBLE), (4.0::DOUBLE), (10.0::DOUBLE)) t(w)",
        None,
    ),
    ("SELECT ? AS a, ? AS b, ? AS c, ? * 2 AS d", ["it's", 3, None, 0.1]),
    # distinct values counted with bitstrings per block (crmflow.store.queries.case_counts): count(DISTINCT …) on Spark
    (
        "SELECT g, sum(n)::BIGINT AS cases FROM (SELECT g, bit_count(bitstring_agg(c % 4, 0, 3)) AS n "
        "FROM (VALUES (1, 0), (1, 0), (1, 5), (1, 9), (2, 3), (2, 7), (2, 7)) t(g, c) GROUP BY g, c // 4) GROUP BY g ORDER BY g",
        None,
    ),
]


@pytest.mark.parametrize(("query", "params"), QUERIES)
def test_rewrites_give_duckdb_results(query: str, params: Any, spark_engine: Any) -> None:
    duck = EventStore()
    expected = [list(r) for r in duck.sql(query, params).fetchall()]
    got = [list(r) for r in spark_engine.execute(query, params).fetchall()]
    assert got == expected, to_spark(query, params)


def test_cli_import_parquet_then_audit_on_duckdb_and_spark(tmp_path: Path, spark_engine: Any) -> None:
    """`crmflow import … --parquet DIR`, then `crmflow audit DIR` and `crmflow audit DIR --engine spark`."""
    import json

    from typer.testing import CliRunner

    from crmflow.cli.main import app

    runner = CliRunner()
    ds = tmp_path / "ds"
    res = runner.invoke(app, ["import", str(real("receipt.xes")), "--parquet", str(ds)])
    assert res.exit_code == 0, res.output
    assert (ds / "events").is_dir() and (ds / "ingestions.parquet").exists()
    res = runner.invoke(app, ["audit", str(ds), "--out", str(tmp_path / "duck")])
    assert res.exit_code == 0, res.output
    spark_out = str(tmp_path / "spark")
    res = runner.invoke(app, ["audit", str(ds), "--engine", "spark", "--spark-master", "local[2]", "--out", spark_out])
    assert res.exit_code == 0, res.output
    a = json.loads((tmp_path / "duck" / "audit.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "spark" / "audit.json").read_text(encoding="utf-8"))
    diffs: list[str] = []
    for key in ("log", "dfg", "variants", "findings", "case_durations"):
        _same(a[key], b[key], key, diffs)
    assert not diffs, diffs[:10]
    res = runner.invoke(app, ["audit", str(ds), "--engine", "flink"])
    assert res.exit_code != 0 and "--engine duckdb" in res.output


def test_dataset_from_a_pipeline_quarantines_rows_without_case_activity_or_time(tmp_path: Path) -> None:
    """A client pipeline's bare events folder: no row_no, no ingestions; incomplete rows are quarantined."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "events").mkdir()
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    table = pa.table(
        {
            "case_id": ["a", "a", None, "b", "b"],
            "activity": ["x", "y", "x", None, "x"],
            "ts": [t0, t0 + dt.timedelta(hours=1), t0, t0, t0 + dt.timedelta(hours=2)],
            "amount": [1, 2, 3, 4, 5],
        }
    )
    pq.write_table(table, tmp_path / "events" / "part-0.parquet")
    log = open_event_dataset(tmp_path)
    s = log.summary()
    assert (s.events, s.cases, s.rows_read, s.quarantined) == (3, 2, 5, 2)
    kinds = sorted(r["kind"] for r in log.quarantine())
    assert kinds == ["missing_activity", "missing_case_id"]
    assert "amount" in log.attributes


def test_dataset_without_required_columns_is_refused_with_the_columns_found(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crmflow.errors import InputError

    pq.write_table(pa.table({"deal": ["a"], "stage": ["x"]}), tmp_path / "e.parquet")
    with pytest.raises(InputError, match=r"no column\(s\) case_id, activity, ts \(found: deal, stage\)"):
        open_event_dataset(tmp_path / "e.parquet")


def test_opening_a_dataset_again_under_the_same_name_replaces_its_bookkeeping(tmp_path: Path) -> None:
    """A store shared between imports (a Spark catalogue, a project) must not add up rows read of two imports."""
    first = crmflow.read_log(real("helpdesk.xes.gz"))
    other = crmflow.read_log(real("receipt.xes"))
    a = write_event_dataset(first, tmp_path / "a")
    b = write_event_dataset(other, tmp_path / "b")
    store = EventStore()
    open_event_dataset(b, store=store, log_name="same")
    log = open_event_dataset(a, store=store, log_name="same")
    s = log.summary()
    assert s.rows_read == s.events + s.quarantined == first.summary().rows_read


def test_bare_row_number_is_dense_and_parallel_on_spark(spark_engine: Any) -> None:
    """``row_number() OVER ()`` (the case codes) numbers 1..n over several partitions, not through one."""
    import pyarrow as pa

    spark_engine.register("rn_src", pa.table({"case_id": [f"c{i % 997}" for i in range(5000)], "x": list(range(5000))}))
    coalesce = "spark.sql.adaptive.coalescePartitions.enabled"  # AQE would merge 997 rows into one partition
    before = spark_engine.spark.conf.get(coalesce)
    spark_engine.spark.conf.set(coalesce, "false")
    try:
        spark_engine.execute(
            "CREATE TEMP TABLE rn_codes AS SELECT case_id, (row_number() OVER () - 1)::INTEGER AS cid "
            "FROM (SELECT DISTINCT case_id FROM rn_src)"
        )
    finally:
        spark_engine.spark.conf.set(coalesce, before)
    rows = spark_engine.execute("SELECT case_id, cid FROM rn_codes").fetchall()
    assert sorted(c for _, c in rows) == list(range(997))
    assert sorted(k for k, _ in rows) == sorted({f"c{i}" for i in range(997)})
    assert spark_engine._views["rn_codes"].rdd.getNumPartitions() > 1  # numbered where the rows are
    got = spark_engine.execute("SELECT row_number() OVER () AS n, x FROM rn_src AS s WHERE x >= 4990").fetchall()
    assert sorted(n for n, _ in got) == list(range(1, 11)) and sorted(x for _, x in got) == list(range(4990, 5000))
    spark_engine.execute("DROP TABLE rn_codes")
    spark_engine.unregister("rn_src")


def test_dataset_from_a_pipeline_on_spark_as_on_duckdb(tmp_path: Path, spark_engine: Any) -> None:
    """Without row numbers, both engines number the rows in file order and quarantine the same rows."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "events").mkdir()
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    table = pa.table(
        {
            "case_id": ["a", "a", None, "b", "b", "a"],
            "activity": ["x", "y", "x", None, "x", "z"],
            "ts": [t0, t0, t0, t0, t0 + dt.timedelta(hours=2), t0],  # ties: the file order decides
        }
    )
    pq.write_table(table, tmp_path / "events" / "part-0.parquet")
    duck = open_event_dataset(tmp_path)
    spark = open_event_dataset(tmp_path, store=EventStore(engine=spark_engine), log_name=f"s{uuid.uuid4().hex[:12]}")
    assert spark.summary().to_dict() == duck.summary().to_dict()
    assert crmflow.get_variants(spark).counts() == crmflow.get_variants(duck).counts()
    assert crmflow.get_variants(duck).counts()[("x", "y", "z")] == 1  # a's tied events in file order
