"""READ SELECTION's DataFrames: the same columns and dtypes on every DBMS (batch requests).

Per item type: numeric → ``Int64``; decimal → ``object`` holding exact ``Decimal`` values;
alphanumeric → ``string``; boolean → ``boolean``; date → ``datetime64[s]``; a repetitive item
→ ``object`` (lists); a decomposable item → ``object`` (dicts). Nulls are ``<NA>``/``NaT``/None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from assurdb.metadb.frames import article_list

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
    return {name: article_list(frame.iloc[:, position]) for position, name in enumerate(frame.columns)}
