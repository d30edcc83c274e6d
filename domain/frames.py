"""DataFrames of READ SELECTION as rows of plain Python values, and the column-wise helpers that let
a primitive compare whole frames instead of walking rows."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from assurdb.metadb.frames import decimal_series


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts of column name → value, the values ``to_dict("records")``
    gives (None for a missing number, text or flag; NaT, NaN and objects as they are), built column
    by column: ``to_dict`` walks pandas' Arrow-backed text columns one Python call per value
    (3.4 million calls, 2.5 s, for the cessions of a million guaranties)."""
    return _rows(frame, dates=False)


def articles(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """READ SELECTION's rows as the articles READ DIRECT answers: :func:`records`, with a date as a
    ``date`` (the frame's ``datetime64`` holds a ``Timestamp``) and NaT as None; ``columns``: only
    those items (default: every one)."""
    return _rows(frame, dates=True, columns=columns)


#: Extension dtypes whose values ``to_numpy(dtype=object)`` gives as ``tolist`` does (Python's int,
#: bool and str); a text dtype missing values as NaN (pandas' ``str``) keeps its NaN, as ``tolist``
_NA_AS_NONE = (pd.Int64Dtype, pd.BooleanDtype, pd.StringDtype)


def _rows(frame: pd.DataFrame, *, dates: bool, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    taken = list(frame.columns) if columns is None else list(columns)
    names = [str(c) for c in taken]
    values_of: list[list[Any]] = []
    for column in map(frame.__getitem__, taken):
        if isinstance(column.dtype, np.dtype) and column.dtype.kind == "M":
            values_of.append(_moments(column.to_numpy(), dates=dates))
            continue
        if isinstance(column.dtype, _NA_AS_NONE) and column.dtype.na_value is pd.NA:
            # READ SELECTION's numbers, flags and text: <NA> as None in the one conversion
            values_of.append(column.to_numpy(dtype=object, na_value=None).tolist())  # type: ignore[call-overload]
            continue
        values = column.tolist()
        if isinstance(column.dtype, pd.api.extensions.ExtensionDtype) and column.hasnans:
            values = [None if v is pd.NA else v for v in values]
        values_of.append(values)
    # dict(zip(names, row)) for each row, the loop in C: a row costs its dict and nothing more
    return list(map(dict, map(zip, repeat(names), zip(*values_of, strict=True))))


def _moments(values: np.ndarray, *, dates: bool) -> list[Any]:
    """A ``datetime64`` column's values as ``Timestamp`` and NaT (``tolist`` gives them), or as
    ``date`` and None: each distinct value converted once (a book has a few thousand distinct dates
    in a million rows; numpy's own conversion takes 1 µs a value)."""
    codes, uniques = pd.factorize(values)
    table = np.empty(len(uniques) + 1, dtype=object)  # the last one for NaT, whose code is -1
    if dates:
        table[:-1] = uniques.astype("datetime64[D]").astype(object)
        table[-1] = None
    else:
        table[:-1] = pd.Series(uniques).tolist()
        table[-1] = pd.NaT
    return table[codes].tolist()  # type: ignore[no-any-return]


def joint_keys(*parts: Sequence[pd.Series]) -> list[np.ndarray]:
    """Each part is the key columns of one frame (the same number in every part, the k-th of each
    alike): one ``int64`` per row, equal for two rows — of the same frame or not — whose key values
    are all equal, and ``-1`` for a row with a null key value.

    A row's key becomes one number, hashed once per column: matching a million guaranties'
    identifiers (four columns) by ``merge`` or a ``MultiIndex`` costs about 0.7 s, this about 0.1 s.
    """
    widths = {len(part) for part in parts}
    if len(widths) != 1:
        raise ValueError("every part gives the same number of key columns")
    sizes = [len(part[0]) if len(part) else 0 for part in parts]
    total = sum(sizes)
    key = np.zeros(total, dtype=np.int64)
    null = np.zeros(total, dtype=bool)
    bound = 1  # every key lies below it
    for k in range(widths.pop()):
        first = parts[0][k]
        column = pd.concat([first, *(part[k].astype(first.dtype) for part in parts[1:])], ignore_index=True)
        codes, count = _codes(column)
        null |= codes < 0
        if bound * (count + 1) >= 2**62:  # renumber the keys so far densely: below the row count
            key, distinct = pd.factorize(key)
            bound = len(distinct)
        key = key * (count + 1) + (codes + 1)
        bound *= count + 1
    key = key.astype(np.int64, copy=False)
    key[null] = -1
    bounds = np.cumsum([0, *sizes])
    return [key[bounds[i] : bounds[i + 1]] for i in range(len(parts))]


def _codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """A code per value, equal for equal values and -1 for a null, and how many codes there may be:
    integers within a range not much wider than the column are their distance to the smallest (no
    hashing: a guaranty's number, a renewal's, a key made of others), anything else factorized."""
    dtype = column.dtype
    if pd.api.types.is_integer_dtype(dtype) and len(column):
        null = column.isna().to_numpy(dtype=bool)
        values = column.to_numpy(dtype=np.int64, na_value=0)
        present = values[~null]
        if not len(present):
            return np.full(len(values), -1, dtype=np.int64), 0
        low, high = int(present.min()), int(present.max())
        if high - low <= 2 * len(values):
            codes = values - low
            codes[null] = -1
            return codes, high - low + 1
    codes, uniques = pd.factorize(column)
    return codes.astype(np.int64, copy=False), len(uniques)


def decimals(values: np.ndarray | pd.Series, places: int) -> np.ndarray:
    """Floats as the ``Decimal`` of their ``places``-decimal text (``Decimal(f"{v:.2f}")``), in an
    object array: each distinct value converted once."""
    floats = np.asarray(values, dtype=np.float64)
    codes, uniques = pd.factorize(floats, use_na_sentinel=False)
    converted = np.empty(len(uniques), dtype=object)
    converted[:] = [Decimal(f"{v:.{places}f}") for v in uniques.tolist()]
    return converted[codes]


def decimal_column(values: np.ndarray | pd.Series, places: int) -> pd.Series:
    """:func:`decimals` as a column of Arrow decimals (:func:`~assurdb.metadb.frames.decimal_series`):
    the same values — each float's ``places``-decimal text — made without a ``Decimal`` object per
    value, which WRITE BATCH then checks and DuckDB inserts as the one array. A column holding a NaN,
    an infinity or a value past 2^53 units stays :func:`decimals`' object column.

    ``rint(v·10^places)`` is the float's correctly rounded text except where the product lies within
    its rounding error of a half: those few are converted by their text, as :func:`decimals` does."""
    index = values.index if isinstance(values, pd.Series) else None  # a Series' rows keep their labels
    floats = np.asarray(values, dtype=np.float64)
    scaled = floats * 10.0**places
    if not np.isfinite(scaled).all() or (len(scaled) and float(np.abs(scaled).max()) >= 2.0**53):
        return pd.Series(decimals(floats, places), index=index)
    units = np.rint(scaled)
    near = np.abs(scaled - np.floor(scaled) - 0.5) <= 2 * np.spacing(np.abs(scaled))
    for at in np.flatnonzero(near).tolist():
        units[at] = int(Decimal(f"{floats[at]:.{places}f}").scaleb(places))
    column = decimal_series(units.astype(np.int64), places)
    return column if index is None else column.set_axis(index)
