"""Monte Carlo of 1 000 000 years: Poisson(10) claims, lognormal(μ = 10, σ = 1.5) severities, through a
500 000 xs 100 000 per-loss layer with a 250 000 annual aggregate deductible (AAD) and a 2 000 000 aggregate
limit — mean, standard deviation and 99.5 %
quantile of the ceded aggregate. The figures are for GEMAct 1.3.0, one BLAS/OpenMP thread on each side.

* assurdb: ``engine.modelling`` (thinned frequency, conditional severities, ``np.bincount`` per year),
  against GEMAct's ``LossModel(aggr_loss_dist_method="mc")`` on the same model with the same number of
  simulations (GEMAct also simulates only the losses above the deductible). Target: ≥ 40× GEMAct.
* ``ExcessOfLoss.cede``: the treaty object on the simulated losses above the priority, as a loss
  listing (``loss_id``, ``treaty_year`` = the simulated year, ``date``, ``amount``: about 1.57 million
  rows), timed against the same GEMAct run. A simulated loss has no date: all are dated alike, so
  each year's losses enter its aggregate limit in simulation order and the listing is already in the
  treaty's processing order. Target: ≥ 10× GEMAct. For information, the same listing with random
  dates in the year (the treaty sorts it) is timed too, without a target.

Each side is timed by wall clock and by CPU time (best of its repeats), and both ratios are checked
against the targets: on an idle machine they agree; on a shared one the wall clock also counts the
time spent waiting for a core, which the CPU time, with one thread a side, leaves out.

GEMAct's version is pinned (``GEMACT_VERSION``, the ``bench`` extra pins the same): another version
is measured all the same, with a warning. The thread counts of both sides are pinned before NumPy is
imported (``OMP_NUM_THREADS`` and its kin) and, when threadpoolctl is installed, again around the
runs (when ``python -m bench`` imported NumPy earlier the variables came too late). GEMAct is a
bench-only extra, imported lazily; without it the baseline is reported as missing.
"""

from __future__ import annotations

import os

#: One thread for every native pool, on both sides: the figures compare code, not cores.
THREADS = 1
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _variable in THREAD_VARIABLES:
    os.environ[_variable] = str(THREADS)

import contextlib  # noqa: E402  (the thread variables must be set before NumPy is imported)
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import partial  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from assurdb.engine.modelling import (  # noqa: E402
    LogNormal,
    Poisson,
    SimulatedLosses,
    ceded_aggregate,
    risk_summary,
    simulate_frequency_severity,
)
from assurdb.engine.treaties import ExcessOfLoss  # noqa: E402

GEMACT_VERSION = "1.3.0"
N_YEARS = 1_000_000
MEAN_COUNT, MU, SIGMA = 10.0, 10.0, 1.5
PRIORITY, LIMIT, AAD, AGGREGATE_LIMIT = 100_000.0, 500_000.0, 250_000.0, 2_000_000.0
TARGET_MC = 40.0
TARGET_CEDE = 10.0


@dataclass(frozen=True)
class Timing:
    """Best wall-clock and best CPU seconds (this process, all its threads) over the repeats."""

    wall: float
    cpu: float


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    wall, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return Timing(wall, cpu), out


@contextlib.contextmanager
def pinned_threads() -> Iterator[str]:
    """Limit the native thread pools to ``THREADS`` and say how."""
    variables = ", ".join(f"{v}={os.environ.get(v)}" for v in THREAD_VARIABLES)
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        yield f"{variables} (set before NumPy was imported; threadpoolctl not installed)"
        return
    with threadpool_limits(limits=THREADS):
        pools = ", ".join(f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info()) or "none loaded"
        yield f"{variables}; threadpoolctl: {pools}"


def simulate(threshold: float = PRIORITY, seed: int = 1) -> SimulatedLosses:
    return simulate_frequency_severity(
        N_YEARS, Poisson(MEAN_COUNT), LogNormal(MU, SIGMA), threshold=threshold, seed=seed
    )


def ours(threshold: float = PRIORITY, seed: int = 1) -> dict[str, float]:
    losses = simulate(threshold, seed)
    return risk_summary(
        ceded_aggregate(losses, PRIORITY, LIMIT, aggregate_deductible=AAD, aggregate_limit=AGGREGATE_LIMIT)
    )


def listing(losses: SimulatedLosses, *, random_dates: bool = False) -> pd.DataFrame:
    """The simulated losses as the loss frame a treaty reads."""
    n = losses.amount.size
    date = np.full(n, np.datetime64("2025-01-01", "D"))
    if random_dates:
        date = date + np.random.default_rng(7).integers(0, 365, n).astype("timedelta64[D]")
    return pd.DataFrame({"loss_id": np.arange(n), "treaty_year": losses.year, "date": date, "amount": losses.amount})


def treaty() -> ExcessOfLoss:
    return ExcessOfLoss(LIMIT, PRIORITY, aad=AAD, aggregate_limit=AGGREGATE_LIMIT)


def annual_ceded(summary: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The treaty's ceded amount per simulated year, zero for the years without a loss above the priority."""
    annual = np.zeros(N_YEARS)
    annual[summary.index.to_numpy()] = summary["ceded"].to_numpy()
    return annual


def gemact_run(gemact: Any) -> dict[str, float]:
    model = gemact.LossModel(
        frequency=gemact.Frequency(dist="poisson", par={"mu": MEAN_COUNT}),
        severity=gemact.Severity(dist="lognormal", par={"shape": SIGMA, "scale": float(np.exp(MU))}),
        policystructure=gemact.PolicyStructure(
            layers=gemact.Layer(cover=LIMIT, deductible=PRIORITY, aggr_deductible=AAD, aggr_cover=AGGREGATE_LIMIT)
        ),
        aggr_loss_dist_method="mc",
        n_sim=N_YEARS,
        random_state=1,
    )
    return {"mean": float(model.mean()), "std": float(model.std()), "q0.995": float(model.ppf(0.995))}


def show(name: str, seconds: Timing, stats: dict[str, float]) -> None:
    print(
        f"{name:<44} {seconds.wall:>8.3f} {seconds.cpu:>8.3f} "
        f"{stats['mean']:>11,.0f} {stats['std']:>11,.0f} {stats['q0.995']:>11,.0f}"
    )


def verdict(name: str, baseline: Timing, ours: Timing, target: float) -> None:
    for clock, ratio in (("wall", baseline.wall / ours.wall), ("CPU", baseline.cpu / ours.cpu)):
        status = "PASS" if ratio >= target else "MISS"
        print(f"{name + f' ({clock})':<44} {ratio:>8.1f}×   target ≥ {target:.0f}×   {status}")


def main() -> None:
    try:
        import gemact
    except ImportError as exc:
        gemact = None
        print(f"GEMAct NOT INSTALLED ({exc}); pip install -e '.[bench]' to measure the baseline")
    else:
        installed = getattr(gemact, "__version__", "unknown")
        if installed == GEMACT_VERSION:
            print(f"GEMAct {installed} (the pinned version)")
        else:
            print(f"WARNING: GEMAct {installed} installed, the figures are for {GEMACT_VERSION}: ratios may differ")
    print(
        f"{N_YEARS:,} years, Poisson({MEAN_COUNT:g}) × lognormal({MU:g}, {SIGMA:g}), "
        f"{LIMIT:,.0f} xs {PRIORITY:,.0f}, AAD {AAD:,.0f}, aggregate limit {AGGREGATE_LIMIT:,.0f}"
    )
    with pinned_threads() as threads:
        print(f"threads: {threads}")
        print(f"{'':<44} {'wall (s)':>8} {'CPU (s)':>8} {'mean':>11} {'std':>11} {'99.5 %':>11}")
        ours()  # warm-up
        t_ours, s_ours = best_of(ours, 5)
        show("assurdb Monte Carlo (losses above priority)", t_ours, s_ours)
        t_full, s_full = best_of(lambda: ours(threshold=0.0), 1)
        show("assurdb Monte Carlo (every loss, ~10 M draws)", t_full, s_full)

        losses = simulate()
        xl = treaty()
        frame = listing(losses)
        t_cede, (_, summary) = best_of(partial(xl.cede, frame), 3)
        show(f"ExcessOfLoss.cede, {len(frame) / 1e6:.2f} M losses", t_cede, risk_summary(annual_ceded(summary)))
        unsorted = listing(losses, random_dates=True)
        t_unsorted, (_, summary) = best_of(partial(xl.cede, unsorted), 2)
        show("  the same, random dates (sorted by cede)", t_unsorted, risk_summary(annual_ceded(summary)))
        del frame, unsorted, summary, losses

        if gemact is None:
            print("targets not checked: no baseline")
            return
        import twiggy  # GEMAct's logger: it reports every simulation at INFO

        twiggy.quick_setup(min_level=twiggy.levels.WARNING)
        t_gem, s_gem = best_of(lambda: gemact_run(gemact), 2)
        show(f"GEMAct {installed} LossModel mc", t_gem, s_gem)
    print()
    verdict("GEMAct / assurdb Monte Carlo", t_gem, t_ours, TARGET_MC)
    verdict("GEMAct / ExcessOfLoss.cede", t_gem, t_cede, TARGET_CEDE)
    print(
        f"for information (wall, CPU): GEMAct / every-loss variant {t_gem.wall / t_full.wall:.1f}×, "
        f"{t_gem.cpu / t_full.cpu:.1f}×; GEMAct / cede with random dates {t_gem.wall / t_unsorted.wall:.1f}×, "
        f"{t_gem.cpu / t_unsorted.cpu:.1f}×"
    )


if __name__ == "__main__":
    main()
