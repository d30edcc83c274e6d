"""Guaranty and Loss primitives (thesis V.3.1 c, f; IV.4.5) on every backend: FIND PRA GUARANTY,
COMBINE GUARANTIES, PARTIAL MODIF, CANCEL / REINSTATE, DAMAGE / UNDAMAGE, CREATE LOSS."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assurdb.domain.primitives import (
    Constraint,
    DomainRC,
    cancel_guaranty,
    cancel_loss,
    cancel_pra,
    combine_guaranties,
    create_endorsement,
    create_loss,
    create_renewal,
    damage,
    find_occurrence,
    find_pra_guaranty,
    guaranty_partial_modif,
    loss_partial_modif,
    modify_occurrence,
    reinstate_guaranty,
    reinstate_loss,
    undamage,
)
from assurdb.metadb.contract import RC
from tests.domain.conftest import DUPONT, POLICY, D, fire_policy, guaranty, ok, pra


def _history(s: Any) -> None:
    """Policy /0/0 (1986), endorsement /0/1 effective 1 July 1986, renewal /1/0 (1987)."""
    fire_policy(s)
    ok(create_endorsement(s, POLICY, {"premium": D(1100)}, guaranty_changes={1: {"premium": D(700)}},
                          effective=dt.date(1986, 7, 1)))  # fmt: skip
    ok(create_renewal(s, POLICY))


def test_find_and_combine_guaranties(org: Any) -> None:
    s = org
    _history(s)
    first = ok(find_pra_guaranty(s, pra()))
    assert first.article is not None and (first.article["guaranty_no"], first.article["peril"]) == (1, "FIRE")
    second = ok(find_pra_guaranty(s, pra(), first.article))
    assert second.article is not None and second.article["guaranty_no"] == 2
    assert find_pra_guaranty(s, pra(), second.article).rc == RC.TARGET_NOT_FOUND
    assert find_pra_guaranty(s, pra("999999-99")).rc == RC.NOT_FOUND
    # a PRA without guaranty is an error (thesis V.3.1 c) — only possible inside a unit
    assert s.begin().ok
    bare = {**pra("300000-86"), "class_of_business": "FIRE", "cover_start": dt.date(1986, 1, 1),
            "cover_end": dt.date(1986, 12, 31)}  # fmt: skip
    assert s.write_target_via_path("Insured", {"code": DUPONT}, "PRA", bare, "Insurance").ok
    lonely = find_pra_guaranty(s, pra("300000-86"))
    assert lonely.rc == RC.TARGET_NOT_FOUND and lonely.message.startswith("error:")
    assert s.rollback().ok
    # COMBINE GUARANTIES as of /0/1: guaranty 1 = 600 + 100 (the endorsement's difference) = 700
    as_of = ok(combine_guaranties(s, pra(POLICY, 0, 1), 1)).article
    assert as_of is not None and as_of["premium"] == D(700) and as_of["sum_insured"] == D(100000)
    every = ok(combine_guaranties(s, pra(POLICY, 0, 1))).articles
    assert [(g["guaranty_no"], g["premium"]) for g in every] == [(1, D(700)), (2, D(400))]
    assert ok(combine_guaranties(s, pra(POLICY, 0, 0), 1)).article["premium"] == D(600)  # type: ignore[index]
    assert combine_guaranties(s, pra(POLICY, 0, 1), 9).rc == RC.TARGET_NOT_FOUND


def test_guaranty_partial_modif_cancel_and_reinstate(org: Any) -> None:
    s = org
    fire_policy(s)
    changed = ok(guaranty_partial_modif(s, {**guaranty(), "risk_location": "RUE HAUTE 1"})).article
    assert changed is not None and changed["risk_location"] == "RUE HAUTE 1" and changed["premium"] == D(600)
    barred = guaranty_partial_modif(s, {**guaranty(), "premium": D(1), "share_pct": D(50)})
    assert barred.rc == DomainRC.ITEM_NOT_ALLOWED and "premium" in barred.message and "share_pct" in barred.message
    assert ok(find_occurrence(s, "Guaranty", guaranty())).article["premium"] == D(600)  # type: ignore[index]
    assert cancel_guaranty(s, guaranty(), "insured", dt.date(1990, 1, 1)).rc == RC.VALUE_INVALID
    ok(cancel_guaranty(s, guaranty(), "insured", dt.date(1986, 5, 1)))
    assert cancel_guaranty(s, guaranty(), "insured", dt.date(1986, 5, 2)).rc == DomainRC.WRONG_STATE
    ok(reinstate_guaranty(s, guaranty()))
    assert ok(find_occurrence(s, "Guaranty", guaranty())).article["cancellation_date"] is None  # type: ignore[index]
    # a cancelled guaranty is not renewed
    ok(cancel_guaranty(s, guaranty(no=2), "insured", dt.date(1986, 5, 1)))
    renewed = ok(create_renewal(s, POLICY))
    assert [g["guaranty_no"] for g in renewed.articles[1:]] == [1]


def test_create_loss_attaches_the_contract_in_force(org: Any) -> None:
    """Thesis IV.4.5: the last PRA whose cover contains the loss date."""
    s = org
    _history(s)
    cases = {"L-MAR86": dt.date(1986, 3, 1), "L-AUG86": dt.date(1986, 8, 1), "L-FEB87": dt.date(1987, 2, 1)}
    attached = {}
    for code, when in cases.items():
        result = ok(create_loss(s, {"code": code, "loss_date": when, "amount": D(5000), "paid": D(1000)},
                                policy_no=POLICY))  # fmt: skip
        loss = result.article
        assert loss is not None
        attached[code] = (loss["accident_renewal_no"], loss["accident_endorsement_no"])
        assert len(result.articles) == 1 and result.articles[0] == loss  # the batch form's list, of one
        assert loss["outstanding"] == D(4000) and loss["territory"] == "BE"  # from the composed contract
    assert attached == {"L-MAR86": (0, 0), "L-AUG86": (0, 1), "L-FEB87": (1, 0)}
    # constraint 14: no PRA of the policy covers the date
    late = create_loss(s, {"code": "L-1990", "loss_date": dt.date(1990, 1, 1)}, policy_no=POLICY)
    assert late.rc == Constraint.LOSS_DATE.rc and "1990-01-01" in late.message
    explicit = create_loss(s, {"code": "L-X", "loss_date": dt.date(1987, 5, 1)}, pra=pra(POLICY, 0, 1))
    assert explicit.rc == Constraint.LOSS_DATE.rc and "outside the cover period" in explicit.message
    assert find_occurrence(s, "Loss", {"code": "L-X"}).rc == RC.NOT_FOUND
    assert create_loss(s, {"code": "L-Y", "loss_date": dt.date(1987, 5, 1)}, policy_no="999999-99").rc == RC.NOT_FOUND
    bad_notice = create_loss(
        s, {"code": "L-Z", "loss_date": dt.date(1987, 5, 1), "notification_date": dt.date(1987, 4, 1)},
        policy_no=POLICY,
    )  # fmt: skip
    assert bad_notice.rc == RC.VALUE_INVALID
    # a contract cancelled before the loss date covers nothing
    ok(cancel_pra(s, pra(POLICY, 1, 0), "non_payment", dt.date(1987, 6, 1)))
    gone = create_loss(s, {"code": "L-JUL87", "loss_date": dt.date(1987, 7, 1)}, policy_no=POLICY)
    assert gone.rc == DomainRC.WRONG_STATE and "cancelled" in gone.message


def test_damage_and_undamage(org: Any) -> None:
    s = org
    _history(s)
    ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 8, 1), "amount": D(5000)}, policy_no=POLICY))
    ok(create_loss(s, {"code": "L2", "loss_date": dt.date(1986, 9, 1), "amount": D(100)}, policy_no=POLICY))
    done = ok(damage(s, guaranty(POLICY, 0, 1, 1), "L1", amount=D(4000), damage_date=dt.date(1986, 8, 3)))
    assert done.article is not None
    assert (done.article["damage_code"], done.article["damage_amount"]) == ("L1", D(4000))
    # thesis IV.4.5: a guaranty is damaged by at most one loss
    again = damage(s, guaranty(POLICY, 0, 1, 1), "L2", pct=D(10))
    assert again.rc == DomainRC.WRONG_STATE and "at most one loss" in again.message
    # constraint 13: only guaranties of the loss's own contract (/0/1, not /0/0)
    other = damage(s, guaranty(POLICY, 0, 0, 2), "L2", pct=D(10))
    assert other.rc == Constraint.LOSS_GUARANTIES.rc and "own contract" in other.message
    assert damage(s, guaranty(POLICY, 0, 1, 2), "L2").rc == RC.VALUE_INVALID  # neither amount nor %
    early = damage(s, guaranty(POLICY, 0, 1, 2), "L2", pct=D(10), damage_date=dt.date(1986, 8, 1))
    assert early.rc == RC.VALUE_INVALID and "on or after the loss date" in early.message
    assert damage(s, guaranty(POLICY, 0, 1, 2), "L9", pct=D(10)).rc == RC.NOT_FOUND
    assert damage(s, guaranty(POLICY, 0, 1, 7), "L2", pct=D(10)).rc == RC.TARGET_NOT_FOUND
    # UNDAMAGE is DAMAGE's inverse
    back = ok(undamage(s, guaranty(POLICY, 0, 1, 1))).article
    assert back is not None and (back["damage_code"], back["damage_amount"], back["damage_date"]) == (None, None, None)
    assert undamage(s, guaranty(POLICY, 0, 1, 1)).rc == DomainRC.WRONG_STATE
    ok(damage(s, guaranty(POLICY, 0, 1, 1), "L2", pct=D(10)))
    # as ACCOUNT GUARANTY marks it (plain MODIFY may not: the flag is the system's own)
    ok(modify_occurrence(s, "Guaranty", {**guaranty(POLICY, 0, 1, 1), "accounted_damage": True},
                         allowed=frozenset({"accounted_damage"})))  # fmt: skip
    assert undamage(s, guaranty(POLICY, 0, 1, 1)).rc == DomainRC.WRONG_STATE


def test_loss_partial_modif_cancel_and_reinstate(org: Any) -> None:
    s = org
    fire_policy(s)
    ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 8, 1), "amount": D(5000)}, policy_no=POLICY))
    changed = ok(loss_partial_modif(s, {"code": "L1", "cause": "short circuit", "type": "material"})).article
    assert changed is not None and changed["cause"] == "short circuit"
    assert loss_partial_modif(s, {"code": "L1", "amount": D(1)}).rc == DomainRC.ITEM_NOT_ALLOWED
    assert loss_partial_modif(s, {"code": "L1", "loss_date": dt.date(1986, 8, 2)}).rc == DomainRC.ITEM_NOT_ALLOWED
    assert cancel_loss(s, "L1", "withdrawn", dt.date(1986, 7, 1)).rc == RC.VALUE_INVALID  # before the loss
    ok(cancel_loss(s, "L1", "withdrawn", dt.date(1986, 9, 1)))
    ok(reinstate_loss(s, "L1"))
    assert reinstate_loss(s, "L1").rc == DomainRC.WRONG_STATE
