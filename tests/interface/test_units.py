"""Units of work (80/81/82) and atomicity: a failure halfway leaves nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from assurdb import RC
from tests.interface.helpers import insured, ok, policy, pra, pra_id


@pytest.fixture
def s(admin: Any) -> Any:
    ok(admin.open_db([(rt, 2) for rt in ("Insured", "PRA", "Guaranty", "Loss")]))
    return admin


def count(s: Any, rt: str) -> int:
    return len(s.read_selection(rt, {}).batch)


def test_unit_codes(s: Any) -> None:
    assert s.commit().rc == RC.ALREADY_CLOSED
    assert s.rollback().rc == RC.ALREADY_CLOSED
    ok(s.begin())
    assert s.begin().rc == RC.ALREADY_OPEN
    ok(s.write("Insured", insured(1, "A")))
    assert s.read_direct("Insured", {"code": 1}).rc == RC.OK  # a unit sees its own writes
    ok(s.rollback())
    assert s.read_direct("Insured", {"code": 1}).rc == RC.NOT_FOUND


def test_refusals_inside_a_unit_keep_the_unit(s: Any) -> None:
    ok(s.begin())
    ok(s.write("Insured", insured(1, "A")))
    assert s.write("Insured", insured(1, "A")).rc == RC.ALREADY_EXISTS
    assert s.write("Insured", {"code": 2, "name": 3}).rc == RC.VALUE_INVALID
    ok(s.write("Insured", insured(2, "B")))
    ok(s.commit())
    assert count(s, "Insured") == 2


def test_existence_constraint_at_commit_rolls_the_unit_back(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    ok(s.begin())
    ok(s.write("Insured", insured(2, "B")))
    ok(s.write_target_via_path("Insured", {"code": 1}, "PRA", pra("P1"), "Insurance"))  # no guaranty yet
    reply = s.commit()
    assert reply.rc == RC.ORIGIN_CONSTRAINT and "rolled back" in reply.message
    assert count(s, "Insured") == 1 and count(s, "PRA") == 0
    assert s.commit().rc == RC.ALREADY_CLOSED  # the unit is over


def test_a_target_written_alone_is_bound_before_commit(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    policy(s, 1, "P1")
    ok(s.begin())
    ok(s.write("Loss", {"code": "L1", "loss_date": date(1986, 6, 1)}))
    ok(s.bound("PRA", pra_id(pra("P1")), "Loss", {"code": "L1"}, "Accident"))
    ok(s.commit())
    ok(s.begin())
    ok(s.write("Loss", {"code": "L2", "loss_date": date(1986, 6, 1)}))
    assert s.commit().rc == RC.TARGET_CONSTRAINT
    assert count(s, "Loss") == 1


def test_moving_a_target_inside_a_unit(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    ok(s.write("Insured", insured(2, "B")))
    policy(s, 1, "P1")
    key = pra_id(pra("P1"))
    assert s.debound("Insured", {"code": 1}, "PRA", key, "Insurance").rc == RC.TARGET_CONSTRAINT
    ok(s.begin())
    ok(s.debound("Insured", {"code": 1}, "PRA", key, "Insurance"))
    ok(s.bound("Insured", {"code": 2}, "PRA", key, "Insurance"))
    ok(s.commit())
    assert s.read_origin_via_path("Insured", "Insurance", "PRA", key).article["code"] == 2


def test_deleting_whole_contracts_inside_a_unit(s: Any) -> None:
    ok(s.write("Insured", insured(1, "A")))
    policy(s, 1, "P1", guaranties=3)
    key = pra_id(pra("P1"))
    ok(s.begin())
    for n in (1, 2, 3):
        ok(s.delete("Guaranty", {**key, "guaranty_no": n}))
    ok(s.delete("PRA", key))
    ok(s.commit())
    assert count(s, "PRA") == 0 and count(s, "Guaranty") == 0


@pytest.mark.parametrize("n", [3, 6, 400])
def test_the_end_of_unit_check_finds_the_article_per_article_or_set_based(s: Any, n: int) -> None:
    """Up to the backend's ``bulk_check`` (256; 4 on DuckDB) pending articles are checked one by one,
    beyond it by one query per constraint: the same answer either way."""
    ok(s.write_batch("Insured", [insured(k, f"N{k}") for k in range(1, n + 1)]))
    pras = [pra(f"P{k}", insurance_code=k) for k in range(1, n + 1)]
    guaranties = [{**pra_id(p), "guaranty_no": 1, "peril": "F"} for p in pras]
    ok(s.begin())
    ok(s.write_batch("PRA", pras))
    ok(s.write_batch("Guaranty", guaranties[:-2]))
    reply = s.commit()
    first = min(f"P{n - 1}", f"P{n}")  # of the two without a guaranty, the first in identifier order
    assert reply.rc == RC.ORIGIN_CONSTRAINT and f"PRA {first}/0/0 would lack" in reply.message
    ok(s.begin())
    ok(s.write_batch("PRA", pras))
    ok(s.write_batch("Guaranty", guaranties))
    ok(s.commit())
    assert count(s, "Guaranty") == n
