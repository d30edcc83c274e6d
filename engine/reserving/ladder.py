"""Chain-ladder on cumulative paid or incurred triangles, Mack's standard errors, and the Best Estimate.

The study, chapter 2 §3.4.2 (steps 3–7): volume-weighted development factors, the lower
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
from assurdb.engine.reserving.triangles import observed_mask, validate_triangle

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
    """Development index of each origin's latest present cell: ``(origins,)`` for a shared 2-D mask,
    ``(triangles, origins)`` for a 3-D one."""
    n_devs = mask.shape[-1]
    return np.asarray(n_devs - 1 - np.argmax(mask[..., ::-1], axis=-1), dtype=np.intp)


def _origin_sum(values: FloatArray, weights: FloatArray) -> FloatArray:
    """``Σ_i values[b, i, j] · weights[(b,) i, j]``: a weighted sum over the origin axis (einsum: one
    pass, no temporary, exact), the weights shared (2-D) or one set per triangle (3-D)."""
    subscripts = "bij,ij->bj" if weights.ndim == 2 else "bij,bij->bj"
    return np.asarray(np.einsum(subscripts, values, weights), dtype=np.float64)


def _pairs(mask: BoolArray) -> BoolArray:
    """Origins with both development ``j`` and ``j + 1`` present: the link ratios that can be used."""
    return np.asarray(mask[..., 1:] & mask[..., :-1])


def _check_pairs(both: BoolArray, developments: pd.Index | None) -> None:
    count = both.sum(axis=-2)  # (devs-1,) or (m, devs-1)
    if (count > 0).all():
        return
    *batch, j = (int(x) for x in np.argwhere(count == 0)[0])
    a, b = (developments[j], developments[j + 1]) if developments is not None else (j, j + 1)
    which = f"triangle {batch[0]}: " if batch else ""
    raise EngineError(
        f"development factors: {which}no origin has both development {a} and development {b} present, "
        f"so the factor from {a} to {b} cannot be estimated"
    )


def development_factors(
    cumulative: FloatArray, mask: BoolArray, average: Average = "volume", developments: pd.Index | None = None
) -> FloatArray:
    """Age-to-age factors ``f_j``, shape ``(m, developments - 1)``.

    ``"volume"``: ``Σ_i C[i, j+1] / Σ_i C[i, j]`` (the study, ch. 2 §3.4.2 step 3, "coefficients de
    passage"); ``"simple"``: mean of the individual link ratios. Either way only the origins with both
    cells ``j`` and ``j + 1`` present take part, as in chainladder-python; ``mask`` marks the present
    cells, shared ``(origins, developments)`` or per triangle ``(m, origins, developments)``.
    A column with nothing paid yet (zero denominator) gets factor 1; a column with no present pair is
    an :class:`EngineError` naming it (by ``developments`` when given).
    """
    if average not in ("volume", "simple"):
        raise EngineError(f"average must be 'volume' or 'simple', got {average!r}")
    both = _pairs(mask)
    _check_pairs(both, developments)
    n_devs = mask.shape[-1]
    if average == "simple":
        prev = cumulative[:, :, :-1]
        ok = both & (np.nan_to_num(prev) > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(ok, cumulative[:, :, 1:] / np.where(ok, prev, 1.0), 0.0)
        count = ok.sum(axis=1)  # link ratios per development column, (m, devs-1)
        out = np.ones((ratio.shape[0], ratio.shape[2]))
        np.divide(ratio.sum(axis=1), count, out=out, where=count > 0)
        return out
    filled = np.where(mask, cumulative, 0.0)
    # Sums over the origins with both cells present, of C[i, j + 1] and of C[i, j].
    pairs = both.astype(np.float64)
    numerator = _origin_sum(filled[:, :, 1:], pairs)
    denominator = _origin_sum(filled[:, :, :-1], pairs)
    out = np.ones((cumulative.shape[0], n_devs - 1))
    with np.errstate(over="ignore"):  # an overflow is reported by chain_ladder, naming the column
        np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def project(cumulative: FloatArray, mask: BoolArray, factors: FloatArray) -> FloatArray:
    """The square of cumulative amounts: present cells kept, the cells after each origin's latest present
    cell projected ``C[i, j] = C[i, j-1]·f_{j-1}``; a missing cell before a present one stays NaN."""
    full = np.where(mask, cumulative, 0.0)
    n_devs = mask.shape[-1]
    future = np.arange(n_devs) > _latest_index(mask)[..., None]  # (origins, devs) or (m, origins, devs)
    for j in range(1, n_devs):
        if future.ndim == 2:  # one mask for every triangle: project only the origins concerned
            rows = future[:, j]
            full[:, rows, j] = full[:, rows, j - 1] * factors[:, j - 1, None]
        else:
            np.copyto(full[:, :, j], full[:, :, j - 1] * factors[:, j - 1, None], where=future[:, :, j])
    holes = ~mask & ~future
    if holes.any():
        np.copyto(full, np.nan, where=holes)
    return full


def future_cash_flows(full: FloatArray, mask: BoolArray) -> FloatArray:
    """Projected incremental amounts summed by future calendar period (the study, ch. 2 §3.4.2 step 6).

    Period ``k = 1, 2, …`` collects the cells with ``origin + development = K + k`` (K: the latest
    diagonal). Shape ``(m, periods)``. Missing (NaN) cells lie before the latest diagonal and count 0.
    """
    n_origins, n_devs = mask.shape[-2:]
    k = max(n_origins, n_devs) - 1
    n_periods = n_origins + n_devs - 2 - k
    incremental = full.copy()
    incremental[:, :, 1:] -= full[:, :, :-1]
    if mask.ndim == 3 or not np.array_equal(mask, observed_mask(n_origins, n_devs)):
        np.nan_to_num(incremental, copy=False, nan=0.0, posinf=np.inf, neginf=-np.inf)
    diagonal = np.add.outer(np.arange(n_origins), np.arange(n_devs)) - k - 1
    onehot = (diagonal[:, :, None] == np.arange(n_periods)).astype(np.float64)
    return np.asarray(np.tensordot(incremental, onehot, axes=([1, 2], [0, 1])), dtype=np.float64)


def _mack_sigma2(cumulative: FloatArray, mask: BoolArray, factors: FloatArray) -> FloatArray:
    """Mack's ``σ²_j`` (Mack 1993, eq. 5) over the origins with both cells ``j`` and ``j + 1`` present,
    with his rule for a factor having one link ratio (the last ones):
    ``σ²_j = min(σ⁴_{j-1} / σ²_{j-2}, σ²_{j-2}, σ²_{j-1})``."""
    both = _pairs(mask)
    prev = np.where(both, cumulative[:, :, :-1], 0.0)
    nxt = np.where(both, cumulative[:, :, 1:], 0.0)
    resid = nxt - factors[:, None, :] * prev
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(prev > 0, resid * resid / np.where(prev > 0, prev, 1.0), 0.0)
    count = both.sum(axis=-2)  # (devs-1,) or (m, devs-1)
    enough = count >= 2
    sigma2 = np.zeros_like(factors)
    np.divide(terms.sum(axis=1), count - 1, out=sigma2, where=np.broadcast_to(enough, sigma2.shape))
    for j in np.nonzero(~enough.reshape(-1, enough.shape[-1]).all(axis=0))[0]:
        lacking = ~enough[..., j]  # a scalar for a shared mask, (m,) for one mask per triangle
        if j >= 2:
            a, b = sigma2[:, j - 2], sigma2[:, j - 1]
            ratio = np.divide(b * b, a, out=np.zeros_like(a), where=a > 0)
            sigma2[:, j] = np.where(lacking, np.minimum(ratio, np.minimum(a, b)), sigma2[:, j])
        elif j == 1:
            sigma2[:, j] = np.where(lacking, sigma2[:, 0], sigma2[:, j])
    return sigma2


def mack_standard_errors(
    cumulative: FloatArray, mask: BoolArray, factors: FloatArray, full: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Mack (1993) standard errors of each origin's reserve ``(m, origins)`` and of the total ``(m,)``.

    ``mse(R_i) = C_iU² Σ_{k ≥ d_i} σ²_k/f²_k (1/C_ik + 1/S_k)``, ``S_k = Σ_i C_ik`` over the origins
    with both ``k`` and ``k + 1`` present, ``d_i`` the origin's latest present development; the total
    adds ``2 C_iU C_lU Σ_{k ≥ max(d_i, d_l)} (σ²_k/f²_k)/S_k`` for each pair of origins (Mack 1993,
    Corollary to Th. 3).
    """
    n_devs = mask.shape[-1]
    sigma2 = _mack_sigma2(cumulative, mask, factors)
    filled = np.where(mask, cumulative, 0.0)
    s = _origin_sum(filled[:, :, :-1], _pairs(mask).astype(np.float64))  # S_k, (m, devs-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(factors > 0, sigma2 / (factors * factors), 0.0)
        inv_s = np.where(s > 0, 1.0 / np.where(s > 0, s, 1.0), 0.0)
        c = full[:, :, :-1]
        inv_c = np.where(c > 0, 1.0 / np.where(c > 0, c, 1.0), 0.0)  # a missing (NaN) cell is never used
    d = _latest_index(mask)
    future = np.arange(n_devs - 1) >= d[..., None]  # (origins, devs-1) or (m, …): steps still to come
    ultimate = full[:, :, -1]
    mse = ultimate**2 * ((w[:, None, :] * (inv_c + inv_s[:, None, :])) * future).sum(axis=2)
    param = ((w * inv_s)[:, None, :] * future).sum(axis=2)  # (m, origins)
    # Each pair of origins shares the steps still to come for the less developed one: with origins in
    # decreasing order of d, those of the earlier one. Missing diagonal cells can break the natural
    # order, so sort then (stable: a complete triangle keeps its order and its exact sums).
    d2 = np.broadcast_to(d, ultimate.shape)
    if (np.diff(d2, axis=1) > 0).any():
        order = np.argsort(-d2, axis=1, kind="stable")
        ultimate = np.take_along_axis(ultimate, order, axis=1)
        param = np.take_along_axis(param, order, axis=1)
    later = np.cumsum(ultimate[:, ::-1], axis=1)[:, ::-1] - ultimate  # Σ_{l after i} C_lU
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

    ``missing`` lists the observed cells that were NaN: ``(origin, development)`` labels, or
    ``(triangle, origin, development)`` for a 3-D input; ``missing_count`` counts them by origin. A
    missing cell takes no part in the factors nor in Mack's σ²; an origin is projected from its latest
    present cell, so ``latest`` is that cell's amount. When that cell is before the latest diagonal, the
    development estimated up to the diagonal falls in past calendar periods: it is in ``ibnr`` but not in
    ``cash_flows``.
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
        n_origins, n_devs = mask.shape[-2:]
        self._k = max(n_origins, n_devs) - 1
        self.periods = _period_labels(origins, n_origins + n_devs - 2 - self._k, self._k)
        f = development_factors(cumulative, mask, average, developments)
        d = _latest_index(mask)
        cdf = np.ones((f.shape[0], n_devs))
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            cdf[:, :-1] = np.cumprod(f[:, ::-1], axis=1)[:, ::-1]
            if d.ndim == 1:
                latest = cumulative[:, np.arange(n_origins), d]
                ultimate = latest * cdf[:, d]
            else:
                latest = np.take_along_axis(cumulative, d[:, :, None], axis=2)[:, :, 0]
                ultimate = latest * np.take_along_axis(cdf, d, axis=1)
        if not (np.isfinite(f).all() and np.isfinite(ultimate).all()):
            bad = np.argwhere(~np.isfinite(cdf))
            where = f"development {developments[bad[0][1]]}" if bad.size else "an ultimate"
            if batch and bad.size:
                where = f"triangle {bad[0][0]}, {where}"
            raise EngineError(
                f"chain_ladder: the development factors overflow at {where} (amounts too close to 0 before "
                "large ones); rescale the triangle"
            )
        gaps = observed_mask(n_origins, n_devs) & ~mask  # (origins, devs) or (m, origins, devs)
        cells = np.argwhere(gaps)
        if gaps.ndim == 2:
            self.missing: list[tuple[object, ...]] = [(origins[i], developments[j]) for i, j in cells]
        else:
            self.missing = [(int(t), origins[i], developments[j]) for t, i, j in cells]
        count = np.broadcast_to(gaps.sum(axis=-1), (cumulative.shape[0], n_origins))
        self.missing_count = self._out(np.asarray(count, dtype=np.int64))
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
        """Observed cumulative amounts, projected below the diagonal (the study, ch. 2 §3.4.2 step 4)."""
        return self._out(self._full)

    @cached_property
    def projected_incremental(self) -> FloatArray:
        """The projected square decumulated (the study, ch. 2 §3.4.2 step 5, "triangle décumulé")."""
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
        """``cash_flows × discount factors`` (the study, annexes: "CFF actualisées")."""
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
        """One triangle's latest, ultimate, IBNR (and Mack s.e.) by origin, and its count of missing cells."""
        if self._batch:
            raise EngineError("summary: only for a single triangle; index the arrays for a batch")
        table = pd.DataFrame({"latest": self.latest, "ultimate": self.ultimate, "ibnr": self.ibnr}, index=self.origins)
        if self.mack_se is not None:
            table["mack_se"] = self.mack_se
        table["missing"] = self.missing_count
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

    A NaN on or above the latest diagonal is a missing cell: reported in ``missing``, left out of the
    factors (a link ratio is used only when both its cells are present) and of Mack's σ²; its origin is
    projected from its latest present cell. An origin with no present cell, a triangle with one diagonal
    of present cells and a development column with no present pair raise an :class:`EngineError`
    naming them.

    >>> r = chain_ladder(cumulative)             # doctest: +SKIP
    >>> r.factors, r.ultimate, r.ibnr, r.cash_flows, r.best_estimate([0.958, 0.904, 0.858, 0.819])
    """
    values, origins, developments = _as_array(triangle)
    mask = validate_triangle(values, origins=origins, developments=developments)
    batch = values.ndim == 3
    cumulative = values if batch else values[None]
    n_origins, n_devs = mask.shape[-2:]
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
    ``full_triangle_``, ``projected_incremental_``, ``mack_se_``, ``total_mack_se_``, ``missing_``
    (the observed cells that were NaN, as :attr:`ChainLadderResult.missing`), ``result_``.
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
        self.missing_ = r.missing
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
