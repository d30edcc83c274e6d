"""Every benchmark of ``make bench`` runs to its end on a small book (``make soak``).

A benchmark is run by hand, seldom, and a change that breaks one (a renamed function, a changed
reply) would go unseen until someone wants its figures. Here each module runs as ``python -m bench
NAME`` in a process of its own, with the sizes its environment variables allow cut to a few
thousand rows, and must finish with exit status 0, print its verdicts, and neither fail nor skip a
DBMS. The figures of such a small run mean nothing and are not checked: speed is ``make bench``'s.
"""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import bench
from tests.conftest import REQUIRE

ROOT = Path(__file__).resolve().parents[2]

#: the sizes cut down (each module's docstring names its variables)
SMALL = {
    "ASSURDB_BENCH_ACCOUNT_INSURED": "100",
    "ASSURDB_BENCH_ACCOUNT_REPEATS": "1",
    "ASSURDB_BENCH_ACCOUNT_WORKERS": "2",
    "ASSURDB_BENCH_REPORT_REPEATS": "1",
    "ASSURDB_BENCH_COPY_INSURED": "60",
    "ASSURDB_BENCH_EXCHANGE_ARTICLES": "200",
    "ASSURDB_BENCH_ROWS": "2000",
    "ASSURDB_BENCH_KEYS": "200",
    "ASSURDB_BENCH_STEPS": "200",
    "ASSURDB_BENCH_SLOW_STEPS": "20",
    "ASSURDB_BENCH_DUCKDB_CALLS": "50",
    "ASSURDB_BENCH_REPEATS": "1",
    "ASSURDB_BENCH_WRITE_REPEATS": "1",
    "ASSURDB_BENCH_REINSURE_GUARANTIES": "8000",
    "ASSURDB_BENCH_REINSURE_LOSSES": "1600",
    "ASSURDB_BENCH_UNIT": "2000",
    "ASSURDB_BENCH_GUARANTIES": "4000",
    "ASSURDB_BENCH_SHAPE_ROWS": "1000",
}

#: the modules that need the ``bench`` extra's libraries, and which
NEEDS = {"bench_montecarlo": "gemact", "bench_reserving": "chainladder"}

MODULES = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))


def test_every_module_is_listed() -> None:
    """A new benchmark is picked up by the parametrisation below (and by ``python -m bench``)."""
    assert {"bench_account", "bench_interface", "bench_reinsure", "bench_write_shapes"} <= set(MODULES)


@pytest.mark.soak
@pytest.mark.skipif(os.environ.get("ASSURDB_SOAK") != "1", reason="the benchmarks run small under make soak")
@pytest.mark.parametrize("module", MODULES)
def test_the_benchmark_runs_to_its_end_on_a_small_book(module: str) -> None:
    needed = NEEDS.get(module)
    if needed is not None and importlib.util.find_spec(needed) is None:
        pytest.skip(f"{module} needs {needed}: pip install -e '.[bench]' (make soak installs it)")
    env = {**os.environ, **SMALL}
    done = subprocess.run(
        [sys.executable, "-m", "bench", module.removeprefix("bench_")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "Traceback" not in out, out[-4000:]
    assert "FAILED" not in out, out[-4000:]
    assert f"--- {module}:" in done.stdout, out[-4000:]  # the runner's line once the module has returned
    if REQUIRE:
        assert "skipped" not in out.lower(), out[-4000:]  # an unreachable server: CI has them
