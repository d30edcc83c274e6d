"""READ SELECTION's DataFrames: the same columns and dtypes on every DBMS (batch requests).

Per item type: numeric → ``Int64``; decimal → ``object`` holding exact ``Decimal`` values;
alphanumeric → ``string``; boolean → ``boolean``; date → ``datetime64[s]``; a repetitive item
→ ``object`` (lists); a decomposable item → ``object`` (dicts). Nulls are ``<NA>``/``NaT``/None.

``read_selection(…, decimals="float")`` hands each simple decimal item as ``float64`` instead (NaN
for null): the float nearest to each stored amount, which is what ``float(Decimal)`` gives, on every
DBMS — for a program that computes in floats (the reinsurance engine) and would convert anyway. A
repetitive item's lists and a decomposable item's dicts keep their ``Decimal`` values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from assurdb.metadb.frames import article_list

#: READ SELECTION's ``decimals``: ``Decimal`` objects (exact, the default) or ``float64``.
DECIMALS = ("exact", "float")

DTYPES = {
    "numeric": "Int64",
    "decimal": "object",
    "alphanumeric": "string",
    "boolean": "boolean",
    "date": "datetime64[s]",
}


def to_frame(values: Mapping[str, Any], columns: Sequence[str], dtypes: Mapping[str, str]) -> pd.DataFrame:
    """The frame of ``values`` (column name → its values, as a record type's ``decode_columns``
    gives them: a list, or an array already of the column's dtype), each column made at once in its
    dtype. A dict per row, then ``from_records`` and an ``astype`` per column, cost two and a half
    times as much (the demo company's journal, 46 000 entries: 180 ms against 70 ms on SQLite)."""
    text = pd.api.types.pandas_dtype("string")
    return pd.DataFrame({name: _column(values[name], dtypes.get(name, "object"), text) for name in columns})


def _column(values: Any, dtype: str, text: Any) -> Any:
    """One column in its dtype (``text``: what ``"string"`` means to pandas now). Arrow reads a list
    of Python values in one call, where pandas looks at each value (an ``Int64`` column with nulls
    costs it five times as much); whatever Arrow does not take as it is goes through ``pd.array``."""
    if dtype == "object":
        return pd.Series(values, dtype=object)
    if dtype.startswith("datetime64"):
        return _datetimes(values, dtype)
    kind = _ARROW_TYPES.get(dtype) if dtype != "string" or text == ARROW_STRING else None
    if kind is not None:
        try:
            return from_arrow(pa.array(values, type=kind), dtype, text)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return pd.array(values, dtype=dtype)


#: The Arrow type a list of Python values is read as, for the frame's dtypes Arrow makes directly
_ARROW_TYPES = {"string": pa.large_string(), "Int64": pa.int64(), "boolean": pa.bool_()}


def from_arrow(array: pa.Array, dtype: str, text: Any) -> Any:
    """An Arrow array as the pandas array of a frame's ``dtype`` (``Int64``, ``boolean``, ``string``
    as pandas' Arrow strings, ``datetime64`` from dates), or None when Arrow does not make it
    directly: the values as :func:`to_frame` gives them."""
    if dtype == "Int64":
        return masked_array(array.cast(pa.int64()), pd.arrays.IntegerArray, 0)
    if dtype == "boolean" and pa.types.is_boolean(array.type):
        return masked_array(array, pd.arrays.BooleanArray, False)
    if (
        dtype == "string"
        and text == ARROW_STRING
        and (pa.types.is_string(array.type) or pa.types.is_large_string(array.type))
    ):
        return pd.arrays.ArrowStringArray(array.cast(pa.large_string()))
    if dtype.startswith("datetime64") and pa.types.is_date(array.type):
        return array.to_numpy(zero_copy_only=False).astype(dtype)
    return None


#: pandas' default text dtype (``"string"``), whose Arrow array a column of text becomes directly
ARROW_STRING = pd.StringDtype("pyarrow", na_value=pd.NA)


def masked_array(array: pa.Array, kind: Any, fill: Any) -> Any:
    """An Arrow array as pandas' masked array (``Int64``, ``boolean``): its values, nulls filled, and
    its null mask, both numpy arrays of their own (a frame's reader may write into them)."""
    if not array.null_count:  # no null: a mask of zeros, the values as they are (most columns)
        return kind(array.to_numpy(zero_copy_only=False, writable=True), np.zeros(len(array), dtype=bool))
    mask = array.is_null().to_numpy(zero_copy_only=False, writable=True)
    return kind(array.fill_null(fill).to_numpy(zero_copy_only=False, writable=True), mask)


def decimal_floats(values: Any) -> npt.NDArray[np.float64]:
    """A decimal column as the frame holds it (``Decimal`` objects, None for null) → ``float64``, NaN
    for null: ``float()`` of each value, which rounds the exact decimal to the nearest float (CPython
    reads it through its text)."""
    objects = np.asarray(values, dtype=object)
    out = np.full(len(objects), np.nan)
    given = np.flatnonzero(pd.notna(objects))
    if given.size:
        out[given] = objects[given].astype(np.float64)
    return out


def _datetimes(values: Any, dtype: str) -> Any:
    """Dates (``date`` or None) → ``dtype``, by Arrow: numpy takes 2.5 µs a ``date``, pandas more."""
    if isinstance(values, np.ndarray) and values.dtype == dtype:
        return values
    try:
        days = pa.array(values, type=pa.date32())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not dates (a time of day, text): as pandas reads them
        return pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype)  # type: ignore[call-overload]
    return from_arrow(days, dtype, None)


def from_frame(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """A DataFrame given to WRITE BATCH as the columns of its articles — column name → each row's
    value as an article would give it: None for a missing value (None, ``<NA>``, ``NaT``, a float
    ``NaN``; a ``Decimal("NaN")`` stays, to be refused), a ``date`` for a timestamp, Python's
    ``int``, ``bool`` and ``str`` for numpy's and pandas' scalars."""
    return {name: article_list(frame.iloc[:, position]) for position, name in enumerate(frame.columns)}
