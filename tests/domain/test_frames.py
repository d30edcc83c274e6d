"""domain.frames.records / articles: a frame's rows as plain values, built column by column."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from assurdb.domain.frames import articles, records


def _frame() -> pd.DataFrame:
    """Every dtype READ SELECTION answers, with its missing value, and some it does not."""
    return pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "text": pd.array(["a", None, "c"], dtype="string"),
            "str": pd.Series(["x", None, "z"], dtype="str"),
            "day": np.array(["2024-01-31", "NaT", "2024-01-31"], dtype="datetime64[s]"),
            "ns": np.array(["1999-12-31T10:00", "2000-01-01", "NaT"], dtype="datetime64[ns]"),
            "zoned": pd.to_datetime(["2024-03-01 23:00", None, "2024-03-02 00:00"]).tz_localize("Europe/Brussels"),
            "money": pd.Series([Decimal("1.10"), None, Decimal("0.00")], dtype=object),
            "list": pd.Series([["a"], [], None], dtype=object),
            "ratio": [0.5, math.nan, 1.0],
            "count": np.array([1, 2, 3], dtype=np.int64),
        }
    )


def _same(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    assert len(ours) == len(theirs)
    for mine, expected in zip(ours, theirs, strict=True):
        assert list(mine) == list(expected)
        for key, value in expected.items():
            got = mine[key]
            assert type(got) is type(value), (key, got, value)
            if isinstance(value, float) and math.isnan(value):
                continue
            if value is pd.NaT:
                assert got is pd.NaT
                continue
            assert got == value, (key, got, value)
            if isinstance(value, pd.Timestamp):
                assert (got.unit, got.tz) == (value.unit, value.tz)


def test_records_are_to_dict_s_rows_with_none_for_na() -> None:
    frame = _frame()
    expected = [{k: None if v is pd.NA else v for k, v in row.items()} for row in frame.to_dict("records")]
    _same(records(frame), expected)
    assert records(frame.iloc[:0]) == []


def test_articles_give_dates_as_dates_and_nat_as_none() -> None:
    frame = _frame().drop(columns="zoned")  # READ SELECTION's dates have no time zone
    rows = articles(frame)
    assert [r["day"] for r in rows] == [dt.date(2024, 1, 31), None, dt.date(2024, 1, 31)]
    assert [r["ns"] for r in rows] == [dt.date(1999, 12, 31), dt.date(2000, 1, 1), None]
    expected = records(frame)
    for row, plain in zip(rows, expected, strict=True):
        for key in ("n", "flag", "text", "str", "money", "list", "ratio", "count"):
            assert type(row[key]) is type(plain[key]) and (row[key] == plain[key] or row[key] != row[key])
