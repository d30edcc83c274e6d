"""REWRITE BATCH (action 51): many REWRITEs of one record type, as if made in order, all or none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from assurdb import RC, Action
from tests.interface.helpers import insured, ok, policy


@pytest.fixture
def s(admin: Any) -> Any:
    ok(admin.open_db([("Insured", 2), ("PRA", 2), ("Guaranty", 2)]))
    return admin


def _insured(s: Any) -> dict[int, dict[str, Any]]:
    codes = s.read_selection("Insured", {}).batch["code"]
    return {int(c): s.read_direct("Insured", {"code": int(c)}).article for c in codes}


def test_rewrite_batch_changes_only_the_items_each_article_gives(s: Any) -> None:
    ok(
        s.write_batch(
            "Insured", [insured(n, f"N{n}", email=f"{n}@x", birth_date=date(1960, 1, n)) for n in range(1, 11)]
        )
    )
    address = {"street": "Rue de Bruxelles 61", "postcode": "5000", "city": "Namur", "country": "BE"}
    reply = ok(
        s.rewrite_batch(
            "Insured",
            [
                {"code": 1, "name": "One"},
                {"code": 2, "email": None, "address": address},
                {"code": 3, "name": "Three", "birth_date": date(1970, 3, 3)},
                {"code": 4, "name": "Four"},
                {"code": 1, "email": "first@x"},  # the same article again: both changes stay
                {"code": 5},  # nothing to change: found, so done
            ],
        )
    )
    assert reply.position is None and reply.article is None and "6 article(s)" in reply.message
    after = _insured(s)
    assert (after[1]["name"], after[1]["email"], after[1]["birth_date"]) == ("One", "first@x", date(1960, 1, 1))
    assert after[2]["email"] is None and after[2]["address"] == address and after[2]["name"] == "N2"
    assert (after[3]["name"], after[3]["birth_date"], after[3]["email"]) == ("Three", date(1970, 3, 3), "3@x")
    assert after[4]["name"] == "Four" and after[5] == {**after[5], "name": "N5", "email": "5@x"}
    assert [after[n]["name"] for n in range(6, 11)] == [f"N{n}" for n in range(6, 11)]


def test_rewrite_batch_applies_its_articles_in_order(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    ok(
        s.rewrite_batch(
            "Insured", [{"code": 1, "name": "B"}, {"code": 1, "name": "C", "email": "c@x"}, {"code": 1, "name": "D"}]
        )
    )
    article = s.read_direct("Insured", {"code": 1}).article
    assert (article["name"], article["email"]) == ("D", "c@x")


def test_rewrite_batch_refusals_name_the_first_refused_article_and_change_nothing(s: Any) -> None:
    ok(s.write_batch("Insured", [insured(n, f"N{n}") for n in range(1, 11)]))
    before = _insured(s)
    cases = [
        ([{"code": 1, "name": "A"}, {"code": 42, "name": "X"}, {"code": 3, "name": "C"}], RC.NOT_FOUND, 1),
        ([{"code": 1, "name": "A"}, {"code": 2, "name": "B"}, {"code": 42}], RC.NOT_FOUND, 2),
        ([{"code": 1, "name": "A"}, {"name": "no identifier"}], RC.RT_MISMATCH, 1),
        ([{"code": 1, "colour": "red"}], RC.RT_MISMATCH, 0),
        ([{"code": 1, "name": "A"}, {"code": 2, "name": "X" * 26}, {"code": 42}], RC.VALUE_INVALID, 1),
        ([{"code": 1, "name": None}], RC.VALUE_INVALID, 0),
        ([{"code": 1, "name": "A"}, "not an article"], RC.RT_MISMATCH, 1),
    ]
    for articles, code, position in cases:
        reply = s.rewrite_batch("Insured", articles)
        assert (reply.rc, reply.position) == (code, position), (articles, reply)
        assert f"article {position}" in reply.message
    for inside in (False, True):  # refused inside a unit: the unit goes on, the batch changed nothing
        if inside:
            ok(s.begin())
            ok(s.rewrite("Insured", {"code": 9, "name": "kept"}))
        reply = s.rewrite_batch("Insured", [{"code": n, "name": f"M{n}"} for n in (1, 2, 3, 42, 4)])
        assert (reply.rc, reply.position) == (RC.NOT_FOUND, 3)
        if inside:
            ok(s.commit())
    after = _insured(s)
    assert after[9]["name"] == "kept"
    assert {c: a for c, a in after.items() if c != 9} == {c: a for c, a in before.items() if c != 9}
    assert s.rewrite_batch("Insured", {"code": 1}).rc == RC.RT_MISMATCH
    assert s.rewrite_batch("Insured", "abc").rc == RC.RT_MISMATCH
    assert s.rewrite_batch("Nobody", [{"code": 1}]).rc == RC.RT_UNKNOWN
    assert ok(s.rewrite_batch("Insured", [])).message == "0 article(s) rewritten"


def test_rewrite_batch_needs_a_writing_mode(admin: Any) -> None:
    ok(admin.open_db([("Insured", 2)]))
    ok(admin.write("Insured", insured(1, "A")))
    ok(admin.close_db())
    ok(admin.open_db([("Insured", 1)]))
    assert admin.rewrite_batch("Insured", [{"code": 1, "name": "B"}]).rc == RC.MODE_FORBIDS
    assert admin.call(Action.REWRITE_BATCH, "Insured", [{"code": 1, "name": "B"}]).rc == RC.MODE_FORBIDS


def test_rewrite_batch_of_a_dataframe_rewrites_its_rows(s: Any) -> None:
    ok(s.write_batch("Insured", [insured(n, f"N{n}") for n in range(1, 4)]))
    frame = pd.DataFrame({"code": [1, 3], "name": ["A", "C"], "birth_date": [pd.Timestamp("1961-02-03"), pd.NaT]})
    ok(s.rewrite_batch("Insured", frame))
    after = _insured(s)
    assert (after[1]["name"], after[1]["birth_date"]) == ("A", date(1961, 2, 3))
    assert (after[3]["name"], after[3]["birth_date"], after[2]["name"]) == ("C", None, "N2")
    bad = pd.DataFrame({"code": [1, 2], "name": ["ok", "X" * 26]})
    assert (s.rewrite_batch("Insured", bad).rc, s.rewrite_batch("Insured", bad).position) == (RC.VALUE_INVALID, 1)


def test_rewrite_batch_sets_decimals_dates_and_booleans_on_many_articles(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    for number in ("P1", "P2", "P3"):
        policy(s, 1, number)
    ident = [{"policy_no": p, "renewal_no": 0, "endorsement_no": 0} for p in ("P1", "P2", "P3")]
    ok(
        s.rewrite_batch(
            "PRA",
            [
                {**ident[0], "accounted_creation": True, "premium": Decimal("123.45")},
                {**ident[1], "accounted_creation": True, "premium": Decimal("0.10")},
                {**ident[2], "cancellation_date": date(1986, 6, 30)},
            ],
        )
    )
    rows = [s.read_direct("PRA", i).article for i in ident]
    assert [r["accounted_creation"] for r in rows] == [True, True, False]
    assert [r["premium"] for r in rows] == [Decimal("123.45"), Decimal("0.10"), Decimal("100.00")]
    assert [r["cancellation_date"] for r in rows] == [None, None, date(1986, 6, 30)]


def test_rewrite_batch_moving_targets_checks_paths_as_rewrite_does(s: Any) -> None:
    ok(s.write_batch("Insured", [insured(1, "A"), insured(2, "B")]))
    for number in ("P1", "P2", "P3"):
        policy(s, 1, number)
    key = [{"policy_no": p, "renewal_no": 0, "endorsement_no": 0} for p in ("P1", "P2", "P3")]
    for inside in (False, True):
        if inside:
            ok(s.begin())
        reply = s.rewrite_batch(
            "PRA", [{**key[0], "insurance_code": 2}, {**key[1], "premium": Decimal(7)}, {**key[2], "insurance_code": 3}]
        )
        assert (reply.rc, reply.position) == (RC.NOT_FOUND, 2)  # no insured 3: nothing moved
        if inside:
            ok(s.commit())
        assert [s.read_direct("PRA", k).article["insurance_code"] for k in key] == [1, 1, 1]
        assert s.read_direct("PRA", key[1]).article["premium"] == Decimal("100.00")
    reply = s.rewrite_batch("PRA", [{**key[0], "insurance_code": 2}, {**key[1], "insurance_code": None}])
    assert reply.rc == RC.TARGET_CONSTRAINT  # P2 would have no insured: checked when the request ends
    assert [s.read_direct("PRA", k).article["insurance_code"] for k in key] == [1, 1, 1]
    ok(
        s.rewrite_batch(
            "PRA", [{**key[0], "insurance_code": 2}, {**key[2], "insurance_code": 2, "premium": Decimal(9)}]
        )
    )
    assert [s.read_direct("PRA", k).article["insurance_code"] for k in key] == [2, 1, 2]
    assert s.read_origin_via_path("Insured", "Insurance", "PRA", key[2]).article["code"] == 2
    chain = {
        "renewal_endorsement_policy_no": "P1",
        "renewal_endorsement_renewal_no": 0,
        "renewal_endorsement_endorsement_no": 0,
    }
    reply = s.rewrite_batch("PRA", [{**key[1], **chain}, {**key[2], **chain}])
    assert (reply.rc, reply.position) == (RC.ALREADY_EXISTS, 1)  # P1 may have one successor (1-1)
    assert s.read_direct("PRA", key[1]).article["renewal_endorsement_policy_no"] is None


def test_rewrite_batch_of_a_hidden_item_is_refused(admin: Any) -> None:
    ok(admin.open_db([("User", 2)]))
    reply = admin.rewrite_batch("User", [{"name": "admin", "active": True}, {"name": "admin", "password_hash": "x"}])
    assert (reply.rc, reply.position) == (RC.RT_MISMATCH, 1)
    assert "password_hash" in reply.message


def test_rewrite_batch_of_many_articles_given_the_same_values(s: Any) -> None:
    """Articles given the same values are updated many at once (several statements past a few hundred):
    the same answers, a missing identifier among them named and nothing changed."""
    ok(s.write_batch("Insured", [insured(n, f"N{n}") for n in range(1, 901)]))
    before = _insured(s)
    reply = s.rewrite_batch("Insured", [{"code": n, "name": "Same"} for n in (*range(1, 500), 4242, *range(500, 901))])
    assert (reply.rc, reply.position) == (RC.NOT_FOUND, 499) and "article 499" in reply.message
    assert _insured(s) == before
    ok(s.rewrite_batch("Insured", [{"code": n, "name": "Same" if n % 3 else "Other"} for n in range(1, 901)]))
    after = _insured(s)
    assert [after[n]["name"] for n in range(1, 901)] == ["Same" if n % 3 else "Other" for n in range(1, 901)]
    for number in ("P1", "P2", "P3", "P4", "P5", "P6"):  # an identifier of three items
        policy(s, 1, number)
    pras = [{"policy_no": f"P{n}", "renewal_no": 0, "endorsement_no": 0} for n in range(1, 7)]
    ok(s.rewrite_batch("PRA", [{**p, "accounted_creation": True} for p in pras[:5]]))
    assert [s.read_direct("PRA", p).article["accounted_creation"] for p in pras] == [True] * 5 + [False]
