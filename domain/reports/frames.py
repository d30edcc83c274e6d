"""Report frames with the same dtypes on every backend (as READ SELECTION's batches).

Per kind of column: text → ``string``; money → ``object`` holding ``Decimal`` rounded to the
cent; ratio → ``object`` holding ``Decimal`` (four places) or ``None``; count → ``Int64``;
date → ``datetime64[s]``. Columns are laid out keys, texts, dates, counts, money, ratios unless
``order`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

CENT = Decimal("0.01")

#: Column kind → dtype.
DTYPES = {"text": "string", "money": "object", "ratio": "object", "count": "Int64", "date": "datetime64[s]"}


def _money(value: Any) -> Decimal | None:
    if value is None or value is pd.NA:
        return None
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def report_frame(
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str] = (),
    texts: Sequence[str] = (),
    dates: Sequence[str] = (),
    counts: Sequence[str] = (),
    money: Sequence[str] = (),
    ratios: Sequence[str] = (),
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    kinds: dict[str, str] = {}
    for names, kind in ((keys, "text"), (texts, "text"), (dates, "date"), (counts, "count"), (money, "money"),
                        (ratios, "ratio")):  # fmt: skip
        kinds.update(dict.fromkeys(names, kind))
    columns = list(order) if order is not None else list(kinds)
    data: dict[str, pd.Series[Any]] = {}
    for column in columns:
        kind = kinds[column]
        values = [row.get(column) for row in rows]
        if kind == "money":
            data[column] = pd.Series([_money(v) for v in values], dtype="object")
        elif kind == "ratio":
            data[column] = pd.Series(values, dtype="object")
        elif kind == "date":
            data[column] = pd.Series(pd.to_datetime(pd.Series(values, dtype="object")), dtype="datetime64[s]")
        else:
            data[column] = pd.Series(values, dtype=DTYPES[kind])
    frame = pd.DataFrame(data, columns=columns)
    frame.attrs["kinds"] = {column: kinds[column] for column in columns}  # what a page shows as a percentage
    return frame


def column_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Each column's kind (text, date, count, money, ratio): as :func:`report_frame` laid it out, else
    from its dtype and name (a frame built elsewhere)."""
    known: dict[str, str] = dict(frame.attrs.get("kinds", {}))
    for column in frame.columns:
        if column in known:
            continue
        dtype = str(frame[column].dtype)
        if column.endswith("_ratio") or column.endswith("_growth"):
            known[column] = "ratio"
        elif dtype == "Int64":
            known[column] = "count"
        elif dtype.startswith("datetime"):
            known[column] = "date"
        elif dtype == "object":
            known[column] = "money"
        else:
            known[column] = "text"
    return known
