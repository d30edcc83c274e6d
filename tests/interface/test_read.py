"""READ DIRECT, READ SEQUENTIAL, READ SELECTION: codes, order, partial keys."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import pandas.testing as pd_testing
import pytest

from assurdb import RC
from tests.interface.helpers import insured, ok, policy

NAMES = ["DURAND", "DUPONT ANNET", "DUPONT", "dupont", "DUPONT ANNE", "ÉLISE", "ZOÉ", "DUP", "A", "DUPONT ANNET"]


def xl_treaty(*rates: Decimal, priority: Decimal = Decimal("150000.00"), classes: Any = ("FIRE", "ENGI")) -> Any:
    """A per-risk XL: decomposable items (its layer, its premium) and a repetitive one (its
    reinstatement rates: 100 % then ``rates``)."""
    return {
        "code": "XL-1",
        "underwriting_year": 2024,
        "kind": "risk_xl",
        "inception": date(2024, 1, 1),
        "expiry": date(2024, 12, 31),
        "classes": list(classes),
        "layer": {"priority": priority, "limit": Decimal("850000.00")},
        "reinstatement_rates": [Decimal("100.00"), *rates],
        "premium": {"scheme": "flat", "amount": Decimal("1000.00")},
    }


@pytest.fixture
def people(admin: Any) -> Any:
    ok(admin.open_db([("Insured", 2)]))
    ok(admin.write_batch("Insured", [insured(1000 + n, name) for n, name in enumerate(NAMES)]))
    return admin


def test_read_direct(people: Any) -> None:
    reply = people.read_direct("Insured", {"code": 1001})
    assert reply.rc == RC.OK and reply.article["name"] == "DUPONT ANNET"
    assert people.read_direct("Insured", {"code": 9}).rc == RC.NOT_FOUND


def test_read_direct_on_a_non_unique_key_answers_the_first_in_order(people: Any) -> None:
    reply = people.read_direct("Insured", {"name": "DUPONT ANNET"}, key="name")
    assert reply.rc == RC.OK and reply.article["code"] == 1001  # (name, code) order: 1001 before 1009


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("Nope", {"code": 1}), RC.RT_UNKNOWN),
        (("Loss", {"code": "L"}), RC.MODE_FORBIDS),  # not open
        (("Insured", {"code": 1, "colour": "red"}), RC.RT_MISMATCH),  # unknown item
        (("Insured", {"name": "X"}), RC.RT_MISMATCH),  # identifier missing
        (("Insured", ["code", 1]), RC.RT_MISMATCH),  # not an article
        (("Insured", {"code": 1}, "phone"), RC.KEY_NOT_ACCESS),
        (("Insured", {"code": 1}, 7), RC.KEY_NOT_ACCESS),
        (("Insured", {"code": "1"}), RC.VALUE_INVALID),
        (("Insured", {"code": 10**10}), RC.VALUE_INVALID),  # 11 digits in a 10-digit item
        (("Insured", {"code": 1.0}), RC.VALUE_INVALID),
        (("Insured", {"code": True}), RC.VALUE_INVALID),
        (("Insured", {"name": "X" * 26}, "name"), RC.VALUE_INVALID),
        (("Insured", {"name": "A\x00B"}, "name"), RC.VALUE_INVALID),
        (("Insured", {"name": "A\ud800"}, "name"), RC.VALUE_INVALID),
    ],
)
def test_read_direct_refusals(people: Any, args: tuple[Any, ...], code: int) -> None:
    reply = people.read_direct(*args)
    assert reply.rc == code, reply
    assert reply.article is None and reply.message


def test_read_sequential_walks_the_name_key_in_code_point_order(people: Any) -> None:
    seen = []
    reply = people.read_sequential("Insured", {"name": "A"}, key="name")
    while reply.rc == RC.OK:
        seen.append((reply.article["name"], reply.article["code"]))
        reply = people.read_sequential("Insured", reply.article, key="name")
    assert reply.rc == RC.NOT_FOUND
    # code point order, no padding, case-sensitive: "É" and "Z" after ASCII upper case, "d" after both
    expected = sorted((name, 1000 + n) for n, name in enumerate(NAMES))
    assert seen == expected


def test_partial_alphanumeric_value_is_a_prefix(people: Any) -> None:
    reply = people.read_sequential("Insured", {"name": "DUPO"}, key="name")
    assert reply.article["name"] == "DUPONT"
    reply = people.read_sequential("Insured", {"name": "DUPONT A"}, key="name")
    assert reply.article["name"] == "DUPONT ANNE"
    assert people.read_sequential("Insured", {"name": "\uffff"}, key="name").rc == RC.NOT_FOUND
    assert people.read_sequential("Insured", {"name": "zz"}, key="name").article["name"] == "ÉLISE"  # É > z


def test_complete_value_answers_strictly_after(people: Any) -> None:
    # identifier key: the next code
    assert people.read_sequential("Insured", {"code": 1003}).article["code"] == 1004
    # non-identifying key with the identifier: strictly after (name, code)
    reply = people.read_sequential("Insured", {"name": "DUPONT ANNET", "code": 1001}, key="name")
    assert (reply.article["name"], reply.article["code"]) == ("DUPONT ANNET", 1009)


def test_identifier_without_leading_item_is_refused(people: Any) -> None:
    reply = people.read_sequential("Insured", {"code": 1001}, key="name")
    assert reply.rc == RC.RT_MISMATCH


def test_composite_key_by_its_leading_items(admin: Any) -> None:
    ok(admin.open_db([("Insured", 2), ("PRA", 2), ("Guaranty", 2)]))
    ok(admin.write("Insured", insured(1, "A")))
    for number in ("123456-86", "123457-86", "1234"):
        policy(admin, 1, number)
    reply = admin.read_sequential("PRA", {"policy_no": "123456-86"})
    assert (reply.article["policy_no"], reply.article["renewal_no"]) == ("123456-86", 0)
    reply = admin.read_sequential("PRA", {"policy_no": "123456-86", "renewal_no": 0})
    assert reply.article["policy_no"] == "123456-86"
    reply = admin.read_sequential("PRA", {"policy_no": "123456-86", "renewal_no": 0, "endorsement_no": 0})
    assert reply.article["policy_no"] == "123457-86"
    assert admin.read_sequential("PRA", {"policy_no": "123"}).article["policy_no"] == "1234"
    # a later item without an earlier one is not a leading value
    reply = admin.read_sequential("PRA", {"policy_no": "123456-86", "endorsement_no": 0})
    assert reply.rc == RC.RT_MISMATCH
    # numeric items are compared as numbers, never as prefixes
    reply = admin.read_sequential(
        "Guaranty", {"policy_no": "123456-86", "renewal_no": 0, "endorsement_no": 0, "guaranty_no": 0}
    )
    assert reply.article["guaranty_no"] == 1


def test_read_selection_batches_in_key_order(people: Any) -> None:
    reply = people.read_selection("Insured", {"name": ("DUP", "DUPZ")})
    assert reply.rc == RC.OK
    frame = reply.batch
    assert list(frame["name"]) == ["DUP", "DUPONT", "DUPONT ANNE", "DUPONT ANNET", "DUPONT ANNET"]
    assert list(frame["code"]) == [1007, 1002, 1004, 1001, 1009]
    assert str(frame["code"].dtype) == "Int64" and str(frame["name"].dtype) == "string"
    exact = people.read_selection("Insured", {"code": 1005})
    assert list(exact.batch["name"]) == ["ÉLISE"]
    everything = people.read_selection("Insured", {})
    assert list(everything.batch["code"]) == sorted(1000 + n for n in range(len(NAMES)))
    # written out of name order: the selection puts them in order (code points: "É" after "Z", "d" after both)
    by_name = people.read_selection("Insured", {"name": ("A", "\U0010ffff")}).batch
    expected = sorted((name, 1000 + n) for n, name in enumerate(NAMES))
    assert list(zip(by_name["name"], by_name["code"], strict=True)) == expected
    assert len(people.read_selection("Insured", {}, limit=3).batch) == 3


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ({"colour": "x"}, RC.RT_MISMATCH),
        ({"email": "x"}, RC.KEY_NOT_ACCESS),
        ({"code": "x"}, RC.VALUE_INVALID),
        ({"code": (1, 2, 3)}, RC.VALUE_INVALID),
        ({"code": None}, RC.VALUE_INVALID),
        ("name", RC.RT_MISMATCH),
    ],
)
def test_read_selection_refusals(people: Any, criteria: Any, code: int) -> None:
    reply = people.read_selection("Insured", criteria)
    assert reply.rc == code and reply.batch is None


def test_selection_dtypes_are_the_same_on_every_backend(admin: Any) -> None:
    ok(admin.open_db([("Insured", 2), ("PRA", 2), ("Guaranty", 2)]))
    ok(admin.write("Insured", insured(1, "A", birth_date=date(1960, 5, 4), phone=["1", "2"], address={"city": "N"})))
    policy(admin, 1, "P1", premium=Decimal("12.30"))
    frame = admin.read_selection("PRA", {}).batch
    dtypes = {c: str(t) for c, t in frame.dtypes.items()}
    assert dtypes["policy_no"] == "string"
    assert dtypes["renewal_no"] == "Int64"
    assert dtypes["premium"] == "object" and frame["premium"][0] == Decimal("12.30")
    assert dtypes["cover_start"] == "datetime64[s]"
    assert dtypes["accounted_creation"] == "boolean"
    people = admin.read_selection("Insured", {}).batch
    assert people["phone"][0] == ["1", "2"] and people["address"][0]["city"] == "N"


def test_decimals_as_floats_are_the_floats_nearest_to_the_stored_amounts(admin: Any) -> None:
    """``decimals="float"``: every decimal item a ``float64`` column, each value ``float()`` of the
    exact amount (to the bit), NaN for null; every other column as the exact selection gives it."""
    import random

    import numpy as np

    ok(admin.open_db([("Insured", 2), ("PRA", 2), ("Guaranty", 2), ("Treaty", 2)]))
    ok(admin.write("Insured", insured(1, "A")))
    ok(admin.write("Treaty", xl_treaty(Decimal("50.30"), priority=Decimal("150000.10"), classes=[])))
    draw = random.Random(22)
    amounts = [Decimal("0.10"), Decimal("0.30"), Decimal("12.30"), Decimal("99999999999.99"), Decimal("0.00")]
    amounts += [Decimal(draw.randrange(10 ** draw.randint(1, 13))).scaleb(-2) for _ in range(20)]
    for n, amount in enumerate(amounts):
        big = Decimal(draw.randrange(10**15)).scaleb(-2)
        policy(admin, 1, f"F{n:03}", premium=amount, sum_insured=big, commission_rate=Decimal(n % 100))
    for rt in ("PRA", "Guaranty", "Treaty"):
        exact = ok(admin.read_selection(rt, {})).batch
        floats = ok(admin.read_selection(rt, {}, decimals="float")).batch
        decimal = list(admin.records[rt].decimal_items)
        assert decimal and len(floats) == len(exact)
        pd_testing.assert_frame_equal(floats.drop(columns=decimal), exact.drop(columns=decimal), check_exact=True)
        for item in decimal:
            assert str(floats[item].dtype) == "float64", item
            nearest = np.array([np.nan if v is None else float(v) for v in exact[item]], dtype=np.float64)
            assert nearest.tobytes() == floats[item].to_numpy().tobytes(), item
    assert ok(admin.read_selection("Guaranty", {}, decimals="float")).batch["damage_amount"].isna().all()
    # a decomposable item's dict and a repetitive item's list keep their Decimals (compared above)
    treaties = ok(admin.read_selection("Treaty", {}, decimals="float")).batch
    assert treaties["layer"][0]["priority"] == Decimal("150000.10")
    assert treaties["reinstatement_rates"][0] == [Decimal("100.00"), Decimal("50.30")]
    assert sorted(ok(admin.read_selection("PRA", {}, decimals="float")).batch["premium"]) == sorted(map(float, amounts))


@pytest.mark.parametrize("decimals", ["double", "Float", None, 1])
def test_decimals_other_than_exact_or_float_are_refused(people: Any, decimals: Any) -> None:
    reply = people.read_selection("Insured", {}, decimals=decimals)
    assert reply.rc == RC.VALUE_INVALID and reply.batch is None
    assert "decimals must be one of 'exact', 'float'" in reply.message


def test_a_selection_s_rows_are_read_direct_s_articles(admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """READ SELECTION builds its frame column by column (a column's values decoded at once on a
    relational DBMS, Arrow's columns on DuckDB): its rows, as articles, are what READ DIRECT answers —
    every item shape (lists, dicts, decimals, dates, flags), with nulls and empty ones; an empty
    selection keeps every column's dtype."""
    from assurdb.domain.frames import articles
    from assurdb.runtime.specs import _decode_by_rows

    ok(admin.open_db([("Insured", 2), ("PRA", 2), ("Guaranty", 2), ("ExtCompany", 2), ("Treaty", 2)]))
    ok(admin.write("Insured", insured(1, "A", birth_date=date(1960, 5, 4), phone=["1", "2"], address={"city": "N"})))
    ok(admin.write("Insured", insured(2, "B")))
    ok(admin.write("Insured", insured(3, "C", phone=[], address={"street": None, "city": None})))
    policy(admin, 1, "P1", premium=Decimal("12.30"), guaranties=2)
    policy(admin, 2, "P2", premium=Decimal("0.05"), cancellation_date=date(2024, 6, 30), accounted_creation=True)
    ok(admin.write("ExtCompany", {"code": "RE1", "name": "RE ONE", "country": "DE", "kind": "reinsurer"}))
    treaty = xl_treaty(Decimal("50.00"))
    ok(admin.write("Treaty", treaty))
    ok(admin.write("Treaty", {**treaty, "code": "QS-1", "kind": "quota_share", "classes": [], "layer": None}))
    for rt in ("Insured", "PRA", "Guaranty", "Treaty"):
        ident = admin.records[rt].ident
        rows = articles(ok(admin.read_selection(rt, {})).batch)
        assert len(rows) >= 2
        for row in rows:
            direct = ok(admin.read_direct(rt, {i: row[i] for i in ident})).article
            assert row == direct
            assert [type(v) for v in row.values()] == [type(v) for v in direct.values()]
            decimals = [(k, v.as_tuple()) for k, v in row.items() if isinstance(v, Decimal)]
            assert decimals == [(k, v.as_tuple()) for k, v in direct.items() if isinstance(v, Decimal)]
    full = ok(admin.read_selection("PRA", {})).batch
    empty = ok(admin.read_selection("PRA", {"policy_no": "NONE"})).batch
    assert len(empty) == 0 and empty.dtypes.to_dict() == full.dtypes.to_dict()
    # an interface generated before decode_columns decodes row by row: the same frames
    by_columns = [ok(admin.read_selection(rt, {})).batch for rt in ("Insured", "PRA", "Guaranty", "Treaty")]
    for rt in ("Insured", "PRA", "Guaranty", "Treaty"):
        spec = admin.records[rt]
        monkeypatch.setattr(spec, "decode_columns", partial(_decode_by_rows, spec.decode, spec.item_order))
    by_rows = [ok(admin.read_selection(rt, {})).batch for rt in ("Insured", "PRA", "Guaranty", "Treaty")]
    for ours, theirs in zip(by_columns, by_rows, strict=True):
        pd_testing.assert_frame_equal(ours, theirs, check_exact=True)


@pytest.mark.parametrize("backend", ["duckdb"])
def test_a_columnar_selection_is_the_frame_rows_would_give(admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB answers READ SELECTION from Arrow columns: the same frame, dtypes and Python values
    as decoding its rows one by one — every item shape, with nulls, and an empty selection."""
    ok(admin.open_db([("Insured", 2), ("PRA", 2), ("Guaranty", 2), ("ExtCompany", 2), ("Treaty", 2)]))
    ok(admin.write("Insured", insured(1, "A", birth_date=date(1960, 5, 4), phone=["1", "2"], address={"city": "N"})))
    ok(admin.write("Insured", insured(2, "B")))  # every optional item empty
    ok(admin.write("Insured", insured(3, "C", phone=[], address={"street": None, "city": None})))
    policy(admin, 1, "P1", premium=Decimal("12.30"), guaranties=2)
    ok(admin.write("ExtCompany", {"code": "RE1", "name": "RE ONE", "country": "DE", "kind": "reinsurer"}))
    treaty = xl_treaty()
    reply = admin.write("Treaty", treaty)
    assert reply.ok, reply
    criteria = [("Insured", {}), ("PRA", {}), ("Guaranty", {}), ("Treaty", {}), ("Insured", {"code": 99})]
    columnar = [admin.read_selection(rt, c).batch for rt, c in criteria]
    monkeypatch.setattr(type(admin.backend), "select_frame", lambda *args, **kwargs: None)
    by_rows = [admin.read_selection(rt, c).batch for rt, c in criteria]

    def values(frame: Any) -> list[list[Any]]:
        return frame.astype(object).where(frame.notna(), None).values.tolist()

    for ours, theirs in zip(columnar, by_rows, strict=True):
        pd_testing.assert_frame_equal(ours, theirs, check_exact=True)
        assert values(ours) == values(theirs)
        assert [[type(v) for v in row] for row in values(ours)] == [[type(v) for v in row] for row in values(theirs)]
    assert len(columnar[0]) == 3 and columnar[0]["phone"].tolist() == [["1", "2"], [], []]
    assert columnar[0]["address"].tolist()[1:] == [None, None]
    assert columnar[3]["layer"][0]["limit"] == Decimal("850000.00") and len(columnar[4]) == 0


def test_a_selection_sees_every_commit_and_nothing_else(db: Any, admin: Any, backend: str) -> None:
    """READ SELECTION again while the first frame is held (DuckDB then reuses it): the same frame,
    a copy its reader may change; another session's commit, rewrite or rollback, and the reader's
    own unit of work, are seen as they are."""
    from tests.conftest import ADMIN_PASSWORD

    def company(code: str, name: str) -> dict[str, Any]:
        return {"code": code, "name": name, "country": "BE"}

    def names() -> list[str]:
        return admin.read_selection("ExtCompany", {}).batch["name"].tolist()  # type: ignore[no-any-return]

    other = db.login("admin", ADMIN_PASSWORD)
    try:
        ok(other.open_db([("ExtCompany", 2)]))
        ok(admin.open_db([("ExtCompany", 1)]))
        ok(other.write_batch("ExtCompany", [company("A", "ALPHA"), company("B", "BETA")]))
        first = admin.read_selection("ExtCompany", {}).batch
        again = admin.read_selection("ExtCompany", {}).batch
        if backend == "duckdb":
            assert len(admin.backend.frames) == 1  # reused while ``first`` is held
        pd_testing.assert_frame_equal(again, first)
        again.loc[0, "name"] = "CHANGED"
        again["extra"] = 1
        pd_testing.assert_frame_equal(admin.read_selection("ExtCompany", {}).batch, first)
        assert first["name"].tolist() == ["ALPHA", "BETA"]
        ok(other.write("ExtCompany", company("C", "GAMMA")))
        assert names() == ["ALPHA", "BETA", "GAMMA"]
        ok(other.rewrite("ExtCompany", {"code": "A", "name": "OMEGA"}))
        assert names() == ["OMEGA", "BETA", "GAMMA"]
        ok(other.begin())
        ok(other.write("ExtCompany", company("D", "DELTA")))
        assert names() == ["OMEGA", "BETA", "GAMMA"]  # not committed
        ok(other.rollback())
        assert names() == ["OMEGA", "BETA", "GAMMA"]
        ok(other.close_db())
        ok(admin.open_db([("ExtCompany", 2)]))
        held = admin.read_selection("ExtCompany", {}).batch
        ok(admin.begin())
        ok(admin.write("ExtCompany", company("E", "EPSILON")))
        assert names() == ["OMEGA", "BETA", "GAMMA", "EPSILON"]  # its own unit
        ok(admin.rollback())
        pd_testing.assert_frame_equal(admin.read_selection("ExtCompany", {}).batch, held)
        assert admin.read_selection("ExtCompany", {"code": "B"}).batch["name"].tolist() == ["BETA"]
        del first, again, held
        if backend == "duckdb":
            assert not admin.backend.frames  # nobody holds a frame: nothing kept
    finally:
        other.close()


def test_two_connections_of_one_database_see_each_other_s_commits(db: Any, admin: Any) -> None:
    """Two ``assurdb.connect`` of the same database in one process (on DuckDB, one instance of the
    file): what one commits, the other's READ SEQUENTIAL and READ SELECTION see at once."""
    import assurdb
    from tests.conftest import ADMIN_PASSWORD

    second = assurdb.connect(db.url)
    other = second.login("admin", ADMIN_PASSWORD)
    try:
        ok(other.open_db([("ExtCompany", 2)]))
        ok(admin.open_db([("ExtCompany", 1)]))
        ok(other.write("ExtCompany", {"code": "B", "name": "BETA", "country": "BE"}))
        assert admin.read_sequential("ExtCompany", {"code": ""}).article["code"] == "B"
        held = admin.read_selection("ExtCompany", {}).batch
        ok(other.write("ExtCompany", {"code": "A", "name": "ALPHA", "country": "BE"}))
        assert admin.read_sequential("ExtCompany", {"code": ""}).article["code"] == "A"
        assert admin.read_selection("ExtCompany", {}).batch["code"].tolist() == ["A", "B"]
        assert held["code"].tolist() == ["B"]
    finally:
        other.close()
        second.close()
