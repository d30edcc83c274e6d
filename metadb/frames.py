"""How the contract reads a DataFrame given where articles are expected (WRITE BATCH takes one, and
the domain compares its frames with stored articles the same way): one column's values as articles
hold them."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd


def article_values(column: pd.Series) -> np.ndarray:
    """A column's values as an article holds them, in an object array: None for a missing value
    (a ``Decimal("NaN")`` stays: pandas counts it as missing, but it is a value the item's check
    refuses), a ``date`` for a timestamp, Python's scalars for numpy's and pandas'."""
    missing = column.isna().to_numpy()
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
        values: np.ndarray = np.array(column.dt.date, dtype=object)
    else:
        values = column.to_numpy(dtype=object, copy=True)
    if missing.any():
        at = missing.nonzero()[0]
        values[at] = [v if isinstance(v, Decimal) else None for v in values[at].tolist()]
    return values
