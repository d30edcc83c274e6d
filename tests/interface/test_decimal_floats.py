"""READ SELECTION's decimals as floats, on the converters themselves: DuckDB's from an Arrow DECIMAL
column's scaled integers, the relational DBMSs' from the ``Decimal`` objects — both must give
``float(Decimal)`` of every value to the bit, at every scale and magnitude, nulls NaN."""

from __future__ import annotations

from decimal import Context, Decimal

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from assurdb.runtime.backends.duckdb import _decimal_floats
from assurdb.runtime.frames import decimal_floats

PRECISION = 38
EXACT = Context(prec=60)  # scaleb rounds to its context: 28 digits by default


@st.composite
def columns(draw: st.DrawFn) -> tuple[int, list[Decimal | None]]:
    scale = draw(st.integers(0, 12))
    # around 2**53 units (where the scaled integer stops being an exact float) and far beyond it
    units = st.one_of(
        st.integers(-(10**15), 10**15),
        st.integers(2**53 - 50, 2**53 + 50),
        st.integers(-(2**53) - 50, -(2**53) + 50),
        st.integers(-(10**PRECISION) + 1, 10**PRECISION - 1),
    )
    values = draw(st.lists(st.one_of(st.none(), units.map(lambda u: Decimal(u).scaleb(-scale, EXACT))), max_size=40))
    return scale, values


def _nearest(values: list[Decimal | None]) -> bytes:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64).tobytes()


@settings(max_examples=300, deadline=None)
@given(columns(), st.integers(0, 5), st.integers(0, 5))
def test_duckdb_s_floats_are_the_nearest_floats(
    column: tuple[int, list[Decimal | None]], cut: int, chunks: int
) -> None:
    """Sliced (an offset into the buffer) and chunked arrays included."""
    scale, values = column
    # the declared precision decides whether a value may lie beyond 2**53 units: 15 digits cannot
    fits = all(v is None or abs(v.scaleb(scale, EXACT)) < 10**15 for v in values)
    array = pa.array(values, type=pa.decimal128(15 if fits and scale <= 15 else PRECISION, scale))
    sliced = array.slice(min(cut, len(array)))
    assert _decimal_floats(sliced).tobytes() == _nearest(values[min(cut, len(values)) :])
    pieces = [array.slice(i, chunks + 1) for i in range(0, len(array), chunks + 1)] or [array]
    assert _decimal_floats(pa.chunked_array(pieces, type=array.type)).tobytes() == _nearest(values)


@settings(max_examples=200, deadline=None)
@given(columns())
def test_the_relational_floats_are_the_nearest_floats(column: tuple[int, list[Decimal | None]]) -> None:
    _scale, values = column
    assert decimal_floats(values).tobytes() == _nearest(values)


def test_arrow_s_own_cast_is_not_the_nearest_float() -> None:
    """Why the converter computes from the scaled integers: Arrow's decimal → float64 cast misses
    the nearest float on ordinary premiums (if it ever stops missing, the converter may use it)."""
    values = [Decimal(n).scaleb(-2) for n in range(1, 20_001)]
    array = pa.array(values, type=pa.decimal128(13, 2))
    assert array.cast(pa.float64()).to_numpy().tobytes() != _nearest(values)
    assert _decimal_floats(array).tobytes() == _nearest(values)
