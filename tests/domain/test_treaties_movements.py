"""The reinsurance program (CREATE TREATY, FIND TREATIES, the cessions' link to their treaty) and
the dated history of losses (CREATE LOSS MOVEMENT, FIND LOSS MOVEMENTS) on every backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assurdb.domain.primitives import (
    DomainRC,
    NewLossMovement,
    NewTreaty,
    cancel_loss,
    create_loss,
    create_loss_movement,
    create_loss_movements,
    create_occurrences,
    create_reinsurance,
    create_treaties,
    create_treaty,
    find_loss_movements,
    find_occurrence,
    find_treaties,
)
from assurdb.metadb.contract import RC
from tests.domain.conftest import POLICY, D, fire_policy, guaranty, ok

QS = {
    "code": "QS-1986",
    "name": "FIRE QUOTA SHARE",
    "underwriting_year": 1986,
    "kind": "quota_share",
    "rank": 1,
    "classes": ["FIRE"],
    "inception": dt.date(1986, 1, 1),
    "expiry": dt.date(1986, 12, 31),
    "share_pct": D(30),
    "commission_pct": D("27.5"),
}
XL = {
    "code": "XL-1986",
    "underwriting_year": 1986,
    "kind": "risk_xl",
    "rank": 2,
    "inception": dt.date(1986, 1, 1),
    "expiry": dt.date(1986, 12, 31),
    "attachment": "LOD",
    "layer": {"priority": D(50000), "limit": D(150000), "aad": D(0)},
    "reinstatements": 2,
    "reinstatement_rates": [D(100), D(50)],
    "premium": {"scheme": "flat", "amount": D(12000)},
}


@pytest.fixture
def reinsurers(org: Any) -> Any:
    ok(
        create_occurrences(
            org,
            "ExtCompany",
            [
                {"code": "RMU", "name": "MUNICH RE", "country": "DE", "kind": "reinsurer"},
                {"code": "RSW", "name": "SWISS RE", "country": "CH", "kind": "reinsurer"},
            ],
        )
    )
    return org


def test_treaties_placed_and_cessions_linked(reinsurers: Any) -> None:
    s = reinsurers
    fire_policy(s)
    # a cession made before its treaty is entered keeps its reference and no link
    before = ok(create_reinsurance(s, guaranty(), "XRE", {"code": "RE1", "treaty_ref": "QS-1986", "ceded_pct": D(30)}))
    assert before.article is not None and before.article["treaty_code"] is None
    made = ok(create_treaty(s, QS, {"RMU": D(60), "RSW": D(40)}, leader="RMU"))
    assert "1 cession(s) linked" in made.message
    assert ok(find_occurrence(s, "ReinsuranceCession", {"code": "RE1"})).article["treaty_code"] == "QS-1986"  # type: ignore[index]
    # one made afterwards is linked as it is created
    after = ok(create_reinsurance(s, guaranty(no=2), "XRE", {"code": "RE2", "treaty_ref": "QS-1986", "ceded_pct": 30}))
    assert after.article is not None and after.article["treaty_code"] == "QS-1986"
    ok(create_treaties(s, [NewTreaty(XL, {"RSW": D(100)})]))
    program = ok(find_treaties(s, 1986))
    assert [t["code"] for t in program.articles] == ["QS-1986", "XL-1986"]  # rank order
    xl = program.articles[1]
    assert xl["layer"]["priority"] == D(50000) and xl["reinstatement_rates"][:2] == [D(100), D(50)]
    placements = ok(find_occurrence(s, "Placement", {"treaty_code": "QS-1986", "reinsurer_code": "RMU"})).article
    assert placements is not None and placements["role"] == "leader" and placements["share_pct"] == D(60)
    assert find_treaties(s, 1987).articles == ()


@pytest.mark.parametrize(
    ("change", "placements", "rc", "words"),
    [
        ({"kind": "fac"}, {}, RC.VALUE_INVALID, "kind 'fac'"),
        ({"share_pct": None}, {}, RC.VALUE_INVALID, "needs share_pct"),
        ({"share_pct": D(-5)}, {}, RC.VALUE_INVALID, "share_pct must be positive"),
        ({"commission_pct": D(120)}, {}, RC.VALUE_INVALID, "commission_pct is a percentage"),
        ({"expiry": dt.date(1985, 12, 31)}, {}, RC.VALUE_INVALID, "not after inception"),
        ({"attachment": "RAD"}, {}, RC.VALUE_INVALID, "LORA or LOD"),
        ({}, {"RMU": D(60), "RSW": D(50)}, RC.VALUE_INVALID, "110"),
        ({}, {"RXX": D(10)}, RC.NOT_FOUND, "RXX"),
        ({}, {"RMU": D(0)}, RC.VALUE_INVALID, "]0, 100]"),
        ({"underwriting_year": "MCMLXXXVI"}, {}, RC.VALUE_INVALID, "underwriting_year"),
    ],
)
def test_create_treaty_refusals(
    reinsurers: Any, change: dict[str, Any], placements: dict[str, Any], rc: int, words: str
) -> None:
    s = reinsurers
    refused = create_treaty(s, {**QS, **change}, placements)
    assert refused.rc == rc and words in refused.message, refused
    assert find_occurrence(s, "Treaty", {"code": "QS-1986"}).rc == RC.NOT_FOUND  # nothing written


def test_treaty_terms_per_kind(reinsurers: Any) -> None:
    s = reinsurers
    too_many = create_treaty(s, {**XL, "reinstatements": 1})
    assert too_many.rc == RC.VALUE_INVALID and "2 reinstatement rate(s) for 1" in too_many.message
    no_layer = create_treaty(s, {**XL, "layer": {"priority": D(50000)}})
    assert no_layer.rc == RC.VALUE_INVALID and "layer.limit" in no_layer.message
    ok(create_treaty(s, XL))
    assert create_treaty(s, XL).rc == RC.ALREADY_EXISTS
    # the batch form is all or none: the second treaty's error leaves the first unwritten
    batch = create_treaties(s, [NewTreaty(QS), NewTreaty({**QS, "code": "SP-1986", "kind": "surplus"})])
    assert batch.rc == RC.VALUE_INVALID and batch.position == 1 and "retention, lines" in batch.message
    assert find_occurrence(s, "Treaty", {"code": "QS-1986"}).rc == RC.NOT_FOUND


def _loss(s: Any, code: str = "L1", when: dt.date = dt.date(1986, 3, 1)) -> None:
    fire_policy(s)
    ok(create_loss(s, {"code": code, "loss_date": when}, policy_no=POLICY))


def test_loss_movements_move_the_loss(org: Any) -> None:
    s = org
    _loss(s)
    ok(create_loss_movement(s, "L1", "reserve", dt.date(1986, 3, 10), D(5000), document_ref="EXP-1"))
    ok(create_loss_movement(s, "L1", "payment", dt.date(1986, 5, 1), D(2000)))
    loss = ok(find_occurrence(s, "Loss", {"code": "L1"})).article
    assert loss is not None
    assert (loss["paid"], loss["outstanding"], loss["amount"]) == (D(2000), D(3000), D(5000))
    # a payment beyond the reserve: the outstanding stops at zero, the incurred is what was paid
    ok(create_loss_movement(s, "L1", "payment", dt.date(1986, 7, 1), D(4000)))
    ok(create_loss_movement(s, "L1", "recovery", dt.date(1987, 2, 1), D("500.00")))
    loss = ok(find_occurrence(s, "Loss", {"code": "L1"})).article
    assert loss is not None
    assert (loss["paid"], loss["outstanding"], loss["recovered"], loss["amount"]) == (D(6000), 0, D(500), D(6000))
    history = ok(find_loss_movements(s, "L1"))
    rows = [(m["movement_no"], m["kind"], m["amount"], m["outstanding_after"]) for m in history.articles]
    assert rows == [
        (1, "reserve", D(5000), D(5000)),
        (2, "payment", D(2000), D(3000)),
        (3, "payment", D(4000), D(0)),
        (4, "recovery", D(500), D(0)),
    ]
    assert history.articles[0]["document_ref"] == "EXP-1"


@pytest.mark.parametrize(
    ("kind", "when", "amount", "rc", "words"),
    [
        ("payment", dt.date(1986, 2, 1), D(10), RC.VALUE_INVALID, "before the loss date"),
        ("payment", dt.date(1986, 3, 5), D(10), RC.VALUE_INVALID, "before the loss's movement 1"),
        ("payment", dt.date(1986, 4, 1), D(-10), RC.VALUE_INVALID, "positive"),
        ("reserve", dt.date(1986, 4, 1), D(0), RC.VALUE_INVALID, "non-zero"),
        ("reserve", dt.date(1986, 4, 1), D(-1500), RC.VALUE_INVALID, "below zero"),
        ("recovery", dt.date(1986, 4, 1), D(1), RC.VALUE_INVALID, "more than the 0"),
        ("gift", dt.date(1986, 4, 1), D(1), RC.VALUE_INVALID, "kind 'gift'"),
        ("payment", dt.date(1986, 4, 1), D("1.001"), RC.VALUE_INVALID, "amount"),
    ],
)
def test_loss_movement_refusals(org: Any, kind: str, when: dt.date, amount: Any, rc: int, words: str) -> None:
    s = org
    _loss(s)
    ok(create_loss_movement(s, "L1", "reserve", dt.date(1986, 3, 10), D(1000)))
    refused = create_loss_movement(s, "L1", kind, when, amount)
    assert refused.rc == rc and words in refused.message, refused
    assert len(ok(find_loss_movements(s, "L1")).articles) == 1
    assert ok(find_occurrence(s, "Loss", {"code": "L1"})).article["outstanding"] == D(1000)  # type: ignore[index]


def test_loss_movements_batch_and_states(org: Any) -> None:
    s = org
    _loss(s)
    assert create_loss_movement(s, "L9", "payment", dt.date(1986, 4, 1), D(1)).rc == RC.NOT_FOUND
    # in a batch each movement sees the ones before it; one refusal and nothing is written
    batch = [
        NewLossMovement("L1", "reserve", dt.date(1986, 3, 2), D(800)),
        NewLossMovement("L1", "payment", dt.date(1986, 3, 3), D(300)),
        NewLossMovement("L1", "reserve", dt.date(1986, 3, 4), D(-600)),  # 500 left: refused
    ]
    refused = create_loss_movements(s, batch)
    assert refused.rc == RC.VALUE_INVALID and refused.position == 2
    assert ok(find_loss_movements(s, "L1")).articles == ()
    done = ok(create_loss_movements(s, [*batch[:2], NewLossMovement("L1", "reserve", dt.date(1986, 3, 4), D(-500))]))
    assert [m["movement_no"] for m in done.articles] == [1, 2, 3] and done.articles[-1]["outstanding_after"] == 0
    ok(cancel_loss(s, "L1", "error", dt.date(1986, 6, 1)))
    assert create_loss_movement(s, "L1", "payment", dt.date(1986, 7, 1), D(1)).rc == DomainRC.WRONG_STATE


@pytest.mark.parametrize(
    ("amounts", "words"),
    [
        ({"amount": D(-10)}, "amount may not be negative"),
        ({"amount": D(500), "paid": D(-1)}, "paid may not be negative"),
        ({"amount": D(500), "paid": D(300), "outstanding": D(100)}, "not the paid 300.00 plus the outstanding 100.00"),
        ({"amount": D(500), "paid": D(600)}, "more than the amount"),
    ],
)
def test_create_loss_refuses_inconsistent_amounts(org: Any, amounts: dict[str, Any], words: str) -> None:
    s = org
    fire_policy(s)
    refused = create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1), **amounts}, policy_no=POLICY)
    assert refused.rc == RC.VALUE_INVALID and words in refused.message, refused
    assert find_occurrence(s, "Loss", {"code": "L1"}).rc == RC.NOT_FOUND
    made = ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1), "amount": D(500), "paid": D(300),
                              "outstanding": D(200)}, policy_no=POLICY))  # fmt: skip
    assert made.article is not None and made.article["outstanding"] == D(200)
