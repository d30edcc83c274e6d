"""How the contract reads a DataFrame given where articles are expected (WRITE BATCH takes one, and
the domain compares its frames with stored articles the same way): one column's values as articles
hold them."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from assurdb.metadb.values import ArrowDecimals, ArrowIntegers, ArrowTexts, Typed

#: The types of an object column's values pandas never counts as missing but None (and a
#: ``Decimal("NaN")``, which stays): such a column is its values as they are, without ``isna``
#: (a pass over the values in Python's objects: a third of reading 520 000 cessions).
_PLAIN = frozenset({str, int, bool, Decimal, date, type(None), list, dict})


def article_values(column: pd.Series) -> np.ndarray:
    """A column's values as an article holds them, in an object array: None for a missing value
    (a ``Decimal("NaN")`` stays: pandas counts it as missing, but it is a value the item's check
    refuses), a ``date`` for a timestamp, Python's scalars for numpy's and pandas'."""
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
        days = _days(column)
        if days is not None:
            return days
        values: np.ndarray = np.array(column.dt.date, dtype=object)
    else:
        values = column.to_numpy(dtype=object, copy=True)
        if pd.api.types.is_object_dtype(column.dtype) and set(map(type, values.tolist())) <= _PLAIN:
            return values
    missing = column.isna().to_numpy()
    if missing.any():
        at = missing.nonzero()[0]
        values[at] = [v if isinstance(v, Decimal) else None for v in values[at].tolist()]
    return values


def article_list(column: pd.Series) -> list[Any]:
    """:func:`article_values` as a list (WRITE BATCH's columns), with the types of its values
    (:class:`~assurdb.metadb.values.Typed`) when they are known at once: an object column of plain
    values is listed as it is, without an array copied first; a column of text (pandas' Arrow
    strings) or integers is its Arrow array (:class:`~assurdb.metadb.values.ArrowColumn`: its values
    made only if walked), a column of booleans that array's values, the array handed on with them."""
    dtype = column.dtype
    if _is_arrow_decimal(dtype):
        return ArrowDecimals(_arrow_array(column))  # type: ignore[return-value]  # a Sequence: its Decimals made only if walked
    if pd.api.types.is_object_dtype(dtype):
        values: list[Any] = column.to_numpy(dtype=object, copy=False).tolist()
        kinds = frozenset(map(type, values))
        if kinds <= _PLAIN:
            return Typed(values, kinds)  # the column checks take the types from here
    else:
        kind = _arrow_kind(dtype)
        if kind is not None:
            import pyarrow as pa

            array = pa.array(column)  # pandas' own Arrow array, or numpy's buffer: no copy
            if isinstance(array, pa.ChunkedArray):
                array = array.combine_chunks()
            if kind is str and array.type in (pa.string(), pa.large_string()):
                return ArrowTexts(array)  # type: ignore[return-value]  # a Sequence: its values listed only if walked
            if kind is int:
                with contextlib.suppress(pa.ArrowInvalid):  # an unsigned value past 2^63: listed, then refused
                    return ArrowIntegers(array.cast(pa.int64()))  # type: ignore[return-value]  # the same
            nulls = array.null_count
            typed = frozenset(([kind] if nulls < len(array) else []) + ([type(None)] if nulls else []))
            return Typed(array.to_pylist(), typed, array)
    listed: list[Any] = article_values(column).tolist()
    return listed


def _is_arrow_decimal(dtype: Any) -> bool:
    if not isinstance(dtype, pd.ArrowDtype):
        return False
    import pyarrow as pa

    return bool(pa.types.is_decimal128(dtype.pyarrow_dtype))


def _arrow_array(column: pd.Series) -> Any:
    """pandas' own Arrow array of an Arrow-backed column (no copy), one chunk."""
    import pyarrow as pa

    array = pa.array(column)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def decimal_series(units: np.ndarray, scale: int, missing: np.ndarray | None = None) -> pd.Series:
    """Whole numbers of 10^-``scale`` (``int64``) as a column of decimals that pandas holds as an
    Arrow ``decimal128(18, scale)`` array (``missing``: where a value is None), made from the
    integers' buffer without a ``Decimal`` object per value. WRITE BATCH checks and DuckDB inserts
    such a column as that array (:class:`~assurdb.metadb.values.ArrowDecimals`); ``article_values``
    gives its values as ``Decimal`` objects."""
    import pyarrow as pa

    from assurdb.metadb.values import MAX_DIGITS

    whole = np.ascontiguousarray(units, dtype=np.int64)
    if len(whole) and int(np.abs(whole).max()) >= 10**MAX_DIGITS:
        raise ValueError(f"a decimal of more than {MAX_DIGITS} digits: {int(np.abs(whole).max())}")
    wide = np.empty((len(whole), 2), dtype=np.int64)  # a decimal128 is two's complement over 16 bytes
    wide[:, 0] = whole
    wide[:, 1] = whole >> 63
    validity = None
    nulls = 0
    if missing is not None and missing.any():
        validity = pa.py_buffer(np.packbits(~np.asarray(missing, dtype=bool), bitorder="little"))
        nulls = int(np.count_nonzero(missing))
    kind = pa.decimal128(MAX_DIGITS, scale)
    array = pa.Array.from_buffers(kind, len(whole), [validity, pa.py_buffer(wide)], null_count=nulls)
    return pd.Series(pd.arrays.ArrowExtensionArray(array), copy=False)


def numbered_texts(prefix: str, first: int, count: int, digits: int) -> pd.Series:
    """The texts ``prefix`` + ``k`` written on ``digits`` digits (zeros in front), for ``k`` from
    ``first`` on, ``count`` of them: a column of pandas' Arrow strings (``string``) made from one
    buffer of bytes, without a ``str`` per value (``f"RT{k:010d}"`` for half a million cessions:
    0.17 s). ValueError for a number that does not fit in ``digits`` or a prefix that is not ASCII."""
    import pyarrow as pa

    if count and (first < 0 or first + count - 1 >= 10**digits):
        raise ValueError(f"numbers {first}..{first + count - 1} do not fit in {digits} digit(s)")
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    width = len(head) + digits
    numbers = np.arange(first, first + count, dtype=np.int64)
    data = np.empty((count, width), dtype=np.uint8)
    data[:, : len(head)] = head
    for place in range(width - 1, len(head) - 1, -1):  # the last digit first
        numbers, data[:, place] = np.divmod(numbers, 10)
    data[:, len(head) :] += ord("0")
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int64)
    kind = pa.string() if (count + 1) * width < 2**31 else pa.large_string()
    offsets = offsets.astype(np.int32 if kind == pa.string() else np.int64)
    array = pa.Array.from_buffers(kind, count, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pd.Series(pd.array(array, dtype=pd.StringDtype("pyarrow", na_value=pd.NA)), copy=False)


def decimal_units(column: pd.Series, scale: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A column of Arrow decimals (:func:`decimal_series`) as whole numbers of 10^-``scale``
    (``int64``) and where a value is missing; None when the column is not of Arrow decimals or one
    of its values does not fit (more decimals than ``scale``, more than 18 digits)."""
    if not _is_arrow_decimal(column.dtype):
        return None
    import pyarrow as pa

    from assurdb.metadb.values import MAX_DIGITS

    try:
        array = _arrow_array(column).cast(pa.decimal128(MAX_DIGITS, scale))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    missing = array.is_null().to_numpy(zero_copy_only=False)
    data = array.buffers()[1]
    wide = np.frombuffer(data, dtype=np.int64)[2 * array.offset : 2 * (array.offset + len(array))]
    units = wide[0::2].copy()  # below 10^18: the low word holds it, the high one its sign
    units[missing] = 0
    return units, missing


def _arrow_kind(dtype: Any) -> type | None:
    """The Python type of a column's values when pandas holds it as an Arrow array or a numpy
    array of integers or booleans (a missing value is null there: None in the list)."""
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return str
    if pd.api.types.is_bool_dtype(dtype):
        return bool
    if pd.api.types.is_integer_dtype(dtype):
        return int
    return None


def _days(column: pd.Series) -> np.ndarray | None:
    """A naive timestamp column of whole days as dates (NaT: None), converted by numpy rather than
    a ``date`` made per value by pandas; None when a value has a time of day or a time zone (then
    ``Series.dt.date`` says which date it is)."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return None
    stamps = column.to_numpy()
    days = stamps.astype("datetime64[D]")
    if not bool(np.all((stamps == days) | np.isnat(stamps))):
        return None
    values: np.ndarray = days.astype(object)  # numpy gives a date per day, None for NaT
    if not set(map(type, values)) <= {date, type(None)}:  # past year 9999: pandas' own conversion
        return None
    return values
