"""The insurance schema's first real migration, on every DBMS: a version 1 database with policies,
cessions and losses moves to version 2 in place (``assurdb migrate apply`` without a file), keeps
its data, and takes treaties, placements and loss movements afterwards — the cessions made before
their treaty linked when it is entered."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from assurdb.domain.accounting import account_all, install_chart
from assurdb.domain.primitives import (
    create_loss,
    create_loss_movement,
    create_reinsurance,
    create_treaty,
    find_occurrence,
)
from assurdb.metadb.loader import builtin_path, load
from assurdb.migrations import migrate_apply, migrate_plan
from assurdb.migrations.interfaces import interface_for
from assurdb.runtime.database import open_database
from tests.conftest import ADMIN_PASSWORD
from tests.domain.conftest import POLICY, D, build_org, fire_policy, guaranty, ok

V1 = Path(str(builtin_path("insurance"))).parent / "history" / "insurance-1.yaml"
LOGIN = {"user": "admin", "password": ADMIN_PASSWORD}


def test_an_insurance_database_of_version_1_moves_to_version_2(make_url: Any, backend: str) -> None:
    url = make_url()
    old = load(V1)
    assert old.version == 1 and "Treaty" not in old.record_types
    db = open_database(interface_for(old, backend)[0], url, create=True, admin_password=ADMIN_PASSWORD)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        build_org(s)  # a fresh session: each primitive opens what its checks read
        fire_policy(s)
        ok(create_reinsurance(s, guaranty(), "XRE", {"code": "RE1", "treaty_ref": "QS-1986", "ceded_pct": D(30)}))
        ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1), "amount": D(900)}, policy_no=POLICY))
        assert install_chart(s, opened_on=dt.date(1986, 1, 1)).ok
        assert account_all(s, writing_date=dt.date(1986, 3, 31), payment_date=dt.date(1986, 3, 31)).ok
    finally:
        s.close()
        db.close()

    report = migrate_plan(url, **LOGIN)
    assert not report.refusals, report.text()
    kinds = {c.kind for c in report.plan.changes}
    assert {"add record type", "add path", "add item"} <= kinds
    assert {c.safety for c in report.plan.changes} == {"safe"}, report.text()  # no default needed, no data lost
    applied = migrate_apply(url, **LOGIN)  # 1 → 2 with version 2's data steps, then 2 → 3
    assert applied.applied and [r.plan.new.version for r in applied.previous] == [2]
    assert applied.plan.old.version == 2 and applied.plan.new.version == 3

    new = load(builtin_path("insurance"))
    db = open_database(interface_for(new, backend)[0], url)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        loss = ok(find_occurrence(s, "Loss", {"code": "L1"})).article
        assert loss is not None and (loss["amount"], loss["outstanding"], loss["recovered"]) == (D(900), D(900), 0)
        assert loss["accounted_outstanding"] == D(900)  # computed by the migration: the ledger's reserve
        cession = ok(find_occurrence(s, "ReinsuranceCession", {"code": "RE1"})).article
        assert cession is not None and cession["treaty_code"] is None
        treaty = {
            "code": "QS-1986",
            "underwriting_year": 1986,
            "kind": "quota_share",
            "inception": dt.date(1986, 1, 1),
            "expiry": dt.date(1986, 12, 31),
            "share_pct": D(30),
        }
        assert "1 cession(s) linked" in ok(create_treaty(s, treaty, {"XRE": D(100)})).message
        assert ok(find_occurrence(s, "ReinsuranceCession", {"code": "RE1"})).article["treaty_code"] == "QS-1986"  # type: ignore[index]
        ok(create_loss_movement(s, "L1", "payment", dt.date(1986, 4, 1), D(400)))
        loss = ok(find_occurrence(s, "Loss", {"code": "L1"})).article
        assert loss is not None and (loss["paid"], loss["outstanding"]) == (D(400), D(500))
        done = account_all(s, writing_date=dt.date(1986, 4, 30), payment_date=dt.date(1986, 4, 30))
        assert done.ok and [j.event for j in done.journals if j.source_id == "L1"] == ["payment"]
        assert ok(find_occurrence(s, "Loss", {"code": "L1"})).article["accounted_outstanding"] == D(500)  # type: ignore[index]
    finally:
        s.close()
        db.close()
