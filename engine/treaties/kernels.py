"""Vectorised kernels of the treaties: pure functions over numpy arrays.

The sequential logic of annual aggregates (AAD, aggregate limit, reinstatements) is written with
cumulative sums restarted per treaty-year: rows are sorted once by (treaty year, date, input
position) and every "budget consumed in date order" question becomes
``min(cumsum, budget) − min(cumsum − x, budget)``. No Python loop runs per policy or per loss.

The amounts may also come as a matrix, a row per loss and a column per evaluation of the same
losses (a development, quarter by quarter): each column is then worked out as the same vector
alone would be — to the last bit, cumulative sums included — with per-row parameters (budgets,
priorities) given as columns ``(n, 1)``.
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
    """``values[index]`` (rows of a matrix), or ``values`` itself when ``index`` is None: rows already
    in place (per risk, a listing already in processing order) are used without a gather.
    ``np.take`` copies a matrix's rows whole, where indexing walks them element by element: five
    times faster on a development's rows in date order."""
    return values if index is None else cast(ArrayT, np.take(values, index, axis=0))


def surplus_rate(tsi: FloatArray, retention: float, lines: float) -> FloatArray:
    """The study, ch.1 §2.1.2: π = min(max(0, 1 − R/TSI), m·R/TSI); a zero sum insured cedes nothing."""
    safe = np.where(tsi > 0.0, tsi, 1.0)
    with np.errstate(over="ignore"):  # a subnormal sum insured overflows R/TSI to inf: the rate is then 0
        rate = np.minimum(np.maximum(0.0, 1.0 - retention / safe), lines * retention / safe)
    return np.where(tsi > 0.0, rate, 0.0)


def layer(x: FloatArray, priority: FloatArray | float, limit: FloatArray | float) -> FloatArray:
    """``L xs P`` on each amount: min(L, max(0, x − P))."""
    return _layer_into(np.subtract(x, priority), limit)


def _layer_into(excess: FloatArray, limit: FloatArray | float) -> FloatArray:
    """min(L, max(0, ``excess``)), written over ``excess`` (x − P, an array of the caller's own)."""
    np.maximum(excess, 0.0, out=excess)
    return np.minimum(limit, excess, out=excess)


def layer_paid_outstanding(
    paid: FloatArray, outstanding: FloatArray, priority: FloatArray | float, limit: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Split a layer's share of a loss into paid and outstanding.

    The cedant's priority is consumed by payments first: the layer's paid share is the layer applied
    to the paid amount, its outstanding share is the layer on the incurred amount minus that.
    (The treaty notes: loss D, 5 000 000 paid, gives 4 000 000 paid to ``5 000 000 xs 1 000 000``.)
    """
    ceded_paid = layer(paid, priority, limit)
    incurred = np.add(paid, outstanding)
    ceded_outstanding = _layer_into(np.subtract(incurred, priority, out=incurred), limit)
    np.subtract(ceded_outstanding, ceded_paid, out=ceded_outstanding)  # the layer on the incurred, less on the paid
    return ceded_paid, np.maximum(ceded_outstanding, 0.0, out=ceded_outstanding)


#: numpy asks Linux for huge pages for an array of 4 MiB or more, whose first touch (zeroing,
#: compaction) can cost more than the work on it: a development is worked in slices below that.
_SLICE_BYTES = 1 << 22


def column_slices(rows: int, columns: int) -> list[slice]:
    """The columns of a ``rows`` × ``columns`` float64 matrix in slices whose blocks stay under 4 MiB."""
    width = max(1, (_SLICE_BYTES - 1) // (8 * max(rows, 1)))
    return [slice(j, min(j + width, columns)) for j in range(0, columns, width)]


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
    frame = pd.DataFrame(values, copy=False) if values.ndim == 2 else pd.Series(values, copy=False)  # each column alike
    out = np.asarray(frame.groupby(codes, sort=False).cumsum().to_numpy(), dtype=np.float64)
    return _own(out)


def _own(values: FloatArray) -> FloatArray:
    """``values`` writable: pandas hands out its blocks read only, and the frame here is a temporary
    of ours — the callers write their next step over the sums rather than into new memory."""
    if not values.flags.writeable:
        try:
            values.flags.writeable = True
        except ValueError:
            return values.copy()
    return values


def group_sums(codes: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Sum of ``values`` per code 0…size−1 (a weighted bincount, typed as float; of each column of a matrix)."""
    if values.ndim == 2:  # a bin per group and column, each adding its rows in order as a column alone would
        m = values.shape[1]
        bins = (codes[:, None] * m + np.arange(m)).ravel()
        sums = np.bincount(bins, weights=values.ravel(), minlength=size * m)
        return np.asarray(sums, dtype=np.float64).reshape(size, m)
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
    inside = cum <= budget
    prev = np.subtract(cum, values, out=cum)  # written over the sums, as the steps below over prev
    beyond = prev >= budget
    partial = np.clip(np.subtract(budget, prev, out=prev), 0.0, values, out=prev)
    partial[beyond] = 0.0
    np.copyto(partial, values, where=inside)
    return partial


@dataclass(frozen=True)
class AggregateOutcome:
    """What the annual aggregates did to each row (arrays in processing order)."""

    absorbed_paid: FloatArray
    absorbed_outstanding: FloatArray
    ceded_paid: FloatArray
    ceded_outstanding: FloatArray
    cut: BoolArray | None  # cut by the aggregate limit (partly or wholly); None when not asked for


def aggregate(
    paid: FloatArray,
    outstanding: FloatArray,
    codes: IntArray,
    deductible: FloatArray | float,
    limit: FloatArray | float,
    *,
    paid_first: bool = True,
    with_cut: bool = True,
) -> AggregateOutcome:
    """Annual aggregate deductible then annual aggregate limit, rows in date order within groups.

    The treaty notes: the deductible (AAD) is absorbed by paid amounts before outstanding ones
    (``paid_first``); with ``paid_first=False`` it is absorbed in date order, paid before outstanding
    within a loss (the treaty notes' first reading: A and 2 000 000 of C fall in the AAD). What is left then
    enters the aggregate limit in date order: the loss that reaches it is cut and later ones get
    nothing. Within a cut loss the remaining capacity goes to the paid part first.

    ``deductible`` and ``limit``: per row (constant within a group) or one number for every group.
    No deductible (all zero) absorbs nothing and no limit (all ``inf``) cuts nothing: both are
    then skipped, giving what the running sums would give, to the bit. ``with_cut=False``: which
    rows the limit cut is not worked out (a development reads what is ceded only).
    """
    if not (np.asarray(deductible) > 0.0).any():
        absorbed_paid, absorbed_outstanding = np.zeros_like(paid), np.zeros_like(outstanding)
        rest_paid, rest_outstanding = paid, outstanding
    else:
        absorbed_paid, absorbed_outstanding = _absorbed(paid, outstanding, codes, deductible, paid_first)
        rest_paid = paid - absorbed_paid
        rest_outstanding = outstanding - absorbed_outstanding
    rest = rest_paid + rest_outstanding
    cut: BoolArray | None = None
    if np.isinf(limit).all():
        ceded = rest
        if with_cut:
            cut = np.zeros(rest.shape, dtype=bool)
    else:
        ceded = consume(rest, codes, limit)
        if with_cut:
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
        left = group_total(absorbed_paid, codes)
        np.subtract(deductible, left, out=left)
        absorbed_outstanding = consume(outstanding, codes, np.maximum(left, 0.0, out=left))
    else:
        absorbed = consume(paid + outstanding, codes, deductible)
        absorbed_paid = np.minimum(paid, absorbed)
        np.subtract(absorbed, absorbed_paid, out=absorbed)
        absorbed_outstanding = np.clip(absorbed, 0.0, outstanding, out=absorbed)
    return absorbed_paid, absorbed_outstanding


def band_overlap(amounts: FloatArray, codes: IntArray, low: float, high: float) -> FloatArray:
    """The part of each row's amount that falls in [low, high] of its group's running total."""
    cum = segment_cumsum(amounts, codes)
    prev = cum - amounts
    np.minimum(cum, high, out=cum)
    np.subtract(cum, np.maximum(prev, low, out=prev), out=cum)
    return np.maximum(cum, 0.0, out=cum)


def allocate(
    unit_amount: FloatArray, unit_of_row: IntArray | None, row_weight: FloatArray, unit_weight: FloatArray
) -> FloatArray:
    """Share each unit's amount (an event's ceded amount) among its rows pro rata to ``row_weight``
    (``unit_of_row`` None: each row its own unit, in order)."""
    weight = take(unit_weight, unit_of_row)
    share = np.divide(row_weight, weight, out=np.zeros_like(row_weight), where=weight > 0.0)
    return np.asarray(take(unit_amount, unit_of_row) * share, dtype=np.float64)
