"""Coinsurance and reinsurance cessions (thesis V.3.1 d, e; IV.4.3) on every backend: CREATE, FIND
PRA COINSURANCE, FIND GUARANTY REINSURANCE, COMBINE, PARTIAL MODIF, CANCEL / REINSTATE, and
constraint 12 wherever a cession, a handling cell or a risk-sharing contact changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assurdb.domain.primitives import (
    Constraint,
    DomainRC,
    cancel_coinsurance,
    cancel_pra,
    cancel_reinsurance,
    coinsurance_partial_modif,
    combine_coinsurances,
    combine_reinsurances,
    create_association,
    create_coinsurance,
    create_endorsement,
    create_reinsurance,
    delete_association,
    find_guaranty_reinsurance,
    find_pra_coinsurance,
    reinstate_coinsurance,
    reinstate_reinsurance,
    reinsurance_partial_modif,
)
from assurdb.metadb.contract import RC
from tests.domain.conftest import POLICY, D, fire_policy, guaranty, ok, pra


def test_coinsurance_cessions(org: Any) -> None:
    s = org
    fire_policy(s)
    made = ok(create_coinsurance(s, pra(), "XCO", {"code": "CO1", "share_pct": D(30), "contract_type": "quota"}))
    assert made.article is not None
    assert (made.article["coinsurance_code"], made.article["responsibility_sharing_policy_no"]) == ("XCO", POLICY)
    assert made.article["role"] == "follower"  # the meta-database's default
    ok(create_coinsurance(s, pra(), "XCO", {"code": "CO2", "share_pct": D(20)}))
    first = ok(find_pra_coinsurance(s, pra())).article
    assert first is not None and first["code"] == "CO1"
    second = ok(find_pra_coinsurance(s, pra(), first)).article
    assert second is not None and second["code"] == "CO2"
    assert find_pra_coinsurance(s, pra(), second).rc == RC.TARGET_NOT_FOUND
    # shares stay within the whole contract: 30 + 20 + 60 > 100
    over = create_coinsurance(s, pra(), "XCO", {"code": "CO3", "share_pct": D(60)})
    assert over.rc == RC.VALUE_INVALID and "110.00 %" in over.message
    assert create_coinsurance(s, pra(), "XCO", {"code": "CO3"}).rc == RC.VALUE_INVALID  # neither % nor amount
    assert create_coinsurance(s, pra(), "NOPE", {"code": "CO3", "share_pct": D(1)}).rc == RC.NOT_FOUND
    assert create_coinsurance(s, pra(), "XCO", {"code": "CO1", "share_pct": D(1)}).rc == RC.ALREADY_EXISTS
    # PARTIAL MODIF: the contract type yes, the share no (accounting reads it)
    assert ok(coinsurance_partial_modif(s, {"code": "CO1", "indemnity_date": dt.date(1986, 9, 1)})).ok
    assert coinsurance_partial_modif(s, {"code": "CO1", "share_pct": D(10)}).rc == DomainRC.ITEM_NOT_ALLOWED
    ok(cancel_coinsurance(s, "CO2", "insurer", dt.date(1986, 6, 1)))
    ok(create_coinsurance(s, pra(), "XCO", {"code": "CO3", "share_pct": D(60)}))  # CO2's share is free again
    assert reinstate_coinsurance(s, "CO2", confirm=lambda _: False).rc == DomainRC.NOT_CONFIRMED
    ok(reinstate_coinsurance(s, "CO2"))
    # a cancelled contract is not ceded any more
    ok(cancel_pra(s, pra(), "insured", dt.date(1986, 10, 1)))
    assert create_coinsurance(s, pra(), "XCO", {"code": "CO4", "share_pct": D(1)}).rc == DomainRC.WRONG_STATE


def test_reinsurance_cessions_and_combine(org: Any) -> None:
    s = org
    fire_policy(s)
    made = ok(create_reinsurance(s, guaranty(), "XRE", {"code": "RE1", "treaty_ref": "SURPLUS-86", "ceded_pct": D(40)}))
    assert made.article is not None and made.article["guaranty_sharing_guaranty_no"] == 1
    assert ok(find_guaranty_reinsurance(s, guaranty())).article["code"] == "RE1"  # type: ignore[index]
    assert find_guaranty_reinsurance(s, guaranty(no=2)).rc == RC.TARGET_NOT_FOUND
    over = create_reinsurance(s, guaranty(), "XRE", {"code": "RE2", "treaty_ref": "FAC", "ceded_pct": D(70)})
    assert over.rc == RC.VALUE_INVALID
    assert create_reinsurance(s, guaranty(), "XRE", {"code": "RE2", "treaty_ref": "FAC"}).rc == RC.VALUE_INVALID
    assert reinsurance_partial_modif(s, {"code": "RE1", "ceded_pct": D(1)}).rc == DomainRC.ITEM_NOT_ALLOWED
    ok(reinsurance_partial_modif(s, {"code": "RE1", "indemnity_date": dt.date(1986, 12, 1)}))
    ok(cancel_reinsurance(s, "RE1", "treaty", dt.date(1986, 11, 1)))
    ok(reinstate_reinsurance(s, "RE1"))
    # COMBINE over the term: the endorsement cedes 10 % more of guaranty 1 under the same treaty and
    # 5 % of the coinsured share; composed per company (and treaty): ceded % is a `last` item, the
    # coinsured amount a `sum` item (1 000 + 500)
    ok(create_coinsurance(s, pra(), "XCO", {"code": "CO1", "share_pct": D(20), "share_amount": D(1000)}))
    ok(create_endorsement(s, POLICY, {"territory": "LU"}))
    ok(create_reinsurance(s, guaranty(POLICY, 0, 1, 1), "XRE", {"code": "RE9", "treaty_ref": "SURPLUS-86",
                                                               "ceded_pct": D(50)}))  # fmt: skip
    ok(create_coinsurance(s, pra(POLICY, 0, 1), "XCO", {"code": "CO9", "share_pct": D(25), "share_amount": D(500)}))
    reinsurance = ok(combine_reinsurances(s, guaranty(POLICY, 0, 1, 1))).articles
    assert [(c["reinsurance_code"], c["treaty_ref"], c["ceded_pct"]) for c in reinsurance] == [
        ("XRE", "SURPLUS-86", D(50))
    ]
    coinsurance = ok(combine_coinsurances(s, pra(POLICY, 0, 1))).articles
    assert [(c["coinsurance_code"], c["share_pct"], c["share_amount"]) for c in coinsurance] == [
        ("XCO", D(25), D(1500))
    ]
    assert ok(combine_coinsurances(s, pra(POLICY, 0, 0))).articles[0]["share_amount"] == D(1000)


def test_constraint_12_risk_sharing_contact(org: Any) -> None:
    """Constraint 12: cells handling ceded contracts share risks with the companies they cede to."""
    s = org
    fire_policy(s, "700000-86", cell="B2-DEP")  # B2-DEP shares no risks with anybody
    refused = create_coinsurance(s, pra("700000-86"), "XCO", {"code": "CO1", "share_pct": D(10)})
    assert refused.rc == Constraint.RISK_SHARING_CONTACT.rc == 1012
    assert "cell B2-DEP handles PRA 700000-86/0/0" in refused.message and "XCO" in refused.message
    assert create_reinsurance(
        s, guaranty("700000-86"), "XRE", {"code": "RE1", "treaty_ref": "T", "ceded_pct": D(5)}
    ).rc == (Constraint.RISK_SHARING_CONTACT.rc)
    # a ceded contract handled by B1-DEP cannot move to B2-DEP, and B1-DEP keeps its contact
    fire_policy(s)
    ok(create_coinsurance(s, pra(), "XCO", {"code": "CO2", "share_pct": D(10)}))
    ok(delete_association(s, "Handling", {"code": "B1-DEP"}, pra()))
    moved = create_association(s, "Handling", {"code": "B2-DEP"}, pra())
    assert moved.rc == Constraint.RISK_SHARING_CONTACT.rc
    ok(create_association(s, "Handling", {"code": "B1-DEP"}, pra()))
    kept = delete_association(s, "RiskSharing", {"code": "B1-DEP"}, {"code": "XCO"})
    assert kept.rc == Constraint.RISK_SHARING_CONTACT.rc and "stays in contact" in kept.message
    ok(delete_association(s, "RiskSharing", {"code": "B1-DEP"}, {"code": "XRE"}))  # nothing ceded to XRE
