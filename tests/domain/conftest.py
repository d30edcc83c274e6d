"""Shared set-ups of the domain primitive tests: a tiny organisation and a few policies, built
through the primitives themselves, on every backend (the ``backend`` / ``db`` / ``admin`` fixtures).

The tiny company (thesis IV.3): head office HO (level 1, region BRU) over branches B1 (BRU) and
B2 (ANT); B1 is decomposed B1-COM (level 1, commercial) → B1-SAL (2) → B1-DEP (3, the department
that handles policies and shares risks with coinsurer XCO and reinsurer XRE, and communicates with
agent AG1), plus B1-PRD (level 1, production); B2 has B2-COM → B2-SAL → B2-DEP (not in contact with
any company); HO has HO-MGT (level 1, management). Employees: E1 in B1-DEP, E2 director of HO-MGT,
E3 general manager of B2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from assurdb.domain.primitives import (
    Result,
    create_associations,
    create_occurrences,
    create_policy,
)
from assurdb.domain.synthetic import RECORD_TYPES
from assurdb.metadb.contract import Mode

D = Decimal
#: Every record type the domain primitives write (the synthetic loader opens the same ones).
DOMAIN_RTS = RECORD_TYPES
POLICY = "123456-86"
DUPONT = 1234000000
DURAND = 1234000001


def pra(policy_no: str = POLICY, renewal_no: int = 0, endorsement_no: int = 0) -> dict[str, Any]:
    return {"policy_no": policy_no, "renewal_no": renewal_no, "endorsement_no": endorsement_no}


def guaranty(policy_no: str = POLICY, renewal_no: int = 0, endorsement_no: int = 0, no: int = 1) -> dict[str, Any]:
    return {**pra(policy_no, renewal_no, endorsement_no), "guaranty_no": no}


def ok(result: Result) -> Result:
    """Assert a primitive succeeded and give it back (the message shows why when it did not)."""
    assert result.ok, repr(result)
    return result


@pytest.fixture
def s(admin: Any) -> Iterator[Any]:
    """The admin session with every record type the primitives use open in mode 2 (as an
    application holding them would: the primitives then open nothing themselves)."""
    assert admin.open_db([(rt, Mode.MODIFY_SHARED) for rt in DOMAIN_RTS]).ok
    yield admin


def build_org(s: Any) -> None:
    """The tiny organisation of the module docstring, through the primitives."""
    ok(
        create_occurrences(
            s,
            "ECS",
            [
                {"code": "HO", "name": "HEAD OFFICE", "region": "BRU", "level": 1},
                {"code": "B1", "name": "BRANCH BRUSSELS", "region": "BRU", "level": 0, "centralisation_code": "HO"},
                {"code": "B2", "name": "BRANCH ANTWERP", "region": "ANT", "level": 0, "centralisation_code": "HO"},
            ],
        )
    )
    cells = [
        {"code": "HO-MGT", "name": "MANAGEMENT", "level": 1, "kind": "management", "organisation_code": "HO"},
        {"code": "B1-COM", "name": "B1 COMMERCIAL", "level": 1, "kind": "commercial", "organisation_code": "B1"},
        {"code": "B1-SAL", "name": "B1 SALES", "level": 2, "kind": "commercial", "decomposition_code": "B1-COM"},
        {"code": "B1-DEP", "name": "B1 SALES DEPT", "level": 3, "kind": "commercial", "decomposition_code": "B1-SAL"},
        {"code": "B1-PRD", "name": "B1 PRODUCTION", "level": 1, "kind": "production", "organisation_code": "B1"},
        {"code": "B2-COM", "name": "B2 COMMERCIAL", "level": 1, "kind": "commercial", "organisation_code": "B2"},
        {"code": "B2-SAL", "name": "B2 SALES", "level": 2, "kind": "commercial", "decomposition_code": "B2-COM"},
        {"code": "B2-DEP", "name": "B2 SALES DEPT", "level": 3, "kind": "commercial", "decomposition_code": "B2-SAL"},
    ]
    ok(create_occurrences(s, "OrgCell", cells))
    ok(
        create_occurrences(
            s,
            "Employee",
            [
                {"code": "E1", "name": "MARTIN LUC", "function": "underwriter"},
                {"code": "E2", "name": "PEETERS ANNE", "function": "director"},
                {"code": "E3", "name": "MAES KOEN", "function": "branch manager"},
            ],
        )
    )
    ok(create_associations(s, "Composition", [({"code": "B1-DEP"}, {"code": "E1"}, {"role": "member"})]))
    ok(create_associations(s, "Composition", [({"code": "HO-MGT"}, {"code": "E2"}, {"role": "director"})]))
    ok(create_associations(s, "GeneralManagement", [({"code": "B2"}, {"code": "E3"})]))
    ok(
        create_occurrences(
            s,
            "ExtCompany",
            [
                {"code": "XCO", "name": "COINSURER SA", "country": "BE", "kind": "insurer"},
                {"code": "XRE", "name": "REINSURER AG", "country": "DE", "kind": "reinsurer"},
            ],
        )
    )
    ok(
        create_associations(
            s, "RiskSharing", [({"code": "B1-DEP"}, {"code": "XCO"}), ({"code": "B1-DEP"}, {"code": "XRE"})]
        )
    )
    ok(create_occurrences(s, "Intermediary", [{"code": "AG1", "name": "AGENT ONE", "kind": "agent"}]))
    ok(create_associations(s, "Communication", [({"code": "B1-DEP"}, {"code": "AG1"})]))
    ok(
        create_occurrences(
            s,
            "Insured",
            [{"code": DUPONT, "name": "DUPONT ANNET"}, {"code": DURAND, "name": "DURAND-TOLLET"}],
        )
    )


@pytest.fixture
def org(s: Any) -> Any:
    """The admin session (``s``) with the tiny organisation built."""
    build_org(s)
    return s


def fire_policy(s: Any, policy_no: str = POLICY, *, insured: int = DUPONT, cell: str | None = "B1-DEP") -> Result:
    """A FIRE policy for 1986 with two guaranties (premium 600 + 400, sums insured 100 000 + 20 000)."""
    return ok(
        create_policy(
            s,
            {
                "policy_no": policy_no,
                "class_of_business": "FIRE",
                "territory": "BE",
                "cover_start": dt.date(1986, 1, 1),
                "cover_end": dt.date(1986, 12, 31),
                "sum_insured": D("120000.00"),
                "premium": D("1000.00"),
            },
            [
                {"peril": "FIRE", "sum_insured": D("100000.00"), "premium": D("600.00")},
                {"peril": "THEFT", "sum_insured": D("20000.00"), "premium": D("400.00")},
            ],
            insured=insured,
            handling_cell=cell,
            intermediary="AG1" if cell == "B1-DEP" else None,
        )
    )
