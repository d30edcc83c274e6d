"""WRITE BATCH checks a batch's values column by column (whole columns at once, on Arrow arrays for
text and integers, once per distinct value for decimals that repeat): a value the columns refuse is
named by the article-by-article check, so a DataFrame and the same rows as dicts answer the same code,
message and position — the first refused article — for a bad value in a column of every item type."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from assurdb import RC
from tests.interface.helpers import ok

#: more articles than the decimal check samples (1 000): its repeating decimals are taken per
#: distinct value, its text and integers as Arrow arrays
N = 1_200
SHARES = (Decimal("25"), Decimal("12.5"), Decimal("33.3333"), 100)


@pytest.fixture
def s(admin: Any) -> Any:
    ok(admin.open_db([("Treaty", 2), ("Worker", 2), ("Insured", 2)]))
    return admin


def treaties(n: int = N) -> list[dict[str, Any]]:
    return [
        {
            "code": f"T{k:05d}",
            "name": f"TREATY {k}",
            "underwriting_year": 2000 + k % 25,
            "kind": "quota_share",
            "inception": date(2000 + k % 25, 1, 1),
            "expiry": date(2000 + k % 25, 12, 31),
            "share_pct": SHARES[k % len(SHARES)],
            "retention": Decimal(1000 + k).scaleb(-2),
            "classes": ["FIRE", "MOTOR"][: k % 3],
            "layer": {"priority": Decimal(1000), "limit": Decimal(5000)} if k % 2 else None,
        }
        for k in range(n)
    ]


def workers(n: int = N) -> list[dict[str, Any]]:
    return [{"code": f"W{k:06d}", "name": f"WORKER {k}", "part_time": k % 3 == 0} for k in range(n)]


def _answers(s: Any, rt: str, rows: list[dict[str, Any]]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    by_rows = s.write_batch(rt, rows)
    try:
        frame = pd.DataFrame(rows)
    except UnicodeEncodeError:  # pandas' own text dtype cannot hold an unpaired surrogate
        frame = pd.DataFrame(rows, dtype=object)
    by_frame = s.write_batch(rt, frame)
    return (by_rows.rc, by_rows.position, by_rows.message), (by_frame.rc, by_frame.position, by_frame.message)


BAD_TREATIES = [
    ("code", "X" * 21),  # text: too long
    ("name", "A\x00B"),  # text: a NUL character
    ("name", "\ud800"),  # text: an unpaired surrogate
    ("name", 12),  # text: not text
    ("kind", None),  # a mandatory item left empty
    ("underwriting_year", 10_000),  # numeric: too many digits
    ("underwriting_year", 2**70),  # numeric: past 64 bits
    ("underwriting_year", "2024"),  # numeric: not a number
    ("share_pct", Decimal("1.23456")),  # decimal: past its scale
    ("share_pct", Decimal(1000)),  # decimal: too many digits before the point
    ("share_pct", Decimal("NaN")),  # decimal: not finite
    ("retention", "12.5"),  # decimal: not a number
    ("inception", datetime(2024, 1, 1, 10, 30)),  # date: a time of day
    ("inception", "2024-01-01"),  # date: text
    ("classes", ["FIRE"] * 7),  # repetitive: too many occurrences
    ("classes", ["FIRE", None]),  # repetitive: a null occurrence
    ("classes", ["X" * 13]),  # repetitive: an occurrence too long
    ("layer", {"priority": Decimal(1), "cap": Decimal(2)}),  # decomposable: an unknown sub-item
    ("layer", {"priority": Decimal("0.001")}),  # decomposable: a sub-item past its scale
]


@pytest.mark.parametrize(("item", "bad"), BAD_TREATIES, ids=[f"{i}-{n}" for n, (i, _) in enumerate(BAD_TREATIES)])
def test_a_bad_value_is_refused_alike_in_rows_and_in_a_frame(s: Any, item: str, bad: Any) -> None:
    rows = treaties()
    rows[700][item] = bad
    by_rows, by_frame = _answers(s, "Treaty", rows)
    assert by_rows[:2] == (RC.VALUE_INVALID, 700), by_rows
    assert by_frame == by_rows
    rows[300]["share_pct"] = Decimal("0.00001")  # an earlier refused article answers first
    by_rows, by_frame = _answers(s, "Treaty", rows)
    assert by_rows[:2] == (RC.VALUE_INVALID, 300), by_rows
    assert by_frame == by_rows
    assert len(s.read_selection("Treaty", {}).batch) == 0


@pytest.mark.parametrize("bad", ["yes", 1, Decimal(1)])
def test_a_bad_boolean_is_refused_alike_in_rows_and_in_a_frame(s: Any, bad: Any) -> None:
    rows = workers()
    rows[900]["part_time"] = bad
    by_rows, by_frame = _answers(s, "Worker", rows)
    assert by_rows[:2] == (RC.VALUE_INVALID, 900), by_rows
    assert by_frame == by_rows


def test_a_batch_checked_by_columns_stores_what_the_rows_would(s: Any) -> None:
    """The column checks' canonical values (decimals quantized once per distinct value, lists built
    from their occurrences) are what one article at a time would store."""
    rows = treaties()
    ok(s.begin())
    for article in rows[:50]:
        ok(s.write("Treaty", article))
    one_by_one = s.read_selection("Treaty", {}).batch
    ok(s.rollback())
    ok(s.write_batch("Treaty", pd.DataFrame(rows)))
    by_frame = s.read_selection("Treaty", {}).batch
    pd.testing.assert_frame_equal(by_frame.iloc[:50].reset_index(drop=True), one_by_one)
    assert [str(v) for v in by_frame["share_pct"].iloc[:4]] == ["25.0000", "12.5000", "33.3333", "100.0000"]
    assert by_frame["classes"].iloc[:3].tolist() == [[], ["FIRE"], ["FIRE", "MOTOR"]]


@pytest.mark.parametrize(
    ("item", "dtype", "bad"),
    [
        ("underwriting_year", "Int64", pd.NA),  # a mandatory item empty, in pandas' nullable integers
        ("underwriting_year", "Int64", 10_000),  # too many digits
        ("kind", "string", pd.NA),  # a mandatory item empty, in pandas' Arrow text
        ("name", "string", "N" * 41),  # too long
        ("name", "string[python]", "A\x00"),  # a NUL character, in pandas' Python text
    ],
)
def test_a_typed_frame_is_refused_as_its_rows(s: Any, item: str, dtype: str, bad: Any) -> None:
    """A frame of pandas' own dtypes (Arrow text, nullable integers: the values checked on the
    frame's Arrow array) answers as the rows with the same values, a missing value as None."""
    rows = treaties()
    frame = pd.DataFrame(rows).astype({item: dtype})
    frame.loc[500, item] = bad
    rows[500][item] = None if bad is pd.NA else bad
    by_rows, by_frame = s.write_batch("Treaty", rows), s.write_batch("Treaty", frame)
    assert (by_rows.rc, by_rows.position) == (RC.VALUE_INVALID, 500), by_rows
    assert (by_frame.rc, by_frame.position, by_frame.message) == (by_rows.rc, by_rows.position, by_rows.message)


def _arrow_decimals(values: list[Any], scale: int) -> pd.Series:
    """A column of decimals as pandas holds Arrow's (``decimal128(18, scale)``), as the engine hands
    its figures to WRITE BATCH (:func:`assurdb.metadb.frames.decimal_series`)."""
    import pyarrow as pa

    return pd.Series(values, dtype=pd.ArrowDtype(pa.decimal128(18, scale)))


@pytest.mark.parametrize(
    ("bad", "scale"),
    [
        (Decimal("1.23456"), 5),  # past the item's scale
        (Decimal(1000), 4),  # too many digits before the point
        (Decimal("-100000.5"), 4),  # too many digits before the point, negative
        (None, 4),  # a missing value: accepted, or refused as the rows' None is
    ],
)
def test_an_arrow_decimal_column_is_refused_as_its_rows(s: Any, bad: Any, scale: int) -> None:
    """A frame's column of Arrow decimals is checked on its array (cast to the item's precision and
    scale), and answers the code, message and position the same values as ``Decimal`` objects do."""
    rows = treaties()
    rows[600]["share_pct"] = bad
    frame = pd.DataFrame(rows)
    frame["share_pct"] = _arrow_decimals([r["share_pct"] for r in rows], scale)
    answers = []
    for given in (rows, frame):  # each in a unit undone: an accepted batch must not clash with the next
        ok(s.begin())
        answers.append(s.write_batch("Treaty", given))
        ok(s.rollback())
    by_rows, by_frame = answers
    assert (by_frame.rc, by_frame.position, by_frame.message) == (by_rows.rc, by_rows.position, by_rows.message)
    if bad is not None:
        assert (by_rows.rc, by_rows.position) == (RC.VALUE_INVALID, 600), by_rows
        assert len(s.read_selection("Treaty", {}).batch) == 0


def test_an_arrow_decimal_column_stores_what_the_rows_would(s: Any) -> None:
    """Arrow decimals of any scale that fits the item (here 6 decimals, trailing zeros) store the
    values the same ``Decimal`` objects would, a missing value as None."""
    rows = treaties()
    rows[7]["retention"] = None
    ok(s.begin())
    ok(s.write_batch("Treaty", rows))
    by_rows = s.read_selection("Treaty", {}).batch
    ok(s.rollback())
    frame = pd.DataFrame(rows)
    frame["share_pct"] = _arrow_decimals([Decimal(r["share_pct"]) for r in rows], 6)
    frame["retention"] = _arrow_decimals([r["retention"] for r in rows], 2)
    ok(s.write_batch("Treaty", frame))
    by_frame = s.read_selection("Treaty", {}).batch
    pd.testing.assert_frame_equal(by_frame, by_rows)
    assert by_frame["retention"].iloc[7] is None or pd.isna(by_frame["retention"].iloc[7])


def _in_unit(s: Any, given: Any) -> Any:
    """WRITE BATCH's answer in a unit undone: an accepted batch must not clash with the next."""
    ok(s.begin())
    try:
        return s.write_batch("Treaty", given)
    finally:
        ok(s.rollback())


@pytest.mark.parametrize(
    ("item", "dtype", "bad"),
    [
        ("underwriting_year", "string", "2024"),  # text where a number is wanted
        ("name", "Int64", 12),  # a number where text is wanted
        ("kind", "Int64", 3),  # the same, in a mandatory item
        ("share_pct", "string", "12.5"),  # text where a decimal is wanted
    ],
)
def test_an_arrow_column_of_another_type_is_refused_as_its_rows(s: Any, item: str, dtype: str, bad: Any) -> None:
    """A column pandas holds as an Arrow array (text, integers) given for an item of another type is
    checked value by value, as the rows are: the same code, message and position."""
    rows = treaties(40)
    for row in rows:
        row[item] = bad
    frame = pd.DataFrame(rows)
    frame[item] = pd.Series([bad] * len(rows), dtype=dtype)
    by_rows, by_frame = _in_unit(s, rows), _in_unit(s, frame)
    assert (by_rows.rc, by_rows.position) == (RC.VALUE_INVALID, 0), by_rows
    assert (by_frame.rc, by_frame.position, by_frame.message) == (by_rows.rc, by_rows.position, by_rows.message)


@pytest.mark.parametrize(
    ("at", "bad"),
    [
        (650, "A\x00B"),  # a NUL in the batch's part of the column
        (100, "A\x00B"),  # a NUL before it, in the frame only: not the batch's
        (650, "N" * 41),  # too long
        (650, "Ä" * 21),  # 42 bytes, 21 characters: fits
    ],
)
def test_a_slice_of_an_arrow_text_column_is_checked_on_its_own_values(s: Any, at: int, bad: str) -> None:
    """A frame's rows taken from the middle (``iloc``: pandas' Arrow text then starts inside its
    buffer) are checked on their own values only, and answer as the same rows given as dicts."""
    rows = treaties()
    rows[at]["name"] = bad
    frame = pd.DataFrame(rows).iloc[600:].reset_index(drop=True)
    assert isinstance(frame["name"].dtype, pd.StringDtype)  # pandas' text: an Arrow array
    by_rows, by_frame = _in_unit(s, rows[600:]), _in_unit(s, frame)
    assert (by_frame.rc, by_frame.position, by_frame.message) == (by_rows.rc, by_rows.position, by_rows.message)
    assert by_rows.rc == (RC.VALUE_INVALID if at >= 600 and bad != "Ä" * 21 else RC.OK), by_rows


@pytest.mark.parametrize("shuffled", [False, True])
def test_an_arrow_identifier_given_twice_is_refused_as_in_the_rows(s: Any, shuffled: bool) -> None:
    """Identifiers held as Arrow text, in increasing order or not, one of them given twice: the
    same refusal, at the same article, as the rows."""
    rows = treaties()
    if shuffled:
        rows = rows[::7] + [r for k, r in enumerate(rows) if k % 7]
    rows[900] = {**rows[900], "code": rows[899]["code"]}
    frame = pd.DataFrame(rows)
    assert isinstance(frame["code"].dtype, pd.StringDtype)
    by_rows, by_frame = _in_unit(s, rows), _in_unit(s, frame)
    assert (by_rows.rc, by_rows.position) == (RC.ALREADY_EXISTS, 900), by_rows
    assert (by_frame.rc, by_frame.position, by_frame.message) == (by_rows.rc, by_rows.position, by_rows.message)


def test_arrow_text_and_integer_columns_store_what_the_rows_would(s: Any) -> None:
    """Columns of pandas' Arrow text and nullable integers, a value missing in each, store the
    values the same rows as dicts would, a missing value as None."""
    rows = treaties(300)
    rows[7]["name"] = None
    ok(s.begin())
    ok(s.write_batch("Treaty", rows))
    by_rows = s.read_selection("Treaty", {}).batch
    ok(s.rollback())
    frame = pd.DataFrame(rows).astype({"code": "string", "name": "string", "underwriting_year": "Int64"})
    ok(s.write_batch("Treaty", frame))
    pd.testing.assert_frame_equal(s.read_selection("Treaty", {}).batch, by_rows)
