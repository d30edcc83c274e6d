"""Path requests: reads along paths, WRITE TARGET VIA PATH, WRITE ORIGIN AND TARGET,
BOUND and DEBOUND on 1-N, 1-1 and N-N paths."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from assurdb import RC
from tests.interface.helpers import PRA_ID, insured, ok, policy, pra, pra_id


@pytest.fixture
def s(admin: Any) -> Any:
    ok(
        admin.open_db(
            [(rt, 2) for rt in ("Insured", "PRA", "Guaranty", "Loss", "OrgCell", "Employee", "ECS", "Worker")]
        )
    )
    return admin


def test_targets_in_sort_order_then_identifier(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    starts = {"P3": date(1986, 3, 1), "P1": date(1986, 5, 1), "P2": date(1986, 3, 1)}
    for number, start in starts.items():
        policy(s, 1, number, cover_start=start)
    seen = []
    reply = s.read_target_via_path("Insured", {"code": 1}, "Insurance", "PRA")
    while reply.rc == RC.OK:
        seen.append(reply.article["policy_no"])
        reply = s.read_target_via_path("Insured", {"code": 1}, "Insurance", "PRA", reply.article)
    assert reply.rc == RC.TARGET_NOT_FOUND
    assert seen == ["P2", "P3", "P1"]  # by cover_start, then identifier
    # the current target may be given by its identifier only
    reply = s.read_target_via_path(
        "Insured", {"code": 1}, "Insurance", "PRA", {"policy_no": "P2", "renewal_no": 0, "endorsement_no": 0}
    )
    assert reply.article["policy_no"] == "P3"


def test_read_target_codes(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    ok(s.write("Insured", insured(2, "B")))
    policy(s, 1, "P1")
    assert s.read_target_via_path("Insured", {"code": 9}, "Insurance", "PRA").rc == RC.NOT_FOUND
    assert s.read_target_via_path("Insured", {"code": 2}, "Insurance", "PRA").rc == RC.TARGET_NOT_FOUND
    assert s.read_target_via_path("Nope", {"code": 1}, "Insurance", "PRA").rc == RC.RT_UNKNOWN
    assert s.read_target_via_path("Insured", {"code": 1}, "Insurance", "Nope").rc == RC.TARGET_RT_UNKNOWN
    assert s.read_target_via_path("Insured", {"code": 1}, "Nope", "PRA").rc == RC.PATH_INVALID
    assert s.read_target_via_path("Insured", {"code": 1}, "Accident", "PRA").rc == RC.PATH_INVALID
    assert s.read_target_via_path("Insured", {"code": "1"}, "Insurance", "PRA").rc == RC.VALUE_INVALID
    assert s.read_target_via_path("Insured", {"name": "A"}, "Insurance", "PRA").rc == RC.RT_MISMATCH
    current = {"policy_no": 5, "renewal_no": 0, "endorsement_no": 0}
    assert s.read_target_via_path("Insured", {"code": 1}, "Insurance", "PRA", current).rc == RC.TARGET_VALUE_INVALID
    assert s.read_target_via_path("Insured", {"code": 1}, "Insurance", "PRA", {"x": 1}).rc == RC.TARGET_MISMATCH
    # a current target that is not on this origin's path
    other = {"policy_no": "P9", "renewal_no": 0, "endorsement_no": 0}
    assert s.read_target_via_path("Insured", {"code": 1}, "Insurance", "PRA", other).rc == RC.TARGET_NOT_FOUND
    assert s.read_target_via_path("Insured", {"code": 1}, "Insurance", "Loss").rc == RC.PATH_INVALID


def test_read_origin_codes(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    policy(s, 1, "P1")
    reply = s.read_origin_via_path("Insured", "Insurance", "PRA", pra_id(pra("P1")))
    assert reply.article["name"] == "A"
    assert s.read_origin_via_path("Insured", "Insurance", "PRA", pra_id(pra("P1")), reply.article).rc == RC.NOT_FOUND
    assert s.read_origin_via_path("Insured", "Insurance", "PRA", pra_id(pra("P9"))).rc == RC.TARGET_NOT_FOUND
    assert s.read_origin_via_path("Insured", "Insurance", "PRA", {"x": 1}).rc == RC.TARGET_MISMATCH


def test_write_target_via_path_codes(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    policy(s, 1, "P1")
    loss = {"code": "L1", "loss_date": date(1986, 6, 1)}
    assert s.write_target_via_path("PRA", pra_id(pra("P9")), "Loss", loss, "Accident").rc == RC.NOT_FOUND
    reply = ok(s.write_target_via_path("PRA", pra_id(pra("P1")), "Loss", loss, "Accident"))
    assert reply.article["accident_policy_no"] == "P1"
    assert s.write_target_via_path("PRA", pra_id(pra("P1")), "Loss", loss, "Accident").rc == RC.TARGET_ALREADY_EXISTS
    clash = {**loss, "code": "L2", "accident_policy_no": "P2"}
    assert s.write_target_via_path("PRA", pra_id(pra("P1")), "Loss", clash, "Accident").rc == RC.TARGET_MISMATCH
    assert s.write_target_via_path("PRA", pra_id(pra("P1")), "Loss", {"code": "L3"}, "Accident").rc == (
        RC.TARGET_VALUE_INVALID
    )


def test_write_origin_and_target_both_or_neither(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    guaranty = {"guaranty_no": 1, "peril": "F"}
    reply = s.write_origin_and_target("PRA", pra("P1", insurance_code=1), "Guaranty", guaranty, "Breakdown")
    assert reply.rc == RC.OK and reply.article["policy_no"] == "P1"
    assert s.write_origin_and_target("PRA", pra("P1", insurance_code=1), "Guaranty", guaranty, "Breakdown").rc == (
        RC.ALREADY_EXISTS
    )
    bad_target = {"guaranty_no": 1, "peril": "F" * 21}
    reply = s.write_origin_and_target("PRA", pra("P2", insurance_code=1), "Guaranty", bad_target, "Breakdown")
    assert reply.rc == RC.TARGET_VALUE_INVALID
    assert s.read_direct("PRA", pra_id(pra("P2"))).rc == RC.NOT_FOUND  # neither
    ok(s.begin())
    ok(s.write_origin_and_target("PRA", pra("P3", insurance_code=1), "Guaranty", guaranty, "Breakdown"))
    reply = s.write_origin_and_target(
        "PRA",
        pra("P4", insurance_code=1),
        "Guaranty",
        {"guaranty_no": 1, "peril": "F", "damage_code": "L9"},
        "Breakdown",
    )
    assert reply.rc == RC.TARGET_NOT_FOUND  # the target names a loss that does not exist
    assert s.read_direct("PRA", pra_id(pra("P4"))).rc == RC.NOT_FOUND
    ok(s.commit())
    assert s.read_direct("PRA", pra_id(pra("P3"))).rc == RC.OK


def test_bound_and_debound_on_a_1n_path(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    policy(s, 1, "P1", guaranties=2)
    ok(
        s.write(
            "Loss",
            {
                "code": "L1",
                "loss_date": date(1986, 6, 1),
                "accident_policy_no": "P1",
                "accident_renewal_no": 0,
                "accident_endorsement_no": 0,
            },
        )
    )
    g1 = {**PRA_ID, "policy_no": "P1", "guaranty_no": 1}
    g2 = {**g1, "guaranty_no": 2}
    ok(s.bound("Loss", {"code": "L1"}, "Guaranty", g1, "Damage"))
    assert s.bound("Loss", {"code": "L1"}, "Guaranty", g1, "Damage").rc == RC.TARGET_ALREADY_EXISTS
    ok(
        s.write(
            "Loss",
            {
                "code": "L2",
                "loss_date": date(1986, 7, 1),
                "accident_policy_no": "P1",
                "accident_renewal_no": 0,
                "accident_endorsement_no": 0,
            },
        )
    )
    # a guaranty is damaged by at most one loss (1-N: the target has one origin)
    assert s.bound("Loss", {"code": "L2"}, "Guaranty", g1, "Damage").rc == RC.TARGET_ALREADY_EXISTS
    assert s.bound("Loss", {"code": "L9"}, "Guaranty", g2, "Damage").rc == RC.NOT_FOUND
    assert s.bound("Loss", {"code": "L2"}, "Guaranty", {**g2, "guaranty_no": 9}, "Damage").rc == RC.TARGET_NOT_FOUND
    assert s.read_target_via_path("Loss", {"code": "L1"}, "Damage", "Guaranty").article["guaranty_no"] == 1
    assert s.debound("Loss", {"code": "L2"}, "Guaranty", g1, "Damage").rc == RC.TARGET_NOT_FOUND
    ok(s.debound("Loss", {"code": "L1"}, "Guaranty", g1, "Damage"))
    assert s.read_target_via_path("Loss", {"code": "L1"}, "Damage", "Guaranty").rc == RC.TARGET_NOT_FOUND
    # the identifying path cannot be undone, and a loss needs its contract
    assert s.debound("PRA", pra_id(pra("P1")), "Guaranty", g1, "Breakdown").rc == RC.TARGET_CONSTRAINT
    assert s.debound("PRA", pra_id(pra("P1")), "Loss", {"code": "L1"}, "Accident").rc == RC.TARGET_CONSTRAINT
    assert s.read_origin_via_path("PRA", "Accident", "Loss", {"code": "L1"}).rc == RC.OK


def test_one_to_one_path(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    for number in ("P1", "P2", "P3"):
        policy(s, 1, number)
    ok(s.bound("PRA", pra_id(pra("P1")), "PRA", pra_id(pra("P2")), "RenewalEndorsement"))
    reply = s.bound("PRA", pra_id(pra("P1")), "PRA", pra_id(pra("P3")), "RenewalEndorsement")
    assert reply.rc == RC.ALREADY_EXISTS  # the origin already has its one target
    assert s.bound("PRA", pra_id(pra("P3")), "PRA", pra_id(pra("P2")), "RenewalEndorsement").rc == (
        RC.TARGET_ALREADY_EXISTS
    )
    successor = s.read_target_via_path("PRA", pra_id(pra("P1")), "RenewalEndorsement", "PRA")
    assert successor.article["policy_no"] == "P2"
    assert s.read_origin_via_path("PRA", "RenewalEndorsement", "PRA", pra_id(pra("P2"))).article["policy_no"] == "P1"


def test_many_to_many_path_with_a_link_item(s: Any) -> None:
    ok(s.write("OrgCell", {"code": "C1", "name": "Sales", "level": 3, "kind": "commercial"}))
    ok(s.write("OrgCell", {"code": "C2", "name": "Claims", "level": 3, "kind": "claims"}))
    for code, name in (("E1", "ZED"), ("E2", "ADA"), ("E3", "BOB")):
        ok(s.write("Employee", {"code": code, "name": name}))
    ok(s.bound("OrgCell", {"code": "C1"}, "Employee", {"code": "E1", "role": "director"}, "Composition"))
    ok(s.bound("OrgCell", {"code": "C1"}, "Employee", {"code": "E2"}, "Composition"))
    ok(s.bound("OrgCell", {"code": "C2"}, "Employee", {"code": "E1"}, "Composition"))
    assert s.bound("OrgCell", {"code": "C1"}, "Employee", {"code": "E2"}, "Composition").rc == RC.TARGET_ALREADY_EXISTS
    assert s.bound("OrgCell", {"code": "C1"}, "Employee", {"code": "E3", "role": "x" * 9}, "Composition").rc == (
        RC.TARGET_VALUE_INVALID
    )
    members = []
    reply = s.read_target_via_path("OrgCell", {"code": "C1"}, "Composition", "Employee")
    while reply.rc == RC.OK:
        members.append((reply.article["name"], reply.article["role"]))
        reply = s.read_target_via_path("OrgCell", {"code": "C1"}, "Composition", "Employee", reply.article)
    assert members == [("ADA", "member"), ("ZED", "director")]  # sorted by name
    cells = []
    reply = s.read_origin_via_path("OrgCell", "Composition", "Employee", {"code": "E1"})
    while reply.rc == RC.OK:
        cells.append(reply.article["code"])
        reply = s.read_origin_via_path("OrgCell", "Composition", "Employee", {"code": "E1"}, reply.article)
    assert cells == ["C1", "C2"] and reply.rc == RC.NOT_FOUND
    ok(s.debound("OrgCell", {"code": "C1"}, "Employee", {"code": "E1"}, "Composition"))
    assert s.debound("OrgCell", {"code": "C1"}, "Employee", {"code": "E1"}, "Composition").rc == RC.TARGET_NOT_FOUND
    # deleting an employee removes its links
    ok(s.delete("Employee", {"code": "E1"}))
    assert s.read_origin_via_path("OrgCell", "Composition", "Employee", {"code": "E1"}).rc == RC.TARGET_NOT_FOUND
    assert s.read_target_via_path("OrgCell", {"code": "C2"}, "Composition", "Employee").rc == RC.TARGET_NOT_FOUND


def test_path_requests_need_the_openings(db: Any, s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    policy(s, 1, "P1")
    reader = db.login("admin", "admin-secret")
    try:
        assert reader.read_target_via_path("Insured", {"code": 1}, "Insurance", "PRA").rc == RC.MODE_FORBIDS
        ok(reader.open_db([("Insured", 1), ("PRA", 1), ("Loss", 1)]))
        assert reader.read_target_via_path("Insured", {"code": 1}, "Insurance", "PRA").rc == RC.OK
        loss = {"code": "L1", "loss_date": date(1986, 6, 1)}
        assert reader.write_target_via_path("PRA", pra_id(pra("P1")), "Loss", loss, "Accident").rc == RC.MODE_FORBIDS
        # 600 before 400: a mode-1 session learns nothing about existence
        assert reader.bound("PRA", pra_id(pra("P9")), "Loss", {"code": "L9"}, "Accident").rc == RC.MODE_FORBIDS
    finally:
        reader.close()
