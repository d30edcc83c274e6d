"""Shared checks, column readers and reason labels for the treaty objects.

Every treaty reads its input the same way: the columns it needs are named in the error when they
are missing, amounts are float64, negative amounts are refused (zero amounts are legitimate rows of
a listing and are accepted), and every output row carries a ``reason``.

Reasons are a pandas ``Categorical`` built from a handful of templates that carry the treaty's
parameters ("TSI > R 300 000: rate 1 − R/TSI"); the row's own figures sit in the columns beside it.
Formatting one string per row would cost about a second per million rows, which the benchmark
budget (issue 5: 2 s for a million policies) cannot afford.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, SupportsInt, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from assurdb.engine.checks import check_non_negative, check_positive
from assurdb.engine.errors import EngineError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: The amount columns a proportional treaty cedes when they are present.
PROPORTIONAL_COLUMNS = ("premium", "amount", "paid", "outstanding")


def fmt(value: float) -> str:
    """An amount as the sources print it: ``5 000 000``, decimals only when there are some."""
    if math.isinf(value):
        return "unlimited"
    if float(value).is_integer():
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:,.2f}".replace(",", " ")


def fmt_rate(value: float) -> str:
    """A rate as a percentage: ``40 %``, ``12.5 %``."""
    pct = round(value * 100.0, 6)
    return f"{pct:g} %"


def check_frame(frame: object, what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise EngineError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Refuse a frame lacking any of ``columns``, naming all the missing ones."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise EngineError(f"{what}: missing column(s) {', '.join(map(repr, missing))}")


def amount_column(frame: pd.DataFrame, name: str, what: str) -> FloatArray:
    """Column ``name`` as float64: numbers only, no NaN, no negative value (zero is accepted)."""
    try:
        values = np.asarray(frame[name].to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    except (TypeError, ValueError):
        raise EngineError(f"{what}: column {name!r} must hold numbers") from None
    if values.size:
        bad = ~np.isfinite(values)
        if bad.any():
            label = frame.index[int(np.argmax(bad))]
            raise EngineError(f"{what}: column {name!r} has a missing or infinite value at row {label!r}")
        neg = values < 0.0
        if neg.any():
            pos = int(np.argmax(neg))
            raise EngineError(
                f"{what}: column {name!r} has a negative amount {values[pos]:g} at row {frame.index[pos]!r}"
            )
    return values


def with_columns(frame: pd.DataFrame, columns: Mapping[str, object], *, copied: Iterable[str] = ()) -> pd.DataFrame:
    """``frame.assign(**columns)`` without a copy of each new array.

    pandas copies an array it is given, not knowing who else holds it, but keeps a Series' values
    and tracks who refers to them (copy on write): the arrays are handed over as Series. They must
    be the caller's own, made for this result; the columns named in ``copied`` (arrays that may be
    views of the input frame) and an array seen twice are copied as pandas would. A million-row
    result is sixteen copies lighter (the fresh memory of a copy costs more than the copy).
    """
    index = frame.index
    seen: set[int] = set()
    handed: dict[str, Any] = {}
    skip = set(copied)
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.ndim == 1 and name not in skip:
            root = values if values.base is None else values.base
            owned = values.copy() if id(root) in seen else values
            seen.add(id(root))
            handed[name] = pd.Series(owned, index=index, copy=False)
        else:
            handed[name] = values
    return frame.assign(**handed)


def check_development(frame: pd.DataFrame, paid: FloatArray, outstanding: FloatArray, what: str) -> None:
    """Refuse a development (``paid`` and ``outstanding``, a row per loss of ``frame`` and a column per
    evaluation) that holds anything but finite amounts ≥ 0."""
    for name, values in (("paid", paid), ("outstanding", outstanding)):
        if values.ndim != 2 or values.shape[0] != len(frame) or values.shape != paid.shape:
            raise EngineError(f"{what}: {name!r} must hold a row per loss and a column per evaluation")
        if not (np.isfinite(values) & (values >= 0.0)).all():
            raise EngineError(f"{what}: {name!r} must hold finite amounts, none negative")


def date_column(frame: pd.DataFrame, name: str, what: str) -> npt.NDArray[np.datetime64]:
    """Column ``name`` as ``datetime64[D]`` (any pandas resolution in, days out); no missing date."""
    try:
        values = pd.to_datetime(frame[name]).to_numpy().astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{what}: column {name!r} must hold dates ({exc})") from None
    if values.size:
        bad = np.isnat(values)
        if bad.any():
            raise EngineError(f"{what}: column {name!r} has a missing date at row {frame.index[int(np.argmax(bad))]!r}")
    return values


def year_month(dates: npt.NDArray[np.datetime64]) -> tuple[IntArray, IntArray]:
    """Calendar year and month (1–12) of ``datetime64[D]`` values, without pandas accessors."""
    months = dates.astype("datetime64[M]").astype(np.int64)
    return months // 12 + 1970, months % 12 + 1


def treaty_years(dates: npt.NDArray[np.datetime64], inception_month: int) -> IntArray:
    """The treaty year a date falls in, treaty years starting on the 1st of ``inception_month``.

    A treaty year is labelled by the calendar year in which it starts (July 2018 – June 2019 is 2018).
    """
    months = dates.astype("datetime64[M]").astype(np.int64) - (inception_month - 1)
    return np.floor_divide(months, 12) + 1970


def year_bounds(years: IntArray, inception_month: int) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]]:
    """First day of treaty year ``years`` and first day of the next one, as ``datetime64[D]``."""
    start_months = (years - 1970) * 12 + (inception_month - 1)
    start = start_months.astype("datetime64[M]").astype("datetime64[D]")
    end = (start_months + 12).astype("datetime64[M]").astype("datetime64[D]")
    return start, end


def treaty_year_column(
    frame: pd.DataFrame, dates: npt.NDArray[np.datetime64], inception_month: int, what: str
) -> IntArray:
    """The ``treaty_year`` column when the frame has one (integers), else the year of ``dates``."""
    if "treaty_year" not in frame.columns:
        return treaty_years(dates, inception_month)
    try:
        raw = frame["treaty_year"].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise EngineError(f"{what}: column 'treaty_year' must hold integer years") from None
    if raw.size and (~np.isfinite(raw)).any():
        raise EngineError(f"{what}: column 'treaty_year' has a missing value")
    if raw.size and (raw != np.round(raw)).any():
        raise EngineError(f"{what}: column 'treaty_year' must hold integer years")
    return raw.astype(np.int64)


def check_inception_month(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 12:
        raise EngineError(f"parameter 'inception_month' must be an integer month 1–12, got {value!r}")
    return value


def per_year(
    value: float | Mapping[int, float] | pd.Series | None, years: IntArray, name: str, *, allow_zero: bool
) -> FloatArray | None:
    """A per-treaty-year amount (a number for every year, or a mapping year → amount) on each row."""
    if value is None:
        return None
    if isinstance(value, Mapping | pd.Series):
        mapping = {as_year(k): float(v) for k, v in value.items()}
        unique = np.unique(years)
        missing = [int(y) for y in unique if int(y) not in mapping]
        if missing:
            raise EngineError(f"parameter {name!r} has no value for treaty year(s) {missing}")
        for year, amount in mapping.items():
            (check_non_negative if allow_zero else check_positive)(f"{name}[{year}]", amount)
        table = np.array([mapping[int(y)] for y in unique], dtype=np.float64)
        return table[np.searchsorted(unique, years)]
    amount = (check_non_negative if allow_zero else check_positive)(name, float(value))
    return np.full(years.shape, amount, dtype=np.float64)


def as_year(key: object) -> int:
    """A mapping key read as an integer treaty year."""
    try:
        return int(cast(SupportsInt, key))
    except (TypeError, ValueError):
        raise EngineError(f"a treaty year must be an integer, got {key!r}") from None


def categorical(codes: IntArray, categories: Sequence[str]) -> pd.Categorical:
    """``pd.Categorical.from_codes`` with string categories."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(categories), dtype=object))


def reasons(flags: IntArray, labels: Sequence[str], base: str) -> pd.Categorical:
    """A categorical ``reason`` per row from bit flags: bit ``i`` set adds ``labels[i]``.

    Rows with no flag get ``base``. Only the combinations that occur become categories, found with a
    bincount rather than a sort so that a million rows cost a few milliseconds.
    """
    flags = np.asarray(flags, dtype=np.int64)
    if flags.size == 0:
        return categorical(np.zeros(0, dtype=np.int64), [base])
    present = np.flatnonzero(np.bincount(flags, minlength=1 << len(labels)))
    categories: list[str] = []
    for combo in present:
        parts = [labels[i] for i in range(len(labels)) if combo >> i & 1]
        categories.append("; ".join(parts) if parts else base)
    lookup = np.zeros(1 << len(labels), dtype=np.int64)
    lookup[present] = np.arange(present.size)
    # Two combinations may print alike only if labels repeat; keep categories unique regardless.
    unique_categories, remap = np.unique(np.asarray(categories, dtype=object), return_inverse=True)
    codes = np.asarray(remap[lookup[flags]], dtype=np.int64)
    return categorical(codes, [str(c) for c in unique_categories])
