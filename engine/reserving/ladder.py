"""Chain-ladder on cumulative paid or incurred triangles, Mack's standard errors, and the Best Estimate.

Seed 004 chapter 2 §3.4.2 (steps 3–7): volume-weighted development factors, the lower
triangle projected with them, the projected incremental payments, the future cash flows by calendar
year (the sums of the projected diagonals), discounted into the Best Estimate of claims provisions.
Mack (1993) adds the standard error of each origin's reserve and of the total.

The kernels are pure functions over arrays with a leading triangle axis ``(m, origins, developments)``,
so 100 000 triangles cost a few passes over memory and no Python loop per triangle; the loops left
run over development columns only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.reserving.discount import Timing, discount_factors_from_curve, payment_times
from assurdb.engine.reserving.triangles import validate_triangle

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]
    IntArray = npt.NDArray[np.intp]

Average = Literal["volume", "simple"]

__all__ = [
    "ChainLadder",
    "ChainLadderResult",
    "chain_ladder",
    "development_factors",
    "future_cash_flows",
    "mack_standard_errors",
    "project",
]


# --- kernels -------------------------------------------------------------------------------------------


def _latest_index(mask: BoolArray) -> IntArray:
    """Development index of each origin's latest observed cell."""
    n_devs = mask.shape[1]
    return np.asarray(n_devs - 1 - np.argmax(mask[:, ::-1], axis=1), dtype=np.intp)


def development_factors(cumulative: FloatArray, mask: BoolArray, average: Average = "volume") -> FloatArray:
    """Age-to-age factors ``f_j``, shape ``(m, developments - 1)``.

    ``"volume"``: ``Σ_i C[i, j+1] / Σ_i C[i, j]`` over the origins observed at ``j + 1`` (seed 004
    ch. 2 §3.4.2 step 3, "coefficients de passage"); ``"simple"``: mean of the individual link ratios.
    A column with nothing paid yet (zero denominator) gets factor 1.
    """
    n_devs = mask.shape[1]
    both = mask[:, 1:] & mask[:, :-1]
    if average == "simple":
        prev = cumulative[:, :, :-1]
        ok = both & (np.nan_to_num(prev) > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(ok, cumulative[:, :, 1:] / np.where(ok, prev, 1.0), 0.0)
        count = ok.sum(axis=1)  # link ratios per development column, (m, devs-1)
        out = np.ones((ratio.shape[0], ratio.shape[2]))
        np.divide(ratio.sum(axis=1), count, out=out, where=count > 0)
        return out
    if average != "volume":
        raise EngineError(f"average must be 'volume' or 'simple', got {average!r}")
    filled = np.where(mask, cumulative, 0.0)
    # Sums over the origins observed at j + 1, of C[i, j + 1] and of C[i, j]: a weighted sum over the
    # origin axis (einsum: one pass, no temporary, exact — no subtraction of the diagonal).
    later = mask[:, 1:].astype(np.float64)
    numerator = np.einsum("bij,ij->bj", filled[:, :, 1:], later)
    denominator = np.einsum("bij,ij->bj", filled[:, :, :-1], later)
    out = np.ones((cumulative.shape[0], n_devs - 1))
    with np.errstate(over="ignore"):  # an overflow is reported by chain_ladder, naming the column
        np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def project(cumulative: FloatArray, mask: BoolArray, factors: FloatArray) -> FloatArray:
    """The square of cumulative amounts: observed cells kept, the rest ``C[i, j] = C[i, j-1]·f_{j-1}``."""
    full = np.where(mask, cumulative, 0.0)
    for j in range(1, mask.shape[1]):
        future = ~mask[:, j]
        full[:, future, j] = full[:, future, j - 1] * factors[:, j - 1, None]
    return full


def future_cash_flows(full: FloatArray, mask: BoolArray) -> FloatArray:
    """Projected incremental amounts summed by future calendar period (seed 004 ch. 2 §3.4.2 step 6).

    Period ``k = 1, 2, …`` collects the cells with ``origin + development = K + k`` (K: the latest
    diagonal). Shape ``(m, periods)``.
    """
    n_origins, n_devs = mask.shape
    k = max(n_origins, n_devs) - 1
    n_periods = n_origins + n_devs - 2 - k
    incremental = full.copy()
    incremental[:, :, 1:] -= full[:, :, :-1]
    diagonal = np.add.outer(np.arange(n_origins), np.arange(n_devs)) - k - 1
    onehot = (diagonal[:, :, None] == np.arange(n_periods)).astype(np.float64)
    return np.asarray(np.tensordot(incremental, onehot, axes=([1, 2], [0, 1])), dtype=np.float64)


def _mack_sigma2(cumulative: FloatArray, mask: BoolArray, factors: FloatArray) -> FloatArray:
    """Mack's ``σ²_j`` (Mack 1993, eq. 5) with his rule for the last factor(s) having one link ratio:
    ``σ²_j = min(σ⁴_{j-1} / σ²_{j-2}, σ²_{j-2}, σ²_{j-1})``."""
    both = mask[:, 1:] & mask[:, :-1]
    prev = np.where(both, cumulative[:, :, :-1], 0.0)
    nxt = np.where(both, cumulative[:, :, 1:], 0.0)
    resid = nxt - factors[:, None, :] * prev
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(prev > 0, resid * resid / np.where(prev > 0, prev, 1.0), 0.0)
    count = both.sum(axis=0)
    sigma2 = np.zeros_like(factors)
    enough = count >= 2
    sigma2[:, enough] = terms.sum(axis=1)[:, enough] / (count[enough] - 1)
    for j in np.nonzero(~enough)[0]:
        if j >= 2:
            a, b = sigma2[:, j - 2], sigma2[:, j - 1]
            ratio = np.divide(b * b, a, out=np.zeros_like(a), where=a > 0)
            sigma2[:, j] = np.minimum(ratio, np.minimum(a, b))
        elif j == 1:
            sigma2[:, j] = sigma2[:, 0]
    return sigma2


def mack_standard_errors(
    cumulative: FloatArray, mask: BoolArray, factors: FloatArray, full: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Mack (1993) standard errors of each origin's reserve ``(m, origins)`` and of the total ``(m,)``.

    ``mse(R_i) = C_iU² Σ_{k ≥ d_i} σ²_k/f²_k (1/C_ik + 1/S_k)``, ``S_k = Σ_{i observed at k+1} C_ik``;
    the total adds ``2 C_iU Σ_{l>i} C_lU Σ_{k ≥ d_i} (σ²_k/f²_k)/S_k`` (Mack 1993, Corollary to Th. 3).
    """
    n_devs = mask.shape[1]
    sigma2 = _mack_sigma2(cumulative, mask, factors)
    filled = np.where(mask, cumulative, 0.0)
    s = np.einsum("bij,ij->bj", filled[:, :, :-1], mask[:, 1:].astype(np.float64))  # S_k, (m, devs-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(factors > 0, sigma2 / (factors * factors), 0.0)
        inv_s = np.where(s > 0, 1.0 / np.where(s > 0, s, 1.0), 0.0)
        c = full[:, :, :-1]
        inv_c = np.where(c > 0, 1.0 / np.where(c > 0, c, 1.0), 0.0)
    d = _latest_index(mask)
    future = np.arange(n_devs - 1)[None, :] >= d[:, None]  # (origins, devs-1): steps still to come
    ultimate = full[:, :, -1]
    mse = ultimate**2 * ((w[:, None, :] * (inv_c + inv_s[:, None, :])) * future).sum(axis=2)
    param = ((w * inv_s)[:, None, :] * future).sum(axis=2)  # (m, origins)
    later = np.cumsum(ultimate[:, ::-1], axis=1)[:, ::-1] - ultimate  # Σ_{l > i} C_lU
    total = mse.sum(axis=1) + (2.0 * ultimate * later * param).sum(axis=1)
    return np.sqrt(mse), np.sqrt(total)


# --- results -------------------------------------------------------------------------------------------


def _as_array(triangle: pd.DataFrame | npt.ArrayLike) -> tuple[FloatArray, pd.Index | None, pd.Index | None]:
    if isinstance(triangle, pd.DataFrame):
        try:
            values = triangle.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise EngineError(f"triangle: values must be numeric ({exc})") from exc
        return values, triangle.index, triangle.columns
    try:
        values = np.asarray(triangle, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise EngineError(f"triangle: values must be numeric ({exc})") from exc
    return values, None, None


def _period_labels(origins: pd.Index, n_periods: int, k: int) -> pd.Index:
    """Calendar years of the future diagonals when origins are consecutive integer years, else 1…n."""
    if pd.api.types.is_integer_dtype(origins) and len(origins) > 0:
        years = origins.to_numpy(dtype=np.int64)
        if (np.diff(years) == 1).all():
            calendar: pd.Index = pd.Index(years[0] + k + 1 + np.arange(n_periods), name="calendar_year")
            return calendar
    future: pd.Index = pd.Index(np.arange(1, n_periods + 1), name="future_period")
    return future


class ChainLadderResult:
    """What a chain-ladder fit gives. Arrays have a leading triangle axis only for a 3-D input.

    ``factors`` (developments − 1), ``latest``, ``ultimate``, ``ibnr`` and ``mack_se`` (origins),
    ``cash_flows`` (future calendar periods, labelled by ``periods``), ``full_triangle`` and
    ``projected_incremental`` (origins × developments), ``total_mack_se`` (scalar per triangle).
    """

    def __init__(
        self,
        cumulative: FloatArray,
        mask: BoolArray,
        *,
        average: Average,
        mack: bool,
        batch: bool,
        origins: pd.Index,
        developments: pd.Index,
    ) -> None:
        self._c = cumulative
        self._mask = mask
        self._batch = batch
        self.origins = origins
        self.developments = developments
        n_origins, n_devs = mask.shape
        self._k = max(n_origins, n_devs) - 1
        self.periods = _period_labels(origins, n_origins + n_devs - 2 - self._k, self._k)
        f = development_factors(cumulative, mask, average)
        d = _latest_index(mask)
        latest = cumulative[:, np.arange(n_origins), d]
        cdf = np.ones((f.shape[0], n_devs))
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            cdf[:, :-1] = np.cumprod(f[:, ::-1], axis=1)[:, ::-1]
            ultimate = latest * cdf[:, d]
        if not (np.isfinite(f).all() and np.isfinite(ultimate).all()):
            bad = np.argwhere(~np.isfinite(cdf))
            where = f"development {developments[bad[0][1]]}" if bad.size else "an ultimate"
            if batch and bad.size:
                where = f"triangle {bad[0][0]}, {where}"
            raise EngineError(
                f"chain_ladder: the development factors overflow at {where} (amounts too close to 0 before "
                "large ones); rescale the triangle"
            )
        self._f = f
        self.factors = self._out(f)
        self.cdf = self._out(cdf)
        self.latest = self._out(latest)
        self.ultimate = self._out(ultimate)
        self.ibnr = self._out(ultimate - latest)
        self.mack_se: FloatArray | None = None
        self.total_mack_se: FloatArray | float | None = None
        if mack:
            se, total = mack_standard_errors(cumulative, mask, f, self._full)
            self.mack_se = self._out(se)
            self.total_mack_se = self._scalar(total)

    def _out(self, a: FloatArray) -> FloatArray:
        return a if self._batch else a[0]

    def _scalar(self, a: FloatArray) -> FloatArray | float:
        return a if self._batch else float(a[0])

    @cached_property
    def _full(self) -> FloatArray:
        return project(self._c, self._mask, self._f)

    @cached_property
    def full_triangle(self) -> FloatArray:
        """Observed cumulative amounts, projected below the diagonal (seed 004 ch. 2 §3.4.2 step 4)."""
        return self._out(self._full)

    @cached_property
    def projected_incremental(self) -> FloatArray:
        """The projected square decumulated (seed 004 ch. 2 §3.4.2 step 5, "triangle décumulé")."""
        inc = self._full.copy()
        inc[:, :, 1:] -= self._full[:, :, :-1]
        return self._out(inc)

    @cached_property
    def cash_flows(self) -> FloatArray:
        """Future payments by calendar period: sums of the projected diagonals (step 6, "CFF")."""
        return self._out(future_cash_flows(self._full, self._mask))

    def discount_factors(
        self,
        discount_factors: Sequence[float] | npt.ArrayLike | None = None,
        *,
        spot_curve: Mapping[float, float] | None = None,
        timing: Timing = "end",
    ) -> FloatArray:
        """The factors applied to ``cash_flows``: given directly, or from a spot curve and a timing."""
        n = len(self.periods)
        if (discount_factors is None) == (spot_curve is None):
            raise EngineError("best_estimate: give exactly one of discount_factors or spot_curve")
        if spot_curve is not None:
            return discount_factors_from_curve(spot_curve, payment_times(n, timing))
        if timing != "end":
            raise EngineError("best_estimate: timing applies to a spot_curve; discount_factors are used as given")
        df = np.asarray(discount_factors, dtype=np.float64).reshape(-1)
        if df.shape != (n,):
            raise EngineError(f"best_estimate: discount_factors has {df.size} values for {n} future periods")
        if not np.isfinite(df).all() or (df <= 0).any():
            raise EngineError("best_estimate: discount_factors must be finite and > 0")
        return df

    def discounted_cash_flows(
        self,
        discount_factors: Sequence[float] | npt.ArrayLike | None = None,
        *,
        spot_curve: Mapping[float, float] | None = None,
        timing: Timing = "end",
    ) -> FloatArray:
        """``cash_flows × discount factors`` (seed 004 annexes: "CFF actualisées")."""
        df = self.discount_factors(discount_factors, spot_curve=spot_curve, timing=timing)
        return np.asarray(self.cash_flows * df, dtype=np.float64)

    def best_estimate(
        self,
        discount_factors: Sequence[float] | npt.ArrayLike | None = None,
        *,
        spot_curve: Mapping[float, float] | None = None,
        timing: Timing = "end",
    ) -> FloatArray | float:
        """Best Estimate of claims provisions: the discounted future cash flows summed (step 7)."""
        total = self.discounted_cash_flows(discount_factors, spot_curve=spot_curve, timing=timing).sum(axis=-1)
        return total if self._batch else float(total)

    def summary(self) -> pd.DataFrame:
        """One triangle's latest, ultimate, IBNR (and Mack s.e.) by origin."""
        if self._batch:
            raise EngineError("summary: only for a single triangle; index the arrays for a batch")
        table = pd.DataFrame({"latest": self.latest, "ultimate": self.ultimate, "ibnr": self.ibnr}, index=self.origins)
        if self.mack_se is not None:
            table["mack_se"] = self.mack_se
        return table

    def cash_flow_table(self) -> pd.Series:
        """One triangle's future cash flows labelled by calendar year."""
        if self._batch:
            raise EngineError("cash_flow_table: only for a single triangle")
        return pd.Series(self.cash_flows, index=self.periods, name="cash_flow")


def chain_ladder(
    triangle: pd.DataFrame | npt.ArrayLike, *, average: Average = "volume", mack: bool = False
) -> ChainLadderResult:
    """Chain-ladder on a cumulative triangle (frame: accident years × development periods, NaN below
    the latest diagonal) or on many at once (3-D array ``(triangles, origins, developments)``).

    >>> r = chain_ladder(cumulative)             # doctest: +SKIP
    >>> r.factors, r.ultimate, r.ibnr, r.cash_flows, r.best_estimate([0.958, 0.904, 0.858, 0.819])
    """
    values, origins, developments = _as_array(triangle)
    mask = validate_triangle(values, origins=origins, developments=developments)
    batch = values.ndim == 3
    cumulative = values if batch else values[None]
    n_origins, n_devs = mask.shape
    return ChainLadderResult(
        cumulative,
        mask,
        average=average,
        mack=mack,
        batch=batch,
        origins=origins if origins is not None else pd.RangeIndex(n_origins, name="origin"),
        developments=developments if developments is not None else pd.RangeIndex(n_devs, name="development"),
    )


class ChainLadder:
    """Estimator form (chainladder-python's shape): parameters as given, ``fit`` returns ``self``.

    Fitted attributes: ``factors_``, ``cdf_``, ``latest_``, ``ultimate_``, ``ibnr_``, ``cash_flows_``,
    ``full_triangle_``, ``projected_incremental_``, ``mack_se_``, ``total_mack_se_``, ``result_``.
    """

    def __init__(self, *, average: Average = "volume", mack: bool = False) -> None:
        self.average = average
        self.mack = mack

    def fit(self, triangle: pd.DataFrame | npt.ArrayLike) -> ChainLadder:
        r = chain_ladder(triangle, average=self.average, mack=self.mack)
        self.result_ = r
        self.factors_ = r.factors
        self.cdf_ = r.cdf
        self.latest_ = r.latest
        self.ultimate_ = r.ultimate
        self.ibnr_ = r.ibnr
        self.cash_flows_ = r.cash_flows
        self.full_triangle_ = r.full_triangle
        self.projected_incremental_ = r.projected_incremental
        self.mack_se_ = r.mack_se
        self.total_mack_se_ = r.total_mack_se
        return self

    def best_estimate(
        self,
        discount_factors: Sequence[float] | npt.ArrayLike | None = None,
        *,
        spot_curve: Mapping[float, float] | None = None,
        timing: Timing = "end",
    ) -> FloatArray | float:
        if not hasattr(self, "result_"):
            raise EngineError("ChainLadder: call fit(triangle) before best_estimate")
        return self.result_.best_estimate(discount_factors, spot_curve=spot_curve, timing=timing)
