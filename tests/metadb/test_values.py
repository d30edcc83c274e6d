"""The value rules are written once (``assurdb.metadb.values``) and used in three shapes — the full
rule, the generated inline fast test and the column-wise batch check: they must agree."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assurdb.metadb.model import Item, named
from assurdb.metadb.values import (
    ArrowIntegers,
    ArrowTexts,
    arrow_columns,
    check_columns,
    check_given_columns,
    check_value,
    fast_test,
)

ITEMS = [
    Item("n", "numeric", length=4),
    Item("d", "decimal", length=6, scale=2),
    Item("t", "alphanumeric", length=5),
    Item("b", "boolean"),
    Item("day", "date"),
    Item("many", "numeric", length=3, repetitive=3),
    Item("addr", None, sub_items=named([Item("street", "alphanumeric", length=4), Item("zip", "numeric", length=4)])),
]


class _Code(str):
    """A ``str`` subclass (an enumeration's member would be one): text to the rule, given back as it is."""


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-20_000, 20_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, places=3, min_value=-20_000, max_value=20_000),
    st.text(max_size=7),
    st.builds(_Code, st.text(max_size=6)),
    st.dates(),
    st.datetimes(),
    st.lists(st.one_of(st.integers(-2000, 2000), st.none(), st.text(max_size=2)), max_size=4),
    st.dictionaries(
        st.sampled_from(["street", "zip", "other"]),
        st.one_of(st.none(), st.integers(0, 99_999), st.text(max_size=6)),
        max_size=3,
    ),
)


def _fast(item: Item, value: Any) -> bool | None:
    test = fast_test(item)
    if test is None:
        return None
    return bool(eval(test, {"date": date}, {"v": value}))  # the expression the generator writes inline


@settings(max_examples=400, deadline=None)
@given(index=st.integers(0, len(ITEMS) - 1), value=values)
def test_the_fast_test_accepts_only_what_the_rule_accepts_unchanged(index: int, value: Any) -> None:
    item = ITEMS[index]
    if _fast(item, value):
        assert check_value(item, value) == (value, None)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(ITEMS) - 1), column=st.lists(values, min_size=1, max_size=5))
def test_the_column_check_agrees_with_the_rule(index: int, column: list[Any]) -> None:
    item = ITEMS[index]
    articles = [{item.name: v} for v in column]
    checked = check_columns([item], articles, frozenset([item.name]))
    # the same batch given as columns (a DataFrame's): the same answer
    assert check_given_columns([item], {item.name: column}, len(column), frozenset([item.name])) == checked
    answers = [check_value(item, v) for v in column]
    if checked is None:
        return  # the article-by-article path decides (it may well accept: floats, datetimes…)
    assert all(error is None for _, error in answers), (column, answers)
    expected = [[] if item.repetitive and v is None else v for v, _ in answers]
    got = checked[item.name]
    assert (got.checked() if item.decomposable else got) == expected  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None)
@given(index=st.integers(0, len(ITEMS) - 1), column=st.lists(values, min_size=1, max_size=5))
def test_the_column_check_of_a_long_column_agrees_with_the_rule(index: int, column: list[Any]) -> None:
    """Past a thousand values, repeating decimals are checked once per distinct value; text and
    integers are checked on Arrow arrays whatever the length: the same answers as the rule's."""
    item = ITEMS[index]
    long = column * (1001 // len(column) + 1)
    checked = check_columns([item], [{item.name: v} for v in long], frozenset([item.name]))
    answers = [check_value(item, v) for v in column]
    if checked is None:
        return
    assert all(error is None for _, error in answers), (column, answers)
    expected = [[] if item.repetitive and v is None else v for v, _ in answers] * (len(long) // len(column))
    got = checked[item.name]
    assert (got.checked() if item.decomposable else got) == expected  # type: ignore[attr-defined]


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["t", "n"]),
    column=st.lists(st.one_of(st.none(), st.text(max_size=7), st.integers(-20_000, 20_000)), min_size=1, max_size=6),
    pad=st.integers(0, 3),
    large=st.booleans(),
)
def test_an_arrow_column_is_checked_as_its_values_are(kind: str, column: list[Any], pad: int, large: bool) -> None:
    """A column held as an Arrow array (a DataFrame's text or integers), starting anywhere in its
    buffers (a slice): settled on the array when the rule accepts every value, else left to the
    article-by-article check — the answers of the same values in a list."""
    import pyarrow as pa
    from hypothesis import assume

    item = next(i for i in ITEMS if i.name == kind)
    python = str if kind == "t" else int
    assume(all(v is None or type(v) is python for v in column))
    try:
        padding: list[Any] = ["" if kind == "t" else 0] * pad  # values before the slice the column is
        text = pa.large_string() if large else pa.string()  # pandas' own text is large_string
        array = pa.array(padding + column, type=text if kind == "t" else pa.int64())
    except (UnicodeEncodeError, pa.ArrowException):
        assume(False)  # an unpaired surrogate: Arrow holds no such text
        raise
    arrow = (ArrowTexts if kind == "t" else ArrowIntegers)(array.slice(pad))
    checked = check_given_columns([item], {kind: arrow}, len(column), frozenset([kind]))
    answers = [check_value(item, v) for v in column]
    if checked is None:
        assert any(error is not None for _, error in answers), (column, answers)
        return
    assert all(error is None for _, error in answers), (column, answers)
    assert list(checked[kind]) == [v for v, _ in answers]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.dictionaries(
            st.sampled_from(["t", "n", "b", "x"]),
            st.one_of(
                st.none(),
                st.text(max_size=7),
                st.integers(-20_000, 20_000),
                st.integers(2**62, 2**65),
                st.booleans(),
                st.floats(allow_nan=False, max_value=10, min_value=-10),
                st.binary(max_size=3),
                st.builds(_Code, st.text(max_size=3)),
                st.dates(),
            ),
            min_size=1,
            max_size=3,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_batch_read_into_arrow_is_checked_as_its_values_are(rows: list[dict[str, Any]]) -> None:
    """A batch of dicts read into Arrow at once (DuckDB's WRITE BATCH): taken only when every article
    gives the same text and integer items, Arrow reading each column as the item's type; then checked
    on its arrays to the values the rule gives each article's, or left to the article-by-article check."""
    items = [i for i in ITEMS if i.name in ("t", "n", "b")]
    known = frozenset(i.name for i in items)
    taken = arrow_columns(items, rows)
    if taken is None:
        return
    assert all(set(row) == set(rows[0]) for row in rows), rows
    assert set(rows[0]) <= {"t", "n"}, rows
    checked = check_given_columns(items, taken, len(rows), known)
    by_name = {i.name: i for i in items}
    answers = {name: [check_value(by_name[name], row[name]) for row in rows] for name in rows[0]}
    if checked is None:
        assert any(error is not None for column in answers.values() for _, error in column), rows
        return
    for name, column in answers.items():
        assert all(error is None for _, error in column), rows
        assert list(checked[name]) == [v for v, _ in column], rows


def test_a_batch_read_into_arrow_known_answers() -> None:
    items = [i for i in ITEMS if i.name in ("t", "n", "b")]
    taken = arrow_columns(items, [{"t": "ab", "n": 1}, {"n": 2, "t": None}, {"t": _Code("c"), "n": 3}])
    assert taken is not None and isinstance(taken["t"], ArrowTexts) and isinstance(taken["n"], ArrowIntegers)
    assert list(taken["t"]) == ["ab", None, "c"] and list(taken["n"]) == [1, 2, 3]
    assert arrow_columns(items, [{"t": "a"}, {"n": None}]) is None  # not the same items
    assert arrow_columns(items, [{"t": "a"}, {"t": "b", "n": 1}]) is None  # one more item than the first
    assert arrow_columns(items, [{"n": 1}, {"n": True}]) is None  # a bool among integers
    assert arrow_columns(items, [{"t": "a"}, {"t": b"b"}]) is None  # bytes among text
    assert arrow_columns(items, [{"n": None}, {"n": None}]) is None  # nothing but nulls
    assert arrow_columns(items, [{"t": "a", "b": True}]) is None  # an item of another type
    assert arrow_columns(items, [{"t": "a"}, [("t", "b")]]) is None  # an article that is not a dict
    assert arrow_columns(items, []) is None


def test_known_answers() -> None:
    n, d, t = ITEMS[0], ITEMS[1], ITEMS[2]
    assert _fast(n, 9999) and not _fast(n, 10_000) and not _fast(n, True)
    assert check_value(d, 1.1) == (Decimal("1.10"), None)
    assert check_value(d, Decimal("1.005"))[1] == "item 'd' keeps 2 decimal(s), got 1.005"
    assert _fast(t, "abc") and not _fast(t, "abcdef") and not _fast(t, "é")
    assert check_value(t, "a\x00")[1] == "item 't': text may not contain a NUL character"
    assert check_value(ITEMS[4], datetime(2024, 1, 1)) == (date(2024, 1, 1), None)
    assert check_columns([d], [{"d": 1}, {"d": Decimal("2.5")}], frozenset("d")) == {
        "d": [Decimal("1.00"), Decimal("2.50")]
    }
    assert check_columns([d], [{"d": 1.5}], frozenset("d")) is None  # floats: article by article
    addr = ITEMS[6]
    columns = check_columns([addr], [{"addr": {"street": "x"}}, {"addr": {}}], frozenset(["addr"]))
    assert columns is not None
    assert columns["addr"].parts == [["x", None], [None, None]]  # type: ignore[attr-defined]
    assert columns["addr"].checked() == [{"street": "x", "zip": None}, None]  # type: ignore[attr-defined]
