"""Each As-Is finding on a small crafted log, with hand-computed expectations."""

from __future__ import annotations

import json

import pytest

from crmflow.findings.bottleneck import find_bottlenecks
from crmflow.findings.detect import detect_findings
from crmflow.findings.funnel import measure_funnel
from crmflow.findings.ping_pong import find_ping_pong, stored_in_event_order
from crmflow.findings.rework import find_rework, variants
from crmflow.findings.rules import load_rules
from crmflow.findings.stuck import find_stuck_cases, resolve_end_activities
from crmflow.findings.tables import SharedTables, activity_codes
from crmflow.findings.workload import find_workload_concentration
from crmflow.store import finding_queries as fq
from crmflow.store import people_queries as pq
from tests.findings.logs import make_log

# --------------------------------------------------------------------------- bottleneck


@pytest.fixture
def waits_log():
    return make_log(
        [
            ("c1", "A", "2024-03-01 09:00", "u1"),
            ("c1", "B", "2024-03-01 10:00", "u2"),
            ("c1", "C", "2024-03-01 10:30", "u3"),
            ("c2", "A", "2024-03-01 09:00", "u1"),
            ("c2", "B", "2024-03-01 12:00", "u4"),
            ("c2", "C", "2024-03-01 12:10", "u3"),
            ("c3", "A", "2024-03-01 09:00", "u1"),
            ("c3", "C", "2024-03-01 09:20", "u3"),
        ]
    )


def test_bottleneck_ranks_by_total_wait(waits_log) -> None:
    # A->B 3600 + 10800 = 14400, B->C 1800 + 600 = 2400, A->C 1200: 18000 s of waiting in all
    found = find_bottlenecks(waits_log, load_rules({"thresholds": {"bottleneck_top": 2}}))
    # "-> B" is left out: all its waiting is the reported transition A -> B
    assert [f.key for f in found] == ["A -> B", "B -> C", "-> C"]
    ab = found[0]
    assert ab.kind == "bottleneck" and ab.severity == "high"
    assert ab.metrics["count"] == 2 and ab.metrics["cases"] == 2
    assert ab.metrics["total_wait_s"] == 14400 and ab.metrics["mean_wait_s"] == 7200
    assert ab.metrics["median_wait_s"] == 7200 and ab.metrics["p90_wait_s"] == pytest.approx(10080)
    assert ab.metrics["share_of_waiting"] == pytest.approx(0.8)
    assert ab.evidence.case_ids == ("c2", "c1") and ab.evidence.case_count == 2
    assert ab.evidence.resources == ("u4", "u2") and ab.evidence.activities == ("A", "B")
    assert ab.evidence.rows[0] == {"case_id": "c2", "wait_s": 10800}
    bc = found[1]
    assert bc.metrics["share_of_waiting"] == pytest.approx(2400 / 18000) and bc.severity == "medium"
    to_c = found[2]  # waiting before C: 1800 + 600 + 1200
    assert to_c.metrics["total_wait_s"] == 3600 and to_c.metrics["count"] == 3 and to_c.severity == "medium"
    assert to_c.evidence.case_ids == ("c1", "c3", "c2")
    assert "A" in ab.title and "80%" in ab.title


def test_bottleneck_min_share_and_language(waits_log) -> None:
    found = find_bottlenecks(waits_log, load_rules({"thresholds": {"bottleneck_min_share": 0.1}}), lang="ru")
    assert [f.key for f in found] == ["A -> B", "B -> C", "-> C"]  # A -> C holds 6.7 %
    assert found[0].title == "Ожидание между «A» и «B»: в среднем 2 ч, 80 % всего времени ожидания"


# --------------------------------------------------------------------------- rework


@pytest.fixture
def rework_log():
    day = "2024-03-01 "
    rows = []
    for case, acts in {"c1": "A B X A B C", "c2": "A B B B C", "c3": "A C"}.items():
        for i, a in enumerate(acts.split()):
            rows.append((case, a, f"{day}{9 + i:02d}:00", f"{case}-u{i % 2}"))
    return make_log(rows)


def test_rework_repeats_and_stage_returns(rework_log) -> None:
    found = find_rework(rework_log, load_rules({"stages": ["A", "B", "C"]}))
    repeat_b, repeat_a, back = found
    assert (repeat_b.key, repeat_b.metrics["cases"], repeat_b.metrics["extra_executions"]) == ("B", 2, 3)
    assert repeat_b.metrics["max_executions"] == 3 and repeat_b.evidence.case_ids == ("c2", "c1")
    assert repeat_b.metrics["share_of_cases_with_activity"] == 1.0 and repeat_b.severity == "high"
    assert repeat_b.evidence.rows == ({"case_id": "c2", "executions": 3}, {"case_id": "c1", "executions": 2})
    assert (repeat_a.key, repeat_a.metrics["cases"], repeat_a.metrics["extra_executions"]) == ("A", 1, 1)
    assert repeat_a.metrics["share_of_cases_with_activity"] == pytest.approx(1 / 3)
    # c1: A B (X ignored) A B C -> one return from B to A; c2's B B is not a return
    assert back.key == "B -> A" and back.metrics["type"] == "stage_return"
    assert (back.metrics["cases"], back.metrics["returns"]) == (1, 1) and back.evidence.case_ids == ("c1",)
    assert back.evidence.resources == ("c1-u1",)  # A after X was done by the 4th event's resource


def test_repeats_by_variant_hash_as_by_variant_and_events(rework_log) -> None:
    """The repeats read through the variants' hashes are those grouped on the variant lists and on every event."""
    store, name = rework_log.store, rework_log.name
    tables = SharedTables(store)
    by_hash = variants(tables, rework_log)
    assert by_hash is not None  # three variants, three hashes
    summaries = [store.rows(fq.repeats_summary(name, v), {"top": 10}) for v in (by_hash, None)]
    assert summaries[0] == summaries[1] and [r["activity"] for r in summaries[0]] == ["B", "A"]
    acts = {"acts": sorted(activity_codes(rework_log).values())}
    made = []
    for v in (by_hash, None):
        tmp = store.new_name("rw")
        store.sql(fq.repeats_table(name, tmp, v), acts)
        named = f"SELECT c.case_id, a.activity, r.n FROM {tmp} r JOIN cs_{name} c USING (cid) JOIN ac_{name} a USING (act)"
        made.append(store.rows(f"{named} ORDER BY ALL"))
    assert (
        made[0]
        == made[1]
        == [
            {"case_id": "c1", "activity": "A", "n": 2},
            {"case_id": "c1", "activity": "B", "n": 2},
            {"case_id": "c2", "activity": "B", "n": 3},
        ]
    )
    # two variants under one hash: the queries group on the lists instead
    store.sql(f"UPDATE {by_hash} SET other = [-1] WHERE vh = (SELECT min(vh) FROM {by_hash})")
    assert variants(tables, rework_log) is None
    tables.drop()


def test_rework_without_stages_and_min_share(rework_log) -> None:
    assert [f.key for f in find_rework(rework_log, load_rules(None))] == ["B", "A"]
    only_b = find_rework(rework_log, load_rules({"thresholds": {"rework_min_share": 0.5}}))
    assert [f.key for f in only_b] == ["B"]


# --------------------------------------------------------------------------- ping-pong


def test_ping_pong_between_resources_and_roles() -> None:
    role = {"u1": "sales", "u2": "support", "u3": "sales", None: None}
    seqs = {
        "c1": ["u1", "u2", "u1", "u2"],
        "c2": ["u1", "u1", "u2", "u1"],
        "c3": ["u1", "u2", "u3"],
        "c4": ["u3", None, "u2", "u3"],
    }
    rows = [(c, f"T{i}", f"2024-03-01 {9 + i:02d}:00", r, role[r]) for c, rs in seqs.items() for i, r in enumerate(rs)]
    log = make_log(rows)
    found = find_ping_pong(log, load_rules(None))
    by_key = {f.key: f for f in found}
    assert list(by_key) == ["resource", "role"]  # one finding per level, the pairs inside
    people = by_key["resource"]
    pairs = {(r["a"], r["b"]): r for r in people.evidence.rows}
    assert list(pairs) == [("u1", "u2"), ("u2", "u3")]  # most cases first
    assert (pairs[("u1", "u2")]["cases"], pairs[("u1", "u2")]["bounces"]) == (2, 3)  # c1: ABAB = 2 bounces, c2: 1
    assert (pairs[("u2", "u3")]["cases"], pairs[("u2", "u3")]["bounces"]) == (1, 1)  # c4: no resource is skipped
    assert (people.metrics["pairs"], people.metrics["cases"], people.metrics["bounces"]) == (2, 3, 4)
    assert people.evidence.case_ids == ("c1", "c2", "c4") and people.evidence.resources == ("u1", "u2", "u3")
    assert people.severity == "high" and people.metrics["share_of_cases"] == 0.75  # 3 of 4 cases
    assert people.title == "Work bounces back and forth between 2 pairs of people in 3 cases"
    assert "the most frequent pair is u1 ↔ u2 (2 cases)" in people.description
    roles = by_key["role"]  # c1: 2, c2, c3, c4: 1 each
    assert [(r["a"], r["b"], r["cases"], r["bounces"]) for r in roles.evidence.rows] == [("sales", "support", 4, 5)]
    assert roles.title == "Work bounces between the roles sales and support in 4 cases"
    strict = find_ping_pong(log, load_rules({"thresholds": {"ping_pong_min": 2}}), levels=("resource",), lang="ru")
    assert [(r["a"], r["b"]) for r in strict[0].evidence.rows] == [("u1", "u2")]
    assert strict[0].metrics["cases"] == 2 and strict[0].evidence.case_ids == ("c1", "c2")
    assert strict[0].title == "Работа ходит туда-обратно между u1 и u2 в 2 случаях"
    top = find_ping_pong(log, load_rules({"thresholds": {"ping_pong_top": 1}}), levels=("resource",))[0]
    assert len(top.evidence.rows) == 1 and top.metrics["pairs"] == 2 and top.metrics["cases"] == 3  # counts stay whole


@pytest.mark.parametrize("level", ["resource", "role"])
def test_ping_pong_shortcuts_give_the_same_bounces(level: str) -> None:
    """Without NULLs (the stored successor) and in stored event order (the next row read), the same bounces."""
    seqs = {"c1": "u1 u2 u1 u2 u3 u2", "c2": "u1 u1 u2 u2 u1 u3", "c3": "u3 u1 u3 u3 u1"}
    log = make_log(
        [
            (c, f"T{i}", f"2024-03-01 {9 + i:02d}:00", r, "x" if r == "u3" else "y")
            for c, rs in seqs.items()
            for i, r in enumerate(rs.split())
        ]
    )
    assert stored_in_event_order(log)  # built from rows in case and time order
    tables = []
    for has_nulls in (True, False):
        for in_order in (False, True):
            tmp = log.store.new_name("pp")
            log.store.sql(pq.ping_pong_table(log.name, tmp, level, has_nulls=has_nulls, in_order=in_order))
            tables.append(log.store.rows(f"SELECT c.case_id, t.* FROM {tmp} t JOIN cs_{log.name} c USING (cid) ORDER BY ALL"))
    assert tables[0] == tables[1] == tables[2] == tables[3]
    if level == "resource":  # c1: 1-2-1, 2-1-2, 2-3-2; c2: 1-2-1; c3: 3-1-3, 1-3-1
        assert [(r["case_id"], r["x"], r["y"]) for r in tables[0]] == [
            ("c1", "u1", "u2"),
            ("c1", "u1", "u2"),
            ("c1", "u2", "u3"),
            ("c2", "u1", "u2"),
            ("c3", "u1", "u3"),
            ("c3", "u1", "u3"),
        ]


def test_events_stored_out_of_order_are_read_through_the_windows() -> None:
    log = make_log([(c, f"T{i}", f"2024-03-01 {9 + i:02d}:00", f"u{i % 2}") for c in ("c1", "c2") for i in range(4)])
    assert stored_in_event_order(log)
    # the same events stored last position first: the check says so, and the bounces are the same
    log.store.sql(f"CREATE TABLE ev_rev AS SELECT * FROM ev_{log.name} ORDER BY cid, pos DESC")
    for t in ("cs", "ac"):
        log.store.sql(f"CREATE TABLE {t}_rev AS SELECT * FROM {t}_{log.name}")
    rev = log.store.log("rev")
    assert not stored_in_event_order(rev)
    both = [find_ping_pong(x, load_rules(None), levels=("resource",))[0].metrics for x in (log, rev)]
    assert both[0] == both[1] and both[0]["bounces"] == 4  # c1 and c2: u0 u1 u0 u1, two bounces each


# --------------------------------------------------------------------------- workload


def test_workload_concentration_and_bus_factor() -> None:
    a_res = ["u1"] * 6 + ["u2"] * 3 + ["u3"]
    b_res = ["u1", "u2"] * 3 + ["u3", "u4"] * 2
    rows = []
    for i in range(10):
        rows += [(f"c{i}", "A", f"2024-03-01 {9 + i:02d}:00", a_res[i]), (f"c{i}", "B", f"2024-03-01 {9 + i:02d}:30", b_res[i])]
    log = make_log(rows)
    found = find_workload_concentration(log, load_rules({"thresholds": {"workload_min_events": 5}}))
    assert [f.key for f in found] == ["A"]
    a = found[0]
    assert a.metrics["top_resource"] == "u1" and a.metrics["top_share"] == pytest.approx(0.6)
    assert a.metrics["bus_factor"] == 1 and a.metrics["resources"] == 3 and a.metrics["events"] == 10
    assert a.evidence.case_ids == tuple(f"c{i}" for i in range(6)) and a.evidence.case_count == 6
    assert a.evidence.resources == ("u1", "u2", "u3") and a.severity == "medium"
    # u1 does 60 % of A among three regulars: 1.8x the fair share 1/3
    assert a.metrics["fair_share"] == pytest.approx(1 / 3) and a.metrics["share_to_fair"] == pytest.approx(1.8)
    # B is split 30/30/20/20 among four: 1.2x the fair share -- not a concentration, whatever the floor
    loose = find_workload_concentration(log, load_rules({"thresholds": {"workload_min_events": 5, "workload_share": 0.3}}))
    assert "B" not in {f.key for f in loose}
    looser = find_workload_concentration(log, load_rules({"thresholds": {"workload_min_events": 5, "workload_fair_ratio": 1.2}}))
    b = {f.key: f for f in looser}["B"]
    assert b.metrics["top_share"] == pytest.approx(0.3) and b.metrics["bus_factor"] == 2
    assert find_workload_concentration(log, load_rules(None)) == []  # 10 events < 20: not frequent


# --------------------------------------------------------------------------- stuck


@pytest.fixture
def stuck_log():
    return make_log(
        [
            ("c1", "A", "2024-01-01"),
            ("c1", "End", "2024-01-05"),
            ("c2", "A", "2024-01-01"),
            ("c2", "B", "2024-01-10", "bob"),
            ("c3", "A", "2024-03-01", "ann"),
            ("c4", "A", "2024-03-20"),
            ("c4", "End", "2024-04-01"),
        ]
    )


def test_stuck_cases(stuck_log) -> None:
    rules = load_rules({"end_activities": ["End"], "stuck_after": "30d"})
    (f,) = find_stuck_cases(stuck_log, rules)
    day = 86400
    assert f.kind == "stuck_case" and f.severity == "high"
    assert (f.metrics["stuck_cases"], f.metrics["open_cases"]) == (2, 2)
    assert f.metrics["max_idle_s"] == 82 * day and f.metrics["median_idle_s"] == (82 + 31) / 2 * day
    assert f.evidence.case_ids == ("c2", "c3") and f.evidence.case_count == 2
    assert set(f.evidence.activities) == {"A", "B"} and set(f.evidence.resources) == {"ann", "bob"}
    assert find_stuck_cases(stuck_log, load_rules({"end_activities": ["End"], "stuck_after": "32d"}))[0].evidence.case_ids == (
        "c2",
    )
    assert find_stuck_cases(stuck_log, load_rules({"end_activities": ["End"], "stuck_after": "90d"})) == []


def test_end_activities_inferred_from_the_log(stuck_log) -> None:
    ends = resolve_end_activities(stuck_log, load_rules({"thresholds": {"end_activity_share": 0.3}}))
    assert ends.activities == ("End",) and ends.inferred  # End ends 2 of 4 cases, A and B 1 each
    assert resolve_end_activities(stuck_log, load_rules(None)).activities == ("End", "A", "B")
    report = detect_findings(stuck_log, load_rules({"thresholds": {"end_activity_share": 0.3}}))
    assert report.end_activities == ("End",) and report.end_activities_inferred
    assert "“End”" in report.warnings[0]
    assert [f for f in report.findings if f.kind == "stuck_case"][0].evidence.case_count == 2


# --------------------------------------------------------------------------- funnel


def test_funnel() -> None:
    paths = {"c1": "S1 S2 S3 S4", "c2": "S1 S2", "c3": "S1 S3", "c4": "S1", "c5": "S1 S2", "c6": "X"}
    rows = [(c, a, f"2024-03-01 {9 + i:02d}:00") for c, p in paths.items() for i, a in enumerate(p.split())]
    result, (f,) = measure_funnel(make_log(rows), load_rules({"stages": ["S1", "S2", "S3", "S4"]}))
    assert [(s.stage, s.cases, s.lost_here) for s in result.stages] == [("S1", 5, 1), ("S2", 4, 2), ("S3", 2, 1), ("S4", 1, 0)]
    assert [s.share_of_start for s in result.stages] == [1.0, 0.8, 0.4, 0.2]
    assert [s.conversion_from_previous for s in result.stages] == [None, 0.8, 0.5, 0.5]
    assert (result.cases_in_funnel, result.cases_without_stage) == (5, 1)
    assert f.kind == "funnel_drop" and f.key == "S2 -> S3" and f.severity == "high"
    assert f.metrics["lost"] == 2 and f.metrics["drop_rate"] == 0.5
    assert f.evidence.case_ids == ("c2", "c5") and f.evidence.case_count == 2
    assert measure_funnel(make_log(rows), load_rules(None)) == (None, [])


# --------------------------------------------------------------------------- the whole report


def test_report_is_sorted_json_and_bilingual(waits_log) -> None:
    rules = load_rules(
        {
            "stages": ["A", "B", "C"],
            "end_activities": ["C", "Z"],
            "sla": [{"name": "fast", "from": "A", "to": "C", "within": "1h"}],
        }
    )
    report = detect_findings(waits_log, rules)
    order = {"high": 0, "medium": 1, "low": 2}
    keys = [(order[f.severity], -f.evidence.case_count) for f in report.findings]
    assert keys == sorted(keys)
    assert report.warnings == ("End activity “Z” never occurs in the log",)
    (sla,) = report.sla
    assert (sla.cases_checked, sla.violations, sla.late) == (3, 2, 2)  # 90 and 70 min late, c3 20 min
    assert report.funnel is not None and [s.cases for s in report.funnel.stages] == [3, 3, 3]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["rules"]["sla"][0]["within_s"] == 3600 and data["sla"][0]["histogram"]["counts"]
    ru = detect_findings(waits_log, rules, lang="ru")
    assert [f.key for f in ru.findings] == [f.key for f in report.findings]
    assert any("нарушен" in f.title for f in ru.findings)
