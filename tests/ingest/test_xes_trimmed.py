"""Trims left out where they change nothing: ``RawTable.trimmed`` from r4pm's frame, and staging's use of it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
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


def _staged(store: EventStore, raw: RawTable) -> tuple[list[tuple], list[tuple]]:
    res = stage_raw(store, raw, log_name="log")
    try:
        rows = store.sql(f"SELECT * FROM {res.stage} ORDER BY row_no").fetchall()
        quarantine = store.sql("SELECT * FROM quarantine ORDER BY source, row_no, kind").fetchall()
        store.sql("DELETE FROM quarantine")
        store.sql("DELETE FROM ingestions")
        return rows, quarantine
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
def test_staging_with_the_trims_left_out_equals_staging_with_every_trim(name: str, tmp_path: Path) -> None:
    path = _edge_spaces_log(tmp_path) if name == "edges" else real(name)
    store = EventStore()
    raw = read_xes_raw(store, path, log_name="log")
    assert raw.info["engine"] == "r4pm" and raw.trimmed
    if name == "edges":  # the columns with a space at an end keep their trim
        assert raw.trimmed == {"org:resource"}
    every_trim = RawTable(**{**raw.__dict__, "trimmed": frozenset()})
    assert _staged(store, raw) == _staged(store, every_trim)
