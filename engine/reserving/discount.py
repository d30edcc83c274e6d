"""Discount factors from a risk-free spot curve (the study, annex 09: BTA curve at 31/12/2021)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np

from assurdb.engine.errors import EngineError

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

Timing = Literal["end", "mid"]

__all__ = ["Timing", "discount_factors_from_curve", "payment_times"]


def payment_times(n_periods: int, timing: Timing = "end") -> FloatArray:
    """Years from the valuation date to the payments of future periods ``1 … n``.

    ``"end"``: paid at the end of each calendar year (t = 1, 2, …) as the study, annex 04 discounts;
    ``"mid"``: paid evenly through the year, approximated at mid-year (t = 0.5, 1.5, …).
    """
    if timing not in ("end", "mid"):
        raise EngineError(f"timing must be 'end' or 'mid', got {timing!r}")
    t = np.arange(1, n_periods + 1, dtype=np.float64)
    return t - 0.5 if timing == "mid" else t


def discount_factors_from_curve(spot_curve: Mapping[float, float], times: npt.ArrayLike) -> FloatArray:
    """``(1 + r(t))^-t`` with annually compounded spot rates ``{maturity in years: rate}``.

    Rates between maturities are interpolated linearly, flat beyond the ends. The study, annex 09 has
    no 4-year point: its 4-year rate, 5.13 %, is the linear interpolation between 3 years (5.253 %)
    and 5 years (4.997 %), 5.125 %, rounded to 0.01 % — pass ``{…, 4: 0.0513, …}`` to reproduce it.
    """
    if not spot_curve:
        raise EngineError("spot_curve: no maturities given")
    maturities = np.array(sorted(spot_curve), dtype=np.float64)
    rates = np.array([spot_curve[m] for m in sorted(spot_curve)], dtype=np.float64)
    if (maturities <= 0).any() or not np.isfinite(rates).all() or (rates <= -1).any():
        raise EngineError("spot_curve: maturities must be > 0 years and rates finite and > -100 %")
    t = np.asarray(times, dtype=np.float64)
    r = np.interp(t, maturities, rates)
    return np.asarray((1.0 + r) ** -t, dtype=np.float64)
