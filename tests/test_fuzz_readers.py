"""Short fuzz run: every reader gives a result or a crmflow error on mutated input (bench/fuzz.py runs longer)."""

from __future__ import annotations

import pytest

from tests.fuzz_readers import fuzz, readers

#: Mutated inputs per reader here.
RUNS = 25


@pytest.mark.parametrize("reader", readers(), ids=lambda r: r.name)
def test_no_traceback_from_mutated_input(reader) -> None:  # type: ignore[no-untyped-def]
    assert reader.seeds, f"no seed files for {reader.name}"
    out = fuzz(reader, seed=18, runs=RUNS)
    assert out.tracebacks == []
    assert out.runs == RUNS
