"""Claims triangles: validation, incremental ↔ cumulative, and triangles built from a payment listing.

A triangle is accident (origin) years × development periods. Observed cells are the upper-left
triangle ``i + j <= K`` with ``K = max(origins, developments) - 1`` (the latest diagonal is the
valuation date); every other cell is NaN. Many triangles at once are a 3-D array
``(triangles, origins, developments)`` with the same shape each (seed 004 chapter 2
§3.4.2 steps 1–2: "triangularisation des données … triangle cumulé").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]

TriangleLike = TypeVar("TriangleLike", pd.DataFrame, "npt.NDArray[np.float64]")

__all__ = [
    "observed_mask",
    "to_cumulative",
    "to_incremental",
    "triangle_from_payments",
    "validate_triangle",
]


def observed_mask(n_origins: int, n_developments: int) -> BoolArray:
    """Cells known at the valuation date: ``origin + development <= max(n_origins, n_developments) - 1``."""
    k = max(n_origins, n_developments) - 1
    i = np.arange(n_origins)[:, None]
    j = np.arange(n_developments)[None, :]
    return np.asarray(i + j <= k)


def _cell_name(index: tuple[int, ...], origins: pd.Index | None, developments: pd.Index | None) -> str:
    *batch, i, j = (int(x) for x in index)
    origin = origins[i] if origins is not None else i
    development = developments[j] if developments is not None else j
    where = f"cell (origin {origin}, development {development})"
    return f"triangle {batch[0]}, {where}" if batch else where


def validate_triangle(
    values: FloatArray,
    *,
    origins: pd.Index | None = None,
    developments: pd.Index | None = None,
    allow_negative: bool = False,
) -> BoolArray:
    """Check a 2-D or 3-D array of triangles and return the observed-cell mask ``(origins, developments)``.

    Raises :class:`EngineError` naming the first offending cell: a missing or non-finite value on or
    above the latest diagonal, a value below it (the input is not triangular), or a negative amount.
    """
    if values.ndim not in (2, 3):
        raise EngineError(f"triangle: expected a 2-D frame/array or a 3-D array of triangles, got {values.ndim}-D")
    n_origins, n_devs = values.shape[-2:]
    if n_origins < 1 or n_devs < 2:
        raise EngineError(f"triangle: needs at least 1 origin and 2 development periods, got {values.shape[-2:]}")
    mask = observed_mask(n_origins, n_devs)
    finite = np.isfinite(values)
    wrong = finite != mask  # broadcasts over the leading triangle axis
    if wrong.any():
        cell = tuple(np.argwhere(wrong)[0])
        name = _cell_name(cell, origins, developments)
        if mask[cell[-2], cell[-1]]:
            raise EngineError(f"triangle: {name} is missing or not finite ({values[cell]!r}) on or above the diagonal")
        raise EngineError(
            f"triangle: {name} holds {values[cell]!r} below the latest diagonal; the input is not triangular "
            "(future cells must be NaN)"
        )
    if not allow_negative:
        negative = values < 0  # NaN compares False
        if negative.any():
            cell = tuple(np.argwhere(negative)[0])
            raise EngineError(
                f"triangle: {_cell_name(cell, origins, developments)} is negative ({values[cell]!r}); "
                "cumulative paid or incurred amounts must be >= 0"
            )
    return mask


def to_cumulative(incremental: TriangleLike) -> TriangleLike:
    """Cumulate along development (last axis); NaN cells stay NaN (seed 004 ch. 2 §3.4.2 step 2)."""
    if isinstance(incremental, pd.DataFrame):
        values = incremental.to_numpy(dtype=np.float64)
        return pd.DataFrame(_cumulate(values), index=incremental.index, columns=incremental.columns)
    return _cumulate(np.asarray(incremental, dtype=np.float64))


def to_incremental(cumulative: TriangleLike) -> TriangleLike:
    """Differences along development (last axis), first period unchanged; NaN cells stay NaN."""
    if isinstance(cumulative, pd.DataFrame):
        values = cumulative.to_numpy(dtype=np.float64)
        return pd.DataFrame(_decumulate(values), index=cumulative.index, columns=cumulative.columns)
    return _decumulate(np.asarray(cumulative, dtype=np.float64))


def _cumulate(values: FloatArray) -> FloatArray:
    out = np.cumsum(np.nan_to_num(values, nan=0.0), axis=-1)
    out[np.isnan(values)] = np.nan
    return out


def _decumulate(values: FloatArray) -> FloatArray:
    out = values.copy()
    out[..., 1:] = values[..., 1:] - values[..., :-1]
    return out


def triangle_from_payments(
    payments: pd.DataFrame,
    *,
    accident_date: str = "accident_date",
    payment_date: str = "payment_date",
    amount: str = "amount",
    valuation_date: str | pd.Timestamp | None = None,
    first_year: int | None = None,
    last_year: int | None = None,
    weights: npt.ArrayLike | None = None,
    cumulative: bool = True,
) -> pd.DataFrame:
    """Paid triangle by accident year × development year from a listing of payments.

    Development year = payment year − accident year (seed 004 ch. 2 §3.4.2: "année de survenance et
    année de règlement"). Payments after ``valuation_date`` (default: the last payment date) are left
    out and the cells after the valuation diagonal are NaN. Accident years outside
    ``[first_year, last_year]`` are dropped, as the seed drops claims that occurred before 2017.
    ``weights`` (one per row, e.g. the retained share after a surplus treaty) multiply the amounts,
    so a net-of-reinsurance triangle comes from the same listing.

    Returns a frame indexed by accident year with columns ``0 … n-1``; cumulative by default.
    """
    for column in (accident_date, payment_date, amount):
        if column not in payments.columns:
            raise EngineError(f"triangle_from_payments: column {column!r} is missing from the payment listing")
    if payments.empty:
        raise EngineError("triangle_from_payments: the payment listing is empty")
    acc = pd.to_datetime(payments[accident_date]).to_numpy()
    pay = pd.to_datetime(payments[payment_date]).to_numpy()
    value = payments[amount].to_numpy(dtype=np.float64)
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != value.shape:
            raise EngineError(f"triangle_from_payments: weights has shape {w.shape}, expected {value.shape}")
        value = value * w
    if not np.isfinite(value).all():
        row = payments.index[int(np.argmin(np.isfinite(value)))]
        raise EngineError(f"triangle_from_payments: row {row!r} has a non-finite {amount!r}")
    early = pay < acc
    if early.any():
        row = payments.index[int(np.argmax(early))]
        raise EngineError(f"triangle_from_payments: row {row!r} is paid ({pay[early][0]}) before its accident date")
    valuation = pd.Timestamp(valuation_date) if valuation_date is not None else pd.Timestamp(pay.max())
    acc_year = pd.DatetimeIndex(acc).year.to_numpy()
    pay_year = pd.DatetimeIndex(pay).year.to_numpy()
    lo = int(acc_year.min()) if first_year is None else first_year
    hi = valuation.year if last_year is None else last_year
    if not lo <= hi <= valuation.year:
        raise EngineError(
            f"triangle_from_payments: accident years {lo}–{hi} must end no later than the valuation year "
            f"{valuation.year}"
        )
    n_origins = hi - lo + 1
    n_devs = valuation.year - lo + 1  # development periods known by the valuation date
    keep = (acc_year >= lo) & (acc_year <= hi) & (pay <= valuation.to_datetime64())
    origin = acc_year[keep] - lo
    dev = pay_year[keep] - acc_year[keep]
    flat = np.bincount(origin * n_devs + dev, weights=value[keep], minlength=n_origins * n_devs)
    incremental = np.where(observed_mask(n_origins, n_devs), flat.reshape(n_origins, n_devs), np.nan)
    table = pd.DataFrame(
        incremental,
        index=pd.Index(np.arange(lo, hi + 1), name="accident_year"),
        columns=pd.Index(np.arange(n_devs), name="development"),
    )
    return to_cumulative(table) if cumulative else table
