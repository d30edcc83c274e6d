"""A report frame's values as text, the same in every form (table, CSV, page)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd


def cell(value: Any, *, grouped: bool) -> str:
    """A value as text: blank for none, a date as ISO, money grouped (``grouped``) keeping its scale."""
    if value is None or value is pd.NaT or (not isinstance(value, Decimal | str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return f"{value:,}" if grouped else str(value)  # keeps the scale: cents, or four places
    return str(value)


def cells(frame: pd.DataFrame, *, grouped: bool = False) -> list[list[str]]:
    """The frame's rows as strings (money keeps its cents, ratios their four places)."""
    return [[cell(v, grouped=grouped) for v in row] for row in frame.itertuples(index=False, name=None)]
