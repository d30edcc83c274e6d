"""Vectorised kernels of the treaties: pure functions over numpy arrays.

The sequential logic of annual aggregates (AAD, aggregate limit, reinstatements) is written with
cumulative sums restarted per treaty-year: rows are sorted once by (treaty year, date, input
position) and every "budget consumed in date order" question becomes
``min(cumsum, budget) − min(cumsum − x, budget)``. No Python loop runs per policy or per loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from assurdb.engine.treaties.base import BoolArray, FloatArray, IntArray

ArrayT = TypeVar("ArrayT", bound="np.ndarray[Any, Any]")


def take(values: ArrayT, index: IntArray | None) -> ArrayT:
    """``values[index]``, or ``values`` itself when ``index`` is None: rows already in place (per risk,
    a listing already in processing order) are used without a gather."""
    return values if index is None else cast(ArrayT, values[index])


def surplus_rate(tsi: FloatArray, retention: float, lines: float) -> FloatArray:
    """The study, ch.1 §2.1.2: π = min(max(0, 1 − R/TSI), m·R/TSI); a zero sum insured cedes nothing."""
    safe = np.where(tsi > 0.0, tsi, 1.0)
    with np.errstate(over="ignore"):  # a subnormal sum insured overflows R/TSI to inf: the rate is then 0
        rate = np.minimum(np.maximum(0.0, 1.0 - retention / safe), lines * retention / safe)
    return np.where(tsi > 0.0, rate, 0.0)


def layer(x: FloatArray, priority: FloatArray | float, limit: FloatArray | float) -> FloatArray:
    """``L xs P`` on each amount: min(L, max(0, x − P))."""
    return np.minimum(limit, np.maximum(x - priority, 0.0))


def layer_paid_outstanding(
    paid: FloatArray, outstanding: FloatArray, priority: FloatArray | float, limit: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Split a layer's share of a loss into paid and outstanding.

    The cedant's priority is consumed by payments first: the layer's paid share is the layer applied
    to the paid amount, its outstanding share is the layer on the incurred amount minus that.
    (The treaty notes: loss D, 5 000 000 paid, gives 4 000 000 paid to ``5 000 000 xs 1 000 000``.)
    """
    ceded_paid = layer(paid, priority, limit)
    ceded_incurred = layer(paid + outstanding, priority, limit)
    return ceded_paid, np.maximum(ceded_incurred - ceded_paid, 0.0)


def processing_order(groups: IntArray, dates: npt.NDArray[np.int64], positions: IntArray | None = None) -> IntArray:
    """Row order for aggregates: by group (treaty year), then date, then input position.

    ``positions``: where each row stands in the caller's input (an event's first loss), when the
    rows are not themselves in input order; same-day rows then enter as their losses were given.
    """
    if groups.size == 0:
        return np.zeros(0, dtype=np.int64)
    # One integer key (group, date[, position]) sorted stably gives lexsort's order (input order for
    # full ties) in a tenth of its time: timsort runs along a listing sorted by year, lexsort sorts
    # each key in full. lexsort stays for keys whose product of spans would overflow.
    group = groups - groups.min()
    day = dates - dates.min()
    day_span = int(day.max()) + 1
    span = (int(group.max()) + 1) * day_span
    if positions is not None:
        position_span = int(positions.max()) + 1 if int(positions.min()) >= 0 else 0
        if position_span > 0 and span * position_span < 1 << 62:
            key = (group * day_span + day) * position_span + positions
            return np.argsort(key, kind="stable").astype(np.int64, copy=False)
    elif span < 1 << 62:
        return np.argsort(group * day_span + day, kind="stable").astype(np.int64, copy=False)
    tie = np.arange(groups.size) if positions is None else positions
    return np.lexsort((tie, dates, groups)).astype(np.int64)


def in_processing_order(groups: IntArray, dates: npt.NDArray[np.int64], positions: IntArray | None = None) -> bool:
    """Whether the rows already stand in :func:`processing_order` (a loss listing by year and date):
    the caller then skips the sort and the gathers in and out of it, a tenth of a second a million
    rows. ``positions`` as in :func:`processing_order`; without them the input order breaks ties."""
    if groups.size < 2:
        return True
    step = np.diff(groups)
    if (step < 0).any():
        return False
    same = step == 0
    day_step = np.diff(dates)
    if (day_step[same] < 0).any():
        return False
    if positions is None:
        return True
    return bool((np.diff(positions)[same & (day_step == 0)] >= 0).all())


def run_starts(sorted_keys: IntArray) -> IntArray:
    """Where each run of equal keys starts in an already sorted array (its first key: the run's key)."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(sorted_keys.size, dtype=bool)
    change[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=change[1:])
    return np.flatnonzero(change).astype(np.int64, copy=False)


def run_codes(sorted_keys: IntArray) -> IntArray:
    """0, 0, 1, 1, 1, 2… for runs of equal keys in an already sorted array."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(sorted_keys.size, dtype=np.int64)
    change[0] = 0
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=change[1:], casting="unsafe")
    return np.asarray(np.cumsum(change), dtype=np.int64)


def segment_cumsum(values: FloatArray, codes: IntArray) -> FloatArray:
    """Inclusive cumulative sum restarted at each run of ``codes`` (runs contiguous).

    pandas' grouped cumsum restarts exactly at each group, where the numpy trick (one cumsum minus
    each group's offset) would carry the rounding of the grand total into every group.
    """
    if values.size == 0:
        return values.copy()
    series = pd.Series(values, copy=False)  # read only: pandas would copy it first
    return np.asarray(series.groupby(codes, sort=False).cumsum().to_numpy(), dtype=np.float64)


def group_sums(codes: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Sum of ``values`` per code 0…size−1 (a weighted bincount, typed as float)."""
    return np.asarray(np.bincount(codes, weights=values, minlength=size), dtype=np.float64)


def group_total(values: FloatArray, codes: IntArray) -> FloatArray:
    """The total of each row's group, broadcast back to the row."""
    if values.size == 0:
        return values.copy()
    return group_sums(codes, values, int(codes.max()) + 1)[codes]


def consume(values: FloatArray, codes: IntArray, budget: FloatArray | float) -> FloatArray:
    """How much of each row a per-group budget takes when rows draw on it in order.

    ``budget`` is per row (constant within a group; ``inf`` for none) or one number for every group.
    Rows fully inside the budget give exactly their value, rows after it give 0, the row that crosses
    it gives what was left.
    """
    cum = segment_cumsum(values, codes)
    prev = cum - values
    partial = np.clip(budget - prev, 0.0, values)
    return np.where(cum <= budget, values, np.where(prev >= budget, 0.0, partial))


@dataclass(frozen=True)
class AggregateOutcome:
    """What the annual aggregates did to each row (arrays in processing order)."""

    absorbed_paid: FloatArray
    absorbed_outstanding: FloatArray
    ceded_paid: FloatArray
    ceded_outstanding: FloatArray
    cut: BoolArray  # cut by the aggregate limit (partly or wholly)


def aggregate(
    paid: FloatArray,
    outstanding: FloatArray,
    codes: IntArray,
    deductible: FloatArray | float,
    limit: FloatArray | float,
    *,
    paid_first: bool = True,
) -> AggregateOutcome:
    """Annual aggregate deductible then annual aggregate limit, rows in date order within groups.

    The treaty notes: the deductible (AAD) is absorbed by paid amounts before outstanding ones
    (``paid_first``); with ``paid_first=False`` it is absorbed in date order, paid before outstanding
    within a loss (the treaty notes' first reading: A and 2 000 000 of C fall in the AAD). What is left then
    enters the aggregate limit in date order: the loss that reaches it is cut and later ones get
    nothing. Within a cut loss the remaining capacity goes to the paid part first.

    ``deductible`` and ``limit``: per row (constant within a group) or one number for every group.
    No deductible (all zero) absorbs nothing and no limit (all ``inf``) cuts nothing: both are
    then skipped, giving what the running sums would give, to the bit.
    """
    if not (np.asarray(deductible) > 0.0).any():
        absorbed_paid, absorbed_outstanding = np.zeros_like(paid), np.zeros_like(outstanding)
        rest_paid, rest_outstanding = paid, outstanding
    else:
        absorbed_paid, absorbed_outstanding = _absorbed(paid, outstanding, codes, deductible, paid_first)
        rest_paid = paid - absorbed_paid
        rest_outstanding = outstanding - absorbed_outstanding
    rest = rest_paid + rest_outstanding
    if np.isinf(limit).all():
        ceded, cut = rest, np.zeros(rest.shape, dtype=bool)
    else:
        ceded = consume(rest, codes, limit)
        cut = (ceded < rest) & (rest > 0.0)
    ceded_paid = np.minimum(rest_paid, ceded)
    ceded_outstanding = np.clip(ceded - ceded_paid, 0.0, rest_outstanding)
    return AggregateOutcome(
        absorbed_paid=absorbed_paid,
        absorbed_outstanding=absorbed_outstanding,
        ceded_paid=ceded_paid,
        ceded_outstanding=ceded_outstanding,
        cut=cut,
    )


def _absorbed(
    paid: FloatArray, outstanding: FloatArray, codes: IntArray, deductible: FloatArray | float, paid_first: bool
) -> tuple[FloatArray, FloatArray]:
    """What the deductible absorbs of the paid and of the outstanding amounts (see :func:`aggregate`)."""
    if paid_first:
        absorbed_paid = consume(paid, codes, deductible)
        left = np.maximum(deductible - group_total(absorbed_paid, codes), 0.0)
        absorbed_outstanding = consume(outstanding, codes, left)
    else:
        absorbed = consume(paid + outstanding, codes, deductible)
        absorbed_paid = np.minimum(paid, absorbed)
        absorbed_outstanding = np.clip(absorbed - absorbed_paid, 0.0, outstanding)
    return absorbed_paid, absorbed_outstanding


def band_overlap(amounts: FloatArray, codes: IntArray, low: float, high: float) -> FloatArray:
    """The part of each row's amount that falls in [low, high] of its group's running total."""
    cum = segment_cumsum(amounts, codes)
    prev = cum - amounts
    return np.asarray(np.maximum(np.minimum(cum, high) - np.maximum(prev, low), 0.0), dtype=np.float64)


def allocate(
    unit_amount: FloatArray, unit_of_row: IntArray, row_weight: FloatArray, unit_weight: FloatArray
) -> FloatArray:
    """Share each unit's amount (an event's ceded amount) among its rows pro rata to ``row_weight``."""
    weight = unit_weight[unit_of_row]
    share = np.divide(row_weight, weight, out=np.zeros_like(row_weight), where=weight > 0.0)
    return np.asarray(unit_amount[unit_of_row] * share, dtype=np.float64)
