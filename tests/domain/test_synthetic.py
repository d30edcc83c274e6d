"""The synthetic company (domain/synthetic.py): built through the primitives, it satisfies every
integrity constraint, and the same seed gives the same company on every backend."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest

import assurdb
from assurdb.domain.constraints import articles_of
from assurdb.domain.constraints.scan import check_constraints
from assurdb.domain.synthetic import load_synthetic_company
from tests.conftest import ADMIN_PASSWORD

#: Record types whose content the digest covers (every item of every occurrence, in key order).
DIGESTED = ("ECS", "OrgCell", "Employee", "Intermediary", "ExtCompany", "Insured", "PRA", "Guaranty",
            "CoinsuranceCession", "ReinsuranceCession", "Loss", "Account")  # fmt: skip


def digest(session: Any) -> str:
    """SHA-256 of every occurrence of :data:`DIGESTED`, read back through the interface."""
    assert session.open_db([(rt, 1) for rt in DIGESTED]).ok
    sha = hashlib.sha256()
    for rt in DIGESTED:
        reply = session.read_selection(rt, {})
        assert reply.ok, reply
        for article in articles_of(reply.batch):
            sha.update(repr(sorted(article.items())).encode())
    assert session.close_db().ok
    return sha.hexdigest()


def test_a_tiny_company_is_the_same_on_every_backend(admin: Any, tmp_path: Path) -> None:
    report = load_synthetic_company(admin, seed=7, insured=12)
    assert report.counts["Insured"] == 12 and report.counts["PRA"] >= report.counts["policies"] >= 12
    result = check_constraints(admin)
    assert result.ok, result.message
    # the reference: the same seed on SQLite
    reference = assurdb.create(f"sqlite:///{tmp_path / 'reference.db'}", admin_password=ADMIN_PASSWORD)
    try:
        other = reference.login("admin", ADMIN_PASSWORD)
        assert load_synthetic_company(other, seed=7, insured=12).counts == report.counts
        assert digest(admin) == digest(other)
        other.close()
    finally:
        reference.close()


@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_two_hundred_insured(admin: Any) -> None:
    started = time.perf_counter()
    report = load_synthetic_company(admin, seed=1, insured=200)
    seconds = time.perf_counter() - started
    counts = report.counts
    # every kind of occurrence the company needs is there
    assert counts["Insured"] == 200 and counts["policies"] > 200
    for what in (
        "renewals",
        "endorsements",
        "previous terms",
        "CoinsuranceCession",
        "ReinsuranceCession",
        "Loss",
        "damaged guaranties",
        "cancelled PRAs",
        "Composition",
        "RiskSharing",
        "Communication",
    ):
        assert counts.get(what, 0) > 0, what  # fmt: skip
    assert counts["PRA"] == counts["policies"] + counts["renewals"] + counts["endorsements"]
    result = check_constraints(admin)
    assert result.ok, result.message
    print(f"synthetic company, 200 insured: {counts['PRA']} PRAs in {seconds:.1f} s")
