"""The guaranties benchmark (``python -m bench stored``) end to end on a few hundred guaranties: written
through the interface, read by the adapter and by the raw driver into equal frames (the benchmark compares
them), timed once each — a few seconds, so that a change to either side that breaks the benchmark shows here."""

from __future__ import annotations

import pytest

from bench import bench_stored


@pytest.mark.parametrize("dbms", ["sqlite", "duckdb"])
def test_the_guaranties_benchmark_runs_on_a_few_hundred_guaranties(dbms: str) -> None:
    result = bench_stored.measure(dbms, 301, repeats=1)
    assert (result.dbms, result.rows) == (dbms, 301)
    assert len(result.ours) == len(result.raw) == 1 and result.ratio > 0
