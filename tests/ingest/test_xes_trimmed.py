"""What r4pm's frame tells staging: ``RawTable.trimmed`` (trims left out where they change nothing) and
``RawTable.arrow`` (the numeric sample sliced from the frame), each giving what the plain SQL path gives."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmflow.ingest.raw import TRIM_SPACES, RawTable
from crmflow.ingest.staging import drop_stage, stage_raw
from crmflow.ingest.xes import _trimmed_columns, read_xes_raw
from crmflow.store.store import EventStore
from tests.conftest import ROOT, real

DATA = ROOT / "tests" / "data" / "xes"


def test_trim_spaces_are_what_duckdb_trims_at_either_end() -> None:
    # every code point (surrogates have no UTF-8 form), before and after a letter
    store = EventStore()
    trimmed = store.sql(
        """SELECT list(cp ORDER BY cp) FILTER (WHERE trim(chr(cp::INTEGER) || 'x') <> chr(cp::INTEGER) || 'x'),
                  list(cp ORDER BY cp) FILTER (WHERE trim('x' || chr(cp::INTEGER)) <> 'x' || chr(cp::INTEGER))
           FROM range(1, 1114112) t(cp) WHERE cp NOT BETWEEN 55296 AND 57343"""
    ).fetchall()[0]
    assert trimmed[0] == trimmed[1] == [ord(c) for c in TRIM_SPACES]


_TEXT = st.text(alphabet=st.sampled_from(["a", "Б", "1", " ", "\t", "\n", "\u00a0", "\u2009", "\u3000", "\u200b", "\u0085"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(st.none(), _TEXT), min_size=1, max_size=6), min_size=1, max_size=4))
def test_a_column_is_marked_trimmed_exactly_when_duckdb_trim_changes_none_of_its_values(columns: list[list]) -> None:
    n = max(len(c) for c in columns)
    frame = pl.DataFrame(
        {f"c{i}": c + [None] * (n - len(c)) for i, c in enumerate(columns)},
        schema=dict.fromkeys((f"c{i}" for i in range(len(columns))), pl.String),
    )
    store = EventStore()
    store.register_arrow("f", frame.to_arrow())
    names = [f"c{i}" for i in range(len(columns))]
    same = store.sql(
        f"SELECT {', '.join(f'coalesce(bool_and(trim(c{i}) = c{i}), true)' for i in range(len(columns)))} FROM f"
    ).fetchall()[0]
    assert _trimmed_columns(frame) == frozenset(name for name, ok in zip(names, same, strict=True) if ok)


def _staged(store: EventStore, raw: RawTable) -> tuple[list[tuple], list[tuple], dict]:  # type: ignore[type-arg]
    res = stage_raw(store, raw, log_name="log")
    try:
        rows = store.sql(f"SELECT * FROM {res.stage} ORDER BY row_no").fetchall()
        quarantine = store.sql("SELECT * FROM quarantine ORDER BY source, row_no, kind").fetchall()
        store.sql("DELETE FROM quarantine")
        store.sql("DELETE FROM ingestions")
        return rows, quarantine, res.mapping
    finally:
        drop_stage(store, res.stage)


def _edge_spaces_log(tmp_path: Path) -> Path:
    event = (
        '<event><string key="concept:name" value="{a}"/><string key="org:resource" value="ann"/>'
        '<string key="note" value="{n}"/><date key="time:timestamp" value="2024-03-01T10:00:00Z"/></event>'
    )
    traces = [("A", "call", "x"), ("\u3000B", "call ", " "), ("C", "\u00a0", "y"), ("D", "mail", "")]
    body = "".join(f'<trace><string key="concept:name" value="{c}"/>{event.format(a=a, n=n)}</trace>' for c, a, n in traces)
    p = tmp_path / "edges.xes"
    p.write_text(f"<log>{body}</log>", encoding="utf-8")
    return p


@pytest.mark.parametrize("name", ["receipt.xes", "helpdesk.xes.gz", "edges"])
def test_staging_with_the_frames_facts_equals_staging_by_sql_alone(name: str, tmp_path: Path) -> None:
    path = _edge_spaces_log(tmp_path) if name == "edges" else real(name)
    store = EventStore()
    raw = read_xes_raw(store, path, log_name="log")
    assert raw.info["engine"] == "r4pm" and raw.trimmed and raw.arrow is not None
    if name == "edges":  # the columns with a space at an end keep their trim
        assert raw.trimmed == {"org:resource"}
    by_sql = RawTable(**{**raw.__dict__, "trimmed": frozenset(), "arrow": None})  # every trim, the sample by a query
    assert _staged(store, raw) == _staged(store, by_sql)


def test_the_numeric_sample_from_the_frame_gives_the_sql_sample_verdict(tmp_path: Path) -> None:
    # numbers, grouped numbers, text, and a number past the sample's first value: same verdicts either way
    event = '<event><string key="concept:name" value="a"/><date key="time:timestamp" value="2024-03-01T10:00:00Z"/>{}</event>'
    attrs = [
        '<string key="n" value="{i}"/><string key="g" value="1 2{d}0,5"/><string key="t" value="{t}"/>'.format(
            i=i, d=i % 10, t="x" if i == 7 else str(i)
        )
        for i in range(12)
    ]
    p = tmp_path / "numbers.xes"
    p.write_text(f'<log><trace><string key="concept:name" value="c"/>{"".join(event.format(a) for a in attrs)}</trace></log>')
    store = EventStore()
    raw = read_xes_raw(store, p, log_name="log")
    assert raw.arrow is not None and raw.arrow.schema.field("n").type == pa.string_view()
    staged, by_sql = _staged(store, raw), _staged(store, RawTable(**{**raw.__dict__, "arrow": None}))
    assert staged[2]["numeric_attributes"] == {"n": "BIGINT", "g": "DOUBLE"}
    assert staged == by_sql
