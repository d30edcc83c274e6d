"""Claims triangles: validation, incremental ↔ cumulative, and triangles built from dated movements.

A triangle is accident (origin) periods × development periods. Observed cells are the upper-left
triangle ``i + j <= K`` with ``K = max(origins, developments) - 1`` (the latest diagonal is the
valuation date); every other cell is NaN. An observed cell may be missing (NaN): it is reported
by :func:`missing_cells` and left out of the development factors, as chainladder-python does.
Many triangles at once are a 3-D array ``(triangles, origins, developments)`` with the same shape
each (the study, chapter 2 §3.4.2 steps 1–2: "triangularisation des données … triangle cumulé").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]
    IntArray = npt.NDArray[np.int64]

TriangleLike = TypeVar("TriangleLike", pd.DataFrame, "npt.NDArray[np.float64]")

__all__ = [
    "missing_cells",
    "observed_mask",
    "present_mask",
    "to_cumulative",
    "to_incremental",
    "triangle_from_movements",
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


def present_mask(values: npt.ArrayLike) -> BoolArray:
    """Cells of a 2-D or 3-D triangle array that are observed (on or above the latest diagonal) and hold a
    number; shape of ``values``. A NaN above the diagonal is a missing cell."""
    array = np.asarray(values, dtype=np.float64)
    return np.asarray(observed_mask(*array.shape[-2:]) & ~np.isnan(array))


def missing_cells(triangle: pd.DataFrame | npt.ArrayLike) -> list[tuple[object, ...]]:
    """The observed cells (on or above the latest diagonal) that are NaN, in row order.

    A frame gives ``(origin, development)`` labels; an array gives positions, ``(triangle, origin,
    development)`` for a 3-D array of triangles.
    """
    if isinstance(triangle, pd.DataFrame):
        values = triangle.to_numpy(dtype=np.float64, na_value=np.nan)
        cells = np.argwhere(observed_mask(*values.shape) & np.isnan(values))
        return [(triangle.index[i], triangle.columns[j]) for i, j in cells]
    array = np.asarray(triangle, dtype=np.float64)
    if array.ndim not in (2, 3):
        raise EngineError(f"triangle: expected a 2-D frame/array or a 3-D array of triangles, got {array.ndim}-D")
    return [tuple(int(x) for x in cell) for cell in np.argwhere(observed_mask(*array.shape[-2:]) & np.isnan(array))]


def _origin_name(index: tuple[int, ...], origins: pd.Index | None) -> str:
    *batch, i = (int(x) for x in index)
    where = f"origin {origins[i] if origins is not None else i}"
    return f"triangle {batch[0]}, {where}" if batch else where


def validate_triangle(
    values: FloatArray,
    *,
    origins: pd.Index | None = None,
    developments: pd.Index | None = None,
    allow_negative: bool = False,
) -> BoolArray:
    """Check a 2-D or 3-D array of triangles and return the mask of present cells.

    A NaN on or above the latest diagonal is a missing cell, accepted: the mask is then the observed
    region less the missing cells, ``(origins, developments)`` for a 2-D input and ``(triangles,
    origins, developments)`` for a 3-D one. Without missing cells it is :func:`observed_mask`,
    ``(origins, developments)``, shared by every triangle.

    Raises :class:`EngineError` naming the first offending cell, origin or triangle: an infinite value,
    a value below the latest diagonal (the input is not triangular), a negative amount, an origin with
    no present cell, or a triangle whose present cells all lie on one diagonal (no development to
    measure).
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
        infinite = np.isinf(values)
        if infinite.any():
            cell = tuple(np.argwhere(infinite)[0])
            raise EngineError(f"triangle: {_cell_name(cell, origins, developments)} is not finite ({values[cell]!r})")
        late = finite & ~mask
        if late.any():
            cell = tuple(np.argwhere(late)[0])
            raise EngineError(
                f"triangle: {_cell_name(cell, origins, developments)} holds {values[cell]!r} below the latest "
                "diagonal; the input is not triangular (future cells must be NaN)"
            )
    if not allow_negative:
        negative = values < 0  # NaN compares False
        if negative.any():
            cell = tuple(np.argwhere(negative)[0])
            raise EngineError(
                f"triangle: {_cell_name(cell, origins, developments)} is negative ({values[cell]!r}); "
                "cumulative paid or incurred amounts must be >= 0"
            )
    if not wrong.any():
        return mask
    present = finite  # observed and a number: only NaN is left in the observed region
    empty = ~present.any(axis=-1)
    if empty.any():
        where = _origin_name(tuple(np.argwhere(empty)[0]), origins)
        raise EngineError(
            f"triangle: {where} has no present cell (every observed cell is NaN); drop the origin or give its amounts"
        )
    # Calendar diagonal of each cell: present cells on one diagonal only give no development pair.
    diagonal = np.add.outer(np.arange(n_origins), np.arange(n_devs))
    first = np.where(present, diagonal, n_origins + n_devs).min(axis=(-2, -1))
    last = np.where(present, diagonal, -1).max(axis=(-2, -1))
    single = np.atleast_1d(first == last)
    if single.any():
        k = int(np.argmax(single))
        which = f"triangle {k}" if values.ndim == 3 else "triangle"
        raise EngineError(
            f"{which}: its present cells all lie on one diagonal (origin index + development index = "
            f"{int(np.atleast_1d(first)[k])}); at least two diagonals are needed to estimate development factors"
        )
    return np.asarray(present)


def to_cumulative(incremental: TriangleLike) -> TriangleLike:
    """Cumulate along development (last axis); NaN cells stay NaN (the study, ch. 2 §3.4.2 step 2).

    A missing increment counts as 0 in the later cumulative cells: leave a cell missing in the
    cumulative triangle instead when its amount is unknown.
    """
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


Grain = Literal["year", "quarter"]
PeriodLike = int | str | pd.Period | pd.Timestamp


def _period_ordinals(dates: pd.DatetimeIndex, grain: Grain) -> IntArray:
    """Whole periods since year 0: years, or ``4 · year + quarter − 1``."""
    years = dates.year.to_numpy(dtype=np.int64)
    if grain == "year":
        return years
    return np.asarray(4 * years + dates.quarter.to_numpy(dtype=np.int64) - 1)


def _ordinal(period: PeriodLike, grain: Grain, name: str, caller: str) -> int:
    """The ordinal of a period given as an int year, a Period, a date or a string ('2021', '2021Q3')."""
    if isinstance(period, bool):
        raise EngineError(f"{caller}: {name}={period!r} is not a {grain}")
    if isinstance(period, int | np.integer):
        if grain == "year":
            return int(period)
        raise EngineError(f"{caller}: {name}={period!r} is not a quarter; give a Period or a string like '2021Q3'")
    try:
        p = pd.Period(period, freq="Y" if grain == "year" else "Q")
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{caller}: {name}={period!r} is not a {grain}") from exc
    return int(p.year) if grain == "year" else 4 * int(p.year) + int(p.quarter) - 1


def triangle_from_movements(
    movements: pd.DataFrame,
    *,
    accident_date: str = "accident_date",
    movement_date: str = "movement_date",
    amount: str = "amount",
    grain: Grain = "year",
    valuation_date: str | pd.Timestamp | None = None,
    first_period: PeriodLike | None = None,
    last_period: PeriodLike | None = None,
    cumulative: bool = True,
    weights: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Accident period × development period triangle from dated loss movements.

    One row per movement: its accident date, the date it was booked and its signed amount (payments,
    reserve changes; a recovery or a reserve release is negative). Development 0 is the accident
    period itself; a movement ``n`` whole periods (years or quarters) after its accident period
    falls in development ``n``.

    Movements after ``valuation_date`` (default: the last movement date) are left out and the cells
    after the valuation diagonal are NaN. Accident periods outside ``[first_period, last_period]``
    (default: the first accident period and the valuation period) are dropped; those inside with no
    movement are rows of zeros. ``weights`` (one per row, e.g. the retained share after a surplus
    treaty) multiply the amounts.

    Returns a frame indexed by ``accident_year`` (ints) or ``accident_quarter`` (quarterly Periods),
    with columns ``development`` ``0 … n-1``; cumulative by default. A movement dated before its
    accident date is an :class:`EngineError` naming the row.
    """
    return _movement_triangle(
        movements,
        accident_date=accident_date,
        movement_date=movement_date,
        amount=amount,
        grain=grain,
        valuation_date=valuation_date,
        first_period=first_period,
        last_period=last_period,
        cumulative=cumulative,
        weights=weights,
        caller="triangle_from_movements",
    )


def _movement_triangle(
    movements: pd.DataFrame,
    *,
    accident_date: str,
    movement_date: str,
    amount: str,
    grain: Grain,
    valuation_date: str | pd.Timestamp | None,
    first_period: PeriodLike | None,
    last_period: PeriodLike | None,
    cumulative: bool,
    weights: npt.ArrayLike | None,
    caller: str,
) -> pd.DataFrame:
    if grain not in ("year", "quarter"):
        raise EngineError(f"{caller}: grain must be 'year' or 'quarter', got {grain!r}")
    for column in (accident_date, movement_date, amount):
        if column not in movements.columns:
            raise EngineError(f"{caller}: column {column!r} is missing from the listing")
    if movements.empty:
        raise EngineError(f"{caller}: the listing is empty")
    try:
        acc_dates = pd.DatetimeIndex(pd.to_datetime(movements[accident_date]))
        mov_dates = pd.DatetimeIndex(pd.to_datetime(movements[movement_date]))
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{caller}: {accident_date!r} and {movement_date!r} must hold dates ({exc})") from exc
    for column, dates in ((accident_date, acc_dates), (movement_date, mov_dates)):
        if dates.isna().any():
            row = movements.index[int(np.argmax(dates.isna()))]
            raise EngineError(f"{caller}: row {row!r} has no {column!r}")
    try:
        value = movements[amount].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{caller}: column {amount!r} must be numeric ({exc})") from exc
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != value.shape:
            raise EngineError(f"{caller}: weights has shape {w.shape}, expected {value.shape}")
        value = value * w
    if not np.isfinite(value).all():
        row = movements.index[int(np.argmin(np.isfinite(value)))]
        raise EngineError(f"{caller}: row {row!r} has a non-finite {amount!r}")
    acc = acc_dates.to_numpy()
    mov = mov_dates.to_numpy()
    early = mov < acc
    if early.any():
        at = int(np.argmax(early))
        raise EngineError(
            f"{caller}: row {movements.index[at]!r} is dated {mov_dates[at].date()}, before its accident date "
            f"{acc_dates[at].date()}"
        )
    valuation = pd.Timestamp(valuation_date) if valuation_date is not None else pd.Timestamp(mov.max())
    acc_period = _period_ordinals(acc_dates, grain)
    mov_period = _period_ordinals(mov_dates, grain)
    val_period = int(_period_ordinals(pd.DatetimeIndex([valuation]), grain)[0])
    lo = int(acc_period.min()) if first_period is None else _ordinal(first_period, grain, "first_period", caller)
    hi = val_period if last_period is None else _ordinal(last_period, grain, "last_period", caller)
    if not lo <= hi <= val_period:
        raise EngineError(
            f"{caller}: accident {grain}s {_label(lo, grain)}–{_label(hi, grain)} must run forward and end no "
            f"later than the valuation {grain} {_label(val_period, grain)}"
        )
    n_origins = hi - lo + 1
    n_devs = val_period - lo + 1  # development periods known by the valuation date
    keep = (acc_period >= lo) & (acc_period <= hi) & (mov <= valuation.to_datetime64())
    origin = acc_period[keep] - lo
    dev = mov_period[keep] - acc_period[keep]
    flat = np.bincount(origin * n_devs + dev, weights=value[keep], minlength=n_origins * n_devs)
    incremental = np.where(observed_mask(n_origins, n_devs), flat.reshape(n_origins, n_devs), np.nan)
    index: pd.Index
    if grain == "year":
        index = pd.Index(np.arange(lo, hi + 1), name="accident_year")
    else:
        index = pd.PeriodIndex(
            [pd.Period(year=o // 4, quarter=o % 4 + 1, freq="Q") for o in range(lo, hi + 1)], name="accident_quarter"
        )
    table = pd.DataFrame(incremental, index=index, columns=pd.Index(np.arange(n_devs), name="development"))
    return to_cumulative(table) if cumulative else table


def _label(ordinal: int, grain: Grain) -> str:
    return str(ordinal) if grain == "year" else f"{ordinal // 4}Q{ordinal % 4 + 1}"


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

    Development year = payment year − accident year (the study, ch. 2 §3.4.2: "année de survenance et
    année de règlement"). Payments after ``valuation_date`` (default: the last payment date) are left
    out and the cells after the valuation diagonal are NaN. Accident years outside
    ``[first_year, last_year]`` are dropped, as the study drops claims that occurred before 2017.
    ``weights`` (one per row, e.g. the retained share after a surplus treaty) multiply the amounts,
    so a net-of-reinsurance triangle comes from the same listing.

    Returns a frame indexed by accident year with columns ``0 … n-1``; cumulative by default. The
    yearly case of :func:`triangle_from_movements`.
    """
    return _movement_triangle(
        payments,
        accident_date=accident_date,
        movement_date=payment_date,
        amount=amount,
        grain="year",
        valuation_date=valuation_date,
        first_period=first_year,
        last_period=last_year,
        cumulative=cumulative,
        weights=weights,
        caller="triangle_from_payments",
    )
