"""WRITE, WRITE BATCH, REWRITE, DELETE: codes, values kept exactly, all or none."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from assurdb import RC
from tests.interface.helpers import PRA_ID, insured, ok, policy, pra


@pytest.fixture
def s(admin: Any) -> Any:
    ok(admin.open_db([("Insured", 2), ("PRA", 2), ("Guaranty", 2), ("Loss", 2), ("Account", 2), ("Entry", 2)]))
    return admin


def test_write_applies_defaults_and_answers_the_article(s: Any) -> None:
    reply = ok(s.write("Insured", {"code": 1, "name": "A"}))
    assert reply.article["kind"] == "person" and reply.article["phone"] == []
    assert s.read_direct("Insured", {"code": 1}).article == reply.article


@pytest.mark.parametrize(
    "text",
    ["O'Brien", 'say "hi"', "x'; DROP TABLE insured;--", "back\\slash", "tab\tnew\nline", "€ ß 漢字 🎉", "  pad  ", ""],
)
def test_text_is_stored_verbatim(s: Any, text: str) -> None:
    ok(s.write("Insured", {"code": 7, "name": text}))
    assert s.read_direct("Insured", {"code": 7}).article["name"] == text
    assert s.read_direct("Insured", {"name": text}, key="name").article["code"] == 7


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (Decimal("12.34"), Decimal("12.34")),
        (Decimal("12.3"), Decimal("12.30")),
        (Decimal("12.300"), Decimal("12.30")),
        (12, Decimal("12.00")),
        (0.1, Decimal("0.10")),
        (Decimal("-99999999999.99"), Decimal("-99999999999.99")),
        (Decimal("99999999999.99"), Decimal("99999999999.99")),
    ],
)
def test_decimals_keep_their_scale_exactly(s: Any, value: Any, stored: Decimal) -> None:
    ok(s.write("Insured", insured(1, "A")))
    policy(s, 1, "P1", premium=value)
    premium = s.read_direct("PRA", {"policy_no": "P1", "renewal_no": 0, "endorsement_no": 0}).article["premium"]
    assert premium == stored and str(premium) == str(stored)


@pytest.mark.parametrize(
    ("article", "code"),
    [
        ({"code": 1, "name": "A", "colour": "red"}, RC.RT_MISMATCH),
        ({"name": "A"}, RC.RT_MISMATCH),
        ({"code": None, "name": "A"}, RC.RT_MISMATCH),
        ({"code": 1}, RC.VALUE_INVALID),  # name is mandatory
        ({"code": 1, "name": None}, RC.VALUE_INVALID),
        ({"code": 1, "name": "X" * 26}, RC.VALUE_INVALID),
        ({"code": 1, "name": 5}, RC.VALUE_INVALID),
        ({"code": 1, "name": b"A"}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A\x00"}, RC.VALUE_INVALID),
        ({"code": 1, "name": "\udfff"}, RC.VALUE_INVALID),
        ({"code": -(10**10), "name": "A"}, RC.VALUE_INVALID),
        ({"code": "1", "name": "A"}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A", "birth_date": "1960-01-01"}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A", "birth_date": datetime(1960, 1, 1, 12)}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A", "phone": "0123"}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A", "phone": ["1", "2", "3", "4"]}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A", "phone": ["1", None]}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A", "address": "Namur"}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A", "address": {"town": "Namur"}}, RC.VALUE_INVALID),
        ({"code": 1, "name": "A", "address": {"country": "BEL"}}, RC.VALUE_INVALID),
        ("not an article", RC.RT_MISMATCH),
    ],
)
def test_write_refusals_change_nothing(s: Any, article: Any, code: int) -> None:
    reply = s.write("Insured", article)
    assert reply.rc == code, reply
    assert reply.message
    assert len(s.read_selection("Insured", {}).batch) == 0


def test_decimal_refusals(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    for premium in (Decimal("1.234"), Decimal("NaN"), float("inf"), Decimal("1E+11"), "12.00", True):
        reply = s.write_target_via_path("Insured", {"code": 1}, "PRA", pra("P1", premium=premium), "Insurance")
        assert reply.rc == RC.TARGET_VALUE_INVALID, (premium, reply)


def test_duplicate_and_mode(db: Any, s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    assert s.write("Insured", insured(1, "B")).rc == RC.ALREADY_EXISTS
    reader = db.login("admin", "admin-secret")
    try:
        ok(reader.open_db([("Insured", 1)]))
        assert reader.write("Insured", insured(2, "B")).rc == RC.MODE_FORBIDS
        # a mode-1 session learns nothing about existence: 600 before 500 and 11
        assert reader.write("Insured", insured(1, "B")).rc == RC.MODE_FORBIDS
        assert reader.write("Insured", {"bad": 1}).rc == RC.MODE_FORBIDS
        assert reader.delete("Insured", {"code": 1}).rc == RC.MODE_FORBIDS
    finally:
        reader.close()
    assert s.write("Nope", {}).rc == RC.RT_UNKNOWN


def test_path_items_in_an_article_are_checked_as_bound(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    ok(s.begin())
    assert s.write("PRA", pra("P1", insurance_code=2)).rc == RC.NOT_FOUND  # no insured 2
    ok(s.write("PRA", pra("P1", insurance_code=1)))
    ok(s.write("Guaranty", {**PRA_ID, "policy_no": "P1", "guaranty_no": 1, "peril": "F"}))
    ok(s.commit())
    origin = s.read_origin_via_path(
        "Insured", "Insurance", "PRA", {"policy_no": "P1", "renewal_no": 0, "endorsement_no": 0}
    )
    assert origin.article["code"] == 1


def test_write_of_a_target_needing_its_origin_outside_a_unit_is_901(s: Any) -> None:
    reply = s.write("Loss", {"code": "L1", "loss_date": date(1986, 5, 1)})
    assert reply.rc == RC.TARGET_CONSTRAINT and "Accident" in reply.message
    assert s.read_direct("Loss", {"code": "L1"}).rc == RC.NOT_FOUND
    # a PRA lacks both its insured (901) and a guaranty (900): one code, the same on every DBMS
    reply = s.write("PRA", pra("P1"))
    assert reply.rc in (RC.ORIGIN_CONSTRAINT, RC.TARGET_CONSTRAINT)
    assert s.read_direct("PRA", {"policy_no": "P1", "renewal_no": 0, "endorsement_no": 0}).rc == RC.NOT_FOUND


def test_rewrite_changes_only_given_items(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A", email="a@x", birth_date=date(1960, 1, 1))))
    assert s.rewrite("Insured", {"code": 2, "name": "B"}).rc == RC.NOT_FOUND
    assert s.rewrite("Insured", {"name": "B"}).rc == RC.RT_MISMATCH
    assert s.rewrite("Insured", {"code": 1, "name": None}).rc == RC.VALUE_INVALID
    reply = ok(s.rewrite("Insured", {"code": 1, "name": "B", "email": None}))
    assert reply.article["name"] == "B" and reply.article["email"] is None
    assert s.read_direct("Insured", {"code": 1}).article["birth_date"] == date(1960, 1, 1)


def test_rewrite_moves_a_target_between_origins(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    ok(s.write("Insured", insured(2, "B")))
    policy(s, 1, "P1")
    key = {"policy_no": "P1", "renewal_no": 0, "endorsement_no": 0}
    assert s.rewrite("PRA", {**key, "insurance_code": 3}).rc == RC.NOT_FOUND
    assert s.rewrite("PRA", {**key, "insurance_code": None}).rc == RC.TARGET_CONSTRAINT
    ok(s.rewrite("PRA", {**key, "insurance_code": 2}))
    assert s.read_origin_via_path("Insured", "Insurance", "PRA", key).article["code"] == 2
    assert s.rewrite("PRA", {**key, "policy_no": "P2"}).rc == RC.NOT_FOUND


def test_delete(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    policy(s, 1, "P1", guaranties=2)
    key = {"policy_no": "P1", "renewal_no": 0, "endorsement_no": 0}
    assert s.delete("Insured", {"code": 9}).rc == RC.NOT_FOUND
    assert s.delete("Insured", {"name": "A"}).rc == RC.RT_MISMATCH
    assert s.delete("Insured", {"code": 1}).rc == RC.TARGET_CONSTRAINT  # P1 needs its insured
    assert s.delete("PRA", key).rc == RC.TARGET_CONSTRAINT  # guaranties are identified by it
    ok(s.delete("Guaranty", {**key, "guaranty_no": 2}))
    assert s.delete("Guaranty", {**key, "guaranty_no": 1}).rc == RC.ORIGIN_CONSTRAINT  # P1's last one
    ok(s.begin())
    ok(s.delete("Guaranty", {**key, "guaranty_no": 1}))
    ok(s.delete("PRA", key))
    ok(s.delete("Insured", {"code": 1}))
    ok(s.commit())
    assert len(s.read_selection("Guaranty", {}).batch) == 0


def test_write_batch_all_or_none(s: Any) -> None:
    articles = [insured(n, f"N{n}") for n in range(1, 101)]
    reply = ok(s.write_batch("Insured", articles))
    assert reply.position is None and reply.index is None
    assert len(s.read_selection("Insured", {}).batch) == 100
    more = [insured(n, f"M{n}") for n in range(200, 210)]
    more[6] = insured(50, "again")  # exists already
    reply = s.write_batch("Insured", more)
    assert reply.rc == RC.ALREADY_EXISTS and reply.position == 6 and reply.index == 6
    more[6] = insured(206, "M206")
    more[8] = insured(201, "twice")  # duplicate inside the batch
    assert (s.write_batch("Insured", more).rc, s.write_batch("Insured", more).position) == (RC.ALREADY_EXISTS, 8)
    more[8] = insured(208, "M208")
    more[4] = {"code": 204, "name": "X" * 26}
    reply = s.write_batch("Insured", more)
    assert reply.rc == RC.VALUE_INVALID and reply.position == 4
    more[2] = {"code": 202}
    more[1] = insured(50, "exists")
    reply = s.write_batch("Insured", more)  # the first refused article answers, whatever its code
    assert reply.rc == RC.ALREADY_EXISTS and reply.position == 1
    assert len(s.read_selection("Insured", {}).batch) == 100
    assert s.write_batch("Insured", "abc").rc == RC.RT_MISMATCH
    assert s.write_batch("Insured", [insured(300, "A"), "x"]).position == 1
    ok(s.write_batch("Insured", []))


def test_write_batch_of_a_dataframe_writes_its_rows(s: Any) -> None:
    """A DataFrame is the batch of its rows: a missing value (<NA>, NaT, NaN) is an item given
    empty, a timestamp a date; READ SELECTION's frame written again gives back the same frame."""
    people = [
        insured(1, "A", address={"street": "RUE 1", "postcode": "1000", "city": "BXL", "country": "BE"}, phone=["1"]),
        insured(2, "B", address={"city": "NAMUR"}, phone=[], birth_date=date(1960, 5, 4)),
        insured(3, "C", address=None, phone=None),
    ]
    frame = pd.DataFrame(
        {
            "code": pd.array([1, 2, 3], dtype="Int64"),
            "name": pd.array(["A", "B", "C"], dtype="string"),
            "birth_date": pd.to_datetime([None, "1960-05-04", None]).astype("datetime64[s]"),
            "address": [people[0]["address"], people[1]["address"], None],
            "phone": [["1"], [], None],
        }
    )
    ok(s.write_batch("Insured", frame))
    by_frame = s.read_selection("Insured", {}).batch
    ok(s.begin())
    for code in (1, 2, 3):
        ok(s.delete("Insured", {"code": code}))
    ok(s.write_batch("Insured", people))
    by_rows = s.read_selection("Insured", {}).batch
    ok(s.rollback())
    pd.testing.assert_frame_equal(by_frame, by_rows)
    ok(s.begin())
    for code in (1, 2, 3):
        ok(s.delete("Insured", {"code": code}))
    ok(s.write_batch("Insured", by_frame))  # READ SELECTION's frame as it is
    pd.testing.assert_frame_equal(s.read_selection("Insured", {}).batch, by_frame)
    ok(s.commit())
    ok(s.write_batch("Insured", by_frame.iloc[0:0]))


def test_write_batch_of_a_dataframe_refuses_as_its_rows(s: Any) -> None:
    ok(s.write_batch("Insured", [insured(n, f"N{n}") for n in range(1, 11)]))
    frame = pd.DataFrame({"code": [20, 21, 5, 22], "name": ["A", "B", "C", "D"]})
    reply = s.write_batch("Insured", frame)
    assert (reply.rc, reply.position) == (RC.ALREADY_EXISTS, 2)
    frame.loc[2, "code"] = 21  # twice in the frame
    assert (s.write_batch("Insured", frame).rc, s.write_batch("Insured", frame).position) == (RC.ALREADY_EXISTS, 2)
    frame.loc[2, "code"] = 23
    frame.loc[1, "name"] = "X" * 26
    assert (s.write_batch("Insured", frame).rc, s.write_batch("Insured", frame).position) == (RC.VALUE_INVALID, 1)
    frame.loc[1, "name"] = None  # name is mandatory
    assert (s.write_batch("Insured", frame).rc, s.write_batch("Insured", frame).position) == (RC.VALUE_INVALID, 1)
    assert s.write_batch("Insured", frame.assign(name="A", colour="red")).rc == RC.RT_MISMATCH
    twice = pd.DataFrame([[30, "A", "B"]], columns=["code", "name", "name"])
    assert s.write_batch("Insured", twice).rc == RC.RT_MISMATCH
    assert len(s.read_selection("Insured", {}).batch) == 10
    ok(s.write_batch("Insured", frame.assign(name="A")))
    assert len(s.read_selection("Insured", {}).batch) == 14


def test_write_batch_with_origins_inside_a_unit(s: Any) -> None:
    ok(s.write_batch("Insured", [insured(n, f"N{n}") for n in range(1, 4)]))
    pras = [pra(f"P{n}", insurance_code=n) for n in range(1, 4)]
    guaranties = [
        {"policy_no": f"P{n}", "renewal_no": 0, "endorsement_no": 0, "guaranty_no": 1, "peril": "F"}
        for n in range(1, 4)
    ]
    ok(s.begin())
    bad = [*pras, pra("P9", insurance_code=9)]
    reply = s.write_batch("PRA", bad)
    assert reply.rc == RC.NOT_FOUND and reply.position == 3
    ok(s.write_batch("PRA", pras))
    ok(s.write_batch("Guaranty", guaranties))
    ok(s.commit())
    assert len(s.read_selection("Guaranty", {}).batch) == 3
    ok(s.begin())
    ok(s.write_batch("PRA", [pra("P7", insurance_code=1)]))
    reply = s.commit()  # P7 has no guaranty: the whole unit goes
    assert reply.rc == RC.ORIGIN_CONSTRAINT
    assert s.read_direct("PRA", {"policy_no": "P7", "renewal_no": 0, "endorsement_no": 0}).rc == RC.NOT_FOUND


def test_a_large_batch_checks_its_existence_constraints_at_commit(s: Any) -> None:
    """More new articles than a DBMS checks one by one (DuckDB 4, the others 256): the unit's end
    checks the table at once — a PRA without a guaranty, wherever it is in the batch, undoes it."""
    ok(s.write("Insured", insured(1, "A")))
    pras = [pra(f"P{n:03d}", insurance_code=1) for n in range(300)]
    guaranties = [
        {"policy_no": f"P{n:03d}", "renewal_no": 0, "endorsement_no": 0, "guaranty_no": 1, "peril": "F"}
        for n in range(300)
    ]
    ok(s.begin())
    ok(s.write_batch("PRA", pras))
    ok(s.write_batch("Guaranty", guaranties[:299]))  # the last PRA has none
    assert s.commit().rc == RC.ORIGIN_CONSTRAINT
    assert len(s.read_selection("PRA", {}).batch) == 0
    ok(s.begin())
    ok(s.write_batch("PRA", pras))
    ok(s.write_batch("Guaranty", guaranties))
    ok(s.commit())
    assert len(s.read_selection("Guaranty", {}).batch) == 300


def test_write_batch_with_an_origin_earlier_in_the_same_batch(admin: Any) -> None:
    """A path from a record type to itself: the origin may come earlier in the batch, not later."""
    ok(admin.open_db([("ECS", 2)]))
    head = {"code": "HO", "name": "Head office", "region": "R", "level": 1}
    branch = {"code": "B1", "name": "Branch", "region": "R", "level": 0, "centralisation_code": "HO"}
    reply = admin.write_batch("ECS", [branch, head])
    assert reply.rc == RC.NOT_FOUND and reply.position == 0
    ok(admin.write_batch("ECS", [head, branch]))
    assert admin.read_origin_via_path("ECS", "Centralisation", "ECS", {"code": "B1"}).article["code"] == "HO"


def test_write_batch_one_to_one_inside_the_batch(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    for number in ("P1", "P2", "P3"):
        policy(s, 1, number)
    chain = {
        "renewal_endorsement_policy_no": "P1",
        "renewal_endorsement_renewal_no": 0,
        "renewal_endorsement_endorsement_no": 0,
    }
    ok(s.begin())
    reply = s.write_batch("PRA", [pra("P4", insurance_code=1, **chain), pra("P5", insurance_code=1, **chain)])
    assert reply.rc == RC.ALREADY_EXISTS and reply.position == 1  # P1 may have one successor
    ok(s.rollback())


def test_write_batch_stores_every_shape_as_given(s: Any) -> None:
    """Decomposable items given whole, in part, empty or not at all; repetitive items of 0 to 3
    occurrences; decimals at and below their scale: what READ SELECTION gives back is what one
    article at a time would have stored (the batch hands the writer columns, not dicts)."""
    ok(s.open_db([("Treaty", 2)]))
    people = [
        insured(1, "A", address={"street": "RUE 1", "postcode": "1000", "city": "BXL", "country": "BE"}, phone=["1"]),
        insured(2, "B", address={"city": "NAMUR"}, phone=[]),
        insured(3, "C", address={"street": None, "city": None}, phone=["1", "2", "3"]),
        insured(4, "D"),
        insured(5, "E", address=None, phone=None, birth_date=date(1960, 5, 4)),
    ]
    ok(s.write_batch("Insured", people))
    back = s.read_selection("Insured", {}).batch
    assert back["address"].tolist() == [
        {"street": "RUE 1", "postcode": "1000", "city": "BXL", "country": "BE"},
        {"street": None, "postcode": None, "city": "NAMUR", "country": None},
        None,
        None,
        None,
    ]
    assert back["phone"].tolist() == [["1"], [], ["1", "2", "3"], [], []]
    treaty = {"underwriting_year": 2024, "kind": "surplus", "inception": date(2024, 1, 1), "expiry": date(2024, 12, 31)}
    ok(
        s.write_batch(
            "Treaty",
            [
                {**treaty, "code": "S1", "retention": Decimal("1000.5"), "lines": 9, "share_pct": None},
                {**treaty, "code": "S2", "retention": Decimal("1000.50"), "lines": Decimal("9.00")},
            ],
        )
    )
    terms = s.read_selection("Treaty", {}).batch
    assert [str(v) for v in terms["retention"]] == ["1000.50", "1000.50"]
    assert [str(v) for v in terms["lines"]] == ["9.00", "9.00"]
    refused = s.write_batch("Treaty", [{**treaty, "code": "S3", "retention": Decimal("1000.505")}])
    assert refused.rc == RC.VALUE_INVALID and refused.index == 0
