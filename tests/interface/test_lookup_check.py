"""A record type's ``lookup`` (the check of a key value READ DIRECT and READ SEQUENTIAL are given,
generated for mode LOOKUP alone) answers what its ``check(article, LOOKUP, False)`` answers: the same
values in the same order, or the same refusal — for every record type of both shipped interfaces."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assurdb.generated.exchange import shapes as exchange_shapes
from assurdb.generated.insurance import shapes as insurance_shapes
from assurdb.runtime.specs import LOOKUP, RecordShape

SHAPES: list[RecordShape] = [*insurance_shapes.RECORDS.values(), *exchange_shapes.RECORDS.values()]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**19), 10**19),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, places=3, min_value=-(10**6), max_value=10**6),
    st.text(max_size=30),
    st.sampled_from(["", "A", "x" * 8, "é", "a\x00b", "2024-02-29", "P1"]),
    st.dates(),
    st.datetimes(),
)
values = st.one_of(
    scalars,
    st.lists(st.one_of(scalars, st.none()), max_size=5),
    st.tuples(st.text(max_size=3)),
    st.dictionaries(st.sampled_from(["street", "city", "country", "postcode", "other"]), scalars, max_size=3),
)


@st.composite
def articles(draw: st.DrawFn, shape: RecordShape) -> dict[str, Any]:
    names = [i.name for i in shape.item_list]
    chosen = draw(st.lists(st.sampled_from([*names, "unknown"]), max_size=len(names) + 1, unique=True))
    return {name: draw(values) for name in chosen}


def _same(shape: RecordShape, article: dict[str, Any]) -> None:
    assert shape.lookup is not None
    expected = shape.check(article, LOOKUP, False)
    got = shape.lookup(article)
    assert got == expected
    if isinstance(expected, dict):
        assert list(got) == list(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_lookup_answers_what_check_answers_in_mode_lookup(shape: RecordShape, data: st.DataObject) -> None:
    _same(shape, data.draw(articles(shape)))


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_lookup_of_valid_and_empty_articles(shape: RecordShape) -> None:
    typical = {
        "numeric": 7,
        "decimal": Decimal("1.5"),
        "alphanumeric": "A1",
        "boolean": True,
        "date": date(1986, 6, 30),
    }
    article: dict[str, Any] = {}
    for item in shape.item_list:
        if item.decomposable:
            article[item.name] = {item.sub_items[0].name: typical.get(str(item.sub_items[0].type))}
        elif item.repetitive:
            article[item.name] = [typical.get(str(item.type))]
        else:
            article[item.name] = typical.get(str(item.type))
    _same(shape, article)
    _same(shape, {})
    _same(shape, dict.fromkeys(article))
    _same(shape, {name: [] for name in article})
    _same(shape, {name: datetime(1986, 6, 30, 12) for name in article})
