"""Integer keys for the stored frames' identifiers, and sums over groups as pandas computes them.

The stored business joins and groups frames on text identifiers (a policy's ``policy_no``, a loss's
``code``) and on composite keys (``policy_no, renewal_no, guaranty_no``). pandas does that through
its text columns, value by value for several steps of a join; on a million guaranties each join
costs a second. Here each identifier is coded once:

* :func:`codes` — text columns as int64 codes of one shared dictionary, sorted, so that codes
  compare as the texts do (one hash pass);
* :func:`pack` — a composite key as one int64 that orders as its tuple does;
* :func:`index_of` — where each key stands among unique keys (a join on one integer);
* :class:`Runs` — the groups of a sorted key: their sums exactly as ``groupby(...).sum()`` gives
  them (pandas adds with Kahan's compensation and skips nulls: a plain ``np.add.reduceat`` would
  differ in the last bit, and a figure rounded to the cent could move), and their last non-null row.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["Runs", "codes", "index_of", "is_sorted", "pack"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_Array = TypeVar("_Array", bound=npt.NDArray[Any])

#: Packed keys stay below this, so that a product of widths never overflows an int64.
_CEILING = 2**62


def codes(*columns: pd.Series) -> list[IntArray]:
    """The values of ``columns`` as codes of one dictionary of them all, in sorted order (−1: null).

    ``pd.factorize`` hashes pandas' Arrow text in C; the columns are factorized together so that
    a code means the same text in each."""
    lengths = [len(c) for c in columns]
    joined = pd.concat([pd.Series(c.array) for c in columns], ignore_index=True) if len(columns) > 1 else columns[0]
    found, distinct = pd.factorize(joined)
    found = np.asarray(found, dtype=np.int64)
    if len(distinct) > 1 and not bool((pd.Series(distinct[1:]) > pd.Series(distinct[:-1])).all()):
        # the texts did not come in order (stored frames come in identifier order, and then they
        # do): codes replaced by the ranks of their texts
        rank = np.empty(len(distinct), dtype=np.int64)
        rank[np.asarray(distinct.argsort(), dtype=np.int64)] = np.arange(len(distinct))
        found = np.where(found >= 0, rank[np.maximum(found, 0)], -1)
    return [np.asarray(part, dtype=np.int64) for part in np.split(found, np.cumsum(lengths)[:-1])]


def pack(*parts: npt.ArrayLike) -> IntArray:
    """One int64 per row that orders as the rows' tuples of integers do (mixed radix, each part
    offset by its minimum); a key that would not fit is first replaced by its rank."""
    arrays = [np.asarray(p, dtype=np.int64) for p in parts]
    key = np.zeros(len(arrays[0]) if arrays else 0, dtype=np.int64)
    if key.size == 0:
        return key
    span = 1  # the keys lie in [0, span)
    for part in arrays:
        low = int(part.min())
        width = int(part.max()) - low + 1
        if span * width >= _CEILING:
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)  # ranks: same order, dense
            span = int(key.max()) + 1
        key *= width  # in place: the keys of a million rows are rewritten, not copied, for each part
        key += part
        key -= low
        span *= width
    return key


def index_of(keys: npt.ArrayLike, among: npt.ArrayLike) -> IntArray:
    """The position of each of ``keys`` in ``among`` (whose values are unique), −1 where absent:
    by binary search when both are sorted (a merge, as the frames' identifier order makes them),
    else by a hash of ``among``."""
    wanted, known = np.asarray(keys, dtype=np.int64), np.asarray(among, dtype=np.int64)
    if known.size and is_sorted(wanted) and is_sorted(known):
        runs = Runs(wanted)  # each distinct key searched once (a guaranty's PRA: once for its four guaranties)
        distinct = runs.first(wanted)
        if distinct.size == known.size and np.array_equal(distinct, known):
            found = np.arange(known.size, dtype=np.int64)  # every key of ``among`` wanted: nothing to search
        else:
            at = np.searchsorted(known, distinct)
            at[at == known.size] = 0
            found = np.where(known[at] == distinct, at, -1).astype(np.int64)
        return found if runs.single else np.repeat(found, runs.lengths)
    return np.asarray(pd.Index(known).get_indexer(pd.Index(wanted)), dtype=np.int64)


def is_sorted(key: npt.NDArray[np.int64]) -> bool:
    return bool(key.size < 2 or (key[1:] >= key[:-1]).all())


class Runs:
    """The runs of equal values of a sorted key (the groups of a ``groupby`` on it, in order).

    A strictly increasing key — every group one row, as a book without endorsements has its
    guaranties — is its own grouping: nothing is gathered or added, the rows are the runs."""

    def __init__(self, key: npt.NDArray[np.int64]) -> None:
        n = key.size
        self.single = bool(n < 2 or (key[1:] > key[:-1]).all())
        self.count = n
        if self.single:
            return
        change = np.ones(n, dtype=bool)
        change[1:] = key[1:] != key[:-1]
        self._change = change
        self._starts: IntArray = np.flatnonzero(change).astype(np.int64)
        self._lengths: IntArray = np.diff(np.append(self._starts, n)).astype(np.int64)
        self.count = int(self._starts.size)

    @property
    def starts(self) -> IntArray:
        """The first row of each run."""
        return np.arange(self.count, dtype=np.int64) if self.single else self._starts

    @property
    def lengths(self) -> IntArray:
        """How many rows each run has."""
        return np.ones(self.count, dtype=np.int64) if self.single else self._lengths

    @property
    def code(self) -> IntArray:
        """The run of each row."""
        return np.arange(self.count, dtype=np.int64) if self.single else np.cumsum(self._change, dtype=np.int64) - 1

    def first(self, values: _Array) -> _Array:
        """``values`` at the first row of each run."""
        return values if self.single else values[self._starts]  # type: ignore[return-value]

    def sum(self, values: FloatArray) -> FloatArray:
        """Each run's sum of ``values`` as ``pd.Series(values).groupby(run).sum()`` gives it: nulls
        skipped, compensated (pandas adds the runs of a sorted key with ``np.add.reduceat`` when no
        value is null, with its compensated kernel otherwise). A run of one row sums to
        ``0.0 + value`` (so −0.0 becomes 0.0)."""
        values = np.asarray(values, dtype=np.float64)
        alone = values + 0.0
        null = np.isnan(alone)
        if null.any():
            alone[null] = 0.0
        if self.single:
            return alone
        out = alone[self._starts]
        several = self._lengths > 1
        if int(self._lengths.max()) == 2:  # runs of two rows at most (a loss's reserve and payment)
            first = self._starts[several]
            pair = values[first], values[first + 1]
            if np.isfinite(pair[0]).all() and np.isfinite(pair[1]).all():
                # pandas adds the runs of a sorted key with np.add.reduceat when no value is null
                out[several] = pair[0] + pair[1]
                return out
            if not (np.isinf(pair[0]).any() or np.isinf(pair[1]).any()):
                # with a null, its compensated kernel: from 0.0, nulls skipped — for two values, their plain sum
                out[several] += alone[first + 1]
                return out
        rows = np.repeat(several, self._lengths)
        out[several] = pd.Series(values[rows]).groupby(self.code[rows], sort=False).sum().to_numpy()
        return out

    def last(self, valid: npt.NDArray[np.bool_]) -> IntArray:
        """The last row of each run where ``valid`` holds (``groupby().last()`` skips nulls), −1 if none."""
        if self.count == 0:
            return np.zeros(0, dtype=np.int64)
        position = np.where(valid, np.arange(valid.size), -1)
        return position if self.single else np.asarray(np.maximum.reduceat(position, self._starts), dtype=np.int64)

    def last_of(self, values: IntArray, valid: npt.NDArray[np.bool_]) -> IntArray:
        """``values`` (non-negative) at the last row of each run where ``valid`` holds, −1 if none."""
        if self.single:
            return np.where(valid, values, -1)
        last = self.last(valid)
        return np.where(last >= 0, values[np.maximum(last, 0)], -1)
