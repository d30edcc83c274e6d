"""READ SELECTION's DataFrames: the same columns and dtypes on every DBMS (batch requests).

Per item type: numeric → ``Int64``; decimal → ``object`` holding exact ``Decimal`` values;
alphanumeric → ``string``; boolean → ``boolean``; date → ``datetime64[s]``; a repetitive item
→ ``object`` (lists); a decomposable item → ``object`` (dicts). Nulls are ``<NA>``/``NaT``/None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from assurdb.metadb.frames import article_list

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
    try:
        if dtype == "string" and text == ARROW_STRING:
            return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))
        if dtype == "Int64":
            return masked_array(pa.array(values, type=pa.int64()), pd.arrays.IntegerArray, 0)
        if dtype == "boolean":
            return masked_array(pa.array(values, type=pa.bool_()), pd.arrays.BooleanArray, False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    return pd.array(values, dtype=dtype)


#: pandas' default text dtype (``"string"``), whose Arrow array a column of text becomes directly
ARROW_STRING = pd.StringDtype("pyarrow", na_value=pd.NA)


def masked_array(array: pa.Array, kind: Any, fill: Any) -> Any:
    """An Arrow array as pandas' masked array (``Int64``, ``boolean``): its values, nulls filled, and
    its null mask, both numpy arrays of their own (a frame's reader may write into them)."""
    mask = array.is_null().to_numpy(zero_copy_only=False, writable=True)
    return kind(array.fill_null(fill).to_numpy(zero_copy_only=False, writable=True), mask)


def _datetimes(values: Any, dtype: str) -> Any:
    """Dates (``date`` or None) → ``dtype``, by Arrow: numpy takes 2.5 µs a ``date``, pandas more."""
    if isinstance(values, np.ndarray) and values.dtype == dtype:
        return values
    try:
        days = pa.array(values, type=pa.date32())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not dates (a time of day, text): as pandas reads them
        return pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype)  # type: ignore[call-overload]
    return days.to_numpy(zero_copy_only=False).astype(dtype)


def from_frame(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """A DataFrame given to WRITE BATCH as the columns of its articles — column name → each row's
    value as an article would give it: None for a missing value (None, ``<NA>``, ``NaT``, a float
    ``NaN``; a ``Decimal("NaN")`` stays, to be refused), a ``date`` for a timestamp, Python's
    ``int``, ``bool`` and ``str`` for numpy's and pandas' scalars."""
    return {name: article_list(frame.iloc[:, position]) for position, name in enumerate(frame.columns)}
