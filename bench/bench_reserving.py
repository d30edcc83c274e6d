"""Chain-ladder factors, ultimates and IBNR on 10 000 and 100 000 random 10×10 triangles.

Ours (``engine.reserving.chain_ladder`` on a 3-D array) against chainladder-python's
``Development().fit`` + ``Chainladder().fit`` on the same data; its ``Triangle`` is built beforehand
and timed separately. Both are reported with the ratio measured in this run. chainladder is a
bench-only extra (``pip install -e '.[bench]'``), imported lazily; without it the baseline is
reported as missing.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from assurdb.engine.reserving import chain_ladder, observed_mask

SIZES = (10_000, 100_000)
N = 10
TARGET = 30.0


def random_triangles(m: int, n: int = N, seed: int = 2024) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Incremental payments decaying with development, lognormal noise; cumulated, future cells NaN.
    decay = np.exp(-0.5 * np.arange(n))
    cumulative = np.cumsum(rng.lognormal(10.0, 0.8, (m, n, n)) * decay, axis=2)
    cumulative[:, ~observed_mask(n, n)] = np.nan
    return cumulative


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def ours(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = chain_ladder(c)
    return r.factors, r.ultimate, r.ibnr


def baseline_triangle(cl: Any, c: np.ndarray) -> Any:
    import pandas as pd

    m, n, _ = c.shape
    origin = np.tile(np.repeat(np.arange(2000, 2000 + n), n), m)
    development = origin + np.tile(np.tile(np.arange(n), n), m)
    values = c.reshape(-1)
    keep = ~np.isnan(values)
    frame = pd.DataFrame(
        {
            "triangle": np.repeat(np.arange(m), n * n)[keep],
            "origin": origin[keep],
            "development": development[keep],
            "paid": values[keep],
        }
    )
    return cl.Triangle(
        frame, origin="origin", development="development", columns="paid", index="triangle", cumulative=True
    )


def baseline_fit(cl: Any, tri: Any) -> tuple[Any, Any, Any]:
    dev = cl.Development().fit(tri)
    model = cl.Chainladder().fit(dev.transform(tri))
    return dev.ldf_, model.ultimate_, model.ibnr_


def main() -> None:
    try:
        import chainladder as cl
    except ImportError as exc:  # the bench extra is missing
        cl = None
        print(f"chainladder-python NOT INSTALLED ({exc}); pip install -e '.[bench]' to measure the baseline")
    print(
        f"{'triangles':>10} {'ours (s)':>10} {'cl Triangle (s)':>16} {'cl fit (s)':>11} {'fit ratio':>10} "
        f"{'incl. Triangle':>15}  max relative difference"
    )
    for m in SIZES:
        c = random_triangles(m)
        ours(c)  # warm-up
        t_ours, (factors, ultimate, ibnr) = best_of(lambda c=c: ours(c), 5)
        if cl is None:
            print(f"{m:>10} {t_ours:>10.4f} {'—':>16} {'—':>11} {'—':>10} {'—':>15}")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # chainladder's sigma extrapolation overflows on noise
            t_tri, tri = best_of(lambda c=c: baseline_triangle(cl, c), 1)
            t_fit, (cl_ldf, cl_ult, cl_ibnr) = best_of(lambda tri=tri: baseline_fit(cl, tri), 2 if m <= 10_000 else 1)
        cl_f = np.asarray(cl_ldf.values).reshape(m, N - 1)
        cl_u = np.asarray(cl_ult.values).reshape(m, N)
        cl_i = np.nan_to_num(np.asarray(cl_ibnr.values).reshape(m, N))
        diff = max(
            float(np.max(np.abs(cl_f - factors))),
            float(np.max(np.abs(cl_u - ultimate) / ultimate)),
            float(np.max(np.abs(cl_i - ibnr)) / ultimate.max()),
        )
        print(
            f"{m:>10} {t_ours:>10.4f} {t_tri:>16.3f} {t_fit:>11.3f} {t_fit / t_ours:>9.1f}× "
            f"{(t_tri + t_fit) / t_ours:>14.1f}×  {diff:.1e}"
        )
        status = "met" if t_fit / t_ours >= TARGET else "NOT met"
        print(f"{'':>10} target ≥ {TARGET:.0f}× chainladder's fit: {status}")
    print("ours: factors, ultimates and IBNR of every triangle (validation included), best of 5 after a warm-up;")
    print("chainladder: Development().fit + Chainladder().fit on a prebuilt Triangle (its build timed apart).")


if __name__ == "__main__":
    main()
