"""READ SELECTION's DataFrames: the same columns and dtypes on every DBMS (batch requests).

Per item type: numeric → ``Int64``; decimal → ``object`` holding exact ``Decimal`` values;
alphanumeric → ``string``; boolean → ``boolean``; date → ``datetime64[s]``; a repetitive item
→ ``object`` (lists); a decomposable item → ``object`` (dicts). Nulls are ``<NA>``/``NaT``/None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

DTYPES = {
    "numeric": "Int64",
    "decimal": "object",
    "alphanumeric": "string",
    "boolean": "boolean",
    "date": "datetime64[s]",
}


def to_frame(articles: Sequence[Mapping[str, Any]], columns: Sequence[str], dtypes: Mapping[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(articles), columns=list(columns))
    for column in columns:
        dtype = dtypes.get(column, "object")
        if dtype == "object":
            frame[column] = frame[column].astype("object")
        elif dtype.startswith("datetime64"):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
        else:
            frame[column] = frame[column].astype(dtype)  # type: ignore[call-overload]
    return frame


def from_frame(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """A DataFrame given to WRITE BATCH as the columns of its articles — column name → each row's
    value as an article would give it: None for a missing value (None, ``<NA>``, ``NaT``, a float
    ``NaN``; a ``Decimal("NaN")`` stays, to be refused), a ``date`` for a timestamp, Python's
    ``int``, ``bool`` and ``str`` for numpy's and pandas' scalars."""
    return {name: column_values(frame.iloc[:, position]).tolist() for position, name in enumerate(frame.columns)}


def column_values(column: pd.Series) -> Any:
    """The values of one column as :func:`from_frame` gives them, in an object array."""
    missing = column.isna().to_numpy()
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
        values = column.dt.date.to_numpy(dtype=object).copy()
    else:
        values = column.to_numpy(dtype=object, copy=True)
    if missing.any():
        at = missing.nonzero()[0]
        # pandas counts Decimal("NaN") as missing: it is a value the item's check refuses
        values[at] = [v if isinstance(v, Decimal) else None for v in values[at].tolist()]
    return values
