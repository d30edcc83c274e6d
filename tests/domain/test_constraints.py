"""The fifteen integrity constraints of thesis IV.6, IV.3.8's rule and the endorsement
amounts rule, on every backend: each refused by the primitive that would break it (with its code
1000 + n and its message), and each reported by ``check_constraints`` when the data breaks it
anyway (written straight through the interface, around the primitives)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assurdb.domain.constraints import Constraint
from assurdb.domain.constraints.scan import check_constraints
from assurdb.domain.primitives import (
    create_association,
    create_endorsement,
    create_loss,
    create_occurrence,
    damage,
    modify_occurrence,
)
from assurdb.metadb.contract import RC
from tests.domain.conftest import DUPONT, POLICY, D, fire_policy, guaranty, ok, pra


def _codes(result: Any) -> set[int]:
    return {int(v.constraint) for v in result.violations}


def test_the_tiny_company_satisfies_every_constraint(org: Any) -> None:
    fire_policy(org)
    result = check_constraints(org)
    assert result.ok and result.violations == (), result.message


def test_constraints_1_and_2_centralisation(org: Any) -> None:
    s = org
    # 2: contiguous levels only — a branch cannot report to a branch
    flat = create_occurrence(s, "ECS", {"code": "B3", "name": "B3", "region": "BRU", "level": 0,
                                        "centralisation_code": "B1"})  # fmt: skip
    assert flat.rc == 1002 and flat.constraint is Constraint.CONTIGUOUS_CENTRALISATION
    assert "contiguous levels only: ECS B1 is level 0, ECS B3 level 0" in flat.message
    ok(create_occurrence(s, "ECS", {"code": "B3", "name": "B3", "region": "BRU", "level": 0}))
    ok(create_occurrence(s, "ECS", {"code": "TOP", "name": "WORLD HQ", "region": "BRU", "level": 3}))
    skip = create_association(s, "Centralisation", {"code": "TOP"}, {"code": "B3"})
    assert skip.rc == 1002 and "ECS TOP is level 3, ECS B3 level 0" in skip.message
    # 1: every ECS reports to the level just above — not below
    upside_down = create_association(s, "Centralisation", {"code": "B3"}, {"code": "HO"})
    assert upside_down.rc == 1001 and "must report to the level just above" in upside_down.message
    # a level change that would break the links it has (HO over B1 and B2)
    moved = modify_occurrence(s, "ECS", {"code": "HO", "level": 4})
    assert moved.rc == 1002 and moved.constraint is Constraint.CONTIGUOUS_CENTRALISATION
    # the existence half of 1, on demand: only the head office (TOP, the highest) reports to nobody
    found = check_constraints(s, only={1})
    assert found.rc == 1001 and {v.subject for v in found.violations} == {"ECS B3", "ECS HO"}
    assert "only the head office reports to nobody, but ECS B3 (level 0)" in found.message


def test_constraint_3_geographic_proximity(org: Any) -> None:
    s = org
    # E1 works in B1-DEP (branch B1, region BRU); B2 lies in region ANT
    far = create_association(s, "Composition", {"code": "B2-DEP"}, {"code": "E1"}, link={"role": "member"})
    assert far.rc == 1003 and "geographically close" in far.message and "ECS B2 (ANT)" in far.message
    assert create_association(s, "GeneralManagement", {"code": "B2"}, {"code": "E1"}).rc == 1003
    ok(create_association(s, "GeneralManagement", {"code": "HO"}, {"code": "E1"}))  # HO is in BRU too
    # moving the head office to ANT would split E1 between two regions
    moved = modify_occurrence(s, "ECS", {"code": "HO", "region": "ANT"})
    assert moved.rc == 1003 and "cannot move to region ANT" in moved.message


def test_constraints_4_5_7_and_iv38_on_cells(org: Any) -> None:
    s = org
    # 4: Decomposition links contiguous levels; a level-1 cell is part of no other cell
    gap = create_occurrence(s, "OrgCell", {"code": "B1-X", "name": "X", "level": 3, "kind": "commercial",
                                          "decomposition_code": "B1-COM"})  # fmt: skip
    assert gap.rc == 1004 and "contiguous levels only: cell B1-COM is level 1, cell B1-X level 3" in gap.message
    top = create_occurrence(s, "OrgCell", {"code": "B1-Y", "name": "Y", "level": 1, "kind": "support",
                                          "decomposition_code": "B1-SAL"})  # fmt: skip
    assert top.rc == 1004 and "level 1: it is part of no other cell" in top.message
    # 7: an ECS is decomposed into level-1 cells only
    deep = create_occurrence(s, "OrgCell", {"code": "B1-Z", "name": "Z", "level": 2, "kind": "support",
                                           "organisation_code": "B1"})  # fmt: skip
    assert deep.rc == 1007 and "level-1 cells only, not cell B1-Z of level 2" in deep.message
    # IV.3.8: a central entity has no production cell, directly or below
    central = create_occurrence(s, "OrgCell", {"code": "HO-PRD", "name": "P", "level": 1, "kind": "production",
                                              "organisation_code": "HO"})  # fmt: skip
    assert central.rc == 1016 and central.constraint is Constraint.NO_CENTRAL_PRODUCTION
    below = create_occurrence(s, "OrgCell", {"code": "HO-P2", "name": "P", "level": 2, "kind": "production",
                                            "decomposition_code": "HO-MGT"})  # fmt: skip
    assert below.rc == 1016 and "central entity HO (level 1) may have no production cell" in below.message
    # 5: only level-3 commercial cells share risks or communicate with intermediaries
    service = create_association(s, "RiskSharing", {"code": "B1-SAL"}, {"code": "XCO"})
    assert service.rc == 1005 and "level-2 commercial cell" in service.message
    assert create_association(s, "Communication", {"code": "B1-PRD"}, {"code": "AG1"}).rc == 1005
    assert modify_occurrence(s, "OrgCell", {"code": "B1-DEP", "kind": "claims"}).rc == 1005  # it shares risks
    assert modify_occurrence(s, "OrgCell", {"code": "B1-DEP", "level": 2}).rc == 1004


def test_organisation_constraints_on_demand(s: Any) -> None:
    """What only a whole database shows (an ECS without cells, an idle employee, a gap in the
    journal), and what was written around the primitives: ``check_constraints`` reports it all."""
    from tests.domain.conftest import build_org

    build_org(s)
    assert check_constraints(s).ok
    # around the primitives: a production cell under the head office, a level-2 cell under B2,
    # a service sharing risks, an employee split between regions, a lone ECS, an idle employee
    assert s.write("OrgCell", {"code": "HO-PRD", "name": "P", "level": 1, "kind": "production",
                               "organisation_code": "HO"}).ok  # fmt: skip
    assert s.write("OrgCell", {"code": "B2-X", "name": "X", "level": 2, "kind": "support",
                               "organisation_code": "B2"}).ok  # fmt: skip
    assert s.write("OrgCell", {"code": "B2-Y", "name": "Y", "level": 3, "kind": "support",
                               "decomposition_code": "B2-COM"}).ok  # fmt: skip
    assert s.bound("OrgCell", {"code": "B1-SAL"}, "ExtCompany", {"code": "XCO"}, "RiskSharing").ok
    assert s.bound("ECS", {"code": "B2"}, "Employee", {"code": "E1"}, "GeneralManagement").ok
    assert s.write("ECS", {"code": "B9", "name": "LONELY", "region": "BRU", "level": 0}).ok
    assert s.write("Employee", {"code": "E9", "name": "IDLE"}).ok
    # 15: entries 1, 2, 4 — a gap
    assert s.write("Account", {"number": 700000, "name": "Premiums", "type": "premium"}).ok
    for number in (1, 2, 4):
        entry = {"number": number, "journal_no": 1, "writing_date": dt.date(1986, 1, 1), "amount": D(10),
                 "side": "D", "accounting_number": 700000}  # fmt: skip
        assert s.write("Entry", entry).ok
    found = check_constraints(s)
    assert found.rc == 1001
    assert _codes(found) == {1, 3, 4, 5, 6, 7, 15, 16}
    messages = {int(v.constraint): v.message for v in found.violations}
    assert "ECS B9 (level 0) reports to no entity" in messages[1]
    assert "employee E1" in messages[3]
    assert "employee E9 is in no Composition" in messages[6]
    assert "ECS B9 must be decomposed into at least one level-1 cell" in messages[7]
    assert "entry numbers are consecutive, but 2 is followed by 4" in messages[15]
    assert "central entity HO" in messages[16]
    only = check_constraints(s, only={15})
    assert _codes(only) == {15} and only.rc == 1015


def test_chain_constraints_8_to_11(org: Any) -> None:
    s = org
    fire_policy(s)
    fire_policy(s, "654321-86")
    ok(create_endorsement(s, POLICY, {"territory": "LU"}))
    new = {"class_of_business": "FIRE", "cover_start": dt.date(1986, 1, 1), "cover_end": dt.date(1986, 12, 31),
           "insurance_code": DUPONT}  # fmt: skip

    def chained(no: tuple[int, int], after: tuple[int, int] | None) -> dict[str, Any]:
        article = {**pra(POLICY, *no), **new}
        if after is not None:
            article.update(renewal_endorsement_policy_no=POLICY, renewal_endorsement_renewal_no=after[0],
                           renewal_endorsement_endorsement_no=after[1])  # fmt: skip
        return article

    # 8: a policy is nobody's renewal or endorsement
    policy = create_association(s, "RenewalEndorsement", pra(POLICY, 0, 1), pra("654321-86"))
    assert policy.rc == 1008 and "654321-86/0/0 is a policy" in policy.message
    # 9: an endorsement depends on the previous endorsement (here /0/1), numbers matching
    wrong = create_occurrence(s, "PRA", chained((0, 2), (0, 0)))
    assert wrong.rc == 1009 and "depends on 123456-86/0/1" in wrong.message
    assert create_occurrence(s, "PRA", chained((0, 2), None)).rc == 1009  # depending on nothing
    # 10: a renewal depends on the last PRA of the previous term (/0/1), endorsement number 0
    early = create_occurrence(s, "PRA", chained((1, 0), (0, 0)))
    assert early.rc == 1010 and "the last PRA of term 0" in early.message
    # 11: numbers are consecutive from 1
    gap = create_occurrence(s, "PRA", chained((0, 3), (0, 1)))
    assert gap.rc == 1011 and "needs 123456-86/0/2, which does not exist" in gap.message
    assert create_occurrence(s, "PRA", chained((2, 0), (0, 1))).rc == 1011
    # on demand: a chain written around the primitives (an endorsement of a missing policy)
    assert s.begin().ok
    assert s.write("PRA", {**pra("999000-86", 0, 1), **new}).ok
    assert s.write_target_via_path("PRA", pra("999000-86", 0, 1), "Guaranty", {"guaranty_no": 1, "peril": "F"},
                                   "Breakdown").ok  # fmt: skip
    assert s.commit().ok
    found = check_constraints(s, only={8, 9, 10, 11})
    assert _codes(found) == {9, 11} and all("999000-86" in v.message for v in found.violations)


def test_loss_constraints_13_and_14(org: Any) -> None:
    s = org
    fire_policy(s)
    fire_policy(s, "654321-86")
    ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 5, 1), "amount": D(100)}, policy_no=POLICY))
    ok(create_loss(s, {"code": "L2", "loss_date": dt.date(1986, 6, 1), "amount": D(100)}, policy_no="654321-86"))
    # 14: the loss date lies inside its PRA's cover — whichever primitive moves either (plain MODIFY
    # may not: the dates change the accounts, 1101)
    assert modify_occurrence(s, "Loss", {"code": "L1", "loss_date": dt.date(1987, 5, 1)}).rc == 1101
    late = modify_occurrence(
        s, "Loss", {"code": "L1", "loss_date": dt.date(1987, 5, 1)}, allowed=frozenset({"loss_date"})
    )
    assert late.rc == 1014 and "lies outside the cover period 1986-01-01 – 1986-12-31" in late.message
    short = modify_occurrence(s, "PRA", {**pra(), "cover_end": dt.date(1986, 4, 30)}, allowed=frozenset({"cover_end"}))
    assert short.rc == 1014 and short.constraint is Constraint.LOSS_DATE
    # 13: a loss damages guaranties of its own contract only — DAMAGE, CREATE ASSOCIATION, MODIFY
    assert damage(s, guaranty("654321-86"), "L1", pct=D(5)).rc == 1013
    linked = create_association(s, "Damage", {"code": "L1"}, guaranty("654321-86"))
    assert linked.rc == 1013 and "not 654321-86/0/0 guaranty 1" in linked.message
    assert modify_occurrence(s, "Guaranty", {**guaranty("654321-86"), "damage_code": "L1"}).rc == 1013
    # 14 in DAMAGE: the PRA's cover moved around the primitives, the loss now lies outside it
    assert s.rewrite("PRA", {**pra(), "cover_start": dt.date(1986, 6, 1)}).ok
    outside = damage(s, guaranty(), "L1", pct=D(5))
    assert outside.rc == 1014
    # on demand: 13 and 14 as written around the primitives
    assert s.rewrite("Guaranty", {**guaranty("654321-86", no=2), "damage_code": "L1"}).ok
    found = check_constraints(s, only={13, 14})
    assert _codes(found) == {13, 14}
    assert found.rc == 1013 and any("L1" in v.message and "654321-86" in v.message for v in found.violations)


def test_cession_contact_and_amounts_on_demand(org: Any) -> None:
    """Constraint 12 amounts, as written around the primitives."""
    s = org
    fire_policy(s)
    ok(create_endorsement(s, POLICY, {"premium": D(900)}))  # stores −100: allowed, the total stays 900
    assert s.write("CoinsuranceCession", {"code": "CO1", "share_pct": D(10), "coinsurance_code": "XCO",
                                          "responsibility_sharing_policy_no": POLICY,
                                          "responsibility_sharing_renewal_no": 0,
                                          "responsibility_sharing_endorsement_no": 0}).ok  # fmt: skip
    assert check_constraints(s).ok
    assert s.debound("OrgCell", {"code": "B1-DEP"}, "ExtCompany", {"code": "XCO"}, "RiskSharing").ok
    assert s.rewrite("PRA", {**pra(POLICY, 0, 1), "premium": D(-1500)}).ok  # 1 000 − 1 500 < 0
    found = check_constraints(s, only={12, 17})
    assert _codes(found) == {12, 17}
    messages = {int(v.constraint): v.message for v in found.violations}
    assert "cell B1-DEP handles PRA 123456-86/0/0, whose coinsurance cession CO1 goes to company XCO" in messages[12]
    assert "premium would be -500.00" in messages[17]
    assert check_constraints(s, only={5}).rc == RC.OK
